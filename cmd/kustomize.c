/* `covert kustomize DIR`: what `kubectl kustomize DIR` prints. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cli.h"
#include "cmd/commands.h"
#include "cmd/flags.h"
#include "reconcile/kustomize/build.h"
#include "reconcile/kustomize/emit.h"

static const char usage[] =
    "Usage:\n"
    "    covert kustomize DIR [--load-restrictor LoadRestrictionsRootOnly|LoadRestrictionsNone]\n"
    "                         [--offline] [-o FILE]\n"
    "\n"
    "Build the kustomization in DIR and print its resources as `kubectl kustomize`\n"
    "(kustomize v5) prints them: byte for byte the same YAML, documents separated\n"
    "by \"---\". A resources: entry may be an http(s) URL of a file: it is fetched\n"
    "and kept in $XDG_CACHE_HOME/covert/http (or ~/.cache/covert/http). Remote git\n"
    "bases fail.\n"
    "\n"
    "    --load-restrictor R  LoadRestrictionsRootOnly (default, as kubectl): files\n"
    "                         must lie under their kustomization's directory;\n"
    "                         LoadRestrictionsNone (as Flux) lifts that\n"
    "    --offline            fetch nothing: http(s) resources come from the cache\n"
    "    -o, --output FILE    write to FILE (atomically) instead of stdout\n"
    "\n"
    "Exit status: 0 success, 1 build failure (message on stderr), 2 usage error.";

static cv_result build(const char *dir, bool none, bool offline, cv_buf *out)
{
    cv_kz_opts o = { .load_none = none, .offline = offline };
    return cv_kz_build_dir(&o, dir, out);
}

static void write_out(const char *path, const cv_buf *b)
{
    if (!path || strcmp(path, "-") == 0) {
        if (b->len && fwrite(b->p, 1, b->len, stdout) != b->len) cv_cli_errorf("write error");
        return;
    }
    cv_outfile of;
    cv_outfile_init(&of, path, 0644);
    cv_result r = cv_sink_write(&of.sink, b->p, b->len);
    if (cv_is_ok(r)) r = cv_outfile_commit(&of);
    if (!cv_is_ok(r)) {
        cv_outfile_abort(&of);
        cv_cli_errorf("%s: %s", path, cv_cli_msg(r));
    }
}

int cv_cmd_kustomize(int argc, char **argv)
{
    cv_cli_prog = "covert kustomize";
    cv_cli_keep_heap();
    const char *restrictor = "LoadRestrictionsRootOnly", *output = NULL;
    bool offline = false;
    const cv_flag flags[] = {
        { "load-restrictor", CV_FLAG_STRING, &restrictor, 0 },
        { "output", CV_FLAG_STRING, &output, 0 },
        { "o", CV_FLAG_STRING, &output, 0 },
        { "offline", CV_FLAG_BOOL, &offline, 0 },
    };
    char **rest;
    int n = cv_cli_parse_flags(flags, sizeof flags / sizeof flags[0], argc, argv, usage, &rest);
    const char *dir = ".";
    if (n > 0) {
        dir = rest[0];
        char **more;
        int m = cv_cli_parse_flags(flags, sizeof flags / sizeof flags[0], n, rest, usage, &more);
        if (m > 0) cv_cli_errorf("specify one path to a kustomization directory");
    }
    bool none = strcmp(restrictor, "LoadRestrictionsNone") == 0;
    if (!none && strcmp(restrictor, "LoadRestrictionsRootOnly") != 0)
        cv_cli_errorf("illegal flag value --load-restrictor %s", restrictor);
    cv_buf out;
    cv_buf_init_secret(&out, (size_t)1 << 31);
    cv_result r = build(dir, none, offline, &out);
    if (!cv_is_ok(r)) {
        cv_buf_release(&out);
        cv_cli_errorf("%s", cv_cli_msg(r));
    }
    write_out(output, &out);
    cv_buf_release(&out);
    return 0;
}
