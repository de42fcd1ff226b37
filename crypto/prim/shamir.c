#include "crypto/prim/shamir.h"

#include <string.h>

#include "crypto/prim/pk.h"

/* Shift-and-add over b's bits, high to low; masks instead of branches so
 * neither operand's value changes the instruction stream. */
uint8_t cv_gf256_mul(uint8_t a, uint8_t b)
{
    unsigned acc = 0;
    for (int i = 7; i >= 0; i--) {
        unsigned bit = (unsigned)(b >> i) & 1u;
        unsigned reduce = (0u - (acc >> 7)) & 0x1Bu;
        acc = ((acc << 1) & 0xFFu) ^ reduce ^ ((0u - bit) & a);
    }
    return (uint8_t)acc;
}

/* a^254 = a^-1 in the multiplicative group of order 255 (and 0 -> 0):
 * a fixed addition chain, the same for every input. */
uint8_t cv_gf256_inv(uint8_t a)
{
    uint8_t b = cv_gf256_mul(a, a);  /* a^2 */
    uint8_t c = cv_gf256_mul(a, b);  /* a^3 */
    b = cv_gf256_mul(c, c);          /* a^6 */
    b = cv_gf256_mul(b, b);          /* a^12 */
    c = cv_gf256_mul(b, c);          /* a^15 */
    b = cv_gf256_mul(b, b);          /* a^24 */
    b = cv_gf256_mul(b, b);          /* a^48 */
    b = cv_gf256_mul(b, c);          /* a^63 */
    b = cv_gf256_mul(b, b);          /* a^126 */
    b = cv_gf256_mul(a, b);          /* a^127 */
    return cv_gf256_mul(b, b);       /* a^254 */
}

static cv_result split_args(size_t len, unsigned parts, unsigned threshold)
{
    /* Same checks, same order, same words as sops. */
    CV_ENSUREF(parts >= threshold, CV_E_SOPS_SHAMIR, "parts cannot be less than threshold");
    CV_ENSUREF(parts <= CV_SHAMIR_MAX_PARTS, CV_E_SOPS_SHAMIR, "parts cannot exceed 255");
    CV_ENSUREF(threshold >= 2, CV_E_SOPS_SHAMIR, "threshold must be at least 2");
    CV_ENSUREF(threshold <= 255, CV_E_SOPS_SHAMIR, "threshold cannot exceed 255");
    CV_ENSUREF(len > 0, CV_E_SOPS_SHAMIR, "cannot split an empty secret");
    return cv_ok();
}

/* Horner's rule at a public x. */
static uint8_t poly_eval(const uint8_t *coef, unsigned n, uint8_t x)
{
    uint8_t y = coef[n - 1];
    for (unsigned i = n - 1; i-- > 0;)
        y = (uint8_t)(cv_gf256_mul(y, x) ^ coef[i]);
    return y;
}

static void free_shares(cv_secret **shares, unsigned n)
{
    for (unsigned i = 0; i < n; i++) cv_secret_free(&shares[i]);
}

cv_result cv_shamir_split(const uint8_t *secret, size_t len, unsigned parts,
                          unsigned threshold, cv_secret **shares)
{
    CV_GUARD(split_args(len, parts, threshold));
    CV_BUG_ON(secret == NULL || shares == NULL);
    cv_secret *coef = NULL;
    cv_result res = cv_secret_new(&coef, threshold);
    unsigned made = 0;
    for (; cv_is_ok(res) && made < parts; made++) {
        res = cv_secret_new(&shares[made], len + 1);
        if (cv_is_ok(res)) shares[made]->data[len] = (uint8_t)(made + 1);
    }
    if (!cv_is_ok(res)) {
        free_shares(shares, made);
        cv_secret_free(&coef);
        return res;
    }
    for (size_t idx = 0; idx < len; idx++) {
        coef->data[0] = secret[idx];
        cv_random(coef->data + 1, threshold - 1);
        for (unsigned i = 0; i < parts; i++)
            shares[i]->data[idx] = poly_eval(coef->data, threshold, (uint8_t)(i + 1));
    }
    cv_secret_free(&coef);
    return cv_ok();
}

static cv_result combine_args(const cv_slice *shares, size_t n)
{
    CV_ENSUREF(n >= 2, CV_E_SOPS_SHAMIR,
               "less than two parts cannot be used to reconstruct the secret");
    size_t len = shares[0].len;
    CV_ENSUREF(len >= 2, CV_E_SOPS_SHAMIR, "parts must be at least two bytes");
    for (size_t i = 1; i < n; i++)
        CV_ENSUREF(shares[i].len == len, CV_E_SOPS_SHAMIR, "all parts must be the same length");
    bool seen[256] = { false };
    for (size_t i = 0; i < n; i++) {
        uint8_t x = shares[i].p[len - 1];
        CV_ENSUREF(!seen[x], CV_E_SOPS_SHAMIR, "duplicate part detected");
        seen[x] = true;
    }
    return cv_ok();
}

/* Lagrange basis at 0 for sample i: prod over j != i of x_j / (x_i + x_j).
 * Depends on the public x coordinates only. */
static uint8_t basis_at_zero(const cv_slice *shares, size_t n, size_t i, size_t xpos)
{
    uint8_t b = 1, xi = shares[i].p[xpos];
    for (size_t j = 0; j < n; j++) {
        if (j == i) continue;
        uint8_t xj = shares[j].p[xpos];
        b = cv_gf256_mul(b, cv_gf256_mul(xj, cv_gf256_inv((uint8_t)(xi ^ xj))));
    }
    return b;
}

cv_result cv_shamir_combine(const cv_slice *shares, size_t n, cv_secret **out)
{
    CV_GUARD(combine_args(shares, n));
    size_t len = shares[0].len - 1;
    cv_secret *s = NULL;
    CV_GUARD(cv_secret_new(&s, len));
    memset(s->data, 0, len);
    for (size_t i = 0; i < n; i++) {
        uint8_t b = basis_at_zero(shares, n, i, len);
        for (size_t idx = 0; idx < len; idx++)
            s->data[idx] ^= cv_gf256_mul(shares[i].p[idx], b);
    }
    *out = s;
    return cv_ok();
}
