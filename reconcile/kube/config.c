#include "reconcile/kube/config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crypto/base/enc.h"
#include "crypto/base/io.h"
#include "crypto/base/limits.h"
#include "reconcile/kube/client_int.h"
#include "reconcile/kube/yamljson.h"

#define SA_DIR "/var/run/secrets/kubernetes.io/serviceaccount"

void cv_kube_config_init(cv_kube_config *c)
{
    memset(c, 0, sizeof *c);
    cv_buf_init(&c->ca_pem, CV_KUBE_MAX_CONFIG);
    cv_buf_init(&c->cert_pem, CV_KUBE_MAX_CONFIG);
}

static void free_strv(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++) free(v[i]);
    free(v);
}

static void exec_free(cv_kube_exec *e)
{
    if (e == NULL) return;
    free(e->api_version);
    free(e->command);
    free_strv(e->args, e->nargs);
    for (size_t i = 0; i < e->nenv; i++) cv_wipe_free(e->env[i]);
    free(e->env);
    free(e->install_hint);
    free(e);
}

void cv_kube_config_clear(cv_kube_config *c)
{
    if (c == NULL) return;
    free(c->context);
    free(c->cluster_name);
    free(c->user_name);
    free(c->server);
    cv_buf_release(&c->ca_pem);
    free(c->tls_server_name);
    free(c->proxy_url);
    free(c->namespace);
    cv_secret_free(&c->token);
    free(c->token_file);
    cv_buf_release(&c->cert_pem);
    free(c->cert_file);
    cv_secret_free(&c->key_pem);
    free(c->username);
    cv_secret_free(&c->password);
    exec_free(c->exec);
    free(c->as_user);
    free(c->as_uid);
    free_strv(c->as_groups, c->nas_groups);
    free_strv(c->as_extra_keys, c->nas_extra);
    free_strv(c->as_extra_values, c->nas_extra);
    cv_kube_config_init(c);
}

/* --- files ----------------------------------------------------------------- */

/* Read a whole file into b (capped by b's max). Missing files give
 * CV_E_NOT_FOUND so the loader can skip them. */
static cv_result read_path(const char *path, cv_buf *b)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT) CV_BAILF(CV_E_NOT_FOUND, "%s: no such file", path);
        CV_BAILF(CV_E_IO, "%s: %s", path, strerror(errno));
    }
    cv_fd_src src;
    cv_fd_src_init(&src, fd);
    cv_result r = cv_src_read_all(&src.src, b);
    close(fd);
    if (!cv_is_ok(r)) return CV_FAILF(r.err, "%s: %s", path, cv_strerror(r.err));
    return cv_ok();
}

/* A secret file (token, key) into secret memory, trimmed of surrounding
 * whitespace when asked (tokens). */
static cv_result read_secret_file(const char *path, bool trim, cv_secret **out)
{
    cv_buf b;
    cv_buf_init_secret(&b, CV_KUBE_MAX_CONFIG);
    cv_result r = read_path(path, &b);
    if (cv_is_ok(r)) {
        cv_slice s = trim ? cv_slice_trim(cv_buf_slice(&b)) : cv_buf_slice(&b);
        r = cv_secret_dup(out, s.p, s.len);
    }
    cv_buf_release(&b);
    return r;
}

cv_result cv_kube_read_secret(const char *path, cv_secret **out)
{
    return read_secret_file(path, true, out);
}

static cv_result xstrdup(const char *s, char **out)
{
    *out = strdup(s ? s : "");
    CV_ENSURE(*out != NULL, CV_E_NOMEM);
    return cv_ok();
}

static const char *str_field(const json_t *o, const char *key)
{
    const json_t *v = json_object_get(o, key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

static bool has_str(const json_t *o, const char *key)
{
    const char *s = str_field(o, key);
    return s != NULL && s[0] != '\0';
}

/* Parse one kubeconfig file (empty file: empty object). */
static cv_result parse_file(const char *path, json_t **out)
{
    cv_buf b;
    cv_buf_init_secret(&b, CV_KUBE_MAX_CONFIG);
    cv_result r = read_path(path, &b);
    json_t *docs = NULL;
    if (cv_is_ok(r)) r = cv_kube_yaml_docs(cv_buf_slice(&b), path, &docs);
    cv_buf_release(&b);
    CV_GUARD(r);
    json_t *doc = json_array_get(docs, 0);
    if (doc == NULL) doc = json_object();
    else json_incref(doc);
    json_decref(docs);
    CV_ENSURE(doc != NULL, CV_E_NOMEM);
    if (!json_is_object(doc)) {
        json_decref(doc);
        CV_BAILF(CV_E_KUBE_CONFIG, "%s: not a kubeconfig (expected a mapping)", path);
    }
    *out = doc;
    return cv_ok();
}

/* --- merging --------------------------------------------------------------- */

/* dir + "/" + rel, lexically cleaned as Go's filepath.Join does: "."
 * components dropped, ".." removes the previous one (never above "/"). */
static cv_result join_clean(const char *dir, const char *rel, char **out)
{
    size_t dl = strlen(dir), rl = strlen(rel);
    char *buf = malloc(dl + rl + 3);
    CV_ENSURE(buf != NULL, CV_E_NOMEM);
    size_t n = 0;
    char *src = malloc(dl + rl + 2);
    if (src == NULL) {
        free(buf);
        CV_BAIL(CV_E_NOMEM);
    }
    snprintf(src, dl + rl + 2, "%s/%s", dir, rel);
    for (const char *p = src; *p;) {
        while (*p == '/') p++;
        size_t cl = strcspn(p, "/");
        if (cl == 0) break;
        if (cl == 1 && p[0] == '.') {
        } else if (cl == 2 && p[0] == '.' && p[1] == '.') {
            while (n > 0 && buf[n - 1] != '/') n--;
            if (n > 0) n--;
        } else {
            buf[n++] = '/';
            memcpy(buf + n, p, cl);
            n += cl;
        }
        p += cl;
    }
    if (n == 0) buf[n++] = '/';
    buf[n] = '\0';
    free(src);
    *out = buf;
    return cv_ok();
}

/* Make a relative path in obj[key] absolute against dir. */
static cv_result resolve_path(json_t *obj, const char *key, const char *dir, bool only_with_slash)
{
    const char *p = str_field(obj, key);
    if (p == NULL || p[0] == '\0' || p[0] == '/' || dir == NULL) return cv_ok();
    if (only_with_slash && strchr(p, '/') == NULL) return cv_ok();
    char *joined = NULL;
    CV_GUARD(join_clean(dir, p, &joined));
    int rc = json_object_set_new(obj, key, json_string(joined));
    free(joined);
    CV_ENSURE(rc == 0, CV_E_NOMEM);
    return cv_ok();
}

static cv_result resolve_entry_paths(json_t *entry, const char *list, const char *dir)
{
    if (strcmp(list, "clusters") == 0) {
        json_t *c = json_object_get(entry, "cluster");
        if (json_is_object(c)) CV_GUARD(resolve_path(c, "certificate-authority", dir, false));
    } else if (strcmp(list, "users") == 0) {
        json_t *u = json_object_get(entry, "user");
        if (!json_is_object(u)) return cv_ok();
        CV_GUARD(resolve_path(u, "client-certificate", dir, false));
        CV_GUARD(resolve_path(u, "client-key", dir, false));
        CV_GUARD(resolve_path(u, "tokenFile", dir, false));
        json_t *e = json_object_get(u, "exec");
        if (json_is_object(e)) CV_GUARD(resolve_path(e, "command", dir, true));
    }
    return cv_ok();
}

static bool named_in(const json_t *arr, const char *name)
{
    size_t i;
    json_t *e;
    json_array_foreach(arr, i, e) {
        if (strcmp(str_field(e, "name") ? str_field(e, "name") : "", name) == 0) return true;
    }
    return false;
}

static cv_result merge_list(json_t *dst, const json_t *file, const char *list, const char *dir)
{
    json_t *arr = json_object_get(file, list);
    if (arr == NULL || json_is_null(arr)) return cv_ok();
    CV_ENSUREF(json_is_array(arr), CV_E_KUBE_CONFIG, "%s must be a list", list);
    json_t *out = json_object_get(dst, list);
    size_t i;
    json_t *e;
    json_array_foreach(arr, i, e) {
        CV_ENSUREF(json_is_object(e), CV_E_KUBE_CONFIG, "%s[%zu] must be a mapping", list, i);
        const char *name = str_field(e, "name");
        CV_ENSUREF(name != NULL, CV_E_KUBE_CONFIG, "%s[%zu] has no name", list, i);
        if (named_in(out, name)) continue; /* the first file to define a name wins */
        CV_ENSUREF(json_array_size(out) < CV_KUBE_MAX_ENTRIES, CV_E_LIMIT,
                   "more than %u %s", CV_KUBE_MAX_ENTRIES, list);
        json_t *copy = json_deep_copy(e);
        CV_ENSURE(copy != NULL, CV_E_NOMEM);
        cv_result r = resolve_entry_paths(copy, list, dir);
        if (cv_is_ok(r) && json_array_append_new(out, copy) != 0) r = CV_FAIL(CV_E_NOMEM);
        else if (!cv_is_ok(r)) json_decref(copy);
        CV_GUARD(r);
    }
    return cv_ok();
}

cv_result cv_kube_config_merge(json_t *const *files, const char *const *dirs, size_t n,
                               json_t **out)
{
    static const char *const lists[] = { "clusters", "users", "contexts" };
    json_t *m = json_pack("{s:[],s:[],s:[],s:s}", "clusters", "users", "contexts",
                          "current-context", "");
    CV_ENSURE(m != NULL, CV_E_NOMEM);
    cv_result r = cv_ok();
    for (size_t f = 0; f < n && cv_is_ok(r); f++) {
        if (files[f] == NULL) continue;
        for (size_t l = 0; l < 3 && cv_is_ok(r); l++)
            r = merge_list(m, files[f], lists[l], dirs ? dirs[f] : NULL);
        const char *cur = str_field(files[f], "current-context");
        if (cv_is_ok(r) && cur && cur[0] && !has_str(m, "current-context") &&
            json_object_set_new(m, "current-context", json_string(cur)) != 0)
            r = CV_FAIL(CV_E_NOMEM);
    }
    if (!cv_is_ok(r)) {
        json_decref(m);
        return r;
    }
    *out = m;
    return cv_ok();
}

/* --- resolving a context --------------------------------------------------- */

static const json_t *find_named(const json_t *m, const char *list, const char *name,
                                const char *inner)
{
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(m, list), i, e) {
        const char *n = str_field(e, "name");
        if (n && strcmp(n, name) == 0) {
            const json_t *v = json_object_get(e, inner);
            return json_is_object(v) ? v : json_object_get(m, "__empty__");
        }
    }
    return NULL;
}

/* A base64 *-data field into a buffer (public) or a secret. */
static cv_result b64_field(const json_t *o, const char *key, const char *entry, cv_buf *pub,
                           cv_secret **sec)
{
    const char *s = str_field(o, key);
    size_t n = s ? strlen(s) : 0;
    if (n == 0) return cv_ok();
    size_t max = cv_b64_dec_max(n), got = 0;
    cv_secret *tmp = NULL;
    CV_GUARD(cv_secret_new(&tmp, max ? max : 1));
    cv_result r = cv_b64_decode(tmp->data, &got, cv_slice_of(s, n), true);
    if (!cv_is_ok(r)) r = CV_FAILF(CV_E_KUBE_CONFIG, "%s: %s is not valid base64", entry, key);
    else if (pub) r = cv_buf_add(pub, tmp->data, got);
    else r = cv_secret_dup(sec, tmp->data, got);
    cv_secret_free(&tmp);
    return r;
}

static cv_result resolve_cluster(const json_t *c, const char *name, cv_kube_config *out)
{
    const char *server = str_field(c, "server");
    CV_ENSUREF(server && server[0], CV_E_KUBE_CONFIG, "no server found for cluster \"%s\"", name);
    size_t sl = strlen(server);
    while (sl > 0 && server[sl - 1] == '/') sl--;
    CV_GUARD(cv_strndup(&out->server, server, sl));
    const char *ca_file = str_field(c, "certificate-authority");
    bool ca_data = has_str(c, "certificate-authority-data");
    CV_ENSUREF(!(ca_data && ca_file && ca_file[0]), CV_E_KUBE_CONFIG,
               "certificate-authority-data and certificate-authority are both specified for %s",
               name);
    if (ca_data) CV_GUARD(b64_field(c, "certificate-authority-data", name, &out->ca_pem, NULL));
    else if (ca_file && ca_file[0]) CV_GUARD(read_path(ca_file, &out->ca_pem));
    out->insecure = json_is_true(json_object_get(c, "insecure-skip-tls-verify"));
    CV_ENSUREF(!(out->insecure && out->ca_pem.len > 0), CV_E_KUBE_CONFIG,
               "cluster %s: specifying a root certificates file with the insecure flag is not "
               "allowed", name);
    if (has_str(c, "tls-server-name"))
        CV_GUARD(xstrdup(str_field(c, "tls-server-name"), &out->tls_server_name));
    if (has_str(c, "proxy-url")) CV_GUARD(xstrdup(str_field(c, "proxy-url"), &out->proxy_url));
    return cv_ok();
}

static cv_result string_list(const json_t *arr, const char *what, char ***out, size_t *n)
{
    if (arr == NULL || json_is_null(arr)) return cv_ok();
    CV_ENSUREF(json_is_array(arr), CV_E_KUBE_CONFIG, "%s must be a list", what);
    size_t len = json_array_size(arr);
    CV_ENSUREF(len <= CV_KUBE_MAX_EXEC_ARGS, CV_E_LIMIT, "too many %s", what);
    CV_GUARD(cv_alloc_array((void **)out, len + 1, sizeof(char *)));
    memset(*out, 0, (len + 1) * sizeof(char *));
    for (size_t i = 0; i < len; i++) {
        const json_t *v = json_array_get(arr, i);
        CV_ENSUREF(json_is_string(v), CV_E_KUBE_CONFIG, "%s[%zu] must be a string", what, i);
        CV_GUARD(xstrdup(json_string_value(v), &(*out)[i]));
        *n = i + 1;
    }
    return cv_ok();
}

/* exec env entries ({name, value}) as "NAME=value" in wiping memory: values
 * may be credentials. */
static cv_result exec_env(const json_t *arr, const char *user, cv_kube_exec *e)
{
    if (arr == NULL || json_is_null(arr)) return cv_ok();
    CV_ENSUREF(json_is_array(arr), CV_E_KUBE_CONFIG, "user %s: exec env must be a list", user);
    size_t len = json_array_size(arr);
    CV_ENSUREF(len <= CV_KUBE_MAX_EXEC_ARGS, CV_E_LIMIT, "user %s: too many exec env", user);
    CV_GUARD(cv_alloc_array((void **)&e->env, len + 1, sizeof(char *)));
    memset(e->env, 0, (len + 1) * sizeof(char *));
    for (size_t i = 0; i < len; i++) {
        const json_t *v = json_array_get(arr, i);
        const char *name = str_field(v, "name"), *val = str_field(v, "value");
        CV_ENSUREF(name && name[0] && !strchr(name, '='), CV_E_KUBE_CONFIG,
                   "env variable name must be specified for %s to use exec authentication plugin",
                   user);
        size_t nl = strlen(name), vl = val ? strlen(val) : 0;
        char *s = cv_wipe_malloc(nl + vl + 2);
        CV_ENSURE(s != NULL, CV_E_NOMEM);
        memcpy(s, name, nl);
        s[nl] = '=';
        memcpy(s + nl + 1, val ? val : "", vl);
        s[nl + vl + 1] = '\0';
        e->env[i] = s;
        e->nenv = i + 1;
    }
    return cv_ok();
}

static cv_result interactive_mode(const json_t *x, const char *user, cv_kube_exec *e)
{
    const char *m = str_field(x, "interactiveMode");
    bool old = strcmp(e->api_version, "client.authentication.k8s.io/v1") != 0;
    if ((m == NULL || m[0] == '\0') && old) m = "IfAvailable"; /* v1beta1 default */
    CV_ENSUREF(m && m[0], CV_E_KUBE_CONFIG,
               "interactiveMode must be specified for %s to use exec authentication plugin", user);
    if (strcmp(m, "Never") == 0) e->interactive = CV_KUBE_INTERACTIVE_NEVER;
    else if (strcmp(m, "IfAvailable") == 0) e->interactive = CV_KUBE_INTERACTIVE_IF_AVAILABLE;
    else if (strcmp(m, "Always") == 0) e->interactive = CV_KUBE_INTERACTIVE_ALWAYS;
    else CV_BAILF(CV_E_KUBE_CONFIG, "invalid interactiveMode for %s", user);
    return cv_ok();
}

static cv_result resolve_exec(const json_t *x, const char *user, cv_kube_config *out)
{
    CV_ENSUREF(json_is_object(x), CV_E_KUBE_CONFIG, "user %s: exec must be a mapping", user);
    cv_kube_exec *e = calloc(1, sizeof *e);
    CV_ENSURE(e != NULL, CV_E_NOMEM);
    out->exec = e;
    CV_ENSUREF(has_str(x, "command"), CV_E_KUBE_CONFIG,
               "command must be specified for %s to use exec authentication plugin", user);
    CV_ENSUREF(has_str(x, "apiVersion"), CV_E_KUBE_CONFIG,
               "apiVersion must be specified for %s to use exec authentication plugin", user);
    CV_GUARD(xstrdup(str_field(x, "command"), &e->command));
    CV_GUARD(xstrdup(str_field(x, "apiVersion"), &e->api_version));
    CV_GUARD(string_list(json_object_get(x, "args"), "exec args", &e->args, &e->nargs));
    CV_GUARD(exec_env(json_object_get(x, "env"), user, e));
    CV_GUARD(interactive_mode(x, user, e));
    e->provide_cluster_info = json_is_true(json_object_get(x, "provideClusterInfo"));
    if (has_str(x, "installHint")) CV_GUARD(xstrdup(str_field(x, "installHint"), &e->install_hint));
    return cv_ok();
}

static cv_result resolve_client_cert(const json_t *u, const char *name, cv_kube_config *out)
{
    const char *cf = str_field(u, "client-certificate"), *kf = str_field(u, "client-key");
    bool cd = has_str(u, "client-certificate-data"), kd = has_str(u, "client-key-data");
    bool cfile = cf && cf[0], kfile = kf && kf[0];
    if (!cd && !cfile) return cv_ok();
    CV_ENSUREF(!(cd && cfile), CV_E_KUBE_CONFIG,
               "client-cert-data and client-cert are both specified for %s", name);
    CV_ENSUREF(!(kd && kfile), CV_E_KUBE_CONFIG,
               "client-key-data and client-key are both specified for %s", name);
    CV_ENSUREF(kd || kfile, CV_E_KUBE_CONFIG,
               "client-key-data or client-key must be specified for %s to use the clientCert "
               "authentication method", name);
    if (cd) CV_GUARD(b64_field(u, "client-certificate-data", name, &out->cert_pem, NULL));
    else {
        CV_GUARD(xstrdup(cf, &out->cert_file));
        CV_GUARD(read_path(cf, &out->cert_pem));
    }
    if (kd) return b64_field(u, "client-key-data", name, NULL, &out->key_pem);
    return read_secret_file(kf, false, &out->key_pem);
}

/* as-user-extra: a map of lists, flattened into (key, value) pairs. */
static cv_result impersonation_extra(json_t *x, const char *name, cv_kube_config *out)
{
    if (x == NULL || json_is_null(x)) return cv_ok();
    CV_ENSUREF(json_is_object(x), CV_E_KUBE_CONFIG, "user %s: as-user-extra must be a mapping",
               name);
    size_t total = 0;
    const char *key;
    json_t *vals;
    json_object_foreach(x, key, vals) {
        CV_ENSUREF(json_is_array(vals) || json_is_null(vals), CV_E_KUBE_CONFIG,
                   "user %s: as-user-extra %s must be a list", name, key);
        total += json_array_size(vals);
    }
    CV_ENSUREF(total <= CV_KUBE_MAX_EXEC_ARGS, CV_E_LIMIT, "user %s: too many as-user-extra", name);
    CV_GUARD(cv_alloc_array((void **)&out->as_extra_keys, total + 1, sizeof(char *)));
    CV_GUARD(cv_alloc_array((void **)&out->as_extra_values, total + 1, sizeof(char *)));
    json_object_foreach(x, key, vals) {
        for (size_t i = 0; i < json_array_size(vals); i++) {
            const json_t *v = json_array_get(vals, i);
            CV_ENSUREF(json_is_string(v), CV_E_KUBE_CONFIG,
                       "user %s: as-user-extra %s[%zu] must be a string", name, key, i);
            CV_GUARD(xstrdup(key, &out->as_extra_keys[out->nas_extra]));
            cv_result r = xstrdup(json_string_value(v), &out->as_extra_values[out->nas_extra]);
            if (!cv_is_ok(r)) {
                free(out->as_extra_keys[out->nas_extra]);
                return r;
            }
            out->nas_extra++;
        }
    }
    return cv_ok();
}

static cv_result resolve_impersonation(const json_t *u, const char *name, cv_kube_config *out)
{
    if (has_str(u, "as")) CV_GUARD(xstrdup(str_field(u, "as"), &out->as_user));
    if (has_str(u, "as-uid")) CV_GUARD(xstrdup(str_field(u, "as-uid"), &out->as_uid));
    CV_GUARD(string_list(json_object_get(u, "as-groups"), "as-groups", &out->as_groups,
                         &out->nas_groups));
    return impersonation_extra(json_object_get(u, "as-user-extra"), name, out);
}

/* kubectl's flags win over the kubeconfig; like client-go, asking for a
 * uid, groups or extras without a user to impersonate is an error. */
static cv_result impersonation_overrides(const cv_kube_load_opts *o, cv_kube_config *out)
{
    if (o->as_user && o->as_user[0]) {
        free(out->as_user);
        out->as_user = NULL;
        CV_GUARD(xstrdup(o->as_user, &out->as_user));
    }
    if (o->as_uid && o->as_uid[0]) {
        free(out->as_uid);
        out->as_uid = NULL;
        CV_GUARD(xstrdup(o->as_uid, &out->as_uid));
    }
    if (o->nas_groups > 0) {
        free_strv(out->as_groups, out->nas_groups);
        out->as_groups = NULL;
        out->nas_groups = 0;
        CV_GUARD(cv_alloc_array((void **)&out->as_groups, o->nas_groups + 1, sizeof(char *)));
        memset(out->as_groups, 0, (o->nas_groups + 1) * sizeof(char *));
        for (size_t i = 0; i < o->nas_groups; i++, out->nas_groups++)
            CV_GUARD(xstrdup(o->as_groups[i], &out->as_groups[i]));
    }
    bool extras = out->as_uid || out->nas_groups > 0 || out->nas_extra > 0;
    CV_ENSUREF(!extras || (out->as_user && out->as_user[0]), CV_E_KUBE_CONFIG,
               "requesting uid, groups or user-extra for %s without impersonating a user",
               out->user_name && out->user_name[0] ? out->user_name : "the current user");
    return cv_ok();
}

static cv_result resolve_user(const json_t *u, const char *name, cv_kube_config *out)
{
    const char *tok = str_field(u, "token"), *tf = str_field(u, "tokenFile");
    bool basic = has_str(u, "username") || has_str(u, "password");
    CV_ENSUREF(!(tok && tok[0] && basic), CV_E_KUBE_CONFIG,
               "more than one authentication method found for %s; found [token basicAuth], only "
               "one is allowed", name);
    if (tf && tf[0]) CV_GUARD(xstrdup(tf, &out->token_file));
    if (tok && tok[0]) CV_GUARD(cv_secret_dup(&out->token, tok, strlen(tok)));
    else if (tf && tf[0]) CV_GUARD(read_secret_file(tf, true, &out->token));
    if (basic) {
        CV_GUARD(xstrdup(str_field(u, "username"), &out->username));
        const char *pw = str_field(u, "password");
        CV_GUARD(cv_secret_dup(&out->password, pw ? pw : "", pw ? strlen(pw) : 0));
    }
    CV_GUARD(resolve_client_cert(u, name, out));
    CV_GUARD(resolve_impersonation(u, name, out));
    const json_t *x = json_object_get(u, "exec");
    if (x != NULL && !json_is_null(x)) CV_GUARD(resolve_exec(x, name, out));
    return cv_ok();
}

static cv_result resolve_context(const json_t *m, const char *ctx, cv_kube_config *out)
{
    const json_t *c = find_named(m, "contexts", ctx, "context");
    CV_ENSUREF(c != NULL, CV_E_KUBE_CONFIG, "context was not found for specified context: %s", ctx);
    const char *cl = str_field(c, "cluster"), *us = str_field(c, "user");
    CV_ENSUREF(cl && cl[0], CV_E_KUBE_CONFIG, "cluster was not specified for context \"%s\"", ctx);
    const json_t *cluster = find_named(m, "clusters", cl, "cluster");
    CV_ENSUREF(cluster != NULL, CV_E_KUBE_CONFIG, "cluster \"%s\" was not found for context \"%s\"",
               cl, ctx);
    CV_GUARD(xstrdup(ctx, &out->context));
    CV_GUARD(xstrdup(cl, &out->cluster_name));
    CV_GUARD(xstrdup(str_field(c, "namespace"), &out->namespace));
    CV_GUARD(resolve_cluster(cluster, cl, out));
    if (us == NULL || us[0] == '\0') return xstrdup("", &out->user_name);
    const json_t *user = find_named(m, "users", us, "user");
    CV_ENSUREF(user != NULL, CV_E_KUBE_CONFIG, "user \"%s\" was not found for context \"%s\"", us,
               ctx);
    CV_GUARD(xstrdup(us, &out->user_name));
    return resolve_user(user, us, out);
}

cv_result cv_kube_config_resolve(const json_t *merged, const char *context, cv_kube_config *out)
{
    const char *ctx = context && context[0] ? context : str_field(merged, "current-context");
    CV_ENSUREF(ctx && ctx[0], CV_E_KUBE_CONFIG,
               "invalid configuration: no configuration has been provided");
    json_t *m = json_deep_copy(merged);
    CV_ENSURE(m != NULL, CV_E_NOMEM);
    /* find_named hands back this empty object for entries without a body. */
    json_object_set_new(m, "__empty__", json_object());
    cv_result r = resolve_context(m, ctx, out);
    json_decref(m);
    if (!cv_is_ok(r)) cv_kube_config_clear(out);
    return r;
}

/* --- in-cluster ------------------------------------------------------------ */

static cv_result sa_path(const char *dir, const char *name, char **out)
{
    CV_ENSURE(asprintf(out, "%s/%s", dir, name) >= 0, CV_E_NOMEM);
    return cv_ok();
}

static cv_result in_cluster_namespace(const char *dir, cv_kube_config *out)
{
    const char *env = getenv("POD_NAMESPACE");
    if (env && env[0]) return xstrdup(env, &out->namespace);
    char *p = NULL;
    CV_GUARD(sa_path(dir, "namespace", &p));
    cv_buf b;
    cv_buf_init(&b, 4096);
    cv_result r = read_path(p, &b);
    free(p);
    if (cv_is_ok(r)) {
        cv_slice ns = cv_slice_trim(cv_buf_slice(&b));
        r = cv_strndup(&out->namespace, ns.p, ns.len);
    } else {
        cv_err_clear();
        r = xstrdup("", &out->namespace);
    }
    cv_buf_release(&b);
    return r;
}

static cv_result in_cluster(const char *dir, cv_kube_config *out)
{
    const char *host = getenv("KUBERNETES_SERVICE_HOST"), *port = getenv("KUBERNETES_SERVICE_PORT");
    CV_ENSUREF(host && host[0] && port && port[0], CV_E_KUBE_CONFIG,
               "unable to load in-cluster configuration, KUBERNETES_SERVICE_HOST and "
               "KUBERNETES_SERVICE_PORT must be defined");
    bool v6 = strchr(host, ':') != NULL;
    CV_ENSURE(asprintf(&out->server, v6 ? "https://[%s]:%s" : "https://%s:%s", host, port) >= 0,
              CV_E_NOMEM);
    CV_GUARD(xstrdup("in-cluster", &out->context));
    CV_GUARD(sa_path(dir, "token", &out->token_file));
    CV_GUARD(read_secret_file(out->token_file, true, &out->token));
    char *ca = NULL;
    CV_GUARD(sa_path(dir, "ca.crt", &ca));
    cv_result r = read_path(ca, &out->ca_pem);
    free(ca);
    CV_GUARD(r);
    out->in_cluster = true;
    return in_cluster_namespace(dir, out);
}

cv_result cv_kube_config_in_cluster(const char *sa_dir, cv_kube_config *out)
{
    cv_result r = in_cluster(sa_dir ? sa_dir : SA_DIR, out);
    if (!cv_is_ok(r)) cv_kube_config_clear(out);
    return r;
}

/* --- loading --------------------------------------------------------------- */

typedef struct {
    char *paths[CV_KUBE_MAX_CONFIG_FILES];
    size_t n;
} path_list;

static void path_list_clear(path_list *l)
{
    for (size_t i = 0; i < l->n; i++) free(l->paths[i]);
    l->n = 0;
}

static cv_result path_add(path_list *l, const char *p, size_t len)
{
    if (len == 0) return cv_ok();
    for (size_t i = 0; i < l->n; i++)
        if (strlen(l->paths[i]) == len && memcmp(l->paths[i], p, len) == 0) return cv_ok();
    CV_ENSUREF(l->n < CV_KUBE_MAX_CONFIG_FILES, CV_E_LIMIT, "more than %u kubeconfig files",
               CV_KUBE_MAX_CONFIG_FILES);
    CV_GUARD(cv_strndup(&l->paths[l->n], p, len));
    l->n++;
    return cv_ok();
}

static cv_result candidate_files(const cv_kube_load_opts *o, path_list *l)
{
    if (o->kubeconfig && o->kubeconfig[0]) {
        struct stat st;
        CV_ENSUREF(stat(o->kubeconfig, &st) == 0, CV_E_NOT_FOUND,
                   "stat %s: no such file or directory", o->kubeconfig);
        return path_add(l, o->kubeconfig, strlen(o->kubeconfig));
    }
    const char *env = o->env_kubeconfig ? o->env_kubeconfig : getenv("KUBECONFIG");
    if (env && env[0]) {
        for (const char *p = env;;) {
            size_t len = strcspn(p, ":");
            CV_GUARD(path_add(l, p, len));
            if (p[len] == '\0') break;
            p += len + 1;
        }
        return cv_ok();
    }
    const char *home = o->home ? o->home : getenv("HOME");
    if (home == NULL || home[0] == '\0') return cv_ok();
    char *p = NULL;
    CV_ENSURE(asprintf(&p, "%s/.kube/config", home) >= 0, CV_E_NOMEM);
    cv_result r = path_add(l, p, strlen(p));
    free(p);
    return r;
}

/* The absolute directory of a file path (no symlink resolution, as Go's
 * filepath.Abs). */
static cv_result dir_of(const char *path, char **out)
{
    const char *slash = strrchr(path, '/');
    size_t dl = slash ? (size_t)(slash - path) : 0;
    if (path[0] == '/') return cv_strndup(out, path, dl ? dl : 1);
    char cwd[4096];
    CV_ENSUREF(getcwd(cwd, sizeof cwd) != NULL, CV_E_IO, "getcwd: %s", strerror(errno));
    if (dl == 0) return xstrdup(cwd, out);
    CV_ENSURE(asprintf(out, "%s/%.*s", cwd, (int)dl, path) >= 0, CV_E_NOMEM);
    return cv_ok();
}

typedef struct {
    json_t *files[CV_KUBE_MAX_CONFIG_FILES];
    char *dirs[CV_KUBE_MAX_CONFIG_FILES];
    size_t n, loaded;
} loaded_files;

static void loaded_clear(loaded_files *f)
{
    for (size_t i = 0; i < f->n; i++) {
        json_decref(f->files[i]);
        free(f->dirs[i]);
    }
}

static cv_result load_files(const path_list *l, loaded_files *f)
{
    for (size_t i = 0; i < l->n; i++) {
        json_t *doc = NULL;
        cv_result r = parse_file(l->paths[i], &doc);
        if (cv_is(r, CV_E_NOT_FOUND)) { /* missing files are skipped */
            cv_err_clear();
            continue;
        }
        CV_GUARD(r);
        f->files[f->n] = doc;
        f->n++;
        CV_GUARD(dir_of(l->paths[i], &f->dirs[f->n - 1]));
        f->loaded++;
    }
    return cv_ok();
}

static bool in_cluster_env(void)
{
    const char *h = getenv("KUBERNETES_SERVICE_HOST"), *p = getenv("KUBERNETES_SERVICE_PORT");
    return h && h[0] && p && p[0];
}

cv_result cv_kube_config_load(const cv_kube_load_opts *o, cv_kube_config *out)
{
    path_list l = { 0 };
    loaded_files f = { 0 };
    json_t *merged = NULL;
    cv_kube_config_clear(out);
    cv_result r = candidate_files(o, &l);
    if (cv_is_ok(r)) r = load_files(&l, &f);
    if (cv_is_ok(r) && f.loaded == 0 && !o->no_in_cluster && in_cluster_env()) {
        r = cv_kube_config_in_cluster(o->sa_dir, out);
        goto done;
    }
    if (cv_is_ok(r))
        r = cv_kube_config_merge(f.files, (const char *const *)f.dirs, f.n, &merged);
    if (cv_is_ok(r)) r = cv_kube_config_resolve(merged, o->context, out);
done:
    if (cv_is_ok(r)) r = impersonation_overrides(o, out);
    json_decref(merged);
    loaded_clear(&f);
    path_list_clear(&l);
    return r;
}
