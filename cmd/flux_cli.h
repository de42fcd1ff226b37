/* Shared by `covert build`, `covert tree` and `covert check`: the
 * repository, its entry Kustomizations and the Flux walk. */
#ifndef CV_CMD_FLUX_CLI_H
#define CV_CMD_FLUX_CLI_H

#include "cmd/flags.h"
#include "reconcile/flux/walk.h"

typedef struct {
    const char *repo;
    cv_strlist entries;
    const char *identity;
    bool strict;
    cv_kzfs *fs;
    char *root;
    cv_doc edoc; /* entry objects */
    cv_flux_walk walk;
} cv_flux_cli;

/* REPO first or after the flags (Go's flag package stops at the first
 * argument). Returns the positional count left in *rest (REPO removed). */
int cv_flux_cli_args(const cv_flag *flags, size_t n, int argc, char **argv, const char *usage,
                     const char **repo, char ***rest);
/* Open the repository, read the entries (relative to REPO unless
 * absolute; default: cv_flux_default_entries) and walk. */
cv_result cv_flux_cli_run(cv_flux_cli *c) CV_MUST_USE;
void cv_flux_cli_clear(cv_flux_cli *c);
/* One-line message of a failed item. */
void cv_flux_cli_oneline(const char *msg, FILE *f);

#endif
