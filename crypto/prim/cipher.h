/* Ciphers that protect key files rather than age payloads: AES in CTR, CBC
 * (no padding) and GCM modes with any AES key size, and OpenSSH's
 * chacha20-poly1305@openssh.com. OpenSSH encrypts private keys with these
 * (PROTOCOL.key); nothing here is used to encrypt new data.
 *
 * Buffers may be secret memory and may be decrypted in place (out == in).
 * The authenticated variants check the tag in constant time before any
 * plaintext is written; on failure they return CV_E_DECRYPT and leave out
 * wiped. Key lengths other than 16, 24 or 32 bytes give CV_E_KEY_SIZE. */
#ifndef CV_PRIM_CIPHER_H
#define CV_PRIM_CIPHER_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/base/err.h"

#define CV_AES_BLOCK 16u
#define CV_OPENSSH_CHACHA_KEY 64u

/* AES-CTR with a 16-byte initial counter block (big-endian increment). */
cv_result cv_aes_ctr_crypt(uint8_t *out, const uint8_t *in, size_t n, const uint8_t *key,
                           size_t key_len, const uint8_t iv[CV_AES_BLOCK]) CV_MUST_USE;
/* AES-CBC decryption without padding removal; n must be a multiple of 16. */
cv_result cv_aes_cbc_decrypt(uint8_t *out, const uint8_t *in, size_t n, const uint8_t *key,
                             size_t key_len, const uint8_t iv[CV_AES_BLOCK]) CV_MUST_USE;
/* AES-CBC encryption without padding (the caller pads); n a multiple of
 * 16. Bitwarden EncStrings are AES-256-CBC with PKCS#7 padding. */
cv_result cv_aes_cbc_encrypt(uint8_t *out, const uint8_t *in, size_t n, const uint8_t *key,
                             size_t key_len, const uint8_t iv[CV_AES_BLOCK]) CV_MUST_USE;
/* AES-GCM with a 12-byte IV, no associated data. */
cv_result cv_aes_gcm_open_iv12(uint8_t *out, const uint8_t *in, size_t n, const uint8_t *key,
                               size_t key_len, const uint8_t iv[12], const uint8_t tag[16])
    CV_MUST_USE;
/* chacha20-poly1305@openssh.com for packet number `seq` with no length
 * header (how key files use it): the Poly1305 key is the first 32 bytes of
 * the ChaCha20 keystream under key[0..32) and nonce `seq`; the payload is
 * the keystream from block 1 on; the tag covers the ciphertext alone. */
cv_result cv_openssh_chachapoly_open(uint8_t *out, const uint8_t *in, size_t n,
                                     const uint8_t key[CV_OPENSSH_CHACHA_KEY], uint64_t seq,
                                     const uint8_t tag[16]) CV_MUST_USE;

#endif
