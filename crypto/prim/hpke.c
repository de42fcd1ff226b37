/* HPKE base mode (RFC 9180) and the KEMs of draft-ietf-hpke-pq that age
 * uses. See hpke.h for the constructions; filippo.io/hpke v0.4.0 is the
 * reference for every byte layout. */
#include "crypto/prim/hpke.h"

#include <stdlib.h>
#include <string.h>

#include "crypto/base/mem.h"
#include "crypto/prim/aead.h"
#include "crypto/prim/hash.h"
#include "crypto/prim/mlkem.h"
#include "crypto/prim/p256.h"
#include "crypto/prim/pk.h"

#define HPKE_VERSION "HPKE-v1"
/* SHAKE256 output taken when expanding a hybrid seed: the ML-KEM seed, then
 * up to 8 candidates for the curve scalar (P-256 rejects one in 2^32). */
#define SEED_CANDIDATES 8u
#define SEED_XOF (CV_MLKEM768_SEED + SEED_CANDIDATES * 32u)

struct cv_hpke_kem {
    uint16_t id;
    bool hybrid;
    bool x25519;      /* curve: X25519, else P-256 */
    size_t point_len; /* serialized curve point */
    const char *label; /* hybrid combiner label */
};

/* The X-Wing label is the six bytes \./ /^\ (draft-connolly-cfrg-xwing). */
const cv_hpke_kem cv_hpke_xwing = { 0x647a, true, true, 32, "\\.//^\\" };
const cv_hpke_kem cv_hpke_mlkem_p256 = { 0x0050, true, false, CV_P256_POINT, "MLKEM768-P256" };
const cv_hpke_kem cv_hpke_dhkem_p256 = { 0x0010, false, false, CV_P256_POINT, NULL };

struct cv_hpke_sk {
    const cv_hpke_kem *kem;
    cv_mlkem768_dk *pq; /* hybrids only */
    cv_secret *scalar;  /* the curve private key */
    uint8_t pk[CV_HPKE_MAX_PK];
};

uint16_t cv_hpke_kem_id(const cv_hpke_kem *kem) { return kem->id; }

size_t cv_hpke_kem_pk_len(const cv_hpke_kem *kem)
{
    return (kem->hybrid ? CV_MLKEM768_EK : 0) + kem->point_len;
}

size_t cv_hpke_kem_enc_len(const cv_hpke_kem *kem)
{
    return (kem->hybrid ? CV_MLKEM768_CT : 0) + kem->point_len;
}

/* ---- labeled HKDF ---- */

void cv_hpke_labeled_extract(uint8_t prk[32], const uint8_t *suite, size_t suite_len,
                             const uint8_t *salt, size_t salt_len, const char *label,
                             const uint8_t *ikm, size_t ikm_len)
{
    /* An empty HMAC key and HKDF's default all-zero salt are the same key;
     * libsodium wants a non-NULL pointer even for an empty one. */
    static const uint8_t none[1];
    cv_hmac_ctx c;
    cv_hmac_sha256_init(&c, salt_len ? salt : none, salt_len);
    cv_hmac_sha256_update(&c, HPKE_VERSION, strlen(HPKE_VERSION));
    cv_hmac_sha256_update(&c, suite, suite_len);
    cv_hmac_sha256_update(&c, label, strlen(label));
    cv_hmac_sha256_update(&c, ikm, ikm_len);
    cv_hmac_sha256_final(&c, prk);
}

cv_result cv_hpke_labeled_expand(uint8_t *out, uint16_t len, const uint8_t prk[32],
                                 const uint8_t *suite, size_t suite_len, const char *label,
                                 const uint8_t *info, size_t info_len)
{
    size_t label_len = strlen(label), ver_len = strlen(HPKE_VERSION);
    size_t total = 2 + ver_len + suite_len + label_len + info_len;
    uint8_t *li = malloc(total);
    CV_ENSURE(li != NULL, CV_E_NOMEM);
    li[0] = (uint8_t)(len >> 8);
    li[1] = (uint8_t)len;
    memcpy(li + 2, HPKE_VERSION, ver_len);
    memcpy(li + 2 + ver_len, suite, suite_len);
    memcpy(li + 2 + ver_len + suite_len, label, label_len);
    if (info_len) memcpy(li + 2 + ver_len + suite_len + label_len, info, info_len);
    cv_result r = cv_hkdf_expand(out, len, prk, li, total);
    free(li);
    return r;
}

/* "KEM" || I2OSP(kem_id, 2), the suite of the KEM-internal derivations. */
static void kem_suite(uint8_t s[5], uint16_t id)
{
    memcpy(s, "KEM", 3);
    s[3] = (uint8_t)(id >> 8);
    s[4] = (uint8_t)id;
}

/* ---- the curve half: X25519 or P-256 ---- */

static cv_result curve_public(const cv_hpke_kem *kem, uint8_t *pub, const uint8_t sk[32])
{
    if (!kem->x25519) return cv_p256_public(pub, sk);
    cv_x25519_base(pub, sk);
    return cv_ok();
}

static cv_result curve_keygen(const cv_hpke_kem *kem, uint8_t sk[32], uint8_t *pub)
{
    if (!kem->x25519) return cv_p256_keygen(sk, pub);
    cv_random(sk, 32);
    cv_x25519_base(pub, sk);
    return cv_ok();
}

/* The DH output; X25519 fails with CV_E_LOW_ORDER on an all-zero result. */
static cv_result curve_dh(const cv_hpke_kem *kem, uint8_t out[32], const uint8_t sk[32],
                          const uint8_t *peer)
{
    return kem->x25519 ? cv_x25519(out, sk, peer) : cv_p256_ecdh(out, sk, peer);
}

static bool curve_scalar_ok(const cv_hpke_kem *kem, const uint8_t sk[32])
{
    return kem->x25519 || cv_p256_scalar_valid(sk);
}

cv_result cv_hpke_pk_check(const cv_hpke_kem *kem, const uint8_t *pk, size_t len)
{
    CV_ENSUREF(len == cv_hpke_kem_pk_len(kem), CV_E_KEY_SIZE, "invalid public key size");
    if (kem->hybrid) CV_GUARD(cv_mlkem768_ek_check(pk));
    if (kem->x25519) return cv_ok(); /* every 32-byte string is an X25519 key */
    uint8_t tmp[CV_P256_POINT];
    return cv_p256_point_decode(tmp, pk + len - kem->point_len, kem->point_len);
}

/* ---- KEM shared secrets ---- */

/* SHA3-256(ss_pq || ss_t || ct_t || pk_t || label), the hybrid combiner. */
static cv_result hybrid_combine(const cv_hpke_kem *kem, uint8_t ss[32], const uint8_t ss_pq[32],
                                const uint8_t ss_t[32], const uint8_t *ct_t, const uint8_t *pk_t)
{
    uint8_t buf[64 + 2 * CV_P256_POINT + 16];
    size_t n = 0, label_len = strlen(kem->label);
    memcpy(buf, ss_pq, 32);
    memcpy(buf + 32, ss_t, 32);
    n = 64;
    memcpy(buf + n, ct_t, kem->point_len);
    n += kem->point_len;
    memcpy(buf + n, pk_t, kem->point_len);
    n += kem->point_len;
    memcpy(buf + n, kem->label, label_len);
    n += label_len;
    cv_result r = cv_sha3_256(ss, buf, n);
    CV_WIPE(buf);
    return r;
}

/* DHKEM ExtractAndExpand(dh, enc || pk_r) (RFC 9180 section 4.1). */
static cv_result dhkem_combine(const cv_hpke_kem *kem, uint8_t ss[32], const uint8_t dh[32],
                               const uint8_t *enc, const uint8_t *pk)
{
    uint8_t suite[5], prk[32], ctx[2 * CV_P256_POINT];
    kem_suite(suite, kem->id);
    cv_hpke_labeled_extract(prk, suite, sizeof(suite), NULL, 0, "eae_prk", dh, 32);
    memcpy(ctx, enc, kem->point_len);
    memcpy(ctx + kem->point_len, pk, kem->point_len);
    cv_result r = cv_hpke_labeled_expand(ss, CV_HPKE_SS, prk, suite, sizeof(suite),
                                         "shared_secret", ctx, 2 * kem->point_len);
    CV_WIPE(prk);
    return r;
}

/* The ephemeral curve key pair: fresh, or the scalar given by a test. */
static cv_result ephemeral(const cv_hpke_kem *kem, uint8_t esk[32], uint8_t *epk,
                           const uint8_t *given)
{
    if (given == NULL) return curve_keygen(kem, esk, epk);
    memcpy(esk, given, 32);
    return curve_public(kem, epk, esk);
}

static cv_result hybrid_encap(const cv_hpke_kem *kem, uint8_t ss[32], uint8_t *enc,
                              const uint8_t *pk, const uint8_t *eph)
{
    uint8_t m[32], esk[32], ss_pq[32], ss_t[32];
    uint8_t *ct_t = enc + CV_MLKEM768_CT;
    const uint8_t *pk_t = pk + CV_MLKEM768_EK;
    if (eph != NULL) memcpy(m, eph, 32);
    else cv_random(m, sizeof(m));
    cv_result r = ephemeral(kem, esk, ct_t, eph != NULL ? eph + 32 : NULL);
    if (cv_is_ok(r)) r = curve_dh(kem, ss_t, esk, pk_t);
    if (cv_is_ok(r)) r = cv_mlkem768_encaps_derand(enc, ss_pq, pk, m);
    if (cv_is_ok(r)) r = hybrid_combine(kem, ss, ss_pq, ss_t, ct_t, pk_t);
    CV_WIPE(m);
    CV_WIPE(esk);
    CV_WIPE(ss_pq);
    CV_WIPE(ss_t);
    return r;
}

static cv_result dhkem_encap(const cv_hpke_kem *kem, uint8_t ss[32], uint8_t *enc,
                             const uint8_t *pk, const uint8_t *eph)
{
    uint8_t esk[32], dh[32];
    cv_result r = ephemeral(kem, esk, enc, eph);
    if (cv_is_ok(r)) r = curve_dh(kem, dh, esk, pk);
    if (cv_is_ok(r)) r = dhkem_combine(kem, ss, dh, enc, pk);
    CV_WIPE(esk);
    CV_WIPE(dh);
    return r;
}

cv_result cv_hpke_encap(const cv_hpke_kem *kem, uint8_t ss[CV_HPKE_SS], uint8_t *enc,
                        const uint8_t *pk, size_t pk_len, const uint8_t *eph)
{
    CV_GUARD(cv_hpke_pk_check(kem, pk, pk_len));
    return kem->hybrid ? hybrid_encap(kem, ss, enc, pk, eph) : dhkem_encap(kem, ss, enc, pk, eph);
}

/* ---- private keys ---- */

void cv_hpke_sk_free(cv_hpke_sk **sk)
{
    if (sk == NULL || *sk == NULL) return;
    cv_mlkem768_dk_free(&(*sk)->pq);
    cv_secret_free(&(*sk)->scalar);
    free(*sk);
    *sk = NULL;
}

/* SHAKE256(seed): the ML-KEM seed d || z, then the first candidate that is
 * a valid curve scalar (filippo.io/hpke NewPrivateKey). */
static cv_result hybrid_expand(cv_hpke_sk *k, const uint8_t seed[CV_HPKE_SEED])
{
    cv_secret *x = NULL;
    CV_GUARD(cv_secret_new(&x, SEED_XOF));
    cv_result r = cv_shake256(x->data, SEED_XOF, seed, CV_HPKE_SEED);
    if (cv_is_ok(r)) r = cv_mlkem768_keygen(&k->pq, x->data);
    for (unsigned i = 0; i < SEED_CANDIDATES && cv_is_ok(r); i++) {
        const uint8_t *cand = x->data + CV_MLKEM768_SEED + 32 * i;
        if (!curve_scalar_ok(k->kem, cand)) continue;
        memcpy(k->scalar->data, cand, 32);
        memcpy(k->pk, cv_mlkem768_dk_ek(k->pq), CV_MLKEM768_EK);
        r = curve_public(k->kem, k->pk + CV_MLKEM768_EK, cand);
        cv_secret_free(&x);
        return r;
    }
    cv_secret_free(&x);
    return cv_is_ok(r) ? CV_FAIL(CV_E_CRYPTO) : r;
}

cv_result cv_hpke_sk_new(cv_hpke_sk **out, const cv_hpke_kem *kem, const uint8_t sk[CV_HPKE_SEED])
{
    *out = NULL;
    cv_hpke_sk *k = calloc(1, sizeof(*k));
    CV_ENSURE(k != NULL, CV_E_NOMEM);
    k->kem = kem;
    cv_result r = cv_secret_new(&k->scalar, 32);
    if (cv_is_ok(r) && kem->hybrid) r = hybrid_expand(k, sk);
    if (cv_is_ok(r) && !kem->hybrid) {
        memcpy(k->scalar->data, sk, 32);
        r = curve_public(kem, k->pk, sk);
    }
    if (!cv_is_ok(r)) {
        cv_hpke_sk_free(&k);
        return r;
    }
    *out = k;
    return cv_ok();
}

const uint8_t *cv_hpke_sk_pk(const cv_hpke_sk *sk) { return sk->pk; }
const cv_hpke_kem *cv_hpke_sk_kem(const cv_hpke_sk *sk) { return sk->kem; }

cv_result cv_hpke_decap(uint8_t ss[CV_HPKE_SS], const cv_hpke_sk *sk, const uint8_t *enc,
                        size_t enc_len)
{
    const cv_hpke_kem *kem = sk->kem;
    CV_ENSUREF(enc_len == cv_hpke_kem_enc_len(kem), CV_E_KEY_SIZE, "invalid encapsulated key size");
    uint8_t ss_pq[32], ss_t[32];
    size_t off = kem->hybrid ? CV_MLKEM768_CT : 0;
    cv_result r = cv_ok();
    if (kem->hybrid) r = cv_mlkem768_decaps(ss_pq, sk->pq, enc);
    if (cv_is_ok(r)) r = curve_dh(kem, ss_t, sk->scalar->data, enc + off);
    if (cv_is_ok(r) && kem->hybrid)
        r = hybrid_combine(kem, ss, ss_pq, ss_t, enc + off, sk->pk + CV_MLKEM768_EK);
    else if (cv_is_ok(r))
        r = dhkem_combine(kem, ss, ss_t, enc, sk->pk);
    CV_WIPE(ss_pq);
    CV_WIPE(ss_t);
    return r;
}

cv_result cv_hpke_p256_derive(uint8_t sk[CV_HPKE_SEED], const uint8_t *ikm, size_t ikm_len)
{
    uint8_t suite[5], prk[32];
    kem_suite(suite, cv_hpke_dhkem_p256.id);
    cv_hpke_labeled_extract(prk, suite, sizeof(suite), NULL, 0, "dkp_prk", ikm, ikm_len);
    cv_result r = CV_FAIL(CV_E_CRYPTO);
    for (unsigned counter = 0; counter < 256; counter++) {
        uint8_t c = (uint8_t)counter;
        r = cv_hpke_labeled_expand(sk, 32, prk, suite, sizeof(suite), "candidate", &c, 1);
        if (!cv_is_ok(r) || cv_p256_scalar_valid(sk)) break;
        r = CV_FAIL(CV_E_CRYPTO);
    }
    CV_WIPE(prk);
    return r;
}

/* ---- key schedule and AEAD ---- */

static size_t aead_key_len(uint16_t aead)
{
    switch (aead) {
    case CV_HPKE_AEAD_AES128GCM: return 16;
    case CV_HPKE_AEAD_AES256GCM: return 32;
    case CV_HPKE_AEAD_CHACHA20POLY1305: return 32;
    default: return 0;
    }
}

cv_result cv_hpke_key_schedule(cv_hpke_ctx *ctx, uint16_t kem_id, uint16_t aead_id,
                               const uint8_t ss[CV_HPKE_SS], const uint8_t *info, size_t info_len)
{
    memset(ctx, 0, sizeof(*ctx));
    ctx->aead = aead_id;
    ctx->key_len = aead_key_len(aead_id);
    CV_ENSURE(ctx->key_len != 0, CV_E_UNSUPPORTED);
    const uint8_t suite[10] = { 'H', 'P', 'K', 'E', (uint8_t)(kem_id >> 8), (uint8_t)kem_id,
                                0, CV_HPKE_KDF_HKDF_SHA256, 0, (uint8_t)aead_id };
    uint8_t ks[1 + 32 + 32], secret[32];
    ks[0] = 0; /* mode_base */
    cv_hpke_labeled_extract(ks + 1, suite, sizeof(suite), NULL, 0, "psk_id_hash", NULL, 0);
    cv_hpke_labeled_extract(ks + 33, suite, sizeof(suite), NULL, 0, "info_hash", info, info_len);
    cv_hpke_labeled_extract(secret, suite, sizeof(suite), ss, CV_HPKE_SS, "secret", NULL, 0);
    cv_result r = cv_hpke_labeled_expand(ctx->key, (uint16_t)ctx->key_len, secret, suite,
                                         sizeof(suite), "key", ks, sizeof(ks));
    if (cv_is_ok(r))
        r = cv_hpke_labeled_expand(ctx->base_nonce, 12, secret, suite, sizeof(suite),
                                   "base_nonce", ks, sizeof(ks));
    CV_WIPE(secret);
    if (!cv_is_ok(r)) cv_hpke_ctx_clear(ctx);
    return r;
}

void cv_hpke_ctx_clear(cv_hpke_ctx *ctx) { cv_wipe(ctx, sizeof(*ctx)); }

/* base_nonce XOR I2OSP(seq, 12). */
static void seq_nonce(uint8_t nonce[12], const cv_hpke_ctx *ctx, uint64_t seq)
{
    memcpy(nonce, ctx->base_nonce, 12);
    for (unsigned i = 0; i < 8; i++) nonce[11 - i] ^= (uint8_t)(seq >> (8 * i));
}

static cv_result aead_run(const cv_hpke_ctx *ctx, uint64_t seq, bool seal, uint8_t *out,
                          const uint8_t *in, size_t n, const uint8_t *aad, size_t aad_len)
{
    CV_ENSURE(ctx->aead == CV_HPKE_AEAD_CHACHA20POLY1305, CV_E_UNSUPPORTED);
    uint8_t nonce[12];
    seq_nonce(nonce, ctx, seq);
    cv_chacha *c = NULL;
    CV_GUARD(cv_chacha_new(&c, ctx->key));
    cv_result r = seal ? cv_chacha_seal(c, out, nonce, in, n, aad, aad_len)
                       : cv_chacha_open(c, out, nonce, in, n, aad, aad_len);
    cv_chacha_free(&c);
    return r;
}

cv_result cv_hpke_seal(const cv_hpke_ctx *ctx, uint64_t seq, uint8_t *out, const uint8_t *pt,
                       size_t n, const uint8_t *aad, size_t aad_len)
{
    return aead_run(ctx, seq, true, out, pt, n, aad, aad_len);
}

cv_result cv_hpke_open(const cv_hpke_ctx *ctx, uint64_t seq, uint8_t *out, const uint8_t *ct,
                       size_t n, const uint8_t *aad, size_t aad_len)
{
    CV_ENSURE(n >= CV_CHACHA_TAG, CV_E_DECRYPT);
    return aead_run(ctx, seq, false, out, ct, n, aad, aad_len);
}

cv_result cv_hpke_seal_base(const cv_hpke_kem *kem, const uint8_t *pk, size_t pk_len,
                            const char *info, const uint8_t *pt, size_t n, uint8_t *enc,
                            uint8_t *ct)
{
    uint8_t ss[CV_HPKE_SS];
    cv_hpke_ctx ctx;
    CV_GUARD(cv_hpke_encap(kem, ss, enc, pk, pk_len, NULL));
    cv_result r = cv_hpke_key_schedule(&ctx, kem->id, CV_HPKE_AEAD_CHACHA20POLY1305, ss,
                                       (const uint8_t *)info, strlen(info));
    if (cv_is_ok(r)) r = cv_hpke_seal(&ctx, 0, ct, pt, n, NULL, 0);
    cv_hpke_ctx_clear(&ctx);
    CV_WIPE(ss);
    return r;
}

cv_result cv_hpke_open_base(const cv_hpke_sk *sk, const uint8_t *enc, size_t enc_len,
                            const char *info, const uint8_t *ct, size_t n, uint8_t *pt)
{
    uint8_t ss[CV_HPKE_SS];
    cv_hpke_ctx ctx;
    CV_GUARD(cv_hpke_decap(ss, sk, enc, enc_len));
    cv_result r = cv_hpke_key_schedule(&ctx, sk->kem->id, CV_HPKE_AEAD_CHACHA20POLY1305, ss,
                                       (const uint8_t *)info, strlen(info));
    if (cv_is_ok(r)) r = cv_hpke_open(&ctx, 0, pt, ct, n, NULL, 0);
    cv_hpke_ctx_clear(&ctx);
    CV_WIPE(ss);
    return r;
}
