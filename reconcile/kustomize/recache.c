/* The process-wide cache of compiled selector regexps (see recache.h). */
#include "reconcile/kustomize/recache.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/base/limits.h"

typedef struct {
    char *pattern; /* heap copy; NULL = free slot */
    size_t len;
    cv_goregex *re;
} entry;

/* Open addressing, twice as many slots as entries so probes stay short. */
#define SLOTS (2u * CV_KZ_MAX_REGEX_CACHE)

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static entry *slots;
static size_t used;

static size_t hash(const char *p, size_t n)
{
    uint64_t h = 1469598103934665603u; /* FNV-1a */
    for (size_t i = 0; i < n; i++) h = (h ^ (uint8_t)p[i]) * 1099511628211u;
    return (size_t)(h % SLOTS);
}

/* The slot holding the pattern, or the free slot where it belongs. */
static entry *find(const char *p, size_t n)
{
    for (size_t i = hash(p, n);; i = (i + 1) % SLOTS) {
        entry *e = &slots[i];
        if (!e->pattern || (e->len == n && memcmp(e->pattern, p, n) == 0)) return e;
    }
}

static void insert(entry *e, const char *p, size_t n, cv_goregex *re)
{
    char *copy = malloc(n + 1);
    if (!copy) return; /* not cached: the caller keeps it */
    memcpy(copy, p, n);
    copy[n] = 0;
    e->pattern = copy;
    e->len = n;
    e->re = re;
    used++;
}

static cv_result lookup(const char *p, size_t n, cv_kz_re *out)
{
    if (!slots && !(slots = calloc(SLOTS, sizeof *slots))) return cv_ok();
    entry *e = find(p, n);
    if (e->pattern) {
        out->re = e->re;
        return cv_ok();
    }
    cv_goregex *re = NULL;
    CV_GUARD(cv_goregex_compile_n(p, n, &re));
    if (used < CV_KZ_MAX_REGEX_CACHE) insert(e, p, n, re);
    out->re = re;
    out->owned = !e->pattern;
    return cv_ok();
}

cv_result cv_kz_re_get(const char *pattern, size_t len, cv_kz_re *out)
{
    out->re = NULL;
    out->owned = false;
    pthread_mutex_lock(&lock);
    cv_result r = lookup(pattern, len, out);
    pthread_mutex_unlock(&lock);
    if (!cv_is_ok(r) || out->re) return r;
    /* No table (out of memory): compile for this caller alone. */
    out->owned = true;
    return cv_goregex_compile_n(pattern, len, &out->re);
}

void cv_kz_re_put(cv_kz_re *r)
{
    if (r->owned) cv_goregex_free(&r->re);
    r->re = NULL;
    r->owned = false;
}

bool cv_kz_re_ok(const cv_kz_re *r, const void *bytes, size_t len)
{
    return !r->re || cv_goregex_match(r->re, bytes, len);
}
