/* SSH keys as age uses them (FiloSottile/age agessh, golang.org/x/crypto/ssh):
 *
 *   public keys   one OpenSSH line "TYPE BASE64 [comment]" or a wire-format
 *                 blob (RFC 4253 6.6: string type, then mpint e, mpint n for
 *                 ssh-rsa, or string key for ssh-ed25519);
 *   private keys  PEM files: "OPENSSH PRIVATE KEY" (openssh-key-v1, plain or
 *                 encrypted with bcrypt_pbkdf and aes{128,192,256}-{ctr,cbc},
 *                 aes{128,256}-gcm@openssh.com or chacha20-poly1305@openssh.com),
 *                 "RSA PRIVATE KEY" (PKCS#1, optionally legacy-encrypted with
 *                 Proc-Type/DEK-Info), "PRIVATE KEY" (PKCS#8, RSA or Ed25519),
 *                 "ENCRYPTED PRIVATE KEY" (PKCS#8, which age itself rejects).
 *
 * Only ssh-ed25519 and ssh-rsa are usable; other well-formed keys (ecdsa-*,
 * sk-*, ssh-dss, certificates, EC/DSA PEM) give CV_E_SSH_UNSUPPORTED so a
 * recipients file can skip them. Malformed input gives CV_E_SSH_KEY (with a
 * detail naming the rule), a wrong passphrase CV_E_SSH_PASSPHRASE, a file of
 * CV_SSH_MAX_KEYFILE bytes or more CV_E_TOO_LARGE, an RSA modulus above
 * CV_SSH_MAX_RSA_BITS CV_E_TOO_LARGE. Minimum RSA sizes are a recipient
 * rule and are checked by ssh.c, not here.
 *
 * The public key is always kept in canonical wire form (minimal mpints),
 * because age's recipient tag hashes the re-encoded key, not the input.
 *
 * Ownership: a cv_ssh_key owns its wire blob (heap), RSA object and Ed25519
 * seed (secret memory); cv_ssh_key_clear releases them. Decoded private key
 * material only ever lives in secret memory. */
#ifndef CV_AGE_SSHKEY_H
#define CV_AGE_SSHKEY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto/base/buf.h"
#include "crypto/base/mem.h"
#include "crypto/prim/pk.h"

#define CV_SSH_ED25519_NAME "ssh-ed25519"
#define CV_SSH_RSA_NAME "ssh-rsa"
/* base64(SHA-256(wire)[:4]) without padding, plus NUL. */
#define CV_SSH_TAG_LEN 6u

typedef enum {
    CV_SSH_NONE = 0, /* not known yet (legacy encrypted PEM) */
    CV_SSH_ED25519 = 1,
    CV_SSH_RSA = 2,
} cv_ssh_type;

typedef struct {
    cv_ssh_type type;
    uint8_t *wire; /* canonical public key blob, heap */
    size_t wire_len;
    uint8_t ed_pub[32];    /* ssh-ed25519 */
    cv_rsa *rsa;           /* ssh-rsa: public key, or key pair if has_private */
    cv_secret *ed_seed;    /* ssh-ed25519 private seed, if has_private */
    bool has_private;
} cv_ssh_key;

void cv_ssh_key_init(cv_ssh_key *k) CV_NONNULL;
void cv_ssh_key_clear(cv_ssh_key *k);

const char *cv_ssh_type_name(cv_ssh_type t);
/* The recipient tag age writes in stanzas: base64(SHA-256(wire)[:4]). */
void cv_ssh_key_tag(const cv_ssh_key *k, char tag[CV_SSH_TAG_LEN + 1]) CV_NONNULL;
/* Same public key (compares canonical wire blobs). */
bool cv_ssh_key_public_eq(const cv_ssh_key *a, const cv_ssh_key *b) CV_NONNULL;
/* RSA modulus size in bits (0 for other types). */
size_t cv_ssh_key_rsa_bits(const cv_ssh_key *k) CV_NONNULL;

/* A wire-format public key blob; trailing bytes are an error. */
cv_result cv_ssh_pubkey_parse_wire(cv_slice blob, cv_ssh_key *out) CV_MUST_USE CV_NONNULL;
/* An authorized_keys-style line as x/crypto/ssh.ParseAuthorizedKey reads it:
 * the first non-empty, non-comment line is "TYPE BASE64 [comment]" with
 * space or tab separators; the key type inside the blob is authoritative
 * (the TYPE field is not compared, as in Go). Options before the type are
 * not supported. */
cv_result cv_ssh_pubkey_parse_line(cv_slice line, cv_ssh_key *out) CV_MUST_USE CV_NONNULL;
/* age's test for "a valid SSH public key of some type" in a recipients
 * file line: at least two fields split on single spaces, the second is
 * base64 of a blob whose leading type string equals the first field. On
 * true, *type points into `line`. */
bool cv_ssh_line_key_type(cv_slice line, cv_slice *type) CV_NONNULL;

/* A private key file. With passphrase == NULL an encrypted key is not an
 * error: *encrypted is set and `out` receives what is known without the
 * passphrase (the public key for OpenSSH files, nothing -- type
 * CV_SSH_NONE -- for encrypted PEM). With a passphrase an encrypted key is
 * decrypted; an unencrypted key ignores it. */
cv_result cv_ssh_private_parse(cv_slice pem, const cv_secret *passphrase, cv_ssh_key *out,
                               bool *encrypted) CV_MUST_USE;

#endif
