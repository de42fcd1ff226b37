#include "crypto/prim/p256.h"

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/obj_mac.h>
#include <string.h>

#include "crypto/base/mem.h"
#include "crypto/prim/pk.h"

/* The group order n, big-endian. */
static const uint8_t ORDER[32] = {
    0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51,
};

/* The OpenSSL objects one operation needs, created and freed together. */
typedef struct {
    EC_GROUP *group;
    BN_CTX *bn;
    EC_POINT *in;
    EC_POINT *out;
    BIGNUM *k;
} ec_work;

static void work_free(ec_work *w)
{
    EC_POINT_clear_free(w->out);
    EC_POINT_free(w->in);
    BN_clear_free(w->k);
    BN_CTX_free(w->bn);
    EC_GROUP_free(w->group);
    memset(w, 0, sizeof(*w));
}

static cv_result work_new(ec_work *w)
{
    memset(w, 0, sizeof(*w));
    w->group = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
    w->bn = BN_CTX_new();
    w->k = BN_new();
    if (w->group != NULL) {
        w->in = EC_POINT_new(w->group);
        w->out = EC_POINT_new(w->group);
    }
    if (w->bn == NULL || w->k == NULL || w->in == NULL || w->out == NULL) {
        work_free(w);
        CV_BAIL(CV_E_NOMEM);
    }
    BN_set_flags(w->k, BN_FLG_CONSTTIME);
    return cv_ok();
}

/* Parse a SEC1 point into w->in. Only the two standard forms are allowed
 * (OpenSSL would also take the "hybrid" 0x06/0x07 form and infinity). */
static cv_result load_point(ec_work *w, const uint8_t *in, size_t len)
{
    bool ok_form = (len == CV_P256_POINT && in[0] == 0x04) ||
                   (len == CV_P256_COMPRESSED && (in[0] == 0x02 || in[0] == 0x03));
    CV_ENSUREF(ok_form, CV_E_CRYPTO, "invalid P-256 point encoding");
    CV_ENSUREF(EC_POINT_oct2point(w->group, w->in, in, len, w->bn) == 1 &&
                   EC_POINT_is_on_curve(w->group, w->in, w->bn) == 1 &&
                   EC_POINT_is_at_infinity(w->group, w->in) == 0,
               CV_E_CRYPTO, "invalid P-256 point");
    return cv_ok();
}

static cv_result store_point(ec_work *w, const EC_POINT *p, uint8_t *out, size_t len,
                             point_conversion_form_t form)
{
    size_t n = EC_POINT_point2oct(w->group, p, form, out, len, w->bn);
    CV_ENSURE(n == len, CV_E_CRYPTO);
    return cv_ok();
}

cv_result cv_p256_point_decode(uint8_t out[CV_P256_POINT], const uint8_t *in, size_t len)
{
    ec_work w;
    CV_GUARD(work_new(&w));
    cv_result r = load_point(&w, in, len);
    if (cv_is_ok(r)) r = store_point(&w, w.in, out, CV_P256_POINT, POINT_CONVERSION_UNCOMPRESSED);
    work_free(&w);
    return r;
}

cv_result cv_p256_point_compress(uint8_t out[CV_P256_COMPRESSED], const uint8_t in[CV_P256_POINT])
{
    ec_work w;
    CV_GUARD(work_new(&w));
    cv_result r = load_point(&w, in, CV_P256_POINT);
    if (cv_is_ok(r))
        r = store_point(&w, w.in, out, CV_P256_COMPRESSED, POINT_CONVERSION_COMPRESSED);
    work_free(&w);
    return r;
}

bool cv_p256_scalar_valid(const uint8_t k[CV_P256_SCALAR])
{
    unsigned borrow = 0, any = 0;
    for (int i = 31; i >= 0; i--) {
        borrow = ((unsigned)k[i] - ORDER[i] - borrow) >> 8 & 1u;
        any |= k[i];
    }
    /* k < n exactly when the subtraction k - n borrows out. */
    return (borrow & (unsigned)(any != 0)) == 1;
}

/* out = k * peer, or k * G when peer is NULL, as an uncompressed point. */
static cv_result scalar_mult(uint8_t out[CV_P256_POINT], const uint8_t k[CV_P256_SCALAR],
                             const uint8_t *peer)
{
    CV_ENSUREF(cv_p256_scalar_valid(k), CV_E_KEY_SIZE, "invalid P-256 scalar");
    ec_work w;
    CV_GUARD(work_new(&w));
    cv_result r = cv_ok();
    if (BN_bin2bn(k, CV_P256_SCALAR, w.k) == NULL) r = CV_FAIL(CV_E_NOMEM);
    if (cv_is_ok(r) && peer != NULL) r = load_point(&w, peer, CV_P256_POINT);
    if (cv_is_ok(r)) {
        int ok = peer != NULL ? EC_POINT_mul(w.group, w.out, NULL, w.in, w.k, w.bn)
                              : EC_POINT_mul(w.group, w.out, w.k, NULL, NULL, w.bn);
        if (ok != 1) r = CV_FAIL(CV_E_CRYPTO);
    }
    if (cv_is_ok(r))
        r = store_point(&w, w.out, out, CV_P256_POINT, POINT_CONVERSION_UNCOMPRESSED);
    work_free(&w);
    return r;
}

cv_result cv_p256_public(uint8_t pub[CV_P256_POINT], const uint8_t k[CV_P256_SCALAR])
{
    return scalar_mult(pub, k, NULL);
}

cv_result cv_p256_keygen(uint8_t k[CV_P256_SCALAR], uint8_t pub[CV_P256_POINT])
{
    /* Rejection sampling; a candidate fails with probability about 2^-32. */
    do {
        cv_random(k, CV_P256_SCALAR);
    } while (!cv_p256_scalar_valid(k));
    return cv_p256_public(pub, k);
}

cv_result cv_p256_ecdh(uint8_t x[32], const uint8_t k[CV_P256_SCALAR],
                       const uint8_t peer[CV_P256_POINT])
{
    uint8_t p[CV_P256_POINT];
    cv_result r = scalar_mult(p, k, peer);
    if (cv_is_ok(r)) memcpy(x, p + 1, 32);
    CV_WIPE(p);
    return r;
}
