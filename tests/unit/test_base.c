/* Foundation: errors, reader, buffers, encodings, secret memory. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/base/buf.h"
#include "crypto/base/enc.h"
#include "crypto/base/mem.h"
#include "tests/lib/vectors.h"

static cv_result dec(const char *s, bool pad, uint8_t *out, size_t *n)
{
    return cv_b64_decode(out, n, cv_slice_str(s), pad);
}

Test(base64, canonical_round_trip)
{
    uint8_t in[5] = { 1, 2, 3, 4, 5 }, out[8];
    char enc[16] = { 0 };
    for (size_t n = 0; n <= 5; n++) {
        size_t got = 0;
        cv_b64_encode(enc, in, n, false);
        enc[cv_b64_enc_len(n, false)] = 0;
        cr_assert(cv_is_ok(dec(enc, false, out, &got)));
        cr_assert_eq(got, n);
        cr_assert(memcmp(in, out, n) == 0);
    }
}

Test(base64, rejects_noncanonical_and_padding)
{
    uint8_t out[8];
    size_t n;
    cr_assert_eq(dec("QUI", false, out, &n).err, CV_OK);
    cr_assert_eq(dec("QUJ", false, out, &n).err, CV_E_BASE64); /* trailing bits */
    cr_assert_eq(dec("QUI=", false, out, &n).err, CV_E_BASE64); /* padding */
    cr_assert_eq(dec("QU\nI", false, out, &n).err, CV_E_BASE64);
    cr_assert_eq(dec("Q", false, out, &n).err, CV_E_BASE64);
    cr_assert_eq(dec("QUI=", true, out, &n).err, CV_OK);
    cr_assert_eq(dec("QUI", true, out, &n).err, CV_E_BASE64); /* missing padding */
    cr_assert_eq(dec("QUJ=", true, out, &n).err, CV_E_BASE64);
}

/* RFC 4648 section 10, and the same six bytes repeated (the encoder's
 * 8-byte steps) with each RFC tail after them. */
Test(base64, rfc4648_vectors)
{
    static const char *plain[] = { "", "f", "fo", "foo", "foob", "fooba", "foobar" };
    static const char *enc[] = { "", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy" };
    char in[400], want[600], got[600];
    uint8_t back[600];
    for (size_t k = 0; k < 7; k++) {
        for (size_t reps = 0; reps < 50; reps += 7) {
            size_t n = 0, m = 0, len = 0;
            for (size_t r = 0; r < reps; r++, n += 6, m += 8) {
                memcpy(in + n, "foobar", 6);
                memcpy(want + m, "Zm9vYmFy", 8);
            }
            memcpy(in + n, plain[k], strlen(plain[k]));
            memcpy(want + m, enc[k], strlen(enc[k]) + 1);
            n += strlen(plain[k]);
            m += strlen(enc[k]);
            cr_assert_eq(cv_b64_enc_len(n, true), m);
            cv_b64_encode(got, (const uint8_t *)in, n, true);
            cr_assert(memcmp(got, want, m) == 0, "%zu x foobar + %s", reps, plain[k]);
            cr_assert(cv_is_ok(dec(want, true, back, &len)));
            cr_assert(len == n && memcmp(back, in, n) == 0);
        }
    }
}

static size_t unhex(const char *h, uint8_t *out)
{
    size_t n = strcmp(h, "-") == 0 ? 0 : strlen(h) / 2;
    cr_assert(cv_is_ok(cv_hex_decode(out, n, cv_slice_of(h, 2 * n))));
    return n;
}

/* testvectors/base64/coreutils.txt (tests/gen/base64_vectors.sh, GNU
 * base64): encode and decode, padded and unpadded. */
Test(base64, coreutils_vectors)
{
    size_t len;
    char *text = (char *)tv_read_file("testvectors/base64/coreutils.txt", &len);
    cr_assert(text != NULL);
    static uint8_t in[8192], back[8192];
    static char hex[16384 + 2], b64[12000], got[12000];
    size_t count = 0;
    for (char *line = text, *end; line < text + len; line = end + 1, count++) {
        end = memchr(line, '\n', (size_t)(text + len - line));
        cr_assert(end != NULL);
        char *sp = memchr(line, ' ', (size_t)(end - line));
        cr_assert(sp != NULL && (size_t)(sp - line) <= 16384 && (size_t)(end - sp) < 12000);
        memcpy(hex, line, (size_t)(sp - line));
        hex[sp - line] = 0;
        memcpy(b64, sp + 1, (size_t)(end - sp - 1));
        b64[end - sp - 1] = 0;
        size_t n = unhex(hex, in), m = strcmp(b64, "-") == 0 ? 0 : strlen(b64), out_len = 0;
        if (m == 0) b64[0] = 0;
        cr_assert_eq(cv_b64_enc_len(n, true), m);
        cv_b64_encode(got, in, n, true);
        cr_assert(memcmp(got, b64, m) == 0, "line %zu", count + 1);
        cr_assert(cv_is_ok(dec(b64, true, back, &out_len)));
        cr_assert(out_len == n && memcmp(back, in, n) == 0, "line %zu", count + 1);
        while (m > 0 && b64[m - 1] == '=') b64[--m] = 0;
        cv_b64_encode(got, in, n, false);
        cr_assert(memcmp(got, b64, m) == 0);
        cr_assert(cv_is_ok(dec(b64, false, back, &out_len)));
        cr_assert(out_len == n && memcmp(back, in, n) == 0);
    }
    cr_assert_eq(count, 44);
    free(text);
}

/* The bulk step stops at the first group that is not four alphabet
 * characters, whatever its position. */
Test(base64, decode_prefix_stops)
{
    uint8_t out[64];
    const char *s = "Zm9vYmFyZm9vYmFyZm9vYmFy"; /* "foobar" x 3 */
    cr_assert_eq(cv_b64_decode_prefix(out, (const uint8_t *)s, 24), 24);
    cr_assert(memcmp(out, "foobarfoobarfoobar", 18) == 0);
    cr_assert_eq(cv_b64_decode_prefix(out, (const uint8_t *)s, 23), 20);
    static const char *bad[] = { "=", "\n", "\r", "-", "_", " ", "\x80", "\0" };
    for (size_t at = 0; at < 24; at++)
        for (size_t k = 0; k < 8; k++) {
            char t[25];
            memcpy(t, s, 25);
            t[at] = bad[k][0];
            cr_assert_eq(cv_b64_decode_prefix(out, (const uint8_t *)t, 24), at / 4 * 4);
        }
    /* Strict decoding is unchanged for a bad character in the bulk part. */
    size_t n;
    cr_assert_eq(dec("Zm9vYmFy\nZm9vYmFy", false, out, &n).err, CV_E_BASE64);
    cr_assert_eq(dec("Zm9vYm=yZm9v", true, out, &n).err, CV_E_BASE64);
}

Test(hex, decode)
{
    uint8_t out[2];
    cr_assert(cv_is_ok(cv_hex_decode(out, 2, cv_slice_str("0aFf"))));
    cr_assert(out[0] == 0x0a && out[1] == 0xff);
    cr_assert_eq(cv_hex_decode(out, 2, cv_slice_str("0aF")).err, CV_E_HEX);
    cr_assert_eq(cv_hex_decode(out, 2, cv_slice_str("0aFg")).err, CV_E_HEX);
}

Test(bech32, bip173_valid_and_invalid)
{
    char hrp[32];
    uint8_t data[64];
    size_t n;
    /* BIP 173 valid test strings. */
    cr_assert(cv_is_ok(cv_bech32_decode(cv_slice_str("A12UEL5L"), hrp, sizeof(hrp), data,
                                        sizeof(data), &n)));
    cr_assert_str_eq(hrp, "A");
    cr_assert_eq(n, 0);
    cr_assert(cv_is_ok(cv_bech32_decode(cv_slice_str("abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw"),
                                        hrp, sizeof(hrp), data, sizeof(data), &n)));
    /* Mixed case and bad checksum. */
    cr_assert_eq(cv_bech32_decode(cv_slice_str("A12uEL5L"), hrp, sizeof(hrp), data,
                                  sizeof(data), &n).err, CV_E_BECH32);
    cr_assert_eq(cv_bech32_decode(cv_slice_str("a12uel5m"), hrp, sizeof(hrp), data,
                                  sizeof(data), &n).err, CV_E_BECH32);
}

Test(bech32, round_trip_long)
{
    uint8_t data[1216], back[1216];
    for (size_t i = 0; i < sizeof(data); i++) data[i] = (uint8_t)(i * 7);
    cv_buf b;
    cv_buf_init(&b, 4096);
    cr_assert(cv_is_ok(cv_bech32_encode(&b, "age1pq", data, sizeof(data), false)));
    char hrp[16];
    size_t n;
    cr_assert(cv_is_ok(cv_bech32_decode(cv_buf_slice(&b), hrp, sizeof(hrp), back, sizeof(back), &n)));
    cr_assert_eq(n, sizeof(data));
    cr_assert(memcmp(data, back, n) == 0);
    cr_assert_str_eq(hrp, "age1pq");
    cv_buf_release(&b);
}

Test(reader, lines_and_limits)
{
    cv_reader r = cv_reader_of(cv_slice_str("ab\ncdef\nx"));
    cv_slice line;
    cr_assert(cv_is_ok(cv_reader_line(&r, &line, 10)));
    cr_assert(cv_slice_eq_str(line, "ab"));
    cr_assert_eq(cv_reader_line(&r, &line, 3).err, CV_E_TOO_LARGE);
    cr_assert(cv_is_ok(cv_reader_line(&r, &line, 4)));
    cr_assert_eq(cv_reader_line(&r, &line, 4).err, CV_E_TRUNCATED);
    cr_assert(cv_is_ok(cv_reader_line_opt(&r, &line, 4)));
    cr_assert(cv_slice_eq_str(line, "x"));
}

Test(parse, u64_strict)
{
    uint64_t v;
    cr_assert(cv_is_ok(cv_parse_u64(cv_slice_str("18"), 64, &v)) && v == 18);
    cr_assert_eq(cv_parse_u64(cv_slice_str("018"), 64, &v).err, CV_E_SYNTAX);
    cr_assert_eq(cv_parse_u64(cv_slice_str("+1"), 64, &v).err, CV_E_SYNTAX);
    cr_assert_eq(cv_parse_u64(cv_slice_str("65"), 64, &v).err, CV_E_TOO_LARGE);
    cr_assert_eq(cv_parse_u64(cv_slice_str(""), 64, &v).err, CV_E_SYNTAX);
}

Test(buf, cap_enforced)
{
    cv_buf b;
    cv_buf_init(&b, 8);
    cr_assert(cv_is_ok(cv_buf_add(&b, "12345678", 8)));
    cr_assert_eq(cv_buf_add(&b, "9", 1).err, CV_E_TOO_LARGE);
    cv_buf_release(&b);
}

Test(mem, secret_and_ct)
{
    cv_secret *s = NULL;
    cr_assert(cv_is_ok(cv_secret_dup(&s, "key", 3)));
    cr_assert(cv_ct_eq(s->data, "key", 3));
    cr_assert(!cv_ct_eq(s->data, "kez", 3));
    cv_secret_free(&s);
    cr_assert_null(s);
    void *w = cv_wipe_malloc(10);
    w = cv_wipe_realloc(w, 100);
    cr_assert_not_null(w);
    cv_wipe_free(w);
}

/* A text of the padded length whose last characters are not '=' would
 * decode to more bytes than asked for: refused before decoding. */
Test(base64, exact_padded_needs_its_padding)
{
    uint8_t out[33] = { 0 };
    const char *full = "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZn"; /* 44 chars, 33 bytes */
    cr_assert_eq(cv_b64_decode_exact(out, 32, cv_slice_str(full), true).err, CV_E_BASE64);
    cr_assert_eq(out[32], 0, "wrote past the 32 bytes asked for");
    const char *ok = "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWY=";
    cr_assert(cv_is_ok(cv_b64_decode_exact(out, 32, cv_slice_str(ok), true)));
    cr_assert(memcmp(out, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef", 32) == 0);
}
