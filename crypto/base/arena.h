/* A secret arena: bump allocation from chunks of secret memory.
 *
 * Documents hold decrypted values in thousands of small strings; a guarded
 * libsodium allocation per string would cost pages each. The arena takes
 * its chunks as secret memory (own mappings between guard pages, excluded
 * from core dumps, each page mlocked where permitted before it is handed
 * out, what was handed out wiped on free) and hands out pieces of them, so
 * every node and string of a document is secret memory and one
 * cv_arena_free wipes it all.
 * Nothing is freed piecemeal: replaced values stay until the arena goes.
 * An allocation of CV_ARENA_SOLO bytes or more gets a chunk of its own, so
 * small ones go on filling the current chunk.
 *
 * Total size is capped (CV_ARENA_MAX in limits.h); the cap fails with
 * CV_E_TOO_LARGE. Not thread-safe: one arena per document. */
#ifndef CV_BASE_ARENA_H
#define CV_BASE_ARENA_H

#include <stddef.h>

#include "crypto/base/err.h"

typedef struct cv_arena cv_arena;

cv_result cv_arena_new(cv_arena **out) CV_MUST_USE CV_NONNULL;
/* Wipe and release every chunk; NULL-safe, resets the pointer. */
void cv_arena_free(cv_arena **a);
/* n zeroed bytes aligned for any type. */
cv_result cv_arena_alloc(cv_arena *a, size_t n, void **out) CV_MUST_USE CV_NONNULL;
/* A NUL-terminated copy of (p, n). */
cv_result cv_arena_strndup(cv_arena *a, const void *p, size_t n, char **out)
    CV_MUST_USE;
/* Grow an array of elem-sized items from *cap to at least need (amortised
 * doubling; the old block stays in the arena). */
cv_result cv_arena_grow(cv_arena *a, void **items, size_t *cap, size_t need, size_t elem)
    CV_MUST_USE CV_NONNULL;
/* Bytes handed out so far (for tests and limits). */
size_t cv_arena_used(const cv_arena *a);

#endif
