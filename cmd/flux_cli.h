/* Shared by `covert build`, `covert tree` and `covert check`: the
 * repository (a directory, or with --git a commit fetched into memory),
 * its entry Kustomizations and the Flux walk. */
#ifndef CV_CMD_FLUX_CLI_H
#define CV_CMD_FLUX_CLI_H

#include "cmd/flags.h"
#include "reconcile/flux/live.h"
#include "cmd/gitsrc.h"
#include "reconcile/flux/walk.h"

typedef struct {
    const char *repo;
    cv_strlist entries;
    const char *identity;
    bool strict;
    bool redact; /* Secret-sourced variables substitute as REDACTED */
    /* A cluster: --kubeconfig, --context or --cluster (then $KUBECONFIG,
     * ~/.kube/config or in-cluster as kubectl finds them); none: offline. */
    const char *kubeconfig, *context;
    bool cluster;
    cv_kube *kube;
    cv_flux_live *live;
    const char *git_url; /* --git: the repository is this commit, never checked out */
    cv_gitsrc git;       /* its reference, credentials, cache */
    const char *path;    /* --path: without entries, build this directory */
    cv_source_result src;
    bool fetched;
    cv_kzfs *fs;
    char *root;
    cv_doc edoc; /* entry objects */
    cv_flux_walk walk;
} cv_flux_cli;

/* REPO first or after the flags (Go's flag package stops at the first
 * argument). Returns the positional count left in *rest (REPO removed). */
int cv_flux_cli_args(const cv_flag *flags, size_t n, int argc, char **argv, const char *usage,
                     const char **repo, char ***rest);
/* As cv_flux_cli_args, plus the source flags (--git URL and the Git
 * source flags, --path DIR) into c. Returns 0, or 2 after printing usage
 * when arguments are left over or there is not exactly one of REPO and
 * --git. */
int cv_flux_cli_args_src(cv_flux_cli *c, const cv_flag *flags, size_t n, int argc, char **argv,
                         const char *usage);
/* Open the repository (--git: fetch the commit, unfiltered, into memory;
 * every path is then relative to its root), read the entries (relative
 * to REPO unless absolute; with --path and no --entry, one Kustomization
 * flux-system/flux-system with that spec.path and sourceRef GitRepository
 * flux-system; default: cv_flux_default_entries), connect to the cluster
 * when one is given, and walk. */
cv_result cv_flux_cli_run(cv_flux_cli *c) CV_MUST_USE;
void cv_flux_cli_clear(cv_flux_cli *c);
/* One-line message of a failed item. */
void cv_flux_cli_oneline(const char *msg, FILE *f);

/* The cluster flags of build and check: entries of their cv_flag table. */
#define CV_FLUX_CLI_CLUSTER_FLAGS(c)                                                    \
    { "kubeconfig", CV_FLAG_STRING, &(c).kubeconfig, 0 },                               \
        { "context", CV_FLAG_STRING, &(c).context, 0 },                                 \
        { "cluster", CV_FLAG_BOOL, &(c).cluster, 0 }
#define CV_FLUX_CLI_CLUSTER_USAGE                                                       \
    "    --kubeconfig FILE  read postBuild.substituteFrom ConfigMaps and Secrets and\n" \
    "                     the decryption Secret (spec.decryption.secretRef, its\n"      \
    "                     *.agekey entries) from this cluster, as\n"                    \
    "                     kustomize-controller does\n"                                  \
    "    --context NAME   kubeconfig context (implies a cluster)\n"                     \
    "    --cluster        a cluster from $KUBECONFIG, ~/.kube/config or in-cluster;\n"  \
    "                     without these three flags nothing is read from a cluster\n"

#endif
