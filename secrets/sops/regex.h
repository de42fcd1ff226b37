/* TEMPORARY (replaced by the sopscfg branch): Go regexp matching. */
#ifndef CV_SOPS_REGEX_H
#define CV_SOPS_REGEX_H

#include <stdbool.h>
#include <stddef.h>

#include "crypto/base/err.h"

typedef struct cv_goregex cv_goregex;
cv_result cv_goregex_compile(const char *pattern, cv_goregex **out) CV_MUST_USE;
bool cv_goregex_match(const cv_goregex *re, const void *s, size_t len);
void cv_goregex_free(cv_goregex **re);

#endif
