/* Resource ids, selectors and GetById, as kustomize v5.8.1 does them. */
#include "reconcile/kustomize/select.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/base/limits.h"
#include "reconcile/kustomize/schema.h"
#include "secrets/doc/num.h"
#include "reconcile/kustomize/recache.h"

static cv_slice str_of(const cv_node *n)
{
    if (!n || n->kind != CV_NODE_STR) return cv_slice_of("", 0);
    return cv_slice_of(n->s, n->len);
}

static const cv_node *map_of(const cv_node *obj, const char *key)
{
    if (!obj || obj->kind != CV_NODE_MAP) return NULL;
    const cv_node *v = cv_map_get(obj, key);
    return v && v->kind == CV_NODE_MAP ? v : NULL;
}

cv_result cv_kz_get_by_id(const cv_kz_resmap *rm, const cv_kz_id *id, size_t *idx)
{
    size_t found = 0;
    for (size_t i = 0; i < rm->n; i++) {
        const cv_node *o = rm->objs[i];
        if (o->kind != CV_NODE_MAP || o->n == 0) continue;
        cv_kz_id *prev;
        size_t np;
        CV_GUARD(cv_kz_prev_ids(o, &prev, &np));
        cv_kz_id cur;
        cv_kz_cur_id(o, &cur);
        bool m = cv_kz_id_equals(&cur, id);
        for (size_t j = 0; j < np && !m; j++) m = cv_kz_id_equals(&prev[j], id);
        free(prev);
        if (m && found++ == 0) *idx = i;
    }
    char s[1024];
    cv_kz_id_string(id, s, sizeof s);
    CV_ENSUREF(found != 0, CV_E_KZ_PATCH_TARGET, "no matches for Id %s; failed to find unique target for patch %s", s, s);
    CV_ENSUREF(found == 1, CV_E_KZ_PATCH_TARGET, "multiple matches for Id %s; failed to find unique target for patch %s", s, s);
    return cv_ok();
}

/* ---- label selectors (apimachinery's labels.Parse, as kyaml vendors it) -- */

enum { OP_EXISTS, OP_NOT_EXISTS, OP_EQ, OP_NE, OP_IN, OP_NOTIN, OP_GT, OP_LT };

typedef struct {
    cv_reader r;
} lexer;

static bool special(uint8_t c)
{
    return c == '!' || c == '(' || c == ')' || c == ',' || c == '=' || c == '>' || c == '<';
}

static bool space(uint8_t c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

/* Next token: an identifier (id=true) or a symbol; empty slice = end. */
static cv_slice lex(lexer *L, bool *id)
{
    cv_reader *r = &L->r;
    while (!cv_reader_eof(r) && space(r->p[r->pos])) r->pos++;
    size_t s = r->pos;
    *id = false;
    if (cv_reader_eof(r)) return cv_slice_of(r->p + s, 0);
    uint8_t c = r->p[r->pos];
    if (special(c)) {
        r->pos++;
        if ((c == '!' || c == '=') && !cv_reader_eof(r) && r->p[r->pos] == '=') r->pos++;
        return cv_slice_of(r->p + s, r->pos - s);
    }
    while (!cv_reader_eof(r) && !space(r->p[r->pos]) && !special(r->p[r->pos])) r->pos++;
    *id = true;
    return cv_slice_of(r->p + s, r->pos - s);
}

static cv_slice peek(lexer *L, bool *id)
{
    lexer c = *L;
    return lex(&c, id);
}

static bool alnum(uint8_t c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }

/* A label value / name part: <= 63, alphanumeric at both ends, [-_.] inside. */
static bool valid_value(cv_slice v)
{
    if (v.len == 0) return true;
    if (v.len > 63 || !alnum(v.p[0]) || !alnum(v.p[v.len - 1])) return false;
    for (size_t i = 0; i < v.len; i++)
        if (!alnum(v.p[i]) && v.p[i] != '-' && v.p[i] != '_' && v.p[i] != '.') return false;
    return true;
}

static bool valid_key(cv_slice k)
{
    const uint8_t *sl = k.len ? memchr(k.p, '/', k.len) : NULL;
    cv_slice name = k;
    if (sl) {
        size_t i = (size_t)(sl - k.p);
        cv_slice prefix = cv_slice_of(k.p, i);
        name = cv_slice_of(k.p + i + 1, k.len - i - 1);
        if (prefix.len == 0 || prefix.len > 253) return false;
        for (size_t j = 0; j < prefix.len; j++) {
            uint8_t c = prefix.p[j];
            if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.')) return false;
        }
    }
    return name.len > 0 && valid_value(name);
}

typedef struct {
    int op;
    cv_slice key;
    cv_slice vals[64];
    size_t nvals;
} requirement;

static cv_result parse_values(lexer *L, requirement *q)
{
    bool id;
    cv_slice t = lex(L, &id);
    CV_ENSUREF(cv_slice_eq_str(t, "("), CV_E_KZ_SELECTOR, "found '%.*s', expected: '('", (int)t.len, (const char *)t.p);
    for (;;) {
        t = peek(L, &id);
        if (id) {
            CV_ENSUREF(q->nvals < 64, CV_E_LIMIT, "too many values in label selector");
            q->vals[q->nvals++] = lex(L, &id);
            t = peek(L, &id);
        } else if (!cv_slice_eq_str(t, ",") && !cv_slice_eq_str(t, ")")) {
            CV_BAILF(CV_E_KZ_SELECTOR, "found '%.*s', expected: ',', or identifier", (int)t.len, (const char *)t.p);
        } else if (q->nvals < 64) {
            q->vals[q->nvals++] = cv_slice_of("", 0);
        }
        lex(L, &id);
        if (cv_slice_eq_str(t, ")")) return cv_ok();
        CV_ENSUREF(cv_slice_eq_str(t, ","), CV_E_KZ_SELECTOR, "found '%.*s', expected: ',' or ')'", (int)t.len, (const char *)t.p);
    }
}

static cv_result parse_op(lexer *L, requirement *q)
{
    bool id;
    cv_slice t = lex(L, &id);
    static const struct { const char *s; int op; } ops[] = {
        { "=", OP_EQ }, { "==", OP_EQ }, { "!=", OP_NE }, { "in", OP_IN },
        { "notin", OP_NOTIN }, { ">", OP_GT }, { "<", OP_LT },
    };
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
        if (cv_slice_eq_str(t, ops[i].s)) {
            q->op = ops[i].op;
            return cv_ok();
        }
    CV_BAILF(CV_E_KZ_SELECTOR, "found '%.*s', expected: in, notin, =, ==, !=, gt, lt", (int)t.len, (const char *)t.p);
}

static cv_result parse_requirement(lexer *L, requirement *q)
{
    bool id;
    memset(q, 0, sizeof *q);
    cv_slice t = lex(L, &id);
    q->op = OP_EXISTS;
    if (!id && cv_slice_eq_str(t, "!")) {
        q->op = OP_NOT_EXISTS;
        t = lex(L, &id);
    }
    CV_ENSUREF(id, CV_E_KZ_SELECTOR, "found '%.*s', expected: identifier", (int)t.len, (const char *)t.p);
    CV_ENSUREF(valid_key(t), CV_E_KZ_SELECTOR, "invalid label key \"%.*s\"", (int)t.len, (const char *)t.p);
    q->key = t;
    cv_slice n = peek(L, &id);
    if (q->op == OP_NOT_EXISTS || n.len == 0 || cv_slice_eq_str(n, ",")) return cv_ok();
    CV_GUARD(parse_op(L, q));
    if (q->op == OP_IN || q->op == OP_NOTIN) {
        CV_GUARD(parse_values(L, q));
        CV_ENSUREF(q->nvals > 0, CV_E_KZ_SELECTOR, "for 'in', 'notin' operators, values set can't be empty");
    } else {
        n = peek(L, &id);
        q->vals[0] = id ? lex(L, &id) : cv_slice_of("", 0);
        q->nvals = 1;
        CV_ENSUREF(id || n.len == 0 || cv_slice_eq_str(n, ","), CV_E_KZ_SELECTOR,
                   "found '%.*s', expected: identifier", (int)n.len, (const char *)n.p);
    }
    for (size_t i = 0; i < q->nvals; i++) {
        int64_t x;
        if (q->op == OP_GT || q->op == OP_LT)
            CV_ENSUREF(cv_is_ok(cv_go_parse_int(q->vals[i], &x)), CV_E_KZ_SELECTOR,
                       "for 'Gt', 'Lt' operators, the value must be an integer");
        else
            CV_ENSUREF(valid_value(q->vals[i]), CV_E_KZ_SELECTOR, "invalid label value: \"%.*s\"",
                       (int)q->vals[i].len, (const char *)q->vals[i].p);
    }
    cv_err_clear();
    return cv_ok();
}

static bool lookup(const cv_node *labels, cv_slice key, cv_slice *val, char *buf)
{
    if (!labels || labels->kind != CV_NODE_MAP) return false;
    bool found = false;
    for (size_t i = 0; i < labels->n; i++) {
        const cv_node *k = labels->items[i].key;
        if (!k || k->kind != CV_NODE_STR || !cv_slice_eq(cv_slice_of(k->s, k->len), key)) continue;
        *val = cv_kz_scalar_text(labels->items[i].value, buf);
        found = true;
    }
    return found;
}

static bool req_matches(const requirement *q, const cv_node *labels)
{
    char buf[CV_KZ_TEXT_MAX];
    cv_slice v;
    bool has = lookup(labels, q->key, &v, buf);
    bool in = false;
    for (size_t i = 0; has && i < q->nvals; i++) in = in || cv_slice_eq(v, q->vals[i]);
    int64_t a, b;
    switch (q->op) {
    case OP_EXISTS: return has;
    case OP_NOT_EXISTS: return !has;
    case OP_EQ:
    case OP_IN: return has && in;
    case OP_NE:
    case OP_NOTIN: return !has || !in;
    default:
        if (!has || !cv_is_ok(cv_go_parse_int(v, &a))) {
            cv_err_clear();
            return false;
        }
        if (!cv_is_ok(cv_go_parse_int(q->vals[0], &b))) return false;
        return q->op == OP_GT ? a > b : a < b;
    }
}

cv_result cv_kz_labels_match(cv_slice selector, const cv_node *labels, bool *match)
{
    lexer L = { cv_reader_of(selector) };
    bool id;
    *match = true;
    if (peek(&L, &id).len == 0) return cv_ok();
    for (;;) {
        requirement q;
        CV_GUARD(parse_requirement(&L, &q));
        if (!req_matches(&q, labels)) *match = false;
        cv_slice t = lex(&L, &id);
        if (t.len == 0) return cv_ok();
        CV_ENSUREF(cv_slice_eq_str(t, ","), CV_E_KZ_SELECTOR, "found '%.*s', expected: ',' or 'end of string'", (int)t.len, (const char *)t.p);
    }
}

/* ---- Select ------------------------------------------------------------- */

typedef struct {
    cv_kz_re re[5]; /* group, version, kind, name, namespace; empty = any */
    cv_slice labels, annos;
} selector;

static const char *const k_fields[5] = { "group", "version", "kind", "name", "namespace" };

static void selector_free(selector *s)
{
    for (int i = 0; i < 5; i++) cv_kz_re_put(&s->re[i]);
}

static cv_result selector_compile(const cv_node *t, selector *s)
{
    memset(s, 0, sizeof *s);
    for (int i = 0; i < 5; i++) {
        cv_slice p = str_of(t ? cv_map_get(t, k_fields[i]) : NULL);
        if (p.len == 0) continue;
        cv_buf b;
        cv_buf_init(&b, CV_KZ_MAX_PATH * 4);
        cv_result r = cv_buf_add_str(&b, "^(?:");
        if (cv_is_ok(r)) r = cv_buf_add(&b, p.p, p.len);
        if (cv_is_ok(r)) r = cv_buf_add_str(&b, ")$");
        if (cv_is_ok(r)) r = cv_kz_re_get((const char *)b.p, b.len, &s->re[i]);
        cv_buf_release(&b);
        CV_GUARD(r);
    }
    s->labels = str_of(t ? cv_map_get(t, "labelSelector") : NULL);
    s->annos = str_of(t ? cv_map_get(t, "annotationSelector") : NULL);
    return cv_ok();
}

static bool re_ok(const cv_kz_re *re, cv_slice v)
{
    return cv_kz_re_ok(re, v.p, v.len);
}

static cv_result selector_match(const selector *s, const cv_node *o, bool *m)
{
    cv_kz_id cur, *prev;
    size_t np;
    cv_kz_cur_id(o, &cur);
    CV_GUARD(cv_kz_prev_ids(o, &prev, &np));
    const cv_kz_id *org = np ? &prev[0] : &cur;
    *m = (re_ok(&s->re[4], cv_kz_id_effective_ns(org)) || re_ok(&s->re[4], cv_kz_id_effective_ns(&cur))) &&
         (re_ok(&s->re[3], org->name) || re_ok(&s->re[3], cur.name)) && re_ok(&s->re[0], cur.group) &&
         re_ok(&s->re[1], cur.version) && re_ok(&s->re[2], cur.kind);
    free(prev);
    const cv_node *md = map_of(o, "metadata");
    if (*m) CV_GUARD(cv_kz_labels_match(s->labels, map_of(md, "labels"), m));
    if (*m) CV_GUARD(cv_kz_labels_match(s->annos, map_of(md, "annotations"), m));
    return cv_ok();
}

cv_result cv_kz_select(const cv_kz_resmap *rm, const cv_node *target, size_t **idx, size_t *n)
{
    *idx = NULL;
    *n = 0;
    selector s;
    cv_result r = selector_compile(target, &s);
    size_t *out = NULL;
    if (cv_is_ok(r) && rm->n) {
        out = malloc(rm->n * sizeof *out);
        if (!out) r = CV_FAIL(CV_E_NOMEM);
    }
    for (size_t i = 0; cv_is_ok(r) && i < rm->n; i++) {
        bool m;
        r = selector_match(&s, rm->objs[i], &m);
        if (cv_is_ok(r) && m) out[(*n)++] = i;
    }
    selector_free(&s);
    if (!cv_is_ok(r)) {
        free(out);
        *n = 0;
        return r;
    }
    *idx = out;
    return cv_ok();
}
