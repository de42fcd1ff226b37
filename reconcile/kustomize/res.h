/* One resource's identity as kustomize sees it (api/resource, kyaml/resid):
 * group/version/kind from apiVersion and kind, name, namespace, whether
 * the kind is cluster-scoped (kyaml's built-in table; unknown kinds are
 * namespaced), the effective namespace used in comparisons, and the
 * previous ids kustomize stores in build annotations whenever a
 * transformer renames a resource (internal.config.kubernetes.io/
 * previousNames, previousKinds, previousNamespaces, comma-separated).
 *
 * Ownership: strings returned point into the resource's nodes (valid until
 * they change); new nodes are allocated in the resmap's doc.
 *
 * Errors: CV_E_NOMEM / CV_E_TOO_LARGE from the arena. */
#ifndef CV_KZ_RES_H
#define CV_KZ_RES_H

#include <stdbool.h>

#include "crypto/base/buf.h"
#include "secrets/doc/tree.h"

typedef struct {
    cv_slice group, version, kind, name, ns;
} cv_kz_id;

/* A string field (scalar text) of a map, or an empty slice. */
cv_slice cv_kz_str(const cv_node *map, const char *key);
/* The node at a '/'-path of map keys, or NULL. */
cv_node *cv_kz_path(const cv_node *obj, const char *path);
cv_kz_id cv_kz_cur_id(const cv_node *obj);
bool cv_kz_cluster_scoped(cv_slice group, cv_slice version, cv_slice kind);
/* id.EffectiveNamespace(): "_non_namespaceable_", "default" or the namespace. */
cv_slice cv_kz_eff_ns(const cv_kz_id *id);
/* ResId.Equals: same gvk and name, namespaces equal as kustomize compares them. */
bool cv_kz_id_equal(const cv_kz_id *a, const cv_kz_id *b);
/* The original id (first previous id, or the current one). */
cv_kz_id cv_kz_org_id(const cv_node *obj);
/* Previous names (index k of the csv lists), false past the end. */
bool cv_kz_prev_id(const cv_node *obj, size_t k, cv_kz_id *out);

/* Annotation value (scalar text) or NULL. */
const cv_node *cv_kz_annotation(const cv_node *obj, const char *key);
cv_result cv_kz_set_annotation(cv_doc *d, cv_node *obj, const char *key, cv_slice value)
    CV_MUST_USE CV_NONNULL;
void cv_kz_del_annotation(cv_node *obj, const char *key);
/* StorePreviousId(): append the current name, effective namespace and kind. */
cv_result cv_kz_store_prev_id(cv_doc *d, cv_node *obj) CV_MUST_USE CV_NONNULL;
/* Set a string field at a '/'-path of maps, creating maps on the way. */
cv_result cv_kz_set_str(cv_doc *d, cv_node *obj, const char *path, cv_slice value)
    CV_MUST_USE CV_NONNULL;
/* "Kind.version.group/name.namespace" as kustomize prints a ResId. */
void cv_kz_id_text(const cv_kz_id *id, char *out, size_t cap);

#endif
