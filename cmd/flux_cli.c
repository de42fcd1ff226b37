/* Repository, entries and walk for the Flux commands (see flux_cli.h). */
#include "cmd/flux_cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cli.h"
#include "cmd/sops.h"

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

static cv_result entry_path(const char *root, const char *e, char **out)
{
    if (e[0] == '/') return cv_kzfs_join("/", e, out);
    return cv_kzfs_join(root, e, out);
}

static cv_result read_entries(cv_flux_cli *c, cv_node ***objs, size_t *n)
{
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

cv_result cv_flux_cli_run(cv_flux_cli *c)
{
    if (c->identity) setenv("SOPS_AGE_KEY_FILE", c->identity, 1);
    CV_GUARD(cv_kzfs_disk(&c->fs));
    CV_GUARD(cv_kzfs_join(".", c->repo, &c->root));
    CV_ENSUREF(cv_kzfs_stat(c->fs, c->root) == CV_KZFS_DIR, CV_E_NOT_FOUND, "%s: not a directory",
               c->repo);
    CV_GUARD(cv_doc_init(&c->edoc));
    CV_GUARD(cv_flux_walk_init(&c->walk));
    cv_node **objs = NULL;
    size_t n = 0;
    cv_result r = read_entries(c, &objs, &n);
    if (cv_is_ok(r)) r = connect(c);
    cv_flux_opts o = { c->fs, c->root, c->strict, cv_sops_keyring_get(), NULL, false,
                       c->live ? cv_flux_live_find : NULL, c->live, c->redact };
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
    free(c->root);
    cv_strlist_free(&c->entries);
}

void cv_flux_cli_oneline(const char *msg, FILE *f)
{
    for (const char *p = msg; *p; p++) fputc(*p == '\n' || *p == '\r' ? ' ' : *p, f);
}
