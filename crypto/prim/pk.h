/* Public-key primitives: X25519, Ed25519 -> X25519 conversion, Ed25519
 * key expansion, P-256 ECDH, and RSA-OAEP (SHA-256, MGF1-SHA-256, label).
 *
 * X25519 returns CV_E_LOW_ORDER when the shared secret is all zero (a
 * low-order or identity point), which age treats as a hard error. */
#ifndef CV_PRIM_PK_H
#define CV_PRIM_PK_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/base/err.h"

void cv_random(void *out, size_t n);

void cv_x25519_base(uint8_t pub[32], const uint8_t priv[32]);
cv_result cv_x25519(uint8_t shared[32], const uint8_t priv[32], const uint8_t pub[32])
    CV_MUST_USE;

/* Ed25519 public key to its Montgomery form; fails for invalid points. */
cv_result cv_ed25519_pk_to_x25519(uint8_t x_pub[32], const uint8_t ed_pub[32]) CV_MUST_USE;
/* X25519 scalar from a 32-byte Ed25519 seed: SHA-512(seed)[:32]. */
void cv_ed25519_seed_to_x25519(uint8_t x_priv[32], const uint8_t seed[32]);
/* Ed25519 public key from a 32-byte seed. */
void cv_ed25519_seed_to_pk(uint8_t pub[32], const uint8_t seed[32]);

/* RSA keys are opaque OpenSSL objects behind this type. */
typedef struct cv_rsa cv_rsa;
/* From modulus and public exponent (big-endian). */
cv_result cv_rsa_from_public(cv_rsa **out, const uint8_t *n, size_t n_len, const uint8_t *e,
                             size_t e_len) CV_MUST_USE;
/* From private components (big-endian, as OpenSSH stores them). */
cv_result cv_rsa_from_private(cv_rsa **out, const uint8_t *n, size_t n_len, const uint8_t *e,
                              size_t e_len, const uint8_t *d, size_t d_len, const uint8_t *p,
                              size_t p_len, const uint8_t *q, size_t q_len) CV_MUST_USE;
/* From a DER/PEM blob OpenSSL understands (PKCS#1, PKCS#8), unencrypted. */
cv_result cv_rsa_from_pem(cv_rsa **out, const uint8_t *pem, size_t len) CV_MUST_USE;
void cv_rsa_free(cv_rsa **k);
size_t cv_rsa_bits(const cv_rsa *k);
size_t cv_rsa_size(const cv_rsa *k); /* modulus size in bytes */
/* Public n and e (big-endian) into caller buffers of cv_rsa_size bytes. */
cv_result cv_rsa_public(const cv_rsa *k, uint8_t *n, size_t *n_len, uint8_t *e, size_t *e_len)
    CV_MUST_USE;
cv_result cv_rsa_oaep_encrypt(const cv_rsa *k, const char *label, const uint8_t *in, size_t n,
                              uint8_t *out, size_t *out_len) CV_MUST_USE;
cv_result cv_rsa_oaep_decrypt(const cv_rsa *k, const char *label, const uint8_t *in, size_t n,
                              uint8_t *out, size_t out_cap, size_t *out_len) CV_MUST_USE;
/* RSA-OAEP with SHA-1 (Bitwarden's type 4 EncStrings). */
cv_result cv_rsa_oaep_sha1_decrypt(const cv_rsa *k, const uint8_t *in, size_t n, uint8_t *out,
                                   size_t out_cap, size_t *out_len) CV_MUST_USE;

#endif
