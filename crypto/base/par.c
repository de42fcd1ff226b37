#include "crypto/base/par.h"

#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <unistd.h>

#include "crypto/base/limits.h"

size_t cv_par_cpus(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (size_t)n : 1;
}

size_t cv_par_threads(size_t items, size_t per_thread)
{
    size_t n = per_thread ? items / per_thread : items;
    size_t cpus = cv_par_cpus();
    if (n > cpus) n = cpus;
    if (n > CV_PAR_MAX_THREADS) n = CV_PAR_MAX_THREADS;
    return n ? n : 1;
}

/* Linux may queue a new thread on its creator's CPU and leave it there,
 * behind the creator's own work, until load balancing moves it: on this
 * project's 2-vCPU machines a thread created while its creator computes
 * first ran ~1.9 ms later, against ~60 us when its affinity named the
 * other CPU. So a thread is created allowed every CPU of its creator's but
 * the current one, and takes back the whole set once it runs (which does
 * not move it). */
typedef struct {
    void *(*fn)(void *);
    void *arg;
    cpu_set_t all;
} launch;

static void *launch_main(void *p)
{
    launch l = *(launch *)p;
    free(p);
    (void)pthread_setaffinity_np(pthread_self(), sizeof(l.all), &l.all);
    return l.fn(l.arg);
}

int cv_par_start(pthread_t *t, void *(*fn)(void *), void *arg)
{
    cpu_set_t all, others;
    int cpu = sched_getcpu();
    if (cpu < 0 || cpu >= CPU_SETSIZE || sched_getaffinity(0, sizeof(all), &all) != 0)
        return pthread_create(t, NULL, fn, arg);
    others = all;
    CPU_CLR(cpu, &others);
    launch *l = CPU_COUNT(&others) ? malloc(sizeof(*l)) : NULL;
    if (l == NULL) return pthread_create(t, NULL, fn, arg);
    *l = (launch){ fn, arg, all };
    pthread_attr_t at;
    int rc = pthread_attr_init(&at);
    if (rc == 0) {
        rc = pthread_attr_setaffinity_np(&at, sizeof(others), &others);
        if (rc == 0) rc = pthread_create(t, &at, launch_main, l);
        pthread_attr_destroy(&at);
    }
    if (rc != 0) {
        free(l);
        return pthread_create(t, NULL, fn, arg);
    }
    return 0;
}

void cv_par_run(size_t n, void *(*fn)(void *), void *arg)
{
    pthread_t t[CV_PAR_MAX_THREADS];
    size_t started = 0;
    if (n > CV_PAR_MAX_THREADS) n = CV_PAR_MAX_THREADS;
    for (size_t i = 1; i < n; i++)
        if (cv_par_start(&t[started], fn, arg) == 0) started++;
    fn(arg);
    for (size_t i = 0; i < started; i++) pthread_join(t[i], NULL);
}
