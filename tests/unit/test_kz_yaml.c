/* kustomize's YAML reading: documents of any shape, comments dropped,
 * empty documents skipped (as kyaml's reader skips them). */
#include <criterion/criterion.h>
#include <stdlib.h>

#include "reconcile/kustomize/kyaml.h"

Test(kz_yaml, documents_of_any_shape)
{
    const char *in = "# c\n---\n- op: add\n  path: /a\n---\n---\nkind: X # t\nn: 1\n---\nnull\n";
    cv_doc d;
    cr_assert(cv_is_ok(cv_doc_init(&d)));
    cv_node **docs = NULL;
    size_t n = 0;
    cr_assert(cv_is_ok(cv_kz_yaml_docs(&d, cv_slice_str(in), &docs, &n)));
    cr_assert_eq(n, 2);
    cr_expect_eq(docs[0]->kind, CV_NODE_LIST);
    cr_expect_eq(docs[0]->n, 1);
    cr_expect_eq(docs[1]->kind, CV_NODE_MAP);
    cr_expect_eq(docs[1]->n, 2, "comments are not items");
    cr_expect_eq(cv_map_get(docs[1], "n")->kind, CV_NODE_INT);
    cr_expect_eq(d.n, 0);
    free(docs);
    cv_doc_clear(&d);
}

Test(kz_yaml, syntax_error_fails)
{
    cv_doc d;
    cr_assert(cv_is_ok(cv_doc_init(&d)));
    cv_node **docs = NULL;
    size_t n = 0;
    cr_expect(cv_is(cv_kz_yaml_docs(&d, cv_slice_str("a: [b\n"), &docs, &n), CV_E_DOC_SYNTAX));
    cr_expect_null(docs);
    cv_doc_clear(&d);
}
