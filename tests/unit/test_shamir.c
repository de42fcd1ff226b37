/* Shamir secret sharing against sops v3.13.2's own shamir package.
 *
 * testvectors/shamir/vectors.json (tests/gen/gen_shamir_vectors.sh, made by
 * the sopscfg peer): shares split by sops that covert recombines, share sets
 * recombined by sops, and the inputs sops refuses. The other direction runs
 * the peer live: covert splits, sops recombines (skipped if the peer is not
 * built; make peers). */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crypto/base/enc.h"
#include "crypto/base/mem.h"
#include "crypto/prim/pk.h"
#include "crypto/prim/shamir.h"

#define VECTORS "testvectors/shamir/vectors.json"

static json_t *load(void)
{
    json_error_t e;
    json_t *v = json_load_file(VECTORS, 0, &e);
    cr_assert(v, "%s: %s", VECTORS, e.text);
    return v;
}

static uint8_t *unhex(const char *s, size_t *n)
{
    size_t len = strlen(s);
    uint8_t *b = malloc(len / 2 + 1);
    for (size_t i = 0; i < len / 2; i++) {
        unsigned x;
        cr_assert(sscanf(s + 2 * i, "%2x", &x) == 1);
        b[i] = (uint8_t)x;
    }
    *n = len / 2;
    return b;
}

static char *tohex(const uint8_t *p, size_t n)
{
    char *s = malloc(2 * n + 1);
    for (size_t i = 0; i < n; i++) snprintf(s + 2 * i, 3, "%02x", p[i]);
    s[2 * n] = 0;
    return s;
}

/* Combine the shares named by the indices in `which` (or all when NULL). */
static cv_result combine_hex(json_t *shares, json_t *which, cv_secret **out)
{
    size_t n = which ? json_array_size(which) : json_array_size(shares);
    cv_slice *sl = calloc(n ? n : 1, sizeof(*sl));
    uint8_t **bufs = calloc(n ? n : 1, sizeof(*bufs));
    for (size_t i = 0; i < n; i++) {
        size_t k = which ? (size_t)json_integer_value(json_array_get(which, i)) : i;
        size_t len;
        bufs[i] = unhex(json_string_value(json_array_get(shares, k)), &len);
        sl[i] = cv_slice_of(bufs[i], len);
    }
    cv_result r = cv_shamir_combine(sl, n, out);
    for (size_t i = 0; i < n; i++) free(bufs[i]);
    free(bufs), free(sl);
    return r;
}

static void expect_secret(const cv_secret *s, const char *want_hex)
{
    char *got = tohex(s->data, s->len);
    cr_assert_str_eq(got, want_hex);
    free(got);
}

Test(shamir, sops_split_covert_combines)
{
    json_t *v = load(), *c;
    size_t i, checked = 0;
    json_array_foreach(json_object_get(v, "split"), i, c) {
        json_t *shares = json_object_get(c, "shares"), *sub;
        const char *secret = json_string_value(json_object_get(c, "secret"));
        size_t j;
        cr_assert_eq(json_array_size(shares), (size_t)json_integer_value(json_object_get(c, "parts")));
        json_array_foreach(json_object_get(c, "subsets"), j, sub) {
            cv_secret *out = NULL;
            cr_assert(cv_is_ok(combine_hex(shares, sub, &out)));
            expect_secret(out, secret);
            cv_secret_free(&out);
            checked++;
        }
    }
    cr_assert_gt(checked, 100);
    json_decref(v);
}

/* sops writes x = 1..n in order: covert's shares carry the same x bytes. */
Test(shamir, x_coordinates_like_sops)
{
    json_t *v = load(), *c;
    size_t i;
    json_array_foreach(json_object_get(v, "split"), i, c) {
        json_t *shares = json_object_get(c, "shares");
        unsigned parts = (unsigned)json_array_size(shares);
        unsigned t = (unsigned)json_integer_value(json_object_get(c, "threshold"));
        size_t len;
        uint8_t *secret = unhex(json_string_value(json_object_get(c, "secret")), &len);
        cv_secret *mine[CV_SHAMIR_MAX_PARTS];
        cr_assert(cv_is_ok(cv_shamir_split(secret, len, parts, t, mine)));
        for (unsigned k = 0; k < parts; k++) {
            size_t slen;
            uint8_t *theirs = unhex(json_string_value(json_array_get(shares, k)), &slen);
            cr_assert_eq(mine[k]->len, slen);
            cr_assert_eq(mine[k]->data[len], theirs[len], "x of share %u", k);
            free(theirs);
            cv_secret_free(&mine[k]);
        }
        free(secret);
    }
    json_decref(v);
}

Test(shamir, sops_combine_arbitrary_sets)
{
    json_t *v = load(), *c;
    size_t i;
    json_array_foreach(json_object_get(v, "combine"), i, c) {
        cv_secret *out = NULL;
        cr_assert(cv_is_ok(combine_hex(json_object_get(c, "shares"), NULL, &out)));
        expect_secret(out, json_string_value(json_object_get(c, "secret")));
        cv_secret_free(&out);
    }
    json_decref(v);
}

Test(shamir, refused_like_sops)
{
    json_t *v = load(), *c;
    size_t i;
    json_array_foreach(json_object_get(v, "errors"), i, c) {
        const char *op = json_string_value(json_object_get(c, "op"));
        cv_result r;
        if (strcmp(op, "split") == 0) {
            size_t len;
            uint8_t *secret = unhex(json_string_value(json_object_get(c, "secret")), &len);
            cv_secret *shares[300] = { NULL };
            r = cv_shamir_split(secret, len,
                                (unsigned)json_integer_value(json_object_get(c, "parts")),
                                (unsigned)json_integer_value(json_object_get(c, "threshold")),
                                shares);
            for (size_t k = 0; k < 300; k++) cr_assert_null(shares[k]);
            free(secret);
        } else {
            cv_secret *out = NULL;
            r = combine_hex(json_object_get(c, "shares"), NULL, &out);
            cr_assert_null(out);
        }
        cr_assert_eq(r.err, CV_E_SOPS_SHAMIR, "case %zu", i);
        cr_assert_str_eq(cv_err_detail(), json_string_value(json_object_get(c, "error")));
    }
    json_decref(v);
}

/* Field sanity independent of sops: a * a^-1 = 1 for every nonzero a. */
Test(shamir, inverse)
{
    cr_assert_eq(cv_gf256_inv(0), 0);
    for (unsigned a = 1; a < 256; a++)
        cr_assert_eq(cv_gf256_mul((uint8_t)a, cv_gf256_inv((uint8_t)a)), 1, "a=%u", a);
    /* The AES field: x * x^7 = x^8 = x^4 + x^3 + x + 1. */
    cr_assert_eq(cv_gf256_mul(0x02, 0x80), 0x1B);
}

static const char *peer(void)
{
    static char path[4096];
    const char *p = getenv("PEERS");
    if (p && *p)
        snprintf(path, sizeof(path), "%s/sops-3.13.2/sopscfg", p);
    else
        snprintf(path, sizeof(path), "%s/.cache/covert/peers/sops-3.13.2/sopscfg",
                 getenv("HOME"));
    return path;
}

/* covert splits, sops combines a subset of exactly `threshold` shares. */
static void covert_split_sops_combines(size_t len, unsigned parts, unsigned t)
{
    uint8_t secret[64];
    cv_random(secret, len);
    cv_secret *shares[CV_SHAMIR_MAX_PARTS];
    cr_assert(cv_is_ok(cv_shamir_split(secret, len, parts, t, shares)));
    char cmd[16384];
    int off = snprintf(cmd, sizeof(cmd), "'%s' shamir-combine", peer());
    for (unsigned k = parts - t; k < parts; k++) {
        char *h = tohex(shares[k]->data, shares[k]->len);
        off += snprintf(cmd + off, sizeof(cmd) - (size_t)off, " %s", h);
        free(h);
    }
    for (unsigned k = 0; k < parts; k++) cv_secret_free(&shares[k]);
    FILE *f = popen(cmd, "r");
    cr_assert(f);
    char line[1024] = "";
    cr_assert(fgets(line, sizeof(line), f));
    cr_assert_eq(pclose(f), 0);
    char want[256], *h = tohex(secret, len);
    snprintf(want, sizeof(want), "{\"secret\":\"%s\"}\n", h);
    cr_assert_str_eq(line, want);
    free(h);
}

Test(shamir, covert_split_sops_combines)
{
    if (access(peer(), X_OK) != 0) cr_skip_test("peer %s missing (make peers)", peer());
    for (unsigned t = 2; t <= 5; t++) {
        covert_split_sops_combines(32, t, t);
        covert_split_sops_combines(32, t + 2, t);
        covert_split_sops_combines(1, t + 1, t);
    }
    covert_split_sops_combines(32, 255, 3);
}
