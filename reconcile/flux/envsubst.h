/* Flux's post-build variable substitution dialect (fluxcd/pkg/envsubst
 * v1.7.0, a fork of drone/envsubst), byte for byte.
 *
 * Only `${...}` is an expression; `$VAR` is text. `$$` becomes `$` in text
 * and inside replace patterns (so `$${X}` is the literal `${X}`). Operators:
 * ${V} ${#V} ${V^} ${V^^} ${V,} ${V,,} ${V:off} ${V:off:len} ${V#p} ${V##p}
 * ${V%p} ${V%%p} ${V/p/r} ${V//p/r} ${V/#p/r} ${V/%p/r}, and the defaults
 * ${V=d} ${V:=d} ${V:-d} ${V:+d} ${V:?d}, which all mean "the value if not
 * empty, else d" (`-`, `+`, `?` without a colon do not parse). Defaults and
 * arguments nest (`${A:-${B}}`); `\/` and `\\` are escapes in replace
 * arguments. Offsets, lengths and case mapping work on bytes and Go runes
 * exactly as Go does, quirks included (a byte offset can split a UTF-8
 * sequence; invalid bytes become U+FFFD where Go converts to runes).
 *
 * The whole input is parsed before anything is looked up: a `${` that does
 * not parse fails with CV_E_ENVSUBST_SYNTAX (detail: Go's message) whatever
 * else the input holds. Then expressions are evaluated left to right, a
 * function's arguments before its variable. strict: a variable the lookup
 * does not find, used without a default operator, fails with
 * CV_E_ENVSUBST_UNDEFINED (detail names the variable); not strict: it is
 * the empty string. Where Go panics (a substring with a negative length
 * that ends before its start) covert fails with CV_E_ENVSUBST_SYNTAX.
 *
 * Ownership: nothing is kept. The lookup's value must stay valid until the
 * next lookup call. Values can be secrets: every intermediate buffer is a
 * wiped one, and out may be a secret buffer (cv_buf_init_secret); on error
 * out holds a partial result the caller discards. Caps: CV_ENVSUBST_MAX_DEPTH
 * nested `${` (CV_E_LIMIT), CV_ENVSUBST_MAX_VALUE per intermediate value
 * (CV_E_TOO_LARGE), CV_ENVSUBST_MAX_TRIM bytes for a pattern-trim operand
 * (CV_E_LIMIT; trims cost quadratic time). */
#ifndef CV_FLUX_ENVSUBST_H
#define CV_FLUX_ENVSUBST_H

#include <stdbool.h>

#include "crypto/base/buf.h"
#include "crypto/base/err.h"

/* Look up a variable: *found false when it is not defined (then *value is
 * ignored). An error result aborts the substitution with that error. */
typedef cv_result (*cv_envsubst_lookup)(void *ctx, cv_slice name, cv_slice *value, bool *found);

/* Substitute in into out (appended). */
cv_result cv_envsubst(cv_slice in, cv_envsubst_lookup fn, void *ctx, bool strict, cv_buf *out)
    CV_MUST_USE;

/* Flux's check of the names it is given (kustomize_varsub.go):
 * ^[_[:alpha:]][_[:alpha:][:digit:]]*$ in Go's regexp, i.e. ASCII only. */
bool cv_flux_varname_ok(cv_slice name);

#endif
