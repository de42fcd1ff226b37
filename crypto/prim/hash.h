/* Hashes and MACs: SHA-256, SHA-512, HMAC-SHA-256, HKDF-SHA-256 (RFC 5869),
 * SHA3-256/512 and SHAKE128/256 (FIPS 202). SHA-2 and SHA-3 go through
 * OpenSSL (its assembly is about twice as fast as libsodium's portable C;
 * libsodium 1.0.18 has no SHA-3), with libsodium as the fallback when OpenSSL
 * cannot allocate; HMAC uses libsodium. All outputs go to caller buffers;
 * temporaries are wiped.
 *
 * A SHA context holds an OpenSSL context on the heap from init to final: every
 * init must be followed by final (which frees and wipes it), and a context
 * must not be copied. final on an all-zero, never initialised context is
 * allowed and gives an all-zero digest. */
#ifndef CV_PRIM_HASH_H
#define CV_PRIM_HASH_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/base/err.h"

#define CV_SHA256_LEN 32u
#define CV_SHA512_LEN 64u

void cv_sha256(uint8_t out[CV_SHA256_LEN], const void *in, size_t n);
void cv_sha512(uint8_t out[CV_SHA512_LEN], const void *in, size_t n);

typedef struct {
    uint8_t opaque[256] __attribute__((aligned(16)));
} cv_sha256_ctx;
void cv_sha256_init(cv_sha256_ctx *c);
void cv_sha256_update(cv_sha256_ctx *c, const void *in, size_t n);
void cv_sha256_final(cv_sha256_ctx *c, uint8_t out[CV_SHA256_LEN]);

typedef struct {
    uint8_t opaque[256] __attribute__((aligned(16)));
} cv_sha512_ctx;
void cv_sha512_init(cv_sha512_ctx *c);
void cv_sha512_update(cv_sha512_ctx *c, const void *in, size_t n);
void cv_sha512_final(cv_sha512_ctx *c, uint8_t out[CV_SHA512_LEN]);

void cv_hmac_sha256(uint8_t out[32], const uint8_t *key, size_t key_len, const void *msg,
                    size_t n);
typedef struct {
    uint8_t opaque[512] __attribute__((aligned(16)));
} cv_hmac_ctx;
void cv_hmac_sha256_init(cv_hmac_ctx *c, const uint8_t *key, size_t key_len);
void cv_hmac_sha256_update(cv_hmac_ctx *c, const void *in, size_t n);
void cv_hmac_sha256_final(cv_hmac_ctx *c, uint8_t out[32]);

/* HKDF-SHA-256 extract and expand; out_len <= 255*32. */
void cv_hkdf_extract(uint8_t prk[32], const uint8_t *salt, size_t salt_len, const uint8_t *ikm,
                     size_t ikm_len);
cv_result cv_hkdf_expand(uint8_t *out, size_t out_len, const uint8_t prk[32], const void *info,
                         size_t info_len) CV_MUST_USE;
cv_result cv_hkdf(uint8_t *out, size_t out_len, const uint8_t *ikm, size_t ikm_len,
                  const uint8_t *salt, size_t salt_len, const char *info) CV_MUST_USE;

/* SHA-3 family (one-shot). */
/* SHA3-224: External Secrets' object hashes (data-hash annotation). */
cv_result cv_sha3_224(uint8_t out[28], const void *in, size_t n) CV_MUST_USE;
cv_result cv_sha3_256(uint8_t out[32], const void *in, size_t n) CV_MUST_USE;
cv_result cv_sha3_512(uint8_t out[64], const void *in, size_t n) CV_MUST_USE;
cv_result cv_shake128(uint8_t *out, size_t out_len, const void *in, size_t n) CV_MUST_USE;
cv_result cv_shake256(uint8_t *out, size_t out_len, const void *in, size_t n) CV_MUST_USE;
/* Incremental XOF: absorb everything, then squeeze in any number of calls
 * (OpenSSL 3.0 lacks EVP_DigestSqueeze, so squeezing is emulated by one
 * large final of `max_out` bytes kept in the context). */
typedef struct cv_xof cv_xof;
cv_result cv_xof_new(cv_xof **out, int shake_bits, size_t max_out) CV_MUST_USE;
cv_result cv_xof_absorb(cv_xof *x, const void *in, size_t n) CV_MUST_USE;
cv_result cv_xof_squeeze(cv_xof *x, uint8_t *out, size_t n) CV_MUST_USE;
void cv_xof_free(cv_xof **x);

#endif
