/* OpenSSL 3 deprecates its low-level SHA-2 calls; they are used on purpose,
 * for the reason given at sha_state. */
#define OPENSSL_SUPPRESS_DEPRECATED

#include "crypto/prim/hash.h"

#include <openssl/evp.h>
#include <openssl/sha.h>
#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/base/mem.h"
#include "crypto/prim/ossl.h"

/* SHA-256 and SHA-512 go through OpenSSL, whose assembly (AVX2, SHA
 * extensions) needs about half the instructions of libsodium's portable C
 * even for 100-byte inputs. Where ossl.h's built-in route applies, a context
 * holds OpenSSL's low-level state (the same assembly, without a provider
 * fetch); elsewhere an EVP context; if that cannot be allocated (or the
 * digest cannot be fetched) libsodium's state, so init never fails and all
 * give the same digest. */
typedef enum { SHA_NONE, SHA_LOW, SHA_EVP, SHA_SODIUM } sha_impl;

typedef struct {
    sha_impl impl; /* SHA_NONE: never initialised */
    EVP_MD_CTX *evp;
    union {
        SHA256_CTX l256;
        SHA512_CTX l512;
        crypto_hash_sha256_state s256;
        crypto_hash_sha512_state s512;
    } u;
} sha_state;

_Static_assert(sizeof(sha_state) <= sizeof(cv_sha256_ctx), "sha256 ctx");
_Static_assert(sizeof(sha_state) <= sizeof(cv_sha512_ctx), "sha512 ctx");
_Static_assert(sizeof(crypto_auth_hmacsha256_state) <= sizeof(cv_hmac_ctx), "hmac ctx");

/* libsodium declares its inputs non-null even when empty. */
static const uint8_t *nonnull(const void *p) { return p ? p : (const uint8_t *)""; }

/* Fetched once: an implicit fetch per EVP_DigestInit costs a lookup each. */
static EVP_MD *md_sha256, *md_sha512;
static pthread_once_t md_once = PTHREAD_ONCE_INIT;

static void md_fetch(void)
{
    md_sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
    md_sha512 = EVP_MD_fetch(NULL, "SHA512", NULL);
}

static const EVP_MD *md_get(bool big)
{
    pthread_once(&md_once, md_fetch);
    return big ? md_sha512 : md_sha256;
}

static void sha_init(sha_state *s, bool big)
{
    memset(s, 0, sizeof(*s));
    if (cv_ossl_builtin()) {
        s->impl = SHA_LOW;
        if (big) SHA512_Init(&s->u.l512);
        else SHA256_Init(&s->u.l256);
        return;
    }
    const EVP_MD *md = md_get(big);
    s->evp = md ? EVP_MD_CTX_new() : NULL;
    if (s->evp != NULL && EVP_DigestInit_ex2(s->evp, md, NULL) == 1) {
        s->impl = SHA_EVP;
        return;
    }
    EVP_MD_CTX_free(s->evp);
    s->evp = NULL;
    s->impl = SHA_SODIUM;
    if (big) crypto_hash_sha512_init(&s->u.s512);
    else crypto_hash_sha256_init(&s->u.s256);
}

static void sha_update(sha_state *s, bool big, const void *in, size_t n)
{
    switch (s->impl) {
    case SHA_LOW:
        if (big) SHA512_Update(&s->u.l512, nonnull(in), n);
        else SHA256_Update(&s->u.l256, nonnull(in), n);
        break;
    case SHA_EVP:
        /* Cannot fail for a fetched SHA-2 context with its provider loaded. */
        (void)EVP_DigestUpdate(s->evp, nonnull(in), n);
        break;
    case SHA_SODIUM:
        if (big) crypto_hash_sha512_update(&s->u.s512, nonnull(in), n);
        else crypto_hash_sha256_update(&s->u.s256, nonnull(in), n);
        break;
    case SHA_NONE: break;
    }
}

/* Frees the EVP context (OpenSSL cleanses it); the caller wipes the rest. A
 * context never initialised (all zero) gives an all-zero digest. */
static void sha_final(sha_state *s, bool big, uint8_t *out)
{
    size_t len = big ? CV_SHA512_LEN : CV_SHA256_LEN;
    unsigned int got = 0;
    switch (s->impl) {
    case SHA_LOW:
        if (big) SHA512_Final(out, &s->u.l512);
        else SHA256_Final(out, &s->u.l256);
        break;
    case SHA_EVP:
        if (EVP_DigestFinal_ex(s->evp, out, &got) != 1 || got != len) memset(out, 0, len);
        EVP_MD_CTX_free(s->evp);
        break;
    case SHA_SODIUM:
        if (big) crypto_hash_sha512_final(&s->u.s512, out);
        else crypto_hash_sha256_final(&s->u.s256, out);
        break;
    case SHA_NONE: memset(out, 0, len); break;
    }
}

static void sha_oneshot(bool big, uint8_t *out, const void *in, size_t n)
{
    if (cv_ossl_builtin()) {
        if (big) SHA512(nonnull(in), n, out);
        else SHA256(nonnull(in), n, out);
        return;
    }
    const EVP_MD *md = md_get(big);
    unsigned int got = 0;
    if (md != NULL && EVP_Digest(nonnull(in), n, out, &got, md, NULL) == 1) return;
    if (big) crypto_hash_sha512(out, nonnull(in), n);
    else crypto_hash_sha256(out, nonnull(in), n);
}

void cv_sha256(uint8_t out[CV_SHA256_LEN], const void *in, size_t n)
{
    sha_oneshot(false, out, in, n);
}

void cv_sha512(uint8_t out[CV_SHA512_LEN], const void *in, size_t n)
{
    sha_oneshot(true, out, in, n);
}

void cv_sha256_init(cv_sha256_ctx *c) { sha_init((sha_state *)(void *)c->opaque, false); }
void cv_sha256_update(cv_sha256_ctx *c, const void *in, size_t n)
{
    sha_update((sha_state *)(void *)c->opaque, false, in, n);
}
void cv_sha256_final(cv_sha256_ctx *c, uint8_t out[CV_SHA256_LEN])
{
    sha_final((sha_state *)(void *)c->opaque, false, out);
    cv_wipe(c, sizeof(*c));
}

void cv_sha512_init(cv_sha512_ctx *c) { sha_init((sha_state *)(void *)c->opaque, true); }
void cv_sha512_update(cv_sha512_ctx *c, const void *in, size_t n)
{
    sha_update((sha_state *)(void *)c->opaque, true, in, n);
}
void cv_sha512_final(cv_sha512_ctx *c, uint8_t out[CV_SHA512_LEN])
{
    sha_final((sha_state *)(void *)c->opaque, true, out);
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
