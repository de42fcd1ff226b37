/* Tagged recipients (age v1.3, C2SP age.md "The tagged recipient types";
 * FiloSottile/age tag/tag.go), for identities held in hardware and served by
 * plugins. age encrypts to them natively; decryption is the plugin's job,
 * so there is no identity here.
 *
 *   age1tag1…    33-byte compressed P-256 point    stanza p256tag
 *                HPKE DHKEM(P-256, HKDF-SHA256), info "age-encryption.org/p256tag"
 *   age1tagpq1…  ML-KEM-768 ek || 65-byte P-256    stanza mlkem768p256tag
 *                HPKE MLKEM768-P256, info "age-encryption.org/mlkem768p256tag"
 *
 * Both use HKDF-SHA256 and ChaCha20-Poly1305. A stanza is
 *   -> TYPE base64(tag) base64(enc)   with a 32-byte body,
 * where tag = HKDF-Extract(salt = info, ikm = enc || SHA-256(R)[:4])[:4] and
 * R is the compressed point (p256tag) or the P-256 half of the key
 * (mlkem768p256tag, uncompressed). Labels: none for p256tag, "postquantum"
 * for mlkem768p256tag. */
#include <stdlib.h>
#include <string.h>

#include "crypto/age/recipient.h"
#include "crypto/base/enc.h"
#include "crypto/prim/hash.h"
#include "crypto/prim/hpke.h"
#include "crypto/prim/mlkem.h"
#include "crypto/prim/p256.h"

#define TAG_LEN 4u
#define WRAPPED (CV_AGE_FILE_KEY + 16u)

typedef struct {
    const cv_hpke_kem *kem;
    const char *type;   /* stanza type */
    const char *info;   /* HPKE info and tag salt */
    const char *labels; /* NULL for classic */
    uint8_t pk[CV_HPKE_MAX_PK];
    size_t pk_len;
    uint8_t rhash[TAG_LEN]; /* SHA-256 of the tagged key, truncated */
} tag_rcpt;

static cv_result tag_compute(const tag_rcpt *k, uint8_t tag[TAG_LEN], const uint8_t *enc,
                             size_t enc_len)
{
    uint8_t ikm[CV_HPKE_MAX_ENC + TAG_LEN], prk[32];
    CV_ENSURE(enc_len <= CV_HPKE_MAX_ENC, CV_E_INTERNAL);
    memcpy(ikm, enc, enc_len);
    memcpy(ikm + enc_len, k->rhash, TAG_LEN);
    cv_hkdf_extract(prk, (const uint8_t *)k->info, strlen(k->info), ikm, enc_len + TAG_LEN);
    memcpy(tag, prk, TAG_LEN);
    return cv_ok();
}

/* base64 (unpadded) into a NUL-terminated heap string. */
static cv_result b64_str(char **out, const uint8_t *in, size_t n)
{
    size_t len = cv_b64_enc_len(n, false);
    CV_GUARD(cv_alloc((void **)out, len + 1));
    cv_b64_encode(*out, in, n, false);
    (*out)[len] = '\0';
    return cv_ok();
}

static cv_result tag_stanza(const tag_rcpt *k, cv_age_stanzas *out, const uint8_t *enc,
                            size_t enc_len, const uint8_t body[WRAPPED])
{
    uint8_t tag[TAG_LEN];
    char *args[2] = { NULL, NULL };
    cv_result r = tag_compute(k, tag, enc, enc_len);
    if (cv_is_ok(r)) r = b64_str(&args[0], tag, sizeof(tag));
    if (cv_is_ok(r)) r = b64_str(&args[1], enc, enc_len);
    if (cv_is_ok(r)) {
        const char *cargs[2] = { args[0], args[1] };
        r = cv_age_stanzas_add(out, k->type, cargs, 2, body, WRAPPED);
    }
    free(args[0]);
    free(args[1]);
    return r;
}

static cv_result tag_wrap(const cv_age_recipient *rc, const uint8_t fk[CV_AGE_FILE_KEY],
                          cv_age_stanzas *out, char **labels)
{
    const tag_rcpt *k = rc->ctx;
    uint8_t enc[CV_HPKE_MAX_ENC], body[WRAPPED];
    size_t enc_len = cv_hpke_kem_enc_len(k->kem);
    CV_GUARD(cv_hpke_seal_base(k->kem, k->pk, k->pk_len, k->info, fk, CV_AGE_FILE_KEY, enc, body));
    CV_GUARD(tag_stanza(k, out, enc, enc_len, body));
    if (k->labels == NULL) return cv_ok();
    return cv_strndup(labels, k->labels, strlen(k->labels));
}

static void tag_free(cv_age_recipient *r) { free(r->ctx); }

static const cv_age_recipient_ops tag_ops = { "tag", tag_wrap, tag_free, NULL };

/* age1tag1: a compressed point, expanded for HPKE; the tag hashes the
 * compressed form. */
static cv_result classic_key(tag_rcpt *k, const uint8_t *data, size_t n)
{
    CV_ENSUREF(n == CV_P256_COMPRESSED, CV_E_AGE_RECIPIENT,
               "invalid tag recipient public key size %zu", n);
    CV_ENSUREF(cv_is_ok(cv_p256_point_decode(k->pk, data, n)), CV_E_AGE_RECIPIENT,
               "invalid tag recipient public key");
    k->kem = &cv_hpke_dhkem_p256;
    k->type = "p256tag";
    k->info = "age-encryption.org/p256tag";
    k->labels = NULL;
    k->pk_len = CV_HPKE_P256_PK;
    uint8_t h[32];
    cv_sha256(h, data, n);
    memcpy(k->rhash, h, TAG_LEN);
    return cv_ok();
}

/* age1tagpq1: ML-KEM-768 ek || uncompressed point; the tag hashes the
 * P-256 half only. */
static cv_result hybrid_key(tag_rcpt *k, const uint8_t *data, size_t n)
{
    CV_ENSUREF(cv_is_ok(cv_hpke_pk_check(&cv_hpke_mlkem_p256, data, n)), CV_E_AGE_RECIPIENT,
               "invalid tagpq recipient public key");
    k->kem = &cv_hpke_mlkem_p256;
    k->type = "mlkem768p256tag";
    k->info = "age-encryption.org/mlkem768p256tag";
    k->labels = "postquantum";
    k->pk_len = n;
    memcpy(k->pk, data, n);
    uint8_t h[32];
    cv_sha256(h, data + CV_MLKEM768_EK, n - CV_MLKEM768_EK);
    memcpy(k->rhash, h, TAG_LEN);
    return cv_ok();
}

static cv_result tag_key(tag_rcpt *k, const char *hrp, const uint8_t *data, size_t n)
{
    if (strcmp(hrp, "age1tag") == 0) return classic_key(k, data, n);
    if (strcmp(hrp, "age1tagpq") == 0) return hybrid_key(k, data, n);
    CV_BAILF(CV_E_AGE_RECIPIENT, "invalid recipient type \"%s\"", hrp);
}

cv_result cv_age_tag_recipient_parse(cv_slice s, cv_age_recipient **out)
{
    *out = NULL;
    char hrp[32];
    size_t n = 0;
    uint8_t *data = malloc(CV_HPKE_MAX_PK + 1);
    tag_rcpt *k = calloc(1, sizeof(*k));
    cv_result r = data != NULL && k != NULL ? cv_ok() : CV_FAIL(CV_E_NOMEM);
    if (cv_is_ok(r) && !cv_is_ok(cv_bech32_decode(s, hrp, sizeof(hrp), data, CV_HPKE_MAX_PK + 1, &n)))
        r = CV_FAILF(CV_E_AGE_RECIPIENT, "malformed recipient encoding");
    if (cv_is_ok(r)) r = tag_key(k, hrp, data, n);
    if (cv_is_ok(r)) r = cv_age_recipient_new(out, &tag_ops, k);
    if (!cv_is_ok(r)) free(k);
    free(data);
    return r;
}
