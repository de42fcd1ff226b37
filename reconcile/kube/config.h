/* Kubernetes client configuration: kubeconfig files (as kubectl and
 * client-go read them) and the in-cluster service-account configuration.
 *
 * Loading follows client-go's clientcmd rules:
 *  - an explicit path (--kubeconfig) must exist and is used alone;
 *  - else $KUBECONFIG is a ':'-separated list (duplicates dropped, empty
 *    and missing entries skipped), else ~/.kube/config;
 *  - files are merged: for clusters, users and contexts the first file that
 *    defines a name wins, whole entry; current-context comes from the first
 *    file that sets it;
 *  - relative certificate-authority, client-certificate, client-key,
 *    tokenFile and exec command paths (the latter only when it contains a
 *    '/') resolve against the directory of the file that defined them;
 *  - when no file was found and KUBERNETES_SERVICE_HOST/PORT are set, the
 *    in-cluster configuration is used.
 * Credentials: token beats tokenFile (a tokenFile is read at load and again
 * by the client when it changes), client certificate/key as data or files,
 * basic auth, and exec plugins (client.authentication.k8s.io/v1 and
 * v1beta1; see exec.h).
 *
 * Ownership: a cv_kube_config owns every string and buffer in it;
 * cv_kube_config_clear releases them (secrets wiped). Tokens, passwords and
 * client keys live in cv_secret memory.
 *
 * Errors: CV_E_KUBE_CONFIG with a detail naming the file, entry and field
 * (never a value); CV_E_IO (detail: path) for unreadable referenced files;
 * CV_E_DOC_SYNTAX from the YAML reader. */
#ifndef CV_RECONCILE_KUBE_CONFIG_H
#define CV_RECONCILE_KUBE_CONFIG_H

#include <jansson.h>
#include <stdbool.h>

#include "crypto/base/buf.h"
#include "crypto/base/mem.h"

typedef enum {
    CV_KUBE_INTERACTIVE_NEVER,
    CV_KUBE_INTERACTIVE_IF_AVAILABLE,
    CV_KUBE_INTERACTIVE_ALWAYS,
} cv_kube_interactive;

typedef struct {
    char *api_version;
    char *command;
    char **args;
    size_t nargs;
    char **env; /* "NAME=value" */
    size_t nenv;
    bool provide_cluster_info;
    cv_kube_interactive interactive;
    char *install_hint;
} cv_kube_exec;

typedef struct {
    char *context;       /* names as selected (for messages) */
    char *cluster_name;
    char *user_name;
    /* cluster */
    char *server;        /* no trailing '/' */
    cv_buf ca_pem;       /* from certificate-authority(-data); empty = system */
    bool insecure;
    char *tls_server_name;
    char *proxy_url;
    char *namespace;     /* context namespace; "" when unset */
    /* user */
    cv_secret *token;
    char *token_file;
    cv_buf cert_pem;     /* client certificate (data, or file contents) */
    char *cert_file;     /* for messages */
    cv_secret *key_pem;  /* client key (data, or file contents) */
    char *username;
    cv_secret *password;
    cv_kube_exec *exec;
    bool in_cluster;
    /* impersonation: the user entry's `as`, `as-uid`, `as-groups` and
     * `as-user-extra`, or kubectl's --as/--as-uid/--as-group instead */
    char *as_user;
    char *as_uid;
    char **as_groups;
    size_t nas_groups;
    char **as_extra_keys; /* one entry per (key, value) pair */
    char **as_extra_values;
    size_t nas_extra;
} cv_kube_config;

typedef struct {
    const char *kubeconfig;     /* --kubeconfig; NULL: $KUBECONFIG or ~/.kube/config */
    const char *context;        /* --context; NULL: current-context */
    const char *env_kubeconfig; /* override for $KUBECONFIG (tests); NULL: getenv */
    const char *home;           /* override for $HOME (tests); NULL: getenv */
    const char *sa_dir;         /* in-cluster service-account dir; NULL: the standard one */
    bool no_in_cluster;         /* never fall back to the in-cluster configuration */
    /* kubectl's --as, --as-uid, --as-group: each replaces the kubeconfig's
     * value when given */
    const char *as_user;
    const char *as_uid;
    const char *const *as_groups;
    size_t nas_groups;
} cv_kube_load_opts;

void cv_kube_config_init(cv_kube_config *c) CV_NONNULL;
void cv_kube_config_clear(cv_kube_config *c);

cv_result cv_kube_config_load(const cv_kube_load_opts *o, cv_kube_config *out)
    CV_MUST_USE CV_NONNULL;

/* In-cluster: KUBERNETES_SERVICE_HOST/PORT (IPv6 hosts bracketed), the
 * service-account token (re-read by the client), ca.crt and namespace from
 * sa_dir (NULL: /var/run/secrets/kubernetes.io/serviceaccount). */
cv_result cv_kube_config_in_cluster(const char *sa_dir, cv_kube_config *out)
    CV_MUST_USE;

/* The merge step alone, for tests and `covert config view`-like tools:
 * files[i] is the parsed content of the i-th file (a JSON object, NULL for
 * a missing file) and dirs[i] its directory. *out is a new object with
 * clusters, users, contexts (arrays of {name, ...}) and current-context. */
cv_result cv_kube_config_merge(json_t *const *files, const char *const *dirs, size_t n,
                               json_t **out) CV_MUST_USE;

/* Select a context of a merged config (context NULL: current-context) and
 * resolve it into *out. */
cv_result cv_kube_config_resolve(const json_t *merged, const char *context,
                                 cv_kube_config *out) CV_MUST_USE;

#endif
