/* The resource map: what one kustomize build accumulates and transforms.
 *
 * Every resource is a MAP node of one cv_doc (secrets/doc/tree.h), kept in
 * accumulation order, exactly as kustomize keeps its list of RNodes. The
 * bookkeeping kustomize stores in annotations is kept the same way, under
 * the same annotation names, and removed when the map is emitted:
 *   config.kubernetes.io/previousNames|Kinds|Namespaces  (kustomize's
 *     "internal.config.kubernetes.io/previous*"), generator behaviour, the
 *     needs-hash marker, origin paths — whatever the upstream code writes.
 * Because these names are the contract, the patch, replacement and name
 * reference code can read a resource's original id exactly as kustomize
 * does (OrgId/PrevIds) without any side table.
 *
 * Ownership: the map owns its doc (secret arena: decrypted Secret values
 * may live here) and the pointer array; cv_kz_resmap_clear wipes and
 * releases both. Resources are never freed one by one; removing one only
 * drops it from the array.
 *
 * Errors: CV_E_LIMIT past CV_KZ_MAX_RESOURCES, CV_E_NOMEM. */
#ifndef CV_KZ_RESMAP_H
#define CV_KZ_RESMAP_H

#include <stddef.h>

#include "secrets/doc/tree.h"

typedef struct {
    cv_doc doc;     /* arena owning every node of every resource */
    cv_node **objs; /* MAP nodes, in order */
    size_t n;
    size_t cap;
} cv_kz_resmap;

cv_result cv_kz_resmap_init(cv_kz_resmap *rm) CV_MUST_USE CV_NONNULL;
void cv_kz_resmap_clear(cv_kz_resmap *rm);
/* Append obj (a MAP already allocated in rm->doc). */
cv_result cv_kz_resmap_append(cv_kz_resmap *rm, cv_node *obj) CV_MUST_USE CV_NONNULL;
/* Insert obj at index i (0..n). */
cv_result cv_kz_resmap_insert(cv_kz_resmap *rm, size_t i, cv_node *obj) CV_MUST_USE CV_NONNULL;
/* Drop resource i from the list (its nodes stay in the arena). */
void cv_kz_resmap_remove(cv_kz_resmap *rm, size_t i) CV_NONNULL;

#endif
