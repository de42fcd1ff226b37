/* kubeconfig loading and merging (client-go's clientcmd rules), in-cluster
 * configuration, exec plugin output, the YAML reader's scalar resolution
 * (go-yaml v2's table), API Status errors and discovery documents captured
 * from a real kube-apiserver (testvectors/kube, tests/gen/gen_kube_vectors.sh). */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "reconcile/kube/config.h"
#include "reconcile/kube/discovery.h"
#include "reconcile/kube/exec.h"
#include "reconcile/kube/status.h"
#include "reconcile/kube/yamljson.h"
#include "secrets/http/http.h"
#include "secrets/runtime/init.h"
#include "tests/lib/vectors.h"

static char tmp[64];

static void setup(void)
{
    cr_assert(cv_is_ok(cv_secrets_init()));
    snprintf(tmp, sizeof tmp, "/tmp/covert-kc-XXXXXX");
    cr_assert_not_null(mkdtemp(tmp));
}

static void teardown(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
    cr_assert_eq(system(cmd), 0);
}

static void write_file(const char *rel, const char *text)
{
    char p[256];
    snprintf(p, sizeof p, "%s/%s", tmp, rel);
    for (char *s = p + strlen(tmp) + 1; (s = strchr(s, '/')) != NULL; s++) {
        *s = '\0';
        mkdir(p, 0700);
        *s = '/';
    }
    FILE *f = fopen(p, "w");
    cr_assert_not_null(f);
    fputs(text, f);
    fclose(f);
}

static json_t *yaml1(const char *text)
{
    json_t *docs = NULL;
    cr_assert(cv_is_ok(cv_kube_yaml_docs(cv_slice_str(text), "t", &docs)), "%s", cv_err_detail());
    json_t *d = json_incref(json_array_get(docs, 0));
    json_decref(docs);
    return d;
}

/* base64 of "CA PEM\n", "CERT\n", "KEY\n" */
#define CA_B64 "Q0EgUEVNCg=="
#define CERT_B64 "Q0VSVAo="
#define KEY_B64 "S0VZCg=="

static cv_result load_env(const char *env, const char *ctx, cv_kube_config *c)
{
    cv_kube_load_opts o = { .env_kubeconfig = env, .context = ctx, .no_in_cluster = true };
    cv_kube_config_init(c);
    return cv_kube_config_load(&o, c);
}

TestSuite(kubeconfig, .init = setup, .fini = teardown);

Test(kubeconfig, first_file_wins_per_name_and_for_current_context)
{
    write_file("a/config", "clusters:\n- name: c\n  cluster: {server: 'https://a.example:6443/'}\n"
                           "contexts:\n- name: x\n  context: {cluster: c, user: u, namespace: team}\n");
    write_file("b/config", "clusters:\n- name: c\n  cluster: {server: https://b.example}\n"
                           "users:\n- name: u\n  user: {token: tok-b}\n"
                           "- name: u2\n  user: {token: other}\n"
                           "contexts:\n- name: x\n  context: {cluster: c, user: u2}\n"
                           "current-context: x\n");
    write_file("c/config", "current-context: later\n");
    char env[512];
    snprintf(env, sizeof env, "%s/missing:%s/a/config:%s/b/config:%s/a/config:%s/c/config", tmp,
             tmp, tmp, tmp, tmp);
    cv_kube_config c;
    cr_assert(cv_is_ok(load_env(env, NULL, &c)), "%s", cv_err_detail());
    cr_assert_str_eq(c.server, "https://a.example:6443");
    cr_assert_str_eq(c.user_name, "u");
    cr_assert_str_eq(c.namespace, "team");
    cr_assert_eq(c.token->len, 5);
    cr_assert_eq(memcmp(c.token->data, "tok-b", 5), 0);
    cv_kube_config_clear(&c);
}

Test(kubeconfig, relative_paths_resolve_against_their_file)
{
    write_file("d/sub/ca.pem", "CA FROM FILE\n");
    write_file("d/sub/tok", "  file-token\n\n");
    write_file("d/sub/c.pem", "CERT FILE\n");
    write_file("d/sub/k.pem", "KEY FILE\n");
    write_file("d/kc", "clusters:\n- name: c\n  cluster: {server: https://h, certificate-authority: sub/ca.pem}\n"
                       "users:\n- name: u\n  user: {tokenFile: ./sub/tok, client-certificate: sub/../sub/c.pem, client-key: sub/k.pem}\n"
                       "contexts:\n- name: x\n  context: {cluster: c, user: u}\ncurrent-context: x\n");
    char env[256];
    snprintf(env, sizeof env, "%s/d/kc", tmp);
    cv_kube_config c;
    char cwd[512];
    cr_assert_not_null(getcwd(cwd, sizeof cwd));
    cr_assert_eq(chdir("/"), 0);
    cv_result r = load_env(env, NULL, &c);
    cr_assert_eq(chdir(cwd), 0);
    cr_assert(cv_is_ok(r), "%s", cv_err_detail());
    cr_assert_eq(c.ca_pem.len, 13);
    cr_assert_eq(memcmp(c.ca_pem.p, "CA FROM FILE\n", 13), 0);
    cr_assert_eq(c.token->len, 10, "tokenFile content is trimmed");
    cr_assert_eq(memcmp(c.token->data, "file-token", 10), 0);
    char want[256];
    snprintf(want, sizeof want, "%s/d/sub/tok", tmp);
    cr_assert_str_eq(c.token_file, want);
    snprintf(want, sizeof want, "%s/d/sub/c.pem", tmp);
    cr_assert_str_eq(c.cert_file, want);
    cr_assert_eq(c.key_pem->len, 9);
    cv_kube_config_clear(&c);
}

Test(kubeconfig, merge_keeps_whole_first_entry)
{
    json_t *a = yaml1("users:\n- name: u\n  user: {token: t1}\n");
    json_t *b = yaml1("users:\n- name: u\n  user: {token: t2, username: extra}\n- name: v\n  user: {}\n");
    json_t *files[3] = { a, NULL, b };
    const char *dirs[3] = { "/a", NULL, "/b" };
    json_t *m = NULL;
    cr_assert(cv_is_ok(cv_kube_config_merge(files, dirs, 3, &m)));
    json_t *users = json_object_get(m, "users");
    cr_assert_eq(json_array_size(users), 2);
    json_t *u = json_object_get(json_array_get(users, 0), "user");
    cr_assert_str_eq(json_string_value(json_object_get(u, "token")), "t1");
    cr_assert_null(json_object_get(u, "username"), "no field-level merging");
    json_decref(m);
    json_decref(a);
    json_decref(b);
}

Test(kubeconfig, exec_command_resolved_only_with_a_slash)
{
    json_t *f = yaml1("users:\n- name: p\n  user:\n    exec: {command: plugin}\n"
                      "- name: q\n  user:\n    exec: {command: bin/../plugin}\n");
    json_t *files[1] = { f };
    const char *dirs[1] = { "/cfg/dir" };
    json_t *m = NULL;
    cr_assert(cv_is_ok(cv_kube_config_merge(files, dirs, 1, &m)));
    json_t *users = json_object_get(m, "users");
    const char *p = json_string_value(json_object_get(
        json_object_get(json_object_get(json_array_get(users, 0), "user"), "exec"), "command"));
    const char *q = json_string_value(json_object_get(
        json_object_get(json_object_get(json_array_get(users, 1), "user"), "exec"), "command"));
    cr_assert_str_eq(p, "plugin");
    cr_assert_str_eq(q, "/cfg/dir/plugin");
    json_decref(m);
    json_decref(f);
}

static cv_result resolve_text(const char *text, const char *ctx, cv_kube_config *c)
{
    json_t *f = yaml1(text);
    json_t *files[1] = { f };
    json_t *m = NULL;
    cv_result r = cv_kube_config_merge(files, NULL, 1, &m);
    cv_kube_config_init(c);
    if (cv_is_ok(r)) r = cv_kube_config_resolve(m, ctx, c);
    json_decref(m);
    json_decref(f);
    return r;
}

#define CL "clusters:\n- name: c\n  cluster: {server: https://h, certificate-authority-data: " CA_B64 "}\n"
#define CTX "contexts:\n- name: x\n  context: {cluster: c, user: u}\ncurrent-context: x\n"

Test(kubeconfig, data_fields_and_token_precedence)
{
    cv_kube_config c;
    cr_assert(cv_is_ok(resolve_text(CL "users:\n- name: u\n  user: {token: inline, tokenFile: /nonexistent, "
                                        "client-certificate-data: " CERT_B64 ", client-key-data: " KEY_B64 "}\n" CTX,
                                     NULL, &c)),
              "%s", cv_err_detail());
    cr_assert_eq(c.ca_pem.len, 7);
    cr_assert_eq(memcmp(c.ca_pem.p, "CA PEM\n", 7), 0);
    cr_assert_eq(memcmp(c.token->data, "inline", 6), 0, "token beats tokenFile");
    cr_assert_eq(c.cert_pem.len, 5);
    cr_assert_eq(memcmp(c.key_pem->data, "KEY\n", 4), 0);
    cv_kube_config_clear(&c);
}

static void expect_config_error(const char *text, const char *ctx, const char *needle)
{
    cv_kube_config c;
    cv_result r = resolve_text(text, ctx, &c);
    cr_assert(cv_is(r, CV_E_KUBE_CONFIG), "want CV_E_KUBE_CONFIG for %s, got %d", needle, r.err);
    cr_assert_not_null(strstr(cv_err_detail(), needle), "detail: %s", cv_err_detail());
    cv_kube_config_clear(&c);
}

Test(kubeconfig, validation_errors_as_client_go_words_them)
{
    expect_config_error(CL "users:\n- name: u\n  user: {}\n" CTX, "nope",
                        "context was not found for specified context: nope");
    expect_config_error("users: []\n", NULL, "no configuration has been provided");
    expect_config_error("clusters:\n- name: c\n  cluster: {certificate-authority-data: " CA_B64 "}\n" CTX,
                        NULL, "no server found for cluster \"c\"");
    expect_config_error("clusters:\n- name: c\n  cluster: {server: https://h, insecure-skip-tls-verify: true, "
                        "certificate-authority-data: " CA_B64 "}\n" CTX,
                        NULL, "insecure flag is not allowed");
    expect_config_error(CL "users:\n- name: u\n  user: {client-certificate-data: " CERT_B64 "}\n" CTX, NULL,
                        "client-key-data or client-key must be specified for u");
    expect_config_error(CL "users:\n- name: u\n  user: {token: t, username: a, password: b}\n" CTX, NULL,
                        "more than one authentication method found for u");
    expect_config_error(CL "users:\n- name: u\n  user:\n    exec: {apiVersion: client.authentication.k8s.io/v1, command: p}\n" CTX,
                        NULL, "interactiveMode must be specified for u");
    expect_config_error(CL "contexts:\n- name: x\n  context: {cluster: c, user: ghost}\ncurrent-context: x\n",
                        NULL, "user \"ghost\" was not found for context \"x\"");
    expect_config_error(CL "users:\n- name: u\n  user: {client-certificate-data: '!!notbase64', client-key-data: " KEY_B64 "}\n" CTX,
                        NULL, "client-certificate-data is not valid base64");
}

Test(kubeconfig, exec_defaults_for_v1beta1)
{
    cv_kube_config c;
    cr_assert(cv_is_ok(resolve_text(CL "users:\n- name: u\n  user:\n    exec:\n      apiVersion: client.authentication.k8s.io/v1beta1\n"
                                       "      command: plug\n      args: [a, b]\n      env: [{name: K, value: V}]\n" CTX,
                                    NULL, &c)),
              "%s", cv_err_detail());
    cr_assert_eq(c.exec->interactive, CV_KUBE_INTERACTIVE_IF_AVAILABLE);
    cr_assert_eq(c.exec->nargs, 2);
    cr_assert_str_eq(c.exec->env[0], "K=V");
    cv_kube_config_clear(&c);
}

Test(kubeconfig, explicit_missing_file_is_an_error)
{
    cv_kube_load_opts o = { .kubeconfig = "/nonexistent/kubeconfig", .no_in_cluster = true };
    cv_kube_config c;
    cv_kube_config_init(&c);
    cr_assert(cv_is(cv_kube_config_load(&o, &c), CV_E_NOT_FOUND));
}

Test(kubeconfig, in_cluster)
{
    write_file("sa/token", "sa-token\n");
    write_file("sa/ca.crt", "CA\n");
    write_file("sa/namespace", "apps\n");
    char dir[128];
    snprintf(dir, sizeof dir, "%s/sa", tmp);
    setenv("KUBERNETES_SERVICE_HOST", "fd00::1", 1);
    setenv("KUBERNETES_SERVICE_PORT", "443", 1);
    unsetenv("POD_NAMESPACE");
    cv_kube_config c;
    cv_kube_config_init(&c);
    cr_assert(cv_is_ok(cv_kube_config_in_cluster(dir, &c)), "%s", cv_err_detail());
    cr_assert_str_eq(c.server, "https://[fd00::1]:443");
    cr_assert_str_eq(c.namespace, "apps");
    cr_assert_eq(c.token->len, 8);
    cr_assert(c.in_cluster);
    cv_kube_config_clear(&c);
    unsetenv("KUBERNETES_SERVICE_HOST");
    cr_assert(cv_is(cv_kube_config_in_cluster(dir, &c), CV_E_KUBE_CONFIG));
    unsetenv("KUBERNETES_SERVICE_PORT");
}
