/* File access over disk or an in-memory source tree (see fs.h). */
#include "reconcile/kustomize/fs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crypto/base/limits.h"
#include "crypto/base/mem.h"

#define KZFS_BUCKETS 1024u

typedef struct cached {
    struct cached *next;
    char *path;
    uint8_t *data;
    size_t len;
} cached;

/* A decrypted stand-in for one file (plaintext: wiping memory). */
typedef struct overlay {
    struct overlay *next;
    char *path;
    cv_buf plain;
} overlay;

struct cv_kzfs {
    const cv_srctree *tree; /* NULL: disk */
    cached *buckets[KZFS_BUCKETS];
    overlay *overlays; /* a handful per build at most: a list */
};

static size_t hash_path(const char *p)
{
    uint32_t h = 2166136261u;
    for (; *p; p++) h = (h ^ (uint8_t)*p) * 16777619u;
    return h % KZFS_BUCKETS;
}

static cv_result fs_new(const cv_srctree *t, cv_kzfs **out)
{
    cv_kzfs *fs = calloc(1, sizeof *fs);
    CV_ENSURE(fs, CV_E_NOMEM);
    fs->tree = t;
    *out = fs;
    return cv_ok();
}

cv_result cv_kzfs_disk(cv_kzfs **out) { return fs_new(NULL, out); }

cv_result cv_kzfs_tree(const cv_srctree *t, cv_kzfs **out) { return fs_new(t, out); }

cv_result cv_kzfs_overlay(cv_kzfs *fs, const char *path, cv_slice plain)
{
    overlay *o = calloc(1, sizeof *o);
    CV_ENSURE(o, CV_E_NOMEM);
    cv_buf_init_secret(&o->plain, CV_KZ_MAX_FILE);
    o->path = strdup(path);
    cv_result r = o->path ? cv_buf_add(&o->plain, plain.p, plain.len) : CV_FAIL(CV_E_NOMEM);
    if (!cv_is_ok(r)) {
        cv_buf_release(&o->plain);
        free(o->path);
        free(o);
        return r;
    }
    o->next = fs->overlays;
    fs->overlays = o;
    return cv_ok();
}

void cv_kzfs_overlay_clear(cv_kzfs *fs)
{
    for (overlay *o = fs->overlays, *nx; o; o = nx) {
        nx = o->next;
        cv_buf_release(&o->plain);
        free(o->path);
        free(o);
    }
    fs->overlays = NULL;
}

static const overlay *overlay_get(const cv_kzfs *fs, const char *path)
{
    for (const overlay *o = fs->overlays; o; o = o->next)
        if (strcmp(o->path, path) == 0) return o;
    return NULL;
}

bool cv_kzfs_overlaid(const cv_kzfs *fs, const char *path) { return overlay_get(fs, path) != NULL; }

void cv_kzfs_free(cv_kzfs **fs)
{
    if (!fs || !*fs) return;
    cv_kzfs_overlay_clear(*fs);
    for (size_t i = 0; i < KZFS_BUCKETS; i++) {
        for (cached *c = (*fs)->buckets[i], *nx; c; c = nx) {
            nx = c->next;
            free(c->path);
            free(c->data);
            free(c);
        }
    }
    free(*fs);
    *fs = NULL;
}

/* ---- paths ---- */

static cv_result push_seg(char *out, size_t *len, const char *seg, size_t n, bool abs)
{
    if (n == 1 && seg[0] == '.') return cv_ok();
    if (n == 2 && seg[0] == '.' && seg[1] == '.') {
        /* Fold onto the previous segment unless it is itself "..". */
        size_t start = *len;
        while (start > 0 && out[start - 1] != '/') start--;
        bool prev_up = *len - start == 2 && out[start] == '.' && out[start + 1] == '.';
        if (*len > (abs ? 1u : 0u) && !prev_up) {
            *len = start > (abs ? 1u : 0u) ? start - 1 : start;
            return cv_ok();
        }
        if (abs) return cv_ok(); /* "/.." is "/" */
    }
    CV_ENSURE(*len + n + 2 < CV_KZ_MAX_PATH, CV_E_TOO_LARGE);
    if (*len > 0 && out[*len - 1] != '/') out[(*len)++] = '/';
    memcpy(out + *len, seg, n);
    *len += n;
    return cv_ok();
}

static cv_result push_path(char *out, size_t *len, const char *p, bool abs)
{
    while (*p) {
        const char *e = strchr(p, '/');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        if (n > 0) CV_GUARD(push_seg(out, len, p, n, abs));
        p += n;
        if (*p == '/') p++;
    }
    return cv_ok();
}

cv_result cv_kzfs_join(const char *dir, const char *rel, char **out)
{
    char buf[CV_KZ_MAX_PATH];
    size_t len = 0;
    bool abs = rel[0] == '/' || (dir[0] == '/');
    if (abs) buf[len++] = '/';
    if (rel[0] != '/') CV_GUARD(push_path(buf, &len, dir, abs));
    CV_GUARD(push_path(buf, &len, rel, abs));
    if (len == 0) buf[len++] = '.';
    buf[len] = '\0';
    *out = strdup(buf);
    CV_ENSURE(*out, CV_E_NOMEM);
    return cv_ok();
}

cv_result cv_kzfs_dir(const char *path, char **out)
{
    const char *slash = strrchr(path, '/');
    if (!slash) *out = strdup(".");
    else if (slash == path) *out = strdup("/");
    else *out = strndup(path, (size_t)(slash - path));
    CV_ENSURE(*out, CV_E_NOMEM);
    return cv_ok();
}

/* ---- tree backend ---- */

static const cv_srcent *tree_find(const cv_srctree *t, const char *path)
{
    size_t n = cv_srctree_len(t), plen = strlen(path);
    for (size_t i = 0; i < n; i++) {
        const cv_srcent *e = cv_srctree_at(t, i);
        if (e->path_len == plen && memcmp(e->path, path, plen) == 0) return e;
    }
    return NULL;
}

static cv_kzfs_kind tree_stat(const cv_srctree *t, const char *path)
{
    if (strcmp(path, ".") == 0) return CV_KZFS_DIR;
    const cv_srcent *e = cv_srctree_get(t, cv_slice_str(path));
    if (e) return CV_KZFS_FILE;
    e = tree_find(t, path);
    return e && e->kind == CV_SRCENT_DIR ? CV_KZFS_DIR : CV_KZFS_NONE;
}

/* ---- disk backend ---- */

static cv_result disk_read(const char *path, uint8_t **data, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT || errno == ENOTDIR) CV_BAILF(CV_E_NOT_FOUND, "%s", path);
        CV_BAILF(CV_E_IO, "%s: %s", path, strerror(errno));
    }
    cv_buf b;
    cv_buf_init(&b, CV_KZ_MAX_FILE);
    cv_result r = cv_ok();
    for (;;) {
        CV_GUARD_GOTO(r, cv_buf_reserve(&b, 65536), out);
        ssize_t got = read(fd, b.p + b.len, b.cap - b.len);
        if (got < 0 && errno == EINTR) continue;
        CV_ENSURE_GOTO(r, got >= 0, CV_E_IO, out);
        if (got == 0) break;
        b.len += (size_t)got;
    }
    *data = cv_buf_take(&b, len);
out:
    close(fd);
    cv_buf_release(&b);
    if (cv_is(r, CV_E_TOO_LARGE)) return CV_FAILF(CV_E_TOO_LARGE, "%s", path);
    return r;
}

static cv_kzfs_kind disk_stat(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0) return CV_KZFS_NONE;
    if (S_ISDIR(st.st_mode)) return CV_KZFS_DIR;
    return S_ISREG(st.st_mode) ? CV_KZFS_FILE : CV_KZFS_NONE;
}

/* ---- interface ---- */

cv_kzfs_kind cv_kzfs_stat(cv_kzfs *fs, const char *path)
{
    return fs->tree ? tree_stat(fs->tree, path) : disk_stat(path);
}

cv_result cv_kzfs_read(cv_kzfs *fs, const char *path, cv_slice *out)
{
    const overlay *o = overlay_get(fs, path);
    if (o) {
        *out = cv_slice_of(o->plain.p ? o->plain.p : (const uint8_t *)"", o->plain.len);
        return cv_ok();
    }
    if (fs->tree) {
        const cv_srcent *e = cv_srctree_get(fs->tree, cv_slice_str(path));
        CV_ENSUREF(e, CV_E_NOT_FOUND, "%s", path);
        *out = cv_slice_of(e->data ? e->data : (const uint8_t *)"", e->len);
        return cv_ok();
    }
    size_t h = hash_path(path);
    for (cached *c = fs->buckets[h]; c; c = c->next) {
        if (strcmp(c->path, path) == 0) {
            *out = cv_slice_of(c->data ? c->data : (const uint8_t *)"", c->len);
            return cv_ok();
        }
    }
    cached *c = calloc(1, sizeof *c);
    CV_ENSURE(c, CV_E_NOMEM);
    c->path = strdup(path);
    cv_result r = c->path ? disk_read(path, &c->data, &c->len) : CV_FAIL(CV_E_NOMEM);
    if (!cv_is_ok(r)) {
        free(c->path);
        free(c);
        return r;
    }
    c->next = fs->buckets[h];
    fs->buckets[h] = c;
    *out = cv_slice_of(c->data ? c->data : (const uint8_t *)"", c->len);
    return cv_ok();
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static cv_result names_add(char ***names, size_t *n, size_t *cap, const char *s, size_t len)
{
    CV_GUARD(cv_grow_array((void **)names, cap, *n + 1, sizeof **names, 16, CV_SRC_MAX_FILES));
    (*names)[*n] = strndup(s, len);
    CV_ENSURE((*names)[*n], CV_E_NOMEM);
    (*n)++;
    return cv_ok();
}

static cv_result tree_list(const cv_srctree *t, const char *dir, char ***names, size_t *n,
                           size_t *cap)
{
    bool root = strcmp(dir, ".") == 0;
    size_t dlen = root ? 0 : strlen(dir);
    for (size_t i = 0; i < cv_srctree_len(t); i++) {
        const cv_srcent *e = cv_srctree_at(t, i);
        if (!root && (e->path_len <= dlen + 1 || memcmp(e->path, dir, dlen) != 0 ||
                      e->path[dlen] != '/'))
            continue;
        const char *name = e->path + (root ? 0 : dlen + 1);
        if (strcmp(e->path, ".") == 0 || strchr(name, '/')) continue;
        CV_GUARD(names_add(names, n, cap, name, strlen(name)));
    }
    return cv_ok();
}

static cv_result disk_list(const char *dir, char ***names, size_t *n, size_t *cap)
{
    DIR *d = opendir(dir);
    CV_ENSUREF(d, errno == ENOENT ? CV_E_NOT_FOUND : CV_E_IO, "%s", dir);
    cv_result r = cv_ok();
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0) continue;
        CV_GUARD_GOTO(r, names_add(names, n, cap, de->d_name, strlen(de->d_name)), out);
    }
out:
    closedir(d);
    return r;
}

cv_result cv_kzfs_list(cv_kzfs *fs, const char *dir, char ***names, size_t *n)
{
    *names = NULL;
    *n = 0;
    size_t cap = 0;
    cv_result r = fs->tree ? tree_list(fs->tree, dir, names, n, &cap)
                           : disk_list(dir, names, n, &cap);
    if (!cv_is_ok(r)) {
        cv_kzfs_names_free(*names, *n);
        *names = NULL;
        *n = 0;
        return r;
    }
    if (*n > 1) qsort(*names, *n, sizeof **names, cmp_names);
    return cv_ok();
}

void cv_kzfs_names_free(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++) free(names[i]);
    free(names);
}
