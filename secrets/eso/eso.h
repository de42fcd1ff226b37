/* ExternalSecret resolution: what External Secrets Operator would write.
 *
 * Input: ExternalSecret documents and SecretStore / ClusterSecretStore
 * documents (external-secrets.io/v1 or v1beta1), plus the Kubernetes
 * Secrets they reference (access tokens, webhook secrets), all as YAML
 * streams. Output: one Secret per ExternalSecret (creationPolicy None
 * produces none), as ESO's controller writes it: data (base64), type,
 * immutable, the template's or the ExternalSecret's labels and
 * annotations, the managed label, the created-by label for Owner, and the
 * reconcile.external-secrets.io/data-hash annotation (SHA3-224 of Go's %+v
 * of the data map).
 *
 * Providers:
 *   bitwardensecretsmanager  native Secrets Manager client (secrets/bitwarden):
 *       remoteRef.key as a UUID or as a secret name within spec.projectID;
 *       property and version ignored (as ESO does); dataFrom.extract parses
 *       the value as YAML/JSON; dataFrom.find.name.regexp selects secrets by
 *       name (Go regexp; keys are the names). All ExternalSecrets of one
 *       store cost one login, at most one list and one get-by-ids.
 *   webhook  (the `bw serve` pattern) url / headers / body templates with
 *       .remoteRef.{key,property,version}, result.jsonPath (a template too),
 *       secrets[] exposed as .<name>.<key>. One GET per distinct URL.
 *
 * dataFrom rewrite: regexp (source/target: Go's ReplaceAllString on every
 * key, secrets/sops/regex_vm.h; an invalid source fails with CV_E_REGEX and
 * Go's message) and transform (template over .value). target.template
 * (engineVersion v2): data, type, metadata, mergePolicy Replace|Merge;
 * templateFrom is refused (CV_E_UNSUPPORTED).
 *
 * Errors: CV_E_ESO_SPEC (malformed objects, unknown store; detail names the
 * object and field), CV_E_ESO_PROVIDER / CV_E_ESO_NOT_FOUND (provider
 * answers; "not found" drops the key under deletionPolicy Delete or Merge),
 * CV_E_ESO_TEMPLATE, CV_E_ESO_JSONPATH, CV_E_UNSUPPORTED, and the Bitwarden
 * and HTTP errors. Details never carry values.
 *
 * Ownership: values pass through secret arenas and secret buffers only; the
 * output buffer must be a secret one. */
#ifndef CV_ESO_ESO_H
#define CV_ESO_ESO_H

#include "crypto/base/buf.h"
#include "secrets/http/http.h"

typedef struct {
    cv_slice access_token;   /* used when a store's token Secret is absent */
    const cv_http_tls *tls;  /* for providers */
    bool reveal;             /* false: data values printed as "REDACTED" */
    const char *state_dir;   /* Secrets Manager token cache directory, or NULL */
    /* counters for tests and benchmarks (may be NULL) */
    unsigned *logins, *api_requests, *webhook_requests;
} cv_eso_opts;

cv_result cv_eso_render(cv_slice externalsecrets, cv_slice stores, const cv_eso_opts *o,
                        cv_buf *out) CV_MUST_USE;

/* hex(SHA3-224(Go %+v of map[string][]byte)) of a MAP of STR values. */
struct cv_node;
cv_result cv_eso_data_hash(const struct cv_node *data, char out[57]) CV_MUST_USE;
/* hex(SHA3-224(s)): ObjectHash of a string ("namespace/name"). */
cv_result cv_eso_object_hash(cv_slice s, char out[57]) CV_MUST_USE;

#endif
