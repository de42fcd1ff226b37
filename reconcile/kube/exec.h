/* Exec credential plugins (client.authentication.k8s.io/v1 and v1beta1),
 * run the way client-go runs them: the command with its args, the parent's
 * environment plus the configured env, KUBERNETES_EXEC_INFO holding an
 * ExecCredential spec (interactive flag, and the cluster when
 * provideClusterInfo is set), stdin only when interactive, stderr passed
 * through. Its stdout must be an ExecCredential of the same apiVersion with
 * status.token or status.clientCertificateData + clientKeyData, and
 * optionally status.expirationTimestamp.
 *
 * The plugin's output is read into wiping memory; the credential lands in
 * cv_secret memory. Ownership: cv_kube_exec_cred_clear releases it.
 *
 * Errors: CV_E_KUBE_EXEC with a detail (command not found with its install
 * hint, non-zero exit, malformed or mismatched output) — never the output. */
#ifndef CV_RECONCILE_KUBE_EXEC_H
#define CV_RECONCILE_KUBE_EXEC_H

#include <time.h>

#include "reconcile/kube/config.h"

typedef struct {
    cv_secret *token;
    cv_buf cert_pem;
    cv_secret *key_pem;
    time_t expiry; /* 0: no expiry given */
} cv_kube_exec_cred;

void cv_kube_exec_cred_init(cv_kube_exec_cred *c) CV_NONNULL;
void cv_kube_exec_cred_clear(cv_kube_exec_cred *c);

/* Run the plugin of cfg->exec; cluster information comes from cfg. */
cv_result cv_kube_exec_run(const cv_kube_config *cfg, cv_kube_exec_cred *out)
    CV_MUST_USE CV_NONNULL;

/* Parse a plugin's stdout (exposed for tests and fuzzing). */
cv_result cv_kube_exec_parse(cv_slice out, const char *api_version, cv_kube_exec_cred *cred)
    CV_MUST_USE CV_NONNULL;

/* RFC 3339 timestamp (Go's time.RFC3339 / RFC3339Nano) to Unix seconds. */
cv_result cv_kube_parse_time(const char *s, time_t *out) CV_MUST_USE CV_NONNULL;

#endif
