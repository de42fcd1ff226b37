#include "crypto/base/cpu.h"

#include <sodium.h>

bool cv_cpu_avx2(void)
{
#if defined(__x86_64__) || defined(__i386__)
    return sodium_init() >= 0 && sodium_runtime_has_avx2() == 1;
#else
    return false;
#endif
}
