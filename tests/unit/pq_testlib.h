/* Helpers for the post-quantum unit tests (test_mlkem, test_hpke, test_pq,
 * test_tag): vector files made of "key: value" blocks separated by blank
 * lines, hex fields, and locating the CCTV age vectors. Everything is static
 * inline so each test file takes only what it uses. */
#ifndef COVERT_TESTS_PQ_TESTLIB_H
#define COVERT_TESTS_PQ_TESTLIB_H

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "crypto/base/buf.h"
#include "crypto/base/enc.h"

/* Whole file, NUL-terminated, on the heap (NULL if unreadable). */
static inline char *tl_slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) return NULL;
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap + 1);
    size_t got;
    while (buf != NULL && (got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            cap *= 2;
            char *nb = realloc(buf, cap + 1);
            if (nb == NULL) free(buf);
            buf = nb;
        }
    }
    fclose(f);
    if (buf == NULL) return NULL;
    buf[n] = 0;
    if (len) *len = n;
    return buf;
}

/* The next block of non-blank lines at or after *pos ('#' lines skipped). */
static inline bool tl_next_block(const char *buf, size_t len, size_t *pos, cv_slice *block)
{
    size_t p = *pos;
    while (p < len && (buf[p] == '\n' || buf[p] == '#')) {
        if (buf[p] == '#')
            while (p < len && buf[p] != '\n') p++;
        else
            p++;
    }
    if (p >= len) return false;
    size_t start = p;
    while (p < len && !(buf[p] == '\n' && (p + 1 >= len || buf[p + 1] == '\n'))) p++;
    if (p < len) p++;
    *block = cv_slice_of(buf + start, p - start);
    *pos = p;
    return true;
}

/* The nth (from 0) value of `key` in a block. */
static inline bool tl_get(cv_slice block, const char *key, unsigned nth, cv_slice *val)
{
    size_t klen = strlen(key);
    const char *p = (const char *)block.p, *end = p + block.len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        if ((size_t)(le - p) >= klen + 1 && memcmp(p, key, klen) == 0 && p[klen] == ':') {
            if (nth-- == 0) {
                const char *v = p + klen + 1;
                if (v < le && *v == ' ') v++;
                *val = cv_slice_of(v, (size_t)(le - v));
                return true;
            }
        }
        p = le + 1;
    }
    return false;
}

/* Hex field into a fresh heap buffer (length in *n); fails the test if bad. */
static inline uint8_t *tl_hex(cv_slice s, size_t *n)
{
    cr_assert(s.len % 2 == 0, "odd hex length");
    uint8_t *out = malloc(s.len / 2 + 1);
    cr_assert(out != NULL);
    cr_assert(cv_is_ok(cv_hex_decode(out, s.len / 2, s)), "bad hex");
    *n = s.len / 2;
    return out;
}

static inline uint8_t *tl_get_hex(cv_slice block, const char *key, size_t *n)
{
    cv_slice v;
    cr_assert(tl_get(block, key, 0, &v), "missing field %s", key);
    return tl_hex(v, n);
}

/* The CCTV age vectors live outside the repository (../shared from the main
 * checkout); COVERT_CCTV_DIR overrides. NULL if absent: the caller skips,
 * unless CI=true, where a missing prerequisite is a failure. */
static inline const char *tl_cctv_dir(void)
{
    static const char *const cands[] = { "../shared/testvectors/age",
                                         "../../shared/testvectors/age" };
    const char *env = getenv("COVERT_CCTV_DIR");
    struct stat st;
    if (env != NULL && *env) return env;
    for (size_t i = 0; i < sizeof(cands) / sizeof(cands[0]); i++)
        if (stat(cands[i], &st) == 0 && S_ISDIR(st.st_mode)) return cands[i];
    const char *ci = getenv("CI");
    cr_assert(ci == NULL || strcmp(ci, "true") != 0, "CCTV vectors missing in CI");
    return NULL;
}

#endif
