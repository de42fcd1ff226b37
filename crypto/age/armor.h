/* ASCII armor ("-----BEGIN AGE ENCRYPTED FILE-----"), strict PEM as age
 * v1.3 writes and accepts it: padded canonical base64 in 64-column lines,
 * LF or CRLF line ends, up to 1024 bytes of whitespace before BEGIN and after
 * END, no empty lines, no headers, no checksums. Every rejection is
 * CV_E_AGE_ARMOR. Both directions stream. */
#ifndef CV_AGE_ARMOR_H
#define CV_AGE_ARMOR_H

#include <stdbool.h>

#include "crypto/base/io.h"

#define CV_AGE_ARMOR_BEGIN "-----BEGIN AGE ENCRYPTED FILE-----"
#define CV_AGE_ARMOR_END "-----END AGE ENCRYPTED FILE-----"

/* Encoder: a sink that armors what is written to it into `out`; call
 * cv_age_armor_writer_finish once at the end (it writes the BEGIN line too
 * when nothing was written, so empty input gives an empty armored block).
 * Output is staged and handed to `out` in large writes. */
typedef struct {
    cv_sink sink;
    cv_sink *out;
    uint8_t pending[48]; /* input bytes of an incomplete line */
    size_t npending;
    bool started, finished;
    uint8_t *stage;      /* encoded lines waiting to be written (heap) */
    size_t stage_len;
} cv_age_armor_writer;
void cv_age_armor_writer_init(cv_age_armor_writer *w, cv_sink *out);
cv_result cv_age_armor_writer_finish(cv_age_armor_writer *w) CV_MUST_USE;
void cv_age_armor_writer_release(cv_age_armor_writer *w);

/* Decoder: a source that yields the binary bytes of the armored `in`.
 * Bytes decoded before an armor error are delivered first; the error comes
 * with the next read and stays. Read errors of `in` pass through as they
 * are; every armor rule broken is CV_E_AGE_ARMOR. */
typedef struct {
    cv_src src;
    cv_src *in;
    uint8_t *raw;      /* undecoded input (heap) */
    size_t raw_len, raw_pos;
    bool in_eof;
    uint8_t out[64];   /* decoded bytes of a line not yet delivered */
    size_t out_len, out_pos;
    int state;
    cv_err err;        /* sticky failure, and its detail */
    char detail[96];
} cv_age_armor_reader;
void cv_age_armor_reader_init(cv_age_armor_reader *r, cv_src *in);
void cv_age_armor_reader_release(cv_age_armor_reader *r);

/* True if `prefix` (the first bytes of the input) starts, after optional
 * whitespace, with the BEGIN line. Looks at most 1024 + 34 bytes. */
bool cv_age_is_armored(cv_slice prefix);

#endif
