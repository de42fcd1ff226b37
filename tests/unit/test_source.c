/* Git source: semver ranges against Masterminds/semver (through Flux's
 * ParseVersion), ignore matching against Flux's archiver, both from
 * testvectors/git/ (tests/gen/gen_git_vectors.py runs the real code); the
 * credentials Secret parser and known_hosts checks. */
#include <criterion/criterion.h>
#include <string.h>

#include "crypto/base/enc.h"
#include "reconcile/source/artifact.h"
#include "reconcile/source/auth.h"
#include "reconcile/source/git.h"
#include "reconcile/source/ignore.h"
#include "reconcile/source/semver.h"
#include "tests/lib/vectors.h"

/* Split a line on tabs into at most n fields (in place). */
static size_t fields(char *line, char **f, size_t n)
{
    size_t k = 0;
    f[k++] = line;
    for (char *p = line; *p && k < n; p++)
        if (*p == '\t') *p = 0, f[k++] = p + 1;
    return k;
}

static char *next_line(char **cur)
{
    char *s = *cur;
    if (*s == 0) return NULL;
    char *nl = strchr(s, '\n');
    if (nl) *nl = 0, *cur = nl + 1;
    else *cur = s + strlen(s);
    return s;
}

static const char *semver_result(const char *c, const char *v)
{
    cv_semver_range *r = NULL;
    if (!cv_is_ok(cv_semver_range_parse(cv_slice_str(c), &r))) return "badconstraint";
    cv_semver sv;
    const char *res = "badversion";
    if (cv_is_ok(cv_semver_parse_tag(cv_slice_str(v), &sv)))
        res = cv_semver_range_check(r, &sv) ? "true" : "false";
    cv_semver_range_free(&r);
    return res;
}

Test(source, semver_vectors)
{
    char *data = (char *)tv_read_file("testvectors/git/semver.tsv", NULL);
    cr_assert_not_null(data);
    size_t n = 0, bad = 0;
    for (char *cur = data, *line; (line = next_line(&cur));) {
        if (line[0] == '#') continue;
        char *f[3];
        cr_assert_eq(fields(line, f, 3), 3);
        const char *got = semver_result(f[0], f[1]);
        if (strcmp(got, f[2]) != 0) {
            bad++;
            cr_log_error("semver %s against %s: got %s, Masterminds says %s", f[0], f[1], got, f[2]);
        }
        n++;
    }
    free(data);
    cr_assert_gt(n, 2000);
    cr_assert_eq(bad, 0, "%zu of %zu semver vectors differ", bad, n);
}

Test(source, semver_order)
{
    const char *asc[] = { "1.0.0-0", "1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta",
                          "1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0", "1.0.1", "1.1.0", "2.0.0" };
    for (size_t i = 0; i + 1 < sizeof(asc) / sizeof(asc[0]); i++) {
        cv_semver a, b;
        cr_assert(cv_is_ok(cv_semver_parse(cv_slice_str(asc[i]), &a)));
        cr_assert(cv_is_ok(cv_semver_parse(cv_slice_str(asc[i + 1]), &b)));
        cr_assert_lt(cv_semver_cmp(&a, &b), 0, "%s < %s", asc[i], asc[i + 1]);
    }
}

static char *unescape(const char *s)
{
    char *o = malloc(strlen(s) + 1), *p = o;
    for (; *s; s++) {
        if (*s != '\\' || !s[1]) {
            *p++ = *s;
            continue;
        }
        s++;
        *p++ = *s == 'n' ? '\n' : *s == 't' ? '\t' : *s;
    }
    *p = 0;
    return o;
}

/* The filter a GitRepository gets for this spec.ignore ("-": unset). */
static cv_ignore *flux_filter(const char *enc)
{
    cv_ignore *user, *filter;
    cr_assert(cv_is_ok(cv_ignore_new(&user)));
    cr_assert(cv_is_ok(cv_ignore_new(&filter)));
    if (strcmp(enc, "-") != 0) {
        char *text = unescape(enc);
        cr_assert(cv_is_ok(cv_ignore_read(user, cv_slice_str(text), cv_slice_of("", 0))));
        free(text);
    }
    cr_assert(cv_is_ok(cv_ignore_add_flux_defaults(filter, cv_ignore_count(user) == 0)));
    cr_assert(cv_is_ok(cv_ignore_append(filter, user)));
    cv_ignore_free(&user);
    return filter;
}

Test(source, ignore_vectors)
{
    char *data = (char *)tv_read_file("testvectors/git/ignore.tsv", NULL);
    cr_assert_not_null(data);
    size_t n = 0, bad = 0, git_differs = 0;
    char last_case[16] = "";
    cv_ignore *filter = NULL;
    for (char *cur = data, *line; (line = next_line(&cur));) {
        if (line[0] == '#') continue;
        char *f[6];
        cr_assert_eq(fields(line, f, 6), 6);
        if (strcmp(f[0], last_case) != 0) {
            cv_ignore_free(&filter);
            filter = flux_filter(f[1]);
            snprintf(last_case, sizeof(last_case), "%s", f[0]);
        }
        bool got = cv_ignore_match(filter, cv_slice_str(f[2]), f[3][0] == 'd');
        if (got != (f[4][0] == '1')) {
            bad++;
            cr_log_error("case %s [%s] %s: got %d, Flux %s", f[0], f[1], f[2], got, f[4]);
        }
        git_differs += f[4][0] != f[5][0];
        n++;
    }
    cv_ignore_free(&filter);
    free(data);
    cr_log_info("ignore: %zu paths, Flux and git check-ignore differ on %zu", n, git_differs);
    cr_assert_gt(n, 5000);
    cr_assert_eq(bad, 0, "%zu of %zu ignore vectors differ from Flux", bad, n);
}

Test(source, glob_bad_patterns)
{
    bool bad;
    cr_assert_not(cv_ignore_glob(cv_slice_str("["), cv_slice_str("a"), &bad));
    cr_assert(bad);
    cr_assert_not(cv_ignore_glob(cv_slice_str("a\\"), cv_slice_str("a"), &bad));
    cr_assert(bad);
    cr_assert(cv_ignore_glob(cv_slice_str("[^a]?"), cv_slice_str("bü"), &bad));
    cr_assert_not(bad);
}

Test(source, ignore_domain)
{
    cv_ignore *ig;
    cr_assert(cv_is_ok(cv_ignore_new(&ig)));
    cr_assert(cv_is_ok(cv_ignore_read(ig, cv_slice_str("*.md\n"), cv_slice_str("docs/api"))));
    cr_assert(cv_ignore_match(ig, cv_slice_str("docs/api/x.md"), false));
    cr_assert_not(cv_ignore_match(ig, cv_slice_str("docs/x.md"), false));
    cr_assert_not(cv_ignore_match(ig, cv_slice_str("docs/api"), true));
    cv_ignore_free(&ig);
}

static const char secret_yaml[] =
    "apiVersion: v1\nkind: Secret\nmetadata:\n  name: git\n  labels: {a: b}\n"
    "data:\n  username: YWxpY2U=\n  password: c2VjcmV0\n  other: [1, 2]\n"
    "stringData:\n  password: override\n  known_hosts: |\n    host ssh-ed25519 AAAA\n";

Test(source, secret_parse)
{
    cv_source_auth a;
    cr_assert(cv_is_ok(cv_source_auth_parse(cv_slice_str(secret_yaml), &a)));
    cr_assert_str_eq((const char *)a.username->data, "alice");
    cr_assert_str_eq((const char *)a.password->data, "override");
    cr_assert_str_eq((const char *)a.known_hosts->data, "host ssh-ed25519 AAAA\n");
    cr_assert_null(a.identity);
    cv_source_auth_clear(&a);
    cr_assert_null(a.username);
}

Test(source, secret_errors)
{
    cv_source_auth a;
    cv_result r = cv_source_auth_parse(cv_slice_str("data:\n  password: '%%%'\n"), &a);
    cr_assert_eq(r.err, CV_E_GIT_SECRET);
    cr_assert_null(strstr(cv_err_detail(), "%%%"), "the value never appears in the error");
    r = cv_source_auth_parse(cv_slice_str("- a\n- b\n"), &a);
    cr_assert_eq(r.err, CV_E_GIT_SECRET);
    r = cv_source_auth_parse(cv_slice_str("data: {a: [\n"), &a);
    cr_assert_eq(r.err, CV_E_GIT_SECRET);
}

Test(source, known_hosts)
{
    uint8_t key[] = "\x00\x00\x00\x0bssh-ed25519\x00\x00\x00\x20" "0123456789abcdef0123456789abcdef";
    size_t klen = sizeof(key) - 1;
    char b64[128], kh[512];
    cv_b64_encode(b64, key, klen, true);
    b64[cv_b64_enc_len(klen, true)] = 0;
    cv_git_url u22 = { "ssh", "example.com", 22, "" }, u2222 = { "ssh", "example.com", 2222, "" };
    snprintf(kh, sizeof(kh), "# c\nother.com ssh-ed25519 %s\nexample.com,x.org ssh-ed25519 %s\n", b64, b64);
    cr_assert(cv_is_ok(cv_git_hostkey_check(cv_slice_str(kh), &u22, cv_slice_of(key, klen))));
    cr_assert_eq(cv_git_hostkey_check(cv_slice_str(kh), &u2222, cv_slice_of(key, klen)).err,
                 CV_E_GIT_HOSTKEY);
    snprintf(kh, sizeof(kh), "[example.com]:2222 ssh-ed25519 %s\n", b64);
    cr_assert(cv_is_ok(cv_git_hostkey_check(cv_slice_str(kh), &u2222, cv_slice_of(key, klen))));
    key[30] ^= 1;
    cr_assert_eq(cv_git_hostkey_check(cv_slice_str(kh), &u2222, cv_slice_of(key, klen)).err,
                 CV_E_GIT_HOSTKEY);
    cr_assert_not_null(strstr(cv_err_detail(), "does not match"));
    snprintf(kh, sizeof(kh), "*.com,!bad.com ssh-ed25519 %s\n", b64);
    key[30] ^= 1;
    cr_assert(cv_is_ok(cv_git_hostkey_check(cv_slice_str(kh), &u22, cv_slice_of(key, klen))));
}

Test(source, url_schemes)
{
    cv_git_url u;
    cr_assert(cv_is_ok(cv_git_parse_url("ssh://git@[::1]:2222/r.git", &u)));
    cr_assert_str_eq(u.host, "::1");
    cr_assert_eq(u.port, 2222);
    cr_assert_str_eq(u.user, "git");
    cr_assert_eq(cv_git_parse_url("git@github.com:o/r.git", &u).err, CV_E_GIT_URL);
    cr_assert_eq(cv_git_parse_url("ftp://h/r", &u).err, CV_E_GIT_URL);
    cr_assert(cv_is_ok(cv_git_parse_url("file:///tmp/r", &u)));
}

/* ---- artifact trees (reconcile/source/artifact.h) ---- */

typedef struct {
    char *path;
    bool dir, excluded;
} tv_entry;

/* Archive order: components compared in turn (a directory's subtree
 * before its next sibling). */
static int preorder(const void *a, const void *b)
{
    const char *x = ((const tv_entry *)a)->path, *y = ((const tv_entry *)b)->path;
    for (;; x++, y++) {
        int cx = *x == '/' ? 0 : *x ? (unsigned char)*x + 1 : -1;
        int cy = *y == '/' ? 0 : *y ? (unsigned char)*y + 1 : -1;
        if (cx != cy || cx < 0) return cx - cy;
    }
}

static bool in_tree(const cv_srctree *t, const char *path)
{
    for (size_t i = 0; i < cv_srctree_len(t); i++)
        if (strcmp(cv_srctree_at(t, i)->path, path) == 0) return true;
    return false;
}

/* Kept: what Flux archived, plus the parents extraction creates. */
static bool expected_kept(const tv_entry *v, size_t n, const char *path)
{
    size_t len = strlen(path);
    for (size_t i = 0; i < n; i++)
        if (!v[i].excluded && (strcmp(v[i].path, path) == 0 ||
                               (strncmp(v[i].path, path, len) == 0 && v[i].path[len] == '/')))
            return true;
    return false;
}

/* One case of ignore.tsv through cv_srctree_artifact; returns mismatches. */
static size_t artifact_case(tv_entry *v, size_t n, const char *patterns)
{
    qsort(v, n, sizeof *v, preorder);
    cv_srctree *raw, *art;
    cr_assert(cv_is_ok(cv_srctree_new(&raw)));
    cr_assert(cv_is_ok(cv_srctree_add_dir(raw, cv_slice_str("."))));
    for (size_t i = 0; i < n; i++) {
        cv_slice p = cv_slice_str(v[i].path);
        cr_assert(cv_is_ok(v[i].dir ? cv_srctree_add_dir(raw, p) : cv_srctree_add_file(raw, p, "x", 1, false)));
    }
    char *text = strcmp(patterns, "-") == 0 ? NULL : unescape(patterns);
    cr_assert(cv_is_ok(cv_srctree_artifact(raw, text, &art)));
    size_t bad = 0, kept = 0;
    for (size_t i = 0; i < n; i++) {
        bool want = expected_kept(v, n, v[i].path), got = in_tree(art, v[i].path);
        if (want != got) cr_log_error("artifact [%s] %s: kept %d, Flux %d", patterns, v[i].path, got, want);
        bad += want != got;
        kept += want;
    }
    /* Nothing else (the root "." aside), and every entry once. */
    bad += cv_srctree_len(art) != kept + 1;
    free(text);
    cv_srctree_free(&raw);
    cv_srctree_free(&art);
    return bad;
}

Test(source, artifact_vectors)
{
    char *data = (char *)tv_read_file("testvectors/git/ignore.tsv", NULL);
    cr_assert_not_null(data);
    tv_entry v[512];
    size_t n = 0, bad = 0, cases = 0;
    char *last_case = NULL, *last_patterns = NULL;
    for (char *cur = data, *line;;) {
        line = next_line(&cur);
        char *f[6] = { 0 };
        if (line && line[0] == '#') continue;
        if (line) cr_assert_eq(fields(line, f, 6), 6);
        if (last_case && (!line || strcmp(f[0], last_case) != 0)) {
            bad += artifact_case(v, n, last_patterns);
            cases++;
            n = 0;
        }
        if (!line) break;
        last_case = f[0];
        last_patterns = f[1];
        cr_assert_lt(n, 512);
        v[n++] = (tv_entry){ f[2], f[3][0] == 'd', f[4][0] == '1' };
    }
    free(data);
    cr_assert_gt(cases, 50);
    cr_assert_eq(bad, 0, "%zu artifact decisions differ from Flux's archive", bad);
}

Test(source, artifact_from_dir)
{
    char tmpl[] = "/tmp/cv-artifact-XXXXXX";
    char *d = mkdtemp(tmpl);
    cr_assert_not_null(d);
    char cmd[512];
    snprintf(cmd, sizeof cmd,
             "cd %s && mkdir -p b/.git a-b a/c && echo x > b/.git/HEAD && echo 1 > a/c/f && "
             "echo 2 > a-b/g && echo 3 > top && chmod +x top && ln -s top link && ln -s a dirlink && "
             "mkfifo fifo",
             d);
    cr_assert_eq(system(cmd), 0);
    cv_srctree *t;
    cr_assert(cv_is_ok(cv_srctree_from_dir(d, &t)));
    /* os.ReadDir order per directory, depth first; no symlinks, fifos or .git. */
    static const char *const want[] = { ".", "a", "a/c", "a/c/f", "a-b", "a-b/g", "b", "top" };
    cr_assert_eq(cv_srctree_len(t), sizeof want / sizeof *want);
    for (size_t i = 0; i < sizeof want / sizeof *want; i++)
        cr_assert_str_eq(cv_srctree_at(t, i)->path, want[i]);
    const cv_srcent *top = cv_srctree_get(t, cv_slice_str("top"));
    cr_assert(top && top->exec && top->len == 2 && memcmp(top->data, "3\n", 2) == 0);
    cv_srctree_free(&t);
    snprintf(cmd, sizeof cmd, "rm -rf %s", d);
    cr_assert_eq(system(cmd), 0);
    cr_assert(cv_is(cv_srctree_from_dir("/nonexistent/covert", &t), CV_E_NOT_FOUND));
}
