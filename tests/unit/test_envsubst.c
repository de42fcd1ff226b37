/* cv_envsubst against every case of testvectors/flux/envsubst.json, whose
 * results fluxcd/pkg/envsubst v1.7.0 computed (tests/gen/flux_envsubst_vectors.sh):
 * the output bytes, or the kind of error (syntax, undefined variable in
 * strict mode, or a Go panic, which covert reports as a syntax error). */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/base/enc.h"
#include "crypto/base/limits.h"
#include "reconcile/flux/envsubst.h"

#define VECTORS "testvectors/flux/envsubst.json"

typedef struct {
    json_t *vars;     /* object: name -> string */
    json_t *vars_b64; /* object: name -> base64, or NULL */
    uint8_t val[4096];
    size_t calls;
} lookup_ctx;

/* A string member (NUL bytes allowed) or a base64 one, decoded into buf. */
static bool member_bytes(json_t *s, bool b64, uint8_t *buf, size_t cap, size_t *len)
{
    const char *t = json_string_value(s);
    size_t n = json_string_length(s);
    if (!b64) {
        cr_assert(n <= cap);
        memcpy(buf, t, n);
        *len = n;
        return true;
    }
    cr_assert(cv_b64_dec_max(n) <= cap);
    return cv_is_ok(cv_b64_decode(buf, len, cv_slice_of(t, n), true));
}

static cv_result lookup(void *vctx, cv_slice name, cv_slice *value, bool *found)
{
    lookup_ctx *c = vctx;
    char key[256];
    cr_assert(name.len < sizeof key);
    memcpy(key, name.p, name.len);
    key[name.len] = '\0';
    c->calls++;
    *found = false;
    json_t *v = json_object_get(c->vars, key);
    bool b64 = false;
    if (v == NULL && c->vars_b64 != NULL && (v = json_object_get(c->vars_b64, key)) != NULL) b64 = true;
    /* Names with NUL bytes never match a JSON object key here. */
    if (v == NULL || strlen(key) != name.len) return cv_ok();
    size_t n;
    cr_assert(member_bytes(v, b64, c->val, sizeof c->val, &n));
    *value = cv_slice_of(c->val, n);
    *found = true;
    return cv_ok();
}

static cv_err expected_error(const char *kind)
{
    if (strcmp(kind, "syntax") == 0 || strcmp(kind, "panic") == 0) return CV_E_ENVSUBST_SYNTAX;
    if (strcmp(kind, "undefined") == 0) return CV_E_ENVSUBST_UNDEFINED;
    cr_assert_fail("unknown error kind %s", kind);
    return CV_OK;
}

static void check_case(json_t *c, size_t idx)
{
    uint8_t in[8192], want[8192];
    size_t in_len, want_len = 0;
    json_t *input = json_object_get(c, "input");
    bool in_b64 = input == NULL;
    if (in_b64) input = json_object_get(c, "input_b64");
    cr_assert(member_bytes(input, in_b64, in, sizeof in, &in_len), "case %zu input", idx);

    lookup_ctx ctx = { .vars = json_object_get(c, "vars"), .vars_b64 = json_object_get(c, "vars_b64") };
    bool strict = json_is_true(json_object_get(c, "strict"));
    cv_buf out;
    cv_buf_init_secret(&out, 1u << 20);
    cv_result r = cv_envsubst(cv_slice_of(in, in_len), lookup, &ctx, strict, &out);

    json_t *kind = json_object_get(c, "error_kind");
    if (kind != NULL) {
        cv_err want_err = expected_error(json_string_value(kind));
        cr_expect_eq(r.err, want_err, "case %zu %s: got %s (%s), want %s (%s)", idx,
                     json_string_value(input), cv_strerror(r.err), cv_err_detail(),
                     json_string_value(kind), json_string_value(json_object_get(c, "error")));
    } else {
        json_t *o = json_object_get(c, "output");
        bool out_b64 = o == NULL;
        if (out_b64) o = json_object_get(c, "output_b64");
        cr_assert(member_bytes(o, out_b64, want, sizeof want, &want_len), "case %zu output", idx);
        cr_expect(cv_is_ok(r), "case %zu %s: %s (%s)", idx, json_string_value(input),
                  cv_strerror(r.err), cv_err_detail());
        cr_expect(cv_is_ok(r) && out.len == want_len && memcmp(out.p, want, want_len) == 0,
                  "case %zu %s: got '%.*s' want '%.*s'", idx, json_string_value(input), (int)out.len,
                  (const char *)out.p, (int)want_len, (const char *)want);
    }
    cv_buf_release(&out);
}

Test(envsubst, flux_vectors)
{
    json_error_t e;
    json_t *all = json_load_file(VECTORS, JSON_ALLOW_NUL, &e);
    cr_assert_not_null(all, "%s: %s", VECTORS, e.text);
    cr_assert_gt(json_array_size(all), 1000);
    size_t i;
    json_t *c;
    json_array_foreach(all, i, c) check_case(c, i);
    json_decref(all);
}

static cv_result lookup_none(void *ctx, cv_slice name, cv_slice *value, bool *found)
{
    (void)ctx, (void)name, (void)value;
    *found = false;
    return cv_ok();
}

/* Syntax errors are found before any variable is looked up. */
Test(envsubst, parse_before_lookup)
{
    lookup_ctx ctx = { .vars = json_object() };
    cv_buf out;
    cv_buf_init(&out, 1024);
    cv_result r = cv_envsubst(cv_slice_str("${A} ${B} ${"), lookup, &ctx, true, &out);
    cr_assert_eq(r.err, CV_E_ENVSUBST_SYNTAX);
    cr_assert_eq(ctx.calls, 0);
    json_decref(ctx.vars);
    cv_buf_release(&out);
}

Test(envsubst, undefined_detail_names_variable)
{
    cv_buf out;
    cv_buf_init(&out, 1024);
    cv_result r = cv_envsubst(cv_slice_str("x: ${SECRET_DOMAIN}"), lookup_none, NULL, true, &out);
    cr_assert_eq(r.err, CV_E_ENVSUBST_UNDEFINED);
    cr_assert(strstr(cv_err_detail(), "SECRET_DOMAIN") != NULL, "%s", cv_err_detail());
    cv_buf_release(&out);
}

static cv_result lookup_fail(void *ctx, cv_slice name, cv_slice *value, bool *found)
{
    (void)ctx, (void)name, (void)value, (void)found;
    return CV_FAIL(CV_E_NOT_FOUND);
}

Test(envsubst, lookup_error_propagates)
{
    cv_buf out;
    cv_buf_init(&out, 1024);
    cr_assert_eq(cv_envsubst(cv_slice_str("${A:-x}"), lookup_fail, NULL, false, &out).err, CV_E_NOT_FOUND);
    cv_buf_release(&out);
}

Test(envsubst, depth_limit)
{
    cv_buf in, out;
    cv_buf_init(&in, 1u << 16);
    cv_buf_init(&out, 1024);
    for (unsigned i = 0; i <= CV_ENVSUBST_MAX_DEPTH; i++) cr_assert(cv_is_ok(cv_buf_add_str(&in, "${A:-")));
    for (unsigned i = 0; i <= CV_ENVSUBST_MAX_DEPTH; i++) cr_assert(cv_is_ok(cv_buf_add_str(&in, "}")));
    cr_assert_eq(cv_envsubst(cv_buf_slice(&in), lookup_none, NULL, false, &out).err, CV_E_LIMIT);
    cv_buf_release(&in);
    cv_buf_release(&out);
}

/* Names checked by Go's regexp with Flux's pattern (testvectors/flux/varnames.json). */
Test(envsubst, varname)
{
    json_error_t e;
    json_t *all = json_load_file("testvectors/flux/varnames.json", JSON_ALLOW_NUL, &e);
    cr_assert_not_null(all, "%s", e.text);
    size_t i;
    json_t *c;
    json_array_foreach(all, i, c) {
        json_t *name = json_object_get(c, "name");
        cv_slice n = cv_slice_of(json_string_value(name), json_string_length(name));
        cr_expect_eq(cv_flux_varname_ok(n), json_is_true(json_object_get(c, "ok")), "name %zu", i);
    }
    cr_assert_gt(i, 10);
    json_decref(all);
}
