/* TEMPORARY (replaced by the sopscfg branch): POSIX ERE as is. */
#include "secrets/sops/regex.h"

#include <regex.h>
#include <stdlib.h>
#include <string.h>

struct cv_goregex {
    regex_t re;
};

cv_result cv_goregex_compile(const char *pattern, cv_goregex **out)
{
    cv_goregex *r = calloc(1, sizeof(*r));
    CV_ENSURE(r, CV_E_NOMEM);
    if (regcomp(&r->re, pattern, REG_EXTENDED | REG_NOSUB) != 0) {
        free(r);
        CV_BAILF(CV_E_SYNTAX, "invalid regular expression");
    }
    *out = r;
    return cv_ok();
}

bool cv_goregex_match(const cv_goregex *re, const void *s, size_t len)
{
    char *z = malloc(len + 1);
    if (z == NULL) return false;
    memcpy(z, s, len);
    z[len] = '\0';
    bool m = regexec(&re->re, z, 0, NULL, 0) == 0;
    free(z);
    return m;
}

void cv_goregex_free(cv_goregex **re)
{
    if (re == NULL || *re == NULL) return;
    regfree(&(*re)->re);
    free(*re);
    *re = NULL;
}
