/* The AEADs and SHA-2 by both of ossl.h's routes: the built-in one (a
 * process started with cv_crypto_init_offline, as age and sops are) and the
 * provider fetch (any other). Each test runs in a process of its own, so the
 * suite's init decides the route. Expected values are published vectors:
 * the GCM specification's test cases 16 (96-bit IV) and 18 (60-byte IV;
 * SOPS's IVs are 32 bytes, also not 96 bits), RFC 8439 section 2.8.2, and
 * FIPS 180-2's "abc". */
#include <criterion/criterion.h>
#include <string.h>

#include "crypto/base/enc.h"
#include "crypto/base/mem.h"
#include "crypto/prim/aead.h"
#include "crypto/prim/hash.h"
#include "crypto/prim/ossl.h"

static const char gcm_key[] = "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308";
static const char gcm_plain[] = "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
                                "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39";
static const char gcm_aad[] = "feedfacedeadbeeffeedfacedeadbeefabaddad2";

static const struct {
    const char *iv, *cipher, *tag;
} gcm_cases[] = {
    { "cafebabefacedbaddecaf888",
      "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
      "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662",
      "76fc6ece0f4e1768cddf8853bb2d551b" },
    { "9313225df88406e555909c5aff5269aa6a7a9538534f7da1e4c303d2a318a728"
      "c3c0c95156809539fcf0e2429a6b525416aedbf5a0de6a57a637b39b",
      "5a8def2f0c9e53f1f75d7853659e2a20eeb2b22aafde6419a058ab4f6f746bf4"
      "0fc0c3b780f244452da3ebf1c5d82cdea2418997200ef82e44ae7e3f",
      "a44a8266ee1c8eb0c8b5d4cf5ae9f19a" },
};

static size_t unhex(uint8_t *out, const char *hex)
{
    size_t n = strlen(hex) / 2;
    cr_assert(cv_is_ok(cv_hex_decode(out, n, cv_slice_of(hex, strlen(hex)))));
    return n;
}

static void expect_bytes(const uint8_t *got, const char *want_hex)
{
    uint8_t want[256];
    size_t n = unhex(want, want_hex);
    cr_expect(memcmp(got, want, n) == 0, "bytes differ from %s", want_hex);
}

/* Each GCM case sealed and opened, by the one-shot calls, by a kept key
 * (whose IV length changes between the cases) and both in pieces, then a
 * flipped tag refused (the one-shot open wiping its output). */
static void check_gcm(void)
{
    uint8_t key[32], plain[64], aad[20], iv[64], ct[80], tag[16], back[64];
    unhex(key, gcm_key);
    size_t n = unhex(plain, gcm_plain);
    size_t an = unhex(aad, gcm_aad);
    cv_aes_gcm *g = NULL;
    cr_assert(cv_is_ok(cv_aes_gcm_new(&g, key)));
    for (size_t i = 0; i < sizeof(gcm_cases) / sizeof(gcm_cases[0]); i++) {
        size_t ivn = unhex(iv, gcm_cases[i].iv);
        cr_assert(cv_is_ok(cv_aes_gcm_seal(ct, tag, key, iv, ivn, plain, n, aad, an)));
        expect_bytes(ct, gcm_cases[i].cipher);
        expect_bytes(tag, gcm_cases[i].tag);
        memset(ct, 0, sizeof(ct));
        cr_assert(cv_is_ok(cv_aes_gcm_seal_with(g, ct, tag, iv, ivn, plain, n, aad, an)));
        expect_bytes(ct, gcm_cases[i].cipher);
        expect_bytes(tag, gcm_cases[i].tag);
        cr_assert(cv_is_ok(cv_aes_gcm_open(back, key, iv, ivn, ct, n, tag, aad, an)));
        cr_expect(memcmp(back, plain, n) == 0);
        memset(back, 0, sizeof(back));
        cr_assert(cv_is_ok(cv_aes_gcm_open_with(g, back, iv, ivn, ct, n, tag, aad, an)));
        cr_expect(memcmp(back, plain, n) == 0);
        /* In pieces (uneven, one empty), in place: the same plaintext. */
        uint8_t work[64];
        memcpy(work, ct, n);
        cr_assert(cv_is_ok(cv_aes_gcm_open_begin(g, iv, ivn, tag, aad, an)));
        size_t cuts[] = { 0, 1, 17, 17, 40, n };
        for (size_t c = 1; c < sizeof(cuts) / sizeof(cuts[0]); c++)
            cr_assert(cv_is_ok(cv_aes_gcm_open_update(g, work + cuts[c - 1], work + cuts[c - 1],
                                                      cuts[c] - cuts[c - 1])));
        cr_assert(cv_is_ok(cv_aes_gcm_open_end(g)));
        cr_expect(memcmp(work, plain, n) == 0);
        /* Sealed in the same pieces: the vector's ciphertext and tag. */
        uint8_t ct2[64], tag2[16];
        cr_assert(cv_is_ok(cv_aes_gcm_seal_begin(g, iv, ivn, aad, an)));
        for (size_t c = 1; c < sizeof(cuts) / sizeof(cuts[0]); c++)
            cr_assert(cv_is_ok(cv_aes_gcm_seal_update(g, ct2 + cuts[c - 1], plain + cuts[c - 1],
                                                      cuts[c] - cuts[c - 1])));
        cr_assert(cv_is_ok(cv_aes_gcm_seal_end(g, tag2)));
        expect_bytes(ct2, gcm_cases[i].cipher);
        expect_bytes(tag2, gcm_cases[i].tag);
        tag[15] ^= 1;
        cr_assert(cv_is_ok(cv_aes_gcm_open_begin(g, iv, ivn, tag, aad, an)));
        cr_assert(cv_is_ok(cv_aes_gcm_open_update(g, work, ct, n)));
        cr_expect_eq(cv_aes_gcm_open_end(g).err, CV_E_DECRYPT);
        cv_result r = cv_aes_gcm_open_with(g, back, iv, ivn, ct, n, tag, aad, an);
        cr_expect_eq(r.err, CV_E_DECRYPT);
        static const uint8_t zero[64];
        cr_expect(memcmp(back, zero, n) == 0, "a refused message leaves no plaintext");
    }
    cv_aes_gcm_free(&g);
}

static void check_chacha(void)
{
    static const char plain[] = "Ladies and Gentlemen of the class of '99: If I could offer you "
                                "only one tip for the future, sunscreen would be it.";
    uint8_t key[32], nonce[12], aad[12], out[sizeof(plain) + 16], back[sizeof(plain)];
    for (int i = 0; i < 32; i++) key[i] = (uint8_t)(0x80 + i);
    unhex(nonce, "070000004041424344454647");
    unhex(aad, "50515253c0c1c2c3c4c5c6c7");
    size_t n = sizeof(plain) - 1;
    cv_chacha *c = NULL;
    cr_assert(cv_is_ok(cv_chacha_new(&c, key)));
    cr_assert(cv_is_ok(cv_chacha_seal(c, out, nonce, (const uint8_t *)plain, n, aad, 12)));
    expect_bytes(out, "d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d6"
                      "3dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b36"
                      "92ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc"
                      "3ff4def08e4b7a9de576d26586cec64b6116");
    expect_bytes(out + n, "1ae10b594f09e26a7e902ecbd0600691");
    cr_assert(cv_is_ok(cv_chacha_open(c, back, nonce, out, n + 16, aad, 12)));
    cr_expect(memcmp(back, plain, n) == 0);
    out[0] ^= 1;
    cr_expect_eq(cv_chacha_open(c, back, nonce, out, n + 16, aad, 12).err, CV_E_DECRYPT);
    cv_chacha_free(&c);
}

static void check_sha(void)
{
    uint8_t h[64];
    cv_sha256(h, "abc", 3);
    expect_bytes(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    cv_sha512(h, "abc", 3);
    expect_bytes(h, "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
                    "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f");
    cv_sha512_ctx c;
    cv_sha512_init(&c);
    cv_sha512_update(&c, "a", 1);
    cv_sha512_update(&c, "bc", 2);
    cv_sha512_final(&c, h);
    expect_bytes(h, "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
                    "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f");
}

static void offline(void) { cr_assert(cv_is_ok(cv_crypto_init_offline())); }
static void online(void) { cr_assert(cv_is_ok(cv_crypto_init())); }

TestSuite(ossl_builtin, .init = offline);
TestSuite(ossl_fetch, .init = online);

Test(ossl_builtin, route_is_taken) { cr_expect(cv_ossl_builtin()); }
Test(ossl_builtin, aes_gcm_vectors) { check_gcm(); }
Test(ossl_builtin, chacha_vector) { check_chacha(); }
Test(ossl_builtin, sha2_vectors) { check_sha(); }

Test(ossl_fetch, route_is_not_taken) { cr_expect(!cv_ossl_builtin()); }
Test(ossl_fetch, aes_gcm_vectors) { check_gcm(); }
Test(ossl_fetch, chacha_vector) { check_chacha(); }
Test(ossl_fetch, sha2_vectors) { check_sha(); }
