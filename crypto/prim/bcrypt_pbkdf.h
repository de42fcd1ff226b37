/* bcrypt_pbkdf: the key derivation OpenSSH uses for passphrase-protected
 * private keys ("bcrypt" KDF in openssh-key-v1 files), as defined by
 * OpenBSD's bcrypt_pbkdf(3): PBKDF2-like iteration over a bcrypt-style hash
 * (eksblowfish keyed with SHA-512 of the passphrase and salt), with the
 * output bytes interleaved across blocks.
 *
 * The passphrase and output may live in secret memory; every temporary
 * (Blowfish state, SHA-512 digests) is wiped before return. Blowfish's
 * lookups are key-dependent (not constant time), as in every bcrypt. */
#ifndef CV_PRIM_BCRYPT_PBKDF_H
#define CV_PRIM_BCRYPT_PBKDF_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/base/err.h"

#define CV_BCRYPT_HASH_LEN 32u
/* Largest output: 32 blocks of 32 bytes (as OpenBSD). */
#define CV_BCRYPT_PBKDF_MAX_OUT 1024u
/* Largest salt OpenBSD accepts. */
#define CV_BCRYPT_PBKDF_MAX_SALT (1u << 20)

/* Derive out_len bytes. Fails with CV_E_INVALID_ARG for an empty passphrase
 * or salt, zero rounds, or an output size of 0 or above the maximum. */
cv_result cv_bcrypt_pbkdf(uint8_t *out, size_t out_len, const uint8_t *pass, size_t pass_len,
                          const uint8_t *salt, size_t salt_len, uint32_t rounds) CV_MUST_USE;

/* The inner hash over SHA-512 digests of passphrase and salt (exposed for
 * known-answer tests). */
void cv_bcrypt_hash(uint8_t out[CV_BCRYPT_HASH_LEN], const uint8_t sha2pass[64],
                    const uint8_t sha2salt[64]);

#endif
