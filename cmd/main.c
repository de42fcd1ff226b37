/* covert: one binary, a command table, and argv[0] dispatch so that links
 * named age, age-keygen, age-inspect behave as those tools. */
#include <stdio.h>
#include <string.h>

#include "cmd/cli.h"
#include "cmd/commands.h"
#include "crypto/base/mem.h"
#include "secrets/runtime/init.h"

typedef struct {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} command;

static const command commands[] = {
    { "age", cv_cmd_age, "encrypt and decrypt files (age v1.3.1 command line)" },
    { "age-keygen", cv_cmd_age_keygen, "generate age key pairs (age-keygen)" },
    { "age-inspect", cv_cmd_age_inspect, "describe an age file without decrypting it" },
    { "sops", cv_cmd_sops, "encrypt, decrypt and edit SOPS files (sops v3.13.2 command line)" },
    { "source", cv_cmd_source, "fetch a Git source as Flux's GitRepository does" },
    { "apply", cv_cmd_apply, "server-side apply manifests to a cluster (kubectl apply)" },
    { "diff", cv_cmd_diff, "what apply would change, Secret values masked (kubectl diff)" },
    { "bw", cv_cmd_bw, "Bitwarden Secrets Manager CLI (flag-compatible with bws)" },
    { "externalsecret", cv_cmd_externalsecret,
      "render the Secret an ExternalSecret produces (External Secrets Operator)" },
    { "kustomize", cv_cmd_kustomize, "build a kustomization as kubectl kustomize prints it" },
    { "build", cv_cmd_build, "render every Flux Kustomization of a repository (flux build)" },
    { "tree", cv_cmd_tree, "the dependsOn graph of a repository's Flux Kustomizations" },
    { "check", cv_cmd_check, "validate a GitOps repository offline (builds, deps, SOPS, stores)" },
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static const command *find(const char *name)
{
    for (size_t i = 0; i < NCOMMANDS; i++)
        if (strcmp(commands[i].name, name) == 0) return &commands[i];
    return NULL;
}

static void usage(FILE *f)
{
    fprintf(f, "covert %s: a secrets-first GitOps toolkit\n\nUsage: covert COMMAND [ARGS]\n\n"
               "Commands:\n", CV_VERSION);
    for (size_t i = 0; i < NCOMMANDS; i++)
        fprintf(f, "    %-14s %s\n", commands[i].name, commands[i].summary);
    fprintf(f, "    %-14s %s\n", "version", "print the version");
    fprintf(f, "\nRun \"covert COMMAND -h\" for a command's options. A link to covert named\n"
               "after a command (age, age-keygen, age-inspect, sops) runs that command.\n");
}

/* age and sops never open a TLS connection. */
static bool offline(const char *name)
{
    static const char *const names[] = { "age", "age-keygen", "age-inspect", "sops" };
    for (size_t i = 0; name && i < sizeof(names) / sizeof(names[0]); i++)
        if (strcmp(name, names[i]) == 0) return true;
    return false;
}

int main(int argc, char **argv)
{
    const char *base = strrchr(argv[0], '/');
    base = base ? base + 1 : argv[0];
    bool off = offline(find(base) ? base : argc > 1 ? argv[1] : NULL);
    if (!cv_is_ok(off ? cv_crypto_init_offline() : cv_crypto_init()) ||
        !cv_is_ok(cv_secrets_init())) {
        fprintf(stderr, "covert: error: failed to initialise the libraries: %s\n", cv_err_detail());
        return 1;
    }
    const command *c = find(base);
    if (c) return c->run(argc, argv);
    if (argc < 2) {
        usage(stderr);
        return 1;
    }
    if (strcmp(argv[1], "version") == 0 || strcmp(argv[1], "--version") == 0) {
        printf("covert %s\n", CV_VERSION);
        return 0;
    }
    if (strcmp(argv[1], "help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "--help") == 0) {
        usage(stdout);
        return 0;
    }
    c = find(argv[1]);
    if (c == NULL) {
        fprintf(stderr, "covert: unknown command \"%s\"\n\n", argv[1]);
        usage(stderr);
        return 2;
    }
    return c->run(argc - 1, argv + 1);
}
