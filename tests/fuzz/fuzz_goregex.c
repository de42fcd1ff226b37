/* Go regexp translator: input = pattern, NUL, subject. Whatever compiles
 * must match without crashing; failures must carry a known code. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "secrets/sops/regex.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4096) return 0;
    const uint8_t *nul = memchr(data, 0, size);
    size_t plen = nul ? (size_t)(nul - data) : size;
    cv_goregex *re = NULL;
    cv_result r = cv_goregex_compile_n((const char *)data, plen, &re);
    if (!cv_is_ok(r)) {
        if (r.err != CV_E_REGEX && r.err != CV_E_UNSUPPORTED && r.err != CV_E_LIMIT &&
            r.err != CV_E_TOO_LARGE)
            abort();
        return 0;
    }
    const uint8_t *subj = nul ? nul + 1 : data;
    size_t slen = nul ? size - plen - 1 : size;
    (void)cv_goregex_match(re, subj, slen);
    cv_goregex_free(&re);
    return 0;
}
