/* Bitwarden Secrets Manager client (machine accounts).
 *
 * A cv_bw_client logs in once with an access token (POST
 * {identity}/connect/token, client_credentials), decrypts the login payload
 * into the organization key and reads the organization id from the JWT.
 * The bearer token is kept in secret memory and renewed ahead of expiry
 * (300 s before it, or half the lifetime of a short-lived token), so a run
 * of requests costs one login per token lifetime, never one per request. A
 * 401 from the API forces one renewal and one retry (the token may have
 * been revoked or expired server-side). With a state file (the SDK's
 * format: one EncString under the access-token key holding {"version":1,
 * "token","encryption_key"}), a still-valid token is reused across
 * processes without any identity request; the file is written 0600,
 * atomically.
 *
 * Transport: secrets/http (retries with backoff on 429 and 5xx for
 * idempotent requests, Retry-After honoured). Every request carries
 * Device-Type 21 (SDK) and a User-Agent; API requests the bearer token.
 *
 * Decryption: every object's organizationId must be the token's
 * organization (CV_E_BW_ORG_MISMATCH otherwise: only that key is loaded);
 * EncStrings are type 2 under the organization key (encstring.h). Secret
 * names, values and notes are decrypted into the result's secret arena;
 * ids and dates are public. A missing required field is CV_E_BW_RESPONSE
 * with the detail "missing a required field: response.<name>".
 *
 * Errors: CV_E_BW_LOGIN (identity refused: detail = the server's message),
 * CV_E_BW_UNAUTHORIZED (401 after the renewal retry), CV_E_BW_NOT_FOUND
 * (404), CV_E_BW_RATE_LIMIT (429 after the retries), CV_E_BW_SERVER (other
 * non-2xx; detail "[<code>] <message>"), CV_E_BW_RESPONSE, CV_E_BW_VALIDATION
 * (create/update field checks, before any request), the EncString errors,
 * and the transport's errors. Details never carry decrypted values or the
 * token.
 *
 * Not thread-safe: one client per thread. */
#ifndef CV_BW_SM_H
#define CV_BW_SM_H

#include <stdbool.h>
#include <stdint.h>

#include "crypto/base/arena.h"
#include "crypto/base/buf.h"
#include "secrets/bitwarden/token.h"
#include "secrets/http/http.h"

#define CV_BW_DEFAULT_API "https://api.bitwarden.com"
#define CV_BW_DEFAULT_IDENTITY "https://identity.bitwarden.com"
#define CV_BW_EU_API "https://api.bitwarden.eu"
#define CV_BW_EU_IDENTITY "https://identity.bitwarden.eu"
#define CV_BW_DATE_MAX 48u

typedef struct {
    const char *api_url;      /* NULL: US cloud */
    const char *identity_url; /* NULL: US cloud */
    const char *user_agent;   /* NULL: "covert" */
    const char *state_file;   /* NULL: tokens kept in memory only */
    const cv_http_tls *tls;
    unsigned max_attempts;    /* HTTP attempts per request; 0 = transport default */
    unsigned base_delay_ms;   /* 0 = transport default */
    unsigned max_delay_ms;    /* 0 = transport default */
} cv_bw_settings;

/* URLs for a server given as one base URL (self-hosted: <base>/api and
 * <base>/identity; the US and EU cloud names map to their hosts). The
 * strings are written into api/identity (cap bytes each). */
cv_result cv_bw_urls_from_server(const char *server, char *api, char *identity, size_t cap)
    CV_MUST_USE CV_NONNULL;

typedef struct cv_bw_client cv_bw_client;

cv_result cv_bw_client_new(cv_bw_client **out, const cv_bw_settings *s) CV_MUST_USE CV_NONNULL;
void cv_bw_client_free(cv_bw_client **c);

/* Parse the access token and log in (or restore from the state file). */
cv_result cv_bw_login(cv_bw_client *c, cv_slice access_token) CV_MUST_USE CV_NONNULL;
/* The organization of the logged-in token ("" before login). */
const char *cv_bw_org_id(const cv_bw_client *c);
/* Requests made so far (identity, API), for tests and benchmarks. */
void cv_bw_counts(const cv_bw_client *c, unsigned *logins, unsigned *api_requests);
/* The process clock the client uses for expiry (tests move it forward). */
void cv_bw_set_clock(cv_bw_client *c, int64_t (*now)(void));

typedef struct {
    char id[CV_UUID_STR];
    char organization_id[CV_UUID_STR];
    char project_id[CV_UUID_STR]; /* "" when the secret has no project */
    char *key;                    /* arena, NUL-terminated */
    size_t key_len;
    char *value;                  /* NULL for list entries */
    size_t value_len;
    char *note;                   /* NULL for list entries */
    size_t note_len;
    char creation_date[CV_BW_DATE_MAX];
    char revision_date[CV_BW_DATE_MAX];
} cv_bw_secret;

typedef struct {
    char id[CV_UUID_STR];
    char organization_id[CV_UUID_STR];
    char *name; /* arena */
    size_t name_len;
    char creation_date[CV_BW_DATE_MAX];
    char revision_date[CV_BW_DATE_MAX];
} cv_bw_project;

/* Per-id outcome of a delete; error NULL on success (arena text). */
typedef struct {
    char id[CV_UUID_STR];
    char *error;
} cv_bw_delete_result;

/* A result set: the items and the secret arena that holds their text. */
typedef struct {
    cv_arena *arena;
    cv_bw_secret *secrets;
    size_t nsecrets;
    cv_bw_project *projects;
    size_t nprojects;
    cv_bw_delete_result *deleted;
    size_t ndeleted;
    bool has_changes; /* sync only */
} cv_bw_result;

/* Wipe and release; safe on a zeroed result. */
void cv_bw_result_clear(cv_bw_result *r);

/* Secrets. list: identifiers and names of the organization's secrets, or
 * of one project's (project_id non-NULL). get_by_ids: one request for many. */
cv_result cv_bw_secrets_list(cv_bw_client *c, const char *project_id, cv_bw_result *out)
    CV_MUST_USE;
cv_result cv_bw_secret_get(cv_bw_client *c, const char *id, cv_bw_result *out) CV_MUST_USE;
cv_result cv_bw_secrets_get_by_ids(cv_bw_client *c, const char *const *ids, size_t n,
                                   cv_bw_result *out) CV_MUST_USE;
/* last_synced: RFC 3339 time or NULL (everything). */
cv_result cv_bw_secrets_sync(cv_bw_client *c, const char *last_synced, cv_bw_result *out)
    CV_MUST_USE;

typedef struct {
    cv_slice key, value, note;    /* key and note are trimmed, value is not */
    const char *const *project_ids;
    size_t nproject_ids;
    bool value_changed;           /* update only */
} cv_bw_secret_input;

cv_result cv_bw_secret_create(cv_bw_client *c, const cv_bw_secret_input *in, cv_bw_result *out)
    CV_MUST_USE;
cv_result cv_bw_secret_update(cv_bw_client *c, const char *id, const cv_bw_secret_input *in,
                              cv_bw_result *out) CV_MUST_USE;
cv_result cv_bw_secrets_delete(cv_bw_client *c, const char *const *ids, size_t n,
                               cv_bw_result *out) CV_MUST_USE;

/* Projects. */
cv_result cv_bw_projects_list(cv_bw_client *c, cv_bw_result *out) CV_MUST_USE;
cv_result cv_bw_project_get(cv_bw_client *c, const char *id, cv_bw_result *out) CV_MUST_USE;
cv_result cv_bw_project_create(cv_bw_client *c, cv_slice name, cv_bw_result *out) CV_MUST_USE;
cv_result cv_bw_project_update(cv_bw_client *c, const char *id, cv_slice name,
                               cv_bw_result *out) CV_MUST_USE;
cv_result cv_bw_projects_delete(cv_bw_client *c, const char *const *ids, size_t n,
                                cv_bw_result *out) CV_MUST_USE;

/* Secrets named `name` (decrypted names compared byte for byte) in
 * project_id (NULL: any project), with values: one list request and one
 * get-by-ids for the matches. Zero matches is not an error (n = 0). */
cv_result cv_bw_secrets_by_name(cv_bw_client *c, const char *project_id, cv_slice name,
                                cv_bw_result *out) CV_MUST_USE;

#endif
