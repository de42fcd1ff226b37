#include "secrets/runtime/init.h"

#include <curl/curl.h>
#include <jansson.h>

#include "crypto/base/mem.h"

static bool curl_ready;

cv_result cv_secrets_init(void)
{
    CV_GUARD(cv_crypto_init());
    json_set_alloc_funcs(cv_wipe_malloc, cv_wipe_free);
    if (curl_ready) return cv_ok();
    CURLcode rc = curl_global_init_mem(CURL_GLOBAL_DEFAULT, cv_wipe_malloc, cv_wipe_free,
                                       cv_wipe_realloc, cv_wipe_strdup, cv_wipe_calloc);
    CV_ENSUREF(rc == CURLE_OK, CV_E_INTERNAL, "libcurl initialisation failed: %s",
               curl_easy_strerror(rc));
    curl_ready = true;
    return cv_ok();
}

void cv_secrets_cleanup(void)
{
    if (!curl_ready) return;
    curl_global_cleanup();
    curl_ready = false;
}
