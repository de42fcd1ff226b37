#include "secrets/doc/gostr.h"

#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "crypto/base/limits.h"
#include "secrets/doc/num.h"

size_t cv_go_utf8_decode(const uint8_t *p, size_t n, uint32_t *r)
{
    *r = CV_GO_RUNE_ERROR;
    if (n == 0) return 0;
    uint8_t c = p[0];
    if (c < 0x80) {
        *r = c;
        return 1;
    }
    size_t w;
    uint8_t lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) w = 2;
    else if (c >= 0xE0 && c <= 0xEF) w = 3;
    else if (c >= 0xF0 && c <= 0xF4) w = 4;
    else return 1;
    /* The second byte's range excludes overlongs, surrogates and runes
     * past U+10FFFF, as Go's acceptRanges table does. */
    if (c == 0xE0) lo = 0xA0;
    else if (c == 0xED) hi = 0x9F;
    else if (c == 0xF0) lo = 0x90;
    else if (c == 0xF4) hi = 0x8F;
    if (n < w || p[1] < lo || p[1] > hi) return 1;
    for (size_t i = 2; i < w; i++)
        if (p[i] < 0x80 || p[i] > 0xBF) return 1;
    uint32_t v = c & (0xFFu >> (w + 1));
    for (size_t i = 1; i < w; i++) v = (v << 6) | (p[i] & 0x3Fu);
    *r = v;
    return w;
}

size_t cv_go_utf8_decode_last(const uint8_t *p, size_t n, uint32_t *r)
{
    *r = CV_GO_RUNE_ERROR;
    if (n == 0) return 0;
    if (p[n - 1] < 0x80) {
        *r = p[n - 1];
        return 1;
    }
    /* Back up over at most three continuation bytes to a start byte; the
     * rune counts only if it decodes to exactly the tail. */
    size_t lim = n >= 4 ? n - 4 : 0;
    size_t start = n - 1;
    while (start > lim && (p[start] & 0xC0) == 0x80) start--;
    uint32_t v;
    size_t w = cv_go_utf8_decode(p + start, n - start, &v);
    if (start + w != n) return 1;
    *r = v;
    return w;
}

size_t cv_go_utf8_encode(uint32_t r, uint8_t out[4])
{
    if (r < 0x80) {
        out[0] = (uint8_t)r;
        return 1;
    }
    if (r < 0x800) {
        out[0] = (uint8_t)(0xC0 | (r >> 6));
        out[1] = (uint8_t)(0x80 | (r & 0x3F));
        return 2;
    }
    if ((r >= 0xD800 && r <= 0xDFFF) || r > 0x10FFFF) r = CV_GO_RUNE_ERROR;
    if (r < 0x10000) {
        out[0] = (uint8_t)(0xE0 | (r >> 12));
        out[1] = (uint8_t)(0x80 | ((r >> 6) & 0x3F));
        out[2] = (uint8_t)(0x80 | (r & 0x3F));
        return 3;
    }
    out[0] = (uint8_t)(0xF0 | (r >> 18));
    out[1] = (uint8_t)(0x80 | ((r >> 12) & 0x3F));
    out[2] = (uint8_t)(0x80 | ((r >> 6) & 0x3F));
    out[3] = (uint8_t)(0x80 | (r & 0x3F));
    return 4;
}

bool cv_go_is_space(uint32_t r)
{
    switch (r) {
    case '\t': case '\n': case '\v': case '\f': case '\r': case ' ':
    case 0x85: case 0xA0: case 0x1680: case 0x2028: case 0x2029:
    case 0x202F: case 0x205F: case 0x3000:
        return true;
    default:
        return r >= 0x2000 && r <= 0x200A;
    }
}

cv_slice cv_go_trim_left_space(cv_slice s)
{
    while (s.len > 0) {
        uint32_t r;
        size_t w = cv_go_utf8_decode(s.p, s.len, &r);
        if (!cv_go_is_space(r)) break;
        s.p += w;
        s.len -= w;
    }
    return s;
}

cv_slice cv_go_trim_right_space(cv_slice s)
{
    while (s.len > 0) {
        uint32_t r;
        size_t w = cv_go_utf8_decode_last(s.p, s.len, &r);
        if (!cv_go_is_space(r)) break;
        s.len -= w;
    }
    return s;
}

cv_slice cv_go_trim_space(cv_slice s)
{
    return cv_go_trim_right_space(cv_go_trim_left_space(s));
}

/* Per byte: bit 1 set when a JSON string carries it unchanged (printable
 * ASCII other than '"' and '\\'), bit 2 when json.Marshal's HTML-safe
 * output does too (< > & also excluded). DEL (0x7f) is plain for both. */
#define PLAIN_ROW_0 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
#define PLAIN_ROW_3 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3
static const uint8_t json_plain_tab[256] = {
    PLAIN_ROW_0, PLAIN_ROW_0,
    3, 3, 0, 3, 3, 3, 1, 3, 3, 3, 3, 3, 3, 3, 3, 3, /* 0x20: '"' 0, '&' html */
    3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 1, 3, 1, 3, /* 0x30: '<' '>' html */
    PLAIN_ROW_3,
    3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 0, 3, 3, 3, /* 0x50: '\\' 0 */
    PLAIN_ROW_3, PLAIN_ROW_3,
    PLAIN_ROW_0, PLAIN_ROW_0, PLAIN_ROW_0, PLAIN_ROW_0,
    PLAIN_ROW_0, PLAIN_ROW_0, PLAIN_ROW_0, PLAIN_ROW_0,
};

size_t cv_go_json_plain_run(const uint8_t *p, size_t n, bool html)
{
    size_t i = 0;
#if defined(__SSE2__)
    /* 16 bytes a step: a signed compare below 0x20 catches both control
     * bytes and every byte >= 0x80. */
    const __m128i sp = _mm_set1_epi8(0x20), q = _mm_set1_epi8('"'), bs = _mm_set1_epi8('\\');
    const __m128i lt = _mm_set1_epi8('<'), gt = _mm_set1_epi8('>'), amp = _mm_set1_epi8('&');
    for (; i + 16 <= n; i += 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
        __m128i hit = _mm_or_si128(_mm_cmplt_epi8(v, sp),
                                   _mm_or_si128(_mm_cmpeq_epi8(v, q), _mm_cmpeq_epi8(v, bs)));
        if (html)
            hit = _mm_or_si128(hit, _mm_or_si128(_mm_cmpeq_epi8(v, amp),
                                                 _mm_or_si128(_mm_cmpeq_epi8(v, lt),
                                                              _mm_cmpeq_epi8(v, gt))));
        unsigned m = (unsigned)_mm_movemask_epi8(hit);
        if (m != 0) return i + (size_t)__builtin_ctz(m);
    }
#endif
    const uint8_t bit = html ? 2 : 1;
    while (i < n && (json_plain_tab[p[i]] & bit)) i++;
    return i;
}

static cv_result json_escape_ascii(cv_buf *out, uint8_t c)
{
    static const char hex[] = "0123456789abcdef";
    char e[6] = { '\\', 0, 0, 0, 0, 0 };
    switch (c) {
    case '"': case '\\': e[1] = (char)c; return cv_buf_add(out, e, 2);
    case '\b': e[1] = 'b'; return cv_buf_add(out, e, 2);
    case '\f': e[1] = 'f'; return cv_buf_add(out, e, 2);
    case '\n': e[1] = 'n'; return cv_buf_add(out, e, 2);
    case '\r': e[1] = 'r'; return cv_buf_add(out, e, 2);
    case '\t': e[1] = 't'; return cv_buf_add(out, e, 2);
    default:
        e[1] = 'u', e[2] = '0', e[3] = '0', e[4] = hex[c >> 4], e[5] = hex[c & 15];
        return cv_buf_add(out, e, 6);
    }
}

cv_result cv_go_json_quote(cv_buf *out, const void *v, size_t n)
{
    const uint8_t *p = v;
    CV_GUARD(cv_buf_reserve(out, n + 2));
    size_t i = cv_go_json_plain_run(p, n, true);
    if (i == n) {
        /* Nothing to escape (most strings): one copy into the room reserved. */
        uint8_t *d = out->p + out->len;
        d[0] = '"';
        if (n) memcpy(d + 1, p, n);
        d[n + 1] = '"';
        out->len += n + 2;
        return cv_ok();
    }
    CV_GUARD(cv_buf_add_byte(out, '"'));
    size_t start = 0;
    while (i < n) {
        i += cv_go_json_plain_run(p + i, n - i, true);
        if (i >= n) break;
        if (p[i] < 0x80) {
            CV_GUARD(cv_buf_add(out, p + start, i - start));
            CV_GUARD(json_escape_ascii(out, p[i]));
            start = ++i;
            continue;
        }
        uint32_t r;
        size_t w = cv_go_utf8_decode(p + i, n - i, &r);
        const char *esc = NULL;
        if (r == CV_GO_RUNE_ERROR && w == 1) esc = "\\ufffd";
        else if (r == 0x2028) esc = "\\u2028";
        else if (r == 0x2029) esc = "\\u2029";
        if (esc != NULL) {
            CV_GUARD(cv_buf_add(out, p + start, i - start));
            CV_GUARD(cv_buf_add(out, esc, 6));
            start = i + w;
        }
        i += w;
    }
    CV_GUARD(cv_buf_add(out, p + start, n - start));
    return cv_buf_add_byte(out, '"');
}

/* RFC 3339 from the RFC 3339 nano text: the fraction of a second goes. */
static cv_result time_rfc3339(const cv_node *n, cv_buf *out)
{
    const char *s = n->s;
    size_t len = n->len;
    const char *dot = memchr(s, '.', len);
    if (dot == NULL) return cv_buf_add(out, s, len);
    size_t i = (size_t)(dot - s) + 1;
    while (i < len && s[i] >= '0' && s[i] <= '9') i++;
    CV_GUARD(cv_buf_add(out, s, (size_t)(dot - s)));
    return cv_buf_add(out, s + i, len - i);
}

/* time.Time.String: "2006-01-02 15:04:05.999999999 -0700 MST". A zone
 * parsed from an offset has no name, and Go prints the offset again. */
static cv_result time_string(const cv_node *n, cv_buf *out)
{
    const char *s = n->s;
    size_t len = n->len;
    size_t z = 19;
    while (z < len && s[z] != 'Z' && s[z] != '+' && s[z] != '-') z++;
    CV_ENSURE(len >= 19 && z <= len, CV_E_DOC_TYPE);
    CV_GUARD(cv_buf_add(out, s, 10));
    CV_GUARD(cv_buf_add_byte(out, ' '));
    CV_GUARD(cv_buf_add(out, s + 11, z - 11));
    if (z == len || s[z] == 'Z') return cv_buf_add_str(out, " +0000 UTC");
    char off[6] = { s[z], 0, 0, 0, 0, 0 };
    CV_ENSURE(len - z == 6, CV_E_DOC_TYPE);
    off[1] = s[z + 1], off[2] = s[z + 2], off[3] = s[z + 4], off[4] = s[z + 5];
    CV_GUARD(cv_buf_add_byte(out, ' '));
    CV_GUARD(cv_buf_add(out, off, 5));
    CV_GUARD(cv_buf_add_byte(out, ' '));
    return cv_buf_add(out, off, 5);
}

static cv_result add_float_g(const cv_node *n, char fmt, cv_buf *out)
{
    char t[CV_NUM_TEXT_MAX];
    size_t len = cv_go_float(n->v.f, fmt, t);
    return cv_buf_add(out, t, len);
}

static cv_result add_int(const cv_node *n, cv_buf *out)
{
    char t[CV_NUM_TEXT_MAX];
    size_t len = cv_node_int_text(n, t);
    return cv_buf_add(out, t, len);
}

/* fmt's %v of sops.Comment{Value, Inline}. */
static cv_result comment_v(const cv_node *n, cv_buf *out)
{
    CV_GUARD(cv_buf_add_byte(out, '{'));
    CV_GUARD(cv_buf_add(out, n->s, n->len));
    return cv_buf_add_str(out, n->inline_comment ? " true}" : " false}");
}

static cv_result value_v(const cv_node *n, cv_buf *out, unsigned depth);

static cv_result items_v(const cv_node *n, cv_buf *out, unsigned depth)
{
    CV_ENSURE(depth < CV_DOC_MAX_DEPTH, CV_E_LIMIT);
    CV_GUARD(cv_buf_add_byte(out, '['));
    for (size_t i = 0; i < n->n; i++) {
        const cv_item *it = &n->items[i];
        if (i > 0) CV_GUARD(cv_buf_add_byte(out, ' '));
        if (n->kind == CV_NODE_LIST) {
            CV_GUARD(value_v(it->value, out, depth + 1));
            continue;
        }
        CV_GUARD(cv_buf_add_byte(out, '{'));
        CV_GUARD(value_v(it->key, out, depth + 1));
        CV_GUARD(cv_buf_add_byte(out, ' '));
        CV_GUARD(value_v(it->value, out, depth + 1));
        CV_GUARD(cv_buf_add_byte(out, '}'));
    }
    return cv_buf_add_byte(out, ']');
}

/* fmt's %v of the Go value sops holds for a node. */
static cv_result value_v(const cv_node *n, cv_buf *out, unsigned depth)
{
    if (n == NULL) return cv_buf_add_str(out, "<nil>");
    switch (n->kind) {
    case CV_NODE_NULL: return cv_buf_add_str(out, "<nil>");
    case CV_NODE_STR: return cv_buf_add(out, n->s, n->len);
    case CV_NODE_INT: return add_int(n, out);
    case CV_NODE_FLOAT: return add_float_g(n, 'g', out);
    case CV_NODE_BOOL: return cv_buf_add_str(out, n->v.b ? "true" : "false");
    case CV_NODE_TIME: return time_string(n, out);
    case CV_NODE_COMMENT: return comment_v(n, out);
    case CV_NODE_MAP:
    case CV_NODE_LIST: return items_v(n, out, depth);
    }
    CV_BAIL(CV_E_DOC_TYPE);
}

static bool all_digits(const char *s, size_t n)
{
    size_t i = s[0] == '-' ? 1 : 0;
    for (; i < n; i++)
        if (s[i] < '0' || s[i] > '9') return false;
    return true;
}

cv_result cv_go_val_string(const cv_node *n, cv_buf *out)
{
    switch (n->kind) {
    case CV_NODE_FLOAT: {
        char t[CV_NUM_TEXT_MAX];
        size_t len = cv_go_float(n->v.f, 'G', t);
        CV_GUARD(cv_buf_add(out, t, len));
        /* An integral value gets one decimal so it does not read as an
         * integer (Go reformats it with 'f' and precision 1). */
        return all_digits(t, len) ? cv_buf_add(out, ".0", 2) : cv_ok();
    }
    case CV_NODE_TIME: return time_rfc3339(n, out);
    default: return value_v(n, out, 0);
    }
}
