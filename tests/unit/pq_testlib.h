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

#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include "crypto/age/format.h"
#include "tests/lib/vectors.h"
#include "crypto/base/buf.h"
#include "crypto/base/enc.h"
#include "crypto/base/limits.h"
#include "crypto/prim/aead.h"
#include "crypto/prim/hash.h"
#include "crypto/prim/pk.h"

/* Whole file, NUL-terminated, on the heap (NULL if unreadable). */
static inline char *tl_slurp(const char *path, size_t *len)
{
    return (char *)tv_read_file(path, len);
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

/* The CCTV age vectors are read in place from the shared folder
 * (tests/lib/vectors.h). NULL if absent: the caller skips, unless CI=true,
 * where a missing prerequisite is a failure. */
static inline const char *tl_cctv_dir(void)
{
    static char dir[600];
    struct stat st;
    snprintf(dir, sizeof(dir), "%s/testvectors/age", tv_shared_dir());
    if (stat(dir, &st) == 0 && S_ISDIR(st.st_mode)) return dir;
    const char *ci = getenv("CI");
    cr_assert(ci == NULL || strcmp(ci, "true") != 0, "CCTV vectors missing in CI");
    return NULL;
}

static inline uint8_t *tl_inflate(const uint8_t *in, size_t n, size_t *out_len)
{
    uint8_t *out = tv_inflate(in, n, out_len);
    cr_assert(out != NULL, "corrupt zlib body");
    return out;
}

/* STREAM nonce for chunk i: 11-byte big-endian counter || last flag. */
static inline void tl_chunk_nonce(uint8_t nonce[12], uint64_t i, bool last)
{
    memset(nonce, 0, 12);
    for (unsigned b = 0; b < 8; b++) nonce[10 - b] = (uint8_t)(i >> (8 * b));
    nonce[11] = last ? 1 : 0;
}

/* A complete age file: header sealed under fk over `st` (moved), a random
 * nonce, and the payload in 64 KiB STREAM chunks. */
static inline void tl_age_build(cv_buf *file, cv_age_stanzas *st, const uint8_t fk[16],
                                const uint8_t *pt, size_t n)
{
    cv_age_header h;
    cv_age_header_init(&h);
    cr_assert(cv_is_ok(cv_age_stanzas_move(&h.stanzas, st)));
    cr_assert(cv_is_ok(cv_age_header_seal(&h, fk)));
    cv_buf_init(file, 1u << 24);
    cr_assert(cv_is_ok(cv_buf_add(file, h.raw, h.raw_len)));
    uint8_t nonce[16], key[32], cn[12];
    cv_random(nonce, sizeof(nonce));
    cr_assert(cv_is_ok(cv_buf_add(file, nonce, sizeof(nonce))));
    cr_assert(cv_is_ok(cv_hkdf(key, 32, fk, 16, nonce, 16, "payload")));
    size_t off = 0;
    for (uint64_t i = 0;; i++) {
        size_t take = n - off > CV_AGE_CHUNK ? CV_AGE_CHUNK : n - off;
        bool last = off + take == n;
        cr_assert(cv_is_ok(cv_buf_reserve(file, take + 16)));
        tl_chunk_nonce(cn, i, last);
        cr_assert(cv_is_ok(cv_chacha_seal1(file->p + file->len, key, cn, pt + off, take)));
        file->len += take + 16;
        off += take;
        if (last) break;
    }
    cv_age_header_clear(&h);
}

/* Decrypt the payload (nonce + STREAM) that follows a header. */
static inline void tl_age_payload(const uint8_t fk[16], cv_slice rest, cv_buf *out)
{
    uint8_t key[32], cn[12];
    cr_assert(rest.len >= 16 + 16, "payload too short");
    cr_assert(cv_is_ok(cv_hkdf(key, 32, fk, 16, rest.p, 16, "payload")));
    cv_buf_init(out, 1u << 24);
    size_t off = 16;
    for (uint64_t i = 0; off < rest.len; i++) {
        size_t take = rest.len - off > CV_AGE_CHUNK_CT ? CV_AGE_CHUNK_CT : rest.len - off;
        bool last = off + take == rest.len;
        cr_assert(cv_is_ok(cv_buf_reserve(out, take)));
        tl_chunk_nonce(cn, i, last);
        cr_assert(cv_is_ok(cv_chacha_open1(out->p + out->len, key, cn, rest.p + off, take)),
                  "chunk %llu", (unsigned long long)i);
        out->len += take - 16;
        off += take;
    }
}

static inline void tl_write(const char *path, const void *p, size_t n)
{
    FILE *f = fopen(path, "wb");
    cr_assert(f != NULL, "cannot write %s", path);
    cr_assert_eq(fwrite(p, 1, n, f), n);
    cr_assert_eq(fclose(f), 0);
}

/* Path of a peer binary under $PEERS/age-1.3.1, or NULL (the test then
 * skips; with CI=true a missing peer fails instead). */
static inline const char *tl_peer(const char *name)
{
    static char path[4096];
    const char *peers = getenv("PEERS"), *home = getenv("HOME");
    if (peers != NULL && *peers)
        snprintf(path, sizeof(path), "%s/age-1.3.1/%s", peers, name);
    else
        snprintf(path, sizeof(path), "%s/.cache/covert/peers/age-1.3.1/%s", home ? home : "", name);
    if (access(path, X_OK) == 0) return path;
    const char *ci = getenv("CI");
    cr_assert(ci == NULL || strcmp(ci, "true") != 0, "peer %s missing in CI", path);
    return NULL;
}

/* Run a shell command (callers bound peers with timeout(1)), capture
 * stdout; returns the exit status. */
static inline int tl_run(const char *cmd, cv_buf *out)
{
    FILE *p = popen(cmd, "r");
    cr_assert(p != NULL);
    cv_buf_init(out, 1u << 24);
    uint8_t tmp[4096];
    size_t got;
    while ((got = fread(tmp, 1, sizeof(tmp), p)) > 0) cr_assert(cv_is_ok(cv_buf_add(out, tmp, got)));
    int st = pclose(p);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* A fresh temporary directory (removed by tl_rmdir). */
static inline void tl_tmpdir(char dir[64])
{
    snprintf(dir, 64, "/tmp/covert-pq-XXXXXX");
    cr_assert(mkdtemp(dir) != NULL);
}

static inline void tl_rmdir(const char *dir)
{
    char cmd[128];
    cv_buf ignore;
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    (void)tl_run(cmd, &ignore);
    cv_buf_release(&ignore);
}

/* The value of the first line of a key file that starts with prefix. */
static inline cv_slice tl_line_with(const char *text, const char *prefix)
{
    const char *p = strstr(text, prefix);
    cr_assert(p != NULL, "no line starting %s", prefix);
    const char *e = strchr(p, '\n');
    return cv_slice_of(p, e ? (size_t)(e - p) : strlen(p));
}

#endif
