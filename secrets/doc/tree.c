#include "secrets/doc/tree.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "crypto/base/limits.h"
#include "secrets/doc/num.h"

cv_result cv_doc_init(cv_doc *d)
{
    memset(d, 0, sizeof(*d));
    return cv_arena_new(&d->arena);
}

void cv_doc_clear(cv_doc *d)
{
    if (d == NULL) return;
    cv_arena_free(&d->arena);
    memset(d, 0, sizeof(*d));
}

cv_result cv_doc_read_source(cv_doc *d, cv_src *src, size_t n, cv_slice *out)
{
    void *p;
    size_t got = 0;
    uint8_t probe;
    CV_ENSURE(n < SIZE_MAX, CV_E_TOO_LARGE);
    CV_GUARD(cv_arena_alloc(d->arena, n + 1, &p));
    /* On failure the bytes read stay in the arena, wiped with it. */
    CV_GUARD(cv_src_read_full(src, p, n, &got));
    CV_ENSURE(got == n, CV_E_TRUNCATED);
    CV_GUARD(cv_src_read(src, &probe, 1, &got));
    CV_ENSURE(got == 0, CV_E_TRUNCATED);
    d->src = p;
    d->src_len = n;
    *out = cv_slice_of(p, n);
    return cv_ok();
}

cv_result cv_node_new(cv_doc *d, cv_node_kind kind, cv_node **out)
{
    void *p;
    CV_GUARD(cv_arena_alloc(d->arena, sizeof(cv_node), &p));
    cv_node *n = p;
    n->kind = kind;
    *out = n;
    return cv_ok();
}

cv_result cv_doc_add_branch(cv_doc *d, cv_node **out)
{
    CV_GUARD(cv_arena_grow(d->arena, (void **)&d->branches, &d->cap, d->n + 1,
                           sizeof(cv_node *)));
    CV_GUARD(cv_node_new(d, CV_NODE_MAP, out));
    d->branches[d->n++] = *out;
    return cv_ok();
}

cv_result cv_doc_push_branch(cv_doc *d, cv_node *root)
{
    CV_GUARD(cv_arena_grow(d->arena, (void **)&d->branches, &d->cap, d->n + 1,
                           sizeof(cv_node *)));
    d->branches[d->n++] = root;
    return cv_ok();
}

cv_result cv_node_text(cv_doc *d, cv_node_kind kind, const void *p, size_t n, cv_node **out)
{
    CV_GUARD(cv_node_new(d, kind, out));
    return cv_node_set_text(d, *out, kind, p, n);
}

cv_result cv_node_text_at(cv_doc *d, cv_node_kind kind, const void *p, size_t n, cv_node **out)
{
    const uint8_t *t = p;
    uint8_t *src = d->src;
    /* Pointer order is compared as integers: t need not lie in src. */
    uintptr_t at = (uintptr_t)t, lo = (uintptr_t)src;
    bool inside = src != NULL && at >= lo && n <= d->src_len && at - lo <= d->src_len - n;
    if (n < CV_ARENA_SOLO || !inside) return cv_node_text(d, kind, p, n, out);
    CV_GUARD(cv_node_new(d, kind, out));
    uint8_t *s = src + (at - lo);
    s[n] = '\0';
    (*out)->s = (char *)s;
    (*out)->len = n;
    return cv_ok();
}

cv_result cv_node_set_text(cv_doc *d, cv_node *n, cv_node_kind kind, const void *p, size_t len)
{
    char *s;
    CV_GUARD(cv_arena_strndup(d->arena, p, len, &s));
    n->kind = kind;
    n->s = s;
    n->len = len;
    return cv_ok();
}

const char *cv_node_go_type(const cv_node *n)
{
    switch (n->kind) {
    case CV_NODE_STR: return "string";
    case CV_NODE_INT: return "int";
    case CV_NODE_FLOAT: return "float64";
    case CV_NODE_BOOL: return "bool";
    case CV_NODE_TIME: return "time.Time";
    case CV_NODE_MAP: return "map[string]interface {}";
    case CV_NODE_LIST: return "[]interface {}";
    default: return "<nil>";
    }
}

cv_result cv_node_int(cv_doc *d, int64_t i, cv_node **out)
{
    CV_GUARD(cv_node_new(d, CV_NODE_INT, out));
    (*out)->v.i = i;
    return cv_ok();
}

size_t cv_node_int_text(const cv_node *n, char *out)
{
    if (n->uint64) return (size_t)snprintf(out, CV_NUM_TEXT_MAX, "%llu", (unsigned long long)(uint64_t)n->v.i);
    return cv_go_int(n->v.i, out);
}

cv_result cv_node_float(cv_doc *d, double f, cv_node **out)
{
    CV_GUARD(cv_node_new(d, CV_NODE_FLOAT, out));
    (*out)->v.f = f;
    return cv_ok();
}

cv_result cv_node_bool(cv_doc *d, bool b, cv_node **out)
{
    CV_GUARD(cv_node_new(d, CV_NODE_BOOL, out));
    (*out)->v.b = b;
    return cv_ok();
}

cv_result cv_node_insert(cv_doc *d, cv_node *parent, size_t i, cv_node *key, cv_node *value)
{
    CV_BUG_ON(parent->kind != CV_NODE_MAP && parent->kind != CV_NODE_LIST);
    CV_BUG_ON(i > parent->n);
    CV_GUARD(cv_arena_grow(d->arena, (void **)&parent->items, &parent->cap, parent->n + 1,
                           sizeof(cv_item)));
    memmove(parent->items + i + 1, parent->items + i, (parent->n - i) * sizeof(cv_item));
    parent->items[i] = (cv_item){ key, value };
    parent->n++;
    return cv_ok();
}

cv_result cv_node_append(cv_doc *d, cv_node *parent, cv_node *key, cv_node *value)
{
    return cv_node_insert(d, parent, parent->n, key, value);
}

cv_result cv_map_add(cv_doc *d, cv_node *map, const char *key, size_t key_len, cv_node *value)
{
    cv_node *k;
    CV_GUARD(cv_node_text(d, CV_NODE_STR, key, key_len, &k));
    return cv_node_append(d, map, k, value);
}

void cv_node_remove(cv_node *parent, size_t i)
{
    if (i >= parent->n) return;
    memmove(parent->items + i, parent->items + i + 1, (parent->n - i - 1) * sizeof(cv_item));
    parent->n--;
}

long cv_map_find(const cv_node *map, const char *key, size_t key_len)
{
    if (map == NULL || map->kind != CV_NODE_MAP) return -1;
    for (size_t i = 0; i < map->n; i++) {
        const cv_node *k = map->items[i].key;
        if (k && k->kind == CV_NODE_STR && k->len == key_len && memcmp(k->s, key, key_len) == 0)
            return (long)i;
    }
    return -1;
}

cv_node *cv_map_get(const cv_node *map, const char *key)
{
    long i = cv_map_find(map, key, strlen(key));
    return i < 0 ? NULL : map->items[i].value;
}

cv_result cv_node_clone(cv_doc *d, const cv_node *n, cv_node **out)
{
    cv_node *c;
    CV_GUARD(cv_node_new(d, n->kind, &c));
    c->inline_comment = n->inline_comment;
    c->folded = n->folded;
    c->uint64 = n->uint64;
    c->v = n->v;
    if (n->s) CV_GUARD(cv_node_set_text(d, c, n->kind, n->s, n->len));
    for (size_t i = 0; i < n->n; i++) {
        cv_node *k = NULL, *v = NULL;
        if (n->items[i].key) CV_GUARD(cv_node_clone(d, n->items[i].key, &k));
        if (n->items[i].value) CV_GUARD(cv_node_clone(d, n->items[i].value, &v));
        CV_GUARD(cv_node_append(d, c, k, v));
    }
    *out = c;
    return cv_ok();
}

static bool text_eq(const cv_node *a, const cv_node *b)
{
    return a->len == b->len && (a->len == 0 || memcmp(a->s, b->s, a->len) == 0);
}

bool cv_node_equal(const cv_node *a, const cv_node *b)
{
    if (a == NULL || b == NULL) return a == b;
    if (a->kind != b->kind) return false;
    switch (a->kind) {
    case CV_NODE_NULL: return true;
    case CV_NODE_INT: return a->v.i == b->v.i && a->uint64 == b->uint64;
    case CV_NODE_FLOAT:
        return a->v.f == b->v.f || (isnan(a->v.f) && isnan(b->v.f));
    case CV_NODE_BOOL: return a->v.b == b->v.b;
    case CV_NODE_COMMENT:
        return a->inline_comment == b->inline_comment && text_eq(a, b);
    case CV_NODE_STR:
    case CV_NODE_TIME: return text_eq(a, b);
    case CV_NODE_MAP:
    case CV_NODE_LIST:
        if (a->n != b->n) return false;
        for (size_t i = 0; i < a->n; i++)
            if (!cv_node_equal(a->items[i].key, b->items[i].key) ||
                !cv_node_equal(a->items[i].value, b->items[i].value))
                return false;
        return true;
    }
    return false;
}
