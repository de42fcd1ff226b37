/* The secret arena: allocations are zeroed (also from chunks a freed arena
 * left in the per-thread cache), aligned, copied exactly by strndup and
 * grow, and capped. */
#include <criterion/criterion.h>
#include <stdint.h>
#include <string.h>

#include "crypto/base/arena.h"
#include "crypto/base/limits.h"

static void fill_arena(size_t rounds)
{
    cv_arena *a;
    cr_assert(cv_is_ok(cv_arena_new(&a)));
    for (size_t i = 0; i < rounds; i++) {
        size_t n = 1 + (i * 7919) % 5000;
        uint8_t *p;
        cr_assert(cv_is_ok(cv_arena_alloc(a, n, (void **)&p)));
        memset(p, 0xA5, n);
    }
    cv_arena_free(&a);
    cr_assert_null(a);
}

static bool all_zero(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i]) return false;
    return true;
}

Test(arena, allocations_zeroed_after_reuse)
{
    for (int round = 0; round < 3; round++) {
        fill_arena(2000); /* ~5 MB: chunks of every class, then cached */
        cv_arena *a;
        cr_assert(cv_is_ok(cv_arena_new(&a)));
        for (size_t i = 0; i < 2000; i++) {
            size_t n = 1 + (i * 104729) % 6000;
            uint8_t *p;
            cr_assert(cv_is_ok(cv_arena_alloc(a, n, (void **)&p)));
            cr_assert_eq((uintptr_t)p % 16, 0);
            cr_assert(all_zero(p, n), "allocation %zu of %zu bytes not zeroed", i, n);
            memset(p, 0x5A, n);
        }
        cv_arena_free(&a);
    }
}

Test(arena, big_allocation_strndup_grow)
{
    cv_arena *a;
    cr_assert(cv_is_ok(cv_arena_new(&a)));
    uint8_t *big;
    size_t n = 3u * 1024u * 1024u + 5;
    cr_assert(cv_is_ok(cv_arena_alloc(a, n, (void **)&big)));
    cr_assert(all_zero(big, n));
    big[n - 1] = 1;
    char *s;
    cr_assert(cv_is_ok(cv_arena_strndup(a, "secret value", 6, &s)));
    cr_assert_str_eq(s, "secret");
    int *items = NULL;
    size_t cap = 0;
    for (int i = 0; i < 10000; i++) {
        cr_assert(cv_is_ok(cv_arena_grow(a, (void **)&items, &cap, (size_t)i + 1, sizeof(int))));
        items[i] = i;
    }
    for (int i = 0; i < 10000; i++) cr_assert_eq(items[i], i);
    cr_assert_geq(cv_arena_used(a), n);
    cv_arena_free(&a);
}

Test(arena, cap_enforced)
{
    cv_arena *a;
    void *p;
    cr_assert(cv_is_ok(cv_arena_new(&a)));
    cv_result r = cv_arena_alloc(a, (size_t)CV_ARENA_MAX + 1, &p);
    cr_assert_eq(r.err, CV_E_TOO_LARGE);
    cv_arena_free(&a);
}

/* A large allocation has a chunk of its own: small allocations before and
 * after it keep filling the head chunk, untouched. */
Test(arena, large_allocation_in_a_chunk_of_its_own)
{
    cv_arena *a;
    cr_assert(cv_is_ok(cv_arena_new(&a)));
    char *small1, *big, *small2;
    cr_assert(cv_is_ok(cv_arena_strndup(a, "before", 6, &small1)));
    size_t before = cv_arena_used(a);
    cr_assert(cv_is_ok(cv_arena_alloc(a, CV_ARENA_SOLO + 100, (void **)&big)));
    memset(big, 0x5A, CV_ARENA_SOLO + 100);
    cr_assert(cv_is_ok(cv_arena_strndup(a, "after", 5, &small2)));
    /* the small ones share the head chunk: adjacent, not past the big one */
    cr_assert_lt((size_t)(small2 - small1), 4096u);
    size_t with = cv_arena_used(a);
    cr_assert_geq(with - before, CV_ARENA_SOLO + 100);
    cr_assert_str_eq(small1, "before");
    cr_assert_str_eq(small2, "after");
    cv_arena_free(&a);
}
