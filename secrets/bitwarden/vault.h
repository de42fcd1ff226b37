/* Client of `bw serve`, the Bitwarden CLI's Vault Management API.
 *
 * `bw serve` runs next to a logged-in, unlocked CLI and answers plain HTTP
 * on localhost (default http://localhost:8087). Every reply is the CLI's
 * envelope: {"success":true,"data":...} or {"success":false,"message":...}
 * (HTTP 400 for every failure). The client sends no Origin header (bw
 * serve refuses any request carrying one) and lets libcurl send Host as it
 * always does (bw 2026.6+ accepts only localhost/127.0.0.1/[::1]/its own
 * hostname with the port).
 *
 * Ownership: a cv_bw_vault owns its HTTP client and base URL. A
 * cv_bw_reply owns the raw body (a wiping buffer: items carry passwords)
 * and the parsed tree (jansson allocates through the wiping heap once
 * cv_secrets_init has run); `data` is borrowed from the tree.
 * Accessors append a value to a caller's buffer, which should be a
 * cv_buf_init_secret one.
 *
 * Errors: CV_E_BW_NOT_FOUND ("Not found."), CV_E_BW_LOCKED ("Vault is
 * locked."), CV_E_BW_NOT_LOGGED_IN ("You are not logged in."),
 * CV_E_BW_SERVE for any other failure (detail: bw's message, or the HTTP
 * status when the reply is not bw's envelope, e.g. 403 for a refused Host),
 * CV_E_BW_RESPONSE for a reply that is not JSON or not an envelope, and the
 * transport's errors. Details never carry item values. */
#ifndef CV_BW_VAULT_H
#define CV_BW_VAULT_H

#include <jansson.h>
#include <stdbool.h>

#include "crypto/base/buf.h"
#include "crypto/base/err.h"
#include "secrets/http/http.h"

#define CV_BW_SERVE_DEFAULT_URL "http://localhost:8087"

typedef struct cv_bw_vault cv_bw_vault;

/* base_url NULL or "": CV_BW_SERVE_DEFAULT_URL; a trailing '/' is dropped. */
cv_result cv_bw_vault_new(cv_bw_vault **out, const char *base_url) CV_MUST_USE;
void cv_bw_vault_free(cv_bw_vault **v);

typedef struct {
    cv_buf body;   /* wiping */
    json_t *root;
    json_t *data;  /* borrowed from root; any JSON value */
} cv_bw_reply;

void cv_bw_reply_init(cv_bw_reply *r) CV_NONNULL;
/* Wipe and release; safe on an initialised or cleared reply. */
void cv_bw_reply_clear(cv_bw_reply *r);

/* Parse an envelope (status = HTTP status) into r, which takes a copy of
 * body. Exposed for unit tests and fuzzing. */
cv_result cv_bw_vault_parse(cv_slice body, long status, cv_bw_reply *r) CV_MUST_USE CV_NONNULL;

/* GET /object/item/{id}: data is the item object. */
cv_result cv_bw_vault_item(cv_bw_vault *v, const char *id, cv_bw_reply *r)
    CV_MUST_USE CV_NONNULL;

/* GET /list/object/items with the filters bw's list command takes (NULL:
 * not sent): data is {"object":"list","data":[items]}. */
typedef struct {
    const char *search, *folderid, *collectionid, *organizationid;
    bool trash;
} cv_bw_vault_filter;
cv_result cv_bw_vault_list(cv_bw_vault *v, const cv_bw_vault_filter *f, cv_bw_reply *r)
    CV_MUST_USE CV_NONNULL;

/* GET /object/totp/{id}: the current code, computed by bw. */
cv_result cv_bw_vault_totp(cv_bw_vault *v, const char *id, cv_bw_reply *r)
    CV_MUST_USE CV_NONNULL;
/* POST /sync, GET /status, POST /lock. */
cv_result cv_bw_vault_sync(cv_bw_vault *v, cv_bw_reply *r) CV_MUST_USE CV_NONNULL;
cv_result cv_bw_vault_status(cv_bw_vault *v, cv_bw_reply *r) CV_MUST_USE CV_NONNULL;

/* Values of an item (r->data of cv_bw_vault_item), appended to out.
 * Like `bw get <what> <uuid>`, a missing, null or whitespace-only value
 * (or a non-login item for login values) is CV_E_BW_NOT_FOUND.
 *   what: "username", "password", "totp" (the stored seed), "notes",
 *         "uri" (the first one), "name".
 * cv_bw_item_field: the value of the first custom field called name (the
 * element ESO's `[?@.name=="X"].value` jsonPath returns first); a null
 * value is empty, no such field is CV_E_BW_NOT_FOUND. */
cv_result cv_bw_item_value(const json_t *item, const char *what, cv_buf *out)
    CV_MUST_USE CV_NONNULL;
cv_result cv_bw_item_field(const json_t *item, const char *name, cv_buf *out)
    CV_MUST_USE CV_NONNULL;
/* The string in a StringResponse ({"object":"string","data":"..."}). */
cv_result cv_bw_reply_string(const cv_bw_reply *r, cv_buf *out) CV_MUST_USE CV_NONNULL;

#endif
