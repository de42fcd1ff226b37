/* The dotenv store, byte for byte as sops v3.13.2's stores/dotenv.
 *
 * Loading splits on LF only; empty lines are dropped; a line starting with
 * '#' is a comment (its text is the rest of the line); every other line is
 * KEY=VALUE split at the first '=' (no trimming, no quotes, CR kept; the key
 * may be empty), with each two-byte sequence \n in the value turned into a
 * new line. Values are strings.
 *
 * Emitting writes "#TEXT" for comments and "KEY=VALUE" lines, each ending in
 * LF, new lines in string values written as \n; non-string scalars as sops's
 * ValToString (see gostr.h). Only the first branch is written.
 *
 * Ownership: load appends one branch to doc (strings in its arena); emitters
 * append to the caller's buffer (a secret cv_buf for plaintext).
 *
 * Errors: CV_E_DOC_SYNTAX (a line without '='; detail: line number),
 * CV_E_DOC_UNSUPPORTED (a map or list value; detail: the key),
 * CV_E_DOC_TYPE (emit_value of a non-string), CV_E_TOO_LARGE. */
#ifndef CV_DOC_DOTENV_H
#define CV_DOC_DOTENV_H

#include "crypto/base/buf.h"
#include "secrets/doc/tree.h"

cv_result cv_dotenv_load(cv_slice in, cv_doc *doc) CV_MUST_USE CV_NONNULL;
/* indent is ignored (dotenv has none); kept for one store signature. */
cv_result cv_dotenv_emit(const cv_doc *doc, int indent, cv_buf *out) CV_MUST_USE CV_NONNULL;
/* EmitValue: a string's bytes; anything else is CV_E_DOC_TYPE. */
cv_result cv_dotenv_emit_value(const cv_node *n, int indent, cv_buf *out)
    CV_MUST_USE CV_NONNULL;

#endif
