/* Artifact trees from a directory or an unfiltered tree (see artifact.h). */
#include "reconcile/source/artifact.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crypto/base/limits.h"
#include "crypto/base/mem.h"
#include "reconcile/source/ignore.h"

/* ---- a directory on disk ---- */

typedef struct {
    cv_srctree *tree;
    cv_buf path; /* relative path of the current entry, "" at the root */
    cv_buf full; /* the same under the directory given */
} dir_reader;

static int by_bytes(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void names_free(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++) free(v[i]);
    free(v);
}

/* The entry names of a directory, sorted (os.ReadDir order). */
static cv_result list_dir(const char *dir, char ***out, size_t *n)
{
    *n = 0;
    DIR *d = opendir(dir);
    CV_ENSUREF(d, errno == ENOENT ? CV_E_NOT_FOUND : CV_E_IO, "%s: %s", dir, strerror(errno));
    char **v = NULL;
    size_t cap = 0;
    cv_result r = cv_ok();
    for (struct dirent *de; cv_is_ok(r) && (de = readdir(d)) != NULL;) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0) continue;
        r = cv_grow_array((void **)&v, &cap, *n + 1, sizeof *v, 16, CV_SRC_MAX_FILES);
        if (!cv_is_ok(r)) r = CV_FAILF(r.err, "%s", dir);
        if (cv_is_ok(r) && (v[*n] = strdup(de->d_name)) == NULL) r = CV_FAIL(CV_E_NOMEM);
        if (cv_is_ok(r)) (*n)++;
    }
    closedir(d);
    if (!cv_is_ok(r)) {
        names_free(v, *n);
        return r;
    }
    if (*n > 1) qsort(v, *n, sizeof *v, by_bytes);
    *out = v;
    return cv_ok();
}

static cv_result read_whole(const char *path, size_t size, uint8_t **out)
{
    CV_ENSUREF(size <= CV_SRC_MAX_FILE, CV_E_TOO_LARGE, "%s exceeds %u bytes", path, CV_SRC_MAX_FILE);
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    CV_ENSUREF(fd >= 0, CV_E_IO, "%s: %s", path, strerror(errno));
    uint8_t *p = malloc(size ? size : 1);
    size_t got = 0;
    while (p && got < size) {
        ssize_t k = read(fd, p + got, size - got);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) break;
        got += (size_t)k;
    }
    close(fd);
    if (p == NULL) return CV_FAIL(CV_E_NOMEM);
    if (got != size) {
        free(p);
        CV_BAILF(CV_E_IO, "%s: changed while being read", path);
    }
    *out = p;
    return cv_ok();
}

static cv_result dir_walk(dir_reader *d, unsigned depth);

static cv_result dir_entry(dir_reader *d, const char *name, unsigned depth)
{
    struct stat st;
    CV_ENSUREF(lstat((const char *)d->full.p, &st) == 0, CV_E_IO, "%s: %s", (const char *)d->full.p,
               strerror(errno));
    if (S_ISDIR(st.st_mode)) {
        if (strcmp(name, ".git") == 0) return cv_ok();
        CV_GUARD(cv_srctree_add_dir(d->tree, cv_slice_of(d->path.p, d->path.len)));
        return dir_walk(d, depth + 1);
    }
    if (!S_ISREG(st.st_mode)) return cv_ok();
    uint8_t *data = NULL;
    CV_GUARD(read_whole((const char *)d->full.p, (size_t)st.st_size, &data));
    cv_result r = cv_srctree_add_file(d->tree, cv_slice_of(d->path.p, d->path.len), data,
                                      (size_t)st.st_size, (st.st_mode & S_IXUSR) != 0);
    free(data);
    return r;
}

/* Append "/name" to both paths (just "name" to the relative one at the
 * root), NUL-terminated; the old lengths are returned for the caller. */
static cv_result push_name(dir_reader *d, const char *name, size_t *old_rel, size_t *old_full)
{
    *old_rel = d->path.len;
    *old_full = d->full.len;
    if (d->path.len) CV_GUARD(cv_buf_add_byte(&d->path, '/'));
    CV_GUARD(cv_buf_add_str(&d->path, name));
    CV_GUARD(cv_buf_nul(&d->path));
    CV_GUARD(cv_buf_add_byte(&d->full, '/'));
    CV_GUARD(cv_buf_add_str(&d->full, name));
    return cv_buf_nul(&d->full);
}

static cv_result dir_walk(dir_reader *d, unsigned depth)
{
    CV_ENSUREF(depth <= CV_SRC_MAX_DEPTH, CV_E_LIMIT, "directories nested deeper than %u",
               CV_SRC_MAX_DEPTH);
    char **names = NULL;
    size_t n = 0;
    CV_GUARD(list_dir((const char *)d->full.p, &names, &n));
    cv_result r = cv_ok();
    for (size_t i = 0; i < n && cv_is_ok(r); i++) {
        size_t old_rel, old_full;
        r = push_name(d, names[i], &old_rel, &old_full);
        if (cv_is_ok(r)) r = dir_entry(d, names[i], depth);
        d->path.len = old_rel;
        d->full.len = old_full;
        if (cv_is_ok(r)) r = cv_buf_nul(&d->full);
    }
    names_free(names, n);
    return r;
}

cv_result cv_srctree_from_dir(const char *dir, cv_srctree **out)
{
    dir_reader d = { 0 };
    cv_buf_init(&d.path, CV_SRC_MAX_PATH);
    cv_buf_init(&d.full, 2 * CV_SRC_MAX_PATH);
    cv_result r = cv_buf_add_str(&d.full, dir);
    if (cv_is_ok(r)) r = cv_buf_nul(&d.full);
    if (cv_is_ok(r)) r = cv_srctree_new(&d.tree);
    if (cv_is_ok(r)) r = cv_srctree_add_dir(d.tree, cv_slice_str("."));
    if (cv_is_ok(r)) r = dir_walk(&d, 0);
    cv_buf_release(&d.path);
    cv_buf_release(&d.full);
    if (!cv_is_ok(r)) {
        cv_srctree_free(&d.tree);
        return r;
    }
    *out = d.tree;
    return cv_ok();
}

/* ---- the filter ---- */

/* The directory part of an entry's path ("" at the root). */
static cv_slice dir_of(const cv_srcent *e)
{
    const char *slash = memrchr(e->path, '/', e->path_len);
    return cv_slice_of(e->path, slash ? (size_t)(slash - e->path) : 0);
}

static bool is_ignore_file(const cv_srcent *e)
{
    cv_slice d = dir_of(e);
    const char *base = e->path + d.len + (d.len ? 1 : 0);
    return e->kind == CV_SRCENT_FILE && strcmp(base, ".sourceignore") == 0;
}

/* Directory order of LoadIgnorePatterns: a directory before everything
 * below it, siblings by name bytes; that is, compared component by
 * component, with the end of a component below every byte. */
static int by_domain(const void *a, const void *b)
{
    cv_slice x = dir_of(*(const cv_srcent *const *)a), y = dir_of(*(const cv_srcent *const *)b);
    for (size_t i = 0;; i++) {
        int cx = i < x.len ? (x.p[i] == '/' ? 0 : x.p[i] + 1) : -1;
        int cy = i < y.len ? (y.p[i] == '/' ? 0 : y.p[i] + 1) : -1;
        if (cx != cy || cx < 0) return cx - cy;
    }
}

static cv_result user_patterns(const cv_srctree *raw, const char *ignore, cv_ignore *ig)
{
    size_t n = cv_srctree_len(raw), m = 0;
    const cv_srcent **files = malloc((n ? n : 1) * sizeof *files);
    CV_ENSURE(files, CV_E_NOMEM);
    for (size_t i = 0; i < n; i++)
        if (is_ignore_file(cv_srctree_at(raw, i))) files[m++] = cv_srctree_at(raw, i);
    qsort(files, m, sizeof *files, by_domain);
    cv_result r = cv_ok();
    for (size_t i = 0; i < m && cv_is_ok(r); i++)
        r = cv_ignore_read(ig, cv_slice_of(files[i]->data, files[i]->len), dir_of(files[i]));
    free(files);
    if (cv_is_ok(r) && ignore) r = cv_ignore_read(ig, cv_slice_str(ignore), cv_slice_of("", 0));
    return r;
}

typedef struct {
    cv_srctree *out;
    cv_slice stack[CV_SRC_MAX_DEPTH + 2]; /* kept directories above the current entry */
    size_t depth;
} keeper;

static bool is_parent(cv_slice dir, cv_slice path)
{
    return path.len > dir.len && memcmp(path.p, dir.p, dir.len) == 0 && path.p[dir.len] == '/';
}

static cv_result push_dir(keeper *k, cv_slice path)
{
    CV_ENSUREF(k->depth < CV_SRC_MAX_DEPTH + 2, CV_E_LIMIT, "directories nested deeper than %u",
               CV_SRC_MAX_DEPTH);
    CV_GUARD(cv_srctree_add_dir(k->out, path));
    const cv_srcent *e = cv_srctree_at(k->out, cv_srctree_len(k->out) - 1);
    k->stack[k->depth++] = cv_slice_of(e->path, e->path_len);
    return cv_ok();
}

/* Add the directories above path that are not in the output yet. */
static cv_result add_parents(keeper *k, cv_slice path)
{
    while (k->depth > 0 && !is_parent(k->stack[k->depth - 1], path)) k->depth--;
    size_t from = k->depth ? k->stack[k->depth - 1].len + 1 : 0;
    for (size_t i = from; i < path.len; i++)
        if (path.p[i] == '/') CV_GUARD(push_dir(k, cv_slice_of(path.p, i)));
    return cv_ok();
}

static cv_result keep(keeper *k, const cv_srcent *e)
{
    cv_slice path = cv_slice_of(e->path, e->path_len);
    CV_GUARD(add_parents(k, path));
    if (e->kind == CV_SRCENT_DIR) return push_dir(k, path);
    return cv_srctree_add_file(k->out, path, e->data, e->len, e->exec);
}

static cv_result filter_into(const cv_srctree *raw, const cv_ignore *filter, cv_srctree *out)
{
    keeper k = { .out = out };
    CV_GUARD(cv_srctree_add_dir(out, cv_slice_str(".")));
    for (size_t i = 0; i < cv_srctree_len(raw); i++) {
        const cv_srcent *e = cv_srctree_at(raw, i);
        if (strcmp(e->path, ".") == 0) continue;
        if (!cv_ignore_match(filter, cv_slice_of(e->path, e->path_len), e->kind == CV_SRCENT_DIR))
            CV_GUARD(keep(&k, e));
    }
    return cv_ok();
}

cv_result cv_srctree_artifact(const cv_srctree *raw, const char *ignore, cv_srctree **out)
{
    cv_ignore *user = NULL, *filter = NULL;
    cv_srctree *t = NULL;
    cv_result r = cv_ignore_new(&user);
    if (cv_is_ok(r)) r = user_patterns(raw, ignore, user);
    if (cv_is_ok(r)) r = cv_ignore_new(&filter);
    if (cv_is_ok(r)) r = cv_ignore_add_flux_defaults(filter, cv_ignore_count(user) == 0);
    if (cv_is_ok(r)) r = cv_ignore_append(filter, user);
    if (cv_is_ok(r)) r = cv_srctree_new(&t);
    if (cv_is_ok(r)) r = filter_into(raw, filter, t);
    cv_ignore_free(&user);
    cv_ignore_free(&filter);
    if (!cv_is_ok(r)) {
        cv_srctree_free(&t);
        return r;
    }
    *out = t;
    return cv_ok();
}
