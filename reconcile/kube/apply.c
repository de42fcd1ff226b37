#include "reconcile/kube/apply.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crypto/base/limits.h"
#include "crypto/base/mem.h"
#include "crypto/prim/hash.h"
#include "reconcile/kube/status.h"

#define DEFAULT_PARALLEL 32u
#define DEFAULT_CRD_TIMEOUT_S 60u

/* One object. The manifest is held parsed only until it is prepared; from
 * then on as the compact JSON the apply sends, so that a large set costs a
 * few hundred bytes per object. The live object is never kept either: what
 * the outcome needs of it is whether the apply can be skipped and a digest
 * of what the user sees of it. The array lives in the wiping heap (the
 * digest is of Secret values too). */
typedef struct {
    json_t *obj;                 /* own reference until prepared */
    char *body;                  /* the prepared manifest (jansson's wiping memory) */
    const cv_kube_resource *res;
    char *name;
    char *ns;                    /* "" for cluster-scoped objects */
    char *display;
    bool read;                   /* the live state is known */
    bool existed;                /* ... and the object was there */
    bool unreadable;             /* no right to read it: outcome from the status */
    bool noop;                   /* applying it could not change it */
    bool unlisted;               /* its LIST failed: read it with a GET */
    uint8_t before[CV_SHA256_LEN]; /* digest of the live object as the user sees it */
    bool created;
    cv_kube_outcome outcome;
    cv_result result;
    char *detail;                /* the error, named by the object */
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
static cv_result display_of(item *it)
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
    char d[512];
    snprintf(d, sizeof d, "%s%s%.*s/%s", lower, slash ? "." : "", slash ? (int)(slash - av) : 0,
             slash ? av : "", name ? name : "");
    it->display = strdup(d);
    CV_ENSURE(it->display != NULL, CV_E_NOMEM);
    return cv_ok();
}

static const char *display(const item *it) { return it->display ? it->display : ""; }

/* Record a failure; the detail always names the object. */
static void fail_item(item *it, cv_result r)
{
    const char *d = cv_err_detail()[0] ? cv_err_detail() : cv_strerror(r.err);
    const char *disp = display(it);
    size_t dl = strlen(disp);
    it->result = r;
    free(it->detail);
    it->detail = NULL;
    bool named = strncmp(d, disp, dl) == 0 && d[dl] == ':';
    if ((named ? asprintf(&it->detail, "%s", d) : asprintf(&it->detail, "%s: %s", disp, d)) < 0)
        it->detail = NULL;
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

/* jansson's own free (the wiping one once the secrets runtime is up). */
static void json_mem_free(void *p)
{
    json_malloc_t m;
    json_free_t f;
    json_get_alloc_funcs(&m, &f);
    f(p);
}

/* Settle the namespace: none for cluster-scoped objects, -n or the
 * context's for the rest. */
static cv_result settle_namespace(cv_kube *k, item *it, const cv_kube_apply_set *o)
{
    json_t *meta = json_object_get(it->obj, "metadata");
    const char *ns = obj_namespace(it->obj);
    if (!it->res->namespaced) {
        json_object_del(meta, "namespace");
        it->ns = strdup("");
        CV_ENSURE(it->ns != NULL, CV_E_NOMEM);
        return cv_ok();
    }
    const char *want = o->namespace && o->namespace[0] ? o->namespace : cv_kube_default_namespace(k);
    CV_ENSUREF(!(ns && ns[0] && o->namespace_explicit && strcmp(ns, want) != 0),
               CV_E_INVALID_ARG,
               "the namespace from the provided object \"%s\" does not match the namespace "
               "\"%s\". You must pass '--namespace=%s' to perform this operation.",
               ns, want, ns);
    it->ns = strdup(ns && ns[0] ? ns : want);
    CV_ENSURE(it->ns != NULL, CV_E_NOMEM);
    CV_ENSURE(json_object_set_new(meta, "namespace", json_string(it->ns)) == 0, CV_E_NOMEM);
    return cv_ok();
}

/* A packed manifest (cv_kube_pack) parsed again for its turn. */
static cv_result unpack(item *it)
{
    if (!json_is_string(it->obj)) return cv_ok();
    /* A value may hold NUL (YAML's "\0"): its text has \u0000. */
    json_t *obj = json_loadb(json_string_value(it->obj), json_string_length(it->obj),
                             JSON_ALLOW_NUL, NULL);
    CV_ENSURE(obj != NULL, CV_E_NOMEM); /* cv_kube_pack wrote it: only memory can fail */
    json_decref(it->obj);
    it->obj = obj;
    return cv_ok();
}

static int add_chunk(const char *p, size_t n, void *ctx)
{
    return cv_is_ok(cv_buf_add(ctx, p, n)) ? 0 : -1;
}

/* Every object's text into one buffer (ends[i]: where object i's ends; a
 * non-object has no text), each tree freed once written. */
static cv_result write_texts(json_t *flat, cv_buf *all, size_t *ends)
{
    size_t i;
    json_t *obj;
    json_array_foreach(flat, i, obj) {
        if (json_is_object(obj))
            CV_ENSURE(json_dump_callback(obj, add_chunk, all, JSON_COMPACT) == 0, CV_E_NOMEM);
        ends[i] = all->len;
        CV_ENSURE(json_array_set_new(flat, i, json_null()) == 0, CV_E_NOMEM);
    }
    return cv_ok();
}

static cv_result texts_to_strings(const cv_buf *all, const size_t *ends, size_t n, json_t *docs)
{
    for (size_t i = 0, at = 0; i < n; at = ends[i++]) {
        json_t *s = ends[i] > at ? json_stringn_nocheck((const char *)all->p + at, ends[i] - at)
                                 : json_null();
        CV_ENSURE(s != NULL && json_array_append_new(docs, s) == 0, CV_E_NOMEM);
    }
    return cv_ok();
}

/* The texts are made only after every tree is gone, so that they sit
 * together in memory and the trees' pages can go back to the system. */
cv_result cv_kube_pack(json_t *docs)
{
    json_t *flat = NULL;
    CV_GUARD(cv_kube_flatten(docs, &flat));
    json_array_clear(docs);
    size_t n = json_array_size(flat);
    size_t *ends = calloc(n ? n : 1, sizeof *ends);
    cv_buf all;
    cv_buf_init_secret(&all, CV_KUBE_MAX_MANIFEST);
    cv_result r = ends ? write_texts(flat, &all, ends) : CV_FAIL(CV_E_NOMEM);
    json_decref(flat);
    if (cv_is_ok(r)) r = texts_to_strings(&all, ends, n, docs);
    cv_buf_release(&all);
    free(ends);
    return r;
}

/* Check the manifest, map it, settle its namespace, build its path, and
 * keep it as the body to send. */
static cv_result prepare(cv_kube *k, item *it, const cv_kube_apply_set *o)
{
    CV_GUARD(unpack(it));
    CV_GUARD(display_of(it));
    CV_ENSUREF(json_is_object(it->obj), CV_E_KUBE_MANIFEST, "a document is not an object");
    const char *name = obj_name(it->obj);
    CV_ENSUREF(name && name[0], CV_E_KUBE_MANIFEST, "%s: metadata.name is required",
               it->display);
    CV_ENSURE((it->name = strdup(name)) != NULL, CV_E_NOMEM);
    CV_GUARD(cv_kube_mapping(k, json_string_value(json_object_get(it->obj, "apiVersion")),
                             json_string_value(json_object_get(it->obj, "kind")), &it->res));
    CV_GUARD(settle_namespace(k, it, o));
    cv_buf path; /* made again per request: 1,000 objects need not keep 1,000 */
    cv_buf_init(&path, 64 * 1024);
    cv_result r = cv_kube_path(&path, it->res, it->ns, name, NULL);
    cv_buf_release(&path);
    CV_GUARD(r);
    it->body = json_dumps(it->obj, JSON_COMPACT);
    CV_ENSURE(it->body != NULL, CV_E_NOMEM);
    return cv_ok();
}

/* --- what the user sees of an object --------------------------------------- */

static int hash_chunk(const char *p, size_t n, void *ctx)
{
    cv_sha256_update(ctx, p, n);
    return 0;
}

/* SHA-256 of the object without the bookkeeping the server rewrites by
 * itself (field ownership records, resourceVersion, generation; items of a
 * LIST carry no kind or apiVersion), keys sorted: two objects have the same
 * digest when json_equal would find them equal (up to how a real's text
 * is spelled: the server spells the same value the same way). */
static cv_result seen_digest(json_t *obj, uint8_t out[CV_SHA256_LEN])
{
    json_t *c = json_copy(obj), *meta = json_copy(json_object_get(obj, "metadata"));
    cv_result r = c ? cv_ok() : CV_FAIL(CV_E_NOMEM);
    if (cv_is_ok(r) && meta) {
        json_object_del(meta, "managedFields");
        json_object_del(meta, "resourceVersion");
        json_object_del(meta, "generation");
        if (json_object_set(c, "metadata", meta) != 0) r = CV_FAIL(CV_E_NOMEM);
    }
    json_object_del(c, "kind");
    json_object_del(c, "apiVersion");
    cv_sha256_ctx h;
    cv_sha256_init(&h);
    if (cv_is_ok(r) && json_dump_callback(c, hash_chunk, &h, JSON_COMPACT | JSON_SORT_KEYS) != 0)
        r = CV_FAIL(CV_E_NOMEM);
    cv_sha256_final(&h, out);
    cv_wipe(&h, sizeof h);
    json_decref(meta);
    json_decref(c);
    return r;
}

/* --- reading the live objects -------------------------------------------- */

/* The live object is there: whether applying could change it, and its
 * digest for the outcome. */
static cv_result see_live(item *it, json_t *live, const char *manager)
{
    it->read = it->existed = true;
    json_t *want = json_loads(it->body, JSON_ALLOW_NUL, NULL);
    it->noop = want != NULL && cv_kube_apply_is_noop(want, live, manager);
    json_decref(want);
    return seen_digest(live, it->before);
}

/* Many objects of one resource in one namespace are read with one LIST
 * instead of one GET each: far less work for the API server. Pages of
 * LIST_PAGE items keep the memory for live objects small. */
#define LIST_THRESHOLD 16u
#define LIST_PAGE 100u

static bool same_group(const item *a, const item *b)
{
    return cv_is_ok(b->result) && !b->read && !b->unlisted && b->res == a->res &&
           strcmp(a->ns, b->ns) == 0;
}

typedef struct {
    item *its;
    json_t *by_name;            /* name -> [indexes into its] (a name may come twice) */
    const char *manager;
} list_ctx;

static void forget_seen(list_ctx *c)
{
    const char *name;
    json_t *v, *e;
    size_t i;
    json_object_foreach(c->by_name, name, v) json_array_foreach(v, i, e) {
        item *it = &c->its[json_integer_value(e)];
        it->read = it->existed = it->noop = false;
    }
}

static cv_result on_listed(void *ctx, json_t *live)
{
    list_ctx *c = ctx;
    if (live == NULL) { /* the list starts over */
        forget_seen(c);
        return cv_ok();
    }
    json_t *e, *idx = json_object_get(c->by_name, obj_name(live) ? obj_name(live) : "");
    size_t i;
    json_array_foreach(idx, i, e) CV_GUARD(see_live(&c->its[json_integer_value(e)], live, c->manager));
    return cv_ok();
}

static cv_result group_names(item *its, size_t n, size_t lead, json_t *by_name)
{
    for (size_t j = lead; j < n; j++) {
        if (!same_group(&its[lead], &its[j])) continue;
        json_t *idx = json_object_get(by_name, its[j].name);
        if (idx == NULL) {
            idx = json_array();
            CV_ENSURE(idx != NULL && json_object_set_new(by_name, its[j].name, idx) == 0, CV_E_NOMEM);
        }
        CV_ENSURE(json_array_append_new(idx, json_integer((json_int_t)j)) == 0, CV_E_NOMEM);
    }
    return cv_ok();
}

/* LIST the group of its[lead]: every member is read once the list is
 * complete; after a failure (not allowed to list, say) none is, and they
 * are read one by one. */
static cv_result list_group(cv_kube *k, item *its, size_t n, size_t lead, const char *manager)
{
    list_ctx c = { its, json_object(), manager };
    CV_ENSURE(c.by_name != NULL, CV_E_NOMEM);
    cv_result r = group_names(its, n, lead, c.by_name);
    cv_kube_list_opts lo = { .page = LIST_PAGE, .each = on_listed, .ctx = &c };
    cv_result lr = cv_is_ok(r) ? cv_kube_list_each(k, its[lead].res, its[lead].ns, &lo, NULL) : r;
    if (!cv_is_ok(lr)) forget_seen(&c);
    const char *name;
    json_t *v, *e;
    size_t i;
    json_object_foreach(c.by_name, name, v) json_array_foreach(v, i, e) {
        item *it = &its[json_integer_value(e)];
        it->read = cv_is_ok(lr);
        it->unlisted = !cv_is_ok(lr);
    }
    json_decref(c.by_name);
    if (cv_is_ok(r) && !cv_is_ok(lr) && !cv_is(lr, CV_E_NOMEM)) cv_err_clear();
    else r = cv_is_ok(r) ? lr : r;
    return r;
}

static cv_result read_by_list(cv_kube *k, item *its, size_t n, const char *manager)
{
    for (size_t i = 0; i < n; i++) {
        if (!cv_is_ok(its[i].result) || its[i].read) continue;
        size_t count = 0;
        for (size_t j = i; j < n; j++) count += same_group(&its[i], &its[j]);
        if (count < LIST_THRESHOLD) continue;
        CV_GUARD(list_group(k, its, n, i, manager));
    }
    return cv_ok();
}

typedef struct {
    item *its;
    size_t *idx;                /* the item of each call */
    const char *manager;
    bool *seen;                 /* the call's answer came */
} get_batch;

/* Calls that never ran (credentials could not be had, say) fail their
 * objects with the reason; the others have their outcomes already. */
static void fail_unseen(item *its, const size_t *idx, const bool *seen, size_t m, cv_result r)
{
    for (size_t j = 0; !cv_is_ok(r) && j < m; j++)
        if (!seen[j]) fail_item(&its[idx[j]], r);
    cv_err_clear();
}

static void record_get(void *ctx, size_t j, cv_kube_reply *rep, cv_result res)
{
    get_batch *g = ctx;
    item *it = &g->its[g->idx[j]];
    g->seen[j] = true;
    if (!cv_is_ok(res)) fail_item(it, res);
    else if (rep->status == 200 && rep->body) {
        cv_result r = see_live(it, rep->body, g->manager);
        if (!cv_is_ok(r)) fail_item(it, r);
    }
    else if (rep->status == 404) it->read = true;
    /* A user may be allowed to patch but not to get: apply anyway and
     * let the apply's own answer speak. */
    else if (rep->status == 403) it->unreadable = true;
    else fail_item(it, cv_kube_status_error_json(rep->status, rep->body, display(it)));
}

static cv_result read_existing(cv_kube *k, item *its, size_t n, unsigned parallel,
                               const char *manager)
{
    CV_GUARD(read_by_list(k, its, n, manager));
    cv_kube_call *calls = calloc(n ? n : 1, sizeof *calls);
    cv_buf *paths = calloc(n ? n : 1, sizeof *paths);
    get_batch g = { its, calloc(n ? n : 1, sizeof *g.idx), manager,
                    calloc(n ? n : 1, sizeof *g.seen) };
    cv_result r = calls && paths && g.idx && g.seen ? cv_ok() : CV_FAIL(CV_E_NOMEM);
    size_t m = 0;
    for (size_t i = 0; cv_is_ok(r) && i < n; i++) {
        if (!cv_is_ok(its[i].result) || its[i].read) continue;
        cv_buf_init(&paths[m], 64 * 1024);
        r = cv_kube_path(&paths[m], its[i].res, its[i].ns, its[i].name, NULL);
        calls[m] = (cv_kube_call){ .path = (const char *)paths[m].p, .secret = true,
                                   .idempotent = true };
        g.idx[m++] = i;
    }
    if (cv_is_ok(r) && m > 0)
        fail_unseen(its, g.idx, g.seen, m, cv_kube_do_each(k, calls, m, parallel, record_get, &g));
    for (size_t j = 0; j < m; j++) cv_buf_release(&paths[j]);
    free(paths);
    free(calls);
    free(g.idx);
    free(g.seen);
    return r;
}

/* --- applying -------------------------------------------------------------- */

/* created: the server created it; unchanged: only the server's bookkeeping
 * differs from before (as Flux judges drift; this also holds for dry run,
 * where the resourceVersion never moves); otherwise configured. */
static cv_kube_outcome outcome_of(const item *it, json_t *after)
{
    if (it->created || (!it->existed && !it->unreadable)) return CV_KUBE_CREATED;
    if (it->unreadable) return CV_KUBE_CONFIGURED;
    uint8_t now[CV_SHA256_LEN];
    bool same = cv_is_ok(seen_digest(after, now)) && cv_ct_eq(now, it->before, sizeof now);
    cv_err_clear();
    return same ? CV_KUBE_UNCHANGED : CV_KUBE_CONFIGURED;
}

typedef struct {
    item *its;
    cv_kube_call *calls;
    size_t *idx;                /* the item of each call */
    bool *seen;                 /* the call's answer came */
    cv_buf *paths;
    size_t m;
} apply_batch;

static void batch_free(apply_batch *b, size_t n)
{
    for (size_t i = 0; b->paths && i < n; i++) cv_buf_release(&b->paths[i]);
    free(b->calls);
    free(b->idx);
    free(b->seen);
    free(b->paths);
}

static cv_result batch_add(apply_batch *b, item *it, size_t i, const cv_kube_apply_opts *ssa)
{
    size_t j = b->m;
    cv_buf_init(&b->paths[j], 64 * 1024);
    CV_GUARD(cv_kube_path(&b->paths[j], it->res, it->ns, it->name, NULL));
    CV_GUARD(cv_kube_apply_query(&b->paths[j], ssa));
    CV_GUARD(cv_buf_nul(&b->paths[j]));
    b->calls[j] = (cv_kube_call){ .method = "PATCH", .path = (const char *)b->paths[j].p,
                                  .content_type = "application/apply-patch+yaml",
                                  .body = cv_slice_str(it->body), .has_body = true,
                                  .secret = true, .idempotent = true };
    b->idx[j] = i;
    b->m++;
    return cv_ok();
}

/* The outcome is decided as soon as the answer is in; nothing of the
 * answer is kept. */
static void record_apply(void *ctx, size_t j, cv_kube_reply *rep, cv_result res)
{
    apply_batch *b = ctx;
    item *it = &b->its[b->idx[j]];
    b->seen[j] = true;
    if (!cv_is_ok(res)) {
        fail_item(it, res);
    } else if (rep->status == 200 || rep->status == 201) {
        it->created = rep->status == 201;
        if (rep->body == NULL) fail_item(it, CV_FAILF(CV_E_KUBE_RESPONSE, "%s: the response is not JSON", display(it)));
        else it->outcome = outcome_of(it, rep->body);
    } else {
        fail_item(it, cv_kube_status_error_json(rep->status, rep->body, display(it)));
    }
}

/* Apply its[0..n) (one chunk) concurrently: each answer is settled as it
 * arrives, and a finished request's slot goes to the next at once. */
static cv_result apply_chunk(cv_kube *k, item *its, size_t n, const cv_kube_apply_set *o,
                             unsigned parallel)
{
    apply_batch b = { .its = its };
    b.calls = calloc(n ? n : 1, sizeof *b.calls);
    b.idx = calloc(n ? n : 1, sizeof *b.idx);
    b.seen = calloc(n ? n : 1, sizeof *b.seen);
    b.paths = calloc(n ? n : 1, sizeof *b.paths);
    cv_result r = b.calls && b.idx && b.seen && b.paths ? cv_ok() : CV_FAIL(CV_E_NOMEM);
    for (size_t i = 0; cv_is_ok(r) && i < n; i++) {
        if (!cv_is_ok(its[i].result)) continue;
        /* Nothing to change: no request (the live object is the result). */
        if (its[i].noop) {
            its[i].outcome = CV_KUBE_UNCHANGED;
            continue;
        }
        r = batch_add(&b, &its[i], i, &o->ssa);
    }
    if (cv_is_ok(r) && b.m > 0)
        fail_unseen(its, b.idx, b.seen, b.m,
                    cv_kube_do_each(k, b.calls, b.m, parallel, record_apply, &b));
    batch_free(&b, n);
    return r;
}

/* In chunks of a few times the concurrency: the requests of a chunk are
 * built up front (their URLs, headers and transfer state cost about 1 KiB
 * each), and only the end of a chunk waits for its slowest answer. */
static cv_result apply_items(cv_kube *k, item *its, size_t n, const cv_kube_apply_set *o,
                             unsigned parallel)
{
    size_t chunk = (size_t)parallel * 8;
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
    cv_kube_applied a = { .display = display(it), .namespace = it->ns ? it->ns : "",
                          .outcome = it->outcome, .result = it->result,
                          .detail = cv_is_ok(it->result) ? ""
                                    : it->detail ? it->detail : cv_strerror(it->result.err) };
    o->report(o->ctx, &a);
}

static void item_clear(item *it)
{
    json_decref(it->obj);
    json_mem_free(it->body);
    free(it->name);
    free(it->ns);
    free(it->display);
    free(it->detail);
}

/* New CRDs applied in this stage (not in dry run): their names. */
static cv_result applied_crds(const item *its, size_t n, json_t *names)
{
    for (size_t i = 0; i < n; i++) {
        const cv_kube_resource *r = its[i].res;
        if (!cv_is_ok(its[i].result) || r == NULL || strcmp(r->kind, "CustomResourceDefinition"))
            continue;
        CV_ENSURE(json_array_append_new(names, json_string(its[i].name)) == 0, CV_E_NOMEM);
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
        json_decref(its[i].obj);
        its[i].obj = NULL;
    }
    CV_GUARD(read_existing(k, its, n, parallel, o->ssa.field_manager));
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

/* A packed manifest is parsed to find its stage, and dropped again. */
static int stage_of_entry(const json_t *e)
{
    if (!json_is_string(e)) return stage_of(e);
    json_t *obj =
        json_loadb(json_string_value(e), json_string_length(e), JSON_ALLOW_NUL, NULL);
    int stage = stage_of(obj);
    json_decref(obj);
    return stage;
}

/* The objects in stage order (input order within a stage), each item with
 * its own reference; bounds[s] is where stage s ends. */
static void order_items(const json_t *flat, item *its, size_t bounds[3])
{
    size_t done = 0, n = json_array_size(flat);
    for (int stage = 0; stage < 3; stage++) {
        for (size_t i = 0; i < n; i++) {
            json_t *obj = json_array_get(flat, i);
            if (stage_of_entry(obj) != stage) continue;
            its[done].obj = json_incref(obj);
            its[done].result = cv_ok();
            done++;
        }
        bounds[stage] = done;
    }
}

cv_result cv_kube_apply_objects(cv_kube *k, json_t *objects, const cv_kube_apply_set *o,
                                size_t *failed)
{
    *failed = 0;
    json_t *flat = NULL;
    CV_GUARD(cv_kube_flatten(objects, &flat));
    size_t n = json_array_size(flat), bounds[3] = { 0, 0, 0 };
    item *its = cv_wipe_calloc(n ? n : 1, sizeof *its);
    cv_result r = its ? cv_ok() : CV_FAIL(CV_E_NOMEM);
    if (its) order_items(flat, its, bounds);
    json_decref(flat);
    if (o->release_objects) json_array_clear(objects);
    for (int stage = 0; stage < 3 && cv_is_ok(r); stage++) {
        size_t first = stage ? bounds[stage - 1] : 0;
        if (bounds[stage] == first) continue;
        r = run_stage(k, its + first, bounds[stage] - first, o, failed);
        if (cv_is_ok(r) && stage == 0) r = after_definitions(k, its + first, bounds[stage] - first, o);
    }
    for (size_t i = 0; its && i < n; i++) item_clear(&its[i]);
    cv_wipe_free(its);
    return r;
}
