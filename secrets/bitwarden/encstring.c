#include "secrets/bitwarden/encstring.h"

#include <string.h>

#include "crypto/base/enc.h"
#include "crypto/base/limits.h"
#include "crypto/prim/cipher.h"
#include "crypto/prim/hash.h"
#include "crypto/prim/pk.h"

#define MAX_PARTS 4

typedef struct {
    unsigned type;
    cv_slice part[MAX_PARTS];
    size_t nparts;
} parsed;

cv_result cv_bw_derive_shareable_key(cv_secret **out, const uint8_t *secret, size_t secret_len,
                                     const char *name, const char *info)
{
    char salt[128];
    int n = snprintf(salt, sizeof(salt), "bitwarden-%s", name);
    CV_ENSURE(n > 0 && (size_t)n < sizeof(salt), CV_E_INVALID_ARG);
    uint8_t prk[32];
    cv_hmac_sha256(prk, (const uint8_t *)salt, (size_t)n, secret, secret_len);
    cv_secret *k = NULL;
    cv_result r = cv_secret_new(&k, CV_BW_KEY_LEN);
    if (cv_is_ok(r)) r = cv_hkdf_expand(k->data, CV_BW_KEY_LEN, prk, info ? info : "",
                                        info ? strlen(info) : 0);
    CV_WIPE(prk);
    if (!cv_is_ok(r)) {
        cv_secret_free(&k);
        return r;
    }
    *out = k;
    return cv_ok();
}

/* Split on '|' into at most MAX_PARTS pieces. */
static cv_result split_parts(cv_slice s, parsed *p)
{
    p->nparts = 0;
    size_t start = 0;
    for (size_t i = 0; i <= s.len; i++) {
        if (i < s.len && s.p[i] != '|') continue;
        CV_ENSUREF(p->nparts < MAX_PARTS, CV_E_BW_ENCSTRING, "too many parts");
        p->part[p->nparts++] = cv_slice_of(s.p + start, i - start);
        start = i + 1;
    }
    return cv_ok();
}

/* The header: "<digits>." before the parts, or the legacy header-less form. */
static cv_result parse(cv_slice s, parsed *p)
{
    CV_ENSURE(s.len <= CV_BW_MAX_ENCSTRING, CV_E_TOO_LARGE);
    const uint8_t *dot = memchr(s.p, '.', s.len);
    if (dot == NULL || memchr(dot + 1, '.', s.len - (size_t)(dot + 1 - s.p)) != NULL) {
        CV_GUARD(split_parts(s, p));
        p->type = p->nparts == 3 ? 1 : 0;
        return cv_ok();
    }
    uint64_t t = 0;
    CV_ENSUREF(cv_is_ok(cv_parse_u64(cv_slice_of(s.p, (size_t)(dot - s.p)), 255, &t)),
               CV_E_BW_ENCSTRING, "invalid type");
    cv_err_clear();
    p->type = (unsigned)t;
    return split_parts(cv_slice_of(dot + 1, s.len - (size_t)(dot + 1 - s.p)), p);
}

static cv_result b64_exact(uint8_t *out, size_t want, cv_slice in, const char *what)
{
    uint8_t tmp[64];
    size_t got = 0;
    CV_ENSUREF(in.len <= 88, CV_E_BW_ENCSTRING, "invalid length of %s", what);
    CV_ENSUREF(cv_is_ok(cv_b64_decode(tmp, &got, in, true)), CV_E_BW_ENCSTRING,
               "error decoding base64 (%s)", what);
    CV_ENSUREF(got == want, CV_E_BW_ENCSTRING, "Invalid length: expected %zu, got %zu", want,
               got);
    memcpy(out, tmp, want);
    return cv_ok();
}

/* Decode the ciphertext part into a fresh heap block (ciphertext is public). */
static cv_result b64_ct(cv_slice in, uint8_t **ct, size_t *n)
{
    size_t max = cv_b64_dec_max(in.len);
    uint8_t *p = NULL;
    CV_GUARD(cv_alloc((void **)&p, max ? max : 1));
    if (!cv_is_ok(cv_b64_decode(p, n, in, true))) {
        free(p);
        CV_BAILF(CV_E_BW_ENCSTRING, "error decoding base64 (ciphertext)");
    }
    *ct = p;
    return cv_ok();
}

static bool unpad_ok(const uint8_t *pt, size_t n, size_t *plain_len)
{
    if (n == 0) return false;
    uint8_t pad = pt[n - 1];
    if (pad == 0 || pad > CV_AES_BLOCK || pad > n) return false;
    unsigned bad = 0;
    for (size_t i = n - pad; i < n; i++) bad |= (unsigned)(pt[i] ^ pad);
    *plain_len = n - pad;
    return bad == 0;
}

/* CBC-decrypt ct into out (secret) and strip the padding. */
static cv_result cbc_open(const uint8_t *ct, size_t n, const uint8_t *enc_key,
                          const uint8_t iv[16], cv_buf *out)
{
    CV_ENSURE(n > 0 && n % CV_AES_BLOCK == 0, CV_E_BW_DECRYPT);
    size_t base = out->len;
    CV_GUARD(cv_buf_reserve(out, n));
    uint8_t *pt = out->p + base;
    cv_result r = cv_aes_cbc_decrypt(pt, ct, n, enc_key, 32, iv);
    size_t plain = 0;
    if (cv_is_ok(r) && !unpad_ok(pt, n, &plain)) r = CV_FAIL(CV_E_BW_DECRYPT);
    if (!cv_is_ok(r)) {
        cv_wipe(pt, n);
        return r.err == CV_E_BW_DECRYPT ? r : CV_FAIL(CV_E_BW_DECRYPT);
    }
    cv_wipe(pt + plain, n - plain);
    out->len = base + plain;
    return cv_ok();
}

static cv_result open_type2(const parsed *p, const cv_secret *key, cv_buf *out)
{
    CV_ENSUREF(p->nparts == 3, CV_E_BW_ENCSTRING, "Invalid symmetric type, got type 2 with %zu parts",
               p->nparts);
    CV_ENSUREF(key->len == CV_BW_KEY_LEN, CV_E_BW_ENCSTRING, "type 2 needs a 64-byte key");
    uint8_t iv[CV_BW_IV_LEN], mac[CV_BW_MAC_LEN], want[32];
    CV_GUARD(b64_exact(iv, sizeof(iv), p->part[0], "iv"));
    CV_GUARD(b64_exact(mac, sizeof(mac), p->part[2], "mac"));
    uint8_t *ct = NULL;
    size_t n = 0;
    CV_GUARD(b64_ct(p->part[1], &ct, &n));
    cv_hmac_ctx h;
    cv_hmac_sha256_init(&h, key->data + 32, 32);
    cv_hmac_sha256_update(&h, iv, sizeof(iv));
    cv_hmac_sha256_update(&h, ct, n);
    cv_hmac_sha256_final(&h, want);
    CV_WIPE(h);
    cv_result r = cv_ct_eq(want, mac, sizeof(want)) ? cbc_open(ct, n, key->data, iv, out)
                                                     : CV_FAIL(CV_E_BW_MAC);
    free(ct);
    return r;
}

static cv_result open_type0(const parsed *p, const cv_secret *key, cv_buf *out)
{
    CV_ENSUREF(p->nparts == 2, CV_E_BW_ENCSTRING, "Invalid symmetric type, got type 0 with %zu parts",
               p->nparts);
    CV_ENSURE(key->len == 32, CV_E_BW_MAC_MISSING);
    uint8_t iv[CV_BW_IV_LEN];
    CV_GUARD(b64_exact(iv, sizeof(iv), p->part[0], "iv"));
    uint8_t *ct = NULL;
    size_t n = 0;
    CV_GUARD(b64_ct(p->part[1], &ct, &n));
    cv_result r = cbc_open(ct, n, key->data, iv, out);
    free(ct);
    return r;
}

cv_result cv_bw_decrypt(cv_slice enc, const cv_secret *key, cv_buf *out)
{
    parsed p;
    CV_GUARD(parse(enc, &p));
    switch (p.type) {
    case 0:
        return open_type0(&p, key, out);
    case 2:
        return open_type2(&p, key, out);
    case 1:
    case 3:
    case 4:
    case 5:
    case 6:
    case 7:
        CV_BAILF(CV_E_UNSUPPORTED, "EncString type %u is not a Secrets Manager type", p.type);
    default:
        CV_BAILF(CV_E_BW_ENCSTRING, "Invalid symmetric type, got type %u with %zu parts", p.type,
                 p.nparts);
    }
}

bool cv_bw_utf8_valid(const uint8_t *p, size_t n)
{
    size_t i = 0;
    while (i < n) {
        uint8_t c = p[i];
        size_t len = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3
                                  : (c & 0xF8) == 0xF0 ? 4 : 0;
        if (len == 0 || i + len > n) return false;
        uint32_t r = len == 1 ? c : len == 2 ? (c & 0x1Fu) : len == 3 ? (c & 0x0Fu) : (c & 0x07u);
        for (size_t k = 1; k < len; k++) {
            if ((p[i + k] & 0xC0) != 0x80) return false;
            r = (r << 6) | (p[i + k] & 0x3Fu);
        }
        static const uint32_t min[5] = { 0, 0, 0x80, 0x800, 0x10000 };
        if (r < min[len] || r > 0x10FFFF || (r >= 0xD800 && r <= 0xDFFF)) return false;
        i += len;
    }
    return true;
}

cv_result cv_bw_decrypt_str(cv_slice enc, const cv_secret *key, cv_buf *out)
{
    size_t base = out->len;
    CV_GUARD(cv_bw_decrypt(enc, key, out));
    if (!cv_bw_utf8_valid(out->p + base, out->len - base)) {
        cv_wipe(out->p + base, out->len - base);
        out->len = base;
        CV_BAIL(CV_E_UTF8);
    }
    return cv_ok();
}

/* PKCS#7-pad plain into a secret block, encrypt in place, MAC, format. */
static cv_result seal(cv_slice plain, const cv_secret *key, const uint8_t iv[16], cv_buf *out)
{
    size_t n = plain.len + CV_AES_BLOCK - plain.len % CV_AES_BLOCK;
    cv_secret *blk = NULL;
    CV_GUARD(cv_secret_new(&blk, n));
    if (plain.len) memcpy(blk->data, plain.p, plain.len);
    memset(blk->data + plain.len, (int)(n - plain.len), n - plain.len);
    cv_result r = cv_aes_cbc_encrypt(blk->data, blk->data, n, key->data, 32, iv);
    uint8_t mac[32];
    cv_hmac_ctx h;
    cv_hmac_sha256_init(&h, key->data + 32, 32);
    cv_hmac_sha256_update(&h, iv, CV_BW_IV_LEN);
    cv_hmac_sha256_update(&h, blk->data, n);
    cv_hmac_sha256_final(&h, mac);
    CV_WIPE(h);
    if (cv_is_ok(r)) r = cv_buf_add_str(out, "2.");
    if (cv_is_ok(r)) r = cv_b64_encode_buf(out, iv, CV_BW_IV_LEN, true);
    if (cv_is_ok(r)) r = cv_buf_add_byte(out, '|');
    if (cv_is_ok(r)) r = cv_b64_encode_buf(out, blk->data, n, true);
    if (cv_is_ok(r)) r = cv_buf_add_byte(out, '|');
    if (cv_is_ok(r)) r = cv_b64_encode_buf(out, mac, sizeof(mac), true);
    cv_secret_free(&blk);
    return r;
}

cv_result cv_bw_encrypt(cv_slice plain, const cv_secret *key, const uint8_t *iv, cv_buf *out)
{
    CV_ENSURE(key != NULL && key->len == CV_BW_KEY_LEN, CV_E_KEY_SIZE);
    CV_ENSURE(plain.len <= CV_BW_MAX_ENCSTRING / 2, CV_E_TOO_LARGE);
    uint8_t fresh[CV_BW_IV_LEN];
    if (iv == NULL) {
        cv_random(fresh, sizeof(fresh));
        iv = fresh;
    }
    return seal(plain, key, iv, out);
}
