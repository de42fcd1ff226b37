/* YAML emission as sops does it: the events yaml.v3's encoder (encode.go)
 * would make from the nodes sops builds (comments on keys, values and
 * items as store.go places them) are made straight from the tree, one at
 * a time, and become text (emitterc.go, with its comment handling,
 * indentation and scalar styles) as soon as the event after them is known
 * (the only lookahead the emitter needs). libyaml's emitter cannot write
 * comments, so this is a port of that state machine, writing straight into
 * the caller's buffer, reserved once. Width is unlimited, as yaml.v3's.
 * Nothing of the document is copied: scratch (numbers' text, base64,
 * joined comments) is a small secret arena, wiped on return.
 *
 * The same machine has a yaml.v2 mode (cv_yaml_emit_v2, what
 * sigs.k8s.io/yaml prints for kustomize): v2 indents by a fixed step,
 * writes a sequence under a mapping key without indenting it, folds plain
 * and quoted scalars at 80 columns, counts a tab as a special character
 * and closes an open-ended document with "...". v2 never sees comments. */
#include "secrets/doc/yaml.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "crypto/base/enc.h"
#include "crypto/base/limits.h"
#include "crypto/base/mem.h"
#include "secrets/doc/num.h"
#include "secrets/doc/yaml_int.h"
#include "secrets/doc/yaml_res.h"

enum { E_STREAM_START, E_STREAM_END, E_DOC_START, E_DOC_END, E_SCALAR, E_SEQ_START, E_SEQ_END,
       E_MAP_START, E_MAP_END };
enum { S_ANY, S_PLAIN, S_SINGLE, S_DOUBLE, S_LITERAL, S_FOLDED };

/* What yaml_emitter_analyze_scalar finds out about a scalar's text. */
typedef struct {
    bool multiline, flow_plain, block_plain, single_ok, block_ok;
    bool ascii; /* no byte above 0x7F: as many characters as bytes */
} em_scan;

/* The comments around an event (texts in yaml.v3's "#..." form). */
typedef struct {
    cv_slice head, line, foot, tail;
} em_com;

/* One event of encode.go's stream. Events are made from the tree one at a
 * time, in document order, into a window of two (the emitter looks one
 * event ahead, for empty collections and simple keys); nothing of the
 * document is copied: a value points at the tree's text, only text made
 * here (a number, base64, a joined comment) lives in the emitter's arena. */
typedef struct {
    int type;
    int style;
    const char *value;
    size_t len;
    const char *tag;   /* "!!binary", "!!merge" or NULL */
    em_com com;
    bool has_sc;       /* sc holds the (yaml.v3) analysis of value */
    em_scan sc;
    char num[CV_NUM_TEXT_MAX]; /* a number's text (the window is secret memory) */
} em_event;

static bool valid_utf8(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n;) {
        if (i + 8 <= n && !(ym_load8(p + i) & YM_HIGHS)) {
            i += 8;
            continue;
        }
        uint8_t c = p[i];
        size_t w;
        uint32_t min, v;
        if (c < 0x80) { i++; continue; }
        if (c >= 0xC2 && c <= 0xDF) w = 2, min = 0x80;
        else if (c >= 0xE0 && c <= 0xEF) w = 3, min = 0x800;
        else if (c >= 0xF0 && c <= 0xF4) w = 4, min = 0x10000;
        else return false;
        if (i + w > n) return false;
        v = c & (0x7Fu >> w);
        for (size_t j = 1; j < w; j++) {
            if ((p[i + j] & 0xC0) != 0x80) return false;
            v = (v << 6) | (p[i + j] & 0x3F);
        }
        if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) return false;
        i += w;
    }
    return true;
}

/* ---- scalar analysis (yaml_emitter_analyze_scalar) --------------------- */

static size_t cwidth(uint8_t b)
{
    if ((b & 0x80) == 0) return 1;
    if ((b & 0xE0) == 0xC0) return 2;
    if ((b & 0xF0) == 0xE0) return 3;
    if ((b & 0xF8) == 0xF0) return 4;
    return 1;
}

static uint8_t bat(const uint8_t *v, size_t n, size_t i) { return i < n ? v[i] : 0; }
static bool is_break_b(const uint8_t *v, size_t n, size_t i)
{
    uint8_t c = bat(v, n, i);
    return c == '\r' || c == '\n' || (c == 0xC2 && bat(v, n, i + 1) == 0x85) ||
           (c == 0xE2 && bat(v, n, i + 1) == 0x80 &&
            (bat(v, n, i + 2) == 0xA8 || bat(v, n, i + 2) == 0xA9));
}
static bool is_printable_b(const uint8_t *v, size_t n, size_t i)
{
    uint8_t c = bat(v, n, i), c1 = bat(v, n, i + 1), c2 = bat(v, n, i + 2);
    return c == 0x0A || (c >= 0x20 && c <= 0x7E) || (c == 0xC2 && c1 >= 0xA0) ||
           (c > 0xC2 && c < 0xED) || (c == 0xED && c1 < 0xA0) || c == 0xEE ||
           (c == 0xEF && !(c1 == 0xBB && c2 == 0xBF) && !(c1 == 0xBF && (c2 == 0xBE || c2 == 0xBF)));
}

typedef struct {
    bool block_ind, flow_ind, breaks, special, tabs, high;
    bool lead_space, lead_break, trail_space, trail_break, break_space, space_break;
} em_flags;

/* Byte classes for the scan below (a strchr per byte of every scalar was
 * the emitter's largest cost): IND_FIRST, an indicator as the first
 * character; IND_FLOW, a flow indicator anywhere; QUIET, a byte that
 * sets no flag at all and is neither blank nor break (letters, digits,
 * and a few punctuation marks no rule looks at). */
enum { IND_FIRST = 1, IND_FLOW = 2, QUIET = 4 };
#define Q4(c) [c] = QUIET, [c + 1] = QUIET, [c + 2] = QUIET, [c + 3] = QUIET
#define Q8(c) Q4(c), Q4(c + 4)
static const uint8_t k_cls[256] = {
    ['#'] = IND_FIRST, [','] = IND_FIRST | IND_FLOW, ['['] = IND_FIRST | IND_FLOW,
    [']'] = IND_FIRST | IND_FLOW, ['{'] = IND_FIRST | IND_FLOW, ['}'] = IND_FIRST | IND_FLOW,
    ['&'] = IND_FIRST, ['*'] = IND_FIRST, ['!'] = IND_FIRST, ['|'] = IND_FIRST,
    ['>'] = IND_FIRST, ['\''] = IND_FIRST, ['"'] = IND_FIRST, ['%'] = IND_FIRST,
    ['@'] = IND_FIRST, ['`'] = IND_FIRST, ['?'] = IND_FLOW,
    Q8('0'), ['8'] = QUIET, ['9'] = QUIET, Q8('A'), Q8('I'), Q8('Q'), ['Y'] = QUIET,
    ['Z'] = QUIET, Q8('a'), Q8('i'), Q8('q'), ['y'] = QUIET, ['z'] = QUIET,
    ['.'] = QUIET, ['/'] = QUIET, ['_'] = QUIET, ['='] = QUIET, ['+'] = QUIET,
    ['('] = QUIET, [')'] = QUIET, [';'] = QUIET, ['$'] = QUIET, ['^'] = QUIET,
    ['~'] = QUIET, ['\\'] = QUIET,
};
#undef Q8
#undef Q4

static void indicator_flags(const uint8_t *v, size_t n, size_t i, bool followed, bool preceded,
                            em_flags *f)
{
    uint8_t c = v[i];
    if (i == 0) {
        if (k_cls[c] & IND_FIRST) f->flow_ind = f->block_ind = true;
        else if (c == '?' || c == ':') {
            f->flow_ind = true;
            if (followed) f->block_ind = true;
        } else if (c == '-' && followed) f->flow_ind = f->block_ind = true;
    } else if (k_cls[c] & IND_FLOW) {
        f->flow_ind = true;
    } else if (c == ':') {
        f->flow_ind = true;
        if (followed) f->block_ind = true;
    } else if (c == '#' && preceded) {
        f->flow_ind = f->block_ind = true;
    }
    (void)n;
}

static void space_flags(const uint8_t *v, size_t n, size_t i, bool *prev_space, bool *prev_break,
                        em_flags *f)
{
    size_t w = v[i] < 0x80 ? 1 : cwidth(v[i]);
    if (v[i] == ' ') {
        if (i == 0) f->lead_space = true;
        if (i + w == n) f->trail_space = true;
        if (*prev_break) f->break_space = true;
        *prev_space = true;
        *prev_break = false;
    } else if (v[i] < 0x80 ? v[i] == '\n' || v[i] == '\r' : is_break_b(v, n, i)) {
        f->breaks = true;
        if (i == 0) f->lead_break = true;
        if (i + w == n) f->trail_break = true;
        if (*prev_space) f->space_break = true;
        *prev_space = false;
        *prev_break = true;
    } else {
        *prev_space = *prev_break = false;
    }
}

/* The end of the run of QUIET bytes from i. */
static size_t quiet_run(const uint8_t *v, size_t n, size_t i)
{
    while (i < n && (k_cls[v[i]] & QUIET)) i++;
    return i;
}

#if defined(__SSE2__)
/* Encrypted values and most secrets are long runs of printable ASCII
 * without spaces. Of the sixteen bytes from v + i (i > 0), how many lead
 * such (none: 0), with the flags the scan below would set for them: only
 * flow indicators, ':' (an indicator before a blank) and '#' after a
 * blank count past the first character. */
static size_t graph_run16(const uint8_t *v, size_t n, size_t i, bool preceded, em_flags *f)
{
    /* Signed compares: bytes from 0x80 are negative, never graphic. */
    __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(v + i));
    __m128i ok = _mm_and_si128(_mm_cmpgt_epi8(x, _mm_set1_epi8(' ')), _mm_cmplt_epi8(x, _mm_set1_epi8(0x7F)));
    unsigned good = (unsigned)_mm_movemask_epi8(ok);
    size_t k = good == 0xFFFFu ? 16 : (size_t)__builtin_ctz(~good);
    if (k == 0) return 0;
    unsigned keep = k == 16 ? 0xFFFFu : (1u << k) - 1;
    __m128i l = _mm_or_si128(x, _mm_set1_epi8(0x20)); /* '[' ']' onto '{' '}' */
    __m128i fl = _mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8(',')), _mm_cmpeq_epi8(x, _mm_set1_epi8('?')));
    fl = _mm_or_si128(fl, _mm_or_si128(_mm_cmpeq_epi8(l, _mm_set1_epi8('{')), _mm_cmpeq_epi8(l, _mm_set1_epi8('}'))));
    unsigned colon = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x, _mm_set1_epi8(':'))) & keep;
    if (colon || ((unsigned)_mm_movemask_epi8(fl) & keep)) f->flow_ind = true;
    if (((colon >> (k - 1)) & 1) && (i + k >= n || v[i + k] == ' ' || v[i + k] == '\t'))
        f->block_ind = true;
    if (v[i] == '#' && preceded) f->flow_ind = f->block_ind = true;
    return k;
}
#endif

static void analyze(const uint8_t *v, size_t n, bool v2, em_scan *o)
{
    if (n == 0) {
        *o = (em_scan){ false, false, true, true, false, true };
        return;
    }
    em_flags f = { 0 };
    if (n >= 3 && ((v[0] == '-' && v[1] == '-' && v[2] == '-') || (v[0] == '.' && v[1] == '.' && v[2] == '.')))
        f.block_ind = f.flow_ind = true;
    bool preceded = true, prev_space = false, prev_break = false;
    for (size_t i = 0, w; i < n; i += w) {
#if defined(__SSE2__)
        if (i > 0 && i + 16 <= n && (w = graph_run16(v, n, i, preceded, &f)) > 0) {
            preceded = prev_space = prev_break = false;
            continue;
        }
#endif
        if (k_cls[v[i]] & QUIET) {
            /* What the calls below would conclude for such bytes. */
            preceded = prev_space = prev_break = false;
            w = quiet_run(v, n, i + 1) - i;
            continue;
        }
        uint8_t c = v[i];
        bool ascii = c < 0x80; /* printable: LF or ' '..'~'; breaks: LF, CR */
        if (!ascii) f.high = true;
        w = ascii ? 1 : cwidth(c);
        bool followed = i + w >= n || v[i + w] == ' ' || v[i + w] == '\t';
        indicator_flags(v, n, i, followed, preceded, &f);
        if (c == '\t' && !v2) f.tabs = true;
        else if (ascii ? c != '\n' && (c < 0x20 || c > 0x7E) : !is_printable_b(v, n, i)) f.special = true;
        space_flags(v, n, i, &prev_space, &prev_break, &f);
        preceded = c == ' ' || c == '\t' || c == 0 || (ascii ? c == '\n' || c == '\r' : is_break_b(v, n, i));
    }
    *o = (em_scan){ f.breaks, true, true, true, true, !f.high };
    if (f.lead_space || f.lead_break || f.trail_space || f.trail_break) o->flow_plain = o->block_plain = false;
    if (f.trail_space) o->block_ok = false;
    if (f.break_space) o->flow_plain = o->block_plain = o->single_ok = false;
    if (f.space_break || f.tabs || f.special) o->flow_plain = o->block_plain = o->single_ok = false;
    if (f.space_break || f.special) o->block_ok = false;
    if (f.breaks) o->flow_plain = o->block_plain = false;
    if (f.flow_ind) o->flow_plain = false;
    if (f.block_ind) o->block_plain = false;
}

/* ---- how yaml.v3 encodes a Go value into a scalar node ------------------ */

static bool is_old_bool(const char *s, size_t n)
{
    static const char *const w[] = { "y", "Y", "yes", "Yes", "YES", "on", "On", "ON", "n", "N",
                                     "no", "No", "NO", "off", "Off", "OFF", NULL };
    if (n == 0 || n > 3) return false; /* no word above is longer */
    for (const char *const *p = w; *p; p++)
        if (strlen(*p) == n && memcmp(*p, s, n) == 0) return true;
    return false;
}

/* ^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$ */
static bool is_base60(const char *s, size_t n)
{
    size_t i = 0;
    if (n == 0 || !memchr(s, ':', n)) return false;
    if (s[i] == '+' || s[i] == '-') i++;
    if (i >= n || s[i] < '0' || s[i] > '9') return false;
    for (i++; i < n && ((s[i] >= '0' && s[i] <= '9') || s[i] == '_'); i++) {}
    size_t groups = 0;
    while (i < n && s[i] == ':') {
        i++;
        size_t d = 0;
        while (i < n && d < 2 && s[i] >= '0' && s[i] <= '9') i++, d++;
        if (d == 0) return false;
        if (d == 2 && s[i - 2] > '5') return false;
        groups++;
    }
    if (groups == 0) return false;
    if (i < n && s[i] == '.')
        for (i++; i < n && ((s[i] >= '0' && s[i] <= '9') || s[i] == '_'); i++) {}
    return i == n;
}

/* ---- the emitter (emitterc.go) ----------------------------------------- */

enum {
    ST_STREAM_START, ST_FIRST_DOC_START, ST_DOC_START, ST_DOC_CONTENT, ST_DOC_END, ST_FSEQ_FIRST,
    ST_FSEQ_TRAIL, ST_FSEQ_ITEM, ST_FMAP_FIRST, ST_FMAP_TRAIL, ST_FMAP_KEY, ST_FMAP_SVALUE,
    ST_FMAP_VALUE, ST_BSEQ_FIRST, ST_BSEQ_ITEM, ST_BMAP_FIRST, ST_BMAP_KEY, ST_BMAP_SVALUE,
    ST_BMAP_VALUE, ST_END
};

typedef struct {
    cv_arena *a;
    cv_buf *out;
    em_event *win;              /* the window: two events, in the arena */
    size_t count;               /* events made so far */
    const em_event *cur, *nxt;  /* the event emitted and the one after it (or NULL) */
    int state;
    int *states;
    size_t nstates, states_cap;
    int indent;
    int *indents;
    size_t nind, ind_cap;
    int best_indent, best_width, flow_level, column, foot_indent;
    bool v2;
    bool root_ctx, seq_ctx, map_ctx, simple_key_ctx;
    bool whitespace, indention, open_ended;
    cv_slice head_c, line_c, foot_c, tail_c, key_line_c;
    em_scan sc;
    const uint8_t *sv;
    size_t sn;
    int style;
    const char *tag;
} em;

/* Bytes into the output; the buffer was reserved for the whole text, so
 * they nearly always fit (cv_buf keeps a byte spare for a NUL). */
static cv_result out_add(em *e, const void *p, size_t n)
{
    cv_buf *b = e->out;
    if (n < b->cap - b->len) {
        memcpy(b->p + b->len, p, n);
        b->len += n;
        return cv_ok();
    }
    return cv_buf_add(b, p, n);
}

static cv_result out_byte(em *e, uint8_t c)
{
    cv_buf *b = e->out;
    if (b->len + 1 < b->cap) {
        b->p[b->len++] = c;
        return cv_ok();
    }
    return cv_buf_add_byte(b, c);
}

static cv_result put(em *e, uint8_t c)
{
    e->column++;
    return out_byte(e, c);
}

static cv_result put_break(em *e)
{
    e->column = 0;
    e->indention = true;
    return out_byte(e, '\n');
}

/* One character of v at *i. */
static cv_result write_ch(em *e, const uint8_t *v, size_t n, size_t *i)
{
    size_t w = cwidth(v[*i]);
    if (*i + w > n) w = n - *i;
    CV_GUARD(out_add(e, v + *i, w));
    e->column++;
    *i += w;
    return cv_ok();
}

/* n bytes holding no line break, written at once (the column counts
 * characters, stepping as write_ch does). */
static cv_result write_run(em *e, const uint8_t *v, size_t n)
{
    size_t chars = 0;
    for (size_t i = 0; i < n; chars++) i += v[i] < 0x80 ? 1 : cwidth(v[i]);
    e->column += (int)chars;
    return out_add(e, v, n);
}

static cv_result write_all(em *e, const char *s)
{
    return write_run(e, (const uint8_t *)s, strlen(s));
}

/* The character boundary from i at the next line break (LF, CR, NEL, LS,
 * PS) or n, stepping as write_ch does. */
static size_t run_end(const uint8_t *v, size_t n, size_t i)
{
    while (i < n) {
        uint8_t c = v[i];
        if (c < 0x80) {
            if (c == '\n' || c == '\r') break;
            i++;
        } else {
            if (is_break_b(v, n, i)) break;
            i += cwidth(c);
        }
    }
    return i < n ? i : n;
}

static cv_result write_break(em *e, const uint8_t *v, size_t n, size_t *i)
{
    if (v[*i] == '\n') {
        (*i)++;
        return put_break(e);
    }
    CV_GUARD(write_ch(e, v, n, i));
    e->column = 0;
    e->indention = true;
    return cv_ok();
}

static cv_result write_indent(em *e)
{
    int indent = e->indent < 0 ? 0 : e->indent;
    if (!e->indention || e->column > indent || (e->column == indent && !e->whitespace))
        CV_GUARD(put_break(e));
    if (e->foot_indent == indent) CV_GUARD(put_break(e));
    if (e->column < indent) {
        static const char spaces[17] = "                ";
        for (int k = indent - e->column; k > 0; k -= 16)
            CV_GUARD(out_add(e, spaces, k < 16 ? (size_t)k : 16));
        e->column = indent;
    }
    e->whitespace = true;
    e->foot_indent = -1;
    return cv_ok();
}

static cv_result write_indicator(em *e, const char *ind, bool need_ws, bool is_ws, bool is_ind)
{
    if (need_ws && !e->whitespace) CV_GUARD(put(e, ' '));
    CV_GUARD(write_all(e, ind));
    e->whitespace = is_ws;
    e->indention = e->indention && is_ind;
    e->open_ended = false;
    return cv_ok();
}

static cv_result write_comment(em *e, cv_slice c)
{
    bool breaks = false, pound = false;
    for (size_t i = 0; i < c.len;) {
        if (is_break_b(c.p, c.len, i)) {
            CV_GUARD(write_break(e, c.p, c.len, &i));
            breaks = true;
            pound = false;
            continue;
        }
        if (breaks) CV_GUARD(write_indent(e));
        if (!pound) {
            if (c.p[i] != '#') {
                CV_GUARD(put(e, '#'));
                CV_GUARD(put(e, ' '));
            }
            pound = true;
        }
        size_t j = run_end(c.p, c.len, i);
        CV_GUARD(write_run(e, c.p + i, j - i));
        i = j;
        e->indention = false;
        breaks = false;
    }
    if (!breaks) CV_GUARD(put_break(e));
    e->whitespace = true;
    return cv_ok();
}

static cv_result process_head_comment(em *e)
{
    if (e->tail_c.len > 0) {
        CV_GUARD(write_indent(e));
        CV_GUARD(write_comment(e, e->tail_c));
        e->tail_c = (cv_slice){ 0 };
        e->foot_indent = e->indent < 0 ? 0 : e->indent;
    }
    if (e->head_c.len == 0) return cv_ok();
    CV_GUARD(write_indent(e));
    CV_GUARD(write_comment(e, e->head_c));
    e->head_c = (cv_slice){ 0 };
    return cv_ok();
}

static cv_result process_line_comment(em *e, bool linebreak)
{
    if (e->line_c.len == 0) return linebreak ? put_break(e) : cv_ok();
    if (!e->whitespace) CV_GUARD(put(e, ' '));
    CV_GUARD(write_comment(e, e->line_c));
    e->line_c = (cv_slice){ 0 };
    return cv_ok();
}

static cv_result process_foot_comment(em *e)
{
    if (e->foot_c.len == 0) return cv_ok();
    CV_GUARD(write_indent(e));
    CV_GUARD(write_comment(e, e->foot_c));
    e->foot_c = (cv_slice){ 0 };
    e->foot_indent = e->indent < 0 ? 0 : e->indent;
    return cv_ok();
}

static cv_result push_int(cv_arena *a, int **arr, size_t *n, size_t *cap, int v)
{
    if (*n >= *cap) CV_GUARD(cv_arena_grow(a, (void **)arr, cap, *n + 1, sizeof(int)));
    (*arr)[(*n)++] = v;
    return cv_ok();
}

static cv_result push_st(em *e, int st) { return push_int(e->a, &e->states, &e->nstates, &e->states_cap, st); }
static void pop_st(em *e) { e->state = e->nstates ? e->states[--e->nstates] : ST_END; }
static void pop_indent(em *e) { e->indent = e->nind ? e->indents[--e->nind] : -1; }

static cv_result increase_indent(em *e, bool flow, bool indentless)
{
    CV_GUARD(push_int(e->a, &e->indents, &e->nind, &e->ind_cap, e->indent));
    if (e->indent < 0) {
        e->indent = flow ? e->best_indent : 0;
    } else if (!indentless) {
        if (e->v2) e->indent += e->best_indent;
        else if (e->nstates && e->states[e->nstates - 1] == ST_BSEQ_ITEM) e->indent += 2;
        else e->indent = e->best_indent * ((e->indent + e->best_indent) / e->best_indent);
    }
    return cv_ok();
}

/* ---- scalars ------------------------------------------------------------ */

/* A space past the preferred width becomes a line break (folding); only
 * v2 has a width, yaml.v3's is unlimited. */
static bool fold_here(const em *e, bool spaces)
{
    return !e->simple_key_ctx && !spaces && e->column > e->best_width;
}

/* True if v holds no line break; *chars counts its characters as
 * write_ch steps through them. */
static bool one_line(const uint8_t *v, size_t n, size_t *chars)
{
    size_t k = 0, i = 0;
    while (i < n) {
        if (i + 8 <= n) {
            uint64_t x = ym_load8(v + i);
            if (!(x & YM_HIGHS) && !ym_has_byte(x, '\n') && !ym_has_byte(x, '\r')) {
                i += 8;
                k += 8;
                continue;
            }
        }
        if (v[i] == '\n' || v[i] == '\r' || is_break_b(v, n, i)) return false;
        i += v[i] < 0x80 ? 1 : cwidth(v[i]);
        k++;
    }
    *chars = k;
    return true;
}

static cv_result write_plain(em *e, const uint8_t *v, size_t n)
{
    if (n > 0 && !e->whitespace) CV_GUARD(put(e, ' '));
    size_t chars = n;
    /* The scalar's analysis (v is e->sv) often knows the answer already. */
    bool fast = !e->sc.multiline && e->sc.ascii;
    if (e->best_width == INT_MAX && (fast || one_line(v, n, &chars))) {
        /* No break and no folding: the text as it is. */
        e->column += (int)chars;
        CV_GUARD(out_add(e, v, n));
        if (n > 0) e->whitespace = false;
        e->indention = false;
        if (e->root_ctx) e->open_ended = true;
        return cv_ok();
    }
    bool breaks = false, spaces = false;
    for (size_t i = 0; i < n;) {
        if (v[i] == ' ') {
            if (fold_here(e, spaces) && bat(v, n, i + 1) != ' ') {
                CV_GUARD(write_indent(e));
                i++;
            } else {
                CV_GUARD(write_ch(e, v, n, &i));
            }
            spaces = true;
        } else if (is_break_b(v, n, i)) {
            if (!breaks && v[i] == '\n') CV_GUARD(put_break(e));
            CV_GUARD(write_break(e, v, n, &i));
            breaks = true;
        } else {
            if (breaks) CV_GUARD(write_indent(e));
            CV_GUARD(write_ch(e, v, n, &i));
            e->indention = false;
            breaks = spaces = false;
        }
    }
    if (n > 0) e->whitespace = false;
    e->indention = false;
    if (e->root_ctx) e->open_ended = true;
    return cv_ok();
}

/* A single-quoted text without breaks or folding: runs between quotes. */
static cv_result write_single_line(em *e, const uint8_t *v, size_t n)
{
    for (size_t i = 0; i < n;) {
        const uint8_t *q = memchr(v + i, '\'', n - i);
        size_t j = q ? (size_t)(q - v) + 1 : n;
        CV_GUARD(write_run(e, v + i, j - i));
        if (q) CV_GUARD(put(e, '\''));
        i = j;
    }
    if (n > 0) e->indention = false;
    return cv_ok();
}

static cv_result write_single(em *e, const uint8_t *v, size_t n)
{
    CV_GUARD(write_indicator(e, "'", true, false, false));
    bool breaks = false, spaces = false;
    if (e->best_width == INT_MAX && run_end(v, n, 0) == n) {
        CV_GUARD(write_single_line(e, v, n));
        n = 0;
    }
    for (size_t i = 0; i < n;) {
        if (v[i] == ' ') {
            if (fold_here(e, spaces) && i > 0 && i + 1 < n && v[i + 1] != ' ') {
                CV_GUARD(write_indent(e));
                i++;
            } else {
                CV_GUARD(write_ch(e, v, n, &i));
            }
            spaces = true;
        } else if (is_break_b(v, n, i)) {
            if (!breaks && v[i] == '\n') CV_GUARD(put_break(e));
            CV_GUARD(write_break(e, v, n, &i));
            breaks = true;
        } else {
            if (breaks) CV_GUARD(write_indent(e));
            if (v[i] == '\'') CV_GUARD(put(e, '\''));
            CV_GUARD(write_ch(e, v, n, &i));
            e->indention = false;
            breaks = spaces = false;
        }
    }
    CV_GUARD(write_indicator(e, "'", false, false, false));
    e->whitespace = e->indention = false;
    return cv_ok();
}

static char esc_char(uint32_t v)
{
    switch (v) {
    case 0x00: return '0';
    case 0x07: return 'a';
    case 0x08: return 'b';
    case 0x09: return 't';
    case 0x0A: return 'n';
    case 0x0B: return 'v';
    case 0x0C: return 'f';
    case 0x0D: return 'r';
    case 0x1B: return 'e';
    case 0x22: return '"';
    case 0x5C: return '\\';
    case 0x85: return 'N';
    case 0xA0: return '_';
    case 0x2028: return 'L';
    case 0x2029: return 'P';
    default: return 0;
    }
}

static cv_result write_escape(em *e, const uint8_t *v, size_t n, size_t *i)
{
    uint8_t o = v[*i];
    size_t w = 1;
    uint32_t c = o & 0x7F;
    if ((o & 0xE0) == 0xC0) w = 2, c = o & 0x1F;
    else if ((o & 0xF0) == 0xE0) w = 3, c = o & 0x0F;
    else if ((o & 0xF8) == 0xF0) w = 4, c = o & 0x07;
    for (size_t k = 1; k < w && *i + k < n; k++) c = (c << 6) + (v[*i + k] & 0x3F);
    *i += w;
    CV_GUARD(put(e, '\\'));
    char ch = esc_char(c);
    if (ch) return put(e, (uint8_t)ch);
    int digits = c <= 0xFF ? 2 : c <= 0xFFFF ? 4 : 8;
    CV_GUARD(put(e, c <= 0xFF ? 'x' : c <= 0xFFFF ? 'u' : 'U'));
    for (int k = (digits - 1) * 4; k >= 0; k -= 4) {
        uint8_t d = (uint8_t)((c >> k) & 0x0F);
        CV_GUARD(put(e, (uint8_t)(d < 10 ? '0' + d : 'A' + d - 10)));
    }
    return cv_ok();
}

static cv_result write_double(em *e, const uint8_t *v, size_t n)
{
    CV_GUARD(write_indicator(e, "\"", true, false, false));
    bool bom = n >= 3 && v[0] == 0xEF && v[1] == 0xBB && v[2] == 0xBF;
    bool spaces = false;
    for (size_t i = 0; i < n;) {
        if (!bom && e->best_width == INT_MAX && v[i] > ' ' && v[i] < 0x7F && v[i] != '"' &&
            v[i] != '\\') {
            /* A run of ASCII that needs no escape and cannot fold. */
            size_t j = i + 1;
            while (j < n && v[j] >= ' ' && v[j] < 0x7F && v[j] != '"' && v[j] != '\\') j++;
            CV_GUARD(write_run(e, v + i, j - i));
            i = j;
            spaces = v[i - 1] == ' ';
            continue;
        }
        if (!is_printable_b(v, n, i) || bom || is_break_b(v, n, i) || v[i] == '"' || v[i] == '\\') {
            CV_GUARD(write_escape(e, v, n, &i));
            spaces = false;
        } else if (v[i] == ' ') {
            if (fold_here(e, spaces) && i > 0 && i + 1 < n) {
                CV_GUARD(write_indent(e));
                if (v[i + 1] == ' ') CV_GUARD(put(e, '\\'));
                i++;
            } else {
                CV_GUARD(write_ch(e, v, n, &i));
            }
            spaces = true;
        } else {
            CV_GUARD(write_ch(e, v, n, &i));
            spaces = false;
        }
    }
    CV_GUARD(write_indicator(e, "\"", false, false, false));
    e->whitespace = e->indention = false;
    return cv_ok();
}

static cv_result block_hints(em *e, const uint8_t *v, size_t n)
{
    if (n > 0 && (v[0] == ' ' || is_break_b(v, n, 0))) {
        char hint[2] = { (char)('0' + e->best_indent), 0 };
        CV_GUARD(write_indicator(e, hint, false, false, false));
    }
    e->open_ended = false;
    const char *chomp = NULL;
    if (n == 0) {
        chomp = "-";
    } else {
        size_t i = n - 1;
        while (i > 0 && (v[i] & 0xC0) == 0x80) i--;
        if (!is_break_b(v, n, i)) {
            chomp = "-";
        } else if (i == 0) {
            chomp = "+";
            e->open_ended = true;
        } else {
            i--;
            while (i > 0 && (v[i] & 0xC0) == 0x80) i--;
            if (is_break_b(v, n, i)) {
                chomp = "+";
                e->open_ended = true;
            }
        }
    }
    return chomp ? write_indicator(e, chomp, false, false, false) : cv_ok();
}

static cv_result write_literal(em *e, const uint8_t *v, size_t n)
{
    CV_GUARD(write_indicator(e, "|", true, false, false));
    CV_GUARD(block_hints(e, v, n));
    CV_GUARD(process_line_comment(e, true));
    e->whitespace = true;
    bool breaks = true;
    for (size_t i = 0; i < n;) {
        if (is_break_b(v, n, i)) {
            CV_GUARD(write_break(e, v, n, &i));
            breaks = true;
        } else {
            if (breaks) CV_GUARD(write_indent(e));
            size_t j = run_end(v, n, i);
            CV_GUARD(write_run(e, v + i, j - i));
            i = j;
            e->indention = false;
            breaks = false;
        }
    }
    return cv_ok();
}

static void select_style(em *e, const em_event *ev)
{
    int style = ev->style == S_ANY ? S_PLAIN : ev->style;
    if (e->simple_key_ctx && e->sc.multiline) style = S_DOUBLE;
    if (style == S_PLAIN) {
        if ((e->flow_level > 0 && !e->sc.flow_plain) || (e->flow_level == 0 && !e->sc.block_plain))
            style = S_SINGLE;
        if (e->sn == 0 && (e->flow_level > 0 || e->simple_key_ctx)) style = S_SINGLE;
    }
    if (style == S_SINGLE && !e->sc.single_ok) style = S_DOUBLE;
    if ((style == S_LITERAL || style == S_FOLDED) &&
        (!e->sc.block_ok || e->flow_level > 0 || e->simple_key_ctx))
        style = S_DOUBLE;
    e->style = style;
}

static cv_result emit_scalar(em *e, const em_event *ev)
{
    select_style(e, ev);
    if (e->tag) {
        if (!e->whitespace) CV_GUARD(put(e, ' '));
        CV_GUARD(write_all(e, e->tag));
        e->whitespace = e->indention = false;
    }
    CV_GUARD(increase_indent(e, true, false));
    switch (e->style) {
    case S_PLAIN: CV_GUARD(write_plain(e, e->sv, e->sn)); break;
    case S_SINGLE: CV_GUARD(write_single(e, e->sv, e->sn)); break;
    case S_LITERAL: CV_GUARD(write_literal(e, e->sv, e->sn)); break;
    default: CV_GUARD(write_double(e, e->sv, e->sn)); break;
    }
    pop_indent(e);
    pop_st(e);
    return cv_ok();
}

/* ---- collections --------------------------------------------------------- */

static bool next_is(const em *e, int a, int b)
{
    return e->nxt && e->cur->type == a && e->nxt->type == b;
}

static bool check_simple_key(const em *e)
{
    const em_event *ev = e->cur;
    size_t len = 0;
    switch (ev->type) {
    case E_SCALAR:
        if (e->sc.multiline) return false;
        len = e->sn + (e->tag ? strlen(e->tag) : 0);
        break;
    case E_SEQ_START: return next_is(e, E_SEQ_START, E_SEQ_END);
    case E_MAP_START: return next_is(e, E_MAP_START, E_MAP_END);
    default: return false;
    }
    return len <= 128;
}

static cv_result emit_node(em *e, const em_event *ev, bool root, bool seq, bool map, bool key)
{
    e->root_ctx = root;
    e->seq_ctx = seq;
    e->map_ctx = map;
    e->simple_key_ctx = key;
    switch (ev->type) {
    case E_SCALAR: return emit_scalar(e, ev);
    case E_SEQ_START:
        e->state = e->flow_level > 0 || next_is(e, E_SEQ_START, E_SEQ_END) ? ST_FSEQ_FIRST : ST_BSEQ_FIRST;
        return cv_ok();
    case E_MAP_START:
        e->state = e->flow_level > 0 || next_is(e, E_MAP_START, E_MAP_END) ? ST_FMAP_FIRST : ST_BMAP_FIRST;
        return cv_ok();
    default: CV_BAILF(CV_E_DOC_TYPE, "yaml emitter: unexpected event");
    }
}

static bool pending_comments(const em *e)
{
    return e->line_c.len + e->foot_c.len + e->tail_c.len > 0;
}

static cv_result flow_seq_item(em *e, const em_event *ev, bool first, bool trail)
{
    if (first) {
        CV_GUARD(write_indicator(e, "[", true, true, false));
        CV_GUARD(increase_indent(e, true, false));
        e->flow_level++;
    }
    if (ev->type == E_SEQ_END) {
        e->flow_level--;
        pop_indent(e);
        if (e->column == 0) CV_GUARD(write_indent(e));
        CV_GUARD(write_indicator(e, "]", false, false, false));
        CV_GUARD(process_line_comment(e, false));
        CV_GUARD(process_foot_comment(e));
        pop_st(e);
        return cv_ok();
    }
    if (!first && !trail) CV_GUARD(write_indicator(e, ",", false, false, false));
    CV_GUARD(process_head_comment(e));
    if (e->column == 0) CV_GUARD(write_indent(e));
    CV_GUARD(push_st(e, pending_comments(e) ? ST_FSEQ_TRAIL : ST_FSEQ_ITEM));
    CV_GUARD(emit_node(e, ev, false, true, false, false));
    if (pending_comments(e)) CV_GUARD(write_indicator(e, ",", false, false, false));
    CV_GUARD(process_line_comment(e, false));
    return process_foot_comment(e);
}

static cv_result flow_map_key(em *e, const em_event *ev, bool first, bool trail)
{
    if (first) {
        CV_GUARD(write_indicator(e, "{", true, true, false));
        CV_GUARD(increase_indent(e, true, false));
        e->flow_level++;
    }
    if (ev->type == E_MAP_END) {
        if (e->head_c.len + e->foot_c.len + e->tail_c.len > 0 && !first && !trail)
            CV_GUARD(write_indicator(e, ",", false, false, false));
        CV_GUARD(process_head_comment(e));
        e->flow_level--;
        pop_indent(e);
        CV_GUARD(write_indicator(e, "}", false, false, false));
        CV_GUARD(process_line_comment(e, false));
        CV_GUARD(process_foot_comment(e));
        pop_st(e);
        return cv_ok();
    }
    if (!first && !trail) CV_GUARD(write_indicator(e, ",", false, false, false));
    CV_GUARD(process_head_comment(e));
    if (e->column == 0) CV_GUARD(write_indent(e));
    if (check_simple_key(e)) {
        CV_GUARD(push_st(e, ST_FMAP_SVALUE));
        return emit_node(e, ev, false, false, true, true);
    }
    CV_GUARD(write_indicator(e, "?", true, false, false));
    CV_GUARD(push_st(e, ST_FMAP_VALUE));
    return emit_node(e, ev, false, false, true, false);
}

static cv_result flow_map_value(em *e, const em_event *ev, bool simple)
{
    if (simple) CV_GUARD(write_indicator(e, ":", false, false, false));
    else CV_GUARD(write_indicator(e, ":", true, false, false));
    CV_GUARD(push_st(e, pending_comments(e) ? ST_FMAP_TRAIL : ST_FMAP_KEY));
    CV_GUARD(emit_node(e, ev, false, false, true, false));
    if (pending_comments(e)) CV_GUARD(write_indicator(e, ",", false, false, false));
    CV_GUARD(process_line_comment(e, false));
    return process_foot_comment(e);
}

static cv_result block_seq_item(em *e, const em_event *ev, bool first)
{
    if (first) CV_GUARD(increase_indent(e, false, e->v2 && e->map_ctx && !e->indention));
    if (ev->type == E_SEQ_END) {
        pop_indent(e);
        pop_st(e);
        return cv_ok();
    }
    CV_GUARD(process_head_comment(e));
    CV_GUARD(write_indent(e));
    CV_GUARD(write_indicator(e, "-", true, false, true));
    CV_GUARD(push_st(e, ST_BSEQ_ITEM));
    CV_GUARD(emit_node(e, ev, false, true, false, false));
    CV_GUARD(process_line_comment(e, false));
    return process_foot_comment(e);
}

static cv_result block_map_key(em *e, const em_event *ev, bool first)
{
    if (first) CV_GUARD(increase_indent(e, false, false));
    CV_GUARD(process_head_comment(e));
    if (ev->type == E_MAP_END) {
        pop_indent(e);
        pop_st(e);
        return cv_ok();
    }
    CV_GUARD(write_indent(e));
    if (e->line_c.len > 0) {
        e->key_line_c = e->line_c;
        e->line_c = (cv_slice){ 0 };
    }
    if (check_simple_key(e)) {
        CV_GUARD(push_st(e, ST_BMAP_SVALUE));
        return emit_node(e, ev, false, false, true, true);
    }
    CV_GUARD(write_indicator(e, "?", true, false, true));
    CV_GUARD(push_st(e, ST_BMAP_VALUE));
    return emit_node(e, ev, false, false, true, false);
}

static cv_result block_map_value(em *e, const em_event *ev, bool simple)
{
    if (simple) {
        CV_GUARD(write_indicator(e, ":", false, false, false));
    } else {
        CV_GUARD(write_indent(e));
        CV_GUARD(write_indicator(e, ":", true, false, true));
    }
    if (e->key_line_c.len > 0) {
        if (ev->type == E_SCALAR) {
            if (e->line_c.len == 0) {
                e->line_c = e->key_line_c;
                e->key_line_c = (cv_slice){ 0 };
            }
        } else if (ev->type == E_MAP_START || ev->type == E_SEQ_START) {
            cv_slice saved = e->line_c;
            e->line_c = e->key_line_c;
            CV_GUARD(process_line_comment(e, false));
            e->key_line_c = e->line_c;
            e->line_c = saved;
        }
    }
    CV_GUARD(push_st(e, ST_BMAP_KEY));
    CV_GUARD(emit_node(e, ev, false, false, true, false));
    CV_GUARD(process_line_comment(e, false));
    return process_foot_comment(e);
}

/* ---- documents and the dispatcher ---------------------------------------- */

static cv_result doc_start(em *e, const em_event *ev, bool first)
{
    if (ev->type == E_DOC_START) {
        if (!first) {
            CV_GUARD(write_indent(e));
            CV_GUARD(write_indicator(e, "---", true, false, false));
            CV_GUARD(write_indent(e));
        }
        if (e->head_c.len > 0) {
            CV_GUARD(process_head_comment(e));
            CV_GUARD(put_break(e));
        }
        e->state = ST_DOC_CONTENT;
        return cv_ok();
    }
    if (e->v2 && e->open_ended) {
        CV_GUARD(write_indicator(e, "...", true, false, false));
        CV_GUARD(write_indent(e));
    }
    e->state = ST_END;
    return cv_ok();
}

static cv_result doc_content(em *e, const em_event *ev)
{
    CV_GUARD(push_st(e, ST_DOC_END));
    CV_GUARD(process_head_comment(e));
    CV_GUARD(emit_node(e, ev, true, false, false, false));
    CV_GUARD(process_line_comment(e, false));
    return process_foot_comment(e);
}

static cv_result doc_end(em *e)
{
    e->foot_indent = 0;
    CV_GUARD(process_foot_comment(e));
    e->foot_indent = -1;
    CV_GUARD(write_indent(e));
    e->state = ST_DOC_START;
    return cv_ok();
}

static cv_result dispatch(em *e, const em_event *ev)
{
    switch (e->state) {
    case ST_STREAM_START: e->state = ST_FIRST_DOC_START; return cv_ok();
    case ST_FIRST_DOC_START: return doc_start(e, ev, true);
    case ST_DOC_START: return doc_start(e, ev, false);
    case ST_DOC_CONTENT: return doc_content(e, ev);
    case ST_DOC_END: return doc_end(e);
    case ST_FSEQ_FIRST: return flow_seq_item(e, ev, true, false);
    case ST_FSEQ_TRAIL: return flow_seq_item(e, ev, false, true);
    case ST_FSEQ_ITEM: return flow_seq_item(e, ev, false, false);
    case ST_FMAP_FIRST: return flow_map_key(e, ev, true, false);
    case ST_FMAP_TRAIL: return flow_map_key(e, ev, false, true);
    case ST_FMAP_KEY: return flow_map_key(e, ev, false, false);
    case ST_FMAP_SVALUE: return flow_map_value(e, ev, true);
    case ST_FMAP_VALUE: return flow_map_value(e, ev, false);
    case ST_BSEQ_FIRST: return block_seq_item(e, ev, true);
    case ST_BSEQ_ITEM: return block_seq_item(e, ev, false);
    case ST_BMAP_FIRST: return block_map_key(e, ev, true);
    case ST_BMAP_KEY: return block_map_key(e, ev, false);
    case ST_BMAP_SVALUE: return block_map_value(e, ev, true);
    case ST_BMAP_VALUE: return block_map_value(e, ev, false);
    default: return cv_ok();
    }
}

static void analyze_event(em *e, const em_event *ev)
{
    const em_com *c = &ev->com;
    if (c->head.len) e->head_c = c->head;
    if (c->line.len) e->line_c = c->line;
    if (c->foot.len) e->foot_c = c->foot;
    if (c->tail.len) e->tail_c = c->tail;
    e->tag = ev->type == E_SCALAR ? ev->tag : NULL;
    /* yaml.v2 resolves "<<" only through its lookup table, which a '<'
     * never reaches: a plain string there, never a merge key. */
    if (e->v2 && e->tag && strcmp(e->tag, "!!merge") == 0) e->tag = NULL;
    if (ev->type == E_SCALAR) {
        e->sv = (const uint8_t *)ev->value;
        e->sn = ev->len;
        if (ev->has_sc && !e->v2) e->sc = ev->sc; /* the same text, the same mode */
        else analyze(e->sv, e->sn, e->v2, &e->sc);
    }
}


/* ---- the window of events ------------------------------------------------- */

/* The slot for the next event, cleared (but for num). */
static em_event *ev_slot(em *e)
{
    em_event *s = &e->win[e->count & 1];
    s->type = E_SCALAR;
    s->style = S_ANY;
    s->value = s->tag = NULL;
    s->len = 0;
    s->com = (em_com){ 0 };
    s->has_sc = false;
    return s;
}

static cv_result ev_run(em *e, const em_event *cur, const em_event *nxt)
{
    e->cur = cur;
    e->nxt = nxt;
    analyze_event(e, cur);
    return dispatch(e, cur);
}

/* The slot ev_slot gave is filled: the event before it now has the
 * lookahead it needs and is emitted, which frees its slot. */
static cv_result ev_push(em *e)
{
    e->count++;
    if (e->count < 2) return cv_ok();
    return ev_run(e, &e->win[e->count & 1], &e->win[(e->count - 1) & 1]);
}

static cv_result ev_mark(em *e, int type, em_com c)
{
    em_event *s = ev_slot(e);
    s->type = type;
    s->com = c;
    return ev_push(e);
}

/* ---- how yaml.v3 encodes a Go value into a scalar node ------------------ */

/* encodeBase64: 70-character lines, each ended by a newline when more
 * than one. The text is encoded at the end of its buffer and its lines
 * moved forward into place (a line never lands past where it was read). */
static cv_result base64_lines(cv_arena *a, const uint8_t *p, size_t n, const char **out, size_t *len)
{
    size_t enc = cv_b64_enc_len(n, true);
    size_t lines = enc / 70 + 1, nl = lines > 1 ? lines : 0;
    char *o;
    CV_GUARD(cv_arena_alloc(a, enc + nl + 1, (void **)&o));
    cv_b64_encode(o + nl, p, n, true);
    size_t k = 0;
    for (size_t i = 0; i < enc; i += 70) {
        size_t j = i + 70 < enc ? i + 70 : enc;
        memmove(o + k, o + nl + i, j - i);
        k += j - i;
        if (nl) o[k++] = '\n';
    }
    o[k] = '\0';
    *out = o;
    *len = k;
    return cv_ok();
}

/* stringv, then the style the first emission picks, which the re-parse in
 * Node.Encode keeps. */
static cv_result string_event(cv_arena *a, const cv_node *v, em_event *o)
{
    o->value = v->s;
    o->len = v->len;
    bool plain_ok = true;
    if (!valid_utf8((const uint8_t *)v->s, v->len)) {
        o->tag = "!!binary";
        CV_GUARD(base64_lines(a, (const uint8_t *)v->s, v->len, &o->value, &o->len));
    } else {
        cv_yres r;
        cv_yaml_resolve(v->s, v->len, true, &r);
        plain_ok = r.kind == CV_YR_STR && !is_base60(v->s, v->len) && !is_old_bool(v->s, v->len);
    }
    int style = memchr(o->value, '\n', o->len) ? S_LITERAL : plain_ok ? S_PLAIN : S_DOUBLE;
    em_scan sc;
    analyze((const uint8_t *)o->value, o->len, false, &sc);
    if (style == S_PLAIN && !sc.block_plain) style = S_SINGLE;
    if (style == S_SINGLE && !sc.single_ok) style = S_DOUBLE;
    if (style == S_LITERAL && !sc.block_ok) style = S_DOUBLE;
    o->style = style;
    o->sc = sc;
    o->has_sc = true;
    /* A plain "<<" reads back as a merge key, which the encoder tags. */
    if (style == S_PLAIN && o->len == 2 && memcmp(o->value, "<<", 2) == 0) o->tag = "!!merge";
    return cv_ok();
}

static void text_event(em_event *o, const char *s)
{
    o->value = s;
    o->len = strlen(s);
}

static void float_event(double f, em_event *o)
{
    o->len = cv_go_float(f, 'g', o->num);
    o->value = o->num;
    if (strcmp(o->num, "+Inf") == 0) text_event(o, ".inf");
    else if (strcmp(o->num, "-Inf") == 0) text_event(o, "-.inf");
    else if (strcmp(o->num, "NaN") == 0) text_event(o, ".nan");
}

static cv_result scalar_event(cv_arena *a, const cv_node *v, em_event *o)
{
    o->style = S_PLAIN;
    switch (v ? v->kind : CV_NODE_NULL) {
    case CV_NODE_STR: return string_event(a, v, o);
    case CV_NODE_INT:
        o->len = cv_node_int_text(v, o->num);
        o->value = o->num;
        break;
    case CV_NODE_BOOL: text_event(o, v->v.b ? "true" : "false"); break;
    case CV_NODE_FLOAT: float_event(v->v.f, o); break;
    case CV_NODE_TIME:
        o->value = v->s;
        o->len = v->len;
        break;
    default: text_event(o, "null"); break;
    }
    return cv_ok();
}

/* ---- store.go's treeValueToNode / appendTreeBranch / appendSequence ----
 *
 * sops builds a yaml.v3 node per value, moving the tree's COMMENT items
 * onto them: comment lines before a collection's first value become the
 * collection's head comment; later ones the head comment of the next key
 * (a sequence: of the next item); inline comments the line comment of the
 * value that follows them; what trails the last value becomes the last
 * key's foot comment (the map's tail, after it) or the last item's foot
 * comment, standalone lines first. Encoding those nodes gives the events
 * below, made here straight from the tree. */

enum { C_HEAD = 1, C_LINE = 2, C_BOTH = 3 };

static const cv_node *item_comment(const cv_node *v, size_t i)
{
    const cv_item *it = &v->items[i];
    const cv_node *c = v->kind == CV_NODE_MAP ? it->key : it->value;
    return c && c->kind == CV_NODE_COMMENT ? c : NULL;
}

static bool picked(const cv_node *c, int pass)
{
    return c && (pass == C_HEAD ? !c->inline_comment : c->inline_comment);
}

/* How many comments of items [from, to) `which` takes; their bytes with
 * separators are added to *total. */
static size_t count_comments(const cv_node *v, size_t from, size_t to, int which, size_t *total)
{
    size_t n = 0;
    for (int pass = C_HEAD; pass <= C_LINE; pass++)
        for (size_t i = from; i < to && (which & pass); i++)
            if (picked(item_comment(v, i), pass)) *total += item_comment(v, i)->len + 2, n++;
    return n;
}

/* before + "\n" + "#" + strings.Join(comments, "\n#") + "\n" + after, for
 * the comments of items [from, to) that `which` takes; before or after
 * (one of them is empty) as it is when there are none. */
static cv_result join_range(cv_arena *a, const cv_node *v, size_t from, size_t to, int which,
                            cv_slice before, cv_slice after, cv_slice *out)
{
    size_t total = before.len + after.len + 2;
    size_t n = from < to ? count_comments(v, from, to, which, &total) : 0;
    if (n == 0) {
        *out = before.len ? before : after;
        return cv_ok();
    }
    char *s;
    CV_GUARD(cv_arena_alloc(a, total, (void **)&s));
    size_t k = 0;
    if (before.len) {
        memcpy(s, before.p, before.len);
        k = before.len;
        s[k++] = '\n';
    }
    for (int pass = C_HEAD, first = 1; pass <= C_LINE; pass++) {
        for (size_t i = from; i < to && (which & pass); i++) {
            const cv_node *c = item_comment(v, i);
            if (!picked(c, pass)) continue;
            if (!first) s[k++] = '\n';
            first = 0;
            s[k++] = '#';
            memcpy(s + k, c->s, c->len);
            k += c->len;
        }
    }
    if (after.len) {
        s[k++] = '\n';
        memcpy(s + k, after.p, after.len);
        k += after.len;
    }
    *out = cv_slice_of(s, k);
    return cv_ok();
}

/* What a value's node gets from its parent: comment text before its own
 * head comment, its line and foot comments. */
typedef struct {
    cv_slice head, line, foot;
} em_around;

static cv_result walk_value(em *e, const cv_node *v, size_t depth, em_around ar);

/* One value of a collection at item i, whose comments are the items
 * [from, i); the first value's standalone ones went to the collection. */
static cv_result walk_item(em *e, const cv_node *v, size_t from, size_t i, bool first,
                           cv_slice foot, size_t depth)
{
    cv_slice hd = { 0 }, il;
    if (!first) CV_GUARD(join_range(e->a, v, from, i, C_HEAD, hd, hd, &hd));
    CV_GUARD(join_range(e->a, v, from, i, C_LINE, (cv_slice){ 0 }, (cv_slice){ 0 }, &il));
    const cv_item *it = &v->items[i];
    if (v->kind == CV_NODE_LIST)
        return walk_value(e, it->value, depth + 1, (em_around){ hd, il, foot });
    em_event *k = ev_slot(e);
    CV_GUARD(scalar_event(e->a, it->key, k));
    k->com.head = hd;
    CV_GUARD(ev_push(e));
    return walk_value(e, it->value, depth + 1, (em_around){ .line = il });
}

static cv_result walk_collection(em *e, const cv_node *v, size_t depth, em_around ar)
{
    bool map = v->kind == CV_NODE_MAP;
    size_t first = v->n, last = v->n;
    for (size_t i = 0; i < v->n && first == v->n; i++)
        if (!item_comment(v, i)) first = i;
    for (size_t i = v->n; i > first && last == v->n; i--)
        if (!item_comment(v, i - 1)) last = i - 1;
    cv_slice head, trail = { 0 };
    CV_GUARD(join_range(e->a, v, 0, first, first == v->n ? C_BOTH : C_HEAD, ar.head,
                        (cv_slice){ 0 }, &head));
    CV_GUARD(ev_mark(e, map ? E_MAP_START : E_SEQ_START, (em_com){ .head = head }));
    if (first < v->n)
        CV_GUARD(join_range(e->a, v, last + 1, v->n, C_BOTH, trail, trail, &trail));
    for (size_t i = first, from = 0; i <= last && i < v->n; i++) {
        if (item_comment(v, i)) continue;
        cv_slice foot = !map && i == last ? trail : (cv_slice){ 0 };
        CV_GUARD(walk_item(e, v, from, i, i == first, foot, depth));
        from = i + 1;
    }
    return ev_mark(e, map ? E_MAP_END : E_SEQ_END,
                   (em_com){ .line = ar.line, .foot = ar.foot, .tail = map ? trail : (cv_slice){ 0 } });
}

static cv_result walk_value(em *e, const cv_node *v, size_t depth, em_around ar)
{
    CV_ENSUREF(depth < CV_DOC_MAX_DEPTH, CV_E_LIMIT, "document nested deeper than %u",
               CV_DOC_MAX_DEPTH);
    if (v && (v->kind == CV_NODE_MAP || v->kind == CV_NODE_LIST))
        return walk_collection(e, v, depth, ar);
    em_event *s = ev_slot(e);
    CV_GUARD(scalar_event(e->a, v, s));
    s->com = (em_com){ .head = ar.head, .line = ar.line, .foot = ar.foot };
    return ev_push(e);
}

/* ---- the output's size ------------------------------------------------------ */

/* About how many bytes a block-style emission of v takes at column col
 * (plain scalars, one line each): the output buffer is reserved once
 * instead of doubling through copies (each wiped, when secret). */
static size_t est_scalar(const cv_node *v)
{
    switch (v ? v->kind : CV_NODE_NULL) {
    case CV_NODE_STR:
    case CV_NODE_TIME: return v->len;
    case CV_NODE_INT: {
        uint64_t u = v->uint64 || v->v.i >= 0 ? (uint64_t)v->v.i : 0 - (uint64_t)v->v.i;
        size_t d = v->v.i < 0 && !v->uint64 ? 2 : 1;
        for (; u >= 10; u /= 10) d++;
        return d;
    }
    case CV_NODE_FLOAT: return 24;
    case CV_NODE_BOOL: return 5;
    default: return 4;
    }
}

static size_t est_value(const cv_node *v, size_t col, size_t step, size_t depth)
{
    if (!v || (v->kind != CV_NODE_MAP && v->kind != CV_NODE_LIST)) return est_scalar(v) + 1;
    if (depth >= CV_DOC_MAX_DEPTH) return 0; /* the walk fails there */
    size_t sum = 3;
    bool map = v->kind == CV_NODE_MAP;
    for (size_t i = 0; i < v->n; i++) {
        const cv_item *it = &v->items[i];
        const cv_node *c = item_comment(v, i), *x = it->value;
        bool coll = x && (x->kind == CV_NODE_MAP || x->kind == CV_NODE_LIST);
        if (c) sum += col + c->len + 3;
        else if (map) sum += col + est_scalar(it->key) + 2 + est_value(x, col + step, step, depth + 1);
        else sum += coll ? est_value(x, col + 2, step, depth + 1) : col + 2 + est_value(x, 0, step, depth + 1);
    }
    return sum;
}

/* ---- entry points --------------------------------------------------------- */

static cv_result emit_docs(em *e, const cv_node *const *b, size_t n)
{
    CV_GUARD(ev_mark(e, E_STREAM_START, (em_com){ 0 }));
    for (size_t i = 0; i < n; i++) {
        CV_GUARD(ev_mark(e, E_DOC_START, (em_com){ 0 }));
        CV_GUARD(walk_value(e, b[i], 0, (em_around){ 0 }));
        CV_GUARD(ev_mark(e, E_DOC_END, (em_com){ 0 }));
    }
    CV_GUARD(ev_mark(e, E_STREAM_END, (em_com){ 0 }));
    return ev_run(e, &e->win[(e->count - 1) & 1], NULL);
}

static cv_result emit_branches(cv_arena *a, const cv_node *const *b, size_t n, int indent,
                               bool v2, cv_buf *out)
{
    em e = { .a = a, .out = out, .indent = -1, .foot_indent = -1, .whitespace = true,
             .indention = true, .v2 = v2, .best_width = v2 ? 80 : INT_MAX };
    e.best_indent = indent < 2 || indent > 9 ? 2 : indent;
    size_t est = 0;
    for (size_t i = 0; i < n; i++) est += est_value(b[i], 0, (size_t)e.best_indent, 0) + 4;
    est += est / 64;
    if (est > out->max - out->len) est = out->max - out->len;
    CV_GUARD(cv_buf_reserve(out, est));
    CV_GUARD(cv_arena_alloc(a, 2 * sizeof(em_event), (void **)&e.win));
    size_t len0 = out->len;
    cv_result r = emit_docs(&e, b, n);
    if (!cv_is_ok(r)) {
        /* Nothing of a failed emission stays in the caller's buffer. */
        if (out->wipe) cv_wipe(out->p + len0, out->len - len0);
        out->len = len0;
    }
    return r;
}

static cv_result emit_in_arena(const cv_node *const *b, size_t n, int indent, bool v2,
                               cv_buf *out)
{
    cv_arena *a;
    CV_GUARD(cv_arena_new(&a));
    cv_result r = emit_branches(a, b, n, indent, v2, out);
    cv_arena_free(&a);
    return r;
}

cv_result cv_yaml_emit(const cv_doc *doc, int indent, cv_buf *out)
{
    CV_ENSUREF(indent >= 0, CV_E_DOC_UNSUPPORTED, "YAML Negative indentation not accepted");
    return emit_in_arena((const cv_node *const *)doc->branches, doc->n, indent == 0 ? 4 : indent,
                         false, out);
}

cv_result cv_yaml_emit_value(const cv_node *n, int indent, cv_buf *out)
{
    CV_ENSUREF(indent >= 0, CV_E_DOC_UNSUPPORTED, "YAML Negative indentation not accepted");
    return emit_in_arena(&n, 1, indent == 0 ? 4 : indent, false, out);
}

cv_result cv_yaml_emit_v2(const cv_node *n, cv_buf *out)
{
    return emit_in_arena(&n, 1, 2, true, out);
}
