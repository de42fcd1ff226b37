/* Secrets Manager client: login, token renewal, state file, requests. */
#include "secrets/bitwarden/sm.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "crypto/base/enc.h"
#include "crypto/base/io.h"
#include "crypto/base/limits.h"
#include "secrets/bitwarden/encstring.h"
#include "secrets/bitwarden/sm_int.h"

#define RENEW_MARGIN_S 300
#define DEVICE_TYPE "21"

static int64_t wall_now(void) { return (int64_t)time(NULL); }

static cv_result dup_url(char **out, const char *s)
{
    size_t n = strlen(s);
    while (n > 0 && s[n - 1] == '/') n--;
    return cv_strndup(out, s, n);
}

cv_result cv_bw_urls_from_server(const char *server, char *api, char *identity, size_t cap)
{
    size_t n = strlen(server);
    while (n > 0 && server[n - 1] == '/') n--;
    CV_ENSUREF(n > 0 && n + 16 < cap, CV_E_INVALID_ARG, "invalid server URL");
    cv_slice s = cv_slice_of(server, n);
    CV_ENSUREF(cv_slice_starts_with(s, "http://") || cv_slice_starts_with(s, "https://"),
               CV_E_INVALID_ARG, "'%.*s' is not a valid URL", (int)n, server);
    if (cv_slice_eq_str(s, "https://vault.bitwarden.com")) {
        snprintf(api, cap, "%s", CV_BW_DEFAULT_API);
        snprintf(identity, cap, "%s", CV_BW_DEFAULT_IDENTITY);
    } else if (cv_slice_eq_str(s, "https://vault.bitwarden.eu")) {
        snprintf(api, cap, "%s", CV_BW_EU_API);
        snprintf(identity, cap, "%s", CV_BW_EU_IDENTITY);
    } else {
        snprintf(api, cap, "%.*s/api", (int)n, server);
        snprintf(identity, cap, "%.*s/identity", (int)n, server);
    }
    return cv_ok();
}

cv_result cv_bw_client_new(cv_bw_client **out, const cv_bw_settings *s)
{
    cv_bw_client *c = calloc(1, sizeof *c);
    CV_ENSURE(c != NULL, CV_E_NOMEM);
    cv_buf_init_secret(&c->scratch, CV_BW_MAX_ENCSTRING);
    c->now = wall_now;
    c->tls = s->tls;
    c->max_attempts = s->max_attempts;
    c->base_delay_ms = s->base_delay_ms;
    c->max_delay_ms = s->max_delay_ms;
    cv_result r = dup_url(&c->api, s->api_url ? s->api_url : CV_BW_DEFAULT_API);
    if (cv_is_ok(r))
        r = dup_url(&c->identity, s->identity_url ? s->identity_url : CV_BW_DEFAULT_IDENTITY);
    if (cv_is_ok(r)) r = cv_strndup(&c->ua, s->user_agent ? s->user_agent : "covert",
                                    strlen(s->user_agent ? s->user_agent : "covert"));
    if (cv_is_ok(r) && s->state_file)
        r = cv_strndup(&c->state_file, s->state_file, strlen(s->state_file));
    if (cv_is_ok(r)) r = cv_http_new(&c->http);
    if (!cv_is_ok(r)) {
        cv_bw_client_free(&c);
        return r;
    }
    *out = c;
    return cv_ok();
}

static void drop_session(cv_bw_client *c)
{
    cv_secret_free(&c->bearer);
    cv_secret_free(&c->org_key);
    c->org[0] = '\0';
    c->expires_at = 0;
}

void cv_bw_client_free(cv_bw_client **pc)
{
    if (pc == NULL || *pc == NULL) return;
    cv_bw_client *c = *pc;
    drop_session(c);
    cv_bw_token_clear(&c->token);
    cv_http_free(&c->http);
    cv_buf_release(&c->scratch);
    free(c->api);
    free(c->identity);
    free(c->ua);
    free(c->state_file);
    free(c);
    *pc = NULL;
}

const char *cv_bw_org_id(const cv_bw_client *c) { return c->org; }

void cv_bw_counts(const cv_bw_client *c, unsigned *logins, unsigned *api_requests)
{
    if (logins) *logins = c->logins;
    if (api_requests) *api_requests = c->api_requests;
}

void cv_bw_set_clock(cv_bw_client *c, int64_t (*now)(void)) { c->now = now ? now : wall_now; }

static void base_req(const cv_bw_client *c, cv_http_req *q, const char *method, const char *url)
{
    memset(q, 0, sizeof *q);
    q->method = method;
    q->url = url;
    q->tls = c->tls;
    q->max_response = CV_BW_MAX_RESPONSE;
    q->max_attempts = c->max_attempts;
    q->base_delay_ms = c->base_delay_ms;
    q->max_delay_ms = c->max_delay_ms;
}

static const char *reason(long status)
{
    switch (status) {
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    default: return "";
    }
}

/* The server's own words for a failure: "message" (API), ErrorModel.Message
 * or error_description (identity), else the start of a printable body. */
static void server_message(const cv_buf *body, char *out, size_t cap)
{
    out[0] = '\0';
    json_t *j = json_loadb((const char *)body->p, body->len, 0, NULL);
    const char *m = NULL;
    if (json_is_object(j)) {
        m = json_string_value(json_object_get(j, "message"));
        if (!m || !*m) m = json_string_value(json_object_get(json_object_get(j, "ErrorModel"), "Message"));
        if (!m || !*m) m = json_string_value(json_object_get(j, "error_description"));
        if (!m || !*m) m = json_string_value(json_object_get(j, "error"));
    }
    if (m) {
        cv_quote(out, cap, cv_slice_str(m));
    } else if (body->len) {
        cv_quote(out, cap, cv_slice_of(body->p, body->len < 200 ? body->len : 200));
    }
    json_decref(j);
}

static cv_result status_error(const cv_http_resp *resp, const char *what)
{
    char msg[256];
    server_message(&resp->body, msg, sizeof(msg));
    long st = resp->status;
    cv_err e = st == 401 ? CV_E_BW_UNAUTHORIZED : st == 404 ? CV_E_BW_NOT_FOUND
             : st == 429 ? CV_E_BW_RATE_LIMIT : CV_E_BW_SERVER;
    return CV_FAILF(e, "%s: [%ld %s] %s", what, st, reason(st), msg);
}

/* The login form; client_secret makes the whole body secret. */
static cv_result login_form(const cv_bw_client *c, cv_buf *form)
{
    CV_GUARD(cv_buf_add_str(form, "scope=api.secrets&client_id="));
    CV_GUARD(cv_buf_add_str(form, c->token.client_id));
    CV_GUARD(cv_buf_add_str(form, "&client_secret="));
    CV_GUARD(cv_http_escape(form, cv_slice_of(c->token.client_secret->data,
                                              c->token.client_secret->len)));
    return cv_buf_add_str(form, "&grant_type=client_credentials");
}

static cv_result set_bearer(cv_bw_client *c, const char *jwt, size_t n)
{
    cv_secret *b = NULL;
    CV_GUARD(cv_secret_new(&b, n + 7));
    memcpy(b->data, "Bearer ", 7);
    memcpy(b->data + 7, jwt, n);
    cv_secret_free(&c->bearer);
    c->bearer = b;
    return cv_ok();
}

/* {"encryptionKey": base64} -> the organization key (64 bytes; 32 for the
 * legacy unauthenticated form). */
static cv_result org_key_from(cv_bw_client *c, const char *json, size_t n, const char *field)
{
    json_t *j = json_loadb(json, n, 0, NULL);
    const char *k = json_string_value(json_object_get(j, field));
    cv_result r = cv_ok();
    if (k == NULL) {
        r = CV_FAILF(CV_E_BW_RESPONSE, "missing field `%s` in the login payload", field);
    } else {
        uint8_t raw[96];
        size_t got = 0;
        size_t kl = strlen(k);
        r = kl <= 128 ? cv_b64_decode(raw, &got, cv_slice_of(k, kl), true) : CV_FAIL(CV_E_TOO_LARGE);
        if (cv_is_ok(r) && got != 64 && got != 32)
            r = CV_FAILF(CV_E_UNSUPPORTED, "organization key of %zu bytes", got);
        if (cv_is_ok(r)) {
            cv_secret_free(&c->org_key);
            r = cv_secret_dup(&c->org_key, raw, got);
        } else if (r.err == CV_E_BASE64) {
            r = CV_FAILF(CV_E_BW_RESPONSE, "invalid base64 in `%s`", field);
        }
        cv_wipe(raw, sizeof(raw));
    }
    json_decref(j);
    return r;
}

static cv_result decrypt_payload(cv_bw_client *c, const char *enc, const char *field)
{
    cv_buf_reset(&c->scratch);
    CV_GUARD(cv_bw_decrypt_str(cv_slice_str(enc), c->token.key, &c->scratch));
    cv_result r = org_key_from(c, (const char *)c->scratch.p, c->scratch.len, field);
    cv_buf_reset(&c->scratch);
    return r;
}

static cv_result org_from_jwt(cv_bw_client *c, const char *jwt, int64_t *exp)
{
    cv_bw_jwt claims;
    CV_GUARD(cv_bw_jwt_read(cv_slice_str(jwt), &claims));
    CV_ENSUREF(claims.organization[0] != '\0', CV_E_BW_RESPONSE,
               "missing a required field: access_token_obj.organization");
    memcpy(c->org, claims.organization, sizeof(c->org));
    if (exp) *exp = claims.exp;
    return cv_ok();
}

static const char *req_str(json_t *j, const char *k) { return json_string_value(json_object_get(j, k)); }

static cv_result accept_token(cv_bw_client *c, json_t *j)
{
    const char *jwt = req_str(j, "access_token");
    const char *payload = req_str(j, "encrypted_payload");
    json_t *exp = json_object_get(j, "expires_in");
    CV_ENSUREF(jwt && payload && json_is_integer(exp) && req_str(j, "token_type") &&
                   req_str(j, "scope"),
               CV_E_BW_RESPONSE, "identity response lacks a required field");
    CV_GUARD(decrypt_payload(c, payload, "encryptionKey"));
    CV_GUARD(org_from_jwt(c, jwt, NULL));
    CV_GUARD(set_bearer(c, jwt, strlen(jwt)));
    json_int_t life = json_integer_value(exp);
    c->lifetime = life > 0 ? (int64_t)life : 0;
    c->expires_at = c->now() + c->lifetime;
    return cv_ok();
}

static cv_result save_state(cv_bw_client *c);

cv_result cv_bw__renew(cv_bw_client *c)
{
    char url[4096];
    snprintf(url, sizeof(url), "%s/connect/token", c->identity);
    cv_buf form;
    cv_buf_init_secret(&form, 64 * 1024);
    cv_result r = login_form(c, &form);
    cv_http_header h[] = {
        { "Content-Type", cv_slice_str("application/x-www-form-urlencoded; charset=utf-8") },
        { "Accept", cv_slice_str("application/json") },
        { "Device-Type", cv_slice_str(DEVICE_TYPE) },
        { "User-Agent", cv_slice_str(c->ua) },
    };
    cv_http_req q;
    base_req(c, &q, "POST", url);
    q.headers = h;
    q.nheaders = 4;
    q.body = cv_buf_slice(&form);
    q.has_body = true;
    q.secret_response = true;
    q.idempotent = true; /* a token request has no side effect */
    cv_http_resp resp;
    cv_http_resp_init(&resp);
    if (cv_is_ok(r)) r = cv_http_do(c->http, &q, &resp);
    cv_buf_release(&form);
    c->logins++;
    json_t *j = NULL;
    if (cv_is_ok(r) && resp.status == 400) {
        char msg[256];
        server_message(&resp.body, msg, sizeof(msg));
        r = CV_FAILF(CV_E_BW_LOGIN, "%s", msg);
    } else if (cv_is_ok(r) && resp.status / 100 != 2) {
        r = status_error(&resp, "identity");
    }
    if (cv_is_ok(r)) {
        j = json_loadb((const char *)resp.body.p, resp.body.len, 0, NULL);
        r = json_is_object(j) ? accept_token(c, j)
                              : CV_FAILF(CV_E_BW_RESPONSE, "identity response is not JSON");
    }
    json_decref(j);
    cv_http_resp_release(&resp);
    if (!cv_is_ok(r)) {
        drop_session(c);
        return r;
    }
    if (c->state_file) {
        cv_result s = save_state(c); /* a cache: failing to write it is not fatal */
        if (!cv_is_ok(s)) cv_err_clear();
    }
    return cv_ok();
}

/* State file: {"version":1,"token":JWT,"encryption_key":b64} as one
 * EncString under the access-token key. */
static cv_result state_json(const cv_bw_client *c, cv_buf *out)
{
    CV_GUARD(cv_buf_add_str(out, "{\"version\":1,\"token\":\""));
    CV_GUARD(cv_buf_add(out, c->bearer->data + 7, c->bearer->len - 7));
    CV_GUARD(cv_buf_add_str(out, "\",\"encryption_key\":\""));
    CV_GUARD(cv_b64_encode_buf(out, c->org_key->data, c->org_key->len, true));
    return cv_buf_add_str(out, "\"}");
}

static cv_result save_state(cv_bw_client *c)
{
    cv_buf js, enc;
    cv_buf_init_secret(&js, CV_BW_MAX_STATE);
    cv_buf_init(&enc, CV_BW_MAX_STATE * 2);
    cv_result r = state_json(c, &js);
    if (cv_is_ok(r)) r = cv_bw_encrypt(cv_buf_slice(&js), c->token.key, NULL, &enc);
    if (cv_is_ok(r)) r = cv_write_private_file(c->state_file, cv_buf_slice(&enc));
    cv_buf_release(&js);
    cv_buf_release(&enc);
    return r;
}

static cv_result read_small_file(const char *path, cv_buf *out)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) CV_BAILF(CV_E_NOT_FOUND, "%s", path);
    uint8_t chunk[4096];
    cv_result r = cv_ok();
    for (;;) {
        ssize_t got = read(fd, chunk, sizeof(chunk));
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) {
            if (got < 0) r = CV_FAILF(CV_E_IO, "%s", path);
            break;
        }
        r = cv_buf_add(out, chunk, (size_t)got);
        if (!cv_is_ok(r)) break;
    }
    close(fd);
    return r;
}

/* Restore a session from the state file; false (no error) when there is
 * none, it is unreadable, or its token is about to expire. */
static bool load_state(cv_bw_client *c)
{
    cv_buf enc, js;
    cv_buf_init(&enc, CV_BW_MAX_STATE * 2);
    cv_buf_init_secret(&js, CV_BW_MAX_STATE);
    int64_t exp = 0;
    bool ok = cv_is_ok(read_small_file(c->state_file, &enc)) &&
              cv_is_ok(cv_bw_decrypt_str(cv_slice_trim(cv_buf_slice(&enc)), c->token.key, &js));
    json_t *j = ok ? json_loadb((const char *)js.p, js.len, 0, NULL) : NULL;
    const char *jwt = req_str(j, "token");
    ok = ok && json_integer_value(json_object_get(j, "version")) == 1 && jwt &&
         cv_is_ok(org_key_from(c, (const char *)js.p, js.len, "encryption_key")) &&
         cv_is_ok(org_from_jwt(c, jwt, &exp)) && exp > c->now() + RENEW_MARGIN_S &&
         cv_is_ok(set_bearer(c, jwt, strlen(jwt)));
    if (ok) {
        c->expires_at = exp;
        c->lifetime = exp - c->now();
    } else {
        drop_session(c);
    }
    json_decref(j);
    cv_buf_release(&enc);
    cv_buf_release(&js);
    cv_err_clear();
    return ok;
}

cv_result cv_bw_login(cv_bw_client *c, cv_slice access_token)
{
    drop_session(c);
    cv_bw_token_clear(&c->token);
    CV_GUARD(cv_bw_token_parse(access_token, &c->token));
    if (c->state_file && load_state(c)) return cv_ok();
    return cv_bw__renew(c);
}

/* Renew when within the margin of expiry: 300 s like the SDK, or half the
 * lifetime for tokens shorter than 10 minutes (the SDK would log in before
 * every request for those). */
static cv_result ensure_fresh(cv_bw_client *c)
{
    CV_ENSUREF(c->token.key != NULL, CV_E_BW_LOGIN, "not logged in");
    int64_t margin = c->lifetime >= 2 * RENEW_MARGIN_S ? RENEW_MARGIN_S : c->lifetime / 2;
    if (c->bearer == NULL || c->now() >= c->expires_at - margin) return cv_bw__renew(c);
    return cv_ok();
}

static cv_result api_once(cv_bw_client *c, const char *method, const char *url,
                          const cv_buf *body, cv_http_resp *resp)
{
    cv_http_header h[5] = {
        { "Authorization", cv_slice_of(c->bearer->data, c->bearer->len) },
        { "Accept", cv_slice_str("application/json") },
        { "Device-Type", cv_slice_str(DEVICE_TYPE) },
        { "User-Agent", cv_slice_str(c->ua) },
        { "Content-Type", cv_slice_str("application/json; charset=utf-8") },
    };
    cv_http_req q;
    base_req(c, &q, method, url);
    q.headers = h;
    q.nheaders = body ? 5 : 4;
    if (body) {
        q.body = cv_buf_slice(body);
        q.has_body = true;
    }
    q.idempotent = strcmp(method, "GET") == 0 || strcmp(method, "PUT") == 0 ||
                   strstr(url, "/get-by-ids") != NULL;
    c->api_requests++;
    return cv_http_do(c->http, &q, resp);
}

cv_result cv_bw__api(cv_bw_client *c, const char *method, const char *path, const cv_buf *body,
                     json_t **out)
{
    *out = NULL;
    CV_GUARD(ensure_fresh(c));
    char url[8192];
    int n = snprintf(url, sizeof(url), "%s%s", c->api, path);
    CV_ENSURE(n > 0 && (size_t)n < sizeof(url), CV_E_TOO_LARGE);
    cv_http_resp resp;
    cv_http_resp_init(&resp);
    cv_result r = api_once(c, method, url, body, &resp);
    if (cv_is_ok(r) && resp.status == 401) {
        /* revoked or expired early: one renewal, one retry */
        cv_http_resp_release(&resp);
        cv_http_resp_init(&resp);
        r = cv_bw__renew(c);
        if (cv_is_ok(r)) r = api_once(c, method, url, body, &resp);
    }
    if (cv_is_ok(r) && resp.status / 100 != 2) r = status_error(&resp, path);
    if (cv_is_ok(r)) {
        *out = json_loadb((const char *)resp.body.p, resp.body.len, 0, NULL);
        if (*out == NULL) r = CV_FAILF(CV_E_BW_RESPONSE, "%s: response is not JSON", path);
    }
    cv_http_resp_release(&resp);
    return r;
}
