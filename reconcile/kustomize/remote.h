/* Remote resource files of a kustomization: an http(s) URL in `resources:`
 * (kustomize's FileLoader.Load of a remote file: one GET, any status outside
 * 2xx an "HTTP Error"). Git repository specs are not fetched: covert builds
 * no remote bases and refuses them by name.
 *
 * Every fetched body is kept in a cache directory (o->http_cache, default
 * $XDG_CACHE_HOME/covert/http, else $HOME/.cache/covert/http) under the hex
 * sha256 of the URL, written atomically with mode 0600. Offline builds
 * (o->offline) read only that cache; online builds always fetch and refresh
 * it, so a cache never hides a changed or removed file.
 *
 * Ownership: cv_kz_remote_load initialises *body (ordinary memory, capped
 * at CV_KZ_MAX_FILE); the caller releases it with cv_buf_release, also on
 * failure.
 *
 * Errors: CV_E_UNSUPPORTED (a git repository spec), CV_E_HTTP with
 * kustomize's wording "HTTP Error: status code N (Text)", the transport
 * errors of secrets/http/http.h, CV_E_NOT_FOUND (offline and not cached,
 * naming the URL), CV_E_TOO_LARGE past CV_KZ_MAX_FILE, CV_E_IO (cache). */
#ifndef CV_KZ_REMOTE_H
#define CV_KZ_REMOTE_H

#include <stdbool.h>

#include "crypto/base/buf.h"
#include "reconcile/kustomize/build.h"

/* An http:// or https:// URL (kustomize's IsRemoteFile). */
bool cv_kz_remote_is_url(const char *entry) CV_NONNULL;
/* A URL kustomize would hand to its git cloner rather than GET as a file. */
bool cv_kz_remote_is_git(const char *entry) CV_NONNULL;

cv_result cv_kz_remote_load(const cv_kz_opts *o, const char *url, cv_buf *body)
    CV_MUST_USE CV_NONNULL;

/* The default cache directory (heap string the caller frees). */
cv_result cv_kz_remote_default_cache(char **out) CV_MUST_USE CV_NONNULL;

#endif
