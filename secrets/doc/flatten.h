/* sops's Flatten and Unflatten (stores/flatten.go), the way the dotenv and
 * INI stores carry the nested `sops` metadata in flat key/value lines:
 *
 *   flatten    {a: {b: 1}, c: [x, y]}  ->  a__map_b: 1, c__list_0: x,
 *              c__list_1: y (each key prefixed with `prefix`; comments
 *              skipped, list indices count non-comment items; empty maps
 *              and lists vanish); order follows the input.
 *   unflatten  the reverse: keys split at every "__map_" and "__list_<i>"
 *              (scanned left to right; the index is read like Go's
 *              strconv.Atoi and a malformed one counts as 0); map keys come
 *              out sorted bytewise at every level; comments are skipped.
 *
 * Both are generic tree functions: the result is a new MAP in d's arena
 * whose scalar values are the input's own nodes (shared, not copied).
 *
 * Errors (CV_E_DOC_FLATTEN; detail names the key and the cause): flatten
 * finds two paths giving the same key ("key collision"); unflatten finds a
 * key twice ("duplicate value"), a key that is both a value and a parent or
 * both a map and a list ("type mismatch"), or list indices that are not
 * exactly 0..n-1 ("incomplete list"). CV_E_LIMIT for nesting past
 * CV_DOC_MAX_DEPTH, CV_E_TOO_LARGE from the arena. */
#ifndef CV_DOC_FLATTEN_H
#define CV_DOC_FLATTEN_H

#include "crypto/base/buf.h"
#include "secrets/doc/tree.h"

cv_result cv_flatten(cv_doc *d, const cv_node *map, cv_slice prefix, cv_node **out)
    CV_MUST_USE CV_NONNULL;
cv_result cv_unflatten(cv_doc *d, const cv_node *flat, cv_node **out) CV_MUST_USE CV_NONNULL;

#endif
