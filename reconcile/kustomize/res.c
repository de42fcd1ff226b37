/* Resource identity and build annotations (see res.h). */
#include "reconcile/kustomize/res.h"

#include <stdio.h>
#include <string.h>

#define PREV_NAMES "internal.config.kubernetes.io/previousNames"
#define PREV_KINDS "internal.config.kubernetes.io/previousKinds"
#define PREV_NSS "internal.config.kubernetes.io/previousNamespaces"

static const cv_slice k_empty = { NULL, 0 };

cv_slice cv_kz_str(const cv_node *map, const char *key)
{
    if (!map || map->kind != CV_NODE_MAP) return k_empty;
    const cv_node *v = cv_map_get(map, key);
    if (!v || (v->kind != CV_NODE_STR && v->kind != CV_NODE_TIME)) return k_empty;
    return cv_slice_of(v->s, v->len);
}

cv_node *cv_kz_path(const cv_node *obj, const char *path)
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

cv_kz_id cv_kz_cur_id(const cv_node *obj)
{
    cv_kz_id id = { 0 };
    cv_slice av = cv_kz_str(obj, "apiVersion");
    const uint8_t *slash = av.len ? memchr(av.p, '/', av.len) : NULL;
    if (slash) {
        id.group = cv_slice_of(av.p, (size_t)(slash - av.p));
        id.version = cv_slice_of(slash + 1, av.len - id.group.len - 1);
    } else {
        id.version = av;
    }
    id.kind = cv_kz_str(obj, "kind");
    const cv_node *meta = cv_map_get(obj, "metadata");
    id.name = cv_kz_str(meta, "name");
    id.ns = cv_kz_str(meta, "namespace");
    return id;
}

/* kyaml's precomputed scope table: the built-in kinds that are not
 * namespaced (group "" is the core group). */
static const char *const k_cluster[][2] = {
    { "admissionregistration.k8s.io", "MutatingWebhookConfiguration" },
    { "admissionregistration.k8s.io", "ValidatingWebhookConfiguration" },
    { "apiextensions.k8s.io", "CustomResourceDefinition" },
    { "apiregistration.k8s.io", "APIService" },
    { "certificates.k8s.io", "CertificateSigningRequest" },
    { "flowcontrol.apiserver.k8s.io", "FlowSchema" },
    { "flowcontrol.apiserver.k8s.io", "PriorityLevelConfiguration" },
    { "networking.k8s.io", "IngressClass" },
    { "node.k8s.io", "RuntimeClass" },
    { "policy", "PodSecurityPolicy" },
    { "rbac.authorization.k8s.io", "ClusterRole" },
    { "rbac.authorization.k8s.io", "ClusterRoleBinding" },
    { "scheduling.k8s.io", "PriorityClass" },
    { "storage.k8s.io", "CSIDriver" },
    { "storage.k8s.io", "CSINode" },
    { "storage.k8s.io", "StorageClass" },
    { "storage.k8s.io", "VolumeAttachment" },
    { "", "ComponentStatus" },
    { "", "Namespace" },
    { "", "Node" },
    { "", "NodeProxyOptions" },
    { "", "PersistentVolume" },
};

bool cv_kz_cluster_scoped(cv_slice group, cv_slice version, cv_slice kind)
{
    (void)version;
    for (size_t i = 0; i < sizeof k_cluster / sizeof k_cluster[0]; i++)
        if (cv_slice_eq_str(group, k_cluster[i][0]) && cv_slice_eq_str(kind, k_cluster[i][1]))
            return true;
    return false;
}

cv_slice cv_kz_eff_ns(const cv_kz_id *id)
{
    if (cv_kz_cluster_scoped(id->group, id->version, id->kind))
        return cv_slice_of("_non_namespaceable_", 19);
    if (id->ns.len == 0) return cv_slice_of("default", 7);
    return id->ns;
}

bool cv_kz_id_equal(const cv_kz_id *a, const cv_kz_id *b)
{
    return cv_slice_eq(a->group, b->group) && cv_slice_eq(a->version, b->version) &&
           cv_slice_eq(a->kind, b->kind) && cv_slice_eq(a->name, b->name) &&
           cv_slice_eq(cv_kz_eff_ns(a), cv_kz_eff_ns(b));
}

const cv_node *cv_kz_annotation(const cv_node *obj, const char *key)
{
    const cv_node *a = cv_kz_path(obj, "metadata/annotations");
    if (!a || a->kind != CV_NODE_MAP) return NULL;
    return cv_map_get(a, key);
}

/* Field k (0-based) of a comma-separated list. */
static bool csv_field(const cv_node *v, size_t k, cv_slice *out)
{
    if (!v || v->kind != CV_NODE_STR) return false;
    const char *p = v->s, *end = v->s + v->len;
    for (size_t i = 0; i < k; i++) {
        const char *c = memchr(p, ',', (size_t)(end - p));
        if (!c) return false;
        p = c + 1;
    }
    const char *c = memchr(p, ',', (size_t)(end - p));
    *out = cv_slice_of(p, c ? (size_t)(c - p) : (size_t)(end - p));
    return true;
}

bool cv_kz_prev_id(const cv_node *obj, size_t k, cv_kz_id *out)
{
    cv_kz_id cur = cv_kz_cur_id(obj);
    cv_slice name, kind, ns;
    if (!csv_field(cv_kz_annotation(obj, PREV_NAMES), k, &name)) return false;
    if (!csv_field(cv_kz_annotation(obj, PREV_KINDS), k, &kind)) return false;
    if (!csv_field(cv_kz_annotation(obj, PREV_NSS), k, &ns)) return false;
    *out = cur;
    out->name = name;
    out->kind = kind;
    out->ns = ns;
    if (cv_slice_eq_str(ns, "_non_namespaceable_")) out->ns = k_empty;
    return true;
}

cv_kz_id cv_kz_org_id(const cv_node *obj)
{
    cv_kz_id id;
    if (cv_kz_prev_id(obj, 0, &id)) return id;
    return cv_kz_cur_id(obj);
}

static cv_result child_map(cv_doc *d, cv_node *m, const char *key, cv_node **out)
{
    cv_node *c = cv_map_get(m, key);
    if (c && c->kind == CV_NODE_MAP) {
        *out = c;
        return cv_ok();
    }
    CV_GUARD(cv_node_new(d, CV_NODE_MAP, out));
    long i = cv_map_find(m, key, strlen(key));
    if (i >= 0) {
        m->items[i].value = *out;
        return cv_ok();
    }
    return cv_map_add(d, m, key, strlen(key), *out);
}

cv_result cv_kz_set_str(cv_doc *d, cv_node *obj, const char *path, cv_slice value)
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
    cv_node *v;
    CV_GUARD(cv_node_text(d, CV_NODE_STR, value.p, value.len, &v));
    long i = cv_map_find(cur, seg, strlen(seg));
    if (i >= 0) {
        cur->items[i].value = v;
        return cv_ok();
    }
    return cv_map_add(d, cur, seg, strlen(seg), v);
}

cv_result cv_kz_set_annotation(cv_doc *d, cv_node *obj, const char *key, cv_slice value)
{
    cv_node *meta, *annos;
    CV_GUARD(child_map(d, obj, "metadata", &meta));
    CV_GUARD(child_map(d, meta, "annotations", &annos));
    cv_node *v;
    CV_GUARD(cv_node_text(d, CV_NODE_STR, value.p, value.len, &v));
    long i = cv_map_find(annos, key, strlen(key));
    if (i >= 0) {
        annos->items[i].value = v;
        return cv_ok();
    }
    return cv_map_add(d, annos, key, strlen(key), v);
}

void cv_kz_del_annotation(cv_node *obj, const char *key)
{
    cv_node *a = cv_kz_path(obj, "metadata/annotations");
    if (!a || a->kind != CV_NODE_MAP) return;
    long i = cv_map_find(a, key, strlen(key));
    if (i >= 0) cv_node_remove(a, (size_t)i);
}

static cv_result append_csv(cv_doc *d, cv_node *obj, const char *key, cv_slice v)
{
    const cv_node *old = cv_kz_annotation(obj, key);
    if (!old || old->kind != CV_NODE_STR || old->len == 0)
        return cv_kz_set_annotation(d, obj, key, v);
    cv_buf b;
    cv_buf_init_secret(&b, 1u << 20);
    cv_result r = cv_buf_add(&b, old->s, old->len);
    if (cv_is_ok(r)) r = cv_buf_add_byte(&b, ',');
    if (cv_is_ok(r)) r = cv_buf_add(&b, v.p, v.len);
    if (cv_is_ok(r)) r = cv_kz_set_annotation(d, obj, key, cv_buf_slice(&b));
    cv_buf_release(&b);
    return r;
}

cv_result cv_kz_store_prev_id(cv_doc *d, cv_node *obj)
{
    cv_kz_id id = cv_kz_cur_id(obj);
    cv_slice ns = cv_kz_eff_ns(&id);
    /* The slices point into nodes that the annotation writes may move. */
    char name[512], kind[256], nsb[256];
    CV_ENSURE(id.name.len < sizeof name && id.kind.len < sizeof kind && ns.len < sizeof nsb,
              CV_E_LIMIT);
    memcpy(name, id.name.p, id.name.len);
    memcpy(kind, id.kind.p, id.kind.len);
    memcpy(nsb, ns.p, ns.len);
    CV_GUARD(append_csv(d, obj, PREV_NAMES, cv_slice_of(name, id.name.len)));
    CV_GUARD(append_csv(d, obj, PREV_NSS, cv_slice_of(nsb, ns.len)));
    return append_csv(d, obj, PREV_KINDS, cv_slice_of(kind, id.kind.len));
}

void cv_kz_id_text(const cv_kz_id *id, char *out, size_t cap)
{
    snprintf(out, cap, "%.*s.%.*s.%.*s/%.*s.%.*s", (int)id->kind.len, (const char *)id->kind.p,
             (int)id->version.len, (const char *)id->version.p,
             id->group.len ? (int)id->group.len : 7,
             id->group.len ? (const char *)id->group.p : "[noGrp]", (int)id->name.len,
             (const char *)id->name.p, id->ns.len ? (int)id->ns.len : 6,
             id->ns.len ? (const char *)id->ns.p : "[noNs]");
}
