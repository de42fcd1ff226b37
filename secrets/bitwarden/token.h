/* Secrets Manager access tokens and the JWT the identity server returns.
 *
 * An access token is "0.<client id uuid>.<client secret>:<base64 16-byte
 * key>" (padding on the key optional). Parsing checks, in the SDK's order:
 * a ':' (CV_E_BW_TOKEN "Doesn't contain a decryption key"), three '.'
 * parts ("Has the wrong number of parts"), version "0" ("Is the wrong
 * version"), a UUID ("Has an invalid identifier"), a 16-byte key ("Invalid
 * base64 length: expected 16, got N"); the detail carries that message.
 * The token is not trimmed: callers reading it from files or Secrets trim.
 *
 * The derived key is derive_shareable_key(secret, "accesstoken",
 * "sm-access-token"): it decrypts the login payload and the state file.
 *
 * The JWT's payload (middle segment, base64url) is read without checking
 * the signature: the organization claim names the token's organization and
 * exp its expiry (used for state files only).
 *
 * Ownership: cv_bw_token holds the client secret and derived key in secret
 * memory; cv_bw_token_clear wipes and frees them (safe on a zeroed or
 * partially filled token). On failure nothing is left allocated. */
#ifndef CV_BW_TOKEN_H
#define CV_BW_TOKEN_H

#include <stdint.h>

#include "crypto/base/buf.h"
#include "crypto/base/mem.h"

#define CV_UUID_STR 37u /* 36 characters and NUL */

typedef struct {
    char client_id[CV_UUID_STR];   /* lower-case hyphenated */
    cv_secret *client_secret;      /* the opaque secret (bytes, no NUL) */
    cv_secret *key;                /* 64-byte derived key */
} cv_bw_token;

cv_result cv_bw_token_parse(cv_slice s, cv_bw_token *out) CV_MUST_USE CV_NONNULL;
void cv_bw_token_clear(cv_bw_token *t);

/* Parse a UUID as Rust's uuid crate accepts it (hyphenated, simple 32-hex,
 * braced, urn:uuid:) into the lower-case hyphenated form. */
cv_result cv_uuid_parse(cv_slice s, char out[CV_UUID_STR]) CV_MUST_USE CV_NONNULL;
bool cv_uuid_valid(cv_slice s);

typedef struct {
    char organization[CV_UUID_STR]; /* "" when the claim is absent */
    int64_t exp;                    /* 0 when absent */
} cv_bw_jwt;

/* Errors: CV_E_BW_RESPONSE for a token that is not three base64url
 * segments with a JSON object in the middle. */
cv_result cv_bw_jwt_read(cv_slice jwt, cv_bw_jwt *out) CV_MUST_USE CV_NONNULL;

#endif
