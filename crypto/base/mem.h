/* Secret memory.
 *
 * cv_secret: key material (identities, file keys, data keys, passphrases,
 * tokens). Backed by libsodium's guarded allocation: mlocked (a warning-free
 * best effort; containers often cap RLIMIT_MEMLOCK), guard pages, wiped on
 * free. Each allocation costs a few pages, so bulk plaintext does not go here:
 * it goes in a cv_buf with wipe set (buf.h) or the cv_wipe_* heap below.
 *
 * cv_wipe_malloc/free: a size-prefixed heap whose free wipes the block. It is
 * installed as jansson's and libcurl's allocator so their copies of secret
 * values are wiped too.
 *
 * Ownership: cv_secret_new gives the caller a secret that cv_secret_free
 * releases (NULL-safe, resets the pointer). On failure nothing is allocated. */
#ifndef CV_BASE_MEM_H
#define CV_BASE_MEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto/base/err.h"

typedef struct {
    size_t len;
    uint8_t *data;
} cv_secret;

/* Initialise libsodium and OpenSSL once per process. Thread-safe. */
cv_result cv_crypto_init(void) CV_MUST_USE;
/* The same for a process that makes no TLS connection (age, sops): the
 * system's OpenSSL configuration file is not read, as the Go tools covert
 * stands in for never read it, and start-up is half a millisecond shorter.
 * Only the first of the two calls in a process decides; a process that may
 * use TLS must call cv_crypto_init first, so libssl honours the file when
 * it shares covert's libcrypto (STATIC_DEPS=0; a static covert's libcrypto
 * is its own, and libcurl's shared one reads the file when curl starts). */
cv_result cv_crypto_init_offline(void) CV_MUST_USE;
/* Whether this process initialised with cv_crypto_init_offline. */
bool cv_crypto_offline(void);

cv_result cv_secret_new(cv_secret **out, size_t len) CV_MUST_USE CV_NONNULL;
/* New secret holding a copy of (p, len). */
cv_result cv_secret_dup(cv_secret **out, const void *p, size_t len) CV_MUST_USE;
void cv_secret_free(cv_secret **s);

/* Wipe memory in a way the compiler cannot elide. */
void cv_wipe(void *p, size_t len);
#define CV_WIPE(x) cv_wipe(&(x), sizeof(x))

/* Constant-time equality of two equal-length byte strings; true if equal. */
bool cv_ct_eq(const void *a, const void *b, size_t len);
/* Constant-time check that all bytes are zero. */
bool cv_ct_is_zero(const void *p, size_t len);

/* Wiping heap (see above). realloc copies, wipes and frees the old block. */
void *cv_wipe_malloc(size_t n);
void *cv_wipe_calloc(size_t n, size_t size);
void *cv_wipe_realloc(void *p, size_t n);
char *cv_wipe_strdup(const char *s);
void cv_wipe_free(void *p);

/* Ordinary heap helpers that fail cleanly on overflow. */
cv_result cv_alloc(void **out, size_t n) CV_MUST_USE CV_NONNULL;
cv_result cv_alloc_array(void **out, size_t n, size_t size) CV_MUST_USE CV_NONNULL;
cv_result cv_strndup(char **out, const void *p, size_t n) CV_MUST_USE;
/* Make room in a plain heap array (*items, *cap elements of elem bytes) for
 * at least need elements: doubling from first, realloc keeping the old
 * contents. More than max elements is CV_E_LIMIT, overflow CV_E_NOMEM. The
 * old block is not wiped, so the array must not hold secret bytes inline
 * (pointers to secret memory are fine). */
cv_result cv_grow_array(void **items, size_t *cap, size_t need, size_t elem, size_t first,
                        size_t max) CV_MUST_USE CV_NONNULL;

/* Lock all pages, no core dumps, not dumpable: for long-running daemons and
 * for CLI commands that hold plaintext. Best effort; returns the number of
 * measures that failed. */
int cv_harden_process(bool lock_all);

#endif
