/* Transformer configuration and the field-spec walker (see tconfig.h). */
#include "reconcile/kustomize/tconfig.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/base/limits.h"
#include "crypto/base/mem.h"
#include "reconcile/kustomize/kyaml.h"

static const char *const k_lists[CV_KZ_FS_COUNT] = {
    "namePrefix", "nameSuffix", "namespace", "commonLabels", "labels",
    "templateLabels", "commonAnnotations", "varReference", "images", "replicas",
};

/* ---- lists ------------------------------------------------------------------ */

void cv_kz_fslist_free(cv_kz_fslist *l)
{
    free(l->v);
    memset(l, 0, sizeof *l);
}

void cv_kz_tconfig_free(cv_kz_tconfig *t)
{
    for (size_t i = 0; i < CV_KZ_FS_COUNT; i++) cv_kz_fslist_free(&t->fs[i]);
    for (size_t i = 0; i < t->nrefs; i++) cv_kz_fslist_free(&t->refs[i].referrers);
    free(t->refs);
    memset(t, 0, sizeof *t);
}

static cv_result grow(void **v, size_t *cap, size_t n, size_t size)
{
    if (n < *cap) return cv_ok();
    CV_ENSUREF(n < CV_KZ_MAX_RESOURCES, CV_E_LIMIT, "more than %u field specs",
               CV_KZ_MAX_RESOURCES);
    return cv_grow_array(v, cap, n + 1, size, 16, CV_KZ_MAX_RESOURCES);
}

static bool gvk_selected(const cv_kz_fspec *x, const cv_kz_fspec *sel)
{
    cv_kz_id id = { .group = x->group, .version = x->version, .kind = x->kind };
    return cv_kz_gvk_selected(&id, sel->group, sel->version, sel->kind);
}

cv_result cv_kz_fslist_merge_one(cv_kz_fslist *l, const cv_kz_fspec *fs)
{
    for (size_t i = 0; i < l->n; i++) {
        if (!gvk_selected(&l->v[i], fs) || !cv_slice_eq(l->v[i].path, fs->path)) continue;
        CV_ENSUREF(l->v[i].create == fs->create, CV_E_KZ_KUSTOMIZATION, "conflicting fieldspecs");
        return cv_ok();
    }
    void *v = l->v;
    CV_GUARD(grow(&v, &l->cap, l->n, sizeof *l->v));
    l->v = v;
    l->v[l->n++] = *fs;
    return cv_ok();
}

cv_result cv_kz_fslist_merge_all(cv_kz_fslist *l, const cv_kz_fslist *in)
{
    for (size_t i = 0; i < in->n; i++) CV_GUARD(cv_kz_fslist_merge_one(l, &in->v[i]));
    return cv_ok();
}

/* ---- sorting (Gvk.IsLessThan) -------------------------------------------------- */

const char *const cv_kz_order_first[] = {
    "Namespace", "ResourceQuota", "StorageClass", "CustomResourceDefinition", "ServiceAccount",
    "PodSecurityPolicy", "Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding", "ConfigMap",
    "Secret", "Endpoints", "Service", "LimitRange", "PriorityClass", "PersistentVolume",
    "PersistentVolumeClaim", "Deployment", "StatefulSet", "CronJob", "PodDisruptionBudget", NULL,
};
const char *const cv_kz_order_last[] = { "MutatingWebhookConfiguration",
                                         "ValidatingWebhookConfiguration", NULL };

static int kind_order(cv_slice kind)
{
    int n = 0;
    while (cv_kz_order_first[n]) n++;
    for (int i = 0; cv_kz_order_first[i]; i++)
        if (cv_slice_eq_str(kind, cv_kz_order_first[i])) return -n + i;
    for (int i = 0; cv_kz_order_last[i]; i++)
        if (cv_slice_eq_str(kind, cv_kz_order_last[i])) return 1 + i;
    return 0;
}

static int cmp_part(cv_slice a, cv_slice b, const char *none)
{
    if (!a.len) a = cv_slice_str(none);
    if (!b.len) b = cv_slice_str(none);
    size_t l = a.len < b.len ? a.len : b.len;
    int c = memcmp(a.p, b.p, l);
    return c ? c : (a.len > b.len) - (a.len < b.len);
}

/* "group_version_kind" compared part by part: '_' sorts below every
 * character a part can hold except those below it, so compare the joined
 * strings exactly as Go does. */
static int stable_cmp(const cv_slice a[3], const cv_slice b[3])
{
    static const char *const none[3] = { "~G", "~V", "~K" };
    char sa[768], sb[768];
    size_t na = 0, nb = 0;
    for (int i = 0; i < 3; i++) {
        cv_slice x = a[i].len ? a[i] : cv_slice_str(none[i]);
        cv_slice y = b[i].len ? b[i] : cv_slice_str(none[i]);
        if (na + x.len + 1 >= sizeof sa || nb + y.len + 1 >= sizeof sb) return cmp_part(a[i], b[i], none[i]);
        if (i) sa[na++] = '_', sb[nb++] = '_';
        memcpy(sa + na, x.p, x.len);
        memcpy(sb + nb, y.p, y.len);
        na += x.len;
        nb += y.len;
    }
    return cmp_part(cv_slice_of(sa, na), cv_slice_of(sb, nb), "");
}

static bool gvk_less(cv_slice ga, cv_slice va, cv_slice ka, cv_slice gb, cv_slice vb, cv_slice kb)
{
    int ia = kind_order(ka), ib = kind_order(kb);
    if (ia != ib) return ia < ib;
    const cv_slice a[3] = { ga, va, ka }, b[3] = { gb, vb, kb };
    return stable_cmp(a, b) < 0;
}

/* Go sorts with sort.Sort; insertion sort keeps equal kinds in input order
 * (Go's own choice among equals may differ on long lists; it only changes
 * the order specs of one kind are applied in). */
static void sort_fslist(cv_kz_fslist *l)
{
    for (size_t i = 1; i < l->n; i++) {
        cv_kz_fspec x = l->v[i];
        size_t j = i;
        for (; j > 0 && gvk_less(x.group, x.version, x.kind, l->v[j - 1].group,
                                 l->v[j - 1].version, l->v[j - 1].kind); j--)
            l->v[j] = l->v[j - 1];
        l->v[j] = x;
    }
}

static void sort_refs(cv_kz_tconfig *t)
{
    for (size_t i = 1; i < t->nrefs; i++) {
        cv_kz_nbr x = t->refs[i];
        size_t j = i;
        for (; j > 0 && gvk_less(x.group, x.version, x.kind, t->refs[j - 1].group,
                                 t->refs[j - 1].version, t->refs[j - 1].kind); j--)
            t->refs[j] = t->refs[j - 1];
        t->refs[j] = x;
    }
}

static void sort_all(cv_kz_tconfig *t)
{
    for (size_t i = 0; i < CV_KZ_FS_COUNT; i++) sort_fslist(&t->fs[i]);
    sort_refs(t);
}

/* ---- merging ------------------------------------------------------------------- */

static cv_result copy_list(cv_kz_fslist *dst, const cv_kz_fslist *src)
{
    memset(dst, 0, sizeof *dst);
    return cv_kz_fslist_merge_all(dst, src);
}

static cv_result merge_nbr(cv_kz_tconfig *t, const cv_kz_nbr *o)
{
    for (size_t i = 0; i < t->nrefs; i++) {
        cv_kz_nbr *c = &t->refs[i];
        if (cv_slice_eq(c->group, o->group) && cv_slice_eq(c->version, o->version) &&
            cv_slice_eq(c->kind, o->kind))
            return cv_kz_fslist_merge_all(&c->referrers, &o->referrers);
    }
    void *v = t->refs;
    CV_GUARD(grow(&v, &t->refs_cap, t->nrefs, sizeof *t->refs));
    t->refs = v;
    cv_kz_nbr *n = &t->refs[t->nrefs];
    *n = *o;
    t->nrefs++;
    return copy_list(&n->referrers, &o->referrers);
}

static bool tconfig_empty(const cv_kz_tconfig *t)
{
    for (size_t i = 0; i < CV_KZ_FS_COUNT; i++)
        if (t->fs[i].n) return false;
    return t->nrefs == 0;
}

static cv_result copy_exact(cv_kz_fslist *dst, const cv_kz_fslist *src)
{
    memset(dst, 0, sizeof *dst);
    if (!src->n) return cv_ok();
    dst->v = malloc(src->n * sizeof *dst->v);
    CV_ENSURE(dst->v, CV_E_NOMEM);
    memcpy(dst->v, src->v, src->n * sizeof *dst->v);
    dst->n = dst->cap = src->n;
    return cv_ok();
}

/* t (empty) = a copy of in, which is already deduplicated and sorted. */
static cv_result tconfig_copy(cv_kz_tconfig *t, const cv_kz_tconfig *in)
{
    for (size_t i = 0; i < CV_KZ_FS_COUNT; i++) CV_GUARD(copy_exact(&t->fs[i], &in->fs[i]));
    if (in->nrefs) {
        t->refs = calloc(in->nrefs, sizeof *t->refs);
        CV_ENSURE(t->refs, CV_E_NOMEM);
        t->refs_cap = in->nrefs;
    }
    for (; t->nrefs < in->nrefs; t->nrefs++) {
        t->refs[t->nrefs] = in->refs[t->nrefs];
        CV_GUARD(copy_exact(&t->refs[t->nrefs].referrers, &in->refs[t->nrefs].referrers));
    }
    t->builtin_only = in->builtin_only;
    return cv_ok();
}

cv_result cv_kz_tconfig_merge(cv_kz_tconfig *t, const cv_kz_tconfig *in)
{
    /* Every build directory merges the builtin tables (a few hundred specs,
     * quadratic to merge) into its parent's: equal tables merge to
     * themselves, a merge into nothing is a copy. */
    if (in->builtin_only && t->builtin_only) return cv_ok();
    if (in->builtin_only && tconfig_empty(t)) return tconfig_copy(t, in);
    if (tconfig_empty(in)) return cv_ok();
    t->builtin_only = false;
    for (size_t i = 0; i < CV_KZ_FS_COUNT; i++)
        CV_GUARD(cv_kz_fslist_merge_all(&t->fs[i], &in->fs[i]));
    for (size_t i = 0; i < in->nrefs; i++) CV_GUARD(merge_nbr(t, &in->refs[i]));
    sort_all(t);
    return cv_ok();
}

/* ---- strict decoding ------------------------------------------------------------- */

static cv_result field_str(const cv_node *v, const char *what, cv_slice *out)
{
    *out = cv_slice_of("", 0);
    if (v->kind == CV_NODE_NULL) return cv_ok();
    CV_ENSUREF(v->kind == CV_NODE_STR, CV_E_KZ_KUSTOMIZATION,
               "json: cannot unmarshal into Go struct field %s of type string", what);
    *out = cv_slice_of(v->s, v->len);
    return cv_ok();
}

static cv_result bad_key(const cv_node *k)
{
    CV_BAILF(CV_E_KZ_KUSTOMIZATION, "json: unknown field \"%.*s\"",
             k->kind == CV_NODE_STR ? (int)k->len : 0, k->kind == CV_NODE_STR ? k->s : "");
}

/* One map of group/version/kind plus the named extras. */
static cv_result parse_gvk(const cv_node *m, cv_slice *g, cv_slice *v, cv_slice *k, bool *is_gvk,
                           size_t i)
{
    const cv_node *key = m->items[i].key, *val = m->items[i].value;
    cv_slice name = key->kind == CV_NODE_STR ? cv_slice_of(key->s, key->len) : cv_slice_of("", 0);
    *is_gvk = true;
    if (cv_slice_eq_str(name, "group")) return field_str(val, "group", g);
    if (cv_slice_eq_str(name, "version")) return field_str(val, "version", v);
    if (cv_slice_eq_str(name, "kind")) return field_str(val, "kind", k);
    *is_gvk = false;
    return cv_ok();
}

static cv_result parse_fspec(const cv_node *m, cv_kz_fspec *fs)
{
    memset(fs, 0, sizeof *fs);
    if (m->kind == CV_NODE_NULL) return cv_ok();
    CV_ENSUREF(m->kind == CV_NODE_MAP, CV_E_KZ_KUSTOMIZATION,
               "json: cannot unmarshal into Go value of type types.FieldSpec");
    for (size_t i = 0; i < m->n; i++) {
        bool gvk;
        CV_GUARD(parse_gvk(m, &fs->group, &fs->version, &fs->kind, &gvk, i));
        if (gvk) continue;
        const cv_node *key = m->items[i].key, *val = m->items[i].value;
        if (key->kind == CV_NODE_STR && cv_slice_eq_str(cv_slice_of(key->s, key->len), "path")) {
            CV_GUARD(field_str(val, "path", &fs->path));
        } else if (key->kind == CV_NODE_STR && cv_slice_eq_str(cv_slice_of(key->s, key->len), "create")) {
            CV_ENSUREF(val->kind == CV_NODE_BOOL || val->kind == CV_NODE_NULL, CV_E_KZ_KUSTOMIZATION,
                       "json: cannot unmarshal into Go struct field FieldSpec.create of type bool");
            fs->create = val->kind == CV_NODE_BOOL && val->v.b;
        } else {
            return bad_key(key);
        }
    }
    return cv_ok();
}

cv_result cv_kz_fslist_parse(cv_kz_fslist *l, const cv_node *list)
{
    if (list->kind == CV_NODE_NULL) return cv_ok();
    CV_ENSUREF(list->kind == CV_NODE_LIST, CV_E_KZ_KUSTOMIZATION,
               "json: cannot unmarshal into Go value of type []types.FieldSpec");
    for (size_t i = 0; i < list->n; i++) {
        cv_kz_fspec fs;
        CV_GUARD(parse_fspec(list->items[i].value, &fs));
        /* Decoding appends: duplicates within one document stay. */
        void *v = l->v;
        CV_GUARD(grow(&v, &l->cap, l->n, sizeof *l->v));
        l->v = v;
        l->v[l->n++] = fs;
    }
    return cv_ok();
}

static cv_result parse_nbr(const cv_node *m, cv_kz_nbr *n)
{
    memset(n, 0, sizeof *n);
    if (m->kind == CV_NODE_NULL) return cv_ok();
    CV_ENSUREF(m->kind == CV_NODE_MAP, CV_E_KZ_KUSTOMIZATION,
               "json: cannot unmarshal into Go value of type builtinconfig.NameBackReferences");
    for (size_t i = 0; i < m->n; i++) {
        bool gvk;
        CV_GUARD(parse_gvk(m, &n->group, &n->version, &n->kind, &gvk, i));
        if (gvk) continue;
        const cv_node *key = m->items[i].key;
        if (key->kind != CV_NODE_STR || !cv_slice_eq_str(cv_slice_of(key->s, key->len), "fieldSpecs"))
            return bad_key(key);
        CV_GUARD(cv_kz_fslist_parse(&n->referrers, m->items[i].value));
    }
    return cv_ok();
}

static cv_result parse_refs(cv_kz_tconfig *t, const cv_node *list)
{
    if (list->kind == CV_NODE_NULL) return cv_ok();
    CV_ENSUREF(list->kind == CV_NODE_LIST, CV_E_KZ_KUSTOMIZATION,
               "json: cannot unmarshal into Go struct field nameReference");
    for (size_t i = 0; i < list->n; i++) {
        void *v = t->refs;
        CV_GUARD(grow(&v, &t->refs_cap, t->nrefs, sizeof *t->refs));
        t->refs = v;
        CV_GUARD(parse_nbr(list->items[i].value, &t->refs[t->nrefs]));
        t->nrefs++;
    }
    return cv_ok();
}

/* makeTransformerConfigFromBytes: strict decoding, then sorted. */
static cv_result parse_doc(cv_kz_tconfig *t, const cv_node *cfg)
{
    for (size_t i = 0; i < cfg->n; i++) {
        const cv_node *key = cfg->items[i].key, *val = cfg->items[i].value;
        cv_slice name = key->kind == CV_NODE_STR ? cv_slice_of(key->s, key->len) : cv_slice_of("", 0);
        if (cv_slice_eq_str(name, "nameReference")) {
            CV_GUARD(parse_refs(t, val));
            continue;
        }
        size_t f = 0;
        while (f < CV_KZ_FS_COUNT && !cv_slice_eq_str(name, k_lists[f])) f++;
        if (f == CV_KZ_FS_COUNT) return bad_key(key);
        CV_GUARD(cv_kz_fslist_parse(&t->fs[f], val));
    }
    sort_all(t);
    return cv_ok();
}

cv_result cv_kz_tconfig_add_doc(cv_kz_tconfig *t, const cv_node *cfg)
{
    CV_ENSUREF(cfg->kind == CV_NODE_MAP, CV_E_KZ_KUSTOMIZATION,
               "json: cannot unmarshal into Go value of type builtinconfig.TransformerConfig");
    cv_kz_tconfig one = { 0 };
    cv_result r = parse_doc(&one, cfg);
    t->builtin_only = false;
    if (cv_is_ok(r)) r = cv_kz_tconfig_merge(t, &one);
    cv_kz_tconfig_free(&one);
    return r;
}

/* The builtin tables, parsed once: the text is constant and parsing it
 * was most of a small build's time. Its document holds no secret and is
 * never freed (every configuration copied from it points into it). */
static pthread_once_t builtin_once = PTHREAD_ONCE_INIT;
static cv_doc builtin_doc;
static cv_kz_tconfig builtin;
static cv_result builtin_res;

static cv_result parse_builtin(void)
{
    cv_node **docs;
    size_t n;
    CV_GUARD(cv_doc_init(&builtin_doc));
    CV_GUARD(cv_kz_yaml_docs(&builtin_doc, cv_kz_tconfig_default_text(), &docs, &n));
    cv_result r = n == 1 ? cv_kz_tconfig_add_doc(&builtin, docs[0]) : CV_FAIL(CV_E_KZ_KUSTOMIZATION);
    free(docs);
    builtin.builtin_only = cv_is_ok(r);
    return r;
}

static void builtin_init(void)
{
    builtin_res = parse_builtin();
}

cv_result cv_kz_tconfig_add_defaults(cv_doc *d, cv_kz_tconfig *t)
{
    (void)d;
    pthread_once(&builtin_once, builtin_init);
    CV_GUARD(builtin_res);
    return cv_kz_tconfig_merge(t, &builtin);
}

/* ---- the walker (api/filters/fieldspec) ------------------------------------------ */

#define MAX_SEGS 64

typedef struct {
    cv_doc *d;
    const cv_kz_fspec *fs;
    cv_kz_create create;
    cv_kz_fs_setfn set;
    void *ctx;
    cv_slice seg[MAX_SEGS]; /* into buf */
    size_t nseg;
    char buf[CV_KZ_MAX_PATH];
} walker;

/* utils.PathSplitter: split on '/', a segment ending in '\' joins the
 * next one with a literal '/'; a leading '/' is dropped. */
static cv_result split_path(walker *w, cv_slice p)
{
    CV_ENSUREF(p.len < sizeof w->buf, CV_E_LIMIT, "field spec path longer than %zu", sizeof w->buf);
    if (p.len > 1 && p.p[0] == '/') p = cv_slice_of(p.p + 1, p.len - 1);
    size_t o = 0, start = 0;
    w->nseg = 0;
    for (size_t i = 0; i <= p.len; i++) {
        bool end = i == p.len;
        if (!end && p.p[i] != '/') {
            w->buf[o++] = (char)p.p[i];
            continue;
        }
        if (!end && o > start && w->buf[o - 1] == '\\') {
            w->buf[o - 1] = '/';
            continue;
        }
        CV_ENSUREF(w->nseg < MAX_SEGS, CV_E_LIMIT, "field spec path deeper than %d", MAX_SEGS);
        w->seg[w->nseg++] = cv_slice_of(w->buf + start, o - start);
        start = o;
    }
    return cv_ok();
}

static cv_result walk(walker *w, cv_node *n, size_t i, size_t depth);

static cv_result new_child(walker *w, cv_node *map, cv_slice name, bool last, cv_node **out)
{
    bool scalar = last && w->create == CV_KZ_CREATE_SCALAR;
    cv_node *c;
    if (scalar) CV_GUARD(cv_node_text(w->d, CV_NODE_STR, "", 0, &c));
    else CV_GUARD(cv_node_new(w->d, CV_NODE_MAP, &c));
    cv_node *k;
    CV_GUARD(cv_node_text(w->d, CV_NODE_STR, name.p, name.len, &k));
    CV_GUARD(cv_node_append(w->d, map, k, c));
    *out = c;
    return cv_ok();
}

static cv_result handle_map(walker *w, cv_node *n, size_t i, size_t depth)
{
    cv_slice name = w->seg[i];
    bool seq = name.len >= 2 && name.p[name.len - 2] == '[' && name.p[name.len - 1] == ']';
    if (seq) name.len -= 2;
    CV_ENSUREF(name.len, CV_E_KZ_RESOURCE, "cannot set or create an empty field name");
    bool last = i + 1 == w->nseg;
    bool creating = w->fs->create && w->create != CV_KZ_CREATE_NONE && !seq;
    long at = cv_map_find(n, (const char *)name.p, name.len);
    cv_node *field = at >= 0 ? n->items[at].value : NULL;
    if (!field) {
        if (!creating) return cv_ok();
        CV_GUARD(new_child(w, n, name, last, &field));
    } else if (field->kind == CV_NODE_NULL && (creating || seq)) {
        /* A present null becomes the kind that would have been created. */
        if (seq) field->kind = CV_NODE_LIST;
        else if (last && w->create == CV_KZ_CREATE_SCALAR) CV_GUARD(cv_node_set_text(w->d, field, CV_NODE_STR, "", 0));
        else field->kind = CV_NODE_MAP;
    }
    return walk(w, field, i + 1, depth + 1);
}

static cv_result walk(walker *w, cv_node *n, size_t i, size_t depth)
{
    CV_ENSURE(depth < CV_KZ_MAX_DEPTH, CV_E_LIMIT);
    if (i == w->nseg) return w->set(w->ctx, w->d, n);
    switch (n->kind) {
    case CV_NODE_NULL: return cv_ok();
    case CV_NODE_LIST:
        for (size_t k = 0; k < n->n; k++) CV_GUARD(walk(w, n->items[k].value, i, depth + 1));
        return cv_ok();
    case CV_NODE_MAP: return handle_map(w, n, i, depth);
    default:
        CV_BAILF(CV_E_KZ_RESOURCE, "considering field '%.*s': expected sequence or mapping node",
                 (int)w->fs->path.len, (const char *)w->fs->path.p);
    }
}

cv_result cv_kz_fs_apply(cv_doc *d, cv_node *obj, const cv_kz_fspec *fs, cv_kz_create create,
                         cv_kz_fs_setfn set, void *ctx)
{
    cv_kz_id id;
    cv_kz_cur_id(obj, &id);
    if (!cv_kz_gvk_selected(&id, fs->group, fs->version, fs->kind)) return cv_ok();
    walker *w = malloc(sizeof *w);
    CV_ENSURE(w, CV_E_NOMEM);
    *w = (walker){ .d = d, .fs = fs, .create = create, .set = set, .ctx = ctx };
    cv_result r = split_path(w, fs->path);
    if (cv_is_ok(r)) r = walk(w, obj, 0, 0);
    free(w);
    return r;
}

cv_result cv_kz_set_entry(cv_doc *d, cv_node *node, cv_slice key, cv_slice value)
{
    if (node->kind == CV_NODE_NULL) return cv_ok(); /* kyaml writes into a null scalar: no trace */
    CV_ENSUREF(node->kind == CV_NODE_MAP, CV_E_KZ_RESOURCE,
               "wrong node kind: expected MappingNode for '%.*s'", (int)key.len, (const char *)key.p);
    cv_node *v;
    CV_GUARD(cv_node_text(d, CV_NODE_STR, value.p, value.len, &v));
    long at = cv_map_find(node, (const char *)key.p, key.len);
    if (at >= 0) {
        node->items[at].value = v;
        return cv_ok();
    }
    cv_node *k;
    CV_GUARD(cv_node_text(d, CV_NODE_STR, key.p, key.len, &k));
    return cv_node_append(d, node, k, v);
}
