/* Transport, credentials and raw calls. Discovery and object operations
 * are in api.c. */
#include "reconcile/kube/client.h"

#include <string.h>
#include <time.h>

#include "crypto/base/enc.h"
#include "crypto/base/limits.h"
#include "reconcile/kube/client_int.h"
#include "reconcile/kube/exec.h"
#include "secrets/http/http.h"

#define USER_AGENT "covert/0.1.0"
/* client-go re-reads a tokenFile about once a minute. */
#define TOKEN_FILE_PERIOD_S 60
/* Refresh an exec credential this long before it expires. */
#define EXEC_EXPIRY_SLACK_S 10

static time_t now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec;
}

/* client-go escapes an Impersonate-Extra- key byte for byte: anything that
 * is not an HTTP token character, and '%' itself, becomes %XX. */
static bool header_token_byte(unsigned char b)
{
    return (b >= '0' && b <= '9') || (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') ||
           (b != '%' && strchr("!#$&'*+-.^_`|~", b) != NULL && b != 0);
}

static cv_result extra_header_name(const char *key, char **out)
{
    cv_buf b;
    cv_buf_init(&b, CV_KUBE_MAX_CONFIG);
    cv_result r = cv_buf_add_str(&b, "Impersonate-Extra-");
    for (const char *p = key; cv_is_ok(r) && *p; p++) {
        unsigned char c = (unsigned char)*p;
        r = header_token_byte(c) ? cv_buf_add_byte(&b, c) : cv_buf_addf(&b, "%%%02X", c);
    }
    if (cv_is_ok(r)) r = cv_buf_nul(&b);
    if (!cv_is_ok(r)) {
        cv_buf_release(&b);
        return r;
    }
    size_t len;
    *out = (char *)cv_buf_take(&b, &len);
    return cv_ok();
}

static void imp_add(cv_kube *k, const char *name, const char *value)
{
    k->imp[k->nimp++] = (cv_http_header){ name, cv_slice_str(value) };
}

static cv_result build_impersonation(cv_kube *k)
{
    const cv_kube_config *c = &k->cfg;
    if (c->as_user == NULL || c->as_user[0] == '\0') return cv_ok();
    size_t n = 2 + c->nas_groups + c->nas_extra;
    k->imp = calloc(n, sizeof *k->imp);
    k->imp_names = calloc(c->nas_extra + 1, sizeof *k->imp_names);
    CV_ENSURE(k->imp != NULL && k->imp_names != NULL, CV_E_NOMEM);
    imp_add(k, "Impersonate-User", c->as_user);
    if (c->as_uid && c->as_uid[0]) imp_add(k, "Impersonate-Uid", c->as_uid);
    for (size_t i = 0; i < c->nas_groups; i++) imp_add(k, "Impersonate-Group", c->as_groups[i]);
    for (size_t i = 0; i < c->nas_extra; i++) {
        CV_GUARD(extra_header_name(c->as_extra_keys[i], &k->imp_names[i]));
        imp_add(k, k->imp_names[i], c->as_extra_values[i]);
    }
    return cv_ok();
}

/* Split "scheme://authority/path" and point requests at tls-server-name. */
static cv_result build_server_name(cv_kube *k)
{
    const char *name = k->cfg.tls_server_name, *server = k->cfg.server;
    if (name == NULL || name[0] == '\0') return cv_ok();
    const char *auth = strstr(server, "://");
    CV_ENSUREF(auth != NULL, CV_E_KUBE_CONFIG, "server %s has no scheme", server);
    auth += 3;
    size_t alen = strcspn(auth, "/");
    const char *close = memchr(auth, ']', alen);
    const char *colon = memchr(close ? close : auth, ':', alen - (size_t)((close ? close : auth) - auth));
    size_t hlen = colon ? (size_t)(colon - auth) : alen;
    const char *port = colon ? colon + 1 : strncmp(server, "https", 5) == 0 ? "443" : "80";
    int plen = colon ? (int)(alen - hlen - 1) : (int)strlen(port);
    CV_ENSURE(asprintf(&k->url_base, "%.*s%s:%.*s%s", (int)(auth - server), server, name, plen,
                       port, auth + alen) >= 0,
              CV_E_NOMEM);
    CV_ENSURE(asprintf(&k->connect_to, "%s:%.*s:%.*s:%.*s", name, plen, port, (int)hlen, auth,
                       plen, port) >= 0,
              CV_E_NOMEM);
    CV_ENSURE(asprintf(&k->host_header, "%.*s", (int)alen, auth) >= 0, CV_E_NOMEM);
    return cv_ok();
}

cv_result cv_kube_new(cv_kube_config *cfg, cv_kube **out)
{
    cv_kube *k = calloc(1, sizeof *k);
    CV_ENSURE(k != NULL, CV_E_NOMEM);
    cv_result r = cv_http_new(&k->http);
    if (!cv_is_ok(r)) {
        free(k);
        return r;
    }
    k->cfg = *cfg;
    cv_kube_config_init(cfg);
    cv_kube_exec_cred_init(&k->exec);
    k->token_read_at = now_s();
    *out = k;
    r = build_impersonation(k);
    if (cv_is_ok(r)) r = build_server_name(k);
    if (!cv_is_ok(r)) cv_kube_free(out);
    return r;
}

cv_result cv_kube_open(const cv_kube_load_opts *o, cv_kube **out)
{
    cv_kube_config cfg;
    cv_kube_config_init(&cfg);
    CV_GUARD(cv_kube_config_load(o, &cfg));
    cv_result r = cv_kube_new(&cfg, out);
    cv_kube_config_clear(&cfg);
    return r;
}

void cv_kube_free(cv_kube **kp)
{
    if (kp == NULL || *kp == NULL) return;
    cv_kube *k = *kp;
    cv_http_free(&k->http);
    cv_kube_config_clear(&k->cfg);
    cv_kube_exec_cred_clear(&k->exec);
    cv_secret_free(&k->auth);
    for (size_t i = 0; i < k->ntables; i++) cv_kube_resources_clear(&k->tables[i]);
    free(k->tables);
    for (size_t i = 0; k->imp_names && k->imp_names[i]; i++) free(k->imp_names[i]);
    free(k->imp_names);
    free(k->imp);
    free(k->url_base);
    free(k->connect_to);
    free(k->host_header);
    free(k);
    *kp = NULL;
}

const cv_kube_config *cv_kube_cfg(const cv_kube *k) { return &k->cfg; }

const char *cv_kube_default_namespace(const cv_kube *k)
{
    return k->cfg.namespace && k->cfg.namespace[0] ? k->cfg.namespace : "default";
}

void cv_kube_reply_clear(cv_kube_reply *r)
{
    if (r == NULL) return;
    json_decref(r->body);
    r->body = NULL;
    r->status = 0;
}

/* --- credentials ----------------------------------------------------------- */

/* "Bearer TOKEN" or "Basic base64(user:password)" in secret memory. */
static cv_result build_auth(cv_kube *k)
{
    cv_secret_free(&k->auth);
    const cv_secret *tok = k->exec.token ? k->exec.token : k->cfg.token;
    if (tok != NULL && tok->len > 0) {
        CV_GUARD(cv_secret_new(&k->auth, 7 + tok->len));
        memcpy(k->auth->data, "Bearer ", 7);
        memcpy(k->auth->data + 7, tok->data, tok->len);
        return cv_ok();
    }
    if (k->cfg.username == NULL) return cv_ok();
    size_t ul = strlen(k->cfg.username), pl = k->cfg.password ? k->cfg.password->len : 0;
    cv_secret *plain = NULL;
    CV_GUARD(cv_secret_new(&plain, ul + 1 + pl + 1));
    memcpy(plain->data, k->cfg.username, ul);
    plain->data[ul] = ':';
    if (pl) memcpy(plain->data + ul + 1, k->cfg.password->data, pl);
    size_t el = cv_b64_enc_len(ul + 1 + pl, true);
    cv_result r = cv_secret_new(&k->auth, 6 + el);
    if (cv_is_ok(r)) {
        memcpy(k->auth->data, "Basic ", 6);
        cv_b64_encode((char *)k->auth->data + 6, plain->data, ul + 1 + pl, true);
    }
    cv_secret_free(&plain);
    return r;
}

static cv_result reread_token_file(cv_kube *k)
{
    cv_secret *fresh = NULL;
    CV_GUARD(cv_kube_read_secret(k->cfg.token_file, &fresh));
    cv_secret_free(&k->cfg.token);
    k->cfg.token = fresh;
    k->token_read_at = now_s();
    return build_auth(k);
}

static cv_result run_exec(cv_kube *k)
{
    cv_kube_exec_cred_clear(&k->exec);
    CV_GUARD(cv_kube_exec_run(&k->cfg, &k->exec));
    k->exec_ran = true;
    return build_auth(k);
}

/* Credentials due for a refresh before the next batch of calls. */
static cv_result refresh_due(cv_kube *k)
{
    if (k->cfg.exec != NULL) {
        time_t wall = time(NULL);
        bool expired = k->exec.expiry != 0 && wall + EXEC_EXPIRY_SLACK_S >= k->exec.expiry;
        if (!k->exec_ran || expired) return run_exec(k);
    }
    if (k->cfg.token_file && !k->exec.token && now_s() - k->token_read_at >= TOKEN_FILE_PERIOD_S)
        return reread_token_file(k);
    if (!k->auth_built) {
        k->auth_built = true;
        return build_auth(k);
    }
    return cv_ok();
}

/* After a 401: new credentials if there is a way to get them. */
static cv_result refresh_after_401(cv_kube *k, bool *changed)
{
    *changed = false;
    if (k->cfg.exec != NULL) {
        CV_GUARD(run_exec(k));
        *changed = true;
    } else if (k->cfg.token_file != NULL) {
        CV_GUARD(reread_token_file(k));
        *changed = true;
    }
    return cv_ok();
}

static void fill_tls(cv_kube *k, cv_http_tls *t)
{
    memset(t, 0, sizeof *t);
    t->ca_pem = cv_buf_slice(&k->cfg.ca_pem);
    t->insecure = k->cfg.insecure;
    t->proxy = k->cfg.proxy_url;
    t->connect_to = k->connect_to;
    if (k->exec.key_pem != NULL) {
        t->cert_pem = cv_buf_slice(&k->exec.cert_pem);
        t->key_pem = k->exec.key_pem;
    } else if (k->cfg.key_pem != NULL) {
        t->cert_pem = cv_buf_slice(&k->cfg.cert_pem);
        t->key_pem = k->cfg.key_pem;
    }
}

/* --- calls ----------------------------------------------------------------- */

/* Accept, User-Agent, Content-Type, Authorization, Host */
#define FIXED_HEADERS 5u

typedef struct {
    cv_buf url;
    cv_http_header *hdrs; /* FIXED_HEADERS + the client's Impersonate-* */
} call_slot;

static cv_result build_req(cv_kube *k, const cv_kube_call *c, const cv_http_tls *tls,
                           call_slot *s, cv_http_req *q)
{
    cv_buf_reset(&s->url);
    CV_GUARD(cv_buf_add_str(&s->url, k->url_base ? k->url_base : k->cfg.server));
    CV_GUARD(cv_buf_add_str(&s->url, c->path));
    CV_GUARD(cv_buf_nul(&s->url));
    size_t n = 0;
    s->hdrs[n++] = (cv_http_header){ "Accept", cv_slice_str(c->accept ? c->accept : "application/json") };
    s->hdrs[n++] = (cv_http_header){ "User-Agent", cv_slice_str(USER_AGENT) };
    if (c->has_body)
        s->hdrs[n++] = (cv_http_header){ "Content-Type",
                                         cv_slice_str(c->content_type ? c->content_type
                                                                      : "application/json") };
    if (k->auth != NULL)
        s->hdrs[n++] = (cv_http_header){ "Authorization", cv_slice_of(k->auth->data, k->auth->len) };
    if (k->host_header != NULL)
        s->hdrs[n++] = (cv_http_header){ "Host", cv_slice_str(k->host_header) };
    for (size_t i = 0; i < k->nimp; i++) s->hdrs[n++] = k->imp[i];
    memset(q, 0, sizeof *q);
    q->method = c->method ? c->method : "GET";
    q->url = (const char *)s->url.p;
    q->headers = s->hdrs;
    q->nheaders = n;
    q->body = c->body;
    q->has_body = c->has_body;
    q->tls = tls;
    q->secret_response = c->secret;
    q->idempotent = c->idempotent;
    q->max_response = CV_KUBE_MAX_DISCOVERY;
    q->timeout_ms = c->timeout_ms;
    q->on_body = c->on_body;
    q->body_ctx = c->body_ctx;
    return cv_ok();
}

static void parse_reply(const cv_http_resp *h, cv_kube_reply *out)
{
    out->status = h->status;
    out->body = NULL;
    if (h->body.len > 0)
        out->body = json_loadb((const char *)h->body.p, h->body.len, JSON_ALLOW_NUL, NULL);
}

typedef struct {
    call_slot *slots;
    cv_http_req *reqs;
    cv_http_resp *resps;
    size_t *idx; /* which call each request is */
    size_t n;
} batch;

static void batch_release(batch *b, size_t n)
{
    for (size_t i = 0; b->slots && i < n; i++) {
        cv_buf_release(&b->slots[i].url);
        free(b->slots[i].hdrs);
        cv_http_resp_release(&b->resps[i]);
    }
    free(b->slots);
    free(b->reqs);
    free(b->resps);
    free(b->idx);
}

static cv_result batch_alloc(batch *b, size_t n, size_t nhdrs)
{
    memset(b, 0, sizeof *b);
    b->slots = calloc(n, sizeof *b->slots);
    b->reqs = calloc(n, sizeof *b->reqs);
    b->resps = calloc(n, sizeof *b->resps);
    b->idx = calloc(n, sizeof *b->idx);
    if (!b->slots || !b->reqs || !b->resps || !b->idx) {
        batch_release(b, 0);
        CV_BAIL(CV_E_NOMEM);
    }
    for (size_t i = 0; i < n; i++) {
        cv_buf_init(&b->slots[i].url, 64 * 1024);
        cv_http_resp_init(&b->resps[i]);
        b->slots[i].hdrs = calloc(nhdrs, sizeof *b->slots[i].hdrs);
        if (b->slots[i].hdrs == NULL) {
            batch_release(b, n);
            CV_BAIL(CV_E_NOMEM);
        }
    }
    return cv_ok();
}

/* One pass over the calls sel[0..m): each answer parsed and handed over as
 * it arrives, then dropped. With hold_401 a 401 is kept back in held[] for
 * a second pass with fresh credentials. */
typedef struct {
    batch b;
    const size_t *sel;
    cv_result *hr;
    bool hold_401;
    cv_kube_reply *held;
    cv_result *held_res;
    bool *again;
    cv_kube_reply_fn fn;
    void *ctx;
} pass;

static void on_http_done(void *ctx, size_t j)
{
    pass *p = ctx;
    size_t i = p->sel[j];
    cv_kube_reply rep = { 0 };
    if (cv_is_ok(p->hr[j])) parse_reply(&p->b.resps[j], &rep);
    cv_http_resp_release(&p->b.resps[j]);
    if (p->hold_401 && cv_is_ok(p->hr[j]) && rep.status == 401) {
        p->held[i] = rep;
        p->held_res[i] = p->hr[j];
        p->again[i] = true;
        return;
    }
    p->fn(p->ctx, i, &rep, p->hr[j]);
    cv_kube_reply_clear(&rep);
}

static cv_result run_pass(cv_kube *k, const cv_kube_call *calls, size_t m, unsigned parallel,
                          pass *p)
{
    CV_GUARD(batch_alloc(&p->b, m, FIXED_HEADERS + k->nimp));
    cv_http_tls tls;
    fill_tls(k, &tls);
    cv_result r = cv_ok();
    for (size_t j = 0; j < m && cv_is_ok(r); j++)
        r = build_req(k, &calls[p->sel[j]], &tls, &p->b.slots[j], &p->b.reqs[j]);
    p->hr = calloc(m ? m : 1, sizeof *p->hr);
    if (cv_is_ok(r) && p->hr == NULL) r = CV_FAIL(CV_E_NOMEM);
    if (cv_is_ok(r)) {
        /* Per-request outcomes go to the hook; the summary adds nothing. */
        cv_result first = cv_http_do_each(k->http, p->b.reqs, p->b.resps, p->hr, m, parallel,
                                          on_http_done, p);
        (void)first;
    }
    free(p->hr);
    p->hr = NULL;
    batch_release(&p->b, m);
    return r;
}

/* Held 401s: run again after new credentials, or handed over as they are. */
static cv_result second_pass(cv_kube *k, const cv_kube_call *calls, size_t n, unsigned parallel,
                             pass *p, size_t *sel)
{
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (p->again[i]) sel[m++] = i;
    if (m == 0) return cv_ok();
    bool changed = false;
    cv_result r = refresh_after_401(k, &changed);
    for (size_t j = 0; j < m; j++) {
        size_t i = sel[j];
        if (!cv_is_ok(r) || !changed) p->fn(p->ctx, i, &p->held[i], p->held_res[i]);
        cv_kube_reply_clear(&p->held[i]);
    }
    if (!cv_is_ok(r) || !changed) return r;
    p->hold_401 = false;
    p->sel = sel;
    return run_pass(k, calls, m, parallel, p);
}

cv_result cv_kube_do_each(cv_kube *k, const cv_kube_call *calls, size_t n, unsigned parallel,
                          cv_kube_reply_fn fn, void *ctx)
{
    if (n == 0) return cv_ok();
    CV_GUARD(refresh_due(k));
    pass p = { .hold_401 = k->cfg.exec != NULL || k->cfg.token_file != NULL,
               .fn = fn, .ctx = ctx };
    size_t *sel = calloc(n, sizeof *sel);
    p.held = calloc(n, sizeof *p.held);
    p.held_res = calloc(n, sizeof *p.held_res);
    p.again = calloc(n, sizeof *p.again);
    cv_result r = sel && p.held && p.held_res && p.again ? cv_ok() : CV_FAIL(CV_E_NOMEM);
    for (size_t i = 0; sel && i < n; i++) sel[i] = i;
    p.sel = sel;
    if (cv_is_ok(r)) r = run_pass(k, calls, n, parallel, &p);
    if (cv_is_ok(r)) r = second_pass(k, calls, n, parallel, &p, sel);
    for (size_t i = 0; p.held && i < n; i++) cv_kube_reply_clear(&p.held[i]);
    free(sel);
    free(p.held);
    free(p.held_res);
    free(p.again);
    return r;
}

typedef struct {
    cv_kube_reply *out;
    cv_result *results;
} collect;

static void collect_reply(void *ctx, size_t i, cv_kube_reply *rep, cv_result res)
{
    collect *c = ctx;
    c->out[i] = *rep;
    rep->body = NULL;
    c->results[i] = res;
}

cv_result cv_kube_do_many(cv_kube *k, const cv_kube_call *calls, cv_kube_reply *out,
                          cv_result *results, size_t n, unsigned parallel)
{
    if (n == 0) return cv_ok();
    memset(out, 0, n * sizeof *out);
    for (size_t i = 0; i < n; i++) results[i] = cv_ok();
    collect c = { out, results };
    CV_GUARD(cv_kube_do_each(k, calls, n, parallel, collect_reply, &c));
    for (size_t i = 0; i < n; i++)
        if (!cv_is_ok(results[i])) return results[i];
    return cv_ok();
}

cv_result cv_kube_do(cv_kube *k, const cv_kube_call *c, cv_kube_reply *out)
{
    cv_result one;
    cv_result r = cv_kube_do_many(k, c, out, &one, 1, 1);
    return cv_is_ok(r) ? one : r;
}
