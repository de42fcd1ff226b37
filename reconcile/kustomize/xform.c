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
        if (cv_is_ok(r)) r = cv_kz_yaml_docs(d, text, &docs, &n);
        for (size_t j = 0; j < n && cv_is_ok(r); j++) r = cv_kz_tconfig_add_doc(&tc, docs[j]);
        free(docs);
        free(path);
    }
    if (cv_is_ok(r)) r = cv_kz_tconfig_merge(&a->tc, &tc);
    cv_kz_tconfig_free(&tc);
    return r;
}

/* ---- sort (SortOrderTransformer, legacy) ------------------------------------- */

static const char *const k_first[] = {
    "Namespace", "ResourceQuota", "StorageClass", "CustomResourceDefinition", "ServiceAccount",
    "PodSecurityPolicy", "Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding", "ConfigMap",
    "Secret", "Endpoints", "Service", "LimitRange", "PriorityClass", "PersistentVolume",
    "PersistentVolumeClaim", "Deployment", "StatefulSet", "CronJob", "PodDisruptionBudget", NULL,
};
static const char *const k_last[] = { "MutatingWebhookConfiguration",
                                      "ValidatingWebhookConfiguration", NULL };

static int type_order(cv_slice kind)
{
    int n = 0;
    while (k_first[n]) n++;
    for (int i = 0; k_first[i]; i++)
        if (cv_slice_eq_str(kind, k_first[i])) return -n + i;
    for (int i = 0; k_last[i]; i++)
        if (cv_slice_eq_str(kind, k_last[i])) return 1 + i;
    return 0;
}

static int cmp_slices(cv_slice a, cv_slice b)
{
    size_t l = a.len < b.len ? a.len : b.len;
    int c = l ? memcmp(a.p, b.p, l) : 0;
    if (c) return c;
    return a.len < b.len ? -1 : a.len > b.len ? 1 : 0;
}

/* "group_version_kind" with "~G"/"~V"/"~K" for empty parts. */
static int gvk_cmp(const cv_kz_id *a, const cv_kz_id *b)
{
    cv_slice pa[3] = { a->group, a->version, a->kind }, pb[3] = { b->group, b->version, b->kind };
    static const char *const none[3] = { "~G", "~V", "~K" };
    char sa[768], sb[768];
    size_t na = 0, nb = 0;
    for (int i = 0; i < 3; i++) {
        na += (size_t)snprintf(sa + na, sizeof sa - na, i ? "_%.*s" : "%.*s",
                               pa[i].len ? (int)pa[i].len : 2,
                               pa[i].len ? (const char *)pa[i].p : none[i]);
        nb += (size_t)snprintf(sb + nb, sizeof sb - nb, i ? "_%.*s" : "%.*s",
                               pb[i].len ? (int)pb[i].len : 2,
                               pb[i].len ? (const char *)pb[i].p : none[i]);
    }
    return strcmp(sa, sb);
}

static bool gvk_equal(const cv_kz_id *a, const cv_kz_id *b)
{
    return cv_slice_eq(a->group, b->group) && cv_slice_eq(a->version, b->version) &&
           cv_slice_eq(a->kind, b->kind);
}

static bool legacy_less(const cv_node *x, const cv_node *y)
{
    cv_kz_id a, b;
    cv_kz_cur_id(x, &a);
    cv_kz_cur_id(y, &b);
    if (!gvk_equal(&a, &b)) {
        int ia = type_order(a.kind), ib = type_order(b.kind);
        if (ia != ib) return ia < ib;
        bool nsk = cv_slice_eq_str(a.kind, "Namespace") && cv_slice_eq_str(b.kind, "Namespace") &&
                   (a.group.len == 0 || b.group.len == 0);
        return nsk ? gvk_cmp(&a, &b) > 0 : gvk_cmp(&a, &b) < 0;
    }
    cv_slice ns_a = a.ns.len ? a.ns : cv_slice_of("~X", 2), ns_b = b.ns.len ? b.ns : cv_slice_of("~X", 2);
    int c = cmp_slices(ns_a, ns_b);
    if (c) return c < 0;
    cv_slice na = a.name.len ? a.name : cv_slice_of("~N", 2), nb = b.name.len ? b.name : cv_slice_of("~N", 2);
    return cmp_slices(na, nb) < 0;
}

cv_result cv_kzb_sort(cv_kz_resmap *rm, const cv_node *opts)
{
    if (opts && opts->kind == CV_NODE_MAP) {
        cv_slice order = cv_kzr_str(opts, "order");
        if (cv_slice_eq_str(order, "fifo")) return cv_ok();
        CV_ENSUREF(cv_slice_eq_str(order, "legacy"), CV_E_KZ_KUSTOMIZATION,
                   "the field 'sortOptions.order' must be one of [fifo, legacy]");
        CV_ENSUREF(!cv_map_get(opts, "legacySortOptions"), CV_E_UNSUPPORTED,
                   "sortOptions.legacySortOptions is not implemented by covert");
    }
    /* Insertion sort keeps equal ids in place (they cannot occur anyway). */
    for (size_t i = 1; i < rm->n; i++) {
        cv_node *o = rm->objs[i];
        size_t j = i;
        for (; j > 0 && legacy_less(o, rm->objs[j - 1]); j--) rm->objs[j] = rm->objs[j - 1];
        rm->objs[j] = o;
    }
    return cv_ok();
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
        case CV_NODE_INT: n = cv_go_int(v->v.i, t); break;
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
