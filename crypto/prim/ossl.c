/* The engine API is deprecated in OpenSSL 3 (and gone in 4): it is used here
 * on purpose, behind the version test below, for the reason ossl.h gives. */
#define OPENSSL_SUPPRESS_DEPRECATED

#include "crypto/prim/ossl.h"

#include <openssl/opensslv.h>
#include <pthread.h>
#include <stdbool.h>

#include "crypto/base/mem.h"

#if OPENSSL_VERSION_MAJOR == 3 && !defined(OPENSSL_NO_ENGINE)
#include <openssl/engine.h>
#define CV_OSSL_BUILTIN 1
#else
#define CV_OSSL_BUILTIN 0
#endif

static const char *const cipher_names[] = { "AES-256-GCM", "ChaCha20-Poly1305" };

static const EVP_CIPHER *builtin_cipher(cv_ossl_cipher c)
{
    return c == CV_OSSL_AES256_GCM ? EVP_aes_256_gcm() : EVP_chacha20_poly1305();
}

/* ---- the route: a private engine, or fetched algorithms ----------------- */

static pthread_once_t route_once = PTHREAD_ONCE_INIT;
static EVP_CIPHER *fetched_cipher[2];

#if CV_OSSL_BUILTIN
static ENGINE *engine; /* process lifetime: contexts hold references to it */

/* The engine's table: answer for the two ciphers, by their NIDs, with
 * OpenSSL's own built-in implementations. */
static int engine_ciphers(ENGINE *e, const EVP_CIPHER **out, const int **nids, int nid)
{
    (void)e;
    static const int ours[] = { NID_aes_256_gcm, NID_chacha20_poly1305 };
    if (out == NULL) {
        *nids = ours;
        return 2;
    }
    *out = nid == NID_aes_256_gcm          ? EVP_aes_256_gcm()
           : nid == NID_chacha20_poly1305 ? EVP_chacha20_poly1305()
                                          : NULL;
    return *out != NULL;
}

static bool engine_make(void)
{
    ENGINE *e = ENGINE_new();
    if (e == NULL) return false;
    if (ENGINE_set_id(e, "covert-builtin") != 1 || ENGINE_set_name(e, "covert built-in") != 1 ||
        ENGINE_set_ciphers(e, engine_ciphers) != 1) {
        ENGINE_free(e);
        return false;
    }
    engine = e;
    return true;
}
#endif

static void route_setup(void)
{
#if CV_OSSL_BUILTIN
    if (cv_crypto_offline() && engine_make()) return;
#endif
    for (int i = 0; i < 2; i++) fetched_cipher[i] = EVP_CIPHER_fetch(NULL, cipher_names[i], NULL);
}

/* The engine to name in an init call, or NULL (fetched algorithms). */
static ENGINE *route(void)
{
    pthread_once(&route_once, route_setup);
#if CV_OSSL_BUILTIN
    return engine;
#else
    return NULL;
#endif
}

int cv_ossl_cipher_init(EVP_CIPHER_CTX *x, cv_ossl_cipher c, const uint8_t *key,
                        const uint8_t *iv, int enc)
{
    ENGINE *e = route();
    if (e != NULL) return EVP_CipherInit_ex(x, builtin_cipher(c), e, key, iv, enc);
    if (fetched_cipher[c] == NULL) return 0;
    return EVP_CipherInit_ex(x, fetched_cipher[c], NULL, key, iv, enc);
}

bool cv_ossl_builtin(void) { return route() != NULL; }
