/* Artifact index files (reconcile/source/index.c): any bytes are parsed;
 * what parses is written back and must parse again to the same listing and
 * digest. Nothing may crash, over-read or leak. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "reconcile/source/index.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void same(const cv_srctree *a, const cv_srctree *b)
{
    if (cv_srctree_len(a) != cv_srctree_len(b)) abort();
    for (size_t i = 0; i < cv_srctree_len(a); i++) {
        const cv_srcent *x = cv_srctree_at(a, i), *y = cv_srctree_at(b, i);
        if (x->kind != y->kind || x->len != y->len || x->exec != y->exec ||
            x->path_len != y->path_len || memcmp(x->path, y->path, x->path_len) != 0)
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 1 << 20) return 0;
    cv_srctree *t = NULL, *u = NULL;
    char digest[72], again[72];
    if (!cv_is_ok(cv_srcindex_parse(cv_slice_of(data, size), &t, digest))) return 0;
    char dir[] = "/tmp/fuzz_srcindex.XXXXXX";
    if (mkdtemp(dir) == NULL) abort();
    char *path = NULL;
    if (!cv_is_ok(cv_srcindex_path(dir, "0123456789abcdef0123456789abcdef01234567", NULL, true, &path)) ||
        !cv_is_ok(cv_srcindex_store(path, t, digest)) ||
        !cv_is_ok(cv_srcindex_load(path, &u, again)) || strcmp(digest, again) != 0)
        abort();
    same(t, u);
    unlink(path);
    char *slash = strrchr(path, '/');
    *slash = 0;
    rmdir(path);
    rmdir(dir);
    free(path);
    cv_srctree_free(&t);
    cv_srctree_free(&u);
    return 0;
}
