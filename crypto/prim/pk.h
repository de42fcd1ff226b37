/* Public-key primitives: X25519, Ed25519 -> X25519 conversion, Ed25519
 * key expansion, P-256 ECDH, and RSA-OAEP (SHA-256, MGF1-SHA-256, label).
 *
 * X25519 returns CV_E_LOW_ORDER when the shared secret is all zero (a
 * low-order or identity point), which age treats as a hard error. */
#ifndef CV_PRIM_PK_H
#define CV_PRIM_PK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto/base/err.h"

void cv_random(void *out, size_t n);
/* Random bytes for values that are published, such as the IV of every SOPS
 * value: served from a per-thread pool, a ChaCha20 keystream under a key
 * from getrandom (pk.c), so ten thousand IVs cost one system call instead of
 * ten thousand. Never for keys. A forked child drops the pool and key it
 * inherited (two processes must never hand out the same bytes). */
void cv_random_nonce(void *out, size_t n);

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
/* Check an RSA key pair the way Go's rsa.PrivateKey.Validate does: n = p*q
 * and d*e = 1 modulo p-1 and q-1. CV_E_SSH_KEY if not. */
cv_result cv_rsa_check_pair(const cv_rsa *k) CV_MUST_USE;

/* Private keys read from PEM (PKCS#1 "RSA PRIVATE KEY", PKCS#8 "PRIVATE
 * KEY", legacy encrypted PEM with Proc-Type/DEK-Info, PKCS#8 "ENCRYPTED
 * PRIVATE KEY"). Only RSA and Ed25519 are accepted. */
typedef enum {
    CV_PKEY_RSA = 1,
    CV_PKEY_ED25519 = 2,
} cv_pkey_kind;
/* `pass` may be NULL for an unencrypted key (OpenSSL never prompts). On
 * success *rsa is set for RSA keys, or seed receives an Ed25519 seed.
 * Errors: CV_E_SSH_UNSUPPORTED for other key types, CV_E_SSH_PASSPHRASE
 * when an encrypted key does not decrypt (wrong passphrase or damage),
 * CV_E_SSH_KEY otherwise. */
cv_result cv_pkey_from_pem(const uint8_t *pem, size_t len, const uint8_t *pass, size_t pass_len,
                           bool encrypted, cv_pkey_kind *kind, cv_rsa **rsa, uint8_t seed[32])
    CV_MUST_USE;

/* RSA-OAEP with SHA-1 (Bitwarden's type 4 EncStrings). */
cv_result cv_rsa_oaep_sha1_decrypt(const cv_rsa *k, const uint8_t *in, size_t n, uint8_t *out,
                                   size_t out_cap, size_t *out_len) CV_MUST_USE;

#endif
