/* Slices, the bounded reader, and the capped growable buffer.
 *
 * cv_slice is a non-owning (ptr, len) view. cv_reader is a cursor over a
 * slice: every read states how much it may consume and fails with
 * CV_E_TRUNCATED instead of running past the end. Parsers of untrusted bytes
 * use these, never NUL-terminated string functions.
 *
 * cv_buf owns a heap block that grows up to a cap fixed at init; growing past
 * the cap fails with CV_E_TOO_LARGE. With wipe set (cv_buf_init_secret) every
 * old block is wiped before it is released, so it may hold bulk plaintext.
 * cv_buf_release frees; cv_buf_take hands the block to the caller. */
#ifndef CV_BASE_BUF_H
#define CV_BASE_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto/base/err.h"

typedef struct {
    const uint8_t *p;
    size_t len;
} cv_slice;

typedef struct {
    const uint8_t *p;
    size_t len;
    size_t pos;
} cv_reader;

typedef struct {
    uint8_t *p;
    size_t len;
    size_t cap;
    size_t max;
    bool wipe;
} cv_buf;

static inline cv_slice cv_slice_of(const void *p, size_t len)
{
    return (cv_slice){ (const uint8_t *)p, len };
}
cv_slice cv_slice_str(const char *s);
bool cv_slice_eq(cv_slice a, cv_slice b);
bool cv_slice_eq_str(cv_slice a, const char *s);
bool cv_slice_starts_with(cv_slice a, const char *prefix);
/* Drop leading/trailing ASCII whitespace (space, tab, CR, LF). */
cv_slice cv_slice_trim(cv_slice a);
/* Write s into out as Go's %q would for ASCII: double quotes, backslash
 * escapes, \xNN for other bytes; truncated (with "...") to fit cap. */
void cv_quote(char *out, size_t cap, cv_slice s);
/* NUL-terminated copy on the heap; caller frees. */
cv_result cv_slice_strdup(cv_slice s, char **out) CV_MUST_USE CV_NONNULL;

static inline cv_reader cv_reader_of(cv_slice s) { return (cv_reader){ s.p, s.len, 0 }; }
static inline size_t cv_reader_left(const cv_reader *r) { return r->len - r->pos; }
static inline bool cv_reader_eof(const cv_reader *r) { return r->pos >= r->len; }
static inline cv_slice cv_reader_rest(const cv_reader *r)
{
    return cv_slice_of(r->p + r->pos, r->len - r->pos);
}

/* Read exactly n bytes. */
cv_result cv_reader_bytes(cv_reader *r, size_t n, cv_slice *out) CV_MUST_USE CV_NONNULL;
cv_result cv_reader_copy(cv_reader *r, void *dst, size_t n) CV_MUST_USE CV_NONNULL;
cv_result cv_reader_u8(cv_reader *r, uint8_t *out) CV_MUST_USE CV_NONNULL;
cv_result cv_reader_be32(cv_reader *r, uint32_t *out) CV_MUST_USE CV_NONNULL;
/* A line up to (not including) LF; the LF is consumed. Fails with
 * CV_E_TRUNCATED when there is no LF, CV_E_TOO_LARGE past max bytes. */
cv_result cv_reader_line(cv_reader *r, cv_slice *line, size_t max) CV_MUST_USE CV_NONNULL;
/* Like cv_reader_line but a final line without LF is accepted. */
cv_result cv_reader_line_opt(cv_reader *r, cv_slice *line, size_t max) CV_MUST_USE CV_NONNULL;
/* Consume `prefix` if the input starts with it. */
bool cv_reader_accept(cv_reader *r, const char *prefix) CV_NONNULL;
/* Peek whether the remaining input starts with `prefix`. */
bool cv_reader_peek(const cv_reader *r, const char *prefix) CV_NONNULL;

/* Parse a decimal u64 with no sign, no leading zero (except "0"), no spaces,
 * and at most `max`. */
cv_result cv_parse_u64(cv_slice s, uint64_t max, uint64_t *out) CV_MUST_USE CV_NONNULL;

void cv_buf_init(cv_buf *b, size_t max) CV_NONNULL;
void cv_buf_init_secret(cv_buf *b, size_t max) CV_NONNULL;
void cv_buf_release(cv_buf *b);
/* Keep the allocation, drop the contents (wiped if secret). */
void cv_buf_reset(cv_buf *b) CV_NONNULL;
cv_result cv_buf_reserve(cv_buf *b, size_t extra) CV_MUST_USE CV_NONNULL;
cv_result cv_buf_add(cv_buf *b, const void *p, size_t n) CV_MUST_USE;
cv_result cv_buf_add_str(cv_buf *b, const char *s) CV_MUST_USE CV_NONNULL;
cv_result cv_buf_add_byte(cv_buf *b, uint8_t c) CV_MUST_USE CV_NONNULL;
cv_result cv_buf_addf(cv_buf *b, const char *fmt, ...) CV_MUST_USE CV_PRINTF(2, 3);
/* Ensure a NUL after the contents (not counted in len). */
cv_result cv_buf_nul(cv_buf *b) CV_MUST_USE CV_NONNULL;
static inline cv_slice cv_buf_slice(const cv_buf *b) { return cv_slice_of(b->p, b->len); }
/* Hand the block to the caller (who frees it with free, or cv_wipe + free
 * when secret); the buffer is left empty. */
uint8_t *cv_buf_take(cv_buf *b, size_t *len) CV_NONNULL;

#endif
