/* The namespace transformer, name references (builtin + `configurations`),
 * the legacy sort and krusty's annotation clean-up. */
#include <stdlib.h>
#include <string.h>

#include "crypto/base/limits.h"
#include "reconcile/kustomize/emit.h"
#include "reconcile/kustomize/kbuild.h"
#include "reconcile/kustomize/kyaml.h"
#include "reconcile/kustomize/res.h"
#include "secrets/doc/num.h"

/* ---- namespace (api/filters/namespace) ------------------------------------ */

static cv_result ns_subjects(cv_doc *d, cv_node *obj, cv_slice ns)
{
    cv_node *subj = cv_map_get(obj, "subjects");
    if (!subj || subj->kind != CV_NODE_LIST) return cv_ok();
    for (size_t i = 0; i < subj->n; i++) {
        cv_node *s = subj->items[i].value;
        if (s->kind == CV_NODE_MAP && cv_slice_eq_str(cv_kzr_str(s, "name"), "default"))
            CV_GUARD(cv_kzr_set_str(d, s, "namespace", ns));
    }
    return cv_ok();
}

static cv_result ns_one(cv_doc *d, cv_node *obj, cv_slice ns)
{
    cv_kz_id id;
    CV_GUARD(cv_kz_store_previous_id(d, obj));
    cv_kz_cur_id(obj, &id);
    if (!cv_kz_id_cluster_scoped(&id))
        CV_GUARD(cv_kzr_set_str(d, obj, "metadata/namespace", ns));
    if (cv_slice_eq_str(id.kind, "Namespace") && cv_slice_eq_str(cv_kzr_str(obj, "apiVersion"), "v1"))
        CV_GUARD(cv_kzr_set_str(d, obj, "metadata/name", ns));
    if (cv_slice_eq_str(id.kind, "RoleBinding") || cv_slice_eq_str(id.kind, "ClusterRoleBinding"))
        CV_GUARD(ns_subjects(d, obj, ns));
    if (cv_slice_eq_str(id.kind, "APIService") &&
        cv_slice_eq_str(id.group, "apiregistration.k8s.io"))
        CV_GUARD(cv_kzr_set_str(d, obj, "spec/service/namespace", ns));
    if (cv_slice_eq_str(id.kind, "CustomResourceDefinition") &&
        cv_kzr_path(obj, "spec/conversion/webhook/clientConfig/service"))
        CV_GUARD(cv_kzr_set_str(d, obj, "spec/conversion/webhook/clientConfig/service/namespace", ns));
    return cv_ok();
}

cv_result cv_kzb_namespace(cv_kzb_acc *a, cv_slice ns)
{
    for (size_t i = 0; i < a->n; i++) {
        cv_node *o = a->objs[i];
        if (o->kind != CV_NODE_MAP || o->n == 0) continue;
        CV_GUARD(ns_one(&a->rm->doc, o, ns));
    }
    for (size_t i = 0; i < a->n; i++) {
        cv_kz_id x, y;
        cv_kz_cur_id(a->objs[i], &x);
        for (size_t j = i + 1; j < a->n; j++) {
            cv_kz_cur_id(a->objs[j], &y);
            CV_ENSUREF(!cv_kz_id_equals(&x, &y), CV_E_KZ_CONFLICT,
                       "namespace transformation produces ID conflict");
        }
    }
    return cv_ok();
}

/* ---- configurations --------------------------------------------------------- */

cv_result cv_kzb_configurations(cv_kzb_ctx *c, cv_kzb_acc *a, const char *dir, const cv_node *k)
{
    const cv_node *l = cv_map_get(k, "configurations");
    cv_doc *d = &a->rm->doc;
    cv_kz_tconfig tc = { 0 };
    cv_result r = cv_kz_tconfig_add_defaults(d, &tc);
    for (size_t i = 0; cv_is_ok(r) && l && l->kind == CV_NODE_LIST && i < l->n; i++) {
        if (l->items[i].value->kind != CV_NODE_STR) {
            r = CV_FAILF(CV_E_KZ_KUSTOMIZATION, "'configurations' entries must be strings");
            break;
        }
        char *path = NULL;
        cv_slice text;
        cv_node **docs = NULL;
        size_t n = 0;
        r = cv_kzfs_join(dir, l->items[i].value->s, &path);
        if (cv_is_ok(r)) r = cv_kzfs_read(c->o->fs, path, &text);
        if (cv_is_ok(r)) r = cv_kz_yaml_repo_docs(d, text, &docs, &n);
        for (size_t j = 0; j < n && cv_is_ok(r); j++) r = cv_kz_tconfig_add_doc(&tc, docs[j]);
        free(docs);
        free(path);
    }
    if (cv_is_ok(r)) r = cv_kz_tconfig_merge(&a->tc, &tc);
    cv_kz_tconfig_free(&tc);
    return r;
}

/* ---- sort (SortOrderTransformer) ------------------------------------------- */

/* The kinds ordered first and last: kustomize's defaults or
 * legacySortOptions' lists. */
typedef struct {
    cv_slice first[256], last[256];
    size_t nfirst, nlast;
} sort_order;

/* typeOrders: a kind's last mention wins, orderLast over orderFirst. */
static int type_order(const sort_order *o, cv_slice kind)
{
    for (size_t i = o->nlast; i-- > 0;)
        if (cv_slice_eq(kind, o->last[i])) return 1 + (int)i;
    for (size_t i = o->nfirst; i-- > 0;)
        if (cv_slice_eq(kind, o->first[i])) return -(int)o->nfirst + (int)i;
    return 0;
}

static int cmp_slices(cv_slice a, cv_slice b)
{
    size_t l = a.len < b.len ? a.len : b.len;
    int c = l ? memcmp(a.p, b.p, l) : 0;
    if (c) return c;
    return a.len < b.len ? -1 : a.len > b.len ? 1 : 0;
}

/* Parts joined by sep, empty parts replaced, compared as one string the
 * way Go compares the joined sort strings. */
static int joined_cmp(const cv_slice *pa, const cv_slice *pb, const char *const *none, size_t n, char sep)
{
    char sa[1536], sb[1536];
    size_t na = 0, nb = 0;
    for (size_t i = 0; i < n; i++) {
        cv_slice x = pa[i].len ? pa[i] : cv_slice_str(none[i]);
        cv_slice y = pb[i].len ? pb[i] : cv_slice_str(none[i]);
        if (na + x.len + 1 > sizeof sa || nb + y.len + 1 > sizeof sb) return cmp_slices(x, y);
        if (i) sa[na++] = sep, sb[nb++] = sep;
        memcpy(sa + na, x.p, x.len);
        memcpy(sb + nb, y.p, y.len);
        na += x.len;
        nb += y.len;
    }
    return cmp_slices(cv_slice_of(sa, na), cv_slice_of(sb, nb));
}

static int gvk_cmp(const cv_kz_id *a, const cv_kz_id *b)
{
    static const char *const none[3] = { "~G", "~V", "~K" };
    const cv_slice pa[3] = { a->group, a->version, a->kind }, pb[3] = { b->group, b->version, b->kind };
    return joined_cmp(pa, pb, none, 3, '_');
}

static bool gvk_equal(const cv_kz_id *a, const cv_kz_id *b)
{
    return cv_slice_eq(a->group, b->group) && cv_slice_eq(a->version, b->version) &&
           cv_slice_eq(a->kind, b->kind);
}

static bool legacy_less(const sort_order *o, const cv_node *x, const cv_node *y)
{
    cv_kz_id a, b;
    cv_kz_cur_id(x, &a);
    cv_kz_cur_id(y, &b);
    if (!gvk_equal(&a, &b)) {
        int ia = type_order(o, a.kind), ib = type_order(o, b.kind);
        if (ia != ib) return ia < ib;
        bool nsk = cv_slice_eq_str(a.kind, "Namespace") && cv_slice_eq_str(b.kind, "Namespace") &&
                   (a.group.len == 0 || b.group.len == 0);
        return nsk ? gvk_cmp(&a, &b) > 0 : gvk_cmp(&a, &b) < 0;
    }
    /* Same gvk: "gvk|namespace|name", the gvk part equal. */
    static const char *const none[2] = { "~X", "~N" };
    const cv_slice pa[2] = { a.ns, a.name }, pb[2] = { b.ns, b.name };
    return joined_cmp(pa, pb, none, 2, '|') < 0;
}

static cv_result kinds_list(const cv_node *l, const char *what, cv_slice *out, size_t *n)
{
    *n = 0;
    if (!l || l->kind == CV_NODE_NULL) return cv_ok();
    CV_ENSUREF(l->kind == CV_NODE_LIST, CV_E_KZ_KUSTOMIZATION,
               "invalid Kustomization: json: cannot unmarshal into Go struct field LegacySortOptions.%s of type []string", what);
    CV_ENSUREF(l->n <= 256, CV_E_LIMIT, "sortOptions.legacySortOptions.%s: more than 256 kinds", what);
    for (size_t i = 0; i < l->n; i++) {
        const cv_node *v = l->items[i].value;
        CV_ENSUREF(v->kind == CV_NODE_STR || v->kind == CV_NODE_NULL, CV_E_KZ_KUSTOMIZATION,
                   "invalid Kustomization: json: cannot unmarshal into Go struct field LegacySortOptions.%s of type string", what);
        out[(*n)++] = v->kind == CV_NODE_STR ? cv_slice_of(v->s, v->len) : cv_slice_of("", 0);
    }
    return cv_ok();
}

static cv_result only_keys(const cv_node *m, const char *a, const char *b)
{
    for (size_t i = 0; i < m->n; i++) {
        const cv_node *k = m->items[i].key;
        cv_slice ks = k->kind == CV_NODE_STR ? cv_slice_of(k->s, k->len) : cv_slice_of("", 0);
        CV_ENSUREF(cv_slice_eq_str(ks, a) || cv_slice_eq_str(ks, b), CV_E_KZ_KUSTOMIZATION,
                   "invalid Kustomization: json: unknown field \"%.*s\"", (int)ks.len, (const char *)ks.p);
    }
    return cv_ok();
}

/* applyDefaults + validate of SortOrderTransformer; *legacy false = fifo. */
static cv_result sort_options(const cv_node *opts, sort_order *o, bool *legacy)
{
    *legacy = true;
    o->nfirst = o->nlast = 0;
    const cv_node *lso = NULL;
    if (opts && opts->kind != CV_NODE_NULL) {
        CV_ENSUREF(opts->kind == CV_NODE_MAP, CV_E_KZ_KUSTOMIZATION,
                   "invalid Kustomization: json: cannot unmarshal into Go struct field Kustomization.sortOptions");
        CV_GUARD(only_keys(opts, "order", "legacySortOptions"));
        cv_slice order = cv_kzr_str(opts, "order");
        lso = cv_map_get(opts, "legacySortOptions");
        if (lso && lso->kind == CV_NODE_NULL) lso = NULL;
        *legacy = cv_slice_eq_str(order, "legacy");
        CV_ENSUREF(*legacy || cv_slice_eq_str(order, "fifo"), CV_E_KZ_KUSTOMIZATION,
                   "the field 'sortOptions.order' must be one of [fifo, legacy]");
        CV_ENSUREF(*legacy || !lso, CV_E_KZ_KUSTOMIZATION,
                   "the field 'sortOptions.legacySortOptions' is set but the selected sort order is 'fifo', not 'legacy'");
    }
    if (!lso) {
        for (; cv_kz_order_first[o->nfirst]; o->nfirst++)
            o->first[o->nfirst] = cv_slice_str(cv_kz_order_first[o->nfirst]);
        for (; cv_kz_order_last[o->nlast]; o->nlast++)
            o->last[o->nlast] = cv_slice_str(cv_kz_order_last[o->nlast]);
        return cv_ok();
    }
    CV_ENSUREF(lso->kind == CV_NODE_MAP, CV_E_KZ_KUSTOMIZATION,
               "invalid Kustomization: json: cannot unmarshal into Go struct field SortOptions.legacySortOptions");
    CV_GUARD(only_keys(lso, "orderFirst", "orderLast"));
    CV_GUARD(kinds_list(cv_map_get(lso, "orderFirst"), "orderFirst", o->first, &o->nfirst));
    return kinds_list(cv_map_get(lso, "orderLast"), "orderLast", o->last, &o->nlast);
}

cv_result cv_kzb_sort(cv_kz_resmap *rm, const cv_node *opts)
{
    sort_order *o = malloc(sizeof *o);
    CV_ENSURE(o, CV_E_NOMEM);
    bool legacy;
    cv_result r = sort_options(opts, o, &legacy);
    /* Ids are unique, so Less is a strict order and Go's unstable sort
     * gives this same order. */
    for (size_t i = 1; cv_is_ok(r) && legacy && i < rm->n; i++) {
        cv_node *x = rm->objs[i];
        size_t j = i;
        for (; j > 0 && legacy_less(o, x, rm->objs[j - 1]); j--) rm->objs[j] = rm->objs[j - 1];
        rm->objs[j] = x;
    }
    free(o);
    return r;
}

/* ---- krusty's clean-up ------------------------------------------------------- */

/* GetAnnotations/SetAnnotations: every value becomes its scalar text, the
 * build annotations go, an empty map is removed. */
static cv_result clean_annotations(cv_doc *d, cv_node *obj, bool origin, bool transf)
{
    cv_node *meta = cv_map_get(obj, "metadata");
    if (!meta || meta->kind != CV_NODE_MAP) return cv_ok();
    long at = cv_map_find(meta, "annotations", 11);
    if (at < 0) return cv_ok();
    cv_node *a = meta->items[at].value;
    if (a->kind != CV_NODE_MAP) {
        cv_node_remove(meta, (size_t)at);
        return cv_ok();
    }
    for (size_t i = a->n; i-- > 0;) {
        cv_node *k = a->items[i].key, *v = a->items[i].value;
        bool drop = k->kind == CV_NODE_COMMENT ||
                    (k->kind == CV_NODE_STR &&
                     (cv_kz_is_build_annotation(k->s, k->len) ||
                      (!origin && cv_slice_eq_str(cv_slice_of(k->s, k->len), "config.kubernetes.io/origin")) ||
                      (!transf && cv_slice_eq_str(cv_slice_of(k->s, k->len),
                                                  "alpha.config.kubernetes.io/transformations"))));
        if (drop) {
            cv_node_remove(a, (size_t)i);
            continue;
        }
        char t[CV_NUM_TEXT_MAX];
        size_t n = 0;
        switch (v->kind) {
        case CV_NODE_INT: n = cv_node_int_text(v, t); break;
        case CV_NODE_FLOAT: n = cv_go_float(v->v.f, 'g', t); break;
        case CV_NODE_BOOL: n = (size_t)snprintf(t, sizeof t, "%s", v->v.b ? "true" : "false"); break;
        case CV_NODE_STR: continue;
        case CV_NODE_TIME: CV_GUARD(cv_node_set_text(d, v, CV_NODE_STR, v->s, v->len)); continue;
        default: break;
        }
        cv_node *s;
        CV_GUARD(cv_node_text(d, CV_NODE_STR, t, n, &s));
        a->items[i].value = s;
    }
    if (a->n == 0) cv_node_remove(meta, (size_t)at);
    return cv_ok();
}

cv_result cv_kzb_finish(cv_kz_resmap *rm, bool origin, bool transf)
{
    for (size_t i = 0; i < rm->n; i++)
        CV_GUARD(clean_annotations(&rm->doc, rm->objs[i], origin, transf));
    return cv_ok();
}
