/* ML-KEM-768 from FIPS 203 (August 2024). Section and algorithm numbers in
 * the comments refer to that document.
 *
 * Coefficients are kept fully reduced in [0, q) as uint16_t; products are
 * reduced with a Barrett step and a masked conditional subtraction, so the
 * arithmetic has no data-dependent branches or table lookups. The only
 * variable-time code is matrix sampling (rejection on public seed bytes) and
 * the modulus check of public encapsulation keys. */
#include "crypto/prim/mlkem.h"

#include <stdlib.h>
#include <string.h>

#include "crypto/base/mem.h"
#include "crypto/prim/hash.h"
#include "crypto/prim/pk.h"

#define Q 3329u
#define N 256u
#define K 3u
#define DU 10u
#define DV 4u
#define POLY12 384u        /* ByteEncode_12 of one polynomial */
#define C1_POLY (32u * DU) /* one compressed polynomial of u */
#define SHAKE128_RATE 168u
#define NINV 3303u         /* 128^-1 mod q, the NTT^-1 scale */

typedef struct {
    uint16_t c[N];
} poly;

typedef struct {
    poly v[K];
} pvec;

/* The expanded decapsulation key, in secret memory. a_hat is public but
 * kept to avoid re-sampling the matrix on every decapsulation. */
struct dk_mem {
    pvec s_hat;
    pvec t_hat;
    pvec a_hat[K]; /* a_hat[i].v[j] = Â[i][j] */
    uint8_t ek[CV_MLKEM768_EK];
    uint8_t h[32];
    uint8_t z[32];
};

struct cv_mlkem768_dk {
    cv_secret *mem;
};

/* zeta^BitRev7(i) and zeta^(2*BitRev7(i)+1) mod q for zeta = 17 (Appendix A). */
static const uint16_t ZETA[128] = {
    1,    1729, 2580, 3289, 2642, 630,  1897, 848,  1062, 1919, 193,  797,  2786, 3260, 569,
    1746, 296,  2447, 1339, 1476, 3046, 56,   2240, 1333, 1426, 2094, 535,  2882, 2393, 2879,
    1974, 821,  289,  331,  3253, 1756, 1197, 2304, 2277, 2055, 650,  1977, 2513, 632,  2865,
    33,   1320, 1915, 2319, 1435, 807,  452,  1438, 2868, 1534, 2402, 2647, 2617, 1481, 648,
    2474, 3110, 1227, 910,  17,   2761, 583,  2649, 1637, 723,  2288, 1100, 1409, 2662, 3281,
    233,  756,  2156, 3015, 3050, 1703, 1651, 2789, 1789, 1847, 952,  1461, 2687, 939,  2308,
    2437, 2388, 733,  2337, 268,  641,  1584, 2298, 2037, 3220, 375,  2549, 2090, 1645, 1063,
    319,  2773, 757,  2099, 561,  2466, 2594, 2804, 1092, 403,  1026, 1143, 2150, 2775, 886,
    1722, 1212, 1874, 1029, 2110, 2935, 885,  2154,
};
static const uint16_t GAMMA[128] = {
    17,   3312, 2761, 568,  583,  2746, 2649, 680,  1637, 1692, 723,  2606, 2288, 1041, 1100,
    2229, 1409, 1920, 2662, 667,  3281, 48,   233,  3096, 756,  2573, 2156, 1173, 3015, 314,
    3050, 279,  1703, 1626, 1651, 1678, 2789, 540,  1789, 1540, 1847, 1482, 952,  2377, 1461,
    1868, 2687, 642,  939,  2390, 2308, 1021, 2437, 892,  2388, 941,  733,  2596, 2337, 992,
    268,  3061, 641,  2688, 1584, 1745, 2298, 1031, 2037, 1292, 3220, 109,  375,  2954, 2549,
    780,  2090, 1239, 1645, 1684, 1063, 2266, 319,  3010, 2773, 556,  757,  2572, 2099, 1230,
    561,  2768, 2466, 863,  2594, 735,  2804, 525,  1092, 2237, 403,  2926, 1026, 2303, 1143,
    2186, 2150, 1179, 2775, 554,  886,  2443, 1722, 1607, 1212, 2117, 1874, 1455, 1029, 2300,
    2110, 1219, 2935, 394,  885,  2444, 2154, 1175,
};

/* ---- field arithmetic mod q ---- */

/* x - q when x >= q, for x < 2q, through a mask instead of a branch. */
static uint16_t csubq(uint32_t x)
{
    uint32_t d = x - Q;
    d += (0u - (d >> 31)) & Q;
    return (uint16_t)d;
}

/* x mod q for any 32-bit x: floor(2^32/q) underestimates the quotient by at
 * most one, which csubq corrects. */
static uint16_t reduce(uint32_t x)
{
    uint32_t t = (uint32_t)(((uint64_t)x * 1290167u) >> 32);
    return csubq(x - t * Q);
}

static uint16_t fq_add(uint16_t a, uint16_t b) { return csubq((uint32_t)a + b); }
static uint16_t fq_sub(uint16_t a, uint16_t b) { return csubq((uint32_t)a + Q - b); }
static uint16_t fq_mul(uint16_t a, uint16_t b) { return reduce((uint32_t)a * b); }

/* Compress_d (4.7): round(2^d * x / q) mod 2^d. The division is a multiply
 * by ceil(2^33/q), exact for every numerator below 2^23. */
static uint16_t compress(uint16_t x, unsigned d)
{
    uint64_t y = ((uint64_t)x << d) + Q / 2;
    return (uint16_t)(((y * 2580335u) >> 33) & ((1u << d) - 1));
}

/* Decompress_d (4.8): round(q * y / 2^d). */
static uint16_t decompress(uint16_t y, unsigned d)
{
    return (uint16_t)(((uint32_t)y * Q + (1u << (d - 1))) >> d);
}

/* ---- polynomials ---- */

static void poly_add(poly *r, const poly *a)
{
    for (unsigned i = 0; i < N; i++) r->c[i] = fq_add(r->c[i], a->c[i]);
}

static void poly_sub(poly *r, const poly *a)
{
    for (unsigned i = 0; i < N; i++) r->c[i] = fq_sub(r->c[i], a->c[i]);
}

/* Algorithm 9. */
static void ntt(poly *f)
{
    unsigned k = 1;
    for (unsigned len = 128; len >= 2; len >>= 1) {
        for (unsigned start = 0; start < N; start += 2 * len) {
            uint16_t zeta = ZETA[k++];
            for (unsigned j = start; j < start + len; j++) {
                uint16_t t = fq_mul(zeta, f->c[j + len]);
                f->c[j + len] = fq_sub(f->c[j], t);
                f->c[j] = fq_add(f->c[j], t);
            }
        }
    }
}

/* Algorithm 10. */
static void ntt_inv(poly *f)
{
    unsigned k = 127;
    for (unsigned len = 2; len <= 128; len <<= 1) {
        for (unsigned start = 0; start < N; start += 2 * len) {
            uint16_t zeta = ZETA[k--];
            for (unsigned j = start; j < start + len; j++) {
                uint16_t t = f->c[j];
                f->c[j] = fq_add(t, f->c[j + len]);
                f->c[j + len] = fq_mul(zeta, fq_sub(f->c[j + len], t));
            }
        }
    }
    for (unsigned j = 0; j < N; j++) f->c[j] = fq_mul(f->c[j], NINV);
}

/* h += f * g in the NTT domain (Algorithms 11 and 12). */
static void poly_mul_acc(poly *h, const poly *f, const poly *g)
{
    for (unsigned i = 0; i < N / 2; i++) {
        uint16_t a0 = f->c[2 * i], a1 = f->c[2 * i + 1];
        uint16_t b0 = g->c[2 * i], b1 = g->c[2 * i + 1];
        uint16_t c0 = fq_add(fq_mul(a0, b0), fq_mul(fq_mul(a1, b1), GAMMA[i]));
        uint16_t c1 = fq_add(fq_mul(a0, b1), fq_mul(a1, b0));
        h->c[2 * i] = fq_add(h->c[2 * i], c0);
        h->c[2 * i + 1] = fq_add(h->c[2 * i + 1], c1);
    }
}

/* ByteEncode_d (Algorithm 5): 256 d-bit values, little-endian bit order,
 * into 32*d bytes. The loop shape depends only on d. */
static void encode_bits(uint8_t *out, const poly *f, unsigned d)
{
    uint32_t acc = 0;
    unsigned bits = 0;
    size_t o = 0;
    for (unsigned i = 0; i < N; i++) {
        acc |= (uint32_t)f->c[i] << bits;
        bits += d;
        while (bits >= 8) {
            out[o++] = (uint8_t)acc;
            acc >>= 8;
            bits -= 8;
        }
    }
}

/* ByteDecode_d (Algorithm 6) without the mod-q step (see ek_check). */
static void decode_bits(poly *f, const uint8_t *in, unsigned d)
{
    uint32_t acc = 0;
    unsigned bits = 0;
    size_t p = 0;
    for (unsigned i = 0; i < N; i++) {
        while (bits < d) {
            acc |= (uint32_t)in[p++] << bits;
            bits += 8;
        }
        f->c[i] = (uint16_t)(acc & ((1u << d) - 1));
        acc >>= d;
        bits -= d;
    }
}

static void poly_compress(poly *f, unsigned d)
{
    for (unsigned i = 0; i < N; i++) f->c[i] = compress(f->c[i], d);
}

static void poly_decompress(poly *f, unsigned d)
{
    for (unsigned i = 0; i < N; i++) f->c[i] = decompress(f->c[i], d);
}

/* ---- sampling ---- */

/* Rejection sampling of 12-bit candidates (Algorithm 7) from a SHAKE128
 * output prefix; returns how many coefficients were filled. */
static unsigned parse_ntt(poly *out, const uint8_t *b, size_t len)
{
    unsigned n = 0;
    for (size_t p = 0; p + 3 <= len && n < N; p += 3) {
        uint16_t d1 = (uint16_t)(b[p] | ((b[p + 1] & 15u) << 8));
        uint16_t d2 = (uint16_t)((b[p + 1] >> 4) | ((unsigned)b[p + 2] << 4));
        if (d1 < Q) out->c[n++] = d1;
        if (d2 < Q && n < N) out->c[n++] = d2;
    }
    return n;
}

/* SampleNTT(rho || j || i). Four SHAKE128 blocks are enough except with
 * negligible probability; a longer prefix of the same XOF stream is taken
 * if not, so the result never depends on the first guess. */
static cv_result sample_ntt(poly *out, const uint8_t rho[32], uint8_t j, uint8_t i)
{
    uint8_t seed[34];
    memcpy(seed, rho, 32);
    seed[32] = j;
    seed[33] = i;
    for (size_t len = 4 * SHAKE128_RATE; len <= 256 * SHAKE128_RATE; len *= 2) {
        uint8_t *buf = malloc(len);
        CV_ENSURE(buf != NULL, CV_E_NOMEM);
        cv_result r = cv_shake128(buf, len, seed, sizeof(seed));
        unsigned n = cv_is_ok(r) ? parse_ntt(out, buf, len) : 0;
        free(buf);
        CV_GUARD(r);
        if (n == N) return cv_ok();
    }
    CV_BAIL(CV_E_MLKEM);
}

/* Â from rho (Algorithm 13 line 4): a_hat[i].v[j] = SampleNTT(rho || j || i). */
static cv_result sample_matrix(pvec a_hat[K], const uint8_t rho[32])
{
    for (uint8_t i = 0; i < K; i++)
        for (uint8_t j = 0; j < K; j++) CV_GUARD(sample_ntt(&a_hat[i].v[j], rho, j, i));
    return cv_ok();
}

/* SamplePolyCBD_2(PRF_2(sigma, nonce)) (Algorithm 8 with eta = 2): each
 * nibble of the 128 PRF bytes gives one coefficient (b0 + b1) - (b2 + b3). */
static cv_result sample_cbd(poly *f, const uint8_t sigma[32], uint8_t nonce)
{
    uint8_t in[33], buf[128];
    memcpy(in, sigma, 32);
    in[32] = nonce;
    cv_result r = cv_shake256(buf, sizeof(buf), in, sizeof(in));
    for (unsigned i = 0; i < N / 2 && cv_is_ok(r); i++) {
        unsigned t = buf[i];
        unsigned x0 = (t & 1) + ((t >> 1) & 1), y0 = ((t >> 2) & 1) + ((t >> 3) & 1);
        unsigned x1 = ((t >> 4) & 1) + ((t >> 5) & 1), y1 = ((t >> 6) & 1) + ((t >> 7) & 1);
        f->c[2 * i] = csubq(x0 + Q - y0);
        f->c[2 * i + 1] = csubq(x1 + Q - y1);
    }
    CV_WIPE(in);
    CV_WIPE(buf);
    return r;
}

/* Sample K polynomials with nonces first, first+1, ... and move them to
 * the NTT domain if asked. */
static cv_result sample_vec(pvec *v, const uint8_t sigma[32], uint8_t first, bool to_ntt)
{
    for (uint8_t i = 0; i < K; i++) {
        CV_GUARD(sample_cbd(&v->v[i], sigma, (uint8_t)(first + i)));
        if (to_ntt) ntt(&v->v[i]);
    }
    return cv_ok();
}

/* ---- K-PKE (Algorithms 13-15) ---- */

/* t_hat = Â s_hat + e_hat, then ek = ByteEncode_12(t_hat) || rho. */
static cv_result pke_keygen(struct dk_mem *k, const uint8_t d[32])
{
    uint8_t in[33], g[64];
    pvec e;
    memcpy(in, d, 32);
    in[32] = K; /* domain separation by the rank (FIPS 203 final) */
    cv_result r = cv_sha3_512(g, in, sizeof(in));
    const uint8_t *rho = g, *sigma = g + 32;
    if (cv_is_ok(r)) r = sample_matrix(k->a_hat, rho);
    if (cv_is_ok(r)) r = sample_vec(&k->s_hat, sigma, 0, true);
    if (cv_is_ok(r)) r = sample_vec(&e, sigma, K, true);
    for (unsigned i = 0; i < K && cv_is_ok(r); i++) {
        k->t_hat.v[i] = e.v[i];
        for (unsigned j = 0; j < K; j++) poly_mul_acc(&k->t_hat.v[i], &k->a_hat[i].v[j], &k->s_hat.v[j]);
        encode_bits(k->ek + POLY12 * i, &k->t_hat.v[i], 12);
    }
    if (cv_is_ok(r)) memcpy(k->ek + POLY12 * K, rho, 32);
    CV_WIPE(in);
    CV_WIPE(g);
    CV_WIPE(e);
    return r;
}

/* Â^T y_hat + e1 and t_hat^T y_hat + e2 + mu, compressed into ct. */
static void pke_finish(uint8_t ct[CV_MLKEM768_CT], const pvec *t_hat, const pvec a_hat[K],
                       const pvec *y_hat, pvec *u, poly *v)
{
    for (unsigned i = 0; i < K; i++) {
        poly acc = { { 0 } };
        for (unsigned j = 0; j < K; j++) poly_mul_acc(&acc, &a_hat[j].v[i], &y_hat->v[j]);
        ntt_inv(&acc);
        poly_add(&u->v[i], &acc);
        poly_compress(&u->v[i], DU);
        encode_bits(ct + C1_POLY * i, &u->v[i], DU);
        CV_WIPE(acc);
    }
    poly acc = { { 0 } };
    for (unsigned i = 0; i < K; i++) poly_mul_acc(&acc, &t_hat->v[i], &y_hat->v[i]);
    ntt_inv(&acc);
    poly_add(v, &acc);
    poly_compress(v, DV);
    encode_bits(ct + C1_POLY * K, v, DV);
    CV_WIPE(acc);
}

/* K-PKE.Encrypt(ek, m, r) with the key already expanded. u starts as e1 and
 * v as e2 + Decompress_1(m). */
static cv_result pke_encrypt(uint8_t ct[CV_MLKEM768_CT], const pvec *t_hat, const pvec a_hat[K],
                             const uint8_t m[32], const uint8_t rnd[32])
{
    pvec y, u;
    poly v, mu;
    cv_result r = sample_vec(&y, rnd, 0, true);
    if (cv_is_ok(r)) r = sample_vec(&u, rnd, K, false);
    if (cv_is_ok(r)) r = sample_cbd(&v, rnd, 2 * K);
    if (cv_is_ok(r)) {
        decode_bits(&mu, m, 1);
        poly_decompress(&mu, 1);
        poly_add(&v, &mu);
        pke_finish(ct, t_hat, a_hat, &y, &u, &v);
    }
    CV_WIPE(y);
    CV_WIPE(u);
    CV_WIPE(v);
    CV_WIPE(mu);
    return r;
}

/* K-PKE.Decrypt: m = ByteEncode_1(Compress_1(v' - NTT^-1(s_hat^T NTT(u')))). */
static void pke_decrypt(uint8_t m[32], const pvec *s_hat, const uint8_t ct[CV_MLKEM768_CT])
{
    poly w = { { 0 } }, u, v;
    for (unsigned i = 0; i < K; i++) {
        decode_bits(&u, ct + C1_POLY * i, DU);
        poly_decompress(&u, DU);
        ntt(&u);
        poly_mul_acc(&w, &s_hat->v[i], &u);
    }
    ntt_inv(&w);
    decode_bits(&v, ct + C1_POLY * K, DV);
    poly_decompress(&v, DV);
    poly_sub(&v, &w);
    poly_compress(&v, 1);
    encode_bits(m, &v, 1);
    CV_WIPE(w);
    CV_WIPE(v);
}

/* ---- ML-KEM (Algorithms 16-18) ---- */

cv_result cv_mlkem768_ek_check(const uint8_t ek[CV_MLKEM768_EK])
{
    poly t;
    for (unsigned i = 0; i < K; i++) {
        decode_bits(&t, ek + POLY12 * i, 12);
        for (unsigned j = 0; j < N; j++)
            CV_ENSUREF(t.c[j] < Q, CV_E_MLKEM, "encapsulation key coefficient out of range");
    }
    return cv_ok();
}

static void dk_release(struct cv_mlkem768_dk *dk)
{
    cv_secret_free(&dk->mem);
    free(dk);
}

void cv_mlkem768_dk_free(cv_mlkem768_dk **dk)
{
    if (dk == NULL || *dk == NULL) return;
    dk_release(*dk);
    *dk = NULL;
}

cv_result cv_mlkem768_keygen(cv_mlkem768_dk **out, const uint8_t seed[CV_MLKEM768_SEED])
{
    *out = NULL;
    struct cv_mlkem768_dk *dk = calloc(1, sizeof(*dk));
    CV_ENSURE(dk != NULL, CV_E_NOMEM);
    cv_result r = cv_secret_new(&dk->mem, sizeof(struct dk_mem));
    struct dk_mem *k = cv_is_ok(r) ? (struct dk_mem *)dk->mem->data : NULL;
    if (cv_is_ok(r)) r = pke_keygen(k, seed);
    if (cv_is_ok(r)) r = cv_sha3_256(k->h, k->ek, sizeof(k->ek));
    if (!cv_is_ok(r)) {
        dk_release(dk);
        return r;
    }
    memcpy(k->z, seed + 32, 32);
    *out = dk;
    return cv_ok();
}

const uint8_t *cv_mlkem768_dk_ek(const cv_mlkem768_dk *dk)
{
    return ((const struct dk_mem *)dk->mem->data)->ek;
}

/* Encaps_internal with an encapsulation key that passed the check. The
 * expanded public key lives on the heap: it is large and not secret. */
static cv_result encaps_checked(uint8_t ct[CV_MLKEM768_CT], uint8_t ss[CV_MLKEM768_SS],
                                const uint8_t ek[CV_MLKEM768_EK], const uint8_t m[32])
{
    uint8_t in[64], g[64];
    struct { pvec t_hat, a_hat[K]; } *pk = malloc(sizeof(*pk));
    CV_ENSURE(pk != NULL, CV_E_NOMEM);
    for (unsigned i = 0; i < K; i++) decode_bits(&pk->t_hat.v[i], ek + POLY12 * i, 12);
    memcpy(in, m, 32);
    cv_result r = cv_sha3_256(in + 32, ek, CV_MLKEM768_EK);
    if (cv_is_ok(r)) r = cv_sha3_512(g, in, sizeof(in));
    if (cv_is_ok(r)) r = sample_matrix(pk->a_hat, ek + POLY12 * K);
    if (cv_is_ok(r)) r = pke_encrypt(ct, &pk->t_hat, pk->a_hat, m, g + 32);
    if (cv_is_ok(r)) memcpy(ss, g, 32);
    free(pk);
    CV_WIPE(in);
    CV_WIPE(g);
    return r;
}

cv_result cv_mlkem768_encaps_derand(uint8_t ct[CV_MLKEM768_CT], uint8_t ss[CV_MLKEM768_SS],
                                    const uint8_t ek[CV_MLKEM768_EK],
                                    const uint8_t m[CV_MLKEM768_MSG])
{
    CV_GUARD(cv_mlkem768_ek_check(ek));
    return encaps_checked(ct, ss, ek, m);
}

cv_result cv_mlkem768_encaps(uint8_t ct[CV_MLKEM768_CT], uint8_t ss[CV_MLKEM768_SS],
                             const uint8_t ek[CV_MLKEM768_EK])
{
    uint8_t m[32];
    cv_random(m, sizeof(m));
    cv_result r = cv_mlkem768_encaps_derand(ct, ss, ek, m);
    CV_WIPE(m);
    return r;
}

/* K_bar = J(z || c), the implicit-rejection key. */
static cv_result reject_key(uint8_t out[32], const uint8_t z[32], const uint8_t ct[CV_MLKEM768_CT])
{
    uint8_t in[32 + CV_MLKEM768_CT];
    memcpy(in, z, 32);
    memcpy(in + 32, ct, CV_MLKEM768_CT);
    cv_result r = cv_shake256(out, 32, in, sizeof(in));
    CV_WIPE(in);
    return r;
}

/* Algorithm 18: re-encrypt the recovered message and keep K' only if the
 * ciphertexts match; the choice is a byte mask, never a branch. */
cv_result cv_mlkem768_decaps(uint8_t ss[CV_MLKEM768_SS], const cv_mlkem768_dk *dk,
                             const uint8_t ct[CV_MLKEM768_CT])
{
    const struct dk_mem *k = (const struct dk_mem *)dk->mem->data;
    uint8_t in[64], g[64], kbar[32], ct2[CV_MLKEM768_CT];
    pke_decrypt(in, &k->s_hat, ct);
    memcpy(in + 32, k->h, 32);
    cv_result r = cv_sha3_512(g, in, sizeof(in));
    if (cv_is_ok(r)) r = reject_key(kbar, k->z, ct);
    if (cv_is_ok(r)) r = pke_encrypt(ct2, &k->t_hat, k->a_hat, in, g + 32);
    if (cv_is_ok(r)) {
        uint8_t keep = (uint8_t)(0u - (unsigned)cv_ct_eq(ct, ct2, sizeof(ct2)));
        for (unsigned i = 0; i < 32; i++)
            ss[i] = (uint8_t)((g[i] & keep) | (kbar[i] & (uint8_t)~keep));
    }
    CV_WIPE(in);
    CV_WIPE(g);
    CV_WIPE(kbar);
    CV_WIPE(ct2);
    return r;
}
