/* kustomize replacements through the whole build, byte for byte against the
 * real peers: the repl_* cases of tests/kustomize/cases/ against
 * `kubectl kustomize` (testvectors/kustomize/patch/, kustomize v5.5 — only
 * cases where v5.5 and v5.8 agree live there) and the cases of
 * tests/kustomize/cases58/ against kustomize v5.8.1, the version Flux
 * builds with (testvectors/kustomize/replace58/, made by
 * tests/gen/kz_replace_vectors.sh). A case with a .err vector must fail
 * with the error code the table below names (the peer's message itself
 * is Go's, with values covert leaves out). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reconcile/kustomize/kyaml.h"
#include "reconcile/kustomize/replace.h"
#include "tests/lib/kz_case.h"
#include "tests/lib/vectors.h"

static void run(const char *cases, const char *vecs, const char *name, cv_err want_err)
{
    char msg[8192];
    cr_expect(kz_case_check(cases, vecs, name, want_err, msg, sizeof msg), "%s", msg);
}

#define CASES "tests/kustomize/cases"
#define VECS "testvectors/kustomize/patch"
#define CASES58 "tests/kustomize/cases58"
#define VECS58 "testvectors/kustomize/replace58"

#define OK55(n) Test(kz_replace, n) { run(CASES, VECS, #n, CV_OK); }
#define ERR55(n, e) Test(kz_replace, n) { run(CASES, VECS, #n, e); }
#define OK58(n) Test(kz_replace, n) { run(CASES58, VECS58, #n, CV_OK); }
#define ERR58(n, e) Test(kz_replace, n) { run(CASES58, VECS58, #n, e); }

OK55(repl_basic)
OK55(repl_create_elem)
OK55(repl_default_ns)
OK55(repl_delimiter)
OK55(repl_escape)
OK55(repl_fold_case)
OK55(repl_labels)
OK55(repl_map_value)
OK55(repl_path_file)
OK55(repl_path_lenient)
OK55(repl_path_multi_doc)
OK55(repl_regex_elem)
OK55(repl_reject)
OK55(repl_source_index)
OK55(repl_types)
OK55(repl_wildcard)
ERR55(repl_err_delim_map, CV_E_KZ_REPLACEMENT)
ERR55(repl_err_index, CV_E_KZ_REPLACEMENT)
ERR55(repl_err_index_range, CV_E_KZ_REPLACEMENT)
ERR55(repl_err_multiple, CV_E_KZ_REPLACEMENT)
ERR55(repl_err_no_select, CV_E_KZ_REPLACEMENT)
ERR55(repl_err_no_targets, CV_E_KZ_REPLACEMENT)
ERR55(repl_err_nofield, CV_E_KZ_REPLACEMENT)
ERR55(repl_err_nothing, CV_E_KZ_REPLACEMENT)
ERR55(repl_err_scalar_path, CV_E_KZ_REPLACEMENT)
ERR55(repl_err_source_field, CV_E_KZ_REPLACEMENT)
ERR55(repl_err_typed, CV_E_KZ_REPLACEMENT)
ERR55(repl_err_path_empty, CV_E_KZ_REPLACEMENT)
ERR55(repl_err_path_inline, CV_E_KZ_REPLACEMENT)
ERR55(repl_err_path_scalar, CV_E_KZ_REPLACEMENT)
ERR55(repl_err_unknown_field, CV_E_KZ_KUSTOMIZATION)
OK58(repl58_source_value)
ERR58(repl58_err_both, CV_E_KZ_REPLACEMENT)
ERR58(repl58_err_regex, CV_E_REGEX)
ERR58(repl58_null_mid, CV_E_KZ_REPLACEMENT)

/* kustomize 5.8 edits JSON/YAML held in a string field; covert says it
 * cannot rather than print something else. */
Test(kz_replace, repl58_json_str_unsupported)
{
    cv_buf out;
    cv_buf_init(&out, 1u << 24);
    cv_result r = kz_case_build(CASES58 "/repl58_json_str", &out);
    cr_expect_eq(r.err, CV_E_UNSUPPORTED, "%s (%s)", cv_strerror(r.err), cv_err_detail());
    cv_buf_release(&out);
}

Test(kz_replace, every_case_has_a_test)
{
    cr_expect_eq(kz_case_count(CASES58, "repl58_"), 5, "add a test for each new cases58 directory");
    cr_expect_eq(kz_case_count(CASES, "repl_"), 31, "add a test for each new repl_ case directory");
}

/* Bad configuration fails before anything runs, as Go's decoding does. */
Test(kz_replace, config_types)
{
    static const char *const bad[] = {
        "- source: {kind: ConfigMap, name: 3}\n  targets: []\n",
        "- sourceValue: x\n  targets:\n  - select: {kind: A}\n    options: {index: '1'}\n",
        "- sourceValue: x\n  targets:\n  - select: {kind: A}\n    options: {create: 'yes'}\n",
        "- sourceValue: x\n  targets: {select: {}}\n",
        "- just a string\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        cv_kz_resmap rm;
        cr_assert(cv_is_ok(cv_kz_resmap_init(&rm)));
        cv_node **docs;
        size_t n;
        cr_assert(cv_is_ok(cv_kz_yaml_docs(&rm.doc, cv_slice_str(bad[i]), &docs, &n)));
        cv_result r = cv_kz_replacements(&rm, docs[0]);
        cr_expect_eq(r.err, CV_E_KZ_REPLACEMENT, "case %zu: %s", i, cv_strerror(r.err));
        free(docs);
        cv_kz_resmap_clear(&rm);
    }
}
