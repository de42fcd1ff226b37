/* TEMPORARY weak stand-ins for the kzcore/fluxref functions (see kzshim.h);
 * the real definitions override them at link time. */
#include "reconcile/flux/kzshim.h"

__attribute__((weak)) cv_result cv_kz_build(const cv_kz_opts *o, const char *dir,
                                            const cv_node *kust, cv_kz_resmap *out)
{
    (void)o, (void)dir, (void)kust, (void)out;
    return CV_FAILF(CV_E_UNSUPPORTED, "kustomize build not linked");
}
__attribute__((weak)) cv_result cv_kz_read_kustomization(cv_kzfs *fs, const char *dir, cv_doc *doc,
                                                         cv_node **out)
{
    (void)fs, (void)dir, (void)doc, (void)out;
    return CV_FAILF(CV_E_UNSUPPORTED, "kustomization reader not linked");
}
__attribute__((weak)) cv_result cv_envsubst(cv_slice in, cv_envsubst_lookup fn, void *ctx,
                                            bool strict, cv_buf *out)
{
    (void)in, (void)fn, (void)ctx, (void)strict, (void)out;
    return CV_FAILF(CV_E_UNSUPPORTED, "envsubst not linked");
}
