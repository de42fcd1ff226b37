/* STREAM, in parallel and in constant memory.
 *
 * The input is cut into batches ("slots") of up to `batch` chunks. A fixed
 * ring of slots moves through FREE -> READING -> FILLED -> DONE -> WRITING ->
 * FREE. Every thread (the caller included) runs the same loop and takes the
 * most urgent task available: write the oldest finished slot, read the next
 * slot, or seal/open one chunk of a filled slot. Reads and writes happen one
 * at a time and in order, so the sink sees the chunks in sequence; only the
 * AEAD work runs concurrently. One thread means the same loop, sequentially.
 *
 * Layout of a slot buffer: chunk i sits at i * CV_AGE_CHUNK_CT. Encryption
 * reads each plaintext chunk there plus one byte of look-ahead (which lands
 * in the tag space and is carried to the next chunk) and seals in place, so
 * a slot's ciphertext is contiguous. Decryption reads the ciphertext
 * contiguously and opens each chunk into a separate plaintext buffer (a
 * failed open wipes its output, and a full-size chunk may need a second try
 * as the final one, so the ciphertext must survive). */
#include "crypto/age/stream.h"

#include <pthread.h>
#include <stdbool.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "crypto/base/limits.h"
#include "crypto/base/mem.h"
#include "crypto/prim/aead.h"
#include "crypto/prim/hash.h"

#define CHUNK ((size_t)CV_AGE_CHUNK)
#define CT ((size_t)CV_AGE_CHUNK_CT)

enum { SLOT_FREE, SLOT_READING, SLOT_FILLED, SLOT_DONE, SLOT_WRITING };
enum { TASK_NONE, TASK_READ, TASK_CRYPT, TASK_WRITE };

typedef struct {
    uint8_t *in;       /* batch * CT + 1 bytes (mmap) */
    uint8_t *out;      /* decryption: batch * CHUNK bytes of plaintext */
    size_t in_used;    /* high-water marks, wiped before unmapping */
    size_t out_used;
    uint64_t first;    /* index of the slot's first chunk */
    size_t total;      /* input bytes held (plaintext or ciphertext) */
    unsigned n;        /* complete chunks */
    unsigned next;     /* next chunk to hand out */
    unsigned done;     /* chunks finished */
    bool eof;          /* the input ends in this slot */
    cv_err read_err;   /* the read that filled the slot failed after `total` */
    char read_detail[128];
    int state;
    cv_err *st;        /* per chunk outcome */
    bool *fin;         /* decryption: chunk opened as the final one */
} slot;

typedef struct {
    bool decrypt;
    const uint8_t *key;
    cv_src *src;
    cv_sink *sink;
    unsigned nslots, batch;
    slot *slots;
    uint64_t read_seq, write_seq, chunks_read;
    bool reading, writing, input_done, stop;
    uint8_t carry;
    bool has_carry;
    cv_err err;
    char detail[256];
    pthread_mutex_t mu;
    pthread_cond_t cv;
} pipeline;

typedef struct {
    int kind;
    slot *s;
    unsigned chunk;
} task;

cv_result cv_age_payload_key(uint8_t key[32], const uint8_t file_key[CV_AGE_FILE_KEY],
                             const uint8_t nonce[CV_AGE_NONCE])
{
    return cv_hkdf(key, 32, file_key, CV_AGE_FILE_KEY, nonce, CV_AGE_NONCE, "payload");
}

/* 11-byte big-endian counter || final flag. */
static void chunk_nonce(uint8_t nonce[CV_CHACHA_NONCE], uint64_t index, bool last)
{
    nonce[0] = nonce[1] = nonce[2] = 0;
    for (int i = 0; i < 8; i++) nonce[3 + i] = (uint8_t)(index >> (56 - 8 * i));
    nonce[11] = last ? 1 : 0;
}

static unsigned online_cpus(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1u : (unsigned)n;
}

static unsigned thread_count(const cv_age_stream_opts *opts)
{
    unsigned n = opts && opts->threads ? opts->threads : online_cpus();
    return n > CV_AGE_MAX_THREADS ? CV_AGE_MAX_THREADS : n;
}

/* ---- buffers ---------------------------------------------------------- */

static uint8_t *map_buf(size_t n)
{
    void *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return NULL;
    /* Plaintext passes through here: keep it out of core dumps. */
    (void)madvise(p, n, MADV_DONTDUMP);
    return p;
}

static void unmap_buf(uint8_t **p, size_t size, size_t used)
{
    if (*p == NULL) return;
    cv_wipe(*p, used);
    munmap(*p, size);
    *p = NULL;
}

static size_t in_size(const pipeline *pl) { return pl->batch * CT + 1; }
static size_t out_size(const pipeline *pl) { return pl->batch * CHUNK; }

static cv_result slot_alloc(pipeline *pl, slot *s)
{
    if (s->in != NULL) return cv_ok();
    s->in = map_buf(in_size(pl));
    CV_ENSURE(s->in != NULL, CV_E_NOMEM);
    if (pl->decrypt) {
        s->out = map_buf(out_size(pl));
        CV_ENSURE(s->out != NULL, CV_E_NOMEM);
    }
    return cv_ok();
}

static void slot_free(pipeline *pl, slot *s)
{
    unmap_buf(&s->in, in_size(pl), s->in_used);
    unmap_buf(&s->out, out_size(pl), s->out_used);
    free(s->st);
    free(s->fin);
}

/* ---- reading ---------------------------------------------------------- */

/* Like cv_src_read_full, but the byte count survives an error. */
static cv_err read_upto(cv_src *src, uint8_t *p, size_t n, size_t *got)
{
    *got = 0;
    while (*got < n) {
        size_t g = 0;
        cv_result r = cv_src_read(src, p + *got, n - *got, &g);
        if (!cv_is_ok(r)) return r.err;
        if (g == 0) break;
        *got += g;
    }
    return CV_OK;
}

static void note_used(size_t *mark, size_t n)
{
    if (n > *mark) *mark = n;
}

/* Plaintext chunks, each with one byte of look-ahead: a chunk is final only
 * when the byte after it does not exist. */
static void read_plain(pipeline *pl, slot *s)
{
    for (unsigned i = 0; i < pl->batch; i++) {
        uint8_t *p = s->in + i * CT;
        size_t have = 0, got = 0;
        if (pl->has_carry) p[have++] = pl->carry;
        s->read_err = read_upto(pl->src, p + have, CHUNK + 1 - have, &got);
        note_used(&s->in_used, i * CT + have + got);
        got += have;
        if (s->read_err != CV_OK) return;
        s->n = i + 1;
        if (got <= CHUNK) {
            pl->has_carry = false;
            s->total += got;
            s->eof = true;
            return;
        }
        pl->carry = p[CHUNK];
        pl->has_carry = true;
        s->total += CHUNK;
    }
}

/* Ciphertext is read contiguously, plus one byte to tell whether the input
 * ends exactly at the slot's end. */
static void read_cipher(pipeline *pl, slot *s)
{
    size_t want = pl->batch * CT + 1, have = 0, got = 0;
    if (pl->has_carry) s->in[have++] = pl->carry;
    pl->has_carry = false;
    s->read_err = read_upto(pl->src, s->in + have, want - have, &got);
    got += have;
    note_used(&s->in_used, got);
    if (s->read_err != CV_OK) {
        s->total = got;
        s->n = (unsigned)(got / CT);
        return;
    }
    if (got == want) {
        pl->carry = s->in[want - 1];
        pl->has_carry = true;
        s->total = want - 1;
        s->n = pl->batch;
        return;
    }
    s->total = got;
    s->n = (unsigned)((got + CT - 1) / CT);
    s->eof = true;
}

static void task_read(pipeline *pl, slot *s)
{
    s->total = 0;
    s->n = s->next = s->done = 0;
    s->eof = false;
    s->read_err = CV_OK;
    s->first = pl->chunks_read;
    s->read_detail[0] = '\0';
    cv_result r = slot_alloc(pl, s);
    if (!cv_is_ok(r)) {
        s->read_err = r.err;
        return;
    }
    if (pl->decrypt)
        read_cipher(pl, s);
    else
        read_plain(pl, s);
    /* Details are per thread: keep this one until the slot is written. */
    if (s->read_err != CV_OK)
        snprintf(s->read_detail, sizeof(s->read_detail), "%s", cv_err_detail());
    pl->chunks_read += s->n;
}

/* ---- the AEAD work ---------------------------------------------------- */

static size_t chunk_len(const pipeline *pl, const slot *s, unsigned i)
{
    size_t stride = pl->decrypt ? CT : CHUNK, left = s->total - i * stride;
    return left < stride ? left : stride;
}

static cv_err seal_chunk(const pipeline *pl, cv_chacha *c, slot *s, unsigned i)
{
    uint8_t nonce[CV_CHACHA_NONCE];
    uint8_t *p = s->in + i * CT;
    size_t len = chunk_len(pl, s, i);
    bool last = s->eof && i + 1 == s->n;
    chunk_nonce(nonce, s->first + i, last);
    return cv_chacha_seal(c, p, nonce, p, len, NULL, 0).err;
}

/* A short chunk can only be the final one; a full one is tried as a middle
 * chunk first, then as a full-size final chunk. */
static cv_err open_chunk(const pipeline *pl, cv_chacha *c, slot *s, unsigned i)
{
    uint8_t nonce[CV_CHACHA_NONCE];
    const uint8_t *in = s->in + i * CT;
    uint8_t *out = s->out + i * CHUNK;
    size_t len = chunk_len(pl, s, i);
    uint64_t index = s->first + i;
    s->fin[i] = false;
    if (len < CT) {
        if (len == CV_AGE_TAG && index != 0) return CV_E_AGE_LAST_EMPTY;
        s->fin[i] = true;
        chunk_nonce(nonce, index, true);
        return cv_is_ok(cv_chacha_open(c, out, nonce, in, len, NULL, 0)) ? CV_OK
                                                                        : CV_E_AGE_PAYLOAD;
    }
    chunk_nonce(nonce, index, false);
    if (cv_is_ok(cv_chacha_open(c, out, nonce, in, len, NULL, 0))) return CV_OK;
    s->fin[i] = true;
    chunk_nonce(nonce, index, true);
    return cv_is_ok(cv_chacha_open(c, out, nonce, in, len, NULL, 0)) ? CV_OK : CV_E_AGE_PAYLOAD;
}

static void task_crypt(const pipeline *pl, cv_chacha *c, slot *s, unsigned i)
{
    s->st[i] = pl->decrypt ? open_chunk(pl, c, s, i) : seal_chunk(pl, c, s, i);
}

/* ---- writing ---------------------------------------------------------- */

static cv_result read_failure(const slot *s)
{
    if (s->read_detail[0]) return CV_FAILF(s->read_err, "%s", s->read_detail);
    return CV_FAIL(s->read_err);
}

static cv_result write_sealed(pipeline *pl, slot *s, bool *finished)
{
    for (unsigned i = 0; i < s->n; i++) CV_ENSURE(s->st[i] == CV_OK, s->st[i]);
    if (s->n > 0) {
        size_t len = (s->n - 1) * CT + chunk_len(pl, s, s->n - 1) + CV_AGE_TAG;
        CV_GUARD(cv_sink_write(pl->sink, s->in, len));
    }
    if (s->read_err != CV_OK) return read_failure(s);
    *finished = s->eof;
    return cv_ok();
}

/* How many leading chunks of a decrypted slot to release, and what follows
 * them: an error, the end (a verified final chunk then EOF), or more. */
static cv_err opened_verdict(const slot *s, unsigned *nrel, bool *finished)
{
    for (unsigned i = 0; i < s->n; i++) {
        if (s->st[i] != CV_OK) {
            *nrel = i;
            return s->st[i];
        }
        if (!s->fin[i]) continue;
        *nrel = i + 1;
        *finished = true;
        bool more = i + 1 < s->n || s->total > (i + 1) * CT ||
                    (!s->eof && s->read_err == CV_OK);
        return more ? CV_E_AGE_TRAILING : s->read_err;
    }
    *nrel = s->n;
    if (s->read_err != CV_OK) return s->read_err;
    return s->eof ? CV_E_AGE_TRUNCATED : CV_OK;
}

static cv_result write_opened(pipeline *pl, slot *s, bool *finished)
{
    unsigned nrel = 0;
    cv_err verdict = opened_verdict(s, &nrel, finished);
    size_t len = 0;
    for (unsigned i = 0; i < nrel; i++) len += chunk_len(pl, s, i) - CV_AGE_TAG;
    /* The slot's plaintext is overwritten by its next batch and wiped (up to
     * its high-water mark) when the ring is unmapped, as the plaintext input
     * of encryption is: wiping it here would put a pass over every byte on
     * the writing thread, the one the file system already keeps busiest. */
    CV_GUARD(len ? cv_sink_write(pl->sink, s->out, len) : cv_ok());
    if (verdict != CV_OK && verdict == s->read_err) return read_failure(s);
    CV_ENSURE(verdict == CV_OK, verdict);
    return cv_ok();
}

static cv_result task_write(pipeline *pl, slot *s, bool *finished)
{
    *finished = false;
    return pl->decrypt ? write_opened(pl, s, finished) : write_sealed(pl, s, finished);
}

/* ---- scheduling ------------------------------------------------------- */

static slot *slot_at(const pipeline *pl, uint64_t seq) { return &pl->slots[seq % pl->nslots]; }

static bool pick_crypt(pipeline *pl, task *t)
{
    for (uint64_t q = pl->write_seq; q < pl->read_seq; q++) {
        slot *s = slot_at(pl, q);
        if (s->state == SLOT_FILLED && s->next < s->n) {
            t->kind = TASK_CRYPT;
            t->s = s;
            t->chunk = s->next++;
            return true;
        }
    }
    return false;
}

/* Under the lock: the most urgent runnable task (writing frees a slot,
 * reading feeds the workers, then the AEAD work). */
static bool pick(pipeline *pl, task *t)
{
    slot *w = slot_at(pl, pl->write_seq);
    if (!pl->writing && pl->write_seq < pl->read_seq && w->state == SLOT_DONE) {
        pl->writing = true;
        w->state = SLOT_WRITING;
        *t = (task){ TASK_WRITE, w, 0 };
        return true;
    }
    slot *r = slot_at(pl, pl->read_seq);
    if (!pl->reading && !pl->input_done && r->state == SLOT_FREE) {
        pl->reading = true;
        r->state = SLOT_READING;
        *t = (task){ TASK_READ, r, 0 };
        return true;
    }
    return pick_crypt(pl, t);
}

static void fail_locked(pipeline *pl, cv_err e, const char *detail)
{
    if (pl->err == CV_OK) {
        pl->err = e;
        snprintf(pl->detail, sizeof(pl->detail), "%s", detail);
    }
    pl->stop = true;
}

static void read_done(pipeline *pl, slot *s)
{
    pl->reading = false;
    pl->read_seq++;
    if (s->eof || s->read_err != CV_OK) pl->input_done = true;
    s->state = s->n == 0 ? SLOT_DONE : SLOT_FILLED;
}

static void crypt_done(slot *s, unsigned chunk)
{
    note_used(&s->out_used, (chunk + 1) * CHUNK);
    if (++s->done == s->n) s->state = SLOT_DONE;
}

static void write_done(pipeline *pl, slot *s, cv_result r, bool finished, const char *detail)
{
    pl->writing = false;
    if (!cv_is_ok(r)) {
        fail_locked(pl, r.err, detail);
        return;
    }
    if (finished) pl->stop = true;
    s->state = SLOT_FREE;
    pl->write_seq++;
}

/* Run one task outside the lock; report its completion under the lock.
 * Details are per thread, so a failing write copies its detail here. */
static void run_task(pipeline *pl, cv_chacha *c, task *t)
{
    char detail[256] = "";
    bool finished = false;
    cv_result r = cv_ok();
    if (t->kind == TASK_READ) task_read(pl, t->s);
    if (t->kind == TASK_CRYPT) task_crypt(pl, c, t->s, t->chunk);
    if (t->kind == TASK_WRITE) r = task_write(pl, t->s, &finished);
    if (!cv_is_ok(r)) snprintf(detail, sizeof(detail), "%s", cv_err_detail());
    pthread_mutex_lock(&pl->mu);
    if (t->kind == TASK_READ) read_done(pl, t->s);
    if (t->kind == TASK_CRYPT) crypt_done(t->s, t->chunk);
    if (t->kind == TASK_WRITE) write_done(pl, t->s, r, finished, detail);
    /* Wake the others only when something new became runnable. */
    if (t->kind != TASK_CRYPT || t->s->state == SLOT_DONE) pthread_cond_broadcast(&pl->cv);
}

static void run_loop(pipeline *pl, cv_chacha *c)
{
    pthread_mutex_lock(&pl->mu);
    while (!pl->stop) {
        task t = { TASK_NONE, NULL, 0 };
        if (!pick(pl, &t)) {
            pthread_cond_wait(&pl->cv, &pl->mu);
            continue;
        }
        pthread_mutex_unlock(&pl->mu);
        run_task(pl, c, &t); /* returns with the lock held */
    }
    pthread_mutex_unlock(&pl->mu);
}

static void *worker_main(void *arg)
{
    pipeline *pl = arg;
    cv_chacha *c = NULL;
    cv_result r = cv_chacha_new(&c, pl->key);
    if (!cv_is_ok(r)) {
        pthread_mutex_lock(&pl->mu);
        fail_locked(pl, r.err, "");
        pthread_cond_broadcast(&pl->cv);
        pthread_mutex_unlock(&pl->mu);
        return NULL;
    }
    run_loop(pl, c);
    cv_chacha_free(&c);
    return NULL;
}

/* ---- set-up ----------------------------------------------------------- */

static void plan(pipeline *pl, unsigned threads)
{
    size_t per_chunk = CT + (pl->decrypt ? CHUNK : 0);
    pl->nslots = threads + 2;
    size_t fit = CV_AGE_STREAM_MAX_MEM / (pl->nslots * per_chunk);
    pl->batch = fit < CV_AGE_BATCH_CHUNKS ? (unsigned)(fit ? fit : 1) : CV_AGE_BATCH_CHUNKS;
}

static cv_result pipeline_init(pipeline *pl, bool decrypt, const uint8_t *key, cv_src *in,
                               cv_sink *out, unsigned threads)
{
    memset(pl, 0, sizeof(*pl));
    pl->decrypt = decrypt;
    pl->key = key;
    pl->src = in;
    pl->sink = out;
    plan(pl, threads);
    pthread_mutex_init(&pl->mu, NULL);
    pthread_cond_init(&pl->cv, NULL);
    pl->slots = calloc(pl->nslots, sizeof(slot));
    CV_ENSURE(pl->slots != NULL, CV_E_NOMEM);
    for (unsigned i = 0; i < pl->nslots; i++) {
        slot *s = &pl->slots[i];
        s->st = calloc(pl->batch, sizeof(*s->st));
        s->fin = calloc(pl->batch, sizeof(*s->fin));
        CV_ENSURE(s->st != NULL && s->fin != NULL, CV_E_NOMEM);
    }
    return cv_ok();
}

static void pipeline_clear(pipeline *pl)
{
    if (pl->slots != NULL)
        for (unsigned i = 0; i < pl->nslots; i++) slot_free(pl, &pl->slots[i]);
    free(pl->slots);
    pthread_mutex_destroy(&pl->mu);
    pthread_cond_destroy(&pl->cv);
    CV_WIPE(pl->carry);
    pl->slots = NULL;
}

/* Threads worth starting once the first slot is read: none for an input
 * that fits in one chunk (small files pay no start-up), else up to one per
 * chunk in flight. */
static unsigned helpers_needed(const pipeline *pl, unsigned threads)
{
    const slot *s = &pl->slots[0];
    if (!pl->input_done) return threads - 1;
    return s->n <= 1 ? 0 : (s->n < threads ? s->n : threads) - 1;
}

static unsigned start_helpers(pipeline *pl, pthread_t *tids, unsigned want)
{
    unsigned started = 0;
    for (; started < want; started++)
        if (pthread_create(&tids[started], NULL, worker_main, pl) != 0) break;
    return started; /* fewer threads is slower, never wrong */
}

static cv_result run_pipeline(pipeline *pl, unsigned threads)
{
    pthread_t tids[CV_AGE_MAX_THREADS];
    cv_chacha *c = NULL;
    CV_GUARD(cv_chacha_new(&c, pl->key));
    /* The first read happens here, before any thread exists. */
    task first = { TASK_READ, &pl->slots[0], 0 };
    pl->reading = true;
    pl->slots[0].state = SLOT_READING;
    run_task(pl, c, &first);
    pthread_mutex_unlock(&pl->mu);
    unsigned n = start_helpers(pl, tids, helpers_needed(pl, threads));
    run_loop(pl, c);
    for (unsigned i = 0; i < n; i++) pthread_join(tids[i], NULL);
    cv_chacha_free(&c);
    if (pl->err == CV_OK) return cv_ok();
    if (pl->detail[0]) return CV_FAILF(pl->err, "%s", pl->detail);
    return CV_FAIL(pl->err);
}

static cv_result stream_run(bool decrypt, const uint8_t key[32], cv_src *in, cv_sink *out,
                            const cv_age_stream_opts *opts)
{
    pipeline pl;
    unsigned threads = thread_count(opts);
    cv_result r = pipeline_init(&pl, decrypt, key, in, out, threads);
    if (cv_is_ok(r)) r = run_pipeline(&pl, threads);
    pipeline_clear(&pl);
    return r;
}

cv_result cv_age_stream_encrypt(const uint8_t key[32], cv_src *in, cv_sink *out,
                                const cv_age_stream_opts *opts)
{
    return stream_run(false, key, in, out, opts);
}

cv_result cv_age_stream_decrypt(const uint8_t key[32], cv_src *in, cv_sink *out,
                                const cv_age_stream_opts *opts)
{
    return stream_run(true, key, in, out, opts);
}
