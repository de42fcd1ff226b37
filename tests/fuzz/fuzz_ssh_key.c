/* Fuzz the SSH key parsers: private key files (PEM, OpenSSH, PKCS#1/#8),
 * public key lines and wire blobs, age's "looks like an SSH key" test, and
 * the identity/recipient constructors built on them. Encrypted keys are
 * parsed without a passphrase (their public part only), so a hostile bcrypt
 * round count cannot stall the fuzzer. */
#include <stddef.h>
#include <stdint.h>

#include "crypto/age/recipient.h"
#include "crypto/age/sshkey.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void private_key(cv_slice in)
{
    cv_ssh_key k;
    bool enc = false;
    char tag[CV_SSH_TAG_LEN + 1];
    if (cv_is_ok(cv_ssh_private_parse(in, NULL, &k, &enc)) && k.wire) cv_ssh_key_tag(&k, tag);
    cv_ssh_key_clear(&k);
    cv_age_identity *id = NULL;
    cv_age_recipient *r = NULL;
    if (cv_is_ok(cv_age_ssh_identity_parse(in, in, "fuzz", NULL, &id)) &&
        cv_is_ok(id->ops->to_recipient(id, &r)))
        cv_age_recipient_free(&r);
    cv_age_identity_free(&id);
}

static void public_key(cv_slice in)
{
    cv_ssh_key k;
    cv_slice type;
    if (cv_is_ok(cv_ssh_pubkey_parse_line(in, &k))) (void)cv_ssh_key_rsa_bits(&k);
    cv_ssh_key_clear(&k);
    if (cv_is_ok(cv_ssh_pubkey_parse_wire(in, &k))) (void)cv_ssh_type_name(k.type);
    cv_ssh_key_clear(&k);
    (void)cv_ssh_line_key_type(in, &type);
    cv_age_recipient *r = NULL;
    if (cv_is_ok(cv_age_ssh_recipient_parse(in, &r))) cv_age_recipient_free(&r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cv_slice in = cv_slice_of(data, size);
    private_key(in);
    public_key(in);
    return 0;
}
