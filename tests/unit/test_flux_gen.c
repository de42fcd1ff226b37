/* reconcile/flux/gen.c against fluxcd/pkg/kustomize's own Generator: every
 * case under tests/flux/gen/ has its expected kustomization (or refusal)
 * in testvectors/fluxwalk/gen/, written by tests/gen/flux_gen_vectors.sh
 * with the Go generator. Both sides are printed with the same emitter
 * (sorted keys), so only content is compared. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "reconcile/flux/gen.h"
#include "reconcile/flux/walk.h"
#include "reconcile/kustomize/emit.h"
#include "reconcile/kustomize/kyaml.h"
#include "tests/lib/vectors.h"

static cv_node *one_doc(cv_doc *d, const char *path)
{
    size_t len;
    uint8_t *b = tv_read_file(path, &len);
    cr_assert(b, "%s", path);
    cv_node **docs = NULL;
    size_t n = 0;
    cr_assert(cv_is_ok(cv_kz_yaml_docs(d, cv_slice_of(b, len), &docs, &n)), "%s: %s", path, cv_err_detail());
    cr_assert_eq(n, 1, "%s", path);
    cv_node *o = docs[0];
    free(docs);
    free(b);
    return o;
}

static char *emit(const cv_node *n)
{
    cv_buf b;
    cv_buf_init(&b, 1 << 20);
    cr_assert(cv_is_ok(cv_kz_emit_obj(n, &b)), "%s", cv_err_detail());
    cr_assert(cv_is_ok(cv_buf_nul(&b)));
    size_t len;
    return (char *)cv_buf_take(&b, &len);
}

/* Run the generator for a case: the result, or the failure. */
static cv_result gen_case(const char *name, cv_doc *d, cv_node **out)
{
    char path[512], root[512];
    snprintf(path, sizeof path, "tests/flux/gen/%s/ks.yaml", name);
    snprintf(root, sizeof root, "tests/flux/gen/%s/repo", name);
    cv_node *obj = one_doc(d, path);
    cv_flux_ks ks;
    cr_assert(cv_is_ok(cv_flux_ks_parse(obj, &ks)), "%s: %s", name, cv_err_detail());
    cv_kzfs *fs;
    cr_assert(cv_is_ok(cv_kzfs_disk(&fs)));
    char *dir;
    cr_assert(cv_is_ok(cv_flux_dir(root, ks.path, &dir)));
    cv_result r = cv_flux_gen(fs, dir, &ks, d, out);
    free(dir);
    cv_flux_ks_clear(&ks);
    cv_kzfs_free(&fs);
    return r;
}

static void expect_same(const char *name)
{
    cv_doc d;
    cr_assert(cv_is_ok(cv_doc_init(&d)));
    cv_node *got;
    cv_result r = gen_case(name, &d, &got);
    cr_assert(cv_is_ok(r), "%s: %s", name, cv_err_detail());
    char vec[512];
    snprintf(vec, sizeof vec, "testvectors/fluxwalk/gen/%s.yaml", name);
    char *want = emit(one_doc(&d, vec)), *have = emit(got);
    cr_expect_str_eq(have, want, "%s: want\n%s\nhave\n%s", name, want, have);
    free(want);
    free(have);
    cv_doc_clear(&d);
}

static void expect_refused(const char *name, cv_err code)
{
    char vec[512];
    snprintf(vec, sizeof vec, "testvectors/fluxwalk/gen/%s.yaml", name);
    char *v = (char *)tv_read_file(vec, NULL);
    cr_assert(v && strncmp(v, "error: ", 7) == 0, "the Go generator accepted %s", name);
    free(v);
    cv_doc d;
    cr_assert(cv_is_ok(cv_doc_init(&d)));
    cv_node *got;
    cv_result r = gen_case(name, &d, &got);
    cr_expect_eq(r.err, code, "%s: %s", name, cv_strerror(r.err));
    cv_doc_clear(&d);
}

Test(flux_gen, generated_walk) { expect_same("walk"); }
Test(flux_gen, nothing_to_build) { expect_same("empty"); }
Test(flux_gen, existing_without_resources_and_every_merge) { expect_same("generator"); }
Test(flux_gen, legacy_patches_and_empty_target_namespace) { expect_same("legacy"); }
Test(flux_gen, non_kubernetes_yaml_refused) { expect_refused("bad", CV_E_FLUX_MANIFEST); }
Test(flux_gen, object_without_name_refused) { expect_refused("noname", CV_E_FLUX_MANIFEST); }
Test(flux_gen, remote_component_refused) { expect_refused("remote", CV_E_FLUX_SPEC); }

/* Values from fluxcd/pkg's IsLocalRelativePath. */
Test(flux_gen, local_relative_paths)
{
    cr_expect(cv_flux_local_relative("../comp"));
    cr_expect(cv_flux_local_relative("comp"));
    cr_expect(cv_flux_local_relative("https:"));
    cr_expect(!cv_flux_local_relative("HTTPS://x/y"));
    cr_expect(!cv_flux_local_relative("github.com/a/b"));
    cr_expect(!cv_flux_local_relative("git@github.com:a/b"));
    cr_expect(!cv_flux_local_relative("/abs"));
    cr_expect(!cv_flux_local_relative("file:///abs"));
    cr_expect(cv_flux_local_relative("file://rel"));
}

/* securejoin: ".." cannot leave the root. */
Test(flux_gen, secure_join)
{
    const char *cases[][3] = { { "r", "./a/b", "r/a/b" }, { "r", "../../x", "r/x" },
                               { "r", "", "r" }, { "r", "/abs", "r/abs" }, { ".", "./k", "k" } };
    for (size_t i = 0; i < 5; i++) {
        char *out;
        cr_assert(cv_is_ok(cv_flux_dir(cases[i][0], cases[i][1], &out)));
        cr_expect_str_eq(out, cases[i][2]);
        free(out);
    }
}
