/* `covert build`: every Flux Kustomization reachable from the entries,
 * rendered as kustomize-controller renders it, decrypted in memory,
 * Secret values redacted unless --reveal. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cli.h"
#include "cmd/commands.h"
#include "cmd/flux_cli.h"
#include "crypto/base/limits.h"
#include "reconcile/kustomize/build.h"
#include "reconcile/kustomize/emit.h"

static const char usage[] =
    "Usage:\n"
    "    covert build REPO [--entry FILE]... [--path DIR] [--ks NAMESPACE/NAME]\n"
    "                      [--reveal] [--identity FILE] [--strict=true|false]\n"
    "                      [--kubeconfig FILE] [--context NAME] [--cluster]\n"
    "    covert build --git URL [Git source flags] [the same flags]\n"
    "\n"
    "Render every Flux Kustomization reachable from the entry files exactly as\n"
    "Flux's kustomize-controller builds it: generated kustomization, spec\n"
    "patches/components/images/targetNamespace, kustomize build, SOPS\n"
    "decryption in memory, postBuild substitution, owner labels and\n"
    "commonMetadata. Every sourceRef is REPO itself; when its GitRepository or\n"
    "OCIRepository object is in the entry files or rendered earlier in the walk,\n"
    "only the files of that source's artifact (its spec.ignore, .sourceignore\n"
    "files, Flux's default exclusions such as .sops.yaml). Without a cluster,\n"
    "substituteFrom reads the ConfigMaps and Secrets the repository itself\n"
    "renders and SOPS identities come from --identity/SOPS_AGE_* and a rendered\n"
    "decryption Secret; with one, both come from the cluster.\n"
    "\n"
    "    --git URL        REPO is this Git repository, fetched as covert source\n"
    "                     fetch does into the cache and read from the object\n"
    "                     database into memory (never checked out); paths are\n"
    "                     relative to its root\n"
    "    --entry FILE     a file with the root Kustomization(s), relative to REPO\n"
    "                     (repeatable). Default: every Kustomization object in\n"
    "                     REPO's YAML files that lies outside the spec.path of\n"
    "                     every other Kustomization object\n"
    "    --path DIR       without --entry: build DIR as Flux builds a\n"
    "                     Kustomization's spec.path (its kustomization file, or\n"
    "                     the one Flux generates), as flux-system/flux-system\n"
    "                     with GitRepository flux-system (no spec.ignore)\n"
    "    --ks NS/NAME     print only this Kustomization\n"
    "    --reveal         print Secret values (default: **REDACTED** in Secrets, and\n"
    "                     REDACTED wherever a variable from a Secret is substituted)\n"
    "    --identity FILE  age identities for SOPS (as SOPS_AGE_KEY_FILE; the\n"
    "                     other SOPS_AGE_* sources apply too)\n"
    "    --strict=BOOL    an undefined ${VAR} without default fails the\n"
    "                     Kustomization (default true, Flux >= v1.9; false for\n"
    "                     the <= v1.8 behaviour)\n"
    CV_FLUX_CLI_CLUSTER_USAGE
    "\n"
    "\n"
    CV_GITSRC_USAGE
    "\n"
    "Output: for each Kustomization in walk order (breadth first),\n"
    "\"# Kustomization NAMESPACE/NAME\", then each object after \"---\", or\n"
    "\"# error: MESSAGE\", or \"# suspended\".\n"
    "Exit status: 0 success, 1 a Kustomization failed, 2 usage error.";

/* Every data/stringData value of a Secret replaced by **REDACTED**. */
static cv_result redact(cv_doc *d, cv_node *obj)
{
    const char *kind = cv_flux_str(obj, "kind");
    if (kind == NULL || strcmp(kind, "Secret") != 0) return cv_ok();
    static const char *const fields[] = { "data", "stringData" };
    for (size_t f = 0; f < 2; f++) {
        cv_node *m = cv_map_get(obj, fields[f]);
        for (size_t i = 0; m && m->kind == CV_NODE_MAP && i < m->n; i++)
            CV_GUARD(cv_node_text(d, CV_NODE_STR, "**REDACTED**", 12, &m->items[i].value));
    }
    return cv_ok();
}

static cv_result print_item(cv_flux_item *it, bool reveal, cv_buf *out)
{
    CV_GUARD(cv_buf_addf(out, "# Kustomization %s\n", it->id));
    if (it->suspended) return cv_buf_add_str(out, "# suspended\n");
    if (it->err != CV_OK || !it->built) return cv_ok();
    for (size_t i = 0; i < it->out.n; i++) {
        if (!reveal) CV_GUARD(redact(&it->out.doc, it->out.objs[i]));
        CV_GUARD(cv_buf_add_str(out, "---\n"));
        CV_GUARD(cv_kz_emit_obj(it->out.objs[i], out));
    }
    return cv_ok();
}

static int print_walk(cv_flux_walk *w, const char *only, bool reveal)
{
    int rc = 0;
    bool seen = false;
    for (size_t i = 0; i < w->n; i++) {
        cv_flux_item *it = &w->v[i];
        if (only && strcmp(only, it->id) != 0) continue;
        seen = true;
        cv_buf out;
        cv_buf_init_secret(&out, CV_DOC_MAX_INPUT);
        cv_result r = print_item(it, reveal, &out);
        if (cv_is_ok(r)) fwrite(out.p, 1, out.len, stdout);
        cv_buf_release(&out);
        if (!cv_is_ok(r) && it->err == CV_OK) {
            it->err = r.err;
            it->error = strdup(cv_cli_msg(r));
        }
        if (it->err != CV_OK) {
            fputs("# error: ", stdout);
            cv_flux_cli_oneline(it->error ? it->error : cv_strerror(it->err), stdout);
            fputc('\n', stdout);
            rc = 1;
        }
    }
    if (only && !seen) {
        fprintf(stderr, "covert build: error: Kustomization %s not reached from the entries\n", only);
        return 1;
    }
    return rc;
}

int cv_cmd_build(int argc, char **argv)
{
    cv_cli_prog = "covert build";
    cv_flux_cli c = { 0 };
    c.strict = true;
    const char *only = NULL;
    bool reveal = false;
    const cv_flag flags[] = {
        { "entry", CV_FLAG_LIST, &c.entries, 0 },  { "ks", CV_FLAG_STRING, &only, 0 },
        { "reveal", CV_FLAG_BOOL, &reveal, 0 },    { "identity", CV_FLAG_STRING, &c.identity, 0 },
        { "strict", CV_FLAG_BOOL, &c.strict, 0 },
        CV_FLUX_CLI_CLUSTER_FLAGS(c),
    };
    if (cv_flux_cli_args_src(&c, flags, sizeof flags / sizeof *flags, argc, argv, usage) != 0) {
        cv_strlist_free(&c.entries);
        return 2;
    }
    c.redact = !reveal;
    cv_result r = cv_flux_cli_run(&c);
    int rc = 1;
    if (cv_is_ok(r)) rc = print_walk(&c.walk, only, reveal);
    else fprintf(stderr, "covert build: error: %s\n", cv_cli_msg(r));
    fflush(stdout);
    cv_flux_cli_clear(&c);
    return rc;
}
