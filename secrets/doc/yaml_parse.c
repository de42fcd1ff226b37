/* The YAML parser over libyaml's tokens, with yaml.v3's comment rules.
 *
 * The grammar is libyaml's (an LL(1) state machine producing events);
 * yaml.v3 adds comment accumulators that gather the comment records bound
 * to each token as the parser looks at it, and hands them to particular
 * events. The node builder then moves some of them between nodes. Both
 * are reproduced here because sops turns exactly those node comments into
 * its comment items. */
#include "secrets/doc/yaml_int.h"

#include <stdlib.h>
#include <string.h>

#include "crypto/base/limits.h"

enum {
    EV_NONE, EV_STREAM_START, EV_STREAM_END, EV_DOC_START, EV_DOC_END, EV_ALIAS, EV_SCALAR,
    EV_SEQ_START, EV_SEQ_END, EV_MAP_START, EV_MAP_END
};

enum {
    PS_STREAM_START, PS_IMPLICIT_DOC_START, PS_DOC_START, PS_DOC_CONTENT, PS_DOC_END,
    PS_BLOCK_NODE, PS_BLOCK_NODE_OR_SEQ, PS_FLOW_NODE, PS_BSEQ_FIRST, PS_BSEQ_ENTRY,
    PS_INDENTLESS_ENTRY, PS_BMAP_FIRST_KEY, PS_BMAP_KEY, PS_BMAP_VALUE, PS_FSEQ_FIRST,
    PS_FSEQ_ENTRY, PS_FSEQ_MAP_KEY, PS_FSEQ_MAP_VALUE, PS_FSEQ_MAP_END, PS_FMAP_FIRST_KEY,
    PS_FMAP_KEY, PS_FMAP_VALUE, PS_FMAP_EMPTY_VALUE, PS_END
};

typedef struct {
    int type;
    ym_mark start;
    const char *anchor;
    char *tag;
    size_t tag_len;
    const char *value;
    size_t len;
    bool implicit, quoted_implicit, flow;
    int style;
    cv_slice head, line, foot;
} ym_event;

typedef struct {
    const char *handle, *prefix;
    size_t hlen, plen;
} ym_tagdir;

typedef struct {
    const char *name;
    size_t len;
    ynode *node;
} ym_anchor;

struct ym_parser {
    ym_stream *s;
    cv_arena *a;
    size_t head, com_head;
    cv_buf hc, lc, fc;
    cv_slice stem;
    int state;
    int *states;
    size_t nstates, states_cap;
    ym_mark *marks;
    size_t nmarks, marks_cap;
    ym_tagdir *tags;
    size_t ntags, tags_cap;
    ym_anchor *anchors;
    size_t nanchors, anchors_cap;
    ynode *pool; /* nodes are taken from blocks: the arena rounds each piece to 16 bytes */
    size_t pool_left, pool_block;
    ynode **kids; /* heap: pointers only */
    size_t nkids, kids_cap;
    bool ended, init;
    ym_event ev;
    bool have_ev;
    size_t depth;
};

/* ---- errors ------------------------------------------------------------ */

static cv_result parse_error(ym_parser *p, const char *problem, ym_mark ctx, bool has_ctx,
                             ym_mark at)
{
    /* yaml.v3 prints the context mark's line when there is one (0-based,
     * as it does), else the problem's. A scanner error surfaces only when
     * the parser reaches the end of the good tokens (eof_error). */
    size_t line = has_ctx && ctx.line ? ctx.line : at.line;
    (void)p;
    if (line) CV_BAILF(CV_E_DOC_SYNTAX, "yaml: line %zu: %s", line, problem);
    CV_BAILF(CV_E_DOC_SYNTAX, "yaml: %s", problem);
}

static cv_result eof_error(ym_parser *p)
{
    ym_stream *s = p->s;
    if (s->scan_line)
        CV_BAILF(CV_E_DOC_SYNTAX, "yaml: line %zu: %s", s->scan_line, s->scan_problem);
    CV_BAILF(CV_E_DOC_SYNTAX, "yaml: %s", s->scan_problem);
}

/* ---- tokens and comment hand-over -------------------------------------- */

static cv_result add_text(cv_buf *b, cv_slice t)
{
    if (b->len > 0) CV_GUARD(cv_buf_add_byte(b, '\n'));
    return cv_buf_add(b, t.p, t.len);
}

static cv_result unfold(ym_parser *p, const ym_tok *t)
{
    ym_stream *s = p->s;
    while (p->com_head < s->ncom && t->start.index >= s->coms[p->com_head].token_mark.index) {
        ym_comment *c = &s->coms[p->com_head];
        if (c->head.len > 0) {
            if (t->type == YT_BLOCK_END) break;
            CV_GUARD(add_text(&p->hc, c->head));
        }
        if (c->foot.len > 0) CV_GUARD(add_text(&p->fc, c->foot));
        if (c->line.len > 0) CV_GUARD(add_text(&p->lc, c->line));
        memset(c, 0, sizeof(*c));
        p->com_head++;
    }
    return cv_ok();
}

static cv_result peek(ym_parser *p, const ym_tok **out)
{
    ym_stream *s = p->s;
    while (p->head >= s->ready && (s->fast || s->lib)) CV_GUARD(cv_yaml_more(s, p->head));
    if (p->head >= s->ready) return eof_error(p);
    const ym_tok *t = ym_tok_at(s, p->head);
    CV_GUARD(unfold(p, t));
    *out = t;
    return cv_ok();
}

static void skip(ym_parser *p)
{
    if (ym_tok_at(p->s, p->head)->type == YT_STREAM_END) p->ended = true;
    p->head++;
}

static cv_result take(ym_parser *p, cv_buf *b, cv_slice *out)
{
    *out = (cv_slice){ 0 };
    if (b->len == 0) return cv_ok();
    CV_GUARD(cv_yaml_dup(p->a, b->p, b->len, out));
    cv_buf_reset(b);
    return cv_ok();
}

static cv_result set_comments(ym_parser *p, ym_event *e)
{
    CV_GUARD(take(p, &p->hc, &e->head));
    CV_GUARD(take(p, &p->lc, &e->line));
    CV_GUARD(take(p, &p->fc, &e->foot));
    p->stem = (cv_slice){ 0 };
    return cv_ok();
}

static cv_result push_state(ym_parser *p, int st)
{
    CV_GUARD(cv_arena_grow(p->a, (void **)&p->states, &p->states_cap, p->nstates + 1,
                           sizeof(int)));
    p->states[p->nstates++] = st;
    return cv_ok();
}

static void pop_state(ym_parser *p)
{
    p->state = p->nstates ? p->states[--p->nstates] : PS_END;
}

static cv_result push_mark(ym_parser *p, ym_mark m)
{
    CV_GUARD(cv_arena_grow(p->a, (void **)&p->marks, &p->marks_cap, p->nmarks + 1,
                           sizeof(ym_mark)));
    p->marks[p->nmarks++] = m;
    return cv_ok();
}

static ym_mark pop_mark(ym_parser *p)
{
    return p->nmarks ? p->marks[--p->nmarks] : (ym_mark){ 0 };
}

static void empty_scalar(ym_event *e, ym_mark m)
{
    memset(e, 0, sizeof(*e));
    e->type = EV_SCALAR;
    e->start = m;
    e->value = "";
    e->implicit = true;
    e->style = YS_PLAIN;
}

/* ---- directives and documents ------------------------------------------ */

static cv_result add_tagdir(ym_parser *p, const char *h, size_t hl, const char *pre, size_t pl,
                            bool dup_ok, ym_mark at)
{
    for (size_t i = 0; i < p->ntags; i++) {
        if (p->tags[i].hlen == hl && memcmp(p->tags[i].handle, h, hl) == 0) {
            if (dup_ok) return cv_ok();
            return parse_error(p, "found duplicate %TAG directive", at, false, at);
        }
    }
    CV_GUARD(cv_arena_grow(p->a, (void **)&p->tags, &p->tags_cap, p->ntags + 1,
                           sizeof(ym_tagdir)));
    p->tags[p->ntags++] = (ym_tagdir){ h, pre, hl, pl };
    return cv_ok();
}

static cv_result directives(ym_parser *p)
{
    const ym_tok *t;
    bool version = false;
    CV_GUARD(peek(p, &t));
    while (t->type == YT_VERSION || t->type == YT_TAG_DIRECTIVE) {
        if (t->type == YT_VERSION) {
            if (version) return parse_error(p, "found duplicate %YAML directive", t->start, false, t->start);
            if (t->major != 1 || t->minor != 1)
                return parse_error(p, "found incompatible YAML document", t->start, false, t->start);
            version = true;
        } else {
            CV_GUARD(add_tagdir(p, t->value, t->len, t->suffix, t->suffix_len, false, t->start));
        }
        skip(p);
        CV_GUARD(peek(p, &t));
    }
    CV_GUARD(add_tagdir(p, "!", 1, "!", 1, true, t->start));
    return add_tagdir(p, "!!", 2, "tag:yaml.org,2002:", 18, true, t->start);
}

/* Split the gathered head comment at its last blank line: the part above
 * belongs to the document, the rest to its first node. */
static cv_result split_doc_head(ym_parser *p, cv_slice *doc_head)
{
    cv_buf *h = &p->hc;
    *doc_head = (cv_slice){ 0 };
    for (size_t i = h->len; i-- > 1;) {
        if (h->p[i] != '\n') continue;
        size_t cut;
        if (i == h->len - 1) cut = i;
        else if (h->p[i - 1] == '\n') cut = i - 1;
        else continue;
        CV_GUARD(cv_yaml_dup(p->a, h->p, cut, doc_head));
        size_t rest = h->len - (i + 1);
        memmove(h->p, h->p + i + 1, rest);
        h->len = rest;
        break;
    }
    return cv_ok();
}

static cv_result doc_start(ym_parser *p, ym_event *e, bool implicit)
{
    const ym_tok *t;
    CV_GUARD(peek(p, &t));
    if (!implicit) {
        while (t->type == YT_DOC_END) {
            skip(p);
            CV_GUARD(peek(p, &t));
        }
    }
    memset(e, 0, sizeof(*e));
    if (implicit && t->type != YT_VERSION && t->type != YT_TAG_DIRECTIVE &&
        t->type != YT_DOC_START && t->type != YT_STREAM_END) {
        CV_GUARD(directives(p));
        CV_GUARD(push_state(p, PS_DOC_END));
        p->state = PS_BLOCK_NODE;
        e->type = EV_DOC_START;
        e->start = t->start;
        return split_doc_head(p, &e->head);
    }
    if (t->type != YT_STREAM_END) {
        ym_mark start = t->start;
        CV_GUARD(directives(p));
        CV_GUARD(peek(p, &t));
        if (t->type != YT_DOC_START)
            return parse_error(p, "did not find expected <document start>", start, false, t->start);
        CV_GUARD(push_state(p, PS_DOC_END));
        p->state = PS_DOC_CONTENT;
        e->type = EV_DOC_START;
        e->start = start;
        skip(p);
        return cv_ok();
    }
    p->state = PS_END;
    e->type = EV_STREAM_END;
    e->start = t->start;
    skip(p);
    return cv_ok();
}

static cv_result doc_content(ym_parser *p, ym_event *e);

static cv_result doc_end(ym_parser *p, ym_event *e)
{
    const ym_tok *t;
    CV_GUARD(peek(p, &t));
    memset(e, 0, sizeof(*e));
    e->type = EV_DOC_END;
    e->start = t->start;
    e->implicit = true;
    if (t->type == YT_DOC_END) {
        skip(p);
        e->implicit = false;
    }
    p->ntags = 0;
    p->state = PS_DOC_START;
    CV_GUARD(set_comments(p, e));
    if (e->head.len > 0 && e->foot.len == 0) {
        e->foot = e->head;
        e->head = (cv_slice){ 0 };
    }
    return cv_ok();
}

/* ---- nodes ------------------------------------------------------------- */

static cv_result resolve_tag(ym_parser *p, const ym_tok *t, ym_mark start, char **tag,
                             size_t *tag_len)
{
    if (t->len == 0) {
        *tag = t->suffix;
        *tag_len = t->suffix_len;
        return cv_ok();
    }
    for (size_t i = 0; i < p->ntags; i++) {
        const ym_tagdir *d = &p->tags[i];
        if (d->hlen != t->len || memcmp(d->handle, t->value, t->len) != 0) continue;
        size_t n = d->plen + t->suffix_len;
        CV_GUARD(cv_arena_alloc(p->a, n + 1, (void **)tag));
        memcpy(*tag, d->prefix, d->plen);
        memcpy(*tag + d->plen, t->suffix, t->suffix_len);
        (*tag)[n] = 0;
        *tag_len = n;
        return cv_ok();
    }
    (void)start;
    return parse_error(p, "found undefined tag handle", start, true, t->start);
}

/* Anchor and tag in either order before a node. */
static cv_result properties(ym_parser *p, ym_event *e, const ym_tok **tp)
{
    const ym_tok *t = *tp;
    ym_tok tag = { 0 }; /* a copy: a later peek may move the token list */
    if (t->type == YT_ANCHOR || t->type == YT_TAG) {
        int first = t->type;
        if (first == YT_ANCHOR) e->anchor = t->value;
        else tag = *t;
        skip(p);
        CV_GUARD(peek(p, &t));
        int second = first == YT_ANCHOR ? YT_TAG : YT_ANCHOR;
        if (t->type == second) {
            if (second == YT_ANCHOR) e->anchor = t->value;
            else tag = *t;
            skip(p);
            CV_GUARD(peek(p, &t));
        }
    }
    if (tag.type == YT_TAG) CV_GUARD(resolve_tag(p, &tag, e->start, &e->tag, &e->tag_len));
    *tp = t;
    return cv_ok();
}

static cv_result node_collection(ym_parser *p, ym_event *e, const ym_tok *t, bool block)
{
    bool implicit = e->tag_len == 0;
    e->implicit = implicit;
    if (t->type == YT_FSEQ_START || t->type == YT_FMAP_START) {
        e->type = t->type == YT_FSEQ_START ? EV_SEQ_START : EV_MAP_START;
        e->flow = true;
        p->state = t->type == YT_FSEQ_START ? PS_FSEQ_FIRST : PS_FMAP_FIRST_KEY;
        return set_comments(p, e);
    }
    if (block && (t->type == YT_BSEQ_START || t->type == YT_BMAP_START)) {
        e->type = t->type == YT_BSEQ_START ? EV_SEQ_START : EV_MAP_START;
        p->state = t->type == YT_BSEQ_START ? PS_BSEQ_FIRST : PS_BMAP_FIRST_KEY;
        if (p->stem.len > 0) {
            e->head = p->stem;
            p->stem = (cv_slice){ 0 };
        }
        return cv_ok();
    }
    if (e->anchor || e->tag_len > 0) {
        pop_state(p);
        e->type = EV_SCALAR;
        e->value = "";
        e->style = YS_PLAIN;
        return cv_ok();
    }
    return parse_error(p, "did not find expected node content", e->start, true, t->start);
}

static cv_result parse_node(ym_parser *p, ym_event *e, bool block, bool indentless)
{
    const ym_tok *t;
    CV_GUARD(peek(p, &t));
    memset(e, 0, sizeof(*e));
    e->start = t->start;
    if (t->type == YT_ALIAS) {
        pop_state(p);
        e->type = EV_ALIAS;
        e->anchor = t->value;
        CV_GUARD(set_comments(p, e));
        skip(p);
        return cv_ok();
    }
    CV_GUARD(properties(p, e, &t));
    if (indentless && t->type == YT_BLOCK_ENTRY) {
        p->state = PS_INDENTLESS_ENTRY;
        e->type = EV_SEQ_START;
        e->implicit = e->tag_len == 0;
        return cv_ok();
    }
    if (t->type == YT_SCALAR) {
        bool one_bang = e->tag_len == 1 && e->tag[0] == '!';
        e->implicit = (e->tag_len == 0 && t->style == YS_PLAIN) || one_bang;
        e->quoted_implicit = !e->implicit && e->tag_len == 0;
        pop_state(p);
        e->type = EV_SCALAR;
        e->value = t->value;
        e->len = t->len;
        e->style = t->style;
        CV_GUARD(set_comments(p, e));
        skip(p);
        return cv_ok();
    }
    return node_collection(p, e, t, block);
}

static cv_result doc_content(ym_parser *p, ym_event *e)
{
    const ym_tok *t;
    CV_GUARD(peek(p, &t));
    if (t->type == YT_VERSION || t->type == YT_TAG_DIRECTIVE || t->type == YT_DOC_START ||
        t->type == YT_DOC_END || t->type == YT_STREAM_END) {
        pop_state(p);
        empty_scalar(e, t->start);
        return cv_ok();
    }
    return parse_node(p, e, true, false);
}

/* A head comment gathered before a nested block under an entry belongs to
 * that block as a whole: keep it aside as the stem. */
static cv_result split_stem(ym_parser *p, size_t stem_len)
{
    if (stem_len == 0) return cv_ok();
    const ym_tok *t;
    CV_GUARD(peek(p, &t));
    if (t->type != YT_BSEQ_START && t->type != YT_BMAP_START) return cv_ok();
    CV_GUARD(cv_yaml_dup(p->a, p->hc.p, stem_len, &p->stem));
    if (p->hc.len == stem_len) {
        cv_buf_reset(&p->hc);
    } else {
        size_t rest = p->hc.len - (stem_len + 1);
        memmove(p->hc.p, p->hc.p + stem_len + 1, rest);
        p->hc.len = rest;
    }
    return cv_ok();
}

static cv_result entry_then(ym_parser *p, ym_event *e, int again, bool indentless)
{
    const ym_tok *t;
    CV_GUARD(peek(p, &t));
    ym_mark mark = t->end;
    size_t prior = p->hc.len;
    skip(p);
    CV_GUARD(split_stem(p, prior));
    CV_GUARD(peek(p, &t));
    bool empty = t->type == YT_BLOCK_ENTRY || t->type == YT_BLOCK_END ||
                 (indentless && (t->type == YT_KEY || t->type == YT_VALUE));
    if (!empty) {
        CV_GUARD(push_state(p, again));
        return parse_node(p, e, true, false);
    }
    p->state = again;
    empty_scalar(e, mark);
    return cv_ok();
}

static cv_result block_seq_entry(ym_parser *p, ym_event *e, bool first)
{
    const ym_tok *t;
    if (first) {
        CV_GUARD(peek(p, &t));
        CV_GUARD(push_mark(p, t->start));
        skip(p);
    }
    CV_GUARD(peek(p, &t));
    if (t->type == YT_BLOCK_ENTRY) return entry_then(p, e, PS_BSEQ_ENTRY, false);
    if (t->type == YT_BLOCK_END) {
        pop_state(p);
        (void)pop_mark(p);
        memset(e, 0, sizeof(*e));
        e->type = EV_SEQ_END;
        e->start = t->start;
        skip(p);
        return cv_ok();
    }
    ym_mark ctx = pop_mark(p);
    return parse_error(p, "did not find expected '-' indicator", ctx, true, t->start);
}

static cv_result indentless_entry(ym_parser *p, ym_event *e)
{
    const ym_tok *t;
    CV_GUARD(peek(p, &t));
    if (t->type == YT_BLOCK_ENTRY) return entry_then(p, e, PS_INDENTLESS_ENTRY, true);
    pop_state(p);
    memset(e, 0, sizeof(*e));
    e->type = EV_SEQ_END;
    e->start = t->start;
    return cv_ok();
}

static cv_result block_map_key(ym_parser *p, ym_event *e, bool first)
{
    const ym_tok *t;
    if (first) {
        CV_GUARD(peek(p, &t));
        CV_GUARD(push_mark(p, t->start));
        skip(p);
    }
    CV_GUARD(peek(p, &t));
    if (t->type == YT_KEY) {
        ym_mark mark = t->end;
        skip(p);
        CV_GUARD(peek(p, &t));
        if (t->type != YT_KEY && t->type != YT_VALUE && t->type != YT_BLOCK_END) {
            CV_GUARD(push_state(p, PS_BMAP_VALUE));
            return parse_node(p, e, true, true);
        }
        p->state = PS_BMAP_VALUE;
        empty_scalar(e, mark);
        return cv_ok();
    }
    if (t->type == YT_BLOCK_END) {
        pop_state(p);
        (void)pop_mark(p);
        memset(e, 0, sizeof(*e));
        e->type = EV_MAP_END;
        e->start = t->start;
        CV_GUARD(set_comments(p, e));
        skip(p);
        return cv_ok();
    }
    ym_mark ctx = pop_mark(p);
    return parse_error(p, "did not find expected key", ctx, true, t->start);
}

static cv_result block_map_value(ym_parser *p, ym_event *e)
{
    const ym_tok *t;
    CV_GUARD(peek(p, &t));
    if (t->type == YT_VALUE) {
        ym_mark mark = t->end;
        skip(p);
        CV_GUARD(peek(p, &t));
        if (t->type != YT_KEY && t->type != YT_VALUE && t->type != YT_BLOCK_END) {
            CV_GUARD(push_state(p, PS_BMAP_KEY));
            return parse_node(p, e, true, true);
        }
        p->state = PS_BMAP_KEY;
        empty_scalar(e, mark);
        return cv_ok();
    }
    p->state = PS_BMAP_KEY;
    empty_scalar(e, t->start);
    return cv_ok();
}

static cv_result flow_separator(ym_parser *p, const ym_tok **tp, bool first, int end_type,
                                const char *problem)
{
    if (first || (*tp)->type == end_type) return cv_ok();
    if ((*tp)->type != YT_FLOW_ENTRY) {
        ym_mark ctx = pop_mark(p);
        return parse_error(p, problem, ctx, true, (*tp)->start);
    }
    skip(p);
    return peek(p, tp);
}

static cv_result flow_seq_entry(ym_parser *p, ym_event *e, bool first)
{
    const ym_tok *t;
    if (first) {
        CV_GUARD(peek(p, &t));
        CV_GUARD(push_mark(p, t->start));
        skip(p);
    }
    CV_GUARD(peek(p, &t));
    if (t->type != YT_FSEQ_END) {
        CV_GUARD(flow_separator(p, &t, first, YT_FSEQ_END, "did not find expected ',' or ']'"));
        if (t->type == YT_KEY) {
            p->state = PS_FSEQ_MAP_KEY;
            memset(e, 0, sizeof(*e));
            e->type = EV_MAP_START;
            e->start = t->start;
            e->implicit = true;
            e->flow = true;
            skip(p);
            return cv_ok();
        }
        if (t->type != YT_FSEQ_END) {
            CV_GUARD(push_state(p, PS_FSEQ_ENTRY));
            return parse_node(p, e, false, false);
        }
    }
    pop_state(p);
    (void)pop_mark(p);
    memset(e, 0, sizeof(*e));
    e->type = EV_SEQ_END;
    e->start = t->start;
    CV_GUARD(set_comments(p, e));
    skip(p);
    return cv_ok();
}

static cv_result fseq_map_key(ym_parser *p, ym_event *e)
{
    const ym_tok *t;
    CV_GUARD(peek(p, &t));
    if (t->type != YT_VALUE && t->type != YT_FLOW_ENTRY && t->type != YT_FSEQ_END) {
        CV_GUARD(push_state(p, PS_FSEQ_MAP_VALUE));
        return parse_node(p, e, false, false);
    }
    ym_mark mark = t->end;
    skip(p);
    p->state = PS_FSEQ_MAP_VALUE;
    empty_scalar(e, mark);
    return cv_ok();
}

/* The value of a flow mapping pair (inside a flow sequence or a flow
 * mapping): a node unless the pair ends first, then an empty scalar. */
static cv_result flow_value(ym_parser *p, ym_event *e, int end_type, int next)
{
    const ym_tok *t;
    CV_GUARD(peek(p, &t));
    if (t->type == YT_VALUE) {
        skip(p);
        CV_GUARD(peek(p, &t));
        if (t->type != YT_FLOW_ENTRY && t->type != end_type) {
            CV_GUARD(push_state(p, next));
            return parse_node(p, e, false, false);
        }
    }
    p->state = next;
    empty_scalar(e, t->start);
    return cv_ok();
}

static cv_result fseq_map_value(ym_parser *p, ym_event *e)
{
    return flow_value(p, e, YT_FSEQ_END, PS_FSEQ_MAP_END);
}

static cv_result fseq_map_end(ym_parser *p, ym_event *e)
{
    const ym_tok *t;
    CV_GUARD(peek(p, &t));
    p->state = PS_FSEQ_ENTRY;
    memset(e, 0, sizeof(*e));
    e->type = EV_MAP_END;
    e->start = t->start;
    return cv_ok();
}

static cv_result flow_map_key(ym_parser *p, ym_event *e, bool first)
{
    const ym_tok *t;
    if (first) {
        CV_GUARD(peek(p, &t));
        CV_GUARD(push_mark(p, t->start));
        skip(p);
    }
    CV_GUARD(peek(p, &t));
    if (t->type != YT_FMAP_END) {
        CV_GUARD(flow_separator(p, &t, first, YT_FMAP_END, "did not find expected ',' or '}'"));
        if (t->type == YT_KEY) {
            skip(p);
            CV_GUARD(peek(p, &t));
            if (t->type != YT_VALUE && t->type != YT_FLOW_ENTRY && t->type != YT_FMAP_END) {
                CV_GUARD(push_state(p, PS_FMAP_VALUE));
                return parse_node(p, e, false, false);
            }
            p->state = PS_FMAP_VALUE;
            empty_scalar(e, t->start);
            return cv_ok();
        }
        if (t->type != YT_FMAP_END) {
            CV_GUARD(push_state(p, PS_FMAP_EMPTY_VALUE));
            return parse_node(p, e, false, false);
        }
    }
    pop_state(p);
    (void)pop_mark(p);
    memset(e, 0, sizeof(*e));
    e->type = EV_MAP_END;
    e->start = t->start;
    CV_GUARD(set_comments(p, e));
    skip(p);
    return cv_ok();
}

static cv_result flow_map_value(ym_parser *p, ym_event *e, bool empty)
{
    if (!empty) return flow_value(p, e, YT_FMAP_END, PS_FMAP_KEY);
    const ym_tok *t;
    CV_GUARD(peek(p, &t));
    p->state = PS_FMAP_KEY;
    empty_scalar(e, t->start);
    return cv_ok();
}

static cv_result stream_start(ym_parser *p, ym_event *e)
{
    const ym_tok *t;
    CV_GUARD(peek(p, &t));
    if (t->type != YT_STREAM_START)
        return parse_error(p, "did not find expected <stream-start>", t->start, false, t->start);
    p->state = PS_IMPLICIT_DOC_START;
    memset(e, 0, sizeof(*e));
    e->type = EV_STREAM_START;
    skip(p);
    return cv_ok();
}

static cv_result next_event(ym_parser *p, ym_event *e)
{
    switch (p->state) {
    case PS_STREAM_START: return stream_start(p, e);
    case PS_IMPLICIT_DOC_START: return doc_start(p, e, true);
    case PS_DOC_START: return doc_start(p, e, false);
    case PS_DOC_CONTENT: return doc_content(p, e);
    case PS_DOC_END: return doc_end(p, e);
    case PS_BLOCK_NODE: return parse_node(p, e, true, false);
    case PS_BLOCK_NODE_OR_SEQ: return parse_node(p, e, true, true);
    case PS_FLOW_NODE: return parse_node(p, e, false, false);
    case PS_BSEQ_FIRST: return block_seq_entry(p, e, true);
    case PS_BSEQ_ENTRY: return block_seq_entry(p, e, false);
    case PS_INDENTLESS_ENTRY: return indentless_entry(p, e);
    case PS_BMAP_FIRST_KEY: return block_map_key(p, e, true);
    case PS_BMAP_KEY: return block_map_key(p, e, false);
    case PS_BMAP_VALUE: return block_map_value(p, e);
    case PS_FSEQ_FIRST: return flow_seq_entry(p, e, true);
    case PS_FSEQ_ENTRY: return flow_seq_entry(p, e, false);
    case PS_FSEQ_MAP_KEY: return fseq_map_key(p, e);
    case PS_FSEQ_MAP_VALUE: return fseq_map_value(p, e);
    case PS_FSEQ_MAP_END: return fseq_map_end(p, e);
    case PS_FMAP_FIRST_KEY: return flow_map_key(p, e, true);
    case PS_FMAP_KEY: return flow_map_key(p, e, false);
    case PS_FMAP_VALUE: return flow_map_value(p, e, false);
    case PS_FMAP_EMPTY_VALUE: return flow_map_value(p, e, true);
    default:
        memset(e, 0, sizeof(*e));
        e->type = EV_STREAM_END;
        return cv_ok();
    }
}

/* ---- the node builder (yaml.v3's parser over events) ------------------- */

static cv_result ev_peek(ym_parser *p, int *type)
{
    if (!p->have_ev) {
        CV_GUARD(next_event(p, &p->ev));
        p->have_ev = true;
    }
    *type = p->ev.type;
    return cv_ok();
}

static cv_result ev_expect(ym_parser *p, int type)
{
    int t;
    CV_GUARD(ev_peek(p, &t));
    CV_ENSUREF(t == type, CV_E_DOC_SYNTAX, "yaml: unexpected event in stream");
    p->have_ev = false;
    return cv_ok();
}

static cv_result short_tag(ym_parser *p, const char *tag, size_t len, const char **out)
{
    static const char long_prefix[] = "tag:yaml.org,2002:";
    size_t lp = sizeof(long_prefix) - 1;
    if (len < lp || memcmp(tag, long_prefix, lp) != 0) {
        *out = tag;
        return cv_ok();
    }
    char *s;
    CV_GUARD(cv_arena_alloc(p->a, len - lp + 3, (void **)&s));
    memcpy(s, "!!", 2);
    memcpy(s + 2, tag + lp, len - lp);
    *out = s;
    return cv_ok();
}

/* A comment slot of n: the record is allocated with the first comment. */
enum { YC_HEAD, YC_LINE, YC_FOOT };

static cv_result set_com(ym_parser *p, ynode *n, int which, cv_slice v)
{
    if (v.len == 0) v = (cv_slice){ 0 };
    if (n->com == NULL) {
        if (v.len == 0) return cv_ok();
        CV_GUARD(cv_arena_alloc(p->a, sizeof(ycom), (void **)&n->com));
    }
    cv_slice *slot = which == YC_HEAD ? &n->com->head : which == YC_LINE ? &n->com->linec
                                                                            : &n->com->foot;
    *slot = v;
    return cv_ok();
}

static cv_result new_node(ym_parser *p, int kind, const char *default_tag, ynode **out)
{
    const ym_event *e = &p->ev;
    if (p->pool_left == 0) {
        /* Blocks double from 16 nodes to 256: small files stay small. */
        p->pool_block = p->pool_block ? p->pool_block * 2 : 16;
        if (p->pool_block > 256) p->pool_block = 256;
        CV_GUARD(cv_arena_alloc(p->a, p->pool_block * sizeof(ynode), (void **)&p->pool));
        p->pool_left = p->pool_block;
    }
    ynode *n = p->pool++;
    p->pool_left--;
    n->kind = (uint8_t)kind;
    n->tag = "";
    if (e->tag_len > 0 && !(e->tag_len == 1 && e->tag[0] == '!')) {
        CV_GUARD(short_tag(p, e->tag, e->tag_len, &n->tag));
        n->style = YN_TAGGED;
    } else if (default_tag) {
        n->tag = default_tag;
    }
    n->line = e->start.line + 1;
    n->column = e->start.column + 1;
    CV_GUARD(set_com(p, n, YC_HEAD, e->head));
    CV_GUARD(set_com(p, n, YC_LINE, e->line));
    CV_GUARD(set_com(p, n, YC_FOOT, e->foot));
    *out = n;
    return cv_ok();
}

/* Children are gathered on one stack shared by every open collection and
 * copied out at the collection's end: each content array is allocated
 * once, at its final size. */
static cv_result push_kid(ym_parser *p, ynode *child)
{
    CV_ENSUREF(p->nkids < UINT32_MAX, CV_E_LIMIT, "yaml: collection too large");
    CV_GUARD(cv_yaml_grow((void **)&p->kids, &p->kids_cap, p->nkids + 1, sizeof(ynode *)));
    p->kids[p->nkids++] = child;
    return cv_ok();
}

static cv_result pop_kids(ym_parser *p, ynode *n, size_t base)
{
    size_t count = p->nkids - base;
    n->n = (uint32_t)count;
    p->nkids = base;
    if (count == 0) return cv_ok();
    CV_GUARD(cv_arena_alloc(p->a, count * sizeof(ynode *), (void **)&n->content));
    memcpy(n->content, p->kids + base, count * sizeof(ynode *));
    return cv_ok();
}

static cv_result set_anchor(ym_parser *p, ynode *n, const char *name)
{
    if (name == NULL) return cv_ok();
    size_t len = strlen(name);
    for (size_t i = p->nanchors; i-- > 0;) {
        if (p->anchors[i].len == len && memcmp(p->anchors[i].name, name, len) == 0) {
            p->anchors[i].node = n;
            return cv_ok();
        }
    }
    CV_GUARD(cv_arena_grow(p->a, (void **)&p->anchors, &p->anchors_cap, p->nanchors + 1,
                           sizeof(ym_anchor)));
    p->anchors[p->nanchors++] = (ym_anchor){ name, len, n };
    return cv_ok();
}

static cv_result build(ym_parser *p, ynode **out);

static cv_result build_scalar(ym_parser *p, ynode **out)
{
    const ym_event *e = &p->ev;
    int style = 0;
    switch (e->style) {
    case YS_DOUBLE: style = YN_DQ; break;
    case YS_SINGLE: style = YN_SQ; break;
    case YS_LITERAL: style = YN_LITERAL; break;
    case YS_FOLDED: style = YN_FOLDED; break;
    default: break;
    }
    const char *def = NULL;
    if (style == 0 && e->len == 2 && memcmp(e->value, "<<", 2) == 0) def = "!!merge";
    else if (style != 0) def = "!!str";
    CV_GUARD(new_node(p, YN_SCALAR, def, out));
    (*out)->style = (int8_t)((*out)->style | style);
    (*out)->value = e->value;
    (*out)->len = (uint32_t)e->len;
    CV_GUARD(set_anchor(p, *out, e->anchor));
    return ev_expect(p, EV_SCALAR);
}

static cv_result build_alias(ym_parser *p, ynode **out)
{
    const ym_event *e = &p->ev;
    CV_GUARD(new_node(p, YN_ALIAS, NULL, out));
    (*out)->alias = NULL; /* in place of the tag */
    size_t len = strlen(e->anchor);
    (*out)->value = e->anchor;
    (*out)->len = (uint32_t)len;
    for (size_t i = p->nanchors; i-- > 0;) {
        if (p->anchors[i].len == len && memcmp(p->anchors[i].name, e->anchor, len) == 0) {
            (*out)->alias = p->anchors[i].node;
            break;
        }
    }
    CV_ENSUREF((*out)->alias != NULL, CV_E_DOC_SYNTAX, "yaml: unknown anchor '%s' referenced",
               e->anchor);
    return ev_expect(p, EV_ALIAS);
}

/* The closing event's comments: the collection's line and foot. */
static cv_result end_comments(ym_parser *p, ynode *n)
{
    CV_GUARD(set_com(p, n, YC_LINE, p->ev.line));
    return set_com(p, n, YC_FOOT, p->ev.foot);
}

static cv_result build_seq(ym_parser *p, ynode **out)
{
    CV_GUARD(new_node(p, YN_SEQ, "!!seq", out));
    ynode *n = *out;
    if (p->ev.flow) n->style |= YN_FLOW;
    CV_GUARD(set_anchor(p, n, p->ev.anchor));
    CV_GUARD(ev_expect(p, EV_SEQ_START));
    size_t base = p->nkids;
    int t;
    for (;;) {
        CV_GUARD(ev_peek(p, &t));
        if (t == EV_SEQ_END) break;
        ynode *c;
        CV_GUARD(build(p, &c));
        CV_GUARD(push_kid(p, c));
    }
    CV_GUARD(pop_kids(p, n, base));
    CV_GUARD(end_comments(p, n));
    return ev_expect(p, EV_SEQ_END);
}

static cv_result build_pair(ym_parser *p, size_t base, bool block)
{
    ynode *k, *v;
    CV_GUARD(build(p, &k));
    CV_GUARD(push_kid(p, k));
    cv_slice kf = yn_foot(k);
    if (block && kf.len > 0 && p->nkids - base > 2) {
        /* A dedented foot comment ends the previous value. */
        CV_GUARD(set_com(p, p->kids[p->nkids - 3], YC_FOOT, kf));
        CV_GUARD(set_com(p, k, YC_FOOT, (cv_slice){ 0 }));
    }
    CV_GUARD(build(p, &v));
    CV_GUARD(push_kid(p, v));
    cv_slice vf = yn_foot(v);
    if (yn_foot(k).len == 0 && vf.len > 0) {
        CV_GUARD(set_com(p, k, YC_FOOT, vf));
        CV_GUARD(set_com(p, v, YC_FOOT, (cv_slice){ 0 }));
    }
    return cv_ok();
}

static cv_result build_map(ym_parser *p, ynode **out)
{
    CV_GUARD(new_node(p, YN_MAP, "!!map", out));
    ynode *n = *out;
    bool block = !p->ev.flow;
    if (!block) n->style |= YN_FLOW;
    CV_GUARD(set_anchor(p, n, p->ev.anchor));
    CV_GUARD(ev_expect(p, EV_MAP_START));
    size_t base = p->nkids;
    int t;
    for (;;) {
        CV_GUARD(ev_peek(p, &t));
        if (t == EV_MAP_END) break;
        CV_GUARD(build_pair(p, base, block));
    }
    CV_GUARD(pop_kids(p, n, base));
    CV_GUARD(end_comments(p, n));
    cv_slice nf = yn_foot(n);
    if (block && nf.len > 0 && n->n > 1) {
        CV_GUARD(set_com(p, n->content[n->n - 2], YC_FOOT, nf));
        CV_GUARD(set_com(p, n, YC_FOOT, (cv_slice){ 0 }));
    }
    return ev_expect(p, EV_MAP_END);
}

static cv_result build_doc(ym_parser *p, ynode **out)
{
    CV_GUARD(new_node(p, YN_DOC, NULL, out));
    CV_GUARD(ev_expect(p, EV_DOC_START));
    size_t base = p->nkids;
    ynode *c;
    CV_GUARD(build(p, &c));
    CV_GUARD(push_kid(p, c));
    CV_GUARD(pop_kids(p, *out, base));
    int t;
    CV_GUARD(ev_peek(p, &t));
    if (t == EV_DOC_END) CV_GUARD(set_com(p, *out, YC_FOOT, p->ev.foot));
    return ev_expect(p, EV_DOC_END);
}

static cv_result build(ym_parser *p, ynode **out)
{
    int t;
    CV_ENSUREF(p->depth < CV_DOC_MAX_DEPTH, CV_E_LIMIT, "yaml: nesting deeper than %u",
               CV_DOC_MAX_DEPTH);
    CV_GUARD(ev_peek(p, &t));
    p->depth++;
    cv_result r;
    switch (t) {
    case EV_SCALAR: r = build_scalar(p, out); break;
    case EV_ALIAS: r = build_alias(p, out); break;
    case EV_MAP_START: r = build_map(p, out); break;
    case EV_SEQ_START: r = build_seq(p, out); break;
    case EV_DOC_START: r = build_doc(p, out); break;
    default: r = CV_FAILF(CV_E_DOC_SYNTAX, "yaml: unexpected event in stream"); break;
    }
    p->depth--;
    return r;
}

cv_result cv_yaml_parser_new(ym_stream *s, ym_parser **out)
{
    ym_parser *p;
    CV_GUARD(cv_arena_alloc(s->arena, sizeof(*p), (void **)&p));
    p->s = s;
    p->a = s->arena;
    cv_buf_init_secret(&p->hc, CV_DOC_MAX_INPUT);
    cv_buf_init_secret(&p->lc, CV_DOC_MAX_INPUT);
    cv_buf_init_secret(&p->fc, CV_DOC_MAX_INPUT);
    *out = p;
    return cv_ok();
}

void cv_yaml_parser_free(ym_parser *p)
{
    if (p == NULL) return;
    free(p->kids);
    p->kids = NULL;
    cv_buf_release(&p->hc);
    cv_buf_release(&p->lc);
    cv_buf_release(&p->fc);
}

void cv_yaml_parser_trim(ym_parser *p)
{
    ym_stream *s = p->s;
    size_t left = s->ntok - p->head;
    if (s->fast || s->lib || s->tok_base > 0 || left > 1 || s->tok_cap <= 1) return;
    if (left == 1 && s->toks[p->head].type != YT_STREAM_END) return;
    ym_tok *rest = malloc(sizeof(ym_tok));
    if (rest == NULL) return; /* keep the list: trimming only saves memory */
    if (left == 1) *rest = s->toks[p->head];
    free(s->toks);
    s->toks = rest;
    s->tok_cap = 1;
    s->ntok = s->ready = left;
    p->head = 0;
}

cv_result cv_yaml_parse_doc(ym_parser *p, ynode **out)
{
    *out = NULL;
    p->nkids = 0;
    if (!p->init) {
        CV_GUARD(ev_expect(p, EV_STREAM_START));
        p->init = true;
    }
    int t;
    CV_GUARD(ev_peek(p, &t));
    if (t == EV_STREAM_END) return cv_ok();
    return build(p, out);
}
