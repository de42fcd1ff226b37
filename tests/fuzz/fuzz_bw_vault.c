/* bw serve replies: the envelope parser and every item accessor on what it
 * returns (first byte: the HTTP status class; the rest: the reply body). */
#include <string.h>

#include "crypto/base/mem.h"
#include "secrets/bitwarden/vault.h"
#include "secrets/runtime/init.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void accessors(const json_t *item)
{
    static const char *what[] = { "username", "password", "totp", "notes", "uri", "name" };
    cv_buf out;
    cv_buf_init_secret(&out, 1u << 20);
    for (size_t i = 0; i < sizeof(what) / sizeof(what[0]); i++) {
        if (!cv_is_ok(cv_bw_item_value(item, what[i], &out))) cv_err_clear();
        cv_buf_reset(&out);
    }
    if (!cv_is_ok(cv_bw_item_field(item, "token", &out))) cv_err_clear();
    cv_buf_reset(&out);
    if (!cv_is_ok(cv_bw_item_field(item, "", &out))) cv_err_clear();
    cv_buf_release(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0 || !cv_is_ok(cv_crypto_init()) || !cv_is_ok(cv_secrets_init())) return 0;
    long status = 100L * (1 + data[0] % 5);
    cv_bw_reply r;
    cv_bw_reply_init(&r);
    if (cv_is_ok(cv_bw_vault_parse(cv_slice_of(data + 1, size - 1), status, &r))) {
        accessors(r.data);
        cv_buf out;
        cv_buf_init_secret(&out, 1u << 20);
        if (!cv_is_ok(cv_bw_reply_string(&r, &out))) cv_err_clear();
        cv_buf_release(&out);
    }
    cv_bw_reply_clear(&r);
    return 0;
}
