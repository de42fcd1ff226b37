/* Go's deflate/gzip port (reconcile/source/godeflate.c): arbitrary input,
 * written in pieces whose sizes the input chooses, at the level it
 * chooses, must come back unchanged through zlib's inflate (which also
 * checks the gzip CRC-32 and size). Nothing may crash or over-read. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "reconcile/source/godeflate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct {
    uint8_t *p;
    size_t n, cap;
} out_buf;

static void collect(void *ctx, const uint8_t *p, size_t n)
{
    out_buf *o = ctx;
    if (o->n + n > o->cap) {
        o->cap = (o->n + n) * 2;
        o->p = realloc(o->p, o->cap);
        if (o->p == NULL) abort();
    }
    memcpy(o->p + o->n, p, n);
    o->n += n;
}

static void check(const out_buf *o, const uint8_t *in, size_t n, bool gzip)
{
    uint8_t *back = malloc(n + 1);
    z_stream s;
    memset(&s, 0, sizeof(s));
    if (back == NULL || inflateInit2(&s, gzip ? 16 + 15 : -15) != Z_OK) abort();
    s.next_in = o->p;
    s.avail_in = (uInt)o->n;
    s.next_out = back;
    s.avail_out = (uInt)(n + 1);
    if (inflate(&s, Z_FINISH) != Z_STREAM_END || s.total_out != n || s.avail_in != 0) abort();
    if (n && memcmp(back, in, n) != 0) abort();
    inflateEnd(&s);
    free(back);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 3 || size > (4u << 20)) return 0;
    int level = 4 + data[0] % 6;
    bool gzip = data[0] & 0x80;
    size_t piece = 1 + (((size_t)data[1] << 8 | data[2]) % 70000);
    data += 3, size -= 3;
    out_buf o = { NULL, 0, 0 };
    cv_godeflate *z = NULL;
    if (!cv_is_ok(cv_godeflate_new(&z, level, gzip, collect, &o))) abort();
    for (size_t off = 0; off < size; off += piece)
        cv_godeflate_write(z, data + off, size - off < piece ? size - off : piece);
    cv_godeflate_close(z);
    cv_godeflate_free(&z);
    check(&o, data, size, gzip);
    free(o.p);
    return 0;
}
