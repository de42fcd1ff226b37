/* Flux's decryption of kustomize sources before the build
 * (kustomize-controller v1.9.4 Decryptor.DecryptSources), in memory.
 *
 * kustomize-controller, for a Kustomization with decryption provider sops,
 * walks the kustomization files reachable from the Kustomization's
 * directory (the generated one there, then resources and components that
 * are directories inside the source root) and decrypts, in place on disk,
 * every file that a secretGenerator's `files` or `envs` or a `patches[].path`
 * names when it carries the SOPS marker of its format (by extension:
 * `key=path` file sources by the key's, `.dockerconfigjson` as JSON, env
 * files default to dotenv, everything else binary); the plaintext is
 * re-emitted in the same format. covert decrypts the same files with the
 * same rules but never writes them: each plaintext becomes a stand-in in
 * the fs overlay (cv_kzfs_overlay) that the following kustomize build
 * reads, and the caller clears it right after that build.
 *
 * Paths: as securejoin does, ".." never climbs above the root; a path that
 * would, or an absolute one, is left alone (kustomize then reads what it
 * names, as Flux would read it undecrypted). A missing file, a file over
 * 5 MiB, a directory with no or several kustomization files fail as they
 * do in Flux. The MAC is not verified (Flux does not check it here).
 *
 * Errors: CV_E_FLUX_DECRYPT_SOURCES with Flux's message in the detail
 * ("error decrypting sources: ..."), CV_E_FLUX_KEYS_UNSUPPORTED, NOMEM. */
#ifndef CV_FLUX_SRCDECRYPT_H
#define CV_FLUX_SRCDECRYPT_H

#include "reconcile/flux/keys.h"
#include "reconcile/kustomize/fs.h"
#include "secrets/doc/tree.h"

/* root: the source root in fs; path: the Kustomization's spec.path; kust:
 * the kustomization Flux generated for that directory. */
cv_result cv_flux_decrypt_sources(const cv_flux_keys *keys, cv_kzfs *fs, const char *root,
                                  const char *path, const cv_node *kust) CV_MUST_USE;

#endif
