/* Executing a parsed template (Go text/template semantics, missingkey=error). */
#include <string.h>

#include "crypto/base/limits.h"
#include "secrets/doc/num.h"
#include "secrets/eso/template_exec.h"

cv_result cv_tx_fail(tx *x, size_t pos, const char *at, size_t atlen, const char *fmt, ...)
{
    unsigned line, col;
    cv_tp_where(x->src, pos, &line, &col);
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return CV_FAILF(CV_E_ESO_TEMPLATE, "template: %s:%u:%u: executing \"%s\" at <%.*s>: %s", x->name,
                    line, col, x->name, (int)(atlen > 80 ? 80 : atlen), at, msg);
}

cv_result cv_tx_str(tx *x, const char *s, size_t n, const cv_node **out)
{
    cv_node *v;
    CV_GUARD(cv_node_text(&x->scratch, CV_NODE_STR, s, n, &v));
    *out = v;
    return cv_ok();
}

bool cv_tx_truth(const cv_node *v)
{
    if (v == NULL) return false;
    switch (v->kind) {
    case CV_NODE_NULL: return false;
    case CV_NODE_BOOL: return v->v.b;
    case CV_NODE_INT: return v->v.i != 0;
    case CV_NODE_FLOAT: return v->v.f != 0;
    case CV_NODE_STR:
    case CV_NODE_TIME: return v->len != 0;
    case CV_NODE_MAP:
    case CV_NODE_LIST: return v->n != 0;
    default: return true;
    }
}

static int key_cmp(const void *a, const void *b)
{
    const cv_item *x = *(const cv_item *const *)a, *y = *(const cv_item *const *)b;
    size_t n = x->key->len < y->key->len ? x->key->len : y->key->len;
    int c = memcmp(x->key->s, y->key->s, n);
    return c ? c : (x->key->len > y->key->len) - (x->key->len < y->key->len);
}

/* MAP items with STR keys, sorted by key (Go prints and ranges maps so). */
cv_result cv_tx_sorted(const cv_node *m, const cv_item ***out, size_t *n)
{
    const cv_item **v = calloc(m->n + 1, sizeof(*v));
    CV_ENSURE(v != NULL, CV_E_NOMEM);
    size_t k = 0;
    for (size_t i = 0; i < m->n; i++)
        if (m->items[i].key && m->items[i].key->kind == CV_NODE_STR) v[k++] = &m->items[i];
    qsort(v, k, sizeof(*v), key_cmp);
    *out = v;
    *n = k;
    return cv_ok();
}

/* fmt's %v of a value as text/template prints it. */
cv_result cv_tx_print(cv_buf *b, const cv_node *v)
{
    char num[CV_NUM_TEXT_MAX];
    if (v == NULL) return cv_buf_add_str(b, "<no value>");
    switch (v->kind) {
    case CV_NODE_STR:
    case CV_NODE_TIME: return cv_buf_add(b, v->s, v->len);
    case CV_NODE_INT: cv_node_int_text(v, num); return cv_buf_add_str(b, num);
    case CV_NODE_FLOAT: cv_go_float(v->v.f, 'g', num); return cv_buf_add_str(b, num);
    case CV_NODE_BOOL: return cv_buf_add_str(b, v->v.b ? "true" : "false");
    case CV_NODE_NULL: return cv_buf_add_str(b, "<nil>");
    case CV_NODE_LIST:
        CV_GUARD(cv_buf_add_byte(b, '['));
        for (size_t i = 0; i < v->n; i++) {
            if (i) CV_GUARD(cv_buf_add_byte(b, ' '));
            CV_GUARD(cv_tx_print(b, v->items[i].value));
        }
        return cv_buf_add_byte(b, ']');
    case CV_NODE_MAP: {
        const cv_item **it;
        size_t n;
        CV_GUARD(cv_tx_sorted(v, &it, &n));
        cv_result r = cv_buf_add_str(b, "map[");
        for (size_t i = 0; cv_is_ok(r) && i < n; i++) {
            if (i) r = cv_buf_add_byte(b, ' ');
            if (cv_is_ok(r)) r = cv_buf_add(b, it[i]->key->s, it[i]->key->len);
            if (cv_is_ok(r)) r = cv_buf_add_byte(b, ':');
            if (cv_is_ok(r)) r = cv_tx_print(b, it[i]->value);
        }
        free(it);
        return cv_is_ok(r) ? cv_buf_add_byte(b, ']') : r;
    }
    default: return cv_ok();
    }
}

static cv_result walk_fields(tx *x, const tp_arg *a, const cv_node *v, const cv_node **out)
{
    for (size_t i = 0; i < a->nfields; i++) {
        const char *f = a->fields[i];
        if (v == NULL || v->kind == CV_NODE_NULL)
            return cv_tx_fail(x, a->pos, a->src, a->srclen, "nil pointer evaluating interface {}.%s", f);
        if (v->kind != CV_NODE_MAP)
            return cv_tx_fail(x, a->pos, a->src, a->srclen, "can't evaluate field %s in type %s", f,
                              v->kind == CV_NODE_LIST ? "[]interface {}" : "string");
        const cv_node *next = cv_map_get(v, f);
        if (next == NULL)
            return cv_tx_fail(x, a->pos, a->src, a->srclen, "map has no entry for key \"%s\"", f);
        v = next;
    }
    *out = v;
    return cv_ok();
}

static const cv_node *lookup_var(const tx *x, const char *name)
{
    for (size_t i = x->nvars; i > 0; i--)
        if (strcmp(x->vars[i - 1].name, name) == 0) return x->vars[i - 1].val;
    return NULL;
}

static cv_result literal(tx *x, const tp_arg *a, const cv_node **out)
{
    cv_node *v = NULL;
    switch (a->k) {
    case A_STRING: return cv_tx_str(x, a->s, a->n, out);
    case A_INT: CV_GUARD(cv_node_int(&x->scratch, a->i, &v)); break;
    case A_FLOAT: CV_GUARD(cv_node_float(&x->scratch, a->f, &v)); break;
    case A_BOOL: CV_GUARD(cv_node_bool(&x->scratch, a->b, &v)); break;
    default: CV_GUARD(cv_node_new(&x->scratch, CV_NODE_NULL, &v)); break;
    }
    *out = v;
    return cv_ok();
}

static cv_result eval_arg(tx *x, const tp_arg *a, const cv_node *dot, const cv_node **out)
{
    const cv_node *v;
    switch (a->k) {
    case A_DOT: *out = dot; return cv_ok();
    case A_FIELD: return walk_fields(x, a, dot, out);
    case A_VAR:
        v = lookup_var(x, a->s);
        if (v == NULL) return cv_tx_fail(x, a->pos, a->src, a->srclen, "undefined variable: %s", a->s);
        return walk_fields(x, a, v, out);
    case A_PIPE:
        CV_GUARD(cv_tx_pipe(x, a->pipe, dot, &v));
        return walk_fields(x, a, v, out);
    case A_IDENT: return cv_tx_call(x, a, NULL, 0, dot, NULL, out);
    default: return literal(x, a, out);
    }
}

static cv_result eval_cmd(tx *x, const tp_cmd *c, const cv_node *dot, const cv_node *final,
                          const cv_node **out)
{
    CV_ENSUREF(++x->steps <= CV_ESO_MAX_TEMPLATE_STEPS, CV_E_LIMIT, "template work");
    const tp_arg *a0 = &c->args[0];
    if (a0->k == A_IDENT) return cv_tx_call(x, a0, c->args + 1, c->nargs - 1, dot, final, out);
    if (c->nargs > 1 || final)
        return cv_tx_fail(x, a0->pos, a0->src, a0->srclen, "can't give argument to non-function %.*s",
                          (int)a0->srclen, a0->src);
    return eval_arg(x, a0, dot, out);
}

cv_result cv_tx_eval_args(tx *x, const tp_arg *args, size_t n, const cv_node *dot,
                          const cv_node *final, const cv_node **vals)
{
    for (size_t i = 0; i < n; i++) CV_GUARD(eval_arg(x, &args[i], dot, &vals[i]));
    if (final) vals[n] = final;
    return cv_ok();
}

static cv_result declare(tx *x, const char *name, const cv_node *v)
{
    CV_ENSUREF(x->nvars < TX_MAX_VARS, CV_E_LIMIT, "too many template variables");
    x->vars[x->nvars].name = name;
    x->vars[x->nvars++].val = v;
    return cv_ok();
}

cv_result cv_tx_pipe(tx *x, const tp_pipe *p, const cv_node *dot, const cv_node **out)
{
    const cv_node *v = NULL;
    for (size_t i = 0; i < p->ncmds; i++) CV_GUARD(eval_cmd(x, &p->cmds[i], dot, i ? v : NULL, &v));
    if (p->ndecl == 1) CV_GUARD(declare(x, p->decl[0], v));
    *out = v;
    return cv_ok();
}

static cv_result walk_list(tx *x, const tp_list *l, const cv_node *dot);

static cv_result range_one(tx *x, const tp_node *n, const cv_node *key, const cv_node *val)
{
    size_t mark = x->nvars;
    if (n->pipe->ndecl == 2) {
        CV_GUARD(declare(x, n->pipe->decl[0], key));
        CV_GUARD(declare(x, n->pipe->decl[1], val));
    } else if (n->pipe->ndecl == 1) {
        CV_GUARD(declare(x, n->pipe->decl[0], val));
    }
    cv_result r = walk_list(x, n->list, val);
    x->nvars = mark;
    return r;
}

static cv_result do_range(tx *x, const tp_node *n, const cv_node *dot)
{
    tp_pipe bare = *n->pipe;
    bare.ndecl = 0;
    const cv_node *v;
    CV_GUARD(cv_tx_pipe(x, &bare, dot, &v));
    if (!cv_tx_truth(v)) return n->elselist ? walk_list(x, n->elselist, dot) : cv_ok();
    if (v->kind == CV_NODE_LIST) {
        for (size_t i = 0; i < v->n; i++) {
            cv_node *k;
            CV_GUARD(cv_node_int(&x->scratch, (int64_t)i, &k));
            CV_GUARD(range_one(x, n, k, v->items[i].value));
        }
        return cv_ok();
    }
    if (v->kind != CV_NODE_MAP) return cv_tx_fail(x, n->pos, "range", 5, "range can't iterate over value");
    const cv_item **it;
    size_t cnt;
    CV_GUARD(cv_tx_sorted(v, &it, &cnt));
    cv_result r = cv_ok();
    for (size_t i = 0; cv_is_ok(r) && i < cnt; i++) r = range_one(x, n, it[i]->key, it[i]->value);
    free(it);
    return r;
}

static cv_result walk_node(tx *x, const tp_node *n, const cv_node *dot)
{
    const cv_node *v;
    size_t mark = x->nvars;
    cv_result r = cv_ok();
    switch (n->k) {
    case T_TEXT: return cv_buf_add(x->out, n->text, n->n);
    case T_ACTION:
        CV_GUARD(cv_tx_pipe(x, n->pipe, dot, &v));
        if (n->pipe->ndecl == 0) CV_GUARD(cv_tx_print(x->out, v));
        return cv_ok();
    case T_IF:
    case T_WITH:
        r = cv_tx_pipe(x, n->pipe, dot, &v);
        if (cv_is_ok(r) && cv_tx_truth(v)) r = walk_list(x, n->list, n->k == T_WITH ? v : dot);
        else if (cv_is_ok(r) && n->elselist) r = walk_list(x, n->elselist, dot);
        x->nvars = mark;
        return r;
    case T_RANGE:
        r = do_range(x, n, dot);
        x->nvars = mark;
        return r;
    }
    return cv_ok();
}

static cv_result walk_list(tx *x, const tp_list *l, const cv_node *dot)
{
    for (size_t i = 0; l && i < l->n; i++) CV_GUARD(walk_node(x, l->items[i], dot));
    return cv_ok();
}

cv_result cv_tmpl_render(cv_slice src, const cv_node *data, const cv_tmpl_opts *o, cv_buf *out)
{
    CV_ENSURE(src.len <= CV_ESO_MAX_TEMPLATE, CV_E_TOO_LARGE);
    static const cv_tmpl_opts none = { NULL, NULL, NULL };
    if (o == NULL) o = &none;
    tp_parser p = { 0 };
    p.src = (const char *)src.p;
    p.len = src.len;
    p.left = o->left ? o->left : "{{";
    p.right = o->right ? o->right : "}}";
    p.ll = strlen(p.left);
    p.rl = strlen(p.right);
    p.name = o->name ? o->name : "";
    CV_GUARD(cv_arena_new(&p.a));
    tx *x = calloc(1, sizeof(*x));
    cv_result r = x ? cv_doc_init(&x->scratch) : CV_FAIL(CV_E_NOMEM);
    tp_list *tree = NULL;
    if (cv_is_ok(r)) r = cv_tp_parse(&p, &tree);
    if (cv_is_ok(r)) {
        x->src = p.src;
        x->name = p.name;
        x->out = out;
        x->root = data;
        x->vars[0].name = "$";
        x->vars[0].val = data;
        x->nvars = 1;
        r = walk_list(x, tree, data);
    }
    if (x) {
        cv_doc_clear(&x->scratch);
        free(x);
    }
    cv_arena_free(&p.a);
    return r;
}
