/* Strategic merge patch as kustomize v5.8.1 applies it: kyaml's merge2
 * walker (sources [target, patch], lists prepended) driven by the built-in
 * Kubernetes schema (schema.h) for merge keys and strategies. Without a
 * schema a list is replaced whole (kustomize does not infer keys); `$patch:
 * delete|replace|merge` on maps and in lists, null deleting a field, and
 * everything else ($setElementOrder/..., $retainKeys,
 * $deleteFromPrimitiveList/...) copied as ordinary fields, as kyaml does.
 *
 * Ownership: the patch's nodes are spliced into the result, so callers pass
 * a copy allocated in the same doc; the target is modified in place.
 *
 * Errors: CV_E_KZ_SMP with kyaml's wording ("wrong node kind: expected
 * MappingNode but got ScalarNode", "unknown patch strategy 'x'"),
 * CV_E_LIMIT past CV_KZ_MAX_DEPTH. */
#ifndef CV_KZ_SMP_H
#define CV_KZ_SMP_H

#include <stdbool.h>

#include "secrets/doc/tree.h"

/* merge2.Merge(patch, *obj): *obj becomes the result, NULL when deleted. */
cv_result cv_kz_smp_merge(cv_doc *d, cv_node **obj, cv_node *patch) CV_MUST_USE CV_NONNULL;
/* Resource.ApplySmPatch: the merge, then kind, name and namespace restored
 * unless allowed to change (the previous id recorded when a change is
 * allowed). *obj = NULL when the patch deleted the resource. */
cv_result cv_kz_smp_apply(cv_doc *d, cv_node **obj, cv_node *patch, bool allow_name, bool allow_kind)
    CV_MUST_USE CV_NONNULL;

#endif
