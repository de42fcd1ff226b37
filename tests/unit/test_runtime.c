/* The wiping allocator is what jansson and libcurl allocate with. */
#include <criterion/criterion.h>
#include <curl/curl.h>
#include <jansson.h>
#include <string.h>

#include "crypto/base/mem.h"
#include "secrets/runtime/init.h"

Test(runtime, jansson_uses_the_wiping_allocator)
{
    cr_assert(cv_is_ok(cv_secrets_init()));
    json_malloc_t m = NULL;
    json_free_t f = NULL;
    json_get_alloc_funcs(&m, &f);
    cr_assert(m == cv_wipe_malloc && f == cv_wipe_free);
    /* A string value round-trips through the hooked allocator. */
    json_t *v = json_pack("{s:s}", "password", "hunter2");
    cr_assert_not_null(v);
    cr_assert_str_eq(json_string_value(json_object_get(v, "password")), "hunter2");
    json_decref(v);
    cv_secrets_cleanup();
}

Test(runtime, curl_initialises_with_the_wiping_allocator)
{
    cr_assert(cv_is_ok(cv_secrets_init_http()));
    CURL *h = curl_easy_init();
    cr_assert_not_null(h);
    cr_assert_eq(curl_easy_setopt(h, CURLOPT_URL, "https://127.0.0.1/"), CURLE_OK);
    curl_easy_cleanup(h);
    cv_secrets_cleanup();
}

Test(runtime, wiping_realloc_keeps_contents)
{
    char *p = cv_wipe_malloc(8);
    memcpy(p, "secret!", 8);
    p = cv_wipe_realloc(p, 4096);
    cr_assert_str_eq(p, "secret!");
    char *d = cv_wipe_strdup(p);
    cr_assert_str_eq(d, "secret!");
    cv_wipe_free(p);
    cv_wipe_free(d);
    char *z = cv_wipe_calloc(4, 4);
    for (int i = 0; i < 16; i++) cr_assert_eq(z[i], 0);
    cv_wipe_free(z);
}
