#include "crypto/prim/aead.h"

#include <limits.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/base/mem.h"
#include "crypto/prim/ossl.h"

struct cv_chacha {
    EVP_CIPHER_CTX *enc;
    EVP_CIPHER_CTX *dec;
};

static cv_result ctx_new(EVP_CIPHER_CTX **out, const uint8_t key[32], int enc)
{
    *out = EVP_CIPHER_CTX_new();
    CV_ENSURE(*out != NULL, CV_E_NOMEM);
    CV_GUARD_OSSL(cv_ossl_cipher_init(*out, CV_OSSL_CHACHA20_POLY1305, key, NULL, enc), CV_E_CRYPTO);
    return cv_ok();
}

cv_result cv_chacha_new(cv_chacha **out, const uint8_t key[CV_CHACHA_KEY])
{
    *out = NULL;
    cv_chacha *c = calloc(1, sizeof(*c));
    CV_ENSURE(c != NULL, CV_E_NOMEM);
    cv_result r = ctx_new(&c->enc, key, 1);
    if (cv_is_ok(r)) r = ctx_new(&c->dec, key, 0);
    if (!cv_is_ok(r)) {
        cv_chacha_free(&c);
        return r;
    }
    *out = c;
    return cv_ok();
}

void cv_chacha_free(cv_chacha **c)
{
    if (c == NULL || *c == NULL) return;
    EVP_CIPHER_CTX_free((*c)->enc); /* frees wipe the key schedule */
    EVP_CIPHER_CTX_free((*c)->dec);
    free(*c);
    *c = NULL;
}

static cv_result crypt_chunks(EVP_CIPHER_CTX *x, uint8_t *out, const uint8_t *in, size_t n)
{
    /* EVP takes int lengths; feed large inputs in pieces. */
    while (n > 0) {
        int len = n > (size_t)(INT_MAX / 2) ? INT_MAX / 2 : (int)n, got = 0;
        CV_GUARD_OSSL(EVP_CipherUpdate(x, out, &got, in, len), CV_E_CRYPTO);
        out += got;
        in += len;
        n -= (size_t)len;
    }
    return cv_ok();
}

static cv_result set_ad(EVP_CIPHER_CTX *x, const uint8_t *ad, size_t ad_len)
{
    int got = 0;
    if (ad_len == 0) return cv_ok();
    CV_ENSURE(ad_len <= INT_MAX, CV_E_INVALID_ARG);
    CV_GUARD_OSSL(EVP_CipherUpdate(x, NULL, &got, ad, (int)ad_len), CV_E_CRYPTO);
    return cv_ok();
}

cv_result cv_chacha_seal(cv_chacha *c, uint8_t *out, const uint8_t nonce[CV_CHACHA_NONCE],
                         const uint8_t *in, size_t n, const uint8_t *ad, size_t ad_len)
{
    int got = 0;
    CV_GUARD_OSSL(EVP_CipherInit_ex(c->enc, NULL, NULL, NULL, nonce, 1), CV_E_CRYPTO);
    CV_GUARD(set_ad(c->enc, ad, ad_len));
    CV_GUARD(crypt_chunks(c->enc, out, in, n));
    CV_GUARD_OSSL(EVP_CipherFinal_ex(c->enc, out + n, &got), CV_E_CRYPTO);
    CV_GUARD_OSSL(EVP_CIPHER_CTX_ctrl(c->enc, EVP_CTRL_AEAD_GET_TAG, 16, out + n),
                  CV_E_CRYPTO);
    return cv_ok();
}

cv_result cv_chacha_open(cv_chacha *c, uint8_t *out, const uint8_t nonce[CV_CHACHA_NONCE],
                         const uint8_t *in, size_t n, const uint8_t *ad, size_t ad_len)
{
    int got = 0;
    CV_ENSURE(n >= CV_CHACHA_TAG, CV_E_DECRYPT);
    size_t m = n - CV_CHACHA_TAG;
    CV_GUARD_OSSL(EVP_CipherInit_ex(c->dec, NULL, NULL, NULL, nonce, 0), CV_E_CRYPTO);
    uint8_t tag[CV_CHACHA_TAG];
    memcpy(tag, in + m, sizeof(tag)); /* OpenSSL's ctrl takes a non-const pointer */
    CV_GUARD_OSSL(EVP_CIPHER_CTX_ctrl(c->dec, EVP_CTRL_AEAD_SET_TAG, 16, tag), CV_E_CRYPTO);
    CV_GUARD(set_ad(c->dec, ad, ad_len));
    CV_GUARD(crypt_chunks(c->dec, out, in, m));
    if (EVP_CipherFinal_ex(c->dec, out + m, &got) != 1) {
        cv_wipe(out, m);
        CV_BAIL(CV_E_DECRYPT);
    }
    return cv_ok();
}

cv_result cv_chacha_seal1(uint8_t *out, const uint8_t key[32], const uint8_t nonce[12],
                          const uint8_t *in, size_t n)
{
    cv_chacha *c = NULL;
    CV_GUARD(cv_chacha_new(&c, key));
    cv_result r = cv_chacha_seal(c, out, nonce, in, n, NULL, 0);
    cv_chacha_free(&c);
    return r;
}

cv_result cv_chacha_open1(uint8_t *out, const uint8_t key[32], const uint8_t nonce[12],
                          const uint8_t *in, size_t n)
{
    cv_chacha *c = NULL;
    CV_GUARD(cv_chacha_new(&c, key));
    cv_result r = cv_chacha_open(c, out, nonce, in, n, NULL, 0);
    cv_chacha_free(&c);
    return r;
}

static cv_result gcm_init(EVP_CIPHER_CTX **x, const uint8_t key[32], const uint8_t *iv,
                          size_t iv_len, int enc)
{
    *x = EVP_CIPHER_CTX_new();
    CV_ENSURE(*x != NULL, CV_E_NOMEM);
    CV_ENSURE(iv_len > 0 && iv_len <= 256, CV_E_INVALID_ARG);
    CV_GUARD_OSSL(cv_ossl_cipher_init(*x, CV_OSSL_AES256_GCM, NULL, NULL, enc), CV_E_CRYPTO);
    CV_GUARD_OSSL(EVP_CIPHER_CTX_ctrl(*x, EVP_CTRL_AEAD_SET_IVLEN, (int)iv_len, NULL),
                  CV_E_CRYPTO);
    CV_GUARD_OSSL(EVP_CipherInit_ex(*x, NULL, NULL, key, iv, enc), CV_E_CRYPTO);
    return cv_ok();
}

static cv_result gcm_seal_end(EVP_CIPHER_CTX *x, uint8_t tag[16])
{
    int got = 0;
    uint8_t none[16];
    CV_GUARD_OSSL(EVP_CipherFinal_ex(x, none, &got), CV_E_CRYPTO);
    CV_GUARD_OSSL(EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_AEAD_GET_TAG, 16, tag), CV_E_CRYPTO);
    return cv_ok();
}

static cv_result gcm_seal(EVP_CIPHER_CTX *x, uint8_t *out, uint8_t tag[16], const uint8_t *in,
                          size_t n, const uint8_t *ad, size_t ad_len)
{
    CV_GUARD(set_ad(x, ad, ad_len));
    CV_GUARD(crypt_chunks(x, out, in, n));
    return gcm_seal_end(x, tag);
}

cv_result cv_aes_gcm_seal(uint8_t *out, uint8_t tag[16], const uint8_t key[32],
                          const uint8_t *iv, size_t iv_len, const uint8_t *in, size_t n,
                          const uint8_t *ad, size_t ad_len)
{
    EVP_CIPHER_CTX *x = NULL;
    cv_result r = gcm_init(&x, key, iv, iv_len, 1);
    if (cv_is_ok(r)) r = gcm_seal(x, out, tag, in, n, ad, ad_len);
    EVP_CIPHER_CTX_free(x);
    return r;
}

static cv_result gcm_open_begin(EVP_CIPHER_CTX *x, const uint8_t tag[16], const uint8_t *ad,
                                size_t ad_len)
{
    uint8_t t[16];
    memcpy(t, tag, sizeof(t));
    CV_GUARD_OSSL(EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_AEAD_SET_TAG, 16, t), CV_E_CRYPTO);
    return set_ad(x, ad, ad_len);
}

static cv_result gcm_open(EVP_CIPHER_CTX *x, uint8_t *out, const uint8_t *in, size_t n,
                          const uint8_t tag[16], const uint8_t *ad, size_t ad_len)
{
    int got = 0;
    CV_GUARD(gcm_open_begin(x, tag, ad, ad_len));
    CV_GUARD(crypt_chunks(x, out, in, n));
    if (EVP_CipherFinal_ex(x, out + n, &got) != 1) {
        cv_wipe(out, n);
        CV_BAIL(CV_E_DECRYPT);
    }
    return cv_ok();
}

cv_result cv_aes_gcm_open(uint8_t *out, const uint8_t key[32], const uint8_t *iv, size_t iv_len,
                          const uint8_t *in, size_t n, const uint8_t tag[16], const uint8_t *ad,
                          size_t ad_len)
{
    EVP_CIPHER_CTX *x = NULL;
    cv_result r = gcm_init(&x, key, iv, iv_len, 0);
    if (cv_is_ok(r)) r = gcm_open(x, out, in, n, tag, ad, ad_len);
    EVP_CIPHER_CTX_free(x);
    return r;
}

/* A reusable AES-256-GCM key: two contexts (seal, open) keyed once; each
 * message only sets its IV, so the key schedule is computed once per key
 * instead of once per message (SOPS encrypts thousands of small values). */
struct cv_aes_gcm {
    EVP_CIPHER_CTX *x[2]; /* [0] open, [1] seal */
    size_t iv_len[2];     /* as last set on each: setting it costs a call per value */
};

cv_result cv_aes_gcm_new(cv_aes_gcm **out, const uint8_t key[32])
{
    *out = NULL;
    cv_aes_gcm *g = calloc(1, sizeof(*g));
    CV_ENSURE(g != NULL, CV_E_NOMEM);
    for (int enc = 0; enc < 2; enc++) {
        g->x[enc] = EVP_CIPHER_CTX_new();
        if (g->x[enc] == NULL ||
            cv_ossl_cipher_init(g->x[enc], CV_OSSL_AES256_GCM, key, NULL, enc) != 1) {
            cv_aes_gcm_free(&g);
            CV_BAIL(CV_E_CRYPTO);
        }
    }
    *out = g;
    return cv_ok();
}

void cv_aes_gcm_free(cv_aes_gcm **g)
{
    if (g == NULL || *g == NULL) return;
    EVP_CIPHER_CTX_free((*g)->x[0]); /* cleanses the key schedule */
    EVP_CIPHER_CTX_free((*g)->x[1]);
    free(*g);
    *g = NULL;
}

static cv_result gcm_set_iv(cv_aes_gcm *g, const uint8_t *iv, size_t iv_len, int enc)
{
    CV_ENSURE(iv_len > 0 && iv_len <= 256, CV_E_INVALID_ARG);
    EVP_CIPHER_CTX *x = g->x[enc];
    if (g->iv_len[enc] != iv_len) {
        g->iv_len[enc] = 0;
        CV_GUARD_OSSL(EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_AEAD_SET_IVLEN, (int)iv_len, NULL),
                      CV_E_CRYPTO);
        g->iv_len[enc] = iv_len;
    }
    CV_GUARD_OSSL(EVP_CipherInit_ex(x, NULL, NULL, NULL, iv, enc), CV_E_CRYPTO);
    return cv_ok();
}

cv_result cv_aes_gcm_seal_with(cv_aes_gcm *g, uint8_t *out, uint8_t tag[16], const uint8_t *iv,
                               size_t iv_len, const uint8_t *in, size_t n, const uint8_t *ad,
                               size_t ad_len)
{
    CV_GUARD(gcm_set_iv(g, iv, iv_len, 1));
    return gcm_seal(g->x[1], out, tag, in, n, ad, ad_len);
}

cv_result cv_aes_gcm_open_with(cv_aes_gcm *g, uint8_t *out, const uint8_t *iv, size_t iv_len,
                               const uint8_t *in, size_t n, const uint8_t tag[16],
                               const uint8_t *ad, size_t ad_len)
{
    CV_GUARD(gcm_set_iv(g, iv, iv_len, 0));
    return gcm_open(g->x[0], out, in, n, tag, ad, ad_len);
}

cv_result cv_aes_gcm_seal_begin(cv_aes_gcm *g, const uint8_t *iv, size_t iv_len,
                                const uint8_t *ad, size_t ad_len)
{
    CV_GUARD(gcm_set_iv(g, iv, iv_len, 1));
    return set_ad(g->x[1], ad, ad_len);
}

cv_result cv_aes_gcm_seal_update(cv_aes_gcm *g, uint8_t *out, const uint8_t *in, size_t n)
{
    return crypt_chunks(g->x[1], out, in, n);
}

cv_result cv_aes_gcm_seal_end(cv_aes_gcm *g, uint8_t tag[16])
{
    return gcm_seal_end(g->x[1], tag);
}

cv_result cv_aes_gcm_open_begin(cv_aes_gcm *g, const uint8_t *iv, size_t iv_len,
                                const uint8_t tag[16], const uint8_t *ad, size_t ad_len)
{
    CV_GUARD(gcm_set_iv(g, iv, iv_len, 0));
    return gcm_open_begin(g->x[0], tag, ad, ad_len);
}

cv_result cv_aes_gcm_open_update(cv_aes_gcm *g, uint8_t *out, const uint8_t *in, size_t n)
{
    return crypt_chunks(g->x[0], out, in, n);
}

cv_result cv_aes_gcm_open_end(cv_aes_gcm *g)
{
    int got = 0;
    uint8_t none[16];
    CV_ENSURE(EVP_CipherFinal_ex(g->x[0], none, &got) == 1, CV_E_DECRYPT);
    return cv_ok();
}
