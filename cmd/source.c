/* `covert source fetch`: fetch a Git source with Flux GitRepository
 * semantics and print what source-controller would record for it. */
#include <stdio.h>
#include <string.h>

#include "cmd/cli.h"
#include "cmd/commands.h"
#include "cmd/flags.h"
#include "cmd/gitsrc.h"
#include "crypto/base/limits.h"
#include "reconcile/source/source.h"

static const char usage[] =
    "Usage:\n"
    "    covert source fetch URL [flags]\n"
    "\n"
    "Fetch a Git repository as Flux's source-controller does for a GitRepository\n"
    "and print its revision, artifact digest and file count. Objects go to a bare\n"
    "cache repository (one per URL); files are read from the object database into\n"
    "memory, never checked out. A second fetch downloads only what changed, and\n"
    "for a commit already read with the same ignore rules it reads no file: the\n"
    "digest and listing come from the artifact index kept in the cache.\n"
    "\n"
    "URL: https://, http://, ssh://, git:// or file:// (scp-like user@host:path is\n"
    "not accepted, as in Flux).\n"
    "\n"
    CV_GITSRC_USAGE
    "\n"
    "Filtering and output:\n"
    "    --ignore-paths P    comma-separated ignore patterns (spec.ignore)\n"
    "    --ignore TEXT       spec.ignore as is (gitignore lines)\n"
    "    --path P            count (and list) only files under P\n"
    "    --last-revision R   status.artifact.revision: when the remote still has\n"
    "                        it, print it and \"unchanged: true\" and read nothing\n"
    "    --list              list the files: MODE SIZE PATH\n"
    "\n"
    "Output (stdout):\n"
    "    revision: main@sha1:<hash>     as Flux writes status.artifact.revision\n"
    "    digest: sha256:<hex>           sha256 of the artifact's tar stream (before\n"
    "                                   gzip; see reconcile/source/README.md)\n"
    "    files: N                       regular files in the artifact (under --path)\n"
    "\n"
    "Exit status: 0 success, 1 failure (message on stderr), 2 usage error.";

typedef struct {
    cv_gitsrc git;
    const char *ignore_paths, *ignore, *path, *last;
    bool list;
} opts;

static char **parse(opts *o, int argc, char **argv, int *npos)
{
    cv_flag flags[CV_GITSRC_NFLAGS + 5] = {
        [CV_GITSRC_NFLAGS] = { "ignore-paths", CV_FLAG_STRING, &o->ignore_paths, 0 },
        { "ignore", CV_FLAG_STRING, &o->ignore, 0 },
        { "path", CV_FLAG_STRING, &o->path, 0 },
        { "last-revision", CV_FLAG_STRING, &o->last, 0 },
        { "list", CV_FLAG_BOOL, &o->list, 0 },
    };
    cv_gitsrc_flags(&o->git, flags);
    /* Flags may follow the URL: parse again after each positional argument. */
    static char *pos[8];
    *npos = 0;
    char **rest;
    int n = cv_cli_parse_flags(flags, sizeof(flags) / sizeof(flags[0]), argc, argv, usage, &rest);
    while (n > 0) {
        if (*npos == 8) cv_cli_errorf("too many arguments");
        pos[(*npos)++] = rest[0];
        rest[0] = argv[0];
        n = cv_cli_parse_flags(flags, sizeof(flags) / sizeof(flags[0]), n, rest, usage, &rest);
    }
    return pos;
}

/* --ignore-paths a,b -> "a\nb", as `flux create source git` writes spec.ignore. */
static char *ignore_text(const opts *o)
{
    if (o->ignore) return strdup(o->ignore);
    if (!o->ignore_paths) return NULL;
    char *s = strdup(o->ignore_paths);
    for (char *p = s; p && *p; p++)
        if (*p == ',') *p = '\n';
    return s;
}

static bool under(const cv_srcent *e, const char *path)
{
    size_t n = strlen(path);
    while (n > 0 && path[n - 1] == '/') n--;
    if (n >= 2 && path[0] == '.' && path[1] == '/') path += 2, n -= 2;
    if (n == 0 || (n == 1 && path[0] == '.')) return true;
    return e->path_len > n && memcmp(e->path, path, n) == 0 && e->path[n] == '/';
}

static void report(const opts *o, const cv_source_result *r)
{
    printf("revision: %s\n", r->revision);
    if (r->unchanged) {
        printf("unchanged: true\n");
        return;
    }
    size_t files = 0;
    for (size_t i = 0; i < cv_srctree_len(r->tree); i++) {
        const cv_srcent *e = cv_srctree_at(r->tree, i);
        files += e->kind == CV_SRCENT_FILE && (!o->path || under(e, o->path));
    }
    printf("digest: %s\nfiles: %zu\n", r->digest, files);
    if (!o->list) return;
    for (size_t i = 0; i < cv_srctree_len(r->tree); i++) {
        const cv_srcent *e = cv_srctree_at(r->tree, i);
        if (e->kind == CV_SRCENT_FILE && (!o->path || under(e, o->path)))
            printf("%s %zu %s\n", e->exec ? "100755" : "100644", e->len, e->path);
    }
}

static int fetch(const opts *o, const char *url)
{
    char *ignore = ignore_text(o);
    cv_source_result res;
    cv_gitsrc_fetch(&o->git, url, ignore, o->last, CV_GITSRC_LISTING, &res);
    free(ignore);
    report(o, &res);
    cv_source_result_clear(&res);
    return 0;
}

int cv_cmd_source(int argc, char **argv)
{
    cv_cli_prog = "covert source";
    if (argc < 2 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
        strcmp(argv[1], "help") == 0) {
        fprintf(argc < 2 ? stderr : stdout, "%s\n", usage);
        return argc < 2 ? 2 : 0;
    }
    if (strcmp(argv[1], "fetch") != 0) {
        fprintf(stderr, "covert source: unknown subcommand \"%s\"\n%s\n", argv[1], usage);
        return 2;
    }
    opts o = { 0 };
    int npos;
    char **pos = parse(&o, argc - 1, argv + 1, &npos);
    if (npos != 1) {
        fprintf(stderr, "covert source fetch: exactly one URL is required\n%s\n", usage);
        return 2;
    }
    return fetch(&o, pos[0]);
}
