#include "secrets/runtime/init.h"

#include <jansson.h>

#include "crypto/base/mem.h"

cv_result cv_secrets_init(void)
{
    CV_GUARD(cv_crypto_init());
    json_set_alloc_funcs(cv_wipe_malloc, cv_wipe_free);
    return cv_ok();
}
