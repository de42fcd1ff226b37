#include "reconcile/kube/watch.h"

#include <string.h>
#include <time.h>

#include "crypto/base/limits.h"
#include "reconcile/kube/status.h"
#include "secrets/http/http.h"

#define DEFAULT_SERVER_TIMEOUT_S 300u

typedef struct {
    cv_kube *k;
    const cv_kube_resource *r;
    const cv_kube_watch_opts *o;
    cv_kube_watch_fn fn;
    void *ctx;
    char *rv;
    unsigned relists;
    bool stop, gone;
    cv_buf line;
    time_t deadline; /* monotonic; 0: none */
} watcher;

static time_t mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec;
}

static cv_result set_rv(watcher *w, const char *rv)
{
    if (rv == NULL || rv[0] == '\0') return cv_ok();
    char *copy = strdup(rv);
    CV_ENSURE(copy != NULL, CV_E_NOMEM);
    free(w->rv);
    w->rv = copy;
    return cv_ok();
}

static cv_result deliver(watcher *w, cv_kube_event_type type, json_t *obj)
{
    cv_kube_event ev = { type, obj, w->rv ? w->rv : "", w->relists };
    return w->fn(w->ctx, &ev, &w->stop);
}

static const char *rv_of(const json_t *obj)
{
    return json_string_value(json_object_get(json_object_get(obj, "metadata"), "resourceVersion"));
}

/* LIST, deliver every item as ADDED, then SYNCED. */
static cv_result list_and_sync(watcher *w)
{
    json_t *items = NULL;
    char *rv = NULL;
    CV_GUARD(cv_kube_list(w->k, w->r, w->o->ns, w->o->label_selector, &items, &rv));
    cv_result res = set_rv(w, rv);
    free(rv);
    char av[384];
    snprintf(av, sizeof av, "%s%s%s", w->r->group, w->r->group[0] ? "/" : "", w->r->version);
    size_t i;
    json_t *it;
    json_array_foreach(items, i, it) {
        if (!cv_is_ok(res) || w->stop) break;
        /* Items of a list carry no kind or apiVersion of their own. */
        if (json_object_get(it, "kind") == NULL) json_object_set_new(it, "kind", json_string(w->r->kind));
        if (json_object_get(it, "apiVersion") == NULL) json_object_set_new(it, "apiVersion", json_string(av));
        res = deliver(w, CV_KUBE_EV_ADDED, it);
    }
    json_decref(items);
    if (cv_is_ok(res) && !w->stop) res = deliver(w, CV_KUBE_EV_SYNCED, NULL);
    return res;
}

static cv_result event_type(const char *t, cv_kube_event_type *out)
{
    static const char *const names[] = { "ADDED", "MODIFIED", "DELETED", "BOOKMARK" };
    for (int i = 0; i < 4; i++)
        if (t && strcmp(t, names[i]) == 0) {
            *out = (cv_kube_event_type)i;
            return cv_ok();
        }
    CV_BAILF(CV_E_KUBE_RESPONSE, "watch: unknown event type %s", t ? t : "(none)");
}

static cv_result handle_event(watcher *w, json_t *ev)
{
    const char *type = json_string_value(json_object_get(ev, "type"));
    json_t *obj = json_object_get(ev, "object");
    CV_ENSUREF(json_is_object(obj), CV_E_KUBE_RESPONSE, "watch: event without an object");
    if (type && strcmp(type, "ERROR") == 0) {
        json_int_t code = json_integer_value(json_object_get(obj, "code"));
        if (code == 410) {
            w->gone = true;
            return cv_ok();
        }
        return cv_kube_status_error_json((long)code, obj, "watch");
    }
    cv_kube_event_type t = CV_KUBE_EV_ADDED;
    CV_GUARD(event_type(type, &t));
    CV_GUARD(set_rv(w, rv_of(obj)));
    return deliver(w, t, t == CV_KUBE_EV_BOOKMARK ? NULL : obj);
}

static cv_result handle_line(watcher *w, cv_slice line)
{
    line = cv_slice_trim(line);
    if (line.len == 0) return cv_ok();
    json_error_t jerr;
    json_t *ev = json_loadb((const char *)line.p, line.len, 0, &jerr);
    CV_ENSUREF(ev != NULL, CV_E_KUBE_RESPONSE, "watch: malformed event: %s", jerr.text);
    cv_result r = handle_event(w, ev);
    json_decref(ev);
    return r;
}

/* Stream callback: split the body into lines, one event each. Returning
 * an error ends the transfer (also used to stop on request or on 410). */
static cv_result on_stream(void *ctx, const uint8_t *p, size_t n)
{
    watcher *w = ctx;
    CV_GUARD(cv_buf_add(&w->line, p, n));
    size_t start = 0;
    for (size_t i = 0; i < w->line.len; i++) {
        if (w->line.p[i] != '\n') continue;
        CV_GUARD(handle_line(w, cv_slice_of(w->line.p + start, i - start)));
        start = i + 1;
        if (w->stop || w->gone) return CV_FAIL(CV_E_CANCELED);
    }
    if (start > 0) {
        memmove(w->line.p, w->line.p + start, w->line.len - start);
        cv_wipe(w->line.p + w->line.len - start, start);
        w->line.len -= start;
    }
    return cv_ok();
}

static cv_result watch_path(watcher *w, unsigned timeout_s, cv_buf *p)
{
    CV_GUARD(cv_kube_path(p, w->r, w->o->ns, NULL, NULL));
    CV_GUARD(cv_buf_addf(p, "?watch=1&allowWatchBookmarks=true&timeoutSeconds=%u", timeout_s));
    CV_GUARD(cv_buf_add_str(p, "&resourceVersion="));
    CV_GUARD(cv_http_escape(p, cv_slice_str(w->rv)));
    if (w->o->label_selector && w->o->label_selector[0]) {
        CV_GUARD(cv_buf_add_str(p, "&labelSelector="));
        CV_GUARD(cv_http_escape(p, cv_slice_str(w->o->label_selector)));
    }
    return cv_buf_nul(p);
}

/* One watch request, until the server ends it, we stop, or 410. */
static cv_result watch_once(watcher *w, unsigned timeout_s)
{
    cv_buf p;
    cv_buf_init(&p, 64 * 1024);
    cv_result r = watch_path(w, timeout_s, &p);
    cv_kube_call c = { .path = (const char *)p.p, .secret = true, .idempotent = true,
                       .timeout_ms = (timeout_s + 30u) * 1000u, .on_body = on_stream,
                       .body_ctx = w };
    cv_kube_reply rep = { 0 };
    cv_buf_reset(&w->line);
    if (cv_is_ok(r)) r = cv_kube_do(w->k, &c, &rep);
    cv_buf_release(&p);
    if (w->stop || w->gone) r = cv_ok(); /* we ended the stream ourselves */
    cv_err_clear();
    if (cv_is_ok(r) && rep.status == 410) w->gone = true;
    else if (cv_is_ok(r) && rep.status >= 400) r = cv_kube_status_error_json(rep.status, rep.body, "watch");
    cv_kube_reply_clear(&rep);
    return r;
}

static unsigned next_timeout(const watcher *w)
{
    unsigned t = w->o->server_timeout_s ? w->o->server_timeout_s : DEFAULT_SERVER_TIMEOUT_S;
    if (w->deadline == 0) return t;
    time_t left = w->deadline - mono_s();
    return left < (time_t)t ? (unsigned)(left > 0 ? left : 0) : t;
}

static cv_result run(watcher *w)
{
    if (w->o->resource_version && w->o->resource_version[0]) CV_GUARD(set_rv(w, w->o->resource_version));
    else CV_GUARD(list_and_sync(w));
    while (!w->stop) {
        unsigned t = next_timeout(w);
        if (t == 0) return cv_ok();
        CV_GUARD(watch_once(w, t));
        if (w->gone && !w->stop) {
            w->gone = false;
            w->relists++;
            CV_GUARD(list_and_sync(w));
        }
    }
    return cv_ok();
}

cv_result cv_kube_watch(cv_kube *k, const cv_kube_resource *r, const cv_kube_watch_opts *o,
                        cv_kube_watch_fn fn, void *ctx)
{
    watcher w = { .k = k, .r = r, .o = o, .fn = fn, .ctx = ctx };
    cv_buf_init_secret(&w.line, CV_KUBE_MAX_DISCOVERY);
    if (o->run_for_s) w.deadline = mono_s() + (time_t)o->run_for_s;
    cv_result res = run(&w);
    cv_buf_release(&w.line);
    free(w.rv);
    return res;
}
