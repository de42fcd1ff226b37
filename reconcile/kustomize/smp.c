/* kyaml merge2 over the document tree (see smp.h). Names follow kyaml's
 * walker so the two can be read side by side: walk, walk_map,
 * walk_assoc, visit_*, element_setter, append_list_node. */
#include "reconcile/kustomize/smp.h"

#include <stdlib.h>
#include <string.h>

#include "crypto/base/limits.h"
#include "crypto/base/mem.h"
#include "reconcile/kustomize/schema.h"
#include "reconcile/kustomize/select.h"

#define MAX_KEYS 8

typedef struct {
    cv_doc *d;
    unsigned depth;
} smp;

typedef struct {
    cv_node *n; /* NULL: clear */
    bool keep;  /* a null kept from the target (kyaml's ShouldKeep) */
} res;

typedef struct {
    cv_slice v[MAX_KEYS];
    size_t n;
} tuple;

enum { PS_MERGE, PS_REPLACE, PS_DELETE };

static bool mon(const cv_node *n) { return !n || n->kind == CV_NODE_NULL; }
static bool empty_map(const cv_node *n) { return mon(n) || (n->kind == CV_NODE_MAP && n->n == 0); }
static bool nil_or_empty(const cv_node *n)
{
    return mon(n) || ((n->kind == CV_NODE_MAP || n->kind == CV_NODE_LIST) && n->n == 0);
}

static const char *kind_name(const cv_node *n)
{
    if (n->kind == CV_NODE_MAP) return "MappingNode";
    if (n->kind == CV_NODE_LIST) return "SequenceNode";
    return "ScalarNode";
}

static const char *tag_name(const cv_node *n)
{
    static const char *const t[] = { "!!null", "!!str", "!!int", "!!float", "!!bool", "!!timestamp" };
    return n->kind <= CV_NODE_TIME ? t[n->kind] : "!!str";
}

/* yaml.v3's Value of a node, copied into the arena when it is a number. */
static cv_result text_of(smp *S, const cv_node *n, cv_slice *out)
{
    char buf[CV_KZ_TEXT_MAX];
    if (!n || n->kind == CV_NODE_MAP || n->kind == CV_NODE_LIST) {
        *out = cv_slice_of("", 0);
        return cv_ok();
    }
    cv_slice t = cv_kz_scalar_text(n, buf);
    if (t.p != (const uint8_t *)buf) {
        *out = t;
        return cv_ok();
    }
    cv_node *c;
    CV_GUARD(cv_node_text(S->d, CV_NODE_STR, t.p, t.len, &c));
    *out = cv_slice_of(c->s, c->len);
    return cv_ok();
}

static bool key_is(const cv_node *k, cv_slice name)
{
    char buf[CV_KZ_TEXT_MAX];
    if (!k || k->kind == CV_NODE_COMMENT) return false;
    return cv_slice_eq(cv_kz_scalar_text(k, buf), name);
}

/* Field(name): the last item with that key. */
static long field_idx(const cv_node *m, cv_slice name)
{
    if (!m || m->kind != CV_NODE_MAP) return -1;
    long found = -1;
    for (size_t i = 0; i < m->n; i++)
        if (key_is(m->items[i].key, name)) found = (long)i;
    return found;
}

static cv_node *field(const cv_node *m, cv_slice name)
{
    long i = field_idx(m, name);
    return i < 0 ? NULL : m->items[i].value;
}

static void clear_field(cv_node *m, cv_slice name)
{
    long i = field_idx(m, name);
    if (i >= 0) cv_node_remove(m, (size_t)i);
}

static cv_result set_field(smp *S, cv_node *m, cv_slice name, res v)
{
    if (!v.n || (v.n->kind == CV_NODE_NULL && !v.keep)) {
        clear_field(m, name);
        return cv_ok();
    }
    long i = field_idx(m, name);
    if (i >= 0) {
        m->items[i].value = v.n;
        return cv_ok();
    }
    cv_node *k;
    CV_GUARD(cv_node_text(S->d, CV_NODE_STR, name.p, name.len, &k));
    return cv_node_append(S->d, m, k, v.n);
}

/* ---- ElementSetter / FieldMatcher ---------------------------------------- */

static cv_result field_matcher(smp *S, cv_node *e, cv_slice name, cv_slice sv, cv_node **out)
{
    *out = NULL;
    if (mon(e)) return cv_ok();
    cv_slice t;
    if (name.len == 0) {
        CV_ENSUREF(cv_node_is_scalar(e), CV_E_KZ_SMP, "wrong node kind: expected ScalarNode but got %s",
                   kind_name(e));
        CV_GUARD(text_of(S, e, &t));
        if (cv_slice_eq(t, sv)) *out = e;
        return cv_ok();
    }
    CV_ENSUREF(e->kind == CV_NODE_MAP, CV_E_KZ_SMP, "wrong node kind: expected MappingNode but got %s",
               kind_name(e));
    for (size_t i = 0; i < e->n; i++) {
        if (!key_is(e->items[i].key, name)) continue;
        CV_GUARD(text_of(S, e->items[i].value, &t));
        if (sv.len == 0 || cv_slice_eq(t, sv)) *out = e->items[i].value;
    }
    return cv_ok();
}

static cv_result element_setter(smp *S, cv_node *list, cv_node *elem, const tuple *keys, const tuple *vals)
{
    bool mapping = keys->v[0].len && vals->n && vals->v[0].len;
    bool matched = false;
    size_t w = 0;
    for (size_t i = 0; i < list->n; i++) {
        cv_node *e = list->items[i].value;
        if (empty_map(e)) continue;
        if (e->kind != CV_NODE_MAP && mapping) {
            list->items[w++] = list->items[i];
            continue;
        }
        cv_node *val = NULL;
        bool found = true;
        for (size_t j = 0; j < keys->n; j++) {
            if (j < vals->n) CV_GUARD(field_matcher(S, e, keys->v[j], vals->v[j], &val));
            if (!val) {
                found = false;
                break;
            }
        }
        if (!found) {
            if (vals->n) list->items[w++] = list->items[i];
            continue;
        }
        matched = true;
        if (!elem) continue;
        list->items[w].key = NULL;
        list->items[w++].value = elem;
    }
    list->n = w;
    if (mon(elem) || matched) return cv_ok();
    return cv_node_append(S->d, list, NULL, elem);
}

/* ---- $patch directives -------------------------------------------------- */

static cv_result directive_value(smp *S, cv_node *v, int *ps)
{
    cv_slice t;
    CV_GUARD(text_of(S, v, &t));
    if (cv_slice_eq_str(t, "delete")) *ps = PS_DELETE;
    else if (cv_slice_eq_str(t, "replace")) *ps = PS_REPLACE;
    else if (cv_slice_eq_str(t, "merge")) *ps = PS_MERGE;
    else CV_BAILF(CV_E_KZ_SMP, "unknown patch strategy '%.*s'", (int)t.len, (const char *)t.p);
    return cv_ok();
}

static cv_result directive(smp *S, cv_node *o, int *ps)
{
    static const cv_slice key = { (const uint8_t *)"$patch", 6 };
    *ps = PS_MERGE;
    if (!o) return cv_ok();
    if (o->kind == CV_NODE_MAP) {
        cv_node *v = field(o, key);
        if (!v) return cv_ok();
        CV_GUARD(directive_value(S, v, ps));
        clear_field(o, key);
        return cv_ok();
    }
    if (o->kind != CV_NODE_LIST) {
        char buf[CV_KZ_TEXT_MAX];
        cv_slice t = cv_kz_scalar_text(o, buf);
        CV_BAILF(CV_E_KZ_SMP, "no implemented strategic merge patch strategy for '%s' ('%.*s')",
                 tag_name(o), (int)t.len, (const char *)t.p);
    }
    for (size_t i = 0; i < o->n; i++) {
        cv_node *e = o->items[i].value;
        if (!e || e->kind != CV_NODE_MAP || field_idx(e, key) < 0) continue;
        if (e->n > 1) return cv_ok();
        cv_node *v = field(e, key);
        CV_GUARD(directive_value(S, v, ps));
        tuple k = { { key }, 1 }, vals = { { { 0 } }, 1 };
        CV_GUARD(text_of(S, v, &vals.v[0]));
        return element_setter(S, o, NULL, &k, &vals);
    }
    return cv_ok();
}

/* ---- the walker ---------------------------------------------------------- */

static cv_result walk(smp *S, const cv_kz_schema *sch, cv_node *d, cv_node *o, res *out);

static int node_class(const cv_node *n)
{
    if (n->kind == CV_NODE_MAP) return 1;
    if (n->kind == CV_NODE_LIST) return 2;
    return 3;
}

static const cv_kz_schema *schema_of(const cv_kz_schema *sch, cv_node *d, cv_node *o)
{
    if (sch) return sch;
    cv_node *src[2] = { d, o };
    for (int i = 0; i < 2; i++) {
        if (mon(src[i]) || src[i]->kind != CV_NODE_MAP) continue;
        cv_node *k = cv_map_get(src[i], "kind"), *av = cv_map_get(src[i], "apiVersion");
        if (!k || !av || k->kind != CV_NODE_STR || av->kind != CV_NODE_STR || !k->len || !av->len)
            continue;
        const cv_kz_schema *s =
            cv_kz_schema_for_type(cv_slice_of(av->s, av->len), cv_slice_of(k->s, k->len));
        if (s) return s;
    }
    return NULL;
}

static cv_result visit_map(smp *S, cv_node *d, cv_node *o, res *out)
{
    int ps;
    *out = (res){ NULL, false };
    if (mon(d)) {
        if (!cv_is_ok(directive(S, o, &ps))) {
            cv_err_clear();
            ps = -1;
        }
        if (ps == PS_DELETE) return cv_ok();
        if (!o && d) *out = (res){ d, true };
        else out->n = o;
        return cv_ok();
    }
    if (o && o->kind == CV_NODE_NULL) return cv_ok();
    CV_GUARD(directive(S, o, &ps));
    if (ps == PS_DELETE) return cv_ok();
    out->n = ps == PS_REPLACE ? o : d;
    return cv_ok();
}

static int cmp_slices(const void *a, const void *b)
{
    const cv_slice *x = a, *y = b;
    size_t n = x->len < y->len ? x->len : y->len;
    int c = n ? memcmp(x->p, y->p, n) : 0;
    return c ? c : (x->len < y->len ? -1 : x->len > y->len);
}

/* The union of the field names of two maps, sorted, duplicates dropped. */
static cv_result field_names(smp *S, const cv_node *a, const cv_node *b, cv_slice **names, size_t *n)
{
    size_t cap = (a && a->kind == CV_NODE_MAP ? a->n : 0) + (b && b->kind == CV_NODE_MAP ? b->n : 0);
    *names = NULL;
    *n = 0;
    if (!cap) return cv_ok();
    cv_slice *v = malloc(cap * sizeof *v);
    CV_ENSURE(v, CV_E_NOMEM);
    size_t k = 0;
    const cv_node *src[2] = { a, b };
    for (int s = 0; s < 2; s++) {
        if (!src[s] || src[s]->kind != CV_NODE_MAP) continue;
        for (size_t i = 0; i < src[s]->n; i++) {
            const cv_node *key = src[s]->items[i].key;
            if (!key || key->kind == CV_NODE_COMMENT) continue;
            cv_result r = text_of(S, key, &v[k]);
            if (!cv_is_ok(r)) {
                free(v);
                return r;
            }
            k++;
        }
    }
    if (k) qsort(v, k, sizeof *v, cmp_slices);
    size_t w = 0;
    for (size_t i = 0; i < k; i++)
        if (w == 0 || !cv_slice_eq(v[w - 1], v[i])) v[w++] = v[i];
    *names = v;
    *n = w;
    return cv_ok();
}

static cv_result walk_map(smp *S, const cv_kz_schema *sch, cv_node *d, cv_node *o, res *out)
{
    CV_GUARD(visit_map(S, d, o, out));
    cv_node *dest = out->n;
    if (!dest || dest->kind != CV_NODE_MAP) return cv_ok();
    cv_slice *names;
    size_t n;
    CV_GUARD(field_names(S, dest, o, &names, &n));
    cv_result r = cv_ok();
    for (size_t i = 0; i < n && cv_is_ok(r); i++) {
        res v;
        r = walk(S, cv_kz_schema_field(sch, names[i]), field(dest, names[i]), field(o, names[i]), &v);
        if (cv_is_ok(r)) r = set_field(S, dest, names[i], v);
    }
    free(names);
    return r;
}

static cv_result visit_assoc(smp *S, cv_node *d, cv_node *o, cv_node **dest)
{
    int ps;
    *dest = NULL;
    if (mon(d)) {
        *dest = o;
        return cv_ok();
    }
    if (o && o->kind == CV_NODE_NULL) return cv_ok();
    CV_GUARD(directive(S, o, &ps));
    if (ps != PS_DELETE) *dest = ps == PS_REPLACE ? o : d;
    return cv_ok();
}

/* ---- associative lists --------------------------------------------------- */

typedef struct {
    tuple *t;
    size_t n, cap;
} tuples;

static bool tuple_eq(const tuple *a, const tuple *b)
{
    if (a->n != b->n) return false;
    for (size_t i = 0; i < a->n; i++)
        if (!cv_slice_eq(a->v[i], b->v[i])) return false;
    return true;
}

static cv_result tuples_add_unique(tuples *ts, const tuple *t)
{
    for (size_t i = 0; i < ts->n; i++)
        if (tuple_eq(&ts->t[i], t)) return cv_ok();
    CV_GUARD(cv_grow_array((void **)&ts->t, &ts->cap, ts->n + 1, sizeof *ts->t, 16, SIZE_MAX));
    ts->t[ts->n++] = *t;
    return cv_ok();
}

/* ElementValuesList of the patch, then the target (prepend order). */
static cv_result element_values(smp *S, cv_node *src[2], const tuple *keys, tuples *out)
{
    for (int s = 1; s >= 0; s--) {
        if (!src[s] || src[s]->kind != CV_NODE_LIST) continue;
        for (size_t i = 0; i < src[s]->n; i++) {
            tuple t = { .n = keys->n };
            for (size_t k = 0; k < keys->n; k++) {
                cv_node *f = field(src[s]->items[i].value, keys->v[k]);
                t.v[k] = cv_slice_of("", 0);
                if (!nil_or_empty(f)) CV_GUARD(text_of(S, f, &t.v[k]));
            }
            if (t.n) CV_GUARD(tuples_add_unique(out, &t));
        }
    }
    return cv_ok();
}

static cv_result primitive_values(smp *S, cv_node *src[2], tuples *out)
{
    for (int s = 1; s >= 0; s--) {
        if (!src[s] || src[s]->kind != CV_NODE_LIST) continue;
        for (size_t i = 0; i < src[s]->n; i++) {
            tuple t = { .n = 1 };
            CV_GUARD(text_of(S, src[s]->items[i].value, &t.v[0]));
            CV_GUARD(tuples_add_unique(out, &t));
        }
    }
    return cv_ok();
}

static void validate_keys(const tuples *all, const tuple *vals, const tuple *keys, tuple *vk, tuple *vv)
{
    bool valid[MAX_KEYS] = { false };
    bool any = false;
    for (size_t t = 0; t < all->n; t++)
        for (size_t i = 0; i < all->t[t].n && i < keys->n; i++)
            if (all->t[t].v[i].len) valid[i] = any = true;
    if (!any) {
        *vk = *keys;
        *vv = *vals;
        return;
    }
    vk->n = vv->n = 0;
    for (size_t i = 0; i < keys->n; i++)
        if (valid[i]) vk->v[vk->n++] = keys->v[i];
    for (size_t i = 0; i < vals->n; i++)
        if (vals->v[i].len || valid[i]) vv->v[vv->n++] = vals->v[i];
}

static bool match_values(const tuple *a, const tuple *b, tuple *m)
{
    if (a->n != b->n) return false;
    bool common = false;
    m->n = a->n;
    for (size_t i = 0; i < a->n; i++) {
        if (cv_slice_eq(a->v[i], b->v[i])) {
            common = true;
            m->v[i] = a->v[i];
            continue;
        }
        if (a->v[i].len && b->v[i].len) return false;
        m->v[i] = a->v[i].len ? a->v[i] : b->v[i];
    }
    return common;
}

static void merge_values(tuples *ts)
{
    for (size_t i = 0; i < ts->n; i++) {
        tuple v1 = ts->t[i];
        for (size_t j = 0; j < ts->n; j++) {
            tuple m;
            if (match_values(&v1, &ts->t[j], &m)) ts->t[i] = ts->t[j] = m;
        }
    }
}

/* ElementList: the element of src matching keys=values. */
static cv_result element_list(smp *S, cv_node *src, const tuple *keys, const tuple *vals, cv_node **out)
{
    *out = NULL;
    if (!src || src->kind != CV_NODE_LIST) return cv_ok();
    for (size_t i = 0; i < src->n; i++) {
        cv_node *e = src->items[i].value;
        cv_slice t;
        if (keys->n == 0 || keys->v[0].len == 0) {
            CV_GUARD(text_of(S, e, &t));
            if (cv_slice_eq(t, vals->v[0])) {
                *out = e;
                return cv_ok();
            }
            continue;
        }
        if (!e || e->kind != CV_NODE_MAP) continue;
        CV_ENSUREF(keys->n == vals->n, CV_E_KZ_SMP,
                   "length of keys must equal length of values when MatchAnyValue is false");
        bool all = true;
        for (size_t k = 0; k < keys->n && all; k++) {
            cv_node *f;
            CV_GUARD(field_matcher(S, e, keys->v[k], vals->v[k], &f));
            all = f != NULL;
        }
        if (all) {
            *out = e;
            return cv_ok();
        }
    }
    return cv_ok();
}

static cv_result append_list_node(smp *S, cv_node *dst, cv_node *src, const tuple *keys)
{
    for (size_t i = 0; i < src->n; i++) {
        cv_node *e = src->items[i].value;
        tuple v = { .n = 0 };
        if (keys->v[0].len == 0) {
            tuple k1 = { { { 0 } }, 1 };
            v.n = 1;
            CV_GUARD(text_of(S, e, &v.v[0]));
            CV_GUARD(element_setter(S, dst, e, &k1, &v));
            continue;
        }
        for (size_t k = 0; k < keys->n; k++) {
            CV_ENSUREF(mon(e) || e->kind == CV_NODE_MAP, CV_E_KZ_SMP,
                       "wrong node kind: expected MappingNode but got %s", kind_name(e));
            cv_node *f = mon(e) ? NULL : field(e, keys->v[k]);
            if (!f) {
                CV_GUARD(cv_node_append(S->d, dst, NULL, e));
                continue;
            }
            CV_GUARD(text_of(S, f, &v.v[v.n++]));
        }
        if (keys->n > 1) CV_GUARD(element_setter(S, dst, NULL, keys, &v));
        CV_GUARD(element_setter(S, dst, e, keys, &v));
    }
    return cv_ok();
}

static cv_result set_assoc_one(smp *S, const cv_kz_schema *esch, const tuples *all, const tuple *vals,
                               const tuple *keys, cv_node *src[2], cv_node *items, tuple *vk, tuple *vv)
{
    validate_keys(all, vals, keys, vk, vv);
    tuples one = { (tuple *)vv, 1, 1 };
    tuple ek, ev;
    validate_keys(&one, vv, vk, &ek, &ev);
    cv_node *es[2];
    for (int s = 0; s < 2; s++) CV_GUARD(element_list(S, src[s], &ek, &ev, &es[s]));
    res val;
    CV_GUARD(walk(S, esch, es[0], es[1], &val));
    bool exit = false;
    for (size_t i = 0; i < vk->n; i++) {
        if (mon(val.n) || empty_map(val.n)) {
            CV_GUARD(element_setter(S, src[0], NULL, vk, vv));
            exit = true;
        } else if (vk->v[i].len && i < vv->n && vv->v[i].len && val.n->kind == CV_NODE_MAP &&
                   !field(val.n, vk->v[i])) {
            cv_node *v;
            CV_GUARD(cv_node_text(S->d, CV_NODE_STR, vv->v[i].p, vv->v[i].len, &v));
            CV_GUARD(set_field(S, val.n, vk->v[i], (res){ v, false }));
        }
    }
    if (exit) return cv_ok();
    return element_setter(S, items, val.n, vk, vv);
}

static cv_result set_assoc(smp *S, const cv_kz_schema *sch, tuples *all, const tuple *keys,
                           cv_node *src[2], res *out)
{
    const cv_kz_schema *esch = cv_kz_schema_elements(sch);
    cv_node *items;
    CV_GUARD(cv_node_new(S->d, CV_NODE_LIST, &items));
    if (keys->n > 1) merge_values(all);
    tuple vk = *keys, vv = { .n = 0 };
    for (size_t i = 0; i < all->n; i++) {
        if (all->t[i].n == 0) continue;
        tuple vals = all->t[i];
        CV_GUARD(set_assoc_one(S, esch, all, &vals, keys, src, items, &vk, &vv));
    }
    cv_node *dest = src[0];
    if (all->n) {
        CV_GUARD(append_list_node(S, items, dest, &vk));
        dest = items;
    }
    out->n = mon(dest) ? NULL : dest;
    out->keep = false;
    return cv_ok();
}

static cv_result walk_assoc(smp *S, const cv_kz_schema *sch, cv_node *d, cv_node *o, res *out)
{
    cv_node *dest;
    *out = (res){ NULL, false };
    CV_GUARD(visit_assoc(S, d, o, &dest));
    if (!dest) return cv_ok();
    cv_node *src[2] = { dest, o };
    tuple keys = { .n = 0 };
    keys.n = cv_kz_schema_keys(sch, keys.v, MAX_KEYS);
    tuples all = { NULL, 0, 0 };
    cv_result r = element_values(S, src, &keys, &all);
    if (cv_is_ok(r) && all.n == 0 && keys.n == 0) {
        keys.n = 1;
        keys.v[0] = cv_slice_of("", 0);
        r = primitive_values(S, src, &all);
    }
    if (cv_is_ok(r)) r = set_assoc(S, sch, &all, &keys, src, out);
    free(all.t);
    return r;
}

static cv_result walk(smp *S, const cv_kz_schema *sch, cv_node *d, cv_node *o, res *out)
{
    CV_ENSUREF(S->depth < CV_KZ_MAX_DEPTH, CV_E_LIMIT, "patch nested deeper than %u", CV_KZ_MAX_DEPTH);
    sch = schema_of(sch, d, o);
    const cv_node *first = !mon(d) ? d : (!mon(o) ? o : NULL);
    const cv_node *other = first == d ? o : NULL;
    if (first && other && !mon(other) && node_class(other) != node_class(first))
        CV_BAILF(CV_E_KZ_SMP, "wrong node kind: expected %s but got %s", kind_name(first),
                 kind_name(other));
    S->depth++;
    cv_result r;
    if (!first || first->kind == CV_NODE_MAP) r = walk_map(S, sch, d, o, out);
    else if (first->kind == CV_NODE_LIST && cv_kz_schema_is_merge(sch)) r = walk_assoc(S, sch, d, o, out);
    else {
        *out = (res){ o ? o : d, false };
        r = cv_ok();
    }
    S->depth--;
    return r;
}

/* ---- entry points -------------------------------------------------------- */

cv_result cv_kz_smp_merge(cv_doc *d, cv_node **obj, cv_node *patch)
{
    smp S = { d, 0 };
    res out;
    CV_GUARD(walk(&S, NULL, *obj, patch, &out));
    *obj = out.n;
    return cv_ok();
}

static cv_result set_top_str(cv_doc *d, cv_node *obj, const char *key, const char *v)
{
    cv_node *n;
    CV_GUARD(cv_node_text(d, CV_NODE_STR, v, strlen(v), &n));
    long i = cv_map_find(obj, key, strlen(key));
    if (i >= 0) obj->items[i].value = n;
    else CV_GUARD(cv_map_add(d, obj, key, strlen(key), n));
    return cv_ok();
}

static cv_result restore_ids(cv_doc *d, cv_node *obj, const char *kind, const char *name, const char *ns,
                             bool allow_name, bool allow_kind)
{
    if (!allow_kind) CV_GUARD(set_top_str(d, obj, "kind", kind));
    if (!allow_name) {
        cv_node *md = cv_map_get(obj, "metadata");
        if (!md || md->kind != CV_NODE_MAP) {
            CV_GUARD(cv_node_new(d, CV_NODE_MAP, &md));
            CV_GUARD(set_field(&(smp){ d, 0 }, obj, cv_slice_str("metadata"), (res){ md, false }));
        }
        CV_GUARD(set_top_str(d, md, "name", name));
    }
    cv_node *md = cv_map_get(obj, "metadata");
    if (!ns[0]) {
        if (md && md->kind == CV_NODE_MAP) clear_field(md, cv_slice_str("namespace"));
        return cv_ok();
    }
    if (!md || md->kind != CV_NODE_MAP) return cv_ok();
    return set_top_str(d, md, "namespace", ns);
}

cv_result cv_kz_smp_apply(cv_doc *d, cv_node **obj, cv_node *patch, bool allow_name, bool allow_kind)
{
    cv_kz_id id;
    cv_kz_cur_id(*obj, &id);
    char *kind = NULL, *name = NULL, *ns = NULL;
    cv_result r = cv_slice_strdup(id.kind, &kind);
    if (cv_is_ok(r)) r = cv_slice_strdup(id.name, &name);
    if (cv_is_ok(r)) r = cv_slice_strdup(id.ns, &ns);
    if (cv_is_ok(r) && (allow_name || allow_kind)) r = cv_kz_store_previous_id(d, *obj);
    if (cv_is_ok(r)) r = cv_kz_smp_merge(d, obj, patch);
    if (cv_is_ok(r) && *obj && nil_or_empty(*obj)) *obj = NULL;
    if (cv_is_ok(r) && *obj && (*obj)->kind == CV_NODE_MAP)
        r = restore_ids(d, *obj, kind, name, ns, allow_name, allow_kind);
    free(kind);
    free(name);
    free(ns);
    return r;
}
