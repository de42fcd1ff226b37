#include "crypto/prim/kdf.h"

#include <limits.h>
#include <openssl/evp.h>
#include <sodium.h>

cv_result cv_scrypt(uint8_t *out, size_t out_len, const uint8_t *pw, size_t pw_len,
                    const uint8_t *salt, size_t salt_len, unsigned log_n, uint32_t r,
                    uint32_t p)
{
    CV_ENSURE(log_n >= 1 && log_n < 64, CV_E_INVALID_ARG);
    int rc = crypto_pwhash_scryptsalsa208sha256_ll(pw, pw_len, salt, salt_len,
                                                   (uint64_t)1 << log_n, r, p, out, out_len);
    CV_ENSURE(rc == 0, CV_E_NOMEM);
    return cv_ok();
}

cv_result cv_pbkdf2_sha256(uint8_t *out, size_t out_len, const uint8_t *pw, size_t pw_len,
                           const uint8_t *salt, size_t salt_len, uint32_t iterations)
{
    CV_ENSURE(pw_len <= INT_MAX && salt_len <= INT_MAX && out_len <= INT_MAX &&
                  iterations > 0 && iterations <= INT_MAX,
              CV_E_INVALID_ARG);
    CV_GUARD_OSSL(PKCS5_PBKDF2_HMAC((const char *)pw, (int)pw_len, salt, (int)salt_len,
                                    (int)iterations, EVP_sha256(), (int)out_len, out),
                  CV_E_CRYPTO);
    return cv_ok();
}
