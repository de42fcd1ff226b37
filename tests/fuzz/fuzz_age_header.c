/* age header parser on hostile input. An accepted header must be canonical:
 * the version line and its stanzas re-serialised give back exactly the
 * bytes the MAC covers, and the streaming reader agrees with the in-memory
 * parser on the verdict and the length. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/age/format.h"
#include "crypto/base/limits.h"

static void check_canonical(const cv_age_header *h)
{
    cv_buf b;
    cv_buf_init(&b, CV_AGE_MAX_HEADER * 2);
    if (!cv_is_ok(cv_buf_add_str(&b, CV_AGE_VERSION_LINE "\n"))) abort();
    for (size_t i = 0; i < h->stanzas.n; i++)
        if (!cv_is_ok(cv_age_stanza_write(&b, &h->stanzas.v[i]))) abort();
    if (!cv_is_ok(cv_buf_add_str(&b, "---"))) abort();
    if (b.len != h->mac_input_len || memcmp(b.p, h->raw, b.len) != 0) abort();
    cv_buf_release(&b);
}

static void check_reader(cv_slice in, cv_result parsed, size_t used)
{
    cv_mem_src m;
    cv_age_header h;
    cv_buf rest;
    cv_mem_src_init(&m, in);
    cv_age_header_init(&h);
    cv_buf_init(&rest, CV_AGE_MAX_HEADER + 65536);
    cv_result r = cv_age_header_read(&m.src, &h, &rest);
    if (cv_is_ok(r) != cv_is_ok(parsed)) abort();
    if (cv_is_ok(r) && (h.raw_len != used || rest.len + used != in.len)) abort();
    cv_buf_release(&rest);
    cv_age_header_clear(&h);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cv_age_header h;
    size_t used = 0;
    cv_slice in = cv_slice_of(data, size);
    cv_age_header_init(&h);
    cv_result r = cv_age_header_parse(in, &h, &used);
    if (cv_is_ok(r)) {
        if (used > size || h.raw_len != used || h.mac_input_len > used) abort();
        check_canonical(&h);
    } else if (r.err != CV_E_AGE_HEADER) {
        abort();
    }
    cv_age_header_clear(&h);
    check_reader(in, r, used);
    return 0;
}
