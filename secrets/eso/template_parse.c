/* Parsing Go text/template source into the tree of template_int.h. */
#include <string.h>

#include "crypto/base/limits.h"
#include "secrets/doc/num.h"
#include "secrets/eso/template_int.h"

void cv_tp_where(const char *src, size_t pos, unsigned *line, unsigned *col)
{
    unsigned l = 1;
    size_t start = 0;
    for (size_t i = 0; i < pos; i++)
        if (src[i] == '\n') {
            l++;
            start = i + 1;
        }
    *line = l;
    *col = (unsigned)(pos - start);
}

static cv_result perr(const tp_parser *p, const char *msg, const char *what)
{
    unsigned line, col;
    cv_tp_where(p->src, p->pos < p->len ? p->pos : p->len, &line, &col);
    return CV_FAILF(CV_E_ESO_TEMPLATE, "template: %s:%u: %s%s", p->name, line, msg, what ? what : "");
}

static bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
static bool is_ident(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           (unsigned char)c >= 0x80;
}

static void skip_space(tp_parser *p)
{
    while (p->pos < p->len && is_space(p->src[p->pos])) p->pos++;
}

static bool at(const tp_parser *p, const char *s, size_t n)
{
    return p->pos + n <= p->len && memcmp(p->src + p->pos, s, n) == 0;
}

/* At the closing delimiter (optionally " -}}")? Sets *trim. */
static bool at_right(tp_parser *p, bool *trim)
{
    if (at(p, p->right, p->rl)) {
        *trim = false;
        return true;
    }
    if (p->pos > 0 && p->pos + 1 + p->rl <= p->len && is_space(p->src[p->pos - 1]) &&
        p->src[p->pos] == '-' && memcmp(p->src + p->pos + 1, p->right, p->rl) == 0) {
        *trim = true;
        return true;
    }
    return false;
}

static cv_result new_node(tp_parser *p, tp_nkind k, tp_node **out)
{
    CV_GUARD(cv_arena_alloc(p->a, sizeof(tp_node), (void **)out));
    (*out)->k = k;
    (*out)->pos = p->pos;
    return cv_ok();
}

static cv_result list_add(tp_parser *p, tp_list *l, tp_node *n)
{
    if (l->n == l->cap)
        CV_GUARD(cv_arena_grow(p->a, (void **)&l->items, &l->cap, l->n + 1, sizeof(tp_node *)));
    l->items[l->n++] = n;
    return cv_ok();
}

static cv_result ident(tp_parser *p, const char **s, size_t *n)
{
    size_t st = p->pos;
    while (p->pos < p->len && is_ident(p->src[p->pos])) p->pos++;
    *s = p->src + st;
    *n = p->pos - st;
    return cv_ok();
}

/* ".a.b.c" (the leading '.' already at p->pos) */
static cv_result field_chain(tp_parser *p, tp_arg *a)
{
    const char *tmp[64];
    size_t n = 0;
    while (p->pos < p->len && p->src[p->pos] == '.' && p->pos + 1 < p->len &&
           is_ident(p->src[p->pos + 1])) {
        p->pos++;
        const char *s;
        size_t len;
        CV_GUARD(ident(p, &s, &len));
        if (n == 64) return perr(p, "field chain too long", NULL);
        char *f;
        CV_GUARD(cv_arena_strndup(p->a, s, len, &f));
        tmp[n++] = f;
    }
    if (n) {
        CV_GUARD(cv_arena_alloc(p->a, n * sizeof(char *), (void **)&a->fields));
        memcpy(a->fields, tmp, n * sizeof(char *));
    }
    a->nfields = n;
    return cv_ok();
}

static cv_result unquote(tp_parser *p, tp_arg *a)
{
    char q = p->src[p->pos++];
    cv_buf b;
    cv_buf_init_secret(&b, CV_ESO_MAX_TEMPLATE);
    cv_result r = cv_ok();
    for (;;) {
        if (p->pos >= p->len) {
            r = perr(p, "unterminated quoted string", NULL);
            break;
        }
        char c = p->src[p->pos++];
        if (c == q) break;
        if (q == '"' && c == '\n') {
            r = perr(p, "unterminated quoted string", NULL);
            break;
        }
        if (q == '"' && c == '\\' && p->pos < p->len) {
            char e = p->src[p->pos++];
            switch (e) {
            case 'n': c = '\n'; break;
            case 't': c = '\t'; break;
            case 'r': c = '\r'; break;
            case 'a': c = '\a'; break;
            case 'b': c = '\b'; break;
            case 'f': c = '\f'; break;
            case 'v': c = '\v'; break;
            case '\\':
            case '"':
            case '\'': c = e; break;
            default: r = perr(p, "invalid escape in quoted string", NULL); break;
            }
            if (!cv_is_ok(r)) break;
        }
        r = cv_buf_add_byte(&b, (uint8_t)c);
        if (!cv_is_ok(r)) break;
    }
    if (cv_is_ok(r)) {
        char *s;
        r = cv_arena_strndup(p->a, b.p, b.len, &s);
        a->s = s;
        a->n = b.len;
        a->k = A_STRING;
    }
    cv_buf_release(&b);
    return r;
}

static cv_result number(tp_parser *p, tp_arg *a)
{
    size_t st = p->pos;
    if (p->src[p->pos] == '-' || p->src[p->pos] == '+') p->pos++;
    while (p->pos < p->len && (is_ident(p->src[p->pos]) || p->src[p->pos] == '.')) p->pos++;
    cv_slice s = cv_slice_of(p->src + st, p->pos - st);
    if (cv_is_ok(cv_go_parse_int(s, &a->i))) {
        a->k = A_INT;
        return cv_ok();
    }
    cv_err_clear();
    if (cv_is_ok(cv_go_parse_float(s, &a->f))) {
        a->k = A_FLOAT;
        return cv_ok();
    }
    cv_err_clear();
    return perr(p, "bad number syntax", NULL);
}

static cv_result pipeline(tp_parser *p, tp_pipe **out, bool in_paren);

static cv_result operand(tp_parser *p, tp_arg *a)
{
    memset(a, 0, sizeof(*a));
    a->pos = p->pos;
    char c = p->src[p->pos];
    cv_result r = cv_ok();
    if (c == '.') {
        a->k = A_FIELD;
        r = field_chain(p, a);
        if (cv_is_ok(r) && a->nfields == 0) {
            p->pos++;
            a->k = A_DOT;
        }
    } else if (c == '$') {
        p->pos++;
        a->k = A_VAR;
        const char *s;
        size_t n;
        r = ident(p, &s, &n);
        char *name = NULL;
        if (cv_is_ok(r)) r = cv_arena_strndup(p->a, s - 1, n + 1, &name);
        a->s = name;
        if (cv_is_ok(r)) r = field_chain(p, a);
    } else if (c == '"' || c == '`') {
        r = unquote(p, a);
    } else if ((c >= '0' && c <= '9') || ((c == '-' || c == '+') && p->pos + 1 < p->len &&
                                          p->src[p->pos + 1] >= '0' && p->src[p->pos + 1] <= '9')) {
        r = number(p, a);
    } else if (c == '(') {
        p->pos++;
        a->k = A_PIPE;
        r = pipeline(p, &a->pipe, true);
        if (cv_is_ok(r)) r = field_chain(p, a);
    } else if (is_ident(c)) {
        const char *s;
        size_t n;
        r = ident(p, &s, &n);
        a->k = n == 4 && memcmp(s, "true", 4) == 0 ? A_BOOL : n == 5 && memcmp(s, "false", 5) == 0 ? A_BOOL
             : n == 3 && memcmp(s, "nil", 3) == 0 ? A_NIL : A_IDENT;
        a->b = a->k == A_BOOL && n == 4;
        char *id = NULL;
        if (cv_is_ok(r)) r = cv_arena_strndup(p->a, s, n, &id);
        a->s = id;
        a->n = n;
    } else {
        char what[8] = { '"', c, '"', 0 };
        return perr(p, "unexpected ", what);
    }
    a->src = p->src + a->pos;
    a->srclen = p->pos - a->pos;
    return r;
}

static cv_result command(tp_parser *p, tp_cmd *cmd, bool in_paren)
{
    tp_arg tmp[32];
    size_t n = 0;
    cmd->pos = p->pos;
    for (;;) {
        skip_space(p);
        bool trim;
        if (p->pos >= p->len) return perr(p, "unclosed action", NULL);
        if (at_right(p, &trim) || p->src[p->pos] == '|' || (in_paren && p->src[p->pos] == ')')) break;
        if (n == 32) return perr(p, "too many arguments", NULL);
        CV_GUARD(operand(p, &tmp[n++]));
        if (p->pos < p->len && !is_space(p->src[p->pos]) && p->src[p->pos] != '|' &&
            p->src[p->pos] != ')' && !at_right(p, &trim) && p->src[p->pos] != '-')
            return perr(p, "unexpected character in operand", NULL);
    }
    if (n == 0) return perr(p, "missing value for command", NULL);
    CV_GUARD(cv_arena_alloc(p->a, n * sizeof(tp_arg), (void **)&cmd->args));
    memcpy(cmd->args, tmp, n * sizeof(tp_arg));
    cmd->nargs = n;
    return cv_ok();
}

/* "$x :=" or "$k, $v :=" at the start of a pipeline. */
static cv_result declarations(tp_parser *p, tp_pipe *pp)
{
    size_t save = p->pos;
    for (int k = 0; k < 2; k++) {
        skip_space(p);
        if (p->pos >= p->len || p->src[p->pos] != '$') break;
        size_t st = p->pos++;
        const char *s;
        size_t n;
        CV_GUARD(ident(p, &s, &n));
        skip_space(p);
        char *name;
        CV_GUARD(cv_arena_strndup(p->a, p->src + st, n + 1, &name));
        pp->decl[pp->ndecl++] = name;
        if (at(p, ":=", 2)) {
            p->pos += 2;
            return cv_ok();
        }
        if (k == 0 && p->pos < p->len && p->src[p->pos] == ',') {
            p->pos++;
            continue;
        }
        break;
    }
    p->pos = save;
    pp->ndecl = 0;
    return cv_ok();
}

static cv_result pipeline(tp_parser *p, tp_pipe **out, bool in_paren)
{
    CV_ENSUREF(++p->depth <= CV_ESO_MAX_TEMPLATE_DEPTH, CV_E_LIMIT, "template nesting");
    tp_pipe *pp;
    CV_GUARD(cv_arena_alloc(p->a, sizeof(tp_pipe), (void **)&pp));
    pp->pos = p->pos;
    CV_GUARD(declarations(p, pp));
    tp_cmd tmp[32];
    size_t n = 0;
    for (;;) {
        if (n == 32) return perr(p, "pipeline too long", NULL);
        CV_GUARD(command(p, &tmp[n++], in_paren));
        if (p->src[p->pos] == '|') {
            p->pos++;
            continue;
        }
        break;
    }
    if (in_paren) {
        if (p->pos >= p->len || p->src[p->pos] != ')') return perr(p, "unclosed left paren", NULL);
        p->pos++;
    }
    CV_GUARD(cv_arena_alloc(p->a, n * sizeof(tp_cmd), (void **)&pp->cmds));
    memcpy(pp->cmds, tmp, n * sizeof(tp_cmd));
    pp->ncmds = n;
    p->depth--;
    *out = pp;
    return cv_ok();
}

/* Consume the closing delimiter; *trim_next when it was " -}}". */
static cv_result close_action(tp_parser *p, bool *trim_next)
{
    skip_space(p);
    bool trim;
    if (!at_right(p, &trim)) return perr(p, "unexpected token in action", NULL);
    p->pos += (trim ? 1 : 0) + p->rl;
    *trim_next = trim;
    return cv_ok();
}

enum { TERM_EOF, TERM_END, TERM_ELSE };

static cv_result parse_list(tp_parser *p, tp_list **out, int *term, bool *trim_next);

static cv_result control(tp_parser *p, tp_nkind k, tp_node **out, bool *trim_next)
{
    tp_node *n;
    CV_GUARD(new_node(p, k, &n));
    CV_GUARD(pipeline(p, &n->pipe, false));
    CV_GUARD(close_action(p, trim_next));
    int term;
    CV_ENSUREF(++p->depth <= CV_ESO_MAX_TEMPLATE_DEPTH, CV_E_LIMIT, "template nesting");
    CV_GUARD(parse_list(p, &n->list, &term, trim_next));
    if (term == TERM_ELSE) {
        /* "else if ..." is an if nested in the else branch */
        skip_space(p);
        if (k == T_IF && at(p, "if", 2) && p->pos + 2 < p->len && is_space(p->src[p->pos + 2])) {
            p->pos += 2;
            tp_node *inner;
            CV_GUARD(control(p, T_IF, &inner, trim_next));
            CV_GUARD(cv_arena_alloc(p->a, sizeof(tp_list), (void **)&n->elselist));
            CV_GUARD(list_add(p, n->elselist, inner));
            p->depth--;
            *out = n;
            return cv_ok();
        }
        CV_GUARD(close_action(p, trim_next));
        CV_GUARD(parse_list(p, &n->elselist, &term, trim_next));
    }
    if (term != TERM_END) return perr(p, "unexpected EOF", NULL);
    p->depth--;
    *out = n;
    return cv_ok();
}

/* After "{{": a comment, a keyword, or a pipeline. */
static cv_result action(tp_parser *p, tp_list *l, int *term, bool *trim_next)
{
    if (at(p, "/*", 2)) {
        const char *end = NULL;
        for (size_t i = p->pos + 2; i + 2 <= p->len; i++)
            if (p->src[i] == '*' && p->src[i + 1] == '/') {
                end = p->src + i + 2;
                break;
            }
        if (end == NULL) return perr(p, "unclosed comment", NULL);
        p->pos = (size_t)(end - p->src);
        return close_action(p, trim_next);
    }
    skip_space(p);
    size_t st = p->pos;
    const char *s;
    size_t n;
    CV_GUARD(ident(p, &s, &n));
    tp_node *node;
    if ((n == 2 && !memcmp(s, "if", 2)) || (n == 4 && !memcmp(s, "with", 4)) ||
        (n == 5 && !memcmp(s, "range", 5))) {
        CV_GUARD(control(p, n == 2 ? T_IF : n == 4 ? T_WITH : T_RANGE, &node, trim_next));
        return list_add(p, l, node);
    }
    if (n == 3 && !memcmp(s, "end", 3)) {
        *term = TERM_END;
        return close_action(p, trim_next);
    }
    if (n == 4 && !memcmp(s, "else", 4)) {
        *term = TERM_ELSE;
        return cv_ok();
    }
    if ((n == 6 && !memcmp(s, "define", 6)) || (n == 8 && !memcmp(s, "template", 8)) ||
        (n == 5 && !memcmp(s, "block", 5)) || (n == 5 && !memcmp(s, "break", 5)) ||
        (n == 8 && !memcmp(s, "continue", 8)))
        return CV_FAILF(CV_E_UNSUPPORTED, "template: %s: {{%.*s}} is not supported", p->name, (int)n, s);
    p->pos = st;
    CV_GUARD(new_node(p, T_ACTION, &node));
    CV_GUARD(pipeline(p, &node->pipe, false));
    CV_GUARD(close_action(p, trim_next));
    return list_add(p, l, node);
}

static cv_result parse_list(tp_parser *p, tp_list **out, int *term, bool *trim_next)
{
    tp_list *l;
    CV_GUARD(cv_arena_alloc(p->a, sizeof(tp_list), (void **)&l));
    *out = l;
    *term = TERM_EOF;
    while (p->pos < p->len && *term == TERM_EOF) {
        const char *d = memmem(p->src + p->pos, p->len - p->pos, p->left, p->ll);
        size_t text_end = d ? (size_t)(d - p->src) : p->len;
        size_t ts = p->pos, te = text_end;
        if (*trim_next)
            while (ts < te && is_space(p->src[ts])) ts++;
        *trim_next = false;
        size_t after = text_end + p->ll;
        bool trim_prev = d && after + 1 < p->len && p->src[after] == '-' && is_space(p->src[after + 1]);
        if (trim_prev)
            while (te > ts && is_space(p->src[te - 1])) te--;
        if (te > ts) {
            tp_node *t;
            CV_GUARD(new_node(p, T_TEXT, &t));
            t->text = p->src + ts;
            t->n = te - ts;
            CV_GUARD(list_add(p, l, t));
        }
        if (d == NULL) {
            p->pos = p->len;
            break;
        }
        p->pos = after + (trim_prev ? 2 : 0);
        CV_GUARD(action(p, l, term, trim_next));
    }
    return cv_ok();
}

cv_result cv_tp_parse(tp_parser *p, tp_list **out)
{
    int term;
    bool trim = false;
    CV_GUARD(parse_list(p, out, &term, &trim));
    if (term == TERM_END) return perr(p, "unexpected {{end}}", NULL);
    if (term == TERM_ELSE) return perr(p, "unexpected {{else}}", NULL);
    return cv_ok();
}
