#include "secrets/bitwarden/token.h"

#include <jansson.h>
#include <string.h>

#include "crypto/base/enc.h"
#include "crypto/base/limits.h"
#include "secrets/bitwarden/encstring.h"

static int hexval(uint8_t c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* 32 hex digits, with hyphens at 8-4-4-4-12 when `hyph`. */
static bool uuid_digits(cv_slice s, bool hyph, char out[CV_UUID_STR])
{
    static const char digits[] = "0123456789abcdef";
    size_t o = 0, nd = 0;
    for (size_t i = 0; i < s.len; i++) {
        bool want_hyph = hyph && (i == 8 || i == 13 || i == 18 || i == 23);
        if (want_hyph) {
            if (s.p[i] != '-') return false;
            out[o++] = '-';
            continue;
        }
        int v = hexval(s.p[i]);
        if (v < 0) return false;
        out[o++] = digits[v];
        if (!hyph && (nd == 7 || nd == 11 || nd == 15 || nd == 19)) out[o++] = '-';
        nd++;
    }
    out[o] = '\0';
    return o == 36;
}

cv_result cv_uuid_parse(cv_slice s, char out[CV_UUID_STR])
{
    if (cv_slice_starts_with(s, "urn:uuid:")) s = cv_slice_of(s.p + 9, s.len - 9);
    else if (s.len == 38 && s.p[0] == '{' && s.p[37] == '}') s = cv_slice_of(s.p + 1, 36);
    bool ok = (s.len == 36 && uuid_digits(s, true, out)) || (s.len == 32 && uuid_digits(s, false, out));
    CV_ENSURE(ok, CV_E_INVALID_ARG);
    return cv_ok();
}

bool cv_uuid_valid(cv_slice s)
{
    char tmp[CV_UUID_STR];
    if (cv_is_ok(cv_uuid_parse(s, tmp))) return true;
    cv_err_clear();
    return false;
}

void cv_bw_token_clear(cv_bw_token *t)
{
    if (t == NULL) return;
    cv_secret_free(&t->client_secret);
    cv_secret_free(&t->key);
    CV_WIPE(t->client_id);
}

/* The key after ':' is standard base64, padded or not, of exactly 16 bytes. */
static cv_result token_key(cv_slice k, uint8_t out[16])
{
    uint8_t tmp[96];
    size_t got = 0;
    CV_ENSUREF(k.len <= 128, CV_E_BW_TOKEN, "Invalid base64 length: expected 16, got more");
    bool pad = k.len % 4 == 0;
    cv_result r = cv_b64_decode(tmp, &got, k, pad);
    if (!cv_is_ok(r)) {
        cv_wipe(tmp, sizeof(tmp));
        CV_BAILF(CV_E_BW_TOKEN, "Invalid base64 in the encryption key");
    }
    if (got != 16) {
        cv_wipe(tmp, sizeof(tmp));
        CV_BAILF(CV_E_BW_TOKEN, "Invalid base64 length: expected 16, got %zu", got);
    }
    memcpy(out, tmp, 16);
    cv_wipe(tmp, sizeof(tmp));
    return cv_ok();
}

static cv_result token_fields(cv_slice left, cv_bw_token *out)
{
    const uint8_t *d1 = memchr(left.p, '.', left.len);
    const uint8_t *d2 = d1 ? memchr(d1 + 1, '.', left.len - (size_t)(d1 + 1 - left.p)) : NULL;
    const uint8_t *d3 = d2 ? memchr(d2 + 1, '.', left.len - (size_t)(d2 + 1 - left.p)) : NULL;
    CV_ENSUREF(d2 != NULL && d3 == NULL, CV_E_BW_TOKEN, "Has the wrong number of parts");
    CV_ENSUREF(d1 - left.p == 1 && left.p[0] == '0', CV_E_BW_TOKEN, "Is the wrong version");
    cv_slice id = cv_slice_of(d1 + 1, (size_t)(d2 - d1 - 1));
    CV_ENSUREF(cv_is_ok(cv_uuid_parse(id, out->client_id)), CV_E_BW_TOKEN,
               "Has an invalid identifier");
    cv_slice sec = cv_slice_of(d2 + 1, left.len - (size_t)(d2 + 1 - left.p));
    return cv_secret_dup(&out->client_secret, sec.p, sec.len);
}

cv_result cv_bw_token_parse(cv_slice s, cv_bw_token *out)
{
    memset(out, 0, sizeof(*out));
    CV_ENSURE(s.len <= CV_BW_MAX_TOKEN, CV_E_TOO_LARGE);
    const uint8_t *colon = memchr(s.p, ':', s.len);
    CV_ENSUREF(colon != NULL, CV_E_BW_TOKEN, "Doesn't contain a decryption key");
    cv_slice left = cv_slice_of(s.p, (size_t)(colon - s.p));
    cv_slice key = cv_slice_of(colon + 1, s.len - left.len - 1);
    uint8_t raw[16];
    cv_result r = token_fields(left, out);
    if (cv_is_ok(r)) r = token_key(key, raw);
    if (cv_is_ok(r))
        r = cv_bw_derive_shareable_key(&out->key, raw, sizeof(raw), "accesstoken",
                                       "sm-access-token");
    CV_WIPE(raw);
    if (!cv_is_ok(r)) cv_bw_token_clear(out);
    return r;
}

cv_result cv_bw_jwt_read(cv_slice jwt, cv_bw_jwt *out)
{
    memset(out, 0, sizeof(*out));
    CV_ENSURE(jwt.len <= CV_BW_MAX_JWT, CV_E_TOO_LARGE);
    const uint8_t *d1 = memchr(jwt.p, '.', jwt.len);
    const uint8_t *d2 = d1 ? memchr(d1 + 1, '.', jwt.len - (size_t)(d1 + 1 - jwt.p)) : NULL;
    CV_ENSUREF(d2 != NULL, CV_E_BW_RESPONSE, "access_token is not a JWT");
    cv_slice mid = cv_slice_of(d1 + 1, (size_t)(d2 - d1 - 1));
    while (mid.len && mid.p[mid.len - 1] == '=') mid.len--;
    uint8_t *buf = NULL;
    size_t n = 0;
    CV_GUARD(cv_alloc((void **)&buf, cv_b64_dec_max(mid.len) + 1));
    cv_result r = cv_b64url_decode(buf, &n, mid);
    json_t *j = cv_is_ok(r) ? json_loadb((const char *)buf, n, JSON_REJECT_DUPLICATES, NULL) : NULL;
    free(buf);
    CV_ENSUREF(json_is_object(j), CV_E_BW_RESPONSE, "access_token payload is not JSON");
    cv_err_clear();
    const char *org = json_string_value(json_object_get(j, "organization"));
    if (org) r = cv_uuid_parse(cv_slice_str(org), out->organization);
    json_t *exp = json_object_get(j, "exp");
    if (json_is_integer(exp)) out->exp = (int64_t)json_integer_value(exp);
    json_decref(j);
    CV_ENSUREF(cv_is_ok(r), CV_E_BW_RESPONSE, "invalid organization claim");
    return cv_ok();
}
