/* The JSON store, byte for byte as sops v3.13.2's stores/json.
 *
 * Loading follows Go's encoding/json token decoder as sops drives it: the
 * top level must be an object ('{' after optional JSON white space; bytes
 * after its closing brace are ignored, as sops never reads them); key order
 * and duplicate keys are kept; integers that fit int64 become INT, every
 * other number FLOAT (a number past float64's range is an error); strings
 * are unescaped with invalid UTF-8 and lone surrogates replaced by U+FFFD;
 * null is NULL. One quirk of sops's token loop is kept on purpose: input
 * that ends where a value could start (after a key or its colon, or inside
 * a list) ends the innermost object there, without the member being read;
 * the result is accepted when every object between it and the top level
 * sits in a list (so `{"a": [1, 2` loads as {}), refused otherwise.
 * Nesting is capped at CV_DOC_MAX_DEPTH.
 *
 * Emitting writes what json.Indent makes of sops's encoding: a tab per level
 * (indent -1), N spaces (N >= 0; 0 gives new lines without indentation),
 * "key": value, {} and [] for empty containers, comments skipped, Go's
 * string escaping (HTML characters, U+2028/2029, \ufffd), Go's float
 * format, and a final new line. NaN and infinities cannot be written
 * (CV_E_DOC_TYPE), nor can an indent below -1 (CV_E_INVALID_ARG).
 *
 * Ownership: load appends one branch to doc, with every string in doc's
 * arena; on error the doc may hold a partial branch (clear it). Emitters
 * append to the caller's buffer, which should be a secret cv_buf when the
 * tree holds plaintext; the parser's scratch space is a secret buffer.
 *
 * Errors: CV_E_DOC_SYNTAX (detail: byte offset), CV_E_DOC_UNSUPPORTED (the
 * top level is not an object), CV_E_NUMBER (a number out of range),
 * CV_E_LIMIT (nesting), CV_E_TOO_LARGE (input or arena caps). */
#ifndef CV_DOC_JSON_H
#define CV_DOC_JSON_H

#include "crypto/base/buf.h"
#include "secrets/doc/tree.h"

cv_result cv_json_load(cv_slice in, cv_doc *doc) CV_MUST_USE CV_NONNULL;
/* EmitPlainFile of the first branch. */
cv_result cv_json_emit(const cv_doc *doc, int indent, cv_buf *out) CV_MUST_USE CV_NONNULL;
/* EmitValue (sops --extract): one value, indented like the file, no final
 * new line; a comment node is written as sops's Go struct would be. */
cv_result cv_json_emit_value(const cv_node *n, int indent, cv_buf *out) CV_MUST_USE CV_NONNULL;
/* json.Marshal of the Go value sops holds for n, compact: what the INI
 * store's EmitValue writes (a MAP is a list of {"Key":..,"Value":..}). */
cv_result cv_json_marshal_go(const cv_node *n, cv_buf *out) CV_MUST_USE CV_NONNULL;

#endif
