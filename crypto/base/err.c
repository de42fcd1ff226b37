#include "crypto/base/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const messages[CV_ERR__COUNT] = {
#define CV_ERR(name, msg) [name] = msg,
#include "crypto/base/err.def"
#undef CV_ERR
};

/* Room for an API server message with its causes (reconcile/kube) and
 * yaml.v3's multi-error texts (.sops.yaml). */
static _Thread_local char detail[4096];
static _Thread_local char where[96];

const char *cv_strerror(cv_err e)
{
    if ((unsigned)e >= CV_ERR__COUNT || messages[e] == NULL) return "unknown error";
    return messages[e];
}

cv_result cv_fail_at(cv_err e, const char *file, int line)
{
    detail[0] = '\0';
    snprintf(where, sizeof(where), "%s:%d", file, line);
    return (cv_result){ e };
}

cv_result cv_failf_at(cv_err e, const char *file, int line, const char *fmt, ...)
{
    /* Format into a temporary first: callers may pass the current detail
     * as an argument (wrapping a lower-level message). */
    char tmp[sizeof(detail)];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(tmp, sizeof(tmp), fmt, ap);
    va_end(ap);
    memcpy(detail, tmp, sizeof(detail));
    snprintf(where, sizeof(where), "%s:%d", file, line);
    return (cv_result){ e };
}

const char *cv_err_detail(void) { return detail; }
const char *cv_err_where(void) { return where; }

void cv_err_clear(void)
{
    detail[0] = '\0';
    where[0] = '\0';
}

void cv_bug(const char *file, int line, const char *cond)
{
    fprintf(stderr, "covert: BUG at %s:%d: %s\n", file, line, cond);
    abort();
}
