#include "crypto/prim/cipher.h"

#include <limits.h>
#include <openssl/evp.h>
#include <sodium.h>
#include <string.h>

#include "crypto/base/mem.h"

static const EVP_CIPHER *aes_for(size_t key_len, int mode)
{
    static const EVP_CIPHER *(*const ctr[3])(void) = { EVP_aes_128_ctr, EVP_aes_192_ctr,
                                                        EVP_aes_256_ctr };
    static const EVP_CIPHER *(*const cbc[3])(void) = { EVP_aes_128_cbc, EVP_aes_192_cbc,
                                                        EVP_aes_256_cbc };
    static const EVP_CIPHER *(*const gcm[3])(void) = { EVP_aes_128_gcm, EVP_aes_192_gcm,
                                                        EVP_aes_256_gcm };
    size_t i = key_len == 16 ? 0 : key_len == 24 ? 1 : key_len == 32 ? 2 : 3;
    if (i == 3) return NULL;
    return mode == 0 ? ctr[i]() : mode == 1 ? cbc[i]() : gcm[i]();
}

/* One unauthenticated pass (CTR, CBC-decrypt or CBC-encrypt) over the
 * whole buffer, without padding. */
static cv_result evp_pass_dir(const EVP_CIPHER *c, uint8_t *out, const uint8_t *in, size_t n,
                              const uint8_t *key, const uint8_t *iv, int enc)
{
    CV_ENSURE(c != NULL, CV_E_KEY_SIZE);
    CV_ENSURE(n <= INT_MAX, CV_E_TOO_LARGE);
    EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
    CV_ENSURE(x != NULL, CV_E_NOMEM);
    int got = 0, fin = 0;
    int ok = EVP_CipherInit_ex(x, c, NULL, key, iv, enc) == 1 &&
             EVP_CIPHER_CTX_set_padding(x, 0) == 1 &&
             EVP_CipherUpdate(x, out, &got, in, (int)n) == 1 &&
             EVP_CipherFinal_ex(x, out + got, &fin) == 1 && (size_t)(got + fin) == n;
    EVP_CIPHER_CTX_free(x);
    CV_ENSURE(ok, CV_E_CRYPTO);
    return cv_ok();
}

static cv_result evp_pass(const EVP_CIPHER *c, uint8_t *out, const uint8_t *in, size_t n,
                          const uint8_t *key, const uint8_t *iv)
{
    return evp_pass_dir(c, out, in, n, key, iv, 0);
}

cv_result cv_aes_ctr_crypt(uint8_t *out, const uint8_t *in, size_t n, const uint8_t *key,
                           size_t key_len, const uint8_t iv[CV_AES_BLOCK])
{
    return evp_pass(aes_for(key_len, 0), out, in, n, key, iv);
}

cv_result cv_aes_cbc_decrypt(uint8_t *out, const uint8_t *in, size_t n, const uint8_t *key,
                             size_t key_len, const uint8_t iv[CV_AES_BLOCK])
{
    CV_ENSURE(n % CV_AES_BLOCK == 0, CV_E_INVALID_ARG);
    return evp_pass(aes_for(key_len, 1), out, in, n, key, iv);
}

cv_result cv_aes_cbc_encrypt(uint8_t *out, const uint8_t *in, size_t n, const uint8_t *key,
                             size_t key_len, const uint8_t iv[CV_AES_BLOCK])
{
    CV_ENSURE(n % CV_AES_BLOCK == 0, CV_E_INVALID_ARG);
    return evp_pass_dir(aes_for(key_len, 1), out, in, n, key, iv, 1);
}

cv_result cv_aes_gcm_open_iv12(uint8_t *out, const uint8_t *in, size_t n, const uint8_t *key,
                               size_t key_len, const uint8_t iv[12], const uint8_t tag[16])
{
    const EVP_CIPHER *c = aes_for(key_len, 2);
    CV_ENSURE(c != NULL, CV_E_KEY_SIZE);
    CV_ENSURE(n <= INT_MAX, CV_E_TOO_LARGE);
    EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
    CV_ENSURE(x != NULL, CV_E_NOMEM);
    uint8_t t[16];
    memcpy(t, tag, sizeof(t));
    int got = 0, fin = 0;
    int ok = EVP_DecryptInit_ex(x, c, NULL, NULL, NULL) == 1 &&
             EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_GCM_SET_IVLEN, 12, NULL) == 1 &&
             EVP_DecryptInit_ex(x, NULL, NULL, key, iv) == 1 &&
             EVP_DecryptUpdate(x, out, &got, in, (int)n) == 1 &&
             EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_GCM_SET_TAG, 16, t) == 1 &&
             EVP_DecryptFinal_ex(x, out + got, &fin) == 1;
    EVP_CIPHER_CTX_free(x);
    if (!ok) {
        cv_wipe(out, n);
        CV_BAIL(CV_E_DECRYPT);
    }
    return cv_ok();
}

cv_result cv_openssh_chachapoly_open(uint8_t *out, const uint8_t *in, size_t n,
                                     const uint8_t key[CV_OPENSSH_CHACHA_KEY], uint64_t seq,
                                     const uint8_t tag[16])
{
    uint8_t nonce[8], poly_key[32];
    for (int i = 0; i < 8; i++) nonce[i] = (uint8_t)(seq >> (56 - 8 * i));
    crypto_stream_chacha20(poly_key, sizeof(poly_key), nonce, key);
    int bad = crypto_onetimeauth_poly1305_verify(tag, in, n, poly_key);
    cv_wipe(poly_key, sizeof(poly_key));
    if (bad != 0) {
        cv_wipe(out, n);
        CV_BAIL(CV_E_DECRYPT);
    }
    crypto_stream_chacha20_xor_ic(out, in, n, nonce, 1, key);
    return cv_ok();
}
