/* Events recorder (see events.h): client-go's event cache and series
 * rules over the API client. */
#include "reconcile/kube/events.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crypto/base/mem.h"
#include "reconcile/kube/lease.h"

#define NOTE_MAX 1024u
#define FINISH_US (6LL * 60 * 1000000)   /* a series ends after this idle time */
#define REFRESH_US (30LL * 60 * 1000000) /* a running series is re-sent this often */

typedef struct {
    char *key;       /* what makes two events isomorphic, as canonical JSON
                        (jansson's allocator: released with cv_wipe_free) */
    json_t *event;   /* as created on the server (name, namespace, body) */
    long long first_us, last_us, sent_us;
    json_int_t count; /* 0: a single event; >= 2: a series */
    json_int_t sent_count;
} entry;

struct cv_kube_recorder {
    cv_kube *k;
    char *controller, *instance;
    const cv_kube_resource *res;
    entry *e;
    size_t n, cap;
};

static long long wall_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

cv_result cv_kube_recorder_new(cv_kube *k, const char *controller, const char *instance,
                               cv_kube_recorder **out)
{
    CV_ENSUREF(k && controller && controller[0] && instance && instance[0], CV_E_INVALID_ARG,
               "an event recorder needs a reporting controller and instance");
    cv_kube_recorder *r = calloc(1, sizeof *r);
    CV_ENSURE(r != NULL, CV_E_NOMEM);
    r->k = k;
    r->controller = strdup(controller);
    r->instance = strdup(instance);
    if (!r->controller || !r->instance) {
        cv_kube_recorder_free(&r);
        CV_BAIL(CV_E_NOMEM);
    }
    *out = r;
    return cv_ok();
}

static void entry_clear(entry *e)
{
    cv_wipe_free(e->key);
    json_decref(e->event);
}

void cv_kube_recorder_free(cv_kube_recorder **rp)
{
    if (!rp || !*rp) return;
    cv_kube_recorder *r = *rp;
    for (size_t i = 0; i < r->n; i++) entry_clear(&r->e[i]);
    free(r->e);
    free(r->controller);
    free(r->instance);
    free(r);
    *rp = NULL;
}

static void set_str(json_t *o, const char *key, const char *v)
{
    if (v && v[0]) json_object_set_new(o, key, json_string(v));
}

json_t *cv_kube_object_ref(const json_t *obj)
{
    const json_t *md = json_object_get(obj, "metadata");
    json_t *ref = json_object();
    if (!ref) return NULL;
    set_str(ref, "kind", json_string_value(json_object_get(obj, "kind")));
    set_str(ref, "namespace", json_string_value(json_object_get(md, "namespace")));
    set_str(ref, "name", json_string_value(json_object_get(md, "name")));
    set_str(ref, "uid", json_string_value(json_object_get(md, "uid")));
    set_str(ref, "apiVersion", json_string_value(json_object_get(obj, "apiVersion")));
    set_str(ref, "resourceVersion", json_string_value(json_object_get(md, "resourceVersion")));
    return ref;
}

/* The longest prefix of s within NOTE_MAX bytes that ends on a character. */
static size_t note_len(const char *s)
{
    size_t n = strlen(s);
    if (n <= NOTE_MAX) return n;
    n = NOTE_MAX;
    while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80) n--;
    return n;
}

static cv_result check_event(const cv_kube_event *ev)
{
    CV_ENSUREF(ev->type && (strcmp(ev->type, "Normal") == 0 || strcmp(ev->type, "Warning") == 0),
               CV_E_INVALID_ARG, "event type must be Normal or Warning");
    CV_ENSUREF(ev->reason && ev->reason[0] && ev->action && ev->action[0], CV_E_INVALID_ARG,
               "an event needs a reason and an action");
    const char *name = json_string_value(json_object_get(ev->regarding, "name"));
    CV_ENSUREF(name && name[0], CV_E_INVALID_ARG, "an event needs the name of its object");
    return cv_ok();
}

static char *event_key(const cv_kube_recorder *r, const cv_kube_event *ev)
{
    json_t *k = json_pack("{s:s,s:s,s:s,s:O,s:O?}", "action", ev->action, "reason", ev->reason,
                          "controller", r->controller, "regarding", ev->regarding, "related",
                          ev->related);
    char *s = k ? json_dumps(k, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(k);
    return s;
}

static json_t *make_event(const cv_kube_recorder *r, const cv_kube_event *ev, long long now_us)
{
    const char *name = json_string_value(json_object_get(ev->regarding, "name"));
    const char *ns = json_string_value(json_object_get(ev->regarding, "namespace"));
    char evname[512], when[32];
    snprintf(evname, sizeof evname, "%s.%llx", name, (unsigned long long)now_us * 1000ull);
    cv_kube_micro_time(when, now_us);
    json_t *o = json_pack("{s:s,s:s,s:{s:s,s:s},s:s,s:s,s:s,s:s,s:s,s:O,s:s}", "apiVersion",
                          "events.k8s.io/v1", "kind", "Event", "metadata", "name", evname,
                          "namespace", ns && ns[0] ? ns : "default", "eventTime", when,
                          "reportingController", r->controller, "reportingInstance",
                          r->instance, "action", ev->action, "reason", ev->reason, "regarding",
                          ev->regarding, "type", ev->type);
    if (o && ev->related) json_object_set(o, "related", (json_t *)(uintptr_t)ev->related);
    if (o && ev->note && ev->note[0])
        json_object_set_new(o, "note", json_stringn(ev->note, note_len(ev->note)));
    return o;
}

static cv_result resource(cv_kube_recorder *r)
{
    if (r->res) return cv_ok();
    return cv_kube_mapping(r->k, "events.k8s.io/v1", "Event", &r->res);
}

static const char *meta_str(const json_t *ev, const char *key)
{
    return json_string_value(json_object_get(json_object_get(ev, "metadata"), key));
}

/* Send an entry's series as client-go does: patch the series onto the
 * original, or create it again when the original is gone. */
static cv_result send_series(cv_kube_recorder *r, entry *e, long long now_us)
{
    char when[32];
    cv_kube_micro_time(when, e->last_us);
    json_t *series = json_pack("{s:I,s:s}", "count", (json_int_t)e->count, "lastObservedTime", when);
    CV_ENSURE(series != NULL, CV_E_NOMEM);
    json_object_set_new(e->event, "series", series);
    json_t *patch = json_pack("{s:O}", "series", series);
    cv_result res = patch ? cv_kube_merge_patch(r->k, r->res, meta_str(e->event, "namespace"),
                                                meta_str(e->event, "name"), patch, NULL)
                          : CV_FAIL(CV_E_NOMEM);
    json_decref(patch);
    if (cv_is(res, CV_E_KUBE_NOT_FOUND)) {
        cv_err_clear();
        res = cv_kube_create(r->k, r->res, meta_str(e->event, "namespace"), e->event, NULL);
    }
    CV_GUARD(res);
    e->sent_count = e->count;
    e->sent_us = now_us;
    return cv_ok();
}

static entry *find(cv_kube_recorder *r, const char *key)
{
    for (size_t i = 0; i < r->n; i++)
        if (strcmp(r->e[i].key, key) == 0) return &r->e[i];
    return NULL;
}

static cv_result add_entry(cv_kube_recorder *r, char *key, json_t *event, long long now_us)
{
    CV_GUARD(cv_grow_array((void **)&r->e, &r->cap, r->n + 1, sizeof *r->e, 16, SIZE_MAX));
    r->e[r->n++] = (entry){ .key = key, .event = event, .first_us = now_us, .last_us = now_us,
                            .sent_us = now_us };
    return cv_ok();
}

static cv_result record_new(cv_kube_recorder *r, const cv_kube_event *ev, char *key, long long now)
{
    json_t *event = make_event(r, ev, now);
    if (!event) {
        cv_wipe_free(key);
        CV_BAIL(CV_E_NOMEM);
    }
    cv_result res = cv_kube_create(r->k, r->res, meta_str(event, "namespace"), event, NULL);
    if (cv_is_ok(res)) res = add_entry(r, key, event, now);
    if (!cv_is_ok(res)) {
        cv_wipe_free(key);
        json_decref(event);
    }
    return res;
}

cv_result cv_kube_event_record(cv_kube_recorder *r, const cv_kube_event *ev)
{
    CV_ENSURE(r && ev, CV_E_INVALID_ARG);
    CV_GUARD(check_event(ev));
    CV_GUARD(resource(r));
    long long now = wall_us();
    char *key = event_key(r, ev);
    CV_ENSURE(key != NULL, CV_E_NOMEM);
    entry *e = find(r, key);
    if (!e) return record_new(r, ev, key, now);
    cv_wipe_free(key);
    e->last_us = now;
    if (e->count >= 2) {
        e->count++;
        return cv_ok();
    }
    e->count = 2;
    return send_series(r, e, now);
}

static void drop(cv_kube_recorder *r, size_t i)
{
    entry_clear(&r->e[i]);
    r->e[i] = r->e[--r->n];
}

cv_result cv_kube_recorder_tick(cv_kube_recorder *r, long long now_us)
{
    for (size_t i = 0; i < r->n;) {
        entry *e = &r->e[i];
        bool finished = e->last_us < now_us - FINISH_US;
        if (e->count >= 2 && (finished || now_us - e->sent_us >= REFRESH_US))
            CV_GUARD(send_series(r, e, now_us));
        if (finished) drop(r, i);
        else i++;
    }
    return cv_ok();
}

cv_result cv_kube_recorder_flush(cv_kube_recorder *r)
{
    long long now = wall_us();
    for (size_t i = 0; i < r->n; i++)
        if (r->e[i].count >= 2 && r->e[i].count != r->e[i].sent_count)
            CV_GUARD(send_series(r, &r->e[i], now));
    return cv_ok();
}
