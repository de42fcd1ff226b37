/* EncString parsing and decryption (secrets/bitwarden/encstring.h) with a
 * 64-byte and a 32-byte key, then a re-encryption round trip of whatever
 * decrypted. */
#include <string.h>

#include "crypto/base/mem.h"
#include "secrets/bitwarden/encstring.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!cv_is_ok(cv_crypto_init())) return 0;
    cv_secret *k64 = NULL, *k32 = NULL;
    if (!cv_is_ok(cv_secret_new(&k64, 64)) || !cv_is_ok(cv_secret_new(&k32, 32))) return 0;
    for (size_t i = 0; i < 64; i++) k64->data[i] = (uint8_t)i;
    memcpy(k32->data, k64->data, 32);
    cv_buf out, enc;
    cv_buf_init_secret(&out, 1 << 20);
    cv_buf_init(&enc, 4 << 20);
    cv_slice in = cv_slice_of(data, size);
    if (cv_is_ok(cv_bw_decrypt(in, k64, &out))) {
        if (cv_is_ok(cv_bw_encrypt(cv_buf_slice(&out), k64, NULL, &enc))) {
            cv_buf back;
            cv_buf_init_secret(&back, 1 << 20);
            if (!cv_is_ok(cv_bw_decrypt(cv_buf_slice(&enc), k64, &back)) ||
                !cv_slice_eq(cv_buf_slice(&back), cv_buf_slice(&out)))
                __builtin_trap();
            cv_buf_release(&back);
        }
    }
    cv_buf_reset(&out);
    if (!cv_is_ok(cv_bw_decrypt_str(in, k32, &out))) cv_err_clear();
    cv_err_clear();
    cv_buf_release(&out);
    cv_buf_release(&enc);
    cv_secret_free(&k64);
    cv_secret_free(&k32);
    return 0;
}
