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
        if (s->kind == CV_NODE_MAP && cv_slice_eq_str(cv_kz_str(s, "name"), "default"))
            CV_GUARD(cv_kz_set_str(d, s, "namespace", ns));
    }
    return cv_ok();
}

static cv_result ns_one(cv_doc *d, cv_node *obj, cv_slice ns)
{
    cv_kz_id id = cv_kz_cur_id(obj);
    CV_GUARD(cv_kz_store_prev_id(d, obj));
    id = cv_kz_cur_id(obj);
    if (!cv_kz_cluster_scoped(id.group, id.version, id.kind))
        CV_GUARD(cv_kz_set_str(d, obj, "metadata/namespace", ns));
    if (cv_slice_eq_str(id.kind, "Namespace") && cv_slice_eq_str(cv_kz_str(obj, "apiVersion"), "v1"))
        CV_GUARD(cv_kz_set_str(d, obj, "metadata/name", ns));
    if (cv_slice_eq_str(id.kind, "RoleBinding") || cv_slice_eq_str(id.kind, "ClusterRoleBinding"))
        CV_GUARD(ns_subjects(d, obj, ns));
    if (cv_slice_eq_str(id.kind, "APIService") &&
        cv_slice_eq_str(id.group, "apiregistration.k8s.io"))
        CV_GUARD(cv_kz_set_str(d, obj, "spec/service/namespace", ns));
    if (cv_slice_eq_str(id.kind, "CustomResourceDefinition") &&
        cv_kz_path(obj, "spec/conversion/webhook/clientConfig/service"))
        CV_GUARD(cv_kz_set_str(d, obj, "spec/conversion/webhook/clientConfig/service/namespace", ns));
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
        cv_kz_id x = cv_kz_cur_id(a->objs[i]);
        for (size_t j = i + 1; j < a->n; j++) {
            cv_kz_id y = cv_kz_cur_id(a->objs[j]);
            CV_ENSUREF(!cv_kz_id_equal(&x, &y), CV_E_KZ_CONFLICT,
                       "namespace transformation produces ID conflict");
        }
    }
    return cv_ok();
}

/* ---- name references ---------------------------------------------------------- */

static cv_result dup_slice(cv_slice s, char **out) { return cv_slice_strdup(s, out); }

static cv_result add_ref(cv_kzb_ctx *c, cv_slice kind, cv_slice group, const cv_node *fs)
{
    if (c->nrefs == c->refs_cap) {
        size_t n = c->refs_cap ? c->refs_cap * 2 : 64;
        cv_kzb_ref *p = realloc(c->refs, n * sizeof *p);
        CV_ENSURE(p, CV_E_NOMEM);
        c->refs = p;
        c->refs_cap = n;
    }
    cv_kzb_ref *r = &c->refs[c->nrefs];
    memset(r, 0, sizeof *r);
    c->nrefs++;
    CV_GUARD(dup_slice(kind, &r->kind));
    CV_GUARD(dup_slice(group, &r->group));
    CV_GUARD(dup_slice(cv_kz_str(fs, "kind"), &r->rkind));
    CV_GUARD(dup_slice(cv_kz_str(fs, "group"), &r->rgroup));
    return dup_slice(cv_kz_str(fs, "path"), &r->path);
}

static cv_result config_doc(cv_kzb_ctx *c, const cv_node *cfg)
{
    for (size_t i = 0; i < cfg->n; i++) {
        const cv_node *k = cfg->items[i].key, *v = cfg->items[i].value;
        if (k->kind != CV_NODE_STR || v->kind != CV_NODE_LIST) continue;
        CV_ENSUREF(cv_slice_eq_str(cv_slice_of(k->s, k->len), "nameReference"), CV_E_UNSUPPORTED,
                   "configurations: '%.*s' is not implemented by covert", (int)k->len, k->s);
        for (size_t j = 0; j < v->n; j++) {
            const cv_node *e = v->items[j].value, *fss = cv_map_get(e, "fieldSpecs");
            for (size_t f = 0; fss && fss->kind == CV_NODE_LIST && f < fss->n; f++)
                CV_GUARD(add_ref(c, cv_kz_str(e, "kind"), cv_kz_str(e, "group"), fss->items[f].value));
        }
    }
    return cv_ok();
}

cv_result cv_kzb_configurations(cv_kzb_ctx *c, const char *dir, const cv_node *k)
{
    const cv_node *l = cv_map_get(k, "configurations");
    if (!l || l->kind != CV_NODE_LIST) return cv_ok();
    cv_doc d;
    CV_GUARD(cv_doc_init(&d));
    cv_result r = cv_ok();
    for (size_t i = 0; i < l->n && cv_is_ok(r); i++) {
        char *path = NULL;
        cv_slice text;
        cv_node **docs = NULL;
        size_t n = 0;
        r = cv_kzfs_join(dir, l->items[i].value->s, &path);
        if (cv_is_ok(r)) r = cv_kzfs_read(c->o->fs, path, &text);
        if (cv_is_ok(r)) r = cv_kz_yaml_docs(&d, text, &docs, &n);
        for (size_t j = 0; j < n && cv_is_ok(r); j++)
            if (docs[j]->kind == CV_NODE_MAP) r = config_doc(c, docs[j]);
        free(docs);
        free(path);
    }
    cv_doc_clear(&d);
    return r;
}

/* The builtin ConfigMap/Secret referrers: pod spec fields under each kind
 * that holds a pod template. */
static const char *const k_pod_holders[][2] = {
    { "Pod", "spec" }, { "PodTemplate", "template/spec" }, { "Deployment", "spec/template/spec" },
    { "ReplicaSet", "spec/template/spec" }, { "DaemonSet", "spec/template/spec" },
    { "StatefulSet", "spec/template/spec" }, { "Job", "spec/template/spec" },
    { "CronJob", "spec/jobTemplate/spec/template/spec" },
    { "ReplicationController", "spec/template/spec" },
};
static const char *const k_cm_fields[] = {
    "volumes/configMap/name", "containers/env/valueFrom/configMapKeyRef/name",
    "initContainers/env/valueFrom/configMapKeyRef/name", "containers/envFrom/configMapRef/name",
    "initContainers/envFrom/configMapRef/name", "volumes/projected/sources/configMap/name", NULL,
};
static const char *const k_secret_fields[] = {
    "volumes/secret/secretName", "containers/env/valueFrom/secretKeyRef/name",
    "initContainers/env/valueFrom/secretKeyRef/name", "containers/envFrom/secretRef/name",
    "initContainers/envFrom/secretRef/name", "imagePullSecrets/name",
    "volumes/projected/sources/secret/name", NULL,
};

typedef struct {
    const cv_kz_resmap *rm;
    const char *kind, *group;
    cv_slice ns; /* the referrer's effective namespace */
    cv_doc *d;
} ref_job;

static bool names_match(const cv_node *cand, cv_slice v)
{
    cv_kz_id id;
    for (size_t k = 0; cv_kz_prev_id(cand, k, &id); k++)
        if (cv_slice_eq(id.name, v)) return true;
    return false;
}

static cv_result fix_value(const ref_job *j, cv_node *val)
{
    if (val->kind != CV_NODE_STR) return cv_ok();
    cv_slice v = cv_slice_of(val->s, val->len);
    const cv_node *hit = NULL;
    for (size_t i = 0; i < j->rm->n; i++) {
        const cv_node *c = j->rm->objs[i];
        cv_kz_id id = cv_kz_cur_id(c);
        if (!cv_slice_eq_str(id.kind, j->kind) || (j->group[0] && !cv_slice_eq_str(id.group, j->group)))
            continue;
        if (!names_match(c, v)) continue;
        if (!cv_kz_cluster_scoped(id.group, id.version, id.kind) && !cv_slice_eq(cv_kz_eff_ns(&id), j->ns))
            continue;
        if (hit) return cv_ok(); /* ambiguous: kustomize leaves it */
        hit = c;
    }
    if (!hit) return cv_ok();
    cv_slice nn = cv_kz_str(cv_map_get(hit, "metadata"), "name");
    return cv_node_set_text(j->d, val, CV_NODE_STR, nn.p, nn.len);
}

static cv_result visit(const ref_job *j, cv_node *n, const char *path, size_t depth)
{
    CV_ENSURE(depth < CV_KZ_MAX_DEPTH, CV_E_LIMIT);
    if (n->kind == CV_NODE_LIST) {
        for (size_t i = 0; i < n->n; i++) CV_GUARD(visit(j, n->items[i].value, path, depth + 1));
        return cv_ok();
    }
    if (!*path) return fix_value(j, n);
    if (n->kind != CV_NODE_MAP) return cv_ok();
    const char *e = strchr(path, '/');
    size_t len = e ? (size_t)(e - path) : strlen(path);
    char seg[256];
    if (len >= sizeof seg) return cv_ok();
    memcpy(seg, path, len);
    seg[len] = 0;
    size_t sl = len;
    if (sl > 2 && strcmp(seg + sl - 2, "[]") == 0) seg[sl - 2] = 0;
    cv_node *c = cv_map_get(n, seg);
    if (!c) return cv_ok();
    return visit(j, c, e ? e + 1 : "", depth + 1);
}

static cv_result apply_ref(const cv_kz_resmap *rm, cv_doc *d, const char *kind, const char *group,
                           const char *rkind, const char *rgroup, const char *path)
{
    for (size_t i = 0; i < rm->n; i++) {
        cv_node *o = rm->objs[i];
        cv_kz_id id = cv_kz_cur_id(o);
        if (rkind[0] && !cv_slice_eq_str(id.kind, rkind)) continue;
        if (rgroup[0] && !cv_slice_eq_str(id.group, rgroup)) continue;
        ref_job j = { rm, kind, group, cv_kz_eff_ns(&id), d };
        CV_GUARD(visit(&j, o, path, 0));
    }
    return cv_ok();
}

cv_result cv_kzb_name_references(cv_kzb_ctx *c, cv_kz_resmap *rm)
{
    char path[256];
    for (size_t h = 0; h < sizeof k_pod_holders / sizeof k_pod_holders[0]; h++) {
        for (size_t f = 0; k_cm_fields[f]; f++) {
            snprintf(path, sizeof path, "%s/%s", k_pod_holders[h][1], k_cm_fields[f]);
            CV_GUARD(apply_ref(rm, &rm->doc, "ConfigMap", "", k_pod_holders[h][0], "", path));
        }
        for (size_t f = 0; k_secret_fields[f]; f++) {
            snprintf(path, sizeof path, "%s/%s", k_pod_holders[h][1], k_secret_fields[f]);
            CV_GUARD(apply_ref(rm, &rm->doc, "Secret", "", k_pod_holders[h][0], "", path));
        }
    }
    CV_GUARD(apply_ref(rm, &rm->doc, "Secret", "", "Ingress", "", "spec/tls/secretName"));
    for (size_t i = 0; i < c->nrefs; i++) {
        const cv_kzb_ref *r = &c->refs[i];
        CV_GUARD(apply_ref(rm, &rm->doc, r->kind, r->group, r->rkind, r->rgroup, r->path));
    }
    return cv_ok();
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
    cv_kz_id a = cv_kz_cur_id(x), b = cv_kz_cur_id(y);
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
        cv_slice order = cv_kz_str(opts, "order");
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

static bool build_meta_has(const cv_node *k, const char *opt)
{
    const cv_node *l = k ? cv_map_get(k, "buildMetadata") : NULL;
    for (size_t i = 0; l && l->kind == CV_NODE_LIST && i < l->n; i++)
        if (cv_slice_eq_str(cv_slice_of(l->items[i].value->s, l->items[i].value->len), opt))
            return true;
    return false;
}

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

cv_result cv_kzb_finish(cv_kz_resmap *rm, const cv_node *kust)
{
    bool origin = build_meta_has(kust, "originAnnotations");
    bool transf = build_meta_has(kust, "transformerAnnotations");
    CV_ENSUREF(!origin && !transf && !build_meta_has(kust, "managedByLabel"), CV_E_UNSUPPORTED,
               "buildMetadata is not implemented by covert");
    for (size_t i = 0; i < rm->n; i++)
        CV_GUARD(clean_annotations(&rm->doc, rm->objs[i], origin, transf));
    return cv_ok();
}
