/* kustomize's YAML reading (see kyaml.h): the shared yaml.v3 loader with
 * comments off and any document shape, its branches moved into dst. */
#include "reconcile/kustomize/kyaml.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "crypto/base/limits.h"
#include "secrets/doc/yaml.h"

static cv_result load_docs(cv_doc *dst, cv_slice text, unsigned flags, cv_node ***docs, size_t *n)
{
    *docs = NULL;
    *n = 0;
    size_t first = dst->n;
    CV_GUARD(cv_yaml_load_opts(text, CV_YAML_NO_COMMENTS | CV_YAML_ANY_ROOT | flags, dst));
    size_t count = dst->n - first;
    if (count == 0) return cv_ok();
    cv_node **out = malloc(count * sizeof *out);
    CV_ENSURE(out, CV_E_NOMEM);
    for (size_t i = 0; i < count; i++) out[i] = dst->branches[first + i];
    /* The branches were only a vehicle: the caller owns the list now. */
    dst->n = first;
    *docs = out;
    *n = count;
    return cv_ok();
}

cv_result cv_kz_yaml_docs(cv_doc *dst, cv_slice text, cv_node ***docs, size_t *n)
{
    return load_docs(dst, text, 0, docs, n);
}

/* ---- the parse cache of repository texts ------------------------------------ */

typedef struct {
    uint64_t hash;
    size_t len;
    char *text;      /* a copy once parsed into the cache, else NULL (seen once) */
    cv_node **roots; /* in cache.doc */
    size_t n;
} pc_entry;

/* Open addressing; twice the entries the byte cap can hold at 2 KiB each. */
#define PC_SLOTS 8192u
#define PC_MAX_ENTRIES (PC_SLOTS / 2u)

static struct {
    pthread_mutex_t lock;
    pc_entry *slots;
    size_t entries, bytes;
    cv_doc doc;
    bool doc_ok;
} cache = { .lock = PTHREAD_MUTEX_INITIALIZER };

static uint64_t pc_hash(cv_slice t)
{
    uint64_t h = 1469598103934665603u; /* FNV-1a */
    for (size_t i = 0; i < t.len; i++) h = (h ^ t.p[i]) * 1099511628211u;
    return h;
}

/* Whether the text mentions "secret" or "sops" in any case. */
static bool may_hold_secret(cv_slice t)
{
    for (size_t i = 0; i < t.len; i++) {
        uint8_t c = t.p[i] | 0x20;
        if (c == 's' && i + 6 <= t.len && strncasecmp((const char *)t.p + i, "secret", 6) == 0)
            return true;
        if (c == 's' && i + 4 <= t.len && strncasecmp((const char *)t.p + i, "sops", 4) == 0)
            return true;
    }
    return false;
}

static pc_entry *pc_slot(uint64_t h, size_t len)
{
    for (size_t i = h % PC_SLOTS;; i = (i + 1) % PC_SLOTS) {
        pc_entry *e = &cache.slots[i];
        if (e->len == 0 || (e->hash == h && e->len == len)) return e;
    }
}

/* Parse text into the cache (its second sighting). */
static cv_result pc_fill(pc_entry *e, cv_slice text)
{
    if (!cache.doc_ok) {
        CV_GUARD(cv_doc_init(&cache.doc));
        cache.doc_ok = true;
    }
    char *copy = malloc(text.len);
    CV_ENSURE(copy, CV_E_NOMEM);
    cv_node **roots;
    size_t n;
    cv_result r = load_docs(&cache.doc, text, CV_YAML_PUBLIC, &roots, &n);
    if (!cv_is_ok(r)) {
        free(copy);
        return r;
    }
    memcpy(copy, text.p, text.len);
    e->text = copy;
    e->roots = roots;
    e->n = n;
    cache.bytes += text.len;
    return cv_ok();
}

static cv_result pc_clone(const pc_entry *e, cv_doc *dst, cv_node ***docs, size_t *n)
{
    if (e->n == 0) return cv_ok();
    cv_node **out = calloc(e->n, sizeof *out);
    CV_ENSURE(out, CV_E_NOMEM);
    for (size_t i = 0; i < e->n; i++) {
        cv_result r = cv_node_clone(dst, e->roots[i], &out[i]);
        if (!cv_is_ok(r)) {
            free(out);
            return r;
        }
    }
    *docs = out;
    *n = e->n;
    return cv_ok();
}

/* *hit: the trees were copied from the cache; otherwise the caller parses. */
static cv_result pc_lookup(cv_slice text, cv_doc *dst, cv_node ***docs, size_t *n, bool *hit)
{
    *hit = false;
    if (!cache.slots && !(cache.slots = calloc(PC_SLOTS, sizeof *cache.slots))) return cv_ok();
    uint64_t h = pc_hash(text);
    pc_entry *e = pc_slot(h, text.len);
    if (e->len == 0) {
        if (cache.entries >= PC_MAX_ENTRIES) return cv_ok();
        e->hash = h;
        e->len = text.len;
        cache.entries++;
        return cv_ok();
    }
    if (e->text == NULL) {
        if (cache.bytes + text.len > CV_KZ_MAX_PARSE_CACHE) return cv_ok();
        /* A parse error is the caller's to report: nothing is cached. */
        if (!cv_is_ok(pc_fill(e, text))) return cv_ok();
    } else if (memcmp(e->text, text.p, text.len) != 0) {
        return cv_ok(); /* another text with the same hash: not cached */
    }
    *hit = true;
    return pc_clone(e, dst, docs, n);
}

cv_result cv_kz_yaml_repo_docs(cv_doc *dst, cv_slice text, cv_node ***docs, size_t *n)
{
    *docs = NULL;
    *n = 0;
    if (text.len == 0 || may_hold_secret(text)) return load_docs(dst, text, 0, docs, n);
    bool hit;
    pthread_mutex_lock(&cache.lock);
    cv_result r = pc_lookup(text, dst, docs, n, &hit);
    pthread_mutex_unlock(&cache.lock);
    if (!cv_is_ok(r) || hit) return r;
    return load_docs(dst, text, CV_YAML_PUBLIC, docs, n);
}
