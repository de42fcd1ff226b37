/* Access tokens and JWT payloads (secrets/bitwarden/token.h). */
#include "crypto/base/mem.h"
#include "secrets/bitwarden/token.h"
#include "secrets/runtime/init.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!cv_is_ok(cv_crypto_init()) || !cv_is_ok(cv_secrets_init())) return 0;
    cv_bw_token t;
    if (cv_is_ok(cv_bw_token_parse(cv_slice_of(data, size), &t))) cv_bw_token_clear(&t);
    cv_bw_jwt j;
    if (!cv_is_ok(cv_bw_jwt_read(cv_slice_of(data, size), &j))) cv_err_clear();
    char u[CV_UUID_STR];
    if (!cv_is_ok(cv_uuid_parse(cv_slice_of(data, size), u))) cv_err_clear();
    cv_err_clear();
    return 0;
}
