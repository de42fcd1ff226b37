/* Git source options and fetch, shared by the commands (see gitsrc.h). */
#include "cmd/gitsrc.h"

#include <stdlib.h>
#include <string.h>

#include "cmd/cli.h"
#include "crypto/base/limits.h"

void cv_gitsrc_flags(cv_gitsrc *g, cv_flag out[CV_GITSRC_NFLAGS])
{
    const cv_flag f[CV_GITSRC_NFLAGS] = {
        { "branch", CV_FLAG_STRING, &g->branch, 0 },
        { "tag", CV_FLAG_STRING, &g->tag, 0 },
        { "tag-semver", CV_FLAG_STRING, &g->semver, 0 },
        { "semver", CV_FLAG_STRING, &g->semver, 0 },
        { "ref-name", CV_FLAG_STRING, &g->name, 0 },
        { "commit", CV_FLAG_STRING, &g->commit, 0 },
        { "secret-file", CV_FLAG_STRING, &g->secret_file, 0 },
        { "cache-dir", CV_FLAG_STRING, &g->cache_dir, 0 },
        { "timeout", CV_FLAG_STRING, &g->timeout, 0 },
    };
    memcpy(out, f, sizeof f);
}

static unsigned timeout_ms(const char *s)
{
    if (s == NULL) return 60000u;
    uint64_t v;
    size_t n = strlen(s);
    if (n > 0 && s[n - 1] == 's') n--;
    if (!cv_is_ok(cv_parse_u64(cv_slice_of(s, n), 86400, &v)) || v == 0)
        cv_cli_errorf("invalid --timeout %s (seconds)", s);
    return (unsigned)v * 1000u;
}

static void read_auth(const char *file, cv_source_auth *auth)
{
    cv_buf b;
    cv_buf_init_secret(&b, CV_SRC_MAX_SECRET_FILE);
    cv_result r = cv_cli_read_file(file, &b);
    if (cv_is_ok(r)) r = cv_source_auth_parse(cv_buf_slice(&b), auth);
    cv_buf_release(&b);
    if (!cv_is_ok(r)) cv_cli_errorf("%s: %s", file, cv_cli_msg(r));
}

void cv_gitsrc_fetch(const cv_gitsrc *g, const char *url, const char *ignore, const char *last,
                     cv_gitsrc_use use, cv_source_result *res)
{
    cv_source_auth auth = { 0 };
    if (g->secret_file) read_auth(g->secret_file, &auth);
    char *cache = NULL;
    if (!g->cache_dir && !cv_is_ok(cv_source_default_cache(&cache)))
        cv_cli_errorf("no cache directory: set --cache-dir or HOME");
    cv_source_opts so = {
        .url = url,
        .ref = { g->branch, g->tag, g->semver, g->name, g->commit },
        .auth = g->secret_file ? &auth : NULL,
        .ignore = ignore,
        .cache_dir = g->cache_dir ? g->cache_dir : cache,
        .timeout_ms = timeout_ms(g->timeout),
        .last_revision = last,
        .unfiltered = use == CV_GITSRC_WHOLE,
        .listing = use == CV_GITSRC_LISTING,
    };
    cv_result r = cv_source_fetch(&so, res);
    cv_source_auth_clear(&auth);
    free(cache);
    if (!cv_is_ok(r)) cv_cli_errorf("%s: %s", cv_strerror(r.err), cv_cli_msg(r));
}
