/* Ignore rules for a Git source, as Flux's source-controller applies them
 * when it archives a GitRepository (fluxcd/pkg sourceignore + its fork of
 * go-git's gitignore matcher, and artifact/storage SourceIgnoreFilter).
 *
 * Semantics (Flux's, which differ from git's in places): a pattern without
 * '/' matches any path component; a pattern with '/' matches path prefixes
 * component by component ("a/b" also matches "a/b/c"), with "**" for any
 * number of components; a trailing '/' restricts the last matched component
 * to directories; '!' re-includes, and a re-included path below an excluded
 * directory IS re-included (git would not). Components are matched with Go's
 * path/filepath.Match (a malformed pattern never matches). The last pattern
 * that matches decides. Patterns read from a .sourceignore apply below its
 * directory (their "domain").
 *
 * The filter a GitRepository gets: the VCS exclusions (.git/, .gitignore,
 * .gitmodules, .gitattributes) always; Flux's default exclusions (images,
 * archives, CI files, .sops.yaml, ...) only when no user pattern exists at
 * all; then the user patterns (.sourceignore files, then spec.ignore).
 *
 * Ownership: a cv_ignore owns copies of every pattern and domain it was
 * given; release it with cv_ignore_free. Errors: CV_E_LIMIT past
 * CV_IGNORE_MAX_PATTERNS, CV_E_TOO_LARGE past CV_IGNORE_MAX_INPUT,
 * CV_E_NOMEM. Patterns themselves never fail to parse (as in Flux). */
#ifndef CV_SOURCE_IGNORE_H
#define CV_SOURCE_IGNORE_H

#include <stdbool.h>

#include "crypto/base/buf.h"

typedef struct cv_ignore cv_ignore;

cv_result cv_ignore_new(cv_ignore **out) CV_MUST_USE CV_NONNULL;
void cv_ignore_free(cv_ignore **ig);

/* One pattern (ParsePattern), scoped to `domain` ("" for the root, else a
 * '/'-separated directory path such as "apps/base"). */
cv_result cv_ignore_add(cv_ignore *ig, cv_slice pattern, cv_slice domain) CV_MUST_USE CV_NONNULL;
/* The lines of an ignore file or of spec.ignore (ReadPatterns): lines
 * starting with '#' and blank lines are skipped; reading stops, as Go's
 * bufio.Scanner does, at a line of 64 KiB or more. */
cv_result cv_ignore_read(cv_ignore *ig, cv_slice text, cv_slice domain) CV_MUST_USE CV_NONNULL;
/* Append Flux's VCS exclusions, and its default exclusions when
 * `defaults` is set, all at the root. */
cv_result cv_ignore_add_flux_defaults(cv_ignore *ig, bool defaults) CV_MUST_USE CV_NONNULL;
/* Append every pattern of src (in order) to ig. */
cv_result cv_ignore_append(cv_ignore *ig, const cv_ignore *src) CV_MUST_USE CV_NONNULL;
size_t cv_ignore_count(const cv_ignore *ig) CV_NONNULL;

/* Whether a path ('/'-separated, relative to the repository root, no
 * leading or trailing '/') is excluded. The root itself ("") never is. */
bool cv_ignore_match(const cv_ignore *ig, cv_slice path, bool is_dir) CV_NONNULL;

/* Go's path/filepath.Match on one path component; *bad is set (and false
 * returned) when Go would report ErrBadPattern. Exposed for the tests. */
bool cv_ignore_glob(cv_slice pattern, cv_slice name, bool *bad) CV_NONNULL;

#endif
