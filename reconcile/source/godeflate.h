/* Go's compress/flate and compress/gzip writers, reproduced byte for byte.
 *
 * Flux's status.artifact.digest is the sha256 of a .tar.gz that
 * source-controller writes with gzip.NewWriter (DefaultCompression, i.e.
 * flate level 6, no name, zero mtime, OS 255). Any other deflate (zlib,
 * libdeflate) yields different bytes, so this module reproduces the
 * behaviour of Go 1.26's compress/flate compressor for the lazy-matching
 * levels 4..9: its 17-bit hash of 4 bytes, hash chains over a 32 KiB
 * window slid inside a 64 KiB buffer, lazy match evaluation, blocks of at
 * most 16384 tokens, the per-block choice between stored, fixed and
 * dynamic Huffman coding, its length-limited Huffman code construction
 * and code-length run-length coding, and the empty final stored block
 * that Close appends. The output depends on how the input is split into
 * writes only in a rare window-slide corner case, so a caller that must
 * match Go exactly writes in the same pieces Go's writer sees (see
 * reconcile/source/tree.c: archive/tar's writes through io.Copy).
 *
 * Streaming: memory is fixed (about 800 KiB per writer, whatever the
 * input size); output goes to a sink callback in pieces as it is made.
 *
 * Ownership: cv_godeflate_new gives the caller a writer that
 * cv_godeflate_free releases (NULL-safe, sets *z to NULL). Writes after
 * close are ignored.
 *
 * Errors: new: CV_E_INVALID_ARG for a level outside 4..9, CV_E_NOMEM.
 * write and close cannot fail (the sink cannot report failure). */
#ifndef CV_SOURCE_GODEFLATE_H
#define CV_SOURCE_GODEFLATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto/base/err.h"

/* Receives the compressed bytes in order. */
typedef void (*cv_godeflate_sink)(void *ctx, const uint8_t *p, size_t n);

typedef struct cv_godeflate cv_godeflate;

/* gzip = true wraps the deflate stream as gzip.Writer does (10-byte header
 * 1f 8b 08 00 00000000 XFL ff, then CRC-32 and size mod 2^32); false
 * gives the raw deflate stream of flate.NewWriter. */
cv_result cv_godeflate_new(cv_godeflate **out, int level, bool gzip, cv_godeflate_sink sink,
                           void *ctx) CV_MUST_USE;
void cv_godeflate_write(cv_godeflate *z, const void *p, size_t n) CV_NONNULL;
/* Flushes everything and writes the final block (and gzip trailer). */
void cv_godeflate_close(cv_godeflate *z) CV_NONNULL;
void cv_godeflate_free(cv_godeflate **z);

#define CV_GODEFLATE_DEFAULT 6

#endif
