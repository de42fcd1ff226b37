/* Encrypting and decrypting a whole document tree, and its MAC, as sops's
 * Tree.Encrypt / Tree.Decrypt walk it: depth first in document order, the
 * AAD built from the map keys on the path (list positions add nothing), the
 * selection rule deciding which leaves are encrypted, comments encrypted
 * with the path of their container, nulls skipped, and SHA-512 over the
 * plaintext bytes of every leaf (or only encrypted ones, after a fixed
 * prefix, with mac_only_encrypted) rendered as 128 upper-case hex digits.
 *
 * Where sops 3.13.2 hashes a list item that decrypts to a comment (its
 * issue #2256), covert leaves it out, as every sops version did when it
 * encrypted the file: such files verify here and not in sops 3.13.2.
 *
 * The walk queues the leaves; their values are encrypted or decrypted in
 * batches on every core (a thread per CV_SOPS_VALUES_PER_THREAD values) and
 * applied, hashed and reported in document order, as one thread would.
 *
 * Errors: CV_E_SOPS_ENC / CV_E_SOPS_DECRYPT (a value; the detail words it
 * as sops does, "Error walking tree: Could not decrypt value: ..."), CV_E_DOC_TYPE (non-string key, unsupported value), CV_E_SOPS_MAC_*
 * for the MAC. The tree is modified in place; on error it is half done and
 * must be discarded. */
#ifndef CV_SOPS_CRYPT_H
#define CV_SOPS_CRYPT_H

#include "secrets/sops/meta.h"
#include "secrets/sops/value.h"

#define CV_SOPS_MAC_HEX 128u

/* Encryption returns with its MAC still being hashed (the last values, on
 * a thread of its own): the caller seals the data key and writes the
 * document out meanwhile, then takes the MAC from cv_sops_mac_wait. The
 * plaintext the hasher reads stays in the document (values are given new
 * text, never overwritten), so the document outlives the wait. On error
 * nothing is pending. */
typedef struct cv_sops_mac_pending cv_sops_mac_pending;
cv_result cv_sops_tree_encrypt(cv_doc *d, const cv_sops_meta *m,
                               const uint8_t key[CV_SOPS_KEY_LEN], cv_sops_stash *stash,
                               cv_sops_mac_pending **mac) CV_MUST_USE;
/* Whether the MAC is still being hashed on its own thread (only for a
 * large last batch: small documents are hashed before this returns). */
bool cv_sops_mac_hashing(const cv_sops_mac_pending *mac);
/* The MAC, once hashed; frees *mac. */
cv_result cv_sops_mac_wait(cv_sops_mac_pending **mac, char hex[CV_SOPS_MAC_HEX + 1]) CV_MUST_USE;
/* Waits for the hasher and drops its MAC (paths that fail before writing). */
void cv_sops_mac_discard(cv_sops_mac_pending **mac);
cv_result cv_sops_tree_decrypt(cv_doc *d, const cv_sops_meta *m,
                               const uint8_t key[CV_SOPS_KEY_LEN], cv_sops_stash *stash,
                               char mac[CV_SOPS_MAC_HEX + 1]) CV_MUST_USE;

/* Encrypt the computed MAC into m->mac with the lastmodified AAD. */
cv_result cv_sops_mac_seal(cv_doc *d, cv_sops_meta *m, const uint8_t key[CV_SOPS_KEY_LEN],
                           const char mac[CV_SOPS_MAC_HEX + 1], cv_sops_stash *stash)
    CV_MUST_USE;
/* A stand-in for the encrypted MAC, into m->mac, while the real one is
 * still being hashed: a random MAC sealed as cv_sops_mac_seal seals one,
 * so of the same length and alphabet, and unguessable. */
cv_result cv_sops_mac_seal_stand_in(cv_doc *d, cv_sops_meta *m, const uint8_t key[CV_SOPS_KEY_LEN])
    CV_MUST_USE;
/* Decrypt the stored MAC and compare it with the computed one:
 * CV_E_SOPS_MAC_DECRYPT or CV_E_SOPS_MAC_MISMATCH (detail as sops prints
 * it: "MAC mismatch. File has X, computed Y"). */
cv_result cv_sops_mac_verify(cv_doc *d, const cv_sops_meta *m, const uint8_t key[CV_SOPS_KEY_LEN],
                             const char mac[CV_SOPS_MAC_HEX + 1], cv_sops_stash *stash)
    CV_MUST_USE;

#endif
