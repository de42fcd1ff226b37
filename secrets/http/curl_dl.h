/* libcurl, loaded when first needed.
 *
 * covert is one binary: linking libcurl would make every command (age
 * included) load it and the thirty libraries behind it at startup, a few
 * MiB of resident memory for nothing. So the HTTP layer reaches libcurl
 * only through this table, filled by dlopen("libcurl.so.4") on first use.
 *
 * cv_curl_load is idempotent and not thread-safe (call it before threads,
 * as cv_secrets_init_http does). cv_curl() is valid after a successful
 * load. Errors: CV_E_UNSUPPORTED when libcurl cannot be loaded (detail:
 * dlerror) or lacks a function. */
#ifndef CV_SECRETS_HTTP_CURL_DL_H
#define CV_SECRETS_HTTP_CURL_DL_H

#include <curl/curl.h>

#include "crypto/base/err.h"

typedef struct {
    CURLcode (*global_init_mem)(long, curl_malloc_callback, curl_free_callback,
                                curl_realloc_callback, curl_strdup_callback, curl_calloc_callback);
    void (*global_cleanup)(void);
    CURL *(*easy_init)(void);
    CURLcode (*easy_setopt)(CURL *, CURLoption, ...);
    CURLcode (*easy_getinfo)(CURL *, CURLINFO, ...);
    void (*easy_cleanup)(CURL *);
    const char *(*easy_strerror)(CURLcode);
    CURLM *(*multi_init)(void);
    CURLMcode (*multi_setopt)(CURLM *, CURLMoption, ...);
    CURLMcode (*multi_add_handle)(CURLM *, CURL *);
    CURLMcode (*multi_remove_handle)(CURLM *, CURL *);
    CURLMcode (*multi_perform)(CURLM *, int *);
    CURLMcode (*multi_poll)(CURLM *, struct curl_waitfd *, unsigned, int, int *);
    CURLMsg *(*multi_info_read)(CURLM *, int *);
    CURLMcode (*multi_cleanup)(CURLM *);
    struct curl_slist *(*slist_append)(struct curl_slist *, const char *);
    void (*slist_free_all)(struct curl_slist *);
} cv_curl_api;

cv_result cv_curl_load(void) CV_MUST_USE;
const cv_curl_api *cv_curl(void);

#endif
