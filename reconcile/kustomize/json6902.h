/* JSON patches (RFC 6902) as kustomize applies them: ops given as YAML or
 * JSON (text not starting with '[' is read as YAML, first document only),
 * applied with gopkg.in/evanphx/json-patch.v4 semantics (add / remove /
 * replace / move / copy / test; pointers with ~0 ~1; "-" appends; negative
 * indices; replace of a missing map key adds it; replace of "" swaps the
 * whole document), and the result retyped as kustomize's JSON round trip
 * retypes it (integers beyond 2^53 become floats, timestamps strings).
 *
 * Ownership: ops and the result live in the caller's doc; the target is
 * changed in place (or *obj replaced by a whole-document replace).
 *
 * Errors: CV_E_KZ_PATCH_PARSE when the text is not a list of operations,
 * CV_E_KZ_JSONPATCH with json-patch's wording ("add operation does not
 * apply: doc is missing path: \"/a/b\": missing value", "testing value /a
 * failed: test failed", "Unexpected kind: x"). */
#ifndef CV_KZ_JSON6902_H
#define CV_KZ_JSON6902_H

#include "crypto/base/buf.h"
#include "secrets/doc/tree.h"

/* Decode ops text into a LIST in d; *ops is NULL for empty text. */
cv_result cv_kz_json6902_decode(cv_doc *d, cv_slice text, cv_node **ops) CV_MUST_USE CV_NONNULL;
/* Apply decoded ops to *obj. */
cv_result cv_kz_json6902_apply(cv_doc *d, cv_node **obj, const cv_node *ops) CV_MUST_USE CV_NONNULL;
/* The JSON round trip's retyping of a whole tree (also used after other
 * transformations that go through JSON). */
void cv_kz_json_retype(cv_node *n);

#endif
