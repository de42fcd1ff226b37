/* The ESO template engine (secrets/eso/template.h) on arbitrary source,
 * with a small fixed data map. */
#include "crypto/base/mem.h"
#include "secrets/doc/json.h"
#include "secrets/eso/template.h"
#include "secrets/runtime/init.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!cv_is_ok(cv_crypto_init()) || !cv_is_ok(cv_secrets_init())) return 0;
    cv_doc d;
    if (!cv_is_ok(cv_doc_init(&d))) return 0;
    if (cv_is_ok(cv_json_load(cv_slice_str("{\"username\":\"u\",\"password\":\"p\",\"n\":1,"
                                           "\"m\":{\"a\":[1,\"x\",true]}}"), &d))) {
        cv_buf out;
        cv_buf_init_secret(&out, 1 << 20);
        cv_tmpl_opts o = { "k", NULL, NULL };
        if (!cv_is_ok(cv_tmpl_render(cv_slice_of(data, size), d.branches[0], &o, &out))) cv_err_clear();
        cv_buf_release(&out);
    }
    cv_doc_clear(&d);
    cv_err_clear();
    return 0;
}
