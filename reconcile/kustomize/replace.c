/* Replacements: not implemented yet (see replace.h). */
#include "reconcile/kustomize/replace.h"

cv_result cv_kz_replacements(cv_kz_resmap *rm, const cv_node *list)
{
    (void)rm;
    if (!list || list->kind != CV_NODE_LIST || list->n == 0) return cv_ok();
    CV_BAILF(CV_E_UNSUPPORTED, "replacements are not supported yet");
}
