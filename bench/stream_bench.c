/* In-memory throughput of the STREAM payload (and optionally the armor) with
 * 1..N threads, without the CLI or the file system:
 *
 *   build/stream-bench [-s MiB] [-r runs] [-t max_threads] [-a]
 *
 * Input is random; the ciphertext goes to a preallocated buffer, the
 * plaintext of the decryption is checked against the input. Prints the
 * median wall time and throughput of `runs` for each thread count, and the
 * median CPU time of all threads (the figure to trust on a busy host). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "crypto/age/armor.h"
#include "crypto/age/stream.h"
#include "crypto/base/mem.h"

typedef struct {
    cv_sink sink;
    uint8_t *p;
    size_t len, cap;
} flat_sink;

static cv_result flat_write(cv_sink *s, const uint8_t *buf, size_t n)
{
    flat_sink *f = (flat_sink *)s;
    CV_ENSURE(n <= f->cap - f->len, CV_E_TOO_LARGE);
    memcpy(f->p + f->len, buf, n);
    f->len += n;
    return cv_ok();
}

static void flat_init(flat_sink *f, uint8_t *p, size_t cap)
{
    f->sink.write = flat_write;
    f->sink.ctx = NULL;
    f->p = p;
    f->len = 0;
    f->cap = cap;
}

static double clock_s(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Wall and CPU (all threads) seconds of one operation. */
typedef struct {
    double wall, cpu;
} span;

static span span_start(void)
{
    return (span){ clock_s(CLOCK_MONOTONIC), clock_s(CLOCK_PROCESS_CPUTIME_ID) };
}

static void span_end(span *s)
{
    s->wall = clock_s(CLOCK_MONOTONIC) - s->wall;
    s->cpu = clock_s(CLOCK_PROCESS_CPUTIME_ID) - s->cpu;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

typedef struct {
    uint8_t key[32];
    uint8_t *plain, *ct, *back;
    size_t size, ct_cap;
    bool armor;
} bench;

static int encrypt_once(bench *b, unsigned threads, size_t *ct_len, span *t)
{
    cv_mem_src src;
    flat_sink out;
    cv_age_armor_writer aw;
    cv_age_stream_opts o = { threads };
    cv_mem_src_init(&src, cv_slice_of(b->plain, b->size));
    flat_init(&out, b->ct, b->ct_cap);
    cv_sink *sink = &out.sink;
    if (b->armor) {
        cv_age_armor_writer_init(&aw, &out.sink);
        sink = &aw.sink;
    }
    *t = span_start();
    cv_result r = cv_age_stream_encrypt(b->key, &src.src, sink, &o);
    if (b->armor && cv_is_ok(r)) r = cv_age_armor_writer_finish(&aw);
    span_end(t);
    if (b->armor) cv_age_armor_writer_release(&aw);
    *ct_len = out.len;
    return cv_is_ok(r) ? 0 : (fprintf(stderr, "encrypt: %s\n", cv_strerror(r.err)), 1);
}

static int decrypt_once(bench *b, unsigned threads, size_t ct_len, span *t)
{
    cv_mem_src src;
    flat_sink out;
    cv_age_armor_reader ar;
    cv_age_stream_opts o = { threads };
    cv_mem_src_init(&src, cv_slice_of(b->ct, ct_len));
    flat_init(&out, b->back, b->size);
    cv_src *in = &src.src;
    if (b->armor) {
        cv_age_armor_reader_init(&ar, &src.src);
        in = &ar.src;
    }
    *t = span_start();
    cv_result r = cv_age_stream_decrypt(b->key, in, &out.sink, &o);
    span_end(t);
    if (b->armor) cv_age_armor_reader_release(&ar);
    if (!cv_is_ok(r)) return fprintf(stderr, "decrypt: %s\n", cv_strerror(r.err)), 1;
    if (out.len != b->size || memcmp(b->back, b->plain, b->size) != 0)
        return fprintf(stderr, "decrypt: round trip mismatch\n"), 1;
    return 0;
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof(double), cmp_double);
    return v[n / 2];
}

static int run_threads(bench *b, unsigned threads, int runs)
{
    double ew[64], ec[64], dw[64], dc[64];
    size_t ct_len = 0;
    for (int i = 0; i < runs; i++) {
        span e, d;
        if (encrypt_once(b, threads, &ct_len, &e)) return 1;
        if (decrypt_once(b, threads, ct_len, &d)) return 1;
        ew[i] = e.wall, ec[i] = e.cpu, dw[i] = d.wall, dc[i] = d.cpu;
    }
    double mib = (double)b->size / 1048576.0, e = median(ew, runs), d = median(dw, runs);
    printf("threads %2u  encrypt %7.0f MiB/s (%.3f s, cpu %.3f s)  decrypt %7.0f MiB/s "
           "(%.3f s, cpu %.3f s)\n",
           threads, mib / e, e, median(ec, runs), mib / d, d, median(dc, runs));
    return 0;
}

int main(int argc, char **argv)
{
    bench b = { .size = 256u << 20 };
    int runs = 5, opt;
    unsigned max_threads = (unsigned)sysconf(_SC_NPROCESSORS_ONLN);
    while ((opt = getopt(argc, argv, "s:r:t:a")) != -1) {
        if (opt == 's') b.size = (size_t)strtoul(optarg, NULL, 10) << 20;
        else if (opt == 'r') runs = (int)strtol(optarg, NULL, 10);
        else if (opt == 't') max_threads = (unsigned)strtoul(optarg, NULL, 10);
        else if (opt == 'a') b.armor = true;
        else return fprintf(stderr, "usage: %s [-s MiB] [-r runs] [-t threads] [-a]\n", argv[0]), 2;
    }
    if (runs < 1 || runs > 64 || max_threads < 1) return 2;
    if (!cv_is_ok(cv_crypto_init())) return 1;
    b.ct_cap = (b.size + (b.size >> 4) + 4096) * 4 / 3 + 4096;
    b.plain = malloc(b.size);
    b.ct = malloc(b.ct_cap);
    b.back = malloc(b.size ? b.size : 1);
    if (!b.plain || !b.ct || !b.back) return 1;
    for (size_t i = 0; i < b.size; i++) b.plain[i] = (uint8_t)(i * 2654435761u >> 13);
    memset(b.key, 0x42, sizeof(b.key));
    memset(b.ct, 0, b.ct_cap); /* fault the pages in before timing */
    memset(b.back, 0, b.size);
    printf("%zu MiB in memory%s, median of %d runs\n", b.size >> 20, b.armor ? ", armored" : "",
           runs);
    for (unsigned t = 1; t <= max_threads; t++)
        if (run_threads(&b, t, runs)) return 1;
    return 0;
}
