/* NIST P-256 for HPKE's DHKEM(P-256) and MLKEM768-P256 (age's tagged
 * recipients), through OpenSSL's EC_POINT API (constant-time scalar
 * multiplication for P-256 in OpenSSL 3).
 *
 * Points cross this API as SEC1 encodings: 65-byte uncompressed (0x04 || X ||
 * Y) or 33-byte compressed (0x02/0x03 || X). Decoding checks that the point is
 * on the curve and is not the point at infinity. Scalars are 32-byte
 * big-endian integers that must lie in [1, n-1] (Go's ecdh.P256
 * NewPrivateKey rule); they are secret and every copy is wiped. */
#ifndef CV_PRIM_P256_H
#define CV_PRIM_P256_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/base/err.h"

#define CV_P256_SCALAR 32u
#define CV_P256_POINT 65u
#define CV_P256_COMPRESSED 33u

/* Decode a compressed or uncompressed point (len 33 or 65) into its
 * uncompressed form; CV_E_CRYPTO with a detail if it is not a valid point. */
cv_result cv_p256_point_decode(uint8_t out[CV_P256_POINT], const uint8_t *in, size_t len)
    CV_MUST_USE;
/* Compressed form of a valid uncompressed point. */
cv_result cv_p256_point_compress(uint8_t out[CV_P256_COMPRESSED],
                                 const uint8_t in[CV_P256_POINT]) CV_MUST_USE;

/* Whether a 32-byte string is a valid scalar (0 < k < n), in constant time. */
bool cv_p256_scalar_valid(const uint8_t k[CV_P256_SCALAR]);
/* pub = k * G; CV_E_KEY_SIZE if k is not a valid scalar. */
cv_result cv_p256_public(uint8_t pub[CV_P256_POINT], const uint8_t k[CV_P256_SCALAR])
    CV_MUST_USE;
/* A fresh random key pair. */
cv_result cv_p256_keygen(uint8_t k[CV_P256_SCALAR], uint8_t pub[CV_P256_POINT]) CV_MUST_USE;
/* The x-coordinate of k * peer (the ECDH shared secret of SEC1 / RFC 9180). */
cv_result cv_p256_ecdh(uint8_t x[32], const uint8_t k[CV_P256_SCALAR],
                       const uint8_t peer[CV_P256_POINT]) CV_MUST_USE;

#endif
