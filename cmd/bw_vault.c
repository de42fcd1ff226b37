/* `covert bw vault`: read a Password Manager vault through `bw serve`, with
 * the output of the `bw` CLI itself (bw get/list/sync/status): values raw,
 * objects as compact JSON, a newline only on a terminal, errors (bw's own
 * message) on stderr with exit status 1. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/commands.h"
#include "crypto/base/limits.h"
#include "secrets/bitwarden/vault.h"

static const char vault_usage[] =
    "Usage: covert bw vault [--serve-url URL] <COMMAND>\n"
    "\n"
    "Read a Bitwarden vault through a running `bw serve` (the Vault Management API).\n"
    "\n"
    "Commands:\n"
    "  get item ID                   the item JSON as bw serve returns it\n"
    "  get username|password|totp|notes|uri ID\n"
    "                                one value (totp: the current code, from bw)\n"
    "  get field NAME ID             the first custom field called NAME\n"
    "  list [--search S] [--folderid F] [--collectionid C] [--organizationid O] [--trash]\n"
    "  sync                          POST /sync\n"
    "  status                        the CLI's status object\n"
    "\n"
    "Options:\n"
    "  --serve-url URL   bw serve base URL [env: BW_SERVE_URL, default "
    CV_BW_SERVE_DEFAULT_URL "]\n"
    "\n"
    "Output is bw's: raw values, compact JSON, a final newline only on a terminal.\n"
    "Exit status: 0 success, 1 failure (bw's message on stderr, e.g. \"Not found.\").";

typedef struct {
    const char *url;
    cv_bw_vault_filter filter;
    const char *pos[4];
    int npos;
} vault_args;

static _Noreturn void vault_usage_error(const char *what, const char *arg)
{
    fprintf(stderr, "error: %s %s\n\n%s\n", what, arg, vault_usage);
    exit(2);
}

static const char **flag_slot(vault_args *a, const char *name)
{
    if (strcmp(name, "--serve-url") == 0) return &a->url;
    if (strcmp(name, "--search") == 0) return &a->filter.search;
    if (strcmp(name, "--folderid") == 0) return &a->filter.folderid;
    if (strcmp(name, "--collectionid") == 0) return &a->filter.collectionid;
    if (strcmp(name, "--organizationid") == 0) return &a->filter.organizationid;
    return NULL;
}

static void parse_vault_args(vault_args *a, int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        char *s = argv[i];
        if (strcmp(s, "-h") == 0 || strcmp(s, "--help") == 0) {
            printf("%s\n", vault_usage);
            exit(0);
        }
        if (strcmp(s, "--trash") == 0) {
            a->filter.trash = true;
            continue;
        }
        if (s[0] == '-' && s[1] == '-') {
            char *eq = strchr(s, '=');
            if (eq) *eq = '\0';
            const char **slot = flag_slot(a, s);
            if (!slot) vault_usage_error("unexpected argument", s);
            if (!eq && i + 1 >= argc) vault_usage_error("a value is required for", s);
            *slot = eq ? eq + 1 : argv[++i];
            continue;
        }
        if (a->npos == 4) vault_usage_error("too many arguments", s);
        a->pos[a->npos++] = s;
    }
}

/* bw's CliUtils.writeLn: a final newline only on a terminal. */
static void write_out(FILE *f, const char *p, size_t n)
{
    if (n > 0) fwrite(p, 1, n, f);
    if (isatty(fileno(f))) fputc('\n', f);
    fflush(f);
}

static int vault_fail(cv_result r)
{
    const char *d = cv_err_detail();
    if (cv_is(r, CV_E_BW_NOT_FOUND)) d = "Not found.";
    if (!d[0]) d = cv_strerror(r.err);
    write_out(stderr, d, strlen(d));
    return 1;
}

static int dump_to_buf(const char *p, size_t n, void *ctx)
{
    return cv_is_ok(cv_buf_add(ctx, p, n)) ? 0 : -1;
}

/* Compact JSON like JSON.stringify (jansson keeps member order), written
 * straight into the (secret) output buffer. */
static cv_result put_json(const json_t *j, cv_buf *out)
{
    CV_ENSUREF(j != NULL, CV_E_BW_RESPONSE, "bw serve reply lacks the expected data");
    int rc = json_dump_callback(j, dump_to_buf, out, JSON_COMPACT | JSON_ENCODE_ANY);
    CV_ENSURE(rc == 0, CV_E_TOO_LARGE);
    return cv_ok();
}

static cv_result get_one(cv_bw_vault *v, const vault_args *a, cv_bw_reply *rep, cv_buf *out)
{
    const char *what = a->pos[1];
    bool field = strcmp(what, "field") == 0;
    if (a->npos != (field ? 4 : 3)) vault_usage_error("wrong number of arguments for get", what);
    const char *id = a->pos[a->npos - 1];
    if (strcmp(what, "totp") == 0) {
        CV_GUARD(cv_bw_vault_totp(v, id, rep));
        return cv_bw_reply_string(rep, out);
    }
    CV_GUARD(cv_bw_vault_item(v, id, rep));
    if (strcmp(what, "item") == 0) return put_json(rep->data, out);
    if (field) return cv_bw_item_field(rep->data, a->pos[2], out);
    if (strcmp(what, "username") && strcmp(what, "password") && strcmp(what, "notes") &&
        strcmp(what, "uri"))
        vault_usage_error("unknown object", what);
    return cv_bw_item_value(rep->data, what, out);
}

static cv_result run(cv_bw_vault *v, const vault_args *a, cv_bw_reply *rep, cv_buf *out)
{
    const char *cmd = a->pos[0];
    if (strcmp(cmd, "get") == 0) {
        if (a->npos < 2) vault_usage_error("get needs an object and an id", "");
        return get_one(v, a, rep, out);
    }
    if (a->npos != 1) vault_usage_error("unexpected argument", a->pos[1]);
    if (strcmp(cmd, "list") == 0) {
        CV_GUARD(cv_bw_vault_list(v, &a->filter, rep));
        return put_json(json_object_get(rep->data, "data"), out);
    }
    if (strcmp(cmd, "sync") == 0) {
        CV_GUARD(cv_bw_vault_sync(v, rep));
        const char *t = json_string_value(json_object_get(rep->data, "title"));
        return cv_buf_add_str(out, t ? t : "");
    }
    if (strcmp(cmd, "status") == 0) {
        CV_GUARD(cv_bw_vault_status(v, rep));
        const json_t *t = json_object_get(rep->data, "template");
        return put_json(t ? t : rep->data, out);
    }
    vault_usage_error("unrecognized subcommand", cmd);
}

int cv_cmd_bw_vault(int argc, char **argv)
{
    vault_args a;
    memset(&a, 0, sizeof(a));
    parse_vault_args(&a, argc, argv);
    if (a.npos == 0) vault_usage_error("a subcommand is required", "");
    if (!a.url) a.url = getenv("BW_SERVE_URL");
    cv_bw_vault *v = NULL;
    cv_result r = cv_bw_vault_new(&v, a.url);
    if (!cv_is_ok(r)) return vault_fail(r);
    cv_bw_reply rep;
    cv_bw_reply_init(&rep);
    cv_buf out;
    cv_buf_init_secret(&out, CV_BW_SERVE_MAX_REPLY);
    r = run(v, &a, &rep, &out);
    int rc = cv_is_ok(r) ? 0 : vault_fail(r);
    if (rc == 0) write_out(stdout, (const char *)out.p, out.len);
    cv_buf_release(&out);
    cv_bw_reply_clear(&rep);
    cv_bw_vault_free(&v);
    return rc;
}
