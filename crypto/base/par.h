/* Running one function on several threads at once.
 *
 * cv_par_run calls fn(arg) on `n` threads, the caller's own among them, and
 * returns when every call has returned. fn takes its own work from shared
 * state (an atomic counter or a locked index), so a thread that could not
 * be started only means the others take more. */
#ifndef CV_BASE_PAR_H
#define CV_BASE_PAR_H

#include <pthread.h>
#include <stddef.h>

/* Online CPUs (at least 1). */
size_t cv_par_cpus(void);

/* Threads worth starting for `items` pieces of work when each thread should
 * have at least `per_thread` of them: 1 to min(cpus, CV_PAR_MAX_THREADS). */
size_t cv_par_threads(size_t items, size_t per_thread);

void cv_par_run(size_t n, void *(*fn)(void *), void *arg);

/* pthread_create(t, NULL, fn, arg), the thread starting on another CPU than
 * the caller's when the caller may use another (see par.c). */
int cv_par_start(pthread_t *t, void *(*fn)(void *), void *arg);

#endif
