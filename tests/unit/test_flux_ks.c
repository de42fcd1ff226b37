/* reconcile/flux/ks.c: the fields a build uses, with the API server's
 * rules (kustomize-controller api/v1 kustomization_types.go). */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "reconcile/flux/ks.h"
#include "reconcile/kustomize/kyaml.h"

static cv_result parse(const char *yaml, cv_doc *d, cv_flux_ks *k)
{
    cv_node **docs = NULL;
    size_t n = 0;
    cr_assert(cv_is_ok(cv_kz_yaml_docs(d, cv_slice_str(yaml), &docs, &n)));
    cr_assert_eq(n, 1);
    cv_result r = cv_flux_ks_parse(docs[0], k);
    free(docs);
    return r;
}

#define HEAD "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: app}\n"

Test(flux_ks, fields_and_defaults)
{
    cv_doc d;
    cr_assert(cv_is_ok(cv_doc_init(&d)));
    cv_flux_ks k;
    cv_result r = parse(HEAD "spec:\n  sourceRef: {kind: OCIRepository, name: src}\n"
                             "  dependsOn: [{name: a}, {name: b, namespace: other}]\n"
                             "  postBuild:\n    substituteStrategy: Always\n"
                             "    substituteFrom: [{kind: Secret, name: s, optional: true}]\n"
                             "  decryption: {provider: sops}\n  suspend: true\n", &d, &k);
    cr_assert(cv_is_ok(r), "%s", cv_err_detail());
    cr_expect_str_eq(k.ns, "default");
    cr_expect_str_eq(k.path, "");
    cr_expect_str_eq(k.src_ns, "default");
    cr_expect_eq(k.n_deps, 2);
    cr_expect_str_eq(k.deps[0].ns, "default");
    cr_expect_str_eq(k.deps[1].ns, "other");
    cr_expect(k.post_build && k.subst_always && k.decrypt && k.suspend);
    cr_expect(k.n_subst_from == 1 && k.subst_from[0].secret && k.subst_from[0].optional);
    cr_expect(cv_flux_is_ks(k.obj));
    cv_flux_ks_clear(&k);
    cv_doc_clear(&d);
}

static void refused(const char *spec)
{
    cv_doc d;
    cr_assert(cv_is_ok(cv_doc_init(&d)));
    cv_flux_ks k;
    char yaml[1024];
    snprintf(yaml, sizeof yaml, HEAD "spec:\n%s", spec);
    cv_result r = parse(yaml, &d, &k);
    cr_expect_eq(r.err, CV_E_FLUX_SPEC, "%s", spec);
    cv_flux_ks_clear(&k);
    cv_doc_clear(&d);
}

Test(flux_ks, invalid_specs)
{
    refused("  path: ./x\n");
    refused("  sourceRef: {kind: HelmRepository, name: x}\n");
    refused("  sourceRef: {kind: GitRepository}\n");
    refused("  sourceRef: {kind: GitRepository, name: x}\n  targetNamespace: [a]\n");
    refused("  sourceRef: {kind: GitRepository, name: x}\n  components: [{a: b}]\n");
    refused("  sourceRef: {kind: GitRepository, name: x}\n  postBuild: {substitute: {A: [1]}}\n");
    refused("  sourceRef: {kind: GitRepository, name: x}\n  postBuild: {substituteFrom: [{kind: Foo, name: x}]}\n");
    refused("  sourceRef: {kind: GitRepository, name: x}\n  postBuild: {substituteStrategy: Never}\n");
    refused("  sourceRef: {kind: GitRepository, name: x}\n  decryption: {provider: vault}\n");
    refused("  sourceRef: {kind: GitRepository, name: x}\n  dependsOn: [{namespace: x}]\n");
    refused("  sourceRef: {kind: GitRepository, name: x}\n  suspend: yes-please\n");
}
