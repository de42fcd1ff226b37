/* The binary store (sops v3.13.2's json.BinaryStore): a plaintext file of
 * any bytes is one branch {"data": STR}; writing it back gives the data
 * string's bytes unchanged (no new line added). Encrypted binary files are
 * JSON documents (secrets/doc/json.h).
 *
 * Ownership: load appends one branch to doc; emit appends to the caller's
 * buffer (a secret cv_buf for plaintext); data's view lives as long as doc.
 *
 * Errors: CV_E_DOC_UNSUPPORTED when the doc has not exactly one branch, no
 * "data" key, or a "data" value that is not a string; CV_E_TOO_LARGE. */
#ifndef CV_DOC_BINARY_H
#define CV_DOC_BINARY_H

#include "crypto/base/buf.h"
#include "secrets/doc/tree.h"

cv_result cv_binary_load(cv_slice in, cv_doc *doc) CV_MUST_USE CV_NONNULL;
/* The bytes emit would write, as a view into the doc (no copy): callers
 * that only write them out need no second plaintext buffer. */
cv_result cv_binary_data(const cv_doc *doc, cv_slice *out) CV_MUST_USE CV_NONNULL;
/* indent is ignored; kept for one store signature. */
cv_result cv_binary_emit(const cv_doc *doc, int indent, cv_buf *out) CV_MUST_USE CV_NONNULL;

#endif
