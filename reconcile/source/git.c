/* libgit2 plumbing for Git sources (see git.h). */
#include "reconcile/source/git.h"

#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "crypto/base/enc.h"
#include "crypto/base/io.h"
#include "crypto/prim/hash.h"

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static int init_rc;
static cv_result load_rc;

static void shutdown_libgit2(void) { git_libgit2_shutdown(); }

/* Shut libgit2 down at exit so its caches (packs, config) are released. */
static void init_libgit2(void)
{
    load_rc = cv_git_load();
    if (!cv_is_ok(load_rc)) return;
    init_rc = git_libgit2_init();
    if (init_rc > 0) atexit(shutdown_libgit2);
}

cv_result cv_git_init(void)
{
    pthread_once(&init_once, init_libgit2);
    CV_ENSUREF(cv_is_ok(load_rc), load_rc.err, "cannot load libgit2");
    CV_ENSUREF(init_rc > 0, CV_E_GIT, "libgit2 failed to initialise");
    return cv_ok();
}

uint64_t cv_git_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static cv_result copy_field(char *dst, size_t cap, const char *p, size_t n)
{
    CV_ENSUREF(n < cap, CV_E_GIT_URL, "URL component too long");
    memcpy(dst, p, n);
    dst[n] = 0;
    return cv_ok();
}

/* "[user@]host[:port]" of a URL authority. */
static cv_result parse_authority(const char *a, size_t n, cv_git_url *u)
{
    const char *at = memchr(a, '@', n);
    if (at) {
        const char *colon = memchr(a, ':', (size_t)(at - a));
        CV_GUARD(copy_field(u->user, sizeof(u->user), a, (size_t)((colon ? colon : at) - a)));
        n -= (size_t)(at + 1 - a);
        a = at + 1;
    }
    const char *colon, *host = a, *hend;
    if (n > 0 && a[0] == '[') {
        const char *rb = memchr(a, ']', n);
        CV_ENSUREF(rb != NULL, CV_E_GIT_URL, "unterminated [ in URL host");
        host = a + 1;
        hend = rb;
        colon = rb + 1 < a + n && rb[1] == ':' ? rb + 1 : NULL;
    } else {
        colon = memchr(a, ':', n);
        hend = colon ? colon : a + n;
    }
    CV_GUARD(copy_field(u->host, sizeof(u->host), host, (size_t)(hend - host)));
    size_t hl = colon ? (size_t)(colon - a) : n;
    if (colon) {
        uint64_t port;
        CV_ENSUREF(cv_is_ok(cv_parse_u64(cv_slice_of(colon + 1, n - hl - 1), 65535, &port)),
                   CV_E_GIT_URL, "invalid port in URL");
        u->port = (unsigned)port;
    }
    return cv_ok();
}

cv_result cv_git_parse_url(const char *url, cv_git_url *u)
{
    static const struct {
        const char *scheme;
        unsigned port;
    } schemes[] = { { "https", 443 }, { "http", 80 }, { "ssh", 22 }, { "git", 9418 }, { "file", 0 } };
    memset(u, 0, sizeof(*u));
    const char *sep = strstr(url, "://");
    CV_ENSUREF(sep != NULL, CV_E_GIT_URL,
               "%s: URL must be http(s)://, ssh://, git:// or file:// (no scp-like syntax)", url);
    for (size_t i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++)
        if ((size_t)(sep - url) == strlen(schemes[i].scheme) &&
            strncmp(url, schemes[i].scheme, (size_t)(sep - url)) == 0) {
            memcpy(u->scheme, schemes[i].scheme, strlen(schemes[i].scheme) + 1);
            u->port = schemes[i].port;
        }
    CV_ENSUREF(u->scheme[0] != 0, CV_E_GIT_URL, "%s: unsupported URL scheme", url);
    const char *auth = sep + 3, *slash = strchr(auth, '/');
    size_t n = slash ? (size_t)(slash - auth) : strlen(auth);
    if (strcmp(u->scheme, "file") == 0) return cv_ok();
    CV_ENSUREF(n > 0, CV_E_GIT_URL, "%s: URL has no host", url);
    return parse_authority(auth, n, u);
}

cv_result cv_git_open_cache(const char *dir, const char *url, git_repository **out)
{
    CV_GUARD(cv_git_init());
    CV_GUARD(cv_mkdirs_private(dir));
    uint8_t h[32];
    cv_sha256(h, url, strlen(url));
    char hex[65], path[4200];
    cv_hex_encode(hex, h, 32);
    hex[32] = 0;
    int n = snprintf(path, sizeof(path), "%s/%s.git", dir, hex);
    CV_ENSUREF(n > 0 && (size_t)n < sizeof(path), CV_E_IO, "cache directory path too long");
    struct stat st;
    int rc = stat(path, &st) == 0 ? git_repository_open_bare(out, path)
                                  : git_repository_init(out, path, 1);
    if (rc < 0) return cv_git_fail(rc, NULL, path);
    return cv_ok();
}

/* ---- callbacks ---- */

static int refuse(cv_git_cb *cb, cv_err why, const char *detail)
{
    cb->why = why;
    snprintf(cb->why_detail, sizeof(cb->why_detail), "%s", detail);
    return -1;
}

static bool late(cv_git_cb *cb) { return cb->deadline_ms && cv_git_now_ms() > cb->deadline_ms; }

static int ssh_creds(git_credential **out, const char *user_from_url, unsigned allowed, cv_git_cb *cb)
{
    const cv_source_auth *a = cb->auth;
    const char *user = user_from_url && *user_from_url ? user_from_url : "git";
    if (allowed & GIT_CREDENTIAL_USERNAME) return git_credential_username_new(out, user);
    if (!(allowed & GIT_CREDENTIAL_SSH_MEMORY) || a == NULL || a->identity == NULL)
        return refuse(cb, CV_E_GIT_AUTH, "the server wants an ssh key and none was given");
    return git_credential_ssh_key_memory_new(out, user, NULL, (const char *)a->identity->data,
                                             a->password ? (const char *)a->password->data : NULL);
}

static int credentials(git_credential **out, const char *url, const char *user_from_url,
                       unsigned int allowed, void *payload)
{
    cv_git_cb *cb = payload;
    (void)url;
    if (late(cb)) return refuse(cb, CV_E_GIT_TIMEOUT, "deadline passed");
    if (++cb->cred_calls > 2 || (cb->cred_calls > 1 && strcmp(cb->url.scheme, "ssh") != 0))
        return refuse(cb, CV_E_GIT_AUTH, "the server refused the credentials");
    if (strcmp(cb->url.scheme, "ssh") == 0) return ssh_creds(out, user_from_url, allowed, cb);
    const cv_source_auth *a = cb->auth;
    if (a && a->username && (allowed & GIT_CREDENTIAL_USERPASS_PLAINTEXT))
        return git_credential_userpass_plaintext_new(
            out, (const char *)a->username->data, a->password ? (const char *)a->password->data : "");
    return refuse(cb, CV_E_GIT_AUTH, a && a->bearer_token ? "the server refused the bearer token"
                                                          : "the server requires credentials");
}

static int certificate(git_cert *cert, int valid, const char *host, void *payload)
{
    cv_git_cb *cb = payload;
    (void)host;
    if (cert->cert_type != GIT_CERT_HOSTKEY_LIBSSH2) return valid ? 0 : GIT_PASSTHROUGH;
    const git_cert_hostkey *hk = (const git_cert_hostkey *)cert;
    if (cb->auth == NULL || cb->auth->known_hosts == NULL)
        return refuse(cb, CV_E_GIT_HOSTKEY, "no known_hosts given for an ssh source");
    if (!(hk->type & GIT_CERT_SSH_RAW)) return refuse(cb, CV_E_GIT_HOSTKEY, "no raw host key");
    cv_result r = cv_git_hostkey_check(
        cv_slice_of(cb->auth->known_hosts->data, cb->auth->known_hosts->len), &cb->url,
        cv_slice_of(hk->hostkey, hk->hostkey_len));
    if (!cv_is_ok(r)) return refuse(cb, CV_E_GIT_HOSTKEY, cv_err_detail());
    return 0;
}

static int progress(const git_indexer_progress *stats, void *payload)
{
    (void)stats;
    return late(payload) ? refuse(payload, CV_E_GIT_TIMEOUT, "deadline passed") : 0;
}

static int sideband(const char *str, int len, void *payload)
{
    (void)str, (void)len;
    return progress(NULL, payload);
}

/* ---- errors ---- */

static bool has(const char *msg, const char *needle) { return msg && strstr(msg, needle); }

cv_result cv_git_fail(int rc, const cv_git_cb *cb, const char *what)
{
    const git_error *e = git_error_last();
    const char *msg = e && e->message ? e->message : "unknown error";
    if (cb && cb->why != CV_OK) return CV_FAILF(cb->why, "%s: %s", what, cb->why_detail);
    cv_err code = CV_E_GIT;
    if (rc == GIT_EAUTH || has(msg, "authenticat") || has(msg, "401")) code = CV_E_GIT_AUTH;
    else if (rc == GIT_ECERTIFICATE) code = CV_E_GIT_HOSTKEY;
    else if (has(msg, "failed to connect") || has(msg, "Failed to connect") ||
             has(msg, "failed to resolve") || has(msg, "Connection refused") ||
             has(msg, "could not connect"))
        code = CV_E_GIT_UNREACHABLE;
    else if (has(msg, "404") || has(msg, "not found") || has(msg, "does not appear") ||
             has(msg, "not exported") || has(msg, "could not find repository") ||
             has(msg, "does not exist"))
        code = CV_E_GIT_REPO_NOT_FOUND;
    return CV_FAILF(code, "%s: %s", what, msg);
}

/* ---- connection ---- */

static cv_result bearer_header(cv_git_conn *c, const cv_secret *token)
{
    static const char pre[] = "Authorization: Bearer ";
    CV_GUARD(cv_secret_new(&c->bearer, sizeof(pre) + token->len));
    memcpy(c->bearer->data, pre, sizeof(pre) - 1);
    memcpy(c->bearer->data + sizeof(pre) - 1, token->data, token->len);
    c->bearer->data[sizeof(pre) - 1 + token->len] = 0;
    c->header_ptr[0] = (char *)c->bearer->data;
    c->headers.strings = c->header_ptr;
    c->headers.count = 1;
    return cv_ok();
}

static cv_result check_auth(const cv_source_auth *a, const cv_git_url *u, const char *url)
{
    if (a == NULL) return cv_ok();
    bool ssh = strcmp(u->scheme, "ssh") == 0, http = u->scheme[0] == 'h';
    if (ssh) {
        CV_ENSUREF(a->identity != NULL, CV_E_GIT_SECRET, "%s: 'identity' is required for ssh", url);
        CV_ENSUREF(a->known_hosts != NULL, CV_E_GIT_SECRET,
                   "%s: 'known_hosts' is required for ssh", url);
    }
    if (http) {
        CV_ENSUREF(!(a->password && !a->username) || a->bearer_token, CV_E_GIT_SECRET,
                   "%s: 'password' requires 'username' to be set", url);
        CV_ENSUREF(!(a->bearer_token && a->username), CV_E_GIT_SECRET,
                   "%s: basic auth and bearer token cannot be set at the same time", url);
    }
    return cv_ok();
}

cv_result cv_git_connect(cv_git_conn *c, git_repository *repo, const char *url,
                         const cv_source_auth *auth, unsigned timeout_ms)
{
    memset(c, 0, sizeof(*c));
    CV_GUARD(cv_git_parse_url(url, &c->cb.url));
    CV_GUARD(check_auth(auth, &c->cb.url, url));
    c->cb.auth = auth;
    c->cb.deadline_ms = cv_git_now_ms() + (timeout_ms ? timeout_ms : 60000u);
    if (auth && auth->bearer_token && c->cb.url.scheme[0] == 'h')
        CV_GUARD(bearer_header(c, auth->bearer_token));
    git_remote_init_callbacks(&c->cbs, GIT_REMOTE_CALLBACKS_VERSION);
    c->cbs.credentials = credentials;
    c->cbs.certificate_check = certificate;
    c->cbs.transfer_progress = progress;
    c->cbs.sideband_progress = sideband;
    c->cbs.payload = &c->cb;
    int rc = git_remote_create_anonymous(&c->remote, repo, url);
    if (rc == 0) rc = git_remote_connect(c->remote, GIT_DIRECTION_FETCH, &c->cbs, NULL, &c->headers);
    if (rc == 0) rc = git_remote_ls(&c->heads, &c->nheads, c->remote);
    if (rc < 0) return cv_git_fail(rc, &c->cb, url);
    return cv_ok();
}

/* The download runs on a second remote: handing options with custom
 * headers to a live connection makes libgit2 1.5 copy them again and leak
 * the copy (with the bearer token in it), and the first connection must stay
 * up because its ref listing is still in use. */
cv_result cv_git_download(cv_git_conn *c, char **refspecs, size_t n)
{
    git_fetch_options fo;
    git_fetch_options_init(&fo, GIT_FETCH_OPTIONS_VERSION);
    fo.callbacks = c->cbs;
    fo.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_NONE;
    fo.update_fetchhead = 0;
    fo.custom_headers = c->headers;
    git_strarray specs = { refspecs, n };
    git_remote *r = NULL;
    const char *url = git_remote_url(c->remote);
    c->cb.cred_calls = 0;
    int rc = git_remote_create_anonymous(&r, git_remote_owner(c->remote), url);
    if (rc == 0) rc = git_remote_download(r, &specs, &fo);
    if (rc == 0) rc = git_remote_update_tips(r, &c->cbs, 0, GIT_REMOTE_DOWNLOAD_TAGS_NONE, NULL);
    cv_result res = rc < 0 ? cv_git_fail(rc, &c->cb, url) : cv_ok();
    if (r) git_remote_disconnect(r);
    git_remote_free(r);
    return res;
}

void cv_git_close(cv_git_conn *c)
{
    if (c == NULL) return;
    if (c->remote) {
        git_remote_disconnect(c->remote);
        git_remote_free(c->remote);
    }
    cv_secret_free(&c->bearer);
    memset(c, 0, sizeof(*c));
}

const git_remote_head *cv_git_head(const cv_git_conn *c, const char *name)
{
    for (size_t i = 0; i < c->nheads; i++)
        if (strcmp(c->heads[i]->name, name) == 0) return c->heads[i];
    return NULL;
}
