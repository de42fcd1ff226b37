/* The fast YAML scanner (secrets/doc/yaml_fast.c) against libyaml's own
 * scanner: every YAML file of the repository's tests and vectors, the
 * shared sops fixtures and the shared corpus, plus hand-written edge cases,
 * scanned by both; wherever the fast one accepts an input the token lists
 * (types, styles, values, marks) must be identical. libyaml is the peer:
 * no expected token is written here. */
#include <criterion/criterion.h>
#include <ftw.h>
#include <stdlib.h>
#include <string.h>

#include "tests/fuzz/fuzz_yaml_tokcmp.h"
#include "tests/lib/vectors.h"

static size_t n_same, n_skipped, n_files;

static bool is_yaml(const char *path)
{
    size_t n = strlen(path);
    return (n > 5 && strcmp(path + n - 5, ".yaml") == 0) ||
           (n > 4 && strcmp(path + n - 4, ".yml") == 0);
}

static void check_input(const char *name, const uint8_t *in, size_t len)
{
    char why[512] = "";
    tc_outcome o = tc_compare(in, len, why, sizeof why);
    cr_assert(o != TC_ERROR, "%s: scanner setup failed", name);
    cr_assert(o != TC_DIFFERENT, "%s: %s", name, why);
    if (getenv("TC_DEBUG")) cr_log_info("%s: %d", name, (int)o);
    if (o == TC_SAME) n_same++;
    else n_skipped++;
}

static int visit(const char *path, const struct stat *st, int kind, struct FTW *ftw)
{
    (void)st;
    (void)ftw;
    if (kind != FTW_F || !is_yaml(path)) return 0;
    size_t len;
    uint8_t *in = tv_read_file(path, &len);
    if (in == NULL) return 0;
    n_files++;
    check_input(path, in, len);
    free(in);
    return 0;
}

static void walk(const char *dir)
{
    cr_assert_eq(nftw(dir, visit, 16, FTW_PHYS), 0, "cannot walk %s", dir);
}

Test(yaml_fast, repository_files)
{
    n_same = n_skipped = n_files = 0;
    walk("tests");
    walk("testvectors");
    cr_log_info("repository: %zu files, %zu scanned by both, %zu given up", n_files, n_same,
                n_skipped);
    cr_assert_gt(n_same, 50);
}

Test(yaml_fast, shared_files)
{
    char dir[1024];
    n_same = n_skipped = n_files = 0;
    snprintf(dir, sizeof dir, "%s/testvectors/sops", tv_shared_dir());
    walk(dir);
    snprintf(dir, sizeof dir, "%s/corpus", tv_shared_dir());
    walk(dir);
    cr_log_info("shared: %zu files, %zu scanned by both, %zu given up", n_files, n_same, n_skipped);
    cr_assert_gt(n_same, 500);
}

/* Shapes the fast scanner must take (it would otherwise be no faster) and
 * corners of libyaml's rules (block-scalar breaks and chomping, end marks,
 * simple keys, quotes), each compared with libyaml. */
static const char *const cases[] = {
    "a: 1\n",
    "a: 1",
    "a:\n    b: c\n    d: e\nf: g\n",
    "a:\n- x\n- y\nb: 1\n",
    "- a\n- b: c\n  d: e\n-   - nested\n    - list\n",
    "key: value # comment\n# foot\n\n# head\nother: 'single ''quoted'''\n",
    "k: \"dq \\\" \\\\ \\n \\t \\/ \\0 \\e \\  x\"\nj: \"\"\ni: ''\n",
    "lit: |\n  one\n  two\n\n  three\nafter: x\n",
    "keep: |+\n  one\n\n\nnext: y\n",
    "strip: |-\n  one\n\n",
    "fold: >\n  one\n  two\n\n  three\n   more\n  last\n",
    "folded_keep: >+\n  a\n  b\n\n",
    "ind: |2\n    two extra\n  base\n",
    "ind2: |-1\n  x\n",
    "empty_block: |\nnext: 1\n",
    "eof_block: |\n  text",
    "sops:\n    age:\n        - recipient: age1xyz\n          enc: |\n            -----BEGIN AGE ENCRYPTED FILE-----\n            abc\n            -----END AGE ENCRYPTED FILE-----\n    version: 3.13.2\n",
    "---\na: 1\n...\n---\nb: 2\n",
    "--- # doc\na: b\n--- \n",
    "a: b c  d\n",
    "url: http://x:80/y#z\n",
    "a b: c\n",
    "a : b\n",
    "unicode: h\xc3\xa9llo \xe2\x82\xac \xf0\x9f\x98\x80\nk\xc3\xa9y: v\n",
    "a:\n  - b\n  -\n  - c\n",
    "a:\n",
    "a:\n\n\n",
    "",
    "\n\n# only a comment\n",
    "plain\n",
    "- -1\n- :x\n- ?y\n",
    "a: 1\n b: 2\n",
    "a\nb: 1\n",
    "x: |\n\n  after empty\n",
    "x: >-\n\n   lead\n  less\n",
    "x: |\n   three\n  two\n",
    "a:\n  b:\n    c: d\ne: f\n",
    "'q': 1\n\"r\": 2\n",
    "k: 'multi\n  line'\n",
    "k: v\n  continued\n",
    "k: [1, 2]\n",
    "k: &a v\nj: *a\n",
    "k: !!str v\n",
    "%YAML 1.1\n---\na: 1\n",
    "? complex\n: v\n",
    "a:\tb\n",
    "a: b\r\n",
    "\xef\xbb\xbf" "a: 1\n",
    "k: \"\\x41\"\n",
    "k: \"unterminated\n",
    "a: b: c\n",
    "- a\nb: c\n",
};

Test(yaml_fast, edge_cases)
{
    n_same = n_skipped = 0;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char name[32];
        snprintf(name, sizeof name, "case %zu", i);
        check_input(name, (const uint8_t *)cases[i], strlen(cases[i]));
    }
    cr_assert_gt(n_same, 30);
}

/* A key longer than libyaml's 1024-character simple-key window. */
Test(yaml_fast, long_key)
{
    size_t n = 2100;
    char *in = malloc(n + 8);
    cr_assert_not_null(in);
    memset(in, 'k', n);
    memcpy(in + n, ": v\n", 5);
    for (size_t cut = 1020; cut < 1030; cut++) {
        memcpy(in + cut, ": v\n", 5);
        check_input("long key", (const uint8_t *)in, cut + 4);
        in[cut] = 'k', in[cut + 1] = 'k', in[cut + 2] = 'k', in[cut + 3] = 'k';
    }
    check_input("long key", (const uint8_t *)in, n + 4);
    free(in);
}
