/* STREAM payload: round trips at every edge size and thread count, the
 * final-chunk rules checked chunk by chunk with the AEAD primitive itself,
 * hand-built malformed payloads (exact error and exact released prefix),
 * I/O failures, and the CCTV vectors decrypted from their `file key`. */
#include <criterion/criterion.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crypto/age/armor.h"
#include "crypto/age/format.h"
#include "crypto/age/stream.h"
#include "crypto/base/limits.h"
#include "crypto/base/mem.h"
#include "crypto/prim/aead.h"
#include "crypto/prim/hash.h"
#include "tests/lib/vectors.h"

#define CH ((size_t)CV_AGE_CHUNK)
#define CTL ((size_t)CV_AGE_CHUNK_CT)

static const unsigned thread_counts[] = { 1, 2, 3, 8 };
#define NTHREADS (sizeof(thread_counts) / sizeof(thread_counts[0]))

static void setup(void) { cr_assert(cv_is_ok(cv_crypto_init())); }

static void test_key(uint8_t key[32])
{
    for (int i = 0; i < 32; i++) key[i] = (uint8_t)(0xa0 + i);
}

static cv_result run_enc(const uint8_t key[32], const uint8_t *p, size_t n, unsigned threads,
                         cv_buf *out)
{
    cv_mem_src src;
    cv_buf_sink sink;
    cv_age_stream_opts o = { threads };
    cv_buf_init(out, (size_t)64 << 20);
    cv_mem_src_init(&src, cv_slice_of(p, n));
    cv_buf_sink_init(&sink, out);
    return cv_age_stream_encrypt(key, &src.src, &sink.sink, &o);
}

static cv_result run_dec(const uint8_t key[32], const uint8_t *p, size_t n, unsigned threads,
                         cv_buf *out)
{
    cv_mem_src src;
    cv_buf_sink sink;
    cv_age_stream_opts o = { threads };
    cv_buf_init_secret(out, (size_t)64 << 20);
    cv_mem_src_init(&src, cv_slice_of(p, n));
    cv_buf_sink_init(&sink, out);
    return cv_age_stream_decrypt(key, &src.src, &sink.sink, &o);
}

static size_t expected_chunks(size_t n) { return n == 0 ? 1 : (n + CH - 1) / CH; }

static void nonce_for(uint8_t nonce[12], uint64_t i, bool last)
{
    memset(nonce, 0, 12);
    for (int k = 0; k < 8; k++) nonce[3 + k] = (uint8_t)(i >> (56 - 8 * k));
    nonce[11] = last ? 1 : 0;
}

/* Every chunk must open with exactly the flag the rules give it, using the
 * bare AEAD: the final flag only on the last chunk, which is full-size only
 * when the input ends on a boundary and empty only for empty input. */
static void check_layout(const uint8_t key[32], const cv_buf *ct, const uint8_t *pt, size_t n)
{
    size_t chunks = expected_chunks(n);
    cr_assert_eq(ct->len, n + chunks * CV_AGE_TAG, "ciphertext length for %zu", n);
    uint8_t *buf = malloc(CH);
    for (size_t i = 0; i < chunks; i++) {
        size_t off = i * CTL, len = i + 1 < chunks ? CTL : ct->len - off;
        uint8_t nonce[12];
        bool last = i + 1 == chunks;
        nonce_for(nonce, i, !last);
        cr_assert_eq(cv_chacha_open1(buf, key, nonce, ct->p + off, len).err, CV_E_DECRYPT);
        nonce_for(nonce, i, last);
        cr_assert(cv_is_ok(cv_chacha_open1(buf, key, nonce, ct->p + off, len)), "chunk %zu", i);
        cr_assert(memcmp(buf, pt + i * CH, len - CV_AGE_TAG) == 0);
    }
    free(buf);
}

static void round_trip(size_t n)
{
    uint8_t key[32];
    test_key(key);
    uint8_t *pt = malloc(n ? n : 1);
    randombytes_buf(pt, n);
    cv_buf first;
    cr_assert(cv_is_ok(run_enc(key, pt, n, 1, &first)));
    check_layout(key, &first, pt, n);
    for (size_t t = 0; t < NTHREADS; t++) {
        cv_buf ct, back;
        cr_assert(cv_is_ok(run_enc(key, pt, n, thread_counts[t], &ct)));
        cr_assert_eq(ct.len, first.len);
        cr_assert(memcmp(ct.p, first.p, ct.len) == 0, "size %zu threads %u", n, thread_counts[t]);
        cr_assert(cv_is_ok(run_dec(key, ct.p, ct.len, thread_counts[t], &back)), "size %zu", n);
        cr_assert_eq(back.len, n);
        cr_assert(n == 0 || memcmp(back.p, pt, n) == 0);
        cv_buf_release(&ct);
        cv_buf_release(&back);
    }
    cv_buf_release(&first);
    free(pt);
}

TestSuite(stream, .init = setup);

Test(stream, edge_sizes)
{
    const size_t sizes[] = { 0, 1, 65535, 65536, 65537, 131072, 131073 };
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) round_trip(sizes[i]);
}

/* Around the batch boundary (16 chunks) and its multiples. */
Test(stream, batch_boundaries)
{
    const size_t b = CV_AGE_BATCH_CHUNKS * CH;
    const size_t sizes[] = { b - 1, b, b + 1, 2 * b, 2 * b + CH, 3 * b - 7 };
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) round_trip(sizes[i]);
}

Test(stream, ten_mib_random, .timeout = 120) { round_trip((size_t)10 << 20); }

Test(stream, automatic_threads)
{
    uint8_t key[32], pt[200000];
    test_key(key);
    randombytes_buf(pt, sizeof(pt));
    cv_buf ct, back;
    cv_mem_src src;
    cv_buf_sink sink;
    cv_buf_init(&ct, 1 << 20);
    cv_mem_src_init(&src, cv_slice_of(pt, sizeof(pt)));
    cv_buf_sink_init(&sink, &ct);
    cr_assert(cv_is_ok(cv_age_stream_encrypt(key, &src.src, &sink.sink, NULL)));
    check_layout(key, &ct, pt, sizeof(pt));
    cr_assert(cv_is_ok(run_dec(key, ct.p, ct.len, 0, &back)));
    cr_assert(back.len == sizeof(pt) && memcmp(back.p, pt, sizeof(pt)) == 0);
    cv_buf_release(&ct);
    cv_buf_release(&back);
}

/* ---- hand-built payloads ---------------------------------------------- */

typedef struct {
    size_t len;  /* plaintext bytes */
    bool last;   /* flag the chunk is sealed with */
} chunk_spec;

/* Seal chunks as specified, plaintext byte j of chunk i = (i * 31 + j). */
static void build(const uint8_t key[32], const chunk_spec *c, size_t n, cv_buf *out)
{
    cv_buf_init(out, (size_t)64 << 20);
    uint8_t *pt = malloc(CH), *ct = malloc(CTL);
    for (size_t i = 0; i < n; i++) {
        uint8_t nonce[12];
        for (size_t j = 0; j < c[i].len; j++) pt[j] = (uint8_t)(i * 31 + j);
        nonce_for(nonce, i, c[i].last);
        cr_assert(cv_is_ok(cv_chacha_seal1(ct, key, nonce, pt, c[i].len)));
        cr_assert(cv_is_ok(cv_buf_add(out, ct, c[i].len + CV_AGE_TAG)));
    }
    free(pt);
    free(ct);
}

/* Decrypt with every thread count: the exact error, and exactly the first
 * `released` chunks of plaintext written. */
static void expect_dec(const cv_buf *ct, cv_err want, const chunk_spec *c, size_t released)
{
    uint8_t key[32];
    test_key(key);
    size_t bytes = 0;
    for (size_t i = 0; i < released; i++) bytes += c[i].len;
    for (size_t t = 0; t < NTHREADS; t++) {
        cv_buf out;
        cv_result r = run_dec(key, ct->p, ct->len, thread_counts[t], &out);
        cr_assert_eq(r.err, want, "threads %u: got %s, want %s", thread_counts[t],
                     cv_strerror(r.err), cv_strerror(want));
        cr_assert_eq(out.len, bytes, "threads %u: released %zu, want %zu", thread_counts[t],
                     out.len, bytes);
        for (size_t i = 0, off = 0; i < released; off += c[i].len, i++)
            for (size_t j = 0; j < c[i].len; j += 4099)
                cr_assert_eq(out.p[off + j], (uint8_t)(i * 31 + j));
        cv_buf_release(&out);
    }
}

static void case_run(const chunk_spec *c, size_t n, cv_err want, size_t released,
                     const uint8_t *extra, size_t extra_len)
{
    uint8_t key[32];
    cv_buf ct;
    test_key(key);
    build(key, c, n, &ct);
    if (extra_len) cr_assert(cv_is_ok(cv_buf_add(&ct, extra, extra_len)));
    expect_dec(&ct, want, c, released);
    cv_buf_release(&ct);
}

Test(stream, empty_input_is_truncated) { case_run(NULL, 0, CV_E_AGE_TRUNCATED, 0, NULL, 0); }

Test(stream, empty_payload)
{
    chunk_spec c[] = { { 0, true } };
    case_run(c, 1, CV_OK, 1, NULL, 0);
}

Test(stream, missing_final_chunk)
{
    chunk_spec c[] = { { CH, false }, { CH, false } };
    case_run(c, 2, CV_E_AGE_TRUNCATED, 2, NULL, 0);
}

Test(stream, missing_final_chunk_at_batch_end)
{
    chunk_spec c[CV_AGE_BATCH_CHUNKS];
    for (size_t i = 0; i < CV_AGE_BATCH_CHUNKS; i++) c[i] = (chunk_spec){ CH, false };
    case_run(c, CV_AGE_BATCH_CHUNKS, CV_E_AGE_TRUNCATED, CV_AGE_BATCH_CHUNKS, NULL, 0);
}

Test(stream, short_chunk_without_final_flag)
{
    chunk_spec c[] = { { CH, false }, { 100, false } };
    case_run(c, 2, CV_E_AGE_PAYLOAD, 1, NULL, 0);
}

Test(stream, empty_last_chunk)
{
    chunk_spec c[] = { { CH, false }, { 0, true } };
    case_run(c, 2, CV_E_AGE_LAST_EMPTY, 1, NULL, 0);
}

Test(stream, empty_last_chunk_after_batch)
{
    chunk_spec c[CV_AGE_BATCH_CHUNKS + 1];
    for (size_t i = 0; i < CV_AGE_BATCH_CHUNKS; i++) c[i] = (chunk_spec){ CH, false };
    c[CV_AGE_BATCH_CHUNKS] = (chunk_spec){ 0, true };
    case_run(c, CV_AGE_BATCH_CHUNKS + 1, CV_E_AGE_LAST_EMPTY, CV_AGE_BATCH_CHUNKS, NULL, 0);
}

Test(stream, full_final_chunk)
{
    chunk_spec c[] = { { CH, false }, { CH, true } };
    case_run(c, 2, CV_OK, 2, NULL, 0);
}

Test(stream, trailing_byte_after_full_final)
{
    chunk_spec c[] = { { CH, true } };
    case_run(c, 1, CV_E_AGE_TRAILING, 1, (const uint8_t *)"x", 1);
}

Test(stream, trailing_after_short_final)
{
    chunk_spec c[] = { { CH, false }, { 5, true } };
    /* 5 + 16 bytes then more: the reader sees one longer short chunk. */
    case_run(c, 2, CV_E_AGE_PAYLOAD, 1, (const uint8_t *)"garbage", 7);
}

Test(stream, final_chunk_in_the_middle)
{
    chunk_spec c[] = { { CH, false }, { CH, true }, { CH, false }, { 10, true } };
    case_run(c, 4, CV_E_AGE_TRAILING, 2, NULL, 0);
}

Test(stream, final_chunk_ends_a_batch)
{
    chunk_spec c[CV_AGE_BATCH_CHUNKS + 1];
    for (size_t i = 0; i < CV_AGE_BATCH_CHUNKS; i++) c[i] = (chunk_spec){ CH, false };
    c[CV_AGE_BATCH_CHUNKS - 1].last = true;
    c[CV_AGE_BATCH_CHUNKS] = (chunk_spec){ 1, true };
    case_run(c, CV_AGE_BATCH_CHUNKS + 1, CV_E_AGE_TRAILING, CV_AGE_BATCH_CHUNKS, NULL, 0);
}

Test(stream, tail_shorter_than_tag)
{
    chunk_spec c[] = { { CH, false } };
    case_run(c, 1, CV_E_AGE_PAYLOAD, 1, (const uint8_t *)"0123456789", 10);
}

Test(stream, lone_tag_is_not_empty_chunk_zero)
{
    /* 16 bytes that are not a valid empty final chunk. */
    uint8_t junk[16] = { 0 };
    cv_buf ct;
    cv_buf_init(&ct, 64);
    cr_assert(cv_is_ok(cv_buf_add(&ct, junk, sizeof(junk))));
    expect_dec(&ct, CV_E_AGE_PAYLOAD, NULL, 0);
    cv_buf_release(&ct);
}

static void corrupt_case(size_t nchunks, size_t bad)
{
    uint8_t key[32];
    cv_buf ct;
    chunk_spec *c = calloc(nchunks, sizeof(*c));
    for (size_t i = 0; i < nchunks; i++) c[i] = (chunk_spec){ CH, false };
    c[nchunks - 1] = (chunk_spec){ 1234, true };
    test_key(key);
    build(key, c, nchunks, &ct);
    ct.p[bad * CTL + 77] ^= 0x40;
    expect_dec(&ct, CV_E_AGE_PAYLOAD, c, bad);
    cv_buf_release(&ct);
    free(c);
}

Test(stream, tag_failure_releases_verified_prefix)
{
    corrupt_case(40, 0);
    corrupt_case(40, 5);
    corrupt_case(40, 16);
    corrupt_case(40, 21);
    corrupt_case(40, 39);
}

Test(stream, reordered_chunks)
{
    uint8_t key[32];
    cv_buf ct;
    chunk_spec c[] = { { CH, false }, { CH, false }, { CH, false }, { 9, true } };
    test_key(key);
    build(key, c, 4, &ct);
    uint8_t *tmp = malloc(CTL);
    memcpy(tmp, ct.p + CTL, CTL);
    memcpy(ct.p + CTL, ct.p + 2 * CTL, CTL);
    memcpy(ct.p + 2 * CTL, tmp, CTL);
    free(tmp);
    expect_dec(&ct, CV_E_AGE_PAYLOAD, c, 1);
    cv_buf_release(&ct);
}

Test(stream, wrong_key)
{
    uint8_t key[32], other[32];
    test_key(key);
    memset(other, 7, sizeof(other));
    cv_buf ct, out;
    uint8_t pt[100] = { 1 };
    cr_assert(cv_is_ok(run_enc(key, pt, sizeof(pt), 1, &ct)));
    cr_assert_eq(run_dec(other, ct.p, ct.len, 1, &out).err, CV_E_AGE_PAYLOAD);
    cr_assert_eq(out.len, 0);
    cv_buf_release(&ct);
    cv_buf_release(&out);
}

/* ---- I/O behaviour ---------------------------------------------------- */

/* A source that hands out at most `step` bytes per read and fails with
 * CV_E_IO once `fail_at` bytes were delivered (SIZE_MAX: never). */
typedef struct {
    cv_src src;
    const uint8_t *p;
    size_t len, pos, step, fail_at;
} drip_src;

static cv_result drip_read(cv_src *s, uint8_t *buf, size_t n, size_t *got)
{
    drip_src *d = (drip_src *)s;
    *got = 0;
    if (d->pos >= d->fail_at) CV_BAIL(CV_E_IO);
    size_t k = d->len - d->pos;
    if (k > n) k = n;
    if (k > d->step) k = d->step;
    if (k > d->fail_at - d->pos) k = d->fail_at - d->pos;
    memcpy(buf, d->p + d->pos, k);
    d->pos += k;
    *got = k;
    return cv_ok();
}

static void drip_init(drip_src *d, const uint8_t *p, size_t len, size_t step, size_t fail_at)
{
    *d = (drip_src){ { drip_read, NULL }, p, len, 0, step, fail_at };
}

/* A sink that fails on its nth write. */
typedef struct {
    cv_sink sink;
    unsigned writes, fail_on;
} failing_sink;

static cv_result failing_write(cv_sink *s, const uint8_t *p, size_t n)
{
    failing_sink *f = (failing_sink *)s;
    (void)p;
    (void)n;
    CV_ENSUREF(++f->writes != f->fail_on, CV_E_IO, "disk full");
    return cv_ok();
}

Test(stream, tiny_reads)
{
    uint8_t key[32];
    test_key(key);
    size_t n = 3 * CH + 5;
    uint8_t *pt = malloc(n);
    randombytes_buf(pt, n);
    cv_buf ref, ct, back;
    cr_assert(cv_is_ok(run_enc(key, pt, n, 1, &ref)));
    for (size_t step = 1; step <= 4099; step += 4098) {
        drip_src d;
        cv_buf_sink sink;
        cv_age_stream_opts o = { 2 };
        drip_init(&d, pt, n, step, SIZE_MAX);
        cv_buf_init(&ct, 1 << 20);
        cv_buf_sink_init(&sink, &ct);
        cr_assert(cv_is_ok(cv_age_stream_encrypt(key, &d.src, &sink.sink, &o)));
        cr_assert(ct.len == ref.len && memcmp(ct.p, ref.p, ct.len) == 0);
        drip_init(&d, ct.p, ct.len, step, SIZE_MAX);
        cv_buf_init(&back, 1 << 20);
        cv_buf_sink_init(&sink, &back);
        cr_assert(cv_is_ok(cv_age_stream_decrypt(key, &d.src, &sink.sink, &o)));
        cr_assert(back.len == n && memcmp(back.p, pt, n) == 0);
        cv_buf_release(&ct);
        cv_buf_release(&back);
    }
    cv_buf_release(&ref);
    free(pt);
}

Test(stream, read_error_passes_through)
{
    uint8_t key[32];
    test_key(key);
    size_t n = 40 * CH;
    uint8_t *pt = calloc(1, n);
    cv_buf ct, out;
    cr_assert(cv_is_ok(run_enc(key, pt, n, 1, &ct)));
    for (size_t t = 0; t < NTHREADS; t++) {
        drip_src d;
        cv_buf_sink sink;
        cv_age_stream_opts o = { thread_counts[t] };
        /* Fails inside chunk 20: chunks 0..19 verify and are released. */
        drip_init(&d, ct.p, ct.len, 1 << 20, 20 * CTL + 100);
        cv_buf_init(&out, (size_t)8 << 20);
        cv_buf_sink_init(&sink, &out);
        cr_assert_eq(cv_age_stream_decrypt(key, &d.src, &sink.sink, &o).err, CV_E_IO);
        cr_assert_eq(out.len, 20 * CH);
        cv_buf_release(&out);
        drip_init(&d, pt, n, 1 << 20, 7 * CH + 3);
        cv_buf_init(&out, (size_t)8 << 20);
        cv_buf_sink_init(&sink, &out);
        cr_assert_eq(cv_age_stream_encrypt(key, &d.src, &sink.sink, &o).err, CV_E_IO);
        cv_buf_release(&out);
    }
    cv_buf_release(&ct);
    free(pt);
}

Test(stream, write_error_passes_through)
{
    uint8_t key[32];
    test_key(key);
    size_t n = 100 * CH;
    uint8_t *pt = calloc(1, n);
    cv_buf ct;
    cr_assert(cv_is_ok(run_enc(key, pt, n, 1, &ct)));
    for (size_t t = 0; t < NTHREADS; t++) {
        cv_mem_src src;
        failing_sink f = { { failing_write, NULL }, 0, 2 };
        cv_age_stream_opts o = { thread_counts[t] };
        cv_mem_src_init(&src, cv_slice_of(pt, n));
        cr_assert_eq(cv_age_stream_encrypt(key, &src.src, &f.sink, &o).err, CV_E_IO);
        cr_assert_str_eq(cv_err_detail(), "disk full");
        f.writes = 0;
        cv_mem_src_init(&src, cv_slice_of(ct.p, ct.len));
        cr_assert_eq(cv_age_stream_decrypt(key, &src.src, &f.sink, &o).err, CV_E_IO);
    }
    cv_buf_release(&ct);
    free(pt);
}

/* ---- a real file descriptor: bulk reads through the kernel ------------- */

static int temp_file_with(const uint8_t *p, size_t n)
{
    char path[] = "/tmp/covert-stream-XXXXXX";
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    unlink(path);
    size_t off = 0;
    while (off < n) {
        ssize_t w = write(fd, p + off, n - off);
        cr_assert(w > 0);
        off += (size_t)w;
    }
    cr_assert(lseek(fd, 0, SEEK_SET) == 0);
    return fd;
}

static void file_round_trip(size_t n, unsigned threads)
{
    uint8_t key[32];
    test_key(key);
    uint8_t *pt = malloc(n ? n : 1);
    randombytes_buf(pt, n);
    cv_age_stream_opts o = { threads };
    cv_fd_src src;
    cv_buf ct, back;
    cv_buf_sink sink;
    int fd = temp_file_with(pt, n);
    cv_fd_src_init(&src, fd);
    cv_buf_init(&ct, (size_t)64 << 20);
    cv_buf_sink_init(&sink, &ct);
    cr_assert(cv_is_ok(cv_age_stream_encrypt(key, &src.src, &sink.sink, &o)));
    close(fd);
    check_layout(key, &ct, pt, n);
    fd = temp_file_with(ct.p, ct.len);
    cv_fd_src_init(&src, fd);
    cv_buf_init(&back, (size_t)64 << 20);
    cv_buf_sink_init(&sink, &back);
    cr_assert(cv_is_ok(cv_age_stream_decrypt(key, &src.src, &sink.sink, &o)), "size %zu", n);
    close(fd);
    cr_assert_eq(back.len, n);
    cr_assert(n == 0 || memcmp(back.p, pt, n) == 0);
    cv_buf_release(&ct);
    cv_buf_release(&back);
    free(pt);
}

Test(stream, file_source_edge_sizes, .timeout = 120)
{
    const size_t b = CV_AGE_BATCH_CHUNKS * CH;
    const size_t sizes[] = { 0, 1, CH - 1, CH, CH + 1, 2 * CH, 2 * CH + 1,
                             b - CH, b - 1, b, b + 1, 2 * b + CH, 3 * b - 7 };
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
        for (size_t t = 0; t < NTHREADS; t++) file_round_trip(sizes[i], thread_counts[t]);
}

/* A plaintext read failing anywhere: the error comes back, and what was
 * written before it is whole chunks, none of them marked final (a chunk is
 * sealed only once the byte after it was seen). */
Test(stream, encrypt_read_error_leaves_only_middle_chunks)
{
    uint8_t key[32];
    test_key(key);
    const size_t b = CV_AGE_BATCH_CHUNKS * CH, n = 3 * b + 5;
    const size_t fails[] = { 0, 1, CH - 1, CH, CH + 1, b - 1, b, b + 1, 2 * b, 3 * b + 4 };
    uint8_t *pt = malloc(n), *buf = malloc(CH);
    randombytes_buf(pt, n);
    for (size_t f = 0; f < sizeof(fails) / sizeof(fails[0]); f++) {
        for (size_t t = 0; t < NTHREADS; t++) {
            drip_src d;
            cv_buf out;
            cv_buf_sink sink;
            cv_age_stream_opts o = { thread_counts[t] };
            drip_init(&d, pt, n, 1 << 20, fails[f]);
            cv_buf_init(&out, (size_t)64 << 20);
            cv_buf_sink_init(&sink, &out);
            cr_assert_eq(cv_age_stream_encrypt(key, &d.src, &sink.sink, &o).err, CV_E_IO);
            cr_assert_eq(out.len % CTL, 0, "fail at %zu", fails[f]);
            cr_assert_leq(out.len / CTL * CH, fails[f] ? fails[f] - 1 : 0);
            for (size_t i = 0; i < out.len / CTL; i++) {
                uint8_t nonce[12];
                nonce_for(nonce, i, false);
                cr_assert(cv_is_ok(cv_chacha_open1(buf, key, nonce, out.p + i * CTL, CTL)));
                cr_assert(memcmp(buf, pt + i * CH, CH) == 0);
            }
            cv_buf_release(&out);
        }
    }
    free(buf);
    free(pt);
}

/* ---- CCTV vectors: STREAM alone, keyed from `file key` ----------------- */

static cv_buf dearmor(const cctv_vector *v, cv_err *err)
{
    cv_mem_src src;
    cv_age_armor_reader ar;
    cv_buf out;
    cv_buf_init(&out, (size_t)64 << 20);
    cv_mem_src_init(&src, cv_slice_of(v->body, v->body_len));
    cv_age_armor_reader_init(&ar, &src.src);
    *err = cv_src_read_all(&ar.src, &out).err;
    cv_age_armor_reader_release(&ar);
    return out;
}

static bool payload_class(cv_err e)
{
    return e == CV_E_AGE_PAYLOAD || e == CV_E_AGE_TRUNCATED || e == CV_E_AGE_LAST_EMPTY ||
           e == CV_E_AGE_TRAILING;
}

/* Success vectors also re-encrypt: same key, same plaintext, same bytes. */
static void reencrypt(const char *name, const uint8_t key[32], const cv_buf *pt, cv_slice ct)
{
    cv_buf again;
    cr_assert(cv_is_ok(run_enc(key, pt->p, pt->len, 2, &again)));
    cr_expect(again.len == ct.len && memcmp(again.p, ct.p, ct.len) == 0,
              "%s: re-encryption differs", name);
    cv_buf_release(&again);
}

static void stream_vector(const char *name, const cctv_vector *v, cv_slice file, unsigned threads)
{
    cv_age_header h;
    size_t used = 0;
    uint8_t key[32];
    cv_age_header_init(&h);
    cr_assert(cv_is_ok(cv_age_header_parse(file, &h, &used)), "%s: header", name);
    cv_age_header_clear(&h);
    cr_assert(file.len - used >= CV_AGE_NONCE, "%s: nonce", name);
    cr_assert(cv_is_ok(cv_age_payload_key(key, v->file_key, file.p + used)));
    cv_slice body = cv_slice_of(file.p + used + CV_AGE_NONCE, file.len - used - CV_AGE_NONCE);
    cv_buf out;
    cv_result r = run_dec(key, body.p, body.len, threads, &out);
    uint8_t hash[32];
    cv_sha256(hash, out.p ? out.p : (const uint8_t *)"", out.len);
    cr_expect(memcmp(hash, v->payload, 32) == 0, "%s: payload hash (%zu bytes)", name, out.len);
    if (strcmp(v->expect, "success") == 0) {
        cr_expect_eq(r.err, CV_OK, "%s: %s", name, cv_strerror(r.err));
        if (threads == 1) reencrypt(name, key, &out, body);
    } else {
        cr_expect(payload_class(r.err), "%s: got %s", name, cv_strerror(r.err));
    }
    cv_buf_release(&out);
}

static bool load_vector(const char *dir, const char *name, cctv_vector *v)
{
    char path[1024];
    size_t len = 0;
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    uint8_t *raw = tv_read_file(path, &len);
    cr_assert_not_null(raw, "cannot read %s", path);
    bool ok = cctv_parse(raw, len, v);
    free(raw);
    cr_assert(ok, "%s: malformed vector", name);
    return !v->unknown_key;
}

static void one_vector(const char *dir, const char *name, size_t *count)
{
    cctv_vector v;
    if (!load_vector(dir, name, &v)) return;
    bool payload = strcmp(v.expect, "success") == 0 || strcmp(v.expect, "payload failure") == 0;
    if (payload && v.has_file_key && v.has_payload) {
        cv_err aerr = CV_OK;
        cv_buf plain = { 0 };
        cv_slice file = cv_slice_of(v.body, v.body_len);
        if (v.armored) {
            plain = dearmor(&v, &aerr);
            cr_assert_eq(aerr, CV_OK, "%s: armor", name);
            file = cv_buf_slice(&plain);
        }
        for (size_t t = 0; t < NTHREADS; t++) stream_vector(name, &v, file, thread_counts[t]);
        cv_buf_release(&plain);
        (*count)++;
    }
    cctv_free(&v);
}

Test(stream, cctv_payloads, .timeout = 300)
{
    char dir[512];
    size_t n = 0, count = 0;
    snprintf(dir, sizeof(dir), "%s/testvectors/age", tv_shared_dir());
    char **names = tv_list_dir(dir, &n);
    if (n == 0 && !(getenv("CI") && strcmp(getenv("CI"), "true") == 0))
        cr_skip_test("no vectors in %s (set COVERT_SHARED)", dir);
    for (size_t i = 0; i < n; i++) one_vector(dir, names[i], &count);
    tv_free_list(names, n);
    cr_assert_gt(count, 20, "only %zu payload vectors", count);
}

/* payload key = HKDF-SHA-256(ikm = file key, salt = nonce, info "payload"),
 * checked against RFC 5869's construction done by hand with HMAC. */
Test(stream, payload_key_is_hkdf)
{
    uint8_t fk[16], nonce[16], key[32], prk[32], t1[32];
    for (int i = 0; i < 16; i++) fk[i] = (uint8_t)i, nonce[i] = (uint8_t)(100 + i);
    cr_assert(cv_is_ok(cv_age_payload_key(key, fk, nonce)));
    cv_hmac_sha256(prk, nonce, 16, fk, 16);
    uint8_t msg[8] = { 'p', 'a', 'y', 'l', 'o', 'a', 'd', 1 };
    cv_hmac_sha256(t1, prk, 32, msg, sizeof(msg));
    cr_assert(memcmp(key, t1, 32) == 0);
}

/* A source failing late (an armored payload with its END line cut off):
 * the error and its detail survive the hop between threads, and every
 * chunk read whole before it is released. */
Test(stream, read_error_detail_survives_threads)
{
    uint8_t key[32];
    size_t n = 40 * CH + 100;
    uint8_t *pt = calloc(1, n);
    cv_buf ct, text;
    cv_buf_sink tsink;
    cv_age_armor_writer w;
    test_key(key);
    cr_assert(cv_is_ok(run_enc(key, pt, n, 1, &ct)));
    cv_buf_init(&text, (size_t)8 << 20);
    cv_buf_sink_init(&tsink, &text);
    cv_age_armor_writer_init(&w, &tsink.sink);
    cr_assert(cv_is_ok(cv_sink_write(&w.sink, ct.p, ct.len)));
    cr_assert(cv_is_ok(cv_age_armor_writer_finish(&w)));
    cv_age_armor_writer_release(&w);
    text.len -= sizeof(CV_AGE_ARMOR_END); /* drop "END\n" */
    for (size_t t = 0; t < NTHREADS; t++) {
        cv_mem_src m;
        cv_age_armor_reader ar;
        cv_buf out;
        cv_buf_sink sink;
        cv_age_stream_opts o = { thread_counts[t] };
        cv_mem_src_init(&m, cv_buf_slice(&text));
        cv_age_armor_reader_init(&ar, &m.src);
        cv_buf_init(&out, (size_t)8 << 20);
        cv_buf_sink_init(&sink, &out);
        cv_err_clear();
        cr_assert_eq(cv_age_stream_decrypt(key, &ar.src, &sink.sink, &o).err, CV_E_AGE_ARMOR);
        cr_assert_neq(cv_err_detail()[0], '\0', "threads %u", thread_counts[t]);
        cr_assert_eq(out.len, 40 * CH);
        cv_age_armor_reader_release(&ar);
        cv_buf_release(&out);
    }
    cv_buf_release(&text);
    cv_buf_release(&ct);
    free(pt);
}
