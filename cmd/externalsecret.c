/* `covert externalsecret render`: the Secret External Secrets Operator
 * would write for ExternalSecrets, resolved against their stores here
 * (Bitwarden Secrets Manager natively, webhook/`bw serve` over HTTP). */
#include <stdio.h>
#include <string.h>

#include "cmd/cli.h"
#include "cmd/commands.h"
#include "cmd/flags.h"
#include "crypto/base/limits.h"
#include "crypto/base/mem.h"
#include "secrets/eso/eso.h"

static const char usage[] =
    "Usage:\n"
    "    covert externalsecret render -f ES.yaml --store STORE.yaml [--reveal]\n"
    "\n"
    "Resolve ExternalSecrets (external-secrets.io/v1 or v1beta1) against their\n"
    "SecretStore / ClusterSecretStore and print the Secrets External Secrets\n"
    "Operator would write (data, type, labels, annotations, the data-hash\n"
    "annotation). Providers: bitwardensecretsmanager (native client: one login,\n"
    "at most one list and one get-by-ids per store) and webhook (bw serve).\n"
    "\n"
    "    -f FILE        ExternalSecret documents (YAML stream; - for stdin)\n"
    "    --store FILE   store documents, plus the Kubernetes Secrets they\n"
    "                   reference (access token, webhook secrets); repeatable\n"
    "    --reveal       print data values (base64, as in a Secret); otherwise\n"
    "                   every value is REDACTED\n"
    "    --stats        print login and request counts on stderr\n"
    "\n"
    "A store without its token Secret uses $BWS_ACCESS_TOKEN.\n"
    "Exit status: 0 success, 1 failure, 2 usage error.";

static cv_result read_all(const cv_strlist *files, cv_buf *b)
{
    for (size_t i = 0; i < files->n; i++) {
        CV_GUARD(cv_cli_read_file(files->v[i], b));
        CV_GUARD(cv_buf_add_str(b, "\n---\n"));
    }
    return cv_ok();
}

int cv_cmd_externalsecret(int argc, char **argv)
{
    cv_cli_prog = "covert externalsecret";
    if (argc < 2 || strcmp(argv[1], "render") != 0) {
        fprintf(stderr, "%s\n", usage);
        return argc >= 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) ? 0 : 2;
    }
    const char *file = NULL;
    cv_strlist stores = { 0 };
    bool reveal = false, stats = false;
    const cv_flag flags[] = {
        { "f", CV_FLAG_STRING, &file, 0 },
        { "store", CV_FLAG_LIST, &stores, 0 },
        { "reveal", CV_FLAG_BOOL, &reveal, 0 },
        { "stats", CV_FLAG_BOOL, &stats, 0 },
    };
    char **rest;
    int n = cv_cli_parse_flags(flags, sizeof(flags) / sizeof(flags[0]), argc - 1, argv + 1, usage, &rest);
    if (n != 0 || file == NULL || stores.n == 0) {
        fprintf(stderr, "%s\n", usage);
        return 2;
    }
    cv_buf es, st, out;
    cv_buf_init_secret(&es, CV_ESO_MAX_MANIFEST);
    cv_buf_init_secret(&st, CV_ESO_MAX_MANIFEST);
    cv_buf_init_secret(&out, CV_ESO_MAX_MANIFEST);
    char *tok = getenv("BWS_ACCESS_TOKEN") ? cv_wipe_strdup(getenv("BWS_ACCESS_TOKEN")) : NULL;
    unsetenv("BWS_ACCESS_TOKEN");
    unsigned logins = 0, api = 0, hooks = 0;
    cv_eso_opts o = { tok ? cv_slice_trim(cv_slice_str(tok)) : cv_slice_of(NULL, 0), NULL, reveal,
                      NULL, &logins, &api, &hooks };
    cv_result r = cv_cli_read_file(file, &es);
    if (cv_is_ok(r)) r = read_all(&stores, &st);
    if (cv_is_ok(r)) r = cv_eso_render(cv_buf_slice(&es), cv_buf_slice(&st), &o, &out);
    if (cv_is_ok(r)) fwrite(out.p, 1, out.len, stdout);
    if (stats) fprintf(stderr, "logins: %u, api requests: %u, webhook requests: %u\n", logins, api, hooks);
    if (tok) cv_wipe_free(tok);
    cv_buf_release(&es);
    cv_buf_release(&st);
    cv_buf_release(&out);
    cv_strlist_free(&stores);
    if (!cv_is_ok(r)) {
        fprintf(stderr, "covert externalsecret: error: %s\n", cv_cli_msg(r));
        return 1;
    }
    return 0;
}
