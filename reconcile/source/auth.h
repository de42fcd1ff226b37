/* Git credentials, read from a Flux-style Secret manifest (the Secret a
 * GitRepository's spec.secretRef names): `data` (base64) or `stringData`
 * keys `username` + `password` (HTTPS basic auth), `bearerToken` (HTTPS),
 * `identity` + `known_hosts` (+ `password` as the key passphrase) for SSH,
 * and `ca.crt` (or the legacy `caFile`) for a private HTTPS CA.
 * stringData wins over data for the same key, as in the Kubernetes API.
 *
 * Ownership: every value is a cv_secret (secret memory, wiped on free) owned
 * by the cv_source_auth; cv_source_auth_clear releases them all. The parser
 * wipes libyaml's copies of the input and of every scalar it read.
 *
 * Errors: CV_E_GIT_SECRET (detail names the key or line, never a value),
 * CV_E_TOO_LARGE past CV_SRC_MAX_SECRET_FILE, CV_E_NOMEM. */
#ifndef CV_SOURCE_AUTH_H
#define CV_SOURCE_AUTH_H

#include "crypto/base/buf.h"
#include "crypto/base/mem.h"

typedef struct {
    cv_secret *username, *password, *bearer_token, *identity, *known_hosts, *ca;
} cv_source_auth;

/* Parse a Secret manifest (YAML or JSON). Values are NUL-terminated inside
 * their cv_secret (len excludes the NUL). */
cv_result cv_source_auth_parse(cv_slice manifest, cv_source_auth *out) CV_MUST_USE CV_NONNULL;
void cv_source_auth_clear(cv_source_auth *a);

#endif
