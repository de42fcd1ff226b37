/* Known source objects and their artifacts (see sources.h). */
#include "reconcile/flux/sources.h"

#include <stdlib.h>
#include <string.h>

#include "crypto/base/limits.h"
#include "reconcile/source/artifact.h"

#define SOURCE_GROUP "source.toolkit.fluxcd.io/"

typedef struct {
    char *ignore; /* spec.ignore, "" when unset */
    cv_srctree *tree;
    cv_kzfs *fs;
} artifact;

struct cv_flux_sources {
    cv_doc doc;
    cv_node **known;
    size_t n_known, cap_known;
    artifact *art;
    size_t n_art;
    cv_srctree *raw; /* the repository read from disk, once */
};

cv_result cv_flux_sources_new(cv_flux_sources **out)
{
    cv_flux_sources *s = calloc(1, sizeof *s);
    CV_ENSURE(s, CV_E_NOMEM);
    cv_result r = cv_doc_init(&s->doc);
    if (!cv_is_ok(r)) {
        free(s);
        return r;
    }
    *out = s;
    return cv_ok();
}

void cv_flux_sources_free(cv_flux_sources **sp)
{
    if (sp == NULL || *sp == NULL) return;
    cv_flux_sources *s = *sp;
    for (size_t i = 0; i < s->n_art; i++) {
        cv_kzfs_free(&s->art[i].fs);
        cv_srctree_free(&s->art[i].tree);
        free(s->art[i].ignore);
    }
    free(s->art);
    free(s->known);
    cv_srctree_free(&s->raw);
    cv_doc_clear(&s->doc);
    free(s);
    *sp = NULL;
}

void cv_flux_sources_reset(cv_flux_sources *s) { s->n_known = 0; }

bool cv_flux_is_source(const cv_node *obj)
{
    const char *api = cv_flux_str(obj, "apiVersion"), *kind = cv_flux_str(obj, "kind");
    return api && kind && strncmp(api, SOURCE_GROUP, strlen(SOURCE_GROUP)) == 0 &&
           (strcmp(kind, "GitRepository") == 0 || strcmp(kind, "OCIRepository") == 0);
}

static const cv_node *find(const cv_flux_sources *s, const char *kind, const char *ns, const char *name)
{
    for (size_t i = 0; i < s->n_known; i++) {
        const cv_node *o = s->known[i];
        if (strcmp(cv_flux_str(o, "kind"), kind) == 0 && strcmp(cv_flux_obj_ns(o), ns) == 0 &&
            strcmp(cv_flux_obj_name(o), name) == 0)
            return o;
    }
    return NULL;
}

cv_result cv_flux_sources_note(cv_flux_sources *s, const cv_node *obj)
{
    if (!cv_flux_is_source(obj) ||
        find(s, cv_flux_str(obj, "kind"), cv_flux_obj_ns(obj), cv_flux_obj_name(obj)))
        return cv_ok();
    if (s->n_known == s->cap_known) {
        CV_ENSUREF(s->n_known < CV_KZ_MAX_RESOURCES, CV_E_LIMIT, "too many source objects");
        size_t cap = s->cap_known ? s->cap_known * 2 : 16;
        cv_node **p = realloc(s->known, cap * sizeof *p);
        CV_ENSURE(p, CV_E_NOMEM);
        s->known = p;
        s->cap_known = cap;
    }
    CV_GUARD(cv_node_clone(&s->doc, obj, &s->known[s->n_known]));
    s->n_known++;
    return cv_ok();
}

/* What of the object's spec covert cannot reproduce; spec.ignore. */
static cv_result check_spec(const cv_node *src, const char **ignore)
{
    const char *kind = cv_flux_str(src, "kind");
    const cv_node *spec = cv_map_get(src, "spec");
    const cv_node *ig = cv_map_get(spec, "ignore");
    const char *id_ns = cv_flux_obj_ns(src), *id_name = cv_flux_obj_name(src);
    *ignore = NULL;
    CV_ENSUREF(!ig || ig->kind == CV_NODE_NULL || ig->kind == CV_NODE_STR, CV_E_FLUX_SOURCE,
               "%s %s/%s: spec.ignore: expected a string", kind, id_ns, id_name);
    if (ig && ig->kind == CV_NODE_STR) *ignore = ig->s;
    static const char *const git_unsupported[] = { "include", "sparseCheckout" };
    for (size_t i = 0; strcmp(kind, "GitRepository") == 0 && i < 2; i++) {
        const cv_node *v = cv_map_get(spec, git_unsupported[i]);
        CV_ENSUREF(!v || v->kind == CV_NODE_NULL || (v->kind == CV_NODE_LIST && v->n == 0), CV_E_FLUX_SOURCE,
                   "%s %s/%s: spec.%s is not supported", kind, id_ns, id_name, git_unsupported[i]);
    }
    const char *op = cv_flux_str(cv_map_get(spec, "layerSelector"), "operation");
    CV_ENSUREF(op == NULL || strcmp(op, "copy") != 0, CV_E_FLUX_SOURCE,
               "%s %s/%s: spec.layerSelector.operation copy is not supported", kind, id_ns, id_name);
    return cv_ok();
}

static cv_result raw_tree(cv_flux_sources *s, const cv_flux_opts *o, const cv_srctree **out)
{
    if (o->raw == NULL && s->raw == NULL) CV_GUARD(cv_srctree_from_dir(o->root, &s->raw));
    *out = o->raw ? o->raw : s->raw;
    return cv_ok();
}

static cv_result new_artifact(cv_flux_sources *s, const cv_flux_opts *o, const char *ignore,
                              artifact **out)
{
    const cv_srctree *raw;
    CV_GUARD(raw_tree(s, o, &raw));
    artifact a = { strdup(ignore), NULL, NULL };
    CV_ENSURE(a.ignore, CV_E_NOMEM);
    cv_result r = cv_srctree_artifact(raw, *ignore ? ignore : NULL, &a.tree);
    if (cv_is_ok(r)) r = cv_kzfs_tree(a.tree, &a.fs);
    artifact *p = cv_is_ok(r) ? realloc(s->art, (s->n_art + 1) * sizeof *p) : NULL;
    if (cv_is_ok(r) && p == NULL) r = CV_FAIL(CV_E_NOMEM);
    if (!cv_is_ok(r)) {
        cv_kzfs_free(&a.fs);
        cv_srctree_free(&a.tree);
        free(a.ignore);
        return r;
    }
    s->art = p;
    s->art[s->n_art] = a;
    *out = &s->art[s->n_art++];
    return cv_ok();
}

cv_result cv_flux_sources_files(cv_flux_sources *s, const cv_flux_opts *o, const cv_flux_ks *k,
                                cv_kzfs **fs, const char **root)
{
    *fs = o->fs;
    *root = o->root;
    const cv_node *src = k->src_kind ? find(s, k->src_kind, k->src_ns, k->src_name) : NULL;
    if (src == NULL) return cv_ok();
    const char *ignore;
    CV_GUARD(check_spec(src, &ignore));
    if (ignore == NULL) ignore = "";
    artifact *a = NULL;
    for (size_t i = 0; i < s->n_art && a == NULL; i++)
        if (strcmp(s->art[i].ignore, ignore) == 0) a = &s->art[i];
    if (a == NULL) CV_GUARD(new_artifact(s, o, ignore, &a));
    *fs = a->fs;
    *root = ".";
    return cv_ok();
}
