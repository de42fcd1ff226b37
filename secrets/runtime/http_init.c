/* libcurl's global init. libcurl itself is loaded on demand
 * (secrets/http/curl_dl.h): a command that never makes an HTTP request
 * does not load it and the thirty libraries behind it. */
#include <curl/curl.h>

#include "crypto/base/mem.h"
#include "secrets/http/curl_dl.h"
#include "secrets/runtime/init.h"

static bool curl_ready;

cv_result cv_secrets_init_http(void)
{
    CV_GUARD(cv_secrets_init());
    if (curl_ready) return cv_ok();
    CV_GUARD(cv_curl_load());
    CURLcode rc = cv_curl()->global_init_mem(CURL_GLOBAL_DEFAULT, cv_wipe_malloc, cv_wipe_free,
                                       cv_wipe_realloc, cv_wipe_strdup, cv_wipe_calloc);
    CV_ENSUREF(rc == CURLE_OK, CV_E_INTERNAL, "libcurl initialisation failed: %s",
               cv_curl()->easy_strerror(rc));
    curl_ready = true;
    return cv_ok();
}

void cv_secrets_cleanup(void)
{
    if (!curl_ready) return;
    cv_curl()->global_cleanup();
    curl_ready = false;
}
