/* The mlkem768x25519 hybrid recipient type (age v1.3, C2SP age.md "The
 * MLKEM768-X25519 hybrid post-quantum recipient type"; FiloSottile/age
 * pq.go): HPKE SealBase with the MLKEM768-X25519 KEM, HKDF-SHA256 and
 * ChaCha20-Poly1305, info "age-encryption.org/mlkem768x25519".
 *
 *   recipient  age1pq1…               1216 bytes: ML-KEM ek || X25519 pk
 *   identity   AGE-SECRET-KEY-PQ-1…   the 32-byte HPKE seed
 *   stanza     -> mlkem768x25519 base64(enc, 1120 bytes)
 *              body: the sealed file key, 32 bytes
 *
 * Labels: "postquantum", so age refuses to mix it with classic recipients. */
#include <stdlib.h>
#include <string.h>

#include "crypto/age/recipient.h"
#include "crypto/base/enc.h"
#include "crypto/prim/hpke.h"
#include "crypto/prim/pk.h"

#define PQ_TYPE "mlkem768x25519"
#define PQ_INFO "age-encryption.org/mlkem768x25519"
#define PQ_LABEL "postquantum"
#define PQ_RCPT_HRP "age1pq"
#define PQ_ID_HRP "AGE-SECRET-KEY-PQ-"
#define WRAPPED (CV_AGE_FILE_KEY + 16u)

typedef struct {
    uint8_t pk[CV_HPKE_XWING_PK];
} pq_rcpt;

typedef struct {
    cv_secret *seed;
    cv_hpke_sk *sk;
} pq_ident;

/* ---- recipient ---- */

static cv_result pq_wrap(const cv_age_recipient *rc, const uint8_t fk[CV_AGE_FILE_KEY],
                         cv_age_stanzas *out, char **labels)
{
    const pq_rcpt *k = rc->ctx;
    uint8_t enc[CV_HPKE_XWING_ENC], body[WRAPPED];
    char arg[1500 + 1];
    CV_GUARD(cv_hpke_seal_base(&cv_hpke_xwing, k->pk, sizeof(k->pk), PQ_INFO, fk,
                               CV_AGE_FILE_KEY, enc, body));
    _Static_assert(sizeof(arg) > (CV_HPKE_XWING_ENC + 2) / 3 * 4, "arg buffer");
    cv_b64_encode(arg, enc, sizeof(enc), false);
    arg[cv_b64_enc_len(sizeof(enc), false)] = '\0';
    const char *args[1] = { arg };
    CV_GUARD(cv_age_stanzas_add(out, PQ_TYPE, args, 1, body, sizeof(body)));
    return cv_strndup(labels, PQ_LABEL, strlen(PQ_LABEL));
}

static void pq_rcpt_free(cv_age_recipient *r) { free(r->ctx); }

static cv_result pq_encode(const cv_age_recipient *r, char **out)
{
    const pq_rcpt *k = r->ctx;
    return cv_age_bech32_public(out, PQ_RCPT_HRP, k->pk, sizeof(k->pk));
}

static const cv_age_recipient_ops pq_rcpt_ops = { "mlkem768x25519", pq_wrap, pq_rcpt_free,
                                                  pq_encode };

/* A recipient from a raw public key, checked as age does at parse time. */
static cv_result rcpt_from_pk(const uint8_t *pk, size_t len, cv_age_recipient **out)
{
    *out = NULL;
    CV_ENSUREF(cv_is_ok(cv_hpke_pk_check(&cv_hpke_xwing, pk, len)), CV_E_AGE_RECIPIENT,
               "invalid MLKEM768-X25519 public key");
    pq_rcpt *k = malloc(sizeof(*k));
    CV_ENSURE(k != NULL, CV_E_NOMEM);
    memcpy(k->pk, pk, sizeof(k->pk));
    cv_result r = cv_age_recipient_new(out, &pq_rcpt_ops, k);
    if (!cv_is_ok(r)) free(k);
    return r;
}

cv_result cv_age_pq_recipient_parse(cv_slice s, cv_age_recipient **out)
{
    char hrp[16];
    size_t n = 0;
    uint8_t *pk = malloc(CV_HPKE_XWING_PK);
    CV_ENSURE(pk != NULL, CV_E_NOMEM);
    cv_result r = cv_bech32_decode(s, hrp, sizeof(hrp), pk, CV_HPKE_XWING_PK, &n);
    if (!cv_is_ok(r)) r = CV_FAILF(CV_E_AGE_RECIPIENT, "malformed recipient encoding");
    else if (strcmp(hrp, PQ_RCPT_HRP) != 0)
        r = CV_FAILF(CV_E_AGE_RECIPIENT, "invalid recipient type \"%s\"", hrp);
    else
        r = rcpt_from_pk(pk, n, out);
    free(pk);
    return r;
}

/* ---- identity ---- */

static void pq_ident_release(pq_ident *k)
{
    if (k == NULL) return;
    cv_hpke_sk_free(&k->sk);
    cv_secret_free(&k->seed);
    free(k);
}

static void pq_ident_free(cv_age_identity *id) { pq_ident_release(id->ctx); }

/* The stanza checks come before any secret-key work, in age's order: one
 * argument, canonical base64, a 32-byte body, then the size of `enc`. */
static cv_result pq_check_stanza(const cv_age_stanza *s, uint8_t enc[CV_HPKE_XWING_ENC])
{
    CV_ENSUREF(s->nargs == 1, CV_E_AGE_STANZA, "invalid mlkem768x25519 recipient block");
    cv_slice arg = cv_slice_str(s->args[0]);
    size_t n = 0;
    bool fits = arg.len <= cv_b64_enc_len(CV_HPKE_XWING_ENC, false) + 4;
    uint8_t *tmp = fits ? malloc(cv_b64_dec_max(arg.len)) : NULL;
    CV_ENSURE(!fits || tmp != NULL, CV_E_NOMEM);
    cv_result r = fits ? cv_b64_decode(tmp, &n, arg, false) : CV_FAIL(CV_E_BASE64);
    if (cv_is_ok(r) && n == CV_HPKE_XWING_ENC) memcpy(enc, tmp, n);
    free(tmp);
    /* Anything longer than a valid enc is reported as a size problem. */
    CV_ENSUREF(cv_is_ok(r) || !fits, CV_E_AGE_STANZA,
               "failed to parse mlkem768x25519 recipient: illegal base64 data");
    CV_ENSUREF(s->body_len == WRAPPED, CV_E_AGE_STANZA, "encrypted value has unexpected length");
    CV_ENSUREF(fits && n == CV_HPKE_XWING_ENC, CV_E_AGE_STANZA,
               "invalid mlkem768x25519 recipient: invalid encapsulated key size");
    return cv_ok();
}

static cv_result pq_unwrap_one(const cv_age_identity *id, const cv_age_stanza *s,
                               uint8_t fk[CV_AGE_FILE_KEY])
{
    const pq_ident *k = id->ctx;
    if (strcmp(s->type, PQ_TYPE) != 0) CV_BAIL(CV_E_AGE_NO_MATCH);
    uint8_t enc[CV_HPKE_XWING_ENC];
    CV_GUARD(pq_check_stanza(s, enc));
    cv_result r = cv_hpke_open_base(k->sk, enc, sizeof(enc), PQ_INFO, s->body, s->body_len, fk);
    /* ML-KEM rejects implicitly, so a stanza for someone else fails the AEAD;
     * an all-zero X25519 secret is a malformed stanza, never a mismatch. */
    if (cv_is(r, CV_E_DECRYPT)) CV_BAIL(CV_E_AGE_NO_MATCH);
    if (cv_is(r, CV_E_LOW_ORDER))
        CV_BAILF(CV_E_AGE_STANZA, "invalid mlkem768x25519 recipient: low order point");
    return r;
}

static cv_result pq_unwrap(const cv_age_identity *id, const cv_age_stanzas *st,
                           uint8_t fk[CV_AGE_FILE_KEY])
{
    return cv_age_unwrap_each(id, st, fk, pq_unwrap_one);
}

static cv_result pq_to_recipient(const cv_age_identity *id, cv_age_recipient **out)
{
    const pq_ident *k = id->ctx;
    return rcpt_from_pk(cv_hpke_sk_pk(k->sk), CV_HPKE_XWING_PK, out);
}

static const cv_age_identity_ops pq_ident_ops = { "mlkem768x25519", pq_unwrap, pq_to_recipient,
                                                  pq_ident_free };

/* An identity from a 32-byte seed held in secret memory (taken over). */
static cv_result ident_from_seed(cv_secret *seed, cv_age_identity **out)
{
    *out = NULL;
    pq_ident *k = calloc(1, sizeof(*k));
    if (k == NULL) {
        cv_secret_free(&seed);
        CV_BAIL(CV_E_NOMEM);
    }
    k->seed = seed;
    cv_result r = cv_hpke_sk_new(&k->sk, &cv_hpke_xwing, seed->data);
    if (cv_is_ok(r)) r = cv_age_identity_new(out, &pq_ident_ops, k, CV_AGE_ID_NATIVE);
    if (!cv_is_ok(r)) pq_ident_release(k);
    return r;
}

cv_result cv_age_pq_identity_parse(cv_slice s, cv_age_identity **out)
{
    *out = NULL;
    char hrp[24];
    size_t n = 0;
    cv_secret *raw = NULL, *seed = NULL;
    /* One spare byte so an over-long payload is reported as a bad length. */
    CV_GUARD(cv_secret_new(&raw, CV_HPKE_SEED + 1));
    cv_result r = cv_bech32_decode(s, hrp, sizeof(hrp), raw->data, raw->len, &n);
    if (!cv_is_ok(r)) r = CV_FAILF(CV_E_AGE_IDENTITY, "malformed secret key");
    else if (strcmp(hrp, PQ_ID_HRP) != 0)
        r = CV_FAILF(CV_E_AGE_IDENTITY, "malformed secret key: unknown type");
    else if (n != CV_HPKE_SEED)
        r = CV_FAILF(CV_E_AGE_IDENTITY, "invalid MLKEM768-X25519 secret key");
    else
        r = cv_secret_dup(&seed, raw->data, CV_HPKE_SEED);
    cv_secret_free(&raw);
    CV_GUARD(r);
    return ident_from_seed(seed, out);
}

/* Bech32 text into a NUL-terminated secret. */
cv_result cv_age_pq_generate(cv_secret **encoded, char **recipient)
{
    *encoded = NULL;
    *recipient = NULL;
    cv_secret *seed = NULL;
    cv_hpke_sk *sk = NULL;
    CV_GUARD(cv_secret_new(&seed, CV_HPKE_SEED));
    cv_random(seed->data, seed->len);
    cv_result r = cv_hpke_sk_new(&sk, &cv_hpke_xwing, seed->data);
    if (cv_is_ok(r)) r = cv_age_bech32_secret(encoded, PQ_ID_HRP, seed->data, seed->len);
    if (cv_is_ok(r)) r = cv_age_bech32_public(recipient, PQ_RCPT_HRP, cv_hpke_sk_pk(sk), CV_HPKE_XWING_PK);
    if (!cv_is_ok(r)) cv_secret_free(encoded);
    cv_hpke_sk_free(&sk);
    cv_secret_free(&seed);
    return r;
}
