/* A scanner for the common subset of YAML that yields exactly libyaml's
 * tokens (types, styles, values, marks), or gives up.
 *
 * libyaml's scanner reads the input one decoded character at a time
 * through a refilled buffer and builds every value by appending; on a
 * typical sops or Kubernetes file that was most of loading. This one
 * follows libyaml 0.2.5's scanner rule for rule (simple keys, indentation
 * rolls, block-scalar breaks and chomping) but only for block collections,
 * one-line plain and quoted scalars, literal and folded block scalars,
 * comments and document markers, over input whose characters all belong to
 * a safe set (no tab, CR, NEL, LS/PS, BOM, control character or invalid
 * UTF-8). At the first thing outside that (a flow collection, anchor, tag,
 * directive, complex key, multi-line flow scalar, an escape it does not
 * decode, anything libyaml would call an error) it stops and reports "not
 * handled": the caller then loads again from libyaml's tokens, so the
 * result never depends on which scanner ran. tests/unit/test_yaml_fast.c and
 * tests/fuzz/fuzz_yaml_fastscan.c compare both scanners token by token.
 *
 * Tokens are made on demand (cv_yaml_fast_step) when the parser needs
 * them; a token is final once no pending simple key can still put a KEY
 * in front of it. Values that are their source bytes are not copied: they
 * point into the input, which outlives loading. */
#include <stdlib.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "crypto/base/limits.h"
#include "secrets/doc/yaml_int.h"

typedef struct {
    bool possible, required;
    size_t tok;
    ym_mark mark;
} yf_key;

struct yf {
    ym_stream *s;
    const uint8_t *p;
    size_t n;
    bool ascii;
    ym_mark m;
    long indent;
    long *indents;
    size_t nind, ind_cap;
    bool allowed; /* libyaml's simple_key_allowed */
    yf_key key;   /* the one simple-key slot of block context */
    cv_buf text;  /* a value that is not a copy of its source bytes */
    bool done;
};

/* ---- input check ------------------------------------------------------- */

/* Width of the UTF-8 character at p (n bytes left) if it is one libyaml
 * reads as an ordinary printable character, else 0. */
static size_t utf8_ok(const uint8_t *p, size_t n)
{
    uint8_t c = p[0];
    size_t w = (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
    if (w == 0 || w > n) return 0;
    uint32_t v = c & (w == 2 ? 0x1Fu : w == 3 ? 0x0Fu : 0x07u);
    for (size_t i = 1; i < w; i++) {
        if ((p[i] & 0xC0) != 0x80) return 0;
        v = (v << 6) | (p[i] & 0x3Fu);
    }
    static const uint32_t min[] = { 0, 0, 0x80, 0x800, 0x10000 };
    if (v < min[w] || v > 0x10FFFF) return 0;
    if (v < 0xA0 || (v >= 0xD800 && v < 0xE000) || v == 0x2028 || v == 0x2029) return 0;
    if (v == 0xFEFF || v == 0xFFFE || v == 0xFFFF) return 0;
    return w;
}

/* Printable ASCII and LF: the bytes the input check passes at once. */
#define OK4(c) [c] = 1, [c + 1] = 1, [c + 2] = 1, [c + 3] = 1
#define OK16(c) OK4(c), OK4(c + 4), OK4(c + 8), OK4(c + 12)
static const uint8_t k_ascii_ok[256] = {
    OK16(0x20), OK16(0x30), OK16(0x40), OK16(0x50), OK16(0x60), OK4(0x70), OK4(0x74), OK4(0x78),
    [0x7C] = 1, [0x7D] = 1, [0x7E] = 1, ['\n'] = 1,
};
#undef OK16
#undef OK4
/* What may end a plain scalar's word: a blank, a break, ':' (when a blank
 * follows). */
static const uint8_t k_word_end[256] = { ['\n'] = 1, [' '] = 1, [':'] = 1 };

/* Nonzero unless all 8 bytes are printable ASCII (0x20..0x7E). */
static uint64_t not_printable8(uint64_t x)
{
    return (x & YM_HIGHS) | ((x - YM_ONES * 0x20) & ~x & YM_HIGHS) | ym_has_byte(x, 0x7F);
}

/* Past the printable ASCII and LF bytes from i, 16 at a time. */
static size_t skip_ascii16(const uint8_t *p, size_t i, size_t n)
{
#if defined(__SSE2__)
    const __m128i lo = _mm_set1_epi8(0x1F), hi = _mm_set1_epi8(0x7F), lf = _mm_set1_epi8('\n');
    while (i + 16 <= n) {
        __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
        /* Signed compares: bytes from 0x80 up are negative, so not above 0x1F. */
        __m128i ok = _mm_and_si128(_mm_cmpgt_epi8(x, lo), _mm_cmplt_epi8(x, hi));
        ok = _mm_or_si128(ok, _mm_cmpeq_epi8(x, lf));
        if (_mm_movemask_epi8(ok) != 0xFFFF) break;
        i += 16;
    }
#else
    (void)p;
    (void)n;
#endif
    return i;
}

/* Only LF line breaks, no tab, no control character, no BOM, valid UTF-8. */
static bool input_ok(yf *f)
{
    f->ascii = true;
    for (size_t i = 0; i < f->n;) {
        i = skip_ascii16(f->p, i, f->n);
        if (i >= f->n) break;
        if (i + 8 <= f->n && !not_printable8(ym_load8(f->p + i))) {
            i += 8;
            continue;
        }
        uint8_t c = f->p[i];
        if (k_ascii_ok[c]) {
            i++;
            continue;
        }
        if (c < 0x80) return false;
        size_t w = utf8_ok(f->p + i, f->n - i);
        if (w == 0) return false;
        f->ascii = false;
        i += w;
    }
    return true;
}

/* ---- reading ------------------------------------------------------------ */

static uint8_t ch(const yf *f, size_t k) { return f->m.off + k < f->n ? f->p[f->m.off + k] : 0; }
static bool blankz(uint8_t c) { return c == ' ' || c == '\n' || c == 0; }
static bool breakz(uint8_t c) { return c == '\n' || c == 0; }

static uint32_t width(const yf *f)
{
    if (f->ascii) return 1;
    uint8_t c = f->p[f->m.off];
    return c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : 4;
}

static void adv(yf *f)
{
    f->m.off += width(f);
    f->m.index++;
    f->m.column++;
}

/* Step over the bytes [off, to) of one line: k characters. */
static void adv_bytes(yf *f, size_t to)
{
    uint32_t k = (uint32_t)(to - f->m.off);
    if (!f->ascii)
        for (size_t i = f->m.off; i < to; i++) k -= (f->p[i] & 0xC0) == 0x80;
    f->m.off = (uint32_t)to;
    f->m.index += k;
    f->m.column += k;
}

/* The first of ' ', LF or ':' from i, 16 bytes at a time (or where fewer
 * than 16 are left). */
static size_t to_word_end16(const uint8_t *p, size_t i, size_t n)
{
#if defined(__SSE2__)
    const __m128i sp = _mm_set1_epi8(' '), lf = _mm_set1_epi8('\n'), co = _mm_set1_epi8(':');
    while (i + 16 <= n) {
        __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
        __m128i hit = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, sp), _mm_cmpeq_epi8(x, lf)),
                                   _mm_cmpeq_epi8(x, co));
        unsigned m = (unsigned)_mm_movemask_epi8(hit);
        if (m) return i + (size_t)__builtin_ctz(m);
        i += 16;
    }
#else
    (void)p;
    (void)n;
#endif
    return i;
}

/* Past the text of a plain scalar's word: up to a blank, a line break,
 * the end, or ':' before one of those. */
static void skip_word(yf *f)
{
    const uint8_t *p = f->p;
    size_t i = f->m.off, n = f->n;
    for (;;) {
        i = to_word_end16(p, i, n);
        while (i + 8 <= n) {
            uint64_t x = ym_load8(p + i);
            if (ym_has_byte(x, ' ') | ym_has_byte(x, '\n') | ym_has_byte(x, ':')) break;
            i += 8;
        }
        while (i < n && !k_word_end[p[i]]) i++;
        if (i >= n || p[i] != ':') break;
        if (i + 1 >= n || p[i + 1] == ' ' || p[i + 1] == '\n') break;
        i++;
    }
    adv_bytes(f, i);
}

/* Past the rest of the line (a comment's text). */
static void skip_line_text(yf *f)
{
    const uint8_t *nl = memchr(f->p + f->m.off, '\n', f->n - f->m.off);
    adv_bytes(f, nl ? (size_t)(nl - f->p) : f->n);
}

static void adv_line(yf *f)
{
    f->m.off++;
    f->m.index++;
    f->m.column = 0;
    f->m.line++;
}

/* ---- tokens ------------------------------------------------------------- */

static bool tok_at(yf *f, size_t pos, int type, ym_mark st, ym_mark en)
{
    ym_stream *s = f->s;
    size_t n = s->ntok - s->tok_base;
    if (n + 1 > s->tok_cap &&
        !cv_is_ok(cv_yaml_grow((void **)&s->toks, &s->tok_cap, n + 1, sizeof(ym_tok)))) {
        cv_err_clear();
        return false;
    }
    ym_tok *t = ym_tok_at(s, pos);
    if (pos < s->ntok) memmove(t + 1, t, (s->ntok - pos) * sizeof(ym_tok));
    memset(t, 0, sizeof(*t));
    t->type = type;
    t->start = st;
    t->end = en;
    s->ntok++;
    return true;
}

static bool tok(yf *f, int type, ym_mark st, ym_mark en)
{
    return tok_at(f, f->s->ntok, type, st, en);
}

static bool scalar(yf *f, int style, ym_mark st, ym_mark en, const void *v, size_t len)
{
    if (!tok(f, YT_SCALAR, st, en)) return false;
    ym_tok *t = ym_tok_at(f->s, f->s->ntok - 1);
    t->style = style;
    /* A value verbatim in the input stays there: the input outlives
     * loading, and its owner holds it in secret memory when it is secret
     * (no byte of it is copied anywhere ordinary). */
    t->value = (char *)(uintptr_t)v;
    t->len = (uint32_t)len;
    return true;
}

/* A value built in f->text, copied to the arena at once. */
static bool built_scalar(yf *f, int style, ym_mark st, ym_mark en)
{
    char *v;
    if (!cv_is_ok(cv_arena_strndup(f->s->arena, f->text.p, f->text.len, &v))) {
        cv_err_clear();
        return false;
    }
    return scalar(f, style, st, en, v, f->text.len);
}

static bool text_add(yf *f, const void *p, size_t n)
{
    if (cv_is_ok(cv_buf_add(&f->text, p, n))) return true;
    cv_err_clear();
    return false;
}

/* ---- libyaml's indentation and simple keys -------------------------------- */

static bool roll(yf *f, long column, size_t pos, bool insert, int type, ym_mark mark)
{
    if (f->indent >= column) return true;
    if (!cv_is_ok(cv_yaml_grow((void **)&f->indents, &f->ind_cap, f->nind + 1, sizeof(long)))) {
        cv_err_clear();
        return false;
    }
    f->indents[f->nind++] = f->indent;
    f->indent = column;
    return insert ? tok_at(f, pos, type, mark, mark) : tok(f, type, mark, mark);
}

static bool unroll(yf *f, long column)
{
    while (f->indent > column) {
        if (!tok(f, YT_BLOCK_END, f->m, f->m)) return false;
        f->indent = f->nind ? f->indents[--f->nind] : -1;
    }
    return true;
}

/* A required key that never met its ':' is libyaml's error: give up. */
static bool remove_key(yf *f)
{
    if (f->key.possible && f->key.required) return false;
    f->key.possible = false;
    return true;
}

static bool save_key(yf *f)
{
    bool required = f->indent == (long)f->m.column;
    if (!f->allowed) return true;
    if (!remove_key(f)) return false;
    f->key = (yf_key){ true, required, f->s->ntok, f->m };
    return true;
}

static bool stale_key(yf *f)
{
    yf_key *k = &f->key;
    if (!k->possible) return true;
    if (k->mark.line < f->m.line || k->mark.index + 1024 < f->m.index) {
        if (k->required) return false;
        k->possible = false;
    }
    return true;
}

/* ---- the fetchers --------------------------------------------------------- */

static void skip_to_token(yf *f)
{
    for (;;) {
        while (ch(f, 0) == ' ') adv(f);
        if (ch(f, 0) == '#') skip_line_text(f);
        if (ch(f, 0) != '\n') return;
        adv_line(f);
        f->allowed = true;
    }
}

static bool stream_end(yf *f)
{
    if (f->m.column != 0) {
        f->m.column = 0;
        f->m.line++;
    }
    if (!unroll(f, -1) || !remove_key(f)) return false;
    f->allowed = false;
    f->done = true;
    return tok(f, YT_STREAM_END, f->m, f->m);
}

static bool indicator(yf *f, int type, size_t width_chars)
{
    ym_mark st = f->m;
    for (size_t i = 0; i < width_chars; i++) adv(f);
    return tok(f, type, st, f->m);
}

static bool doc_marker(yf *f, int type)
{
    if (!unroll(f, -1) || !remove_key(f)) return false;
    f->allowed = false;
    return indicator(f, type, 3);
}

static bool block_entry(yf *f)
{
    if (!f->allowed) return false;
    if (!roll(f, (long)f->m.column, 0, false, YT_BSEQ_START, f->m)) return false;
    if (!remove_key(f)) return false;
    f->allowed = true;
    return indicator(f, YT_BLOCK_ENTRY, 1);
}

static bool value(yf *f)
{
    yf_key *k = &f->key;
    if (!k->possible) return false; /* "? key" forms and errors: libyaml's */
    if (!tok_at(f, k->tok, YT_KEY, k->mark, k->mark)) return false;
    if (!roll(f, (long)k->mark.column, k->tok, true, YT_BMAP_START, k->mark)) return false;
    k->possible = false;
    f->allowed = false;
    return indicator(f, YT_VALUE, 1);
}

static bool doc_marker_here(const yf *f)
{
    if (f->m.column != 0) return false;
    uint8_t c = ch(f, 0);
    return (c == '-' || c == '.') && ch(f, 1) == c && ch(f, 2) == c && blankz(ch(f, 3));
}

/* A plain scalar on one line (a continuation line gives up). */
static bool plain(yf *f)
{
    if (!save_key(f)) return false;
    f->allowed = false;
    ym_mark st = f->m, en = f->m;
    long indent = f->indent + 1;
    bool leading = false;
    for (;;) {
        size_t from = f->m.off;
        skip_word(f);
        if (f->m.off > from) en = f->m;
        if (ch(f, 0) != ' ' && ch(f, 0) != '\n') break;
        while (ch(f, 0) == ' ' || ch(f, 0) == '\n') {
            if (ch(f, 0) == ' ') {
                adv(f);
            } else {
                adv_line(f);
                leading = true;
            }
        }
        if ((long)f->m.column < indent) break;
        if (doc_marker_here(f) || ch(f, 0) == '#' || ch(f, 0) == 0) break;
        if (leading) return false;
    }
    if (leading) f->allowed = true;
    return scalar(f, YS_PLAIN, st, en, f->p + st.off, en.off - st.off);
}

/* The escapes whose meaning is one ASCII byte; the rest give up. */
static int escape_byte(uint8_t e)
{
    static const char from[] = "0abtnvfre \"/\\";
    static const char to[] = "\0\a\b\t\n\v\f\r\x1b \"/\\";
    const char *hit = e ? memchr(from, e, sizeof(from) - 1) : NULL;
    return hit ? (uint8_t)to[hit - from] : -1;
}

/* A quoted scalar that closes on its own line. */
static bool quoted(yf *f, bool single)
{
    if (!save_key(f)) return false;
    f->allowed = false;
    ym_mark st = f->m;
    adv(f);
    size_t from = f->m.off;
    bool built = false;
    cv_buf_reset(&f->text);
    uint8_t q = single ? '\'' : '"';
    for (;;) {
        uint8_t c = ch(f, 0);
        if (breakz(c)) return false;
        if (c == q && !(single && ch(f, 1) == '\'')) break;
        if (c == '\'' && single) {
            if (!built && !text_add(f, f->p + from, f->m.off - from)) return false;
            built = true;
            if (!text_add(f, "'", 1)) return false;
            adv(f);
            adv(f);
            continue;
        }
        if (c == '\\' && !single) {
            int b = escape_byte(ch(f, 1));
            if (b < 0) return false;
            if (!built && !text_add(f, f->p + from, f->m.off - from)) return false;
            built = true;
            uint8_t o = (uint8_t)b;
            if (!text_add(f, &o, 1)) return false;
            adv(f);
            adv(f);
            continue;
        }
        size_t at = f->m.off;
        adv(f);
        if (built && !text_add(f, f->p + at, f->m.off - at)) return false;
    }
    size_t to = f->m.off;
    adv(f);
    if (built) return built_scalar(f, single ? YS_SINGLE : YS_DOUBLE, st, f->m);
    return scalar(f, single ? YS_SINGLE : YS_DOUBLE, st, f->m, f->p + from, to - from);
}

/* libyaml's block-scalar breaks: indentation spaces and empty lines. */
static void bs_breaks(yf *f, long *indent, size_t *breaks, ym_mark *end)
{
    long max = 0;
    *end = f->m;
    for (;;) {
        while ((*indent == 0 || (long)f->m.column < *indent) && ch(f, 0) == ' ') adv(f);
        if ((long)f->m.column > max) max = (long)f->m.column;
        if (ch(f, 0) != '\n') break;
        adv_line(f);
        (*breaks)++;
        *end = f->m;
    }
    if (*indent == 0) {
        *indent = max;
        if (*indent < f->indent + 1) *indent = f->indent + 1;
        if (*indent < 1) *indent = 1;
    }
}

static bool add_breaks(yf *f, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!text_add(f, "\n", 1)) return false;
    return true;
}

/* The header: '|' or '>', chomping and indentation indicators, an optional
 * comment, the line break. */
static bool bs_header(yf *f, int *chomp, long *increment)
{
    adv(f);
    uint8_t c = ch(f, 0);
    if (c == '+' || c == '-') {
        *chomp = c == '+' ? 1 : -1;
        adv(f);
        c = ch(f, 0);
        if (c == '0') return false;
        if (c >= '1' && c <= '9') {
            *increment = c - '0';
            adv(f);
        }
    } else if (c >= '0' && c <= '9') {
        if (c == '0') return false;
        *increment = c - '0';
        adv(f);
        c = ch(f, 0);
        if (c == '+' || c == '-') {
            *chomp = c == '+' ? 1 : -1;
            adv(f);
        }
    }
    while (ch(f, 0) == ' ') adv(f);
    if (ch(f, 0) == '#')
        while (!breakz(ch(f, 0))) adv(f);
    if (!breakz(ch(f, 0))) return false;
    if (ch(f, 0) == '\n') adv_line(f);
    return true;
}

static bool block_lines(yf *f, bool literal, long indent, bool *lb, size_t *tb, ym_mark *end)
{
    bool leading_blank = false;
    while ((long)f->m.column == indent && ch(f, 0) != 0) {
        bool trailing_blank = ch(f, 0) == ' ';
        if (!literal && *lb && !leading_blank && !trailing_blank) {
            if (*tb == 0 && !text_add(f, " ", 1)) return false;
        } else if (*lb && !text_add(f, "\n", 1)) {
            return false;
        }
        *lb = false;
        if (!add_breaks(f, *tb)) return false;
        *tb = 0;
        leading_blank = ch(f, 0) == ' ';
        size_t from = f->m.off;
        skip_line_text(f);
        if (!text_add(f, f->p + from, f->m.off - from)) return false;
        if (ch(f, 0) == '\n') {
            *lb = true;
            adv_line(f);
        }
        bs_breaks(f, &indent, tb, end);
    }
    return true;
}

static bool block_scalar(yf *f, bool literal)
{
    if (!remove_key(f)) return false;
    f->allowed = true;
    ym_mark st = f->m;
    int chomp = 0;
    long increment = 0, indent = 0;
    if (!bs_header(f, &chomp, &increment)) return false;
    ym_mark en = f->m;
    if (increment) indent = f->indent >= 0 ? f->indent + increment : increment;
    cv_buf_reset(&f->text);
    bool lb = false;
    size_t tb = 0;
    bs_breaks(f, &indent, &tb, &en);
    if (!block_lines(f, literal, indent, &lb, &tb, &en)) return false;
    if (chomp != -1 && lb && !text_add(f, "\n", 1)) return false;
    if (chomp == 1 && !add_breaks(f, tb)) return false;
    return built_scalar(f, literal ? YS_LITERAL : YS_FOLDED, st, en);
}

static bool fetch_next(yf *f)
{
    skip_to_token(f);
    if (!stale_key(f) || !unroll(f, (long)f->m.column)) return false;
    uint8_t c = ch(f, 0), d = ch(f, 1);
    if (c == 0) return stream_end(f);
    if (doc_marker_here(f)) return doc_marker(f, c == '-' ? YT_DOC_START : YT_DOC_END);
    switch (c) {
    case '-':
        return blankz(d) ? block_entry(f) : plain(f);
    case ':':
        return blankz(d) ? value(f) : plain(f);
    case '?':
        return blankz(d) ? false : plain(f);
    case '|':
    case '>':
        return block_scalar(f, c == '|');
    case '\'':
    case '"':
        return quoted(f, c == '\'');
    case '[': case ']': case '{': case '}': case ',': case '#': case '&': case '*':
    case '!': case '%': case '@': case '`':
        return false;
    default:
        return plain(f);
    }
}

/* ---- entry point ------------------------------------------------------------ */

static void drop_tokens(ym_stream *s)
{
    free(s->toks);
    s->toks = NULL;
    s->ntok = s->tok_cap = s->tok_base = s->ready = 0;
}

void cv_yaml_fast_stop(ym_stream *s)
{
    yf *f = s->fast;
    if (f == NULL) return;
    cv_buf_release(&f->text);
    free(f->indents);
    free(f);
    s->fast = NULL;
}

cv_result cv_yaml_fast_start(ym_stream *s)
{
    yf *f = calloc(1, sizeof(*f));
    CV_ENSURE(f != NULL, CV_E_NOMEM);
    *f = (yf){ .s = s, .p = s->in, .n = s->in_len, .indent = -1, .allowed = true };
    cv_buf_init_secret(&f->text, CV_DOC_MAX_INPUT);
    s->fast = f;
    if (!input_ok(f) || !tok(f, YT_STREAM_START, f->m, f->m)) {
        cv_yaml_fast_stop(s);
        drop_tokens(s);
        return cv_ok();
    }
    s->ready = s->ntok;
    return cv_ok();
}

/* A token is final once no simple key before it can still take a KEY
 * (and a BLOCK-MAPPING-START) in front of it. */
cv_result cv_yaml_fast_step(ym_stream *s, bool *gave_up)
{
    yf *f = s->fast;
    size_t before = s->ready;
    *gave_up = false;
    while (s->ready == before) {
        if (!fetch_next(f)) {
            *gave_up = true;
            s->ntok = s->ready;
            cv_yaml_fast_stop(s);
            return cv_ok();
        }
        s->ready = !f->done && f->key.possible ? f->key.tok : s->ntok;
        if (f->done) {
            cv_yaml_fast_stop(s);
            break;
        }
    }
    return cv_ok();
}

cv_result cv_yaml_fast_tokens(ym_stream *s, bool *handled)
{
    *handled = false;
    CV_GUARD(cv_yaml_fast_start(s));
    while (s->fast) {
        bool gave_up;
        CV_GUARD(cv_yaml_fast_step(s, &gave_up));
        if (gave_up) {
            drop_tokens(s);
            return cv_ok();
        }
    }
    *handled = s->ntok > 0;
    return cv_ok();
}
