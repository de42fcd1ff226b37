/* The kustomize build's transformers on hostile input. The input is split
 * at the first NUL byte into a kustomization and a resources file, both
 * put in an in-memory tree (kustomization.yaml + res.yaml) and built, then
 * emitted: prefix/suffix, labels, annotations, images, replicas, name
 * references, configurations (config.yaml = the resources text again),
 * buildMetadata and sortOptions all see fuzzed values. Any outcome is
 * fine except a crash or a sanitizer report. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "reconcile/kustomize/build.h"
#include "reconcile/kustomize/emit.h"
#include "reconcile/source/tree.h"

static void build(cv_srctree *t)
{
    cv_kzfs *fs = NULL;
    cv_kz_resmap rm;
    if (!cv_is_ok(cv_kz_resmap_init(&rm))) abort();
    cv_result r = cv_kzfs_tree(t, &fs);
    cv_kz_opts o = { .fs = fs, .offline = true };
    if (cv_is_ok(r)) r = cv_kz_build(&o, ".", NULL, &rm);
    cv_buf out;
    cv_buf_init(&out, 1u << 24);
    if (cv_is_ok(r)) r = cv_kz_emit(&rm, &out);
    (void)r;
    cv_buf_release(&out);
    cv_kz_resmap_clear(&rm);
    cv_kzfs_free(&fs);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 64 * 1024) return 0;
    const uint8_t *nul = memchr(data, 0, size);
    size_t split = nul ? (size_t)(nul - data) : size;
    const uint8_t *res = nul ? data + split + 1 : data + size;
    size_t rlen = nul ? size - split - 1 : 0;
    cv_srctree *t;
    if (!cv_is_ok(cv_srctree_new(&t))) abort();
    cv_result r = cv_srctree_add_file(t, cv_slice_str("kustomization.yaml"), data, split, false);
    if (cv_is_ok(r)) r = cv_srctree_add_file(t, cv_slice_str("res.yaml"), res, rlen, false);
    if (cv_is_ok(r)) r = cv_srctree_add_file(t, cv_slice_str("config.yaml"), res, rlen, false);
    if (cv_is_ok(r)) build(t);
    cv_err_clear();
    cv_srctree_free(&t);
    return 0;
}
