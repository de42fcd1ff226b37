/* YAML (or JSON) text to jansson values, the way Kubernetes tools read
 * manifests and kubeconfig files (sigs.k8s.io/yaml over go-yaml v2):
 * YAML 1.1 plain-scalar resolution (yes/no/on/off are booleans, 0755 is
 * octal, 1_000 is 1000), timestamps stay strings, non-string keys become
 * their text, merge keys (<<) and anchors/aliases are expanded.
 *
 * This is the Kubernetes layer's interim reader on libyaml: once the
 * project's YAML codec (secrets/doc/yaml.h) lands, the lead may swap the
 * implementation behind this header (cv_doc -> json_t). Callers only see
 * this interface.
 *
 * Differences from kubectl, on purpose: a duplicate key in one mapping is
 * an error (go-yaml v2 keeps the last one), NaN and infinities are errors
 * (they have no JSON form).
 *
 * Ownership: *out is a new JSON array of the stream's non-empty documents;
 * the caller json_decref's it. On failure *out is NULL. jansson's memory
 * is the wiping allocator (secrets/runtime), libyaml's is not: plaintext
 * secret files must not pass through here (SOPS files carry ciphertext).
 *
 * Errors: CV_E_DOC_SYNTAX (detail "NAME:LINE: problem"), CV_E_LIMIT when
 * alias expansion or nesting exceeds the caps in limits.h. */
#ifndef CV_RECONCILE_KUBE_YAMLJSON_H
#define CV_RECONCILE_KUBE_YAMLJSON_H

#include <jansson.h>

#include "crypto/base/buf.h"

cv_result cv_kube_yaml_docs(cv_slice text, const char *name, json_t **out) CV_MUST_USE;

/* Resolve one plain (unquoted, untagged) scalar as go-yaml v2 does; a new
 * reference. Exposed for tests. */
cv_result cv_kube_yaml_plain(cv_slice s, json_t **out) CV_MUST_USE CV_NONNULL;

#endif
