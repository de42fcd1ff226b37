#include "crypto/base/b64_simd.h"

#if defined(__x86_64__)
#include <immintrin.h>

#include "crypto/base/cpu.h"

/* 32 characters a step with AVX2: classify each byte by its two nibbles,
 * which both rejects anything outside the standard alphabet and gives the
 * offset that turns a character into its sextet; then merge sextet pairs
 * with multiply-adds and squeeze the 24 bytes of each 32 together. A block
 * holding any other byte ('=', CR/LF, garbage) stops the run: the caller's
 * scalar decoder takes over at its first character. */

/* Per low nibble: the classes of characters whose low nibble it is, one bit
 * per class of high nibble (bit 0: 0x2_, 1: 0x3_, 2: 0x4_/0x6_, 3: 0x5_/0x7_,
 * 4: invalid everywhere). Per high nibble: its class bit. A byte is invalid
 * when the two share a bit. */
__attribute__((target("avx2"))) static __m256i invalid_mask(__m256i lo, __m256i hi)
{
    const __m256i lo_class = _mm256_setr_epi8(
        0x15, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x13, 0x1A, 0x1B, 0x1B, 0x1B, 0x1A,
        0x15, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x13, 0x1A, 0x1B, 0x1B, 0x1B, 0x1A);
    const __m256i hi_class = _mm256_setr_epi8(
        0x10, 0x10, 0x01, 0x02, 0x04, 0x08, 0x04, 0x08, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10,
        0x10, 0x10, 0x01, 0x02, 0x04, 0x08, 0x04, 0x08, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10);
    return _mm256_and_si256(_mm256_shuffle_epi8(lo_class, lo), _mm256_shuffle_epi8(hi_class, hi));
}

/* Character to sextet: add an offset chosen by the high nibble, with '/'
 * (the one character whose class shares a high nibble with '+' but needs
 * another offset) moved to its own slot. */
__attribute__((target("avx2"))) static __m256i to_sextets(__m256i in, __m256i hi)
{
    const __m256i offset = _mm256_setr_epi8(
        0, 16, 19, 4, -65, -65, -71, -71, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 16, 19, 4, -65, -65, -71, -71, 0, 0, 0, 0, 0, 0, 0, 0);
    __m256i slash = _mm256_cmpeq_epi8(in, _mm256_set1_epi8('/'));
    return _mm256_add_epi8(in, _mm256_shuffle_epi8(offset, _mm256_add_epi8(slash, hi)));
}

/* Four sextets per 32-bit lane to three bytes, big-endian as base64 has
 * them, then the six useful bytes of each 128-bit half side by side. */
__attribute__((target("avx2"))) static __m256i pack(__m256i s)
{
    __m256i pairs = _mm256_maddubs_epi16(s, _mm256_set1_epi32(0x01400140));
    __m256i words = _mm256_madd_epi16(pairs, _mm256_set1_epi32(0x00011000));
    const __m256i order = _mm256_setr_epi8(
        2, 1, 0, 6, 5, 4, 10, 9, 8, 14, 13, 12, -1, -1, -1, -1,
        2, 1, 0, 6, 5, 4, 10, 9, 8, 14, 13, 12, -1, -1, -1, -1);
    __m256i bytes = _mm256_shuffle_epi8(words, order);
    return _mm256_permutevar8x32_epi32(bytes, _mm256_setr_epi32(0, 1, 2, 4, 5, 6, 7, 7));
}

__attribute__((target("avx2"))) static size_t decode_avx2(uint8_t *out, const uint8_t *in,
                                                          size_t n)
{
    size_t i = 0;
    /* Each step stores 32 bytes of which 24 are output: stay 8 bytes short
     * of the room the caller has (3 bytes per 4 characters of in). */
    for (; i + 32 <= n && (i + 32) / 4 * 3 + 8 <= n / 4 * 3; i += 32, out += 24) {
        __m256i v = _mm256_loadu_si256((const __m256i *)(const void *)(in + i));
        __m256i hi = _mm256_and_si256(_mm256_srli_epi32(v, 4), _mm256_set1_epi8(0x0F));
        __m256i lo = _mm256_and_si256(v, _mm256_set1_epi8(0x0F));
        if (!_mm256_testz_si256(invalid_mask(lo, hi), invalid_mask(lo, hi))) break;
        _mm256_storeu_si256((__m256i *)(void *)out, pack(to_sextets(v, hi)));
    }
    return i;
}

size_t cv_b64_decode_simd(uint8_t *out, const uint8_t *in, size_t n)
{
    static int avx2 = -1;
    if (avx2 < 0) avx2 = cv_cpu_avx2() ? 1 : 0;
    return avx2 ? decode_avx2(out, in, n) : 0;
}

#else
size_t cv_b64_decode_simd(uint8_t *out, const uint8_t *in, size_t n)
{
    (void)out;
    (void)in;
    (void)n;
    return 0;
}
#endif
