#include "secrets/sops/crypt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>

#include "crypto/base/arena.h"
#include "crypto/base/limits.h"
#include "crypto/base/mem.h"
#include "crypto/base/par.h"
#include "crypto/prim/hash.h"
#include "crypto/prim/pk.h"
#include "secrets/sops/regex.h"

static const uint8_t mac_only_prefix[32] = {
    0x8a, 0x3f, 0xd2, 0xad, 0x54, 0xce, 0x66, 0x52, 0x7b, 0x10, 0x34,
    0xf3, 0xd1, 0x47, 0xbe, 0x0b, 0x0b, 0x97, 0x5b, 0x3b, 0xf4, 0x4f,
    0x72, 0xc6, 0xfd, 0xad, 0xec, 0x81, 0x76, 0xf2, 0x7d, 0x69,
};

/* A leaf met by the walk, waiting for its value to be encrypted or
 * decrypted (on any thread) and then applied in document order. */
typedef struct {
    cv_node *v;
    uint32_t aad_off, aad_len; /* in walk.aads */
    bool crypt;                /* encrypted leaf: encrypt it, or decrypt it */
    bool comment, in_list;
    bool done, failed;
    bool hash;        /* encrypt: goes into the MAC (hashed in flush) */
    bool hash_failed; /* the hasher stopped here */
    bool big;         /* decrypt: opened in flush, its MAC input fed (open_big) */
    bool hashed;      /* decrypt: its MAC input was fed while it was opened */
    uint8_t worker;
    bool empty;          /* encrypt: nothing to encrypt */
    /* encrypt: the leaf's kind and text as the walk met them, which the
     * hasher reads (with the number in v->v, which sealing leaves alone)
     * while the leaf itself is given its ENC text. No plaintext is copied
     * here: the jobs are ordinary memory. */
    cv_node_kind plain_kind;
    char *plain_s;
    size_t plain_len;
    cv_sops_opened o;    /* decrypt: where the plaintext is; encrypt: o.len of the text */
    char *dst;           /* encrypt: the ENC text's place in the doc's arena */
    /* A failure of a value opened in place (its text is spent: rerun
     * cannot repeat it), kept from the thread that met it. */
    cv_err err;
    char *detail;
} job;

/* Jobs are run in batches: memory stays bounded and the order of errors
 * and of MAC input is the document's. */
#define BATCH 4096u

/* A batch's work in values: one per value and one per BYTES_PER_UNIT of
 * text, so a single large value still gets a second thread (its MAC input
 * hashed while it is sealed). */
#define BYTES_PER_UNIT 256u

typedef struct {
    cv_doc *d;
    cv_aes_gcm *key;
    const uint8_t *raw_key;
    job *jobs;
    size_t njobs, cap_jobs;
    cv_buf aads;                       /* the AAD of every pending job */
    cv_buf out[CV_PAR_MAX_THREADS];    /* per thread: plaintexts or ENC texts */
    atomic_size_t next, ids;
    atomic_bool hash_claimed; /* encrypt: one thread hashes the batch */
    cv_sops_mac_pending *pending; /* encrypt: the last batch is hashed there */
    size_t batch_bytes;       /* text in the batch: a large value pays a thread */
    cv_sops_stash *stash;
    bool decrypt;
    bool mac_only;
    bool has_rule;
    cv_sops_rule rule;
    const char *rule_value;
    cv_goregex *re;
    cv_sha512_ctx mac;
    cv_buf aad;          /* "k1:k2:...:" of the current path */
    size_t path_hits;    /* path components matching a key rule */
    bool *matched;       /* comment stack: match flag per comment */
    size_t n_comments, cap_comments;
    unsigned depth;
} walk;

static bool is_comment_rule(cv_sops_rule r)
{
    return r == CV_SOPS_RULE_UNENCRYPTED_COMMENT_REGEX || r == CV_SOPS_RULE_ENCRYPTED_COMMENT_REGEX;
}

static bool key_matches(const walk *w, const cv_node *k)
{
    if (!w->has_rule) return false;
    size_t vl = strlen(w->rule_value);
    switch (w->rule) {
    case CV_SOPS_RULE_UNENCRYPTED_SUFFIX:
    case CV_SOPS_RULE_ENCRYPTED_SUFFIX:
        return k->len >= vl && memcmp(k->s + k->len - vl, w->rule_value, vl) == 0;
    case CV_SOPS_RULE_UNENCRYPTED_REGEX:
    case CV_SOPS_RULE_ENCRYPTED_REGEX: return cv_goregex_match(w->re, k->s, k->len);
    default: return false;
    }
}

/* shouldBeEncrypted, from the state kept along the walk. */
static bool should_encrypt(const walk *w, bool is_comment, size_t level_first)
{
    if (!w->has_rule) return true;
    switch (w->rule) {
    case CV_SOPS_RULE_UNENCRYPTED_SUFFIX:
    case CV_SOPS_RULE_UNENCRYPTED_REGEX: return w->path_hits == 0;
    case CV_SOPS_RULE_ENCRYPTED_SUFFIX:
    case CV_SOPS_RULE_ENCRYPTED_REGEX: return w->path_hits > 0;
    case CV_SOPS_RULE_UNENCRYPTED_COMMENT_REGEX:
        for (size_t i = 0; i < w->n_comments; i++)
            if (w->matched[i]) return false;
        return true;
    case CV_SOPS_RULE_ENCRYPTED_COMMENT_REGEX: {
        /* A comment that matches does not encrypt itself, only what follows. */
        size_t n = w->n_comments;
        if (is_comment && n > level_first) n--;
        for (size_t i = 0; i < n; i++)
            if (w->matched[i]) return true;
        return false;
    }
    default: return true;
    }
}

static cv_result push_comment(walk *w, const cv_node *c)
{
    CV_GUARD(cv_arena_grow(w->d->arena, (void **)&w->matched, &w->cap_comments,
                           w->n_comments + 1, sizeof(bool)));
    w->matched[w->n_comments++] = w->has_rule && is_comment_rule(w->rule) && cv_goregex_match(w->re, c->s, c->len);
    return cv_ok();
}

static cv_result hash_leaf(cv_sha512_ctx *mac, const cv_node *v)
{
    char num[CV_NUM_TEXT_MAX];
    cv_slice b;
    const char *type;
    CV_GUARD(cv_sops_value_bytes(v, num, &b, &type));
    cv_sha512_update(mac, b.p, b.len);
    cv_wipe(num, sizeof(num));
    return cv_ok();
}

/* A value's error as sops words it (no path: sops gives none). */
static cv_result value_error(const walk *w, cv_result r)
{
    if (cv_is_ok(r)) return r;
    return CV_FAILF(r.err, "Error walking tree: Could not %s value: %s",
                    w->decrypt ? "decrypt" : "encrypt", cv_err_detail());
}

/* ---- jobs: the values of a batch, on every core ----------------------------- */

static cv_slice job_path(const walk *w, const job *j)
{
    return cv_slice_of(w->aads.p + j->aad_off, j->aad_len);
}

/* sops joins the path with ':' and adds one: the empty path is ":". */
static cv_slice job_aad(const walk *w, const job *j)
{
    return j->aad_len ? job_path(w, j) : cv_slice_of(":", 1);
}

/* Without a stash (which wants each IV), a value is opened over its own
 * text: no plaintext buffer, no copy. Comments are not: one that fails to
 * open is left as it was. */
static cv_result open_job(walk *w, job *j, cv_aes_gcm *k, cv_buf *out, const cv_sops_feed *feed)
{
    if (!j->comment && w->stash == NULL) {
        bool taken;
        cv_result r = cv_sops_value_open_here_fed(j->v, k, job_aad(w, j), &j->o, &taken, feed);
        if (taken) {
            if (!cv_is_ok(r)) {
                j->err = r.err;
                j->detail = strdup(cv_err_detail());
            }
            return r;
        }
    }
    return cv_sops_value_open(j->v, k, job_aad(w, j), out, &j->o);
}

static cv_result crypt_job(walk *w, job *j, cv_aes_gcm *k, size_t id)
{
    cv_buf *out = &w->out[id];
    j->worker = (uint8_t)id;
    if (w->decrypt) return open_job(w, j, k, out, NULL);
    if (j->empty) return cv_ok();
    return cv_sops_value_seal_into(j->v, k, job_aad(w, j), w->stash, j->dst, j->o.len);
}

/* Encryption's MAC input, in document order, on one thread while the others
 * seal: it reads the leaves as the walk met them, so sealing and applying
 * can go on at once. A value that cannot be hashed stops the hasher; it is
 * reported in its turn. */
static cv_result hash_job(cv_sha512_ctx *mac, const job *j)
{
    cv_node t;
    memset(&t, 0, sizeof(t));
    t.kind = j->plain_kind;
    t.s = j->plain_s;
    t.len = j->plain_len;
    t.uint64 = j->v->uint64;
    t.v = j->v->v;
    cv_result r = hash_leaf(mac, &t);
    cv_wipe(&t, sizeof(t));
    return r;
}

static bool hash_jobs(cv_sha512_ctx *mac, job *jobs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        job *j = &jobs[i];
        if (!j->hash) continue;
        if (!cv_is_ok(hash_job(mac, j))) {
            j->hash_failed = true;
            return false;
        }
    }
    return true;
}

/* ---- the last batch's MAC input, hashed while the caller goes on ------------ */

/* For a large value (a binary file's data) SHA-512 takes longer than all
 * the rest of an encryption: the last batch is hashed on its own thread,
 * which outlives the walk, so the data key is sealed and the document
 * written out while it runs (cv_sops_mac_wait joins it). */
struct cv_sops_mac_pending {
    cv_sha512_ctx mac;
    bool live; /* mac was handed over and is not final yet */
    job *jobs; /* the last batch (owned) */
    size_t njobs;
    pthread_t t;
    bool threaded;
    bool ok;
};

static void *pending_main(void *arg)
{
    cv_sops_mac_pending *p = arg;
    p->ok = hash_jobs(&p->mac, p->jobs, p->njobs);
    return NULL;
}

/* Hands the walk's MAC and the batch's jobs (which it keeps using until
 * it returns) to the pending hash, and starts it; without a thread, the
 * batch is hashed here. */
static void pending_start(walk *w)
{
    cv_sops_mac_pending *p = w->pending;
    p->mac = w->mac;
    p->live = true;
    p->jobs = w->jobs;
    p->njobs = w->njobs;
    atomic_store(&w->hash_claimed, true);
    p->threaded = cv_par_start(&p->t, pending_main, p) == 0;
    if (!p->threaded) pending_main(p);
}

/* Joins the hasher and finishes the MAC; the error of a value that could
 * not be hashed is made again on this thread, to be reported. */
static cv_result pending_finish(cv_sops_mac_pending *p, uint8_t h[CV_SHA512_LEN])
{
    if (p->threaded) pthread_join(p->t, NULL);
    p->threaded = false;
    cv_result r = cv_ok();
    for (size_t i = 0; !p->ok && i < p->njobs && cv_is_ok(r); i++)
        if (p->jobs[i].hash_failed) r = hash_job(&p->mac, &p->jobs[i]);
    cv_sha512_final(&p->mac, h);
    p->live = false;
    return r;
}

bool cv_sops_mac_hashing(const cv_sops_mac_pending *p)
{
    return p != NULL && p->threaded;
}

void cv_sops_mac_discard(cv_sops_mac_pending **pp)
{
    cv_sops_mac_pending *p = *pp;
    if (p == NULL) return;
    uint8_t h[CV_SHA512_LEN];
    if (p->live) (void)pending_finish(p, h);
    cv_wipe(h, sizeof(h));
    free(p->jobs);
    free(p);
    *pp = NULL;
}

static void mac_hex(const uint8_t h[CV_SHA512_LEN], char mac[CV_SOPS_MAC_HEX + 1])
{
    static const char hex[] = "0123456789ABCDEF";
    for (size_t i = 0; i < CV_SHA512_LEN; i++) {
        mac[2 * i] = hex[h[i] >> 4];
        mac[2 * i + 1] = hex[h[i] & 15];
    }
    mac[CV_SOPS_MAC_HEX] = '\0';
}

cv_result cv_sops_mac_wait(cv_sops_mac_pending **pp, char mac[CV_SOPS_MAC_HEX + 1])
{
    uint8_t h[CV_SHA512_LEN];
    cv_result r = pending_finish(*pp, h);
    if (cv_is_ok(r)) mac_hex(h, mac);
    cv_wipe(h, sizeof(h));
    cv_sops_mac_discard(pp);
    return r;
}

/* ---- a large value: its MAC input hashed while it is decrypted ------------- */

/* SHA-512 (sops's MAC) runs at about a fifth of the speed of base64 and
 * AES-GCM together, so for a large value (a binary file's data) the hash
 * sets the pace: a second thread hashes each step of plaintext as soon as
 * it is decrypted, rather than the whole value after. The MAC is the
 * walk's, in document order: the values before this one are in it, and
 * the apply loop touches it again only once the feeder has stopped. */
enum { FEED_RUN, FEED_END, FEED_STOP };

typedef struct {
    cv_sha512_ctx *mac;
    const uint8_t *p;
    atomic_size_t ready; /* bytes of plaintext decrypted at p */
    atomic_int state;
    pthread_t t;
    bool joined;
    bool complete; /* every byte of the value was hashed */
} feeder;

static void *feeder_main(void *arg)
{
    feeder *f = arg;
    size_t done = 0;
    for (;;) {
        /* state first: a FEED_END seen here means ready is final. */
        int st = atomic_load_explicit(&f->state, memory_order_acquire);
        size_t ready = atomic_load_explicit(&f->ready, memory_order_acquire);
        if (st == FEED_STOP) break;
        if (ready > done) {
            cv_sha512_update(f->mac, f->p + done, ready - done);
            done = ready;
        } else if (st == FEED_END) {
            break;
        } else {
            sched_yield();
        }
    }
    return NULL;
}

static void feeder_ready(void *ctx, size_t n)
{
    feeder *f = ctx;
    atomic_store_explicit(&f->ready, n, memory_order_release);
}

/* Called before the tag is checked (a forgery is wiped then): the feeder
 * has hashed every byte, or stopped, when this returns. */
static void feeder_done(void *ctx, bool all)
{
    feeder *f = ctx;
    atomic_store_explicit(&f->state, all ? FEED_END : FEED_STOP, memory_order_release);
    pthread_join(f->t, NULL);
    f->joined = true;
    f->complete = all;
}

/* A big job, opened here in document order with its MAC input fed to a
 * feeder thread; without one (no thread, or a type whose MAC input is not
 * the plaintext) apply_dec hashes it after, as any other. */
static void open_big(walk *w, job *j)
{
    feeder f = { .mac = &w->mac, .p = (const uint8_t *)j->v->s };
    atomic_init(&f.ready, 0);
    atomic_init(&f.state, FEED_RUN);
    bool started = cv_par_start(&f.t, feeder_main, &f) == 0;
    cv_sops_feed feed = { feeder_ready, feeder_done, &f };
    j->worker = 0;
    j->failed = !cv_is_ok(open_job(w, j, w->key, &w->out[0], started ? &feed : NULL));
    j->done = true;
    if (started && !f.joined) {
        atomic_store_explicit(&f.state, FEED_STOP, memory_order_release);
        pthread_join(f.t, NULL);
    }
    j->hashed = f.complete;
}

static void *crew_main(void *arg)
{
    walk *w = arg;
    size_t id = atomic_fetch_add(&w->ids, 1);
    cv_aes_gcm *k = NULL;
    if (!w->decrypt && !atomic_exchange(&w->hash_claimed, true))
        (void)hash_jobs(&w->mac, w->jobs, w->njobs);
    if (id >= CV_PAR_MAX_THREADS || !cv_is_ok(cv_aes_gcm_new(&k, w->raw_key))) return NULL;
    for (;;) {
        size_t i = atomic_fetch_add(&w->next, 64), end = i + 64;
        if (i >= w->njobs) break;
        if (end > w->njobs) end = w->njobs;
        for (; i < end; i++) {
            job *j = &w->jobs[i];
            if (!j->crypt || j->big) continue;
            j->failed = !cv_is_ok(crypt_job(w, j, k, id));
            j->done = true;
        }
    }
    cv_aes_gcm_free(&k);
    return NULL;
}

static cv_result apply_dec(walk *w, job *j)
{
    cv_node *v = j->v;
    if (j->crypt) {
        /* Only a comment gets here failed (rerun reported the rest): one
         * from before comments were encrypted, left as it is. */
        cv_node save = *v;
        bool ok = !j->failed;
        if (ok) {
            /* A value's plaintext goes over its own ENC text (always the
             * longer): no second block (for a big binary file, the peak).
             * Not a comment's: a comment that fails is left as it was. */
            bool reuse = !j->comment;
            cv_result r = cv_sops_value_settle(w->d, v, &j->o, w->out[j->worker].p,
                                               job_aad(w, j), w->stash, reuse);
            if (!cv_is_ok(r) && !j->comment) return value_error(w, r);
            ok = cv_is_ok(r);
        }
        if (!ok) *v = save;
        else if (j->comment && save.len == 0 && j->in_list)
            v->kind = CV_NODE_STR; /* sops turns an empty list comment into "" */
    }
    if ((!w->mac_only || j->crypt) && !j->comment && v->kind != CV_NODE_COMMENT && !j->hashed)
        CV_GUARD(hash_leaf(&w->mac, v));
    return cv_ok();
}

static cv_result apply_enc(walk *w, job *j)
{
    cv_node *v = j->v;
    if (!j->crypt) return cv_ok(); /* only hashed */
    if (!j->empty) {
        j->dst[j->o.len] = '\0';
        v->kind = v->kind == CV_NODE_COMMENT ? CV_NODE_COMMENT : CV_NODE_STR;
        v->s = j->dst;
        v->len = j->o.len;
    }
    /* sops puts the encrypted string of a list comment back as a string. */
    if (j->comment && j->in_list) v->kind = CV_NODE_STR;
    if (j->comment && w->has_rule && w->rule == CV_SOPS_RULE_UNENCRYPTED_COMMENT_REGEX &&
        cv_goregex_match(w->re, v->s, v->len))
        CV_BAILF(CV_E_SOPS_ENC, "Error walking tree: Encrypted comment \"%.*s\" matches "
                                "UnencryptedCommentRegex! Make sure that UnencryptedCommentRegex "
                                "cannot match an encrypted comment.",
                 (int)v->len, v->s);
    return cv_ok();
}

/* A job no thread could run, or one that failed: run here, so the error is
 * this thread's to report (details are per thread). */
static cv_result rerun(walk *w, job *j)
{
    if (!j->crypt || (j->done && !j->failed)) return cv_ok();
    if (j->done && j->err != CV_OK)
        return value_error(w, CV_FAILF(j->err, "%s", j->detail ? j->detail : "out of memory"));
    cv_result r = crypt_job(w, j, w->key, 0);
    j->done = true;
    j->failed = !cv_is_ok(r);
    if (j->failed && !(w->decrypt && j->comment)) return value_error(w, r);
    return cv_ok();
}

static void batch_reset(walk *w)
{
    for (size_t i = 0; i < w->njobs; i++) free(w->jobs[i].detail);
    w->njobs = 0;
    w->batch_bytes = 0;
    w->aads.len = 0;
    for (size_t i = 0; i < CV_PAR_MAX_THREADS; i++) cv_buf_reset(&w->out[i]);
}

/* Runs the batch's values on as many threads as pay, then applies them
 * in document order. The last batch of an encryption, when large, is
 * hashed on the pending MAC's thread, which goes on after this returns. */
static cv_result flush(walk *w, bool last)
{
    if (w->njobs == 0) return cv_ok();
    atomic_store(&w->next, 0);
    atomic_store(&w->ids, 0);
    atomic_store(&w->hash_claimed, false);
    bool handed = last && w->pending != NULL && w->batch_bytes >= CV_SOPS_FEED_MIN;
    if (handed) pending_start(w);
    size_t units = w->njobs + (handed ? 0 : w->batch_bytes / BYTES_PER_UNIT);
    cv_par_run(cv_par_threads(units, CV_SOPS_VALUES_PER_THREAD), crew_main, w);
    cv_result r = cv_ok();
    for (size_t i = 0; i < w->njobs && cv_is_ok(r); i++) {
        job *j = &w->jobs[i];
        if (!handed && j->hash_failed) r = hash_job(&w->mac, j); /* its error, here */
        if (cv_is_ok(r) && j->big) open_big(w, j);
        if (cv_is_ok(r)) r = rerun(w, j);
        if (cv_is_ok(r)) r = w->decrypt ? apply_dec(w, j) : apply_enc(w, j);
    }
    batch_reset(w);
    if (handed) {
        w->jobs = NULL; /* the pending hash's now */
        w->cap_jobs = 0;
    }
    return r;
}

static cv_result add_job(walk *w, cv_node *v, bool crypt, bool hash, bool in_list)
{
    if (w->njobs == BATCH) CV_GUARD(flush(w, false));
    CV_GUARD(cv_grow_array((void **)&w->jobs, &w->cap_jobs, w->njobs + 1, sizeof(job), 256, BATCH));
    CV_ENSURE(w->aads.len + w->aad.len <= UINT32_MAX, CV_E_TOO_LARGE);
    job *j = &w->jobs[w->njobs];
    *j = (job){ .v = v, .aad_off = (uint32_t)w->aads.len, .aad_len = (uint32_t)w->aad.len,
                .crypt = crypt, .hash = hash, .comment = v->kind == CV_NODE_COMMENT,
                .in_list = in_list };
    /* Opened in place (no stash) and hashed: a MAC input to feed. */
    j->big = w->decrypt && crypt && !j->comment && w->stash == NULL &&
             v->len >= CV_SOPS_FEED_MIN && cv_par_cpus() > 1;
    if (!w->decrypt) {
        w->batch_bytes += v->len; /* decryption hashes after, in order */
        j->plain_kind = v->kind;
        j->plain_s = v->s;
        j->plain_len = v->len;
    }
    if (!w->decrypt && crypt) {
        /* The ENC text goes straight to its place in the document: the
         * threads that seal need no buffer, and nothing is copied after. */
        CV_GUARD(value_error(w, cv_sops_value_enc_len(v, &j->o.len)));
        j->empty = j->o.len == 0;
        if (!j->empty) CV_GUARD(cv_arena_alloc(w->d->arena, j->o.len + 1, (void **)&j->dst));
    }
    CV_GUARD(cv_buf_add(&w->aads, w->aad.p, w->aad.len));
    w->njobs++;
    return cv_ok();
}

static cv_result walk_value(walk *w, cv_node *v, size_t level_first, bool in_list);

static cv_result leaf(walk *w, cv_node *v, size_t level_first, bool in_list)
{
    /* sops's walk knows int, float, bool, string, time and comments; the
     * uint64 yaml.v3 gives for a plain integer above 2^63-1 is none. */
    CV_ENSUREF(v->kind != CV_NODE_INT || !v->uint64, CV_E_SOPS_WALK,
               "Error walking tree: Cannot walk value, unknown type: uint64");
    bool comment = v->kind == CV_NODE_COMMENT;
    bool encrypted = should_encrypt(w, comment, level_first);
    if (w->decrypt) {
        CV_ENSUREF(!encrypted || comment || v->kind == CV_NODE_STR, CV_E_SOPS_ENC,
                   "Error walking tree: Expected encrypted value as string, but got %s",
                   cv_node_go_type(v));
        return add_job(w, v, encrypted, false, in_list); /* hashed once decrypted, in order */
    }
    bool hash = (!w->mac_only || encrypted) && !comment;
    return encrypted || hash ? add_job(w, v, encrypted, hash, in_list) : cv_ok();
}

static cv_result walk_items(walk *w, cv_node *c)
{
    CV_ENSUREF(++w->depth <= CV_DOC_MAX_DEPTH, CV_E_LIMIT, "document nested too deeply");
    size_t first = w->n_comments;
    for (size_t i = 0; i < c->n; i++) {
        cv_item *it = &c->items[i];
        if (c->kind == CV_NODE_MAP && it->key->kind == CV_NODE_COMMENT) {
            CV_GUARD(push_comment(w, it->key));
            CV_GUARD(leaf(w, it->key, first, false));
            continue;
        }
        if (c->kind == CV_NODE_LIST) {
            bool is_c = it->value->kind == CV_NODE_COMMENT;
            if (is_c) CV_GUARD(push_comment(w, it->value));
            CV_GUARD(walk_value(w, it->value, first, true));
            if (!is_c) w->n_comments = first;
            continue;
        }
        CV_ENSUREF(it->key->kind == CV_NODE_STR, CV_E_DOC_TYPE,
                   "Tree contains a non-string key. Only string keys are supported");
        size_t mark = w->aad.len;
        bool hit = key_matches(w, it->key);
        CV_GUARD(cv_buf_add(&w->aad, it->key->s, it->key->len));
        CV_GUARD(cv_buf_add_byte(&w->aad, ':'));
        w->path_hits += hit;
        CV_GUARD(walk_value(w, it->value, first, false));
        w->path_hits -= hit;
        w->aad.len = mark;
        w->n_comments = first;
    }
    w->depth--;
    return cv_ok();
}

static cv_result walk_value(walk *w, cv_node *v, size_t level_first, bool in_list)
{
    if (v == NULL || v->kind == CV_NODE_NULL) return cv_ok();
    if (v->kind == CV_NODE_MAP || v->kind == CV_NODE_LIST) return walk_items(w, v);
    return leaf(w, v, level_first, in_list);
}

static cv_result walk_init(walk *w, cv_doc *d, const cv_sops_meta *m, const uint8_t *key,
                           cv_sops_stash *stash, bool decrypt)
{
    memset(w, 0, sizeof(*w));
    cv_sha512_init(&w->mac); /* first: run finishes it whatever fails */
    w->d = d;
    w->raw_key = key;
    cv_buf_init_secret(&w->aad, CV_DOC_MAX_INPUT);
    cv_buf_init_secret(&w->aads, CV_DOC_MAX_INPUT);
    for (size_t i = 0; i < CV_PAR_MAX_THREADS; i++) {
        /* Decryption leaves plaintext there; encryption only ENC texts. */
        if (decrypt) cv_buf_init_secret(&w->out[i], CV_DOC_MAX_INPUT * 4);
        else cv_buf_init(&w->out[i], CV_DOC_MAX_INPUT * 4);
    }
    CV_GUARD(cv_aes_gcm_new(&w->key, key));
    w->stash = stash;
    w->decrypt = decrypt;
    w->mac_only = m->mac_only_encrypted;
    w->has_rule = cv_sops_meta_rule(m, &w->rule, &w->rule_value);
    if (w->has_rule && w->rule != CV_SOPS_RULE_UNENCRYPTED_SUFFIX &&
        w->rule != CV_SOPS_RULE_ENCRYPTED_SUFFIX)
        CV_GUARD(cv_goregex_compile(w->rule_value, &w->re));
    if (w->mac_only) cv_sha512_update(&w->mac, mac_only_prefix, sizeof(mac_only_prefix));
    return cv_ok();
}

/* The last batch. Jobs queued before a walk error come first in the
 * document, so their errors win; the walk's own detail is kept across. */
static cv_result finish_walk(walk *w, cv_result walked)
{
    if (cv_is_ok(walked)) return flush(w, true);
    char detail[512];
    snprintf(detail, sizeof(detail), "%s", cv_err_detail());
    cv_result r = flush(w, false);
    if (!cv_is_ok(r)) return r;
    return CV_FAILF(walked.err, "%s", detail);
}

/* pending: an encryption whose MAC is finished by cv_sops_mac_wait; else
 * the MAC goes to mac. */
static cv_result run(cv_doc *d, const cv_sops_meta *m, const uint8_t *key, cv_sops_stash *stash,
                     bool decrypt, cv_sops_mac_pending *pending, char mac[CV_SOPS_MAC_HEX + 1])
{
    walk w;
    cv_result res = walk_init(&w, d, m, key, stash, decrypt);
    w.pending = pending;
    for (size_t b = 0; cv_is_ok(res) && b < d->n; b++) {
        w.aad.len = 0;
        res = walk_items(&w, d->branches[b]);
    }
    res = finish_walk(&w, res);
    if (pending && !pending->live) { /* nothing was left to hash */
        pending->mac = w.mac;
        pending->live = pending->ok = true;
    } else if (pending == NULL) {
        uint8_t h[CV_SHA512_LEN];
        cv_sha512_final(&w.mac, h);
        mac_hex(h, mac);
        cv_wipe(h, sizeof(h));
    }
    cv_goregex_free(&w.re);
    cv_aes_gcm_free(&w.key);
    cv_buf_release(&w.aad);
    cv_buf_release(&w.aads);
    for (size_t i = 0; i < CV_PAR_MAX_THREADS; i++) cv_buf_release(&w.out[i]);
    free(w.jobs);
    return res;
}

cv_result cv_sops_tree_encrypt(cv_doc *d, const cv_sops_meta *m,
                               const uint8_t key[CV_SOPS_KEY_LEN], cv_sops_stash *stash,
                               cv_sops_mac_pending **mac)
{
    *mac = calloc(1, sizeof(**mac));
    CV_ENSURE(*mac != NULL, CV_E_NOMEM);
    cv_result r = run(d, m, key, stash, false, *mac, NULL);
    if (!cv_is_ok(r)) cv_sops_mac_discard(mac);
    return r;
}

cv_result cv_sops_tree_decrypt(cv_doc *d, const cv_sops_meta *m,
                               const uint8_t key[CV_SOPS_KEY_LEN], cv_sops_stash *stash,
                               char mac[CV_SOPS_MAC_HEX + 1])
{
    return run(d, m, key, stash, true, NULL, mac);
}

static size_t lastmodified_aad(const cv_sops_meta *m, char *t)
{
    return cv_gotime_format(&m->lastmodified, false, t);
}

cv_result cv_sops_mac_seal(cv_doc *d, cv_sops_meta *m, const uint8_t key[CV_SOPS_KEY_LEN],
                           const char mac[CV_SOPS_MAC_HEX + 1], cv_sops_stash *stash)
{
    char t[CV_GOTIME_TEXT_MAX];
    size_t tl = lastmodified_aad(m, t);
    cv_node *n;
    CV_GUARD(cv_node_text(d, CV_NODE_STR, mac, CV_SOPS_MAC_HEX, &n));
    cv_aes_gcm *g;
    CV_GUARD(cv_aes_gcm_new(&g, key));
    cv_result r = cv_sops_value_encrypt(d, n, g, cv_slice_of(t, tl), stash);
    cv_aes_gcm_free(&g);
    CV_GUARD(r);
    m->mac = n->s;
    m->mac_len = n->len;
    return cv_ok();
}

cv_result cv_sops_mac_seal_stand_in(cv_doc *d, cv_sops_meta *m,
                                    const uint8_t key[CV_SOPS_KEY_LEN])
{
    uint8_t h[CV_SHA512_LEN];
    char mac[CV_SOPS_MAC_HEX + 1];
    cv_random(h, sizeof(h));
    mac_hex(h, mac);
    return cv_sops_mac_seal(d, m, key, mac, NULL);
}

cv_result cv_sops_mac_verify(cv_doc *d, const cv_sops_meta *m, const uint8_t key[CV_SOPS_KEY_LEN],
                             const char mac[CV_SOPS_MAC_HEX + 1], cv_sops_stash *stash)
{
    char t[CV_GOTIME_TEXT_MAX];
    size_t tl = lastmodified_aad(m, t);
    cv_node *n;
    CV_GUARD(cv_node_text(d, CV_NODE_STR, m->mac, m->mac_len, &n));
    cv_aes_gcm *g;
    CV_GUARD(cv_aes_gcm_new(&g, key));
    cv_result r = cv_sops_value_decrypt(d, n, g, cv_slice_of(t, tl), stash);
    cv_aes_gcm_free(&g);
    if (!cv_is_ok(r)) CV_BAILF(CV_E_SOPS_MAC_DECRYPT, "Cannot decrypt MAC: %s", cv_err_detail());
    bool same = n->kind == CV_NODE_STR && n->len == CV_SOPS_MAC_HEX &&
                cv_ct_eq(n->s, mac, CV_SOPS_MAC_HEX);
    if (same) return cv_ok();
    const char *file = n->kind == CV_NODE_STR && n->len ? n->s : "no MAC";
    CV_BAILF(CV_E_SOPS_MAC_MISMATCH, "MAC mismatch. File has %.*s, computed %s",
             n->kind == CV_NODE_STR && n->len > 200 ? 200 : (int)strlen(file), file, mac);
}
