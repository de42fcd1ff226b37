/* Repository, entries and walk for the Flux commands (see flux_cli.h). */
#include "cmd/flux_cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cli.h"
#include "cmd/sops.h"
#include "crypto/base/limits.h"
#include "reconcile/kustomize/kyaml.h"

int cv_flux_cli_args(const cv_flag *flags, size_t n, int argc, char **argv, const char *usage,
                     const char **repo, char ***rest)
{
    *repo = NULL;
    if (argc > 1 && argv[1][0] != '-') {
        *repo = argv[1];
        argv++;
        argc--;
    }
    int left = cv_cli_parse_flags(flags, n, argc, argv, usage, rest);
    if (*repo == NULL && left > 0) {
        *repo = (*rest)[0];
        (*rest)++;
        left--;
    }
    return left;
}

int cv_flux_cli_args_src(cv_flux_cli *c, const cv_flag *flags, size_t n, int argc, char **argv,
                         const char *usage)
{
    cv_flag all[32];
    if (n + CV_GITSRC_NFLAGS + 2 > sizeof all / sizeof *all) return 2;
    memcpy(all, flags, n * sizeof *flags);
    all[n] = (cv_flag){ "git", CV_FLAG_STRING, &c->git_url, 0 };
    all[n + 1] = (cv_flag){ "path", CV_FLAG_STRING, &c->path, 0 };
    cv_gitsrc_flags(&c->git, all + n + 2);
    char **rest;
    int left = cv_flux_cli_args(all, n + 2 + CV_GITSRC_NFLAGS, argc, argv, usage, &c->repo, &rest);
    if (left == 0 && (c->repo == NULL) != (c->git_url == NULL)) return 0;
    fprintf(stderr, "%s\n", usage);
    return 2;
}

/* JSON string (a YAML double-quoted scalar) of s. */
static cv_result quoted(cv_buf *b, const char *s)
{
    CV_GUARD(cv_buf_add_byte(b, '"'));
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\') CV_GUARD(cv_buf_addf(b, "\\%c", *p));
        else if (*p < 0x20 || *p == 0x7f) CV_GUARD(cv_buf_addf(b, "\\u%04x", *p));
        else CV_GUARD(cv_buf_add_byte(b, *p));
    }
    return cv_buf_add_byte(b, '"');
}

/* --path without entries: the objects `flux bootstrap` would create for
 * this directory (GitRepository and Kustomization flux-system/flux-system,
 * no spec.ignore: Flux's default exclusions apply). */
static cv_result path_entries(cv_flux_cli *c, cv_node ***objs, size_t *n)
{
    cv_buf b;
    cv_buf_init(&b, 2 * CV_KZ_MAX_PATH + 4096);
    cv_result r = cv_buf_add_str(&b,
        "apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\n"
        "metadata: {name: flux-system, namespace: flux-system}\nspec:\n  interval: 1m0s\n"
        "  ref: {branch: main}\n  url: ");
    if (cv_is_ok(r)) r = quoted(&b, c->git_url ? c->git_url : c->repo);
    if (cv_is_ok(r))
        r = cv_buf_add_str(&b,
            "\n---\napiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\n"
            "metadata: {name: flux-system, namespace: flux-system}\nspec:\n  interval: 10m0s\n"
            "  prune: true\n  sourceRef: {kind: GitRepository, name: flux-system}\n  path: ");
    if (cv_is_ok(r)) r = quoted(&b, c->path);
    if (cv_is_ok(r)) r = cv_buf_add_byte(&b, '\n');
    if (cv_is_ok(r)) r = cv_kz_yaml_docs(&c->edoc, cv_buf_slice(&b), objs, n);
    cv_buf_release(&b);
    return r;
}

static cv_result entry_path(const char *root, const char *e, char **out)
{
    if (e[0] == '/') return cv_kzfs_join("/", e, out);
    return cv_kzfs_join(root, e, out);
}

static cv_result read_entries(cv_flux_cli *c, cv_node ***objs, size_t *n)
{
    if (c->entries.n == 0 && c->path) return path_entries(c, objs, n);
    if (c->entries.n == 0) return cv_flux_default_entries(c->fs, c->root, &c->edoc, objs, n);
    *objs = NULL;
    *n = 0;
    for (size_t i = 0; i < c->entries.n; i++) {
        char *p;
        CV_GUARD(entry_path(c->root, c->entries.v[i], &p));
        cv_node **v;
        size_t m;
        cv_result r = cv_flux_read_entries(c->fs, p, &c->edoc, &v, &m);
        if (!cv_is_ok(r)) r = CV_FAILF(r.err, "%s: %s", c->entries.v[i], cv_cli_msg(r));
        free(p);
        cv_node **all = cv_is_ok(r) ? realloc(*objs, (*n + m + 1) * sizeof *all) : NULL;
        if (cv_is_ok(r) && all == NULL) r = CV_FAIL(CV_E_NOMEM);
        if (cv_is_ok(r)) {
            memcpy(all + *n, v, m * sizeof *v);
            *objs = all;
            *n += m;
        }
        free(v);
        CV_GUARD(r);
    }
    return cv_ok();
}

/* Only when asked: without a flag the build never reads $KUBECONFIG. */
static cv_result connect(cv_flux_cli *c)
{
    if (!c->kubeconfig && !c->context && !c->cluster) return cv_ok();
    cv_kube_load_opts lo = { .kubeconfig = c->kubeconfig, .context = c->context };
    CV_GUARD(cv_kube_open(&lo, &c->kube));
    return cv_flux_live_new(c->kube, &c->live);
}

static cv_result open_repo(cv_flux_cli *c)
{
    if (c->git_url) {
        cv_gitsrc_fetch(&c->git, c->git_url, NULL, NULL, CV_GITSRC_WHOLE, &c->src);
        c->fetched = true;
        CV_GUARD(cv_kzfs_tree(c->src.tree, &c->fs));
        c->root = strdup(".");
        CV_ENSURE(c->root, CV_E_NOMEM);
        return cv_ok();
    }
    CV_GUARD(cv_kzfs_disk(&c->fs));
    CV_GUARD(cv_kzfs_join(".", c->repo, &c->root));
    CV_ENSUREF(cv_kzfs_stat(c->fs, c->root) == CV_KZFS_DIR, CV_E_NOT_FOUND, "%s: not a directory",
               c->repo);
    return cv_ok();
}

cv_result cv_flux_cli_run(cv_flux_cli *c)
{
    cv_cli_keep_heap();
    if (c->identity) setenv("SOPS_AGE_KEY_FILE", c->identity, 1);
    CV_GUARD(open_repo(c));
    CV_GUARD(cv_doc_init(&c->edoc));
    CV_GUARD(cv_flux_walk_init(&c->walk));
    cv_node **objs = NULL;
    size_t n = 0;
    cv_result r = read_entries(c, &objs, &n);
    if (cv_is_ok(r)) r = connect(c);
    cv_flux_opts o = { .fs = c->fs, .root = c->root, .strict = c->strict,
                       .kr = cv_sops_keyring_get(), .raw = c->fetched ? c->src.tree : NULL,
                       .live = c->live ? cv_flux_live_find : NULL, .live_ctx = c->live,
                       .redact_secret_vars = c->redact };
    if (cv_is_ok(r)) r = cv_flux_walk_run(&c->walk, &o, (const cv_node *const *)objs, n);
    free(objs);
    return r;
}

void cv_flux_cli_clear(cv_flux_cli *c)
{
    cv_flux_walk_clear(&c->walk);
    cv_flux_live_free(&c->live);
    cv_kube_free(&c->kube);
    cv_doc_clear(&c->edoc);
    cv_kzfs_free(&c->fs);
    if (c->fetched) cv_source_result_clear(&c->src);
    free(c->root);
    cv_strlist_free(&c->entries);
}

void cv_flux_cli_oneline(const char *msg, FILE *f)
{
    for (const char *p = msg; *p; p++) fputc(*p == '\n' || *p == '\r' ? ' ' : *p, f);
}
