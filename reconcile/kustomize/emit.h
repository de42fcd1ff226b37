/* kustomize's output: each resource as sigs.k8s.io/yaml prints it. A
 * resource goes through JSON first (kyaml's MarshalJSON: yaml.v3 values,
 * encoding/json), then JSONToYAML re-reads that JSON with yaml.v2 and
 * marshals it: keys in yaml.v2's natural order, YAML 1.1 quoting, numbers
 * as they come back from JSON (1.0 -> 1, 1e21 -> 1e+21), timestamps as
 * RFC 3339 strings, invalid UTF-8 replaced as encoding/json replaces it.
 * kustomize's build annotations (resmap.h) are left out.
 *
 * Ownership: output is appended to the caller's buffer (which may be a
 * secret one: Secret values pass through); scratch trees live in a secret
 * arena wiped before return.
 *
 * Errors: CV_E_KZ_JSON for NaN or an infinity (encoding/json refuses
 * them), CV_E_LIMIT past CV_KZ_MAX_DEPTH, CV_E_NOMEM / CV_E_TOO_LARGE. */
#ifndef CV_KZ_EMIT_H
#define CV_KZ_EMIT_H

#include "crypto/base/buf.h"
#include "reconcile/kustomize/resmap.h"
#include "secrets/doc/tree.h"

/* One object, no "---". */
cv_result cv_kz_emit_obj(const cv_node *obj, cv_buf *out) CV_MUST_USE CV_NONNULL;
/* The whole map as `kubectl kustomize` prints it (documents joined by "---\n"). */
cv_result cv_kz_emit(const cv_kz_resmap *rm, cv_buf *out) CV_MUST_USE CV_NONNULL;
/* True for the annotation names kustomize removes before printing. */
bool cv_kz_is_build_annotation(const char *key, size_t len);

#endif
