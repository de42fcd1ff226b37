/* Resource ids, previous ids and node helpers (see res.h). */
#include "reconcile/kustomize/res.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/base/limits.h"
#include "reconcile/kustomize/schema.h"
#include "secrets/doc/num.h"

static const char k_nonns[] = "_non_namespaceable_";
static const char k_default[] = "default";

/* ---- node helpers ---------------------------------------------------------- */

cv_slice cv_kz_scalar_text(const cv_node *n, char *buf)
{
    if (!n) return cv_slice_of("", 0);
    switch (n->kind) {
    case CV_NODE_STR:
    case CV_NODE_TIME: return cv_slice_of(n->s, n->len);
    case CV_NODE_INT: return cv_slice_of(buf, cv_node_int_text(n, buf));
    case CV_NODE_FLOAT: return cv_slice_of(buf, cv_go_float(n->v.f, 'g', buf));
    case CV_NODE_BOOL: return cv_slice_str(n->v.b ? "true" : "false");
    case CV_NODE_NULL: return cv_slice_str("null");
    default: return cv_slice_of("", 0);
    }
}

cv_slice cv_kzr_str(const cv_node *map, const char *key)
{
    if (!map || map->kind != CV_NODE_MAP) return cv_slice_of("", 0);
    const cv_node *v = cv_map_get(map, key);
    if (!v || (v->kind != CV_NODE_STR && v->kind != CV_NODE_TIME)) return cv_slice_of("", 0);
    return cv_slice_of(v->s, v->len);
}

static const cv_node *map_of(const cv_node *obj, const char *key)
{
    if (!obj || obj->kind != CV_NODE_MAP) return NULL;
    const cv_node *v = cv_map_get(obj, key);
    return v && v->kind == CV_NODE_MAP ? v : NULL;
}

cv_node *cv_kzr_path(const cv_node *obj, const char *path)
{
    char seg[256];
    const cv_node *cur = obj;
    while (*path && cur) {
        const char *e = strchr(path, '/');
        size_t n = e ? (size_t)(e - path) : strlen(path);
        if (cur->kind != CV_NODE_MAP || n >= sizeof seg) return NULL;
        memcpy(seg, path, n);
        seg[n] = 0;
        cur = cv_map_get(cur, seg);
        path += n + (e ? 1 : 0);
    }
    union { const cv_node *c; cv_node *m; } u = { cur };
    return u.m;
}

/* parent[key] as a MAP, replacing a non-map value or adding the key. */
static cv_result child_map(cv_doc *d, cv_node *parent, const char *key, cv_node **out)
{
    cv_node *v = cv_map_get(parent, key);
    if (v && v->kind == CV_NODE_MAP) {
        *out = v;
        return cv_ok();
    }
    cv_node *m;
    CV_GUARD(cv_node_new(d, CV_NODE_MAP, &m));
    long i = cv_map_find(parent, key, strlen(key));
    if (i >= 0) parent->items[i].value = m;
    else CV_GUARD(cv_map_add(d, parent, key, strlen(key), m));
    *out = m;
    return cv_ok();
}

static cv_result put_str(cv_doc *d, cv_node *m, const char *key, cv_slice value)
{
    cv_node *v;
    CV_GUARD(cv_node_text(d, CV_NODE_STR, value.p, value.len, &v));
    long i = cv_map_find(m, key, strlen(key));
    if (i >= 0) {
        m->items[i].value = v;
        return cv_ok();
    }
    return cv_map_add(d, m, key, strlen(key), v);
}

cv_result cv_kzr_set_str(cv_doc *d, cv_node *obj, const char *path, cv_slice value)
{
    char seg[256];
    cv_node *cur = obj;
    for (;;) {
        const char *e = strchr(path, '/');
        size_t n = e ? (size_t)(e - path) : strlen(path);
        CV_ENSURE(n < sizeof seg, CV_E_LIMIT);
        memcpy(seg, path, n);
        seg[n] = 0;
        if (!e) break;
        CV_GUARD(child_map(d, cur, seg, &cur));
        path = e + 1;
    }
    return put_str(d, cur, seg, value);
}

const cv_node *cv_kz_meta_get(const cv_node *obj, const char *field, const char *key)
{
    const cv_node *m = map_of(map_of(obj, "metadata"), field);
    const cv_node *v = m ? cv_map_get(m, key) : NULL;
    return v && v->kind == CV_NODE_STR ? v : NULL;
}

cv_result cv_kz_meta_set(cv_doc *d, cv_node *obj, const char *field, const char *key, cv_slice value)
{
    cv_node *md, *m;
    CV_GUARD(child_map(d, obj, "metadata", &md));
    CV_GUARD(child_map(d, md, field, &m));
    return put_str(d, m, key, value);
}

void cv_kz_meta_del(cv_node *obj, const char *field, const char *key)
{
    const cv_node *c = map_of(map_of(obj, "metadata"), field);
    union { const cv_node *c; cv_node *m; } u = { c };
    if (!u.m) return;
    long i = cv_map_find(u.m, key, strlen(key));
    if (i >= 0) cv_node_remove(u.m, (size_t)i);
}

/* ---- ids ------------------------------------------------------------------ */

static cv_slice str_of(const cv_node *n)
{
    if (!n || n->kind != CV_NODE_STR) return cv_slice_of("", 0);
    return cv_slice_of(n->s, n->len);
}

static void split_gv(cv_slice av, cv_slice *g, cv_slice *v)
{
    const uint8_t *sl = av.len ? memchr(av.p, '/', av.len) : NULL;
    if (!sl) {
        *g = cv_slice_of("", 0);
        *v = av;
        return;
    }
    size_t i = (size_t)(sl - av.p);
    *g = cv_slice_of(av.p, i);
    *v = cv_slice_of(av.p + i + 1, av.len - i - 1);
}

void cv_kz_cur_id(const cv_node *obj, cv_kz_id *id)
{
    memset(id, 0, sizeof *id);
    split_gv(str_of(cv_map_get(obj, "apiVersion")), &id->group, &id->version);
    id->kind = str_of(cv_map_get(obj, "kind"));
    const cv_node *md = map_of(obj, "metadata");
    id->name = str_of(md ? cv_map_get(md, "name") : NULL);
    id->ns = str_of(md ? cv_map_get(md, "namespace") : NULL);
}

bool cv_kz_id_cluster_scoped(const cv_kz_id *id)
{
    char av[512];
    if (id->group.len + id->version.len + 2 > sizeof av) return false;
    size_t n = 0;
    if (id->group.len) {
        memcpy(av, id->group.p, id->group.len);
        n = id->group.len;
        av[n++] = '/';
    }
    if (id->version.len) memcpy(av + n, id->version.p, id->version.len);
    n += id->version.len;
    return cv_kz_schema_cluster_scoped(cv_slice_of(av, n), id->kind);
}

cv_slice cv_kz_id_effective_ns(const cv_kz_id *id)
{
    if (cv_kz_id_cluster_scoped(id)) return cv_slice_str(k_nonns);
    if (id->ns.len == 0 || cv_slice_eq_str(id->ns, k_default)) return cv_slice_str(k_default);
    return id->ns;
}

bool cv_kz_id_equals(const cv_kz_id *a, const cv_kz_id *b)
{
    return cv_slice_eq(cv_kz_id_effective_ns(a), cv_kz_id_effective_ns(b)) &&
           cv_slice_eq(a->group, b->group) && cv_slice_eq(a->version, b->version) &&
           cv_slice_eq(a->kind, b->kind) && cv_slice_eq(a->name, b->name);
}

bool cv_kz_gvk_selected(const cv_kz_id *id, cv_slice group, cv_slice version, cv_slice kind)
{
    return (!group.len || cv_slice_eq(group, id->group)) &&
           (!version.len || cv_slice_eq(version, id->version)) &&
           (!kind.len || cv_slice_eq(kind, id->kind));
}

void cv_kz_id_string(const cv_kz_id *id, char *out, size_t cap)
{
#define OR(s, d) (int)((s).len ? (s).len : strlen(d)), (const char *)((s).len ? (const char *)(s).p : (d))
    snprintf(out, cap, "%.*s.%.*s.%.*s/%.*s.%.*s", OR(id->kind, "[noKind]"),
             OR(id->version, "[noVer]"), OR(id->group, "[noGrp]"), OR(id->name, "[noName]"),
             OR(id->ns, "[noNs]"));
#undef OR
}

static size_t csv_count(cv_slice s)
{
    size_t n = 1;
    for (size_t i = 0; i < s.len; i++) n += s.p[i] == ',';
    return n;
}

/* The i-th comma-separated field of s. */
static cv_slice csv_field(cv_slice s, size_t i)
{
    size_t start = 0, k = 0;
    for (size_t j = 0; j <= s.len; j++) {
        if (j == s.len || s.p[j] == ',') {
            if (k == i) return cv_slice_of(s.p + start, j - start);
            k++;
            start = j + 1;
        }
    }
    return cv_slice_of("", 0);
}

cv_result cv_kz_prev_ids(const cv_node *obj, cv_kz_id **ids, size_t *n)
{
    *ids = NULL;
    *n = 0;
    const cv_node *names = cv_kz_meta_get(obj, "annotations", CV_KZ_ANNO_PREV_NAMES);
    if (!names) return cv_ok();
    cv_slice sn = str_of(names);
    cv_slice sns = str_of(cv_kz_meta_get(obj, "annotations", CV_KZ_ANNO_PREV_NAMESPACES));
    cv_slice sk = str_of(cv_kz_meta_get(obj, "annotations", CV_KZ_ANNO_PREV_KINDS));
    size_t c = csv_count(sn);
    CV_ENSUREF(c == csv_count(sns) && c == csv_count(sk), CV_E_KZ_SELECTOR,
               "number of previous names, number of previous namespaces, number of previous "
               "kinds not equal");
    cv_kz_id *out = calloc(c, sizeof *out);
    CV_ENSURE(out, CV_E_NOMEM);
    cv_kz_id cur;
    cv_kz_cur_id(obj, &cur);
    for (size_t i = 0; i < c; i++) {
        out[i].group = cur.group;
        out[i].version = cur.version;
        out[i].kind = csv_field(sk, i);
        out[i].name = csv_field(sn, i);
        out[i].ns = csv_field(sns, i);
    }
    *ids = out;
    *n = c;
    return cv_ok();
}

cv_result cv_kz_org_id(const cv_node *obj, cv_kz_id *id)
{
    cv_kz_id *prev;
    size_t n;
    CV_GUARD(cv_kz_prev_ids(obj, &prev, &n));
    if (n) *id = prev[0];
    else cv_kz_cur_id(obj, id);
    free(prev);
    return cv_ok();
}

cv_result cv_kz_append_csv(cv_doc *d, cv_node *obj, const char *key, cv_slice value)
{
    if (value.len == 0) return cv_ok();
    const cv_node *cur = cv_kz_meta_get(obj, "annotations", key);
    cv_buf b;
    cv_buf_init_secret(&b, CV_KZ_MAX_FILE);
    cv_result r = cv_ok();
    if (cur) {
        CV_GUARD_GOTO(r, cv_buf_add(&b, cur->s, cur->len), out);
        CV_GUARD_GOTO(r, cv_buf_add_byte(&b, ','), out);
    }
    CV_GUARD_GOTO(r, cv_buf_add(&b, value.p, value.len), out);
    r = cv_kz_meta_set(d, obj, "annotations", key, cv_buf_slice(&b));
out:
    cv_buf_release(&b);
    return r;
}

cv_result cv_kz_store_previous_id(cv_doc *d, cv_node *obj)
{
    cv_kz_id id;
    cv_kz_cur_id(obj, &id);
    /* Copies first: the annotations being written may alias the id. */
    char *name = NULL, *ns = NULL, *kind = NULL;
    cv_slice ens = cv_kz_id_effective_ns(&id);
    cv_result r = cv_slice_strdup(id.name, &name);
    if (cv_is_ok(r)) r = cv_slice_strdup(ens, &ns);
    if (cv_is_ok(r)) r = cv_slice_strdup(id.kind, &kind);
    if (cv_is_ok(r)) r = cv_kz_append_csv(d, obj, CV_KZ_ANNO_PREV_NAMES, cv_slice_str(name));
    if (cv_is_ok(r)) r = cv_kz_append_csv(d, obj, CV_KZ_ANNO_PREV_NAMESPACES, cv_slice_str(ns));
    if (cv_is_ok(r)) r = cv_kz_append_csv(d, obj, CV_KZ_ANNO_PREV_KINDS, cv_slice_str(kind));
    free(name);
    free(ns);
    free(kind);
    return r;
}
