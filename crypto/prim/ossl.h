/* OpenSSL contexts for the few algorithms on covert's hot paths (AES-256-GCM,
 * ChaCha20-Poly1305; SHA-256 and SHA-512 in hash.c), set up without OpenSSL
 * 3's provider fetch where the process allows it.
 *
 * Why: the first fetch in a process builds OpenSSL's whole name map and
 * method store — about a millisecond, a third of what `covert sops encrypt`
 * of a small file costs in all — and every later operation on a provider
 * context pays for OSSL_PARAM lookups. OpenSSL 3.0 still carries its
 * built-in implementations of these algorithms (the same assembly the
 * default provider runs), reachable through an ENGINE that names them; a
 * private engine of covert's own does, and nothing else changes: the
 * contexts are ordinary EVP contexts, freed (and cleansed) by
 * EVP_CIPHER_CTX_free. (OpenSSL 3's built-in digest tables are names only;
 * its low-level SHA-2 functions are the same code.)
 *
 * The built-in route is taken only in processes that never read the system's
 * OpenSSL configuration (cv_crypto_init_offline: age and sops), so a
 * configured provider (FIPS, say) is never bypassed where it applies; and
 * only where OpenSSL still has engines. Otherwise these are the plain
 * fetching calls, with each cipher fetched once per process.
 *
 * Return 1 on success, 0 on failure, as the EVP calls they stand for. */
#ifndef CV_PRIM_OSSL_H
#define CV_PRIM_OSSL_H

#include <openssl/evp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum { CV_OSSL_AES256_GCM, CV_OSSL_CHACHA20_POLY1305 } cv_ossl_cipher;

/* EVP_CipherInit_ex(x, cipher, key, iv, enc) for a fresh context; later
 * re-keying or IV changes use EVP_CipherInit_ex(x, NULL, NULL, key, iv, enc)
 * as usual. */
int cv_ossl_cipher_init(EVP_CIPHER_CTX *x, cv_ossl_cipher c, const uint8_t *key,
                        const uint8_t *iv, int enc);
/* Whether this process takes the built-in route (hash.c then calls
 * OpenSSL's low-level SHA-2 functions, its digests' built-in form). */
bool cv_ossl_builtin(void);

#endif
