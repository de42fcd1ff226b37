/* Armor reader on hostile input. The first byte picks the read size, so
 * every path of the line and fast-line decoders is reached. Whatever
 * decodes must survive a write/read round trip unchanged, and detection
 * must never look past its window. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/age/armor.h"
#include "crypto/base/limits.h"

static cv_result decode(cv_slice in, size_t chunk, cv_buf *out)
{
    cv_mem_src m;
    cv_age_armor_reader r;
    uint8_t buf[4096];
    cv_result res = cv_ok();
    cv_mem_src_init(&m, in);
    cv_age_armor_reader_init(&r, &m.src);
    for (;;) {
        size_t got = 0;
        res = cv_src_read(&r.src, buf, chunk, &got);
        if (!cv_is_ok(res) || got == 0) break;
        if (got > chunk) abort();
        res = cv_buf_add(out, buf, got);
        if (!cv_is_ok(res)) break;
    }
    cv_age_armor_reader_release(&r);
    return res;
}

static void round_trip(const cv_buf *plain)
{
    cv_buf text, again;
    cv_buf_sink sink;
    cv_age_armor_writer w;
    cv_buf_init(&text, (size_t)16 << 20);
    cv_buf_init(&again, (size_t)16 << 20);
    cv_buf_sink_init(&sink, &text);
    cv_age_armor_writer_init(&w, &sink.sink);
    if (!cv_is_ok(cv_sink_write(&w.sink, plain->p, plain->len))) abort();
    if (!cv_is_ok(cv_age_armor_writer_finish(&w))) abort();
    cv_age_armor_writer_release(&w);
    if (!cv_age_is_armored(cv_buf_slice(&text))) abort();
    if (!cv_is_ok(decode(cv_buf_slice(&text), 4096, &again))) abort();
    if (again.len != plain->len || (plain->len && memcmp(again.p, plain->p, plain->len)))
        abort();
    cv_buf_release(&text);
    cv_buf_release(&again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0) return 0;
    size_t chunk = 1 + (size_t)data[0] * 16;
    cv_slice in = cv_slice_of(data + 1, size - 1);
    size_t window = CV_AGE_ARMOR_MAX_WS + sizeof(CV_AGE_ARMOR_BEGIN) - 1;
    bool whole = cv_age_is_armored(in);
    if (in.len > window && whole != cv_age_is_armored(cv_slice_of(in.p, window))) abort();
    cv_buf out;
    cv_buf_init(&out, (size_t)16 << 20);
    cv_result r = decode(in, chunk, &out);
    if (!cv_is_ok(r) && r.err != CV_E_AGE_ARMOR) abort();
    if (cv_is_ok(r)) round_trip(&out);
    cv_buf_release(&out);
    return 0;
}
