/* kustomization parsing and build on hostile input. The input is split at
 * NUL bytes into a kustomization.yaml, a res.yaml and a cm.txt, placed in
 * an in-memory tree; the build (resources, generators with cm.txt as a
 * file or env source, namespace, sort, hash) and the emitter run on it.
 * Any outcome is fine except a crash or a sanitizer report. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "reconcile/kustomize/build.h"
#include "reconcile/kustomize/emit.h"

static size_t part(const uint8_t *d, size_t n, size_t at, cv_slice *out)
{
    if (at > n) at = n;
    const uint8_t *z = memchr(d + at, 0, n - at);
    size_t end = z ? (size_t)(z - d) : n;
    *out = cv_slice_of(d + at, end - at);
    return end + 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 64 * 1024) return 0;
    cv_slice k, res, cm;
    size_t at = part(data, size, 0, &k);
    at = part(data, size, at, &res);
    part(data, size, at, &cm);
    cv_srctree *t;
    if (!cv_is_ok(cv_srctree_new(&t))) abort();
    cv_kzfs *fs = NULL;
    cv_kz_resmap rm;
    if (!cv_is_ok(cv_kz_resmap_init(&rm))) abort();
    cv_result r = cv_srctree_add_file(t, cv_slice_of("kustomization.yaml", 18), k.p, k.len, false);
    if (cv_is_ok(r)) r = cv_srctree_add_file(t, cv_slice_of("res.yaml", 8), res.p, res.len, false);
    if (cv_is_ok(r)) r = cv_srctree_add_file(t, cv_slice_of("cm.txt", 6), cm.p, cm.len, false);
    if (cv_is_ok(r)) r = cv_kzfs_tree(t, &fs);
    cv_kz_opts o = { .fs = fs, .offline = true }; /* never fetch while fuzzing */
    if (cv_is_ok(r)) r = cv_kz_build(&o, ".", NULL, &rm);
    if (cv_is_ok(r)) {
        cv_buf out;
        cv_buf_init(&out, 1u << 24);
        r = cv_kz_emit(&rm, &out);
        cv_buf_release(&out);
    }
    (void)r;
    cv_kz_resmap_clear(&rm);
    cv_kzfs_free(&fs);
    cv_srctree_free(&t);
    return 0;
}
