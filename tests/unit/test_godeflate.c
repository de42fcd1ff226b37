/* Go's gzip/deflate reproduced byte for byte: every vector in
 * testvectors/godeflate/vectors.json was made by Go's own compress/gzip
 * and compress/flate (tests/gen/godeflate); the inputs are rebuilt here
 * with the same splitmix64 generators, written in the same pieces, and
 * covert's output must have the same length and sha256 (and, for small
 * outputs, the same bytes — a mismatch names the first differing byte).
 * Tar vectors go through cv_srctree_digest: the tar stream's sha256 and
 * the .tar.gz's must both match. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "crypto/base/enc.h"
#include "crypto/prim/hash.h"
#include "reconcile/source/godeflate.h"
#include "reconcile/source/tree.h"

typedef struct {
    uint64_t s;
} rng;

static uint64_t next(rng *r)
{
    r->s += 0x9e3779b97f4a7c15ull;
    uint64_t z = r->s;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static const char *const WORDS[] = {
    "apiVersion:", "kind:", "metadata:", "name:", "namespace:", "spec:", "- name:", "image:",
    "the", "flux", "covert", "secret", "value", "data:", "labels:", "app", "  ", "    ",
    "true", "false", "0", "1", "kustomize.toolkit.fluxcd.io/v1", "HelmRelease", "ConfigMap",
    "port: 8080", "replicas: 3", "#", "---", "sops:", "enc:", "ENC[AES256_GCM,data:",
};
#define NWORDS (sizeof(WORDS) / sizeof(WORDS[0]))

typedef struct {
    uint8_t *p;
    size_t n, cap;
} vec;

static void push(vec *v, const void *p, size_t n)
{
    if (v->n + n > v->cap) {
        v->cap = (v->n + n) * 2 + 64;
        v->p = realloc(v->p, v->cap);
        cr_assert_not_null(v->p);
    }
    memcpy(v->p + v->n, p, n);
    v->n += n;
}

static void push_byte(vec *v, uint8_t b) { push(v, &b, 1); }

static void push_word(vec *v, rng *r)
{
    const char *w = WORDS[next(r) % NWORDS];
    push(v, w, strlen(w));
}

static void gen_mixed(vec *v, rng *r, size_t size)
{
    while (v->n < size) {
        uint64_t n = next(r) % 3000 + 1, kind = next(r) % 4;
        if (kind == 0) {
            for (uint64_t i = 0; i < n; i++) push_word(v, r), push_byte(v, ' ');
        } else if (kind == 1) {
            for (uint64_t i = 0; i < n; i++) push_byte(v, (uint8_t)next(r));
        } else if (kind == 2) {
            if (v->n == 0) continue;
            uint64_t far = v->n > 40000 ? 40000 : v->n, d = next(r) % far + 1;
            for (uint64_t i = 0; i < n; i++) push_byte(v, v->p[v->n - d]);
        } else {
            uint8_t b = (uint8_t)next(r);
            for (uint64_t i = 0; i < n; i++) push_byte(v, b);
        }
    }
}

/* The input classes of tests/gen/godeflate/main.go. */
static vec gen(const char *kind, uint64_t seed, size_t size)
{
    rng r = { seed };
    vec v = { NULL, 0, 0 };
    if (!strcmp(kind, "zeros")) {
        v.p = calloc(1, size + 1), v.n = size, v.cap = size + 1;
    } else if (!strcmp(kind, "random")) {
        while (v.n < size) push_byte(&v, (uint8_t)next(&r));
    } else if (!strcmp(kind, "acgt")) {
        while (v.n < size) push_byte(&v, (uint8_t)"ACGT"[next(&r) & 3]);
    } else if (!strcmp(kind, "text")) {
        while (v.n < size) push_word(&v, &r), push_byte(&v, next(&r) % 8 == 0 ? '\n' : ' ');
    } else if (!strcmp(kind, "repeat")) {
        size_t period = (size_t)(seed % 1000) + 1;
        while (v.n < size)
            push_byte(&v, v.n < period ? (uint8_t)next(&r) : v.p[v.n - period]);
    } else if (!strcmp(kind, "periodic")) {
        while (v.n < size) push_byte(&v, v.n < seed ? (uint8_t)next(&r) : v.p[v.n - seed]);
    } else if (!strcmp(kind, "mixed")) {
        gen_mixed(&v, &r, size);
    } else {
        cr_assert_fail("unknown generator %s", kind);
    }
    v.n = size;
    return v;
}

static void collect(void *ctx, const uint8_t *p, size_t n) { push(ctx, p, n); }

static void hex_of(char out[65], const uint8_t *p, size_t n)
{
    uint8_t d[32];
    cv_sha256(d, p, n);
    cv_hex_encode(out, d, 32);
    out[64] = 0;
}

/* Equal bytes, or the first difference with some context. */
static void check_bytes(const char *name, const vec *got, const char *want_hex)
{
    size_t wl = strlen(want_hex) / 2;
    uint8_t *want = malloc(wl + 1);
    cr_assert(cv_is_ok(cv_hex_decode(want, wl, cv_slice_str(want_hex))));
    size_t i = 0;
    while (i < wl && i < got->n && want[i] == got->p[i]) i++;
    if (i < wl || i < got->n)
        cr_assert_fail("%s: first difference at byte %zu of %zu (covert %zu bytes): want %02x got %02x",
                name, i, wl, got->n, i < wl ? want[i] : 0, i < got->n ? got->p[i] : 0);
    free(want);
}

static void check_plain(json_t *t)
{
    const char *name = json_string_value(json_object_get(t, "name"));
    size_t size = (size_t)json_integer_value(json_object_get(t, "size"));
    size_t chunk = (size_t)json_integer_value(json_object_get(t, "chunk"));
    vec in = gen(json_string_value(json_object_get(t, "gen")),
                 (uint64_t)json_integer_value(json_object_get(t, "seed")), size);
    vec out = { NULL, 0, 0 };
    cv_godeflate *z = NULL;
    cr_assert(cv_is_ok(cv_godeflate_new(&z, (int)json_integer_value(json_object_get(t, "level")),
                                        json_is_true(json_object_get(t, "gzip")), collect, &out)));
    for (size_t off = 0; off < size;) {
        size_t n = chunk && size - off > chunk ? chunk : size - off;
        cv_godeflate_write(z, in.p + off, n);
        off += n;
    }
    cv_godeflate_close(z);
    cv_godeflate_free(&z);
    json_t *hex = json_object_get(t, "out_hex");
    if (hex) check_bytes(name, &out, json_string_value(hex));
    char got[65];
    hex_of(got, out.p, out.n);
    cr_expect_eq(out.n, (size_t)json_integer_value(json_object_get(t, "out_len")),
                 "%s/%zu: length %zu", name, size, out.n);
    cr_expect_str_eq(got, json_string_value(json_object_get(t, "out_sha256")), "%s/%zu (%s)",
                     name, size, json_string_value(json_object_get(t, "gen")));
    free(in.p);
    free(out.p);
}

static void check_tar(json_t *t)
{
    const char *name = json_string_value(json_object_get(t, "name"));
    cv_srctree *tree = NULL;
    cr_assert(cv_is_ok(cv_srctree_new(&tree)));
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(t, "entries"), i, e) {
        cv_slice path = cv_slice_str(json_string_value(json_object_get(e, "path")));
        if (!strcmp(json_string_value(json_object_get(e, "type")), "d")) {
            cr_assert(cv_is_ok(cv_srctree_add_dir(tree, path)));
            continue;
        }
        json_t *g = json_object_get(e, "gen");
        size_t size = (size_t)json_integer_value(json_object_get(e, "size"));
        vec body = g ? gen(json_string_value(g), (uint64_t)json_integer_value(json_object_get(e, "seed")), size)
                     : (vec){ NULL, 0, 0 };
        cr_assert(cv_is_ok(cv_srctree_add_file(tree, path, body.p, size,
                                               json_is_true(json_object_get(e, "exec")))));
        free(body.p);
    }
    char digest[72], tar[72];
    cr_assert(cv_is_ok(cv_srctree_digest(tree, digest, tar)));
    cv_srctree_free(&tree);
    cr_expect_str_eq(tar + 7, json_string_value(json_object_get(t, "tar_sha256")), "%s: tar %s", name, tar);
    cr_expect_str_eq(digest + 7, json_string_value(json_object_get(t, "out_sha256")), "%s: gzip",
                     name);
}

static json_t *load(void)
{
    json_error_t err;
    json_t *j = json_load_file("testvectors/godeflate/vectors.json", 0, &err);
    cr_assert_not_null(j, "vectors.json: %s", err.text);
    return j;
}

Test(godeflate, go_vectors)
{
    json_t *j = load();
    size_t i, n = 0;
    json_t *t;
    json_array_foreach(json_object_get(j, "vectors"), i, t) {
        if (json_object_get(t, "entries")) continue;
        check_plain(t);
        n++;
    }
    cr_assert_gt(n, 100);
    json_decref(j);
}

Test(godeflate, go_tar_archives)
{
    json_t *j = load();
    size_t i, n = 0;
    json_t *t;
    json_array_foreach(json_object_get(j, "vectors"), i, t) {
        if (!json_object_get(t, "entries")) continue;
        check_tar(t);
        n++;
    }
    cr_assert_eq(n, 4);
    json_decref(j);
}

/* zlib reads it back, whatever the writes' sizes. */
Test(godeflate, roundtrip_zlib)
{
    vec in = gen("mixed", 77, 400000), out = { NULL, 0, 0 };
    cv_godeflate *z = NULL;
    cr_assert(cv_is_ok(cv_godeflate_new(&z, 6, true, collect, &out)));
    for (size_t off = 0; off < in.n; off += 4099)
        cv_godeflate_write(z, in.p + off, in.n - off < 4099 ? in.n - off : 4099);
    cv_godeflate_close(z);
    cv_godeflate_write(z, "x", 1); /* ignored after close */
    cv_godeflate_free(&z);
    cv_godeflate_free(&z);
    uint8_t *back = malloc(in.n + 1);
    z_stream s = { 0 };
    cr_assert_eq(inflateInit2(&s, 16 + 15), Z_OK);
    s.next_in = out.p, s.avail_in = (uInt)out.n, s.next_out = back, s.avail_out = (uInt)in.n + 1;
    cr_assert_eq(inflate(&s, Z_FINISH), Z_STREAM_END);
    cr_assert_eq(s.total_out, in.n);
    cr_assert_eq(memcmp(back, in.p, in.n), 0);
    inflateEnd(&s);
    free(back);
    free(in.p);
    free(out.p);
}

Test(godeflate, bad_level)
{
    cv_godeflate *z = NULL;
    cr_assert(cv_is(cv_godeflate_new(&z, 1, true, collect, NULL), CV_E_INVALID_ARG));
    cr_assert(cv_is(cv_godeflate_new(&z, 10, false, collect, NULL), CV_E_INVALID_ARG));
    cr_assert_null(z);
}
