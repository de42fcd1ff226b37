/* Discovery, the REST mapper, paths and object operations over the calls
 * of client.c. */
#include <string.h>
#include <time.h>

#include "crypto/base/limits.h"
#include "reconcile/kube/client_int.h"
#include "reconcile/kube/status.h"

#define ACCEPT_AGGREGATED                                                                    \
    "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,"                 \
    "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,"            \
    "application/json"

static time_t mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec;
}

/* --- discovery ------------------------------------------------------------- */

static bool is_kind(const json_t *doc, const char *kind)
{
    const char *k = json_string_value(json_object_get(doc, "kind"));
    return k && strcmp(k, kind) == 0;
}

static cv_result reply_ok(const cv_kube_reply *r, const char *what)
{
    if (r->status >= 200 && r->status < 300) {
        CV_ENSUREF(r->body != NULL, CV_E_KUBE_RESPONSE, "%s: the response is not JSON", what);
        return cv_ok();
    }
    return cv_kube_status_error_json(r->status, r->body, what);
}

/* Legacy discovery: one APIResourceList per group version. */
static cv_result legacy_paths(const json_t *api, const json_t *apis, json_t *paths)
{
    size_t i, j;
    json_t *v, *g;
    json_array_foreach(json_object_get(api, "versions"), i, v) {
        if (!json_is_string(v)) continue;
        char p[256];
        snprintf(p, sizeof p, "/api/%s", json_string_value(v));
        CV_ENSURE(json_array_append_new(paths, json_string(p)) == 0, CV_E_NOMEM);
    }
    json_array_foreach(json_object_get(apis, "groups"), i, g) {
        json_array_foreach(json_object_get(g, "versions"), j, v) {
            const char *gv = json_string_value(json_object_get(v, "groupVersion"));
            if (gv == NULL || strlen(gv) > 240) continue;
            char p[256];
            snprintf(p, sizeof p, "/apis/%s", gv);
            CV_ENSURE(json_array_append_new(paths, json_string(p)) == 0, CV_E_NOMEM);
        }
    }
    return cv_ok();
}

static cv_result legacy_discovery(cv_kube *k, const json_t *api, const json_t *apis,
                                  cv_kube_resources *t)
{
    json_t *paths = json_array();
    CV_ENSURE(paths != NULL, CV_E_NOMEM);
    cv_result r = legacy_paths(api, apis, paths);
    size_t n = json_array_size(paths);
    cv_kube_call *calls = calloc(n ? n : 1, sizeof *calls);
    cv_kube_reply *out = calloc(n ? n : 1, sizeof *out);
    cv_result *res = calloc(n ? n : 1, sizeof *res);
    if (cv_is_ok(r) && (!calls || !out || !res)) r = CV_FAIL(CV_E_NOMEM);
    for (size_t i = 0; cv_is_ok(r) && i < n; i++)
        calls[i] = (cv_kube_call){ .path = json_string_value(json_array_get(paths, i)),
                                   .idempotent = true };
    if (cv_is_ok(r)) r = cv_kube_do_many(k, calls, out, res, n, 0);
    /* A group that fails to answer (an aggregated API that is down) is left
     * out, as kubectl does; the others still map. */
    if (cv_is(r, CV_E_KUBE_API) || cv_is(r, CV_E_HTTP)) r = cv_ok();
    for (size_t i = 0; cv_is_ok(r) && i < n; i++)
        if (cv_is_ok(res[i]) && out[i].status == 200 && is_kind(out[i].body, "APIResourceList"))
            r = cv_kube_discovery_resource_list(out[i].body, t);
    for (size_t i = 0; out && i < n; i++) cv_kube_reply_clear(&out[i]);
    free(calls);
    free(out);
    free(res);
    json_decref(paths);
    return r;
}

static cv_result fetch_discovery(cv_kube *k, cv_kube_resources *t)
{
    cv_kube_call calls[2] = {
        { .path = "/api", .accept = ACCEPT_AGGREGATED, .idempotent = true },
        { .path = "/apis", .accept = ACCEPT_AGGREGATED, .idempotent = true },
    };
    cv_kube_reply out[2];
    cv_result res[2];
    cv_result r = cv_kube_do_many(k, calls, out, res, 2, 2);
    if (cv_is_ok(r)) r = reply_ok(&out[0], "discovery /api");
    if (cv_is_ok(r)) r = reply_ok(&out[1], "discovery /apis");
    if (cv_is_ok(r)) {
        if (is_kind(out[0].body, "APIGroupDiscoveryList") &&
            is_kind(out[1].body, "APIGroupDiscoveryList")) {
            r = cv_kube_discovery_aggregated(out[0].body, t);
            if (cv_is_ok(r)) r = cv_kube_discovery_aggregated(out[1].body, t);
        } else {
            r = legacy_discovery(k, out[0].body, out[1].body, t);
        }
    }
    cv_kube_reply_clear(&out[0]);
    cv_kube_reply_clear(&out[1]);
    return r;
}

cv_result cv_kube_discover(cv_kube *k)
{
    cv_kube_resources t = { 0 };
    cv_result r = fetch_discovery(k, &t);
    if (!cv_is_ok(r)) {
        cv_kube_resources_clear(&t);
        return r;
    }
    cv_kube_resources *tables = realloc(k->tables, (k->ntables + 1) * sizeof *tables);
    if (tables == NULL) {
        cv_kube_resources_clear(&t);
        CV_BAIL(CV_E_NOMEM);
    }
    k->tables = tables;
    k->tables[k->ntables++] = t;
    k->discovered = true;
    k->discovered_at = mono_s();
    return cv_ok();
}

void cv_kube_invalidate(cv_kube *k) { k->discovered = false; }

cv_result cv_kube_mapping(cv_kube *k, const char *api_version, const char *kind,
                          const cv_kube_resource **out)
{
    char g[256], v[128];
    CV_ENSUREF(kind && kind[0], CV_E_KUBE_MANIFEST, "object has no kind");
    CV_ENSUREF(cv_kube_split_api_version(api_version, g, sizeof g, v, sizeof v),
               CV_E_KUBE_MANIFEST, "object %s has an invalid apiVersion", kind);
    if (!k->discovered) CV_GUARD(cv_kube_discover(k));
    *out = cv_kube_resources_find(&k->tables[k->ntables - 1], g, v, kind);
    if (*out == NULL && mono_s() > k->discovered_at) {
        /* Maybe a CRD was established since: look again, once. */
        CV_GUARD(cv_kube_discover(k));
        *out = cv_kube_resources_find(&k->tables[k->ntables - 1], g, v, kind);
    }
    CV_ENSUREF(*out != NULL, CV_E_KUBE_UNKNOWN_KIND, "no matches for kind \"%s\" in version \"%s\"",
               kind, api_version);
    return cv_ok();
}

/* --- paths ----------------------------------------------------------------- */

cv_result cv_kube_path(cv_buf *out, const cv_kube_resource *r, const char *ns, const char *name,
                       const char *sub)
{
    if (r->group[0] == '\0') CV_GUARD(cv_buf_addf(out, "/api/%s", r->version));
    else CV_GUARD(cv_buf_addf(out, "/apis/%s/%s", r->group, r->version));
    if (r->namespaced && ns && ns[0]) {
        CV_GUARD(cv_buf_add_str(out, "/namespaces/"));
        CV_GUARD(cv_http_escape(out, cv_slice_str(ns)));
    }
    CV_GUARD(cv_buf_addf(out, "/%s", r->resource));
    if (name && name[0]) {
        CV_GUARD(cv_buf_add_byte(out, '/'));
        CV_GUARD(cv_http_escape(out, cv_slice_str(name)));
    }
    if (sub && sub[0]) CV_GUARD(cv_buf_addf(out, "/%s", sub));
    return cv_buf_nul(out);
}

/* "kind.group/name" as kubectl prints objects (group omitted for core). */
static void display(char *out, size_t cap, const cv_kube_resource *r, const char *name)
{
    size_t n = 0;
    for (const char *p = r->kind; *p && n + 1 < cap; p++)
        out[n++] = (char)((*p >= 'A' && *p <= 'Z') ? *p - 'A' + 'a' : *p);
    out[n] = '\0';
    snprintf(out + n, cap - n, "%s%s/%s", r->group[0] ? "." : "", r->group, name ? name : "");
}

/* One call on an object path; status >= 400 becomes an error. */
static cv_result object_call(cv_kube *k, cv_kube_call *c, const cv_kube_resource *r,
                             const char *name, cv_kube_reply *out)
{
    CV_GUARD(cv_kube_do(k, c, out));
    if (out->status >= 200 && out->status < 300) return cv_ok();
    char what[512];
    display(what, sizeof what, r, name);
    cv_result e = cv_kube_status_error_json(out->status, out->body, what);
    cv_kube_reply_clear(out);
    return e;
}

static cv_result path_of(cv_buf *p, const cv_kube_resource *r, const char *ns, const char *name,
                         const char *sub)
{
    cv_buf_init(p, 64 * 1024);
    cv_result res = cv_kube_path(p, r, ns, name, sub);
    if (!cv_is_ok(res)) cv_buf_release(p);
    return res;
}

cv_result cv_kube_get(cv_kube *k, const cv_kube_resource *r, const char *ns, const char *name,
                      json_t **out)
{
    cv_buf p;
    CV_GUARD(path_of(&p, r, ns, name, NULL));
    cv_kube_call c = { .path = (const char *)p.p, .secret = true, .idempotent = true };
    cv_kube_reply rep;
    cv_result res = object_call(k, &c, r, name, &rep);
    cv_buf_release(&p);
    CV_GUARD(res);
    CV_ENSUREF(rep.body != NULL, CV_E_KUBE_RESPONSE, "GET %s: the response is not JSON", name);
    *out = rep.body;
    return cv_ok();
}

static cv_result list_page(cv_kube *k, const cv_kube_resource *r, const char *ns,
                           const cv_kube_list_opts *o, const char *cont, cv_kube_reply *rep)
{
    cv_buf p;
    CV_GUARD(path_of(&p, r, ns, NULL, NULL));
    cv_result res = cv_buf_addf(&p, "?limit=%u", o->page ? o->page : CV_KUBE_LIST_PAGE);
    if (cv_is_ok(res) && o->label_selector && o->label_selector[0]) {
        res = cv_buf_add_str(&p, "&labelSelector=");
        if (cv_is_ok(res)) res = cv_http_escape(&p, cv_slice_str(o->label_selector));
    }
    if (cv_is_ok(res) && cont && cont[0]) {
        res = cv_buf_add_str(&p, "&continue=");
        if (cv_is_ok(res)) res = cv_http_escape(&p, cv_slice_str(cont));
    }
    if (cv_is_ok(res)) res = cv_buf_nul(&p);
    cv_kube_call c = { .path = (const char *)p.p, .secret = true, .idempotent = true };
    if (cv_is_ok(res)) res = object_call(k, &c, r, NULL, rep);
    cv_buf_release(&p);
    CV_GUARD(res);
    CV_ENSUREF(json_is_array(json_object_get(rep->body, "items")), CV_E_KUBE_RESPONSE,
               "LIST %s: the response has no items", r->resource);
    return cv_ok();
}

/* The page's items to the callback, its continue token and resourceVersion
 * kept. */
static cv_result take_page(const json_t *body, const cv_kube_list_opts *o, char **cont, char **rv)
{
    size_t i;
    json_t *item;
    json_array_foreach(json_object_get(body, "items"), i, item) CV_GUARD(o->each(o->ctx, item));
    json_t *meta = json_object_get(body, "metadata");
    const char *c = json_string_value(json_object_get(meta, "continue"));
    const char *v = json_string_value(json_object_get(meta, "resourceVersion"));
    CV_ENSURE(!(c && c[0] && (*cont = strdup(c)) == NULL), CV_E_NOMEM);
    if (rv && v) {
        free(*rv);
        CV_ENSURE((*rv = strdup(v)) != NULL, CV_E_NOMEM);
    }
    return cv_ok();
}

static cv_result list_pages(cv_kube *k, const cv_kube_resource *r, const char *ns,
                            const cv_kube_list_opts *o, char **rv)
{
    char *cont = NULL;
    cv_result res = cv_ok();
    do {
        cv_kube_reply rep = { 0 };
        res = list_page(k, r, ns, o, cont, &rep);
        free(cont);
        cont = NULL;
        if (cv_is_ok(res)) res = take_page(rep.body, o, &cont, rv);
        cv_kube_reply_clear(&rep);
    } while (cv_is_ok(res) && cont != NULL);
    free(cont);
    return res;
}

cv_result cv_kube_list_each(cv_kube *k, const cv_kube_resource *r, const char *ns,
                            const cv_kube_list_opts *o, char **rv)
{
    if (rv) *rv = NULL;
    for (int attempt = 0;; attempt++) {
        cv_result res = list_pages(k, r, ns, o, rv);
        /* A continue token outlived etcd compaction: start over once. */
        if (cv_is_ok(res) || !cv_is(res, CV_E_KUBE_GONE) || attempt > 0) return res;
        cv_err_clear();
        CV_GUARD(o->each(o->ctx, NULL));
    }
}

static cv_result append_item(void *ctx, json_t *item)
{
    json_t *all = ctx;
    if (item == NULL) return json_array_clear(all) == 0 ? cv_ok() : CV_FAIL(CV_E_NOMEM);
    CV_ENSURE(json_array_append(all, item) == 0, CV_E_NOMEM);
    return cv_ok();
}

cv_result cv_kube_list(cv_kube *k, const cv_kube_resource *r, const char *ns,
                       const char *selector, json_t **items, char **rv)
{
    json_t *all = json_array();
    CV_ENSURE(all != NULL, CV_E_NOMEM);
    cv_kube_list_opts o = { .label_selector = selector, .each = append_item, .ctx = all };
    cv_result res = cv_kube_list_each(k, r, ns, &o, rv);
    if (!cv_is_ok(res)) {
        json_decref(all);
        return res;
    }
    *items = all;
    return res;
}

cv_result cv_kube_apply_query(cv_buf *out, const cv_kube_apply_opts *o)
{
    CV_ENSUREF(o->field_manager && o->field_manager[0] && strlen(o->field_manager) <= 128,
               CV_E_INVALID_ARG, "a field manager of 1 to 128 characters is required");
    CV_GUARD(cv_buf_add_str(out, "?fieldManager="));
    CV_GUARD(cv_http_escape(out, cv_slice_str(o->field_manager)));
    if (o->force) CV_GUARD(cv_buf_add_str(out, "&force=true"));
    if (o->dry_run) CV_GUARD(cv_buf_add_str(out, "&dryRun=All"));
    return cv_ok();
}

cv_result cv_kube_apply(cv_kube *k, const cv_kube_resource *r, const char *ns, const json_t *obj,
                        const cv_kube_apply_opts *o, json_t **out, bool *created)
{
    const char *name = json_string_value(json_object_get(json_object_get(obj, "metadata"), "name"));
    CV_ENSUREF(name && name[0], CV_E_KUBE_MANIFEST, "%s without metadata.name", r->kind);
    cv_buf p;
    CV_GUARD(path_of(&p, r, ns, name, NULL));
    cv_result res = cv_kube_apply_query(&p, o);
    if (cv_is_ok(res)) res = cv_buf_nul(&p);
    char *body = cv_is_ok(res) ? json_dumps(obj, JSON_COMPACT) : NULL;
    if (cv_is_ok(res) && body == NULL) res = CV_FAIL(CV_E_NOMEM);
    cv_kube_call c = { .method = "PATCH", .path = (const char *)p.p,
                       .content_type = "application/apply-patch+yaml",
                       .body = cv_slice_str(body ? body : ""), .has_body = true,
                       .secret = true, .idempotent = true };
    cv_kube_reply rep = { 0 };
    if (cv_is_ok(res)) res = object_call(k, &c, r, name, &rep);
    cv_wipe_free(body); /* jansson's allocator: wiped */
    cv_buf_release(&p);
    CV_GUARD(res);
    if (created) *created = rep.status == 201;
    *out = rep.body;
    return cv_ok();
}

cv_result cv_kube_delete(cv_kube *k, const cv_kube_resource *r, const char *ns, const char *name,
                         const char *propagation, bool dry_run)
{
    cv_buf p;
    CV_GUARD(path_of(&p, r, ns, name, NULL));
    cv_result res = cv_ok();
    char sep = '?';
    if (propagation && propagation[0]) {
        res = cv_buf_addf(&p, "%cpropagationPolicy=%s", sep, propagation);
        sep = '&';
    }
    if (cv_is_ok(res) && dry_run) res = cv_buf_addf(&p, "%cdryRun=All", sep);
    if (cv_is_ok(res)) res = cv_buf_nul(&p);
    cv_kube_call c = { .method = "DELETE", .path = (const char *)p.p, .idempotent = true };
    cv_kube_reply rep = { 0 };
    if (cv_is_ok(res)) res = object_call(k, &c, r, name, &rep);
    cv_kube_reply_clear(&rep);
    cv_buf_release(&p);
    return res;
}

/* A JSON body to path (POST or PUT), status >= 400 as an error. */
static cv_result send_object(cv_kube *k, const cv_kube_resource *r, const char *ns,
                             const json_t *obj, const char *method, const char *sub, json_t **out)
{
    const char *name = json_string_value(json_object_get(json_object_get(obj, "metadata"), "name"));
    bool create = strcmp(method, "POST") == 0;
    CV_ENSUREF(name && name[0], CV_E_KUBE_MANIFEST, "%s without metadata.name", r->kind);
    cv_buf p;
    CV_GUARD(path_of(&p, r, ns, create ? NULL : name, sub));
    char *body = json_dumps(obj, JSON_COMPACT);
    cv_result res = body ? cv_ok() : CV_FAIL(CV_E_NOMEM);
    cv_kube_call c = { .method = method, .path = (const char *)p.p,
                       .body = cv_slice_str(body ? body : ""), .has_body = true, .secret = true };
    cv_kube_reply rep = { 0 };
    if (cv_is_ok(res)) res = object_call(k, &c, r, name, &rep);
    cv_wipe_free(body); /* jansson's allocator: wiped */
    cv_buf_release(&p);
    CV_GUARD(res);
    if (out) *out = rep.body;
    else json_decref(rep.body);
    return cv_ok();
}

cv_result cv_kube_create(cv_kube *k, const cv_kube_resource *r, const char *ns, const json_t *obj,
                         json_t **out)
{
    return send_object(k, r, ns, obj, "POST", NULL, out);
}

cv_result cv_kube_update(cv_kube *k, const cv_kube_resource *r, const char *ns, const json_t *obj,
                         json_t **out)
{
    return send_object(k, r, ns, obj, "PUT", NULL, out);
}

cv_result cv_kube_merge_patch(cv_kube *k, const cv_kube_resource *r, const char *ns,
                              const char *name, const json_t *patch, json_t **out)
{
    cv_buf p;
    CV_GUARD(path_of(&p, r, ns, name, NULL));
    char *body = json_dumps(patch, JSON_COMPACT);
    cv_result res = body ? cv_ok() : CV_FAIL(CV_E_NOMEM);
    cv_kube_call c = { .method = "PATCH", .path = (const char *)p.p,
                       .content_type = "application/merge-patch+json",
                       .body = cv_slice_str(body ? body : ""), .has_body = true, .secret = true };
    cv_kube_reply rep = { 0 };
    if (cv_is_ok(res)) res = object_call(k, &c, r, name, &rep);
    cv_wipe_free(body);
    cv_buf_release(&p);
    CV_GUARD(res);
    if (out) *out = rep.body;
    else json_decref(rep.body);
    return cv_ok();
}

cv_result cv_kube_update_status(cv_kube *k, const cv_kube_resource *r, const char *ns,
                                const json_t *obj, json_t **out)
{
    CV_ENSUREF(r->has_status, CV_E_UNSUPPORTED, "%s has no status subresource", r->resource);
    return send_object(k, r, ns, obj, "PUT", "status", out);
}
