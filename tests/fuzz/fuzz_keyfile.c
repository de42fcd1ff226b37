/* age key files: identity files (native keys, plugin identities, SSH keys,
 * encrypted identity files) and recipients files, without a terminal. */
#include <stdint.h>

#include "crypto/age/keys.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!cv_is_ok(cv_crypto_init())) return 0;
    cv_slice in = cv_slice_of(data, size);
    cv_age_identities ids;
    cv_age_identities_init(&ids);
    cv_result r = cv_age_identity_file_parse(in, cv_slice_of(NULL, 0), "fuzz", NULL, &ids);
    (void)r; /* only crashes and leaks matter here */
    cv_age_identities_clear(&ids);
    cv_age_recipients rs;
    cv_age_recipients_init(&rs);
    r = cv_age_recipients_file_parse(in, "fuzz", NULL, &rs);
    (void)r;
    cv_age_recipients_clear(&rs);
    return 0;
}
