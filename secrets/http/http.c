#include "secrets/http/http.h"

#include <curl/curl.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "crypto/base/limits.h"
#include "crypto/prim/pk.h"
#include "secrets/http/curl_dl.h"
#include "secrets/runtime/init.h"

/* libcurl through the table loaded by cv_secrets_init_http (curl_dl.h). */
#define CU (cv_curl())

struct cv_http {
    CURLM *multi;
};

/* One request in flight (or waiting for its next attempt). */
typedef struct {
    const cv_http_req *req;
    cv_http_resp *resp;
    CURL *easy;
    struct curl_slist *hdrs;
    struct curl_slist *connect_to;
    unsigned attempt;
    unsigned long long not_before; /* monotonic ms */
    bool running, done, toobig;
    bool reported;       /* its outcome went to the caller's hook */
    bool streamed;       /* bytes went to req->on_body */
    cv_result stream_err; /* what on_body returned, when it stopped us */
    cv_result result;
    char errbuf[CURL_ERROR_SIZE];
} xfer;

#define DEFAULT_TIMEOUT_MS 60000u
#define DEFAULT_CONNECT_MS 10000u
#define DEFAULT_BASE_DELAY_MS 200u
#define DEFAULT_MAX_DELAY_MS 30000u
#define DEFAULT_PARALLEL 16u
#define XFER_BUFFER 4096u
#define XFER_UPLOAD_BUFFER 16384u /* libcurl's smallest */

static unsigned long long mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (unsigned long long)ts.tv_sec * 1000u + (unsigned long long)ts.tv_nsec / 1000000u;
}

cv_result cv_http_new(cv_http **out)
{
    CV_GUARD(cv_secrets_init_http());
    cv_http *h = calloc(1, sizeof *h);
    CV_ENSURE(h != NULL, CV_E_NOMEM);
    h->multi = CU->multi_init();
    if (h->multi == NULL) {
        free(h);
        CV_BAIL(CV_E_NOMEM);
    }
    CU->multi_setopt(h->multi, CURLMOPT_PIPELINING, (long)CURLPIPE_MULTIPLEX);
    *out = h;
    return cv_ok();
}

void cv_http_free(cv_http **h)
{
    if (h == NULL || *h == NULL) return;
    CU->multi_cleanup((*h)->multi);
    free(*h);
    *h = NULL;
}

void cv_http_resp_init(cv_http_resp *r)
{
    memset(r, 0, sizeof *r);
    cv_buf_init(&r->body, CV_HTTP_MAX_RESPONSE);
    cv_buf_init(&r->headers, CV_HTTP_MAX_HEADERS);
}

void cv_http_resp_release(cv_http_resp *r)
{
    if (r == NULL) return;
    cv_buf_release(&r->body);
    cv_buf_release(&r->headers);
    r->status = 0;
    r->attempts = 0;
}

static bool stream_now(xfer *x)
{
    if (x->req->on_body == NULL) return false;
    long status = 0;
    CU->easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &status);
    return status >= 200 && status < 300;
}

static size_t on_body(char *p, size_t size, size_t n, void *ctx)
{
    xfer *x = ctx;
    size_t len = size * n;
    if (stream_now(x)) {
        x->streamed = true;
        cv_result r = x->req->on_body(x->req->body_ctx, (const uint8_t *)p, len);
        if (cv_is_ok(r)) return len;
        x->stream_err = r;
        return 0;
    }
    if (!cv_is_ok(cv_buf_add(&x->resp->body, p, len))) {
        x->toobig = true;
        return 0; /* abort the transfer */
    }
    return len;
}

static size_t on_header(char *p, size_t size, size_t n, void *ctx)
{
    xfer *x = ctx;
    size_t len = size * n;
    /* A new status line (after 100 Continue or an interim response) starts
     * the header block again: only the final response's headers count. */
    if (len >= 5 && memcmp(p, "HTTP/", 5) == 0) cv_buf_reset(&x->resp->headers);
    if (!cv_is_ok(cv_buf_add(&x->resp->headers, p, len))) {
        x->toobig = true;
        return 0;
    }
    return len;
}

/* "Name: value" built in wiping memory; libcurl copies it with its own
 * (wiping) strdup. */
static cv_result add_header(struct curl_slist **list, const char *name, cv_slice value)
{
    cv_buf line;
    cv_buf_init_secret(&line, CV_HTTP_MAX_HEADERS);
    cv_result r = cv_buf_add_str(&line, name);
    if (cv_is_ok(r)) r = cv_buf_add(&line, ": ", 2);
    if (cv_is_ok(r)) r = cv_buf_add(&line, value.p, value.len);
    if (cv_is_ok(r)) r = cv_buf_nul(&line);
    if (cv_is_ok(r) && memchr(line.p, '\n', line.len) != NULL) r = CV_FAILF(CV_E_INVALID_ARG, "header %s contains a line break", name);
    if (cv_is_ok(r)) {
        struct curl_slist *l = CU->slist_append(*list, (const char *)line.p);
        if (l == NULL) r = CV_FAIL(CV_E_NOMEM);
        else *list = l;
    }
    cv_buf_release(&line);
    return r;
}

static cv_result build_headers(xfer *x)
{
    const cv_http_req *q = x->req;
    for (size_t i = 0; i < q->nheaders; i++)
        CV_GUARD(add_header(&x->hdrs, q->headers[i].name, q->headers[i].value));
    /* No "Expect: 100-continue" round trip for bodies. */
    struct curl_slist *l = CU->slist_append(x->hdrs, "Expect:");
    CV_ENSURE(l != NULL, CV_E_NOMEM);
    x->hdrs = l;
    return cv_ok();
}

static void blob_opt(CURL *e, CURLoption opt, const void *p, size_t len)
{
    struct curl_blob b = { (void *)(uintptr_t)p, len, CURL_BLOB_COPY };
    CU->easy_setopt(e, opt, &b);
}

static void set_tls(CURL *e, const cv_http_tls *t)
{
    if (t == NULL) return;
    bool own_ca = t->ca_file != NULL || t->ca_pem.len > 0;
    /* A configured CA is the only trust anchor, as in kubectl: the system
     * directory is not consulted. */
    if (own_ca) CU->easy_setopt(e, CURLOPT_CAPATH, (char *)NULL);
    if (t->ca_pem.len > 0) blob_opt(e, CURLOPT_CAINFO_BLOB, t->ca_pem.p, t->ca_pem.len);
    else if (t->ca_file != NULL) CU->easy_setopt(e, CURLOPT_CAINFO, t->ca_file);
    if (t->cert_pem.len > 0) blob_opt(e, CURLOPT_SSLCERT_BLOB, t->cert_pem.p, t->cert_pem.len);
    else if (t->cert_file != NULL) CU->easy_setopt(e, CURLOPT_SSLCERT, t->cert_file);
    CU->easy_setopt(e, CURLOPT_SSLCERTTYPE, "PEM");
    if (t->key_pem != NULL) blob_opt(e, CURLOPT_SSLKEY_BLOB, t->key_pem->data, t->key_pem->len);
    else if (t->key_file != NULL) CU->easy_setopt(e, CURLOPT_SSLKEY, t->key_file);
    CU->easy_setopt(e, CURLOPT_SSLKEYTYPE, "PEM");
    if (t->insecure) {
        CU->easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
        CU->easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    if (t->proxy != NULL) CU->easy_setopt(e, CURLOPT_PROXY, t->proxy);
}

static void set_method(CURL *e, const cv_http_req *q)
{
    const char *m = q->method ? q->method : "GET";
    if (q->has_body) {
        CU->easy_setopt(e, CURLOPT_POSTFIELDS, (const char *)q->body.p);
        CU->easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)q->body.len);
        if (strcmp(m, "POST") != 0) CU->easy_setopt(e, CURLOPT_CUSTOMREQUEST, m);
    } else if (strcmp(m, "HEAD") == 0) {
        CU->easy_setopt(e, CURLOPT_NOBODY, 1L);
    } else if (strcmp(m, "GET") != 0) {
        CU->easy_setopt(e, CURLOPT_CUSTOMREQUEST, m);
    }
}

static cv_result setup_easy(xfer *x)
{
    const cv_http_req *q = x->req;
    CURL *e = CU->easy_init();
    CV_ENSURE(e != NULL, CV_E_NOMEM);
    x->easy = e;
    x->errbuf[0] = '\0';
    CU->easy_setopt(e, CURLOPT_PRIVATE, x);
    CU->easy_setopt(e, CURLOPT_ERRORBUFFER, x->errbuf);
    CU->easy_setopt(e, CURLOPT_URL, q->url);
    CU->easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    CU->easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    CU->easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
    CU->easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
    CU->easy_setopt(e, CURLOPT_PIPEWAIT, 1L);
    /* Every transfer in flight has its own download and upload buffers
     * (16 and 64 KiB by default), wiped in full when freed: with dozens in
     * flight they were most of the memory of a large apply. API answers
     * and bodies are small; the smaller buffers cost no measurable time. */
    CU->easy_setopt(e, CURLOPT_BUFFERSIZE, (long)XFER_BUFFER);
    CU->easy_setopt(e, CURLOPT_UPLOAD_BUFFERSIZE, (long)XFER_UPLOAD_BUFFER);
    CU->easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)(q->timeout_ms ? q->timeout_ms : DEFAULT_TIMEOUT_MS));
    CU->easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS,
                     (long)(q->connect_timeout_ms ? q->connect_timeout_ms : DEFAULT_CONNECT_MS));
    /* Decompression buffers are not wiped: secret responses stay plain. */
    if (!q->secret_response) CU->easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
    CU->easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    CU->easy_setopt(e, CURLOPT_WRITEDATA, x);
    CU->easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
    CU->easy_setopt(e, CURLOPT_HEADERDATA, x);
    set_method(e, q);
    set_tls(e, q->tls);
    if (q->tls != NULL && q->tls->connect_to != NULL) {
        x->connect_to = CU->slist_append(NULL, q->tls->connect_to);
        CV_ENSURE(x->connect_to != NULL, CV_E_NOMEM);
        CU->easy_setopt(e, CURLOPT_CONNECT_TO, x->connect_to);
    }
    CV_GUARD(build_headers(x));
    CU->easy_setopt(e, CURLOPT_HTTPHEADER, x->hdrs);
    return cv_ok();
}

static void drop_easy(cv_http *h, xfer *x)
{
    if (x->easy != NULL) {
        if (x->running) CU->multi_remove_handle(h->multi, x->easy);
        CU->easy_cleanup(x->easy);
        x->easy = NULL;
    }
    CU->slist_free_all(x->hdrs);
    x->hdrs = NULL;
    CU->slist_free_all(x->connect_to);
    x->connect_to = NULL;
    x->running = false;
}

static cv_result start_attempt(cv_http *h, xfer *x)
{
    x->attempt++;
    x->toobig = false;
    x->streamed = false;
    x->stream_err = cv_ok();
    cv_buf_reset(&x->resp->body);
    cv_buf_reset(&x->resp->headers);
    cv_result r = setup_easy(x);
    if (cv_is_ok(r) && CU->multi_add_handle(h->multi, x->easy) != CURLM_OK)
        r = CV_FAIL(CV_E_NOMEM);
    if (!cv_is_ok(r)) {
        drop_easy(h, x);
        return r;
    }
    x->running = true;
    return cv_ok();
}

static bool transport_retryable(CURLcode c)
{
    switch (c) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_PARTIAL_FILE:
    case CURLE_SSL_CONNECT_ERROR:
        return true;
    default:
        return false;
    }
}

static cv_err transport_err(CURLcode c)
{
    switch (c) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
        return CV_E_HTTP_CONNECT;
    case CURLE_OPERATION_TIMEDOUT:
        return CV_E_HTTP_TIMEOUT;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_CLIENTCERT:
        return CV_E_HTTP_TLS;
    default:
        return CV_E_HTTP;
    }
}

/* The URL without its query, for messages. */
static int url_len(const char *url)
{
    size_t n = strcspn(url, "?#");
    return n > 512 ? 512 : (int)n;
}

static cv_result transport_failure(xfer *x, CURLcode c)
{
    if (x->toobig)
        return CV_FAILF(CV_E_TOO_LARGE, "%s %.*s: response larger than allowed", x->req->method ? x->req->method : "GET",
                        url_len(x->req->url), x->req->url);
    return CV_FAILF(transport_err(c), "%s %.*s: %s", x->req->method ? x->req->method : "GET",
                    url_len(x->req->url), x->req->url,
                    x->errbuf[0] ? x->errbuf : CU->easy_strerror(c));
}

static unsigned backoff_ms(const cv_http_req *q, unsigned attempt)
{
    unsigned long base = q->base_delay_ms ? q->base_delay_ms : DEFAULT_BASE_DELAY_MS;
    unsigned long cap = q->max_delay_ms ? q->max_delay_ms : DEFAULT_MAX_DELAY_MS;
    unsigned long d = base;
    for (unsigned i = 1; i < attempt && d < cap; i++) d *= 2;
    if (d > cap) d = cap;
    /* Jitter over the upper half keeps the growth but spreads clients. */
    uint32_t rnd;
    cv_random(&rnd, sizeof rnd);
    unsigned long half = d / 2;
    return (unsigned)(half + (half ? rnd % (half + 1) : 0));
}

static bool status_retryable(const cv_http_req *q, long status)
{
    if (status == 429) return true;
    return q->idempotent && status >= 500 && status != 501;
}

static unsigned max_attempts(const cv_http_req *q)
{
    return q->max_attempts ? q->max_attempts : CV_HTTP_DEFAULT_ATTEMPTS;
}

/* Delay before the next attempt: Retry-After when the server gave one,
 * else exponential backoff. */
static unsigned long retry_delay(const xfer *x)
{
    unsigned long cap = x->req->max_delay_ms ? x->req->max_delay_ms : DEFAULT_MAX_DELAY_MS;
    cv_slice v;
    unsigned long ms;
    if (cv_http_resp_header(x->resp, "Retry-After", &v) &&
        cv_http_retry_after_ms(v, (long)time(NULL), &ms))
        return ms > cap ? cap : ms;
    return backoff_ms(x->req, x->attempt);
}

static void schedule_retry(xfer *x)
{
    x->not_before = mono_ms() + retry_delay(x);
}

/* A transfer finished: record its outcome or schedule another attempt. */
static void finish_attempt(cv_http *h, xfer *x, CURLcode code)
{
    long status = 0, ver = 0;
    CU->easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &status);
    CU->easy_getinfo(x->easy, CURLINFO_HTTP_VERSION, &ver);
    bool more = x->attempt < max_attempts(x->req) && !x->streamed;
    cv_result failure = code == CURLE_OK        ? cv_ok()
                        : !cv_is_ok(x->stream_err) ? x->stream_err
                                                   : transport_failure(x, code);
    drop_easy(h, x);
    x->resp->attempts = x->attempt;
    if (code != CURLE_OK) {
        if (more && !x->toobig && cv_is_ok(x->stream_err) && x->req->idempotent &&
            transport_retryable(code)) {
            schedule_retry(x);
            return;
        }
        x->result = failure;
        x->done = true;
        return;
    }
    x->resp->status = status;
    x->resp->http_version = ver == CURL_HTTP_VERSION_2_0 ? 2 : 1;
    if (more && status_retryable(x->req, status)) {
        schedule_retry(x);
        return;
    }
    x->result = cv_ok();
    x->done = true;
}

static void drain_messages(cv_http *h)
{
    CURLMsg *m;
    int left;
    while ((m = CU->multi_info_read(h->multi, &left)) != NULL) {
        if (m->msg != CURLMSG_DONE) continue;
        xfer *x = NULL;
        CU->easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&x);
        if (x != NULL) finish_attempt(h, x, m->data.result);
    }
}

/* Start waiting transfers whose time has come, up to `parallel` running.
 * Returns the ms until the next delayed one (or 1000). */
static long start_ready(cv_http *h, xfer *xs, size_t n, unsigned parallel, size_t *running)
{
    unsigned long long now = mono_ms(), next = now + 1000;
    for (size_t i = 0; i < n; i++) {
        xfer *x = &xs[i];
        if (x->done || x->running) continue;
        if (x->not_before > now) {
            if (x->not_before < next) next = x->not_before;
            continue;
        }
        if (*running >= parallel) continue;
        cv_result r = start_attempt(h, x);
        if (!cv_is_ok(r)) {
            x->result = r;
            x->done = true;
            continue;
        }
        (*running)++;
    }
    return (long)(next - now);
}

static size_t count_running(const xfer *xs, size_t n, size_t *done)
{
    size_t running = 0;
    *done = 0;
    for (size_t i = 0; i < n; i++) {
        if (xs[i].running) running++;
        if (xs[i].done) (*done)++;
    }
    return running;
}

typedef struct {
    cv_result *results;
    cv_http_done_fn fn;
    void *ctx;
} done_hook;

/* Final outcomes to the caller as they come, so that it can use and drop
 * each response while the others are still in flight. */
static void report_done(xfer *xs, size_t n, const done_hook *hk)
{
    for (size_t i = 0; hk->fn && i < n; i++) {
        if (!xs[i].done || xs[i].reported) continue;
        xs[i].reported = true;
        hk->results[i] = xs[i].result;
        if (!cv_is_ok(xs[i].result)) cv_buf_reset(&xs[i].resp->body);
        hk->fn(hk->ctx, i);
    }
}

static cv_result run_all(cv_http *h, xfer *xs, size_t n, unsigned parallel, const done_hook *hk)
{
    for (;;) {
        size_t done;
        size_t running = count_running(xs, n, &done);
        if (done == n) return cv_ok();
        long wait = start_ready(h, xs, n, parallel, &running);
        int still = 0;
        CV_ENSUREF(CU->multi_perform(h->multi, &still) == CURLM_OK, CV_E_HTTP,
                   "libcurl multi interface failed");
        drain_messages(h);
        report_done(xs, n, hk);
        size_t now_running = count_running(xs, n, &done);
        if (done == n) return cv_ok();
        /* Transfers ended: their slots go to waiting ones at once. Polling
         * first would wait for the next socket event, up to a second when
         * nothing else is in flight. */
        if (now_running < running) continue;
        if (now_running == 0 && wait > 0 && still == 0) {
            struct timespec ts = { wait / 1000, (wait % 1000) * 1000000L };
            nanosleep(&ts, NULL);
            continue;
        }
        CV_ENSUREF(CU->multi_poll(h->multi, NULL, 0, (int)(wait > 0 ? wait : 1), NULL) ==
                       CURLM_OK,
                   CV_E_HTTP, "libcurl multi interface failed");
    }
}

static void cleanup_all(cv_http *h, xfer *xs, size_t n)
{
    for (size_t i = 0; i < n; i++) drop_easy(h, &xs[i]);
}

static void init_resp(cv_http_resp *resp, const cv_http_req *q)
{
    size_t cap = q->max_response ? q->max_response : CV_HTTP_MAX_RESPONSE;
    cv_buf_release(&resp->body);
    cv_buf_release(&resp->headers);
    if (q->secret_response) {
        cv_buf_init_secret(&resp->body, cap);
        cv_buf_init_secret(&resp->headers, CV_HTTP_MAX_HEADERS);
    } else {
        cv_buf_init(&resp->body, cap);
        cv_buf_init(&resp->headers, CV_HTTP_MAX_HEADERS);
    }
}

cv_result cv_http_do_each(cv_http *h, const cv_http_req *reqs, cv_http_resp *resps,
                          cv_result *results, size_t n, unsigned parallel,
                          cv_http_done_fn on_done, void *ctx)
{
    CV_ENSURE(h != NULL && (n == 0 || (reqs && resps && results)), CV_E_INVALID_ARG);
    if (n == 0) return cv_ok();
    if (parallel == 0) parallel = DEFAULT_PARALLEL;
    if (parallel > CV_HTTP_MAX_PARALLEL) parallel = CV_HTTP_MAX_PARALLEL;
    xfer *xs = calloc(n, sizeof *xs);
    CV_ENSURE(xs != NULL, CV_E_NOMEM);
    for (size_t i = 0; i < n; i++) {
        xs[i].req = &reqs[i];
        xs[i].resp = &resps[i];
        init_resp(&resps[i], &reqs[i]);
    }
    done_hook hk = { results, on_done, ctx };
    cv_result r = run_all(h, xs, n, parallel, &hk);
    cleanup_all(h, xs, n);
    cv_result first = r;
    for (size_t i = 0; i < n; i++) {
        if (!xs[i].reported) {
            results[i] = xs[i].done ? xs[i].result : r;
            if (!cv_is_ok(results[i])) cv_buf_reset(&resps[i].body);
            if (on_done) on_done(ctx, i);
        }
        if (!cv_is_ok(results[i]) && cv_is_ok(first)) first = results[i];
    }
    free(xs);
    return first;
}

cv_result cv_http_do_many(cv_http *h, const cv_http_req *reqs, cv_http_resp *resps,
                          cv_result *results, size_t n, unsigned parallel)
{
    return cv_http_do_each(h, reqs, resps, results, n, parallel, NULL, NULL);
}

cv_result cv_http_do(cv_http *h, const cv_http_req *req, cv_http_resp *resp)
{
    cv_result one;
    cv_result r = cv_http_do_many(h, req, resp, &one, 1, 1);
    return cv_is_ok(r) ? one : r;
}

bool cv_http_resp_header(const cv_http_resp *r, const char *name, cv_slice *value)
{
    cv_reader rd = cv_reader_of(cv_buf_slice(&r->headers));
    size_t nlen = strlen(name);
    cv_slice line;
    while (cv_is_ok(cv_reader_line_opt(&rd, &line, CV_HTTP_MAX_HEADERS))) {
        if (line.len > nlen && line.p[nlen] == ':' &&
            strncasecmp((const char *)line.p, name, nlen) == 0) {
            *value = cv_slice_trim(cv_slice_of(line.p + nlen + 1, line.len - nlen - 1));
            return true;
        }
        if (cv_reader_eof(&rd)) break;
    }
    return false;
}

/* RFC 9110 IMF-fixdate, "Sun, 06 Nov 1994 08:49:37 GMT" (the form every
 * current server sends; the two obsolete forms fall back to backoff). */
static bool imf_fixdate(cv_slice v, time_t *out)
{
    static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    const char *s = (const char *)v.p;
    if (v.len != 29 || s[3] != ',' || s[4] != ' ' || s[7] != ' ' || s[11] != ' ' ||
        s[16] != ' ' || s[19] != ':' || s[22] != ':' || memcmp(s + 25, " GMT", 4) != 0)
        return false;
    int num[5];
    static const int at[5][2] = { { 5, 2 }, { 12, 4 }, { 17, 2 }, { 20, 2 }, { 23, 2 } };
    for (int i = 0; i < 5; i++) {
        num[i] = 0;
        for (int j = 0; j < at[i][1]; j++) {
            char c = s[at[i][0] + j];
            if (c < '0' || c > '9') return false;
            num[i] = num[i] * 10 + (c - '0');
        }
    }
    const char *m = NULL;
    for (int i = 0; i < 12 && m == NULL; i++)
        if (memcmp(months + 3 * i, s + 8, 3) == 0) m = months + 3 * i;
    if (m == NULL || num[0] < 1 || num[0] > 31 || num[2] > 23 || num[3] > 59 || num[4] > 60)
        return false;
    struct tm tm = { .tm_year = num[1] - 1900, .tm_mon = (int)((m - months) / 3),
                     .tm_mday = num[0], .tm_hour = num[2], .tm_min = num[3], .tm_sec = num[4] };
    *out = timegm(&tm);
    return true;
}

bool cv_http_retry_after_ms(cv_slice v, long now_s, unsigned long *ms)
{
    uint64_t secs;
    if (v.len == 0 || v.len > 64) return false;
    if (cv_is_ok(cv_parse_u64(v, 86400u * 365u, &secs))) {
        *ms = (unsigned long)secs * 1000u;
        return true;
    }
    cv_err_clear();
    time_t at;
    if (!imf_fixdate(v, &at)) return false;
    *ms = at > now_s ? (unsigned long)(at - now_s) * 1000u : 0;
    return true;
}

cv_result cv_http_query_escape(cv_buf *out, cv_slice s)
{
    for (size_t i = 0; i < s.len; i++)
        CV_GUARD(s.p[i] == ' ' ? cv_buf_add_byte(out, '+') : cv_http_escape(out, cv_slice_of(s.p + i, 1)));
    return cv_ok();
}

cv_result cv_http_escape(cv_buf *out, cv_slice s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (size_t i = 0; i < s.len; i++) {
        uint8_t c = s.p[i];
        bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '.' || c == '_' || c == '~';
        if (keep) {
            CV_GUARD(cv_buf_add_byte(out, c));
        } else {
            char e[3] = { '%', hex[c >> 4], hex[c & 15] };
            CV_GUARD(cv_buf_add(out, e, 3));
        }
    }
    return cv_ok();
}
