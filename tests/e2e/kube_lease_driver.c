/* Test driver for reconcile/kube/lease: one candidate in a leader
 * election. Prints, flushed, "LEADING MS" when it becomes leader and
 * "LOST MS" when it loses leadership (MS: milliseconds since start), and
 * "RELEASED" when SIGTERM made it give the lease up before exiting.
 *
 *   kube_lease_driver KUBECONFIG NS LEASE IDENTITY SECONDS DURATION_MS RENEW_MS RETRY_MS
 *
 * KUBECONFIG "in-cluster:DIR" loads the in-cluster configuration with DIR
 * as the service-account directory (token, ca.crt, namespace) and
 * $KUBERNETES_SERVICE_HOST/PORT, as a pod would. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "reconcile/kube/lease.h"
#include "secrets/runtime/init.h"

static volatile sig_atomic_t term;

static void on_term(int sig)
{
    (void)sig;
    term = 1;
}

static long long ms_since(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)(t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000;
}

static int fail(cv_result r)
{
    fprintf(stderr, "kube_lease_driver: %s\n", cv_err_detail()[0] ? cv_err_detail() : cv_strerror(r.err));
    return 1;
}

static void nap(unsigned long ms)
{
    if (ms > 100) ms = 100;
    struct timespec ts = { 0, (long)ms * 1000000L };
    nanosleep(&ts, NULL);
}

int main(int argc, char **argv)
{
    if (argc != 9) {
        fprintf(stderr, "usage: kube_lease_driver KUBECONFIG NS LEASE IDENTITY SECONDS DURATION_MS RENEW_MS RETRY_MS\n");
        return 2;
    }
    signal(SIGTERM, on_term);
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    cv_result r = cv_secrets_init();
    if (!cv_is_ok(r)) return fail(r);
    cv_kube_load_opts lo = { .kubeconfig = argv[1], .no_in_cluster = true };
    if (strncmp(argv[1], "in-cluster:", 11) == 0)
        lo = (cv_kube_load_opts){ .env_kubeconfig = "/nonexistent/kubeconfig", .sa_dir = argv[1] + 11 };
    cv_kube *k = NULL;
    if (!cv_is_ok(r = cv_kube_open(&lo, &k))) return fail(r);
    cv_kube_lease_opts o = { .ns = argv[2], .name = argv[3], .identity = argv[4],
                             .lease_duration_ms = (unsigned)strtoul(argv[6], NULL, 10),
                             .renew_deadline_ms = (unsigned)strtoul(argv[7], NULL, 10),
                             .retry_period_ms = (unsigned)strtoul(argv[8], NULL, 10) };
    cv_kube_elector *e = NULL;
    if (!cv_is_ok(r = cv_kube_elector_new(k, &o, &e))) return fail(r);
    long long end = (long long)strtoul(argv[5], NULL, 10) * 1000;
    bool was = false;
    while (!term && ms_since(&t0) < end) {
        bool now = false;
        r = cv_kube_elector_step(e, &now);
        if (!cv_is_ok(r)) fprintf(stderr, "kube_lease_driver: step: %s\n", cv_err_detail());
        if (now != was) printf("%s %lld\n", now ? "LEADING" : "LOST", ms_since(&t0));
        fflush(stdout);
        was = now;
        nap(cv_kube_elector_due_ms(e));
    }
    if (term) {
        r = cv_kube_elector_release(e);
        if (cv_is_ok(r)) printf("RELEASED\n");
    }
    cv_kube_elector_free(&e);
    cv_kube_free(&k);
    return cv_is_ok(r) ? 0 : fail(r);
}
