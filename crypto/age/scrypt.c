/* The scrypt (passphrase) recipient type. An scrypt stanza must be the only
 * stanza in a header: a passphrase-encrypted file is implicitly
 * authenticated, and mixing would break that. */
#include <stdlib.h>
#include <string.h>

#include "crypto/age/recipient.h"
#include "crypto/base/buf.h"
#include "crypto/base/enc.h"
#include "crypto/base/limits.h"
#include "crypto/prim/aead.h"
#include "crypto/prim/kdf.h"
#include "crypto/prim/pk.h"

#define LABEL "age-encryption.org/v1/scrypt"
#define LABEL_LEN (sizeof(LABEL) - 1)
#define SALT 16u

static const uint8_t zero_nonce[CV_CHACHA_NONCE];

typedef struct {
    cv_secret *pass;
    unsigned log_n; /* work factor (recipient) or cap (identity) */
} scrypt_ctx;

static cv_result derive(uint8_t key[32], const cv_secret *pass, const uint8_t salt[SALT],
                        unsigned log_n)
{
    uint8_t full[LABEL_LEN + SALT];
    memcpy(full, LABEL, LABEL_LEN);
    memcpy(full + LABEL_LEN, salt, SALT);
    return cv_scrypt(key, 32, pass->data, pass->len, full, sizeof(full), log_n, 8, 1);
}

static cv_result random_label(char **labels)
{
    /* A unique label per recipient makes scrypt impossible to mix with any
     * other recipient, including a second scrypt one. */
    uint8_t rnd[16];
    cv_random(rnd, sizeof(rnd));
    CV_GUARD(cv_alloc((void **)labels, 33));
    cv_hex_encode(*labels, rnd, sizeof(rnd));
    (*labels)[32] = '\0';
    return cv_ok();
}

static cv_result s_wrap(const cv_age_recipient *r, const uint8_t fk[CV_AGE_FILE_KEY],
                        cv_age_stanzas *out, char **labels)
{
    const scrypt_ctx *c = r->ctx;
    uint8_t salt[SALT], key[32], body[CV_AGE_FILE_KEY + 16];
    char salt_b64[24] = { 0 }, wf[8];
    cv_random(salt, sizeof(salt));
    cv_result res = derive(key, c->pass, salt, c->log_n);
    if (cv_is_ok(res)) res = cv_chacha_seal1(body, key, zero_nonce, fk, CV_AGE_FILE_KEY);
    CV_WIPE(key);
    CV_GUARD(res);
    cv_b64_encode(salt_b64, salt, SALT, false);
    snprintf(wf, sizeof(wf), "%u", c->log_n);
    const char *args[2] = { salt_b64, wf };
    CV_GUARD(cv_age_stanzas_add(out, "scrypt", args, 2, body, sizeof(body)));
    return random_label(labels);
}

static void s_free(scrypt_ctx *c)
{
    if (c == NULL) return;
    cv_secret_free(&c->pass);
    free(c);
}

static void s_free_recipient(cv_age_recipient *r) { s_free(r->ctx); }
static void s_free_identity(cv_age_identity *id) { s_free(id->ctx); }

static const cv_age_recipient_ops s_recipient_ops = { "scrypt", s_wrap, s_free_recipient, NULL };

static cv_result ctx_new(scrypt_ctx **out, const cv_secret *pass, unsigned log_n)
{
    *out = calloc(1, sizeof(**out));
    CV_ENSURE(*out != NULL, CV_E_NOMEM);
    (*out)->log_n = log_n;
    cv_result r = cv_secret_dup(&(*out)->pass, pass->data, pass->len);
    if (!cv_is_ok(r)) {
        s_free(*out);
        *out = NULL;
    }
    return r;
}

cv_result cv_age_scrypt_recipient_new(const cv_secret *passphrase, unsigned log_n,
                                      cv_age_recipient **out)
{
    scrypt_ctx *c = NULL;
    *out = NULL;
    CV_ENSURE(log_n < 64, CV_E_INVALID_ARG);
    CV_GUARD(ctx_new(&c, passphrase, log_n ? log_n : CV_AGE_SCRYPT_DEFAULT_LOGN));
    cv_result r = cv_age_recipient_new(out, &s_recipient_ops, c);
    if (!cv_is_ok(r)) s_free(c);
    return r;
}

bool cv_age_recipient_is_scrypt(const cv_age_recipient *r) { return r->ops == &s_recipient_ops; }

/* Work factor: decimal, no sign, no leading zero, within the cap. */
static cv_result parse_work_factor(const char *s, unsigned cap, unsigned *out)
{
    uint64_t v = 0;
    cv_slice sl = cv_slice_str(s);
    char q[64];
    cv_quote(q, sizeof(q), sl);
    CV_ENSUREF(sl.len > 0 && sl.p[0] != '0', CV_E_AGE_STANZA, "scrypt work factor encoding invalid: %s", q);
    cv_result r = cv_parse_u64(sl, INT64_MAX, &v);
    if (cv_is(r, CV_E_TOO_LARGE))
        CV_BAILF(CV_E_AGE_STANZA, "failed to parse scrypt work factor: value out of range");
    CV_ENSUREF(cv_is_ok(r), CV_E_AGE_STANZA, "scrypt work factor encoding invalid: %s", q);
    CV_ENSUREF(v <= cap, CV_E_AGE_WORK_FACTOR, "scrypt work factor too large: %llu",
               (unsigned long long)v);
    *out = (unsigned)v;
    return cv_ok();
}

static cv_result s_unwrap_stanza(const scrypt_ctx *c, const cv_age_stanza *st,
                                 uint8_t fk[CV_AGE_FILE_KEY])
{
    uint8_t salt[SALT], key[32];
    unsigned log_n = 0;
    CV_ENSUREF(st->nargs == 2, CV_E_AGE_STANZA, "invalid scrypt recipient block");
    cv_slice arg = cv_slice_str(st->args[0]);
    uint8_t tmp[64];
    size_t n = 0;
    CV_ENSUREF(arg.len > 64 || cv_is_ok(cv_b64_decode(tmp, &n, arg, false)), CV_E_AGE_STANZA,
               "failed to parse scrypt salt: illegal base64 data");
    CV_ENSUREF(n == SALT, CV_E_AGE_STANZA, "invalid scrypt recipient block");
    memcpy(salt, tmp, SALT);
    cv_result r;
    CV_GUARD(parse_work_factor(st->args[1], c->log_n, &log_n));
    CV_ENSUREF(st->body_len == CV_AGE_FILE_KEY + 16, CV_E_AGE_STANZA,
               "invalid scrypt recipient block: incorrect file key size");
    CV_GUARD(derive(key, c->pass, salt, log_n));
    r = cv_chacha_open1(fk, key, zero_nonce, st->body, st->body_len);
    CV_WIPE(key);
    CV_ENSURE(cv_is_ok(r), CV_E_AGE_BAD_PASSPHRASE);
    return cv_ok();
}

static cv_result s_unwrap(const cv_age_identity *id, const cv_age_stanzas *st,
                          uint8_t fk[CV_AGE_FILE_KEY])
{
    for (size_t i = 0; i < st->n; i++)
        CV_ENSUREF(strcmp(st->v[i].type, "scrypt") != 0 || st->n == 1, CV_E_AGE_SCRYPT_ALONE,
                   "an scrypt recipient must be the only one");
    for (size_t i = 0; i < st->n; i++) {
        if (strcmp(st->v[i].type, "scrypt") != 0) continue;
        cv_result r = s_unwrap_stanza(id->ctx, &st->v[i], fk);
        /* A wrong passphrase is still "no match", so others can be tried. */
        if (cv_is(r, CV_E_AGE_BAD_PASSPHRASE)) CV_BAILF(CV_E_AGE_NO_MATCH, "incorrect passphrase");
        return r;
    }
    CV_BAILF(CV_E_AGE_NO_MATCH, "file is not passphrase-encrypted");
}

static cv_result s_to_recipient(const cv_age_identity *id, cv_age_recipient **out)
{
    (void)id;
    *out = NULL;
    CV_BAIL(CV_E_UNSUPPORTED);
}

static const cv_age_identity_ops s_identity_ops = { "scrypt", s_unwrap, s_to_recipient,
                                                    s_free_identity };

cv_result cv_age_scrypt_identity_new(const cv_secret *passphrase, unsigned max_log_n,
                                     cv_age_identity **out)
{
    scrypt_ctx *c = NULL;
    *out = NULL;
    CV_GUARD(ctx_new(&c, passphrase, max_log_n ? max_log_n : CV_AGE_SCRYPT_MAX_LOGN));
    cv_result r = cv_age_identity_new(out, &s_identity_ops, c, CV_AGE_ID_NATIVE);
    if (!cv_is_ok(r)) s_free(c);
    return r;
}


bool cv_age_identity_is_scrypt(const cv_age_identity *id) { return id->ops == &s_identity_ops; }

/* A passphrase identity that asks for the passphrase only when the file is
 * passphrase-encrypted (the CLI's decrypt mode, encrypted identity files). */
typedef struct {
    const cv_age_ui *ui;
    char *prompt;
} lazy_ctx;

static cv_result lazy_unwrap(const cv_age_identity *id, const cv_age_stanzas *st,
                             uint8_t fk[CV_AGE_FILE_KEY])
{
    const lazy_ctx *c = id->ctx;
    for (size_t i = 0; i < st->n; i++)
        CV_ENSUREF(strcmp(st->v[i].type, "scrypt") != 0 || st->n == 1, CV_E_AGE_SCRYPT_ALONE,
                   "an scrypt recipient must be the only one");
    if (st->n != 1 || strcmp(st->v[0].type, "scrypt") != 0)
        CV_BAILF(CV_E_AGE_NO_MATCH, "file is not passphrase-encrypted");
    CV_ENSUREF(c->ui && c->ui->request_secret, CV_E_TERMINAL, "could not read passphrase");
    cv_secret *pass = NULL;
    CV_GUARD(c->ui->request_secret(c->ui->ctx, c->prompt, &pass));
    scrypt_ctx sc = { pass, CV_AGE_SCRYPT_MAX_LOGN };
    cv_result r = s_unwrap_stanza(&sc, &st->v[0], fk);
    cv_secret_free(&pass);
    if (cv_is(r, CV_E_AGE_BAD_PASSPHRASE)) CV_BAILF(CV_E_AGE_BAD_PASSPHRASE, "incorrect passphrase");
    return r;
}

static void lazy_free(cv_age_identity *id)
{
    lazy_ctx *c = id->ctx;
    if (c == NULL) return;
    free(c->prompt);
    free(c);
}

static const cv_age_identity_ops lazy_ops = { "scrypt", lazy_unwrap, s_to_recipient, lazy_free };

cv_result cv_age_scrypt_identity_lazy(const cv_age_ui *ui, const char *prompt,
                                      cv_age_identity **out)
{
    lazy_ctx *c = calloc(1, sizeof(*c));
    *out = NULL;
    CV_ENSURE(c != NULL, CV_E_NOMEM);
    c->ui = ui;
    cv_result r = cv_strndup(&c->prompt, prompt, strlen(prompt));
    if (cv_is_ok(r)) r = cv_age_identity_new(out, &lazy_ops, c, CV_AGE_ID_NATIVE);
    if (!cv_is_ok(r)) {
        free(c->prompt);
        free(c);
    }
    return r;
}
