/* `covert check`'s findings over a walked repository (issue 5 §3):
 *
 *   build         every reached Kustomization builds (a suspended one is
 *                 reported as skipped, i.e. ok)
 *   substitution  a Kustomization whose post-build substitution failed
 *                 (undefined variable in strict mode, bad syntax, a
 *                 missing substituteFrom source)
 *   dependsOn     every target reached; no cycle (the cycle is printed)
 *   sops          every SOPS file (any store, found by the controller's
 *                 markers) parses, is encrypted to exactly the age
 *                 recipients the creation rule of REPO/.sops.yaml names
 *                 and, with a keyring, decrypts with a valid MAC
 *   secret        no Secret object in a YAML file of the repository holds
 *                 data/stringData without SOPS encryption
 *   store         every rendered ExternalSecret's store (secretStoreRef,
 *                 data[].sourceRef.storeRef, dataFrom[].sourceRef.storeRef)
 *                 is a rendered ClusterSecretStore, or a SecretStore in the
 *                 ExternalSecret's namespace
 *
 * Ownership: the report owns its strings. Errors: resource exhaustion and
 * unreadable directories only; everything else is a finding. */
#ifndef CV_FLUX_CHECK_H
#define CV_FLUX_CHECK_H

#include "reconcile/flux/walk.h"

typedef struct {
    const char *check; /* "build", "substitution", "dependsOn", "sops", "secret", "store" */
    char *subject;     /* Kustomization id, file, or object */
    bool ok;
    char *message;     /* "" when ok */
} cv_flux_finding;

typedef struct {
    cv_flux_finding *v;
    size_t n, cap;
    size_t failed;
} cv_flux_report;

/* kr: verify decryption and MACs of SOPS files (NULL: skip that part). */
cv_result cv_flux_check(const cv_flux_walk *w, cv_kzfs *fs, const char *root, cv_sops_keyring *kr,
                        cv_flux_report *rep) CV_MUST_USE;
void cv_flux_report_clear(cv_flux_report *rep);

#endif
