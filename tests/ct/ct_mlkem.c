/* Constant-time check of ML-KEM-768 in the ctgrind style: secret inputs are
 * marked undefined for valgrind's memcheck, so any branch or memory index
 * that depends on them is reported. Run by tests/ct/ct_mlkem.sh under
 * valgrind; outside valgrind the client requests are no-ops.
 *
 * Secrets: the key seed (d || z) and the encapsulation message m, and so
 * everything derived from them: the secret vectors, the shared keys, the
 * re-encryption and the implicit-rejection choice in decapsulation. The only
 * expected report is matrix sampling, which reads rho: rho comes from the
 * seed but is public (it is the tail of the encapsulation key), and FIPS 203
 * samples the matrix by rejection; ct_mlkem.supp suppresses exactly that. */
#include <string.h>
#include <valgrind/memcheck.h>

#include "crypto/base/mem.h"
#include "crypto/prim/mlkem.h"
#include "crypto/prim/pk.h"

#define SECRET(p, n) VALGRIND_MAKE_MEM_UNDEFINED((p), (n))
#define PUBLIC(p, n) VALGRIND_MAKE_MEM_DEFINED((p), (n))

int main(void)
{
    uint8_t seed[64], m[32], ek[CV_MLKEM768_EK], ct[CV_MLKEM768_CT], ss[32], ss2[32];
    cv_mlkem768_dk *dk = NULL;
    if (!cv_is_ok(cv_crypto_init())) return 2;
    cv_random(seed, sizeof(seed));
    cv_random(m, sizeof(m));
    SECRET(seed, sizeof(seed));
    SECRET(m, sizeof(m));
    if (!cv_is_ok(cv_mlkem768_keygen(&dk, seed))) return 3;
    memcpy(ek, cv_mlkem768_dk_ek(dk), sizeof(ek));
    PUBLIC(ek, sizeof(ek));
    if (!cv_is_ok(cv_mlkem768_encaps_derand(ct, ss, ek, m))) return 4;
    PUBLIC(ct, sizeof(ct));
    if (!cv_is_ok(cv_mlkem768_decaps(ss2, dk, ct))) return 5;
    ct[100] ^= 1; /* the implicit-rejection path */
    if (!cv_is_ok(cv_mlkem768_decaps(ss2, dk, ct))) return 6;
    cv_mlkem768_dk_free(&dk);
    return 0;
}
