/* One kustomize case directory through covert's whole build and emitter,
 * compared with the peer's vector: <vecs>/<name>.yaml (its exact output)
 * or <vecs>/<name>.err (it failed; covert must fail with want_err). Shared
 * by the kz_replace and kz_xform suites.
 *
 * kz_case_check returns true when covert agrees; otherwise msg holds why
 * (NUL-terminated, truncated to cap). */
#ifndef TESTS_LIB_KZ_CASE_H
#define TESTS_LIB_KZ_CASE_H

#include <stdbool.h>
#include <stddef.h>

#include "crypto/base/buf.h"
#include "crypto/base/err.h"

/* Build dir (LoadRestrictionsNone, from disk) and emit into out. */
cv_result kz_case_build(const char *dir, cv_buf *out);
bool kz_case_check(const char *cases, const char *vecs, const char *name, cv_err want_err, char *msg,
                   size_t cap);
/* Entries of dir whose names start with prefix. */
size_t kz_case_count(const char *dir, const char *prefix);

#endif
