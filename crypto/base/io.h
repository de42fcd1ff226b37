/* Byte sources and sinks: the streaming interface every codec is written
 * against (files, pipes, memory, armor, STREAM). A source's read returns up
 * to n bytes and *got == 0 only at end of input; a sink's write takes all n
 * bytes or fails. Wrappers (armor, peek) own nothing they are given. */
#ifndef CV_BASE_IO_H
#define CV_BASE_IO_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/base/buf.h"

typedef struct cv_src cv_src;
struct cv_src {
    cv_result (*read)(cv_src *s, uint8_t *buf, size_t n, size_t *got);
    void *ctx;
};

typedef struct cv_sink cv_sink;
struct cv_sink {
    cv_result (*write)(cv_sink *s, const uint8_t *buf, size_t n);
    void *ctx;
};

static inline cv_result cv_src_read(cv_src *s, uint8_t *buf, size_t n, size_t *got)
{
    return s->read(s, buf, n, got);
}
static inline cv_result cv_sink_write(cv_sink *s, const uint8_t *buf, size_t n)
{
    return s->write(s, buf, n);
}

/* Read until n bytes or end of input; *got < n only at EOF. */
cv_result cv_src_read_full(cv_src *s, uint8_t *buf, size_t n, size_t *got) CV_MUST_USE;
/* Read everything into b (capped by b's max). */
cv_result cv_src_read_all(cv_src *s, cv_buf *b) CV_MUST_USE;

/* A file descriptor (retries EINTR; never closes it). */
typedef struct {
    cv_src src;
    int fd;
} cv_fd_src;
void cv_fd_src_init(cv_fd_src *s, int fd);

typedef struct {
    cv_sink sink;
    int fd;
} cv_fd_sink;
void cv_fd_sink_init(cv_fd_sink *s, int fd);

/* Memory. */
typedef struct {
    cv_src src;
    cv_reader r;
} cv_mem_src;
void cv_mem_src_init(cv_mem_src *s, cv_slice data);

typedef struct {
    cv_sink sink;
    cv_buf *buf;
} cv_buf_sink;
void cv_buf_sink_init(cv_buf_sink *s, cv_buf *buf);

/* A source with bytes pushed back in front of it (for sniffing a prefix,
 * or for a header reader that over-read). The prefix is copied. */
typedef struct {
    cv_src src;
    cv_src *inner;
    cv_buf prefix;
    size_t pos;
} cv_prefix_src;
cv_result cv_prefix_src_init(cv_prefix_src *s, cv_src *inner, const uint8_t *p, size_t n)
    CV_MUST_USE;
void cv_prefix_src_release(cv_prefix_src *s);

/* mkdir -p with mode 0700 for every directory it creates (caches: private
 * to the user). Errors: CV_E_IO naming the directory, CV_E_TOO_LARGE for a
 * path of 4096 bytes or more. */
cv_result cv_mkdirs_private(const char *dir) CV_MUST_USE CV_NONNULL;

/* Replace the file at path with data, atomically: a temporary file beside
 * it (mode 0600), written in full, fsynced, renamed over path; a reader
 * sees the old file or the new one, never half of it. On failure the
 * temporary file is removed and path is untouched (CV_E_IO naming it). */
cv_result cv_write_private_file(const char *path, cv_slice data) CV_MUST_USE CV_NONNULL;

#endif
