/* The Pike VM for Go regexps: input = pattern NUL subject NUL template.
 * Whatever compiles must find and replace without crashing, within the
 * limits.h caps; match slots must be ordered and inside the subject; and
 * where the POSIX path also compiles the pattern, both must agree on
 * match/no-match for valid UTF-8 subjects without a newline (glibc lets an
 * ERE `$` match before a '\n' when the pattern continues with one, e.g.
 * Go's never-matching `$\nb` matches "a\nb" there: a known difference of
 * the POSIX path, left as it is). */
/* The POSIX cross-check runs only for short patterns without {n,m}:
 * glibc's own compiler is not linear in them. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "secrets/sops/regex.h"
#include "secrets/sops/regex_vm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool valid_utf8(const uint8_t *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        unsigned c = s[i];
        size_t w = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
        if (!w || i + w > n || (w > 1 && c < 0xC2) || c > 0xF4) return false;
        for (size_t k = 1; k < w; k++)
            if ((s[i + k] & 0xC0) != 0x80) return false;
        if ((c == 0xE0 && s[i + 1] < 0xA0) || (c == 0xED && s[i + 1] > 0x9F) ||
            (c == 0xF0 && s[i + 1] < 0x90) || (c == 0xF4 && s[i + 1] > 0x8F))
            return false;
        i += w;
    }
    return true;
}

static void check_slots(const cv_goregex_vm *re, const uint8_t *s, size_t n)
{
    long slots[16];
    size_t ns = 2 * ((size_t)cv_goregex_vm_groups(re) + 1);
    if (ns > 16) ns = 16;
    for (size_t start = 0; start <= n; start += 1 + n / 4) {
        bool found = false;
        if (!cv_is_ok(cv_goregex_find_submatch(re, s, n, start, slots, ns, &found))) abort();
        if (!found) continue;
        if (slots[0] < (long)start || slots[1] < slots[0] || slots[1] > (long)n) abort();
        for (size_t i = 2; i + 1 < ns; i += 2)
            if ((slots[i] < 0) != (slots[i + 1] < 0) || slots[i + 1] < slots[i] || slots[i + 1] > (long)n)
                abort();
    }
}

static void check_posix(const uint8_t *p, size_t plen, const cv_goregex_vm *re, const uint8_t *s, size_t n)
{
    cv_goregex *px = NULL;
    /* glibc's regcomp expands counted repeats eagerly (gigabytes for a
     * short pattern): only small patterns without braces meet it here. */
    if (plen > 64 || memchr(p, '{', plen) || !valid_utf8(s, n) || memchr(s, '\n', n) || !cv_is_ok(cv_goregex_compile_n((const char *)p, plen, &px))) return;
    long slots[2];
    bool found = false;
    if (!cv_is_ok(cv_goregex_find_submatch(re, s, n, 0, slots, 2, &found))) abort();
    if (found != cv_goregex_match(px, s, n)) abort();
    cv_goregex_free(&px);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nul = memchr(data, 0, size);
    size_t plen = nul ? (size_t)(nul - data) : size;
    const uint8_t *subj = nul ? nul + 1 : data;
    size_t rest = nul ? size - plen - 1 : size;
    const uint8_t *nul2 = memchr(subj, 0, rest);
    size_t slen = nul2 ? (size_t)(nul2 - subj) : rest;
    const char *tmpl = nul2 ? (const char *)nul2 + 1 : "<$0>$1${name}$$";
    size_t tlen = nul2 ? rest - slen - 1 : strlen(tmpl);
    if (plen > 512 || slen > 256 || tlen > 64) return 0;
    cv_goregex_vm *re = NULL;
    cv_result r = cv_goregex_vm_compile_n((const char *)data, plen, &re);
    if (!cv_is_ok(r)) {
        if (r.err != CV_E_REGEX && r.err != CV_E_UNSUPPORTED && r.err != CV_E_LIMIT &&
            r.err != CV_E_TOO_LARGE)
            abort();
        return 0;
    }
    check_slots(re, subj, slen);
    cv_buf out;
    cv_buf_init(&out, 1u << 22);
    if (!cv_is_ok(cv_goregex_replace_all(re, subj, slen, tmpl, tlen, &out))) abort();
    cv_buf_release(&out);
    check_posix(data, plen, re, subj, slen);
    cv_goregex_vm_free(&re);
    return 0;
}
