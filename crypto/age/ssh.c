/* ssh-ed25519 and ssh-rsa recipients and identities (FiloSottile/age
 * agessh, not part of the age spec).
 *
 *   ssh-rsa      stanza "ssh-rsa TAG", body = RSA-OAEP-SHA-256(file key,
 *                label "age-encryption.org/v1/ssh-rsa");
 *   ssh-ed25519  stanza "ssh-ed25519 TAG SHARE": an X25519 exchange with the
 *                key's Montgomery form, whose result is multiplied by a
 *                tweak = HKDF(salt = public key blob) so that the shared
 *                secret is bound to the SSH key; body = ChaCha20-Poly1305.
 *
 * TAG = base64(SHA-256(public key blob)[:4]) lets an identity skip stanzas
 * for other keys. A stanza of the identity's type with the wrong shape is a
 * hard error whatever its tag; once the tag matches, any failure is a hard
 * error too (a decryption failure there means a damaged file, not someone
 * else's key), as in Go. Passphrase-protected keys ask for the passphrase
 * only when a stanza's tag matches, and keep the decrypted key afterwards
 * (so such an identity must not unwrap from two threads at once). */
#include <stdlib.h>
#include <string.h>

#include "crypto/age/recipient.h"
#include "crypto/age/sshkey.h"
#include "crypto/base/enc.h"
#include "crypto/base/limits.h"
#include "crypto/prim/aead.h"
#include "crypto/prim/hash.h"
#include "crypto/prim/pk.h"

#define ED_LABEL "age-encryption.org/v1/ssh-ed25519"
#define RSA_LABEL "age-encryption.org/v1/ssh-rsa"
#define ED_BODY (CV_AGE_FILE_KEY + CV_CHACHA_TAG)

typedef struct {
    cv_ssh_key key;    /* public */
    uint8_t x_pub[32]; /* Ed25519: the key's Montgomery form */
    char tag[CV_SSH_TAG_LEN + 1];
} ssh_rcpt;

typedef struct {
    cv_ssh_key key;    /* key pair */
    cv_secret *x_priv; /* Ed25519: X25519 scalar from the seed */
    uint8_t x_pub[32]; /* Ed25519: X25519(x_priv, basepoint) */
    char tag[CV_SSH_TAG_LEN + 1];
} ssh_ident;

typedef struct {
    cv_ssh_key pub; /* from the key file, or from NAME.pub */
    char tag[CV_SSH_TAG_LEN + 1];
    cv_secret *pem; /* the still-encrypted key file */
    char *name;
    cv_age_ui ui;
    cv_age_identity *inner; /* the decrypted identity, once known */
} ssh_locked;

static const uint8_t zero_nonce[CV_CHACHA_NONCE];

/* --- key derivation shared by both directions --- */

/* wrap_key = HKDF(ikm = X25519(tweak, dh), salt = share || x_pub, label),
 * tweak = HKDF(ikm = "", salt = public key blob, label). */
static cv_result ed_wrap_key(uint8_t key[32], const uint8_t dh[32], const cv_ssh_key *k,
                             const uint8_t share[32], const uint8_t x_pub[32])
{
    uint8_t tweak[32], shared[32], salt[64];
    cv_result r = cv_hkdf(tweak, sizeof(tweak), (const uint8_t *)"", 0, k->wire, k->wire_len,
                          ED_LABEL);
    if (cv_is_ok(r)) r = cv_x25519(shared, tweak, dh);
    memcpy(salt, share, 32);
    memcpy(salt + 32, x_pub, 32);
    if (cv_is_ok(r)) r = cv_hkdf(key, 32, shared, sizeof(shared), salt, sizeof(salt), ED_LABEL);
    CV_WIPE(tweak);
    CV_WIPE(shared);
    return r;
}

/* --- recipients --- */

static cv_result wrap_ed25519(const ssh_rcpt *c, const uint8_t fk[CV_AGE_FILE_KEY],
                              cv_age_stanzas *out)
{
    uint8_t eph[32], share[32], dh[32], key[32], body[ED_BODY];
    char share_b64[44];
    cv_random(eph, sizeof(eph));
    cv_x25519_base(share, eph);
    cv_result r = cv_x25519(dh, eph, c->x_pub);
    if (cv_is_ok(r)) r = ed_wrap_key(key, dh, &c->key, share, c->x_pub);
    if (cv_is_ok(r)) r = cv_chacha_seal1(body, key, zero_nonce, fk, CV_AGE_FILE_KEY);
    cv_b64_encode(share_b64, share, sizeof(share), false);
    share_b64[cv_b64_enc_len(sizeof(share), false)] = '\0';
    const char *args[2] = { c->tag, share_b64 };
    if (cv_is_ok(r)) r = cv_age_stanzas_add(out, CV_SSH_ED25519_NAME, args, 2, body, sizeof(body));
    CV_WIPE(eph);
    CV_WIPE(dh);
    CV_WIPE(key);
    return r;
}

static cv_result wrap_rsa(const ssh_rcpt *c, const uint8_t fk[CV_AGE_FILE_KEY],
                          cv_age_stanzas *out)
{
    size_t cap = cv_rsa_size(c->key.rsa), len = 0;
    uint8_t *body = NULL;
    CV_GUARD(cv_alloc((void **)&body, cap));
    cv_result r = cv_rsa_oaep_encrypt(c->key.rsa, RSA_LABEL, fk, CV_AGE_FILE_KEY, body, &len);
    const char *args[1] = { c->tag };
    if (cv_is_ok(r)) r = cv_age_stanzas_add(out, CV_SSH_RSA_NAME, args, 1, body, len);
    free(body);
    return r;
}

static cv_result rcpt_wrap(const cv_age_recipient *rc, const uint8_t fk[CV_AGE_FILE_KEY],
                           cv_age_stanzas *out, char **labels)
{
    const ssh_rcpt *c = rc->ctx;
    if (c->key.type == CV_SSH_ED25519)
        CV_GUARD(wrap_ed25519(c, fk, out));
    else
        CV_GUARD(wrap_rsa(c, fk, out));
    return cv_strndup(labels, "", 0); /* classic: no labels */
}

static void rcpt_free(cv_age_recipient *rc)
{
    ssh_rcpt *c = rc->ctx;
    if (c == NULL) return;
    cv_ssh_key_clear(&c->key);
    free(c);
}

static const cv_age_recipient_ops rcpt_ops = { "ssh", rcpt_wrap, rcpt_free, NULL };

/* Takes ownership of *key (left empty). age refuses RSA recipients under
 * 2048 bits (a modulus under 256 bytes), except when the recipient comes
 * from an unencrypted identity (`age -e -i`), so the check is optional. */
static cv_result rcpt_new(cv_ssh_key *key, bool check_size, cv_age_recipient **out)
{
    *out = NULL;
    if (key->type == CV_SSH_RSA && check_size)
        CV_ENSURE(cv_rsa_size(key->rsa) >= CV_SSH_MIN_RSA_BITS / 8, CV_E_SSH_RSA_SIZE);
    ssh_rcpt *c = calloc(1, sizeof(*c));
    CV_ENSURE(c != NULL, CV_E_NOMEM);
    cv_result r = cv_ok();
    if (key->type == CV_SSH_ED25519) r = cv_ed25519_pk_to_x25519(c->x_pub, key->ed_pub);
    if (cv_is_ok(r)) r = cv_age_recipient_new(out, &rcpt_ops, c);
    if (!cv_is_ok(r)) {
        free(c);
        return r;
    }
    c->key = *key;
    cv_ssh_key_init(key);
    cv_ssh_key_tag(&c->key, c->tag);
    return cv_ok();
}

cv_result cv_age_ssh_recipient_parse(cv_slice s, cv_age_recipient **out)
{
    cv_ssh_key key;
    *out = NULL;
    CV_GUARD(cv_ssh_pubkey_parse_line(s, &key));
    cv_result r = rcpt_new(&key, true, out);
    cv_ssh_key_clear(&key);
    return r;
}

/* A recipient for the same public key (a fresh copy of the blob). */
static cv_result rcpt_from_public(const cv_ssh_key *k, bool check_size, cv_age_recipient **out)
{
    cv_ssh_key copy;
    CV_GUARD(cv_ssh_pubkey_parse_wire(cv_slice_of(k->wire, k->wire_len), &copy));
    cv_result r = rcpt_new(&copy, check_size, out);
    cv_ssh_key_clear(&copy);
    return r;
}

/* --- identities --- */

static cv_result unwrap_ed25519(const cv_age_identity *id, const cv_age_stanza *s,
                                uint8_t fk[CV_AGE_FILE_KEY])
{
    const ssh_ident *c = id->ctx;
    uint8_t share[32], dh[32], key[32];
    if (strcmp(s->type, CV_SSH_ED25519_NAME) != 0) CV_BAIL(CV_E_AGE_NO_MATCH);
    CV_ENSUREF(s->nargs == 2, CV_E_AGE_STANZA, "invalid ssh-ed25519 recipient block");
    CV_ENSUREF(cv_is_ok(cv_b64_decode_exact(share, sizeof(share), cv_slice_str(s->args[1]), false)),
               CV_E_AGE_STANZA, "invalid ssh-ed25519 recipient block");
    if (strcmp(s->args[0], c->tag) != 0) CV_BAIL(CV_E_AGE_NO_MATCH);
    CV_ENSUREF(s->body_len == ED_BODY, CV_E_AGE_STANZA, "invalid ssh-ed25519 wrapped key size");
    cv_result r = cv_x25519(dh, c->x_priv->data, share);
    if (!cv_is_ok(r)) CV_BAILF(r.err, "invalid X25519 share in ssh-ed25519 stanza");
    r = ed_wrap_key(key, dh, &c->key, share, c->x_pub);
    if (cv_is_ok(r) && !cv_is_ok(cv_chacha_open1(fk, key, zero_nonce, s->body, s->body_len)))
        r = CV_FAILF(CV_E_DECRYPT, "failed to decrypt file key");
    CV_WIPE(dh);
    CV_WIPE(key);
    return r;
}

static cv_result unwrap_rsa(const cv_age_identity *id, const cv_age_stanza *s,
                            uint8_t fk[CV_AGE_FILE_KEY])
{
    const ssh_ident *c = id->ctx;
    size_t n = 0;
    if (strcmp(s->type, CV_SSH_RSA_NAME) != 0) CV_BAIL(CV_E_AGE_NO_MATCH);
    CV_ENSUREF(s->nargs == 1, CV_E_AGE_STANZA, "invalid ssh-rsa recipient block");
    if (strcmp(s->args[0], c->tag) != 0) CV_BAIL(CV_E_AGE_NO_MATCH);
    cv_result r = cv_rsa_oaep_decrypt(c->key.rsa, RSA_LABEL, s->body, s->body_len, fk,
                                      CV_AGE_FILE_KEY, &n);
    if (!cv_is_ok(r) || n != CV_AGE_FILE_KEY) {
        cv_wipe(fk, CV_AGE_FILE_KEY);
        CV_BAILF(CV_E_DECRYPT, "failed to decrypt file key");
    }
    return cv_ok();
}

static cv_result ident_unwrap(const cv_age_identity *id, const cv_age_stanzas *st,
                              uint8_t fk[CV_AGE_FILE_KEY])
{
    const ssh_ident *c = id->ctx;
    return cv_age_unwrap_each(id, st, fk,
                              c->key.type == CV_SSH_ED25519 ? unwrap_ed25519 : unwrap_rsa);
}

static cv_result ident_to_recipient(const cv_age_identity *id, cv_age_recipient **out)
{
    const ssh_ident *c = id->ctx;
    return rcpt_from_public(&c->key, false, out);
}

static void ident_free(cv_age_identity *id)
{
    ssh_ident *c = id->ctx;
    if (c == NULL) return;
    cv_ssh_key_clear(&c->key);
    cv_secret_free(&c->x_priv);
    free(c);
}

static const cv_age_identity_ops ident_ops = { "ssh", ident_unwrap, ident_to_recipient,
                                               ident_free };

/* Takes ownership of *key (a key pair; left empty on success). */
static cv_result ident_new(cv_ssh_key *key, cv_age_identity **out)
{
    *out = NULL;
    ssh_ident *c = calloc(1, sizeof(*c));
    CV_ENSURE(c != NULL, CV_E_NOMEM);
    cv_result r = cv_ok();
    if (key->type == CV_SSH_ED25519) {
        r = cv_secret_new(&c->x_priv, 32);
        if (cv_is_ok(r)) {
            cv_ed25519_seed_to_x25519(c->x_priv->data, key->ed_seed->data);
            cv_x25519_base(c->x_pub, c->x_priv->data);
        }
    }
    if (cv_is_ok(r)) r = cv_age_identity_new(out, &ident_ops, c, CV_AGE_ID_OTHER);
    if (!cv_is_ok(r)) {
        cv_secret_free(&c->x_priv);
        free(c);
        return r;
    }
    c->key = *key;
    cv_ssh_key_init(key);
    cv_ssh_key_tag(&c->key, c->tag);
    return cv_ok();
}

/* --- passphrase-protected keys --- */

/* Go's %q for the prompt: quotes, backslash escapes, \xNN for controls. */
static cv_result go_quote(cv_buf *b, const char *s)
{
    static const char named[] = "\a\b\f\n\r\t\v", letters[] = "abfnrtv";
    CV_GUARD(cv_buf_add_byte(b, '"'));
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        const char *k = strchr(named, *p);
        if (*p == '"' || *p == '\\')
            CV_GUARD(cv_buf_addf(b, "\\%c", *p));
        else if (k)
            CV_GUARD(cv_buf_addf(b, "\\%c", letters[k - named]));
        else if (*p < 0x20 || *p == 0x7f)
            CV_GUARD(cv_buf_addf(b, "\\x%02x", *p));
        else
            CV_GUARD(cv_buf_add_byte(b, *p));
    }
    CV_GUARD(cv_buf_add_byte(b, '"'));
    return cv_ok();
}

static cv_result ask_passphrase(const ssh_locked *c, cv_secret **pass)
{
    *pass = NULL;
    CV_ENSURE(c->ui.request_secret != NULL, CV_E_TERMINAL);
    cv_buf prompt;
    cv_buf_init(&prompt, 4096 + 64);
    cv_result r = cv_buf_add_str(&prompt, "Enter passphrase for ");
    if (cv_is_ok(r)) r = go_quote(&prompt, c->name);
    if (cv_is_ok(r)) r = cv_buf_add_byte(&prompt, ':');
    if (cv_is_ok(r)) r = cv_buf_nul(&prompt);
    if (cv_is_ok(r)) r = c->ui.request_secret(c->ui.ctx, (const char *)prompt.p, pass);
    if (cv_is_ok(r) && *pass == NULL) r = CV_FAIL(CV_E_CANCELED);
    cv_buf_release(&prompt);
    if (!cv_is_ok(r)) cv_secret_free(pass);
    return r;
}

/* Whether a stanza of our type carries our tag (asking only then). */
static cv_result locked_match(const ssh_locked *c, const cv_age_stanzas *st, bool *match)
{
    const char *type = cv_ssh_type_name(c->pub.type);
    *match = false;
    for (size_t i = 0; i < st->n && !*match; i++) {
        const cv_age_stanza *s = &st->v[i];
        if (strcmp(s->type, type) != 0) continue;
        CV_ENSUREF(s->nargs >= 1, CV_E_AGE_STANZA, "invalid %s recipient block", type);
        *match = strcmp(s->args[0], c->tag) == 0;
    }
    return cv_ok();
}

static cv_result locked_open(ssh_locked *c)
{
    cv_secret *pass = NULL;
    cv_ssh_key key;
    bool enc = false;
    CV_GUARD(ask_passphrase(c, &pass));
    cv_result r = cv_ssh_private_parse(cv_slice_of(c->pem->data, c->pem->len), pass, &key, &enc);
    cv_secret_free(&pass);
    if (!cv_is_ok(r)) return r;
    if (!cv_ssh_key_public_eq(&key, &c->pub))
        r = CV_FAILF(CV_E_SSH_KEY, "mismatched private and public SSH key");
    if (cv_is_ok(r)) r = ident_new(&key, &c->inner);
    cv_ssh_key_clear(&key);
    return r;
}

static cv_result locked_unwrap(const cv_age_identity *id, const cv_age_stanzas *st,
                               uint8_t fk[CV_AGE_FILE_KEY])
{
    ssh_locked *c = id->ctx;
    if (c->inner == NULL) {
        bool match = false;
        CV_GUARD(locked_match(c, st, &match));
        if (!match) CV_BAIL(CV_E_AGE_NO_MATCH);
        CV_GUARD(locked_open(c));
    }
    return cv_age_identity_unwrap(c->inner, st, fk);
}

static cv_result locked_to_recipient(const cv_age_identity *id, cv_age_recipient **out)
{
    const ssh_locked *c = id->ctx;
    return rcpt_from_public(&c->pub, true, out);
}

static void locked_free(cv_age_identity *id)
{
    ssh_locked *c = id->ctx;
    if (c == NULL) return;
    cv_ssh_key_clear(&c->pub);
    cv_secret_free(&c->pem);
    free(c->name);
    cv_age_identity_free(&c->inner);
    free(c);
}

static const cv_age_identity_ops locked_ops = { "ssh-encrypted", locked_unwrap,
                                                locked_to_recipient, locked_free };

/* The public key of an encrypted key, from the file or from NAME.pub, must
 * itself be a valid recipient (age checks this before any prompt). */
static cv_result locked_public(cv_ssh_key *pub, cv_slice pubkey, const char *name)
{
    if (pub->type == CV_SSH_NONE) {
        CV_ENSUREF(pubkey.len > 0, CV_E_NOT_FOUND,
                   "failed to obtain public key for \"%s\" SSH key", name);
        cv_result r = cv_ssh_pubkey_parse_line(pubkey, pub);
        if (!cv_is_ok(r)) {
            char why[160]; /* the detail buffer is reused by the next failure */
            snprintf(why, sizeof(why), "%s", cv_err_detail());
            CV_BAILF(r.err, "failed to parse \"%s.pub\": %s", name, why);
        }
    }
    cv_age_recipient *check = NULL;
    CV_GUARD(rcpt_from_public(pub, true, &check));
    cv_age_recipient_free(&check);
    return cv_ok();
}

static cv_result locked_new(cv_slice pem, cv_ssh_key *pub, const char *name,
                            const cv_age_ui *ui, cv_age_identity **out)
{
    ssh_locked *c = calloc(1, sizeof(*c));
    CV_ENSURE(c != NULL, CV_E_NOMEM);
    cv_result r = cv_secret_dup(&c->pem, pem.p, pem.len);
    if (cv_is_ok(r)) r = cv_strndup(&c->name, name, strlen(name));
    if (cv_is_ok(r)) r = cv_age_identity_new(out, &locked_ops, c, CV_AGE_ID_OTHER);
    if (!cv_is_ok(r)) {
        cv_secret_free(&c->pem);
        free(c->name);
        free(c);
        return r;
    }
    if (ui) c->ui = *ui;
    c->pub = *pub;
    cv_ssh_key_init(pub);
    cv_ssh_key_tag(&c->pub, c->tag);
    return cv_ok();
}

cv_result cv_age_ssh_identity_parse(cv_slice pem, cv_slice pubkey, const char *name,
                                    const cv_age_ui *ui, cv_age_identity **out)
{
    cv_ssh_key key;
    bool enc = false;
    *out = NULL;
    if (name == NULL) name = "";
    CV_GUARD(cv_ssh_private_parse(pem, NULL, &key, &enc));
    cv_result r = enc ? locked_public(&key, pubkey, name) : cv_ok();
    if (cv_is_ok(r)) r = enc ? locked_new(pem, &key, name, ui, out) : ident_new(&key, out);
    cv_ssh_key_clear(&key);
    return r;
}
