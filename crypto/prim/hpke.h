/* HPKE (RFC 9180) in base mode with HKDF-SHA256, as age uses it, and the
 * three KEMs age needs:
 *
 *   cv_hpke_xwing        MLKEM768-X25519 (0x647a)   age1pq1…     mlkem768x25519
 *   cv_hpke_mlkem_p256   MLKEM768-P256 (0x0050)     age1tagpq1…  mlkem768p256tag
 *   cv_hpke_dhkem_p256   DHKEM(P-256, HKDF-SHA256)  age1tag1…    p256tag
 *                        (0x0010)
 *
 * The hybrid KEMs follow draft-ietf-hpke-pq as implemented by filippo.io/hpke
 * v0.4.0 (age v1.3.1's dependency): a 32-byte private seed is expanded with
 * SHAKE256 into an ML-KEM-768 seed (64 bytes) and then 32-byte candidates for
 * the curve scalar; the shared secret is SHA3-256(ss_mlkem || ss_curve ||
 * ct_curve || pk_curve || label). Public keys are the ML-KEM encapsulation
 * key followed by the curve point (X25519: 32 bytes, P-256: 65 bytes
 * uncompressed); enc is the ML-KEM ciphertext followed by the ephemeral point.
 *
 * Errors: a public key that fails its checks gives CV_E_MLKEM (modulus check)
 * or CV_E_CRYPTO (bad point); decapsulation gives CV_E_LOW_ORDER when the
 * X25519 part is all zero (age treats that as a hard error); open gives
 * CV_E_DECRYPT when the AEAD tag does not verify. Secrets (private keys,
 * shared secrets, the context's key) are wiped. */
#ifndef CV_PRIM_HPKE_H
#define CV_PRIM_HPKE_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/base/err.h"

#define CV_HPKE_KDF_HKDF_SHA256 0x0001u
#define CV_HPKE_AEAD_AES128GCM 0x0001u
#define CV_HPKE_AEAD_AES256GCM 0x0002u
#define CV_HPKE_AEAD_CHACHA20POLY1305 0x0003u

#define CV_HPKE_SS 32u
#define CV_HPKE_MAX_PK 1249u  /* MLKEM768-P256 */
#define CV_HPKE_MAX_ENC 1153u /* MLKEM768-P256 */
#define CV_HPKE_XWING_PK 1216u
#define CV_HPKE_XWING_ENC 1120u
#define CV_HPKE_MLKEM_P256_PK 1249u
#define CV_HPKE_MLKEM_P256_ENC 1153u
#define CV_HPKE_P256_PK 65u
#define CV_HPKE_P256_ENC 65u
#define CV_HPKE_SEED 32u      /* hybrid private key; a P-256 scalar too */
#define CV_HPKE_EPH_MAX 64u   /* derandomized encap input, see cv_hpke_encap */

typedef struct cv_hpke_kem cv_hpke_kem;
extern const cv_hpke_kem cv_hpke_xwing;
extern const cv_hpke_kem cv_hpke_mlkem_p256;
extern const cv_hpke_kem cv_hpke_dhkem_p256;

uint16_t cv_hpke_kem_id(const cv_hpke_kem *kem) CV_NONNULL;
size_t cv_hpke_kem_pk_len(const cv_hpke_kem *kem) CV_NONNULL;
size_t cv_hpke_kem_enc_len(const cv_hpke_kem *kem) CV_NONNULL;

/* Validate a serialized public key (length, ML-KEM modulus check, point). */
cv_result cv_hpke_pk_check(const cv_hpke_kem *kem, const uint8_t *pk, size_t len) CV_MUST_USE;

/* Encapsulate to pk: ss (32 bytes, secret) and enc (cv_hpke_kem_enc_len).
 * eph is NULL for fresh randomness, or the derandomized inputs of the test
 * vectors: hybrids take 64 bytes (ML-KEM message || curve scalar), DHKEM
 * takes the 32-byte ephemeral scalar. */
cv_result cv_hpke_encap(const cv_hpke_kem *kem, uint8_t ss[CV_HPKE_SS], uint8_t *enc,
                        const uint8_t *pk, size_t pk_len, const uint8_t *eph) CV_MUST_USE;

/* A private key: for the hybrids the 32-byte seed, for DHKEM(P-256) the
 * 32-byte scalar. Expanded material lives in secret memory. */
typedef struct cv_hpke_sk cv_hpke_sk;
cv_result cv_hpke_sk_new(cv_hpke_sk **out, const cv_hpke_kem *kem,
                         const uint8_t sk[CV_HPKE_SEED]) CV_MUST_USE;
void cv_hpke_sk_free(cv_hpke_sk **sk);
/* The serialized public key (cv_hpke_kem_pk_len bytes, owned by sk). */
const uint8_t *cv_hpke_sk_pk(const cv_hpke_sk *sk) CV_NONNULL;
const cv_hpke_kem *cv_hpke_sk_kem(const cv_hpke_sk *sk) CV_NONNULL;
cv_result cv_hpke_decap(uint8_t ss[CV_HPKE_SS], const cv_hpke_sk *sk, const uint8_t *enc,
                        size_t enc_len) CV_MUST_USE;

/* RFC 9180 DeriveKeyPair for DHKEM(P-256) (section 7.1.3): the scalar. */
cv_result cv_hpke_p256_derive(uint8_t sk[CV_HPKE_SEED], const uint8_t *ikm, size_t ikm_len)
    CV_MUST_USE;

/* Labeled HKDF-SHA256 (RFC 9180 section 4). */
void cv_hpke_labeled_extract(uint8_t prk[32], const uint8_t *suite, size_t suite_len,
                             const uint8_t *salt, size_t salt_len, const char *label,
                             const uint8_t *ikm, size_t ikm_len);
cv_result cv_hpke_labeled_expand(uint8_t *out, uint16_t len, const uint8_t prk[32],
                                 const uint8_t *suite, size_t suite_len, const char *label,
                                 const uint8_t *info, size_t info_len) CV_MUST_USE;

/* A base-mode context (KeySchedule, section 5.1). Seal and open are
 * available for ChaCha20-Poly1305; other AEAD ids only derive the key and
 * base nonce (for test vectors). Clear it with cv_hpke_ctx_clear. */
typedef struct {
    uint16_t aead;
    size_t key_len;
    uint8_t key[32];
    uint8_t base_nonce[12];
} cv_hpke_ctx;

cv_result cv_hpke_key_schedule(cv_hpke_ctx *ctx, uint16_t kem_id, uint16_t aead_id,
                               const uint8_t ss[CV_HPKE_SS], const uint8_t *info,
                               size_t info_len) CV_MUST_USE;
void cv_hpke_ctx_clear(cv_hpke_ctx *ctx);
/* out receives n + 16 bytes; seq is the message sequence number. */
cv_result cv_hpke_seal(const cv_hpke_ctx *ctx, uint64_t seq, uint8_t *out, const uint8_t *pt,
                       size_t n, const uint8_t *aad, size_t aad_len) CV_MUST_USE;
/* out receives n - 16 bytes; CV_E_DECRYPT if the tag does not verify. */
cv_result cv_hpke_open(const cv_hpke_ctx *ctx, uint64_t seq, uint8_t *out, const uint8_t *ct,
                       size_t n, const uint8_t *aad, size_t aad_len) CV_MUST_USE;

/* Single-shot SealBase / OpenBase with HKDF-SHA256 and ChaCha20-Poly1305,
 * no AAD, sequence 0: what every age stanza uses. */
cv_result cv_hpke_seal_base(const cv_hpke_kem *kem, const uint8_t *pk, size_t pk_len,
                            const char *info, const uint8_t *pt, size_t n, uint8_t *enc,
                            uint8_t *ct) CV_MUST_USE;
cv_result cv_hpke_open_base(const cv_hpke_sk *sk, const uint8_t *enc, size_t enc_len,
                            const char *info, const uint8_t *ct, size_t n, uint8_t *pt)
    CV_MUST_USE;

#endif
