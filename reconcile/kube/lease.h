/* Leader election on a coordination.k8s.io/v1 Lease, with client-go's
 * algorithm (tools/leaderelection) and timings:
 *
 *  - one attempt (tryAcquireOrRenew): GET the lease (create it when
 *    missing); a record that changed since we last looked is remembered
 *    with the LOCAL time it was seen, so expiry is judged on our clock;
 *    another holder whose record was seen less than leaseDuration ago
 *    keeps it; otherwise PUT ourselves as holder with the resourceVersion
 *    just read (a 409 means someone else won the race). A new holder sets
 *    acquireTime and increments leaseTransitions; a renewal keeps both.
 *  - not leading: an attempt every retryPeriod, jittered up to 1.2 times
 *    longer; leading: a renewal every retryPeriod, and leadership is lost
 *    when no renewal succeeded for renewDeadline.
 *  - release: an empty holder with leaseDurationSeconds 1.
 * Defaults (controller-runtime's): 15 s / 10 s / 2 s; the options must
 * satisfy leaseDuration > renewDeadline > 1.2 × retryPeriod.
 *
 * The elector does not run a thread: the owner's loop calls
 * cv_kube_elector_step when cv_kube_elector_due_ms says so.
 *
 * Errors: CV_E_INVALID_ARG for bad timings; API errors other than the
 * expected 404/409 come back from step (the attempt counts as failed). */
#ifndef CV_RECONCILE_KUBE_LEASE_H
#define CV_RECONCILE_KUBE_LEASE_H

#include "reconcile/kube/client.h"

typedef struct {
    const char *ns;
    const char *name;
    const char *identity;
    unsigned lease_duration_ms; /* 0: 15000 */
    unsigned renew_deadline_ms; /* 0: 10000 */
    unsigned retry_period_ms;   /* 0: 2000 */
} cv_kube_lease_opts;

typedef struct cv_kube_elector cv_kube_elector;

cv_result cv_kube_elector_new(cv_kube *k, const cv_kube_lease_opts *o, cv_kube_elector **out)
    CV_MUST_USE;
void cv_kube_elector_free(cv_kube_elector **e);

/* One attempt if one is due. *leading: leader after this step. */
cv_result cv_kube_elector_step(cv_kube_elector *e, bool *leading) CV_MUST_USE CV_NONNULL;
/* Milliseconds until the next attempt is due (0: now). */
unsigned long cv_kube_elector_due_ms(const cv_kube_elector *e) CV_NONNULL;
bool cv_kube_elector_leading(const cv_kube_elector *e) CV_NONNULL;
/* Give the lease up (if held): empty holder, so others need not wait. */
cv_result cv_kube_elector_release(cv_kube_elector *e) CV_MUST_USE CV_NONNULL;

/* MicroTime as the API writes it: 2006-01-02T15:04:05.000000Z (UTC). */
void cv_kube_micro_time(char out[32], long long unix_us);

#endif
