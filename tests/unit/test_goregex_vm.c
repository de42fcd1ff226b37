/* The Pike VM for Go regexps (secrets/sops/regex_vm) against Go's own
 * regexp package.
 *
 * testvectors/regex/go_replace.json (tests/gen/goregex/gen.sh: a stdlib-only
 * Go program over the input list tests/gen/goregex/cases.py): for each
 * pattern either Go's compile error, or per subject Go's MatchString,
 * FindAllStringSubmatchIndex and ReplaceAllString with each template. The
 * same vectors cross-check the POSIX path (regex.h) on match/no-match for
 * every pattern it accepts. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/base/limits.h"
#include "secrets/sops/regex.h"
#include "secrets/sops/regex_vm.h"

#define VECTORS "testvectors/regex/go_replace.json"

typedef struct {
    size_t finds, replaces, posix, posix_skipped;
} counts;

/* A subject or replacement: plain, or hex for bytes JSON cannot carry
 * (subject_hex: invalid UTF-8). Returns a malloc'd copy. */
static char *text(json_t *s, bool hex, size_t *len)
{
    const char *v = json_string_value(s);
    size_t n = json_string_length(s);
    char *out = malloc(n + 1);
    cr_assert(out);
    if (!hex) {
        memcpy(out, v, n + 1);
        *len = n;
        return out;
    }
    for (size_t i = 0; i + 1 < n; i += 2) {
        unsigned b;
        cr_assert(sscanf(v + i, "%2x", &b) == 1);
        out[i / 2] = (char)b;
    }
    *len = n / 2;
    out[*len] = 0;
    return out;
}

static size_t utf8_width(const char *s, size_t len, size_t pos)
{
    if (pos >= len) return 0;
    unsigned char c = (unsigned char)s[pos];
    size_t n = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
    if (pos + n > len) return 1;
    for (size_t i = 1; i < n; i++)
        if (((unsigned char)s[pos + i] & 0xC0) != 0x80) return 1;
    if (c >= 0xF5 || c < 0xC2 || (c == 0xE0 && (unsigned char)s[pos + 1] < 0xA0) ||
        (c == 0xED && (unsigned char)s[pos + 1] > 0x9F) || (c == 0xF0 && (unsigned char)s[pos + 1] < 0x90) ||
        (c == 0xF4 && (unsigned char)s[pos + 1] > 0x8F))
        return 1;
    return n;
}

/* Go's allMatches loop (FindAll...), driven through cv_goregex_find_submatch. */
static void check_all(const cv_goregex_vm *re, const char *pat, const char *s, size_t len, json_t *want)
{
    size_t nslot = 2 * ((size_t)cv_goregex_vm_groups(re) + 1), k = 0;
    long slots[64];
    cr_assert(nslot <= 64);
    long prev_end = -1;
    for (size_t pos = 0; pos <= len;) {
        bool found;
        cr_assert(cv_is_ok(cv_goregex_find_submatch(re, s, len, pos, slots, nslot, &found)));
        if (!found) break;
        bool accept = true;
        if ((size_t)slots[1] == pos) {
            accept = slots[0] != prev_end;
            size_t w = utf8_width(s, len, pos);
            pos += w ? w : 1;
        } else {
            pos = (size_t)slots[1];
        }
        prev_end = slots[1];
        if (!accept) continue;
        json_t *m = json_array_get(want, k++);
        cr_assert(m, "%s on \"%s\": extra match at %ld", pat, s, slots[0]);
        for (size_t i = 0; i < nslot; i++)
            cr_expect_eq(slots[i], json_integer_value(json_array_get(m, i)),
                         "%s on \"%s\": match %zu slot %zu: got %ld want %lld", pat, s, k - 1, i,
                         slots[i], json_integer_value(json_array_get(m, i)));
    }
    cr_expect_eq(k, json_array_size(want), "%s on \"%s\": %zu matches, Go has %zu", pat, s, k,
                 json_array_size(want));
}

static void check_replace(const cv_goregex_vm *re, const char *pat, const char *s, size_t len,
                          json_t *r, bool hex, json_t *tmpls, counts *n)
{
    json_t *t;
    size_t i, wlen;
    json_array_foreach(tmpls, i, t) {
        char *want = text(json_array_get(json_object_get(r, "replaced"), i), hex, &wlen);
        cv_buf out;
        cv_buf_init(&out, 1 << 20);
        cr_assert(cv_is_ok(cv_goregex_replace_all(re, s, len, json_string_value(t), json_string_length(t), &out)));
        const char *got = out.p ? (const char *)out.p : "";
        cr_expect(out.len == wlen && memcmp(got, want, wlen) == 0,
                  "%s on \"%s\" with \"%s\": got \"%.*s\" want \"%s\"", pat, s, json_string_value(t),
                  (int)out.len, got, want);
        cv_buf_release(&out);
        free(want);
        n->replaces++;
    }
}

/* The POSIX rewrite must agree on match/no-match wherever it compiles. */
static void check_posix(const char *pat, size_t plen, json_t *results, counts *n)
{
    cv_goregex *px = NULL;
    cv_result r = cv_goregex_compile_n(pat, plen, &px);
    if (r.err == CV_E_UNSUPPORTED) {
        n->posix_skipped++;
        return;
    }
    cr_assert(cv_is_ok(r), "POSIX path refuses %s: %s", pat, cv_err_detail());
    json_t *res;
    size_t i;
    json_array_foreach(results, i, res) {
        json_t *s = json_object_get(res, "subject");
        /* invalid UTF-8 is approximate on the POSIX path (regex.h) */
        if (json_object_get(res, "subject_hex")) continue;
        cr_expect_eq(cv_goregex_match(px, json_string_value(s), json_string_length(s)),
                     json_is_true(json_object_get(res, "match")), "POSIX %s on \"%s\"", pat,
                     json_string_value(s));
        n->posix++;
    }
    cv_goregex_free(&px);
}

static void check_case(json_t *c, counts *n)
{
    json_t *pj = json_object_get(c, "pattern"), *err = json_object_get(c, "error");
    const char *pat = json_string_value(pj);
    cv_goregex_vm *re = NULL;
    cv_result r = cv_goregex_vm_compile_n(pat, json_string_length(pj), &re);
    if (err) {
        cr_expect_eq(r.err, CV_E_REGEX, "%s: want Go's error", pat);
        if (r.err == CV_E_REGEX) cr_expect_str_eq(cv_err_detail(), json_string_value(err));
        cv_goregex_vm_free(&re);
        return;
    }
    cr_assert(cv_is_ok(r), "%s: %s (%s)", pat, cv_strerror(r.err), cv_err_detail());
    cr_expect_eq(cv_goregex_vm_groups(re), json_integer_value(json_object_get(c, "groups")), "%s", pat);
    json_t *res, *names = json_object_get(c, "names");
    size_t i;
    json_array_foreach(names, i, res)
        cr_expect_str_eq(cv_goregex_vm_name(re, (int)i), json_string_value(res), "%s group %zu", pat, i);
    json_array_foreach(json_object_get(c, "results"), i, res) {
        json_t *hx = json_object_get(res, "subject_hex");
        size_t len;
        char *s = text(hx ? hx : json_object_get(res, "subject"), hx != NULL, &len);
        check_all(re, pat, s, len, json_object_get(res, "all"));
        check_replace(re, pat, s, len, res, hx != NULL, json_object_get(c, "templates"), n);
        free(s);
        n->finds++;
    }
    check_posix(pat, json_string_length(pj), json_object_get(c, "results"), n);
    cv_goregex_vm_free(&re);
}

Test(goregex_vm, go_vectors)
{
    json_error_t e;
    json_t *v = json_load_file(VECTORS, 0, &e), *c;
    cr_assert(v, "%s: %s", VECTORS, e.text);
    counts n = { 0 };
    size_t i;
    json_array_foreach(json_object_get(v, "cases"), i, c) check_case(c, &n);
    cr_assert_gt(i, 150);
    cr_assert_gt(n.finds, 3000);
    cr_assert_gt(n.replaces, 20000);
    cr_assert_gt(n.posix, 2500, "POSIX cross-checks: %zu (%zu patterns skipped)", n.posix, n.posix_skipped);
    json_decref(v);
}
