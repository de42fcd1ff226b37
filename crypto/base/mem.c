#include "crypto/base/mem.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static int init_status = -1;
static bool init_offline;
static bool ran_offline; /* what do_init actually did */

static void do_init(void)
{
    if (sodium_init() < 0) return;
    uint64_t opts = init_offline ? OPENSSL_INIT_NO_LOAD_CONFIG : 0;
    if (OPENSSL_init_crypto(opts, NULL) != 1) return;
    ran_offline = init_offline;
    init_status = 0;
}

cv_result cv_crypto_init(void)
{
    pthread_once(&init_once, do_init);
    CV_ENSURE(init_status == 0, CV_E_CRYPTO);
    return cv_ok();
}

cv_result cv_crypto_init_offline(void)
{
    init_offline = true;
    return cv_crypto_init();
}

bool cv_crypto_offline(void) { return init_status == 0 && ran_offline; }

cv_result cv_secret_new(cv_secret **out, size_t len)
{
    *out = NULL;
    CV_GUARD(cv_crypto_init());
    /* The handle holds no secret (a length and a pointer): it comes from the
     * ordinary heap, so a secret costs one guarded mapping, not two. */
    cv_secret *s = malloc(sizeof(*s));
    CV_ENSURE(s != NULL, CV_E_NOMEM);
    /* sodium_malloc(0) is valid but returns a guarded page: keep it simple. */
    s->data = sodium_malloc(len ? len : 1);
    if (s->data == NULL) {
        free(s);
        CV_BAIL(CV_E_NOMEM);
    }
    sodium_memzero(s->data, len ? len : 1);
    s->len = len;
    *out = s;
    return cv_ok();
}

cv_result cv_secret_dup(cv_secret **out, const void *p, size_t len)
{
    CV_GUARD(cv_secret_new(out, len));
    if (len) memcpy((*out)->data, p, len);
    return cv_ok();
}

void cv_secret_free(cv_secret **s)
{
    if (s == NULL || *s == NULL) return;
    sodium_free((*s)->data); /* sodium_free wipes before unmapping */
    free(*s);
    *s = NULL;
}

void cv_wipe(void *p, size_t len)
{
    if (p && len) sodium_memzero(p, len);
}

bool cv_ct_eq(const void *a, const void *b, size_t len)
{
    if (len == 0) return true;
    return CRYPTO_memcmp(a, b, len) == 0;
}

bool cv_ct_is_zero(const void *p, size_t len)
{
    const volatile uint8_t *b = p;
    uint8_t acc = 0;
    for (size_t i = 0; i < len; i++) acc |= b[i];
    return acc == 0;
}

/* The wiping heap keeps the usable size in a 16-byte prefix so free can wipe
 * without help from the caller; 16 keeps the result max_align_t aligned. */
#define PREFIX 16u

void *cv_wipe_malloc(size_t n)
{
    if (n > SIZE_MAX - PREFIX) return NULL;
    uint8_t *p = malloc(n + PREFIX);
    if (p == NULL) return NULL;
    memcpy(p, &n, sizeof(n));
    return p + PREFIX;
}

void *cv_wipe_calloc(size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size) return NULL;
    void *p = cv_wipe_malloc(n * size);
    if (p) memset(p, 0, n * size);
    return p;
}

static size_t wipe_size(const void *p)
{
    size_t n;
    memcpy(&n, (const uint8_t *)p - PREFIX, sizeof(n));
    return n;
}

void cv_wipe_free(void *p)
{
    if (p == NULL) return;
    uint8_t *base = (uint8_t *)p - PREFIX;
    sodium_memzero(base, wipe_size(p) + PREFIX);
    free(base);
}

void *cv_wipe_realloc(void *p, size_t n)
{
    if (p == NULL) return cv_wipe_malloc(n);
    void *q = cv_wipe_malloc(n);
    if (q == NULL) return NULL;
    size_t old = wipe_size(p);
    memcpy(q, p, old < n ? old : n);
    cv_wipe_free(p);
    return q;
}

char *cv_wipe_strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = cv_wipe_malloc(n);
    if (p) memcpy(p, s, n);
    return p;
}

cv_result cv_alloc(void **out, size_t n)
{
    *out = malloc(n ? n : 1);
    CV_ENSURE(*out != NULL, CV_E_NOMEM);
    return cv_ok();
}

cv_result cv_alloc_array(void **out, size_t n, size_t size)
{
    *out = NULL;
    CV_ENSURE(size == 0 || n <= SIZE_MAX / size, CV_E_NOMEM);
    *out = calloc(n ? n : 1, size ? size : 1);
    CV_ENSURE(*out != NULL, CV_E_NOMEM);
    return cv_ok();
}

cv_result cv_grow_array(void **items, size_t *cap, size_t need, size_t elem, size_t first,
                        size_t max)
{
    if (need <= *cap) return cv_ok();
    CV_ENSURE(need <= max, CV_E_LIMIT);
    size_t ncap = *cap ? *cap : (first ? first : 1);
    while (ncap < need) ncap = ncap > SIZE_MAX / 2 ? need : ncap * 2;
    if (ncap > max) ncap = max;
    CV_ENSURE(elem != 0 && ncap <= SIZE_MAX / elem, CV_E_NOMEM);
    void *p = realloc(*items, ncap * elem);
    CV_ENSURE(p != NULL, CV_E_NOMEM);
    *items = p;
    *cap = ncap;
    return cv_ok();
}

cv_result cv_strndup(char **out, const void *p, size_t n)
{
    *out = NULL;
    CV_ENSURE(n < SIZE_MAX, CV_E_NOMEM);
    char *s = malloc(n + 1);
    CV_ENSURE(s != NULL, CV_E_NOMEM);
    if (n) memcpy(s, p, n);
    s[n] = '\0';
    *out = s;
    return cv_ok();
}

int cv_harden_process(bool lock_all)
{
    int failed = 0;
    struct rlimit nocore = { 0, 0 };
    if (setrlimit(RLIMIT_CORE, &nocore) != 0) failed++;
    if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) failed++;
    if (lock_all && mlockall(MCL_CURRENT | MCL_FUTURE) != 0) failed++;
    return failed;
}
