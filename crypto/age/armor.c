/* ASCII armor, matching age v1.3.1's armor package and the CLI's detection.
 *
 * Reader rules (each broken rule is CV_E_AGE_ARMOR):
 *  - before BEGIN: only lines that are entirely white space (as Go's
 *    unicode.IsSpace defines it), counted as line length + 1 with any CR
 *    before the LF excluded, at most 1024 in total; then exactly the BEGIN
 *    line;
 *  - each line ends in LF, CRLF, or (only the END line) the end of input;
 *  - data lines: not empty, at most 64 columns, padded canonical base64 of
 *    their own; a line decoding to fewer than 48 bytes must be followed by
 *    the END line;
 *  - after END: fewer than 1024 bytes, all white space.
 * One quirk is kept for exact compatibility: Go's base64 decoder skips CR
 * bytes, so a CR inside a data line (counted in its 64 columns) is ignored.
 *
 * Speed: full 64-column lines are decoded straight into the caller's
 * buffer with table lookups, and the writer encodes whole lines into a
 * large staging buffer; anything unusual takes the line-by-line path. */
#include "crypto/age/armor.h"

#include <pthread.h>
#include <string.h>
/* CV_ARMOR_NO_SIMD builds the portable codecs only (the tests use it to
 * cover them on machines with AVX2). */
#if defined(__x86_64__) && !defined(CV_ARMOR_NO_SIMD)
#include <immintrin.h>
#define CV_ARMOR_X86 1
#endif

#include "crypto/base/cpu.h"
#include "crypto/base/enc.h"
#include "crypto/base/limits.h"

#define LINE_BYTES 48u
#define LINE_COLS 64u
#define BEGIN_LEN (sizeof(CV_AGE_ARMOR_BEGIN) - 1)
#define END_LEN (sizeof(CV_AGE_ARMOR_END) - 1)
/* Staging: 4096 encoded lines (192 KiB of input) per write to the sink. */
#define STAGE_LINES 4096u
#define STAGE_CAP (STAGE_LINES * (LINE_COLS + 1) + 2 * (END_LEN + 2))
#define RAW_CAP (256u * 1024u)
/* No valid armor line is this long: a longer one fails whatever it holds. */
#define SCAN_MAX 1100u

enum { AR_PRE, AR_DATA, AR_END, AR_FAIL };

static const char b64_alpha[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* enc_pair[v] = the two characters of a 12-bit value; dec[k][c] = the value
 * of character c in position k of a quad, shifted into place, with bit 31
 * set for characters outside the alphabet. */
static uint16_t enc_pair[4096];
static uint32_t dec[4][256];
static pthread_once_t tables_once = PTHREAD_ONCE_INIT;

#ifdef CV_ARMOR_X86
static bool use_avx2;
#endif

static void build_tables(void)
{
    for (unsigned v = 0; v < 4096; v++) {
        uint8_t two[2] = { (uint8_t)b64_alpha[v >> 6], (uint8_t)b64_alpha[v & 63] };
        memcpy(&enc_pair[v], two, 2);
    }
    for (unsigned k = 0; k < 4; k++)
        for (unsigned c = 0; c < 256; c++) dec[k][c] = 0x80000000u;
    for (unsigned v = 0; v < 64; v++) {
        uint8_t c = (uint8_t)b64_alpha[v];
        for (unsigned k = 0; k < 4; k++) dec[k][c] = (uint32_t)v << (18 - 6 * k);
    }
#ifdef CV_ARMOR_X86
    use_avx2 = cv_cpu_avx2();
#endif
}

static void tables(void) { pthread_once(&tables_once, build_tables); }

/* ---- line codecs ---------------------------------------------------------
 * A full line is 48 bytes <-> 64 characters. The scalar codecs use the
 * tables above; on x86-64 with AVX2 each line is two blocks of 24 bytes <->
 * 32 characters. Both work on runs of lines so the vector constants stay in
 * registers. */

static size_t line_eol(const uint8_t *p, size_t avail)
{
    if (avail > LINE_COLS && p[LINE_COLS] == '\n') return 1;
    if (avail > LINE_COLS + 1 && p[LINE_COLS] == '\r' && p[LINE_COLS + 1] == '\n') return 2;
    return 0;
}

static void encode_line_scalar(uint8_t *dst, const uint8_t *src)
{
    for (unsigned i = 0; i < LINE_BYTES; i += 3, dst += 4) {
        uint32_t v = (uint32_t)src[i] << 16 | (uint32_t)src[i + 1] << 8 | src[i + 2];
        memcpy(dst, &enc_pair[v >> 12], 2);
        memcpy(dst + 2, &enc_pair[v & 0xfff], 2);
    }
    dst[0] = '\n';
}

/* 64 characters into 48 bytes; false if one is outside the alphabet. */
static bool decode_line_scalar(uint8_t *dst, const uint8_t *src)
{
    uint32_t bad = 0;
    for (unsigned i = 0; i < LINE_COLS; i += 4, dst += 3) {
        uint32_t v = dec[0][src[i]] | dec[1][src[i + 1]] | dec[2][src[i + 2]] | dec[3][src[i + 3]];
        bad |= v;
        dst[0] = (uint8_t)(v >> 16);
        dst[1] = (uint8_t)(v >> 8);
        dst[2] = (uint8_t)v;
    }
    return (bad & 0x80000000u) == 0;
}

/* Plain full lines (64 columns, LF or CRLF) from src into dst, while dst has
 * room for a whole line; stops at the first other line. Returns the lines
 * decoded and the input bytes they took. */
static size_t decode_lines_scalar(uint8_t *dst, size_t room, const uint8_t *src, size_t avail,
                                  size_t *used)
{
    size_t lines = 0, eol;
    *used = 0;
    while (room >= LINE_BYTES && (eol = line_eol(src, avail)) != 0 &&
           decode_line_scalar(dst, src)) {
        src += LINE_COLS + eol;
        avail -= LINE_COLS + eol;
        *used += LINE_COLS + eol;
        dst += LINE_BYTES;
        room -= LINE_BYTES;
        lines++;
    }
    return lines;
}

#ifdef CV_ARMOR_X86
#define AVX2 __attribute__((target("avx2")))
#define AVX2_INLINE __attribute__((target("avx2"), always_inline)) inline

/* 24 bytes -> 32 sextets, one per byte. Each 32-bit lane gets the bytes
 * (b1, b0, b2, b1) of its input triple; two multiplies then move the four
 * 6-bit fields to the bottoms of the four bytes. Reads 28 bytes. */
AVX2_INLINE static __m256i split_sextets(const uint8_t *src)
{
    __m256i in = _mm256_inserti128_si256(_mm256_castsi128_si256(_mm_loadu_si128((const void *)src)),
                                         _mm_loadu_si128((const void *)(src + 12)), 1);
    const __m256i order = _mm256_setr_epi8(1, 0, 2, 1, 4, 3, 5, 4, 7, 6, 8, 7, 10, 9, 11, 10,
                                           1, 0, 2, 1, 4, 3, 5, 4, 7, 6, 8, 7, 10, 9, 11, 10);
    in = _mm256_shuffle_epi8(in, order);
    /* Fields a and c (bits 10-15 and 22-27) shift down by 10 and 6. */
    __m256i ac = _mm256_mulhi_epu16(_mm256_and_si256(in, _mm256_set1_epi32(0x0fc0fc00)),
                                    _mm256_set1_epi32(0x04000040));
    /* Fields b and d (bits 4-9 and 16-21) shift up by 4 and 8. */
    __m256i bd = _mm256_mullo_epi16(_mm256_and_si256(in, _mm256_set1_epi32(0x003f03f0)),
                                    _mm256_set1_epi32(0x01000010));
    return _mm256_or_si256(ac, bd);
}

/* Sextets -> characters: the offset to add depends on the range the value
 * is in (A-Z +65, a-z +71, 0-9 -4, '+' -19, '/' -16); a saturating
 * subtract and a compare turn the value into an index into those offsets. */
AVX2_INLINE static __m256i sextets_to_ascii(__m256i v)
{
    const __m256i offsets = _mm256_setr_epi8(65, 71, -4, -4, -4, -4, -4, -4, -4, -4, -4, -4, -19,
                                             -16, 0, 0, 65, 71, -4, -4, -4, -4, -4, -4, -4, -4,
                                             -4, -4, -19, -16, 0, 0);
    __m256i idx = _mm256_subs_epu8(v, _mm256_set1_epi8(51));
    idx = _mm256_sub_epi8(idx, _mm256_cmpgt_epi8(v, _mm256_set1_epi8(25)));
    return _mm256_add_epi8(v, _mm256_shuffle_epi8(offsets, idx));
}

/* Lines of 48 bytes -> 64 characters and LF each. Reads 4 bytes past the
 * last line, so the caller keeps the last line for the scalar codec when
 * those bytes are not there. */
AVX2 static void encode_lines_avx2(uint8_t *dst, const uint8_t *src, size_t lines)
{
    for (; lines > 0; lines--, src += LINE_BYTES, dst += LINE_COLS + 1) {
        _mm256_storeu_si256((void *)dst, sextets_to_ascii(split_sextets(src)));
        _mm256_storeu_si256((void *)(dst + 32), sextets_to_ascii(split_sextets(src + 24)));
        dst[LINE_COLS] = '\n';
    }
}

/* 32 characters -> 32 sextets; false if any is outside the alphabet.
 * Validity: the high nibble picks a class bit (2: "+/", 3: digits, 4 and 6:
 * letters from 1, 5 and 7: letters up to 0xA), and the low nibble's entry
 * lists the classes it is valid in. The offset to add comes from the high
 * nibble, with '/' moved to its own slot (index 1). */
AVX2_INLINE static bool ascii_to_sextets(__m256i c, __m256i *out)
{
    const __m256i class_hi = _mm256_setr_epi8(0, 0, 1, 2, 4, 8, 4, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                                              0, 1, 2, 4, 8, 4, 8, 0, 0, 0, 0, 0, 0, 0, 0);
    const __m256i class_lo = _mm256_setr_epi8(0x0a, 0x0e, 0x0e, 0x0e, 0x0e, 0x0e, 0x0e, 0x0e,
                                              0x0e, 0x0e, 0x0c, 0x05, 0x04, 0x04, 0x04, 0x05,
                                              0x0a, 0x0e, 0x0e, 0x0e, 0x0e, 0x0e, 0x0e, 0x0e,
                                              0x0e, 0x0e, 0x0c, 0x05, 0x04, 0x04, 0x04, 0x05);
    const __m256i offset = _mm256_setr_epi8(0, 16, 19, 4, -65, -65, -71, -71, 0, 0, 0, 0, 0, 0,
                                            0, 0, 0, 16, 19, 4, -65, -65, -71, -71, 0, 0, 0, 0,
                                            0, 0, 0, 0);
    const __m256i nib = _mm256_set1_epi8(0x0f);
    __m256i hi = _mm256_and_si256(_mm256_srli_epi16(c, 4), nib);
    __m256i lo = _mm256_and_si256(c, nib);
    __m256i cls = _mm256_and_si256(_mm256_shuffle_epi8(class_hi, hi),
                                   _mm256_shuffle_epi8(class_lo, lo));
    __m256i bad = _mm256_cmpeq_epi8(cls, _mm256_setzero_si256());
    __m256i slot = _mm256_add_epi8(hi, _mm256_cmpeq_epi8(c, _mm256_set1_epi8('/')));
    *out = _mm256_add_epi8(c, _mm256_shuffle_epi8(offset, slot));
    return _mm256_movemask_epi8(bad) == 0;
}

/* 32 sextets -> 24 bytes: pairs of sextets into 12 bits, pairs of those
 * into 24, then the three bytes of each lane gathered in big-endian order. */
AVX2_INLINE static void join_sextets(uint8_t *dst, __m256i v)
{
    const __m256i gather = _mm256_setr_epi8(2, 1, 0, 6, 5, 4, 10, 9, 8, 14, 13, 12, -1, -1, -1,
                                            -1, 2, 1, 0, 6, 5, 4, 10, 9, 8, 14, 13, 12, -1, -1,
                                            -1, -1);
    v = _mm256_maddubs_epi16(v, _mm256_set1_epi32(0x01400140));
    v = _mm256_madd_epi16(v, _mm256_set1_epi32(0x00011000));
    v = _mm256_shuffle_epi8(v, gather);
    v = _mm256_permutevar8x32_epi32(v, _mm256_setr_epi32(0, 1, 2, 4, 5, 6, 7, 7));
    _mm_storeu_si128((void *)dst, _mm256_castsi256_si128(v));
    _mm_storel_epi64((void *)(dst + 16), _mm256_extracti128_si256(v, 1));
}

/* As decode_lines_scalar. */
AVX2 static size_t decode_lines_avx2(uint8_t *dst, size_t room, const uint8_t *src,
                                     size_t avail, size_t *used)
{
    size_t lines = 0, eol;
    *used = 0;
    while (room >= LINE_BYTES && (eol = line_eol(src, avail)) != 0) {
        __m256i a, b;
        bool ok = ascii_to_sextets(_mm256_loadu_si256((const void *)src), &a);
        ok &= ascii_to_sextets(_mm256_loadu_si256((const void *)(src + 32)), &b);
        if (!ok) break;
        join_sextets(dst, a);
        join_sextets(dst + 24, b);
        src += LINE_COLS + eol;
        avail -= LINE_COLS + eol;
        *used += LINE_COLS + eol;
        dst += LINE_BYTES;
        room -= LINE_BYTES;
        lines++;
    }
    return lines;
}
#endif

/* `slack`: bytes readable past the last line. */
static void encode_lines(uint8_t *dst, const uint8_t *src, size_t lines, size_t slack)
{
#ifdef CV_ARMOR_X86
    if (use_avx2 && lines > 0) {
        size_t fast = slack >= 4 ? lines : lines - 1;
        encode_lines_avx2(dst, src, fast);
        dst += fast * (LINE_COLS + 1);
        src += fast * LINE_BYTES;
        lines -= fast;
    }
#endif
    (void)slack;
    for (; lines > 0; lines--, src += LINE_BYTES, dst += LINE_COLS + 1) encode_line_scalar(dst, src);
}

static size_t decode_lines(uint8_t *dst, size_t room, const uint8_t *src, size_t avail,
                           size_t *used)
{
#ifdef CV_ARMOR_X86
    if (use_avx2) return decode_lines_avx2(dst, room, src, avail, used);
#endif
    return decode_lines_scalar(dst, room, src, avail, used);
}

/* ---- white space as Go's unicode.IsSpace sees it ------------------------ */

/* Length of the white-space rune at p, 0 if there is none. Go decodes UTF-8
 * strictly, so each of these runes has exactly one encoding. */
static size_t space_len(const uint8_t *p, size_t n)
{
    static const char *const multi[] = {
        "\xc2\x85", "\xc2\xa0", "\xe1\x9a\x80", "\xe2\x80\xa8", "\xe2\x80\xa9",
        "\xe2\x80\xaf", "\xe2\x81\x9f", "\xe3\x80\x80",
    };
    if (n == 0) return 0;
    if (p[0] == ' ' || (p[0] >= '\t' && p[0] <= '\r')) return 1;
    if (n >= 3 && p[0] == 0xe2 && p[1] == 0x80 && p[2] >= 0x80 && p[2] <= 0x8a) return 3;
    for (size_t i = 0; i < sizeof(multi) / sizeof(multi[0]); i++) {
        size_t k = strlen(multi[i]);
        if (n >= k && memcmp(p, multi[i], k) == 0) return k;
    }
    return 0;
}

static size_t skip_space(const uint8_t *p, size_t n)
{
    size_t i = 0, k;
    while (i < n && (k = space_len(p + i, n - i)) != 0) i += k;
    return i;
}

static bool all_space(const uint8_t *p, size_t n) { return skip_space(p, n) == n; }

bool cv_age_is_armored(cv_slice prefix)
{
    size_t n = prefix.len < CV_AGE_ARMOR_MAX_WS + BEGIN_LEN ? prefix.len
                                                            : CV_AGE_ARMOR_MAX_WS + BEGIN_LEN;
    size_t i = skip_space(prefix.p, n);
    return n - i >= BEGIN_LEN && memcmp(prefix.p + i, CV_AGE_ARMOR_BEGIN, BEGIN_LEN) == 0;
}

/* ---- writer ----------------------------------------------------------- */

static cv_result stage_flush(cv_age_armor_writer *w)
{
    if (w->stage_len == 0) return cv_ok();
    size_t n = w->stage_len;
    w->stage_len = 0;
    return cv_sink_write(w->out, w->stage, n);
}

/* Make room for `need` more staged bytes (allocating on first use). */
static cv_result stage_room(cv_age_armor_writer *w, size_t need)
{
    if (w->stage == NULL) {
        w->stage = malloc(STAGE_CAP);
        CV_ENSURE(w->stage != NULL, CV_E_NOMEM);
    }
    if (STAGE_CAP - w->stage_len < need) CV_GUARD(stage_flush(w));
    return cv_ok();
}

static cv_result stage_add(cv_age_armor_writer *w, const void *p, size_t n)
{
    CV_GUARD(stage_room(w, n));
    memcpy(w->stage + w->stage_len, p, n);
    w->stage_len += n;
    return cv_ok();
}

static cv_result start(cv_age_armor_writer *w)
{
    if (w->started) return cv_ok();
    w->started = true;
    return stage_add(w, CV_AGE_ARMOR_BEGIN "\n", BEGIN_LEN + 1);
}

/* Encode whole lines straight into the stage, flushing it when full. */
static cv_result put_lines(cv_age_armor_writer *w, const uint8_t *src, size_t lines, size_t slack)
{
    while (lines > 0) {
        CV_GUARD(stage_room(w, LINE_COLS + 1));
        size_t fit = (STAGE_CAP - w->stage_len) / (LINE_COLS + 1);
        size_t k = fit < lines ? fit : lines;
        size_t after = (lines - k) * LINE_BYTES + slack;
        encode_lines(w->stage + w->stage_len, src, k, after);
        w->stage_len += k * (LINE_COLS + 1);
        src += k * LINE_BYTES;
        lines -= k;
    }
    return cv_ok();
}

static cv_result armor_write(cv_sink *s, const uint8_t *buf, size_t n)
{
    cv_age_armor_writer *w = (cv_age_armor_writer *)s;
    CV_ENSURE(!w->finished, CV_E_INVALID_ARG);
    CV_GUARD(start(w));
    if (n == 0) return cv_ok(); /* buf may be NULL */
    if (w->npending > 0) {
        size_t take = LINE_BYTES - w->npending < n ? LINE_BYTES - w->npending : n;
        memcpy(w->pending + w->npending, buf, take);
        w->npending += take;
        buf += take;
        n -= take;
        if (w->npending < LINE_BYTES) return cv_ok();
        CV_GUARD(put_lines(w, w->pending, 1, 0));
        w->npending = 0;
    }
    size_t lines = n / LINE_BYTES;
    CV_GUARD(put_lines(w, buf, lines, n % LINE_BYTES));
    buf += lines * LINE_BYTES;
    n -= lines * LINE_BYTES;
    memcpy(w->pending, buf, n);
    w->npending = n;
    return cv_ok();
}

void cv_age_armor_writer_init(cv_age_armor_writer *w, cv_sink *out)
{
    memset(w, 0, sizeof(*w));
    tables();
    w->sink.write = armor_write;
    w->out = out;
}

/* The last line is short (padded) unless the data ended on a line
 * boundary, in which case END follows the last full line directly. */
cv_result cv_age_armor_writer_finish(cv_age_armor_writer *w)
{
    char last[LINE_COLS + 1];
    CV_ENSURE(!w->finished, CV_E_INVALID_ARG);
    CV_GUARD(start(w));
    w->finished = true;
    if (w->npending > 0) {
        size_t k = cv_b64_enc_len(w->npending, true);
        cv_b64_encode(last, w->pending, w->npending, true);
        last[k] = '\n';
        CV_GUARD(stage_add(w, last, k + 1));
    }
    CV_GUARD(stage_add(w, CV_AGE_ARMOR_END "\n", END_LEN + 1));
    return stage_flush(w);
}

void cv_age_armor_writer_release(cv_age_armor_writer *w)
{
    free(w->stage);
    w->stage = NULL;
    w->stage_len = 0;
}

/* ---- reader: input lines ---------------------------------------------- */

static cv_result fill(cv_age_armor_reader *r)
{
    size_t left = r->raw_len - r->raw_pos, got = 0;
    memmove(r->raw, r->raw + r->raw_pos, left);
    r->raw_pos = 0;
    r->raw_len = left;
    CV_GUARD(cv_src_read(r->in, r->raw + left, RAW_CAP - left, &got));
    if (got == 0) r->in_eof = true;
    r->raw_len += got;
    return cv_ok();
}

static cv_slice trim_eol(const uint8_t *p, size_t n)
{
    if (n > 0 && p[n - 1] == '\r') n--;
    return cv_slice_of(p, n);
}

/* The next line without its LF (and one CR before it); a last line without
 * LF counts, but the end of input itself is an error. The slice points into
 * the raw buffer and stays valid until the next fill. */
static cv_result next_line(cv_age_armor_reader *r, cv_slice *line)
{
    for (;;) {
        const uint8_t *p = r->raw + r->raw_pos;
        size_t avail = r->raw_len - r->raw_pos;
        const uint8_t *lf = memchr(p, '\n', avail < SCAN_MAX ? avail : SCAN_MAX);
        if (lf != NULL) {
            *line = trim_eol(p, (size_t)(lf - p));
            r->raw_pos += (size_t)(lf - p) + 1;
            return cv_ok();
        }
        CV_ENSUREF(avail < SCAN_MAX, CV_E_AGE_ARMOR, "invalid armor: line too long");
        if (r->in_eof) {
            CV_ENSUREF(avail > 0, CV_E_AGE_ARMOR, "invalid armor: unexpected end of armored data");
            *line = trim_eol(p, avail);
            r->raw_pos = r->raw_len;
            return cv_ok();
        }
        CV_GUARD(fill(r));
    }
}

static cv_result find_begin(cv_age_armor_reader *r)
{
    size_t removed = 0;
    for (;;) {
        cv_slice line;
        CV_GUARD(next_line(r, &line));
        if (!all_space(line.p, line.len)) {
            CV_ENSUREF(cv_slice_eq_str(line, CV_AGE_ARMOR_BEGIN), CV_E_AGE_ARMOR,
                       "invalid armor: invalid first line");
            r->state = AR_DATA;
            return cv_ok();
        }
        removed += line.len + 1;
        CV_ENSUREF(removed <= CV_AGE_ARMOR_MAX_WS, CV_E_AGE_ARMOR, "invalid armor: too much leading whitespace");
    }
}

/* After END: fewer than 1024 bytes, all white space. */
static cv_result drain_trailing(cv_age_armor_reader *r)
{
    while (r->raw_len - r->raw_pos < CV_AGE_ARMOR_MAX_WS && !r->in_eof) CV_GUARD(fill(r));
    size_t n = r->raw_len - r->raw_pos;
    if (n > CV_AGE_ARMOR_MAX_WS) n = CV_AGE_ARMOR_MAX_WS;
    CV_ENSUREF(all_space(r->raw + r->raw_pos, n), CV_E_AGE_ARMOR, "invalid armor: trailing data after armor");
    CV_ENSUREF(n < CV_AGE_ARMOR_MAX_WS, CV_E_AGE_ARMOR, "invalid armor: too much trailing whitespace");
    r->raw_pos += n;
    return cv_ok();
}

/* ---- reader: decoding ------------------------------------------------- */

/* Decode runs of plain full lines straight into dst while it has room for
 * a whole line, refilling the raw buffer as needed; stops at anything else
 * (END, a short or odd line, an error), which the careful path handles. */
static cv_result fast_lines(cv_age_armor_reader *r, uint8_t *dst, size_t room, size_t *made)
{
    *made = 0;
    for (;;) {
        size_t avail = r->raw_len - r->raw_pos, used = 0;
        size_t lines = decode_lines(dst + *made, room - *made, r->raw + r->raw_pos, avail, &used);
        r->raw_pos += used;
        *made += lines * LINE_BYTES;
        avail -= used;
        /* Stopped for want of input (not at a line it refused)? */
        if (room - *made < LINE_BYTES || avail >= LINE_COLS + 2 || r->in_eof) return cv_ok();
        CV_GUARD(fill(r));
        if (r->raw_len - r->raw_pos == avail) return cv_ok();
    }
}

/* Strict padded base64 of one line, skipping CR bytes as Go does. */
static cv_result decode_line(cv_age_armor_reader *r, cv_slice line)
{
    uint8_t tmp[LINE_COLS];
    size_t k = 0;
    for (size_t i = 0; i < line.len; i++)
        if (line.p[i] != '\r') tmp[k++] = line.p[i];
    size_t n = 0;
    cv_result res = cv_b64_decode(r->out, &n, cv_slice_of(tmp, k), true);
    CV_ENSUREF(cv_is_ok(res), CV_E_AGE_ARMOR, "invalid armor: invalid base64");
    r->out_len = n;
    r->out_pos = 0;
    return cv_ok();
}

/* Failures stick: every later read repeats the error and its detail. */
static void set_failed(cv_age_armor_reader *r, cv_result res)
{
    r->state = AR_FAIL;
    r->err = res.err;
    snprintf(r->detail, sizeof(r->detail), "%s", cv_err_detail());
}

static cv_result failed(const cv_age_armor_reader *r)
{
    return CV_FAILF(r->err, "%s", r->detail);
}

/* The careful path: one line, which is END, a full line, or a short line
 * that END must follow. Decoded bytes go to r->out. */
static cv_result slow_line(cv_age_armor_reader *r)
{
    cv_slice line;
    CV_GUARD(next_line(r, &line));
    if (cv_slice_eq_str(line, CV_AGE_ARMOR_END)) {
        CV_GUARD(drain_trailing(r));
        r->state = AR_END;
        return cv_ok();
    }
    CV_ENSUREF(line.len > 0, CV_E_AGE_ARMOR, "invalid armor: empty line in armored data");
    CV_ENSUREF(line.len <= LINE_COLS, CV_E_AGE_ARMOR, "invalid armor: column limit exceeded");
    CV_GUARD(decode_line(r, line));
    if (r->out_len == LINE_BYTES) return cv_ok();
    cv_result res = next_line(r, &line);
    if (cv_is_ok(res) && !cv_slice_eq_str(line, CV_AGE_ARMOR_END))
        res = CV_FAILF(CV_E_AGE_ARMOR, "invalid armor: invalid closing line");
    if (!cv_is_ok(res)) r->out_len = 0; /* Go drops the line in this case */
    CV_GUARD(res);
    /* This line's bytes are delivered even if trailing data follows. */
    res = drain_trailing(r);
    if (cv_is_ok(res)) r->state = AR_END;
    else set_failed(r, res);
    return cv_ok();
}

static size_t take_out(cv_age_armor_reader *r, uint8_t *dst, size_t n)
{
    size_t k = r->out_len - r->out_pos < n ? r->out_len - r->out_pos : n;
    memcpy(dst, r->out + r->out_pos, k);
    r->out_pos += k;
    return k;
}

static cv_result decode_some(cv_age_armor_reader *r, uint8_t *buf, size_t n, size_t *o)
{
    while (*o < n) {
        if (r->out_pos < r->out_len) {
            *o += take_out(r, buf + *o, n - *o);
            continue;
        }
        if (r->state != AR_DATA) return cv_ok();
        size_t made = 0;
        CV_GUARD(fast_lines(r, buf + *o, n - *o, &made));
        *o += made;
        if (*o < n) CV_GUARD(slow_line(r));
    }
    return cv_ok();
}

static cv_result armor_read(cv_src *s, uint8_t *buf, size_t n, size_t *got)
{
    cv_age_armor_reader *r = (cv_age_armor_reader *)s;
    size_t o = 0;
    cv_result res = cv_ok();
    *got = 0;
    if (r->state == AR_FAIL && r->out_pos == r->out_len) return failed(r);
    if (r->raw == NULL) {
        r->raw = malloc(RAW_CAP);
        CV_ENSURE(r->raw != NULL, CV_E_NOMEM);
    }
    if (r->state == AR_PRE) res = find_begin(r);
    if (cv_is_ok(res)) res = decode_some(r, buf, n, &o);
    if (!cv_is_ok(res)) set_failed(r, res);
    *got = o;
    /* Bytes decoded before a failure are delivered; the error comes next. */
    return o > 0 ? cv_ok() : res;
}

void cv_age_armor_reader_init(cv_age_armor_reader *r, cv_src *in)
{
    memset(r, 0, sizeof(*r));
    tables();
    r->src.read = armor_read;
    r->in = in;
    r->state = AR_PRE;
}

void cv_age_armor_reader_release(cv_age_armor_reader *r)
{
    free(r->raw);
    r->raw = NULL;
}
