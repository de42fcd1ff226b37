/* The process-wide cache of compiled selector regexps: one compiled regex
 * per pattern, Go's semantics kept, failures reported every time. */
#include <criterion/criterion.h>
#include <string.h>

#include "reconcile/kustomize/recache.h"

static cv_kz_re get(const char *p)
{
    cv_kz_re r;
    cr_assert(cv_is_ok(cv_kz_re_get(p, strlen(p), &r)), "%s", p);
    return r;
}

Test(kz_recache, one_regex_per_pattern)
{
    cv_kz_re a = get("^(?:apps|batch)$"), b = get("^(?:apps|batch)$"), c = get("^(?:apps)$");
    cr_expect_eq(a.re, b.re, "the second lookup is the cached regex");
    cr_expect_neq(a.re, c.re);
    cr_expect(!a.owned && !b.owned);
    cr_expect(cv_kz_re_ok(&a, "apps", 4));
    cr_expect(cv_kz_re_ok(&b, "batch", 5));
    cr_expect(!cv_kz_re_ok(&a, "apps2", 5));
    cr_expect(!cv_kz_re_ok(&c, "batch", 5));
    cv_kz_re_put(&a);
    cr_expect_null(a.re);
    /* Putting one handle back leaves the cached regex to the others. */
    cr_expect(cv_kz_re_ok(&b, "batch", 5));
    cv_kz_re_put(&b);
    cv_kz_re_put(&c);
}

Test(kz_recache, empty_matches_anything)
{
    cv_kz_re none = { 0 };
    cr_expect(cv_kz_re_ok(&none, "x", 1));
    cv_kz_re_put(&none);
}

Test(kz_recache, go_syntax_and_errors_every_time)
{
    /* \d is Go's (POSIX has none); a pattern with a NUL byte is its own. */
    cv_kz_re d = get("^(?:v\\d+)$");
    cr_expect(cv_kz_re_ok(&d, "v12", 3));
    cr_expect(!cv_kz_re_ok(&d, "vx", 2));
    cv_kz_re_put(&d);
    for (int i = 0; i < 2; i++) {
        cv_kz_re bad;
        cr_expect(cv_is(cv_kz_re_get("^(?:a($", 7, &bad), CV_E_REGEX), "lookup %d", i);
        cr_expect_null(bad.re);
    }
    cv_kz_re n1, n2;
    cr_assert(cv_is_ok(cv_kz_re_get("a\0b", 3, &n1)));
    cr_assert(cv_is_ok(cv_kz_re_get("a", 1, &n2)));
    cr_expect_neq(n1.re, n2.re, "the key is every byte of the pattern");
    cv_kz_re_put(&n1);
    cv_kz_re_put(&n2);
}
