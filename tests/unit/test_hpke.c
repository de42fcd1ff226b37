/* HPKE and P-256 against published vectors: testvectors/hpke/vectors.txt is
 * extracted by tests/gen/gen_hpke_vectors.sh from filippo.io/hpke v0.4.0
 * (draft-ietf-hpke-pq vectors for MLKEM768-X25519 and MLKEM768-P256; RFC 9180
 * vectors for DHKEM(P-256), whose encryptions are given in Go's accumulated
 * form: 1000 seals of SHAKE128-drawn inputs hashed into SHAKE128). */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/base/mem.h"
#include "crypto/prim/hash.h"
#include "crypto/prim/hpke.h"
#include "crypto/prim/mlkem.h"
#include "crypto/prim/p256.h"
#include "tests/unit/pq_testlib.h"

#define VECTORS "testvectors/hpke/vectors.txt"

static const cv_hpke_kem *kem_by_id(unsigned id)
{
    switch (id) {
    case 0x647a: return &cv_hpke_xwing;
    case 0x0050: return &cv_hpke_mlkem_p256;
    case 0x0010: return &cv_hpke_dhkem_p256;
    default: return NULL;
    }
}

static unsigned field_u16(cv_slice block, const char *key)
{
    size_t n;
    uint8_t *b = tl_get_hex(block, key, &n);
    cr_assert_eq(n, 2);
    unsigned v = (unsigned)b[0] << 8 | b[1];
    free(b);
    return v;
}

static void expect_field(cv_slice block, const char *key, const uint8_t *got, size_t len)
{
    cv_slice v;
    if (!tl_get(block, key, 0, &v)) return;
    size_t n;
    uint8_t *want = tl_hex(v, &n);
    cr_assert_eq(n, len, "%s length", key);
    cr_assert(memcmp(got, want, n) == 0, "%s differs", key);
    free(want);
}

/* The explicit encryptions of the draft-ietf-hpke-pq vectors. */
static void check_encryptions(cv_slice block, const cv_hpke_ctx *ctx)
{
    cv_slice a, p, c;
    for (unsigned i = 0; tl_get(block, "aad", i, &a); i++) {
        cr_assert(tl_get(block, "pt", i, &p) && tl_get(block, "ct", i, &c));
        size_t an, pn, cn;
        uint8_t *aad = tl_hex(a, &an), *pt = tl_hex(p, &pn), *ct = tl_hex(c, &cn);
        uint8_t *out = malloc(pn + 16), *back = malloc(pn + 1);
        cr_assert(cv_is_ok(cv_hpke_seal(ctx, i, out, pt, pn, aad, an)));
        cr_assert(cn == pn + 16 && memcmp(out, ct, cn) == 0, "encryption %u", i);
        cr_assert(cv_is_ok(cv_hpke_open(ctx, i, back, ct, cn, aad, an)));
        cr_assert(memcmp(back, pt, pn) == 0);
        cr_assert_eq(cv_hpke_open(ctx, i + 1, back, ct, cn, aad, an).err, CV_E_DECRYPT);
        free(aad), free(pt), free(ct), free(out), free(back);
    }
}

static uint8_t *draw(cv_xof *src, size_t *n)
{
    uint8_t l;
    cr_assert(cv_is_ok(cv_xof_squeeze(src, &l, 1)));
    uint8_t *b = malloc((size_t)l + 1);
    cr_assert(cv_is_ok(cv_xof_squeeze(src, b, l)));
    *n = l;
    return b;
}

/* Go's accumulated encryptions (crypto/hpke hpke_test.go). */
static void check_accumulated(cv_slice block, const cv_hpke_ctx *ctx)
{
    cv_slice v;
    if (!tl_get(block, "encryptions_accumulated", 0, &v)) return;
    cv_xof *src = NULL, *sink = NULL;
    cr_assert(cv_is_ok(cv_xof_new(&src, 128, 1000u * 2u * 256u)));
    cr_assert(cv_is_ok(cv_xof_absorb(src, "", 0)));
    cr_assert(cv_is_ok(cv_xof_new(&sink, 128, 16)));
    for (uint64_t seq = 0; seq < 1000; seq++) {
        size_t an, pn;
        uint8_t *aad = draw(src, &an), *pt = draw(src, &pn);
        uint8_t ct[256 + 16], back[256];
        cr_assert(cv_is_ok(cv_hpke_seal(ctx, seq, ct, pt, pn, aad, an)));
        cr_assert(cv_is_ok(cv_xof_absorb(sink, ct, pn + 16)));
        cr_assert(cv_is_ok(cv_hpke_open(ctx, seq, back, ct, pn + 16, aad, an)));
        cr_assert(pn == 0 || memcmp(back, pt, pn) == 0);
        free(aad), free(pt);
    }
    uint8_t got[16];
    cr_assert(cv_is_ok(cv_xof_squeeze(sink, got, 16)));
    expect_field(block, "encryptions_accumulated", got, 16);
    cv_xof_free(&src);
    cv_xof_free(&sink);
}

/* The ephemeral input of a derandomized encapsulation, as Go's tests feed
 * it: DeriveKeyPair(ikmE) for DHKEM, ikmE[0:64] for the hybrids. */
static void ephemeral(const cv_hpke_kem *kem, cv_slice block, uint8_t eph[64])
{
    size_t n;
    uint8_t *ikm = tl_get_hex(block, "ikmE", &n);
    if (kem == &cv_hpke_dhkem_p256) {
        cr_assert(cv_is_ok(cv_hpke_p256_derive(eph, ikm, n)));
    } else {
        cr_assert(n >= 64);
        memcpy(eph, ikm, 64);
    }
    free(ikm);
}

static void check_keys(const cv_hpke_kem *kem, cv_slice block, cv_hpke_sk **sk)
{
    size_t skn, pkn;
    uint8_t *skr = tl_get_hex(block, "skRm", &skn), *pkr = tl_get_hex(block, "pkRm", &pkn);
    cr_assert_eq(skn, CV_HPKE_SEED);
    cr_assert_eq(pkn, cv_hpke_kem_pk_len(kem));
    cr_assert(cv_is_ok(cv_hpke_pk_check(kem, pkr, pkn)));
    cr_assert(cv_is_ok(cv_hpke_sk_new(sk, kem, skr)));
    cr_assert(memcmp(cv_hpke_sk_pk(*sk), pkr, pkn) == 0, "public key from skRm");
    if (kem == &cv_hpke_dhkem_p256) {
        size_t n;
        uint8_t *ikm = tl_get_hex(block, "ikmR", &n), d[32];
        cr_assert(cv_is_ok(cv_hpke_p256_derive(d, ikm, n)));
        cr_assert(memcmp(d, skr, 32) == 0, "DeriveKeyPair(ikmR)");
        free(ikm);
    }
    free(skr), free(pkr);
}

static void run_vector(cv_slice block)
{
    const cv_hpke_kem *kem = kem_by_id(field_u16(block, "kem_id"));
    unsigned aead = field_u16(block, "aead_id");
    cr_assert(kem != NULL);
    cv_hpke_sk *sk = NULL;
    check_keys(kem, block, &sk);
    uint8_t eph[64], ss[32], ss2[32], enc[CV_HPKE_MAX_ENC];
    ephemeral(kem, block, eph);
    size_t pkn, infon;
    uint8_t *pk = tl_get_hex(block, "pkRm", &pkn), *info = tl_get_hex(block, "info", &infon);
    cr_assert(cv_is_ok(cv_hpke_encap(kem, ss, enc, pk, pkn, eph)));
    expect_field(block, "enc", enc, cv_hpke_kem_enc_len(kem));
    expect_field(block, "shared_secret", ss, 32);
    cr_assert(cv_is_ok(cv_hpke_decap(ss2, sk, enc, cv_hpke_kem_enc_len(kem))));
    cr_assert(memcmp(ss, ss2, 32) == 0, "decap");
    cv_hpke_ctx ctx;
    cv_result r = cv_hpke_key_schedule(&ctx, cv_hpke_kem_id(kem), (uint16_t)aead, ss, info, infon);
    if (aead == 0xffff) {
        cr_assert_eq(r.err, CV_E_UNSUPPORTED);
    } else {
        cr_assert(cv_is_ok(r));
        expect_field(block, "key", ctx.key, ctx.key_len);
        expect_field(block, "base_nonce", ctx.base_nonce, 12);
        if (aead == CV_HPKE_AEAD_CHACHA20POLY1305) {
            check_encryptions(block, &ctx);
            check_accumulated(block, &ctx);
        }
    }
    free(pk), free(info);
    cv_hpke_sk_free(&sk);
}

Test(hpke, published_vectors)
{
    cr_assert(cv_is_ok(cv_crypto_init()));
    size_t len, pos = 0;
    char *buf = tl_slurp(VECTORS, &len);
    cr_assert(buf != NULL, "cannot read " VECTORS);
    cv_slice block;
    unsigned n = 0, chacha = 0;
    while (tl_next_block(buf, len, &pos, &block)) {
        run_vector(block);
        n++;
        chacha += field_u16(block, "aead_id") == CV_HPKE_AEAD_CHACHA20POLY1305;
    }
    cr_assert_eq(n, 6, "vector count");
    cr_assert_eq(chacha, 2);
    free(buf);
}

static cv_hpke_sk *xwing_key(void)
{
    uint8_t seed[32];
    cv_hpke_sk *sk = NULL;
    memset(seed, 7, sizeof(seed));
    cr_assert(cv_is_ok(cv_hpke_sk_new(&sk, &cv_hpke_xwing, seed)));
    return sk;
}

Test(hpke, xwing_low_order_share_is_hard_error)
{
    cr_assert(cv_is_ok(cv_crypto_init()));
    cv_hpke_sk *sk = xwing_key();
    uint8_t ss[32], enc[CV_HPKE_XWING_ENC];
    cr_assert(cv_is_ok(cv_hpke_encap(&cv_hpke_xwing, ss, enc, cv_hpke_sk_pk(sk), CV_HPKE_XWING_PK, NULL)));
    memset(enc + CV_MLKEM768_CT, 0, 32); /* the identity point */
    cr_assert_eq(cv_hpke_decap(ss, sk, enc, sizeof(enc)).err, CV_E_LOW_ORDER);
    enc[CV_MLKEM768_CT] = 1; /* u = 1, order 1 too */
    cr_assert_eq(cv_hpke_decap(ss, sk, enc, sizeof(enc)).err, CV_E_LOW_ORDER);
    cr_assert_eq(cv_hpke_decap(ss, sk, enc, sizeof(enc) - 1).err, CV_E_KEY_SIZE);
    cv_hpke_sk_free(&sk);
}

Test(hpke, seal_open_base_round_trip_and_wrong_info)
{
    cr_assert(cv_is_ok(cv_crypto_init()));
    cv_hpke_sk *sk = xwing_key();
    uint8_t enc[CV_HPKE_XWING_ENC], ct[32], pt[16] = "sixteen byte key", back[16];
    cr_assert(cv_is_ok(cv_hpke_seal_base(&cv_hpke_xwing, cv_hpke_sk_pk(sk), CV_HPKE_XWING_PK,
                                         "info", pt, 16, enc, ct)));
    cr_assert(cv_is_ok(cv_hpke_open_base(sk, enc, sizeof(enc), "info", ct, 32, back)));
    cr_assert(memcmp(pt, back, 16) == 0);
    cr_assert_eq(cv_hpke_open_base(sk, enc, sizeof(enc), "other", ct, 32, back).err, CV_E_DECRYPT);
    enc[5] ^= 1; /* ML-KEM implicit rejection: a different key, then AEAD failure */
    cr_assert_eq(cv_hpke_open_base(sk, enc, sizeof(enc), "info", ct, 32, back).err, CV_E_DECRYPT);
    cv_hpke_sk_free(&sk);
}

Test(hpke, public_key_checks)
{
    cr_assert(cv_is_ok(cv_crypto_init()));
    cv_hpke_sk *sk = xwing_key();
    uint8_t pk[CV_HPKE_XWING_PK];
    memcpy(pk, cv_hpke_sk_pk(sk), sizeof(pk));
    cr_assert(cv_is_ok(cv_hpke_pk_check(&cv_hpke_xwing, pk, sizeof(pk))));
    cr_assert_eq(cv_hpke_pk_check(&cv_hpke_xwing, pk, sizeof(pk) - 1).err, CV_E_KEY_SIZE);
    pk[0] = 0x01, pk[1] = (uint8_t)((pk[1] & 0xf0) | 0x0d); /* coefficient 0xd01 = q */
    cr_assert_eq(cv_hpke_pk_check(&cv_hpke_xwing, pk, sizeof(pk)).err, CV_E_MLKEM);
    uint8_t ss[32], enc[CV_HPKE_XWING_ENC];
    cr_assert_eq(cv_hpke_encap(&cv_hpke_xwing, ss, enc, pk, sizeof(pk), NULL).err, CV_E_MLKEM);
    cv_hpke_sk_free(&sk);
}

Test(p256, point_forms_and_invalid_points)
{
    cr_assert(cv_is_ok(cv_crypto_init()));
    uint8_t k[32], pub[65], comp[33], back[65], x1[32], x2[32];
    cr_assert(cv_is_ok(cv_p256_keygen(k, pub)));
    cr_assert(cv_is_ok(cv_p256_point_compress(comp, pub)));
    cr_assert(comp[0] == 2 || comp[0] == 3);
    cr_assert(cv_is_ok(cv_p256_point_decode(back, comp, 33)));
    cr_assert(memcmp(back, pub, 65) == 0);
    cr_assert(cv_is_ok(cv_p256_ecdh(x1, k, pub)));
    cr_assert(cv_is_ok(cv_p256_ecdh(x2, k, back)));
    cr_assert(memcmp(x1, x2, 32) == 0);
    back[64] ^= 1; /* off the curve */
    cr_assert_eq(cv_p256_point_decode(back, back, 65).err, CV_E_CRYPTO);
    comp[0] = 0x04; /* wrong prefix for the length */
    cr_assert_eq(cv_p256_point_decode(back, comp, 33).err, CV_E_CRYPTO);
    uint8_t inf = 0;
    cr_assert_eq(cv_p256_point_decode(back, &inf, 1).err, CV_E_CRYPTO);
    memset(comp + 1, 0xff, 32); /* x >= p */
    comp[0] = 2;
    cr_assert_eq(cv_p256_point_decode(back, comp, 33).err, CV_E_CRYPTO);
}

Test(p256, scalar_range)
{
    uint8_t k[32];
    memset(k, 0, 32);
    cr_assert(!cv_p256_scalar_valid(k));
    k[31] = 1;
    cr_assert(cv_p256_scalar_valid(k));
    /* n - 1 is valid, n and above are not. */
    static const uint8_t n[32] = { 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0xff, 0xff, 0xff,
                                   0xff, 0xff, 0xff, 0xff, 0xff, 0xbc, 0xe6, 0xfa, 0xad,
                                   0xa7, 0x17, 0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc,
                                   0x63, 0x25, 0x51 };
    memcpy(k, n, 32);
    cr_assert(!cv_p256_scalar_valid(k));
    k[31] = 0x50;
    cr_assert(cv_p256_scalar_valid(k));
    memset(k, 0xff, 32);
    cr_assert(!cv_p256_scalar_valid(k));
    uint8_t pub[65];
    cr_assert_eq(cv_p256_public(pub, k).err, CV_E_KEY_SIZE);
}
