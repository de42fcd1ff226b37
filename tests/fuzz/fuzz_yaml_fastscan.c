/* The fast YAML scanner against libyaml's: wherever the fast one accepts an
 * input, both must give the same tokens (types, styles, values, marks). */
#include <stdlib.h>

#include "tests/fuzz/fuzz_yaml_tokcmp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 64 * 1024) return 0;
    char why[512];
    if (tc_compare(data, size, why, sizeof why) == TC_DIFFERENT) {
        fprintf(stderr, "%s\n", why);
        abort();
    }
    return 0;
}
