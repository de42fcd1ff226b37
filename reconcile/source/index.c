/* The artifact index (see index.h). */
#include "reconcile/source/index.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crypto/base/enc.h"
#include "crypto/base/io.h"
#include "crypto/base/limits.h"
#include "crypto/prim/hash.h"

#define MAGIC "covert-artifact 1"
/* Per entry: a header line of at most ~60 bytes, the path and its LF. */
#define MAX_INDEX ((size_t)CV_SRC_MAX_FILES * (64 + 1) + (size_t)CV_SRC_MAX_FILES * 256)

cv_result cv_srcindex_path(const char *gitdir, const char *commit, const char *ignore,
                           bool filtered, char **out)
{
    cv_sha256_ctx h;
    cv_sha256_init(&h);
    cv_sha256_update(&h, MAGIC, sizeof(MAGIC));
    cv_sha256_update(&h, commit, strlen(commit) + 1);
    cv_sha256_update(&h, filtered ? "filtered" : "whole", filtered ? 9 : 6);
    if (ignore) cv_sha256_update(&h, ignore, strlen(ignore));
    else cv_sha256_update(&h, "\x01unset", 6);
    uint8_t d[32];
    cv_sha256_final(&h, d);
    char hex[65];
    cv_hex_encode(hex, d, 32);
    hex[64] = 0;
    size_t gl = strlen(gitdir);
    const char *sep = gl && gitdir[gl - 1] == '/' ? "" : "/";
    CV_ENSURE(asprintf(out, "%s%scovert-artifacts/%s", gitdir, sep, hex) >= 0, CV_E_NOMEM);
    return cv_ok();
}

/* ---- reading ---- */

static cv_result number(cv_slice *line, uint64_t max, uint64_t *v)
{
    size_t i = 0;
    while (i < line->len && line->p[i] != ' ') i++;
    CV_GUARD(cv_parse_u64(cv_slice_of(line->p, i), max, v));
    *line = i < line->len ? cv_slice_of(line->p + i + 1, line->len - i - 1) : cv_slice_of("", 0);
    return cv_ok();
}

static cv_result entry_path(cv_reader *r, uint64_t len, cv_slice *path)
{
    CV_ENSUREF(len > 0 && len <= CV_SRC_MAX_PATH, CV_E_SYNTAX, "artifact index: path length");
    CV_GUARD(cv_reader_bytes(r, (size_t)len, path));
    cv_slice lf;
    CV_GUARD(cv_reader_bytes(r, 1, &lf));
    CV_ENSUREF(lf.p[0] == '\n' && memchr(path->p, 0, path->len) == NULL, CV_E_SYNTAX,
               "artifact index: entry");
    return cv_ok();
}

static cv_result entry(cv_reader *r, cv_slice line, cv_srctree *t)
{
    CV_ENSUREF(line.len > 2 && line.p[1] == ' ', CV_E_SYNTAX, "artifact index: entry");
    char kind = (char)line.p[0];
    line = cv_slice_of(line.p + 2, line.len - 2);
    uint64_t exec = 0, size = 0, len;
    if (kind == 'F') {
        CV_GUARD(number(&line, 1, &exec));
        CV_GUARD(number(&line, CV_SRC_MAX_FILE, &size));
    } else {
        CV_ENSUREF(kind == 'D', CV_E_SYNTAX, "artifact index: entry kind");
    }
    CV_GUARD(number(&line, CV_SRC_MAX_PATH, &len));
    CV_ENSUREF(line.len == 0, CV_E_SYNTAX, "artifact index: entry");
    cv_slice path;
    CV_GUARD(entry_path(r, len, &path));
    if (kind == 'D') return cv_srctree_add_dir(t, path);
    return cv_srctree_add_listed(t, path, (size_t)size, exec == 1);
}

static cv_result parse(cv_slice text, cv_srctree *t, char digest[72])
{
    cv_reader r = cv_reader_of(text);
    cv_slice line;
    CV_GUARD(cv_reader_line(&r, &line, 64));
    CV_ENSUREF(cv_slice_eq(line, cv_slice_str(MAGIC)), CV_E_SYNTAX, "artifact index: version");
    CV_GUARD(cv_reader_line(&r, &line, 80));
    CV_ENSUREF(line.len == 71 && memcmp(line.p, "sha256:", 7) == 0, CV_E_SYNTAX,
               "artifact index: digest");
    for (size_t i = 7; i < 71; i++)
        CV_ENSUREF(line.p[i] && strchr("0123456789abcdef", line.p[i]), CV_E_SYNTAX,
                   "artifact index: digest");
    memcpy(digest, line.p, 71);
    digest[71] = 0;
    for (;;) {
        CV_GUARD(cv_reader_line(&r, &line, 80));
        if (cv_slice_eq(line, cv_slice_str("end"))) break;
        CV_GUARD(entry(&r, line, t));
    }
    CV_ENSUREF(cv_reader_eof(&r), CV_E_SYNTAX, "artifact index: data after the end");
    return cv_ok();
}

cv_result cv_srcindex_parse(cv_slice text, cv_srctree **out, char digest[72])
{
    *out = NULL;
    CV_ENSUREF(text.len <= MAX_INDEX, CV_E_TOO_LARGE, "artifact index too large");
    CV_GUARD(cv_srctree_new(out));
    cv_result r = parse(text, *out, digest);
    if (!cv_is_ok(r)) cv_srctree_free(out);
    return r;
}

cv_result cv_srcindex_load(const char *path, cv_srctree **out, char digest[72])
{
    *out = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0 && errno == ENOENT) CV_BAIL(CV_E_NOT_FOUND);
    CV_ENSUREF(fd >= 0, CV_E_IO, "%s: %s", path, strerror(errno));
    cv_fd_src src;
    cv_fd_src_init(&src, fd);
    cv_buf b;
    cv_buf_init(&b, MAX_INDEX);
    cv_result r = cv_src_read_all(&src.src, &b);
    close(fd);
    if (cv_is_ok(r)) r = cv_srcindex_parse(cv_buf_slice(&b), out, digest);
    cv_buf_release(&b);
    return r;
}

/* ---- writing ---- */

static cv_result put_entry(cv_buf *b, const cv_srcent *e)
{
    if (e->kind == CV_SRCENT_DIR) CV_GUARD(cv_buf_addf(b, "D %zu\n", e->path_len));
    else CV_GUARD(cv_buf_addf(b, "F %d %zu %zu\n", e->exec ? 1 : 0, e->len, e->path_len));
    CV_GUARD(cv_buf_add(b, e->path, e->path_len));
    return cv_buf_add_byte(b, '\n');
}

static cv_result render(cv_buf *b, const cv_srctree *t, const char digest[72])
{
    CV_GUARD(cv_buf_addf(b, "%s\n%s\n", MAGIC, digest));
    for (size_t i = 0; i < cv_srctree_len(t); i++) CV_GUARD(put_entry(b, cv_srctree_at(t, i)));
    return cv_buf_add_str(b, "end\n");
}

cv_result cv_srcindex_store(const char *path, const cv_srctree *t, const char digest[72])
{
    const char *slash = strrchr(path, '/');
    CV_ENSURE(slash != NULL && (size_t)(slash - path) < 4096, CV_E_INVALID_ARG);
    char dir[4096];
    snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
    CV_GUARD(cv_mkdirs_private(dir));
    cv_buf b;
    cv_buf_init(&b, MAX_INDEX);
    cv_result r = render(&b, t, digest);
    if (cv_is_ok(r)) r = cv_write_private_file(path, cv_buf_slice(&b));
    cv_buf_release(&b);
    return r;
}
