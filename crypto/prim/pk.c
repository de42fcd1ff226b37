#include "crypto/prim/pk.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <errno.h>
#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "crypto/base/mem.h"

void cv_random(void *out, size_t n) { randombytes_buf(out, n); }

#define NONCE_POOL 4096

/* The pool is a ChaCha20 keystream under a key of the thread's own, taken
 * from getrandom once and replaced at every refill by 32 bytes of the same
 * stream (so bytes already served cannot be recomputed from what stays in
 * memory): the kernel's construction, run here with libsodium's vector code.
 * Ten thousand IVs no longer cost the kernel's scalar ChaCha20 a system call
 * per 4 KiB. */
static __thread struct {
    uint8_t b[NONCE_POOL + crypto_stream_chacha20_ietf_KEYBYTES];
    size_t left;
    uint8_t key[crypto_stream_chacha20_ietf_KEYBYTES];
    bool keyed;
} pool;

static void drop_pool(void) { cv_wipe(&pool, sizeof(pool)); }

static void watch_forks(void) { (void)pthread_atfork(NULL, NULL, drop_pool); }

static void os_random(uint8_t *out, size_t n)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = getrandom(out + got, n - got, 0);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) { /* no getrandom: libsodium's own source */
            randombytes_buf(out + got, n - got);
            return;
        }
        got += (size_t)r;
    }
}

static void refill_pool(void)
{
    static const uint8_t nonce[crypto_stream_chacha20_ietf_NONCEBYTES];
    if (!pool.keyed) {
        os_random(pool.key, sizeof(pool.key));
        pool.keyed = true;
    }
    /* Each key makes one stream, so the fixed nonce never repeats under it. */
    crypto_stream_chacha20_ietf(pool.b, sizeof(pool.b), nonce, pool.key);
    memcpy(pool.key, pool.b + NONCE_POOL, sizeof(pool.key));
    cv_wipe(pool.b + NONCE_POOL, sizeof(pool.key));
    pool.left = NONCE_POOL;
}

void cv_random_nonce(void *out, size_t n)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    (void)pthread_once(&once, watch_forks);
    if (n > NONCE_POOL / 8) {
        cv_random(out, n);
        return;
    }
    if (pool.left < n) refill_pool();
    uint8_t *p = pool.b + NONCE_POOL - pool.left;
    memcpy(out, p, n);
    cv_wipe(p, n); /* served bytes are never served again, nor kept */
    pool.left -= n;
}

void cv_x25519_base(uint8_t pub[32], const uint8_t priv[32])
{
    crypto_scalarmult_curve25519_base(pub, priv);
}

cv_result cv_x25519(uint8_t shared[32], const uint8_t priv[32], const uint8_t pub[32])
{
    /* libsodium returns -1 exactly when the result is all zero. */
    if (crypto_scalarmult_curve25519(shared, priv, pub) != 0) {
        cv_wipe(shared, 32);
        CV_BAIL(CV_E_LOW_ORDER);
    }
    return cv_ok();
}

cv_result cv_ed25519_pk_to_x25519(uint8_t x_pub[32], const uint8_t ed_pub[32])
{
    CV_ENSURE(crypto_sign_ed25519_pk_to_curve25519(x_pub, ed_pub) == 0, CV_E_SSH_KEY);
    return cv_ok();
}

void cv_ed25519_seed_to_x25519(uint8_t x_priv[32], const uint8_t seed[32])
{
    uint8_t h[64];
    crypto_hash_sha512(h, seed, 32);
    memcpy(x_priv, h, 32);
    cv_wipe(h, sizeof(h));
}

void cv_ed25519_seed_to_pk(uint8_t pub[32], const uint8_t seed[32])
{
    uint8_t sk[64];
    crypto_sign_ed25519_seed_keypair(pub, sk, seed);
    cv_wipe(sk, sizeof(sk));
}

struct cv_rsa {
    EVP_PKEY *pkey;
};

static cv_result rsa_wrap(cv_rsa **out, EVP_PKEY *pkey)
{
    CV_ENSURE(pkey != NULL, CV_E_SSH_KEY);
    *out = calloc(1, sizeof(**out));
    if (*out == NULL) {
        EVP_PKEY_free(pkey);
        CV_BAIL(CV_E_NOMEM);
    }
    (*out)->pkey = pkey;
    return cv_ok();
}

static BIGNUM *bn(const uint8_t *p, size_t n)
{
    return BN_bin2bn(p, (int)n, NULL);
}

static cv_result rsa_from_params(cv_rsa **out, OSSL_PARAM_BLD *bld, int selection)
{
    OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(bld);
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
    EVP_PKEY *pkey = NULL;
    int ok = params && ctx && EVP_PKEY_fromdata_init(ctx) == 1 &&
             EVP_PKEY_fromdata(ctx, &pkey, selection, params) == 1;
    EVP_PKEY_CTX_free(ctx);
    OSSL_PARAM_free(params);
    if (!ok) {
        EVP_PKEY_free(pkey);
        CV_BAIL(CV_E_SSH_KEY);
    }
    return rsa_wrap(out, pkey);
}

cv_result cv_rsa_from_public(cv_rsa **out, const uint8_t *n, size_t n_len, const uint8_t *e,
                             size_t e_len)
{
    *out = NULL;
    CV_ENSURE(n_len <= 4096 && e_len <= 64, CV_E_SSH_KEY);
    BIGNUM *bn_n = bn(n, n_len), *bn_e = bn(e, e_len);
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    cv_result r = CV_FAIL(CV_E_NOMEM);
    if (bn_n && bn_e && bld && OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn_n) &&
        OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, bn_e))
        r = rsa_from_params(out, bld, EVP_PKEY_PUBLIC_KEY);
    OSSL_PARAM_BLD_free(bld);
    BN_free(bn_n);
    BN_free(bn_e);
    return r;
}

/* CRT parameters OpenSSL wants for fast private operations. The builder
 * keeps pointers to the BIGNUMs, so crt[] (dp, dq, qinv) must outlive it:
 * the caller frees them after OSSL_PARAM_BLD_to_param. */
static int push_crt(OSSL_PARAM_BLD *bld, BIGNUM *crt[3], const BIGNUM *d, const BIGNUM *p,
                    const BIGNUM *q, BN_CTX *bctx)
{
    BIGNUM *p1 = BN_new(), *q1 = BN_new();
    int ok = p1 && q1 && crt[0] && crt[1] && crt[2] && BN_sub(p1, p, BN_value_one()) &&
             BN_sub(q1, q, BN_value_one()) && BN_mod(crt[0], d, p1, bctx) &&
             BN_mod(crt[1], d, q1, bctx) && BN_mod_inverse(crt[2], q, p, bctx) &&
             OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_FACTOR1, p) &&
             OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_FACTOR2, q) &&
             OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_EXPONENT1, crt[0]) &&
             OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_EXPONENT2, crt[1]) &&
             OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_COEFFICIENT1, crt[2]);
    BN_free(p1);
    BN_free(q1);
    return ok;
}

cv_result cv_rsa_from_private(cv_rsa **out, const uint8_t *n, size_t n_len, const uint8_t *e,
                              size_t e_len, const uint8_t *d, size_t d_len, const uint8_t *p,
                              size_t p_len, const uint8_t *q, size_t q_len)
{
    *out = NULL;
    CV_ENSURE(n_len <= 4096 && e_len <= 64 && d_len <= 4096 && p_len <= 4096 && q_len <= 4096,
              CV_E_SSH_KEY);
    BIGNUM *bn_n = bn(n, n_len), *bn_e = bn(e, e_len);
    BIGNUM *bn_d = BN_secure_new(), *bn_p = BN_secure_new(), *bn_q = BN_secure_new();
    BIGNUM *crt[3] = { BN_secure_new(), BN_secure_new(), BN_secure_new() };
    BN_CTX *bctx = BN_CTX_secure_new();
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    cv_result r = { CV_E_SSH_KEY };
    if (bn_n && bn_e && bn_d && bn_p && bn_q && bctx && bld &&
        BN_bin2bn(d, (int)d_len, bn_d) && BN_bin2bn(p, (int)p_len, bn_p) &&
        BN_bin2bn(q, (int)q_len, bn_q) &&
        OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn_n) &&
        OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, bn_e) &&
        OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_D, bn_d) &&
        push_crt(bld, crt, bn_d, bn_p, bn_q, bctx))
        r = rsa_from_params(out, bld, EVP_PKEY_KEYPAIR);
    else
        r = CV_FAIL(CV_E_SSH_KEY);
    OSSL_PARAM_BLD_free(bld);
    BN_CTX_free(bctx);
    BN_free(bn_n);
    BN_free(bn_e);
    BN_clear_free(bn_d);
    BN_clear_free(bn_p);
    BN_clear_free(bn_q);
    for (int i = 0; i < 3; i++) BN_clear_free(crt[i]);
    return r;
}

cv_result cv_rsa_from_pem(cv_rsa **out, const uint8_t *pem, size_t len)
{
    *out = NULL;
    CV_ENSURE(len <= 65536, CV_E_TOO_LARGE);
    BIO *bio = BIO_new_mem_buf(pem, (int)len);
    CV_ENSURE(bio != NULL, CV_E_NOMEM);
    /* An empty passphrase keeps OpenSSL from prompting on the terminal. */
    char empty[1] = { 0 };
    EVP_PKEY *pkey = PEM_read_bio_PrivateKey(bio, NULL, NULL, empty);
    BIO_free(bio);
    CV_ENSURE(pkey != NULL, CV_E_SSH_KEY);
    if (EVP_PKEY_get_base_id(pkey) != EVP_PKEY_RSA) {
        EVP_PKEY_free(pkey);
        CV_BAIL(CV_E_SSH_UNSUPPORTED);
    }
    return rsa_wrap(out, pkey);
}

void cv_rsa_free(cv_rsa **k)
{
    if (k == NULL || *k == NULL) return;
    EVP_PKEY_free((*k)->pkey);
    free(*k);
    *k = NULL;
}

size_t cv_rsa_bits(const cv_rsa *k) { return (size_t)EVP_PKEY_get_bits(k->pkey); }
size_t cv_rsa_size(const cv_rsa *k) { return (size_t)EVP_PKEY_get_size(k->pkey); }

static cv_result get_bn(const cv_rsa *k, const char *name, uint8_t *out, size_t *len)
{
    BIGNUM *v = NULL;
    CV_ENSURE(EVP_PKEY_get_bn_param(k->pkey, name, &v) == 1, CV_E_CRYPTO);
    *len = (size_t)BN_bn2bin(v, out);
    BN_free(v);
    return cv_ok();
}

cv_result cv_rsa_public(const cv_rsa *k, uint8_t *n, size_t *n_len, uint8_t *e, size_t *e_len)
{
    CV_GUARD(get_bn(k, OSSL_PKEY_PARAM_RSA_N, n, n_len));
    CV_GUARD(get_bn(k, OSSL_PKEY_PARAM_RSA_E, e, e_len));
    return cv_ok();
}

static cv_result oaep_ctx(EVP_PKEY_CTX **out, const cv_rsa *k, const char *label, bool enc,
                          const EVP_MD *md)
{
    EVP_PKEY_CTX *c = EVP_PKEY_CTX_new(k->pkey, NULL);
    *out = c;
    CV_ENSURE(c != NULL, CV_E_NOMEM);
    CV_GUARD_OSSL(enc ? EVP_PKEY_encrypt_init(c) : EVP_PKEY_decrypt_init(c), CV_E_CRYPTO);
    CV_ENSURE(EVP_PKEY_CTX_set_rsa_padding(c, RSA_PKCS1_OAEP_PADDING) > 0, CV_E_CRYPTO);
    CV_ENSURE(EVP_PKEY_CTX_set_rsa_oaep_md(c, md) > 0, CV_E_CRYPTO);
    CV_ENSURE(EVP_PKEY_CTX_set_rsa_mgf1_md(c, md) > 0, CV_E_CRYPTO);
    if (label != NULL) {
        size_t n = strlen(label);
        void *copy = OPENSSL_malloc(n ? n : 1); /* the context takes ownership */
        CV_ENSURE(copy != NULL, CV_E_NOMEM);
        memcpy(copy, label, n);
        if (EVP_PKEY_CTX_set0_rsa_oaep_label(c, copy, (int)n) <= 0) {
            OPENSSL_free(copy);
            CV_BAIL(CV_E_CRYPTO);
        }
    }
    return cv_ok();
}

cv_result cv_rsa_oaep_encrypt(const cv_rsa *k, const char *label, const uint8_t *in, size_t n,
                              uint8_t *out, size_t *out_len)
{
    EVP_PKEY_CTX *c = NULL;
    cv_result r = oaep_ctx(&c, k, label, true, EVP_sha256());
    size_t len = cv_rsa_size(k);
    if (cv_is_ok(r) && EVP_PKEY_encrypt(c, out, &len, in, n) != 1) r = CV_FAIL(CV_E_CRYPTO);
    EVP_PKEY_CTX_free(c);
    *out_len = len;
    return r;
}

static cv_result oaep_decrypt(const cv_rsa *k, const char *label, const EVP_MD *md,
                              const uint8_t *in, size_t n, uint8_t *out, size_t out_cap,
                              size_t *out_len)
{
    EVP_PKEY_CTX *c = NULL;
    cv_result r = oaep_ctx(&c, k, label, false, md);
    size_t len = cv_rsa_size(k);
    uint8_t *tmp = malloc(len);
    if (tmp == NULL) r = CV_FAIL(CV_E_NOMEM);
    if (cv_is_ok(r) && EVP_PKEY_decrypt(c, tmp, &len, in, n) != 1) r = CV_FAIL(CV_E_DECRYPT);
    if (cv_is_ok(r) && len > out_cap) r = CV_FAIL(CV_E_DECRYPT);
    if (cv_is_ok(r)) {
        memcpy(out, tmp, len);
        *out_len = len;
    }
    if (tmp) cv_wipe(tmp, cv_rsa_size(k));
    free(tmp);
    EVP_PKEY_CTX_free(c);
    return r;
}

cv_result cv_rsa_oaep_decrypt(const cv_rsa *k, const char *label, const uint8_t *in, size_t n,
                              uint8_t *out, size_t out_cap, size_t *out_len)
{
    return oaep_decrypt(k, label, EVP_sha256(), in, n, out, out_cap, out_len);
}

cv_result cv_rsa_oaep_sha1_decrypt(const cv_rsa *k, const uint8_t *in, size_t n, uint8_t *out,
                                   size_t out_cap, size_t *out_len)
{
    return oaep_decrypt(k, NULL, EVP_sha1(), in, n, out, out_cap, out_len);
}

static BIGNUM *param_bn(const cv_rsa *k, const char *name)
{
    BIGNUM *v = NULL;
    return EVP_PKEY_get_bn_param(k->pkey, name, &v) == 1 ? v : NULL;
}

/* (d*e) mod (f-1) == 1 */
static int inverse_mod_factor(const BIGNUM *de, const BIGNUM *f, BN_CTX *bctx)
{
    BN_CTX_start(bctx);
    BIGNUM *f1 = BN_CTX_get(bctx), *rem = BN_CTX_get(bctx);
    int ok = rem && BN_sub(f1, f, BN_value_one()) && !BN_is_zero(f1) &&
             BN_mod(rem, de, f1, bctx) && BN_is_one(rem);
    BN_CTX_end(bctx);
    return ok;
}

cv_result cv_rsa_check_pair(const cv_rsa *k)
{
    BIGNUM *n = param_bn(k, OSSL_PKEY_PARAM_RSA_N), *e = param_bn(k, OSSL_PKEY_PARAM_RSA_E);
    BIGNUM *d = param_bn(k, OSSL_PKEY_PARAM_RSA_D);
    BIGNUM *p = param_bn(k, OSSL_PKEY_PARAM_RSA_FACTOR1);
    BIGNUM *q = param_bn(k, OSSL_PKEY_PARAM_RSA_FACTOR2);
    BN_CTX *bctx = BN_CTX_secure_new();
    BIGNUM *t = BN_secure_new();
    int ok = n && e && d && p && q && bctx && t && BN_mul(t, p, q, bctx) && BN_cmp(t, n) == 0 &&
             BN_mul(t, d, e, bctx) && inverse_mod_factor(t, p, bctx) &&
             inverse_mod_factor(t, q, bctx);
    BN_clear_free(t);
    BN_CTX_free(bctx);
    BN_free(n);
    BN_free(e);
    BN_clear_free(d);
    BN_clear_free(p);
    BN_clear_free(q);
    CV_ENSURE(ok, CV_E_SSH_KEY);
    return cv_ok();
}

typedef struct {
    const uint8_t *pass;
    size_t len;
} pem_pass;

/* OpenSSL's passphrase callback: hand over the caller's passphrase, or
 * refuse (never prompt) when there is none. */
static int pem_pass_cb(char *buf, int size, int rwflag, void *u)
{
    (void)rwflag;
    const pem_pass *pp = u;
    if (pp == NULL || pp->pass == NULL || size < 0 || pp->len > (size_t)size) return -1;
    memcpy(buf, pp->pass, pp->len);
    return (int)pp->len;
}

static cv_result pkey_extract(EVP_PKEY *pkey, cv_pkey_kind *kind, cv_rsa **rsa, uint8_t seed[32])
{
    int id = EVP_PKEY_get_base_id(pkey);
    if (id == EVP_PKEY_ED25519) {
        size_t n = 32;
        int ok = EVP_PKEY_get_raw_private_key(pkey, seed, &n) == 1 && n == 32;
        EVP_PKEY_free(pkey);
        CV_ENSURE(ok, CV_E_SSH_KEY);
        *kind = CV_PKEY_ED25519;
        return cv_ok();
    }
    if (id != EVP_PKEY_RSA) {
        EVP_PKEY_free(pkey);
        CV_BAIL(CV_E_SSH_UNSUPPORTED);
    }
    *kind = CV_PKEY_RSA;
    return rsa_wrap(rsa, pkey);
}

cv_result cv_pkey_from_pem(const uint8_t *pem, size_t len, const uint8_t *pass, size_t pass_len,
                           bool encrypted, cv_pkey_kind *kind, cv_rsa **rsa, uint8_t seed[32])
{
    *rsa = NULL;
    CV_ENSURE(len <= 65536, CV_E_TOO_LARGE);
    BIO *bio = BIO_new_mem_buf(pem, (int)len);
    CV_ENSURE(bio != NULL, CV_E_NOMEM);
    pem_pass pp = { pass, pass_len };
    EVP_PKEY *pkey = PEM_read_bio_PrivateKey(bio, NULL, pem_pass_cb, &pp);
    BIO_free(bio);
    if (pkey == NULL) {
        ERR_clear_error();
        CV_BAIL(encrypted ? CV_E_SSH_PASSPHRASE : CV_E_SSH_KEY);
    }
    return pkey_extract(pkey, kind, rsa, seed);
}
