/* Go regexps (secrets/sops/regex) against Go's own regexp package.
 *
 * testvectors/sops-config/regex.json (tests/gen/gen_sops_regex.py, made by
 * the sopscfg peer): for each pattern either Go's compile error, which
 * covert must reproduce (CV_E_REGEX, same text), or Go's match result on
 * every listed input. Patterns marked "unsupported" are valid Go that
 * covert refuses on purpose (CV_E_UNSUPPORTED). */
#include <criterion/criterion.h>
#include <jansson.h>
#include <string.h>

#include "secrets/sops/regex.h"

#define VECTORS "testvectors/sops-config/regex.json"

static void check_case(json_t *c, size_t *n_match)
{
    const char *pat = json_string_value(json_object_get(c, "pattern"));
    size_t plen = json_string_length(json_object_get(c, "pattern"));
    json_t *err = json_object_get(c, "error");
    cv_goregex *re = NULL;
    cv_result r = cv_goregex_compile_n(pat, plen, &re);
    if (err) {
        cr_expect_eq(r.err, CV_E_REGEX, "pattern %s: want Go's error %s, got %s", pat,
                     json_string_value(err), cv_strerror(r.err));
        if (r.err == CV_E_REGEX)
            cr_expect_str_eq(cv_err_detail(), json_string_value(err), "pattern %s", pat);
        cv_goregex_free(&re);
        return;
    }
    if (json_is_true(json_object_get(c, "unsupported"))) {
        cr_expect_eq(r.err, CV_E_UNSUPPORTED, "pattern %s", pat);
        cv_goregex_free(&re);
        return;
    }
    cr_assert(cv_is_ok(r), "pattern %s: %s (%s)", pat, cv_strerror(r.err), cv_err_detail());
    json_t *m;
    size_t i;
    json_array_foreach(json_object_get(c, "matches"), i, m) {
        json_t *in = json_array_get(m, 0);
        bool want = json_is_true(json_array_get(m, 1));
        bool got = cv_goregex_match(re, json_string_value(in), json_string_length(in));
        cr_expect_eq(got, want, "pattern %s (ERE %.200s) on \"%.40s\": want %d", pat,
                     cv_goregex_ere(re), json_string_value(in), want);
        (*n_match)++;
    }
    cv_goregex_free(&re);
}

Test(sops_regex, go_vectors)
{
    json_error_t e;
    json_t *v = json_load_file(VECTORS, JSON_ALLOW_NUL, &e), *c;
    cr_assert(v, "%s: %s", VECTORS, e.text);
    size_t i, n_match = 0;
    json_array_foreach(json_object_get(v, "cases"), i, c) check_case(c, &n_match);
    cr_assert_gt(n_match, 1000);
    json_decref(v);
}

/* Invalid UTF-8 in a pattern (JSON cannot carry it): Go's message names the
 * rest of the pattern from the bad byte. */
Test(sops_regex, invalid_utf8_pattern)
{
    cv_goregex *re = NULL;
    cv_result r = cv_goregex_compile("ab\xff" "c", &re);
    cr_assert_eq(r.err, CV_E_REGEX);
    cr_assert_str_eq(cv_err_detail(), "error parsing regexp: invalid UTF-8: `\xff" "c`");
    r = cv_goregex_compile("[\xc3]", &re);
    cr_assert_eq(r.err, CV_E_REGEX);
}

/* Invalid UTF-8 and NUL in the input: Go reads a stray byte as U+FFFD,
 * which '.' and negated classes match. */
Test(sops_regex, bytes_in_input)
{
    cv_goregex *re = NULL;
    cr_assert(cv_is_ok(cv_goregex_compile("^a.b$", &re)));
    cr_assert(cv_goregex_match(re, "a\xff" "b", 3));
    cr_assert(cv_goregex_match(re, "a\x80" "b", 3));
    cr_assert(cv_goregex_match(re, "a\0b", 3));
    cr_assert(!cv_goregex_match(re, "a\0\0b", 4));
    cv_goregex_free(&re);
    cr_assert(cv_is_ok(cv_goregex_compile("^[^x]$", &re)));
    cr_assert(cv_goregex_match(re, "\0", 1));
    cr_assert(cv_goregex_match(re, "\xfe", 1));
    cv_goregex_free(&re);
    cr_assert(cv_is_ok(cv_goregex_compile("\\x00", &re)));
    cr_assert(cv_goregex_match(re, "a\0", 2));
    cr_assert(!cv_goregex_match(re, "a", 1));
    cv_goregex_free(&re);
}

Test(sops_regex, limits)
{
    cv_goregex *re = NULL;
    char *big = malloc(70000);
    memset(big, 'a', 69999);
    big[69999] = 0;
    cr_assert_eq(cv_goregex_compile(big, &re).err, CV_E_TOO_LARGE);
    memset(big, '(', 1500);
    memset(big + 1500, ')', 1500);
    big[3000] = 0;
    cr_assert_eq(cv_goregex_compile(big, &re).err, CV_E_REGEX);
    free(big);
    cv_goregex_free(&re);
}
