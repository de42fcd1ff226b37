/* AEADs. ChaCha20-Poly1305 (RFC 8439, 12-byte nonce, 16-byte tag appended)
 * runs through OpenSSL's EVP, which uses the widest vector unit on the
 * machine (2-3x libsodium 1.0.18 here). A cv_chacha context is reusable
 * across messages and owned by one thread at a time.
 *
 * Open verifies the tag (constant time, inside OpenSSL) before releasing any
 * plaintext: on failure the output buffer is wiped and CV_E_DECRYPT returned. */
#ifndef CV_PRIM_AEAD_H
#define CV_PRIM_AEAD_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/base/err.h"

#define CV_CHACHA_KEY 32u
#define CV_CHACHA_NONCE 12u
#define CV_CHACHA_TAG 16u

typedef struct cv_chacha cv_chacha;

cv_result cv_chacha_new(cv_chacha **out, const uint8_t key[CV_CHACHA_KEY]) CV_MUST_USE;
void cv_chacha_free(cv_chacha **c);
/* out receives n + 16 bytes. */
cv_result cv_chacha_seal(cv_chacha *c, uint8_t *out, const uint8_t nonce[CV_CHACHA_NONCE],
                         const uint8_t *in, size_t n, const uint8_t *ad, size_t ad_len)
    CV_MUST_USE;
/* in is n bytes including the tag; out receives n - 16 bytes. */
cv_result cv_chacha_open(cv_chacha *c, uint8_t *out, const uint8_t nonce[CV_CHACHA_NONCE],
                         const uint8_t *in, size_t n, const uint8_t *ad, size_t ad_len)
    CV_MUST_USE;

/* One-shot helpers for small messages (key wrapping). */
cv_result cv_chacha_seal1(uint8_t *out, const uint8_t key[32], const uint8_t nonce[12],
                          const uint8_t *in, size_t n) CV_MUST_USE;
cv_result cv_chacha_open1(uint8_t *out, const uint8_t key[32], const uint8_t nonce[12],
                          const uint8_t *in, size_t n) CV_MUST_USE;

/* AES-256-GCM with an arbitrary IV length (SOPS uses 32 bytes). */
cv_result cv_aes_gcm_seal(uint8_t *out, uint8_t tag[16], const uint8_t key[32],
                          const uint8_t *iv, size_t iv_len, const uint8_t *in, size_t n,
                          const uint8_t *ad, size_t ad_len) CV_MUST_USE;
cv_result cv_aes_gcm_open(uint8_t *out, const uint8_t key[32], const uint8_t *iv, size_t iv_len,
                          const uint8_t *in, size_t n, const uint8_t tag[16], const uint8_t *ad,
                          size_t ad_len) CV_MUST_USE;

/* A key kept for many messages (one thread at a time); freed with its key
 * schedule cleansed. */
typedef struct cv_aes_gcm cv_aes_gcm;
cv_result cv_aes_gcm_new(cv_aes_gcm **out, const uint8_t key[32]) CV_MUST_USE CV_NONNULL;
void cv_aes_gcm_free(cv_aes_gcm **g);
cv_result cv_aes_gcm_seal_with(cv_aes_gcm *g, uint8_t *out, uint8_t tag[16], const uint8_t *iv,
                               size_t iv_len, const uint8_t *in, size_t n, const uint8_t *ad,
                               size_t ad_len) CV_MUST_USE;
cv_result cv_aes_gcm_open_with(cv_aes_gcm *g, uint8_t *out, const uint8_t *iv, size_t iv_len,
                               const uint8_t *in, size_t n, const uint8_t tag[16],
                               const uint8_t *ad, size_t ad_len) CV_MUST_USE;
/* _seal_with in pieces, for a caller that consumes the ciphertext as it
 * goes (and so needs no buffer for all of it): _begin with the IV and
 * AAD, _update over the plaintext in order, _end for the tag. */
cv_result cv_aes_gcm_seal_begin(cv_aes_gcm *g, const uint8_t *iv, size_t iv_len,
                                const uint8_t *ad, size_t ad_len) CV_MUST_USE;
cv_result cv_aes_gcm_seal_update(cv_aes_gcm *g, uint8_t *out, const uint8_t *in, size_t n)
    CV_MUST_USE;
cv_result cv_aes_gcm_seal_end(cv_aes_gcm *g, uint8_t tag[16]) CV_MUST_USE;
/* _open_with in pieces, for a caller that produces the ciphertext (or
 * consumes the plaintext) as it goes: _begin with the IV, tag and AAD, then
 * _update over the ciphertext in order (out may equal in), then _end,
 * which checks the tag. The plaintext is unauthenticated until _end returns
 * ok, and _end does not wipe it: on failure that is the caller's to do. */
cv_result cv_aes_gcm_open_begin(cv_aes_gcm *g, const uint8_t *iv, size_t iv_len,
                                const uint8_t tag[16], const uint8_t *ad, size_t ad_len)
    CV_MUST_USE;
cv_result cv_aes_gcm_open_update(cv_aes_gcm *g, uint8_t *out, const uint8_t *in, size_t n)
    CV_MUST_USE;
cv_result cv_aes_gcm_open_end(cv_aes_gcm *g) CV_MUST_USE;

#endif
