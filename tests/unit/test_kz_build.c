/* kustomize build + emit: every case of testvectors/kustomize/emit/cases
 * built as the only resource of a kustomization in an in-memory tree, and
 * compared with what kubectl kustomize and kustomize v5.8.1 printed for it
 * (tests/gen/kz_emit_vectors.sh): the bytes, or a failure where they
 * failed (NaN and infinities: encoding/json refuses them). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reconcile/kustomize/build.h"
#include "reconcile/kustomize/emit.h"
#include "tests/lib/vectors.h"

#define VEC "testvectors/kustomize/emit"

static cv_result build_text(const char *kust, const uint8_t *res, size_t len, cv_buf *out)
{
    cv_srctree *t;
    CV_GUARD(cv_srctree_new(&t));
    cv_kzfs *fs = NULL;
    cv_kz_resmap rm;
    cv_result r = cv_kz_resmap_init(&rm);
    if (cv_is_ok(r)) r = cv_srctree_add_file(t, cv_slice_of("kustomization.yaml", 18), kust, strlen(kust), false);
    if (cv_is_ok(r)) r = cv_srctree_add_file(t, cv_slice_of("res.yaml", 8), res, len, false);
    if (cv_is_ok(r)) r = cv_kzfs_tree(t, &fs);
    cv_kz_opts o = { .fs = fs, .offline = true };
    if (cv_is_ok(r)) r = cv_kz_build(&o, ".", NULL, &rm);
    if (cv_is_ok(r)) r = cv_kz_emit(&rm, out);
    cv_kz_resmap_clear(&rm);
    cv_kzfs_free(&fs);
    cv_srctree_free(&t);
    return r;
}

Test(kz_build, emit_vectors_from_kubectl_kustomize)
{
    size_t n;
    char **names = tv_list_dir(VEC "/cases", &n);
    cr_assert(names && n > 10, "no cases under " VEC "/cases");
    for (size_t i = 0; i < n; i++) {
        char path[512], base[256];
        snprintf(base, sizeof base, "%.*s", (int)(strlen(names[i]) - 5), names[i]);
        snprintf(path, sizeof path, VEC "/cases/%s", names[i]);
        size_t len;
        uint8_t *in = tv_read_file(path, &len);
        cr_assert(in, "%s", path);
        cv_buf out;
        cv_buf_init(&out, 1u << 24);
        cv_result r = build_text("resources:\n- res.yaml\n", in, len, &out);
        snprintf(path, sizeof path, VEC "/expected/%s.out", base);
        size_t elen;
        uint8_t *want = tv_read_file(path, &elen);
        if (want) {
            cr_expect(cv_is_ok(r), "%s: %s", base, cv_err_detail());
            cr_expect(out.len == elen && memcmp(out.p, want, elen) == 0, "%s: output differs:\n%.*s",
                      base, (int)out.len, (const char *)out.p);
        } else {
            cr_expect(cv_is(r, CV_E_KZ_JSON), "%s: want CV_E_KZ_JSON, got %d", base, r.err);
        }
        free(want);
        free(in);
        cv_buf_release(&out);
    }
    tv_free_list(names, n);
}

Test(kz_build, unknown_field_is_an_error)
{
    cv_buf out;
    cv_buf_init(&out, 1u << 20);
    cv_result r = build_text("resources: []\nfoo: 1\n", (const uint8_t *)"", 0, &out);
    cr_expect(cv_is(r, CV_E_KZ_KUSTOMIZATION));
    cr_expect(strstr(cv_err_detail(), "unknown field \"foo\"") != NULL, "%s", cv_err_detail());
    cv_buf_release(&out);
}

Test(kz_build, unimplemented_field_is_named)
{
    cv_buf out;
    cv_buf_init(&out, 1u << 20);
    static const char res[] = "kind: A\nmetadata: {name: a}\n";
    cv_result r = build_text("resources: [res.yaml]\ncrds: [c.yaml]\n", (const uint8_t *)res,
                             sizeof res - 1, &out);
    cr_expect(cv_is(r, CV_E_UNSUPPORTED));
    cr_expect(strstr(cv_err_detail(), "crds") != NULL, "%s", cv_err_detail());
    cv_buf_release(&out);
}

/* The hash vector of reference/flux.md A3 (kustomize v5.5): literal a=b. */
Test(kz_build, configmap_hash_name)
{
    cv_buf out;
    cv_buf_init(&out, 1u << 20);
    cv_result r = build_text("configMapGenerator:\n- name: gen\n  literals: [a=b]\n",
                             (const uint8_t *)"", 0, &out);
    cr_assert(cv_is_ok(r), "%s", cv_err_detail());
    cr_expect(strstr((const char *)out.p, "name: gen-4h2mbtbbt6\n") != NULL, "%.*s", (int)out.len,
              (const char *)out.p);
    cv_buf_release(&out);
}
