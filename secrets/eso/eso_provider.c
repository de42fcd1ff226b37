/* ESO providers: Bitwarden Secrets Manager (native, batched) and webhook
 * (the `bw serve` pattern). */
#include <jansson.h>
#include <string.h>

#include "crypto/base/enc.h"
#include "crypto/base/limits.h"
#include "crypto/base/mem.h"
#include "crypto/prim/hash.h"
#include "secrets/bitwarden/token.h"
#include "secrets/doc/gostr.h"
#include "secrets/eso/eso_int.h"
#include "secrets/eso/jsonpath.h"
#include "secrets/eso/template.h"
#include "secrets/sops/regex.h"

void cv_eso_store_release(eso_store *s)
{
    cv_bw_client_free(&s->bw);
    for (size_t i = 0; i < s->nids; i++) free(s->ids[i]);
    free(s->ids);
    cv_bw_result_clear(&s->list);
    cv_bw_result_clear(&s->got);
    for (size_t i = 0; i < s->nhits; i++) {
        if (s->hits[i].body) cv_wipe(s->hits[i].body, s->hits[i].len);
        free(s->hits[i].body);
    }
    free(s->hits);
}

/* --- Secrets Manager ---------------------------------------------------- */

cv_result cv_eso_want(eso_ctx *c, eso_store *s, const cv_node *ref, bool find)
{
    (void)c;
    if (s->provider != PROV_SM) return cv_ok();
    if (find) {
        s->need_list = true;
        return cv_ok();
    }
    const char *key = cv_eso_str(ref, "key");
    CV_ENSUREF(key != NULL, CV_E_ESO_SPEC, "remoteRef.key is required");
    if (!cv_uuid_valid(cv_slice_str(key))) {
        s->need_list = true;
        return cv_ok();
    }
    if (s->nids == s->capids) {
        size_t cap = s->capids ? s->capids * 2 : 64;
        char **v = realloc(s->ids, cap * sizeof(*v));
        CV_ENSURE(v != NULL, CV_E_NOMEM);
        s->ids = v;
        s->capids = cap;
    }
    char *u = malloc(CV_UUID_STR);
    CV_ENSURE(u != NULL, CV_E_NOMEM);
    CV_GUARD(cv_uuid_parse(cv_slice_str(key), u));
    s->ids[s->nids++] = u;
    return cv_ok();
}

static bool in_project(const eso_store *s, const cv_bw_secret *x)
{
    return s->project[0] == '\0' || strcmp(x->project_id, s->project) == 0;
}

/* Every id the ExternalSecrets need: the UUIDs, plus (when names or find are
 * used) every secret of the project; then one get-by-ids. */
static cv_result prefetch_sm(eso_store *s)
{
    size_t extra = 0;
    if (s->need_list) {
        CV_GUARD(cv_bw_secrets_list(s->bw, NULL, &s->list));
        extra = s->list.nsecrets;
    }
    const char **ids = calloc(s->nids + extra + 1, sizeof(*ids));
    CV_ENSURE(ids != NULL, CV_E_NOMEM);
    size_t n = 0;
    for (size_t i = 0; i < s->nids; i++) ids[n++] = s->ids[i];
    for (size_t i = 0; i < extra; i++)
        if (in_project(s, &s->list.secrets[i])) ids[n++] = s->list.secrets[i].id;
    /* drop duplicates (quadratic, bounded by the object cap) */
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        bool dup = false;
        for (size_t k = 0; k < m && !dup; k++) dup = strcmp(ids[k], ids[i]) == 0;
        if (!dup) ids[m++] = ids[i];
    }
    cv_result r = m ? cv_bw_secrets_get_by_ids(s->bw, ids, m, &s->got) : cv_ok();
    free(ids);
    return r;
}

static cv_result sm_token(eso_ctx *c, eso_store *s, cv_buf *tok);

cv_result cv_eso_prefetch(eso_ctx *c, eso_store *s)
{
    if (s->provider != PROV_SM || s->prefetched) return cv_ok();
    s->prefetched = true;
    cv_bw_settings st = { 0 };
    st.api_url = cv_eso_str(s->spec, "apiURL");
    st.identity_url = cv_eso_str(s->spec, "identityURL");
    st.tls = c->o->tls;
    st.user_agent = "covert-externalsecret";
    const char *proj = cv_eso_str(s->spec, "projectID");
    if (proj) CV_ENSUREF(cv_is_ok(cv_uuid_parse(cv_slice_str(proj), s->project)), CV_E_ESO_SPEC,
                         "store %s: invalid projectID", s->name);
    cv_buf tok;
    cv_buf_init_secret(&tok, CV_BW_MAX_TOKEN);
    cv_result r = sm_token(c, s, &tok);
    if (cv_is_ok(r)) r = cv_bw_client_new(&s->bw, &st);
    if (cv_is_ok(r)) r = cv_bw_login(s->bw, cv_slice_trim(cv_buf_slice(&tok)));
    cv_buf_release(&tok);
    if (cv_is_ok(r)) r = prefetch_sm(s);
    if (s->bw) {
        unsigned l = 0, a = 0;
        cv_bw_counts(s->bw, &l, &a);
        if (c->o->logins) *c->o->logins += l;
        if (c->o->api_requests) *c->o->api_requests += a;
    }
    return r;
}

/* The Kubernetes Secret named by ref {name, key, namespace} among the
 * input documents: its data (base64) or stringData value. */
static cv_result secret_value(eso_ctx *c, const cv_node *ref, const char *ns, cv_buf *out)
{
    const char *name = cv_eso_str(ref, "name"), *key = cv_eso_str(ref, "key");
    const char *want_ns = cv_eso_str(ref, "namespace");
    if (want_ns == NULL) want_ns = ns;
    CV_ENSUREF(name && key, CV_E_ESO_SPEC, "secretRef needs name and key");
    for (size_t i = 0; i < c->in.n; i++) {
        const cv_node *o = c->in.branches[i];
        const char *kind = cv_eso_str(o, "kind"), *n = cv_eso_str(cv_map_get(o, "metadata"), "name");
        const char *ons = cv_eso_str(cv_map_get(o, "metadata"), "namespace");
        if (!kind || strcmp(kind, "Secret") || !n || strcmp(n, name)) continue;
        if (want_ns && ons && strcmp(want_ns, ons)) continue;
        const char *v = cv_eso_str(cv_map_get(o, "stringData"), key);
        if (v) return cv_buf_add_str(out, v);
        v = cv_eso_str(cv_map_get(o, "data"), key);
        CV_ENSUREF(v != NULL, CV_E_ESO_SPEC, "Secret %s has no key %s", name, key);
        size_t len = strlen(v), got = 0;
        CV_GUARD(cv_buf_reserve(out, cv_b64_dec_max(len) + 1));
        CV_ENSUREF(cv_is_ok(cv_b64_decode(out->p + out->len, &got, cv_slice_of(v, len), true)),
                   CV_E_ESO_SPEC, "Secret %s key %s is not base64", name, key);
        out->len += got;
        return cv_ok();
    }
    CV_BAILF(CV_E_ESO_SPEC, "Secret %s/%s not found in the inputs", want_ns ? want_ns : "", name);
}

static cv_result sm_token(eso_ctx *c, eso_store *s, cv_buf *tok)
{
    const cv_node *ref = cv_eso_path(s->spec, "auth.secretRef.credentials");
    if (ref) {
        cv_result r = secret_value(c, ref, cv_eso_str(cv_map_get(s->obj, "metadata"), "namespace"), tok);
        if (cv_is_ok(r) || c->o->access_token.len == 0) return r;
        cv_err_clear();
        cv_buf_reset(tok);
    }
    CV_ENSUREF(c->o->access_token.len > 0, CV_E_ESO_SPEC,
               "store %s: no access token (auth.secretRef.credentials or BWS_ACCESS_TOKEN)", s->name);
    return cv_buf_add(tok, c->o->access_token.p, c->o->access_token.len);
}

static const cv_bw_secret *got_by_id(const eso_store *s, const char *id)
{
    for (size_t i = 0; i < s->got.nsecrets; i++)
        if (strcmp(s->got.secrets[i].id, id) == 0) return &s->got.secrets[i];
    return NULL;
}

static cv_result sm_get(eso_store *s, const char *key, cv_slice *out)
{
    CV_GUARD(s->failed);
    char id[CV_UUID_STR];
    const cv_bw_secret *hit = NULL;
    if (cv_is_ok(cv_uuid_parse(cv_slice_str(key), id))) {
        hit = got_by_id(s, id);
    } else {
        cv_err_clear();
        size_t n = 0;
        for (size_t i = 0; i < s->got.nsecrets; i++) {
            const cv_bw_secret *x = &s->got.secrets[i];
            if (in_project(s, x) && strcmp(x->key, key) == 0) {
                hit = x;
                n++;
            }
        }
        CV_ENSUREF(n <= 1, CV_E_BW_AMBIGUOUS, "more than one secret found for project %s with name %s",
                   s->project, key);
    }
    CV_ENSUREF(hit != NULL, CV_E_ESO_NOT_FOUND, "no secret found for project id %s and name %s",
               s->project, key);
    *out = cv_slice_of(hit->value, hit->value_len);
    return cv_ok();
}

cv_result cv_eso_find(eso_ctx *c, eso_store *s, const cv_node *find, cv_node **out)
{
    CV_ENSUREF(s->provider == PROV_SM, CV_E_UNSUPPORTED, "dataFrom.find with store %s", s->name);
    CV_GUARD(s->failed);
    const char *re = cv_eso_str(cv_map_get(find, "name"), "regexp");
    cv_goregex *rx = NULL;
    if (re) CV_GUARD(cv_goregex_compile(re, &rx));
    cv_result r = cv_node_new(&c->out, CV_NODE_MAP, out);
    for (size_t i = 0; cv_is_ok(r) && i < s->got.nsecrets; i++) {
        const cv_bw_secret *x = &s->got.secrets[i];
        if (!in_project(s, x) || (rx && !cv_goregex_match(rx, x->key, x->key_len))) continue;
        cv_node *v;
        r = cv_node_text(&c->out, CV_NODE_STR, x->value, x->value_len, &v);
        if (cv_is_ok(r)) r = cv_map_add(&c->out, *out, x->key, x->key_len, v);
    }
    cv_goregex_free(&rx);
    return r;
}

/* --- webhook ------------------------------------------------------------ */

/* Template data: {remoteRef: {key, property, version, namespace}} (values
 * query-escaped for the URL) plus every secrets[] entry as .name.key. */
static cv_result hook_data(eso_ctx *c, eso_store *s, const cv_node *ref, const char *ns,
                           bool escape, cv_doc *d, cv_node **out)
{
    cv_node *root, *rr;
    CV_GUARD(cv_node_new(d, CV_NODE_MAP, &root));
    CV_GUARD(cv_node_new(d, CV_NODE_MAP, &rr));
    const char *fields[] = { "key", "property", "version" };
    for (size_t i = 0; i < 4; i++) {
        const char *v = i < 3 ? cv_eso_str(ref, fields[i]) : ns;
        cv_buf b;
        cv_buf_init_secret(&b, 64 * 1024);
        cv_result r = v == NULL ? cv_ok() : escape ? cv_http_query_escape(&b, cv_slice_str(v))
                                                   : cv_buf_add_str(&b, v);
        cv_node *n = NULL;
        if (cv_is_ok(r)) r = cv_node_text(d, CV_NODE_STR, b.p ? (const char *)b.p : "", b.len, &n);
        cv_buf_release(&b);
        CV_GUARD(r);
        const char *k = i < 3 ? fields[i] : "namespace";
        CV_GUARD(cv_map_add(d, rr, k, strlen(k), n));
    }
    CV_GUARD(cv_map_add(d, root, "remoteRef", 9, rr));
    const cv_node *secrets = cv_map_get(s->spec, "secrets");
    for (size_t i = 0; secrets && secrets->kind == CV_NODE_LIST && i < secrets->n; i++) {
        const cv_node *e = secrets->items[i].value;
        const char *name = cv_eso_str(e, "name");
        const cv_node *sref = cv_map_get(e, "secretRef");
        CV_ENSUREF(name && sref, CV_E_ESO_SPEC, "store %s: secrets[] needs name and secretRef", s->name);
        cv_buf v;
        cv_buf_init_secret(&v, 1 << 20);
        cv_result r = secret_value(c, sref, ns, &v);
        cv_node *m = NULL, *val = NULL;
        if (cv_is_ok(r)) r = cv_node_new(d, CV_NODE_MAP, &m);
        if (cv_is_ok(r)) r = cv_node_text(d, CV_NODE_STR, v.p ? (const char *)v.p : "", v.len, &val);
        const char *key = cv_eso_str(sref, "key");
        if (cv_is_ok(r)) r = cv_map_add(d, m, key, strlen(key), val);
        if (cv_is_ok(r)) r = cv_map_add(d, root, name, strlen(name), m);
        cv_buf_release(&v);
        CV_GUARD(r);
    }
    *out = root;
    return cv_ok();
}

static cv_result render_str(const char *tmpl, const cv_node *data, const char *name, cv_buf *out)
{
    cv_tmpl_opts o = { name, NULL, NULL };
    return cv_tmpl_render(cv_slice_str(tmpl), data, &o, out);
}

/* One webhook request as ESO builds it; ExternalSecrets asking the same
 * thing share one answer. */
typedef struct {
    const char *method, *url;
    cv_http_header h[CV_ESO_MAX_HEADERS];
    size_t nh;
    cv_slice body;
} hook_req;

/* The request's identity: its hash (headers and body may hold secrets, so
 * only the digest is kept). */
static void hook_id(const hook_req *q, uint8_t id[32])
{
    cv_sha256_ctx h;
    cv_sha256_init(&h);
    cv_sha256_update(&h, q->method, strlen(q->method) + 1);
    cv_sha256_update(&h, q->url, strlen(q->url) + 1);
    for (size_t i = 0; i < q->nh; i++) {
        cv_sha256_update(&h, q->h[i].name, strlen(q->h[i].name) + 1);
        uint64_t n = q->h[i].value.len;
        cv_sha256_update(&h, &n, sizeof n);
        cv_sha256_update(&h, q->h[i].value.p, q->h[i].value.len);
    }
    cv_sha256_update(&h, q->body.p, q->body.len);
    cv_sha256_final(&h, id);
}

static cv_result hook_fetch(eso_ctx *c, eso_store *s, const hook_req *hq, const eso_hit **out)
{
    uint8_t id[32];
    hook_id(hq, id);
    for (size_t i = 0; i < s->nhits; i++)
        if (memcmp(s->hits[i].id, id, sizeof id) == 0) {
            *out = &s->hits[i];
            return cv_ok();
        }
    if (c->http == NULL) CV_GUARD(cv_http_new(&c->http));
    cv_http_req q = { 0 };
    q.method = hq->method;
    q.url = hq->url;
    q.headers = hq->h;
    q.nheaders = hq->nh;
    q.body = hq->body;
    /* Go sends no body with a GET whose body is empty, Content-Length: 0
     * with other methods. */
    q.has_body = hq->body.len > 0 || strcmp(hq->method, "GET") != 0;
    q.tls = c->o->tls;
    q.secret_response = true;
    q.idempotent = strcmp(hq->method, "GET") == 0;
    cv_http_resp resp;
    cv_http_resp_init(&resp);
    CV_GUARD(cv_http_do(c->http, &q, &resp));
    if (c->o->webhook_requests) (*c->o->webhook_requests)++;
    cv_result g = cv_grow_array((void **)&s->hits, &s->caphits, s->nhits + 1, sizeof *s->hits, 16,
                                CV_ESO_MAX_REQUESTS);
    if (!cv_is_ok(g)) {
        cv_http_resp_release(&resp);
        return g;
    }
    eso_hit *h = &s->hits[s->nhits++];
    memcpy(h->id, id, sizeof id);
    h->status = resp.status;
    h->body = cv_buf_take(&resp.body, &h->len);
    cv_http_resp_release(&resp);
    *out = h;
    return cv_ok();
}

/* headers: each value a template over the raw data (names as given; HTTP
 * names are case-insensitive, Go would send them canonicalised). */
static cv_result hook_headers(eso_store *s, const cv_node *raw, hook_req *q, cv_buf *vals)
{
    const cv_node *hs = cv_map_get(s->spec, "headers");
    if (hs == NULL || hs->kind != CV_NODE_MAP) return cv_ok();
    CV_ENSUREF(hs->n <= CV_ESO_MAX_HEADERS, CV_E_LIMIT, "store %s: more than %u headers", s->name,
               CV_ESO_MAX_HEADERS);
    for (size_t i = 0; i < hs->n; i++) {
        const cv_node *k = hs->items[i].key, *v = hs->items[i].value;
        if (k == NULL || k->kind != CV_NODE_STR || v == NULL || v->kind != CV_NODE_STR) continue;
        cv_buf_init_secret(&vals[q->nh], 64 * 1024);
        q->h[q->nh].name = k->s;
        q->nh++;
        CV_GUARD(render_str(v->s, raw, "header", &vals[q->nh - 1]));
        q->h[q->nh - 1].value = cv_buf_slice(&vals[q->nh - 1]);
    }
    return cv_ok();
}

typedef struct {
    cv_buf url, body, path, hvals[CV_ESO_MAX_HEADERS];
    cv_doc d;
    hook_req q;
} hook_call;

static void hook_call_release(hook_call *k)
{
    cv_buf_release(&k->url);
    cv_buf_release(&k->body);
    cv_buf_release(&k->path);
    for (size_t i = 0; i < k->q.nh; i++) cv_buf_release(&k->hvals[i]);
    cv_doc_clear(&k->d);
}

/* url (escaped data), body and headers (raw data), as webhook.go builds them. */
static cv_result hook_build(eso_ctx *c, eso_store *s, const cv_node *ref, const char *ns,
                            hook_call *k, cv_node **raw)
{
    const char *url_t = cv_eso_str(s->spec, "url"), *body_t = cv_eso_str(s->spec, "body");
    CV_ENSUREF(url_t != NULL, CV_E_ESO_SPEC, "store %s: webhook url is required", s->name);
    cv_node *esc = NULL;
    CV_GUARD(hook_data(c, s, ref, ns, true, &k->d, &esc));
    CV_GUARD(hook_data(c, s, ref, ns, false, &k->d, raw));
    CV_GUARD(render_str(url_t, esc, "url", &k->url));
    CV_GUARD(cv_buf_nul(&k->url));
    if (body_t) CV_GUARD(render_str(body_t, *raw, "body", &k->body));
    CV_GUARD(hook_headers(s, *raw, &k->q, k->hvals));
    k->q.method = cv_eso_str(s->spec, "method");
    if (k->q.method == NULL || k->q.method[0] == '\0') k->q.method = "GET";
    k->q.url = (const char *)k->url.p;
    k->q.body = cv_buf_slice(&k->body);
    return cv_ok();
}

/* The provider's answer for one remoteRef: body, or the jsonPath result. */
static cv_result hook_get(eso_ctx *c, eso_store *s, const cv_node *ref, const char *ns, cv_buf *out)
{
    hook_call k;
    memset(&k, 0, sizeof k);
    cv_buf_init_secret(&k.url, 64 * 1024);
    cv_buf_init_secret(&k.body, CV_BW_MAX_RESPONSE);
    cv_buf_init_secret(&k.path, 64 * 1024);
    cv_result r = cv_doc_init(&k.d);
    if (!cv_is_ok(r)) return r;
    cv_node *raw = NULL;
    const eso_hit *h = NULL;
    r = hook_build(c, s, ref, ns, &k, &raw);
    if (cv_is_ok(r)) r = hook_fetch(c, s, &k.q, &h);
    if (cv_is_ok(r) && h->status == 404) r = CV_FAILF(CV_E_ESO_NOT_FOUND, "secret does not exist");
    else if (cv_is_ok(r) && h->status / 100 != 2)
        r = CV_FAILF(CV_E_ESO_PROVIDER, "store %s: endpoint gave error %ld", s->name, h->status);
    const char *jp = cv_eso_path(s->spec, "result.jsonPath") ? cv_eso_str(cv_map_get(s->spec, "result"), "jsonPath") : NULL;
    if (cv_is_ok(r) && jp) {
        r = render_str(jp, raw, "jsonPath", &k.path);
        json_t *doc = cv_is_ok(r) ? json_loadb((const char *)h->body, h->len, 0, NULL) : NULL;
        if (cv_is_ok(r) && doc == NULL) r = CV_FAILF(CV_E_ESO_PROVIDER, "store %s: answer is not JSON", s->name);
        if (cv_is_ok(r)) r = cv_jsonpath_extract(doc, cv_buf_slice(&k.path), out);
        json_decref(doc);
    } else if (cv_is_ok(r)) {
        r = cv_buf_add(out, h->body, h->len);
    }
    hook_call_release(&k);
    return r;
}

cv_result cv_eso_get(eso_ctx *c, eso_store *s, const cv_node *ref, const char *ns, cv_slice *out)
{
    if (s->provider == PROV_SM) {
        const char *key = cv_eso_str(ref, "key");
        CV_ENSUREF(key != NULL, CV_E_ESO_SPEC, "remoteRef.key is required");
        return sm_get(s, key, out);
    }
    cv_buf b;
    cv_buf_init_secret(&b, CV_BW_MAX_RESPONSE);
    cv_result r = hook_get(c, s, ref, ns, &b);
    cv_node *keep = NULL;
    if (cv_is_ok(r)) r = cv_node_text(&c->out, CV_NODE_STR, b.p ? (const char *)b.p : "", b.len, &keep);
    cv_buf_release(&b);
    if (cv_is_ok(r)) *out = cv_slice_of(keep->s, keep->len);
    return r;
}

cv_result cv_eso_extract_webhook(eso_ctx *c, eso_store *s, const cv_node *ref, const char *ns,
                                 cv_node **out)
{
    cv_slice v;
    CV_GUARD(cv_eso_get(c, s, ref, ns, &v));
    json_t *j = json_loadb((const char *)v.p, v.len, 0, NULL);
    CV_ENSUREF(json_is_object(j), CV_E_ESO_PROVIDER, "store %s: extract needs a JSON object", s->name);
    cv_result r = cv_node_new(&c->out, CV_NODE_MAP, out);
    const char *k;
    json_t *x;
    json_object_foreach(j, k, x) {
        if (!cv_is_ok(r)) break;
        char *txt = json_is_string(x) ? NULL : json_dumps(x, JSON_COMPACT | JSON_ENCODE_ANY);
        const char *s0 = txt ? txt : json_string_value(x);
        size_t n = txt ? strlen(txt) : json_string_length(x);
        cv_node *val;
        r = cv_node_text(&c->out, CV_NODE_STR, s0, n, &val);
        if (cv_is_ok(r)) r = cv_map_add(&c->out, *out, k, strlen(k), val);
        if (txt) cv_wipe_free(txt);
    }
    json_decref(j);
    return r;
}
