/* Go regular expressions (RE2 syntax, as sops's regexp.Compile sees them)
 * matched with the C library's POSIX regex engine.
 *
 * sops takes path_regex and the four *_regex selection rules from users as
 * Go regexps. covert parses each pattern the way Go's regexp/syntax parser
 * does (Perl flags: one-line ^ and $, \A \z \b \B, \d \w \s and their
 * negations, [[:alpha:]] classes, (?flags) and (?flags:...) groups, named
 * groups, \Q...\E, {n,m} up to 1000, lazy quantifiers, octal/hex escapes)
 * and rewrites it as a POSIX extended regex over bytes that decides the same
 * match/no-match question (REG_NOSUB: only whether it matches, never where).
 * Go matches runes of UTF-8 text: '.' and classes are rewritten into byte
 * sequences of UTF-8, so "^.$" matches one multi-byte character just as Go
 * does. Invalid UTF-8 in the input is handled approximately (a stray
 * continuation or never-valid byte counts as one character, as in Go; a
 * truncated sequence may differ).
 *
 * Errors (cv_goregex_compile): where Go's regexp.Compile fails, CV_E_REGEX
 * with Go's message in the detail ("error parsing regexp: missing closing ):
 * `(a`"). Constructs Go accepts but covert cannot express in POSIX fail with
 * CV_E_UNSUPPORTED naming the construct: Unicode classes (\pL, \p{Greek}),
 * (?m) with ^ or $, case folding (?i) of non-ASCII characters, and a NUL
 * byte as a literal. Patterns longer than CV_GOREGEX_MAX_PATTERN give
 * CV_E_TOO_LARGE; rewrites that would grow past CV_GOREGEX_MAX_ERE give
 * CV_E_LIMIT.
 *
 * The parser is shared with the Pike VM (regex_vm.h, Go's match positions
 * and ReplaceAllString) through regex_int.h; only the VM accepts (?m).
 *
 * Ownership: cv_goregex_compile gives the caller a compiled regex that
 * cv_goregex_free releases (NULL-safe, resets the pointer). Matching does
 * not modify the regex; the engine runs in the "C" locale whatever the
 * process locale is, so bytes are bytes. */
#ifndef CV_SOPS_REGEX_H
#define CV_SOPS_REGEX_H

#include <stdbool.h>
#include <stddef.h>

#include "crypto/base/err.h"

typedef struct cv_goregex cv_goregex;

cv_result cv_goregex_compile(const char *pattern, cv_goregex **out) CV_MUST_USE CV_NONNULL;
/* The same for a pattern given as (bytes, len); a NUL byte in it is a
 * literal NUL, as in Go. */
cv_result cv_goregex_compile_n(const char *pattern, size_t len, cv_goregex **out)
    CV_MUST_USE CV_NONNULL;
/* Whether the regex matches anywhere in (bytes, len), like Go's
 * Regexp.Match. The input may hold any bytes, NUL included; false also
 * when memory for a copy of it runs out. */
bool cv_goregex_match(const cv_goregex *re, const void *bytes, size_t len);
void cv_goregex_free(cv_goregex **re);

/* The POSIX extended regex a pattern was rewritten to (for tests). */
const char *cv_goregex_ere(const cv_goregex *re);

#endif
