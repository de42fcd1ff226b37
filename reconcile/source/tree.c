/* The in-memory source tree (see tree.h): entries in archive order, bytes
 * in bump-allocated heap chunks, a hash index over file paths, and the tar
 * stream Flux would archive, hashed without being stored. */
#include "reconcile/source/tree.h"

#include <string.h>

#include "crypto/base/enc.h"
#include "crypto/base/limits.h"
#include "crypto/base/mem.h"
#include <openssl/evp.h>

#define CHUNK_MIN (1024u * 1024u)

typedef struct chunk {
    struct chunk *next;
    size_t used, cap;
    uint8_t data[];
} chunk;

struct cv_srctree {
    cv_srcent *v;
    size_t n, cap;
    size_t *index; /* open addressing over file entries: entry + 1, 0 = empty */
    size_t index_cap, nfiles;
    uint64_t bytes;
    chunk *chunks;
    bool listing;  /* files known by size only (cv_srctree_add_listed) */
    bool has_data; /* files with their bytes (cv_srctree_add_file) */
};

cv_result cv_srctree_new(cv_srctree **out)
{
    *out = calloc(1, sizeof(**out));
    CV_ENSURE(*out != NULL, CV_E_NOMEM);
    return cv_ok();
}

void cv_srctree_free(cv_srctree **t)
{
    if (t == NULL || *t == NULL) return;
    for (chunk *c = (*t)->chunks, *next; c; c = next) {
        next = c->next;
        free(c);
    }
    free((*t)->v);
    free((*t)->index);
    free(*t);
    *t = NULL;
}

static cv_result bump(cv_srctree *t, size_t n, uint8_t **out)
{
    chunk *c = t->chunks;
    if (c == NULL || c->cap - c->used < n) {
        size_t cap = n > CHUNK_MIN ? n : CHUNK_MIN;
        c = malloc(sizeof(chunk) + cap);
        CV_ENSURE(c != NULL, CV_E_NOMEM);
        c->used = 0;
        c->cap = cap;
        /* A big blob gets its own chunk behind the current one, so the
         * current chunk's free space is not wasted. */
        if (t->chunks && cap > CHUNK_MIN) {
            c->next = t->chunks->next;
            t->chunks->next = c;
        } else {
            c->next = t->chunks;
            t->chunks = c;
        }
    }
    *out = c->data + c->used;
    c->used += n;
    return cv_ok();
}

static uint64_t fnv(cv_slice s)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < s.len; i++) h = (h ^ s.p[i]) * 1099511628211ull;
    return h;
}

static void index_put(size_t *index, size_t cap, const cv_srcent *v, size_t e)
{
    size_t i = (size_t)fnv(cv_slice_of(v[e].path, v[e].path_len)) & (cap - 1);
    while (index[i] != 0) i = (i + 1) & (cap - 1);
    index[i] = e + 1;
}

static cv_result index_grow(cv_srctree *t)
{
    if ((t->nfiles + 1) * 2 <= t->index_cap) return cv_ok();
    size_t cap = t->index_cap ? t->index_cap * 2 : 64;
    size_t *ni = calloc(cap, sizeof(size_t));
    CV_ENSURE(ni != NULL, CV_E_NOMEM);
    for (size_t i = 0; i < t->index_cap; i++)
        if (t->index[i]) index_put(ni, cap, t->v, t->index[i] - 1);
    free(t->index);
    t->index = ni;
    t->index_cap = cap;
    return cv_ok();
}

static cv_result add_entry(cv_srctree *t, cv_srcent_kind kind, cv_slice path, size_t len,
                           cv_srcent **out)
{
    CV_ENSUREF(t->n < CV_SRC_MAX_FILES, CV_E_LIMIT, "more than %u entries", CV_SRC_MAX_FILES);
    CV_ENSUREF(path.len <= CV_SRC_MAX_PATH, CV_E_TOO_LARGE, "path longer than %u bytes",
               CV_SRC_MAX_PATH);
    CV_ENSUREF(t->bytes + len <= CV_SRC_MAX_TOTAL, CV_E_TOO_LARGE,
               "files exceed %u bytes in total", CV_SRC_MAX_TOTAL);
    CV_GUARD(cv_grow_array((void **)&t->v, &t->cap, t->n + 1, sizeof(*t->v), 256, CV_SRC_MAX_FILES));
    uint8_t *p;
    CV_GUARD(bump(t, path.len + 1, &p));
    if (path.len) memcpy(p, path.p, path.len);
    p[path.len] = 0;
    cv_srcent *e = &t->v[t->n++];
    *e = (cv_srcent){ kind, (const char *)p, path.len, NULL, 0, false };
    *out = e;
    return cv_ok();
}

cv_result cv_srctree_add_dir(cv_srctree *t, cv_slice path)
{
    cv_srcent *e;
    return add_entry(t, CV_SRCENT_DIR, path, 0, &e);
}

static cv_result add_file(cv_srctree *t, cv_slice path, const void *data, size_t len, bool exec)
{
    CV_GUARD(index_grow(t));
    cv_srcent *e;
    CV_GUARD(add_entry(t, CV_SRCENT_FILE, path, len, &e));
    if (data != NULL && len > 0) {
        uint8_t *p;
        CV_GUARD(bump(t, len, &p));
        memcpy(p, data, len);
        e->data = p;
    }
    e->len = len;
    e->exec = exec;
    t->bytes += len;
    index_put(t->index, t->index_cap, t->v, t->n - 1);
    t->nfiles++;
    return cv_ok();
}

cv_result cv_srctree_add_file(cv_srctree *t, cv_slice path, const void *data, size_t len,
                              bool exec)
{
    CV_ENSURE(t != NULL && (data != NULL || len == 0) && !t->listing, CV_E_INVALID_ARG);
    t->has_data = true;
    return add_file(t, path, data, len, exec);
}

cv_result cv_srctree_add_listed(cv_srctree *t, cv_slice path, size_t len, bool exec)
{
    CV_ENSURE(t != NULL && !t->has_data, CV_E_INVALID_ARG);
    CV_ENSUREF(len <= CV_SRC_MAX_FILE, CV_E_TOO_LARGE, "file larger than %u bytes", CV_SRC_MAX_FILE);
    t->listing = true;
    return add_file(t, path, NULL, len, exec);
}

bool cv_srctree_is_listing(const cv_srctree *t) { return t->listing; }

size_t cv_srctree_len(const cv_srctree *t) { return t->n; }
const cv_srcent *cv_srctree_at(const cv_srctree *t, size_t i)
{
    return i < t->n ? &t->v[i] : NULL;
}
size_t cv_srctree_files(const cv_srctree *t) { return t->nfiles; }
uint64_t cv_srctree_bytes(const cv_srctree *t) { return t->bytes; }

const cv_srcent *cv_srctree_get(const cv_srctree *t, cv_slice path)
{
    if (t->index_cap == 0) return NULL;
    size_t i = (size_t)fnv(path) & (t->index_cap - 1);
    for (; t->index[i] != 0; i = (i + 1) & (t->index_cap - 1)) {
        const cv_srcent *e = &t->v[t->index[i] - 1];
        if (cv_slice_eq(cv_slice_of(e->path, e->path_len), path)) return e;
    }
    return NULL;
}

/* ---- the tar stream of Go's archive/tar, hashed ---- */

typedef struct {
    uint8_t b[512];
} block;

/* formatter.formatOctal: zero-padded octal, NUL in the last byte. */
static void octal(uint8_t *field, size_t n, uint64_t v)
{
    memset(field, 0, n);
    for (size_t i = n - 1; i-- > 0;) {
        field[i] = (uint8_t)('0' + (v & 7));
        v >>= 3;
    }
}

static void checksum(block *h)
{
    memset(h->b + 148, ' ', 8);
    uint64_t sum = 0;
    for (size_t i = 0; i < 512; i++) sum += h->b[i];
    octal(h->b + 148, 7, sum);
    h->b[155] = ' ';
}

/* The fields Go's templateV7Plus fills; names are set by the caller. */
static void header(block *h, char type, uint64_t mode, uint64_t size, bool dev)
{
    octal(h->b + 100, 8, mode);
    octal(h->b + 108, 8, 0);
    octal(h->b + 116, 8, 0);
    octal(h->b + 124, 12, size);
    octal(h->b + 136, 12, 0);
    h->b[156] = (uint8_t)type;
    memcpy(h->b + 257, "ustar\0" "00", 8);
    if (dev) {
        octal(h->b + 329, 8, 0);
        octal(h->b + 337, 8, 0);
    }
}

static bool ascii(cv_slice s)
{
    for (size_t i = 0; i < s.len; i++)
        if (s.p[i] >= 0x80 || s.p[i] == 0) return false;
    return true;
}

/* splitUSTARPath: a prefix of at most 155 bytes and a name of at most 100,
 * cut at a '/'. */
static bool split_ustar(cv_slice s, size_t *cut)
{
    if (s.len <= 100 || !ascii(s)) return false;
    size_t length = s.len > 156 ? 156 : s.len;
    if (length == s.len && s.p[length - 1] == '/') length--;
    size_t i = length;
    while (i > 0 && s.p[i - 1] != '/') i--;
    if (i == 0) return false;
    size_t slash = i - 1;
    size_t nlen = s.len - slash - 1;
    if (slash == 0 || nlen > 100 || nlen == 0 || slash > 155) return false;
    *cut = slash;
    return true;
}

static void emit(EVP_MD_CTX *c, const block *h) { EVP_DigestUpdate(c, h->b, 512); }

static void pad(EVP_MD_CTX *c, size_t len)
{
    static const uint8_t zero[512];
    if (len % 512) EVP_DigestUpdate(c, zero, 512 - len % 512);
}

/* toASCII: the bytes below 0x80 except NUL, at most cap of them; the
 * full length is returned. */
static size_t to_ascii(uint8_t *out, size_t cap, cv_slice s)
{
    size_t k = 0;
    for (size_t i = 0; i < s.len; i++)
        if (s.p[i] < 0x80 && s.p[i] != 0) {
            if (k < cap) out[k] = s.p[i];
            k++;
        }
    return k;
}

/* formatString of an over-long name: cut at 100 bytes, and a '/' left at
 * the end of the field ends the name before its trailing slashes. */
static void pax_entry_name(uint8_t *field, cv_slice s)
{
    size_t full = to_ascii(field, 100, s);
    if (full > 100 && field[99] == '/') {
        size_t n = 99;
        while (n > 0 && field[n - 1] == '/') n--;
        field[n] = 0;
    }
}

static size_t ndigits(size_t v)
{
    size_t d = 1;
    while (v >= 10) v /= 10, d++;
    return d;
}

/* The 'x' header and record that carry a name USTAR cannot hold. */
static void pax_path(EVP_MD_CTX *c, cv_slice name)
{
    char rec[CV_SRC_MAX_PATH + 32];
    size_t size = name.len + 7; /* ' ', "path", '=', '\n' */
    size += ndigits(size);
    size_t reclen = ndigits(size) + name.len + 7;
    if (reclen != size) size = reclen;
    int n = snprintf(rec, sizeof(rec), "%zu path=%.*s\n", size, (int)name.len,
                     (const char *)name.p);
    size_t dlen = 0;
    for (size_t i = 0; i < name.len; i++)
        if (name.p[i] == '/') dlen = i + 1;
    char hn[CV_SRC_MAX_PATH + 32];
    int m = snprintf(hn, sizeof(hn), "%.*sPaxHeaders.0/%.*s", (int)dlen, (const char *)name.p,
                     (int)(name.len - dlen), (const char *)name.p + dlen);
    block h = { { 0 } };
    size_t k = to_ascii(h.b, 100, cv_slice_of(hn, (size_t)m));
    for (k = k > 100 ? 100 : k; k > 0 && h.b[k - 1] == '/'; k--) h.b[k - 1] = 0;
    header(&h, 'x', 0, (uint64_t)n, false);
    checksum(&h);
    emit(c, &h);
    EVP_DigestUpdate(c, rec, (size_t)n);
    pad(c, (size_t)n);
}

static void entry_header(EVP_MD_CTX *c, const cv_srcent *e)
{
    cv_slice name = cv_slice_of(e->path, e->path_len);
    block h = { { 0 } };
    size_t cut;
    bool dir = e->kind == CV_SRCENT_DIR;
    uint64_t mode = dir ? 0750 : e->exec ? 0700 : 0600;
    if (name.len <= 100 && ascii(name)) {
        memcpy(h.b, name.p, name.len);
    } else if (split_ustar(name, &cut)) {
        memcpy(h.b, name.p + cut + 1, name.len - cut - 1);
        memcpy(h.b + 345, name.p, cut);
    } else {
        pax_path(c, name);
        pax_entry_name(h.b, name);
    }
    header(&h, dir ? '5' : '0', mode, dir ? 0 : e->len, true);
    checksum(&h);
    emit(c, &h);
}

/* OpenSSL's SHA-256 (SHA-NI/AVX2) rather than libsodium's portable one:
 * the whole tree goes through it on every fetch. */
void cv_srctree_digest(const cv_srctree *t, char out[72])
{
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    uint8_t d[32];
    unsigned dl = 0;
    memcpy(out, "sha256:", 8);
    if (c == NULL || EVP_DigestInit_ex(c, EVP_sha256(), NULL) != 1) {
        EVP_MD_CTX_free(c);
        return;
    }
    for (size_t i = 0; i < t->n; i++) {
        const cv_srcent *e = &t->v[i];
        entry_header(c, e);
        if (e->kind == CV_SRCENT_FILE && e->len) {
            EVP_DigestUpdate(c, e->data, e->len);
            pad(c, e->len);
        }
    }
    static const uint8_t zero[1024];
    EVP_DigestUpdate(c, zero, sizeof(zero));
    int ok = EVP_DigestFinal_ex(c, d, &dl);
    EVP_MD_CTX_free(c);
    if (ok != 1 || dl != 32) return;
    cv_hex_encode(out + 7, d, 32);
    out[71] = 0;
}
