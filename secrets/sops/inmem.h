/* Whole SOPS files decrypted in memory, without a command line around
 * them: what decrypt-on-apply (cmd/apply_sops.c) and Flux's decryption of
 * built objects (reconcile/flux/decrypt.c) share.
 *
 * The data key comes from a keyring (secrets/sops/agekey.h) in the
 * default decryption order. verify_mac: covert apply verifies the MAC as
 * sops does; Flux never does (kustomize has changed the object by then).
 *
 * Ownership: the plaintext tree lives in the caller's doc (secret arena);
 * text output goes to the caller's buffer, which should be a secret one.
 *
 * Errors: CV_E_SOPS_NO_METADATA, CV_E_SOPS_NO_KEY (detail: sops's report of
 * the keys tried), CV_E_SOPS_DECRYPT / value errors (detail: the path),
 * CV_E_SOPS_MAC_MISMATCH, the store's parse errors. Never a value. */
#ifndef CV_SOPS_INMEM_H
#define CV_SOPS_INMEM_H

#include "secrets/sops/agekey.h"
#include "secrets/sops/store.h"

/* Decrypt `in` (a file in store s) into doc (initialised by the caller). */
cv_result cv_sops_decrypt_tree(cv_sops_keyring *kr, cv_slice in, cv_store s, bool verify_mac,
                               cv_doc *doc) CV_MUST_USE;
/* Decrypt and emit the plaintext in store out_s (sops's EmitPlainFile). */
cv_result cv_sops_decrypt_text(cv_sops_keyring *kr, cv_slice in, cv_store s, cv_store out_s,
                               bool verify_mac, cv_buf *out) CV_MUST_USE;
/* kustomize-controller's markers for a value that is a whole SOPS file:
 * true and the store the marker names (JSON for `"mac": "ENC[`, dotenv,
 * INI, YAML), else false. */
bool cv_sops_marker(cv_slice v, cv_store *s);

#endif
