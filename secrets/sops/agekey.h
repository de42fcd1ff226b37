/* The age key source of SOPS: the data key (or a Shamir share) encrypted as
 * an armored age file per recipient, and the identities that open them,
 * found as sops 3.13 finds them:
 *
 *   SOPS_AGE_SSH_PRIVATE_KEY_FILE, SOPS_AGE_SSH_PRIVATE_KEY_CMD,
 *   ~/.ssh/id_ed25519, ~/.ssh/id_rsa, SOPS_AGE_KEY (whitespace-separated),
 *   SOPS_AGE_KEY_FILE, SOPS_AGE_KEY_CMD, and
 *   ${XDG_CONFIG_HOME:-~/.config}/sops/age/keys.txt
 *
 * Unlike sops (which re-reads every source for every key it tries), the
 * keyring loads the static sources once per process and runs the two
 * commands once per recipient (with SOPS_AGE_RECIPIENT set). Identities
 * live in secret memory inside the age library's objects.
 *
 * A keyring may be shared by threads: its use is serialised inside.
 *
 * When no key of a group opens it, the report buffer receives the text
 * sops prints (groups, keys, indented errors, the recovery trailer). */
#ifndef CV_SOPS_AGEKEY_H
#define CV_SOPS_AGEKEY_H

#include "crypto/age/keys.h"
#include "crypto/base/mem.h"
#include "secrets/sops/meta.h"

typedef struct cv_sops_keyring cv_sops_keyring;

cv_result cv_sops_keyring_new(const cv_age_ui *ui, cv_sops_keyring **out) CV_MUST_USE;
void cv_sops_keyring_free(cv_sops_keyring **k);

/* A keyring holding only what cv_sops_keyring_import adds (Flux's
 * decryption Secret): no environment source is read, no command runs. */
cv_result cv_sops_keyring_new_fixed(const cv_age_ui *ui, cv_sops_keyring **out) CV_MUST_USE;
/* Add the identities of a key file as sops's ParsedIdentities.Import reads
 * it: one identity per line (a trailing CR dropped), empty and '#' lines
 * skipped; one bad line fails the whole import and adds nothing
 * (CV_E_AGE_IDENTITY / CV_E_AGE_PLUGIN, detail without the key). */
cv_result cv_sops_keyring_import(cv_sops_keyring *k, cv_slice text) CV_MUST_USE CV_NONNULL;
/* Identities held (imported ones, or the static sources once loaded). */
size_t cv_sops_keyring_count(cv_sops_keyring *k) CV_NONNULL;

/* Load the static sources now rather than when a key is first tried, so a
 * caller can overlap the loading with reading its file. Loading is silent:
 * a passphrase-protected identity (an age-encrypted identity file, an
 * encrypted ssh key) asks only when first used to open a key, and load
 * errors are kept for the report. Nothing is loaded when SOPS_AGE_KEY_FILE
 * or SOPS_AGE_SSH_PRIVATE_KEY_FILE names a pipe or other non-regular file
 * (its writer may not be ready). Thread-safe; does nothing once loaded. */
void cv_sops_keyring_preload(cv_sops_keyring *k) CV_NONNULL;

/* Recover the data key. order: the decryption order ("age,pgp" when NULL);
 * on CV_E_SOPS_NO_KEY, report holds sops's explanation. */
cv_result cv_sops_data_key(cv_sops_keyring *kr, const cv_sops_meta *m, const char *order,
                           cv_secret **key, cv_buf *report) CV_MUST_USE;

/* Encrypt key (or shares of it, one per group, when there are several
 * groups) to every master key of m, replacing each `enc`. Only age keys can
 * be written: any other type fails with CV_E_UNSUPPORTED naming it. */
cv_result cv_sops_data_key_seal(cv_doc *d, cv_sops_meta *m, const uint8_t key[32])
    CV_MUST_USE;

/* Split a command line as sops does (github.com/google/shlex): words,
 * single and double quotes, backslash escapes, '#' comments. argv and its
 * strings are heap-allocated; free with cv_sops_argv_free. */
cv_result cv_sops_shlex(const char *line, char ***argv, size_t *argc) CV_MUST_USE;
void cv_sops_argv_free(char **argv);

#endif
