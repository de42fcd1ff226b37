/* `covert check`: offline validation of a whole GitOps repository. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cli.h"
#include "cmd/commands.h"
#include "cmd/flux_cli.h"
#include "cmd/sops.h"
#include "reconcile/flux/check.h"

static const char usage[] =
    "Usage:\n"
    "    covert check REPO [--entry FILE]... [--identity FILE] [--strict=true|false]\n"
    "                      [--output table|json] [--kubeconfig FILE] [--context NAME]\n"
    "                      [--cluster]\n"
    "\n"
    "Validate a GitOps repository (without a cluster unless one is given):\n"
    "    build         every Flux Kustomization reachable from the entries builds\n"
    "                  (as covert build)\n"
    "    substitution  every ${VAR} is defined (strict mode) and parses\n"
    "    dependsOn     every dependsOn target is reached; no cycle\n"
    "    sops          every SOPS file parses and is encrypted to exactly the age\n"
    "                  recipients REPO/.sops.yaml names for it; with --identity it\n"
    "                  also decrypts and its MAC is valid\n"
    "    secret        no Secret in a YAML file holds unencrypted data/stringData\n"
    "    store         every rendered ExternalSecret names a SecretStore (same\n"
    "                  namespace) or ClusterSecretStore that is rendered too\n"
    "\n"
    "    --entry FILE     a file with the root Kustomization(s), relative to REPO\n"
    "                     (repeatable; default as covert build)\n"
    "    --identity FILE  age identities (as SOPS_AGE_KEY_FILE): decrypt and\n"
    "                     verify every SOPS file\n"
    "    --strict=BOOL    strict substitution (default true)\n"
    "    --output FORMAT  table (default) or json (an array of {check, subject,\n"
    "                     ok, message})\n"
    CV_FLUX_CLI_CLUSTER_USAGE
    "\n"
    "Exit status: 0 all checks pass, 1 a check failed, 2 usage error.";

static void print_table(const cv_flux_report *rep)
{
    printf("%-13s %-6s %s\n", "CHECK", "STATUS", "SUBJECT");
    for (size_t i = 0; i < rep->n; i++) {
        const cv_flux_finding *f = &rep->v[i];
        printf("%-13s %-6s %s", f->check, f->ok ? "ok" : "FAIL", f->subject);
        if (f->message[0]) {
            fputs(": ", stdout);
            cv_flux_cli_oneline(f->message, stdout);
        }
        fputc('\n', stdout);
    }
    printf("\n%zu checks, %zu failed\n", rep->n, rep->failed);
}

static int print_json(const cv_flux_report *rep)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < rep->n; i++) {
        const cv_flux_finding *f = &rep->v[i];
        json_array_append_new(a, json_pack("{s:s,s:s,s:b,s:s}", "check", f->check, "subject",
                                           f->subject, "ok", f->ok, "message", f->message));
    }
    char *s = a ? json_dumps(a, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
    json_decref(a);
    if (s == NULL) return 1;
    printf("%s\n", s);
    json_free_t jfree;
    json_get_alloc_funcs(NULL, &jfree);
    jfree(s); /* jansson's own (wiping) allocator */
    return 0;
}

int cv_cmd_check(int argc, char **argv)
{
    cv_cli_prog = "covert check";
    cv_flux_cli c = { 0 };
    c.strict = true;
    const char *output = "table";
    const cv_flag flags[] = {
        { "entry", CV_FLAG_LIST, &c.entries, 0 },
        { "identity", CV_FLAG_STRING, &c.identity, 0 },
        { "strict", CV_FLAG_BOOL, &c.strict, 0 },
        { "output", CV_FLAG_STRING, &output, 0 },
        CV_FLUX_CLI_CLUSTER_FLAGS(c),
    };
    char **rest;
    int n = cv_flux_cli_args(flags, sizeof flags / sizeof *flags, argc, argv, usage, &c.repo, &rest);
    if (n != 0 || c.repo == NULL || (strcmp(output, "table") != 0 && strcmp(output, "json") != 0)) {
        fprintf(stderr, "%s\n", usage);
        return 2;
    }
    cv_result r = cv_flux_cli_run(&c);
    cv_flux_report rep = { 0 };
    if (cv_is_ok(r))
        r = cv_flux_check(&c.walk, c.fs, c.root, c.identity ? cv_sops_keyring_get() : NULL, &rep);
    int rc = 1;
    if (cv_is_ok(r)) {
        if (strcmp(output, "json") == 0) rc = print_json(&rep);
        else print_table(&rep), rc = 0;
        if (rep.failed) rc = 1;
    } else {
        fprintf(stderr, "covert check: error: %s\n", cv_cli_msg(r));
    }
    cv_flux_report_clear(&rep);
    cv_flux_cli_clear(&c);
    return rc;
}
