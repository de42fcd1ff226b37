/* Kubernetes Events (events.k8s.io/v1), recorded the way client-go's
 * tools/events recorder and broadcaster record them, so that `kubectl
 * events` and dashboards read covert's events like any controller's:
 *
 *  - a new event is created as "<regarding name>.<unix ns in hex>" in the
 *    regarding object's namespace ("default" for cluster-scoped ones), with
 *    eventTime (MicroTime), reportingController, reportingInstance, action,
 *    reason, note, type and the regarding/related object references;
 *  - an isomorphic event (same action, reason, reporting controller,
 *    regarding and related object) becomes a series: the first repeat
 *    patches the original with series {count: 2, lastObservedTime}; later
 *    repeats only count, and reach the server when cv_kube_recorder_tick
 *    finds the series due: every 30 minutes while it lasts, and once more
 *    when no repeat came for 6 minutes (the series then ends and the entry
 *    is dropped; a single event is dropped after 6 minutes too);
 *  - if the original disappeared (404 on the patch) the series is created
 *    afresh as a new event;
 *  - the note is cut to the API's 1 KiB limit on a UTF-8 boundary (client-go
 *    would send it whole and have it refused).
 *
 * Ownership: the recorder borrows the client; references in an event are
 * copied. Not thread-safe (one recorder per client, as the client).
 *
 * Errors: CV_E_INVALID_ARG for a type other than Normal/Warning or a missing
 * reason/action/regarding name; API errors from the create or patch. */
#ifndef CV_RECONCILE_KUBE_EVENTS_H
#define CV_RECONCILE_KUBE_EVENTS_H

#include <jansson.h>

#include "reconcile/kube/client.h"

typedef struct {
    const char *type;     /* "Normal" or "Warning" */
    const char *reason;   /* CamelCase, e.g. ReconciliationSucceeded */
    const char *action;   /* what was done, e.g. Reconcile */
    const char *note;     /* human-readable; may be NULL */
    /* ObjectReferences {apiVersion, kind, name, namespace, uid,
     * resourceVersion}; make them with cv_kube_object_ref. */
    const json_t *regarding;
    const json_t *related; /* may be NULL */
} cv_kube_event;

typedef struct cv_kube_recorder cv_kube_recorder;

cv_result cv_kube_recorder_new(cv_kube *k, const char *controller, const char *instance,
                               cv_kube_recorder **out) CV_MUST_USE;
void cv_kube_recorder_free(cv_kube_recorder **r);

/* Record one occurrence (now). */
cv_result cv_kube_event_record(cv_kube_recorder *r, const cv_kube_event *ev) CV_MUST_USE;
/* The periodic work of client-go's broadcaster, at wall time now_us:
 * refresh series every 30 minutes, finish series idle for 6 minutes. */
cv_result cv_kube_recorder_tick(cv_kube_recorder *r, long long now_us) CV_MUST_USE CV_NONNULL;
/* Write every series count the server has not seen yet (at shutdown). */
cv_result cv_kube_recorder_flush(cv_kube_recorder *r) CV_MUST_USE CV_NONNULL;

/* The ObjectReference of an object (new reference; NULL when out of memory). */
json_t *cv_kube_object_ref(const json_t *obj);

#endif
