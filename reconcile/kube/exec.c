#include "reconcile/kube/exec.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <poll.h>
#include <spawn.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "crypto/base/enc.h"
#include "crypto/base/limits.h"

extern char **environ;

void cv_kube_exec_cred_init(cv_kube_exec_cred *c)
{
    memset(c, 0, sizeof *c);
    cv_buf_init(&c->cert_pem, CV_KUBE_MAX_EXEC_OUTPUT);
}

void cv_kube_exec_cred_clear(cv_kube_exec_cred *c)
{
    if (c == NULL) return;
    cv_secret_free(&c->token);
    cv_buf_release(&c->cert_pem);
    cv_secret_free(&c->key_pem);
    cv_kube_exec_cred_init(c);
}

/* --- time ------------------------------------------------------------------ */

static bool digits(const char *s, size_t n, int *out)
{
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

cv_result cv_kube_parse_time(const char *s, time_t *out)
{
    size_t n = strlen(s);
    struct tm tm = { 0 };
    int y, mo, d, h, mi, se;
    CV_ENSURE(n >= 20 && s[4] == '-' && s[7] == '-' && (s[10] == 'T' || s[10] == 't') &&
                  s[13] == ':' && s[16] == ':',
              CV_E_SYNTAX);
    CV_ENSURE(digits(s, 4, &y) && digits(s + 5, 2, &mo) && digits(s + 8, 2, &d) &&
                  digits(s + 11, 2, &h) && digits(s + 14, 2, &mi) && digits(s + 17, 2, &se),
              CV_E_SYNTAX);
    CV_ENSURE(mo >= 1 && mo <= 12 && d >= 1 && d <= 31 && h < 24 && mi < 60 && se < 61,
              CV_E_SYNTAX);
    size_t i = 19;
    if (s[i] == '.') {
        size_t f = ++i;
        while (i < n && s[i] >= '0' && s[i] <= '9') i++;
        CV_ENSURE(i > f && i - f <= 9, CV_E_SYNTAX);
    }
    long off = 0;
    if (i < n && (s[i] == 'Z' || s[i] == 'z') && i + 1 == n) {
        off = 0;
    } else {
        int oh, om;
        CV_ENSURE(n - i == 6 && (s[i] == '+' || s[i] == '-') && s[i + 3] == ':' &&
                      digits(s + i + 1, 2, &oh) && digits(s + i + 4, 2, &om) && oh < 24 && om < 60,
                  CV_E_SYNTAX);
        off = (oh * 3600L + om * 60L) * (s[i] == '-' ? -1 : 1);
    }
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = se;
    *out = timegm(&tm) - off;
    return cv_ok();
}

/* --- output ---------------------------------------------------------------- */

static cv_result pem_secret(const json_t *status, const char *key, cv_secret **out)
{
    const char *s = json_string_value(json_object_get(status, key));
    return cv_secret_dup(out, s, strlen(s));
}

static cv_result parse_status(const json_t *st, cv_kube_exec_cred *c)
{
    CV_ENSUREF(json_is_object(st), CV_E_KUBE_EXEC, "exec plugin didn't return a status field");
    const char *tok = json_string_value(json_object_get(st, "token"));
    const char *crt = json_string_value(json_object_get(st, "clientCertificateData"));
    const char *key = json_string_value(json_object_get(st, "clientKeyData"));
    bool has_tok = tok && tok[0], has_crt = crt && crt[0], has_key = key && key[0];
    CV_ENSUREF(has_tok || has_crt || has_key, CV_E_KUBE_EXEC,
               "exec plugin didn't return a token or cert/key pair");
    CV_ENSUREF(has_crt == has_key, CV_E_KUBE_EXEC,
               "exec plugin returned only certificate or key, not both");
    if (has_tok) CV_GUARD(cv_secret_dup(&c->token, tok, strlen(tok)));
    if (has_crt) {
        CV_GUARD(cv_buf_add_str(&c->cert_pem, crt));
        CV_GUARD(pem_secret(st, "clientKeyData", &c->key_pem));
    }
    const char *exp = json_string_value(json_object_get(st, "expirationTimestamp"));
    if (exp && exp[0] && !cv_is_ok(cv_kube_parse_time(exp, &c->expiry)))
        CV_BAILF(CV_E_KUBE_EXEC, "exec plugin returned an invalid expirationTimestamp");
    return cv_ok();
}

cv_result cv_kube_exec_parse(cv_slice out, const char *api_version, cv_kube_exec_cred *c)
{
    json_error_t jerr;
    json_t *doc = json_loadb((const char *)out.p, out.len, JSON_REJECT_DUPLICATES, &jerr);
    CV_ENSUREF(doc != NULL, CV_E_KUBE_EXEC, "decoding stdout: line %d: %s", jerr.line, jerr.text);
    cv_result r = cv_ok();
    const char *kind = json_string_value(json_object_get(doc, "kind"));
    const char *ver = json_string_value(json_object_get(doc, "apiVersion"));
    if (!json_is_object(doc) || kind == NULL || strcmp(kind, "ExecCredential") != 0)
        r = CV_FAILF(CV_E_KUBE_EXEC, "decoding stdout: not an ExecCredential");
    else if (ver == NULL || strcmp(ver, api_version) != 0)
        r = CV_FAILF(CV_E_KUBE_EXEC,
                     "exec plugin is configured to use API version %s, plugin returned version %s",
                     api_version, ver ? ver : "");
    else
        r = parse_status(json_object_get(doc, "status"), c);
    json_decref(doc);
    if (!cv_is_ok(r)) cv_kube_exec_cred_clear(c);
    return r;
}

/* --- running --------------------------------------------------------------- */

static cv_result exec_info(const cv_kube_config *cfg, bool interactive, char **out)
{
    const cv_kube_exec *e = cfg->exec;
    json_t *spec = json_pack("{s:b}", "interactive", interactive);
    CV_ENSURE(spec != NULL, CV_E_NOMEM);
    if (e->provide_cluster_info) {
        cv_buf ca;
        cv_buf_init(&ca, CV_KUBE_MAX_CONFIG * 2);
        cv_result r = cv_b64_encode_buf(&ca, cfg->ca_pem.p, cfg->ca_pem.len, true);
        if (cv_is_ok(r)) r = cv_buf_nul(&ca);
        json_t *cl = cv_is_ok(r) ? json_pack("{s:s,s:b}", "server", cfg->server,
                                             "insecure-skip-tls-verify", cfg->insecure)
                                 : NULL;
        if (cl && ca.len) json_object_set_new(cl, "certificate-authority-data",
                                              json_string((const char *)ca.p));
        if (cl && cfg->tls_server_name)
            json_object_set_new(cl, "tls-server-name", json_string(cfg->tls_server_name));
        if (cl && cfg->proxy_url) json_object_set_new(cl, "proxy-url", json_string(cfg->proxy_url));
        cv_buf_release(&ca);
        if (cl == NULL || json_object_set_new(spec, "cluster", cl) != 0) {
            json_decref(spec);
            CV_BAIL(cv_is_ok(r) ? CV_E_NOMEM : r.err);
        }
    }
    json_t *cred = json_pack("{s:s,s:s,s:o}", "kind", "ExecCredential", "apiVersion",
                             e->api_version, "spec", spec);
    CV_ENSURE(cred != NULL, CV_E_NOMEM);
    char *txt = json_dumps(cred, JSON_COMPACT);
    json_decref(cred);
    CV_ENSURE(txt != NULL, CV_E_NOMEM);
    int n = asprintf(out, "KUBERNETES_EXEC_INFO=%s", txt);
    cv_wipe_free(txt);
    CV_ENSURE(n >= 0, CV_E_NOMEM);
    return cv_ok();
}

static bool overridden(const char *var, const cv_kube_exec *e)
{
    size_t n = strcspn(var, "=");
    if (n == strlen("KUBERNETES_EXEC_INFO") && memcmp(var, "KUBERNETES_EXEC_INFO", n) == 0)
        return true;
    for (size_t i = 0; i < e->nenv; i++)
        if (strncmp(e->env[i], var, n) == 0 && e->env[i][n] == '=') return true;
    return false;
}

/* The child's environment: ours, the configured variables, the exec info
 * (later definitions replace earlier ones, as Go's os/exec does). Shares
 * the strings; free only the array. */
static cv_result child_env(const cv_kube_exec *e, char *info, char ***out)
{
    size_t n = 0;
    while (environ && environ[n]) n++;
    char **env;
    CV_GUARD(cv_alloc_array((void **)&env, n + e->nenv + 2, sizeof(char *)));
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (!overridden(environ[i], e)) env[k++] = environ[i];
    for (size_t i = 0; i < e->nenv; i++) env[k++] = e->env[i];
    env[k++] = info;
    env[k] = NULL;
    *out = env;
    return cv_ok();
}

static cv_result interactive_now(const cv_kube_exec *e, bool *out)
{
    bool tty = isatty(STDIN_FILENO) == 1;
    *out = e->interactive != CV_KUBE_INTERACTIVE_NEVER && tty;
    CV_ENSUREF(e->interactive != CV_KUBE_INTERACTIVE_ALWAYS || tty, CV_E_KUBE_EXEC,
               "exec plugin cannot support interactive mode: standard input is not a terminal");
    return cv_ok();
}

static cv_result spawn(const cv_kube_exec *e, char **env, bool interactive, int out_fd, pid_t *pid)
{
    posix_spawn_file_actions_t fa;
    CV_ENSURE(posix_spawn_file_actions_init(&fa) == 0, CV_E_NOMEM);
    posix_spawn_file_actions_adddup2(&fa, out_fd, STDOUT_FILENO);
    if (!interactive)
        posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    char **argv;
    cv_result r = cv_alloc_array((void **)&argv, e->nargs + 2, sizeof(char *));
    if (cv_is_ok(r)) {
        argv[0] = e->command;
        for (size_t i = 0; i < e->nargs; i++) argv[i + 1] = e->args[i];
        argv[e->nargs + 1] = NULL;
        int rc = posix_spawnp(pid, e->command, &fa, NULL, argv, env);
        if (rc == ENOENT)
            r = CV_FAILF(CV_E_KUBE_EXEC, "exec: executable %s not found%s%s", e->command,
                         e->install_hint ? "\n\n" : "", e->install_hint ? e->install_hint : "");
        else if (rc != 0)
            r = CV_FAILF(CV_E_KUBE_EXEC, "exec: %s: %s", e->command, strerror(rc));
        free(argv);
    }
    posix_spawn_file_actions_destroy(&fa);
    return r;
}

/* Read the child's stdout to EOF into b; past the cap, keep draining so
 * the child is not blocked, and report the overflow. */
static cv_result drain(int fd, cv_buf *b)
{
    uint8_t chunk[4096];
    bool toobig = false;
    for (;;) {
        ssize_t n = read(fd, chunk, sizeof chunk);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        if (!toobig && !cv_is_ok(cv_buf_add(b, chunk, (size_t)n))) toobig = true;
    }
    cv_wipe(chunk, sizeof chunk);
    CV_ENSUREF(!toobig, CV_E_KUBE_EXEC, "exec plugin output larger than %u bytes",
               CV_KUBE_MAX_EXEC_OUTPUT);
    return cv_ok();
}

static cv_result wait_child(pid_t pid, const char *cmd)
{
    int status;
    while (waitpid(pid, &status, 0) < 0)
        CV_ENSUREF(errno == EINTR, CV_E_KUBE_EXEC, "exec: waiting for %s: %s", cmd, strerror(errno));
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return cv_ok();
    CV_BAILF(CV_E_KUBE_EXEC, "exec: executable %s failed with exit code %d", cmd,
             WIFEXITED(status) ? WEXITSTATUS(status) : -1);
}

static cv_result run_plugin(const cv_kube_config *cfg, cv_buf *out)
{
    bool interactive;
    CV_GUARD(interactive_now(cfg->exec, &interactive));
    char *info = NULL, **env = NULL;
    CV_GUARD(exec_info(cfg, interactive, &info));
    cv_result r = child_env(cfg->exec, info, &env);
    int p[2] = { -1, -1 };
    if (cv_is_ok(r) && pipe2(p, O_CLOEXEC) != 0) r = CV_FAILF(CV_E_KUBE_EXEC, "pipe: %s", strerror(errno));
    pid_t pid = -1;
    if (cv_is_ok(r)) r = spawn(cfg->exec, env, interactive, p[1], &pid);
    if (p[1] >= 0) close(p[1]);
    if (cv_is_ok(r)) {
        cv_result d = drain(p[0], out);
        r = wait_child(pid, cfg->exec->command);
        if (cv_is_ok(r)) r = d;
    }
    if (p[0] >= 0) close(p[0]);
    free(env);
    free(info);
    return r;
}

cv_result cv_kube_exec_run(const cv_kube_config *cfg, cv_kube_exec_cred *out)
{
    CV_ENSURE(cfg->exec != NULL, CV_E_INVALID_ARG);
    cv_buf buf;
    cv_buf_init_secret(&buf, CV_KUBE_MAX_EXEC_OUTPUT);
    cv_result r = run_plugin(cfg, &buf);
    if (cv_is_ok(r)) r = cv_kube_exec_parse(cv_buf_slice(&buf), cfg->exec->api_version, out);
    cv_buf_release(&buf);
    return r;
}
