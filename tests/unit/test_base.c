/* Foundation: errors, reader, buffers, encodings, secret memory. */
#include <criterion/criterion.h>
#include <string.h>

#include "crypto/base/buf.h"
#include "crypto/base/enc.h"
#include "crypto/base/mem.h"

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
