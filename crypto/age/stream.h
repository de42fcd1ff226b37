/* The STREAM payload: 64 KiB chunks sealed with ChaCha20-Poly1305 under a
 * key derived from the file key and a 16-byte nonce; chunk i's nonce is the
 * 11-byte big-endian counter || final flag.
 *
 * Both directions run in constant memory for any input size and spread the
 * chunks over `threads` worker threads (0 = one per online CPU), keeping the
 * output order and the final-chunk rules exact: a full final chunk only when
 * the input ends on a chunk boundary, an empty final chunk only for empty
 * input. Decryption writes a chunk's plaintext only after its tag verified;
 * on a payload error the plaintext already written is exactly the verified
 * prefix.
 *
 * `in` and `out` may be called from any of the worker threads, but never
 * concurrently and always in stream order; an error they return (with its
 * detail) is returned as is. Inputs of one chunk are processed on the
 * calling thread without starting any. */
#ifndef CV_AGE_STREAM_H
#define CV_AGE_STREAM_H

#include <stdint.h>

#include "crypto/age/format.h"
#include "crypto/base/io.h"

typedef struct {
    unsigned threads; /* 0 = automatic */
} cv_age_stream_opts;

/* payload key = HKDF-SHA-256(file key, salt = nonce, "payload"). */
cv_result cv_age_payload_key(uint8_t key[32], const uint8_t file_key[CV_AGE_FILE_KEY],
                             const uint8_t nonce[CV_AGE_NONCE]) CV_MUST_USE;

cv_result cv_age_stream_encrypt(const uint8_t key[32], cv_src *in, cv_sink *out,
                                const cv_age_stream_opts *opts) CV_MUST_USE;
cv_result cv_age_stream_decrypt(const uint8_t key[32], cv_src *in, cv_sink *out,
                                const cv_age_stream_opts *opts) CV_MUST_USE;

#endif
