/* Remote resource files (see remote.h): GET with secrets/http, redirects
 * followed as Go's http.Client follows them, and the URL-keyed cache. */
#include "reconcile/kustomize/remote.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crypto/base/enc.h"
#include "crypto/base/io.h"
#include "crypto/base/limits.h"
#include "crypto/prim/hash.h"
#include "secrets/http/http.h"

/* Go's http.Client gives up after 10 redirects. */
#define KZ_MAX_REDIRECTS 10

bool cv_kz_remote_is_url(const char *entry)
{
    /* Go's url.Parse folds the scheme to lower case. */
    return strncasecmp(entry, "https://", 8) == 0 || strncasecmp(entry, "http://", 7) == 0;
}

/* url's host is `host` and its path has an owner and a repository. */
static bool forge_repo(const char *url, const char *host)
{
    const char *h = strstr(url, "://");
    if (!h) return false;
    h += 3;
    size_t n = strlen(host);
    if (strncasecmp(h, host, n) != 0 || h[n] != '/') return false;
    const char *owner = h + n + 1, *slash = strchr(owner, '/');
    return slash && slash > owner && slash[1] != 0;
}

/* The shapes kustomize's repo spec parser accepts over http(s): a query
 * naming a ref or version, a ".git" or "_git/" path, the "//" that splits
 * repository from subdirectory, or a forge host serving repositories (its
 * pages are HTML, never a resource, so kustomize would clone them). A
 * file URL that merely looks like this is still a file to kustomize when
 * its GET succeeds; covert refuses it up front rather than clone. */
bool cv_kz_remote_is_git(const char *entry)
{
    if (strstr(entry, "?ref=") || strstr(entry, "&ref=") || strstr(entry, "?version=") ||
        strstr(entry, "_git/"))
        return true;
    const char *g = strstr(entry, ".git");
    if (g && (g[4] == 0 || g[4] == '/' || g[4] == '?')) return true;
    const char *path = strstr(entry, "://");
    path = path ? strchr(path + 3, '/') : NULL;
    if (path && strstr(path, "//")) return true;
    return forge_repo(entry, "github.com") || forge_repo(entry, "gitlab.com") ||
           forge_repo(entry, "bitbucket.org");
}

static const struct {
    int code;
    const char *text;
} k_status[] = {
    { 300, "Multiple Choices" }, { 301, "Moved Permanently" }, { 302, "Found" },
    { 303, "See Other" }, { 304, "Not Modified" }, { 305, "Use Proxy" },
    { 307, "Temporary Redirect" }, { 308, "Permanent Redirect" }, { 400, "Bad Request" },
    { 401, "Unauthorized" }, { 402, "Payment Required" }, { 403, "Forbidden" },
    { 404, "Not Found" }, { 405, "Method Not Allowed" }, { 406, "Not Acceptable" },
    { 407, "Proxy Authentication Required" }, { 408, "Request Timeout" }, { 409, "Conflict" },
    { 410, "Gone" }, { 411, "Length Required" }, { 412, "Precondition Failed" },
    { 413, "Request Entity Too Large" }, { 414, "Request URI Too Long" },
    { 415, "Unsupported Media Type" }, { 416, "Requested Range Not Satisfiable" },
    { 417, "Expectation Failed" }, { 418, "I'm a teapot" }, { 421, "Misdirected Request" },
    { 422, "Unprocessable Entity" }, { 423, "Locked" }, { 424, "Failed Dependency" },
    { 425, "Too Early" }, { 426, "Upgrade Required" }, { 428, "Precondition Required" },
    { 429, "Too Many Requests" }, { 431, "Request Header Fields Too Large" },
    { 451, "Unavailable For Legal Reasons" }, { 500, "Internal Server Error" },
    { 501, "Not Implemented" }, { 502, "Bad Gateway" }, { 503, "Service Unavailable" },
    { 504, "Gateway Timeout" }, { 505, "HTTP Version Not Supported" },
    { 506, "Variant Also Negotiates" }, { 507, "Insufficient Storage" },
    { 508, "Loop Detected" }, { 510, "Not Extended" },
    { 511, "Network Authentication Required" },
};

/* Go's http.StatusText ("" for a code it does not name). */
static const char *status_text(long code)
{
    for (size_t i = 0; i < sizeof k_status / sizeof k_status[0]; i++)
        if (k_status[i].code == code) return k_status[i].text;
    return "";
}

/* kustomize's wording, with the URL first asked for (not the redirect's). */
static cv_result status_error(const char *url, long s)
{
    return CV_FAILF(CV_E_HTTP, "accumulating resources from '%s': HTTP Error: status code %ld (%s)",
                    url, s, status_text(s));
}

/* ---- the cache --------------------------------------------------------- */

cv_result cv_kz_remote_default_cache(char **out)
{
    const char *x = getenv("XDG_CACHE_HOME"), *h = getenv("HOME");
    char buf[CV_KZ_MAX_PATH];
    int n;
    if (x && *x) n = snprintf(buf, sizeof buf, "%s/covert/http", x);
    else if (h && *h) n = snprintf(buf, sizeof buf, "%s/.cache/covert/http", h);
    else CV_BAILF(CV_E_INVALID_ARG, "no HOME or XDG_CACHE_HOME for the http cache");
    CV_ENSUREF(n > 0 && (size_t)n < sizeof buf, CV_E_TOO_LARGE, "http cache path too long");
    return cv_strndup(out, buf, (size_t)n);
}

/* dir/<hex sha256(url)> into path (CV_KZ_MAX_PATH bytes). */
static cv_result entry_path(const cv_kz_opts *o, const char *url, char *path, char **dir_out)
{
    char *dir = NULL;
    if (o->http_cache) CV_GUARD(cv_strndup(&dir, o->http_cache, strlen(o->http_cache)));
    else CV_GUARD(cv_kz_remote_default_cache(&dir));
    uint8_t h[CV_SHA256_LEN];
    char hex[2 * CV_SHA256_LEN + 1];
    cv_sha256(h, url, strlen(url));
    cv_hex_encode(hex, h, sizeof h);
    hex[2 * CV_SHA256_LEN] = 0;
    int n = snprintf(path, CV_KZ_MAX_PATH, "%s/%s", dir, hex);
    if (n <= 0 || (size_t)n >= CV_KZ_MAX_PATH) {
        free(dir);
        CV_BAILF(CV_E_TOO_LARGE, "http cache path too long");
    }
    *dir_out = dir;
    return cv_ok();
}

static cv_result read_fd(int fd, const char *path, cv_buf *body)
{
    struct stat st;
    CV_ENSUREF(fstat(fd, &st) == 0 && S_ISREG(st.st_mode), CV_E_IO, "%s: not a file", path);
    CV_ENSUREF((uint64_t)st.st_size <= CV_KZ_MAX_FILE, CV_E_TOO_LARGE,
               "%s: larger than %u bytes", path, CV_KZ_MAX_FILE);
    CV_GUARD(cv_buf_reserve(body, (size_t)st.st_size));
    for (;;) {
        uint8_t chunk[65536];
        ssize_t got = read(fd, chunk, sizeof chunk);
        if (got < 0 && errno == EINTR) continue;
        CV_ENSUREF(got >= 0, CV_E_IO, "%s: %s", path, strerror(errno));
        if (got == 0) return cv_ok();
        CV_GUARD(cv_buf_add(body, chunk, (size_t)got));
    }
}

static cv_result cache_read(const cv_kz_opts *o, const char *url, cv_buf *body)
{
    char path[CV_KZ_MAX_PATH], *dir;
    CV_GUARD(entry_path(o, url, path, &dir));
    free(dir);
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0 && errno == ENOENT)
        CV_BAILF(CV_E_NOT_FOUND, "'%s' is not in the http cache (offline build)", url);
    CV_ENSUREF(fd >= 0, CV_E_IO, "%s: %s", path, strerror(errno));
    cv_result r = read_fd(fd, path, body);
    close(fd);
    return r;
}

static cv_result cache_write(const cv_kz_opts *o, const char *url, cv_slice data)
{
    char path[CV_KZ_MAX_PATH], *dir;
    CV_GUARD(entry_path(o, url, path, &dir));
    cv_result r = cv_mkdirs_private(dir);
    free(dir);
    CV_GUARD(r);
    return cv_write_private_file(path, data);
}

/* ---- fetching ------------------------------------------------------------ */

static bool is_redirect(long s)
{
    return s == 301 || s == 302 || s == 303 || s == 307 || s == 308;
}

/* The next URL of a redirect: an absolute Location, or an absolute path on
 * the same scheme and authority. */
static cv_result next_url(const char *url, const cv_http_resp *resp, char **out)
{
    cv_slice loc;
    CV_ENSUREF(cv_http_resp_header(resp, "Location", &loc) && loc.len > 0, CV_E_HTTP,
               "HTTP Error: redirect without Location from '%s'", url);
    char *l;
    CV_GUARD(cv_strndup(&l, loc.p, loc.len));
    if (cv_kz_remote_is_url(l)) {
        *out = l;
        return cv_ok();
    }
    cv_result r = l[0] == '/' && l[1] != '/'
                      ? cv_ok()
                      : CV_FAILF(CV_E_UNSUPPORTED, "redirect from '%s' to a relative Location", url);
    const char *auth = strstr(url, "://") + 3, *slash = strchr(auth, '/');
    size_t base = slash ? (size_t)(slash - url) : strlen(url);
    cv_buf b;
    cv_buf_init(&b, CV_KZ_MAX_PATH);
    if (cv_is_ok(r)) r = cv_buf_add(&b, url, base);
    if (cv_is_ok(r)) r = cv_buf_add_str(&b, l);
    free(l);
    if (cv_is_ok(r)) r = cv_strndup(out, b.p, b.len);
    cv_buf_release(&b);
    return r;
}

static cv_result get_once(cv_http *h, const char *url, cv_http_resp *resp)
{
    cv_http_req req = {
        .method = "GET",
        .url = url,
        .max_response = CV_KZ_MAX_FILE,
        .idempotent = true,
    };
    return cv_http_do(h, &req, resp);
}

static cv_result fetch(cv_http *h, const char *url, cv_buf *body)
{
    char *cur = NULL;
    cv_result r = cv_strndup(&cur, url, strlen(url));
    for (int hops = 0; cv_is_ok(r); hops++) {
        cv_http_resp resp;
        cv_http_resp_init(&resp);
        r = get_once(h, cur, &resp);
        long s = resp.status;
        if (cv_is_ok(r) && is_redirect(s) && hops < KZ_MAX_REDIRECTS) {
            char *next;
            r = next_url(cur, &resp, &next);
            if (cv_is_ok(r)) {
                free(cur);
                cur = next;
            }
        } else if (cv_is_ok(r) && is_redirect(s)) {
            r = CV_FAILF(CV_E_HTTP, "Get \"%s\": stopped after 10 redirects", cur);
        } else if (cv_is_ok(r)) {
            r = s >= 200 && s <= 299 ? cv_buf_add(body, resp.body.p, resp.body.len)
                                     : status_error(url, s);
            cv_http_resp_release(&resp);
            break;
        }
        cv_http_resp_release(&resp);
    }
    free(cur);
    return r;
}

cv_result cv_kz_remote_load(const cv_kz_opts *o, const char *url, cv_buf *body)
{
    cv_buf_init(body, CV_KZ_MAX_FILE);
    CV_ENSUREF(!cv_kz_remote_is_git(url), CV_E_UNSUPPORTED,
               "remote base '%s' is a git repository: covert builds no remote bases", url);
    if (o->offline) return cache_read(o, url, body);
    cv_http *h = NULL;
    CV_GUARD(cv_http_new(&h));
    cv_result r = fetch(h, url, body);
    cv_http_free(&h);
    CV_GUARD(r);
    return cache_write(o, url, cv_buf_slice(body));
}
