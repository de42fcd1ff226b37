/* Test driver for reconcile/kube/events: records events about one
 * ConfigMap and prints nothing but errors; tests/e2e/kube_events.sh reads
 * back what the API server stored.
 *
 *   kube_events_driver KUBECONFIG NS CONFIGMAP STEP
 *   STEP: first   Normal Progressing/Reconcile three times (a series of 3),
 *                 then a Warning whose note is longer than the API allows
 *         again   a series of 2, its event deleted behind the recorder's back,
 *                 2 more occurrences: the flush must create it anew with
 *                 count 4; then a tick 7 minutes later ends the series and
 *                 one more occurrence is a new single event */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "reconcile/kube/events.h"
#include "secrets/runtime/init.h"

static int fail(const char *what, cv_result r)
{
    fprintf(stderr, "kube_events_driver: %s: %s (%s)\n", what, cv_strerror(r.err), cv_err_detail());
    return 1;
}

static cv_result series(cv_kube_recorder *rec, const json_t *ref, int times)
{
    cv_kube_event ev = { .type = "Normal", .reason = "Progressing", .action = "Reconcile",
                         .note = "Reconciliation in progress", .regarding = ref };
    for (int i = 0; i < times; i++) CV_GUARD(cv_kube_event_record(rec, &ev));
    return cv_ok();
}

static cv_result long_warning(cv_kube_recorder *rec, const json_t *ref)
{
    char note[3001];
    for (size_t i = 0; i < 1500; i++) memcpy(note + 2 * i, "\xc3\xa9", 2); /* é */
    note[3000] = '\0';
    cv_kube_event ev = { .type = "Warning", .reason = "BuildFailed", .action = "Build",
                         .note = note, .regarding = ref };
    return cv_kube_event_record(rec, &ev);
}

static long long now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* The only event in ns (the one just recorded), deleted. */
static cv_result delete_event(cv_kube *k, const char *ns)
{
    const cv_kube_resource *er;
    json_t *items = NULL;
    CV_GUARD(cv_kube_mapping(k, "events.k8s.io/v1", "Event", &er));
    CV_GUARD(cv_kube_list(k, er, ns, NULL, &items, NULL));
    cv_result r = json_array_size(items) == 1 ? cv_ok() : CV_FAILF(CV_E_INTERNAL, "%zu events",
                                                                    json_array_size(items));
    const char *name = json_string_value(
        json_object_get(json_object_get(json_array_get(items, 0), "metadata"), "name"));
    if (cv_is_ok(r)) r = cv_kube_delete(k, er, ns, name, NULL, false);
    json_decref(items);
    return r;
}

static cv_result again(cv_kube *k, cv_kube_recorder *rec, const json_t *ref, const char *ns)
{
    CV_GUARD(series(rec, ref, 2));
    CV_GUARD(delete_event(k, ns));
    CV_GUARD(series(rec, ref, 2));
    CV_GUARD(cv_kube_recorder_flush(rec));
    CV_GUARD(cv_kube_recorder_tick(rec, now_us() + 7LL * 60 * 1000000));
    return series(rec, ref, 1);
}

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: kube_events_driver KUBECONFIG NS CONFIGMAP first|again\n");
        return 2;
    }
    cv_result r = cv_secrets_init();
    if (!cv_is_ok(r)) return fail("init", r);
    cv_kube_load_opts lo = { .kubeconfig = argv[1], .no_in_cluster = true };
    cv_kube *k = NULL;
    r = cv_kube_open(&lo, &k);
    if (!cv_is_ok(r)) return fail("connect", r);
    const cv_kube_resource *cm;
    json_t *obj = NULL, *ref = NULL;
    cv_kube_recorder *rec = NULL;
    r = cv_kube_mapping(k, "v1", "ConfigMap", &cm);
    if (cv_is_ok(r)) r = cv_kube_get(k, cm, argv[2], argv[3], &obj);
    if (cv_is_ok(r)) r = (ref = cv_kube_object_ref(obj)) ? cv_ok() : CV_FAIL(CV_E_NOMEM);
    if (cv_is_ok(r)) r = cv_kube_recorder_new(k, "covert-test", "covert-test-1", &rec);
    bool first = strcmp(argv[4], "first") == 0;
    if (cv_is_ok(r) && first) r = series(rec, ref, 3);
    if (cv_is_ok(r) && first) r = long_warning(rec, ref);
    if (cv_is_ok(r) && !first) r = again(k, rec, ref, argv[2]);
    if (cv_is_ok(r)) r = cv_kube_recorder_flush(rec);
    int rc = cv_is_ok(r) ? 0 : fail("record", r);
    cv_kube_recorder_free(&rec);
    json_decref(ref);
    json_decref(obj);
    cv_kube_free(&k);
    return rc;
}
