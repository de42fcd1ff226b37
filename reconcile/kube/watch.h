/* Watching a resource the way client-go's reflector does: LIST (in pages),
 * deliver every item, then WATCH from the list's resourceVersion with
 * bookmarks; when the server ends a watch (timeoutSeconds), watch again
 * from the last resourceVersion seen; when it answers 410 Gone (an ERROR
 * event with code 410, or HTTP 410: the version was compacted away or
 * fell out of the watch cache), LIST again and deliver a fresh sync.
 *
 * Events reach the callback as they arrive on the stream:
 *   ADDED / MODIFIED / DELETED  the object (a borrowed reference)
 *   BOOKMARK                    only the new resourceVersion
 *   SYNCED                      after the items of a (re)list were delivered
 *                               (as ADDED, with kind and apiVersion filled in)
 * The callback may set *stop to end the watch; a failed result from it
 * ends the watch with that result.
 *
 * Event lines are read into wiping memory (they may carry Secrets); one
 * event is capped at CV_KUBE_MAX_DISCOVERY bytes.
 *
 * Errors: transport and API errors of the requests (status.h), except 410
 * which is handled; CV_E_KUBE_RESPONSE for a malformed event. */
#ifndef CV_RECONCILE_KUBE_WATCH_H
#define CV_RECONCILE_KUBE_WATCH_H

#include "reconcile/kube/client.h"

typedef enum {
    CV_KUBE_EV_ADDED,
    CV_KUBE_EV_MODIFIED,
    CV_KUBE_EV_DELETED,
    CV_KUBE_EV_BOOKMARK,
    CV_KUBE_EV_SYNCED,
} cv_kube_event_type;

typedef struct {
    cv_kube_event_type type;
    json_t *object;               /* NULL for BOOKMARK and SYNCED */
    const char *resource_version; /* the latest version seen */
    unsigned relists;             /* how many times the watch had to LIST again */
} cv_kube_event;

typedef cv_result (*cv_kube_watch_fn)(void *ctx, const cv_kube_event *ev, bool *stop);

typedef struct {
    const char *ns;               /* NULL or "": all namespaces */
    const char *label_selector;
    const char *resource_version; /* start here instead of listing first */
    unsigned server_timeout_s;    /* timeoutSeconds of each watch request; 0: 300 */
    unsigned run_for_s;           /* stop after this long; 0: only when told */
} cv_kube_watch_opts;

cv_result cv_kube_watch(cv_kube *k, const cv_kube_resource *r, const cv_kube_watch_opts *o,
                        cv_kube_watch_fn fn, void *ctx) CV_MUST_USE;

#endif
