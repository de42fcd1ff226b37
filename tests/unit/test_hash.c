/* SHA-256 / SHA-512 against the FIPS 180-2 example messages (appendix B and
 * C: "abc", the two-block message, one million 'a'), one-shot and fed in
 * pieces, plus the empty message. */
#include <criterion/criterion.h>
#include <string.h>

#include "crypto/base/enc.h"
#include "crypto/prim/hash.h"

static const char two_256[] = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
static const char two_512[] = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmn"
                              "hijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";

static void expect_hex(const uint8_t *h, size_t n, const char *want)
{
    char got[129] = { 0 };
    cv_hex_encode(got, h, n);
    cr_expect_str_eq(got, want);
}

/* Feed msg in pieces of 1, 2, 3, ... bytes so block boundaries fall
 * everywhere. */
static void sha256_pieces(const uint8_t *msg, size_t n, uint8_t out[32])
{
    cv_sha256_ctx c;
    cv_sha256_init(&c);
    for (size_t i = 0, step = 1; i < n; i += step, step = step % 200 + 1)
        cv_sha256_update(&c, msg + i, step < n - i ? step : n - i);
    cv_sha256_final(&c, out);
}

static void sha512_pieces(const uint8_t *msg, size_t n, uint8_t out[64])
{
    cv_sha512_ctx c;
    cv_sha512_init(&c);
    for (size_t i = 0, step = 1; i < n; i += step, step = step % 200 + 1)
        cv_sha512_update(&c, msg + i, step < n - i ? step : n - i);
    cv_sha512_final(&c, out);
}

Test(hash, sha256_fips180)
{
    static const char *msgs[] = { "", "abc", two_256 };
    static const char *want[] = {
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
    };
    uint8_t h[32];
    for (size_t i = 0; i < 3; i++) {
        cv_sha256(h, msgs[i], strlen(msgs[i]));
        expect_hex(h, 32, want[i]);
        sha256_pieces((const uint8_t *)msgs[i], strlen(msgs[i]), h);
        expect_hex(h, 32, want[i]);
    }
    cv_sha256(h, NULL, 0);
    expect_hex(h, 32, want[0]);
}

Test(hash, sha512_fips180)
{
    static const char *msgs[] = { "", "abc", two_512 };
    static const char *want[] = {
        "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce"
        "47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e",
        "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
        "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
        "8e959b75dae313da8cf4f72814fc143f8f7779c6eb9f7fa17299aeadb6889018"
        "501d289e4900f7e4331b99dec4b5433ac7d329eeb6dd26545e96e55b874be909",
    };
    uint8_t h[64];
    for (size_t i = 0; i < 3; i++) {
        cv_sha512(h, msgs[i], strlen(msgs[i]));
        expect_hex(h, 64, want[i]);
        sha512_pieces((const uint8_t *)msgs[i], strlen(msgs[i]), h);
        expect_hex(h, 64, want[i]);
    }
}

Test(hash, million_a)
{
    static uint8_t msg[1000000];
    memset(msg, 'a', sizeof(msg));
    uint8_t h[64];
    cv_sha256(h, msg, sizeof(msg));
    expect_hex(h, 32, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    sha256_pieces(msg, sizeof(msg), h);
    expect_hex(h, 32, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    const char *w512 = "e718483d0ce769644e2e42c7bc15b4638e1f98b13b2044285632a803afa973eb"
                       "de0ff244877ea60a4cb0432ce577c31beb009c5c2c49aa2e4eadb217ad8cc09b";
    cv_sha512(h, msg, sizeof(msg));
    expect_hex(h, 64, w512);
    sha512_pieces(msg, sizeof(msg), h);
    expect_hex(h, 64, w512);
}

/* final on a context that was never initialised (an error path that bails
 * before init) is harmless and gives zeros. */
Test(hash, final_without_init)
{
    cv_sha512_ctx c;
    memset(&c, 0, sizeof(c));
    uint8_t h[64];
    memset(h, 0xAA, sizeof(h));
    cv_sha512_final(&c, h);
    for (size_t i = 0; i < sizeof(h); i++) cr_expect_eq(h[i], 0);
}
