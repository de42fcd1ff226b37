/* `covert bw`: the Bitwarden Secrets Manager CLI, flag-compatible with
 * Bitwarden's `bws` (crates/bws in bitwarden/sdk-sm): secret and project
 * list/get/create/edit/delete, run, the same global flags, environment
 * variables, output formats and JSON shapes. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cmd/bw_out.h"
#include "cmd/cli.h"
#include "cmd/commands.h"
#include "crypto/base/limits.h"
#include "secrets/bitwarden/sm.h"

static const char usage[] =
    "Usage: covert bw [OPTIONS] <COMMAND>\n"
    "\n"
    "Bitwarden Secrets Manager CLI (flag-compatible with bws).\n"
    "\n"
    "Commands:\n"
    "  secret list [PROJECT_ID]\n"
    "  secret get SECRET_ID\n"
    "  secret create KEY VALUE PROJECT_ID [--note NOTE]\n"
    "  secret edit SECRET_ID [--key K] [--value V] [--note N] [--project-id P]\n"
    "  secret delete SECRET_ID...\n"
    "  project list | get ID | create NAME | edit ID --name NAME | delete ID...\n"
    "  run [--project-id P] [--shell SH] [--no-inherit-env] [--uuids-as-keynames] -- COMMAND...\n"
    "  vault get|list|sync|status ...  a Password Manager vault through `bw serve`\n"
    "                               (covert bw vault --help)\n"
    "\n"
    "Options:\n"
    "  -o, --output <json|yaml|env|table|tsv|none>   output format [default: json]\n"
    "  -t, --access-token <TOKEN>   machine account access token [env: BWS_ACCESS_TOKEN]\n"
    "  -u, --server-url <URL>       server base URL (self-hosted: <URL>/api, <URL>/identity)\n"
    "                               [env: BWS_SERVER_URL]\n"
    "  -c, --color <WHEN>           accepted for compatibility; output is never colored\n"
    "      --api-url <URL>          API URL (overrides --server-url)\n"
    "      --identity-url <URL>     identity URL (overrides --server-url)\n"
    "      --state-file <PATH>      keep the login token in this 0600 file (the SDK's\n"
    "                               format) and reuse it while valid [env: BWS_STATE_FILE]\n"
    "\n"
    "Exit status: 0 success, 1 failure, 2 usage error; run exits with the command's status.";

#define MAX_POS 256

typedef struct {
    const char *output, *token, *server, *api, *identity, *state;
    const char *note, *key, *value, *project_id, *name, *shell;
    const char *color, *config, *profile; /* accepted, not used */
    bool no_inherit, uuids;
    char *pos[MAX_POS];
    int npos;
    char **cmd;
    int ncmd;
    bw_output fmt;
} bw_args;

typedef struct {
    const char *lng;
    char shrt;
    const char **str;
    bool *flag;
} bw_flag;

/* "error: <what> '<arg>'" and the usage, exit 2 (clap's usage errors). */
static _Noreturn void usage_error(const char *what, const char *arg)
{
    fprintf(stderr, "error: %s%s%s%s\n\n%s\n", what, arg[0] ? " '" : "", arg, arg[0] ? "'" : "",
            usage);
    exit(2);
}

static const bw_flag *find_flag(const bw_flag *t, size_t n, const char *name, size_t len, char s)
{
    for (size_t i = 0; i < n; i++) {
        if (s && t[i].shrt == s) return &t[i];
        if (!s && strlen(t[i].lng) == len && strncmp(t[i].lng, name, len) == 0) return &t[i];
    }
    return NULL;
}

/* One option at argv[*i]; consumes its value. */
static void take_flag(const bw_flag *t, size_t n, int argc, char **argv, int *i)
{
    const char *a = argv[*i], *val = NULL;
    const bw_flag *f;
    if (a[1] == '-') {
        const char *eq = strchr(a + 2, '=');
        size_t len = eq ? (size_t)(eq - a - 2) : strlen(a + 2);
        f = find_flag(t, n, a + 2, len, 0);
        if (eq) val = eq + 1;
    } else {
        f = find_flag(t, n, NULL, 0, a[1]);
        if (f && a[2]) val = a + 2;
    }
    if (f == NULL) usage_error("unexpected argument", a);
    if (f->flag) {
        *f->flag = true;
        return;
    }
    if (val == NULL) {
        if (*i + 1 >= argc) usage_error("a value is required but none was supplied for", a);
        val = argv[++*i];
    }
    *f->str = val;
}

static void parse_args(bw_args *a, int argc, char **argv)
{
    const bw_flag t[] = {
        { "output", 'o', &a->output, NULL },     { "access-token", 't', &a->token, NULL },
        { "server-url", 'u', &a->server, NULL }, { "color", 'c', &a->color, NULL },
        { "config-file", 'f', &a->config, NULL }, { "profile", 'p', &a->profile, NULL },
        { "api-url", 0, &a->api, NULL },         { "identity-url", 0, &a->identity, NULL },
        { "state-file", 0, &a->state, NULL },    { "note", 0, &a->note, NULL },
        { "key", 0, &a->key, NULL },             { "value", 0, &a->value, NULL },
        { "project-id", 0, &a->project_id, NULL }, { "name", 0, &a->name, NULL },
        { "shell", 0, &a->shell, NULL },         { "no-inherit-env", 0, NULL, &a->no_inherit },
        { "uuids-as-keynames", 0, NULL, &a->uuids },
    };
    for (int i = 1; i < argc; i++) {
        const char *s = argv[i];
        if (strcmp(s, "-h") == 0 || strcmp(s, "--help") == 0) {
            printf("%s\n", usage);
            exit(0);
        }
        if (strcmp(s, "--") == 0) {
            a->cmd = argv + i + 1;
            a->ncmd = argc - i - 1;
            break;
        }
        if (s[0] == '-' && s[1] != '\0') {
            take_flag(t, sizeof(t) / sizeof(t[0]), argc, argv, &i);
        } else {
            if (a->npos == MAX_POS) usage_error("too many arguments", "");
            a->pos[a->npos++] = argv[i];
        }
    }
}

static int fail(cv_result r)
{
    const char *d = cv_err_detail();
    if (d[0]) fprintf(stderr, "Error: %s: %s\n", cv_strerror(r.err), d);
    else fprintf(stderr, "Error: %s\n", cv_strerror(r.err));
    return 1;
}

static int emit(cv_result r, cv_buf *out)
{
    if (cv_is_ok(r) && out->len) fwrite(out->p, 1, out->len, stdout);
    fflush(stdout);
    cv_buf_release(out);
    return cv_is_ok(r) ? 0 : fail(r);
}

static cv_result open_client(const bw_args *a, cv_bw_client **c)
{
    char api[2048], id[2048];
    cv_bw_settings s = { 0 };
    if (a->server) {
        CV_GUARD(cv_bw_urls_from_server(a->server, api, id, sizeof(api)));
        s.api_url = api;
        s.identity_url = id;
    }
    if (a->api) s.api_url = a->api;
    if (a->identity) s.identity_url = a->identity;
    s.state_file = a->state;
    s.user_agent = "covert-bw/" CV_VERSION;
    CV_GUARD(cv_bw_client_new(c, &s));
    CV_ENSUREF(a->token != NULL, CV_E_BW_TOKEN,
               "Missing access token: use --access-token or BWS_ACCESS_TOKEN");
    cv_result r = cv_bw_login(*c, cv_slice_str(a->token));
    if (!cv_is_ok(r)) cv_bw_client_free(c);
    return r;
}

/* secret list [PROJECT_ID]: identifiers, then one get-by-ids. */
static cv_result list_full(cv_bw_client *c, const char *project, cv_bw_result *out)
{
    cv_bw_result ids;
    CV_GUARD(cv_bw_secrets_list(c, project, &ids));
    const char **v = calloc(ids.nsecrets + 1, sizeof(*v));
    cv_result r = v ? cv_ok() : CV_FAIL(CV_E_NOMEM);
    for (size_t i = 0; cv_is_ok(r) && i < ids.nsecrets; i++) v[i] = ids.secrets[i].id;
    if (cv_is_ok(r) && ids.nsecrets) r = cv_bw_secrets_get_by_ids(c, v, ids.nsecrets, out);
    else if (cv_is_ok(r)) memset(out, 0, sizeof(*out));
    free(v);
    cv_bw_result_clear(&ids);
    return r;
}

static cv_result print_deleted(const cv_bw_result *r, const char *what, const char *whats)
{
    size_t failed = 0;
    for (size_t i = 0; i < r->ndeleted; i++) failed += r->deleted[i].error != NULL;
    size_t ok = r->ndeleted - failed;
    if (ok) printf("%zu %s deleted successfully.\n", ok, ok == 1 ? what : whats);
    if (failed) fprintf(stderr, "%zu %s %s:\n", failed, failed == 1 ? what : whats,
                        failed == 1 ? "had an error" : "had errors");
    for (size_t i = 0; i < r->ndeleted; i++)
        if (r->deleted[i].error) fprintf(stderr, "%s: %s\n", r->deleted[i].id, r->deleted[i].error);
    CV_ENSUREF(failed == 0, CV_E_BW_SERVER, "Errors when attempting to delete %s.", whats);
    return cv_ok();
}

static cv_result secret_edit(cv_bw_client *c, const bw_args *a, cv_bw_result *res)
{
    cv_bw_result old;
    CV_GUARD(cv_bw_secret_get(c, a->pos[2], &old));
    const cv_bw_secret *o = &old.secrets[0];
    const char *proj = a->project_id ? a->project_id : o->project_id[0] ? o->project_id : NULL;
    cv_bw_secret_input in = {
        a->key ? cv_slice_str(a->key) : cv_slice_of(o->key, o->key_len),
        a->value ? cv_slice_str(a->value) : cv_slice_of(o->value, o->value_len),
        a->note ? cv_slice_str(a->note) : cv_slice_of(o->note, o->note_len),
        proj ? &proj : NULL, proj ? 1u : 0u,
        a->value && !cv_slice_eq(cv_slice_str(a->value), cv_slice_of(o->value, o->value_len)),
    };
    cv_result r = cv_bw_secret_update(c, a->pos[2], &in, res);
    cv_bw_result_clear(&old);
    return r;
}

static int need(const bw_args *a, int n, const char *what)
{
    if (a->npos < n) usage_error("the following required arguments were not provided:", what);
    return 0;
}

static int cmd_secret(cv_bw_client *c, const bw_args *a)
{
    const char *verb = a->npos > 1 ? a->pos[1] : "";
    cv_bw_result res = { 0 };
    cv_buf out;
    cv_buf_init_secret(&out, CV_BW_MAX_RESPONSE);
    cv_result r;
    bool list = false;
    if (strcmp(verb, "list") == 0) {
        r = list_full(c, a->npos > 2 ? a->pos[2] : NULL, &res);
        list = true;
    } else if (strcmp(verb, "get") == 0 && !need(a, 3, "<SECRET_ID>")) {
        r = cv_bw_secret_get(c, a->pos[2], &res);
    } else if (strcmp(verb, "create") == 0 && !need(a, 5, "<KEY> <VALUE> <PROJECT_ID>")) {
        const char *p = a->pos[4];
        cv_bw_secret_input in = { cv_slice_str(a->pos[2]), cv_slice_str(a->pos[3]),
                                  cv_slice_str(a->note ? a->note : ""), &p, 1, false };
        r = cv_bw_secret_create(c, &in, &res);
    } else if (strcmp(verb, "edit") == 0 && !need(a, 3, "<SECRET_ID>")) {
        if (!a->key && !a->value && !a->note && !a->project_id)
            usage_error("one of --key, --value, --note, --project-id is required", "");
        r = secret_edit(c, a, &res);
    } else if (strcmp(verb, "delete") == 0 && !need(a, 3, "<SECRET_IDS>...")) {
        r = cv_bw_secrets_delete(c, (const char *const *)a->pos + 2, (size_t)a->npos - 2, &res);
        if (cv_is_ok(r)) r = print_deleted(&res, "secret", "secrets");
        cv_bw_result_clear(&res);
        return emit(r, &out);
    } else {
        usage_error("unrecognized subcommand", verb);
    }
    if (cv_is_ok(r)) r = cv_bw_out_secrets(a->fmt, res.secrets, res.nsecrets, list, &out);
    cv_bw_result_clear(&res);
    return emit(r, &out);
}

static int cmd_project(cv_bw_client *c, const bw_args *a)
{
    const char *verb = a->npos > 1 ? a->pos[1] : "";
    cv_bw_result res = { 0 };
    cv_buf out;
    cv_buf_init_secret(&out, CV_BW_MAX_RESPONSE);
    cv_result r;
    bool list = false;
    if (strcmp(verb, "list") == 0) {
        r = cv_bw_projects_list(c, &res);
        list = true;
    } else if (strcmp(verb, "get") == 0 && !need(a, 3, "<PROJECT_ID>")) {
        r = cv_bw_project_get(c, a->pos[2], &res);
    } else if (strcmp(verb, "create") == 0 && !need(a, 3, "<NAME>")) {
        r = cv_bw_project_create(c, cv_slice_str(a->pos[2]), &res);
    } else if (strcmp(verb, "edit") == 0 && !need(a, 3, "<PROJECT_ID>")) {
        if (!a->name) usage_error("the following required arguments were not provided:", "--name <NAME>");
        r = cv_bw_project_update(c, a->pos[2], cv_slice_str(a->name), &res);
    } else if (strcmp(verb, "delete") == 0 && !need(a, 3, "<PROJECT_IDS>...")) {
        r = cv_bw_projects_delete(c, (const char *const *)a->pos + 2, (size_t)a->npos - 2, &res);
        if (cv_is_ok(r)) r = print_deleted(&res, "project", "projects");
        cv_bw_result_clear(&res);
        return emit(r, &out);
    } else {
        usage_error("unrecognized subcommand", verb);
    }
    if (cv_is_ok(r)) r = cv_bw_out_projects(a->fmt, res.projects, res.nprojects, list, &out);
    cv_bw_result_clear(&res);
    return emit(r, &out);
}

/* "_" + the UUID with '-' replaced, as bws's uuid_to_posix. */
static void uuid_posix(const char *id, char out[CV_UUID_STR + 1])
{
    out[0] = '_';
    for (size_t i = 0; i <= strlen(id); i++) out[i + 1] = id[i] == '-' ? '_' : id[i];
}

/* NAME=value strings for the child, in wiping memory. */
static cv_result build_env(const bw_args *a, const cv_bw_result *s, char ***envp, size_t *nenv)
{
    size_t base = 0;
    extern char **environ;
    if (!a->no_inherit)
        for (char **e = environ; *e; e++) base++;
    char **v = cv_wipe_calloc(base + s->nsecrets + 2, sizeof(char *));
    CV_ENSURE(v != NULL, CV_E_NOMEM);
    size_t n = 0;
    if (a->no_inherit) {
        const char *path = getenv("PATH");
        cv_buf p;
        cv_buf_init(&p, 1 << 20);
        if (cv_is_ok(cv_buf_addf(&p, "PATH=%s", path ? path : "/bin:/usr/bin")) && cv_is_ok(cv_buf_nul(&p)))
            v[n++] = cv_wipe_strdup((const char *)p.p);
        cv_buf_release(&p);
    } else {
        for (char **e = environ; *e; e++) v[n++] = cv_wipe_strdup(*e);
    }
    for (size_t i = 0; i < s->nsecrets; i++) {
        const cv_bw_secret *x = &s->secrets[i];
        char posix[CV_UUID_STR + 1];
        uuid_posix(x->id, posix);
        const char *name = a->uuids ? posix : x->key;
        size_t nl = strlen(name);
        if (!cv_bw_posix_name(name, nl))
            fprintf(stderr, "Warning: secret '%s' does not have a POSIX-compliant name\n", name);
        char *kv = cv_wipe_malloc(nl + x->value_len + 2);
        CV_ENSURE(kv != NULL, CV_E_NOMEM);
        memcpy(kv, name, nl);
        kv[nl] = '=';
        memcpy(kv + nl + 1, x->value, x->value_len);
        kv[nl + 1 + x->value_len] = '\0';
        v[n++] = kv;
    }
    *envp = v;
    *nenv = n;
    return cv_ok();
}

static void free_env(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++) cv_wipe_free(v[i]);
    cv_wipe_free(v);
}

static cv_result check_duplicates(const cv_bw_result *s)
{
    for (size_t i = 0; i < s->nsecrets; i++)
        for (size_t j = i + 1; j < s->nsecrets; j++)
            CV_ENSUREF(!cv_slice_eq(cv_slice_of(s->secrets[i].key, s->secrets[i].key_len),
                                    cv_slice_of(s->secrets[j].key, s->secrets[j].key_len)),
                       CV_E_BW_AMBIGUOUS,
                       "Multiple secrets with name: '%s'. Use --uuids-as-keynames or use unique "
                       "names for secrets", s->secrets[i].key);
    return cv_ok();
}

/* The command line for `sh -c`: the words joined by spaces, or stdin. */
static char *user_command(const bw_args *a)
{
    cv_buf b;
    cv_buf_init(&b, 1 << 20);
    if (a->ncmd == 0 && a->npos <= 1) {
        if (isatty(0)) return NULL;
        uint8_t chunk[4096];
        ssize_t got;
        while ((got = read(0, chunk, sizeof(chunk))) > 0)
            if (!cv_is_ok(cv_buf_add(&b, chunk, (size_t)got))) break;
    }
    for (int i = 1; i < a->npos; i++)
        if (!cv_is_ok(cv_buf_addf(&b, "%s%s", b.len ? " " : "", a->pos[i]))) break;
    for (int i = 0; i < a->ncmd; i++)
        if (!cv_is_ok(cv_buf_addf(&b, "%s%s", b.len ? " " : "", a->cmd[i]))) break;
    if (!cv_is_ok(cv_buf_nul(&b))) {
        cv_buf_release(&b);
        return NULL;
    }
    size_t n;
    return (char *)cv_buf_take(&b, &n);
}

static int cmd_run(cv_bw_client *c, const bw_args *a)
{
    const char *shell = a->shell ? a->shell : "sh";
    char *line = user_command(a);
    if (line == NULL) {
        fprintf(stderr, "Error: No command provided\n");
        return 1;
    }
    cv_bw_result s;
    cv_result r = list_full(c, a->project_id, &s);
    if (cv_is_ok(r) && !a->uuids) r = check_duplicates(&s);
    char **envp = NULL;
    size_t nenv = 0;
    if (cv_is_ok(r)) r = build_env(a, &s, &envp, &nenv);
    cv_bw_result_clear(&s);
    if (!cv_is_ok(r)) {
        free(line);
        return fail(r);
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        char *argv[] = { (char *)(uintptr_t)shell, (char *)(uintptr_t)"-c", line, NULL };
        execvpe(shell, argv, envp);
        fprintf(stderr, "Error: Failed to execute process: %s\n", strerror(errno));
        _exit(127);
    }
    int st = 0;
    while (pid > 0 && waitpid(pid, &st, 0) < 0 && errno == EINTR) {}
    free_env(envp, nenv);
    free(line);
    if (pid < 0) {
        fprintf(stderr, "Error: Failed to execute process: %s\n", strerror(errno));
        return 1;
    }
    return WIFEXITED(st) ? WEXITSTATUS(st) : 1;
}

static bool env_true(const char *name)
{
    const char *v = getenv(name);
    return v && (strcmp(v, "true") == 0 || strcmp(v, "1") == 0);
}

int cv_cmd_bw(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "vault") == 0) return cv_cmd_bw_vault(argc - 1, argv + 1);
    bw_args a;
    memset(&a, 0, sizeof(a));
    parse_args(&a, argc, argv);
    if (a.npos == 0) usage_error("a subcommand is required", "");
    if (!cv_bw_out_parse(a.output ? a.output : "json", &a.fmt))
        usage_error("invalid value for '--output <OUTPUT>':", a.output);
    /* The token is read once and kept out of children's environments. */
    char *env_token = NULL;
    if (a.token == NULL && getenv("BWS_ACCESS_TOKEN")) {
        env_token = cv_wipe_strdup(getenv("BWS_ACCESS_TOKEN"));
        a.token = env_token;
    }
    unsetenv("BWS_ACCESS_TOKEN");
    if (a.server == NULL) a.server = getenv("BWS_SERVER_URL");
    if (a.state == NULL) a.state = getenv("BWS_STATE_FILE");
    a.uuids = a.uuids || env_true("BWS_UUIDS_AS_KEYNAMES");
    const char *what = a.pos[0];
    if (strcmp(what, "secret") && strcmp(what, "project") && strcmp(what, "run"))
        usage_error("unrecognized subcommand", what);
    cv_bw_client *c = NULL;
    cv_result r = open_client(&a, &c);
    if (env_token) cv_wipe_free(env_token);
    if (!cv_is_ok(r)) return fail(r);
    int rc = strcmp(what, "secret") == 0 ? cmd_secret(c, &a)
           : strcmp(what, "project") == 0 ? cmd_project(c, &a) : cmd_run(c, &a);
    cv_bw_client_free(&c);
    return rc;
}
