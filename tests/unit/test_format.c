/* The age header parser: canonical round trips and every limit, each with
 * its exact error and detail. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "crypto/age/format.h"
#include "crypto/base/limits.h"
#include "crypto/prim/pk.h"

static const char mac_line[] = "--- AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n";

static cv_result parse(const char *text, size_t len, cv_age_header *h)
{
    size_t used = 0;
    cv_age_header_init(h);
    return cv_age_header_parse(cv_slice_of(text, len), h, &used);
}

/* A header with `n` grease stanzas (empty bodies). */
static char *many_stanzas(size_t n, size_t *len)
{
    size_t cap = 32 + n * 12 + sizeof(mac_line);
    char *t = malloc(cap);
    size_t o = (size_t)snprintf(t, cap, "age-encryption.org/v1\n");
    for (size_t i = 0; i < n; i++) o += (size_t)snprintf(t + o, cap - o, "-> grease\n\n");
    o += (size_t)snprintf(t + o, cap - o, "%s", mac_line);
    *len = o;
    return t;
}

Test(format, seal_parse_round_trip_is_byte_identical)
{
    cv_age_header h, back;
    uint8_t fk[16], body[100];
    cv_random(fk, sizeof(fk));
    cv_random(body, sizeof(body));
    cv_age_header_init(&h);
    /* Bodies of 0, 47, 48, 96 and 100 bytes exercise the short-line rule. */
    size_t sizes[] = { 0, 47, 48, 96, 100 };
    for (size_t i = 0; i < 5; i++) {
        const char *args[2] = { "arg", "!\"#$%&'" };
        cr_assert(cv_is_ok(cv_age_stanzas_add(&h.stanzas, "t", args, 2, body, sizes[i])));
    }
    cr_assert(cv_is_ok(cv_age_header_seal(&h, fk)));
    cr_assert(cv_is_ok(parse((const char *)h.raw, h.raw_len, &back)));
    cr_assert_eq(back.raw_len, h.raw_len);
    cr_assert(memcmp(back.raw, h.raw, h.raw_len) == 0);
    cr_assert_eq(back.stanzas.n, 5);
    cr_assert_eq(back.stanzas.v[4].body_len, 100);
    cr_assert(cv_is_ok(cv_age_header_verify(&back, fk)));
    fk[0] ^= 1;
    cr_assert_eq(cv_age_header_verify(&back, fk).err, CV_E_AGE_HMAC);
    cv_age_header_clear(&h);
    cv_age_header_clear(&back);
}

Test(format, stanza_count_limit)
{
    size_t len;
    cv_age_header h;
    char *ok = many_stanzas(CV_AGE_MAX_STANZAS, &len);
    cr_assert(cv_is_ok(parse(ok, len, &h)));
    cr_assert_eq(h.stanzas.n, CV_AGE_MAX_STANZAS);
    cv_age_header_clear(&h);
    free(ok);
    char *over = many_stanzas(CV_AGE_MAX_STANZAS + 1, &len);
    cr_assert_eq(parse(over, len, &h).err, CV_E_AGE_HEADER);
    char want[64];
    snprintf(want, sizeof(want), "more than %u recipient stanzas", CV_AGE_MAX_STANZAS);
    cr_assert_str_eq(cv_err_detail(), want);
    cv_age_header_clear(&h);
    free(over);
}

Test(format, line_length_limit)
{
    size_t n = CV_AGE_MAX_LINE + 10, o;
    char *t = malloc(n + 200);
    o = (size_t)snprintf(t, n + 200, "age-encryption.org/v1\n-> ");
    memset(t + o, 'a', CV_AGE_MAX_LINE);
    o += CV_AGE_MAX_LINE;
    o += (size_t)snprintf(t + o, n + 200 - o, "\n\n%s", mac_line);
    cv_age_header h;
    cr_assert_eq(parse(t, o, &h).err, CV_E_AGE_HEADER);
    char want[64];
    snprintf(want, sizeof(want), "header line longer than %u bytes", CV_AGE_MAX_LINE);
    cr_assert_str_eq(cv_err_detail(), want);
    cv_age_header_clear(&h);
    free(t);
}

Test(format, header_size_limit_when_streaming)
{
    /* A header that never reaches its MAC line is refused once it passes
     * the cap, without reading the rest of the input. */
    size_t n = CV_AGE_MAX_HEADER + 65536;
    char *t = malloc(n);
    size_t o = (size_t)snprintf(t, n, "age-encryption.org/v1\n");
    while (o + 12 < n) o += (size_t)snprintf(t + o, n - o, "-> grease\n\n");
    cv_mem_src src;
    cv_mem_src_init(&src, cv_slice_of(t, o));
    cv_age_header h;
    cv_buf rest;
    cv_age_header_init(&h);
    cv_buf_init(&rest, 1 << 20);
    cr_assert_eq(cv_age_header_read(&src.src, &h, &rest).err, CV_E_AGE_HEADER);
    char want[64];
    snprintf(want, sizeof(want), "header larger than %u bytes", CV_AGE_MAX_HEADER);
    cr_assert_str_eq(cv_err_detail(), want);
    cr_assert_lt(src.r.pos, o, "read the whole oversized input");
    cv_buf_release(&rest);
    cv_age_header_clear(&h);
    free(t);
}

Test(format, strict_rules)
{
    static const struct {
        const char *text, *detail;
    } cases[] = {
        { "", "file is empty" },
        { "age-encryption.org/v2\n-> a\n\n--- x\n", "unexpected intro" },
        { "age-encryption.org/v1\n--- AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n", "no recipient stanzas" },
        { "age-encryption.org/v1\n->  a\n\n", "malformed stanza" },
        { "age-encryption.org/v1\n-> a \n\n", "malformed stanza" },
        { "age-encryption.org/v1\n-> a\nQUI=\n", "malformed body line" },
        { "age-encryption.org/v1\n-> a\nQUJ\n", "malformed body line" },
        { "age-encryption.org/v1\n-> a\n\n---  AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n", "malformed closing line" },
        { "age-encryption.org/v1\n-> a\n\n--- AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB\n", "malformed closing line" },
        { "age-encryption.org/v1\n-> a\n", "failed to read line: unexpected EOF" },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        cv_age_header h;
        cr_assert_eq(parse(cases[i].text, strlen(cases[i].text), &h).err, CV_E_AGE_HEADER, "%zu", i);
        cr_assert_str_eq(cv_err_detail(), cases[i].detail, "case %zu", i);
        cv_age_header_clear(&h);
    }
}
