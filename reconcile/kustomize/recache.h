/* Compiled Go regexps of kustomize selectors, kept for the whole process.
 *
 * A Flux build matches the same few target patterns (patches, replacements,
 * images) in hundreds of kustomizations; compiling one (Go syntax rewritten
 * to POSIX, then regcomp) cost more than all its matches. The patterns come
 * from repository files and hold no secret.
 *
 * Ownership: a regex handed out is the cache's and stays valid until the
 * process exits, unless the cache was full (CV_KZ_MAX_REGEX_CACHE patterns):
 * then it is the caller's own copy. Either way cv_kz_re_put releases what
 * needs releasing. Thread-safe (one lock; regexec on a shared compiled
 * regex is safe in glibc).
 *
 * Errors: those of cv_goregex_compile_n (CV_E_REGEX with Go's message,
 * CV_E_UNSUPPORTED, CV_E_TOO_LARGE, CV_E_LIMIT), CV_E_NOMEM; failures are
 * not cached. */
#ifndef CV_KZ_RECACHE_H
#define CV_KZ_RECACHE_H

#include <stdbool.h>
#include <stddef.h>

#include "crypto/base/err.h"
#include "secrets/sops/regex.h"

typedef struct {
    cv_goregex *re; /* NULL: none (matches anything, for the callers' "any") */
    bool owned;
} cv_kz_re;

/* The compiled form of (pattern, len). */
cv_result cv_kz_re_get(const char *pattern, size_t len, cv_kz_re *out) CV_MUST_USE CV_NONNULL;
/* Release r (a no-op for a cached regex); resets it. */
void cv_kz_re_put(cv_kz_re *r);
/* cv_goregex_match, true for an empty r. */
bool cv_kz_re_ok(const cv_kz_re *r, const void *bytes, size_t len);

#endif
