#include "crypto/base/enc.h"

#include <pthread.h>
#include <string.h>

#include "crypto/base/b64_simd.h"
#include "crypto/base/mem.h"

static const char b64_std[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char b64_url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

size_t cv_b64_enc_len(size_t n, bool pad)
{
    return pad ? (n + 2) / 3 * 4 : n / 3 * 4 + (n % 3 ? n % 3 + 1 : 0);
}

size_t cv_b64_dec_max(size_t n) { return n / 4 * 3 + 3; }

/* Tables built once: every 12-bit value as its two alphabet characters (in
 * memory order), and each byte's 6-bit value (0xFF outside the standard
 * alphabet). */
static uint8_t b64_pairs[4096][2];
static uint8_t b64_values[256];
static pthread_once_t b64_once = PTHREAD_ONCE_INIT;

static void b64_tables(void)
{
    for (unsigned i = 0; i < 4096; i++) {
        b64_pairs[i][0] = (uint8_t)b64_std[i >> 6];
        b64_pairs[i][1] = (uint8_t)b64_std[i & 63];
    }
    memset(b64_values, 0xFF, sizeof(b64_values));
    for (unsigned i = 0; i < 64; i++) b64_values[(uint8_t)b64_std[i]] = (uint8_t)i;
}

/* One 3-byte group (24 bits) as four characters. */
static void b64_group(char *out, uint32_t v)
{
    memcpy(out, b64_pairs[v >> 12], 2);
    memcpy(out + 2, b64_pairs[v & 0xFFF], 2);
}

void cv_b64_encode(char *out, const uint8_t *in, size_t n, bool pad)
{
    pthread_once(&b64_once, b64_tables);
    size_t i = 0;
    /* Two groups per 8-byte load while 8 bytes remain. */
    for (; i + 8 <= n; i += 6, out += 8) {
        uint64_t x;
        memcpy(&x, in + i, 8);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
        x = __builtin_bswap64(x);
#endif
        b64_group(out, (uint32_t)(x >> 40) & 0xFFFFFF);
        b64_group(out + 4, (uint32_t)(x >> 16) & 0xFFFFFF);
    }
    for (; i + 3 <= n; i += 3, out += 4)
        b64_group(out, (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2]);
    if (n - i == 1) {
        uint32_t v = (uint32_t)in[i] << 16;
        *out++ = b64_std[v >> 18];
        *out++ = b64_std[(v >> 12) & 63];
        if (pad) {
            *out++ = '=';
            *out++ = '=';
        }
    } else if (n - i == 2) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
        *out++ = b64_std[v >> 18];
        *out++ = b64_std[(v >> 12) & 63];
        *out++ = b64_std[(v >> 6) & 63];
        if (pad) *out++ = '=';
    }
}

size_t cv_b64_decode_prefix(uint8_t *out, const uint8_t *in, size_t n)
{
    pthread_once(&b64_once, b64_tables);
    const uint8_t *t = b64_values;
    size_t i = cv_b64_decode_simd(out, in, n); /* whole 32-character blocks, where it can */
    out += i / 4 * 3;
    for (; i + 4 <= n; i += 4, out += 3) {
        uint32_t a = t[in[i]], b = t[in[i + 1]], c = t[in[i + 2]], d = t[in[i + 3]];
        if ((a | b | c | d) & 0x80) break;
        uint32_t v = a << 18 | b << 12 | c << 6 | d;
        out[0] = (uint8_t)(v >> 16);
        out[1] = (uint8_t)(v >> 8);
        out[2] = (uint8_t)v;
    }
    return i;
}

cv_result cv_b64_encode_buf(cv_buf *b, const uint8_t *in, size_t n, bool pad)
{
    size_t m = cv_b64_enc_len(n, pad);
    CV_GUARD(cv_buf_reserve(b, m));
    cv_b64_encode((char *)b->p + b->len, in, n, pad);
    b->len += m;
    return cv_ok();
}

/* A character's value in alpha, -1 outside it (the byte-at-a-time path:
 * last groups, and the URL-safe alphabet). */
static int8_t decode_char(uint8_t c, const char *alpha)
{
    const char *hit = c ? memchr(alpha, c, 64) : NULL;
    return hit ? (int8_t)(hit - alpha) : -1;
}

static cv_result decode_core(uint8_t *out, size_t *out_len, cv_slice in, bool pad,
                             const char *alpha)
{
    size_t n = in.len;
    if (pad) {
        CV_ENSURE(n % 4 == 0, CV_E_BASE64);
        if (n && in.p[n - 1] == '=') n--;
        if (n && in.p[n - 1] == '=') n--;
    }
    CV_ENSURE(n % 4 != 1, CV_E_BASE64);
    /* Whole groups of the standard alphabet in bulk; the rest (the last
     * group, and any invalid character) byte by byte. */
    size_t i = alpha == b64_std ? cv_b64_decode_prefix(out, in.p, n) : 0;
    size_t o = i / 4 * 3;
    uint32_t acc = 0;
    unsigned bits = 0;
    for (; i < n; i++) {
        int8_t v = decode_char(in.p[i], alpha);
        CV_ENSURE(v >= 0, CV_E_BASE64);
        acc = acc << 6 | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (uint8_t)(acc >> bits);
        }
    }
    /* Canonical: the leftover bits must be zero. */
    CV_ENSURE((acc & ((1u << bits) - 1)) == 0, CV_E_BASE64);
    *out_len = o;
    cv_wipe(&acc, sizeof(acc));
    return cv_ok();
}

cv_result cv_b64_decode(uint8_t *out, size_t *out_len, cv_slice in, bool pad)
{
    return decode_core(out, out_len, in, pad, b64_std);
}

cv_result cv_b64url_decode(uint8_t *out, size_t *out_len, cv_slice in)
{
    return decode_core(out, out_len, in, false, b64_url);
}

cv_result cv_b64_decode_exact(uint8_t *out, size_t want, cv_slice in, bool pad)
{
    /* Check the length first so `out` never overflows: with padding, the
     * characters past the unpadded length must be the '=' themselves
     * (else a 44-character text could decode to 33 bytes for want 32). */
    CV_ENSURE(in.len == cv_b64_enc_len(want, pad), CV_E_BASE64);
    for (size_t i = cv_b64_enc_len(want, false); i < in.len; i++)
        CV_ENSURE(in.p[i] == '=', CV_E_BASE64);
    size_t got = 0;
    CV_GUARD(cv_b64_decode(out, &got, in, pad));
    CV_ENSURE(got == want, CV_E_BASE64);
    return cv_ok();
}

void cv_hex_encode(char *out, const uint8_t *in, size_t n)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
}

static int hex_val(uint8_t c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

cv_result cv_hex_decode(uint8_t *out, size_t want, cv_slice in)
{
    CV_ENSURE(in.len == 2 * want, CV_E_HEX);
    for (size_t i = 0; i < want; i++) {
        int hi = hex_val(in.p[2 * i]), lo = hex_val(in.p[2 * i + 1]);
        CV_ENSURE(hi >= 0 && lo >= 0, CV_E_HEX);
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return cv_ok();
}

/* --- bech32 (BIP 173) --- */

static const char bech32_chars[] = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";

static uint32_t polymod_step(uint32_t pre)
{
    uint32_t b = pre >> 25;
    return ((pre & 0x1FFFFFF) << 5) ^ (-((b >> 0) & 1) & 0x3b6a57b2UL) ^
           (-((b >> 1) & 1) & 0x26508e6dUL) ^ (-((b >> 2) & 1) & 0x1ea119faUL) ^
           (-((b >> 3) & 1) & 0x3d4233ddUL) ^ (-((b >> 4) & 1) & 0x2a1462b3UL);
}

static uint8_t lower(uint8_t c) { return (c >= 'A' && c <= 'Z') ? (uint8_t)(c + 32) : c; }

static uint32_t hrp_polymod(const uint8_t *hrp, size_t n)
{
    uint32_t chk = 1;
    for (size_t i = 0; i < n; i++) chk = polymod_step(chk) ^ (lower(hrp[i]) >> 5);
    chk = polymod_step(chk);
    for (size_t i = 0; i < n; i++) chk = polymod_step(chk) ^ (lower(hrp[i]) & 31);
    return chk;
}

/* Regroup bits; pad only when encoding. Decoding rejects non-zero padding
 * and more than 4 padding bits, as BIP 173 requires. */
static cv_result convert_bits(uint8_t *out, size_t *out_len, size_t out_cap, const uint8_t *in,
                              size_t n, unsigned from, unsigned to, bool pad)
{
    uint32_t acc = 0;
    unsigned bits = 0;
    size_t o = 0;
    uint32_t maxv = (1u << to) - 1;
    for (size_t i = 0; i < n; i++) {
        acc = acc << from | in[i];
        bits += from;
        while (bits >= to) {
            bits -= to;
            CV_ENSURE(o < out_cap, CV_E_TOO_LARGE);
            out[o++] = (uint8_t)((acc >> bits) & maxv);
        }
    }
    if (pad) {
        if (bits) {
            CV_ENSURE(o < out_cap, CV_E_TOO_LARGE);
            out[o++] = (uint8_t)((acc << (to - bits)) & maxv);
        }
    } else {
        CV_ENSURE(bits < from && ((acc << (to - bits)) & maxv) == 0, CV_E_BECH32);
    }
    *out_len = o;
    return cv_ok();
}

cv_result cv_bech32_encode(cv_buf *out, const char *hrp, const uint8_t *data, size_t n,
                           bool upper)
{
    size_t hn = strlen(hrp);
    CV_ENSURE(hn > 0, CV_E_BECH32);
    size_t cap = (n * 8 + 4) / 5;
    uint8_t *five = NULL;
    CV_GUARD(cv_alloc((void **)&five, cap + 6));
    size_t fn = 0;
    cv_result r = convert_bits(five, &fn, cap, data, n, 8, 5, true);
    if (!cv_is_ok(r)) goto out;
    uint32_t chk = hrp_polymod((const uint8_t *)hrp, hn);
    for (size_t i = 0; i < fn; i++) chk = polymod_step(chk) ^ five[i];
    for (int i = 0; i < 6; i++) chk = polymod_step(chk);
    chk ^= 1;
    for (int i = 0; i < 6; i++) five[fn + (size_t)i] = (chk >> (5 * (5 - i))) & 31;
    CV_GUARD_GOTO(r, cv_buf_reserve(out, hn + 1 + fn + 6), out);
    for (size_t i = 0; i < hn; i++) {
        uint8_t c = lower((uint8_t)hrp[i]);
        out->p[out->len++] = upper && c >= 'a' && c <= 'z' ? (uint8_t)(c - 32) : c;
    }
    out->p[out->len++] = '1';
    for (size_t i = 0; i < fn + 6; i++) {
        uint8_t c = (uint8_t)bech32_chars[five[i]];
        out->p[out->len++] = upper && c >= 'a' && c <= 'z' ? (uint8_t)(c - 32) : c;
    }
out:
    cv_wipe(five, cap + 6);
    free(five);
    return r;
}

static cv_result check_case(cv_slice s)
{
    bool lo = false, up = false;
    for (size_t i = 0; i < s.len; i++) {
        uint8_t c = s.p[i];
        CV_ENSURE(c >= 33 && c <= 126, CV_E_BECH32);
        lo |= c >= 'a' && c <= 'z';
        up |= c >= 'A' && c <= 'Z';
    }
    CV_ENSURE(!(lo && up), CV_E_BECH32);
    return cv_ok();
}

static cv_result bech32_data_values(cv_slice s, size_t sep, uint8_t *five, uint32_t *chk)
{
    for (size_t i = sep + 1; i < s.len; i++) {
        const char *hit = memchr(bech32_chars, lower(s.p[i]), 32);
        CV_ENSURE(hit != NULL && s.p[i] != 0, CV_E_BECH32);
        five[i - sep - 1] = (uint8_t)(hit - bech32_chars);
        *chk = polymod_step(*chk) ^ five[i - sep - 1];
    }
    return cv_ok();
}

cv_result cv_bech32_decode(cv_slice s, char *hrp_out, size_t hrp_cap, uint8_t *data_out,
                           size_t data_cap, size_t *data_len)
{
    CV_GUARD(check_case(s));
    const uint8_t *sep_p = NULL;
    for (size_t i = s.len; i > 0; i--)
        if (s.p[i - 1] == '1') {
            sep_p = s.p + i - 1;
            break;
        }
    CV_ENSURE(sep_p != NULL, CV_E_BECH32);
    size_t sep = (size_t)(sep_p - s.p);
    CV_ENSURE(sep >= 1 && sep + 7 <= s.len && sep < hrp_cap, CV_E_BECH32);
    size_t dn = s.len - sep - 1;
    uint8_t *five = NULL;
    CV_GUARD(cv_alloc((void **)&five, dn));
    uint32_t chk = hrp_polymod(s.p, sep);
    cv_result r = bech32_data_values(s, sep, five, &chk);
    if (cv_is_ok(r) && chk != 1) r = CV_FAIL(CV_E_BECH32);
    if (cv_is_ok(r)) r = convert_bits(data_out, data_len, data_cap, five, dn - 6, 5, 8, false);
    cv_wipe(five, dn);
    free(five);
    CV_GUARD(r);
    memcpy(hrp_out, s.p, sep);
    hrp_out[sep] = '\0';
    return cv_ok();
}
