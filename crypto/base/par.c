#include "crypto/base/par.h"

#include <pthread.h>
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

void cv_par_run(size_t n, void *(*fn)(void *), void *arg)
{
    pthread_t t[CV_PAR_MAX_THREADS];
    size_t started = 0;
    if (n > CV_PAR_MAX_THREADS) n = CV_PAR_MAX_THREADS;
    for (size_t i = 1; i < n; i++)
        if (pthread_create(&t[started], NULL, fn, arg) == 0) started++;
    fn(arg);
    for (size_t i = 0; i < started; i++) pthread_join(t[i], NULL);
}
