/* Remote resource files (reconcile/kustomize/remote.h) without a network:
 * URL classification against kustomize's IsRemoteFile and its repo spec
 * test inputs (api/internal/git/repospec_test.go), and the offline cache's
 * error codes. The online path is tests/cli/kz_remote.sh (against kubectl). */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crypto/base/limits.h"
#include "reconcile/kustomize/remote.h"

Test(kz_remote, is_url_as_is_remote_file)
{
    cr_expect(cv_kz_remote_is_url("https://example.com/a.yaml"));
    cr_expect(cv_kz_remote_is_url("http://127.0.0.1:8080/a.yaml"));
    cr_expect(cv_kz_remote_is_url("hTTps://github.com/")); /* url.Parse folds the scheme */
    cr_expect(!cv_kz_remote_is_url("git::https://gitlab.com/org/repo"));
    cr_expect(!cv_kz_remote_is_url("github.com/org/repo"));
    cr_expect(!cv_kz_remote_is_url("base/http/x.yaml"));
}

/* Inputs kustomize's repo spec tests parse as repositories. */
Test(kz_remote, git_specs_refused)
{
    const char *git[] = {
        "http://github.com/someorg/somerepo/somedir",
        "http://github.com/someorg/somerepo.git/somedir",
        "https://fabrikops2.visualstudio.com/someorg/somerepo?ref=master",
        "https://git-codecommit.us-east-2.amazonaws.com/someorg/somerepo/somedir?ref=testbranch",
        "https://itfs.mycompany.com/collection/project/_git/somerepos",
        "https://itfs.mycompany.com/collection/project/_git/somerepos/somedir?version=v1.0.0",
        "https://github.com/org/repo.git//path/../../exits/repo",
    };
    for (size_t i = 0; i < sizeof git / sizeof git[0]; i++)
        cr_expect(cv_kz_remote_is_git(git[i]), "%s", git[i]);
    /* Its error case "github.com/thisisa404.yaml" is no repository: a file
     * GET; so are plain file URLs. */
    const char *files[] = {
        "https://github.com/thisisa404.yaml",
        "http://127.0.0.1:8000/cm.yaml",
        "https://raw.githubusercontent.com/org/repo/main/deploy/crd.yaml",
    };
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
        cr_expect(!cv_kz_remote_is_git(files[i]), "%s", files[i]);
}

static char *tmp_dir(void)
{
    char t[] = "/tmp/kzremote-XXXXXX";
    cr_assert(mkdtemp(t));
    return strdup(t);
}

/* The error code of loading url with the cache in dir. */
static cv_err load_err(const char *dir, bool offline, const char *url)
{
    cv_kz_opts o = { .http_cache = dir, .offline = offline };
    cv_buf b;
    cv_result r = cv_kz_remote_load(&o, url, &b);
    cv_buf_release(&b);
    return r.err;
}

Test(kz_remote, git_spec_is_unsupported)
{
    cr_expect_eq(load_err("/nonexistent", true, "https://github.com/org/repo//dir?ref=v1"),
                 CV_E_UNSUPPORTED);
}

Test(kz_remote, offline_miss_is_not_found)
{
    char *d = tmp_dir();
    cr_expect_eq(load_err(d, true, "http://example.invalid/cm.yaml"), CV_E_NOT_FOUND);
    rmdir(d);
    free(d);
}

/* A cache entry past CV_KZ_MAX_FILE (sparse). Its name is sha256sum's
 * digest of the URL. */
Test(kz_remote, offline_entry_too_large)
{
    char *d = tmp_dir(), path[512];
    snprintf(path, sizeof path, "%s/%s", d,
             "155f8b2940ff0b11e2c9101248e9ff8d3b129663f3a9d467c2354a74cf47b311");
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
    cr_assert(fd >= 0);
    cr_assert(ftruncate(fd, (off_t)CV_KZ_MAX_FILE + 1) == 0);
    close(fd);
    cr_expect_eq(load_err(d, true, "http://example.invalid/big.yaml"), CV_E_TOO_LARGE);
    unlink(path);
    rmdir(d);
    free(d);
}

/* Unreachable server, online: the transport error, not a cache fallback. */
Test(kz_remote, online_refused_connection)
{
    char *d = tmp_dir();
    cr_expect_eq(load_err(d, false, "http://127.0.0.1:1/cm.yaml"), CV_E_HTTP_CONNECT);
    rmdir(d);
    free(d);
}
