/* TEMPORARY: the kzcore and fluxref contract declarations (RENDER-CONTRACT.md),
 * verbatim, until their branches are merged; then this file and
 * kzshim.c go and the modules include reconcile/kustomize/build.h,
 * emit.h and reconcile/flux/envsubst.h. */
#ifndef CV_FLUX_KZSHIM_H
#define CV_FLUX_KZSHIM_H

#include <stdbool.h>

#include "crypto/base/buf.h"
#include "reconcile/kustomize/fs.h"
#include "reconcile/kustomize/emit.h"
#include "reconcile/kustomize/resmap.h"

typedef struct {
    cv_kzfs *fs;
    bool load_none;
    const char *http_cache;
    bool offline;
} cv_kz_opts;
cv_result cv_kz_build(const cv_kz_opts *o, const char *dir, const cv_node *kust, cv_kz_resmap *out)
    CV_MUST_USE;
cv_result cv_kz_read_kustomization(cv_kzfs *fs, const char *dir, cv_doc *doc, cv_node **out)
    CV_MUST_USE;

typedef cv_result (*cv_envsubst_lookup)(void *ctx, cv_slice name, cv_slice *value, bool *found);
cv_result cv_envsubst(cv_slice in, cv_envsubst_lookup fn, void *ctx, bool strict, cv_buf *out)
    CV_MUST_USE;

#endif
