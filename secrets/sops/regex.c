/* Go regexp -> POSIX ERE. Two passes: a parser that follows Go's
 * regexp/syntax (same accepted language, same first error, same messages)
 * builds a small tree; an emitter writes the tree as an ERE over bytes, with
 * every character class spelled as UTF-8 byte sequences. */
#include "secrets/sops/regex.h"
#include "secrets/sops/regex_int.h"

#include <locale.h>
#include <pthread.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/base/buf.h"
#include "crypto/base/limits.h"
#include "crypto/base/mem.h"

#define MAX_RUNE CV_RX_MAX_RUNE
#define FOLD_MIN 0x41u
#define FOLD_MAX 0x1E943u
#define LONG_S 0x17Fu   /* folds with s and S */
#define KELVIN 0x212Au  /* folds with k and K */

enum { F_FOLD = 1, F_DOTNL = 2, F_MULTI = 4, F_UNGREEDY = 8 };
enum {
    N_EMPTY = CV_RX_EMPTY, N_CLASS = CV_RX_CLASS, N_BOL = CV_RX_BOT, N_EOL = CV_RX_EOT,
    N_WB = CV_RX_WB, N_NWB = CV_RX_NWB, N_CAT = CV_RX_CAT, N_ALT = CV_RX_ALT, N_REP = CV_RX_REP,
    N_CAP = CV_RX_CAP, N_BOL_LINE = CV_RX_BOL, N_EOL_LINE = CV_RX_EOL
};

typedef cv_rx_rng rng;
typedef cv_rx_rset rset;
typedef cv_rx_node node;

typedef struct {
    const char *s;
    size_t len, pos;
    unsigned flags, depth;
    node *nodes;
    size_t n, cap;
    cv_buf out;
    bool multiline; /* (?m) with ^ and $ allowed (the VM path) */
    int ncap;
} parser;

struct cv_goregex {
    regex_t re;
    char *ere;
};

/* ---- errors ---------------------------------------------------------- */

static cv_result goerr(const char *code, const char *expr, size_t n)
{
    return CV_FAILF(CV_E_REGEX, "error parsing regexp: %s: `%.*s`", code, (int)n, expr);
}

static cv_result goerr_whole(parser *p, const char *code)
{
    return goerr(code, p->s, p->len);
}

static cv_result unsupported(const char *what)
{
    return CV_FAILF(CV_E_UNSUPPORTED, "regexp: %s is not supported", what);
}

/* ---- rune sets ------------------------------------------------------- */

static cv_result rset_add(rset *s, uint32_t lo, uint32_t hi)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 8;
        rng *r = realloc(s->r, cap * sizeof(*r));
        CV_ENSURE(r != NULL, CV_E_NOMEM);
        s->r = r, s->cap = cap;
    }
    s->r[s->n++] = (rng){ lo, hi };
    return cv_ok();
}

static int rng_cmp(const void *a, const void *b)
{
    const rng *x = a, *y = b;
    if (x->lo != y->lo) return x->lo < y->lo ? -1 : 1;
    return x->hi > y->hi ? -1 : x->hi < y->hi;
}

static void rset_clean(rset *s)
{
    if (s->n < 2) return;
    qsort(s->r, s->n, sizeof(rng), rng_cmp);
    size_t w = 1;
    for (size_t i = 1; i < s->n; i++) {
        if (s->r[i].lo <= s->r[w - 1].hi + 1) {
            if (s->r[i].hi > s->r[w - 1].hi) s->r[w - 1].hi = s->r[i].hi;
        } else {
            s->r[w++] = s->r[i];
        }
    }
    s->n = w;
}

/* Replace s by its complement in [0, MAX_RUNE]. */
static cv_result rset_negate(rset *s)
{
    rset_clean(s);
    rset t = { 0 };
    uint32_t next = 0;
    cv_result res = cv_ok();
    for (size_t i = 0; i < s->n && cv_is_ok(res); i++) {
        if (s->r[i].lo > next) res = rset_add(&t, next, s->r[i].lo - 1);
        next = s->r[i].hi + 1;
    }
    if (cv_is_ok(res) && next <= MAX_RUNE) res = rset_add(&t, next, MAX_RUNE);
    free(s->r);
    *s = t;
    return res;
}

static bool rset_has(const rset *s, uint32_t c)
{
    for (size_t i = 0; i < s->n; i++)
        if (s->r[i].lo <= c && c <= s->r[i].hi) return true;
    return false;
}

static bool is_lower(uint32_t c) { return c >= 'a' && c <= 'z'; }
static bool is_upper(uint32_t c) { return c >= 'A' && c <= 'Z'; }

/* Go's appendFoldedRange for what covert can fold: ASCII, plus the two
 * non-ASCII runes whose simple-fold orbits reach ASCII letters. */
static cv_result rset_add_folded(rset *s, uint32_t lo, uint32_t hi)
{
    CV_GUARD(rset_add(s, lo, hi));
    if (lo <= FOLD_MIN && hi >= FOLD_MAX) return cv_ok();
    for (uint32_t c = lo; c <= hi && c < 0x80; c++) {
        if (is_lower(c)) CV_GUARD(rset_add(s, c - 32, c - 32));
        if (is_upper(c)) CV_GUARD(rset_add(s, c + 32, c + 32));
        if (c == 'k' || c == 'K') CV_GUARD(rset_add(s, KELVIN, KELVIN));
        if (c == 's' || c == 'S') CV_GUARD(rset_add(s, LONG_S, LONG_S));
    }
    if (hi < 0x80) return cv_ok();
    uint32_t from = lo < 0x80 ? 0x80 : lo;
    bool only_known = (from == hi) && (from == LONG_S || from == KELVIN);
    if (!only_known) return unsupported("case-insensitive matching (?i) of non-ASCII characters");
    uint32_t a = from == LONG_S ? 's' : 'k';
    CV_GUARD(rset_add(s, a, a));
    return rset_add(s, a - 32, a - 32);
}

/* Go's appendFoldedRange in full (the VM path): every rune of [lo, hi]
 * that can fold, with its whole SimpleFold orbit. */
static cv_result rset_add_folded_full(rset *s, uint32_t lo, uint32_t hi)
{
    CV_GUARD(rset_add(s, lo, hi));
    if ((lo <= FOLD_MIN && hi >= FOLD_MAX) || hi < FOLD_MIN || lo > FOLD_MAX) return cv_ok();
    uint32_t from = lo < FOLD_MIN ? FOLD_MIN : lo, to = hi > FOLD_MAX ? FOLD_MAX : hi;
    size_t mark = s->n + 1024;
    for (uint32_t c = from; c <= to; c++) {
        for (uint32_t f = cv_rx_simple_fold(c); f != c; f = cv_rx_simple_fold(f))
            if (f < lo || f > hi) CV_GUARD(rset_add(s, f, f));
        if (s->n >= mark) { /* keep big classes compact */
            rset_clean(s);
            mark = s->n + 1024;
        }
    }
    return cv_ok();
}

static cv_result rset_add_maybe_folded(parser *p, rset *s, uint32_t lo, uint32_t hi)
{
    if (!(p->flags & F_FOLD)) return rset_add(s, lo, hi);
    return p->multiline ? rset_add_folded_full(s, lo, hi) : rset_add_folded(s, lo, hi);
}

/* ---- the tree --------------------------------------------------------- */

static cv_result new_node(parser *p, int op, long *out)
{
    if (p->n == p->cap) {
        size_t cap = p->cap ? 2 * p->cap : 32;
        node *nn = realloc(p->nodes, cap * sizeof(*nn));
        CV_ENSURE(nn != NULL, CV_E_NOMEM);
        p->nodes = nn, p->cap = cap;
    }
    p->nodes[p->n] = (node){ .op = op, .kid = -1, .next = -1 };
    *out = (long)p->n++;
    return cv_ok();
}

/* A concatenation being built: its node, and the last atom (which a
 * repetition operator replaces). */
typedef struct {
    long cat, prev, last;
} seq;

static void seq_push(parser *p, seq *q, long id)
{
    if (q->last < 0)
        p->nodes[q->cat].kid = id;
    else
        p->nodes[q->last].next = id;
    q->prev = q->last;
    q->last = id;
}

static cv_result push_op(parser *p, seq *q, int op)
{
    long id = -1;
    CV_GUARD(new_node(p, op, &id));
    seq_push(p, q, id);
    return cv_ok();
}

static cv_result push_class(parser *p, seq *q, rset *s)
{
    long id = -1;
    cv_result r = new_node(p, N_CLASS, &id);
    if (!cv_is_ok(r)) {
        free(s->r);
        return r;
    }
    rset_clean(s);
    p->nodes[id].cls = *s;
    seq_push(p, q, id);
    return cv_ok();
}

static cv_result push_literal(parser *p, seq *q, uint32_t c)
{
    rset s = { 0 };
    cv_result r = rset_add_maybe_folded(p, &s, c, c);
    if (!cv_is_ok(r)) {
        free(s.r);
        return r;
    }
    return push_class(p, q, &s);
}

/* ---- lexing helpers ----------------------------------------------------- */

/* Decode one UTF-8 rune at s[i] (Go's nextRune): surrogates, overlong forms
 * and truncated sequences are invalid. Returns its width, 0 if invalid. */
static size_t utf8_decode(const char *str, size_t len, size_t i, uint32_t *out)
{
    const unsigned char *s = (const unsigned char *)str;
    unsigned char c = s[i];
    if (c < 0x80) return *out = c, 1;
    size_t n = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 0;
    if (n == 0 || c > 0xF4 || i + n > len) return 0;
    uint32_t r = c & (0x7Fu >> n);
    for (size_t k = 1; k < n; k++) {
        if ((s[i + k] & 0xC0) != 0x80) return 0;
        r = r << 6 | (s[i + k] & 0x3Fu);
    }
    static const uint32_t min[5] = { 0, 0, 0x80, 0x800, 0x10000 };
    if (r < min[n] || r > MAX_RUNE || (r >= 0xD800 && r <= 0xDFFF)) return 0;
    *out = r;
    return n;
}

static cv_result next_rune(parser *p, size_t *pos, uint32_t *c)
{
    size_t w = utf8_decode(p->s, p->len, *pos, c);
    if (w == 0) return goerr("invalid UTF-8", p->s + *pos, p->len - *pos);
    *pos += w;
    return cv_ok();
}

static int unhex(uint32_t c)
{
    if (c >= '0' && c <= '9') return (int)(c - '0');
    if (c >= 'a' && c <= 'f') return (int)(c - 'a' + 10);
    if (c >= 'A' && c <= 'F') return (int)(c - 'A' + 10);
    return -1;
}

static bool is_alnum(uint32_t c)
{
    return (c >= '0' && c <= '9') || is_lower(c) || is_upper(c);
}

static bool at(const parser *p, size_t i, char c) { return i < p->len && p->s[i] == c; }

/* ---- escapes ------------------------------------------------------------ */

static cv_result bad_escape(parser *p, size_t start, size_t end)
{
    return goerr("invalid escape sequence", p->s + start, end - start);
}

/* \x41 or \x{10FFFF}; *pos is just after the x. */
static cv_result parse_hex_escape(parser *p, size_t start, size_t *pos, uint32_t *out)
{
    size_t t = *pos;
    uint32_t c;
    if (t >= p->len) return bad_escape(p, start, t);
    CV_GUARD(next_rune(p, &t, &c));
    if (c == '{') {
        uint32_t r = 0;
        int nhex = 0;
        for (;;) {
            if (t >= p->len) return bad_escape(p, start, t);
            CV_GUARD(next_rune(p, &t, &c));
            if (c == '}') break;
            int v = unhex(c);
            if (v < 0) return bad_escape(p, start, t);
            r = r * 16 + (uint32_t)v;
            if (r > MAX_RUNE) return bad_escape(p, start, t);
            nhex++;
        }
        if (nhex == 0) return bad_escape(p, start, t);
        *pos = t, *out = r;
        return cv_ok();
    }
    int x = unhex(c), y = -1;
    if (t < p->len) {
        uint32_t d;
        CV_GUARD(next_rune(p, &t, &d));
        y = unhex(d);
    }
    if (x < 0 || y < 0) return bad_escape(p, start, t);
    *pos = t, *out = (uint32_t)(x * 16 + y);
    return cv_ok();
}

/* Go's parseEscape: *pos at the backslash. */
static cv_result parse_escape(parser *p, size_t *pos, uint32_t *out)
{
    size_t start = *pos, t = start + 1;
    if (t >= p->len) return goerr("trailing backslash at end of expression", "", 0);
    uint32_t c;
    CV_GUARD(next_rune(p, &t, &c));
    if (c < 0x80 && !is_alnum(c)) return *pos = t, *out = c, cv_ok();
    bool octal_next = t < p->len && p->s[t] >= '0' && p->s[t] <= '7';
    if (c >= '1' && c <= '7' && !octal_next) return bad_escape(p, start, t); /* backreference */
    if (c >= '0' && c <= '7') {
        uint32_t r = c - '0';
        for (int i = 1; i < 3 && t < p->len && p->s[t] >= '0' && p->s[t] <= '7'; i++)
            r = r * 8 + (uint32_t)(p->s[t++] - '0');
        return *pos = t, *out = r, cv_ok();
    }
    static const char from[] = "afnrtv", to[] = "\a\f\n\r\t\v";
    const char *f = c < 0x80 ? strchr(from, (int)c) : NULL;
    if (f && c) return *pos = t, *out = (uint32_t)(unsigned char)to[f - from], cv_ok();
    if (c == 'x') {
        *pos = t;
        return parse_hex_escape(p, start, pos, out);
    }
    return bad_escape(p, start, t);
}

/* ---- named and Perl classes --------------------------------------------- */

typedef struct {
    const char *name;
    const uint32_t *r; /* pairs, 0-terminated after the first pair */
    size_t n;
} group;

static const uint32_t g_digit[] = { '0', '9' };
static const uint32_t g_space[] = { 9, 10, 12, 13, 32, 32 };
static const uint32_t g_word[] = { '0', '9', 'A', 'Z', '_', '_', 'a', 'z' };
static const uint32_t g_alnum[] = { '0', '9', 'A', 'Z', 'a', 'z' };
static const uint32_t g_alpha[] = { 'A', 'Z', 'a', 'z' };
static const uint32_t g_ascii[] = { 0, 0x7F };
static const uint32_t g_blank[] = { 9, 9, 32, 32 };
static const uint32_t g_cntrl[] = { 0, 0x1F, 0x7F, 0x7F };
static const uint32_t g_graph[] = { 0x21, 0x7E };
static const uint32_t g_lower[] = { 'a', 'z' };
static const uint32_t g_print[] = { 0x20, 0x7E };
static const uint32_t g_punct[] = { 0x21, 0x2F, 0x3A, 0x40, 0x5B, 0x60, 0x7B, 0x7E };
static const uint32_t g_pspace[] = { 9, 13, 32, 32 };
static const uint32_t g_upper[] = { 'A', 'Z' };
static const uint32_t g_xdigit[] = { '0', '9', 'A', 'F', 'a', 'f' };

#define G(name, arr) { name, arr, sizeof(arr) / sizeof(arr[0]) }
static const group posix_groups[] = {
    G("alnum", g_alnum), G("alpha", g_alpha), G("ascii", g_ascii), G("blank", g_blank),
    G("cntrl", g_cntrl), G("digit", g_digit), G("graph", g_graph), G("lower", g_lower),
    G("print", g_print), G("punct", g_punct), G("space", g_pspace), G("upper", g_upper),
    G("word", g_word),   G("xdigit", g_xdigit),
};
#undef G

/* Go's appendGroup: the group's ranges (folded under (?i)), negated when
 * sign < 0, added to dst. */
static cv_result add_group(parser *p, rset *dst, const group *g, bool neg)
{
    rset t = { 0 };
    cv_result r = cv_ok();
    for (size_t i = 0; i + 1 < g->n && cv_is_ok(r); i += 2)
        r = rset_add_maybe_folded(p, &t, g->r[i], g->r[i + 1]);
    if (cv_is_ok(r) && neg) r = rset_negate(&t);
    for (size_t i = 0; i < t.n && cv_is_ok(r); i++) r = rset_add(dst, t.r[i].lo, t.r[i].hi);
    free(t.r);
    return r;
}

/* \d \D \s \S \w \W at *pos; *found says whether one was there. */
static cv_result perl_class(parser *p, size_t *pos, rset *dst, bool *found)
{
    static const group d = { "d", g_digit, 2 }, s = { "s", g_space, 6 }, w = { "w", g_word, 8 };
    *found = false;
    if (!at(p, *pos, '\\') || *pos + 1 >= p->len) return cv_ok();
    char c = p->s[*pos + 1];
    const group *g = (c == 'd' || c == 'D') ? &d : (c == 's' || c == 'S') ? &s
                   : (c == 'w' || c == 'W') ? &w : NULL;
    if (!g) return cv_ok();
    *found = true;
    *pos += 2;
    return add_group(p, dst, g, c == 'D' || c == 'S' || c == 'W');
}

/* [:alpha:] or [:^alpha:] at *pos (inside a bracket). Go looks for the
 * closing ":]" anywhere in the rest of the pattern. */
static cv_result posix_class(parser *p, size_t *pos, rset *dst, bool *found)
{
    *found = false;
    size_t t = *pos;
    if (t + 2 >= p->len || p->s[t] != '[' || p->s[t + 1] != ':') return cv_ok();
    const char *end = NULL;
    for (size_t i = t + 2; i + 1 < p->len; i++)
        if (p->s[i] == ':' && p->s[i + 1] == ']') {
            end = p->s + i;
            break;
        }
    if (!end) return cv_ok();
    size_t namelen = (size_t)(end - (p->s + t + 2)), whole = namelen + 4;
    const char *name = p->s + t + 2;
    bool neg = namelen > 0 && name[0] == '^';
    if (neg) name++, namelen--;
    for (size_t i = 0; i < sizeof(posix_groups) / sizeof(posix_groups[0]); i++) {
        const group *g = &posix_groups[i];
        if (strlen(g->name) == namelen && memcmp(g->name, name, namelen) == 0) {
            *found = true;
            *pos = t + whole;
            return add_group(p, dst, g, neg);
        }
    }
    return goerr("invalid character class range", p->s + t, whole);
}

static cv_result unicode_class(parser *p, size_t pos)
{
    if (at(p, pos, '\\') && (at(p, pos + 1, 'p') || at(p, pos + 1, 'P')))
        return unsupported("a Unicode character class (\\p, \\P)");
    return cv_ok();
}

/* ---- bracket expressions ------------------------------------------------ */

static cv_result class_char(parser *p, size_t *pos, size_t whole, uint32_t *c)
{
    if (*pos >= p->len) return goerr("missing closing ]", p->s + whole, p->len - whole);
    if (p->s[*pos] == '\\') return parse_escape(p, pos, c);
    return next_rune(p, pos, c);
}

/* One item of a bracket: a named class, a Perl class, a char or a range. */
static cv_result class_item(parser *p, size_t *t, size_t whole, rset *s)
{
    bool found;
    CV_GUARD(posix_class(p, t, s, &found));
    if (found) return cv_ok();
    CV_GUARD(unicode_class(p, *t));
    CV_GUARD(perl_class(p, t, s, &found));
    if (found) return cv_ok();
    size_t start = *t;
    uint32_t lo, hi;
    CV_GUARD(class_char(p, t, whole, &lo));
    hi = lo;
    if (*t + 1 < p->len && p->s[*t] == '-' && p->s[*t + 1] != ']') {
        (*t)++;
        CV_GUARD(class_char(p, t, whole, &hi));
        if (hi < lo) return goerr("invalid character class range", p->s + start, *t - start);
    }
    return rset_add_maybe_folded(p, s, lo, hi);
}

static cv_result parse_bracket(parser *p, seq *q)
{
    size_t whole = p->pos, t = p->pos + 1;
    bool neg = at(p, t, '^'), first = true;
    if (neg) t++;
    rset s = { 0 };
    cv_result r = cv_ok();
    while (cv_is_ok(r) && (t >= p->len || p->s[t] != ']' || first)) {
        first = false;
        r = class_item(p, &t, whole, &s);
    }
    if (cv_is_ok(r) && neg) r = rset_negate(&s);
    if (!cv_is_ok(r)) {
        free(s.r);
        return r;
    }
    p->pos = t + 1;
    return push_class(p, q, &s);
}

/* ---- repetition ----------------------------------------------------------- */

/* Go's parseInt: no leading zeros; values past 1e8 become -1. */
static bool parse_int(parser *p, size_t *t, int *out)
{
    size_t i = *t;
    if (i >= p->len || p->s[i] < '0' || p->s[i] > '9') return false;
    if (p->s[i] == '0' && i + 1 < p->len && p->s[i + 1] >= '0' && p->s[i + 1] <= '9')
        return false;
    long n = 0;
    for (; i < p->len && p->s[i] >= '0' && p->s[i] <= '9'; i++)
        if (n >= 0) n = n >= 100000000 ? -1 : n * 10 + (p->s[i] - '0');
    *t = i, *out = (int)n;
    return true;
}

/* {n}, {n,} or {n,m} at *t; false when '{' is just a literal. */
static bool parse_braces(parser *p, size_t *t, int *min, int *max)
{
    size_t i = *t + 1;
    if (!parse_int(p, &i, min) || i >= p->len) return false;
    if (p->s[i] != ',') {
        *max = *min;
    } else {
        i++;
        if (i >= p->len) return false;
        if (p->s[i] == '}') {
            *max = -1;
        } else {
            if (!parse_int(p, &i, max)) return false;
            if (*max < 0) *min = -1;
        }
    }
    if (i >= p->len || p->s[i] != '}') return false;
    *t = i + 1;
    return true;
}

/* Go's repeatIsValid: nested {n,m} may not exceed n copies in total. */
static bool repeat_valid(const parser *p, long id, int n)
{
    const node *x = &p->nodes[id];
    if (x->op == N_REP && x->counted) {
        int m = x->max;
        if (m == 0) return true;
        if (m < 0) m = x->min;
        if (m > n) return false;
        if (m > 0) n /= m;
    }
    for (long k = x->kid; k >= 0; k = p->nodes[k].next)
        if (!repeat_valid(p, k, n)) return false;
    return true;
}

/* Apply a repetition operator spanning s[op, *after) (a lazy '?' is taken
 * here) to the last atom. last_rep is where the previous token began if it
 * was itself a repetition, else SIZE_MAX. */
static cv_result repeat(parser *p, seq *q, size_t op, size_t *after, int min, int max,
                        bool counted, size_t last_rep)
{
    bool lazy = at(p, *after, '?');
    if (lazy) (*after)++;
    if (p->flags & F_UNGREEDY) lazy = !lazy;
    if (last_rep != SIZE_MAX)
        return goerr("invalid nested repetition operator", p->s + last_rep, *after - last_rep);
    if (q->last < 0)
        return goerr("missing argument to repetition operator", p->s + op, *after - op);
    long id = -1;
    CV_GUARD(new_node(p, N_REP, &id));
    node *r = &p->nodes[id];
    r->min = min, r->max = max, r->counted = counted, r->lazy = lazy, r->kid = q->last;
    if (q->prev < 0)
        p->nodes[q->cat].kid = id;
    else
        p->nodes[q->prev].next = id;
    p->nodes[q->last].next = -1;
    q->last = id;
    if (counted && (min >= 2 || max >= 2) && !repeat_valid(p, id, 1000))
        return goerr("invalid repeat count", p->s + op, *after - op);
    return cv_ok();
}

/* *, +, ? or {...} at p->pos. *handled is false for a literal '{'. */
static cv_result parse_repeat(parser *p, seq *q, size_t last_rep, bool *handled)
{
    size_t op = p->pos, after = op + 1;
    int min = 0, max = -1;
    bool counted = p->s[op] == '{';
    *handled = true;
    if (p->s[op] == '+') min = 1;
    if (p->s[op] == '?') max = 1;
    if (counted) {
        after = op;
        if (!parse_braces(p, &after, &min, &max)) return *handled = false, cv_ok();
        if (min < 0 || min > 1000 || max > 1000 || (max >= 0 && min > max))
            return goerr("invalid repeat count", p->s + op, after - op);
    }
    CV_GUARD(repeat(p, q, op, &after, min, max, counted, last_rep));
    p->pos = after;
    return cv_ok();
}

/* ---- groups and flags ------------------------------------------------------ */

static cv_result parse_alt(parser *p, long *out);

/* A group's body up to its ')'. A capturing group (name_at != SIZE_MAX)
 * takes its number when it opens, as in Go, and wraps the body in N_CAP;
 * its name is pattern[name_at, name_at + name_len). */
static cv_result parse_group_body(parser *p, seq *q, unsigned saved_flags, size_t name_at,
                                  size_t name_len)
{
    CV_ENSUREF(++p->depth <= CV_GOREGEX_MAX_DEPTH, CV_E_REGEX,
               "error parsing regexp: expression nests too deeply: `%.*s`", (int)p->len, p->s);
    int cap = name_at != SIZE_MAX ? ++p->ncap : 0;
    long body = -1, id = -1;
    CV_GUARD(parse_alt(p, &body));
    if (p->pos >= p->len) return goerr_whole(p, "missing closing )");
    p->pos++; /* ) */
    p->depth--;
    p->flags = saved_flags;
    if (cap) {
        CV_GUARD(new_node(p, N_CAP, &id));
        p->nodes[id].kid = body, p->nodes[id].min = cap;
        p->nodes[id].name_at = name_at, p->nodes[id].name_len = name_len;
        body = id;
    }
    seq_push(p, q, body);
    return cv_ok();
}

static bool valid_capture_name(const char *s, size_t n)
{
    if (n == 0) return false;
    for (size_t i = 0; i < n; i++)
        if (s[i] != '_' && !is_alnum((unsigned char)s[i])) return false;
    return true;
}

/* (?P<name>...) or (?<name>...) at p->pos. */
static cv_result parse_named(parser *p, seq *q, size_t name_at)
{
    size_t t = p->pos;
    const char *gt = memchr(p->s + t, '>', p->len - t);
    if (!gt) {
        for (size_t i = t; i < p->len;) {
            uint32_t c;
            CV_GUARD(next_rune(p, &i, &c));
        }
        return goerr("invalid named capture", p->s + t, p->len - t);
    }
    size_t end = (size_t)(gt - p->s);
    for (size_t i = name_at; i < end;) {
        uint32_t c;
        CV_GUARD(next_rune(p, &i, &c));
    }
    if (!valid_capture_name(p->s + name_at, end - name_at))
        return goerr("invalid named capture", p->s + t, end + 1 - t);
    unsigned saved = p->flags;
    p->pos = end + 1;
    return parse_group_body(p, q, saved, name_at, end - name_at);
}

/* Go's parsePerlFlags: (?flags), (?flags:...), (?:...), named groups. */
static cv_result parse_perl_flags(parser *p, seq *q)
{
    size_t s = p->pos, rest = p->len - s;
    if (rest > 4 && p->s[s + 2] == 'P' && p->s[s + 3] == '<') return parse_named(p, q, s + 4);
    if (rest > 3 && p->s[s + 2] == '<') return parse_named(p, q, s + 3);
    size_t t = s + 2;
    unsigned flags = p->flags, saved = p->flags;
    bool neg = false, saw = false;
    while (t < p->len) {
        uint32_t c;
        CV_GUARD(next_rune(p, &t, &c));
        unsigned bit = c == 'i' ? F_FOLD : c == 'm' ? F_MULTI : c == 's' ? F_DOTNL
                     : c == 'U' ? F_UNGREEDY : 0;
        if (bit) {
            flags = neg ? flags & ~bit : flags | bit;
            saw = true;
        } else if (c == '-' && !neg) {
            neg = true, saw = false;
        } else if ((c == ':' || c == ')') && !(neg && !saw)) {
            p->flags = flags;
            p->pos = t;
            return c == ':' ? parse_group_body(p, q, saved, SIZE_MAX, 0) : cv_ok();
        } else {
            break;
        }
    }
    return goerr("invalid or unsupported Perl syntax", p->s + s, t - s);
}

/* ---- the main loop ---------------------------------------------------------- */

/* \A \b \B \C \Q \z, Unicode and Perl classes, then ordinary escapes. */
static cv_result parse_backslash(parser *p, seq *q)
{
    char c = p->pos + 1 < p->len ? p->s[p->pos + 1] : 0;
    int op = c == 'A' ? N_BOL : c == 'z' ? N_EOL : c == 'b' ? N_WB : c == 'B' ? N_NWB : -1;
    if (op >= 0) {
        p->pos += 2;
        return push_op(p, q, op);
    }
    if (c == 'C') return bad_escape(p, p->pos, p->pos + 2);
    if (c == 'Q') {
        size_t t = p->pos + 2;
        while (t < p->len && !(p->s[t] == '\\' && at(p, t + 1, 'E'))) {
            uint32_t r;
            CV_GUARD(next_rune(p, &t, &r));
            CV_GUARD(push_literal(p, q, r));
        }
        p->pos = t < p->len ? t + 2 : t;
        return cv_ok();
    }
    CV_GUARD(unicode_class(p, p->pos));
    rset s = { 0 };
    bool found;
    cv_result r = perl_class(p, &p->pos, &s, &found);
    if (!cv_is_ok(r) || found) return cv_is_ok(r) ? push_class(p, q, &s) : (free(s.r), r);
    uint32_t lit;
    CV_GUARD(parse_escape(p, &p->pos, &lit));
    return push_literal(p, q, lit);
}

static cv_result parse_dot(parser *p, seq *q)
{
    rset s = { 0 };
    cv_result r = rset_add(&s, '\n', '\n');
    if (cv_is_ok(r) && !(p->flags & F_DOTNL)) r = rset_negate(&s);
    else if (cv_is_ok(r)) r = rset_add(&s, 0, MAX_RUNE);
    if (!cv_is_ok(r)) return free(s.r), r;
    p->pos++;
    return push_class(p, q, &s);
}

static cv_result parse_anchor(parser *p, seq *q, int op)
{
    if ((p->flags & F_MULTI) && !p->multiline)
        return unsupported("multi-line mode (?m) with ^ or $");
    p->pos++;
    if (p->flags & F_MULTI) op = op == N_BOL ? N_BOL_LINE : N_EOL_LINE;
    return push_op(p, q, op);
}

/* One token of a concatenation; *rep says whether it was a repetition. */
static cv_result parse_token(parser *p, seq *q, size_t last_rep, bool *rep)
{
    char c = p->s[p->pos];
    *rep = false;
    switch (c) {
    case '(':
        if (at(p, p->pos + 1, '?')) return parse_perl_flags(p, q);
        p->pos++;
        return parse_group_body(p, q, p->flags, p->pos, 0);
    case '^': return parse_anchor(p, q, N_BOL);
    case '$': return parse_anchor(p, q, N_EOL);
    case '.': return parse_dot(p, q);
    case '[': return parse_bracket(p, q);
    case '\\': return parse_backslash(p, q);
    case '*': case '+': case '?': case '{': {
        bool handled;
        CV_GUARD(parse_repeat(p, q, last_rep, &handled));
        if (handled) return *rep = true, cv_ok();
        p->pos++;
        return push_literal(p, q, '{');
    }
    default: {
        uint32_t r;
        CV_GUARD(next_rune(p, &p->pos, &r));
        return push_literal(p, q, r);
    }
    }
}

static cv_result parse_concat(parser *p, long *out)
{
    seq q = { -1, -1, -1 };
    CV_GUARD(new_node(p, N_CAT, &q.cat));
    size_t last_rep = SIZE_MAX;
    while (p->pos < p->len && p->s[p->pos] != '|' && p->s[p->pos] != ')') {
        size_t start = p->pos;
        bool rep;
        CV_GUARD(parse_token(p, &q, last_rep, &rep));
        last_rep = rep ? start : SIZE_MAX;
    }
    *out = q.cat;
    return cv_ok();
}

static cv_result parse_alt(parser *p, long *out)
{
    long alt = -1, cat = -1, last = -1;
    CV_GUARD(new_node(p, N_ALT, &alt));
    for (;;) {
        CV_GUARD(parse_concat(p, &cat));
        if (last < 0)
            p->nodes[alt].kid = cat;
        else
            p->nodes[last].next = cat;
        last = cat;
        if (!at(p, p->pos, '|')) break;
        p->pos++;
    }
    *out = p->nodes[alt].kid == last ? last : alt;
    return cv_ok();
}

/* ---- emitting POSIX ERE ------------------------------------------------------ */

typedef struct {
    uint8_t bits[32];
} byteset;

static void bs_set(byteset *b, unsigned c) { b->bits[c >> 3] |= (uint8_t)(1u << (c & 7)); }
static bool bs_has(const byteset *b, unsigned c) { return b->bits[c >> 3] >> (c & 7) & 1; }

static size_t bs_count(const byteset *b)
{
    size_t n = 0;
    for (unsigned c = 0; c < 256; c++) n += bs_has(b, c);
    return n;
}

static cv_result put(parser *p, const char *s) { return cv_buf_add_str(&p->out, s); }
static cv_result putc_(parser *p, unsigned c) { return cv_buf_add_byte(&p->out, (uint8_t)c); }

/* One byte as an ERE atom outside brackets. */
static cv_result put_byte(parser *p, unsigned c)
{
    if (c && strchr(".[()*+?{|^$\\", (int)c)) CV_GUARD(putc_(p, '\\'));
    return putc_(p, c);
}

/* Bracket body for the bytes in b: ']' first, then runs of ordinary
 * bytes, then '^' (never first in a positive bracket), '[' and '-' last,
 * so that no "[." "[=" "[:" or accidental range can form. */
static cv_result put_bracket_body(parser *p, const byteset *b, bool negated)
{
    static const char special[] = "]^[-";
    bool any = bs_has(b, ']'), dash = bs_has(b, '-'), open = bs_has(b, '[');
    if (any) CV_GUARD(putc_(p, ']'));
    for (unsigned c = 1; c < 256; c++) {
        if (!bs_has(b, c) || (c < 0x80 && strchr(special, (int)c))) continue;
        unsigned e = c;
        while (e + 1 < 256 && bs_has(b, e + 1) && !(e + 1 < 0x80 && strchr(special, (int)(e + 1))))
            e++;
        CV_GUARD(putc_(p, c));
        if (e >= c + 2) CV_GUARD(putc_(p, '-'));
        if (e >= c + 1) CV_GUARD(putc_(p, e));
        any = true;
        c = e;
    }
    if (bs_has(b, '^')) {
        if (!any && !negated) {
            /* '^' may not open a positive bracket: lead with '-' or '['. */
            CV_GUARD(putc_(p, dash ? '-' : '['));
            if (dash)
                dash = false;
            else
                open = false;
        }
        CV_GUARD(putc_(p, '^'));
    }
    if (open) CV_GUARD(putc_(p, '['));
    if (dash) CV_GUARD(putc_(p, '-'));
    return cv_ok();
}

/* A set of single bytes as one atom. Sets holding NUL are written as the
 * negation of their complement (a pattern cannot contain NUL). */
static cv_result put_byteset(parser *p, const byteset *b)
{
    if (bs_count(b) == 1 && !bs_has(b, 0)) {
        for (unsigned c = 1; c < 256; c++)
            if (bs_has(b, c)) return put_byte(p, c);
    }
    bool neg = bs_has(b, 0);
    byteset c = *b;
    if (neg)
        for (unsigned i = 0; i < 32; i++) c.bits[i] = (uint8_t)~b->bits[i];
    CV_GUARD(put(p, neg ? "[^" : "["));
    CV_GUARD(put_bracket_body(p, &c, neg));
    return putc_(p, ']');
}

/* ---- classes as UTF-8 byte sequences ------------------------------------------ */

static size_t utf8_encode(uint32_t r, uint8_t out[4])
{
    if (r < 0x80) return out[0] = (uint8_t)r, 1;
    if (r < 0x800) {
        out[0] = (uint8_t)(0xC0 | r >> 6), out[1] = (uint8_t)(0x80 | (r & 0x3F));
        return 2;
    }
    if (r < 0x10000) {
        out[0] = (uint8_t)(0xE0 | r >> 12), out[1] = (uint8_t)(0x80 | (r >> 6 & 0x3F));
        out[2] = (uint8_t)(0x80 | (r & 0x3F));
        return 3;
    }
    out[0] = (uint8_t)(0xF0 | r >> 18), out[1] = (uint8_t)(0x80 | (r >> 12 & 0x3F));
    out[2] = (uint8_t)(0x80 | (r >> 6 & 0x3F)), out[3] = (uint8_t)(0x80 | (r & 0x3F));
    return 4;
}

typedef struct {
    parser *p;
    size_t nalts;
} alts;

static cv_result alt_sep(alts *a)
{
    if (a->nalts++) return putc_(a->p, '|');
    return cv_ok();
}

/* [lo, hi] of one encoded length whose bytes vary independently per
 * position: one alternative of byte ranges. */
static cv_result put_seq(alts *a, uint32_t lo, uint32_t hi)
{
    uint8_t l[4], h[4];
    size_t n = utf8_encode(lo, l);
    (void)utf8_encode(hi, h);
    CV_GUARD(alt_sep(a));
    for (size_t i = 0; i < n; i++) {
        if (l[i] == h[i]) {
            CV_GUARD(putc_(a->p, l[i]));
            continue;
        }
        CV_GUARD(putc_(a->p, '['));
        CV_GUARD(putc_(a->p, l[i]));
        CV_GUARD(putc_(a->p, '-'));
        CV_GUARD(putc_(a->p, h[i]));
        CV_GUARD(putc_(a->p, ']'));
    }
    return cv_ok();
}

/* Split [lo, hi] (non-ASCII) until each piece is expressible as one
 * sequence of byte ranges (the construction RE2 and Go use). */
static cv_result put_utf8_range(alts *a, uint32_t lo, uint32_t hi)
{
    static const uint32_t bounds[] = { 0x7FF, 0xFFFF };
    if (lo <= 0xDFFF && hi >= 0xD800) { /* no surrogates in UTF-8 */
        if (lo < 0xD800) CV_GUARD(put_utf8_range(a, lo, 0xD7FF));
        if (hi > 0xDFFF) CV_GUARD(put_utf8_range(a, 0xE000, hi));
        return cv_ok();
    }
    for (size_t i = 0; i < 2; i++)
        if (lo <= bounds[i] && hi > bounds[i]) {
            CV_GUARD(put_utf8_range(a, lo, bounds[i]));
            return put_utf8_range(a, bounds[i] + 1, hi);
        }
    uint8_t tmp[4];
    size_t n = utf8_encode(lo, tmp);
    for (size_t i = 1; i < n; i++) {
        uint32_t m = (1u << (6 * i)) - 1;
        if ((lo & ~m) == (hi & ~m)) continue;
        if (lo & m) {
            CV_GUARD(put_utf8_range(a, lo, lo | m));
            return put_utf8_range(a, (lo | m) + 1, hi);
        }
        if ((hi & m) != m) {
            CV_GUARD(put_utf8_range(a, lo, (hi & ~m) - 1));
            return put_utf8_range(a, hi & ~m, hi);
        }
    }
    return put_seq(a, lo, hi);
}

/* The single-byte part of a class: ASCII members, plus the bytes Go reads
 * as U+FFFD (never valid in UTF-8, or a stray continuation) when U+FFFD is
 * a member. */
static void class_bytes(const rset *s, byteset *b)
{
    memset(b, 0, sizeof(*b));
    for (size_t i = 0; i < s->n && s->r[i].lo < 0x80; i++)
        for (uint32_t c = s->r[i].lo; c <= s->r[i].hi && c < 0x80; c++) bs_set(b, c);
    if (!rset_has(s, 0xFFFD)) return;
    for (unsigned c = 0x80; c < 0xC2; c++) bs_set(b, c);
    for (unsigned c = 0xF5; c < 0x100; c++) bs_set(b, c);
}

/* *simple: the output is one ERE atom (a repetition needs no group). */
static cv_result emit_class(parser *p, const rset *s, bool *simple)
{
    size_t start = p->out.len;
    CV_GUARD(putc_(p, '('));
    alts a = { p, 0 };
    byteset b;
    class_bytes(s, &b);
    bool bytes = bs_count(&b) > 0;
    if (bytes) {
        CV_GUARD(alt_sep(&a));
        CV_GUARD(put_byteset(p, &b));
    }
    for (size_t i = 0; i < s->n; i++) {
        if (s->r[i].hi < 0x80) continue;
        CV_GUARD(put_utf8_range(&a, s->r[i].lo < 0x80 ? 0x80 : s->r[i].lo, s->r[i].hi));
    }
    if (a.nalts == 0) { /* matches nothing */
        p->out.len = start;
        *simple = true;
        return put(p, "(x^)");
    }
    *simple = true;
    if (a.nalts > 1) return putc_(p, ')');
    /* One alternative: drop the group we opened. */
    memmove(p->out.p + start, p->out.p + start + 1, p->out.len - start - 1);
    p->out.len--;
    if (!bytes) *simple = false; /* one multi-byte sequence */
    return cv_ok();
}

/* ---- the tree as ERE ------------------------------------------------------------ */

static cv_result emit(parser *p, long id, bool *simple);

static cv_result emit_children(parser *p, long id, const char *sep)
{
    bool simple;
    for (long k = p->nodes[id].kid; k >= 0; k = p->nodes[k].next) {
        if (k != p->nodes[id].kid && sep) CV_GUARD(put(p, sep));
        CV_GUARD(emit(p, k, &simple));
    }
    return cv_ok();
}

static cv_result emit_repeat(parser *p, const node *x)
{
    size_t start = p->out.len;
    bool simple;
    CV_GUARD(emit(p, x->kid, &simple));
    if (!simple) {
        CV_GUARD(putc_(p, ')'));
        CV_GUARD(cv_buf_reserve(&p->out, 1));
        memmove(p->out.p + start + 1, p->out.p + start, p->out.len - start);
        p->out.p[start] = '(';
        p->out.len++;
    }
    if (x->min == 0 && x->max == -1) return putc_(p, '*');
    if (x->min == 1 && x->max == -1) return putc_(p, '+');
    if (x->min == 0 && x->max == 1 && !x->counted) return putc_(p, '?');
    if (x->max == -1) return cv_buf_addf(&p->out, "{%d,}", x->min);
    if (x->max == x->min) return cv_buf_addf(&p->out, "{%d}", x->min);
    return cv_buf_addf(&p->out, "{%d,%d}", x->min, x->max);
}

static cv_result emit(parser *p, long id, bool *simple)
{
    CV_ENSUREF(p->out.len <= CV_GOREGEX_MAX_ERE, CV_E_LIMIT, "regexp: rewritten pattern too large");
    node x = p->nodes[id];
    *simple = false;
    switch (x.op) {
    case N_CLASS: return emit_class(p, &x.cls, simple);
    case N_BOL: return put(p, "^");
    case N_EOL: return put(p, "$");
    case N_WB: return put(p, "\\b");
    case N_NWB: return put(p, "\\B");
    case N_REP: *simple = true; return emit_repeat(p, &x);
    case N_CAP: return emit(p, x.kid, simple);
    case N_ALT:
        *simple = true;
        CV_GUARD(putc_(p, '('));
        CV_GUARD(emit_children(p, id, "|"));
        return putc_(p, ')');
    case N_CAT:
        if (x.kid < 0) return *simple = true, put(p, "()");
        if (p->nodes[x.kid].next < 0) return emit(p, x.kid, simple);
        return emit_children(p, id, NULL);
    default: return *simple = true, put(p, "()");
    }
}

/* ---- API ------------------------------------------------------------------------ */

static pthread_once_t c_locale_once = PTHREAD_ONCE_INIT;
static locale_t c_locale;

static void make_c_locale(void) { c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0); }

/* Run the libc engine in the "C" locale: byte semantics whatever the
 * process locale is. Returns the previous thread locale. */
static locale_t enter_c(void)
{
    pthread_once(&c_locale_once, make_c_locale);
    return c_locale ? uselocale(c_locale) : (locale_t)0;
}

static void leave_c(locale_t old)
{
    if (old) uselocale(old);
}

static void parser_release(parser *p)
{
    for (size_t i = 0; i < p->n; i++) free(p->nodes[i].cls.r);
    free(p->nodes);
    cv_buf_release(&p->out);
}

static cv_result translate(parser *p)
{
    long root = -1;
    CV_GUARD(parse_alt(p, &root));
    if (p->pos < p->len) return goerr_whole(p, "unexpected )");
    bool simple;
    CV_GUARD(emit(p, root, &simple));
    CV_ENSUREF(p->out.len <= CV_GOREGEX_MAX_ERE, CV_E_LIMIT, "regexp: rewritten pattern too large");
    return cv_buf_nul(&p->out);
}

static cv_result compile_ere(const char *ere, cv_goregex **out)
{
    cv_goregex *g = calloc(1, sizeof(*g));
    CV_ENSURE(g != NULL, CV_E_NOMEM);
    locale_t old = enter_c();
    int rc = regcomp(&g->re, ere, REG_EXTENDED | REG_NOSUB);
    leave_c(old);
    if (rc != 0) {
        free(g);
        CV_BAILF(rc == REG_ESPACE ? CV_E_NOMEM : CV_E_INTERNAL, "regexp: POSIX rewrite rejected (%d)", rc);
    }
    *out = g;
    return cv_ok();
}

cv_result cv_goregex_compile_n(const char *pattern, size_t len, cv_goregex **out)
{
    CV_ENSUREF(len <= CV_GOREGEX_MAX_PATTERN, CV_E_TOO_LARGE, "regexp longer than %u bytes",
               CV_GOREGEX_MAX_PATTERN);
    parser p = { .s = pattern, .len = len };
    cv_buf_init(&p.out, CV_GOREGEX_MAX_ERE + 64);
    cv_result r = translate(&p);
    cv_goregex *g = NULL;
    if (cv_is_ok(r)) r = compile_ere((const char *)p.out.p, &g);
    if (cv_is_ok(r)) {
        g->ere = (char *)cv_buf_take(&p.out, &len);
        *out = g;
    }
    parser_release(&p);
    return r;
}

cv_result cv_goregex_compile(const char *pattern, cv_goregex **out)
{
    return cv_goregex_compile_n(pattern, strlen(pattern), out);
}

/* The subject is copied and NUL-terminated: REG_STARTEND alone would do for
 * glibc, but sanitizers' regexec interceptors read up to a NUL. */
bool cv_goregex_match(const cv_goregex *re, const void *bytes, size_t len)
{
    char small[256], *s = small;
    if (len >= sizeof(small) && !(s = malloc(len + 1))) return false;
    if (len) memcpy(s, bytes, len);
    s[len] = 0;
    regmatch_t m = { .rm_so = 0, .rm_eo = (regoff_t)len };
    locale_t old = enter_c();
    int rc = regexec(&re->re, s, 1, &m, REG_STARTEND);
    leave_c(old);
    if (s != small) free(s);
    return rc == 0;
}

void cv_goregex_free(cv_goregex **re)
{
    if (!re || !*re) return;
    regfree(&(*re)->re);
    free((*re)->ere);
    free(*re);
    *re = NULL;
}

const char *cv_goregex_ere(const cv_goregex *re) { return re->ere; }

/* ---- the tree for the VM ------------------------------------------------------- */

size_t cv_rx_decode(const char *s, size_t len, size_t i, uint32_t *out)
{
    size_t w = utf8_decode(s, len, i, out);
    if (w == 0) *out = 0xFFFD, w = 1;
    return w;
}

static cv_result collect_names(parser *p, cv_rx_tree *t)
{
    t->names = calloc((size_t)p->ncap + 1, sizeof(char *));
    CV_ENSURE(t->names != NULL, CV_E_NOMEM);
    for (size_t i = 0; i < p->n; i++) {
        const node *x = &p->nodes[i];
        if (x->op != N_CAP) continue;
        char *nm = malloc(x->name_len + 1);
        CV_ENSURE(nm != NULL, CV_E_NOMEM);
        memcpy(nm, p->s + x->name_at, x->name_len);
        nm[x->name_len] = 0;
        t->names[x->min] = nm;
    }
    for (int i = 0; i <= p->ncap; i++)
        if (!t->names[i]) CV_ENSURE((t->names[i] = calloc(1, 1)) != NULL, CV_E_NOMEM);
    return cv_ok();
}

cv_result cv_rx_parse(const char *pattern, size_t len, cv_rx_tree *out)
{
    memset(out, 0, sizeof(*out));
    CV_ENSUREF(len <= CV_GOREGEX_MAX_PATTERN, CV_E_TOO_LARGE, "regexp longer than %u bytes",
               CV_GOREGEX_MAX_PATTERN);
    parser p = { .s = pattern, .len = len, .multiline = true };
    cv_buf_init(&p.out, 1);
    long root = -1;
    cv_result r = parse_alt(&p, &root);
    if (cv_is_ok(r) && p.pos < p.len) r = goerr_whole(&p, "unexpected )");
    out->nodes = p.nodes, out->n = p.n, out->root = root, out->ncap = p.ncap;
    if (cv_is_ok(r)) r = collect_names(&p, out);
    cv_buf_release(&p.out);
    if (!cv_is_ok(r)) cv_rx_tree_free(out);
    return r;
}

void cv_rx_tree_free(cv_rx_tree *t)
{
    for (size_t i = 0; i < t->n; i++) free(t->nodes[i].cls.r);
    free(t->nodes);
    if (t->names)
        for (int i = 0; i <= t->ncap; i++) free(t->names[i]);
    free(t->names);
    memset(t, 0, sizeof(*t));
}
