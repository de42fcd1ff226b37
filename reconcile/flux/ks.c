/* Reading a Flux Kustomization object (see ks.h). */
#include "reconcile/flux/ks.h"

#include <stdlib.h>
#include <string.h>

#include "crypto/base/limits.h"

#define KS_GROUP "kustomize.toolkit.fluxcd.io/"

const char *cv_flux_str(const cv_node *map, const char *key)
{
    const cv_node *v = cv_map_get(map, key);
    return v && v->kind == CV_NODE_STR ? v->s : NULL;
}

bool cv_flux_is_ks(const cv_node *obj)
{
    const char *api = cv_flux_str(obj, "apiVersion"), *kind = cv_flux_str(obj, "kind");
    return api && kind && strncmp(api, KS_GROUP, strlen(KS_GROUP)) == 0 &&
           strcmp(kind, "Kustomization") == 0;
}

const char *cv_flux_obj_ns(const cv_node *obj)
{
    const char *ns = cv_flux_str(cv_map_get(obj, "metadata"), "namespace");
    return ns && *ns ? ns : "default";
}

const char *cv_flux_obj_name(const cv_node *obj)
{
    const char *n = cv_flux_str(cv_map_get(obj, "metadata"), "name");
    return n ? n : "";
}

/* An optional string field: absent/null is fine, anything else must be a string. */
static cv_result opt_str(const cv_node *m, const char *key, const char **out)
{
    const cv_node *v = cv_map_get(m, key);
    *out = NULL;
    if (v == NULL || v->kind == CV_NODE_NULL) return cv_ok();
    CV_ENSUREF(v->kind == CV_NODE_STR, CV_E_FLUX_SPEC, "spec.%s: expected a string", key);
    *out = v->s;
    return cv_ok();
}

static cv_result opt_kind(const cv_node *m, const char *key, cv_node_kind kind, const cv_node **out)
{
    const cv_node *v = cv_map_get(m, key);
    *out = NULL;
    if (v == NULL || v->kind == CV_NODE_NULL) return cv_ok();
    CV_ENSUREF(v->kind == kind, CV_E_FLUX_SPEC, "spec.%s: expected a %s", key,
               kind == CV_NODE_MAP ? "map" : "list");
    *out = v;
    return cv_ok();
}

static cv_result opt_bool(const cv_node *m, const char *key, bool *out)
{
    const cv_node *v = cv_map_get(m, key);
    *out = false;
    if (v == NULL || v->kind == CV_NODE_NULL) return cv_ok();
    CV_ENSUREF(v->kind == CV_NODE_BOOL, CV_E_FLUX_SPEC, "spec.%s: expected a boolean", key);
    *out = v->v.b;
    return cv_ok();
}

/* Every item of a list must be a string (components, buildMetadata). */
static cv_result str_list(const cv_node *l, const char *what)
{
    for (size_t i = 0; l && i < l->n; i++)
        CV_ENSUREF(l->items[i].value->kind == CV_NODE_STR, CV_E_FLUX_SPEC,
                   "spec.%s[%zu]: expected a string", what, i);
    return cv_ok();
}

/* Every item of a list must be a map (patches, images, ...). */
static cv_result map_list(const cv_node *l, const char *what)
{
    for (size_t i = 0; l && i < l->n; i++)
        CV_ENSUREF(l->items[i].value->kind == CV_NODE_MAP, CV_E_FLUX_SPEC,
                   "spec.%s[%zu]: expected a map", what, i);
    return cv_ok();
}

static cv_result parse_source(const cv_node *spec, cv_flux_ks *k)
{
    static const char *const kinds[] = { "GitRepository", "OCIRepository", "Bucket",
                                         "ExternalArtifact" };
    const cv_node *ref = cv_map_get(spec, "sourceRef");
    CV_ENSUREF(ref && ref->kind == CV_NODE_MAP, CV_E_FLUX_SPEC, "spec.sourceRef: required");
    k->src_kind = cv_flux_str(ref, "kind");
    k->src_name = cv_flux_str(ref, "name");
    k->src_ns = cv_flux_str(ref, "namespace");
    if (k->src_ns == NULL || !*k->src_ns) k->src_ns = k->ns;
    CV_ENSUREF(k->src_name && *k->src_name, CV_E_FLUX_SPEC, "spec.sourceRef.name: required");
    for (size_t i = 0; k->src_kind && i < 4; i++)
        if (strcmp(k->src_kind, kinds[i]) == 0) return cv_ok();
    CV_BAILF(CV_E_FLUX_SPEC, "spec.sourceRef.kind: unsupported value \"%s\"",
             k->src_kind ? k->src_kind : "");
}

static cv_result parse_deps(const cv_node *spec, cv_flux_ks *k)
{
    const cv_node *l;
    CV_GUARD(opt_kind(spec, "dependsOn", CV_NODE_LIST, &l));
    if (l == NULL || l->n == 0) return cv_ok();
    CV_GUARD(map_list(l, "dependsOn"));
    k->deps = calloc(l->n, sizeof *k->deps);
    CV_ENSURE(k->deps, CV_E_NOMEM);
    for (size_t i = 0; i < l->n; i++) {
        const cv_node *d = l->items[i].value;
        const char *name = cv_flux_str(d, "name"), *ns = cv_flux_str(d, "namespace");
        CV_ENSUREF(name && *name, CV_E_FLUX_SPEC, "spec.dependsOn[%zu].name: required", i);
        k->deps[k->n_deps++] = (cv_flux_dep){ name, ns && *ns ? ns : k->ns };
    }
    return cv_ok();
}

static cv_result parse_subst_from(const cv_node *l, cv_flux_ks *k)
{
    k->subst_from = calloc(l->n ? l->n : 1, sizeof *k->subst_from);
    CV_ENSURE(k->subst_from, CV_E_NOMEM);
    for (size_t i = 0; i < l->n; i++) {
        const cv_node *s = l->items[i].value;
        CV_ENSUREF(s->kind == CV_NODE_MAP, CV_E_FLUX_SPEC,
                   "spec.postBuild.substituteFrom[%zu]: expected a map", i);
        const char *kind = cv_flux_str(s, "kind"), *name = cv_flux_str(s, "name");
        CV_ENSUREF(kind && (strcmp(kind, "ConfigMap") == 0 || strcmp(kind, "Secret") == 0),
                   CV_E_FLUX_SPEC, "spec.postBuild.substituteFrom[%zu].kind: ConfigMap or Secret", i);
        CV_ENSUREF(name && *name, CV_E_FLUX_SPEC, "spec.postBuild.substituteFrom[%zu].name: required", i);
        const cv_node *opt = cv_map_get(s, "optional");
        k->subst_from[k->n_subst_from++] = (cv_flux_subst_ref){
            strcmp(kind, "Secret") == 0, name, opt && opt->kind == CV_NODE_BOOL && opt->v.b
        };
    }
    return cv_ok();
}

static cv_result parse_post_build(const cv_node *spec, cv_flux_ks *k)
{
    const cv_node *pb;
    CV_GUARD(opt_kind(spec, "postBuild", CV_NODE_MAP, &pb));
    if (pb == NULL) return cv_ok();
    k->post_build = true;
    const cv_node *sub, *from;
    CV_GUARD(opt_kind(pb, "substitute", CV_NODE_MAP, &sub));
    for (size_t i = 0; sub && i < sub->n; i++)
        CV_ENSUREF(sub->items[i].value && sub->items[i].value->kind == CV_NODE_STR, CV_E_FLUX_SPEC,
                   "spec.postBuild.substitute.%s: expected a string",
                   sub->items[i].key ? sub->items[i].key->s : "");
    k->substitute = sub;
    CV_GUARD(opt_kind(pb, "substituteFrom", CV_NODE_LIST, &from));
    if (from) CV_GUARD(parse_subst_from(from, k));
    const char *strategy;
    CV_GUARD(opt_str(pb, "substituteStrategy", &strategy));
    CV_ENSUREF(strategy == NULL || strcmp(strategy, "WithVariables") == 0 ||
                   strcmp(strategy, "Always") == 0,
               CV_E_FLUX_SPEC, "spec.postBuild.substituteStrategy: unsupported value \"%s\"", strategy);
    k->subst_always = strategy && strcmp(strategy, "Always") == 0;
    return cv_ok();
}

static cv_result parse_decryption(const cv_node *spec, cv_flux_ks *k)
{
    const cv_node *d;
    CV_GUARD(opt_kind(spec, "decryption", CV_NODE_MAP, &d));
    if (d == NULL) return cv_ok();
    const char *p = cv_flux_str(d, "provider");
    CV_ENSUREF(p && strcmp(p, "sops") == 0, CV_E_FLUX_SPEC,
               "spec.decryption.provider: unsupported value \"%s\"", p ? p : "");
    k->decrypt = true;
    return cv_ok();
}

static cv_result parse_metadata(const cv_node *spec, cv_flux_ks *k)
{
    const cv_node *cm;
    CV_GUARD(opt_kind(spec, "commonMetadata", CV_NODE_MAP, &cm));
    CV_GUARD(opt_kind(cm, "labels", CV_NODE_MAP, &k->common_labels));
    CV_GUARD(opt_kind(cm, "annotations", CV_NODE_MAP, &k->common_annotations));
    return cv_ok();
}

static cv_result parse_kustomize_fields(const cv_node *spec, cv_flux_ks *k)
{
    CV_GUARD(opt_str(spec, "targetNamespace", &k->target_ns));
    CV_GUARD(opt_str(spec, "namePrefix", &k->name_prefix));
    CV_GUARD(opt_str(spec, "nameSuffix", &k->name_suffix));
    CV_GUARD(opt_kind(spec, "patches", CV_NODE_LIST, &k->patches));
    CV_GUARD(map_list(k->patches, "patches"));
    CV_GUARD(opt_kind(spec, "patchesStrategicMerge", CV_NODE_LIST, &k->patches_sm));
    CV_GUARD(map_list(k->patches_sm, "patchesStrategicMerge"));
    CV_GUARD(opt_kind(spec, "patchesJson6902", CV_NODE_LIST, &k->patches_json6902));
    CV_GUARD(map_list(k->patches_json6902, "patchesJson6902"));
    CV_GUARD(opt_kind(spec, "components", CV_NODE_LIST, &k->components));
    CV_GUARD(str_list(k->components, "components"));
    CV_GUARD(opt_bool(spec, "ignoreMissingComponents", &k->ignore_missing_components));
    CV_GUARD(opt_kind(spec, "images", CV_NODE_LIST, &k->images));
    CV_GUARD(map_list(k->images, "images"));
    CV_GUARD(opt_kind(spec, "buildMetadata", CV_NODE_LIST, &k->build_metadata));
    return str_list(k->build_metadata, "buildMetadata");
}

cv_result cv_flux_ks_parse(const cv_node *obj, cv_flux_ks *k)
{
    memset(k, 0, sizeof *k);
    k->obj = obj;
    k->ns = cv_flux_obj_ns(obj);
    k->name = cv_flux_obj_name(obj);
    CV_ENSUREF(*k->name, CV_E_FLUX_SPEC, "metadata.name: required");
    const cv_node *spec = cv_map_get(obj, "spec");
    CV_ENSUREF(spec && spec->kind == CV_NODE_MAP, CV_E_FLUX_SPEC, "spec: required");
    CV_GUARD(opt_str(spec, "path", &k->path));
    if (k->path == NULL) k->path = "";
    CV_GUARD(parse_source(spec, k));
    CV_GUARD(parse_kustomize_fields(spec, k));
    CV_GUARD(parse_metadata(spec, k));
    CV_GUARD(parse_post_build(spec, k));
    CV_GUARD(parse_decryption(spec, k));
    CV_GUARD(parse_deps(spec, k));
    return opt_bool(spec, "suspend", &k->suspend);
}

void cv_flux_ks_clear(cv_flux_ks *k)
{
    if (k == NULL) return;
    free(k->deps);
    free(k->subst_from);
    k->deps = NULL;
    k->subst_from = NULL;
    k->n_deps = k->n_subst_from = 0;
}
