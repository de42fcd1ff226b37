/* A Flux Kustomization object (kustomize.toolkit.fluxcd.io/v1, flux.md A1)
 * read into the fields covert's build, walk and checks use; every other
 * spec field stays reachable through `obj`.
 *
 * Only what a build depends on is validated, with the API server's rules
 * where a wrong value would change the result: sourceRef (kind one of
 * GitRepository, OCIRepository, Bucket, ExternalArtifact; a name), the
 * string fields, the list fields' shapes, postBuild (substituteFrom kinds
 * ConfigMap/Secret, substitute values strings, substituteStrategy),
 * decryption.provider (sops), dependsOn entries (a name).
 *
 * Ownership: every string and node points into the object's document,
 * which must outlive the cv_flux_ks; the deps and subst_from arrays are
 * heap memory released by cv_flux_ks_clear.
 *
 * Errors: CV_E_FLUX_SPEC with a detail naming the field. */
#ifndef CV_FLUX_KS_H
#define CV_FLUX_KS_H

#include <stdbool.h>
#include <stddef.h>

#include "secrets/doc/tree.h"

typedef struct {
    const char *name;
    const char *ns; /* the dependant's namespace when absent */
} cv_flux_dep;

typedef struct {
    bool secret; /* kind Secret, else ConfigMap */
    const char *name;
    bool optional;
} cv_flux_subst_ref;

typedef struct {
    const cv_node *obj;
    const char *ns, *name; /* metadata; ns "default" when absent */
    const char *path;      /* spec.path, "" when absent (the artifact root) */
    const char *src_kind, *src_name, *src_ns;
    const char *target_ns, *name_prefix, *name_suffix; /* NULL when absent */
    const cv_node *patches, *components, *images, *patches_sm, *patches_json6902;
    const cv_node *build_metadata;
    bool ignore_missing_components;
    const cv_node *common_labels, *common_annotations; /* MAPs or NULL */
    bool post_build;               /* spec.postBuild present */
    const cv_node *substitute;     /* MAP of strings or NULL */
    cv_flux_subst_ref *subst_from;
    size_t n_subst_from;
    bool subst_always; /* substituteStrategy: Always */
    bool decrypt;      /* decryption.provider: sops */
    cv_flux_dep *deps;
    size_t n_deps;
    bool suspend;
} cv_flux_ks;

/* True for a Flux Kustomization object (any kustomize.toolkit.fluxcd.io
 * version, kind Kustomization). */
bool cv_flux_is_ks(const cv_node *obj);
/* metadata.namespace (else "default") and metadata.name (else ""). */
const char *cv_flux_obj_ns(const cv_node *obj);
const char *cv_flux_obj_name(const cv_node *obj);
/* String value of map[key], or NULL when absent or not a string. */
const char *cv_flux_str(const cv_node *map, const char *key);

cv_result cv_flux_ks_parse(const cv_node *obj, cv_flux_ks *out) CV_MUST_USE CV_NONNULL;
void cv_flux_ks_clear(cv_flux_ks *k);

#endif
