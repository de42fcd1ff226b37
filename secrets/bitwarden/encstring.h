/* Bitwarden EncStrings and symmetric keys.
 *
 * A symmetric Bitwarden key is 64 bytes (AES-256-CBC key, then HMAC-SHA256
 * key) or, for very old data, a bare 32-byte AES key. The string forms:
 *
 *   "2." b64(iv 16) "|" b64(ciphertext) "|" b64(mac 32)   AES-256-CBC + HMAC
 *   "0." b64(iv 16) "|" b64(ciphertext)                    AES-256-CBC, no MAC
 *   a string without "." is the legacy header-less form (3 parts: type 1,
 *   otherwise type 0)
 *
 * Decryption verifies HMAC-SHA256(mac key, iv || ciphertext) in constant
 * time before any block is decrypted, then strips PKCS#7 padding. A type-0
 * string given a 64-byte key is refused (downgrade protection, as the SDK
 * does); a type-2 string given a 32-byte key is refused too. Type 1 (removed
 * AES-128 variant), the asymmetric types 3-6 and COSE type 7 are recognised
 * and refused with CV_E_UNSUPPORTED naming the type; anything else is
 * CV_E_BW_ENCSTRING. Whitespace is not trimmed (the SDK does not).
 *
 * Errors: CV_E_BW_ENCSTRING (malformed: wrong part count, bad base64, IV not
 * 16 bytes, MAC not 32), CV_E_BW_MAC (MAC mismatch: wrong key or tampering),
 * CV_E_BW_MAC_MISSING (type 0 with a MAC key), CV_E_BW_DECRYPT (bad padding
 * or a ciphertext that is not whole blocks, behind a valid MAC),
 * CV_E_UNSUPPORTED (known but unsupported types), CV_E_UTF8 (text that is
 * not UTF-8, for the _str variant), CV_E_TOO_LARGE (caps in limits.h).
 *
 * Ownership: keys are cv_secret (64 or 32 bytes). Plaintext is appended to
 * the caller's buffer, which must be a secret cv_buf (cv_buf_init_secret);
 * on failure nothing is appended. Encrypted output is public. */
#ifndef CV_BW_ENCSTRING_H
#define CV_BW_ENCSTRING_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/base/buf.h"
#include "crypto/base/mem.h"

#define CV_BW_KEY_LEN 64u
#define CV_BW_IV_LEN 16u
#define CV_BW_MAC_LEN 32u

/* derive_shareable_key: PRK = HMAC-SHA256("bitwarden-" + name, secret),
 * key = HKDF-Expand(PRK, info or "", 64). */
cv_result cv_bw_derive_shareable_key(cv_secret **out, const uint8_t *secret, size_t secret_len,
                                     const char *name, const char *info) CV_MUST_USE;

/* Decrypt an EncString with a 64- or 32-byte key. */
cv_result cv_bw_decrypt(cv_slice enc, const cv_secret *key, cv_buf *out) CV_MUST_USE CV_NONNULL;
/* The same, and require UTF-8 text. */
cv_result cv_bw_decrypt_str(cv_slice enc, const cv_secret *key, cv_buf *out)
    CV_MUST_USE CV_NONNULL;

/* Encrypt as type 2 with a 64-byte key. iv NULL draws a random IV (the
 * only correct use; a fixed IV is for test vectors). Appends the string. */
cv_result cv_bw_encrypt(cv_slice plain, const cv_secret *key, const uint8_t *iv, cv_buf *out)
    CV_MUST_USE;

/* Strict UTF-8 check (no surrogates, no overlong forms). */
bool cv_bw_utf8_valid(const uint8_t *p, size_t n);

#endif
