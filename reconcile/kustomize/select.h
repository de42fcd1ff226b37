/* Resource ids and selection as kustomize does them (kyaml resid, the
 * api's ResMap.Select and GetById).
 *
 * An id is group/version/kind/name/namespace of a resource MAP; slices
 * point into the resource's nodes (or static strings) and stay valid while
 * the resource is unchanged. A resource's previous ids come from the
 * internal.config.kubernetes.io/previous{Names,Namespaces,Kinds}
 * annotations (comma-separated), its original id is the first of them or
 * the current id, exactly as kustomize's PrevIds/OrgId.
 *
 * Selector (target MAP): group, version, kind, name, namespace are Go
 * regular expressions anchored as kustomize anchors them (^(?:re)$; empty
 * = any); labelSelector and annotationSelector use the Kubernetes label
 * selector syntax (k, !k, k=v, k==v, k!=v, k in (..), k notin (..), k>n,
 * k<n). Namespace and name match the original OR the current id; the GVK
 * matches the current one.
 *
 * Errors: CV_E_REGEX (detail: Go's message) for a bad pattern,
 * CV_E_KZ_SELECTOR for a bad label/annotation selector (detail: the
 * Kubernetes parser's wording), CV_E_KZ_PATCH_TARGET from GetById
 * (detail: "no matches for Id ..." / "multiple matches for Id ..."). */
#ifndef CV_KZ_SELECT_H
#define CV_KZ_SELECT_H

#include <stdbool.h>
#include <stddef.h>

#include "reconcile/kustomize/resmap.h"

#define CV_KZ_ANNO_PREV_NAMES "internal.config.kubernetes.io/previousNames"
#define CV_KZ_ANNO_PREV_NAMESPACES "internal.config.kubernetes.io/previousNamespaces"
#define CV_KZ_ANNO_PREV_KINDS "internal.config.kubernetes.io/previousKinds"

typedef struct {
    cv_slice group, version, kind, name, ns;
} cv_kz_id;

/* The text of a scalar as yaml.v3 holds it (Value); maps and lists give
 * "". buf must hold CV_KZ_TEXT_MAX bytes for numbers. */
#define CV_KZ_TEXT_MAX 64
cv_slice cv_kz_scalar_text(const cv_node *n, char *buf);

/* The current id of a resource (GetName/GetNamespace/GetApiVersion/GetKind). */
void cv_kz_cur_id(const cv_node *obj, cv_kz_id *id);
/* kyaml's EffectiveNamespace: cluster-scoped kinds give
 * "_non_namespaceable_", "" and "default" give "default". */
cv_slice cv_kz_id_effective_ns(const cv_kz_id *id);
bool cv_kz_id_equals(const cv_kz_id *a, const cv_kz_id *b);
/* kustomize's ResId.String(), NUL-terminated, truncated to cap. */
void cv_kz_id_string(const cv_kz_id *id, char *out, size_t cap);
/* Previous ids (oldest first) into a heap array; *n = 0 when none. */
cv_result cv_kz_prev_ids(const cv_node *obj, cv_kz_id **ids, size_t *n) CV_MUST_USE CV_NONNULL;
/* Append the current id to the previous-id annotations (StorePreviousId). */
cv_result cv_kz_store_previous_id(cv_doc *d, cv_node *obj) CV_MUST_USE CV_NONNULL;
/* An annotation / label value (STR only), or NULL. */
const cv_node *cv_kz_meta_get(const cv_node *obj, const char *field, const char *key);
/* Set metadata.<field>.<key> = value (STR), creating maps as needed. */
cv_result cv_kz_meta_set(cv_doc *d, cv_node *obj, const char *field, const char *key, cv_slice value)
    CV_MUST_USE CV_NONNULL;

/* Indices of resources matching a kustomize target/selector MAP, matching
 * current OR original ids exactly as kustomize's ResMap.Select. *idx heap
 * array, caller frees. */
cv_result cv_kz_select(const cv_kz_resmap *rm, const cv_node *target, size_t **idx, size_t *n)
    CV_MUST_USE CV_NONNULL;
/* Whether a label selector string matches the given labels MAP (NULL =
 * no labels). */
cv_result cv_kz_labels_match(cv_slice selector, const cv_node *labels, bool *match)
    CV_MUST_USE;
/* ResMap.GetById: the one resource whose current or any previous id
 * equals id. */
cv_result cv_kz_get_by_id(const cv_kz_resmap *rm, const cv_kz_id *id, size_t *idx)
    CV_MUST_USE CV_NONNULL;

#endif
