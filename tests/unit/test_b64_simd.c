#include <criterion/criterion.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/base/b64_simd.h"

/* Decodes what it takes exactly as OpenSSL's EVP_DecodeBlock does, for
 * every length and offset, and stops at the first block holding a byte
 * outside the standard alphabet. */
static void check(const uint8_t *raw, size_t rawlen, size_t bad_at)
{
    size_t n = 4 * ((rawlen + 2) / 3);
    uint8_t *txt = malloc(n + 1), *want = malloc(n + 3), *got = malloc(n / 4 * 3 + 1);
    cr_assert(txt && want && got);
    EVP_EncodeBlock(txt, raw, (int)rawlen);
    if (bad_at < n) txt[bad_at] = (uint8_t)(bad_at % 2 ? '=' : '\n');
    size_t used = cv_b64_decode_simd(got, txt, n);
    cr_assert_eq(used % 32, 0);
    cr_assert_leq(used, n);
    if (bad_at < n) cr_assert_leq(used, bad_at / 32 * 32, "used %zu past a bad byte at %zu", used, bad_at);
    if (used) {
        cr_assert_eq(EVP_DecodeBlock(want, txt, (int)used), (int)(used / 4 * 3));
        cr_assert(memcmp(got, want, used / 4 * 3) == 0, "length %zu", rawlen);
    }
    free(txt);
    free(want);
    free(got);
}

Test(b64_simd, agrees_with_openssl)
{
    uint8_t raw[4096];
    for (size_t i = 0; i < sizeof(raw); i++) raw[i] = (uint8_t)(i * 131 + (i >> 7) * 17);
    for (size_t len = 0; len <= 600; len++) check(raw, len, SIZE_MAX);
    check(raw, sizeof(raw), SIZE_MAX);
    for (size_t bad = 0; bad < 400; bad += 7) check(raw, 300, bad);
}

Test(b64_simd, every_alphabet_byte_and_every_other)
{
    /* A block made of one repeated byte: the 64 alphabet bytes decode, the
     * other 192 stop the run at once. */
    static const char alpha[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    uint8_t txt[128], out[96], want[96];
    for (int c = 0; c < 256; c++) {
        memset(txt, c, sizeof(txt));
        size_t used = cv_b64_decode_simd(out, txt, sizeof(txt));
        bool valid = c && strchr(alpha, c) != NULL;
        if (!valid) {
            cr_assert_eq(used, 0, "byte 0x%02x accepted", c);
            continue;
        }
        if (!__builtin_cpu_supports("avx2")) continue;
        cr_assert_gt(used, 0, "byte 0x%02x refused", c);
        cr_assert_eq(EVP_DecodeBlock(want, txt, (int)used), (int)(used / 4 * 3));
        cr_assert(memcmp(out, want, used / 4 * 3) == 0, "byte 0x%02x", c);
    }
}
