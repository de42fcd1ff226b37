/* ML-KEM-768 (FIPS 203), the post-quantum half of age's hybrid recipients.
 *
 * Keys come from a 64-byte seed d || z (FIPS 203 ML-KEM.KeyGen_internal), the
 * form age and HPKE store. The decapsulation key is kept expanded (secret
 * vector, public vector, the public matrix, H(ek), z) in secret memory; the
 * encapsulation key is the 1184-byte FIPS 203 encoding.
 *
 * Every encapsulation key taken from outside goes through the FIPS 203
 * modulus check (cv_mlkem768_ek_check, also run by encaps): each 12-bit
 * coefficient must be below q. Decapsulation uses implicit rejection: a
 * ciphertext that does not re-encrypt to itself yields a pseudorandom key
 * derived from z, chosen in constant time, so callers only ever see a key
 * that later fails to authenticate. Nothing in decapsulation branches on or
 * indexes by secret data. */
#ifndef CV_PRIM_MLKEM_H
#define CV_PRIM_MLKEM_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/base/err.h"

#define CV_MLKEM768_SEED 64u
#define CV_MLKEM768_EK 1184u
#define CV_MLKEM768_CT 1088u
#define CV_MLKEM768_SS 32u
#define CV_MLKEM768_MSG 32u

typedef struct cv_mlkem768_dk cv_mlkem768_dk;

/* Expand a seed (d || z) into a decapsulation key. *out is freed with
 * cv_mlkem768_dk_free (which wipes it); nothing is allocated on failure. */
cv_result cv_mlkem768_keygen(cv_mlkem768_dk **out, const uint8_t seed[CV_MLKEM768_SEED])
    CV_MUST_USE;
void cv_mlkem768_dk_free(cv_mlkem768_dk **dk);
/* The encapsulation key of dk (1184 bytes, owned by dk). */
const uint8_t *cv_mlkem768_dk_ek(const cv_mlkem768_dk *dk) CV_NONNULL;

/* FIPS 203 encapsulation key check: CV_E_MLKEM if a coefficient is >= q. */
cv_result cv_mlkem768_ek_check(const uint8_t ek[CV_MLKEM768_EK]) CV_MUST_USE;

/* Encapsulate to ek with explicit randomness m (ML-KEM.Encaps_internal, for
 * known-answer tests) or fresh randomness. ss is secret. */
cv_result cv_mlkem768_encaps_derand(uint8_t ct[CV_MLKEM768_CT], uint8_t ss[CV_MLKEM768_SS],
                                    const uint8_t ek[CV_MLKEM768_EK],
                                    const uint8_t m[CV_MLKEM768_MSG]) CV_MUST_USE;
cv_result cv_mlkem768_encaps(uint8_t ct[CV_MLKEM768_CT], uint8_t ss[CV_MLKEM768_SS],
                             const uint8_t ek[CV_MLKEM768_EK]) CV_MUST_USE;

/* Decapsulate with implicit rejection; fails only if a hash call fails. */
cv_result cv_mlkem768_decaps(uint8_t ss[CV_MLKEM768_SS], const cv_mlkem768_dk *dk,
                             const uint8_t ct[CV_MLKEM768_CT]) CV_MUST_USE;

#endif
