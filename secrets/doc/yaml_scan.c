/* Tokens from libyaml's scanner, and comments found the way yaml.v3 finds
 * them.
 *
 * libyaml drops comments; yaml.v3's scanner (a port of libyaml) reads them
 * in the gaps between tokens and binds each to a token position. Both
 * scanners produce the same tokens, so this file replays yaml.v3's gap
 * handling over libyaml's tokens: the scanner state it depends on (indent
 * stack, flow level, the last two queued tokens, the count of line breaks
 * since the last non-blank character) follows from the token stream. */
#include "secrets/doc/yaml_int.h"

#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "crypto/base/limits.h"
#include "crypto/base/mem.h"

cv_result cv_yaml_dup(cv_arena *a, const void *p, size_t n, cv_slice *out)
{
    char *s;
    CV_GUARD(cv_arena_strndup(a, p, n, &s));
    *out = cv_slice_of(s, n);
    return cv_ok();
}

cv_result cv_yaml_grow(void **items, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap) return cv_ok();
    size_t n = *cap ? *cap : 64;
    while (n < need) {
        CV_ENSURE(n <= SIZE_MAX / 2 / elem, CV_E_TOO_LARGE);
        n *= 2;
    }
    void *p = realloc(*items, n * elem);
    CV_ENSURE(p != NULL, CV_E_NOMEM);
    *items = p;
    *cap = n;
    return cv_ok();
}

static void lib_stop(ym_stream *s);

void cv_yaml_stream_free(ym_stream *s)
{
    cv_yaml_fast_stop(s);
    lib_stop(s);
    free(s->toks);
    free(s->coms);
    s->toks = NULL;
    s->coms = NULL;
    s->ntok = s->ncom = s->tok_cap = s->com_cap = s->tok_base = s->ready = 0;
}

/* ---- character index -> byte offset ------------------------------------ */

typedef struct {
    const uint8_t *p;
    size_t n, idx, off, base;
} ym_cursor;

static bool is_lead(uint8_t c) { return (c & 0xC0) != 0x80; }

static size_t cursor_off(ym_cursor *c, size_t index)
{
    while (c->idx < index && c->off < c->n) {
        c->off++;
        while (c->off < c->n && !is_lead(c->p[c->off])) c->off++;
        c->idx++;
    }
    while (c->idx > index && c->off > c->base) {
        c->off--;
        while (c->off > c->base && !is_lead(c->p[c->off])) c->off--;
        c->idx--;
    }
    return c->off;
}

/* Marks fit 32 bits: the input is capped (cv_yaml_load_opts). */
_Static_assert(CV_DOC_MAX_INPUT < UINT32_MAX / 2, "YAML marks are 32-bit");

static ym_mark mark32(yaml_mark_t m, size_t off)
{
    return (ym_mark){ (uint32_t)m.index, (uint32_t)m.line, (uint32_t)m.column, (uint32_t)off };
}

static ym_mark mark_of(ym_cursor *c, yaml_mark_t m)
{
    return mark32(m, cursor_off(c, m.index));
}

/* ---- libyaml tokens ---------------------------------------------------- */

static void wipe_token(yaml_token_t *t)
{
    switch (t->type) {
    case YAML_SCALAR_TOKEN:
        if (t->data.scalar.value) cv_wipe(t->data.scalar.value, t->data.scalar.length);
        break;
    case YAML_ALIAS_TOKEN:
        if (t->data.alias.value) cv_wipe(t->data.alias.value, strlen((char *)t->data.alias.value));
        break;
    case YAML_ANCHOR_TOKEN:
        if (t->data.anchor.value) cv_wipe(t->data.anchor.value, strlen((char *)t->data.anchor.value));
        break;
    case YAML_TAG_TOKEN:
        if (t->data.tag.handle) cv_wipe(t->data.tag.handle, strlen((char *)t->data.tag.handle));
        if (t->data.tag.suffix) cv_wipe(t->data.tag.suffix, strlen((char *)t->data.tag.suffix));
        break;
    case YAML_TAG_DIRECTIVE_TOKEN:
        if (t->data.tag_directive.handle)
            cv_wipe(t->data.tag_directive.handle, strlen((char *)t->data.tag_directive.handle));
        if (t->data.tag_directive.prefix)
            cv_wipe(t->data.tag_directive.prefix, strlen((char *)t->data.tag_directive.prefix));
        break;
    default:
        break;
    }
    yaml_token_delete(t);
}

static void wipe_parser(yaml_parser_t *p)
{
    if (p->raw_buffer.start)
        cv_wipe(p->raw_buffer.start, (size_t)(p->raw_buffer.end - p->raw_buffer.start));
    if (p->buffer.start) cv_wipe(p->buffer.start, (size_t)(p->buffer.end - p->buffer.start));
    for (yaml_token_t *t = p->tokens.head; t && t != p->tokens.tail; t++) wipe_token(t);
    p->tokens.head = p->tokens.tail;
    yaml_parser_delete(p);
}

static cv_result copy_str(cv_arena *a, const unsigned char *s, size_t n, char **out,
                          uint32_t *len)
{
    if (s == NULL) {
        *out = NULL;
        *len = 0;
        return cv_ok();
    }
    CV_ENSURE(n < UINT32_MAX, CV_E_TOO_LARGE);
    *len = (uint32_t)n;
    return cv_arena_strndup(a, s, n, out);
}

/* A scalar whose text is its source bytes (plain on one line, quoted
 * without escape or break) is left in the input, as the fast scanner
 * leaves it. Needs the marks' byte offsets. */
static bool in_place(const ym_stream *s, const yaml_token_t *t, ym_tok *o)
{
    size_t n = t->data.scalar.length, quotes;
    switch (t->data.scalar.style) {
    case YAML_PLAIN_SCALAR_STYLE: quotes = 0; break;
    case YAML_SINGLE_QUOTED_SCALAR_STYLE:
    case YAML_DOUBLE_QUOTED_SCALAR_STYLE: quotes = 1; break;
    default: return false;
    }
    size_t from = o->start.off + quotes;
    if (s->no_comments || n == 0 || o->end.off < o->start.off ||
        o->end.off - o->start.off != n + 2 * quotes || from + n > s->in_len ||
        memcmp(s->in + from, t->data.scalar.value, n) != 0)
        return false;
    o->value = (char *)(uintptr_t)(s->in + from);
    o->len = (uint32_t)n;
    return true;
}

static cv_result token_data(ym_stream *s, const yaml_token_t *t, ym_tok *o)
{
    cv_arena *a = s->arena;
    switch (t->type) {
    case YAML_SCALAR_TOKEN:
        o->style = (int)t->data.scalar.style;
        if (in_place(s, t, o)) return cv_ok();
        return copy_str(a, t->data.scalar.value, t->data.scalar.length, &o->value, &o->len);
    case YAML_ALIAS_TOKEN:
    case YAML_ANCHOR_TOKEN: {
        const unsigned char *v = t->data.alias.value; /* same layout as anchor */
        return copy_str(a, v, strlen((const char *)v), &o->value, &o->len);
    }
    case YAML_TAG_TOKEN:
        CV_GUARD(copy_str(a, t->data.tag.handle, strlen((const char *)t->data.tag.handle),
                          &o->value, &o->len));
        return copy_str(a, t->data.tag.suffix, strlen((const char *)t->data.tag.suffix),
                        &o->suffix, &o->suffix_len);
    case YAML_TAG_DIRECTIVE_TOKEN:
        CV_GUARD(copy_str(a, t->data.tag_directive.handle,
                          strlen((const char *)t->data.tag_directive.handle), &o->value,
                          &o->len));
        return copy_str(a, t->data.tag_directive.prefix,
                        strlen((const char *)t->data.tag_directive.prefix), &o->suffix,
                        &o->suffix_len);
    case YAML_VERSION_DIRECTIVE_TOKEN:
        o->major = t->data.version_directive.major;
        o->minor = t->data.version_directive.minor;
        return cv_ok();
    default:
        return cv_ok();
    }
}

static cv_result push_token(ym_stream *s, ym_cursor *c, const yaml_token_t *t)
{
    CV_GUARD(cv_yaml_grow((void **)&s->toks, &s->tok_cap, s->ntok - s->tok_base + 1,
                          sizeof(ym_tok)));
    ym_tok *o = ym_tok_at(s, s->ntok);
    memset(o, 0, sizeof(*o));
    o->type = (int)t->type;
    if (s->no_comments) {
        /* Byte offsets only serve the comment replay. */
        o->start = mark32(t->start_mark, 0);
        o->end = mark32(t->end_mark, 0);
    } else {
        o->start = mark_of(c, t->start_mark);
        o->end = mark_of(c, t->end_mark);
    }
    CV_GUARD(token_data(s, t, o));
    s->ntok++;
    return cv_ok();
}

static void scan_error(ym_stream *s, const yaml_parser_t *p)
{
    s->scan_failed = true;
    /* yaml.v3 reports a scanner error one line below its context mark. */
    size_t line = p->context_mark.line ? p->context_mark.line : p->problem_mark.line;
    s->scan_line = line ? line + 1 : 0;
    if (p->error == YAML_READER_ERROR) s->scan_line = 0;
    snprintf(s->scan_problem, sizeof(s->scan_problem), "%s",
             p->problem ? p->problem : "unknown problem parsing YAML content");
}

static bool utf16_bom(const uint8_t *p, size_t n)
{
    return n >= 2 && ((p[0] == 0xFF && p[1] == 0xFE) || (p[0] == 0xFE && p[1] == 0xFF));
}

/* libyaml's scanner between calls: tokens on demand, like the fast one. */
struct ym_lib {
    yaml_parser_t p;
    ym_cursor c;
};

static void lib_stop(ym_stream *s)
{
    ym_lib *l = s->lib;
    if (l == NULL) return;
    if (s->public_input) yaml_parser_delete(&l->p);
    else wipe_parser(&l->p);
    free(l);
    s->lib = NULL;
}

static cv_result lib_start(ym_stream *s)
{
    ym_lib *l = calloc(1, sizeof(*l));
    CV_ENSURE(l != NULL, CV_E_NOMEM);
    if (!yaml_parser_initialize(&l->p)) {
        free(l);
        CV_BAIL(CV_E_NOMEM);
    }
    s->lib = l;
    yaml_parser_set_input_string(&l->p, s->in, s->in_len);
    yaml_parser_set_encoding(&l->p, YAML_UTF8_ENCODING);
    l->c = (ym_cursor){ s->in, s->in_len, 0, 0, 0 };
    if (s->in_len >= 3 && memcmp(s->in, "\xEF\xBB\xBF", 3) == 0) l->c.off = l->c.base = 3;
    return cv_ok();
}

/* One more token; at the stream's end or a scanner error (recorded for
 * the parser, which reports it when it runs out of tokens) libyaml is
 * released. */
static cv_result lib_step(ym_stream *s)
{
    ym_lib *l = s->lib;
    yaml_token_t t;
    if (!yaml_parser_scan(&l->p, &t)) {
        scan_error(s, &l->p);
        lib_stop(s);
        return cv_ok();
    }
    bool end = t.type == YAML_STREAM_END_TOKEN;
    cv_result r = push_token(s, &l->c, &t);
    if (s->public_input) yaml_token_delete(&t);
    else wipe_token(&t);
    s->ready = s->ntok;
    if (!cv_is_ok(r) || end) lib_stop(s);
    return r;
}

cv_result cv_yaml_lib_tokens(ym_stream *s)
{
    CV_GUARD(lib_start(s));
    cv_result r = cv_ok();
    while (s->lib && cv_is_ok(r)) r = lib_step(s);
    return r;
}

/* ---- yaml.v3's comment scanning, replayed ------------------------------ */

typedef struct {
    int type;
    ym_mark start;
} ym_tail;

typedef struct {
    ym_stream *s;
    const uint8_t *p;
    size_t n;
    ym_mark mark;
    int newlines;
    long indent;
    long *indents;
    size_t nind, ind_cap;
    int flow_level;
    ym_tail tail[2]; /* [1] is the last queued token, [0] the one before */
    size_t ntail;
    size_t last; /* stream index of the last queued token */
} ym_sim;

/* yaml.v3's parser empties a comment record once it has taken it, and it
 * runs about three tokens behind the scanner: records bound at or before
 * that point are gone when the scanner looks back at them. */
static bool comment_alive(const ym_sim *m, const ym_comment *c)
{
    if (m->last < 3) return true;
    return c->token_mark.index > m->s->toks[m->last - 3].start.index;
}

static uint8_t at(const ym_sim *m, size_t off) { return off < m->n ? m->p[off] : 0; }
static bool is_blank_c(uint8_t c) { return c == ' ' || c == '\t'; }

/* Width of the line break at off (0 if none): LF, CR, CRLF, NEL, LS, PS. */
static size_t break_len(const ym_sim *m, size_t off)
{
    uint8_t c = at(m, off);
    if (c == '\r') return at(m, off + 1) == '\n' ? 2 : 1;
    if (c == '\n') return 1;
    if (c == 0xC2 && at(m, off + 1) == 0x85) return 2;
    if (c == 0xE2 && at(m, off + 1) == 0x80 && (at(m, off + 2) == 0xA8 || at(m, off + 2) == 0xA9))
        return 3;
    return 0;
}
static bool is_break_at(const ym_sim *m, size_t off) { return break_len(m, off) > 0; }
static bool is_breakz_at(const ym_sim *m, size_t off)
{
    return off >= m->n || is_break_at(m, off);
}

static size_t char_len(const ym_sim *m, size_t off)
{
    uint8_t c = at(m, off);
    size_t w = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : 4;
    return off + w > m->n ? 1 : w;
}

static void sim_skip(ym_sim *m)
{
    if (!is_blank_c(at(m, m->mark.off))) m->newlines = 0;
    m->mark.off += (uint32_t)char_len(m, m->mark.off);
    m->mark.index++;
    m->mark.column++;
}

static void sim_skip_line(ym_sim *m)
{
    size_t w = break_len(m, m->mark.off);
    if (w == 0) return;
    /* CRLF counts two characters, every other break one. */
    bool crlf = at(m, m->mark.off) == '\r' && w == 2;
    m->mark.index += crlf ? 2 : 1;
    m->mark.off += (uint32_t)w;
    m->mark.column = 0;
    m->mark.line++;
    m->newlines++;
}

static cv_result add_comment(ym_sim *m, const ym_comment *c)
{
    ym_stream *s = m->s;
    CV_GUARD(cv_yaml_grow((void **)&s->coms, &s->com_cap, s->ncom + 1, sizeof(ym_comment)));
    s->coms[s->ncom++] = *c;
    return cv_ok();
}

/* Consume one comment line from the current position (at '#' possibly after
 * blanks) into text; stops before the line break. */
static cv_result sim_line_comment(ym_sim *m, ym_mark token_mark)
{
    if (m->newlines > 0) return cv_ok();
    size_t peek = 0;
    while (peek < 512 && is_blank_c(at(m, m->mark.off + peek))) peek++;
    if (peek >= 512 || at(m, m->mark.off + peek) != '#') return cv_ok();
    size_t hash = m->mark.off + peek;
    while (m->mark.off < hash) sim_skip(m);
    ym_comment co = { .token_mark = token_mark, .start_mark = m->mark };
    size_t from = m->mark.off;
    while (!is_breakz_at(m, m->mark.off)) sim_skip(m);
    CV_GUARD(cv_yaml_dup(m->s->arena, m->p + from, m->mark.off - from, &co.line));
    return add_comment(m, &co);
}

static ym_mark mk(size_t index, size_t line, long column)
{
    return (ym_mark){ (uint32_t)index, (uint32_t)line, (uint32_t)column, 0 };
}

typedef struct {
    ym_mark scan_mark, token_mark, start_mark;
    cv_buf text;
} ym_scratch;

static cv_result flush_comment(ym_sim *m, ym_scratch *x, ym_mark end, int which)
{
    ym_comment co = { x->scan_mark, x->token_mark, x->start_mark, end, { 0 }, { 0 }, { 0 } };
    if (which == 0) co.token_mark = x->start_mark;
    cv_slice *dst = which == 0 ? &co.head : &co.foot;
    CV_GUARD(cv_yaml_dup(m->s->arena, x->text.p, x->text.len, dst));
    cv_buf_reset(&x->text);
    return add_comment(m, &co);
}

/* A foot comment of what came before: bind it and start afresh. */
static cv_result split_foot(ym_sim *m, ym_scratch *x, ym_mark end)
{
    CV_GUARD(flush_comment(m, x, end, 1));
    x->scan_mark = end;
    x->token_mark = end;
    return cv_ok();
}

/* Consume the comment line whose '#' is peek bytes ahead. */
static cv_result take_comment_line(ym_sim *m, size_t peek, cv_buf *text)
{
    size_t seen = m->mark.index + peek;
    for (;;) {
        if (is_breakz_at(m, m->mark.off)) {
            if (m->mark.index >= seen) break;
            sim_skip_line(m);
        } else if (m->mark.index >= seen) {
            size_t w = char_len(m, m->mark.off);
            CV_GUARD(cv_buf_add(text, m->p + m->mark.off, w));
            sim_skip(m);
        } else {
            sim_skip(m);
        }
    }
    return cv_ok();
}

typedef struct {
    ym_tail token;
    long next_indent, foot_line, column;
    size_t line;
    bool recent_empty, first_empty;
} ym_cstate;

static bool foot_here(const ym_cstate *c, const ym_scratch *x)
{
    return c->first_empty && (((long)x->start_mark.line == c->foot_line && c->token.type != YT_VALUE) ||
                              (long)x->start_mark.column - 1 < c->next_indent);
}

/* The line break (or end, or closing bracket) branch of the comment scan. */
static cv_result comment_break(ym_sim *m, ym_cstate *c, ym_scratch *x, size_t peek, bool close)
{
    if (!(close || !c->recent_empty)) return cv_ok();
    if (close || foot_here(c, x)) {
        if (x->text.len == 0) return cv_ok();
        if ((long)x->start_mark.column - 1 < c->next_indent) x->token_mark = x->start_mark;
        return split_foot(m, x, mk(m->mark.index + peek, c->line, c->column));
    }
    if (x->text.len > 0 && at(m, m->mark.off + peek) != 0) return cv_buf_add_byte(&x->text, '\n');
    return cv_ok();
}

static void cstate_init(ym_sim *m, ym_mark scan_mark, ym_cstate *c)
{
    c->token = m->tail[1];
    if (c->token.type == YT_FLOW_ENTRY && m->ntail > 1) c->token = m->tail[0];
    c->next_indent = m->indent < 0 ? 0 : m->indent;
    c->recent_empty = false;
    c->first_empty = m->newlines <= 1;
    c->line = m->mark.line;
    c->column = (long)m->mark.column;
    c->foot_line = -1;
    if (scan_mark.line > 0) {
        c->foot_line = (long)m->mark.line - m->newlines + 1;
        if (m->newlines == 0 && m->mark.column > 1) c->foot_line++;
    }
}

static cv_result scan_comments_loop(ym_sim *m, ym_cstate *c, ym_scratch *x, size_t *peekp)
{
    size_t peek = 0;
    for (; peek < 512; peek++) {
        c->column++;
        uint8_t ch = at(m, m->mark.off + peek);
        if (is_blank_c(ch)) continue;
        bool close = m->flow_level > 0 && (ch == ']' || ch == '}');
        if (close || is_breakz_at(m, m->mark.off + peek)) {
            CV_GUARD(comment_break(m, c, x, peek, close));
            if (!is_break_at(m, m->mark.off + peek)) break;
            c->first_empty = false;
            c->recent_empty = true;
            c->column = 0;
            c->line++;
            continue;
        }
        if (x->text.len > 0 && (close || (c->column - 1 < c->next_indent &&
                                          c->column != (long)x->start_mark.column)))
            CV_GUARD(split_foot(m, x, mk(m->mark.index + peek, c->line, c->column)));
        if (ch != '#') break;
        if (x->text.len == 0) x->start_mark = mk(m->mark.index + peek, c->line, c->column);
        else CV_GUARD(cv_buf_add_byte(&x->text, '\n'));
        c->recent_empty = false;
        CV_GUARD(take_comment_line(m, peek, &x->text));
        peek = 0; /* the loop's own step then skips the line break */
        c->column = 0;
        c->line = m->mark.line;
        c->next_indent = m->indent < 0 ? 0 : m->indent;
    }
    *peekp = peek;
    return cv_ok();
}

static cv_result sim_scan_comments(ym_sim *m, ym_mark scan_mark)
{
    ym_cstate c;
    cstate_init(m, scan_mark, &c);
    ym_scratch x = { scan_mark, c.token.start, { 0 }, { 0 } };
    cv_buf_init_secret(&x.text, CV_DOC_MAX_INPUT);
    size_t peek = 0;
    cv_result r = scan_comments_loop(m, &c, &x, &peek);
    if (cv_is_ok(r) && x.text.len > 0)
        r = flush_comment(m, &x, mk(m->mark.index + peek - 1, c.line, c.column), 0);
    cv_buf_release(&x.text);
    return r;
}

/* "- # comment" directly under a sequence entry heads what follows. */
static void entry_comment_to_head(ym_sim *m)
{
    ym_stream *s = m->s;
    if (s->ncom == 0 || m->ntail < 2) return;
    ym_comment *c = &s->coms[s->ncom - 1];
    if (!comment_alive(m, c)) return;
    if (m->tail[0].type != YT_BSEQ_START || m->tail[1].type != YT_BLOCK_ENTRY) return;
    if (c->line.len == 0 || is_break_at(m, m->mark.off)) return;
    c->head = c->line;
    c->line = (cv_slice){ 0 };
    if (c->start_mark.line + 1 == m->mark.line) c->token_mark = m->mark;
}

static cv_result sim_gap(ym_sim *m, ym_mark scan_mark)
{
    for (;;) {
        if (m->mark.column == 0 && at(m, m->mark.off) == 0xEF && at(m, m->mark.off + 1) == 0xBB &&
            at(m, m->mark.off + 2) == 0xBF)
            sim_skip(m);
        while (is_blank_c(at(m, m->mark.off))) sim_skip(m);
        entry_comment_to_head(m);
        if (at(m, m->mark.off) == '#') CV_GUARD(sim_scan_comments(m, scan_mark));
        if (!is_break_at(m, m->mark.off)) break;
        sim_skip_line(m);
    }
    return cv_ok();
}

/* ---- the replay loop --------------------------------------------------- */

static bool zero_width(const ym_tok *t)
{
    switch (t->type) {
    case YT_BSEQ_START:
    case YT_BMAP_START:
    case YT_BLOCK_END:
        return true;
    case YT_KEY:
        return t->start.index == t->end.index;
    default:
        return false;
    }
}

static void push_tail(ym_sim *m, const ym_tok *t)
{
    m->tail[0] = m->tail[1];
    m->tail[1] = (ym_tail){ t->type, t->start };
    if (m->ntail < 2) m->ntail++;
}

static cv_result push_indent(ym_sim *m, long col)
{
    CV_GUARD(cv_arena_grow(m->s->arena, (void **)&m->indents, &m->ind_cap, m->nind + 1,
                           sizeof(long)));
    m->indents[m->nind++] = m->indent;
    m->indent = col;
    return cv_ok();
}

static void pop_indent(ym_sim *m)
{
    if (m->nind > 0) m->indent = m->indents[--m->nind];
}

/* yaml.v3 moves a BLOCK-END before the foot comments that belong to the
 * enclosing block; only its index matters for attaching comments. */
static void place_block_end(ym_sim *m, ym_tok *t, ym_mark *block_mark)
{
    const ym_stream *s = m->s;
    size_t stop = block_mark->index;
    for (size_t i = s->ncom; i-- > 0;) {
        const ym_comment *c = &s->coms[i];
        if (!comment_alive(m, c) || c->end_mark.index < stop) break;
        if ((long)c->start_mark.column == m->indent + 1) *block_mark = c->start_mark;
        stop = c->scan_mark.index;
    }
    t->start.index = t->end.index = block_mark->index;
}

static bool is_unroll_all(int type)
{
    return type == YT_STREAM_END || type == YT_DOC_START || type == YT_DOC_END ||
           type == YT_VERSION || type == YT_TAG_DIRECTIVE;
}

/* Apply the zero-width tokens queued before a real token, after its gap. */
static cv_result apply_pending(ym_sim *m, size_t from, size_t to, ym_mark scan_mark,
                               const ym_tok *real)
{
    ym_mark bm = scan_mark;
    bm.index = bm.index ? bm.index - 1 : 0;
    bool second = false;
    for (size_t i = from; i < to; i++) {
        ym_tok *t = &m->s->toks[i];
        if (t->type == YT_BLOCK_END) {
            if (!second && is_unroll_all(real->type) && m->indent <= (long)real->start.column) {
                /* The indicator's own unroll: it starts from its position. */
                second = true;
                bm = real->start;
                bm.index = bm.index ? bm.index - 1 : 0;
            }
            place_block_end(m, t, &bm);
            pop_indent(m);
        } else if (t->type == YT_BMAP_START || t->type == YT_BSEQ_START) {
            CV_GUARD(push_indent(m, (long)t->start.column));
        }
        push_tail(m, t);
        m->last = i;
    }
    return cv_ok();
}

/* Where the scanner stands after a token, and the break count it leaves. */
static void after_token(ym_sim *m, const ym_tok *t)
{
    m->mark = t->end;
    m->newlines = 0;
    bool plain = t->type == YT_SCALAR && t->style == YS_PLAIN;
    bool block = t->type == YT_SCALAR && (t->style == YS_LITERAL || t->style == YS_FOLDED);
    if (plain) {
        for (;;) {
            if (is_blank_c(at(m, m->mark.off))) sim_skip(m);
            else if (is_break_at(m, m->mark.off)) sim_skip_line(m);
            else break;
        }
    } else if (block) {
        size_t o = t->end.off;
        while (o > t->start.off) {
            uint8_t c = m->p[o - 1];
            if (c == '\n') m->newlines++;
            else if (c == '\r') {
                if (o >= t->end.off || m->p[o] != '\n') m->newlines++;
            } else if (!is_blank_c(c)) break;
            o--;
        }
    }
}

static cv_result block_header_comment(ym_sim *m, const ym_tok *t)
{
    size_t o = t->start.off + 1;
    while (o < t->end.off && strchr("+-0123456789", m->p[o]) && m->p[o]) o++;
    while (o < t->end.off && is_blank_c(m->p[o])) o++;
    if (o >= t->end.off || m->p[o] != '#') return cv_ok();
    size_t e = o;
    while (e < t->end.off && !is_break_at(m, e)) e++;
    ym_mark start = t->start; /* the record only needs token_mark's index */
    start.off = (uint32_t)o;
    ym_comment co = { .token_mark = t->start, .start_mark = start };
    CV_GUARD(cv_yaml_dup(m->s->arena, m->p + o, e - o, &co.line));
    return add_comment(m, &co);
}

static bool takes_line_comment(int type)
{
    return !(type == YT_STREAM_START || type == YT_STREAM_END || type == YT_VERSION ||
             type == YT_TAG_DIRECTIVE || type == YT_DOC_START || type == YT_DOC_END ||
             type == YT_BLOCK_ENTRY);
}

static cv_result fetch_real(ym_sim *m, const ym_tok *t)
{
    ym_mark comment_mark = t->start;
    if (m->ntail > 0 && ((m->flow_level == 0 && t->type == YT_VALUE) ||
                         (m->flow_level > 0 && t->type == YT_FLOW_ENTRY)))
        comment_mark = m->tail[1].start;
    if (t->type == YT_FSEQ_START || t->type == YT_FMAP_START) m->flow_level++;
    if ((t->type == YT_FSEQ_END || t->type == YT_FMAP_END) && m->flow_level > 0) m->flow_level--;
    push_tail(m, t);
    if (t->type == YT_SCALAR && (t->style == YS_LITERAL || t->style == YS_FOLDED))
        CV_GUARD(block_header_comment(m, t));
    after_token(m, t);
    if (t->type == YT_VERSION || t->type == YT_TAG_DIRECTIVE) {
        /* yaml.v3 drops a comment after a directive. */
        while (!is_breakz_at(m, m->mark.off)) sim_skip(m);
        return cv_ok();
    }
    if (!takes_line_comment(t->type)) return cv_ok();
    return sim_line_comment(m, comment_mark);
}

static cv_result replay(ym_stream *s)
{
    ym_sim m = { .s = s, .p = s->in, .n = s->in_len, .indent = -1 };
    if (s->in_len >= 3 && memcmp(s->in, "\xEF\xBB\xBF", 3) == 0) m.mark.off = 3;
    size_t pending = 0;
    for (size_t i = 0; i < s->ntok; i++) {
        ym_tok *t = &s->toks[i];
        if (zero_width(t)) continue;
        if (t->type == YT_STREAM_START) {
            push_tail(&m, t);
            pending = i + 1;
            continue;
        }
        ym_mark scan_mark = m.mark;
        CV_GUARD(sim_gap(&m, scan_mark));
        CV_GUARD(apply_pending(&m, pending, i, scan_mark, t));
        m.mark = t->start;
        m.last = i;
        CV_GUARD(fetch_real(&m, t));
        pending = i + 1;
    }
    return cv_ok();
}

cv_result cv_yaml_scan(ym_stream *s)
{
    CV_ENSURE(!utf16_bom(s->in, s->in_len), CV_E_DOC_UNSUPPORTED);
    /* Without a '#' there is no comment to find: the replay would record
     * none, and the block-end positions it moves only place comments. */
    bool replay_needed = !s->no_comments && memchr(s->in, '#', s->in_len) != NULL;
    if (!replay_needed) {
        /* Tokens on demand: the fast scanner's, or libyaml's when the
         * input is outside the fast subset (or it gave up last pass). */
        if (!s->whole) CV_GUARD(cv_yaml_fast_start(s));
        if (s->fast) return cv_ok();
        return lib_start(s);
    }
    bool handled;
    CV_GUARD(cv_yaml_fast_tokens(s, &handled));
    if (!handled) CV_GUARD(cv_yaml_lib_tokens(s));
    s->ready = s->ntok;
    return replay(s);
}

/* Consumed tokens go once they are half the window. */
static void release(ym_stream *s, size_t keep)
{
    size_t gone = keep - s->tok_base, left = s->ntok - keep;
    if (gone < 64 || gone < left) return;
    memmove(s->toks, s->toks + gone, left * sizeof(ym_tok));
    s->tok_base = keep;
}

cv_result cv_yaml_more(ym_stream *s, size_t keep)
{
    release(s, keep);
    if (s->lib) return lib_step(s);
    if (s->fast == NULL) return cv_ok();
    bool gave_up;
    CV_GUARD(cv_yaml_fast_step(s, &gave_up));
    if (gave_up) {
        s->gave_up = true;
        CV_BAILF(CV_E_DOC_SYNTAX, "yaml: fast scanner stopped");
    }
    return cv_ok();
}

void cv_yaml_drain(ym_stream *s)
{
    while (s->fast) {
        if (!cv_is_ok(cv_yaml_more(s, s->ready))) break;
    }
    cv_err_clear();
}
