#include "crypto/prim/hash.h"

#include <openssl/evp.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/base/mem.h"

_Static_assert(sizeof(crypto_hash_sha256_state) <= sizeof(cv_sha256_ctx), "sha256 ctx");
_Static_assert(sizeof(crypto_hash_sha512_state) <= sizeof(cv_sha512_ctx), "sha512 ctx");
_Static_assert(sizeof(crypto_auth_hmacsha256_state) <= sizeof(cv_hmac_ctx), "hmac ctx");

/* libsodium declares its inputs non-null even when empty. */
static const uint8_t *nonnull(const void *p) { return p ? p : (const uint8_t *)""; }

void cv_sha256(uint8_t out[CV_SHA256_LEN], const void *in, size_t n)
{
    crypto_hash_sha256(out, nonnull(in), n);
}

void cv_sha512(uint8_t out[CV_SHA512_LEN], const void *in, size_t n)
{
    crypto_hash_sha512(out, nonnull(in), n);
}

void cv_sha256_init(cv_sha256_ctx *c) { crypto_hash_sha256_init((void *)c->opaque); }
void cv_sha256_update(cv_sha256_ctx *c, const void *in, size_t n)
{
    crypto_hash_sha256_update((void *)c->opaque, nonnull(in), n);
}
void cv_sha256_final(cv_sha256_ctx *c, uint8_t out[CV_SHA256_LEN])
{
    crypto_hash_sha256_final((void *)c->opaque, out);
    cv_wipe(c, sizeof(*c));
}

void cv_sha512_init(cv_sha512_ctx *c) { crypto_hash_sha512_init((void *)c->opaque); }
void cv_sha512_update(cv_sha512_ctx *c, const void *in, size_t n)
{
    crypto_hash_sha512_update((void *)c->opaque, nonnull(in), n);
}
void cv_sha512_final(cv_sha512_ctx *c, uint8_t out[CV_SHA512_LEN])
{
    crypto_hash_sha512_final((void *)c->opaque, out);
    cv_wipe(c, sizeof(*c));
}

void cv_hmac_sha256_init(cv_hmac_ctx *c, const uint8_t *key, size_t key_len)
{
    crypto_auth_hmacsha256_init((void *)c->opaque, nonnull(key), key_len);
}
void cv_hmac_sha256_update(cv_hmac_ctx *c, const void *in, size_t n)
{
    crypto_auth_hmacsha256_update((void *)c->opaque, nonnull(in), n);
}
void cv_hmac_sha256_final(cv_hmac_ctx *c, uint8_t out[32])
{
    crypto_auth_hmacsha256_final((void *)c->opaque, out);
    cv_wipe(c, sizeof(*c));
}

void cv_hmac_sha256(uint8_t out[32], const uint8_t *key, size_t key_len, const void *msg,
                    size_t n)
{
    cv_hmac_ctx c;
    cv_hmac_sha256_init(&c, key, key_len);
    cv_hmac_sha256_update(&c, msg, n);
    cv_hmac_sha256_final(&c, out);
}

void cv_hkdf_extract(uint8_t prk[32], const uint8_t *salt, size_t salt_len, const uint8_t *ikm,
                     size_t ikm_len)
{
    static const uint8_t zeros[32];
    if (salt_len == 0) {
        salt = zeros;
        salt_len = sizeof(zeros);
    }
    cv_hmac_sha256(prk, salt, salt_len, ikm, ikm_len);
}

cv_result cv_hkdf_expand(uint8_t *out, size_t out_len, const uint8_t prk[32], const void *info,
                         size_t info_len)
{
    CV_ENSURE(out_len <= 255u * 32u, CV_E_INVALID_ARG);
    uint8_t t[32];
    size_t done = 0;
    for (uint8_t i = 1; done < out_len; i++) {
        cv_hmac_ctx c;
        cv_hmac_sha256_init(&c, prk, 32);
        if (i > 1) cv_hmac_sha256_update(&c, t, sizeof(t));
        cv_hmac_sha256_update(&c, info, info_len);
        cv_hmac_sha256_update(&c, &i, 1);
        cv_hmac_sha256_final(&c, t);
        size_t take = out_len - done < 32 ? out_len - done : 32;
        memcpy(out + done, t, take);
        done += take;
    }
    CV_WIPE(t);
    return cv_ok();
}

cv_result cv_hkdf(uint8_t *out, size_t out_len, const uint8_t *ikm, size_t ikm_len,
                  const uint8_t *salt, size_t salt_len, const char *info)
{
    uint8_t prk[32];
    cv_hkdf_extract(prk, salt, salt_len, ikm, ikm_len);
    cv_result r = cv_hkdf_expand(out, out_len, prk, info, strlen(info));
    CV_WIPE(prk);
    return r;
}

static cv_result evp_digest(const EVP_MD *md, uint8_t *out, size_t out_len, const void *in,
                            size_t n, bool xof)
{
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    CV_ENSURE(c != NULL, CV_E_NOMEM);
    unsigned int len = (unsigned int)out_len;
    int ok = EVP_DigestInit_ex(c, md, NULL) == 1 && EVP_DigestUpdate(c, in, n) == 1 &&
             (xof ? EVP_DigestFinalXOF(c, out, out_len) == 1
                  : EVP_DigestFinal_ex(c, out, &len) == 1);
    EVP_MD_CTX_free(c);
    CV_ENSURE(ok, CV_E_CRYPTO);
    return cv_ok();
}

cv_result cv_sha3_224(uint8_t out[28], const void *in, size_t n)
{
    return evp_digest(EVP_sha3_224(), out, 28, in, n, false);
}

cv_result cv_sha3_256(uint8_t out[32], const void *in, size_t n)
{
    return evp_digest(EVP_sha3_256(), out, 32, in, n, false);
}

cv_result cv_sha3_512(uint8_t out[64], const void *in, size_t n)
{
    return evp_digest(EVP_sha3_512(), out, 64, in, n, false);
}

cv_result cv_shake128(uint8_t *out, size_t out_len, const void *in, size_t n)
{
    return evp_digest(EVP_shake128(), out, out_len, in, n, true);
}

cv_result cv_shake256(uint8_t *out, size_t out_len, const void *in, size_t n)
{
    return evp_digest(EVP_shake256(), out, out_len, in, n, true);
}

struct cv_xof {
    EVP_MD_CTX *ctx;
    uint8_t *out;
    size_t max, pos;
    bool finished;
};

cv_result cv_xof_new(cv_xof **out, int shake_bits, size_t max_out)
{
    *out = NULL;
    cv_xof *x = calloc(1, sizeof(*x));
    CV_ENSURE(x != NULL, CV_E_NOMEM);
    x->ctx = EVP_MD_CTX_new();
    x->out = malloc(max_out ? max_out : 1);
    x->max = max_out;
    const EVP_MD *md = shake_bits == 128 ? EVP_shake128() : EVP_shake256();
    if (x->ctx == NULL || x->out == NULL || EVP_DigestInit_ex(x->ctx, md, NULL) != 1) {
        cv_xof_free(&x);
        CV_BAIL(CV_E_CRYPTO);
    }
    *out = x;
    return cv_ok();
}

cv_result cv_xof_absorb(cv_xof *x, const void *in, size_t n)
{
    CV_BUG_ON(x->finished);
    CV_GUARD_OSSL(EVP_DigestUpdate(x->ctx, in, n), CV_E_CRYPTO);
    return cv_ok();
}

cv_result cv_xof_squeeze(cv_xof *x, uint8_t *out, size_t n)
{
    if (!x->finished) {
        CV_GUARD_OSSL(EVP_DigestFinalXOF(x->ctx, x->out, x->max), CV_E_CRYPTO);
        x->finished = true;
    }
    CV_ENSURE(n <= x->max - x->pos, CV_E_LIMIT);
    memcpy(out, x->out + x->pos, n);
    x->pos += n;
    return cv_ok();
}

void cv_xof_free(cv_xof **x)
{
    if (x == NULL || *x == NULL) return;
    EVP_MD_CTX_free((*x)->ctx);
    cv_wipe((*x)->out, (*x)->max);
    free((*x)->out);
    free(*x);
    *x = NULL;
}
