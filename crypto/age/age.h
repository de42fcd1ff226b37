/* age: encrypt to recipients, decrypt with identities (age-encryption.org/v1).
 *
 * Encrypt: fresh 16-byte file key, one or more stanzas per recipient (label
 * sets must agree; scrypt must be alone), header MAC, 16-byte nonce, STREAM.
 * Decrypt: parse the header strictly, try native identities first, then the
 * others; verify the MAC in constant time; stream the payload.
 *
 * Error classes (what the CCTV vectors call them): CV_E_AGE_HEADER family
 * (header failure), CV_E_AGE_NO_MATCH, CV_E_AGE_HMAC, CV_E_AGE_PAYLOAD
 * family (payload failure), CV_E_AGE_ARMOR. cv_age_error_class maps any
 * error onto them. */
#ifndef CV_AGE_AGE_H
#define CV_AGE_AGE_H

#include "crypto/age/armor.h"
#include "crypto/age/keys.h"
#include "crypto/age/stream.h"

typedef struct {
    bool armor;         /* encrypt: armored output */
    unsigned threads;   /* STREAM workers, 0 = automatic */
} cv_age_opts;

cv_result cv_age_encrypt(const cv_age_recipients *rcpts, cv_src *in, cv_sink *out,
                         const cv_age_opts *opts) CV_MUST_USE;
/* Decrypt; armor is detected automatically. */
cv_result cv_age_decrypt(const cv_age_identities *ids, cv_src *in, cv_sink *out,
                         const cv_age_opts *opts) CV_MUST_USE;

/* Decrypt only the header: unwrap and verify, return the file key (secret)
 * and the parsed header. `rest` receives bytes read past the header. */
cv_result cv_age_decrypt_header(const cv_age_identities *ids, cv_src *in, cv_age_header *h,
                                cv_secret **file_key, cv_buf *rest) CV_MUST_USE;

/* In-memory convenience wrappers (SOPS data keys). Output buffers are
 * initialised by the callee; plaintext outputs are secret buffers. */
cv_result cv_age_encrypt_mem(const cv_age_recipients *rcpts, cv_slice in, bool armor,
                             cv_buf *out) CV_MUST_USE;
cv_result cv_age_decrypt_mem(const cv_age_identities *ids, cv_slice in, cv_buf *out)
    CV_MUST_USE;

typedef enum {
    CV_AGE_CLASS_OK,
    CV_AGE_CLASS_HEADER,
    CV_AGE_CLASS_NO_MATCH,
    CV_AGE_CLASS_HMAC,
    CV_AGE_CLASS_PAYLOAD,
    CV_AGE_CLASS_ARMOR,
    CV_AGE_CLASS_OTHER,
} cv_age_class;
cv_age_class cv_age_error_class(cv_err e);

#endif
