/* Shamir secret sharing over GF(2^8), share for share compatible with sops
 * v3.13.2 (getsops/sops shamir/shamir.go, itself from HashiCorp Vault).
 *
 * Field: GF(2)[X] / (X^8 + X^4 + X^3 + X + 1), the AES field. Each secret
 * byte gets its own random polynomial of degree threshold-1 whose constant
 * term is that byte. A share is the polynomial values for every secret byte
 * followed by one byte holding the x coordinate: len(secret) + 1 bytes. Split
 * gives share i (0-based) the x coordinate i + 1, as sops does. Combine reads
 * x from each share's last byte and interpolates at 0; it cannot tell a wrong
 * or short set of shares from a right one (the result is just other bytes):
 * the caller authenticates the combined key (sops decrypts the MAC with it).
 *
 * Secrets: the secret, the shares' y bytes and the polynomial coefficients
 * are secret. Arithmetic on them is branch-free and table-free (shift-and-add
 * multiply, inverse by exponentiation); x coordinates are public. Outputs are
 * cv_secret; temporaries are wiped.
 *
 * Errors: CV_E_SOPS_SHAMIR with sops's message in the detail (parameter and
 * share-format errors), CV_E_NOMEM. On failure nothing is allocated. */
#ifndef CV_PRIM_SHAMIR_H
#define CV_PRIM_SHAMIR_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/base/buf.h"
#include "crypto/base/err.h"
#include "crypto/base/mem.h"

#define CV_SHAMIR_MAX_PARTS 255u

/* Split (secret, len) into `parts` shares, any `threshold` of which
 * recombine it: shares[0..parts-1] receive new secrets of len + 1 bytes.
 * Requires threshold <= parts <= 255, 2 <= threshold and len >= 1. */
cv_result cv_shamir_split(const uint8_t *secret, size_t len, unsigned parts,
                          unsigned threshold, cv_secret **shares) CV_MUST_USE;

/* Recombine n shares (each y bytes followed by its x byte, all the same
 * length, at least 2 bytes, distinct x) into *out (length - 1 bytes). */
cv_result cv_shamir_combine(const cv_slice *shares, size_t n, cv_secret **out)
    CV_MUST_USE CV_NONNULL;

/* One multiplication in the field (exposed for tests). */
uint8_t cv_gf256_mul(uint8_t a, uint8_t b);
/* Multiplicative inverse (a^254); 0 maps to 0. */
uint8_t cv_gf256_inv(uint8_t a);

#endif
