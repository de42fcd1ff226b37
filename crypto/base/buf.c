#include "crypto/base/buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/base/mem.h"

cv_slice cv_slice_str(const char *s) { return cv_slice_of(s, strlen(s)); }

bool cv_slice_eq(cv_slice a, cv_slice b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.p, b.p, a.len) == 0);
}

bool cv_slice_eq_str(cv_slice a, const char *s) { return cv_slice_eq(a, cv_slice_str(s)); }

bool cv_slice_starts_with(cv_slice a, const char *prefix)
{
    size_t n = strlen(prefix);
    return a.len >= n && memcmp(a.p, prefix, n) == 0;
}

static bool is_ws(uint8_t c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

cv_slice cv_slice_trim(cv_slice a)
{
    while (a.len && is_ws(a.p[0])) {
        a.p++;
        a.len--;
    }
    while (a.len && is_ws(a.p[a.len - 1])) a.len--;
    return a;
}

cv_result cv_slice_strdup(cv_slice s, char **out) { return cv_strndup(out, s.p, s.len); }

static size_t quote_char(char *o, uint8_t c)
{
    static const char hex[] = "0123456789abcdef";
    static const char esc_from[] = "\a\b\f\n\r\t\v\\\"";
    static const char esc_to[] = "abfnrtv\\\"";
    const char *e = c ? memchr(esc_from, c, sizeof(esc_from) - 1) : NULL;
    if (e) {
        o[0] = '\\';
        o[1] = esc_to[e - esc_from];
        return 2;
    }
    if (c >= 0x20 && c < 0x7f) {
        o[0] = (char)c;
        return 1;
    }
    o[0] = '\\';
    o[1] = 'x';
    o[2] = hex[c >> 4];
    o[3] = hex[c & 15];
    return 4;
}

void cv_quote(char *out, size_t cap, cv_slice s)
{
    size_t o = 0;
    if (cap < 8) {
        if (cap) out[0] = '\0';
        return;
    }
    out[o++] = '"';
    for (size_t i = 0; i < s.len; i++) {
        char tmp[4];
        size_t n = quote_char(tmp, s.p[i]);
        if (o + n + 5 > cap) {
            memcpy(out + o, "...", 3);
            o += 3;
            break;
        }
        memcpy(out + o, tmp, n);
        o += n;
    }
    out[o++] = '"';
    out[o] = '\0';
}

cv_result cv_reader_bytes(cv_reader *r, size_t n, cv_slice *out)
{
    CV_ENSURE(n <= cv_reader_left(r), CV_E_TRUNCATED);
    *out = cv_slice_of(r->p + r->pos, n);
    r->pos += n;
    return cv_ok();
}

cv_result cv_reader_copy(cv_reader *r, void *dst, size_t n)
{
    cv_slice s = { NULL, 0 };
    CV_GUARD(cv_reader_bytes(r, n, &s));
    if (n) memcpy(dst, s.p, n);
    return cv_ok();
}

cv_result cv_reader_u8(cv_reader *r, uint8_t *out) { return cv_reader_copy(r, out, 1); }

cv_result cv_reader_be32(cv_reader *r, uint32_t *out)
{
    uint8_t b[4];
    CV_GUARD(cv_reader_copy(r, b, 4));
    *out = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
    return cv_ok();
}

static cv_result read_line(cv_reader *r, cv_slice *line, size_t max, bool need_lf)
{
    size_t left = cv_reader_left(r);
    size_t scan = left < max + 1 ? left : max + 1;
    const uint8_t *start = r->p + r->pos;
    const uint8_t *lf = scan ? memchr(start, '\n', scan) : NULL;
    if (lf == NULL) {
        CV_ENSURE(left <= max, CV_E_TOO_LARGE);
        CV_ENSURE(!need_lf && left > 0, CV_E_TRUNCATED);
        *line = cv_slice_of(start, left);
        r->pos = r->len;
        return cv_ok();
    }
    size_t n = (size_t)(lf - start);
    CV_ENSURE(n <= max, CV_E_TOO_LARGE);
    *line = cv_slice_of(start, n);
    r->pos += n + 1;
    return cv_ok();
}

cv_result cv_reader_line(cv_reader *r, cv_slice *line, size_t max)
{
    return read_line(r, line, max, true);
}

cv_result cv_reader_line_opt(cv_reader *r, cv_slice *line, size_t max)
{
    return read_line(r, line, max, false);
}

bool cv_reader_peek(const cv_reader *r, const char *prefix)
{
    return cv_slice_starts_with(cv_reader_rest(r), prefix);
}

bool cv_reader_accept(cv_reader *r, const char *prefix)
{
    if (!cv_reader_peek(r, prefix)) return false;
    r->pos += strlen(prefix);
    return true;
}

cv_result cv_parse_u64(cv_slice s, uint64_t max, uint64_t *out)
{
    CV_ENSURE(s.len > 0 && s.len <= 20, CV_E_SYNTAX);
    CV_ENSURE(!(s.len > 1 && s.p[0] == '0'), CV_E_SYNTAX);
    uint64_t v = 0;
    for (size_t i = 0; i < s.len; i++) {
        CV_ENSURE(s.p[i] >= '0' && s.p[i] <= '9', CV_E_SYNTAX);
        uint64_t d = (uint64_t)(s.p[i] - '0');
        CV_ENSURE(v <= (UINT64_MAX - d) / 10, CV_E_TOO_LARGE);
        v = v * 10 + d;
    }
    CV_ENSURE(v <= max, CV_E_TOO_LARGE);
    *out = v;
    return cv_ok();
}

void cv_buf_init(cv_buf *b, size_t max) { *b = (cv_buf){ NULL, 0, 0, max, false }; }

void cv_buf_init_secret(cv_buf *b, size_t max) { *b = (cv_buf){ NULL, 0, 0, max, true }; }

void cv_buf_release(cv_buf *b)
{
    if (b == NULL) return;
    if (b->wipe) cv_wipe(b->p, b->cap);
    free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
}

void cv_buf_reset(cv_buf *b)
{
    if (b->wipe) cv_wipe(b->p, b->len);
    b->len = 0;
}

static cv_result grow(cv_buf *b, size_t need)
{
    /* The first block is exactly what was asked for (a caller that knows
     * the size, such as a file's reader, gets no slack, which a secret
     * buffer would also wipe on release); later growth doubles. */
    size_t cap = b->cap ? b->cap : 64;
    if (b->cap == 0 && need > cap) cap = need;
    while (cap < need) cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    if (cap > b->max) cap = b->max;
    uint8_t *p = malloc(cap);
    CV_ENSURE(p != NULL, CV_E_NOMEM);
    if (b->len) memcpy(p, b->p, b->len);
    if (b->wipe) cv_wipe(b->p, b->cap);
    free(b->p);
    b->p = p;
    b->cap = cap;
    return cv_ok();
}

cv_result cv_buf_reserve(cv_buf *b, size_t extra)
{
    /* +1 keeps room for cv_buf_nul without a second growth. */
    CV_ENSURE(extra <= SIZE_MAX - b->len - 1, CV_E_TOO_LARGE);
    size_t need = b->len + extra;
    CV_ENSUREF(need <= b->max, CV_E_TOO_LARGE, "limit of %zu bytes", b->max);
    if (need + 1 <= b->cap) return cv_ok();
    return grow(b, need + 1 <= b->max ? need + 1 : need);
}

cv_result cv_buf_add(cv_buf *b, const void *p, size_t n)
{
    if (n == 0) return cv_ok();
    CV_GUARD(cv_buf_reserve(b, n));
    memcpy(b->p + b->len, p, n);
    b->len += n;
    return cv_ok();
}

cv_result cv_buf_add_str(cv_buf *b, const char *s) { return cv_buf_add(b, s, strlen(s)); }

cv_result cv_buf_add_byte(cv_buf *b, uint8_t c) { return cv_buf_add(b, &c, 1); }

cv_result cv_buf_addf(cv_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    CV_ENSURE(n >= 0, CV_E_INTERNAL);
    CV_GUARD(cv_buf_reserve(b, (size_t)n + 1));
    va_start(ap, fmt);
    vsnprintf((char *)b->p + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return cv_ok();
}

cv_result cv_buf_nul(cv_buf *b)
{
    if (b->cap > b->len) {
        b->p[b->len] = 0;
        return cv_ok();
    }
    CV_ENSURE(b->len < b->max, CV_E_TOO_LARGE);
    CV_GUARD(grow(b, b->len + 1));
    b->p[b->len] = 0;
    return cv_ok();
}

uint8_t *cv_buf_take(cv_buf *b, size_t *len)
{
    uint8_t *p = b->p;
    *len = b->len;
    b->p = NULL;
    b->len = b->cap = 0;
    return p;
}
