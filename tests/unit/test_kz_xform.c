/* kustomize's builtin transformers through the whole build, byte for byte
 * against the real peers: the xf_* cases of tests/kustomize/cases/ against
 * `kubectl kustomize` (testvectors/kustomize/patch/, kustomize v5.5,
 * tests/gen/kz_patch_vectors.sh; every one of them also agrees with
 * kustomize v5.8.1) and the xf58_* cases of tests/kustomize/cases58/, where
 * v5.8 differs, against kustomize v5.8.1 (testvectors/kustomize/replace58/,
 * tests/gen/kz_replace_vectors.sh). Among them kustomize's documented
 * examples for labels, commonLabels, images and replicas, and
 * buildMetadata (managedByLabel names the peer's version: v5.8 only). A case whose
 * peer failed must fail with the code named here. */
#include <criterion/criterion.h>

#include "tests/lib/kz_case.h"

#include <stdlib.h>

#include "reconcile/kustomize/kyaml.h"
#include "reconcile/kustomize/tconfig.h"

#define CASES "tests/kustomize/cases"
#define VECS "testvectors/kustomize/patch"
#define CASES58 "tests/kustomize/cases58"
#define VECS58 "testvectors/kustomize/replace58"

static void run(const char *cases, const char *vecs, const char *name, cv_err want_err)
{
    char msg[8192];
    cr_expect(kz_case_check(cases, vecs, name, want_err, msg, sizeof msg), "%s", msg);
}

#define OK(n) Test(kz_xform, n) { run(CASES, VECS, #n, CV_OK); }
#define ERR(n, e) Test(kz_xform, n) { run(CASES, VECS, #n, e); }
#define OK58(n) Test(kz_xform, n) { run(CASES58, VECS58, #n, CV_OK); }

OK(xf_annotations)
OK(xf_build_metadata)
OK(xf_common_labels)
OK(xf_common_labels_doc)
OK(xf_configurations)
OK(xf_images)
OK(xf_images_doc)
OK(xf_labels_doc)
OK(xf_labels_selectors)
OK(xf_labels_templates)
OK(xf_nameref_ns)
OK(xf_origin_only)
OK(xf_prefix_overlay)
OK(xf_prefix_suffix)
OK(xf_replicas)
OK(xf_replicas_doc)
OK(xf_sort_fifo)
OK(xf_sort_legacy_default)
OK(xf_sort_legacy_options)
OK(xf_patch_file_block_scalar)
OK(xf_gen_base64_lines)
ERR(xf_err_config_conflict, CV_E_KZ_KUSTOMIZATION)
ERR(xf_err_config_unknown, CV_E_KZ_KUSTOMIZATION)
ERR(xf_err_image_tag_number, CV_E_KZ_KUSTOMIZATION)
ERR(xf_err_label_number, CV_E_KZ_KUSTOMIZATION)
ERR(xf_err_nameref_ambiguous, CV_E_KZ_CONFLICT)
ERR(xf_err_replicas, CV_E_KZ_RESOURCE)
ERR(xf_err_sort_fifo_options, CV_E_KZ_KUSTOMIZATION)
OK58(xf58_images_volume)
OK58(xf58_managed_by)

Test(kz_xform, every_case_has_a_test)
{
    cr_expect_eq(kz_case_count(CASES, "xf_"), 28, "add a test for each new xf_ case directory");
    cr_expect_eq(kz_case_count(CASES58, "xf58_"), 2, "add a test for each new xf58_ case directory");
}

/* The builtin tables are parsed once per process: every configuration
 * gets its own copy, and merging them into a configuration that already
 * holds them changes nothing (kustomize merges them per directory). */
static bool same_lists(const cv_kz_fslist *a, const cv_kz_fslist *b)
{
    if (a->n != b->n) return false;
    for (size_t i = 0; i < a->n; i++)
        if (!cv_slice_eq(a->v[i].kind, b->v[i].kind) || !cv_slice_eq(a->v[i].path, b->v[i].path) ||
            !cv_slice_eq(a->v[i].group, b->v[i].group) || a->v[i].create != b->v[i].create)
            return false;
    return true;
}

Test(kz_xform, builtin_tables_copied_and_merge_idempotent)
{
    cv_doc d;
    cr_assert(cv_is_ok(cv_doc_init(&d)));
    cv_kz_tconfig a = { 0 }, b = { 0 }, c = { 0 };
    cr_assert(cv_is_ok(cv_kz_tconfig_add_defaults(&d, &a)));
    cr_assert(cv_is_ok(cv_kz_tconfig_add_defaults(&d, &b)));
    cr_assert(cv_is_ok(cv_kz_tconfig_merge(&c, &a)));
    cr_assert(cv_is_ok(cv_kz_tconfig_merge(&c, &b)));
    cr_assert(cv_is_ok(cv_kz_tconfig_add_defaults(&d, &c)));
    cr_expect_gt(a.fs[CV_KZ_FS_COMMON_LABELS].n, 10);
    cr_expect_gt(a.nrefs, 10);
    cr_expect_neq(a.fs[CV_KZ_FS_COMMON_LABELS].v, b.fs[CV_KZ_FS_COMMON_LABELS].v, "each its own copy");
    for (size_t i = 0; i < CV_KZ_FS_COUNT; i++) {
        cr_expect(same_lists(&a.fs[i], &b.fs[i]), "list %zu", i);
        cr_expect(same_lists(&a.fs[i], &c.fs[i]), "list %zu after merges", i);
    }
    cr_assert_eq(a.nrefs, c.nrefs);
    for (size_t i = 0; i < a.nrefs; i++)
        cr_expect(same_lists(&a.refs[i].referrers, &c.refs[i].referrers), "nameReference %zu", i);
    /* A configuration file's spec makes it more than the builtins. */
    cv_node **docs;
    size_t n;
    cr_assert(cv_is_ok(cv_kz_yaml_docs(&d, cv_slice_str("namePrefix:\n- path: spec/x\n  kind: Foo\n"), &docs, &n)));
    cr_assert(cv_is_ok(cv_kz_tconfig_add_doc(&c, docs[0])));
    free(docs);
    cr_expect_eq(c.fs[CV_KZ_FS_PREFIX].n, a.fs[CV_KZ_FS_PREFIX].n + 1);
    cr_assert(cv_is_ok(cv_kz_tconfig_merge(&c, &a)));
    cr_expect_eq(c.fs[CV_KZ_FS_PREFIX].n, a.fs[CV_KZ_FS_PREFIX].n + 1);
    cv_kz_tconfig_free(&a);
    cv_kz_tconfig_free(&b);
    cv_kz_tconfig_free(&c);
    cv_doc_clear(&d);
}
