/* YAML store: covert against the outputs sops v3.13.2's own store wrote for
 * the hand-written cases (testvectors/yaml/cases/, made by
 * tests/gen/yaml_cases.sh), plus error codes and API contracts. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/base/limits.h"
#include "secrets/doc/yaml.h"
#include "tests/lib/doc_dump.h"
#include "tests/lib/vectors.h"

#define CASES "testvectors/yaml/cases"

static char *case_file(const char *name, const char *ext, size_t *len)
{
    char path[512];
    snprintf(path, sizeof(path), CASES "/%s%s", name, ext);
    return (char *)tv_read_file(path, len);
}

/* Load a case and run one of: tree dump, emit (indent). */
static cv_result run_case(const char *name, int mode, int indent, cv_buf *out)
{
    size_t len;
    char *in = case_file(name, ".yaml", &len);
    cr_assert_not_null(in, "missing case %s", name);
    cv_doc doc;
    cr_assert(cv_is_ok(cv_doc_init(&doc)));
    cv_result r = cv_yaml_load(cv_slice_of(in, len), &doc);
    if (cv_is_ok(r)) r = mode == 0 ? tv_doc_dump(&doc, out) : cv_yaml_emit(&doc, indent, out);
    cv_doc_clear(&doc);
    free(in);
    return r;
}

static void check_output(const char *name, int mode, int indent, const char *ext)
{
    size_t elen;
    char *exp = case_file(name, ext, &elen);
    cr_assert_not_null(exp, "missing %s%s", name, ext);
    cv_buf out;
    cv_buf_init(&out, CV_DOC_MAX_INPUT);
    cv_result r = run_case(name, mode, indent, &out);
    cr_assert(cv_is_ok(r), "%s: %s", name, cv_err_detail());
    cr_expect(out.len == elen && memcmp(out.p, exp, elen) == 0, "%s%s differs", name, ext);
    cv_buf_release(&out);
    free(exp);
}

static void check_error(const char *name, cv_err want)
{
    size_t elen;
    char *exp = case_file(name, ".error", &elen);
    cr_assert_not_null(exp);
    while (elen > 0 && exp[elen - 1] == '\n') exp[--elen] = 0;
    cv_buf out;
    cv_buf_init(&out, CV_DOC_MAX_INPUT);
    cv_result r = run_case(name, 0, 0, &out);
    cr_expect_eq(r.err, want, "%s: got %s", name, cv_strerror(r.err));
    cr_expect_str_eq(cv_err_detail(), exp, "%s", name);
    cv_buf_release(&out);
    free(exp);
}

static const char *const k_ok[] = {
    "anchors", "block_scalars", "comments_everywhere", "crlf", "deep_nesting", "dup_second_doc",
    "empty_docs", "flow_styles", "long_lines", "multi_doc", "non_string_keys", "numbers",
    "quoting", "seq_comments", "tabs", "tags", "timestamps", "unicode", NULL
};

Test(yaml, cases_tree_match_sops)
{
    for (const char *const *c = k_ok; *c; c++) check_output(*c, 0, 0, ".tree.json");
}

Test(yaml, cases_roundtrip_match_sops)
{
    for (const char *const *c = k_ok; *c; c++) check_output(*c, 1, 0, ".expected");
}

Test(yaml, cases_indent2_match_sops)
{
    for (const char *const *c = k_ok; *c; c++) check_output(*c, 1, 2, ".indent2.expected");
}

Test(yaml, duplicate_keys) { check_error("dup_keys", CV_E_DOC_DUPLICATE_KEY); }
Test(yaml, duplicate_nested_keys) { check_error("dup_nested", CV_E_DOC_DUPLICATE_KEY); }
Test(yaml, top_level_sequence) { check_error("top_list", CV_E_DOC_UNSUPPORTED); }
Test(yaml, top_level_scalar) { check_error("top_scalar", CV_E_DOC_UNSUPPORTED); }
Test(yaml, sequence_in_second_document) { check_error("top_list_second_doc", CV_E_DOC_UNSUPPORTED); }
Test(yaml, syntax_error) { check_error("syntax_error", CV_E_DOC_SYNTAX); }
Test(yaml, bad_indentation) { check_error("bad_indent", CV_E_DOC_SYNTAX); }
Test(yaml, unknown_alias) { check_error("unknown_alias", CV_E_DOC_SYNTAX); }
Test(yaml, comments_only_is_eof) { check_error("only_comments", CV_E_DOC_SYNTAX); }
Test(yaml, bad_binary) { check_error("bad_binary", CV_E_DOC_TYPE); }
Test(yaml, bad_merge) { check_error("merge_bad", CV_E_DOC_TYPE); }
Test(yaml, excessive_aliasing) { check_error("excessive_alias", CV_E_LIMIT); }

Test(yaml, empty_input_has_no_branch)
{
    cv_doc doc;
    cr_assert(cv_is_ok(cv_doc_init(&doc)));
    cr_assert(cv_is_ok(cv_yaml_load(cv_slice_of("", 0), &doc)));
    cr_expect_eq(doc.n, 0);
    cv_buf out;
    cv_buf_init(&out, 1024);
    cr_assert(cv_is_ok(cv_yaml_emit(&doc, 0, &out)));
    cr_expect_eq(out.len, 0);
    cv_buf_release(&out);
    cv_doc_clear(&doc);
}

Test(yaml, negative_indent_rejected)
{
    cv_doc doc;
    cr_assert(cv_is_ok(cv_doc_init(&doc)));
    cv_buf out;
    cv_buf_init(&out, 1024);
    cv_result r = cv_yaml_emit(&doc, -1, &out);
    cr_expect_eq(r.err, CV_E_DOC_UNSUPPORTED);
    cr_expect_str_eq(cv_err_detail(), "YAML Negative indentation not accepted");
    cv_buf_release(&out);
    cv_doc_clear(&doc);
}

Test(yaml, nesting_past_depth_limit)
{
    size_t n = CV_DOC_MAX_DEPTH + 10;
    char *in = malloc(2 * n + 3);
    cr_assert_not_null(in);
    memcpy(in, "a: ", 3);
    for (size_t i = 0; i < n; i++) in[3 + i] = '[';
    for (size_t i = 0; i < n; i++) in[3 + n + i] = ']';
    cv_doc doc;
    cr_assert(cv_is_ok(cv_doc_init(&doc)));
    cv_result r = cv_yaml_load(cv_slice_of(in, 3 + 2 * n), &doc);
    cr_expect_eq(r.err, CV_E_LIMIT);
    cv_doc_clear(&doc);
    free(in);
}

/* EmitValue: a non-string value as its own document (sops decrypt
 * --extract). Expected bytes are what yaml.v3 writes for these values. */
Test(yaml, emit_value_of_a_branch)
{
    static const char in[] = "a:\n  b: [1, x]\n";
    cv_doc doc;
    cr_assert(cv_is_ok(cv_doc_init(&doc)));
    cr_assert(cv_is_ok(cv_yaml_load(cv_slice_of(in, sizeof(in) - 1), &doc)));
    cv_buf out;
    cv_buf_init(&out, 1024);
    cr_assert(cv_is_ok(cv_yaml_emit_value(cv_map_get(doc.branches[0], "a"), 0, &out)));
    cr_expect(out.len == 19 && memcmp(out.p, "b:\n    - 1\n    - x\n", 19) == 0, "%.*s",
              (int)out.len, out.p);
    cv_buf_release(&out);
    cv_doc_clear(&doc);
}

/* 10,000 values load and emit in well under a second even unoptimised. */
Test(yaml, ten_thousand_values)
{
    cv_buf in;
    cv_buf_init(&in, CV_DOC_MAX_INPUT);
    for (int i = 0; i < 10000; i++) cr_assert(cv_is_ok(cv_buf_addf(&in, "key%d: value %d # c\n", i, i)));
    cv_doc doc;
    cr_assert(cv_is_ok(cv_doc_init(&doc)));
    cr_assert(cv_is_ok(cv_yaml_load(cv_buf_slice(&in), &doc)));
    cr_expect_eq(doc.branches[0]->n, 20000);
    cv_buf out;
    cv_buf_init(&out, CV_DOC_MAX_INPUT);
    cr_assert(cv_is_ok(cv_yaml_emit(&doc, 2, &out)));
    cr_expect(out.len == in.len && memcmp(out.p, in.p, in.len) == 0);
    cv_buf_release(&out);
    cv_buf_release(&in);
    cv_doc_clear(&doc);
}

/* Every indicator at every offset of a 40-character value (the scalar
 * analysis takes sixteen bytes at a time, then a byte tail): a value with
 * ": " or " #" in it, or ending with ':', is single-quoted, any other
 * stays plain, so each document below is written back as it was read. */
Test(yaml, indicators_at_every_offset)
{
    static const char *const pieces[] = { ": ", " #", ",", "[", "]", "{", "}", "?", ":", "#", "-", "'", "\"" };
    cv_buf out;
    cv_buf_init(&out, 4096);
    for (size_t p = 0; p < sizeof(pieces) / sizeof(*pieces); p++) {
        for (size_t at = 1; at <= 40; at++) {
            char v[64], in[128];
            size_t pl = strlen(pieces[p]);
            memset(v, 'a', at);
            memcpy(v + at, pieces[p], pl);
            memset(v + at + pl, 'a', 40 - at);
            v[40 + pl] = '\0';
            bool quoted = strstr(v, ": ") || strstr(v, " #") || v[40 + pl - 1] == ':';
            if (quoted && strchr(v, '\'')) continue;
            snprintf(in, sizeof(in), quoted ? "k: '%s'\n" : "k: %s\n", v);
            cv_doc doc;
            cr_assert(cv_is_ok(cv_doc_init(&doc)));
            cr_assert(cv_is_ok(cv_yaml_load(cv_slice_str(in), &doc)), "%s", in);
            cv_buf_reset(&out);
            cr_assert(cv_is_ok(cv_yaml_emit(&doc, 0, &out)));
            cr_expect(out.len == strlen(in) && memcmp(out.p, in, out.len) == 0, "%s -> %.*s", in,
                      (int)out.len, out.p);
            cv_doc_clear(&doc);
        }
    }
    cv_buf_release(&out);
}
