/* bw serve client: requests, the reply envelope, item accessors. */
#include "secrets/bitwarden/vault.h"

#include <stdlib.h>
#include <string.h>

#include "crypto/base/limits.h"
#include "crypto/base/mem.h"

struct cv_bw_vault {
    cv_http *http;
    char base[CV_BW_SERVE_MAX_URL];
};

cv_result cv_bw_vault_new(cv_bw_vault **out, const char *base_url)
{
    *out = NULL;
    const char *u = base_url && *base_url ? base_url : CV_BW_SERVE_DEFAULT_URL;
    size_t n = strlen(u);
    while (n > 0 && u[n - 1] == '/') n--;
    CV_ENSUREF(n > 0 && n < CV_BW_SERVE_MAX_URL, CV_E_INVALID_ARG, "bw serve URL is empty or too long");
    cv_bw_vault *v = calloc(1, sizeof(*v));
    CV_ENSURE(v != NULL, CV_E_NOMEM);
    memcpy(v->base, u, n);
    cv_result r = cv_http_new(&v->http);
    if (!cv_is_ok(r)) {
        free(v);
        return r;
    }
    *out = v;
    return cv_ok();
}

void cv_bw_vault_free(cv_bw_vault **v)
{
    if (!v || !*v) return;
    cv_http_free(&(*v)->http);
    free(*v);
    *v = NULL;
}

void cv_bw_reply_init(cv_bw_reply *r)
{
    memset(r, 0, sizeof(*r));
    cv_buf_init_secret(&r->body, CV_BW_SERVE_MAX_REPLY);
}

void cv_bw_reply_clear(cv_bw_reply *r)
{
    if (!r) return;
    json_decref(r->root);
    r->root = r->data = NULL;
    cv_buf_release(&r->body);
}

/* A failure envelope: bw's three fixed messages get their own codes. */
static cv_result envelope_error(const json_t *root)
{
    const char *m = json_string_value(json_object_get(root, "message"));
    if (!m) return CV_FAILF(CV_E_BW_SERVE, "bw serve failed without a message");
    if (strcmp(m, "Not found.") == 0) return CV_FAILF(CV_E_BW_NOT_FOUND, "Not found.");
    if (strcmp(m, "Vault is locked.") == 0) return CV_FAILF(CV_E_BW_LOCKED, "%s", m);
    if (strcmp(m, "You are not logged in.") == 0)
        return CV_FAILF(CV_E_BW_NOT_LOGGED_IN, "%s", m);
    return CV_FAILF(CV_E_BW_SERVE, "%.300s", m);
}

cv_result cv_bw_vault_parse(cv_slice body, long status, cv_bw_reply *r)
{
    cv_bw_reply_clear(r);
    cv_bw_reply_init(r);
    CV_GUARD(cv_buf_add(&r->body, body.p, body.len));
    json_error_t je;
    r->root = json_loadb((const char *)r->body.p, r->body.len, JSON_REJECT_DUPLICATES, &je);
    const json_t *ok = json_object_get(r->root, "success");
    if (!json_is_boolean(ok)) {
        /* not bw's envelope: a refused Host/Origin (403) or another server */
        CV_ENSUREF(status / 100 == 2, CV_E_BW_SERVE, "bw serve answered HTTP %ld", status);
        CV_BAILF(CV_E_BW_RESPONSE, "bw serve reply is not a {success, data} envelope");
    }
    if (!json_is_true(ok)) return envelope_error(r->root);
    r->data = json_object_get(r->root, "data");
    CV_ENSUREF(r->data != NULL, CV_E_BW_RESPONSE, "bw serve reply has no data");
    return cv_ok();
}

static cv_result request(cv_bw_vault *v, const char *method, const char *path, cv_bw_reply *r)
{
    cv_buf url;
    cv_buf_init(&url, 2 * CV_BW_SERVE_MAX_URL);
    cv_result res = cv_buf_addf(&url, "%s%s", v->base, path);
    if (cv_is_ok(res)) res = cv_buf_nul(&url);
    cv_http_header h[] = { { "Accept", cv_slice_str("application/json") } };
    cv_http_req q;
    memset(&q, 0, sizeof(q));
    q.method = method;
    q.url = (const char *)url.p;
    q.headers = h;
    q.nheaders = 1;
    q.max_response = CV_BW_SERVE_MAX_REPLY;
    q.secret_response = true;
    q.idempotent = strcmp(method, "GET") == 0;
    q.has_body = strcmp(method, "POST") == 0;
    cv_http_resp resp;
    cv_http_resp_init(&resp);
    if (cv_is_ok(res)) res = cv_http_do(v->http, &q, &resp);
    if (cv_is_ok(res)) res = cv_bw_vault_parse(cv_buf_slice(&resp.body), resp.status, r);
    cv_http_resp_release(&resp);
    cv_buf_release(&url);
    return res;
}

/* path = prefix + escaped id */
static cv_result by_id(cv_bw_vault *v, const char *prefix, const char *id, cv_bw_reply *r)
{
    CV_ENSUREF(*id && strlen(id) < CV_BW_SERVE_MAX_URL, CV_E_INVALID_ARG, "item id is empty or too long");
    cv_buf p;
    cv_buf_init(&p, 4 * CV_BW_SERVE_MAX_URL);
    cv_result res = cv_buf_add_str(&p, prefix);
    if (cv_is_ok(res)) res = cv_http_escape(&p, cv_slice_str(id));
    if (cv_is_ok(res)) res = cv_buf_nul(&p);
    if (cv_is_ok(res)) res = request(v, "GET", (const char *)p.p, r);
    cv_buf_release(&p);
    return res;
}

cv_result cv_bw_vault_item(cv_bw_vault *v, const char *id, cv_bw_reply *r)
{
    CV_GUARD(by_id(v, "/object/item/", id, r));
    CV_ENSUREF(json_is_object(r->data), CV_E_BW_RESPONSE, "bw serve item is not an object");
    return cv_ok();
}

cv_result cv_bw_vault_totp(cv_bw_vault *v, const char *id, cv_bw_reply *r)
{
    return by_id(v, "/object/totp/", id, r);
}

/* Append "?name=value" (first) or "&name=value"; NULL values are not sent. */
static cv_result add_param(cv_buf *p, bool *first, const char *name, const char *value)
{
    if (!value) return cv_ok();
    CV_GUARD(cv_buf_addf(p, "%c%s=", *first ? '?' : '&', name));
    *first = false;
    return cv_http_escape(p, cv_slice_str(value));
}

cv_result cv_bw_vault_list(cv_bw_vault *v, const cv_bw_vault_filter *f, cv_bw_reply *r)
{
    cv_buf p;
    cv_buf_init(&p, 4 * CV_BW_SERVE_MAX_URL);
    bool first = true;
    cv_result res = cv_buf_add_str(&p, "/list/object/items");
    if (cv_is_ok(res)) res = add_param(&p, &first, "search", f->search);
    if (cv_is_ok(res)) res = add_param(&p, &first, "folderid", f->folderid);
    if (cv_is_ok(res)) res = add_param(&p, &first, "collectionid", f->collectionid);
    if (cv_is_ok(res)) res = add_param(&p, &first, "organizationid", f->organizationid);
    if (cv_is_ok(res)) res = add_param(&p, &first, "trash", f->trash ? "true" : NULL);
    if (cv_is_ok(res)) res = cv_buf_nul(&p);
    if (cv_is_ok(res)) res = request(v, "GET", (const char *)p.p, r);
    cv_buf_release(&p);
    return res;
}

cv_result cv_bw_vault_sync(cv_bw_vault *v, cv_bw_reply *r)
{
    return request(v, "POST", "/sync", r);
}

cv_result cv_bw_vault_status(cv_bw_vault *v, cv_bw_reply *r)
{
    return request(v, "GET", "/status", r);
}

/* --- accessors ----------------------------------------------------------- */

/* bw's Utils.isNullOrWhitespace: JavaScript's trim() set, ASCII part plus
 * NBSP and the BOM (enough for values bw itself would treat as blank). */
static bool blank(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == ' ' || (*p >= '\t' && *p <= '\r')) continue;
        if (p[0] == 0xc2 && p[1] == 0xa0) { p++; continue; }
        if (p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf) { p += 2; continue; }
        return false;
    }
    return true;
}

static cv_result put_string(const json_t *s, cv_buf *out)
{
    return cv_buf_add(out, json_string_value(s), json_string_length(s));
}

static cv_result present(const json_t *s, cv_buf *out)
{
    CV_ENSUREF(json_is_string(s) && !blank(json_string_value(s)), CV_E_BW_NOT_FOUND, "Not found.");
    return put_string(s, out);
}

static const json_t *first_uri(const json_t *login)
{
    const json_t *uris = json_object_get(login, "uris");
    return json_object_get(json_array_get(uris, 0), "uri");
}

cv_result cv_bw_item_value(const json_t *item, const char *what, cv_buf *out)
{
    if (strcmp(what, "notes") == 0 || strcmp(what, "name") == 0)
        return present(json_object_get(item, what), out);
    const json_t *login = json_object_get(item, "login");
    CV_ENSUREF(json_integer_value(json_object_get(item, "type")) == 1 && json_is_object(login),
               CV_E_BW_NOT_FOUND, "Not found.");
    if (strcmp(what, "uri") == 0) {
        const json_t *u = first_uri(login);
        CV_ENSUREF(json_is_string(u) && json_string_length(u) > 0, CV_E_BW_NOT_FOUND, "Not found.");
        return put_string(u, out);
    }
    CV_ENSUREF(strcmp(what, "username") == 0 || strcmp(what, "password") == 0 ||
                   strcmp(what, "totp") == 0,
               CV_E_INVALID_ARG, "unknown item value '%s'", what);
    return present(json_object_get(login, what), out);
}

cv_result cv_bw_item_field(const json_t *item, const char *name, cv_buf *out)
{
    const json_t *fields = json_object_get(item, "fields");
    size_t i;
    const json_t *f;
    json_array_foreach(fields, i, f) {
        const char *n = json_string_value(json_object_get(f, "name"));
        if (!n || strcmp(n, name) != 0) continue;
        const json_t *val = json_object_get(f, "value");
        return json_is_string(val) ? put_string(val, out) : cv_ok();
    }
    CV_BAILF(CV_E_BW_NOT_FOUND, "no field named '%s'", name);
}

cv_result cv_bw_reply_string(const cv_bw_reply *r, cv_buf *out)
{
    const json_t *s = json_object_get(r->data, "data");
    CV_ENSUREF(json_is_string(s), CV_E_BW_RESPONSE, "bw serve reply holds no string");
    return put_string(s, out);
}
