/* Rendering file access: path cleaning (the semantics of Go's path.Join,
 * which kustomize and Flux use) and the in-memory tree backend. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "reconcile/kustomize/fs.h"

static void join_is(const char *dir, const char *rel, const char *want)
{
    char *got = NULL;
    cr_assert(cv_is_ok(cv_kzfs_join(dir, rel, &got)));
    cr_expect_str_eq(got, want, "join(%s, %s)", dir, rel);
    free(got);
}

/* Expected values are Go's path.Join results for the same inputs. */
Test(kz_fs, join_matches_go_path_join)
{
    join_is("a/b", "../c", "a/c");
    join_is(".", "x", "x");
    join_is("a", "..", ".");
    join_is(".", "../x", "../x");
    join_is("../a", "../../b", "../../b");
    join_is("a//b/./", "c/", "a/b/c");
    join_is("/r", "../../x", "/x");
    join_is("/r", "/abs/./y", "/abs/y");
    join_is("a", "b/../../..", "..");
}

Test(kz_fs, dir_of_path)
{
    const char *cases[][2] = { { "a/b", "a" }, { "b", "." }, { "/b", "/" } };
    for (size_t i = 0; i < 3; i++) {
        char *d = NULL;
        cr_assert(cv_is_ok(cv_kzfs_dir(cases[i][0], &d)));
        cr_expect_str_eq(d, cases[i][1]);
        free(d);
    }
}

Test(kz_fs, tree_stat_read_list)
{
    cv_srctree *t = NULL;
    cr_assert(cv_is_ok(cv_srctree_new(&t)));
    cr_assert(cv_is_ok(cv_srctree_add_dir(t, cv_slice_str("."))));
    cr_assert(cv_is_ok(cv_srctree_add_dir(t, cv_slice_str("apps"))));
    cr_assert(cv_is_ok(cv_srctree_add_file(t, cv_slice_str("apps/b.yaml"), "b", 1, false)));
    cr_assert(cv_is_ok(cv_srctree_add_dir(t, cv_slice_str("apps/sub"))));
    cr_assert(cv_is_ok(cv_srctree_add_file(t, cv_slice_str("apps/sub/c.yaml"), "c", 1, false)));
    cr_assert(cv_is_ok(cv_srctree_add_file(t, cv_slice_str("top.yaml"), "", 0, false)));
    cv_kzfs *fs = NULL;
    cr_assert(cv_is_ok(cv_kzfs_tree(t, &fs)));
    cr_expect_eq(cv_kzfs_stat(fs, "."), CV_KZFS_DIR);
    cr_expect_eq(cv_kzfs_stat(fs, "apps"), CV_KZFS_DIR);
    cr_expect_eq(cv_kzfs_stat(fs, "apps/b.yaml"), CV_KZFS_FILE);
    cr_expect_eq(cv_kzfs_stat(fs, "../apps"), CV_KZFS_NONE);
    cv_slice s;
    cr_assert(cv_is_ok(cv_kzfs_read(fs, "apps/sub/c.yaml", &s)));
    cr_expect(s.len == 1 && s.p[0] == 'c');
    cr_expect(cv_is(cv_kzfs_read(fs, "apps/none", &s), CV_E_NOT_FOUND));
    char **names = NULL;
    size_t n = 0;
    cr_assert(cv_is_ok(cv_kzfs_list(fs, "apps", &names, &n)));
    cr_assert_eq(n, 2);
    cr_expect_str_eq(names[0], "b.yaml");
    cr_expect_str_eq(names[1], "sub");
    cv_kzfs_names_free(names, n);
    cr_assert(cv_is_ok(cv_kzfs_list(fs, ".", &names, &n)));
    cr_assert_eq(n, 2);
    cr_expect_str_eq(names[0], "apps");
    cr_expect_str_eq(names[1], "top.yaml");
    cv_kzfs_names_free(names, n);
    cv_kzfs_free(&fs);
    cv_srctree_free(&t);
}

Test(kz_fs, disk_read_cached_and_missing)
{
    cv_kzfs *fs = NULL;
    cr_assert(cv_is_ok(cv_kzfs_disk(&fs)));
    cv_slice a, b;
    cr_assert(cv_is_ok(cv_kzfs_read(fs, "/etc/hostname", &a)));
    cr_assert(cv_is_ok(cv_kzfs_read(fs, "/etc/hostname", &b)));
    cr_expect_eq(a.p, b.p, "second read comes from the cache");
    cr_expect(cv_is(cv_kzfs_read(fs, "/nonexistent/x", &a), CV_E_NOT_FOUND));
    cr_expect_eq(cv_kzfs_stat(fs, "/etc"), CV_KZFS_DIR);
    cv_kzfs_free(&fs);
}
