/* Decryption identities of one Flux Kustomization, found as
 * kustomize-controller's ImportKeys finds them (flux.md A5, decryptor.go
 * v1.9.4): spec.decryption.secretRef.name names a Secret in the
 * Kustomization's namespace, and each data entry is chosen by its name:
 *
 *   *.agekey          age identities, read as sops's ParsedIdentities.Import
 *                     reads them (one per line: X25519, post-quantum,
 *                     plugin); a bad entry fails the Kustomization
 *   *.asc, sops.vault-token, sops.aws-kms, sops.azure-kv, sops.gcp-kms
 *                     key sources covert does not support: remembered and
 *                     named in the error only when no age key decrypts
 *   anything else     ignored, as Flux ignores it
 *
 * The Secret comes from a cv_flux_find_fn: a cluster's (`live`: a missing
 * Secret fails the Kustomization, as Flux's import does), or without a
 * cluster the objects the repository renders (a missing one is no error;
 * the bootstrap Secret usually lives outside the repository).
 *
 * Which keyrings decrypt (cv_flux_keys.kr, tried in order until one opens
 * the file): with a cluster, the Secret's identities alone when it holds
 * any (Flux applies them to every age key, so the controller's own
 * sources are never consulted), else the caller's keyring (the
 * controller's environment: for covert --identity, SOPS_AGE_KEY_FILE, ...).
 * Without a cluster, the Secret's identities first, then the caller's.
 *
 * Ownership: a cv_flux_keys owns the keyring made from the Secret (its
 * identities in secret memory) and its strings; the caller's keyring is
 * borrowed. Decoded entry values live in wiped secret buffers only.
 *
 * Errors: CV_E_KUBE_NOT_FOUND (live, no such Secret: detail as Flux's
 * `secrets "NAME" not found`), the lookup's errors, CV_E_AGE_IDENTITY and
 * the age parser's errors for a bad *.agekey entry (detail names entry and
 * Secret, never key material). */
#ifndef CV_FLUX_KEYS_H
#define CV_FLUX_KEYS_H

#include "reconcile/flux/ks.h"
#include "reconcile/flux/subst.h"
#include "secrets/sops/agekey.h"

typedef struct {
    cv_sops_keyring *kr[2]; /* in order; NULL entries skipped */
    cv_sops_keyring *own;   /* the Secret's identities, or NULL */
    char *secret;           /* "namespace/name" of the decryption Secret, or NULL */
    char *unsupported;      /* "a.asc, sops.vault-token", or NULL */
} cv_flux_keys;

cv_result cv_flux_keys_load(const cv_flux_ks *k, cv_flux_find_fn find, void *ctx, bool live,
                            cv_sops_keyring *fallback, cv_flux_keys *out) CV_MUST_USE;
void cv_flux_keys_clear(cv_flux_keys *keys);

/* spec.decryption.secretRef.name, or NULL. */
const char *cv_flux_keys_secret_name(const cv_flux_ks *k) CV_NONNULL;

#endif
