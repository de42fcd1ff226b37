/* Resource selection as kustomize does it (the api's ResMap.Select and
 * GetById), over the ids of res.h (current, previous and original ids).
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

#include "reconcile/kustomize/res.h"
#include "reconcile/kustomize/resmap.h"

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
