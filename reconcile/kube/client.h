/* The Kubernetes API client: one configuration, one HTTP client (HTTP/2,
 * connections reused), credentials, discovery and the REST mapper, and the
 * object operations covert needs.
 *
 * Credentials: a static token, a tokenFile (re-read every minute and after
 * a 401), basic auth, a client certificate, or an exec plugin (run at the
 * first request, cached until its expirationTimestamp, re-run after a 401).
 * The Authorization header is assembled in secret memory.
 *
 * Calls: cv_kube_call describes one request; cv_kube_do runs one and
 * cv_kube_do_many runs several concurrently over the shared connection.
 * A call's result is cv_ok() with the HTTP status and parsed body, or a
 * transport error. The object helpers below turn a status >= 400 into the
 * errors of status.h.
 *
 * Discovery: aggregated discovery (apidiscovery.k8s.io/v2, /api and /apis
 * in two requests), falling back to the legacy per-group documents. The
 * mapper re-discovers once when a kind is unknown (a CRD may just have been
 * established) and then fails with CV_E_KUBE_UNKNOWN_KIND. Resource entries
 * stay valid until cv_kube_free, even across re-discovery.
 *
 * Ownership: cv_kube_new takes over the contents of *cfg (left empty).
 * JSON results are new references for the caller. Responses of object
 * operations are read into wiping memory (they may be Secrets).
 *
 * Not thread-safe: one client per thread. */
#ifndef CV_RECONCILE_KUBE_CLIENT_H
#define CV_RECONCILE_KUBE_CLIENT_H

#include <jansson.h>

#include "crypto/base/buf.h"
#include "reconcile/kube/config.h"
#include "reconcile/kube/discovery.h"

typedef struct cv_kube cv_kube;

cv_result cv_kube_new(cv_kube_config *cfg, cv_kube **out) CV_MUST_USE CV_NONNULL;
/* cv_kube_config_load then cv_kube_new. */
cv_result cv_kube_open(const cv_kube_load_opts *o, cv_kube **out) CV_MUST_USE CV_NONNULL;
void cv_kube_free(cv_kube **k);

/* The configuration in use (server, namespace, names). */
const cv_kube_config *cv_kube_cfg(const cv_kube *k) CV_NONNULL;
/* The context's namespace, or "default". */
const char *cv_kube_default_namespace(const cv_kube *k) CV_NONNULL;

typedef struct {
    const char *method;       /* "GET" when NULL */
    const char *path;         /* path and query, starting with '/' */
    const char *accept;       /* NULL: application/json */
    const char *content_type; /* with a body */
    cv_slice body;
    bool has_body;
    bool secret;              /* read the response into wiping memory */
    bool idempotent;          /* safe to retry after 5xx or a lost connection */
    unsigned timeout_ms;      /* 0: the HTTP layer's default (60 s) */
    /* Streaming (watch): a 2xx body goes here as it arrives (http.h). */
    cv_result (*on_body)(void *ctx, const uint8_t *p, size_t n);
    void *body_ctx;
} cv_kube_call;

typedef struct {
    long status;
    json_t *body;             /* NULL when empty or not JSON */
} cv_kube_reply;

void cv_kube_reply_clear(cv_kube_reply *r);

cv_result cv_kube_do(cv_kube *k, const cv_kube_call *c, cv_kube_reply *out) CV_MUST_USE CV_NONNULL;
/* n calls, at most `parallel` at a time (0: 16). results[i] as cv_kube_do
 * would return it; the first failure in index order is returned. out[] is
 * overwritten (release earlier replies first). */
cv_result cv_kube_do_many(cv_kube *k, const cv_kube_call *calls, cv_kube_reply *out,
                          cv_result *results, size_t n, unsigned parallel) CV_MUST_USE;

/* n calls as cv_kube_do_many, each answer handed to fn as soon as it is in
 * (in completion order; fn may take rep->body, else it is freed after), so
 * that memory holds only the answers in flight. fn is called once per call;
 * the return is an error only when the calls could not be run. */
typedef void (*cv_kube_reply_fn)(void *ctx, size_t i, cv_kube_reply *rep, cv_result res);
cv_result cv_kube_do_each(cv_kube *k, const cv_kube_call *calls, size_t n, unsigned parallel,
                          cv_kube_reply_fn fn, void *ctx) CV_MUST_USE;

/* --- discovery and mapping ------------------------------------------------ */

cv_result cv_kube_discover(cv_kube *k) CV_MUST_USE CV_NONNULL;
/* Forget discovery; the next lookup fetches it again. */
void cv_kube_invalidate(cv_kube *k) CV_NONNULL;
/* Map apiVersion + kind; re-discovers once if unknown. */
cv_result cv_kube_mapping(cv_kube *k, const char *api_version, const char *kind,
                          const cv_kube_resource **out) CV_MUST_USE;

/* --- paths and objects ---------------------------------------------------- */

/* Append /api/v1 or /apis/G/V, [/namespaces/NS], /RESOURCE, [/NAME],
 * [/SUB] to out (ns ignored for cluster-scoped resources). */
cv_result cv_kube_path(cv_buf *out, const cv_kube_resource *r, const char *ns,
                       const char *name, const char *sub) CV_MUST_USE;

cv_result cv_kube_get(cv_kube *k, const cv_kube_resource *r, const char *ns, const char *name,
                      json_t **out) CV_MUST_USE;

/* Every item of a list, following `continue` tokens (a 410 on a
 * continuation restarts the list once). *items: a JSON array; *rv (may be
 * NULL): the list's resourceVersion, heap string. */
cv_result cv_kube_list(cv_kube *k, const cv_kube_resource *r, const char *ns,
                       const char *label_selector, json_t **items, char **rv) CV_MUST_USE;

/* The items of a list page by page: each() sees every item of a page
 * (borrowed: json_incref what it keeps), then the page is released, so
 * memory holds one page (`page` items per request; 0: CV_KUBE_LIST_PAGE)
 * however long the list. When a continue token has expired (410) the list
 * starts over once: each() is then called with NULL first, and sees the
 * items again. An error from each() stops the list and is returned. */
typedef struct {
    const char *label_selector; /* NULL: every object */
    unsigned page;
    cv_result (*each)(void *ctx, json_t *item);
    void *ctx;
} cv_kube_list_opts;

cv_result cv_kube_list_each(cv_kube *k, const cv_kube_resource *r, const char *ns,
                            const cv_kube_list_opts *o, char **rv) CV_MUST_USE;

typedef struct {
    const char *field_manager; /* required */
    bool force;                /* take ownership of conflicting fields */
    bool dry_run;              /* dryRun=All */
} cv_kube_apply_opts;

/* The query string of a server-side apply: ?fieldManager=..&force=..&dryRun=All */
cv_result cv_kube_apply_query(cv_buf *out, const cv_kube_apply_opts *o) CV_MUST_USE CV_NONNULL;

/* Server-side apply of obj (metadata.name required); *created tells whether
 * the server created it (201). */
cv_result cv_kube_apply(cv_kube *k, const cv_kube_resource *r, const char *ns, const json_t *obj,
                        const cv_kube_apply_opts *o, json_t **out, bool *created) CV_MUST_USE;

/* DELETE with propagationPolicy (NULL: server default; "Foreground",
 * "Background", "Orphan"). A missing object is CV_E_KUBE_NOT_FOUND. */
cv_result cv_kube_delete(cv_kube *k, const cv_kube_resource *r, const char *ns, const char *name,
                         const char *propagation, bool dry_run) CV_MUST_USE;

/* POST (create) and PUT (replace; obj carries metadata.resourceVersion:
 * a stale one gives CV_E_KUBE_CONFLICT). *out may be NULL. */
cv_result cv_kube_create(cv_kube *k, const cv_kube_resource *r, const char *ns, const json_t *obj,
                         json_t **out) CV_MUST_USE;
cv_result cv_kube_update(cv_kube *k, const cv_kube_resource *r, const char *ns, const json_t *obj,
                         json_t **out) CV_MUST_USE;

/* PATCH with a JSON merge patch (RFC 7386). */
cv_result cv_kube_merge_patch(cv_kube *k, const cv_kube_resource *r, const char *ns,
                              const char *name, const json_t *patch, json_t **out) CV_MUST_USE;

/* PUT of the status subresource (obj carries metadata.resourceVersion for
 * optimistic concurrency; a stale one gives CV_E_KUBE_CONFLICT). */
cv_result cv_kube_update_status(cv_kube *k, const cv_kube_resource *r, const char *ns,
                                const json_t *obj, json_t **out) CV_MUST_USE;

#endif
