/* Internals shared by the Secrets Manager client's files (sm.c: login,
 * tokens, state file, requests; sm_objects.c: secrets and projects). */
#ifndef CV_BW_SM_INT_H
#define CV_BW_SM_INT_H

#include <jansson.h>

#include "secrets/bitwarden/sm.h"

struct cv_bw_client {
    cv_http *http;
    char *api, *identity, *ua, *state_file;
    const cv_http_tls *tls;
    unsigned max_attempts, base_delay_ms, max_delay_ms;
    cv_bw_token token;
    cv_secret *bearer;  /* "Bearer <JWT>" */
    cv_secret *org_key; /* 64 bytes */
    char org[CV_UUID_STR];
    int64_t expires_at, lifetime;
    unsigned logins, api_requests;
    int64_t (*now)(void);
    cv_buf scratch; /* secret: one decrypted field at a time */
};

/* One API request: path below the API URL, optional JSON body. *out gets
 * the parsed JSON answer (caller decrefs). */
cv_result cv_bw__api(cv_bw_client *c, const char *method, const char *path, const cv_buf *body,
                     json_t **out) CV_MUST_USE;
/* Parse an API answer of one kind ("list", "secrets", "secret", "sync",
 * "projects", "project", "deleted") with the client's organization and
 * key: the API parsers without a server (fuzzing, tests). */
cv_result cv_bw__parse(cv_bw_client *c, const char *kind, json_t *j, cv_bw_result *out)
    CV_MUST_USE;
/* Log in again (token expired or refused). */
cv_result cv_bw__renew(cv_bw_client *c) CV_MUST_USE;

#endif
