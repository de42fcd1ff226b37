/* namePrefix/nameSuffix (PrefixTransformer, SuffixTransformer), labels and
 * commonLabels (LabelTransformer), commonAnnotations
 * (AnnotationsTransformer): field specs from the accumulated configuration
 * (tconfig.h), values written as kustomize's filters write them. */
#include <stdlib.h>
#include <string.h>

#include "crypto/base/limits.h"
#include "reconcile/kustomize/kbuild.h"
#include "reconcile/kustomize/res.h"

/* ---- prefix / suffix ------------------------------------------------------------ */

typedef struct {
    cv_slice text;
    bool suffix;
} affix;

static cv_result set_affix(void *ctx, cv_doc *d, cv_node *n)
{
    const affix *a = ctx;
    char buf[CV_KZ_TEXT_MAX];
    cv_slice old = n->kind == CV_NODE_NULL ? cv_slice_of("", 0) : cv_kz_scalar_text(n, buf);
    CV_ENSUREF(cv_node_is_scalar(n), CV_E_KZ_RESOURCE, "name prefix/suffix: the field is not a scalar");
    size_t len = old.len + a->text.len;
    char *t = malloc(len + 1);
    CV_ENSURE(t, CV_E_NOMEM);
    const cv_slice first = a->suffix ? old : a->text, second = a->suffix ? a->text : old;
    if (first.len) memcpy(t, first.p, first.len);
    if (second.len) memcpy(t + first.len, second.p, second.len);
    cv_result r = cv_node_set_text(d, n, CV_NODE_STR, t, len);
    free(t);
    return r;
}

/* CRDs, APIServices and Namespaces keep their names. */
static bool affix_skipped(const cv_kz_id *org)
{
    return cv_slice_eq_str(org->kind, "CustomResourceDefinition") ||
           cv_slice_eq_str(org->kind, "Namespace") ||
           (cv_slice_eq_str(org->kind, "APIService") &&
            cv_slice_eq_str(org->group, "apiregistration.k8s.io"));
}

static cv_result affix_one(cv_kzb_acc *a, cv_node *r, affix *x, const cv_kz_fslist *l)
{
    cv_kz_id org;
    CV_GUARD(cv_kz_org_id(r, &org));
    if (affix_skipped(&org)) return cv_ok();
    cv_doc *d = &a->rm->doc;
    for (size_t f = 0; f < l->n; f++) {
        const cv_kz_fspec *fs = &l->v[f];
        /* org's slices may move once annotations change: re-read. */
        CV_GUARD(cv_kz_org_id(r, &org));
        if (!cv_kz_gvk_selected(&org, fs->group, fs->version, fs->kind)) continue;
        if (cv_slice_eq_str(fs->path, "metadata/name")) {
            CV_GUARD(cv_kz_append_csv(d, r, x->suffix ? CV_KZ_ANNO_SUFFIXES : CV_KZ_ANNO_PREFIXES, x->text));
            CV_GUARD(cv_kz_store_previous_id(d, r));
        }
        CV_GUARD(cv_kz_fs_apply(d, r, fs, CV_KZ_CREATE_SCALAR, set_affix, x));
    }
    return cv_ok();
}

static cv_result kust_string(const cv_node *k, const char *field, cv_slice *out)
{
    const cv_node *v = cv_map_get(k, field);
    *out = cv_slice_of("", 0);
    if (!v || v->kind == CV_NODE_NULL) return cv_ok();
    CV_ENSUREF(v->kind == CV_NODE_STR, CV_E_KZ_KUSTOMIZATION,
               "invalid Kustomization: json: cannot unmarshal into Go struct field Kustomization.%s of type string",
               field);
    *out = cv_slice_of(v->s, v->len);
    return cv_ok();
}

cv_result cv_kzb_prefix_suffix(cv_kzb_acc *a, const cv_node *k)
{
    for (int s = 0; s < 2; s++) {
        affix x = { .suffix = s == 1 };
        CV_GUARD(kust_string(k, s ? "nameSuffix" : "namePrefix", &x.text));
        if (!x.text.len) continue;
        const cv_kz_fslist *l = &a->tc.fs[s ? CV_KZ_FS_SUFFIX : CV_KZ_FS_PREFIX];
        for (size_t i = 0; i < a->n; i++) {
            if (a->objs[i]->kind != CV_NODE_MAP || a->objs[i]->n == 0) continue;
            CV_GUARD(affix_one(a, a->objs[i], &x, l));
        }
    }
    return cv_ok();
}

/* ---- labels and annotations --------------------------------------------------------- */

typedef struct {
    cv_slice key, value;
} entry;

static cv_result set_cb(void *ctx, cv_doc *d, cv_node *n)
{
    const entry *e = ctx;
    return cv_kz_set_entry(d, n, e->key, e->value);
}

/* A map[string]string field: keys sorted as yaml.SortedMapKeys sorts. */
static cv_result string_map(const cv_node *m, const char *what, entry **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    if (!m || m->kind == CV_NODE_NULL) return cv_ok();
    CV_ENSUREF(m->kind == CV_NODE_MAP, CV_E_KZ_KUSTOMIZATION,
               "invalid Kustomization: json: cannot unmarshal into Go struct field %s of type map[string]string", what);
    entry *e = m->n ? calloc(m->n, sizeof *e) : NULL;
    CV_ENSURE(!m->n || e, CV_E_NOMEM);
    size_t k = 0;
    for (size_t i = 0; i < m->n; i++) {
        const cv_node *key = m->items[i].key, *v = m->items[i].value;
        if (key->kind == CV_NODE_COMMENT) continue;
        if (key->kind != CV_NODE_STR || (v->kind != CV_NODE_STR && v->kind != CV_NODE_NULL)) {
            free(e);
            CV_BAILF(CV_E_KZ_KUSTOMIZATION,
                     "invalid Kustomization: json: cannot unmarshal into Go struct field %s of type string", what);
        }
        entry x = { cv_slice_of(key->s, key->len), v->kind == CV_NODE_STR ? cv_slice_of(v->s, v->len) : cv_slice_of("", 0) };
        size_t j = k;
        /* Later duplicates win, as in a Go map. */
        for (size_t q = 0; q < k; q++)
            if (cv_slice_eq(e[q].key, x.key)) j = q;
        if (j < k) {
            e[j] = x;
            continue;
        }
        for (; j > 0; j--) {
            cv_slice p = e[j - 1].key;
            size_t l = p.len < x.key.len ? p.len : x.key.len;
            int c = l ? memcmp(p.p, x.key.p, l) : 0;
            if (c < 0 || (c == 0 && p.len <= x.key.len)) break;
            e[j] = e[j - 1];
        }
        e[j] = x;
        k++;
    }
    *out = e;
    *n = k;
    return cv_ok();
}

static cv_result apply_entries(cv_kzb_acc *a, entry *e, size_t n, const cv_kz_fslist *l)
{
    for (size_t i = 0; i < a->n; i++) {
        cv_node *r = a->objs[i];
        if (r->kind != CV_NODE_MAP || r->n == 0) continue;
        for (size_t k = 0; k < n; k++)
            for (size_t f = 0; f < l->n; f++)
                CV_GUARD(cv_kz_fs_apply(&a->rm->doc, r, &l->v[f], CV_KZ_CREATE_MAP, set_cb, &e[k]));
    }
    return cv_ok();
}

static cv_result apply_map(cv_kzb_acc *a, const cv_node *m, const char *what, const cv_kz_fslist *l)
{
    entry *e;
    size_t n;
    CV_GUARD(string_map(m, what, &e, &n));
    cv_result r = apply_entries(a, e, n, l);
    free(e);
    return r;
}

static bool flag(const cv_node *m, const char *key)
{
    const cv_node *v = cv_map_get(m, key);
    return v && v->kind == CV_NODE_BOOL && v->v.b;
}

static cv_result check_label_entry(const cv_node *e)
{
    CV_ENSUREF(e->kind == CV_NODE_MAP, CV_E_KZ_KUSTOMIZATION,
               "invalid Kustomization: json: cannot unmarshal into Go struct field Kustomization.labels of type types.Label");
    static const char *const known[] = { "pairs", "includeSelectors", "includeTemplates", "fields", NULL };
    for (size_t i = 0; i < e->n; i++) {
        const cv_node *k = e->items[i].key, *v = e->items[i].value;
        size_t j = 0;
        while (known[j] && !(k->kind == CV_NODE_STR && cv_slice_eq_str(cv_slice_of(k->s, k->len), known[j]))) j++;
        CV_ENSUREF(known[j], CV_E_KZ_KUSTOMIZATION, "invalid Kustomization: json: unknown field \"%.*s\"",
                   k->kind == CV_NODE_STR ? (int)k->len : 0, k->kind == CV_NODE_STR ? k->s : "");
        CV_ENSUREF(j == 0 || j == 3 || v->kind == CV_NODE_BOOL || v->kind == CV_NODE_NULL, CV_E_KZ_KUSTOMIZATION,
                   "invalid Kustomization: json: cannot unmarshal into Go struct field Label.labels.%s of type bool",
                   known[j]);
    }
    return cv_ok();
}

static cv_result label_specs(const cv_kz_tconfig *tc, const cv_node *e, cv_kz_fslist *fss)
{
    const cv_node *fields = cv_map_get(e, "fields");
    if (fields) CV_GUARD(cv_kz_fslist_parse(fss, fields));
    CV_GUARD(cv_kz_fslist_merge_all(fss, &tc->fs[CV_KZ_FS_LABELS]));
    if (flag(e, "includeSelectors")) return cv_kz_fslist_merge_all(fss, &tc->fs[CV_KZ_FS_COMMON_LABELS]);
    if (flag(e, "includeTemplates")) CV_GUARD(cv_kz_fslist_merge_all(fss, &tc->fs[CV_KZ_FS_TEMPLATE_LABELS]));
    cv_kz_fspec meta = { .path = cv_slice_str("metadata/labels"), .create = true };
    return cv_kz_fslist_merge_one(fss, &meta);
}

cv_result cv_kzb_labels(cv_kzb_acc *a, const cv_node *k)
{
    const cv_node *labels = cv_map_get(k, "labels");
    if (labels && labels->kind != CV_NODE_NULL) {
        CV_ENSUREF(labels->kind == CV_NODE_LIST, CV_E_KZ_KUSTOMIZATION,
                   "invalid Kustomization: json: cannot unmarshal into Go struct field Kustomization.labels of type []types.Label");
        for (size_t i = 0; i < labels->n; i++) {
            const cv_node *e = labels->items[i].value;
            CV_GUARD(check_label_entry(e));
            cv_kz_fslist fss = { 0 };
            cv_result r = label_specs(&a->tc, e, &fss);
            if (cv_is_ok(r)) r = apply_map(a, cv_map_get(e, "pairs"), "Label.labels.pairs", &fss);
            cv_kz_fslist_free(&fss);
            CV_GUARD(r);
        }
    }
    return apply_map(a, cv_map_get(k, "commonLabels"), "Kustomization.commonLabels",
                     &a->tc.fs[CV_KZ_FS_COMMON_LABELS]);
}

cv_result cv_kzb_annotations(cv_kzb_acc *a, const cv_node *k)
{
    return apply_map(a, cv_map_get(k, "commonAnnotations"), "Kustomization.commonAnnotations",
                     &a->tc.fs[CV_KZ_FS_ANNOTATIONS]);
}
