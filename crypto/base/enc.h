/* Encodings: strict base64 (padded and unpadded, standard alphabet), hex and
 * bech32 (BIP 173 checksum, no 90-character limit, as age uses it).
 *
 * Decoders are canonical: a base64 string whose unused trailing bits are not
 * zero, or with padding where none is allowed (or missing where required),
 * or with any character outside the alphabet (CR, LF and spaces included) is
 * rejected with CV_E_BASE64. Decoders write into caller buffers sized with the
 * *_len helpers; `out` may be a secret buffer. */
#ifndef CV_BASE_ENC_H
#define CV_BASE_ENC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto/base/buf.h"

/* Encoded lengths. */
size_t cv_b64_enc_len(size_t n, bool pad);
/* Largest possible decoded length of an encoded string of n chars. */
size_t cv_b64_dec_max(size_t n);

/* Encode to out (cv_b64_enc_len bytes, no NUL). */
void cv_b64_encode(char *out, const uint8_t *in, size_t n, bool pad);
/* Append the encoding to a buffer. */
cv_result cv_b64_encode_buf(cv_buf *b, const uint8_t *in, size_t n, bool pad) CV_MUST_USE;
/* Decode; *out_len receives the decoded length. out holds cv_b64_dec_max. */
cv_result cv_b64_decode(uint8_t *out, size_t *out_len, cv_slice in, bool pad) CV_MUST_USE;
/* The bulk step of decoding: decodes the longest prefix of in[0..n) made
 * of whole 4-character groups of the standard alphabet (no '=', no CR/LF,
 * nothing else) into out (3 bytes a group) and returns the characters used,
 * a multiple of 4 (AVX2 where the CPU has it, see b64_simd.h). out must have
 * room for n / 4 * 3 bytes. A decoder continues from there with its own rules for
 * the last group, padding and white space. */
size_t cv_b64_decode_prefix(uint8_t *out, const uint8_t *in, size_t n);
/* Decode and require exactly `want` bytes. */
cv_result cv_b64_decode_exact(uint8_t *out, size_t want, cv_slice in, bool pad) CV_MUST_USE;
/* URL-safe alphabet variants (unpadded), for JWT-like tokens. */
cv_result cv_b64url_decode(uint8_t *out, size_t *out_len, cv_slice in) CV_MUST_USE;

void cv_hex_encode(char *out, const uint8_t *in, size_t n); /* 2n chars, lower case */
cv_result cv_hex_decode(uint8_t *out, size_t want, cv_slice in) CV_MUST_USE;

/* bech32. The HRP is returned as written (case preserved, so callers can
 * compare case-sensitively as age does); the data part is 8-bit bytes. A
 * string must be all upper or all lower case. */
cv_result cv_bech32_encode(cv_buf *out, const char *hrp, const uint8_t *data, size_t n,
                           bool upper) CV_MUST_USE;
/* hrp_out: buffer of hrp_cap bytes (NUL-terminated); data_out of data_cap. */
cv_result cv_bech32_decode(cv_slice s, char *hrp_out, size_t hrp_cap, uint8_t *data_out,
                           size_t data_cap, size_t *data_len) CV_MUST_USE;

#endif
