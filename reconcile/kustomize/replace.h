/* kustomize's ReplacementTransformer (replacements:).
 *
 * Status: not implemented yet; every call fails with CV_E_UNSUPPORTED so
 * a build that lists replacements fails loudly instead of rendering
 * something else than kustomize.
 *
 * Ownership: new nodes go into rm->doc. */
#ifndef CV_KZ_REPLACE_H
#define CV_KZ_REPLACE_H

#include "reconcile/kustomize/resmap.h"

/* `replacements:` LIST; entries that were `path: FILE` already replaced by
 * the file's replacement MAPs (the caller loads files). */
cv_result cv_kz_replacements(cv_kz_resmap *rm, const cv_node *list) CV_MUST_USE;

#endif
