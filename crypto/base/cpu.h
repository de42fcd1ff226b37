/* CPU features for covert's own SIMD code paths.
 *
 * Taken from libsodium, which detects them once at sodium_init (checking
 * that the OS saves the wide registers too), not from GCC's
 * __builtin_cpu_supports: linking that brings libgcc's detector, which runs
 * at every process start, before main, a dozen CPUID instructions — each a
 * trap to the hypervisor on a virtual machine, a sixth of what a bare
 * `covert --version` costs on one. */
#ifndef CV_BASE_CPU_H
#define CV_BASE_CPU_H

#include <stdbool.h>

/* AVX2 usable (false off x86 or if libsodium cannot initialise). */
bool cv_cpu_avx2(void);

#endif
