/* Password-based key derivation: scrypt (age), PBKDF2-SHA-256 (Bitwarden).
 * Password bytes and outputs may be secret memory; nothing is copied. */
#ifndef CV_PRIM_KDF_H
#define CV_PRIM_KDF_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/base/err.h"

/* scrypt with N = 2^log_n, r, p; log_n must be 1..63. */
cv_result cv_scrypt(uint8_t *out, size_t out_len, const uint8_t *pw, size_t pw_len,
                    const uint8_t *salt, size_t salt_len, unsigned log_n, uint32_t r,
                    uint32_t p) CV_MUST_USE;

cv_result cv_pbkdf2_sha256(uint8_t *out, size_t out_len, const uint8_t *pw, size_t pw_len,
                           const uint8_t *salt, size_t salt_len, uint32_t iterations)
    CV_MUST_USE;

#endif
