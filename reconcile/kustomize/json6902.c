/* evanphx/json-patch v4 over the document tree (see json6902.h). */
#include "reconcile/kustomize/json6902.h"

#include <stdlib.h>
#include <string.h>

#include "crypto/base/limits.h"
#include "reconcile/kustomize/kyaml.h"
#include "reconcile/kustomize/select.h"
#include "secrets/doc/num.h"

cv_result cv_kz_json6902_decode(cv_doc *d, cv_slice text, cv_node **ops)
{
    *ops = NULL;
    cv_node **docs = NULL;
    size_t n = 0;
    cv_result r = cv_kz_yaml_docs(d, text, &docs, &n);
    if (!cv_is_ok(r)) return r;
    cv_node *first = n ? docs[0] : NULL;
    free(docs);
    CV_ENSUREF(first, CV_E_KZ_PATCH_PARSE, "empty json patch operations");
    CV_ENSUREF(first->kind == CV_NODE_LIST, CV_E_KZ_PATCH_PARSE,
               "json: cannot unmarshal object into Go value of type jsonpatch.Patch");
    for (size_t i = 0; i < first->n; i++) {
        const cv_node *op = first->items[i].value;
        CV_ENSUREF(op && (op->kind == CV_NODE_MAP || op->kind == CV_NODE_NULL), CV_E_KZ_PATCH_PARSE,
                   "json: cannot unmarshal into Go value of type jsonpatch.Operation");
    }
    *ops = first;
    return cv_ok();
}

static cv_slice op_str(const cv_node *op, const char *key, bool *ok)
{
    const cv_node *v = op && op->kind == CV_NODE_MAP ? cv_map_get(op, key) : NULL;
    *ok = v && v->kind == CV_NODE_STR;
    return *ok ? cv_slice_of(v->s, v->len) : cv_slice_of("", 0);
}

/* One reference token with ~1 and ~0 decoded, copied into the arena. */
static cv_result decode_key(cv_doc *d, cv_slice part, cv_node **out)
{
    CV_GUARD(cv_node_text(d, CV_NODE_STR, part.p, part.len, out));
    char *s = (*out)->s;
    size_t w = 0;
    for (size_t i = 0; i < part.len; i++) {
        if (s[i] == '~' && i + 1 < part.len && (s[i + 1] == '1' || s[i + 1] == '0')) {
            s[w++] = s[i + 1] == '1' ? '/' : '~';
            i++;
        } else {
            s[w++] = s[i];
        }
    }
    s[w] = 0;
    (*out)->len = w;
    return cv_ok();
}

static bool atoi_go(cv_slice k, long *out)
{
    int64_t v;
    if (!cv_is_ok(cv_go_parse_int(k, &v))) {
        cv_err_clear();
        return false;
    }
    *out = (long)v;
    return true;
}

/* partialDoc/partialArray get: NULL when missing; false on a bad index. */
static bool cget(cv_node *c, const cv_node *key, cv_node **v)
{
    *v = NULL;
    cv_slice k = cv_slice_of(key->s, key->len);
    if (c->kind == CV_NODE_MAP) {
        for (size_t i = 0; i < c->n; i++) {
            const cv_node *kk = c->items[i].key;
            if (kk && kk->kind == CV_NODE_STR && cv_slice_eq(cv_slice_of(kk->s, kk->len), k))
                *v = c->items[i].value;
        }
        return true;
    }
    long idx;
    if (!atoi_go(k, &idx)) return false;
    if (idx < 0) {
        if (idx < -(long)c->n) return false;
        idx += (long)c->n;
    }
    if ((size_t)idx >= c->n) return false;
    *v = c->items[idx].value;
    return true;
}

typedef struct {
    cv_node *con; /* MAP or LIST, NULL when the path does not resolve */
    cv_node *key;
} loc;

static cv_result find_object(cv_doc *d, cv_node *root, cv_slice path, loc *out)
{
    out->con = NULL;
    const uint8_t *sl = path.len ? memchr(path.p, '/', path.len) : NULL;
    if (!sl) return cv_ok();
    size_t pos = (size_t)(sl - path.p) + 1;
    cv_node *doc = root;
    for (;;) {
        const uint8_t *nx = pos < path.len ? memchr(path.p + pos, '/', path.len - pos) : NULL;
        size_t end = nx ? (size_t)(nx - path.p) : path.len;
        cv_node *key;
        CV_GUARD(decode_key(d, cv_slice_of(path.p + pos, end - pos), &key));
        if (!nx) {
            out->con = doc;
            out->key = key;
            return cv_ok();
        }
        cv_node *next;
        if (!cget(doc, key, &next) || !next || (next->kind != CV_NODE_MAP && next->kind != CV_NODE_LIST))
            return cv_ok();
        doc = next;
        pos = end + 1;
    }
}

static cv_result cadd(cv_doc *d, cv_node *c, cv_node *key, cv_node *val, cv_slice path, const char *what)
{
    if (c->kind == CV_NODE_MAP) {
        for (size_t i = c->n; i-- > 0;) {
            const cv_node *kk = c->items[i].key;
            if (kk && kk->kind == CV_NODE_STR && kk->len == key->len && !memcmp(kk->s, key->s, key->len)) {
                c->items[i].value = val;
                return cv_ok();
            }
        }
        return cv_node_append(d, c, key, val);
    }
    cv_slice k = cv_slice_of(key->s, key->len);
    if (cv_slice_eq_str(k, "-")) return cv_node_append(d, c, NULL, val);
    long idx;
    CV_ENSUREF(atoi_go(k, &idx), CV_E_KZ_JSONPATCH, "%s: value was not a proper array index: '%s'", what, key->s);
    long sz = (long)c->n + 1;
    CV_ENSUREF(idx < sz && idx >= -sz, CV_E_KZ_JSONPATCH, "%s for path: '%.*s': Unable to access invalid index: %ld",
               what, (int)path.len, (const char *)path.p, idx);
    if (idx < 0) idx += sz;
    return cv_node_insert(d, c, (size_t)idx, NULL, val);
}

static cv_result cremove(cv_node *c, cv_node *key, cv_slice path, const char *what)
{
    if (c->kind == CV_NODE_MAP) {
        for (size_t i = c->n; i-- > 0;) {
            const cv_node *kk = c->items[i].key;
            if (kk && kk->kind == CV_NODE_STR && kk->len == key->len && !memcmp(kk->s, key->s, key->len)) {
                cv_node_remove(c, i);
                return cv_ok();
            }
        }
        CV_BAILF(CV_E_KZ_JSONPATCH, "%s for path: '%.*s': Unable to remove nonexistent key: %s: missing value",
                 what, (int)path.len, (const char *)path.p, key->s);
    }
    long idx;
    CV_ENSUREF(atoi_go(cv_slice_of(key->s, key->len), &idx), CV_E_KZ_JSONPATCH,
               "%s for path: '%.*s': strconv.Atoi: parsing \"%s\": invalid syntax", what, (int)path.len,
               (const char *)path.p, key->s);
    CV_ENSUREF(idx < (long)c->n && idx >= -(long)c->n, CV_E_KZ_JSONPATCH,
               "%s for path: '%.*s': Unable to access invalid index: %ld", what, (int)path.len,
               (const char *)path.p, idx);
    if (idx < 0) idx += (long)c->n;
    cv_node_remove(c, (size_t)idx);
    return cv_ok();
}

static bool is_num(const cv_node *n) { return n->kind == CV_NODE_INT || n->kind == CV_NODE_FLOAT; }
static double num(const cv_node *n) { return n->kind == CV_NODE_INT ? (double)n->v.i : n->v.f; }
static bool is_text(const cv_node *n) { return n->kind == CV_NODE_STR || n->kind == CV_NODE_TIME; }

static bool json_equal(const cv_node *a, const cv_node *b);

static bool map_has_equal(const cv_node *m, const cv_node *k, const cv_node *v)
{
    for (size_t i = m->n; i-- > 0;) {
        const cv_node *kk = m->items[i].key;
        if (kk && kk->kind == CV_NODE_STR && kk->len == k->len && !memcmp(kk->s, k->s, k->len))
            return json_equal(m->items[i].value, v);
    }
    return false;
}

static bool json_equal(const cv_node *a, const cv_node *b)
{
    if (!a || !b) return (!a || a->kind == CV_NODE_NULL) && (!b || b->kind == CV_NODE_NULL);
    if (is_num(a) && is_num(b)) return num(a) == num(b);
    if (is_text(a) && is_text(b)) return a->len == b->len && !memcmp(a->s, b->s, a->len);
    if (a->kind != b->kind) return false;
    switch (a->kind) {
    case CV_NODE_NULL: return true;
    case CV_NODE_BOOL: return a->v.b == b->v.b;
    case CV_NODE_LIST:
        if (a->n != b->n) return false;
        for (size_t i = 0; i < a->n; i++)
            if (!json_equal(a->items[i].value, b->items[i].value)) return false;
        return true;
    case CV_NODE_MAP:
        if (a->n != b->n) return false;
        for (size_t i = 0; i < a->n; i++)
            if (!a->items[i].key || !map_has_equal(b, a->items[i].key, a->items[i].value)) return false;
        return true;
    default: return false;
    }
}

typedef struct {
    cv_doc *d;
    cv_node **root;
    const cv_node *op;
    cv_slice path;
} opctx;

static cv_result op_value(opctx *c, cv_node **out)
{
    const cv_node *v = c->op && c->op->kind == CV_NODE_MAP ? cv_map_get(c->op, "value") : NULL;
    if (!v) return cv_node_new(c->d, CV_NODE_NULL, out);
    return cv_node_clone(c->d, v, out);
}

#define PATHF(c) (int)(c)->path.len, (const char *)(c)->path.p

static cv_result op_add(opctx *c)
{
    loc l;
    CV_GUARD(find_object(c->d, *c->root, c->path, &l));
    CV_ENSUREF(l.con, CV_E_KZ_JSONPATCH, "add operation does not apply: doc is missing path: \"%.*s\": missing value", PATHF(c));
    cv_node *v;
    CV_GUARD(op_value(c, &v));
    return cadd(c->d, l.con, l.key, v, c->path, "error in add");
}

static cv_result op_remove(opctx *c)
{
    loc l;
    CV_GUARD(find_object(c->d, *c->root, c->path, &l));
    CV_ENSUREF(l.con, CV_E_KZ_JSONPATCH, "remove operation does not apply: doc is missing path: \"%.*s\": missing value", PATHF(c));
    return cremove(l.con, l.key, c->path, "error in remove");
}

static cv_result op_replace(opctx *c)
{
    cv_node *v;
    if (c->path.len == 0) {
        CV_GUARD(op_value(c, &v));
        CV_ENSUREF(v->kind == CV_NODE_MAP || v->kind == CV_NODE_LIST, CV_E_KZ_JSONPATCH,
                   "replace operation value must be object or array");
        *c->root = v;
        return cv_ok();
    }
    loc l;
    CV_GUARD(find_object(c->d, *c->root, c->path, &l));
    CV_ENSUREF(l.con, CV_E_KZ_JSONPATCH, "replace operation does not apply: doc is missing path: %.*s: missing value", PATHF(c));
    cv_node *old;
    CV_ENSUREF(cget(l.con, l.key, &old), CV_E_KZ_JSONPATCH,
               "replace operation does not apply: doc is missing key: %.*s: missing value", PATHF(c));
    CV_GUARD(op_value(c, &v));
    if (l.con->kind == CV_NODE_MAP) return cadd(c->d, l.con, l.key, v, c->path, "error in remove");
    long idx = 0;
    (void)atoi_go(cv_slice_of(l.key->s, l.key->len), &idx);
    if (idx < 0) idx += (long)l.con->n;
    l.con->items[idx].value = v;
    return cv_ok();
}

static cv_result take_from(opctx *c, const char *what, bool remove, cv_node **val)
{
    bool ok;
    cv_slice from = op_str(c->op, "from", &ok);
    CV_ENSUREF(ok, CV_E_KZ_JSONPATCH, "%s operation failed to decode from: operation, missing from field: missing value", what);
    loc l;
    CV_GUARD(find_object(c->d, *c->root, from, &l));
    CV_ENSUREF(l.con, CV_E_KZ_JSONPATCH, "%s operation does not apply: doc is missing from path: %.*s: missing value",
               what, (int)from.len, (const char *)from.p);
    CV_ENSUREF(cget(l.con, l.key, val), CV_E_KZ_JSONPATCH, "error in %s for path: '%s': Unable to access invalid index",
               what, l.key->s);
    if (remove) CV_GUARD(cremove(l.con, l.key, from, "error in move"));
    else if (*val) CV_GUARD(cv_node_clone(c->d, *val, val));
    if (!*val) CV_GUARD(cv_node_new(c->d, CV_NODE_NULL, val));
    return cv_ok();
}

static cv_result op_move_copy(opctx *c, bool move)
{
    const char *what = move ? "move" : "copy";
    cv_node *val;
    CV_GUARD(take_from(c, what, move, &val));
    bool ok;
    c->path = op_str(c->op, "path", &ok);
    CV_ENSUREF(ok, CV_E_KZ_JSONPATCH, "%s operation failed to decode path: missing value", what);
    loc l;
    CV_GUARD(find_object(c->d, *c->root, c->path, &l));
    CV_ENSUREF(l.con, CV_E_KZ_JSONPATCH, "%s operation does not apply: doc is missing destination path: %.*s: missing value",
               what, PATHF(c));
    return cadd(c->d, l.con, l.key, val, c->path, move ? "error in move" : "error while adding value during copy");
}

static cv_result op_test(opctx *c)
{
    const cv_node *want = c->op && c->op->kind == CV_NODE_MAP ? cv_map_get(c->op, "value") : NULL;
    if (c->path.len == 0) {
        CV_ENSUREF(json_equal(*c->root, want), CV_E_KZ_JSONPATCH, "testing value %.*s failed: test failed", PATHF(c));
        return cv_ok();
    }
    loc l;
    CV_GUARD(find_object(c->d, *c->root, c->path, &l));
    CV_ENSUREF(l.con, CV_E_KZ_JSONPATCH, "test operation does not apply: is missing path: %.*s: missing value", PATHF(c));
    cv_node *got;
    CV_ENSUREF(cget(l.con, l.key, &got), CV_E_KZ_JSONPATCH, "error in test for path: '%.*s': Unable to access invalid index", PATHF(c));
    if (!got) {
        CV_ENSUREF(!want, CV_E_KZ_JSONPATCH, "testing value %.*s failed: test failed", PATHF(c));
        return cv_ok();
    }
    CV_ENSUREF(want && json_equal(got, want), CV_E_KZ_JSONPATCH, "testing value %.*s failed: test failed", PATHF(c));
    return cv_ok();
}

static cv_result apply_op(opctx *c)
{
    bool ok;
    cv_slice kind = op_str(c->op, "op", &ok);
    if (!ok) kind = cv_slice_str("unknown");
    bool known = cv_slice_eq_str(kind, "add") || cv_slice_eq_str(kind, "remove") ||
                 cv_slice_eq_str(kind, "replace") || cv_slice_eq_str(kind, "test");
    if (known) {
        c->path = op_str(c->op, "path", &ok);
        CV_ENSUREF(ok, CV_E_KZ_JSONPATCH, "%.*s operation failed to decode path: operation missing path field: missing value",
                   (int)kind.len, (const char *)kind.p);
    }
    if (cv_slice_eq_str(kind, "add")) return op_add(c);
    if (cv_slice_eq_str(kind, "remove")) return op_remove(c);
    if (cv_slice_eq_str(kind, "replace")) return op_replace(c);
    if (cv_slice_eq_str(kind, "test")) return op_test(c);
    if (cv_slice_eq_str(kind, "move")) return op_move_copy(c, true);
    if (cv_slice_eq_str(kind, "copy")) return op_move_copy(c, false);
    CV_BAILF(CV_E_KZ_JSONPATCH, "Unexpected kind: %.*s", (int)kind.len, (const char *)kind.p);
}

void cv_kz_json_retype(cv_node *n)
{
    if (!n) return;
    if (n->kind == CV_NODE_INT && (n->v.i > (1LL << 53) || n->v.i < -(1LL << 53))) {
        double f = (double)n->v.i;
        n->kind = CV_NODE_FLOAT;
        n->v.f = f;
    } else if (n->kind == CV_NODE_TIME) {
        n->kind = CV_NODE_STR;
    }
    if (n->kind != CV_NODE_MAP && n->kind != CV_NODE_LIST) return;
    for (size_t i = 0; i < n->n; i++) cv_kz_json_retype(n->items[i].value);
}

cv_result cv_kz_json6902_apply(cv_doc *d, cv_node **obj, const cv_node *ops)
{
    opctx c = { d, obj, NULL, { NULL, 0 } };
    for (size_t i = 0; i < ops->n; i++) {
        c.op = ops->items[i].value;
        CV_GUARD(apply_op(&c));
    }
    cv_kz_json_retype(*obj);
    return cv_ok();
}
