#include "secrets/doc/flatten.h"

#include <stdlib.h>
#include <string.h>

#include "crypto/base/limits.h"
#include "crypto/base/mem.h"

#define MAP_SEP "__map_"
#define LIST_SEP "__list_"
#define MAP_SEP_LEN 6u
#define LIST_SEP_LEN 7u

/* ---- flatten ---------------------------------------------------------- */

typedef struct {
    cv_doc *d;
    cv_node *out;
    cv_buf key; /* the flattened key being built (key names are not secret) */
} flat;

static cv_result flat_value(flat *f, const cv_node *v, unsigned depth);

static bool is_comment(const cv_node *n)
{
    return n != NULL && n->kind == CV_NODE_COMMENT;
}

static cv_result flat_map(flat *f, const cv_node *map, unsigned depth)
{
    size_t base = f->key.len;
    for (size_t i = 0; i < map->n; i++) {
        const cv_item *it = &map->items[i];
        if (is_comment(it->key)) continue;
        f->key.len = base;
        CV_GUARD(cv_buf_add(&f->key, it->key->s, it->key->len));
        CV_GUARD(flat_value(f, it->value, depth + 1));
    }
    return cv_ok();
}

static cv_result flat_list(flat *f, const cv_node *list, unsigned depth)
{
    size_t base = f->key.len, idx = 0;
    for (size_t i = 0; i < list->n; i++) {
        if (is_comment(list->items[i].value)) continue;
        f->key.len = base;
        CV_GUARD(cv_buf_addf(&f->key, "%zu", idx++));
        CV_GUARD(flat_value(f, list->items[i].value, depth + 1));
    }
    return cv_ok();
}

static cv_result flat_value(flat *f, const cv_node *v, unsigned depth)
{
    CV_ENSUREF(depth < CV_DOC_MAX_DEPTH, CV_E_LIMIT, "flatten: nesting deeper than %u",
               CV_DOC_MAX_DEPTH);
    if (v != NULL && v->kind == CV_NODE_MAP) {
        CV_GUARD(cv_buf_add(&f->key, MAP_SEP, MAP_SEP_LEN));
        return flat_map(f, v, depth);
    }
    if (v != NULL && v->kind == CV_NODE_LIST) {
        CV_GUARD(cv_buf_add(&f->key, LIST_SEP, LIST_SEP_LEN));
        return flat_list(f, v, depth);
    }
    cv_node *value = (cv_node *)(uintptr_t)v;
    if (value == NULL) CV_GUARD(cv_node_new(f->d, CV_NODE_NULL, &value));
    return cv_map_add(f->d, f->out, (const char *)f->key.p, f->key.len, value);
}

static int cmp_keys(const void *a, const void *b)
{
    const cv_node *x = *(const cv_node *const *)a, *y = *(const cv_node *const *)b;
    size_t n = x->len < y->len ? x->len : y->len;
    int c = memcmp(x->s, y->s, n);
    if (c != 0) return c;
    return x->len < y->len ? -1 : x->len > y->len;
}

/* Two paths that flatten to the same key (a key holding "__map_" itself,
 * for instance) are an error in sops. */
static cv_result check_collisions(const cv_node *out)
{
    if (out->n < 2) return cv_ok();
    void *mem;
    CV_GUARD(cv_alloc_array(&mem, out->n, sizeof(cv_node *)));
    const cv_node **keys = mem;
    for (size_t i = 0; i < out->n; i++) keys[i] = out->items[i].key;
    qsort(keys, out->n, sizeof(*keys), cmp_keys);
    const cv_node *dup = NULL;
    for (size_t i = 1; i < out->n && dup == NULL; i++)
        if (cmp_keys(&keys[i - 1], &keys[i]) == 0) dup = keys[i];
    free(mem);
    if (dup == NULL) return cv_ok();
    char q[128];
    cv_quote(q, sizeof(q), cv_slice_of(dup->s, dup->len));
    CV_BAILF(CV_E_DOC_FLATTEN, "found key collision %s while flattening", q);
}

cv_result cv_flatten(cv_doc *d, const cv_node *map, cv_slice prefix, cv_node **out)
{
    CV_ENSURE(map->kind == CV_NODE_MAP, CV_E_DOC_UNSUPPORTED);
    flat f = { .d = d };
    cv_buf_init(&f.key, CV_DOC_MAX_INPUT);
    cv_result r = cv_node_new(d, CV_NODE_MAP, &f.out);
    if (cv_is_ok(r)) r = cv_buf_add(&f.key, prefix.p, prefix.len);
    if (cv_is_ok(r)) r = flat_map(&f, map, 0);
    cv_buf_release(&f.key);
    CV_GUARD(r);
    CV_GUARD(check_collisions(f.out));
    *out = f.out;
    return cv_ok();
}

/* ---- unflatten -------------------------------------------------------- */

typedef struct {
    bool list;
    const char *s; /* map key */
    size_t len;
    int64_t idx;   /* list index */
} tok;

typedef struct {
    size_t first, ntok; /* into the token pool */
    const cv_node *key;
    cv_node *value;
    size_t order;
} entry;

typedef struct {
    cv_doc *d;
    tok *toks;
    size_t ntoks, cap;
    entry *ents;
    size_t nents;
} unflat;

/* strconv.Atoi, with sops's habit of ignoring its error: a malformed index
 * is 0 and an out-of-range one is clamped (ParseInt's value on ErrRange). */
static int64_t go_atoi(const char *s, size_t n)
{
    size_t i = 0;
    bool neg = false;
    if (n > 0 && (s[0] == '+' || s[0] == '-')) {
        neg = s[0] == '-';
        i = 1;
    }
    if (i == n) return 0;
    uint64_t v = 0;
    bool over = false;
    for (; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return 0;
        uint64_t dgt = (uint64_t)(s[i] - '0');
        if (v > (UINT64_MAX - dgt) / 10) over = true;
        else v = v * 10 + dgt;
    }
    if (!neg && (over || v > (uint64_t)INT64_MAX)) return INT64_MAX;
    if (neg && (over || v > (uint64_t)INT64_MAX + 1)) return INT64_MIN;
    return neg ? (int64_t)(0 - v) : (int64_t)v;
}

static cv_result push_tok(unflat *u, bool list, const char *s, size_t len)
{
    CV_GUARD(cv_grow_array((void **)&u->toks, &u->cap, u->ntoks + 1, sizeof(tok), 64, SIZE_MAX));
    u->toks[u->ntoks++] = (tok){ list, s, len, list ? go_atoi(s, len) : 0 };
    return cv_ok();
}

/* Split a key at each separator, scanning left to right as sops does. */
static cv_result tokenize(unflat *u, const char *k, size_t n, size_t *ntok)
{
    size_t start = 0, i = 0, first = u->ntoks;
    bool list = false;
    while (i < n) {
        bool m = n - i >= MAP_SEP_LEN && memcmp(k + i, MAP_SEP, MAP_SEP_LEN) == 0;
        bool l = !m && n - i >= LIST_SEP_LEN && memcmp(k + i, LIST_SEP, LIST_SEP_LEN) == 0;
        if (!m && !l) {
            i++;
            continue;
        }
        CV_GUARD(push_tok(u, list, k + start, i - start));
        i += m ? MAP_SEP_LEN : LIST_SEP_LEN;
        start = i;
        list = l;
    }
    CV_GUARD(push_tok(u, list, k + start, n - start));
    *ntok = u->ntoks - first;
    CV_ENSUREF(*ntok < CV_DOC_MAX_DEPTH, CV_E_LIMIT, "unflatten: nesting deeper than %u",
               CV_DOC_MAX_DEPTH);
    return cv_ok();
}

static int cmp_tok(const tok *a, const tok *b)
{
    if (a->list != b->list) return a->list ? 1 : -1;
    if (a->list) return a->idx < b->idx ? -1 : a->idx > b->idx;
    size_t n = a->len < b->len ? a->len : b->len;
    int c = memcmp(a->s, b->s, n);
    if (c != 0) return c;
    return a->len < b->len ? -1 : a->len > b->len;
}

static int cmp_path(const tok *toks, const entry *a, const entry *b)
{
    size_t n = a->ntok < b->ntok ? a->ntok : b->ntok;
    for (size_t i = 0; i < n; i++) {
        int c = cmp_tok(&toks[a->first + i], &toks[b->first + i]);
        if (c != 0) return c;
    }
    return a->ntok < b->ntok ? -1 : a->ntok > b->ntok;
}

static int cmp_entry(const void *x, const void *y, void *toks)
{
    const entry *a = x, *b = y;
    int c = cmp_path(toks, a, b);
    if (c != 0) return c;
    return a->order < b->order ? -1 : a->order > b->order;
}

static cv_result flatten_err(const entry *e, const char *why)
{
    char q[128];
    cv_quote(q, sizeof(q), cv_slice_of(e->key->s, e->key->len));
    return CV_FAILF(CV_E_DOC_FLATTEN, "error while unflattening %s: %s", q, why);
}

static const tok *tok_at(const unflat *u, const entry *e, size_t depth)
{
    return &u->toks[e->first + depth];
}

static cv_result build(unflat *u, size_t lo, size_t hi, size_t depth, cv_node **out);

/* Children of one node: [lo, hi) all have a token at depth, of one kind. */
static cv_result build_children(unflat *u, size_t lo, size_t hi, size_t depth, cv_node *n)
{
    int64_t want = 0;
    while (lo < hi) {
        size_t end = lo + 1;
        while (end < hi && cmp_tok(tok_at(u, &u->ents[lo], depth),
                                   tok_at(u, &u->ents[end], depth)) == 0)
            end++;
        const tok *t = tok_at(u, &u->ents[lo], depth);
        if (t->list && t->idx != want++) return flatten_err(&u->ents[lo], "incomplete list");
        cv_node *child, *key = NULL;
        CV_GUARD(build(u, lo, end, depth + 1, &child));
        if (!t->list) CV_GUARD(cv_node_text(u->d, CV_NODE_STR, t->s, t->len, &key));
        CV_GUARD(cv_node_append(u->d, n, key, child));
        lo = end;
    }
    return cv_ok();
}

static cv_result build(unflat *u, size_t lo, size_t hi, size_t depth, cv_node **out)
{
    if (lo == hi) return cv_node_new(u->d, CV_NODE_MAP, out);
    const entry *e = &u->ents[lo];
    if (e->ntok == depth) {
        if (hi - lo > 1) return flatten_err(e, "type mismatch");
        *out = e->value;
        return cv_ok();
    }
    bool list = tok_at(u, e, depth)->list;
    if (tok_at(u, &u->ents[hi - 1], depth)->list != list)
        return flatten_err(e, "type mismatch");
    CV_GUARD(cv_node_new(u->d, list ? CV_NODE_LIST : CV_NODE_MAP, out));
    return build_children(u, lo, hi, depth, *out);
}

static cv_result collect(unflat *u, const cv_node *flat_map)
{
    void *mem;
    CV_GUARD(cv_alloc_array(&mem, flat_map->n ? flat_map->n : 1, sizeof(entry)));
    u->ents = mem;
    for (size_t i = 0; i < flat_map->n; i++) {
        const cv_item *it = &flat_map->items[i];
        if (is_comment(it->key)) continue;
        entry *e = &u->ents[u->nents];
        e->first = u->ntoks;
        e->key = it->key;
        e->value = it->value;
        e->order = u->nents++;
        CV_GUARD(tokenize(u, it->key->s, it->key->len, &e->ntok));
        if (e->value == NULL) CV_GUARD(cv_node_new(u->d, CV_NODE_NULL, &e->value));
    }
    return cv_ok();
}

static cv_result unflatten_sorted(unflat *u, cv_node **out)
{
    qsort_r(u->ents, u->nents, sizeof(entry), cmp_entry, u->toks);
    for (size_t i = 1; i < u->nents; i++)
        if (cmp_path(u->toks, &u->ents[i - 1], &u->ents[i]) == 0)
            return flatten_err(&u->ents[i], "duplicate value");
    return build(u, 0, u->nents, 0, out);
}

cv_result cv_unflatten(cv_doc *d, const cv_node *flat_map, cv_node **out)
{
    CV_ENSURE(flat_map->kind == CV_NODE_MAP, CV_E_DOC_UNSUPPORTED);
    unflat u = { .d = d };
    cv_result r = collect(&u, flat_map);
    if (cv_is_ok(r)) r = unflatten_sorted(&u, out);
    free(u.toks);
    free(u.ents);
    CV_GUARD(r);
    CV_ENSUREF((*out)->kind == CV_NODE_MAP, CV_E_DOC_FLATTEN,
               "unflatten: internal error: cannot find root");
    return cv_ok();
}
