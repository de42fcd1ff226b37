/* `kustomize build` (api/krusty + api/internal/target): read a
 * kustomization, accumulate its resources (files, directories, `kind: List`
 * files, components), run the generators (configMapGenerator,
 * secretGenerator with generatorOptions), then the transformers in
 * kusttarget.go's order (patches, namespace, patchesJson6902, replacements;
 * the patch and replacement code is kzpatch's, reconcile/kustomize/
 * patch.h and replace.h), then at the top: the name hash of generated
 * objects, name references (builtin + `configurations`), the legacy sort
 * or sortOptions, and the build annotations' clean-up.
 *
 * Strictness: an unknown kustomization field fails as kustomize fails
 * (CV_E_KZ_KUSTOMIZATION, "invalid Kustomization: json: unknown field");
 * a field covert does not implement fails with CV_E_UNSUPPORTED naming it.
 * Remote git bases fail with CV_E_UNSUPPORTED; http(s) resource files are
 * fetched and cached, or with o->offline read from the cache only
 * (remote.h).
 *
 * Ownership: out (initialised by the caller) receives every resource; its
 * doc holds them. o->fs is borrowed.
 *
 * Errors: CV_E_NOT_FOUND (no kustomization file, a missing resource),
 * CV_E_KZ_* (kustomize's own failures, detail = its message), CV_E_KZ_LOAD
 * (a file outside the root under LoadRestrictionsRootOnly), codec errors. */
#ifndef CV_KZ_BUILD_H
#define CV_KZ_BUILD_H

#include <stdbool.h>

#include "reconcile/kustomize/fs.h"
#include "reconcile/kustomize/resmap.h"

typedef struct {
    cv_kzfs *fs;
    bool load_none;         /* LoadRestrictionsNone (Flux) vs RootOnly (kubectl default) */
    const char *http_cache; /* directory for fetched https resources, NULL = default */
    bool offline;           /* never fetch; only the cache */
    /* No legacy sort unless the kustomization asks for one (sortOptions):
     * Flux builds with krusty.Options{}, whose empty Reorder is neither
     * "legacy" nor "unspecified", so its output keeps accumulation order. */
    bool no_default_sort;
} cv_kz_opts;

cv_result cv_kz_build(const cv_kz_opts *o, const char *dir, const cv_node *kust, cv_kz_resmap *out)
    CV_MUST_USE;
/* `kustomize build DIR` on disk, whole: o's fs is ignored (a disk fs is
 * opened and closed here) and the printed documents are appended to out. */
cv_result cv_kz_build_dir(const cv_kz_opts *o, const char *dir, cv_buf *out) CV_MUST_USE CV_NONNULL;
cv_result cv_kz_read_kustomization(cv_kzfs *fs, const char *dir, cv_doc *doc, cv_node **out)
    CV_MUST_USE CV_NONNULL;

#endif
