/* bech32: whatever decodes must re-encode to exactly the input (the
 * encoding is canonical), and nothing may crash or over-read. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/base/enc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char hrp[128];
    uint8_t out[4096];
    size_t n = 0;
    if (size > 8192) return 0;
    cv_slice in = cv_slice_of(data, size);
    if (!cv_is_ok(cv_bech32_decode(in, hrp, sizeof(hrp), out, sizeof(out), &n))) return 0;
    bool upper = false;
    for (size_t i = 0; i < size; i++) upper |= data[i] >= 'A' && data[i] <= 'Z';
    cv_buf b;
    cv_buf_init(&b, 16384);
    if (!cv_is_ok(cv_bech32_encode(&b, hrp, out, n, upper))) abort();
    if (b.len != size || memcmp(b.p, data, size) != 0) abort();
    cv_buf_release(&b);
    return 0;
}
