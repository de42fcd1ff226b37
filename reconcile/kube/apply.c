#include "reconcile/kube/apply.h"

#include <string.h>
#include <time.h>

#include "crypto/base/limits.h"
#include "reconcile/kube/status.h"

#define DEFAULT_PARALLEL 32u
#define DEFAULT_CRD_TIMEOUT_S 60u

typedef struct {
    json_t *obj;                 /* borrowed from the objects array */
    const cv_kube_resource *res;
    char ns[256];
    char display[512];
    cv_buf path;
    json_t *before;              /* live object before apply (NULL: absent) */
    bool unreadable;             /* no right to read it: outcome from the status */
    bool read;                   /* before is known (from a LIST) */
    json_t *after;
    bool created;
    cv_kube_outcome outcome;
    cv_result result;
    char detail[1024];
} item;

static int stage_of(const json_t *obj)
{
    const char *av = json_string_value(json_object_get(obj, "apiVersion"));
    const char *kind = json_string_value(json_object_get(obj, "kind"));
    if (av == NULL || kind == NULL) return 2;
    if (strcmp(kind, "CustomResourceDefinition") == 0 && strncmp(av, "apiextensions.k8s.io/", 21) == 0)
        return 0;
    if (strcmp(kind, "Namespace") == 0 && strcmp(av, "v1") == 0) return 0;
    if ((strcmp(kind, "ClusterRole") == 0 || strcmp(kind, "ClusterRoleBinding") == 0) &&
        strncmp(av, "rbac.authorization.k8s.io/", 26) == 0)
        return 0;
    size_t kl = strlen(kind);
    if (kl > 5 && strcmp(kind + kl - 5, "Class") == 0) return 1;
    return 2;
}

static const char *obj_name(const json_t *obj)
{
    return json_string_value(json_object_get(json_object_get(obj, "metadata"), "name"));
}

static const char *obj_namespace(const json_t *obj)
{
    return json_string_value(json_object_get(json_object_get(obj, "metadata"), "namespace"));
}

/* kubectl's "kind.group/name", from the manifest when there is no mapping. */
static void display_of(item *it)
{
    const char *kind = json_string_value(json_object_get(it->obj, "kind"));
    const char *av = json_string_value(json_object_get(it->obj, "apiVersion"));
    const char *name = obj_name(it->obj);
    const char *slash = av ? strchr(av, '/') : NULL;
    char lower[256];
    size_t n = 0;
    for (const char *p = kind ? kind : "unknown"; *p && n + 1 < sizeof lower; p++)
        lower[n++] = (char)((*p >= 'A' && *p <= 'Z') ? *p - 'A' + 'a' : *p);
    lower[n] = '\0';
    snprintf(it->display, sizeof it->display, "%s%s%.*s/%s", lower, slash ? "." : "",
             slash ? (int)(slash - av) : 0, slash ? av : "", name ? name : "");
}

/* Record a failure; the detail always names the object. */
static void fail_item(item *it, cv_result r)
{
    const char *d = cv_err_detail()[0] ? cv_err_detail() : cv_strerror(r.err);
    size_t dl = strlen(it->display);
    it->result = r;
    if (strncmp(d, it->display, dl) == 0 && d[dl] == ':')
        snprintf(it->detail, sizeof it->detail, "%s", d);
    else
        snprintf(it->detail, sizeof it->detail, "%s: %s", it->display, d);
}

cv_result cv_kube_flatten(const json_t *docs, json_t **out)
{
    json_t *flat = json_array();
    CV_ENSURE(flat != NULL, CV_E_NOMEM);
    size_t i, j;
    json_t *d, *e;
    cv_result r = cv_ok();
    json_array_foreach(docs, i, d) {
        const char *kind = json_string_value(json_object_get(d, "kind"));
        json_t *items = json_object_get(d, "items");
        size_t kl = kind ? strlen(kind) : 0;
        bool list = kl >= 4 && strcmp(kind + kl - 4, "List") == 0 && json_is_array(items);
        if (!list) {
            if (json_array_append(flat, d) != 0) r = CV_FAIL(CV_E_NOMEM);
            continue;
        }
        json_array_foreach(items, j, e)
            if (json_array_append(flat, e) != 0) r = CV_FAIL(CV_E_NOMEM);
    }
    if (cv_is_ok(r) && json_array_size(flat) > CV_KUBE_MAX_OBJECTS)
        r = CV_FAILF(CV_E_LIMIT, "more than %u objects", CV_KUBE_MAX_OBJECTS);
    if (!cv_is_ok(r)) {
        json_decref(flat);
        return r;
    }
    *out = flat;
    return cv_ok();
}

/* Check the manifest, map it, settle its namespace, build its path. */
static cv_result prepare(cv_kube *k, item *it, const cv_kube_apply_set *o)
{
    display_of(it);
    CV_ENSUREF(json_is_object(it->obj), CV_E_KUBE_MANIFEST, "a document is not an object");
    const char *name = obj_name(it->obj);
    CV_ENSUREF(name && name[0], CV_E_KUBE_MANIFEST, "%s: metadata.name is required",
               it->display);
    CV_GUARD(cv_kube_mapping(k, json_string_value(json_object_get(it->obj, "apiVersion")),
                             json_string_value(json_object_get(it->obj, "kind")), &it->res));
    json_t *meta = json_object_get(it->obj, "metadata");
    const char *ns = obj_namespace(it->obj);
    if (!it->res->namespaced) {
        json_object_del(meta, "namespace");
        it->ns[0] = '\0';
    } else {
        const char *want = o->namespace && o->namespace[0] ? o->namespace : cv_kube_default_namespace(k);
        CV_ENSUREF(!(ns && ns[0] && o->namespace_explicit && strcmp(ns, want) != 0),
                   CV_E_INVALID_ARG,
                   "the namespace from the provided object \"%s\" does not match the namespace "
                   "\"%s\". You must pass '--namespace=%s' to perform this operation.",
                   ns, want, ns);
        snprintf(it->ns, sizeof it->ns, "%s", ns && ns[0] ? ns : want);
        CV_ENSURE(json_object_set_new(meta, "namespace", json_string(it->ns)) == 0, CV_E_NOMEM);
    }
    cv_buf_init(&it->path, 64 * 1024);
    return cv_kube_path(&it->path, it->res, it->ns, name, NULL);
}

/* --- reading the live objects -------------------------------------------- */

/* Many objects of one resource in one namespace are read with one LIST
 * instead of one GET each: far less work for the API server. */
#define LIST_THRESHOLD 16u

static bool same_group(const item *a, const item *b)
{
    return cv_is_ok(b->result) && !b->read && b->res == a->res && strcmp(a->ns, b->ns) == 0;
}

static cv_result index_list(item *its, size_t n, size_t first, json_t *items)
{
    json_t *by_name = json_object();
    CV_ENSURE(by_name != NULL, CV_E_NOMEM);
    size_t i;
    json_t *o;
    json_array_foreach(items, i, o) {
        const char *name = obj_name(o);
        if (name && json_object_set(by_name, name, o) != 0) {
            json_decref(by_name);
            CV_BAIL(CV_E_NOMEM);
        }
    }
    item *lead = &its[first];
    for (size_t j = n; j-- > first;) {
        if (!same_group(lead, &its[j])) continue;
        its[j].before = json_incref(json_object_get(by_name, obj_name(its[j].obj)));
        its[j].read = true;
    }
    json_decref(by_name);
    return cv_ok();
}

static cv_result read_by_list(cv_kube *k, item *its, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (!cv_is_ok(its[i].result) || its[i].read) continue;
        size_t count = 0;
        for (size_t j = i; j < n; j++) count += same_group(&its[i], &its[j]);
        if (count < LIST_THRESHOLD) continue;
        json_t *items = NULL;
        cv_result r = cv_kube_list(k, its[i].res, its[i].ns, NULL, &items, NULL);
        if (!cv_is_ok(r)) { /* not allowed to list, say: GET them one by one */
            cv_err_clear();
            continue;
        }
        r = index_list(its, n, i, items);
        json_decref(items);
        CV_GUARD(r);
    }
    return cv_ok();
}

static cv_result read_existing(cv_kube *k, item *its, size_t n, unsigned parallel)
{
    CV_GUARD(read_by_list(k, its, n));
    cv_kube_call *calls = calloc(n, sizeof *calls);
    cv_kube_reply *out = calloc(n, sizeof *out);
    cv_result *res = calloc(n, sizeof *res);
    size_t *idx = calloc(n, sizeof *idx);
    cv_result r = calls && out && res && idx ? cv_ok() : CV_FAIL(CV_E_NOMEM);
    size_t m = 0;
    for (size_t i = 0; cv_is_ok(r) && i < n; i++) {
        if (!cv_is_ok(its[i].result) || its[i].read) continue;
        calls[m] = (cv_kube_call){ .path = (const char *)its[i].path.p, .secret = true,
                                   .idempotent = true };
        idx[m++] = i;
    }
    if (cv_is_ok(r) && m > 0) {
        cv_result first = cv_kube_do_many(k, calls, out, res, m, parallel);
        (void)first; /* per-object outcomes below */
    }
    for (size_t j = 0; cv_is_ok(r) && j < m; j++) {
        item *it = &its[idx[j]];
        if (!cv_is_ok(res[j])) fail_item(it, res[j]);
        else if (out[j].status == 200) it->before = json_incref(out[j].body);
        /* A user may be allowed to patch but not to get: apply anyway and
         * let the apply's own answer speak. */
        else if (out[j].status == 403) it->unreadable = true;
        else if (out[j].status != 404)
            fail_item(it, cv_kube_status_error_json(out[j].status, out[j].body, it->display));
        cv_kube_reply_clear(&out[j]);
    }
    free(calls);
    free(out);
    free(res);
    free(idx);
    return r;
}

/* --- applying -------------------------------------------------------------- */

/* The object without the bookkeeping the server rewrites by itself (field
 * ownership records, resourceVersion, generation): what the user sees. */
static json_t *comparable(const json_t *obj)
{
    json_t *c = json_deep_copy(obj);
    json_t *meta = json_object_get(c, "metadata");
    /* Items of a LIST carry no kind or apiVersion. */
    json_object_del(c, "kind");
    json_object_del(c, "apiVersion");
    json_object_del(meta, "managedFields");
    json_object_del(meta, "resourceVersion");
    json_object_del(meta, "generation");
    return c;
}

/* created: the server created it; unchanged: only the server's bookkeeping
 * differs from before (as Flux judges drift; this also holds for dry run,
 * where the resourceVersion never moves); otherwise configured. */
static cv_kube_outcome outcome_of(const item *it)
{
    if (it->created || (it->before == NULL && !it->unreadable)) return CV_KUBE_CREATED;
    if (it->unreadable) return CV_KUBE_CONFIGURED;
    json_t *a = comparable(it->before), *b = comparable(it->after);
    bool same = a && b && json_equal(a, b);
    json_decref(a);
    json_decref(b);
    return same ? CV_KUBE_UNCHANGED : CV_KUBE_CONFIGURED;
}

typedef struct {
    cv_kube_call *calls;
    cv_kube_reply *out;
    cv_result *res;
    size_t *idx;
    char **bodies;
    cv_buf *paths;
    size_t m;
} apply_batch;

static void batch_free(apply_batch *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (b->bodies) cv_wipe_free(b->bodies[i]); /* jansson memory, wiped */
        if (b->paths) cv_buf_release(&b->paths[i]);
        if (b->out) cv_kube_reply_clear(&b->out[i]);
    }
    free(b->calls);
    free(b->out);
    free(b->res);
    free(b->idx);
    free(b->bodies);
    free(b->paths);
}

static cv_result batch_add(apply_batch *b, item *it, size_t i, const cv_kube_apply_opts *ssa)
{
    size_t j = b->m;
    cv_buf_init(&b->paths[j], 64 * 1024);
    CV_GUARD(cv_buf_add(&b->paths[j], it->path.p, it->path.len));
    CV_GUARD(cv_kube_apply_query(&b->paths[j], ssa));
    CV_GUARD(cv_buf_nul(&b->paths[j]));
    b->bodies[j] = json_dumps(it->obj, JSON_COMPACT);
    CV_ENSURE(b->bodies[j] != NULL, CV_E_NOMEM);
    b->calls[j] = (cv_kube_call){ .method = "PATCH", .path = (const char *)b->paths[j].p,
                                  .content_type = "application/apply-patch+yaml",
                                  .body = cv_slice_str(b->bodies[j]), .has_body = true,
                                  .secret = true, .idempotent = true };
    b->idx[j] = i;
    b->m++;
    return cv_ok();
}

/* The outcome is decided as soon as the answer is in; the objects are
 * dropped then, so memory does not grow with the number of objects. */
static void settle(item *it)
{
    if (cv_is_ok(it->result)) it->outcome = outcome_of(it);
    json_decref(it->before);
    json_decref(it->after);
    it->before = it->after = NULL;
}

static void record_apply(item *it, const cv_kube_reply *rep, cv_result res)
{
    if (!cv_is_ok(res)) {
        fail_item(it, res);
    } else if (rep->status == 200 || rep->status == 201) {
        it->after = json_incref(rep->body);
        it->created = rep->status == 201;
        if (it->after == NULL) fail_item(it, CV_FAILF(CV_E_KUBE_RESPONSE, "%s: the response is not JSON", it->display));
    } else {
        fail_item(it, cv_kube_status_error_json(rep->status, rep->body, it->display));
    }
    settle(it);
}

/* Apply its[0..n) (one chunk) concurrently. */
static cv_result apply_chunk(cv_kube *k, item *its, size_t n, const cv_kube_apply_set *o,
                             unsigned parallel)
{
    apply_batch b = { 0 };
    b.calls = calloc(n, sizeof *b.calls);
    b.out = calloc(n, sizeof *b.out);
    b.res = calloc(n, sizeof *b.res);
    b.idx = calloc(n, sizeof *b.idx);
    b.bodies = calloc(n, sizeof *b.bodies);
    b.paths = calloc(n, sizeof *b.paths);
    cv_result r = b.calls && b.out && b.res && b.idx && b.bodies && b.paths ? cv_ok()
                                                                           : CV_FAIL(CV_E_NOMEM);
    for (size_t i = 0; cv_is_ok(r) && i < n; i++) {
        if (!cv_is_ok(its[i].result)) continue;
        /* Nothing to change: no request (the live object is the result). */
        if (cv_kube_apply_is_noop(its[i].obj, its[i].before, o->ssa.field_manager)) {
            its[i].after = json_incref(its[i].before);
            settle(&its[i]);
            continue;
        }
        r = batch_add(&b, &its[i], i, &o->ssa);
    }
    if (cv_is_ok(r) && b.m > 0) {
        cv_result first = cv_kube_do_many(k, b.calls, b.out, b.res, b.m, parallel);
        (void)first; /* per-object outcomes below */
        for (size_t j = 0; j < b.m; j++) record_apply(&its[b.idx[j]], &b.out[j], b.res[j]);
    }
    batch_free(&b, n);
    return r;
}

/* In chunks of a few times the concurrency: enough to keep every stream
 * busy, few enough that the answers held at once stay small. */
static cv_result apply_items(cv_kube *k, item *its, size_t n, const cv_kube_apply_set *o,
                             unsigned parallel)
{
    size_t chunk = (size_t)parallel * 4;
    for (size_t i = 0; i < n; i += chunk)
        CV_GUARD(apply_chunk(k, its + i, n - i < chunk ? n - i : chunk, o, parallel));
    return cv_ok();
}

/* --- CRDs ------------------------------------------------------------------ */

static bool condition(const json_t *obj, const char *type, const char *status, const char **msg)
{
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(json_object_get(obj, "status"), "conditions"), i, c) {
        const char *t = json_string_value(json_object_get(c, "type"));
        const char *s = json_string_value(json_object_get(c, "status"));
        if (t && s && strcmp(t, type) == 0 && strcmp(s, status) == 0) {
            if (msg) *msg = json_string_value(json_object_get(c, "message"));
            return true;
        }
    }
    return false;
}

static void sleep_ms(unsigned ms)
{
    struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
    nanosleep(&ts, NULL);
}

/* true when established; an error when the names were refused. */
static cv_result crd_ready(cv_kube *k, const cv_kube_resource *crd, const char *name, bool *ready)
{
    json_t *live = NULL;
    CV_GUARD(cv_kube_get(k, crd, NULL, name, &live));
    const char *msg = NULL;
    cv_result r = cv_ok();
    if (condition(live, "NamesAccepted", "False", &msg))
        r = CV_FAILF(CV_E_KUBE_INVALID, "customresourcedefinition.apiextensions.k8s.io/%s: %s",
                     name, msg ? msg : "names not accepted");
    *ready = condition(live, "Established", "True", NULL);
    json_decref(live);
    return r;
}

cv_result cv_kube_wait_crds(cv_kube *k, const json_t *names, unsigned timeout_s)
{
    const cv_kube_resource *crd;
    CV_GUARD(cv_kube_mapping(k, "apiextensions.k8s.io/v1", "CustomResourceDefinition", &crd));
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    unsigned delay = 50;
    for (size_t i = 0; i < json_array_size(names);) {
        const char *name = json_string_value(json_array_get(names, i));
        bool ready = false;
        CV_GUARD(crd_ready(k, crd, name, &ready));
        if (ready) {
            i++;
            continue;
        }
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        CV_ENSUREF(now.tv_sec - start.tv_sec < (time_t)timeout_s, CV_E_KUBE_TIMEOUT,
                   "customresourcedefinition.apiextensions.k8s.io/%s is not Established after %us",
                   name, timeout_s);
        sleep_ms(delay);
        if (delay < 500) delay *= 2;
    }
    return cv_ok();
}

/* --- stages ---------------------------------------------------------------- */

static void report(const cv_kube_apply_set *o, const item *it)
{
    if (o->report == NULL) return;
    cv_kube_applied a = { .display = it->display, .namespace = it->ns,
                          .outcome = it->outcome, .result = it->result,
                          .detail = cv_is_ok(it->result) ? "" : it->detail };
    o->report(o->ctx, &a);
}

static void item_clear(item *it)
{
    cv_buf_release(&it->path);
    json_decref(it->before);
    json_decref(it->after);
}

/* New CRDs applied in this stage (not in dry run): their names. */
static cv_result applied_crds(const item *its, size_t n, json_t *names)
{
    for (size_t i = 0; i < n; i++) {
        const cv_kube_resource *r = its[i].res;
        if (!cv_is_ok(its[i].result) || r == NULL || strcmp(r->kind, "CustomResourceDefinition"))
            continue;
        CV_ENSURE(json_array_append_new(names, json_string(obj_name(its[i].obj))) == 0, CV_E_NOMEM);
    }
    return cv_ok();
}

static cv_result run_stage(cv_kube *k, item *its, size_t n, const cv_kube_apply_set *o,
                           size_t *failed)
{
    unsigned parallel = o->parallel ? o->parallel : DEFAULT_PARALLEL;
    for (size_t i = 0; i < n; i++) {
        cv_err_clear();
        cv_result r = prepare(k, &its[i], o);
        if (!cv_is_ok(r)) fail_item(&its[i], r);
    }
    CV_GUARD(read_existing(k, its, n, parallel));
    CV_GUARD(apply_items(k, its, n, o, parallel));
    for (size_t i = 0; i < n; i++) {
        report(o, &its[i]);
        if (!cv_is_ok(its[i].result)) (*failed)++;
    }
    return cv_ok();
}

static cv_result after_definitions(cv_kube *k, const item *its, size_t n,
                                   const cv_kube_apply_set *o)
{
    if (o->ssa.dry_run) return cv_ok();
    json_t *names = json_array();
    CV_ENSURE(names != NULL, CV_E_NOMEM);
    cv_result r = applied_crds(its, n, names);
    if (cv_is_ok(r) && json_array_size(names) > 0) {
        r = cv_kube_wait_crds(k, names, o->crd_timeout_s ? o->crd_timeout_s : DEFAULT_CRD_TIMEOUT_S);
        cv_kube_invalidate(k);
    }
    json_decref(names);
    return r;
}

cv_result cv_kube_apply_objects(cv_kube *k, json_t *objects, const cv_kube_apply_set *o,
                                size_t *failed)
{
    *failed = 0;
    json_t *flat = NULL;
    CV_GUARD(cv_kube_flatten(objects, &flat));
    size_t n = json_array_size(flat);
    item *its = calloc(n ? n : 1, sizeof *its);
    cv_result r = its ? cv_ok() : CV_FAIL(CV_E_NOMEM);
    size_t done = 0;
    for (int stage = 0; stage < 3 && cv_is_ok(r); stage++) {
        size_t first = done;
        for (size_t i = 0; i < n; i++)
            if (stage_of(json_array_get(flat, i)) == stage) {
                its[done].obj = json_array_get(flat, i);
                its[done].result = cv_ok();
                done++;
            }
        if (done == first) continue;
        r = run_stage(k, its + first, done - first, o, failed);
        if (cv_is_ok(r) && stage == 0) r = after_definitions(k, its + first, done - first, o);
    }
    for (size_t i = 0; its && i < n; i++) item_clear(&its[i]);
    free(its);
    json_decref(flat);
    return r;
}
