/* Flux's decryption of one built object (kustomize-controller's
 * DecryptResource, flux.md A5), in memory:
 *
 *   - an object (any kind) whose top-level `sops` map has a `mac`: the
 *     whole object decrypted through the JSON store, the `sops` key gone;
 *   - else a Secret: every `data` value that base64-decodes to a whole
 *     SOPS file (the controller's markers pick the input store) is
 *     decrypted and re-emitted in the store its key's extension names
 *     (.dockerconfigjson as JSON), base64 again; values that do not
 *     decode are left for the API server to refuse. As the controller's
 *     SetDataMap does, `data` is rewritten with string values and dropped
 *     when empty.
 *
 * The identities come from keys.h (the Kustomization's decryption Secret
 * and the caller's keyring). The MAC is not verified (Flux: kustomize has changed the object). An
 * object annotated kustomize.toolkit.fluxcd.io/decrypt: disabled (any
 * case) is left alone.
 *
 * Ownership: *obj may be replaced by a new MAP in doc (the old one stays
 * in the arena); plaintext lives only in doc (secret arena) and wiped
 * temporaries.
 *
 * Errors: those of secrets/sops/inmem.h, detail prefixed with the object
 * ("Secret/ns/name data.key: ..."). */
#ifndef CV_FLUX_DECRYPT_H
#define CV_FLUX_DECRYPT_H

#include "secrets/doc/tree.h"
#include "reconcile/flux/keys.h"
#include "secrets/sops/store.h"

/* True when decryption is disabled on obj by annotation. */
bool cv_flux_decrypt_disabled(const cv_node *obj);
/* True when obj has a top-level sops map with a mac. */
bool cv_flux_sops_object(const cv_node *obj);
/* keys->kr are tried in order for every SOPS document until one opens it
 * (CV_E_SOPS_NO_KEY moves on to the next). When none does and the
 * decryption Secret had key sources covert does not support, the error is
 * CV_E_FLUX_KEYS_UNSUPPORTED naming them. */
cv_result cv_flux_decrypt_obj(const cv_flux_keys *keys, cv_doc *doc, cv_node **obj) CV_MUST_USE;

/* One whole SOPS file (store in_s) re-emitted as plaintext in store out_s
 * into plain (a secret buffer), each keyring in turn; the MAC is not
 * verified. */
cv_result cv_flux_decrypt_text(const cv_flux_keys *keys, cv_slice in, cv_store in_s,
                               cv_store out_s, cv_buf *plain) CV_MUST_USE;
/* kustomize-controller's formatForPath: the store a file name or data key
 * names by its extension (.dockerconfigjson is JSON; unknown is binary). */
cv_store cv_flux_store_for_path(const char *path) CV_NONNULL;
/* After a failure r: true when no keyring opened the file and the
 * decryption Secret had key sources covert cannot use; the error to give
 * then is cv_flux_keys_unsupported_fail (what: the object or file). */
bool cv_flux_keys_exhausted(const cv_flux_keys *keys, cv_result r);
cv_result cv_flux_keys_unsupported_fail(const cv_flux_keys *keys, const char *what) CV_MUST_USE;

#endif
