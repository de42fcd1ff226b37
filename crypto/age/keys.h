/* Key strings and key files, dispatched the way age v1.3 does:
 *
 *   recipients: age1tag1/age1tagpq1 -> tag, age1pq1 -> hybrid, age1 with a
 *   second '1' -> plugin, age1 -> X25519, ssh- -> SSH;
 *   identities: AGE-SECRET-KEY-1, AGE-SECRET-KEY-PQ-1, AGE-PLUGIN-…-1.
 *
 * Files: identity files (comments, several keys, CRLF tolerated, UTF-8
 * required, 16 MiB cap), age-encrypted identity files (decrypted on first
 * use with a passphrase through the ui), SSH private keys; recipients files
 * (one per line, '#' comments, SSH keys of unsupported types skipped with a
 * warning). Errors name the file and line, never the line's content. */
#ifndef CV_AGE_KEYS_H
#define CV_AGE_KEYS_H

#include "crypto/age/recipient.h"

typedef struct {
    cv_age_recipient **v;
    size_t n, cap;
} cv_age_recipients;

typedef struct {
    cv_age_identity **v;
    size_t n, cap;
} cv_age_identities;

void cv_age_recipients_init(cv_age_recipients *l);
void cv_age_recipients_clear(cv_age_recipients *l);
cv_result cv_age_recipients_push(cv_age_recipients *l, cv_age_recipient *r) CV_MUST_USE;
void cv_age_identities_init(cv_age_identities *l);
void cv_age_identities_clear(cv_age_identities *l);
cv_result cv_age_identities_push(cv_age_identities *l, cv_age_identity *id) CV_MUST_USE;

/* One recipient string (as given to -r). */
cv_result cv_age_recipient_parse(cv_slice s, const cv_age_ui *ui, cv_age_recipient **out)
    CV_MUST_USE;
/* One identity string (a line of an identity file). */
cv_result cv_age_identity_parse(cv_slice s, const cv_age_ui *ui, cv_age_identity **out)
    CV_MUST_USE;

/* The contents of a recipients file (-R); `name` is used in errors. */
cv_result cv_age_recipients_file_parse(cv_slice data, const char *name, const cv_age_ui *ui,
                                       cv_age_recipients *out) CV_MUST_USE;
/* The contents of an identity file (-i): native keys, plugin identities, an
 * SSH private key, or an age-encrypted identity file. `pubkey` is NAME.pub
 * (may be empty) for legacy encrypted SSH keys. */
cv_result cv_age_identity_file_parse(cv_slice data, cv_slice pubkey, const char *name,
                                     const cv_age_ui *ui, cv_age_identities *out) CV_MUST_USE;

#endif
