/* The bulk of standard base64 decoding with wide vector instructions where
 * the CPU has them (AVX2 on x86-64; nothing elsewhere).
 *
 * cv_b64_decode_simd decodes the longest run of whole 32-character blocks
 * of the standard alphabet at the start of in[0..n) (no '=', CR/LF or other
 * byte) and returns the characters used (a multiple of 32, possibly 0).
 * out must have room for n / 4 * 3 bytes; the run stops early enough that no
 * store goes past that. The caller decodes the rest with its own rules. */
#ifndef CV_BASE_B64_SIMD_H
#define CV_BASE_B64_SIMD_H

#include <stddef.h>
#include <stdint.h>

size_t cv_b64_decode_simd(uint8_t *out, const uint8_t *in, size_t n);

#endif
