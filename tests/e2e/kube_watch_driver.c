/* Test driver for reconcile/kube/watch: watches one core kind (ConfigMap,
 * Secret, ...) in one namespace and prints one line per event, flushed:
 *   ADDED|MODIFIED|DELETED NAME RV relists=N    BOOKMARK RV    SYNCED relists=N
 *
 *   kube_watch_driver KUBECONFIG KIND NAMESPACE SECONDS [START_RV [SERVER_TIMEOUT_S]]
 * Exit status 0 when the watch ran its time, 1 with a message otherwise. */
#include <stdio.h>
#include <stdlib.h>

#include "crypto/base/limits.h"
#include "reconcile/kube/watch.h"
#include "secrets/runtime/init.h"

static cv_result print_event(void *ctx, const cv_kube_event *ev, bool *stop)
{
    static const char *const names[] = { "ADDED", "MODIFIED", "DELETED", "BOOKMARK", "SYNCED" };
    (void)ctx;
    (void)stop;
    const char *name = json_string_value(json_object_get(json_object_get(ev->object, "metadata"), "name"));
    if (ev->type == CV_KUBE_EV_SYNCED) printf("SYNCED relists=%u\n", ev->relists);
    else if (ev->type == CV_KUBE_EV_BOOKMARK) printf("BOOKMARK %s\n", ev->resource_version);
    else printf("%s %s %s relists=%u\n", names[ev->type], name ? name : "?", ev->resource_version, ev->relists);
    fflush(stdout);
    return cv_ok();
}

static int fail(cv_result r)
{
    fprintf(stderr, "kube_watch_driver: %s\n", cv_err_detail()[0] ? cv_err_detail() : cv_strerror(r.err));
    return 1;
}

int main(int argc, char **argv)
{
    if (argc < 5) {
        fprintf(stderr, "usage: kube_watch_driver KUBECONFIG KIND NAMESPACE SECONDS [START_RV [TIMEOUT]]\n");
        return 2;
    }
    cv_result r = cv_secrets_init();
    if (!cv_is_ok(r)) return fail(r);
    cv_kube_load_opts lo = { .kubeconfig = argv[1], .no_in_cluster = true };
    cv_kube *k = NULL;
    if (!cv_is_ok(r = cv_kube_open(&lo, &k))) return fail(r);
    const cv_kube_resource *cm = NULL;
    if (!cv_is_ok(r = cv_kube_mapping(k, "v1", argv[2], &cm))) return fail(r);
    cv_kube_watch_opts o = { .ns = argv[3], .run_for_s = (unsigned)strtoul(argv[4], NULL, 10),
                             .resource_version = argc > 5 ? argv[5] : NULL,
                             .server_timeout_s = argc > 6 ? (unsigned)strtoul(argv[6], NULL, 10) : 0 };
    r = cv_kube_watch(k, cm, &o, print_event, NULL);
    cv_kube_free(&k);
    return cv_is_ok(r) ? 0 : fail(r);
}
