/* Internals shared by client.c and api.c (not a public interface). */
#ifndef CV_RECONCILE_KUBE_CLIENT_INT_H
#define CV_RECONCILE_KUBE_CLIENT_INT_H

#include <time.h>

#include "reconcile/kube/client.h"
#include "reconcile/kube/exec.h"
#include "secrets/http/http.h"

struct cv_kube {
    cv_kube_config cfg;
    cv_http *http;
    cv_kube_exec_cred exec;
    bool exec_ran;
    cv_secret *auth;        /* Authorization header value */
    bool auth_built;
    time_t token_read_at;   /* monotonic seconds */
    /* Discovery tables: the last one is current; older ones are kept so
     * that resource pointers handed out stay valid. */
    cv_kube_resources *tables;
    size_t ntables;
    bool discovered;
    time_t discovered_at;   /* monotonic seconds */
    /* Impersonate-* headers, built once from the configuration. */
    cv_http_header *imp;
    char **imp_names;
    size_t nimp;
    /* tls-server-name: requests name it in the URL (so TLS sends and
     * verifies it) and curl connects to the configured server instead;
     * Host still carries the server's own host:port, as in client-go. */
    char *url_base;
    char *connect_to;
    char *host_header;
};

/* Read a secret file (a token), trimmed (config.c). */
cv_result cv_kube_read_secret(const char *path, cv_secret **out) CV_MUST_USE;

#endif
