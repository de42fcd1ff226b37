/* The post-quantum and tagged key parsers and the mlkem768x25519 unwrap over
 * arbitrary input. The first byte picks the target:
 *   0  age1pq1… recipient        1  AGE-SECRET-KEY-PQ-1… identity
 *   2  age1tag1…/age1tagpq1…     3  an age header unwrapped by a fixed
 *                                   hybrid identity (ML-KEM decapsulation of
 *                                   arbitrary ciphertexts, X25519 shares)
 *   4  ML-KEM-768: the rest as an encapsulation key (check + encapsulate)
 *      and as a ciphertext (decapsulate) */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/age/format.h"
#include "crypto/age/recipient.h"
#include "crypto/prim/mlkem.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static cv_age_identity *fixed_identity(void)
{
    /* The bech32 of 32 bytes of 0x09 (any fixed seed will do). */
    static cv_age_identity *id;
    static const char key[] =
        "AGE-SECRET-KEY-PQ-1PYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYS38V9GX";
    if (id == NULL && !cv_is_ok(cv_age_pq_identity_parse(cv_slice_str(key), &id))) abort();
    return id;
}

static void unwrap_header(cv_slice in)
{
    cv_age_header h;
    cv_age_header_init(&h);
    size_t used;
    if (cv_is_ok(cv_age_header_parse(in, &h, &used))) {
        uint8_t fk[CV_AGE_FILE_KEY];
        cv_result r = cv_age_identity_unwrap(fixed_identity(), &h.stanzas, fk);
        (void)r;
    }
    cv_age_header_clear(&h);
}

static void mlkem(cv_slice in)
{
    static cv_mlkem768_dk *dk;
    static const uint8_t seed[64] = { 1 };
    uint8_t ct[CV_MLKEM768_CT], ss[32];
    cv_result r = cv_ok();
    if (dk == NULL && !cv_is_ok(cv_mlkem768_keygen(&dk, seed))) abort();
    if (in.len >= CV_MLKEM768_EK && cv_is_ok(cv_mlkem768_ek_check(in.p)))
        r = cv_mlkem768_encaps(ct, ss, in.p);
    if (in.len >= CV_MLKEM768_CT) r = cv_mlkem768_decaps(ss, dk, in.p);
    (void)r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0 || !cv_is_ok(cv_crypto_init())) return 0;
    cv_slice in = cv_slice_of(data + 1, size - 1);
    cv_age_recipient *r = NULL;
    cv_age_identity *id = NULL;
    switch (data[0] % 5) {
    case 0:
        if (cv_is_ok(cv_age_pq_recipient_parse(in, &r))) cv_age_recipient_free(&r);
        break;
    case 1:
        if (cv_is_ok(cv_age_pq_identity_parse(in, &id))) cv_age_identity_free(&id);
        break;
    case 2:
        if (cv_is_ok(cv_age_tag_recipient_parse(in, &r))) cv_age_recipient_free(&r);
        break;
    case 3: unwrap_header(in); break;
    default: mlkem(in); break;
    }
    return 0;
}
