/* Recipients (who a file is encrypted to) and identities (who can open it),
 * as small vtables, one implementation file per type:
 *
 *   x25519.c   age1…           / AGE-SECRET-KEY-1…
 *   scrypt.c   passphrase
 *   pq.c       age1pq1…        / AGE-SECRET-KEY-PQ-1…   (ML-KEM-768 + X25519)
 *   tag.c      age1tag1…, age1tagpq1…                    (encrypt only)
 *   ssh.c      ssh-ed25519, ssh-rsa public keys / OpenSSH and PEM private keys
 *   plugin.c   age1NAME1…      / AGE-PLUGIN-NAME-1…     (age-plugin-NAME)
 *
 * wrap appends the stanzas for one file key and reports the recipient's
 * label set (sorted, space separated, "" for classic recipients; age refuses
 * to mix different label sets in one file). unwrap returns CV_OK with the
 * file key, CV_E_AGE_NO_MATCH when no stanza is for this identity, or a hard
 * error (a malformed stanza of the identity's own type is a header error).
 *
 * Interaction (passphrases for encrypted keys, plugin messages) goes through
 * a cv_age_ui supplied by the caller; the library never touches a terminal.
 * All secret material is held in cv_secret and wiped by free. */
#ifndef CV_AGE_RECIPIENT_H
#define CV_AGE_RECIPIENT_H

#include <stdbool.h>

#include "crypto/age/format.h"
#include "crypto/base/mem.h"

/* Callbacks to the user interface (all optional: NULL means "not
 * interactive", and the operation fails with CV_E_TERMINAL). */
typedef struct {
    void *ctx;
    /* Ask for a secret (passphrase or PIN); *out is a new cv_secret. */
    cv_result (*request_secret)(void *ctx, const char *prompt, cv_secret **out);
    /* Ask a yes/no (or two-choice) question: *choice = true for `yes`. */
    cv_result (*confirm)(void *ctx, const char *prompt, const char *yes, const char *no,
                         bool *choice);
    /* Show a message (plugin `msg`). */
    void (*message)(void *ctx, const char *text);
    /* Warnings from the library (e.g. unsupported ssh key types skipped). */
    void (*warning)(void *ctx, const char *text);
} cv_age_ui;

typedef struct cv_age_recipient cv_age_recipient;
typedef struct cv_age_identity cv_age_identity;

typedef struct {
    const char *name;
    cv_result (*wrap)(const cv_age_recipient *r, const uint8_t file_key[CV_AGE_FILE_KEY],
                      cv_age_stanzas *out, char **labels);
    void (*free)(cv_age_recipient *r);
    /* Optional: the recipient's string form (age1…, ssh-…); heap string. */
    cv_result (*encode)(const cv_age_recipient *r, char **out);
} cv_age_recipient_ops;

struct cv_age_recipient {
    const cv_age_recipient_ops *ops;
    void *ctx;
};

typedef enum {
    CV_AGE_ID_NATIVE = 0,  /* tried first, as age v1.3 does */
    CV_AGE_ID_OTHER = 1,   /* ssh, plugin, encrypted identity files */
} cv_age_id_class;

typedef struct {
    const char *name;
    cv_result (*unwrap)(const cv_age_identity *id, const cv_age_stanzas *stanzas,
                        uint8_t file_key[CV_AGE_FILE_KEY]);
    /* The recipient for this identity (for age-keygen -y and age -e -i);
     * CV_E_UNSUPPORTED when there is none. */
    cv_result (*to_recipient)(const cv_age_identity *id, cv_age_recipient **out);
    void (*free)(cv_age_identity *id);
} cv_age_identity_ops;

struct cv_age_identity {
    const cv_age_identity_ops *ops;
    void *ctx;
    cv_age_id_class cls;
};

void cv_age_recipient_free(cv_age_recipient **r);
void cv_age_identity_free(cv_age_identity **id);
cv_result cv_age_recipient_wrap(const cv_age_recipient *r, const uint8_t fk[CV_AGE_FILE_KEY],
                                cv_age_stanzas *out, char **labels) CV_MUST_USE;
/* The recipient string; CV_E_UNSUPPORTED if the type has no string form. */
cv_result cv_age_recipient_encode(const cv_age_recipient *r, char **out) CV_MUST_USE;
cv_result cv_age_identity_unwrap(const cv_age_identity *id, const cv_age_stanzas *st,
                                 uint8_t fk[CV_AGE_FILE_KEY]) CV_MUST_USE;
/* Helper for identities that handle one stanza at a time: tries each stanza,
 * skipping CV_E_AGE_NO_MATCH, stopping at success or any other error. */
cv_result cv_age_unwrap_each(const cv_age_identity *id, const cv_age_stanzas *st,
                             uint8_t fk[CV_AGE_FILE_KEY],
                             cv_result (*one)(const cv_age_identity *id, const cv_age_stanza *s,
                                              uint8_t fk[CV_AGE_FILE_KEY])) CV_MUST_USE;
/* Allocate a recipient/identity shell with the given ops and context. */
cv_result cv_age_recipient_new(cv_age_recipient **out, const cv_age_recipient_ops *ops,
                               void *ctx) CV_MUST_USE;
cv_result cv_age_identity_new(cv_age_identity **out, const cv_age_identity_ops *ops, void *ctx,
                              cv_age_id_class cls) CV_MUST_USE;

/* Upper-case bech32 of secret data into a new NUL-terminated secret (len
 * excludes the NUL): the encoding of every AGE-SECRET-KEY-… identity. */
cv_result cv_age_bech32_secret(cv_secret **out, const char *hrp, const uint8_t *data, size_t n)
    CV_MUST_USE;
/* Lower-case bech32 of public data: every age1… recipient string. */
cv_result cv_age_bech32_public(char **out, const char *hrp, const uint8_t *data, size_t n)
    CV_MUST_USE;

/* --- X25519 (x25519.c) --- */
cv_result cv_age_x25519_recipient_parse(cv_slice s, cv_age_recipient **out) CV_MUST_USE;
cv_result cv_age_x25519_identity_parse(cv_slice s, cv_age_identity **out) CV_MUST_USE;
/* New random identity; *encoded is the AGE-SECRET-KEY-1… string in secret
 * memory (NUL-terminated), *recipient the age1… string (heap). */
cv_result cv_age_x25519_generate(cv_secret **encoded, char **recipient) CV_MUST_USE;

/* --- scrypt (scrypt.c) --- */
/* The passphrase is copied. log_n = 0 selects the default work factor. */
cv_result cv_age_scrypt_recipient_new(const cv_secret *passphrase, unsigned log_n,
                                      cv_age_recipient **out) CV_MUST_USE;
/* max_log_n = 0 selects the default cap (22, as age). */
cv_result cv_age_scrypt_identity_new(const cv_secret *passphrase, unsigned max_log_n,
                                     cv_age_identity **out) CV_MUST_USE;
bool cv_age_recipient_is_scrypt(const cv_age_recipient *r);
bool cv_age_identity_is_scrypt(const cv_age_identity *id);
/* Asks ui->request_secret(prompt) only if the header is one scrypt stanza;
 * a wrong passphrase is then a hard CV_E_AGE_BAD_PASSPHRASE. */
cv_result cv_age_scrypt_identity_lazy(const cv_age_ui *ui, const char *prompt,
                                      cv_age_identity **out) CV_MUST_USE;

/* --- ML-KEM-768 + X25519 hybrid (pq.c) --- */
cv_result cv_age_pq_recipient_parse(cv_slice s, cv_age_recipient **out) CV_MUST_USE;
cv_result cv_age_pq_identity_parse(cv_slice s, cv_age_identity **out) CV_MUST_USE;
cv_result cv_age_pq_generate(cv_secret **encoded, char **recipient) CV_MUST_USE;

/* --- tagged recipients (tag.c): age1tag1…, age1tagpq1… --- */
cv_result cv_age_tag_recipient_parse(cv_slice s, cv_age_recipient **out) CV_MUST_USE;

/* --- SSH (ssh.c) --- */
/* An OpenSSH public key line ("ssh-ed25519 AAAA… comment"). Unsupported key
 * types give CV_E_SSH_UNSUPPORTED so recipients files can skip them. */
cv_result cv_age_ssh_recipient_parse(cv_slice s, cv_age_recipient **out) CV_MUST_USE;
/* A private key file (OpenSSH, PKCS#1, PKCS#8). Passphrase-protected keys
 * ask through ui only when a stanza's tag matches; `pubkey` (may be empty)
 * is the content of NAME.pub for legacy encrypted PEM keys. */
cv_result cv_age_ssh_identity_parse(cv_slice pem, cv_slice pubkey, const char *name,
                                    const cv_age_ui *ui, cv_age_identity **out) CV_MUST_USE;

/* --- plugins (plugin.c) --- */
cv_result cv_age_plugin_recipient_parse(cv_slice s, const cv_age_ui *ui,
                                        cv_age_recipient **out) CV_MUST_USE;
cv_result cv_age_plugin_identity_parse(cv_slice s, const cv_age_ui *ui,
                                       cv_age_identity **out) CV_MUST_USE;
/* -j NAME: the data-less identity AGE-PLUGIN-NAME-1. */
cv_result cv_age_plugin_identity_by_name(const char *name, const cv_age_ui *ui,
                                         cv_age_identity **out) CV_MUST_USE;
/* Plugin names are 1*(ALPHA / DIGIT / "-" / "_" / "." / "+"):
 * CV_E_AGE_PLUGIN_NAME otherwise. (A plugin identity's to_recipient gives the
 * recipient age -e -i uses: the identity sent with add-identity.) */
cv_result cv_age_plugin_name_valid(cv_slice name) CV_MUST_USE;

#endif
