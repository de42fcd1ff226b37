/* Flux envsubst: input = one flag byte (bit 0: strict), then the text.
 * Variables: a fixed set with ASCII, Unicode, empty, numeric and invalid
 * UTF-8 values; anything else is undefined. Failures must carry a known
 * code, and only strict mode may report an undefined variable. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/base/buf.h"
#include "reconcile/flux/envsubst.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const vars[][2] = {
    { "A", "hello" }, { "E", "" },          { "N", "\xc3\x84" "b\xc3\x87" },
    { "P", "a/b.c" }, { "NUM", "2" },       { "NEG", "-3" },
    { "S", "a.b.c" }, { "BAD", "a\xff\xe2" }, { "STAR", "*?[]\\" },
};

static cv_result lookup(void *ctx, cv_slice name, cv_slice *value, bool *found)
{
    (void)ctx;
    *found = false;
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++) {
        if (cv_slice_eq_str(name, vars[i][0])) {
            *value = cv_slice_str(vars[i][1]);
            *found = true;
        }
    }
    return cv_ok();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 8192) return 0;
    bool strict = data[0] & 1;
    cv_buf out;
    cv_buf_init_secret(&out, 1u << 20);
    cv_result r = cv_envsubst(cv_slice_of(data + 1, size - 1), lookup, NULL, strict, &out);
    if (!cv_is_ok(r) && r.err != CV_E_ENVSUBST_SYNTAX && r.err != CV_E_LIMIT &&
        r.err != CV_E_TOO_LARGE && !(strict && r.err == CV_E_ENVSUBST_UNDEFINED))
        abort();
    cv_buf_release(&out);
    return 0;
}
