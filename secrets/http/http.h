/* HTTP transport: the one libcurl wrapper of covert.
 *
 * A cv_http client owns one libcurl multi handle, so connections (HTTP/2
 * multiplexed when the server offers it, HTTP/1.1 kept alive otherwise) are
 * reused across requests. Requests are described by plain structs and run
 * one at a time (cv_http_do) or several concurrently (cv_http_do_many, which
 * multiplexes them over the shared connection).
 *
 * Secrets: header values and the request body are read from the caller's
 * memory (which may be secret memory) and never copied into ordinary heap:
 * libcurl's own copies come from the wiping allocator installed by
 * cv_secrets_init_http. A response body is collected into a capped cv_buf,
 * a wiping one when the request asks for it (secret_response). TLS client
 * keys are given as files or as PEM in secret memory (CURLOPT_SSLKEY_BLOB),
 * never written to disk.
 *
 * Retries: a request marked idempotent is retried on connection errors,
 * timeouts, 429 and 5xx (except 501); any request is retried on 429, which
 * a server sends before doing anything. Delays grow exponentially with
 * jitter, and a Retry-After header (seconds or HTTP date) is honoured,
 * capped at max_delay_ms. After the last attempt the last response is
 * returned (status >= 400 is not an error here: the caller interprets it).
 *
 * Errors: CV_E_HTTP_CONNECT, CV_E_HTTP_TLS, CV_E_HTTP_TIMEOUT and CV_E_HTTP
 * for transport failures (detail: libcurl's message and the URL without
 * query), CV_E_TOO_LARGE when a response exceeds its cap.
 *
 * Not thread-safe: one client per thread. */
#ifndef CV_SECRETS_HTTP_H
#define CV_SECRETS_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#include "crypto/base/buf.h"
#include "crypto/base/err.h"
#include "crypto/base/mem.h"

typedef struct cv_http cv_http;

/* TLS and proxy settings. Everything is optional; by default the system
 * trust store verifies the peer. */
typedef struct {
    const char *ca_file;          /* PEM bundle path */
    cv_slice ca_pem;              /* PEM bundle in memory (public data) */
    const char *cert_file;        /* client certificate (PEM) path */
    cv_slice cert_pem;            /* client certificate chain in memory */
    const char *key_file;         /* client key (PEM) path */
    const cv_secret *key_pem;     /* client key in secret memory */
    bool insecure;                /* skip peer and host name verification */
    const char *proxy;            /* proxy URL (http, https, socks5); "" = none */
    /* "NAME:PORT:HOST:PORT": a URL naming NAME:PORT is connected to
     * HOST:PORT instead, while TLS still sends and verifies NAME (how a
     * kubeconfig's tls-server-name is honoured). */
    const char *connect_to;
} cv_http_tls;

typedef struct {
    const char *name;
    cv_slice value;               /* may point into secret memory */
} cv_http_header;

typedef struct {
    const char *method;           /* "GET", "PATCH", ... */
    const char *url;
    const cv_http_header *headers;
    size_t nheaders;
    cv_slice body;                /* sent as is (not copied); may be secret */
    bool has_body;                /* send body (even when empty) */
    const cv_http_tls *tls;       /* NULL: defaults */
    unsigned timeout_ms;          /* whole attempt; 0 = 60 s */
    unsigned connect_timeout_ms;  /* 0 = 10 s */
    size_t max_response;          /* body cap; 0 = CV_HTTP_MAX_RESPONSE */
    bool secret_response;         /* response body in wiping memory */
    bool idempotent;              /* retry on 5xx, timeouts, connection errors */
    unsigned max_attempts;        /* 0 = CV_HTTP_DEFAULT_ATTEMPTS; 1 = no retry */
    unsigned base_delay_ms;       /* first backoff delay; 0 = 200 ms */
    unsigned max_delay_ms;        /* backoff and Retry-After cap; 0 = 30 s */
    /* Streaming (watches): the body of a 2xx answer goes to on_body as it
     * arrives instead of into resp->body; other answers are collected as
     * usual. A non-ok return from on_body ends the transfer with that
     * result. Once bytes were delivered the request is never retried. */
    cv_result (*on_body)(void *ctx, const uint8_t *p, size_t n);
    void *body_ctx;
} cv_http_req;

typedef struct {
    long status;                  /* HTTP status of the last attempt */
    unsigned attempts;            /* how many were made */
    int http_version;             /* 1 or 2 */
    cv_buf body;
    cv_buf headers;               /* raw "Name: value\r\n" lines of the last attempt */
} cv_http_resp;

/* The client. cv_http_new initialises libcurl (cv_secrets_init_http) on
 * first use. cv_http_free is NULL-safe and resets the pointer. */
cv_result cv_http_new(cv_http **out) CV_MUST_USE CV_NONNULL;
void cv_http_free(cv_http **h);

/* Initialise an empty response (required before cv_http_do) and release it.
 * cv_http_resp_release wipes a secret body. */
void cv_http_resp_init(cv_http_resp *r) CV_NONNULL;
void cv_http_resp_release(cv_http_resp *r);

/* Run one request (with its retries). On success *resp holds the final
 * status, body and headers; on a transport failure the error is returned
 * and resp is left empty. */
cv_result cv_http_do(cv_http *h, const cv_http_req *req, cv_http_resp *resp)
    CV_MUST_USE CV_NONNULL;

/* Run n requests with at most `parallel` in flight (0 = 16) over the shared
 * connections. results[i] receives the outcome of reqs[i] (cv_ok() or the
 * transport error), resps[i] its response; every resps[i] must have been
 * initialised. Returns the first failure in index order, or cv_ok(). */
cv_result cv_http_do_many(cv_http *h, const cv_http_req *reqs, cv_http_resp *resps,
                          cv_result *results, size_t n, unsigned parallel)
    CV_MUST_USE;

/* As cv_http_do_many, and on_done(ctx, i) is called once for every request
 * as soon as its outcome is final (results[i] and resps[i] set), while the
 * others may still be in flight: the hook may use resps[i] and release it
 * (cv_http_resp_release), so that memory holds only the answers not yet
 * handled. */
typedef void (*cv_http_done_fn)(void *ctx, size_t i);
cv_result cv_http_do_each(cv_http *h, const cv_http_req *reqs, cv_http_resp *resps,
                          cv_result *results, size_t n, unsigned parallel,
                          cv_http_done_fn on_done, void *ctx) CV_MUST_USE;

/* The value of response header `name` (case-insensitive; the first one),
 * trimmed. Returns false when absent. */
bool cv_http_resp_header(const cv_http_resp *r, const char *name, cv_slice *value)
    CV_NONNULL;

/* Retry-After as milliseconds from now (delta seconds or an IMF-fixdate);
 * false when absent or malformed. Exposed for tests. */
bool cv_http_retry_after_ms(cv_slice value, long now_s, unsigned long *ms) CV_NONNULL;

/* Percent-encode s for use in a URL query value or path segment
 * (unreserved characters kept), appended to out. */
cv_result cv_http_escape(cv_buf *out, cv_slice s) CV_MUST_USE CV_NONNULL;
/* Go's url.QueryEscape: the same, but a space becomes '+'. */
cv_result cv_http_query_escape(cv_buf *out, cv_slice s) CV_MUST_USE CV_NONNULL;

#endif
