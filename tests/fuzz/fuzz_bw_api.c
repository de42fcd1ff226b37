/* Secrets Manager API answers (every parser of sm_objects.c, decrypting
 * with a fixed organization key) and the webhook jsonPath extraction
 * (first line: the path; the rest: the JSON answer). */
#include <jansson.h>
#include <string.h>

#include "crypto/base/mem.h"
#include "secrets/bitwarden/sm_int.h"
#include "secrets/eso/jsonpath.h"
#include "secrets/runtime/init.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void api(json_t *j)
{
    static const char *kinds[] = { "list", "secrets", "secret", "sync", "projects", "project", "deleted" };
    cv_bw_settings s = { 0 };
    cv_bw_client *c = NULL;
    if (!cv_is_ok(cv_bw_client_new(&c, &s))) return;
    snprintf(c->org, sizeof(c->org), "218344fe-3941-483e-9811-7bdaf49699d1");
    if (cv_is_ok(cv_secret_new(&c->org_key, 64))) {
        for (size_t i = 0; i < 64; i++) c->org_key->data[i] = (uint8_t)i;
        for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
            cv_bw_result r;
            if (cv_is_ok(cv_bw__parse(c, kinds[k], j, &r))) cv_bw_result_clear(&r);
        }
    }
    cv_bw_client_free(&c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!cv_is_ok(cv_crypto_init()) || !cv_is_ok(cv_secrets_init())) return 0;
    const uint8_t *nl = memchr(data, '\n', size);
    size_t plen = nl ? (size_t)(nl - data) : 0;
    const uint8_t *body = nl ? nl + 1 : data;
    size_t blen = size - (size_t)(body - data);
    json_t *j = json_loadb((const char *)body, blen, 0, NULL);
    if (j) {
        api(j);
        cv_buf out;
        cv_buf_init_secret(&out, 1 << 20);
        if (!cv_is_ok(cv_jsonpath_extract(j, cv_slice_of(data, plen), &out))) cv_err_clear();
        cv_buf_release(&out);
        json_decref(j);
    }
    cv_err_clear();
    return 0;
}
