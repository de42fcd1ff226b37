/* kustomize's patch transformers over a resource map: `patches:` entries
 * (PatchTransformer: strategic merge or JSON 6902, decided as kustomize
 * decides), legacy patchesStrategicMerge and patchesJson6902 entries.
 *
 * Strategic-merge patches without a target apply to the one resource
 * whose current or previous id equals the patch's own
 * apiVersion/kind/name/namespace; with a target (one patch document only)
 * to every selected resource, through kustomize's copy of the patch
 * (labels and annotations as strings, apiVersion of the target, the
 * patch's kind). JSON patches need a target and apply to every match. A
 * patch that deletes a resource removes it from the map.
 *
 * Ownership: the patch text is only read; new nodes go into rm->doc.
 * Errors: CV_E_KZ_PATCH_PARSE, CV_E_KZ_PATCH_TARGET, CV_E_KZ_SMP,
 * CV_E_KZ_JSONPATCH, CV_E_KZ_SELECTOR, CV_E_REGEX, with kustomize's
 * wording in the detail. */
#ifndef CV_KZ_PATCH_H
#define CV_KZ_PATCH_H

#include "crypto/base/buf.h"
#include "reconcile/kustomize/resmap.h"

/* One `patches:` entry: text = the inline `patch` or the contents of
 * `path`; target MAP or NULL; options MAP (allowNameChange,
 * allowKindChange) or NULL. */
cv_result cv_kz_patch(cv_kz_resmap *rm, cv_slice text, const cv_node *target, const cv_node *options)
    CV_MUST_USE;
/* One legacy patchesStrategicMerge entry (inline text or file contents). */
cv_result cv_kz_patch_sm_legacy(cv_kz_resmap *rm, cv_slice text) CV_MUST_USE;
/* One legacy patchesJson6902 entry: ops text (inline or file), target MAP. */
cv_result cv_kz_patch_json6902_legacy(cv_kz_resmap *rm, cv_slice ops, const cv_node *target)
    CV_MUST_USE;

#endif
