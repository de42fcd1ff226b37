/* Errors: one enum built from err.def, and a must-use result type.
 *
 * Every fallible function returns cv_result and is declared CV_MUST_USE, so
 * a forgotten check is a compile error under -Werror. Failure branches use
 * the guard macros; success runs straight down. A failing function may attach
 * a short detail (a key name, a line number, a path) that the CLI prints;
 * details never carry secret values. Details are per thread. */
#ifndef CV_BASE_ERR_H
#define CV_BASE_ERR_H

#include <stdbool.h>
#include <stddef.h>

typedef enum {
#define CV_ERR(name, msg) name,
#include "crypto/base/err.def"
#undef CV_ERR
    CV_ERR__COUNT
} cv_err;

typedef struct {
    cv_err err;
} cv_result;

#define CV_MUST_USE __attribute__((warn_unused_result))
#define CV_NONNULL __attribute__((nonnull))
#define CV_PRINTF(a, b) __attribute__((format(printf, a, b)))

/* Message for an error code; never NULL. */
const char *cv_strerror(cv_err e);

/* Record a failure (and optional detail) in thread-local state; returns it. */
cv_result cv_fail_at(cv_err e, const char *file, int line) CV_MUST_USE;
cv_result cv_failf_at(cv_err e, const char *file, int line, const char *fmt, ...)
    CV_MUST_USE CV_PRINTF(4, 5);

/* The detail of the last failure on this thread ("" if none). */
const char *cv_err_detail(void);
/* file:line of the last failure on this thread, for debugging. */
const char *cv_err_where(void);
void cv_err_clear(void);

static inline cv_result cv_ok(void) { return (cv_result){ CV_OK }; }
static inline bool cv_is_ok(cv_result r) { return r.err == CV_OK; }
static inline bool cv_is(cv_result r, cv_err e) { return r.err == e; }

#define CV_FAIL(e) cv_fail_at((e), __FILE__, __LINE__)
#define CV_FAILF(e, ...) cv_failf_at((e), __FILE__, __LINE__, __VA_ARGS__)
#define CV_BAIL(e) return CV_FAIL(e)
#define CV_BAILF(e, ...) return CV_FAILF((e), __VA_ARGS__)
#define CV_ENSURE(cond, e)                                                     \
    do {                                                                       \
        if (!(cond)) return CV_FAIL(e);                                        \
    } while (0)
#define CV_ENSUREF(cond, e, ...)                                               \
    do {                                                                       \
        if (!(cond)) return CV_FAILF((e), __VA_ARGS__);                        \
    } while (0)
#define CV_GUARD(expr)                                                         \
    do {                                                                       \
        cv_result cv__r = (expr);                                              \
        if (cv__r.err != CV_OK) return cv__r;                                  \
    } while (0)
/* Guard for functions with a cleanup label: stores into `res` and jumps. */
#define CV_GUARD_GOTO(res, expr, label)                                        \
    do {                                                                       \
        (res) = (expr);                                                        \
        if ((res).err != CV_OK) goto label;                                    \
    } while (0)
#define CV_ENSURE_GOTO(res, cond, e, label)                                    \
    do {                                                                       \
        if (!(cond)) {                                                         \
            (res) = CV_FAIL(e);                                                \
            goto label;                                                        \
        }                                                                      \
    } while (0)
/* OpenSSL calls return 1 on success. */
#define CV_GUARD_OSSL(expr, e) CV_ENSURE((expr) == 1, e)

/* Programming errors (misuse) abort; bad input never does. */
void cv_bug(const char *file, int line, const char *cond) __attribute__((noreturn));
#define CV_BUG_ON(cond)                                                        \
    do {                                                                       \
        if (cond) cv_bug(__FILE__, __LINE__, #cond);                           \
    } while (0)

#endif
