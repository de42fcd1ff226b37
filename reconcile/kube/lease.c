#include "reconcile/kube/lease.h"

#include <string.h>
#include <time.h>

#include "crypto/prim/pk.h"

#define JITTER 1.2

struct cv_kube_elector {
    cv_kube *k;
    const cv_kube_resource *res;
    char *ns, *name, *identity;
    unsigned dur, renew, retry;       /* ms */
    json_t *observed;                 /* the lease spec last seen */
    unsigned long long observed_at;   /* local monotonic ms when it changed */
    bool leading;
    unsigned long long last_renew;    /* monotonic ms of the last success */
    unsigned long long next_at;       /* monotonic ms of the next attempt */
};

static unsigned long long mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (unsigned long long)ts.tv_sec * 1000u + (unsigned long long)ts.tv_nsec / 1000000u;
}

void cv_kube_micro_time(char out[32], long long us)
{
    time_t secs = (time_t)(us / 1000000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    size_t n = strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out + n, 32 - n, ".%06lldZ", us % 1000000);
}

static long long wall_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

cv_result cv_kube_elector_new(cv_kube *k, const cv_kube_lease_opts *o, cv_kube_elector **out)
{
    unsigned dur = o->lease_duration_ms ? o->lease_duration_ms : 15000;
    unsigned renew = o->renew_deadline_ms ? o->renew_deadline_ms : 10000;
    unsigned retry = o->retry_period_ms ? o->retry_period_ms : 2000;
    CV_ENSUREF(dur > renew && renew > (unsigned)(JITTER * retry) && dur >= 1000, CV_E_INVALID_ARG,
               "leader election needs leaseDuration > renewDeadline > 1.2 x retryPeriod");
    CV_ENSUREF(o->ns && o->name && o->identity && o->identity[0], CV_E_INVALID_ARG,
               "leader election needs a namespace, a lease name and an identity");
    const cv_kube_resource *res;
    CV_GUARD(cv_kube_mapping(k, "coordination.k8s.io/v1", "Lease", &res));
    cv_kube_elector *e = calloc(1, sizeof *e);
    CV_ENSURE(e != NULL, CV_E_NOMEM);
    *e = (cv_kube_elector){ .k = k, .res = res, .dur = dur, .renew = renew, .retry = retry };
    e->ns = strdup(o->ns);
    e->name = strdup(o->name);
    e->identity = strdup(o->identity);
    if (!e->ns || !e->name || !e->identity) {
        cv_kube_elector_free(&e);
        CV_BAIL(CV_E_NOMEM);
    }
    *out = e;
    return cv_ok();
}

void cv_kube_elector_free(cv_kube_elector **ep)
{
    if (ep == NULL || *ep == NULL) return;
    cv_kube_elector *e = *ep;
    free(e->ns);
    free(e->name);
    free(e->identity);
    json_decref(e->observed);
    free(e);
    *ep = NULL;
}

bool cv_kube_elector_leading(const cv_kube_elector *e) { return e->leading; }

unsigned long cv_kube_elector_due_ms(const cv_kube_elector *e)
{
    unsigned long long now = mono_ms();
    return e->next_at > now ? (unsigned long)(e->next_at - now) : 0;
}

/* The record we write: us as holder from now, for leaseDuration. */
static json_t *our_spec(const cv_kube_elector *e, const json_t *old, bool keep)
{
    char now[32];
    cv_kube_micro_time(now, wall_us());
    json_int_t transitions = json_integer_value(json_object_get(old, "leaseTransitions"));
    const char *acquired = json_string_value(json_object_get(old, "acquireTime"));
    json_int_t secs = (json_int_t)(e->dur / 1000);
    return json_pack("{s:s,s:I,s:s,s:s,s:I}", "holderIdentity", e->identity,
                     "leaseDurationSeconds", secs, "acquireTime",
                     keep && acquired ? acquired : now, "renewTime", now, "leaseTransitions",
                     keep ? transitions : transitions + (old != NULL ? 1 : 0));
}

static void observe(cv_kube_elector *e, const json_t *spec)
{
    if (e->observed && json_equal(e->observed, spec)) return;
    json_decref(e->observed);
    e->observed = json_deep_copy(spec);
    e->observed_at = mono_ms();
}

static cv_result create_lease(cv_kube_elector *e, bool *acquired)
{
    json_t *spec = our_spec(e, NULL, false);
    json_t *obj = spec ? json_pack("{s:s,s:s,s:{s:s,s:s},s:o}", "apiVersion", "coordination.k8s.io/v1",
                                   "kind", "Lease", "metadata", "name", e->name, "namespace",
                                   e->ns, "spec", json_incref(spec))
                       : NULL;
    cv_result r = obj ? cv_kube_create(e->k, e->res, e->ns, obj, NULL) : CV_FAIL(CV_E_NOMEM);
    if (cv_is_ok(r)) {
        observe(e, spec);
        *acquired = true;
    } else if (cv_is(r, CV_E_KUBE_EXISTS)) {
        r = cv_ok(); /* someone else created it first */
    }
    json_decref(obj);
    json_decref(spec);
    return r;
}

/* client-go's tryAcquireOrRenew. */
static cv_result try_acquire(cv_kube_elector *e, bool *acquired)
{
    *acquired = false;
    json_t *live = NULL;
    cv_result r = cv_kube_get(e->k, e->res, e->ns, e->name, &live);
    if (cv_is(r, CV_E_KUBE_NOT_FOUND)) {
        cv_err_clear();
        return create_lease(e, acquired);
    }
    CV_GUARD(r);
    json_t *spec = json_object_get(live, "spec");
    observe(e, spec ? spec : json_null());
    const char *holder = json_string_value(json_object_get(spec, "holderIdentity"));
    bool ours = holder && strcmp(holder, e->identity) == 0;
    if (holder && holder[0] && !ours && e->observed_at + e->dur > mono_ms()) {
        json_decref(live);
        return cv_ok(); /* held by someone else and not expired on our clock */
    }
    /* Our own record (a renewal, or our earlier run) keeps acquireTime and
     * leaseTransitions, as client-go does when it was the observed holder. */
    json_t *fresh = our_spec(e, spec, ours);
    if (fresh == NULL || json_object_set(live, "spec", fresh) != 0) r = CV_FAIL(CV_E_NOMEM);
    else r = cv_kube_update(e->k, e->res, e->ns, live, NULL);
    if (cv_is_ok(r)) {
        observe(e, fresh);
        *acquired = true;
    } else if (cv_is(r, CV_E_KUBE_CONFLICT)) {
        r = cv_ok(); /* lost the race: someone updated it since our GET */
    }
    json_decref(fresh);
    json_decref(live);
    return r;
}

static unsigned long long jittered(const cv_kube_elector *e)
{
    uint32_t rnd;
    cv_random(&rnd, sizeof rnd);
    return e->retry + (unsigned long long)((double)e->retry * JITTER * ((double)rnd / 4294967296.0));
}

cv_result cv_kube_elector_step(cv_kube_elector *e, bool *leading)
{
    unsigned long long now = mono_ms();
    *leading = e->leading;
    if (now < e->next_at) return cv_ok();
    bool ok = false;
    cv_result r = try_acquire(e, &ok);
    now = mono_ms();
    if (ok) {
        e->leading = true;
        e->last_renew = now;
    } else if (e->leading && now - e->last_renew >= e->renew) {
        e->leading = false; /* no renewal within renewDeadline */
    }
    /* Renewals come every retryPeriod; acquisition attempts are jittered. */
    e->next_at = now + (e->leading ? e->retry : jittered(e));
    *leading = e->leading;
    return r;
}

cv_result cv_kube_elector_release(cv_kube_elector *e)
{
    if (!e->leading) return cv_ok();
    e->leading = false;
    json_t *live = NULL;
    CV_GUARD(cv_kube_get(e->k, e->res, e->ns, e->name, &live));
    json_t *spec = json_object_get(live, "spec");
    const char *holder = json_string_value(json_object_get(spec, "holderIdentity"));
    cv_result r = cv_ok();
    if (json_is_object(spec) && holder && strcmp(holder, e->identity) == 0) {
        char now[32];
        cv_kube_micro_time(now, wall_us());
        json_object_set_new(spec, "holderIdentity", json_string(""));
        json_object_set_new(spec, "leaseDurationSeconds", json_integer(1));
        json_object_set_new(spec, "renewTime", json_string(now));
        json_object_set_new(spec, "acquireTime", json_string(now));
        r = cv_kube_update(e->k, e->res, e->ns, live, NULL);
    }
    json_decref(live);
    return r;
}
