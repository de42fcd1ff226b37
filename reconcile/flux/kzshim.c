/* TEMPORARY weak stand-ins for the kzcore/fluxref functions (see kzshim.h);
 * the real definitions override them at link time. */
#include "reconcile/flux/kzshim.h"

#include <stdlib.h>

#include "reconcile/kustomize/kyaml.h"

__attribute__((weak)) cv_result cv_kz_build(const cv_kz_opts *o, const char *dir,
                                            const cv_node *kust, cv_kz_resmap *out)
{
    (void)o, (void)dir, (void)kust, (void)out;
    return CV_FAILF(CV_E_UNSUPPORTED, "kustomize build not linked");
}
/* A minimal reader so that the generator can be exercised before kzcore's. */
__attribute__((weak)) cv_result cv_kz_read_kustomization(cv_kzfs *fs, const char *dir, cv_doc *doc,
                                                         cv_node **out)
{
    static const char *const names[] = { "kustomization.yaml", "kustomization.yml", "Kustomization" };
    for (size_t i = 0; i < 3; i++) {
        char *p;
        CV_GUARD(cv_kzfs_join(dir, names[i], &p));
        cv_slice text;
        cv_result r = cv_kzfs_stat(fs, p) == CV_KZFS_FILE ? cv_kzfs_read(fs, p, &text)
                                                           : CV_FAIL(CV_E_NOT_FOUND);
        free(p);
        if (cv_is(r, CV_E_NOT_FOUND)) continue;
        CV_GUARD(r);
        cv_node **docs = NULL;
        size_t n = 0;
        r = cv_kz_yaml_docs(doc, text, &docs, &n);
        if (cv_is_ok(r) && (n != 1 || docs[0]->kind != CV_NODE_MAP))
            r = CV_FAILF(CV_E_INVALID_ARG, "%s: not one map", names[i]);
        if (cv_is_ok(r)) *out = docs[0];
        free(docs);
        return r;
    }
    CV_BAILF(CV_E_NOT_FOUND, "%s: no kustomization file", dir);
}
__attribute__((weak)) cv_result cv_envsubst(cv_slice in, cv_envsubst_lookup fn, void *ctx,
                                            bool strict, cv_buf *out)
{
    (void)in, (void)fn, (void)ctx, (void)strict, (void)out;
    return CV_FAILF(CV_E_UNSUPPORTED, "envsubst not linked");
}
