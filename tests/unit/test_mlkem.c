/* ML-KEM-768 against published vectors:
 *  - the C2SP/CCTV "accumulated" vectors: keygen/encaps/decaps over seeds
 *    drawn from SHAKE128(""), everything absorbed into a second SHAKE128
 *    whose 32-byte output is published (quoted by Go's crypto/mlkem tests);
 *  - testvectors/mlkem/kat.txt, produced by Go's crypto/mlkem through
 *    tests/gen/mlkem_kat (deterministic encapsulation, implicit rejection,
 *    and encapsulation keys Go rejects). */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/base/enc.h"
#include "crypto/base/mem.h"
#include "crypto/prim/hash.h"
#include "crypto/prim/mlkem.h"
#include "tests/unit/pq_testlib.h"

static void accumulate(unsigned n, const char *want_hex)
{
    cr_assert(cv_is_ok(cv_crypto_init()));
    const size_t per = CV_MLKEM768_SEED + CV_MLKEM768_MSG + CV_MLKEM768_CT;
    cv_xof *s = NULL, *o = NULL;
    cr_assert(cv_is_ok(cv_xof_new(&s, 128, per * n)));
    cr_assert(cv_is_ok(cv_xof_absorb(s, "", 0)));
    cr_assert(cv_is_ok(cv_xof_new(&o, 128, 32)));
    uint8_t seed[64], m[32], ct[CV_MLKEM768_CT], ct1[CV_MLKEM768_CT], k[32], kk[32], k1[32];
    for (unsigned i = 0; i < n; i++) {
        cv_mlkem768_dk *dk = NULL;
        cr_assert(cv_is_ok(cv_xof_squeeze(s, seed, sizeof(seed))));
        cr_assert(cv_is_ok(cv_mlkem768_keygen(&dk, seed)));
        const uint8_t *ek = cv_mlkem768_dk_ek(dk);
        cr_assert(cv_is_ok(cv_xof_absorb(o, ek, CV_MLKEM768_EK)));
        cr_assert(cv_is_ok(cv_xof_squeeze(s, m, sizeof(m))));
        cr_assert(cv_is_ok(cv_mlkem768_encaps_derand(ct, k, ek, m)));
        cr_assert(cv_is_ok(cv_xof_absorb(o, ct, sizeof(ct))));
        cr_assert(cv_is_ok(cv_xof_absorb(o, k, sizeof(k))));
        cr_assert(cv_is_ok(cv_mlkem768_decaps(kk, dk, ct)));
        cr_assert(memcmp(k, kk, 32) == 0, "decaps mismatch at %u", i);
        cr_assert(cv_is_ok(cv_xof_squeeze(s, ct1, sizeof(ct1))));
        cr_assert(cv_is_ok(cv_mlkem768_decaps(k1, dk, ct1)));
        cr_assert(cv_is_ok(cv_xof_absorb(o, k1, sizeof(k1))));
        cv_mlkem768_dk_free(&dk);
    }
    uint8_t got[32], want[32];
    cr_assert(cv_is_ok(cv_xof_squeeze(o, got, sizeof(got))));
    cr_assert(cv_is_ok(cv_hex_decode(want, 32, cv_slice_str(want_hex))));
    cr_assert(memcmp(got, want, 32) == 0, "accumulated hash differs");
    cv_xof_free(&s);
    cv_xof_free(&o);
}

/* Published hashes: C2SP/CCTV ML-KEM accumulated vectors, as quoted in Go
 * 1.26 src/crypto/mlkem/mlkem_test.go TestAccumulated. */
Test(mlkem, accumulated_100)
{
    accumulate(100, "1114b1b6699ed191734fa339376afa7e285c9e6acf6ff0177d346696ce564415");
}

Test(mlkem, accumulated_10000)
{
    accumulate(10000, "8a518cc63da366322a8e7a818c7a0d63483cb3528d34a4cf42f35d5ad73f22fc");
}

static void kat_block(cv_slice b)
{
    size_t n;
    cv_slice v;
    if (tl_get(b, "ek_invalid", 0, &v)) {
        uint8_t *ek = tl_hex(v, &n), ct[CV_MLKEM768_CT], ss[32], m[32] = { 0 };
        cr_assert_eq(n, CV_MLKEM768_EK);
        cr_assert_eq(cv_mlkem768_ek_check(ek).err, CV_E_MLKEM);
        cr_assert_eq(cv_mlkem768_encaps_derand(ct, ss, ek, m).err, CV_E_MLKEM);
        cr_assert_eq(cv_mlkem768_encaps(ct, ss, ek).err, CV_E_MLKEM);
        free(ek);
        return;
    }
    uint8_t *seed = tl_get_hex(b, "seed", &n), *ek = tl_get_hex(b, "ek", &n);
    uint8_t *m = tl_get_hex(b, "m", &n), *ct = tl_get_hex(b, "ct", &n), *ss = tl_get_hex(b, "ss", &n);
    uint8_t *bad = tl_get_hex(b, "ct_reject", &n), *ss_bad = tl_get_hex(b, "ss_reject", &n);
    cv_mlkem768_dk *dk = NULL;
    uint8_t got_ct[CV_MLKEM768_CT], got[32];
    cr_assert(cv_is_ok(cv_mlkem768_keygen(&dk, seed)));
    cr_assert(memcmp(cv_mlkem768_dk_ek(dk), ek, CV_MLKEM768_EK) == 0, "ek");
    cr_assert(cv_is_ok(cv_mlkem768_ek_check(ek)));
    cr_assert(cv_is_ok(cv_mlkem768_encaps_derand(got_ct, got, ek, m)));
    cr_assert(memcmp(got_ct, ct, CV_MLKEM768_CT) == 0, "ct");
    cr_assert(memcmp(got, ss, 32) == 0, "ss");
    cr_assert(cv_is_ok(cv_mlkem768_decaps(got, dk, ct)));
    cr_assert(memcmp(got, ss, 32) == 0, "decaps");
    cr_assert(cv_is_ok(cv_mlkem768_decaps(got, dk, bad)));
    cr_assert(memcmp(got, ss_bad, 32) == 0, "implicit rejection");
    cr_assert(cv_is_ok(cv_mlkem768_encaps(got_ct, got, ek)));
    cv_mlkem768_dk_free(&dk);
    cr_assert_null(dk);
    free(seed), free(ek), free(m), free(ct), free(ss), free(bad), free(ss_bad);
}

/* testvectors/mlkem/kat.txt: Go's crypto/mlkem (tests/gen/gen_mlkem_kat.sh). */
Test(mlkem, go_known_answers)
{
    cr_assert(cv_is_ok(cv_crypto_init()));
    size_t len, pos = 0;
    char *buf = tl_slurp("testvectors/mlkem/kat.txt", &len);
    cr_assert(buf != NULL);
    cv_slice b;
    unsigned n = 0;
    while (tl_next_block(buf, len, &pos, &b)) {
        kat_block(b);
        n++;
    }
    cr_assert_eq(n, 7);
    free(buf);
}
