/* The X25519 recipient type (age-encryption.org/v1/X25519). */
#include <stdlib.h>
#include <string.h>

#include "crypto/age/recipient.h"
#include "crypto/base/enc.h"
#include "crypto/prim/aead.h"
#include "crypto/prim/hash.h"
#include "crypto/prim/pk.h"

#define LABEL "age-encryption.org/v1/X25519"
#define HRP_RECIPIENT "age"
#define HRP_IDENTITY "AGE-SECRET-KEY-"

static const uint8_t zero_nonce[CV_CHACHA_NONCE];

typedef struct {
    cv_secret *secret; /* 32-byte scalar */
    uint8_t pub[32];
} x25519_id;

/* wrap key = HKDF(shared, salt = share || recipient, LABEL) */
static cv_result wrap_key(uint8_t key[32], const uint8_t shared[32], const uint8_t share[32],
                          const uint8_t recipient[32])
{
    uint8_t salt[64];
    memcpy(salt, share, 32);
    memcpy(salt + 32, recipient, 32);
    return cv_hkdf(key, 32, shared, 32, salt, sizeof(salt), LABEL);
}

static cv_result x_wrap(const cv_age_recipient *r, const uint8_t fk[CV_AGE_FILE_KEY],
                        cv_age_stanzas *out, char **labels)
{
    const uint8_t *their = r->ctx;
    uint8_t eph[32], share[32], shared[32], key[32], body[CV_AGE_FILE_KEY + 16];
    char arg[44] = { 0 };
    cv_random(eph, sizeof(eph));
    cv_x25519_base(share, eph);
    cv_result res = cv_x25519(shared, eph, their);
    if (cv_is_ok(res)) res = wrap_key(key, shared, share, their);
    if (cv_is_ok(res)) res = cv_chacha_seal1(body, key, zero_nonce, fk, CV_AGE_FILE_KEY);
    if (cv_is_ok(res)) {
        cv_b64_encode(arg, share, 32, false);
        const char *args[1] = { arg };
        res = cv_age_stanzas_add(out, "X25519", args, 1, body, sizeof(body));
    }
    if (cv_is_ok(res)) res = cv_strndup(labels, "", 0);
    CV_WIPE(eph);
    CV_WIPE(shared);
    CV_WIPE(key);
    return res;
}

static void x_free_recipient(cv_age_recipient *r) { free(r->ctx); }

static cv_result x_encode(const cv_age_recipient *r, char **out)
{
    return cv_age_bech32_public(out, HRP_RECIPIENT, r->ctx, 32);
}

static const cv_age_recipient_ops x_recipient_ops = { "X25519", x_wrap, x_free_recipient,
                                                      x_encode };

static cv_result recipient_from_point(const uint8_t pub[32], cv_age_recipient **out)
{
    uint8_t *ctx = malloc(32);
    CV_ENSURE(ctx != NULL, CV_E_NOMEM);
    memcpy(ctx, pub, 32);
    cv_result r = cv_age_recipient_new(out, &x_recipient_ops, ctx);
    if (!cv_is_ok(r)) free(ctx);
    return r;
}

cv_result cv_age_x25519_recipient_parse(cv_slice s, cv_age_recipient **out)
{
    char hrp[16];
    uint8_t pub[32];
    size_t n = 0;
    *out = NULL;
    cv_result r = cv_bech32_decode(s, hrp, sizeof(hrp), pub, sizeof(pub), &n);
    CV_ENSUREF(cv_is_ok(r) && n == 32, CV_E_AGE_RECIPIENT, "malformed recipient");
    CV_ENSUREF(strcmp(hrp, HRP_RECIPIENT) == 0, CV_E_AGE_RECIPIENT,
               "malformed recipient: invalid type \"%s\"", hrp);
    return recipient_from_point(pub, out);
}

static cv_result x_unwrap_one(const cv_age_identity *id, const cv_age_stanza *st,
                              uint8_t fk[CV_AGE_FILE_KEY])
{
    const x25519_id *x = id->ctx;
    uint8_t share[32], shared[32], key[32];
    if (strcmp(st->type, "X25519") != 0) CV_BAIL(CV_E_AGE_NO_MATCH);
    CV_ENSUREF(st->nargs == 1, CV_E_AGE_STANZA, "invalid X25519 recipient block");
    size_t n = 0;
    uint8_t tmp[64];
    cv_slice arg = cv_slice_str(st->args[0]);
    CV_ENSUREF(arg.len <= 64 && cv_is_ok(cv_b64_decode(tmp, &n, arg, false)), CV_E_AGE_STANZA,
               "failed to parse X25519 recipient: illegal base64 data");
    CV_ENSUREF(n == 32, CV_E_AGE_STANZA, "invalid X25519 recipient block");
    memcpy(share, tmp, 32);
    cv_result r;
    r = cv_x25519(shared, x->secret->data, share);
    CV_ENSUREF(cv_is_ok(r), CV_E_AGE_STANZA, "invalid X25519 recipient: low order point");
    r = wrap_key(key, shared, share, x->pub);
    CV_WIPE(shared);
    if (cv_is_ok(r) && st->body_len != CV_AGE_FILE_KEY + 16)
        r = CV_FAILF(CV_E_AGE_STANZA, "invalid X25519 recipient block: incorrect file key size");
    if (cv_is_ok(r) && !cv_is_ok(cv_chacha_open1(fk, key, zero_nonce, st->body, st->body_len)))
        r = CV_FAIL(CV_E_AGE_NO_MATCH);
    CV_WIPE(key);
    return r;
}

static cv_result x_unwrap(const cv_age_identity *id, const cv_age_stanzas *st,
                          uint8_t fk[CV_AGE_FILE_KEY])
{
    return cv_age_unwrap_each(id, st, fk, x_unwrap_one);
}

static cv_result x_to_recipient(const cv_age_identity *id, cv_age_recipient **out)
{
    const x25519_id *x = id->ctx;
    return recipient_from_point(x->pub, out);
}

static void x_free_identity(cv_age_identity *id)
{
    x25519_id *x = id->ctx;
    if (x == NULL) return;
    cv_secret_free(&x->secret);
    free(x);
}

static const cv_age_identity_ops x_identity_ops = { "X25519", x_unwrap, x_to_recipient,
                                                    x_free_identity };

static cv_result identity_from_scalar(const uint8_t scalar[32], cv_age_identity **out)
{
    x25519_id *x = calloc(1, sizeof(*x));
    CV_ENSURE(x != NULL, CV_E_NOMEM);
    cv_result r = cv_secret_dup(&x->secret, scalar, 32);
    if (cv_is_ok(r)) {
        cv_x25519_base(x->pub, x->secret->data);
        r = cv_age_identity_new(out, &x_identity_ops, x, CV_AGE_ID_NATIVE);
    }
    if (!cv_is_ok(r)) {
        cv_secret_free(&x->secret);
        free(x);
    }
    return r;
}

cv_result cv_age_x25519_identity_parse(cv_slice s, cv_age_identity **out)
{
    char hrp[32];
    uint8_t scalar[32];
    size_t n = 0;
    *out = NULL;
    cv_result r = cv_bech32_decode(s, hrp, sizeof(hrp), scalar, sizeof(scalar), &n);
    if (cv_is_ok(r) && (n != 32 || strcmp(hrp, HRP_IDENTITY) != 0))
        r = CV_FAIL(CV_E_AGE_IDENTITY);
    if (cv_is_ok(r)) r = identity_from_scalar(scalar, out);
    CV_WIPE(scalar);
    CV_ENSUREF(cv_is_ok(r) || cv_is(r, CV_E_NOMEM), CV_E_AGE_IDENTITY, "malformed secret key");
    return r;
}

cv_result cv_age_x25519_generate(cv_secret **encoded, char **recipient)
{
    uint8_t scalar[32], pub[32];
    *encoded = NULL;
    *recipient = NULL;
    cv_random(scalar, sizeof(scalar));
    cv_x25519_base(pub, scalar);
    cv_result r = cv_age_bech32_secret(encoded, HRP_IDENTITY, scalar, sizeof(scalar));
    CV_WIPE(scalar);
    if (cv_is_ok(r)) r = cv_age_bech32_public(recipient, HRP_RECIPIENT, pub, sizeof(pub));
    if (!cv_is_ok(r)) cv_secret_free(encoded);
    return r;
}
