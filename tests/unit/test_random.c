#include <criterion/criterion.h>
#include <pthread.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "crypto/prim/pk.h"

/* Nonces come from a per-thread pool: a forked child must not hand out the
 * bytes its parent will hand out next (the same GCM key would then see the
 * same IV twice). */
Test(random, fork_does_not_share_the_nonce_pool)
{
    uint8_t first[32], mine[32], theirs[32];
    cv_random_nonce(first, sizeof(first)); /* fills the pool */
    int fd[2];
    cr_assert_eq(pipe(fd), 0);
    pid_t pid = fork();
    cr_assert_neq(pid, -1);
    if (pid == 0) {
        uint8_t n[32];
        cv_random_nonce(n, sizeof(n));
        _exit(write(fd[1], n, sizeof(n)) == (ssize_t)sizeof(n) ? 0 : 1);
    }
    cv_random_nonce(mine, sizeof(mine));
    cr_assert_eq(read(fd[0], theirs, sizeof(theirs)), (ssize_t)sizeof(theirs));
    int st;
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    cr_assert(memcmp(mine, theirs, sizeof(mine)) != 0);
    cr_assert(memcmp(first, mine, sizeof(mine)) != 0);
}

Test(random, nonces_differ_across_pool_refills)
{
    /* 4096-byte pool, 32 bytes a draw: 300 draws cross two refills. */
    static uint8_t seen[300][32];
    for (int i = 0; i < 300; i++) {
        cv_random_nonce(seen[i], 32);
        for (int j = 0; j < i; j++) cr_assert(memcmp(seen[i], seen[j], 32) != 0, "draw %d = %d", i, j);
    }
}

static void *draw(void *out)
{
    cv_random_nonce(out, 64);
    return NULL;
}

Test(random, threads_have_streams_of_their_own)
{
    /* Each thread keys its pool from getrandom: two threads never serve
     * the same bytes. */
    uint8_t a[64], b[64];
    pthread_t t1, t2;
    cr_assert_eq(pthread_create(&t1, NULL, draw, a), 0);
    cr_assert_eq(pthread_create(&t2, NULL, draw, b), 0);
    pthread_join(t1, NULL);
    pthread_join(t2, NULL);
    cr_expect(memcmp(a, b, sizeof(a)) != 0);
}
