/* Go regexps matched with Go's own semantics: leftmost-first submatches
 * (FindSubmatchIndex) and ReplaceAllString, for ESO's rewrite.regexp.
 *
 * The pattern is parsed by the same parser as regex.h (same accepted
 * language, same errors in Go's words), then compiled to a Pike VM the way
 * Go's regexp/syntax compiles it: alternation and repetition priorities,
 * lazy quantifiers, (?U), x* with a body that can match empty compiled as
 * (x+)?, {n,m} expanded as Go's Simplify does. The subject is stepped in
 * runes like Go (an invalid or truncated UTF-8 sequence reads as U+FFFD of
 * width 1). Assertions: ^ $ \A \z \b \B, and (?m) line anchors; (?i) folds
 * with Go's Unicode simple folding (both of which the POSIX path of regex.h
 * refuses). Still refused (CV_E_UNSUPPORTED), as in regex.h: Unicode
 * classes \p / \P.
 * Matching is linear: at most CV_GOREGEX_MAX_INSTS instructions per byte.
 *
 * Errors (compile): CV_E_REGEX with Go's message as the detail
 * ("error parsing regexp: missing closing ): `(a`"), CV_E_UNSUPPORTED,
 * CV_E_TOO_LARGE (pattern), CV_E_LIMIT (program past the caps in limits.h),
 * CV_E_NOMEM. Matching and replacing fail only with CV_E_NOMEM or, for
 * replace, the cap of the output buffer (CV_E_TOO_LARGE).
 *
 * Ownership: cv_goregex_vm_compile_n gives a program that cv_goregex_vm_free
 * releases (NULL-safe, resets the pointer). Matching allocates its own
 * scratch per call, so one program may be used from several threads. */
#ifndef CV_SOPS_REGEX_VM_H
#define CV_SOPS_REGEX_VM_H

#include <stdbool.h>
#include <stddef.h>

#include "crypto/base/buf.h"
#include "crypto/base/err.h"

typedef struct cv_goregex_vm cv_goregex_vm;

cv_result cv_goregex_vm_compile_n(const char *pattern, size_t len, cv_goregex_vm **out)
    CV_MUST_USE CV_NONNULL;
void cv_goregex_vm_free(cv_goregex_vm **re);

/* Number of capturing groups (Go's NumSubexp), and the name of group i
 * (0 <= i <= that number; "" for unnamed groups and for group 0). */
int cv_goregex_vm_groups(const cv_goregex_vm *re) CV_NONNULL;
const char *cv_goregex_vm_name(const cv_goregex_vm *re, int i) CV_NONNULL;

/* Go's FindSubmatchIndex on bytes[0, len) for a search starting at byte
 * `start` (the text before it still decides ^, \b and friends, as in Go's
 * replaceAll). *found tells whether there is a match; slots[2i], slots[2i+1]
 * get group i's byte offsets, -1 when it did not take part. Only the first
 * nslots slots are written (2 for the whole match, 2*(groups+1) for all). */
cv_result cv_goregex_find_submatch(const cv_goregex_vm *re, const void *bytes, size_t len,
                                   size_t start, long *slots, size_t nslots, bool *found)
    CV_MUST_USE;

/* Go's Regexp.ReplaceAllString(src, template), appended to out: every
 * non-overlapping match replaced by the template expanded as Go's Expand
 * ($1, ${1}, $name, ${name}, $$; $1x names the group "1x"; unknown or
 * non-participating groups expand to ""; a malformed $ stays literal). An
 * empty match right after a previous match is not replaced. */
cv_result cv_goregex_replace_all(const cv_goregex_vm *re, const void *src, size_t len,
                                 const char *tmpl, size_t tlen, cv_buf *out) CV_MUST_USE;

#endif
