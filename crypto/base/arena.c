#include "crypto/base/arena.h"

#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "crypto/base/limits.h"
#include "crypto/base/mem.h"

/* A chunk is the pages of one mapping between two guard pages, like a
 * sodium_malloc block, but made here: sodium_malloc fills every new block
 * with a pattern and sodium_free wipes all of it, so each chunk's pages
 * were written twice whole, however little of it was used. Here a fresh
 * chunk is the kernel's zero pages; pages are locked as the bump pointer
 * reaches them (locked), so untouched pages never become resident; and
 * release wipes the bytes handed out (used), the only ones ever written.
 * Bytes past used are therefore always zero, which is what cv_arena_alloc
 * promises without a memset. */
typedef struct chunk {
    struct chunk *next;
    size_t size;   /* usable bytes in data */
    size_t used;   /* bytes handed out, from data */
    size_t locked; /* bytes of data (from its page) mlocked so far */
    size_t map;    /* bytes mapped between the guard pages */
    bool solo;     /* holds one large allocation: never cached for reuse */
    _Alignas(16) uint8_t data[];
} chunk;

struct cv_arena {
    chunk *head;
    size_t total;
    size_t used;
    size_t step; /* the size asked for the last chunk (they double) */
};

#define ALIGN 16u
#define FIRST_CHUNK (16u * 1024u)
#define MAX_CHUNK (1024u * 1024u)

/* Freed chunks (an arena's header is in its first one) are kept for reuse,
 * per thread, instead of going back to the system: every guarded
 * allocation costs an mmap, two mprotects and an mlock, and its release as
 * many again, which dominated work that opens thousands of short-lived
 * documents (a Flux build parses
 * and prints thousands of objects). A kept chunk is wiped first (the part
 * that was handed out; cv_arena_alloc zeroes what it hands out anyway) and
 * stays locked and guarded. Classes: FIRST_CHUNK << 0..6 (16 KiB to
 * 1 MiB); at most KEEP_PER_CLASS each and KEEP_BYTES in all. A thread's
 * cache is released when the thread exits (a key destructor), so worker
 * threads do not leave locked memory behind. */
#define CLASSES 7u
#define KEEP_PER_CLASS 16u
#define KEEP_BYTES (4u * 1024u * 1024u)

typedef struct {
    chunk *free[CLASSES];
    unsigned n[CLASSES];
    size_t bytes;
    bool registered;
} chunk_cache;

static _Thread_local chunk_cache cache;
static pthread_key_t cache_key;
static pthread_once_t cache_once = PTHREAD_ONCE_INIT;
static bool cache_key_ok;

/* Arenas are made on many threads at once (a batch's workers): the cached
 * size is atomic so the first callers may race to store the same value. */
static size_t page_size(void)
{
    static _Atomic size_t page;
    size_t p = atomic_load_explicit(&page, memory_order_relaxed);
    if (p == 0) {
        long v = sysconf(_SC_PAGESIZE);
        p = v > 0 ? (size_t)v : 4096;
        atomic_store_explicit(&page, p, memory_order_relaxed);
    }
    return p;
}

/* A new chunk of (at least) size usable bytes: guard page, the chunk's
 * pages (header first), guard page; excluded from core dumps. The end of
 * data is the trailing guard page, so an overrun faults at once. */
static chunk *chunk_map(size_t size)
{
    size_t page = page_size();
    size_t map = (sizeof(chunk) + size + page - 1) & ~(page - 1);
    uint8_t *base = mmap(NULL, map + 2 * page, PROT_READ | PROT_WRITE,
                         MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (base == MAP_FAILED) return NULL;
    if (mprotect(base, page, PROT_NONE) != 0 || mprotect(base + page + map, page, PROT_NONE) != 0) {
        munmap(base, map + 2 * page);
        return NULL;
    }
    (void)madvise(base + page, map, MADV_DONTDUMP);
    chunk *c = (chunk *)(void *)(base + page);
    c->map = map;
    c->size = map - sizeof(chunk);
    c->used = 0;
    c->locked = 0;
    return c;
}

/* Lock the pages of c up to data + need (a step ahead, to save calls).
 * Like sodium_malloc, a refused lock (RLIMIT_MEMLOCK) is not an error. */
static void chunk_lock(chunk *c, size_t need)
{
    if (need <= c->locked) return;
    size_t step = 64u * 1024u;
    size_t to = need + step < c->size ? need + step : c->size;
    uint8_t *from = c->data + c->locked;
    uintptr_t page_from = (uintptr_t)from & ~(uintptr_t)(page_size() - 1);
    if (c->locked == 0) page_from = (uintptr_t)c;
    (void)mlock((void *)page_from, (size_t)((uintptr_t)(c->data + to) - page_from));
    c->locked = to;
}

/* Wipe what was handed out, unlock, unmap with the guard pages. */
static void chunk_unmap(chunk *c)
{
    size_t page = page_size(), map = c->map;
    sodium_memzero(c->data, c->used);
    uint8_t *base = (uint8_t *)c - page;
    (void)munlock(c, map);
    munmap(base, map + 2 * page);
}

/* Thread exit: give every kept chunk back (sodium_free wipes). */
static void cache_drop(void *p)
{
    chunk_cache *cc = p;
    for (unsigned k = 0; k < CLASSES; k++) {
        while (cc->free[k]) {
            chunk *c = cc->free[k];
            cc->free[k] = c->next;
            chunk_unmap(c);
        }
    }
    memset(cc, 0, sizeof *cc);
}

static void make_key(void) { cache_key_ok = pthread_key_create(&cache_key, cache_drop) == 0; }

/* Called before the cache first keeps something on this thread. */
static void cache_register(void)
{
    if (cache.registered) return;
    pthread_once(&cache_once, make_key);
    if (cache_key_ok) (void)pthread_setspecific(cache_key, &cache);
    cache.registered = true;
}

/* Classes by mapped size: a chunk asked for FIRST_CHUNK << k usable bytes
 * maps one page more than that (the header). */
static size_t class_map(unsigned k)
{
    size_t page = page_size();
    return (sizeof(chunk) + ((size_t)FIRST_CHUNK << k) + page - 1) & ~(page - 1);
}

static int size_class(size_t size)
{
    for (unsigned k = 0; k < CLASSES; k++)
        if (size == (size_t)FIRST_CHUNK << k) return (int)k;
    return -1;
}

static int map_class(size_t map)
{
    for (unsigned k = 0; k < CLASSES; k++)
        if (map == class_map(k)) return (int)k;
    return -1;
}

static void chunk_release(chunk *c)
{
    int k = map_class(c->map);
    if (c->solo || k < 0 || cache.n[k] >= KEEP_PER_CLASS || cache.bytes + c->map > KEEP_BYTES) {
        chunk_unmap(c); /* wipes */
        return;
    }
    cache_register();
    sodium_memzero(c->data, c->used);
    c->used = 0;
    c->next = cache.free[k];
    cache.free[k] = c;
    cache.n[k]++;
    cache.bytes += c->map;
}

static chunk *chunk_get(size_t size)
{
    int k = size_class(size);
    if (k < 0 || cache.free[k] == NULL) return chunk_map(size);
    chunk *c = cache.free[k];
    cache.free[k] = c->next;
    cache.n[k]--;
    cache.bytes -= c->map;
    return c;
}

/* The header lives at the start of the arena's first chunk: an arena is
 * one guarded allocation, not two (a Flux build keeps a hundred documents
 * alive at once, more than any cache of free headers could serve). */
#define HEADER_SIZE ((sizeof(cv_arena) + ALIGN - 1) & ~(size_t)(ALIGN - 1))

cv_result cv_arena_new(cv_arena **out)
{
    *out = NULL;
    CV_GUARD(cv_crypto_init());
    chunk *c = chunk_get(FIRST_CHUNK);
    CV_ENSURE(c != NULL, CV_E_NOMEM);
    c->next = NULL;
    c->used = HEADER_SIZE;
    c->solo = false;
    chunk_lock(c, c->used);
    cv_arena *a = (cv_arena *)(void *)c->data;
    memset(a, 0, sizeof(*a));
    a->head = c;
    a->total = c->size;
    a->step = FIRST_CHUNK;
    *out = a;
    return cv_ok();
}

void cv_arena_free(cv_arena **a)
{
    if (a == NULL || *a == NULL) return;
    /* The last chunk released holds the header itself. */
    chunk *c = (*a)->head;
    *a = NULL;
    while (c) {
        chunk *next = c->next;
        chunk_release(c);
        c = next;
    }
}

static cv_result add_chunk(cv_arena *a, size_t need)
{
    size_t size = a->step * 2;
    if (size > MAX_CHUNK) size = MAX_CHUNK;
    if (size < need) size = need;
    CV_ENSUREF(size <= CV_ARENA_MAX && a->total <= CV_ARENA_MAX - size, CV_E_TOO_LARGE,
               "document memory over %u MiB", (unsigned)(CV_ARENA_MAX >> 20));
    chunk *c = chunk_get(size);
    CV_ENSURE(c != NULL, CV_E_NOMEM);
    c->next = a->head;
    c->used = 0;
    c->solo = false;
    a->head = c;
    a->total += c->size;
    a->step = size;
    return cv_ok();
}

/* A large allocation gets a chunk of its own, linked behind the head so
 * small allocations go on filling the head. */
static cv_result alloc_solo(cv_arena *a, size_t want, void **out)
{
    CV_ENSUREF(want <= CV_ARENA_MAX && a->total <= CV_ARENA_MAX - want, CV_E_TOO_LARGE,
               "document memory over %u MiB", (unsigned)(CV_ARENA_MAX >> 20));
    chunk *c = chunk_map(want);
    CV_ENSURE(c != NULL, CV_E_NOMEM);
    c->solo = true;
    c->used = want;
    c->next = a->head->next;
    a->head->next = c;
    a->total += c->size;
    a->used += want;
    chunk_lock(c, c->used);
    *out = c->data;
    return cv_ok();
}

cv_result cv_arena_alloc(cv_arena *a, size_t n, void **out)
{
    *out = NULL;
    CV_ENSURE(n <= CV_ARENA_MAX, CV_E_TOO_LARGE);
    size_t want = (n + ALIGN - 1) & ~(size_t)(ALIGN - 1);
    if (want == 0) want = ALIGN;
    if (want >= CV_ARENA_SOLO && a->head) return alloc_solo(a, want, out);
    if (a->head == NULL || a->head->size - a->head->used < want) CV_GUARD(add_chunk(a, want));
    chunk *c = a->head;
    uint8_t *p = c->data + c->used;
    c->used += want;
    a->used += want;
    chunk_lock(c, c->used);
    /* Already zero: past used, a chunk holds only zeros (see chunk). */
    *out = p;
    return cv_ok();
}

cv_result cv_arena_strndup(cv_arena *a, const void *p, size_t n, char **out)
{
    CV_ENSURE(n < CV_ARENA_MAX, CV_E_TOO_LARGE);
    void *d;
    CV_GUARD(cv_arena_alloc(a, n + 1, &d));
    if (n) memcpy(d, p, n);
    *out = d;
    return cv_ok();
}

cv_result cv_arena_grow(cv_arena *a, void **items, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap) return cv_ok();
    size_t ncap = *cap ? *cap : 4;
    while (ncap < need) {
        CV_ENSURE(ncap <= SIZE_MAX / 2, CV_E_TOO_LARGE);
        ncap *= 2;
    }
    CV_ENSURE(elem != 0 && ncap <= CV_ARENA_MAX / elem, CV_E_TOO_LARGE);
    void *n;
    CV_GUARD(cv_arena_alloc(a, ncap * elem, &n));
    if (*cap) memcpy(n, *items, *cap * elem);
    *items = n;
    *cap = ncap;
    return cv_ok();
}

size_t cv_arena_used(const cv_arena *a) { return a->used; }
