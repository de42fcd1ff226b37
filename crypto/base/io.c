#include "crypto/base/io.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crypto/base/limits.h"

cv_result cv_src_read_full(cv_src *s, uint8_t *buf, size_t n, size_t *got)
{
    size_t total = 0;
    while (total < n) {
        size_t g = 0;
        CV_GUARD(cv_src_read(s, buf + total, n - total, &g));
        if (g == 0) break;
        total += g;
    }
    *got = total;
    return cv_ok();
}

cv_result cv_src_read_all(cv_src *s, cv_buf *b)
{
    for (;;) {
        size_t room = b->max - b->len, g = 0;
        if (room == 0) {
            uint8_t probe;
            CV_GUARD(cv_src_read(s, &probe, 1, &g));
            CV_ENSUREF(g == 0, CV_E_TOO_LARGE, "limit of %zu bytes", b->max);
            return cv_ok();
        }
        size_t want = room < 65536 ? room : 65536;
        /* Fill what is already allocated first (a caller that sized the
         * buffer to the file needs no further growth to see the end). */
        size_t spare = b->cap > b->len + 1 ? b->cap - b->len - 1 : 0;
        if (spare == 0) CV_GUARD(cv_buf_reserve(b, want));
        else if (spare < want) want = spare;
        CV_GUARD(cv_src_read(s, b->p + b->len, want, &g));
        if (g == 0) return cv_ok();
        b->len += g;
    }
}

static cv_result fd_read(cv_src *s, uint8_t *buf, size_t n, size_t *got)
{
    cv_fd_src *f = (cv_fd_src *)s;
    for (;;) {
        ssize_t r = read(f->fd, buf, n);
        if (r >= 0) {
            *got = (size_t)r;
            return cv_ok();
        }
        if (errno != EINTR) CV_BAILF(CV_E_IO, "read: %s", strerror(errno));
    }
}

void cv_fd_src_init(cv_fd_src *s, int fd)
{
    s->src.read = fd_read;
    s->src.ctx = NULL;
    s->fd = fd;
}

static cv_result fd_write(cv_sink *s, const uint8_t *buf, size_t n)
{
    cv_fd_sink *f = (cv_fd_sink *)s;
    while (n > 0) {
        ssize_t w = write(f->fd, buf, n);
        if (w < 0 && errno == EINTR) continue;
        if (w < 0) CV_BAILF(CV_E_IO, "write: %s", strerror(errno));
        buf += w;
        n -= (size_t)w;
    }
    return cv_ok();
}

void cv_fd_sink_init(cv_fd_sink *s, int fd)
{
    s->sink.write = fd_write;
    s->sink.ctx = NULL;
    s->fd = fd;
}

static cv_result mem_read(cv_src *s, uint8_t *buf, size_t n, size_t *got)
{
    cv_mem_src *m = (cv_mem_src *)s;
    size_t left = cv_reader_left(&m->r);
    size_t take = n < left ? n : left;
    if (take) memcpy(buf, m->r.p + m->r.pos, take);
    m->r.pos += take;
    *got = take;
    return cv_ok();
}

void cv_mem_src_init(cv_mem_src *s, cv_slice data)
{
    s->src.read = mem_read;
    s->src.ctx = NULL;
    s->r = cv_reader_of(data);
}

static cv_result buf_write(cv_sink *s, const uint8_t *p, size_t n)
{
    return cv_buf_add(((cv_buf_sink *)s)->buf, p, n);
}

void cv_buf_sink_init(cv_buf_sink *s, cv_buf *buf)
{
    s->sink.write = buf_write;
    s->sink.ctx = NULL;
    s->buf = buf;
}

static cv_result prefix_read(cv_src *s, uint8_t *buf, size_t n, size_t *got)
{
    cv_prefix_src *p = (cv_prefix_src *)s;
    size_t left = p->prefix.len - p->pos;
    if (left == 0) return cv_src_read(p->inner, buf, n, got);
    size_t take = n < left ? n : left;
    memcpy(buf, p->prefix.p + p->pos, take);
    p->pos += take;
    *got = take;
    return cv_ok();
}

cv_result cv_prefix_src_init(cv_prefix_src *s, cv_src *inner, const uint8_t *p, size_t n)
{
    s->src.read = prefix_read;
    s->src.ctx = NULL;
    s->inner = inner;
    s->pos = 0;
    /* Wiped on release: a prefix may be plaintext. */
    cv_buf_init_secret(&s->prefix, n ? n : 1);
    return cv_buf_add(&s->prefix, p, n);
}

void cv_prefix_src_release(cv_prefix_src *s) { cv_buf_release(&s->prefix); }

cv_result cv_mkdirs_private(const char *dir)
{
    char p[4096];
    size_t n = strlen(dir);
    CV_ENSUREF(n > 0 && n < sizeof(p), CV_E_TOO_LARGE, "directory path too long");
    memcpy(p, dir, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (p[i] != '/' && p[i] != 0) continue;
        char c = p[i];
        p[i] = 0;
        if (mkdir(p, 0700) != 0 && errno != EEXIST)
            CV_BAILF(CV_E_IO, "cannot create %s: %s", p, strerror(errno));
        p[i] = c;
    }
    return cv_ok();
}

static bool write_all(int fd, cv_slice data)
{
    for (size_t off = 0; off < data.len;) {
        ssize_t n = write(fd, data.p + off, data.len - off);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        off += (size_t)n;
    }
    return true;
}

cv_result cv_write_private_file(const char *path, cv_slice data)
{
    char tmp[4200];
    int n = snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path);
    CV_ENSUREF(n > 0 && (size_t)n < sizeof(tmp), CV_E_TOO_LARGE, "path too long");
    int fd = mkstemp(tmp); /* mode 0600 */
    CV_ENSUREF(fd >= 0, CV_E_IO, "%s: %s", path, strerror(errno));
    bool ok = write_all(fd, data) && fsync(fd) == 0;
    int saved = errno;
    ok = close(fd) == 0 && ok;
    if (ok && rename(tmp, path) == 0) return cv_ok();
    saved = saved ? saved : errno;
    unlink(tmp);
    CV_BAILF(CV_E_IO, "%s: cannot write: %s", path, strerror(saved));
}
