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

/* ---- the parse cache of repository texts (cv_kz_yaml_repo_docs) ---------- */

/* Load text with both readers into one doc each, n times with the cached
 * one: every load gives the same trees as the plain reader. */
static void same_as_plain(const char *text, int times)
{
    cv_doc plain;
    cr_assert(cv_is_ok(cv_doc_init(&plain)));
    cv_node **want = NULL;
    size_t nwant = 0;
    cr_assert(cv_is_ok(cv_kz_yaml_docs(&plain, cv_slice_str(text), &want, &nwant)));
    for (int t = 0; t < times; t++) {
        cv_doc d;
        cr_assert(cv_is_ok(cv_doc_init(&d)));
        cv_node **got = NULL;
        size_t n = 0;
        cr_assert(cv_is_ok(cv_kz_yaml_repo_docs(&d, cv_slice_str(text), &got, &n)));
        cr_assert_eq(n, nwant, "load %d", t);
        for (size_t i = 0; i < n; i++) cr_expect(cv_node_equal(got[i], want[i]), "load %d doc %zu", t, i);
        cr_expect_eq(d.n, 0, "no branches left behind");
        /* The caller owns its copy: changing it must not reach the next load. */
        if (n && got[0]->kind == CV_NODE_MAP && got[0]->n)
            cr_assert(cv_is_ok(cv_node_set_text(&d, got[0]->items[0].value, CV_NODE_STR, "x", 1)));
        free(got);
        cv_doc_clear(&d);
    }
    free(want);
    cv_doc_clear(&plain);
}

Test(kz_yaml, repo_docs_cached_trees_equal_fresh_parses)
{
    same_as_plain("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a # c\ndata:\n  k: \"1\"\n  n: 1\n"
                  "---\n- op: add\n  path: /x\n  value: &v {a: [1, 2.5, true, null]}\n- *v\n",
                  4);
    /* Mentions a Secret: parsed every time (and still the same trees). */
    same_as_plain("apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\nstringData:\n  p: hunter2\n", 3);
    same_as_plain("", 2);
}

Test(kz_yaml, repo_docs_errors_every_time)
{
    for (int t = 0; t < 3; t++) {
        cv_doc d;
        cr_assert(cv_is_ok(cv_doc_init(&d)));
        cv_node **docs = NULL;
        size_t n = 0;
        cr_expect(cv_is(cv_kz_yaml_repo_docs(&d, cv_slice_str("a: [b\nc: 1\n"), &docs, &n), CV_E_DOC_SYNTAX),
                  "load %d", t);
        cr_expect_null(docs);
        cv_doc_clear(&d);
    }
}
