/* `covert apply`: server-side apply of manifests to a cluster, staged like
 * Flux (definitions first, then the rest once new CRDs are established),
 * with kubectl's flags and one line per object. Documents carrying a SOPS
 * block, and Secret values that are SOPS files, are decrypted in memory
 * (cmd/apply_sops.c) before anything is sent. */
#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cmd/apply.h"
#include "cmd/apply_sops.h"
#include "cmd/cli.h"
#include "cmd/commands.h"
#include "cmd/flags.h"
#include "crypto/base/limits.h"
#include "crypto/base/mem.h"
#include "reconcile/kube/apply.h"
#include "reconcile/kube/client.h"
#include "reconcile/kube/config.h"
#include "reconcile/kube/yamljson.h"

static const char usage[] =
    "Usage:\n"
    "    covert apply -f FILE|DIR|- [-f ...] [options]\n"
    "\n"
    "Server-side apply of the manifests (multi-document YAML or JSON) to the\n"
    "cluster of the kubeconfig context. CustomResourceDefinitions, Namespaces\n"
    "and cluster RBAC are applied first, then everything else once new CRDs\n"
    "are established.\n"
    "\n"
    "Options:\n"
    "    -f, --filename PATH        File, directory (its .yaml/.yml/.json files) or -\n"
    "    -R, --recursive            Descend into directories\n"
    "    -n, --namespace NS         Namespace for objects that have none\n"
    "    --kubeconfig FILE          kubeconfig to use (default: $KUBECONFIG, ~/.kube/config)\n"
    "    --context NAME             kubeconfig context to use\n"
    "    --as USER                  impersonate USER (Impersonate-User)\n"
    "    --as-group GROUP           impersonate GROUP too (repeatable; needs --as)\n"
    "    --as-uid UID               impersonate UID too (needs --as)\n"
    "    --dry-run=server|none      server: validate and report, persist nothing\n"
    "    --field-manager NAME       field manager (default \"covert\")\n"
    "    --force-conflicts          take ownership of fields owned by other managers\n"
    "    --server-side              accepted for kubectl compatibility (always on)";


/* --- reading manifests ----------------------------------------------------- */

static bool manifest_name(const char *name)
{
    const char *dot = strrchr(name, '.');
    return dot && (!strcmp(dot, ".yaml") || !strcmp(dot, ".yml") || !strcmp(dot, ".json"));
}

static cv_result read_docs(const char *path, json_t *docs)
{
    cv_buf b;
    /* Plain manifests may hold Secret values: a wiping buffer. */
    cv_buf_init_secret(&b, CV_KUBE_MAX_MANIFEST);
    cv_result r = cv_cli_read_file(path, &b);
    json_t *parsed = NULL;
    if (cv_is_ok(r)) r = cv_kube_yaml_docs(cv_buf_slice(&b), strcmp(path, "-") ? path : "<stdin>", &parsed);
    cv_buf_release(&b);
    if (!cv_is_ok(r)) return r;
    int rc = json_array_extend(docs, parsed);
    json_decref(parsed);
    CV_ENSURE(rc == 0, CV_E_NOMEM);
    CV_ENSUREF(json_array_size(docs) <= CV_KUBE_MAX_OBJECTS, CV_E_LIMIT, "more than %u objects",
               CV_KUBE_MAX_OBJECTS);
    return cv_ok();
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

static cv_result read_path(const char *path, bool recursive, int depth, json_t *docs);

static cv_result read_dir(const char *dir, bool recursive, int depth, json_t *docs)
{
    struct dirent **ents = NULL;
    int n = scandir(dir, &ents, NULL, by_name);
    CV_ENSUREF(n >= 0, CV_E_IO, "%s: %s", dir, strerror(errno));
    cv_result r = cv_ok();
    for (int i = 0; i < n; i++) {
        const char *e = ents[i]->d_name;
        char *sub = NULL;
        if (cv_is_ok(r) && e[0] != '.' && asprintf(&sub, "%s/%s", dir, e) < 0) r = CV_FAIL(CV_E_NOMEM);
        struct stat st;
        if (cv_is_ok(r) && sub && stat(sub, &st) == 0) {
            if (S_ISDIR(st.st_mode) && recursive) r = read_path(sub, recursive, depth + 1, docs);
            else if (S_ISREG(st.st_mode) && manifest_name(e)) r = read_docs(sub, docs);
        }
        free(sub);
        free(ents[i]);
    }
    free(ents);
    return r;
}

static cv_result read_path(const char *path, bool recursive, int depth, json_t *docs)
{
    CV_ENSUREF(depth < 64, CV_E_LIMIT, "%s: directories nested too deeply", path);
    struct stat st;
    if (strcmp(path, "-") != 0 && stat(path, &st) == 0 && S_ISDIR(st.st_mode))
        return read_dir(path, recursive, depth, docs);
    if (strcmp(path, "-") != 0 && stat(path, &st) != 0)
        CV_BAILF(CV_E_NOT_FOUND, "the path \"%s\" does not exist", path);
    return read_docs(path, docs);
}

/* --- the command ----------------------------------------------------------- */

typedef struct {
    bool dry_run;
} report_ctx;

static void print_result(void *ctx, const cv_kube_applied *a)
{
    static const char *const words[] = { "created", "configured", "unchanged" };
    const report_ctx *rc = ctx;
    if (!cv_is_ok(a->result)) {
        fprintf(stderr, "%s: error: %s\n", cv_cli_prog, a->detail);
        if (cv_is(a->result, CV_E_KUBE_UNKNOWN_KIND))
            fprintf(stderr, "%s: hint: ensure CRDs are installed first\n", cv_cli_prog);
        return;
    }
    printf("%s %s%s\n", a->display, words[a->outcome], rc->dry_run ? " (server dry run)" : "");
    fflush(stdout);
}

void cv_apply_parse_args(int argc, char **argv, const char *usage_text, apply_flags *f)
{
    memset(f, 0, sizeof *f);
    f->manager = "covert";
    f->dry_run = "none";
    const cv_flag flags[] = {
        { "f", CV_FLAG_LIST, &f->files, 'f' },         { "filename", CV_FLAG_LIST, &f->files, 'f' },
        { "R", CV_FLAG_BOOL, &f->recursive, 0 },       { "recursive", CV_FLAG_BOOL, &f->recursive, 0 },
        { "n", CV_FLAG_STRING, &f->ns, 0 },            { "namespace", CV_FLAG_STRING, &f->ns, 0 },
        { "kubeconfig", CV_FLAG_STRING, &f->kubeconfig, 0 },
        { "context", CV_FLAG_STRING, &f->context, 0 },
        { "as", CV_FLAG_STRING, &f->as_user, 0 },
        { "as-uid", CV_FLAG_STRING, &f->as_uid, 0 },
        { "as-group", CV_FLAG_LIST, &f->as_groups, 'g' },
        { "dry-run", CV_FLAG_STRING, &f->dry_run, 0 },
        { "field-manager", CV_FLAG_STRING, &f->manager, 0 },
        { "force-conflicts", CV_FLAG_BOOL, &f->force, 0 },
        { "server-side", CV_FLAG_BOOL, &f->server_side, 0 },
    };
    char **rest = NULL;
    int nrest = cv_cli_parse_flags(flags, sizeof flags / sizeof flags[0], argc, argv, usage_text,
                                   &rest);
    if (nrest > 0) cv_cli_errorf("unexpected argument \"%s\"", rest[0]);
    if (f->files.n == 0)
        cv_cli_error_hints("must specify one of -f and -k", "covert apply -f FILE|DIR|-", NULL);
    if (strcmp(f->dry_run, "server") != 0 && strcmp(f->dry_run, "none") != 0)
        cv_cli_errorf("invalid --dry-run value \"%s\": covert supports \"server\" and \"none\"",
                      f->dry_run);
}

json_t *cv_apply_load_manifests(const apply_flags *f)
{
    json_t *docs = json_array();
    if (docs == NULL) cv_cli_errorf("out of memory");
    for (size_t i = 0; i < f->files.n; i++) {
        cv_result r = read_path(f->files.v[i], f->recursive, 0, docs);
        if (!cv_is_ok(r)) cv_cli_errorf("%s", cv_cli_msg(r));
    }
    cv_result r = cv_apply_decrypt_sops(docs);
    if (!cv_is_ok(r)) cv_cli_errorf("%s", cv_cli_msg(r));
    return docs;
}

cv_kube *cv_apply_connect(const apply_flags *f)
{
    cv_kube_load_opts lo = { .kubeconfig = f->kubeconfig, .context = f->context,
                             .as_user = f->as_user, .as_uid = f->as_uid,
                             .as_groups = f->as_groups.v, .nas_groups = f->as_groups.n };
    cv_kube *k = NULL;
    cv_result r = cv_kube_open(&lo, &k);
    if (!cv_is_ok(r)) cv_cli_errorf("%s", cv_cli_msg(r));
    return k;
}

int cv_cmd_apply(int argc, char **argv)
{
    apply_flags f;
    cv_cli_prog = "covert";
    cv_apply_parse_args(argc, argv, usage, &f);
    /* Decrypted values may be in memory: no core dumps. */
    (void)cv_harden_process(false);
    json_t *docs = cv_apply_load_manifests(&f);
    /* Held as text until applied: the parsed manifests are freed before
     * the connection and the live objects need memory. */
    cv_result pr = cv_kube_pack(docs);
    if (!cv_is_ok(pr)) cv_cli_errorf("%s", cv_cli_msg(pr));
#ifdef __GLIBC__
    /* The freed trees (wiped) leave whole free pages inside the heap: hand
     * them back, so they do not add to the peak once libcurl is loaded. */
    malloc_trim(0);
#endif
    cv_kube *k = cv_apply_connect(&f);
    report_ctx rc = { .dry_run = strcmp(f.dry_run, "server") == 0 };
    cv_kube_apply_set set = {
        .ssa = { .field_manager = f.manager, .force = f.force, .dry_run = rc.dry_run },
        .namespace = f.ns, .namespace_explicit = f.ns != NULL && f.ns[0] != '\0',
        .report = print_result, .ctx = &rc, .release_objects = true,
    };
    size_t failed = 0;
    cv_result r = cv_kube_apply_objects(k, docs, &set, &failed);
    cv_kube_free(&k);
    json_decref(docs);
    cv_strlist_free(&f.files);
    cv_strlist_free(&f.as_groups);
    if (!cv_is_ok(r)) cv_cli_errorf("%s", cv_cli_msg(r));
    return failed ? 1 : 0;
}
