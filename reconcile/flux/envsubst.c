/* Flux's envsubst dialect. The scanner and parser follow fluxcd/pkg/envsubst
 * step by step because its quirks are the dialect: the scanner deletes
 * escape characters from its own buffer as it goes, "unread" steps back by
 * the width of the last rune read (not always the rune being unread), and a
 * NUL rune reads as end of input. Parsing runs twice over a fresh copy of
 * the input: once to find syntax errors anywhere, once evaluating. */
#include "reconcile/flux/envsubst.h"

#include <stdint.h>
#include <string.h>

#include "crypto/base/limits.h"
#include "crypto/base/mem.h"
#include "secrets/doc/gostr.h"

typedef struct {
    uint32_t lo, hi;
    int32_t up, low;
} es_case_range;

#include "reconcile/flux/envsubst_unicode.inc"

/* ---- Unicode (Go's unicode package) ------------------------------------ */

static bool es_in_ranges(const uint32_t (*t)[2], size_t n, uint32_t r)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (r < t[mid][0])
            hi = mid;
        else if (r > t[mid][1])
            lo = mid + 1;
        else
            return true;
    }
    return false;
}

static bool es_is_ident_rune(uint32_t r)
{
    return r == '_' || es_in_ranges(es_letter, sizeof es_letter / sizeof es_letter[0], r) ||
           es_in_ranges(es_digit, sizeof es_digit / sizeof es_digit[0], r);
}

/* unicode.ToUpper (upper) or unicode.ToLower (!upper). */
static uint32_t es_to_case(uint32_t r, bool upper)
{
    size_t lo = 0, hi = sizeof es_case / sizeof es_case[0];
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const es_case_range *c = &es_case[mid];
        if (r < c->lo) {
            hi = mid;
        } else if (r > c->hi) {
            lo = mid + 1;
        } else {
            int32_t d = upper ? c->up : c->low;
            if (d == ES_UPPER_LOWER) {
                /* Even offsets in the sequence are upper case, odd ones lower. */
                uint32_t off = r - c->lo;
                return c->lo + (upper ? (off & ~1u) : (off | 1u));
            }
            return (uint32_t)((int32_t)r + d);
        }
    }
    return r;
}

static cv_result es_add_rune(cv_buf *out, uint32_t r)
{
    uint8_t enc[4];
    size_t n = cv_go_utf8_encode(r, enc);
    cv_result res = cv_buf_add(out, enc, n);
    CV_WIPE(enc);
    return res;
}

enum { ES_SAME, ES_UPPER, ES_LOWER };

/* Every rune re-encoded, mapped by mode: strings.ToUpper / ToLower (invalid
 * bytes come out as U+FFFD) or, for ES_SAME, []rune(s). */
static cv_result es_map_mode(cv_slice s, int mode, cv_buf *out)
{
    size_t i = 0;
    while (i < s.len) {
        uint32_t r;
        size_t w = cv_go_utf8_decode(s.p + i, s.len - i, &r);
        if (mode != ES_SAME) r = es_to_case(r, mode == ES_UPPER);
        CV_GUARD(es_add_rune(out, r));
        i += w;
    }
    return cv_ok();
}

static cv_result es_map_runes(cv_slice s, cv_buf *out) { return es_map_mode(s, ES_SAME, out); }

static cv_result es_map_case(cv_slice s, bool upper, cv_buf *out)
{
    return es_map_mode(s, upper ? ES_UPPER : ES_LOWER, out);
}

/* The first rune mapped (string(unicode.ToUpper(r)) + s[n:]). */
static cv_result es_map_first(cv_slice s, bool upper, cv_buf *out)
{
    if (s.len == 0) return cv_ok();
    uint32_t r;
    size_t w = cv_go_utf8_decode(s.p, s.len, &r);
    CV_GUARD(es_add_rune(out, es_to_case(r, upper)));
    return cv_buf_add(out, s.p + w, s.len - w);
}

/* string([]rune(s)) reversed rune by rune: the runes are re-encoded first
 * (invalid bytes become U+FFFD, as []rune does), which leaves valid UTF-8
 * that can be walked backwards by its continuation bytes. */
static cv_result es_reverse(cv_slice s, cv_buf *out)
{
    cv_buf tmp;
    cv_buf_init_secret(&tmp, CV_ENVSUBST_MAX_VALUE);
    cv_result res = es_map_runes(s, &tmp);
    size_t end = tmp.len;
    while (cv_is_ok(res) && end > 0) {
        size_t start = end - 1;
        while (start > 0 && (tmp.p[start] & 0xC0) == 0x80) start--;
        res = cv_buf_add(out, tmp.p + start, end - start);
        end = start;
    }
    cv_buf_release(&tmp);
    return res;
}

/* ---- Go string functions ------------------------------------------------ */

static cv_slice es_sub(cv_slice s, size_t from, size_t to)
{
    return cv_slice_of(s.p + from, to - from);
}

/* strconv.Atoi on a 64-bit platform: optional sign, decimal digits only,
 * within int64. */
static bool es_atoi(cv_slice s, int64_t *out)
{
    size_t i = 0;
    bool neg = false;
    if (s.len > 0 && (s.p[0] == '+' || s.p[0] == '-')) {
        neg = s.p[0] == '-';
        i = 1;
    }
    if (i == s.len) return false;
    uint64_t limit = neg ? (uint64_t)INT64_MAX + 1u : (uint64_t)INT64_MAX;
    uint64_t v = 0;
    for (; i < s.len; i++) {
        if (s.p[i] < '0' || s.p[i] > '9') return false;
        uint64_t d = (uint64_t)(s.p[i] - '0');
        if (v > (limit - d) / 10u) return false;
        v = v * 10u + d;
    }
    *out = neg ? (int64_t)(0u - v) : (int64_t)v;
    return true;
}

static size_t es_index(cv_slice s, cv_slice sub)
{
    if (sub.len == 0) return 0;
    for (size_t i = 0; i + sub.len <= s.len; i++)
        if (memcmp(s.p + i, sub.p, sub.len) == 0) return i;
    return SIZE_MAX;
}

/* strings.Replace(s, old, new, all ? -1 : 1). An empty old matches before
 * every rune and at the end. */
static cv_result es_replace(cv_slice s, cv_slice old, cv_slice rep, bool all, cv_buf *out)
{
    size_t start = 0;
    bool first = true;
    for (;;) {
        size_t j;
        if (old.len == 0) {
            if (!first && start >= s.len) break;
            j = start;
            if (!first) {
                uint32_t r;
                j += cv_go_utf8_decode(s.p + start, s.len - start, &r);
            }
        } else {
            size_t k = es_index(es_sub(s, start, s.len), old);
            if (k == SIZE_MAX) break;
            j = start + k;
        }
        CV_GUARD(cv_buf_add(out, s.p + start, j - start));
        CV_GUARD(cv_buf_add(out, rep.p, rep.len));
        start = j + old.len;
        first = false;
        if (!all) break;
    }
    return cv_buf_add(out, s.p + start, s.len - start);
}

/* ---- envsubst's path.Match fork (a trailing `*` matches `/` too) -------- */

typedef enum { ES_NOMATCH, ES_MATCH, ES_BADPAT } es_match;

/* The next chunk: leading stars skipped (*star), then up to the next star
 * outside a bracket expression. */
static cv_slice es_scan_chunk(cv_slice *pat, bool *star)
{
    *star = false;
    while (pat->len > 0 && pat->p[0] == '*') {
        *pat = es_sub(*pat, 1, pat->len);
        *star = true;
    }
    bool inrange = false;
    size_t i = 0;
    for (; i < pat->len; i++) {
        uint8_t c = pat->p[i];
        if (c == '\\') {
            if (i + 1 < pat->len) i++;
        } else if (c == '[') {
            inrange = true;
        } else if (c == ']') {
            inrange = false;
        } else if (c == '*' && !inrange) {
            break;
        }
    }
    cv_slice chunk = es_sub(*pat, 0, i);
    *pat = es_sub(*pat, i, pat->len);
    return chunk;
}

/* A possibly escaped rune of a bracket expression. */
static bool es_get_esc(cv_slice *chunk, uint32_t *r)
{
    cv_slice c = *chunk;
    if (c.len == 0 || c.p[0] == '-' || c.p[0] == ']') return false;
    if (c.p[0] == '\\') {
        c = es_sub(c, 1, c.len);
        if (c.len == 0) return false;
    }
    size_t n = cv_go_utf8_decode(c.p, c.len, r);
    if (*r == CV_GO_RUNE_ERROR && n == 1) return false;
    *chunk = es_sub(c, n, c.len);
    return chunk->len > 0;
}

/* One bracket expression against rune r; the chunk starts after '['. */
static es_match es_match_class(cv_slice *chunk, uint32_t r)
{
    bool negated = false;
    if (chunk->len > 0 && chunk->p[0] == '^') {
        negated = true;
        *chunk = es_sub(*chunk, 1, chunk->len);
    }
    bool hit = false;
    for (size_t nrange = 0;; nrange++) {
        if (chunk->len > 0 && chunk->p[0] == ']' && nrange > 0) {
            *chunk = es_sub(*chunk, 1, chunk->len);
            break;
        }
        uint32_t lo, hi;
        if (!es_get_esc(chunk, &lo)) return ES_BADPAT;
        hi = lo;
        if (chunk->p[0] == '-') {
            *chunk = es_sub(*chunk, 1, chunk->len);
            if (!es_get_esc(chunk, &hi)) return ES_BADPAT;
        }
        if (lo <= r && r <= hi) hit = true;
    }
    return hit != negated ? ES_MATCH : ES_NOMATCH;
}

/* Whether chunk matches the start of *s; on a match *s is the rest. */
static es_match es_match_chunk(cv_slice chunk, cv_slice *s)
{
    cv_slice t = *s;
    while (chunk.len > 0) {
        if (t.len == 0) return ES_NOMATCH;
        uint32_t r;
        size_t n;
        switch (chunk.p[0]) {
        case '[': {
            n = cv_go_utf8_decode(t.p, t.len, &r);
            t = es_sub(t, n, t.len);
            chunk = es_sub(chunk, 1, chunk.len);
            es_match m = es_match_class(&chunk, r);
            if (m != ES_MATCH) return m;
            break;
        }
        case '?':
            n = cv_go_utf8_decode(t.p, t.len, &r);
            t = es_sub(t, n, t.len);
            chunk = es_sub(chunk, 1, chunk.len);
            break;
        case '\\':
            chunk = es_sub(chunk, 1, chunk.len);
            if (chunk.len == 0) return ES_BADPAT;
            /* fall through */
        default:
            if (chunk.p[0] != t.p[0]) return ES_NOMATCH;
            t = es_sub(t, 1, t.len);
            chunk = es_sub(chunk, 1, chunk.len);
            break;
        }
    }
    *s = t;
    return ES_MATCH;
}

/* A star before chunk: try the chunk at every later byte of *name. */
static es_match es_match_star(cv_slice chunk, bool last, cv_slice *name)
{
    for (size_t i = 0; i < name->len; i++) {
        cv_slice t = es_sub(*name, i + 1, name->len);
        es_match m = es_match_chunk(chunk, &t);
        if (m == ES_MATCH) {
            if (last && t.len > 0) continue;
            *name = t;
            return ES_MATCH;
        }
        if (m == ES_BADPAT) return m;
    }
    return ES_NOMATCH;
}

static es_match es_path_match(cv_slice pat, cv_slice name)
{
    while (pat.len > 0) {
        bool star;
        cv_slice chunk = es_scan_chunk(&pat, &star);
        if (star && chunk.len == 0) return ES_MATCH;
        cv_slice t = name;
        es_match m = es_match_chunk(chunk, &t);
        if (m == ES_MATCH && (t.len == 0 || pat.len > 0)) {
            name = t;
            continue;
        }
        if (m == ES_BADPAT) return m;
        if (!star) return ES_NOMATCH;
        m = es_match_star(chunk, pat.len == 0, &name);
        if (m != ES_MATCH) return m;
    }
    return name.len == 0 ? ES_MATCH : ES_NOMATCH;
}

/* ---- substitution functions (funcs.go) ---------------------------------- */

/* The prefix of s that pattern removes: the shortest or longest matching
 * prefix (the empty prefix is never tried). A malformed pattern anywhere in
 * the scan, or no match, removes nothing. */
static cv_result es_trim_len(cv_slice s, cv_slice pat, bool longest, size_t *cut)
{
    CV_ENSUREF(s.len <= CV_ENVSUBST_MAX_TRIM, CV_E_LIMIT, "envsubst: pattern trim of %zu bytes", s.len);
    *cut = 0;
    for (size_t n = s.len; n > 0; n--) {
        es_match m = es_path_match(pat, es_sub(s, 0, n));
        if (m == ES_BADPAT) {
            *cut = 0;
            return cv_ok();
        }
        if (m == ES_MATCH) {
            *cut = n;
            if (longest) return cv_ok();
        }
    }
    return cv_ok();
}

static cv_result es_trim_prefix(cv_slice s, cv_slice pat, bool longest, cv_buf *out)
{
    size_t cut = 0;
    CV_GUARD(es_trim_len(s, pat, longest, &cut));
    return cv_buf_add(out, s.p + cut, s.len - cut);
}

/* Suffix trims reverse value and pattern rune by rune, trim the prefix and
 * reverse back (so brackets and escapes in the pattern read backwards). */
static cv_result es_trim_suffix(cv_slice s, cv_slice pat, bool longest, cv_buf *out)
{
    cv_buf rs, rp, t;
    cv_buf_init_secret(&rs, CV_ENVSUBST_MAX_VALUE);
    cv_buf_init_secret(&rp, CV_ENVSUBST_MAX_VALUE);
    cv_buf_init_secret(&t, CV_ENVSUBST_MAX_VALUE);
    cv_result res = es_reverse(s, &rs);
    if (cv_is_ok(res)) res = es_reverse(pat, &rp);
    if (cv_is_ok(res)) res = es_trim_prefix(cv_buf_slice(&rs), cv_buf_slice(&rp), longest, &t);
    if (cv_is_ok(res)) res = es_reverse(cv_buf_slice(&t), out);
    cv_buf_release(&rs);
    cv_buf_release(&rp);
    cv_buf_release(&t);
    return res;
}

/* ${V:pos} and ${V:pos:len} on bytes, with Go's int arithmetic; an
 * unparseable number gives the value unchanged. */
static cv_result es_substr(cv_slice s, const cv_slice *args, size_t nargs, cv_buf *out)
{
    int64_t pos, len, end, slen = (int64_t)s.len;
    if (!es_atoi(args[0], &pos)) return cv_buf_add(out, s.p, s.len);
    if (pos < 0) {
        pos += slen;
        if (pos < 0) pos = 0;
    }
    if (nargs == 1) return pos < slen ? cv_buf_add(out, s.p + pos, s.len - (size_t)pos) : cv_ok();
    if (!es_atoi(args[1], &len)) return cv_buf_add(out, s.p, s.len);
    (void)__builtin_add_overflow(pos, len, &end); /* wraps as Go's int does */
    if (end >= slen) return pos < slen ? cv_buf_add(out, s.p + pos, s.len - (size_t)pos) : cv_ok();
    /* Go panics on s[pos:end] with end < pos. */
    CV_ENSUREF(end >= pos, CV_E_ENVSUBST_SYNTAX, "slice bounds out of range [%lld:%lld]",
               (long long)pos, (long long)end);
    return cv_buf_add(out, s.p + pos, (size_t)(end - pos));
}

static bool es_op_is(cv_slice op, const char *name) { return cv_slice_eq_str(op, name); }

static cv_result es_replace_anchored(cv_slice s, const cv_slice *args, size_t nargs, bool prefix,
                                     cv_buf *out)
{
    if (nargs != 2 || args[0].len > s.len) return cv_buf_add(out, s.p, s.len);
    size_t at = prefix ? 0 : s.len - args[0].len;
    if (memcmp(s.p + at, args[0].p, args[0].len) != 0) return cv_buf_add(out, s.p, s.len);
    if (prefix) return es_replace(s, args[0], args[1], false, out);
    CV_GUARD(cv_buf_add(out, s.p, at));
    return cv_buf_add(out, args[1].p, args[1].len);
}

static cv_result es_replace_op(cv_slice s, const cv_slice *args, size_t nargs, bool all, cv_buf *out)
{
    cv_slice none = cv_slice_of("", 0);
    return es_replace(s, args[0], nargs > 1 ? args[1] : none, all, out);
}

/* lookupFunc: the function named by the operator applied to value s.
 * Unknown operators (plain ${V}, the defaults, odd casing pairs) are
 * "value if not empty, else the arguments joined". */
static cv_result es_apply(cv_slice op, cv_slice s, const cv_slice *args, size_t nargs, cv_buf *out)
{
    if (es_op_is(op, ",")) return es_map_first(s, false, out);
    if (es_op_is(op, ",,")) return es_map_case(s, false, out);
    if (es_op_is(op, "^")) return es_map_first(s, true, out);
    if (es_op_is(op, "^^")) return es_map_case(s, true, out);
    if (es_op_is(op, "#") && nargs == 0) return cv_buf_addf(out, "%zu", s.len);
    if (es_op_is(op, "#")) return es_trim_prefix(s, args[0], false, out);
    if (es_op_is(op, "##")) return es_trim_prefix(s, args[0], true, out);
    if (es_op_is(op, "%")) return es_trim_suffix(s, args[0], false, out);
    if (es_op_is(op, "%%")) return es_trim_suffix(s, args[0], true, out);
    if (es_op_is(op, ":")) return es_substr(s, args, nargs, out);
    if (es_op_is(op, "/#")) return es_replace_anchored(s, args, nargs, true, out);
    if (es_op_is(op, "/%")) return es_replace_anchored(s, args, nargs, false, out);
    if (es_op_is(op, "/")) return es_replace_op(s, args, nargs, false, out);
    if (es_op_is(op, "//")) return es_replace_op(s, args, nargs, true, out);
    if (s.len == 0 && nargs > 0) return cv_buf_add(out, args[0].p, args[0].len);
    return cv_buf_add(out, s.p, s.len);
}

static bool es_is_default_op(cv_slice op)
{
    static const char *const ops[] = { "-", "+", "=", "?", ":-", ":+", ":=", ":?" };
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
        if (es_op_is(op, ops[i])) return true;
    return false;
}

/* ---- scanner (parse/scan.go) -------------------------------------------- */

enum { M_IDENT = 1, M_LBRACK = 2, M_RBRACK = 4, M_ESCAPE = 8 };
enum { E_DOLLAR = 1, E_BACKSLASH = 2, E_ALL = 3 };
typedef enum { T_ILLEGAL, T_EOF, T_IDENT, T_LBRACK, T_RBRACK } es_token;
typedef enum {
    A_RUNE, A_IDENT, A_COLON, A_ONE_HASH, A_NOT_CLOSING, A_HASH_FUNC, A_PERCENT_FUNC,
    A_DEFAULT_FUNC, A_REPLACE_FUNC, A_ONE_EQUAL, A_ONE_COLON, A_REJECT_COLON_CLOSE,
    A_SLASH, A_NOT_SLASH, A_CASING_FUNC
} es_accept;

typedef struct {
    uint8_t *buf; /* working copy: escapes are deleted from it */
    size_t len, pos, start, width;
    unsigned mode, esc;
    es_accept accept;
} es_scanner;

/* The rune at pos (0 at the end, as for a NUL byte: both read as EOF). */
static uint32_t sc_read(es_scanner *s)
{
    if (s->pos >= s->len) {
        s->width = 0;
        return 0;
    }
    uint32_t r;
    s->width = cv_go_utf8_decode(s->buf + s->pos, s->len - s->pos, &r);
    s->pos += s->width;
    return r;
}

/* Steps back by the width of the last rune read, whichever rune that was
 * (Go's scanner does the same; parseDefaultOrSubstr depends on it). */
static void sc_unread(es_scanner *s) { s->pos = s->width > s->pos ? 0 : s->pos - s->width; }

static uint32_t sc_peek(es_scanner *s)
{
    uint32_t r = sc_read(s);
    sc_unread(s);
    return r;
}

/* Delete the escape character just read (the byte before pos). */
static void sc_skip(es_scanner *s)
{
    memmove(s->buf + s->pos - 1, s->buf + s->pos, s->len - s->pos);
    s->len--;
}

static cv_slice sc_text(const es_scanner *s)
{
    return cv_slice_of(s->buf + s->start, s->pos - s->start);
}

static bool sc_accepts(es_accept a, uint32_t r, size_t i)
{
    switch (a) {
    case A_RUNE: return true;
    case A_IDENT: return es_is_ident_rune(r);
    case A_COLON: return r == ':';
    case A_ONE_HASH: return r == '#' && i == 1;
    case A_NOT_CLOSING: return r != '}';
    case A_HASH_FUNC: return r == '#' && i < 3;
    case A_PERCENT_FUNC: return r == '%' && i < 3;
    case A_DEFAULT_FUNC:
        return (i == 1 && r == ':') || (i == 2 && (r == '=' || r == '-' || r == '?' || r == '+'));
    case A_REPLACE_FUNC:
        return (i == 1 && r == '/') || (i == 2 && (r == '/' || r == '#' || r == '%'));
    case A_ONE_EQUAL: return i == 1 && r == '=';
    case A_ONE_COLON: return i == 1 && r == ':';
    case A_REJECT_COLON_CLOSE: return r != ':' && r != '}';
    case A_SLASH: return r == '/';
    case A_NOT_SLASH: return r != '/';
    case A_CASING_FUNC: return (r == ',' || r == '^') && i < 3;
    }
    return false;
}

static bool sc_lbrack(es_scanner *s, uint32_t r)
{
    if (!(s->mode & M_LBRACK) || r != '$') return false;
    if (sc_read(s) == '{') return true;
    sc_unread(s);
    return false;
}

static bool sc_escaped(es_scanner *s, uint32_t r)
{
    if (!(s->mode & M_ESCAPE)) return false;
    if (r == '$' && (s->esc & E_DOLLAR) && sc_peek(s) == '$') return true;
    if (r == '\\' && (s->esc & E_BACKSLASH)) {
        uint32_t n = sc_peek(s);
        return n == '/' || n == '\\';
    }
    return false;
}

static bool sc_ident(es_scanner *s, uint32_t r)
{
    if (!(s->mode & M_IDENT)) return false;
    if (sc_escaped(s, r))
        sc_skip(s);
    else if (!sc_accepts(s->accept, r, s->pos - s->start))
        return false;
    for (;;) {
        r = sc_read(s);
        if (r == 0) {
            sc_unread(s);
            break;
        }
        if (sc_lbrack(s, r)) {
            sc_unread(s);
            sc_unread(s);
            break;
        }
        if (sc_escaped(s, r)) {
            sc_skip(s);
            continue;
        }
        if (!sc_accepts(s->accept, r, s->pos - s->start)) {
            sc_unread(s);
            break;
        }
    }
    return true;
}

static es_token sc_scan(es_scanner *s)
{
    s->start = s->pos;
    uint32_t r = sc_read(s);
    if (r == 0) return T_EOF;
    if (sc_lbrack(s, r)) return T_LBRACK;
    if ((s->mode & M_RBRACK) && r == '}') return T_RBRACK;
    if (sc_ident(s, r)) return T_IDENT;
    return T_ILLEGAL;
}

static void sc_set(es_scanner *s, es_accept a, unsigned mode)
{
    s->accept = a;
    s->mode = mode;
}

/* ---- parser and evaluator (parse/parse.go, template.go) ----------------- */

typedef struct {
    es_scanner sc;
    cv_envsubst_lookup fn;
    void *ctx;
    bool eval, strict;
    unsigned depth;
} es_parser;

/* One ${...}: its variable, operator and evaluated arguments. The default
 * operators join all their arguments, so those go into args[0]. */
typedef struct {
    cv_slice param, op;
    cv_buf args[2];
    size_t nargs;
    bool join;
} es_node;

static cv_result es_parse_func(es_parser *p, cv_buf *out);

static cv_result es_syntax(const char *msg) { return CV_FAILF(CV_E_ENVSUBST_SYNTAX, "%s", msg); }

static cv_result es_parse_param(es_parser *p, es_node *n, es_accept a, unsigned mode)
{
    cv_buf *dst = &n->args[n->join ? 0 : n->nargs];
    sc_set(&p->sc, a, mode | M_LBRACK);
    switch (sc_scan(&p->sc)) {
    case T_LBRACK:
        CV_GUARD(es_parse_func(p, dst));
        break;
    case T_IDENT:
    case T_RBRACK:
        if (p->eval) CV_GUARD(cv_buf_add(dst, p->sc.buf + p->sc.start, p->sc.pos - p->sc.start));
        break;
    default:
        return es_syntax("unable to parse substitution within function");
    }
    n->nargs++;
    return cv_ok();
}

static cv_result es_consume_rbrack(es_parser *p)
{
    p->sc.mode = M_RBRACK;
    return sc_scan(&p->sc) == T_RBRACK ? cv_ok() : es_syntax("bad substitution");
}

/* Scan the operator token with accept function a into n->op. */
static cv_result es_scan_op(es_parser *p, es_node *n, es_accept a, const char *err)
{
    sc_set(&p->sc, a, M_IDENT);
    if (sc_scan(&p->sc) != T_IDENT) return es_syntax(err);
    n->op = sc_text(&p->sc);
    return cv_ok();
}

/* ${V:off} and ${V:off:len}; the delimiter may be any run of colons. */
static cv_result es_parse_substr(es_parser *p, es_node *n)
{
    CV_GUARD(es_scan_op(p, n, A_ONE_COLON, "bad substitution"));
    CV_GUARD(es_parse_param(p, n, A_REJECT_COLON_CLOSE, M_IDENT));
    sc_set(&p->sc, A_COLON, M_IDENT | M_RBRACK);
    es_token t = sc_scan(&p->sc);
    if (t == T_RBRACK) return cv_ok();
    if (t != T_IDENT) return es_syntax("bad substitution");
    CV_GUARD(es_parse_param(p, n, A_NOT_CLOSING, M_IDENT));
    return es_consume_rbrack(p);
}

static cv_result es_parse_remove(es_parser *p, es_node *n, es_accept a)
{
    CV_GUARD(es_scan_op(p, n, a, "bad substitution"));
    CV_GUARD(es_parse_param(p, n, A_NOT_CLOSING, M_IDENT));
    return es_consume_rbrack(p);
}

static cv_result es_parse_replace(es_parser *p, es_node *n)
{
    CV_GUARD(es_scan_op(p, n, A_REPLACE_FUNC, "bad substitution"));
    CV_GUARD(es_parse_param(p, n, A_NOT_SLASH, M_IDENT | M_ESCAPE));
    sc_set(&p->sc, A_SLASH, M_IDENT);
    if (sc_scan(&p->sc) != T_IDENT) return es_syntax("bad substitution");
    if (sc_peek(&p->sc) == '}') return es_consume_rbrack(p);
    CV_GUARD(es_parse_param(p, n, A_NOT_CLOSING, M_IDENT | M_ESCAPE));
    return es_consume_rbrack(p);
}

static cv_result es_parse_default(es_parser *p, es_node *n)
{
    es_accept a = sc_peek(&p->sc) == '=' ? A_ONE_EQUAL : A_DEFAULT_FUNC;
    CV_GUARD(es_scan_op(p, n, a, "unable to parse default function"));
    n->join = true;
    while (sc_peek(&p->sc) != '}')
        CV_GUARD(es_parse_param(p, n, A_NOT_CLOSING, M_IDENT));
    return es_consume_rbrack(p);
}

static cv_result es_parse_default_or_substr(es_parser *p, es_node *n)
{
    (void)sc_read(&p->sc);
    uint32_t r = sc_peek(&p->sc);
    sc_unread(&p->sc); /* by the width of r, as Go does */
    if (r == '=' || r == '-' || r == '?' || r == '+') return es_parse_default(p, n);
    return es_parse_substr(p, n);
}

static cv_result es_parse_len(es_parser *p, es_node *n)
{
    CV_GUARD(es_scan_op(p, n, A_ONE_HASH, "bad substitution"));
    sc_set(&p->sc, A_IDENT, M_IDENT);
    if (sc_scan(&p->sc) != T_IDENT) return es_syntax("bad substitution");
    n->param = sc_text(&p->sc);
    return es_consume_rbrack(p);
}

static cv_result es_parse_func_body(es_parser *p, es_node *n)
{
    p->sc.esc = E_ALL;
    if (sc_peek(&p->sc) == '#') return es_parse_len(p, n);
    sc_set(&p->sc, A_IDENT, M_IDENT);
    if (sc_scan(&p->sc) != T_IDENT) return es_syntax("unable to parse variable name");
    n->param = sc_text(&p->sc);
    switch (sc_peek(&p->sc)) {
    case ':': return es_parse_default_or_substr(p, n);
    case '=': return es_parse_default(p, n);
    case ',':
    case '^':
        CV_GUARD(es_scan_op(p, n, A_CASING_FUNC, "bad substitution"));
        return es_consume_rbrack(p);
    case '/': return es_parse_replace(p, n);
    case '#': return es_parse_remove(p, n, A_HASH_FUNC);
    case '%': return es_parse_remove(p, n, A_PERCENT_FUNC);
    default: break;
    }
    sc_set(&p->sc, A_IDENT, M_RBRACK);
    return sc_scan(&p->sc) == T_RBRACK ? cv_ok() : es_syntax("missing closing brace");
}

/* Look the variable up (after the arguments were evaluated) and apply. */
static cv_result es_node_eval(es_parser *p, es_node *n, cv_buf *out)
{
    cv_slice v = cv_slice_of("", 0);
    bool found = false;
    CV_GUARD(p->fn(p->ctx, n->param, &v, &found));
    if (!found) {
        if (p->strict && !es_is_default_op(n->op)) {
            char q[160];
            cv_quote(q, sizeof q, n->param);
            CV_BAILF(CV_E_ENVSUBST_UNDEFINED, "variable not set (strict mode): %s", q);
        }
        v = cv_slice_of("", 0);
    }
    cv_slice args[2] = { cv_buf_slice(&n->args[0]), cv_buf_slice(&n->args[1]) };
    return es_apply(n->op, v, args, n->nargs, out);
}

static cv_result es_parse_func(es_parser *p, cv_buf *out)
{
    CV_ENSUREF(p->depth < CV_ENVSUBST_MAX_DEPTH, CV_E_LIMIT, "envsubst: more than %u nested ${",
               CV_ENVSUBST_MAX_DEPTH);
    es_node n = { .op = cv_slice_of("", 0) };
    cv_buf_init_secret(&n.args[0], CV_ENVSUBST_MAX_VALUE);
    cv_buf_init_secret(&n.args[1], CV_ENVSUBST_MAX_VALUE);
    p->depth++;
    cv_result res = es_parse_func_body(p, &n);
    if (cv_is_ok(res) && p->eval) res = es_node_eval(p, &n, out);
    p->depth--;
    cv_buf_release(&n.args[0]);
    cv_buf_release(&n.args[1]);
    return res;
}

static cv_result es_parse_any(es_parser *p, cv_buf *out)
{
    for (;;) {
        p->sc.esc = E_DOLLAR;
        sc_set(&p->sc, A_RUNE, M_IDENT | M_LBRACK | M_ESCAPE);
        switch (sc_scan(&p->sc)) {
        case T_IDENT:
            if (p->eval) CV_GUARD(cv_buf_add(out, p->sc.buf + p->sc.start, p->sc.pos - p->sc.start));
            break;
        case T_EOF:
            return cv_ok();
        case T_LBRACK:
            CV_GUARD(es_parse_func(p, out));
            break;
        default:
            return es_syntax("bad substitution");
        }
    }
}

/* One pass over a fresh copy of the input (the scanner edits its copy). */
static cv_result es_pass(es_parser *p, cv_slice in, cv_buf *out)
{
    cv_buf work;
    cv_buf_init_secret(&work, in.len);
    cv_result res = cv_buf_add(&work, in.p, in.len);
    if (cv_is_ok(res)) {
        p->sc = (es_scanner){ .buf = work.p, .len = work.len };
        p->depth = 0;
        res = es_parse_any(p, out);
    }
    cv_buf_release(&work);
    return res;
}

cv_result cv_envsubst(cv_slice in, cv_envsubst_lookup fn, void *ctx, bool strict, cv_buf *out)
{
    if (in.len == 0) return cv_ok();
    es_parser p = { .fn = fn, .ctx = ctx, .strict = strict };
    CV_GUARD(es_pass(&p, in, out));
    p.eval = true;
    return es_pass(&p, in, out);
}

static bool es_ascii_alpha(uint8_t c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

bool cv_flux_varname_ok(cv_slice name)
{
    if (name.len == 0 || !(name.p[0] == '_' || es_ascii_alpha(name.p[0]))) return false;
    for (size_t i = 1; i < name.len; i++) {
        uint8_t c = name.p[i];
        if (!(c == '_' || es_ascii_alpha(c) || (c >= '0' && c <= '9'))) return false;
    }
    return true;
}
