/* SSH keys for age: parsers (crypto/age/sshkey.c), the ssh-ed25519 and
 * ssh-rsa recipients and identities (crypto/age/ssh.c) and bcrypt_pbkdf.
 *
 * Every expected value comes from a peer: the keys in testvectors/ssh were
 * made by ssh-keygen/openssl and the .age files by age 1.3.1
 * (tests/gen/gen_ssh_vectors.sh); bcrypt_pbkdf answers are OpenBSD's, via
 * x/crypto. The reverse direction hands files we wrap to the real age
 * binary. Malformed inputs are derived from the real keys by rule-based
 * mutations and must fail with an exact error. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crypto/age/recipient.h"
#include "crypto/age/sshkey.h"
#include "crypto/base/enc.h"
#include "crypto/base/limits.h"
#include "crypto/prim/aead.h"
#include "crypto/prim/bcrypt_pbkdf.h"
#include "crypto/prim/hash.h"

#define VEC "testvectors/ssh/"

static void setup(void) { cr_assert(cv_is_ok(cv_crypto_init())); }

TestSuite(ssh, .init = setup);
TestSuite(sshkey, .init = setup);
TestSuite(bcrypt_pbkdf, .init = setup);

/* --- helpers --- */

static uint8_t *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) return NULL;
    uint8_t *buf = NULL;
    size_t n = 0, cap = 0;
    for (;;) {
        if (n == cap) {
            cap = cap ? cap * 2 : 4096;
            buf = realloc(buf, cap + 1);
            cr_assert_not_null(buf);
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        if (got == 0) break;
        n += got;
    }
    fclose(f);
    buf[n] = 0;
    *len = n;
    return buf;
}

static uint8_t *vec(const char *name, size_t *len)
{
    char path[256];
    snprintf(path, sizeof(path), VEC "%s", name);
    uint8_t *p = slurp(path, len);
    cr_assert_not_null(p, "missing vector %s (run tests/gen/gen_ssh_vectors.sh)", path);
    return p;
}

typedef struct {
    char name[64], type[32], format[16], cipher[48], pass[64], pub[64], age[64];
    unsigned bits;
} entry;

static size_t manifest(entry *out, size_t max)
{
    size_t len = 0, n = 0;
    char *text = (char *)vec("manifest.txt", &len), *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line && n < max;
         line = strtok_r(NULL, "\n", &save)) {
        if (line[0] == '#') continue;
        entry *e = &out[n];
        int got = sscanf(line, "%63s %31s %u %15s %47s %63s %63s %63s", e->name, e->type,
                         &e->bits, e->format, e->cipher, e->pass, e->pub, e->age);
        cr_assert_eq(got, 8, "bad manifest line: %s", line);
        n++;
    }
    free(text);
    cr_assert_gt(n, 20);
    return n;
}

static bool usable(const entry *e) { return strncmp(e->type, "ssh-", 4) == 0; }
static bool has(const char *field) { return strcmp(field, "-") != 0; }

typedef struct {
    const char *pass;
    int calls;
    char prompt[512];
} fake_ui;

static cv_result ask(void *ctx, const char *prompt, cv_secret **out)
{
    fake_ui *u = ctx;
    u->calls++;
    snprintf(u->prompt, sizeof(u->prompt), "%s", prompt);
    return cv_secret_dup(out, u->pass, strlen(u->pass));
}

static cv_age_ui make_ui(fake_ui *u)
{
    cv_age_ui ui = { 0 };
    ui.ctx = u;
    ui.request_secret = ask;
    return ui;
}

static cv_result load_identity(const char *name, const char *pubname, const cv_age_ui *ui,
                               cv_age_identity **id)
{
    size_t len = 0, plen = 0;
    char path[256];
    uint8_t *pem = vec(name, &len), *pub = NULL;
    if (pubname) pub = vec(pubname, &plen);
    snprintf(path, sizeof(path), VEC "%s", name);
    cv_result r = cv_age_ssh_identity_parse(cv_slice_of(pem, len), cv_slice_of(pub, plen), path,
                                            ui, id);
    free(pem);
    free(pub);
    return r;
}

static void payload_key(uint8_t key[32], const uint8_t fk[16], const uint8_t nonce[16])
{
    cr_assert(cv_is_ok(cv_hkdf(key, 32, fk, 16, nonce, 16, "payload")));
}

/* Open a one-chunk STREAM payload (nonce || final chunk). */
static void check_payload(const uint8_t fk[16], cv_slice rest, cv_slice want)
{
    uint8_t key[32], nonce[12] = { 0 };
    nonce[11] = 1;
    cr_assert_eq(rest.len, 16 + want.len + 16);
    payload_key(key, fk, rest.p);
    uint8_t *out = malloc(want.len + 1);
    cr_assert(cv_is_ok(cv_chacha_open1(out, key, nonce, rest.p + 16, rest.len - 16)));
    cr_assert(memcmp(out, want.p, want.len) == 0, "plaintext differs");
    free(out);
}

/* Unwrap an age file made by age 1.3.1, verify the MAC and the payload. */
static cv_result open_age(const cv_age_identity *id, const char *age_name)
{
    size_t len = 0, plen = 0, used = 0;
    uint8_t *file = vec(age_name, &len), *pt = vec("plaintext.txt", &plen);
    cv_age_header h;
    uint8_t fk[CV_AGE_FILE_KEY];
    cv_age_header_init(&h);
    cr_assert(cv_is_ok(cv_age_header_parse(cv_slice_of(file, len), &h, &used)));
    cv_result r = cv_age_identity_unwrap(id, &h.stanzas, fk);
    if (cv_is_ok(r)) {
        cr_assert(cv_is_ok(cv_age_header_verify(&h, fk)), "header MAC of %s", age_name);
        check_payload(fk, cv_slice_of(file + used, len - used), cv_slice_of(pt, plen));
    }
    cv_age_header_clear(&h);
    free(file);
    free(pt);
    return r;
}

static void parse_pub(const char *name, cv_ssh_key *k)
{
    size_t len = 0;
    uint8_t *p = vec(name, &len);
    cr_assert(cv_is_ok(cv_ssh_pubkey_parse_line(cv_slice_of(p, len), k)), "%s", name);
    free(p);
}

static cv_result parse_priv(const char *name, const char *pass, cv_ssh_key *k, bool *enc)
{
    size_t len = 0;
    uint8_t *p = vec(name, &len);
    cv_secret *s = NULL;
    if (pass) cr_assert(cv_is_ok(cv_secret_dup(&s, pass, strlen(pass))));
    cv_result r = cv_ssh_private_parse(cv_slice_of(p, len), s, k, enc);
    cv_secret_free(&s);
    free(p);
    return r;
}

/* --- bcrypt_pbkdf --- */

static void unhex(const char *s, uint8_t *out, size_t *n)
{
    *n = strlen(s) / 2;
    cr_assert(cv_is_ok(cv_hex_decode(out, *n, cv_slice_str(s))));
}

Test(bcrypt_pbkdf, openbsd_vectors)
{
    size_t len = 0, checked = 0;
    char *text = (char *)vec("bcrypt_pbkdf.txt", &len), *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        if (line[0] == '#') continue;
        char a[16], b[512], c[512], d[512];
        uint8_t p[256], s[256], want[256], got[256];
        size_t pn, sn, wn;
        cr_assert_eq(sscanf(line, "%15s %511s %511s %511s", a, b, c, d), 4);
        unhex(b, p, &pn);
        unhex(c, s, &sn);
        unhex(d, want, &wn);
        if (strcmp(a, "hash") == 0)
            cv_bcrypt_hash(got, p, s);
        else
            cr_assert(cv_is_ok(cv_bcrypt_pbkdf(got, wn, p, pn, s, sn, (uint32_t)strtoul(a, 0, 10))));
        cr_assert(memcmp(got, want, wn) == 0, "vector %zu", checked);
        checked++;
    }
    free(text);
    cr_assert_eq(checked, 4);
}

Test(bcrypt_pbkdf, rejects_bad_arguments)
{
    uint8_t out[32];
    const uint8_t *pw = (const uint8_t *)"pw", *salt = (const uint8_t *)"salt";
    cr_assert_eq(cv_bcrypt_pbkdf(out, 32, pw, 0, salt, 4, 1).err, CV_E_INVALID_ARG);
    cr_assert_eq(cv_bcrypt_pbkdf(out, 32, pw, 2, salt, 0, 1).err, CV_E_INVALID_ARG);
    cr_assert_eq(cv_bcrypt_pbkdf(out, 32, pw, 2, salt, 4, 0).err, CV_E_INVALID_ARG);
    cr_assert_eq(cv_bcrypt_pbkdf(out, 0, pw, 2, salt, 4, 1).err, CV_E_INVALID_ARG);
    cr_assert_eq(cv_bcrypt_pbkdf(out, 1025, pw, 2, salt, 4, 1).err, CV_E_INVALID_ARG);
}

/* --- parsing every generated key --- */

static void check_private(const entry *e)
{
    cv_ssh_key k, pub;
    bool enc = true;
    bool want_enc = strcmp(e->cipher, "none") != 0;
    cr_assert(cv_is_ok(parse_priv(e->name, NULL, &k, &enc)), "%s", e->name);
    cr_assert_eq(enc, want_enc, "%s", e->name);
    if (want_enc) {
        cr_assert(!k.has_private);
        /* OpenSSH files carry the public key; PEM ones do not. */
        cr_assert_eq(k.type == CV_SSH_NONE, strcmp(e->format, "openssh") != 0, "%s", e->name);
        cv_ssh_key_clear(&k);
        cr_assert(cv_is_ok(parse_priv(e->name, e->pass, &k, &enc)), "%s", e->name);
    }
    cr_assert(k.has_private, "%s", e->name);
    cr_assert_str_eq(cv_ssh_type_name(k.type), e->type);
    if (k.type == CV_SSH_RSA) cr_assert_eq(cv_ssh_key_rsa_bits(&k), e->bits, "%s", e->name);
    parse_pub(e->pub, &pub);
    cr_assert(cv_ssh_key_public_eq(&k, &pub), "%s: private and .pub differ", e->name);
    cv_ssh_key_clear(&pub);
    cv_ssh_key_clear(&k);
}

Test(sshkey, parses_every_generated_key)
{
    entry es[64];
    size_t n = manifest(es, 64), done = 0;
    for (size_t i = 0; i < n; i++) {
        if (!usable(&es[i])) continue;
        check_private(&es[i]);
        done++;
    }
    cr_assert_geq(done, 22);
}

Test(sshkey, unsupported_key_types)
{
    cv_ssh_key k;
    bool enc;
    size_t len = 0;
    cr_assert_eq(parse_priv("ecdsa", NULL, &k, &enc).err, CV_E_SSH_UNSUPPORTED);
    cr_assert_eq(parse_priv("ecdsa_pem", NULL, &k, &enc).err, CV_E_SSH_UNSUPPORTED);
    uint8_t *p = vec("ecdsa.pub", &len);
    cr_assert_eq(cv_ssh_pubkey_parse_line(cv_slice_of(p, len), &k).err, CV_E_SSH_UNSUPPORTED);
    cv_age_recipient *r = NULL;
    cr_assert_eq(cv_age_ssh_recipient_parse(cv_slice_of(p, len), &r).err, CV_E_SSH_UNSUPPORTED);
    cv_slice type;
    cr_assert(cv_ssh_line_key_type(cv_slice_trim(cv_slice_of(p, len)), &type));
    cr_assert(cv_slice_eq_str(type, "ecdsa-sha2-nistp256"));
    free(p);
    cv_age_identity *id = NULL;
    cr_assert_eq(load_identity("ecdsa", NULL, NULL, &id).err, CV_E_SSH_UNSUPPORTED);
    cr_assert_eq(load_identity("ecdsa_pem", NULL, NULL, &id).err, CV_E_SSH_UNSUPPORTED);
}

Test(ssh, recipients_from_every_pub_file)
{
    entry es[64];
    size_t n = manifest(es, 64);
    for (size_t i = 0; i < n; i++) {
        if (!usable(&es[i])) continue;
        size_t len = 0;
        uint8_t *p = vec(es[i].pub, &len);
        cv_age_recipient *r = NULL;
        cv_result res = cv_age_ssh_recipient_parse(cv_slice_of(p, len), &r);
        /* age: RSA recipients must have at least 2048 bits. */
        cr_assert_eq(res.err, es[i].bits < 2048 && strcmp(es[i].type, "ssh-rsa") == 0 ? CV_E_SSH_RSA_SIZE : CV_OK, "%s", es[i].name);
        cv_slice type;
        cr_assert(cv_ssh_line_key_type(cv_slice_trim(cv_slice_of(p, len)), &type));
        cr_assert(cv_slice_eq_str(type, es[i].type));
        cv_age_recipient_free(&r);
        free(p);
    }
}

/* --- decrypting files made by age 1.3.1 --- */

Test(ssh, opens_every_age_file)
{
    entry es[64];
    size_t n = manifest(es, 64), done = 0;
    for (size_t i = 0; i < n; i++) {
        const entry *e = &es[i];
        if (!usable(e) || !has(e->age)) continue;
        fake_ui u = { has(e->pass) ? e->pass : "unused", 0, "" };
        cv_age_ui ui = make_ui(&u);
        cv_age_identity *id = NULL;
        /* Legacy PEM and encrypted PKCS#8 need NAME.pub, as in age. */
        bool need_pub = has(e->pass) && strcmp(e->format, "openssh") != 0;
        cr_assert(cv_is_ok(load_identity(e->name, need_pub ? e->pub : NULL, &ui, &id)), "%s",
                  e->name);
        cr_assert_eq(id->cls, CV_AGE_ID_OTHER);
        cv_result r = open_age(id, e->age);
        cr_assert(cv_is_ok(r), "%s: %s (%s)", e->name, cv_strerror(r.err), cv_err_detail());
        cr_assert_eq(u.calls, has(e->pass) ? 1 : 0, "%s", e->name);
        /* The decrypted key is kept: no second prompt. */
        cr_assert(cv_is_ok(open_age(id, e->age)));
        cr_assert_eq(u.calls, has(e->pass) ? 1 : 0, "%s", e->name);
        cv_age_identity_free(&id);
        done++;
    }
    cr_assert_geq(done, 21);
}

Test(ssh, prompt_text_is_ages)
{
    fake_ui u = { "pw-ed25519-default", 0, "" };
    cv_age_ui ui = make_ui(&u);
    cv_age_identity *id = NULL;
    cr_assert(cv_is_ok(load_identity("ed25519_enc", NULL, &ui, &id)));
    cr_assert(cv_is_ok(open_age(id, "ed25519_enc.age")));
    cr_assert_str_eq(u.prompt, "Enter passphrase for \"" VEC "ed25519_enc\":");
    cv_age_identity_free(&id);

    size_t len = 0;
    uint8_t *pem = vec("ed25519_enc", &len);
    cr_assert(cv_is_ok(cv_age_ssh_identity_parse(cv_slice_of(pem, len), cv_slice_of(NULL, 0),
                                                 "a\"b\\c\td", &ui, &id)));
    cr_assert(cv_is_ok(open_age(id, "ed25519_enc.age")));
    cr_assert_str_eq(u.prompt, "Enter passphrase for \"a\\\"b\\\\c\\td\":");
    cv_age_identity_free(&id);
    free(pem);
}

Test(ssh, wrong_key_is_no_match)
{
    static const char *const pairs[][2] = {
        { "ed25519_other", "ed25519.age" }, { "rsa3072", "rsa2048.age" },
        { "rsa2048", "ed25519.age" },       { "ed25519", "rsa2048.age" },
        { "rsa2048_pkcs1", "rsa2048.age" }, { "ed25519_pkcs8", "ed25519.age" },
    };
    for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
        cv_age_identity *id = NULL;
        cr_assert(cv_is_ok(load_identity(pairs[i][0], NULL, NULL, &id)));
        cr_assert_eq(open_age(id, pairs[i][1]).err, CV_E_AGE_NO_MATCH, "%s", pairs[i][0]);
        cv_age_identity_free(&id);
    }
}

Test(ssh, encrypted_key_not_asked_for_other_files)
{
    static const char *const keys[] = { "ed25519_enc", "rsa2048_enc", "rsa3072_chacha" };
    for (size_t i = 0; i < 3; i++) {
        fake_ui u = { "irrelevant", 0, "" };
        cv_age_ui ui = make_ui(&u);
        cv_age_identity *id = NULL;
        cr_assert(cv_is_ok(load_identity(keys[i], NULL, &ui, &id)));
        cr_assert_eq(open_age(id, "ed25519_other.age").err, CV_E_AGE_NO_MATCH);
        cr_assert_eq(open_age(id, "rsa2048.age").err, CV_E_AGE_NO_MATCH);
        cr_assert_eq(u.calls, 0, "%s asked for a passphrase", keys[i]);
        cv_age_identity_free(&id);
    }
}

Test(ssh, wrong_passphrase)
{
    entry es[64];
    size_t n = manifest(es, 64), done = 0;
    for (size_t i = 0; i < n; i++) {
        const entry *e = &es[i];
        if (!usable(e) || !has(e->pass) || !has(e->age)) continue;
        fake_ui u = { "not-the-passphrase", 0, "" };
        cv_age_ui ui = make_ui(&u);
        cv_age_identity *id = NULL;
        bool need_pub = strcmp(e->format, "openssh") != 0;
        cr_assert(cv_is_ok(load_identity(e->name, need_pub ? e->pub : NULL, &ui, &id)));
        cr_assert_eq(open_age(id, e->age).err, CV_E_SSH_PASSPHRASE, "%s", e->name);
        /* A failure is not cached: the next attempt asks again. */
        u.pass = e->pass;
        cr_assert(cv_is_ok(open_age(id, e->age)), "%s", e->name);
        cr_assert_eq(u.calls, 2);
        cv_age_identity_free(&id);
        done++;
    }
    cr_assert_geq(done, 14);
}

Test(ssh, empty_passphrase_and_no_ui)
{
    fake_ui u = { "", 0, "" };
    cv_age_ui ui = make_ui(&u);
    cv_age_identity *id = NULL;
    cr_assert(cv_is_ok(load_identity("ed25519_enc", NULL, &ui, &id)));
    cr_assert_eq(open_age(id, "ed25519_enc.age").err, CV_E_SSH_PASSPHRASE);
    cv_age_identity_free(&id);
    cr_assert(cv_is_ok(load_identity("ed25519_enc", NULL, NULL, &id)));
    cr_assert_eq(open_age(id, "ed25519_enc.age").err, CV_E_TERMINAL);
    cv_age_identity_free(&id);
}

Test(ssh, small_rsa_rules)
{
    /* age accepts an unencrypted 1024-bit identity (and -e -i encrypts to
     * it), but not an encrypted one, whose public key must be a valid
     * recipient before any prompt. */
    cv_age_identity *id = NULL;
    cr_assert(cv_is_ok(load_identity("rsa1024", NULL, NULL, &id)));
    cr_assert(cv_is_ok(open_age(id, "rsa1024.age")));
    cv_age_recipient *r = NULL;
    cr_assert(cv_is_ok(id->ops->to_recipient(id, &r)));
    cv_age_recipient_free(&r);
    cv_age_identity_free(&id);
    fake_ui u = { "pw-rsa1024", 0, "" };
    cv_age_ui ui = make_ui(&u);
    cr_assert_eq(load_identity("rsa1024_enc", NULL, &ui, &id).err, CV_E_SSH_RSA_SIZE);
}

Test(ssh, legacy_pem_needs_pub_file)
{
    fake_ui u = { "pw-rsa-legacy-pem", 0, "" };
    cv_age_ui ui = make_ui(&u);
    cv_age_identity *id = NULL;
    cr_assert_eq(load_identity("rsa2048_pkcs1_enc", NULL, &ui, &id).err, CV_E_NOT_FOUND);
    cr_assert_eq(load_identity("rsa2048_pkcs8_enc", NULL, &ui, &id).err, CV_E_NOT_FOUND);
    cr_assert_eq(load_identity("rsa2048_pkcs1_enc", "ecdsa.pub", &ui, &id).err,
                 CV_E_SSH_UNSUPPORTED);
    cr_assert_eq(load_identity("rsa2048_pkcs1_enc", "plaintext.txt", &ui, &id).err,
                 CV_E_SSH_KEY);
    cr_assert(strstr(cv_err_detail(), "rsa2048_pkcs1_enc.pub") != NULL);
    cr_assert_eq(load_identity("rsa2048_pkcs1_enc", "rsa1024.pub", &ui, &id).err,
                 CV_E_SSH_RSA_SIZE);
    /* A .pub of another key: the tag of that key's file matches, the
     * passphrase is asked, and the decrypted key does not fit. */
    cr_assert(cv_is_ok(load_identity("rsa2048_pkcs1_enc", "rsa3072.pub", &ui, &id)));
    cr_assert_eq(open_age(id, "rsa3072.age").err, CV_E_SSH_KEY);
    cr_assert_eq(u.calls, 1);
    cr_assert_eq(open_age(id, "rsa2048_pkcs1_enc.age").err, CV_E_AGE_NO_MATCH);
    cv_age_identity_free(&id);
}

/* --- stanza rules (mutations of stanzas age 1.3.1 wrote) --- */

static void load_header(const char *age_name, cv_age_header *h)
{
    size_t len = 0, used = 0;
    uint8_t *file = vec(age_name, &len);
    cv_age_header_init(h);
    cr_assert(cv_is_ok(cv_age_header_parse(cv_slice_of(file, len), h, &used)));
    cr_assert_eq(h->stanzas.n, 1);
    free(file);
}

/* One stanza from `src` with args and body replaced (NULL = keep). */
static void one_stanza(cv_age_stanzas *out, const cv_age_stanza *src, const char *const *args,
                       size_t nargs, const uint8_t *body, size_t body_len)
{
    cv_age_stanzas_init(out);
    if (args == NULL) {
        args = (const char *const *)src->args;
        nargs = src->nargs;
    }
    if (body == NULL) {
        body = src->body;
        body_len = src->body_len;
    }
    cr_assert(cv_is_ok(cv_age_stanzas_add(out, src->type, args, nargs, body, body_len)));
}

static cv_err try_stanza(const cv_age_identity *id, const cv_age_stanza *src,
                         const char *const *args, size_t nargs, const uint8_t *body,
                         size_t body_len)
{
    cv_age_stanzas st;
    uint8_t fk[CV_AGE_FILE_KEY];
    one_stanza(&st, src, args, nargs, body, body_len);
    cv_err e = cv_age_identity_unwrap(id, &st, fk).err;
    cv_age_stanzas_clear(&st);
    return e;
}

Test(ssh, ed25519_stanza_rules)
{
    cv_age_header h;
    cv_age_identity *id = NULL;
    load_header("ed25519.age", &h);
    cr_assert(cv_is_ok(load_identity("ed25519", NULL, NULL, &id)));
    const cv_age_stanza *s = &h.stanzas.v[0];
    cr_assert_str_eq(s->type, "ssh-ed25519");
    cr_assert_eq(s->nargs, 2);
    const char *tag = s->args[0], *share = s->args[1];
    uint8_t body[64];
    memcpy(body, s->body, s->body_len);
    body[5] ^= 1;
    const char *one[] = { tag }, *three[] = { tag, share, "x" }, *other3[] = { "AAAAAA", share, "x" };
    const char *short_share[] = { tag, "AAAA" }, *other_tag[] = { "AAAAAA", share };
    const char *zero_share[] = { tag, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" };
    const char *bad_b64[] = { tag, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB" };
    cr_assert_eq(try_stanza(id, s, NULL, 0, NULL, 0), CV_OK);
    cr_assert_eq(try_stanza(id, s, one, 1, NULL, 0), CV_E_AGE_STANZA);
    cr_assert_eq(try_stanza(id, s, three, 3, NULL, 0), CV_E_AGE_STANZA);
    /* The shape is checked before the tag, as in Go. */
    cr_assert_eq(try_stanza(id, s, other3, 3, NULL, 0), CV_E_AGE_STANZA);
    cr_assert_eq(try_stanza(id, s, short_share, 2, NULL, 0), CV_E_AGE_STANZA);
    cr_assert_eq(try_stanza(id, s, bad_b64, 2, NULL, 0), CV_E_AGE_STANZA);
    cr_assert_eq(try_stanza(id, s, other_tag, 2, NULL, 0), CV_E_AGE_NO_MATCH);
    cr_assert_eq(try_stanza(id, s, other_tag, 2, body, s->body_len), CV_E_AGE_NO_MATCH);
    /* Tag matches: failures are errors, not "no match". */
    cr_assert_eq(try_stanza(id, s, NULL, 0, body, s->body_len), CV_E_DECRYPT);
    cr_assert_eq(try_stanza(id, s, NULL, 0, s->body, s->body_len - 1), CV_E_AGE_STANZA);
    cr_assert_eq(try_stanza(id, s, zero_share, 2, NULL, 0), CV_E_LOW_ORDER);
    cv_age_identity_free(&id);
    cv_age_header_clear(&h);
}

Test(ssh, rsa_stanza_rules)
{
    cv_age_header h;
    cv_age_identity *id = NULL;
    load_header("rsa2048.age", &h);
    cr_assert(cv_is_ok(load_identity("rsa2048", NULL, NULL, &id)));
    const cv_age_stanza *s = &h.stanzas.v[0];
    cr_assert_str_eq(s->type, "ssh-rsa");
    cr_assert_eq(s->nargs, 1);
    cr_assert_eq(s->body_len, 256);
    uint8_t body[256];
    memcpy(body, s->body, sizeof(body));
    body[100] ^= 1;
    const char *two[] = { s->args[0], "x" }, *other_tag[] = { "AAAAAA" };
    cr_assert_eq(try_stanza(id, s, NULL, 0, NULL, 0), CV_OK);
    cr_assert_eq(try_stanza(id, s, two, 2, NULL, 0), CV_E_AGE_STANZA);
    cr_assert_eq(try_stanza(id, s, two, 0, NULL, 0), CV_E_AGE_STANZA);
    cr_assert_eq(try_stanza(id, s, other_tag, 1, body, sizeof(body)), CV_E_AGE_NO_MATCH);
    cr_assert_eq(try_stanza(id, s, NULL, 0, body, sizeof(body)), CV_E_DECRYPT);
    cr_assert_eq(try_stanza(id, s, NULL, 0, s->body, 255), CV_E_DECRYPT);
    cv_age_identity_free(&id);
    cv_age_header_clear(&h);
}

Test(ssh, encrypted_identity_stanza_rules)
{
    cv_age_header h;
    cv_age_identity *id = NULL;
    fake_ui u = { "pw-ed25519-default", 0, "" };
    cv_age_ui ui = make_ui(&u);
    load_header("ed25519_enc.age", &h);
    cr_assert(cv_is_ok(load_identity("ed25519_enc", NULL, &ui, &id)));
    const cv_age_stanza *s = &h.stanzas.v[0];
    uint8_t body[64];
    memcpy(body, s->body, s->body_len);
    body[0] ^= 1;
    /* A stanza of our type without arguments fails before any prompt. */
    const char *none[] = { "x" };
    cr_assert_eq(try_stanza(id, s, none, 0, NULL, 0), CV_E_AGE_STANZA);
    cr_assert_eq(u.calls, 0);
    cr_assert_eq(try_stanza(id, s, NULL, 0, body, s->body_len), CV_E_DECRYPT);
    cr_assert_eq(u.calls, 1);
    cv_age_identity_free(&id);
    cv_age_header_clear(&h);
}

/* --- malformed keys: rule-based mutations of real keys --- */

static void put32(cv_buf *b, size_t v)
{
    uint8_t be[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v };
    cr_assert(cv_is_ok(cv_buf_add(b, be, 4)));
}

static void putstr(cv_buf *b, cv_slice s)
{
    put32(b, s.len);
    cr_assert(cv_is_ok(cv_buf_add(b, s.p, s.len)));
}

static cv_slice getstr(cv_reader *r)
{
    uint32_t n = 0;
    cv_slice s;
    cr_assert(cv_is_ok(cv_reader_be32(r, &n)));
    cr_assert(cv_is_ok(cv_reader_bytes(r, n, &s)));
    return s;
}

/* The binary inside a PEM file (between the BEGIN and END lines). */
static cv_buf pem_der(const char *name)
{
    size_t len = 0, n = 0;
    char *text = (char *)vec(name, &len);
    char *b = strchr(text, '\n') + 1, *e = strstr(b, "-----END");
    cv_buf txt, der;
    cv_buf_init(&txt, 1 << 16);
    for (char *p = b; p < e; p++)
        if (*p != '\n') cr_assert(cv_is_ok(cv_buf_add_byte(&txt, (uint8_t)*p)));
    cv_buf_init(&der, 1 << 16);
    cr_assert(cv_is_ok(cv_buf_reserve(&der, cv_b64_dec_max(txt.len))));
    cr_assert(cv_is_ok(cv_b64_decode(der.p, &n, cv_buf_slice(&txt), true)));
    der.len = n;
    cv_buf_release(&txt);
    free(text);
    return der;
}

static cv_buf to_pem(const char *type, cv_slice der)
{
    cv_buf out, b64;
    cv_buf_init(&out, 1 << 20);
    cv_buf_init(&b64, 1 << 20);
    cr_assert(cv_is_ok(cv_b64_encode_buf(&b64, der.p, der.len, true)));
    cr_assert(cv_is_ok(cv_buf_addf(&out, "-----BEGIN %s-----\n", type)));
    for (size_t i = 0; i < b64.len; i += 70) {
        size_t n = b64.len - i < 70 ? b64.len - i : 70;
        cr_assert(cv_is_ok(cv_buf_add(&out, b64.p + i, n)));
        cr_assert(cv_is_ok(cv_buf_add_byte(&out, '\n')));
    }
    cr_assert(cv_is_ok(cv_buf_addf(&out, "-----END %s-----\n", type)));
    cv_buf_release(&b64);
    return out;
}

typedef struct {
    cv_slice cipher, kdf, kdfopts, pub, priv, tail;
    uint32_t nkeys;
} oss_file;

static oss_file oss_split(const cv_buf *der)
{
    oss_file f;
    cv_reader r = cv_reader_of(cv_buf_slice(der));
    r.pos = 15; /* "openssh-key-v1\0" */
    f.cipher = getstr(&r);
    f.kdf = getstr(&r);
    f.kdfopts = getstr(&r);
    cr_assert(cv_is_ok(cv_reader_be32(&r, &f.nkeys)));
    f.pub = getstr(&r);
    f.priv = getstr(&r);
    f.tail = cv_reader_rest(&r);
    return f;
}

static cv_err oss_try(const oss_file *f, const char *pass)
{
    cv_buf der;
    cv_buf_init(&der, 1 << 16);
    cr_assert(cv_is_ok(cv_buf_add(&der, "openssh-key-v1", 15)));
    putstr(&der, f->cipher);
    putstr(&der, f->kdf);
    putstr(&der, f->kdfopts);
    put32(&der, f->nkeys);
    putstr(&der, f->pub);
    putstr(&der, f->priv);
    cr_assert(cv_is_ok(cv_buf_add(&der, f->tail.p, f->tail.len)));
    cv_buf pem = to_pem("OPENSSH PRIVATE KEY", cv_buf_slice(&der));
    cv_secret *s = NULL;
    if (pass) cr_assert(cv_is_ok(cv_secret_dup(&s, pass, strlen(pass))));
    cv_ssh_key k;
    bool enc;
    cv_err e = cv_ssh_private_parse(cv_buf_slice(&pem), s, &k, &enc).err;
    cv_ssh_key_clear(&k);
    cv_secret_free(&s);
    cv_buf_release(&pem);
    cv_buf_release(&der);
    return e;
}

/* A copy of `s` with byte i xored with x (static storage, one at a time). */
static cv_slice flip(cv_slice s, size_t i, uint8_t x)
{
    static uint8_t buf[1 << 14];
    cr_assert_leq(s.len, sizeof(buf));
    memcpy(buf, s.p, s.len);
    buf[i] ^= x;
    return cv_slice_of(buf, s.len);
}

Test(sshkey, openssh_structure_rules)
{
    cv_buf der = pem_der("ed25519");
    oss_file base = oss_split(&der), f;
    cr_assert_eq(oss_try(&base, NULL), CV_OK); /* the rebuild is faithful */
    f = base, f.nkeys = 2;
    cr_assert_eq(oss_try(&f, NULL), CV_E_SSH_KEY);
    f = base, f.kdf = cv_slice_str("bcrypt");
    cr_assert_eq(oss_try(&f, NULL), CV_E_SSH_KEY);
    f = base, f.kdfopts = cv_slice_str("x");
    cr_assert_eq(oss_try(&f, NULL), CV_E_SSH_KEY);
    f = base, f.priv = flip(base.priv, 7, 1); /* second check word */
    cr_assert_eq(oss_try(&f, NULL), CV_E_SSH_KEY);
    f = base, f.priv = flip(base.priv, base.priv.len - 1, 0x10); /* padding */
    cr_assert_eq(oss_try(&f, NULL), CV_E_SSH_KEY);
    /* check words, "ssh-ed25519", public key, then 64 private bytes whose
     * second half is the public key again. */
    size_t priv_half2 = 8 + 15 + 36 + 4 + 32;
    f = base, f.priv = flip(base.priv, priv_half2, 1);
    cr_assert_eq(oss_try(&f, NULL), CV_E_SSH_KEY);
    f = base, f.priv = flip(base.priv, 8 + 4 + 4, 'e' ^ 'x'); /* "ssh-xd25519" */
    cr_assert_eq(oss_try(&f, NULL), CV_E_SSH_UNSUPPORTED);
    f = base, f.priv = cv_slice_of(base.priv.p, 40);
    cr_assert_eq(oss_try(&f, NULL), CV_E_SSH_KEY);
    f = base, f.tail = cv_slice_str("trailing"); /* ignored, as in Go */
    cr_assert_eq(oss_try(&f, NULL), CV_OK);
    cv_buf_release(&der);
}

Test(sshkey, openssh_rsa_pair_is_checked)
{
    cv_buf der = pem_der("rsa2048");
    oss_file base = oss_split(&der), f = base;
    cv_reader r = cv_reader_of(base.priv);
    r.pos = 8;
    (void)getstr(&r); /* "ssh-rsa" */
    (void)getstr(&r); /* n */
    (void)getstr(&r); /* e */
    cv_slice d = getstr(&r);
    f.priv = flip(base.priv, (size_t)(d.p - base.priv.p) + d.len - 1, 2);
    cr_assert_eq(oss_try(&base, NULL), CV_OK);
    cr_assert_eq(oss_try(&f, NULL), CV_E_SSH_KEY);
    cv_buf_release(&der);
}

Test(sshkey, openssh_encryption_rules)
{
    const char *pw = "pw-ed25519-default";
    cv_buf der = pem_der("ed25519_enc");
    oss_file base = oss_split(&der), f;
    uint8_t opts[64];
    cr_assert_eq(oss_try(&base, pw), CV_OK);
    cr_assert_eq(oss_try(&base, "wrong"), CV_E_SSH_PASSPHRASE);
    /* Unknown ciphers and KDFs surface only once a passphrase is used. */
    f = base, f.cipher = cv_slice_str("3des-cbc");
    cr_assert_eq(oss_try(&f, NULL), CV_OK);
    cr_assert_eq(oss_try(&f, pw), CV_E_SSH_UNSUPPORTED);
    f = base, f.kdf = cv_slice_str("scrypt");
    cr_assert_eq(oss_try(&f, pw), CV_E_SSH_UNSUPPORTED);
    f = base, f.cipher = cv_slice_str("none");
    cr_assert_eq(oss_try(&f, NULL), CV_E_SSH_KEY);
    /* kdfopts = string salt, uint32 rounds (big-endian, last 4 bytes). */
    cr_assert_lt(base.kdfopts.len, sizeof(opts) - 1);
    memcpy(opts, base.kdfopts.p, base.kdfopts.len);
    size_t rl = base.kdfopts.len - 4;
    uint32_t big = CV_SSH_MAX_KDF_ROUNDS + 1;
    opts[rl] = (uint8_t)(big >> 24), opts[rl + 1] = (uint8_t)(big >> 16);
    opts[rl + 2] = (uint8_t)(big >> 8), opts[rl + 3] = (uint8_t)big;
    f = base, f.kdfopts = cv_slice_of(opts, base.kdfopts.len);
    cr_assert_eq(oss_try(&f, pw), CV_E_LIMIT);
    memset(opts + rl, 0, 4);
    cr_assert_eq(oss_try(&f, pw), CV_E_SSH_KEY);
    memcpy(opts, base.kdfopts.p, base.kdfopts.len);
    opts[base.kdfopts.len] = 0;
    f = base, f.kdfopts = cv_slice_of(opts, base.kdfopts.len + 1);
    cr_assert_eq(oss_try(&f, pw), CV_E_SSH_KEY);
    /* A bad embedded public key is found without the passphrase. */
    f = base, f.pub = cv_slice_of(base.pub.p, base.pub.len - 1);
    cr_assert_eq(oss_try(&f, NULL), CV_E_SSH_KEY);
    cv_buf_release(&der);
}

Test(sshkey, openssh_aead_and_cbc_rules)
{
    cv_buf der = pem_der("ed25519_aes256_gcm");
    oss_file base = oss_split(&der), f;
    const char *pw = "pw-aes256-gcm@openssh.com";
    cr_assert_eq(base.tail.len, 16);
    cr_assert_eq(oss_try(&base, pw), CV_OK);
    f = base, f.tail = cv_slice_of(base.tail.p, 15);
    cr_assert_eq(oss_try(&f, pw), CV_E_SSH_KEY);
    f = base, f.tail = flip(base.tail, 3, 1);
    cr_assert_eq(oss_try(&f, pw), CV_E_SSH_PASSPHRASE);
    cv_buf_release(&der);

    der = pem_der("ed25519_chacha20_poly1305");
    base = oss_split(&der);
    pw = "pw-chacha20-poly1305@openssh.com";
    cr_assert_eq(oss_try(&base, pw), CV_OK);
    f = base, f.priv = flip(base.priv, 20, 1);
    cr_assert_eq(oss_try(&f, pw), CV_E_SSH_PASSPHRASE);
    cv_buf_release(&der);

    der = pem_der("ed25519_aes256_cbc");
    base = oss_split(&der);
    f = base, f.priv = cv_slice_of(base.priv.p, base.priv.len - 8);
    cr_assert_eq(oss_try(&f, "pw-aes256-cbc"), CV_E_SSH_KEY);
    cv_buf_release(&der);
}

static cv_err priv_text(const char *text)
{
    cv_ssh_key k;
    bool enc;
    cv_err e = cv_ssh_private_parse(cv_slice_str(text), NULL, &k, &enc).err;
    cv_ssh_key_clear(&k);
    return e;
}

Test(sshkey, pem_rules)
{
    size_t len = 0;
    char *key = (char *)vec("ed25519", &len), *buf = malloc(len + 64 + 20000);
    cr_assert_eq(priv_text(""), CV_E_SSH_KEY);
    cr_assert_eq(priv_text("ssh-ed25519 AAAA\n"), CV_E_SSH_KEY);
    cr_assert_eq(priv_text("-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n"), CV_E_SSH_KEY);
    cr_assert_eq(priv_text("-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"),
                 CV_E_SSH_KEY);
    cr_assert_eq(priv_text("-----BEGIN OPENSSH PRIVATE KEY-----\nA!AA\n"
                           "-----END OPENSSH PRIVATE KEY-----\n"),
                 CV_E_SSH_KEY);
    cr_assert_eq(priv_text("-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjE=\n"
                           "-----END OPENSSH PRIVATE KEY-----\n"),
                 CV_E_SSH_KEY); /* "openssh-key-v1" without its NUL */
    cr_assert_eq(priv_text("-----BEGIN DSA PRIVATE KEY-----\nAAAA\n-----END DSA PRIVATE KEY-----\n"),
                 CV_E_SSH_UNSUPPORTED);
    /* Text around the block is ignored, as by Go's pem.Decode. */
    snprintf(buf, len + 64, "some text\n%sand after\n", key);
    cr_assert_eq(priv_text(buf), CV_OK);
    /* age reads at most 16 KiB - 1 of a PEM key file. */
    memcpy(buf, key, len);
    memset(buf + len, '\n', CV_SSH_MAX_KEYFILE - len);
    buf[CV_SSH_MAX_KEYFILE] = 0;
    cr_assert_eq(priv_text(buf), CV_E_TOO_LARGE);
    buf[CV_SSH_MAX_KEYFILE - 1] = 0;
    cr_assert_eq(priv_text(buf), CV_OK);
    free(key);
    free(buf);
}

Test(sshkey, pkcs8_damage_is_an_error)
{
    size_t len = 0;
    char *key = (char *)vec("rsa3072_pkcs8", &len);
    cr_assert_eq(priv_text(key), CV_OK);
    char *mid = key + len / 2;
    while (*mid == '\n' || *mid == 'A') mid++;
    *mid = 'A';
    cr_assert_eq(priv_text(key), CV_E_SSH_KEY);
    free(key);
}

/* --- public key rules --- */

static cv_err pub_text(const char *text)
{
    cv_ssh_key k;
    cv_err e = cv_ssh_pubkey_parse_line(cv_slice_str(text), &k).err;
    cv_ssh_key_clear(&k);
    return e;
}

/* "TYPE base64(blob)" for a blob assembled by the test. */
static cv_err pub_blob(const char *type, const cv_buf *blob)
{
    cv_buf line;
    cv_buf_init(&line, 1 << 16);
    cr_assert(cv_is_ok(cv_buf_addf(&line, "%s ", type)));
    cr_assert(cv_is_ok(cv_b64_encode_buf(&line, blob->p, blob->len, true)));
    cr_assert(cv_is_ok(cv_buf_nul(&line)));
    cv_err e = pub_text((const char *)line.p);
    cv_buf_release(&line);
    return e;
}

static cv_buf rsa_blob(cv_slice e, cv_slice n)
{
    cv_buf b;
    cv_buf_init(&b, 1 << 16);
    putstr(&b, cv_slice_str("ssh-rsa"));
    putstr(&b, e);
    putstr(&b, n);
    return b;
}

/* The wire blob inside a .pub file. */
static cv_buf pub_wire(const char *name)
{
    size_t len = 0, n = 0;
    char *text = (char *)vec(name, &len);
    char *b = strchr(text, ' ') + 1, *end = strchr(b, ' ');
    cv_buf out;
    cv_buf_init(&out, 1 << 16);
    cr_assert(cv_is_ok(cv_buf_reserve(&out, len)));
    cr_assert(cv_is_ok(cv_b64_decode(out.p, &n, cv_slice_of(b, (size_t)(end - b)), true)));
    out.len = n;
    free(text);
    return out;
}

Test(sshkey, public_key_rules)
{
    cr_assert_eq(pub_text(""), CV_E_SSH_KEY);
    cr_assert_eq(pub_text("# just a comment"), CV_E_SSH_KEY);
    cr_assert_eq(pub_text("ssh-ed25519"), CV_E_SSH_KEY);
    cr_assert_eq(pub_text("ssh-ed25519 !!!!"), CV_E_SSH_KEY);
    cr_assert_eq(pub_text("ssh-ed25519 AAAA"), CV_E_SSH_KEY);

    cv_buf ed = pub_wire("ed25519.pub"), b;
    cr_assert_eq(ed.len, 51);
    cr_assert_eq(pub_blob("ssh-ed25519", &ed), CV_OK);
    /* The type inside the blob decides, as in Go's ParseAuthorizedKey. */
    cr_assert_eq(pub_blob("ssh-rsa", &ed), CV_OK);
    cr_assert(cv_is_ok(cv_buf_add_byte(&ed, 0)));
    cr_assert_eq(pub_blob("ssh-ed25519", &ed), CV_E_SSH_KEY); /* trailing junk */
    cv_buf_init(&b, 1 << 10);
    putstr(&b, cv_slice_str("ssh-ed25519"));
    putstr(&b, cv_slice_of(ed.p + 19, 31));
    cr_assert_eq(pub_blob("ssh-ed25519", &b), CV_E_SSH_KEY);
    cv_buf_release(&b);
    cv_buf_init(&b, 1 << 10);
    putstr(&b, cv_slice_str("ssh-foo"));
    cr_assert_eq(pub_blob("ssh-foo", &b), CV_E_SSH_UNSUPPORTED);
    cv_buf_release(&b);
    cv_buf_release(&ed);
}

Test(sshkey, rsa_public_key_rules)
{
    cv_buf w = pub_wire("rsa2048.pub");
    cv_reader r = cv_reader_of(cv_buf_slice(&w));
    (void)getstr(&r);
    cv_slice e = getstr(&r), n = getstr(&r), b;
    static uint8_t big[2 + CV_SSH_MAX_RSA_BITS / 8];
    cv_buf blob;
#define RSA_CASE(ev, nv, want)                                                                 \
    do {                                                                                       \
        blob = rsa_blob(ev, nv);                                                               \
        cr_assert_eq(pub_blob("ssh-rsa", &blob), want);                                         \
        cv_buf_release(&blob);                                                                 \
    } while (0)
    RSA_CASE(e, n, CV_OK);
    RSA_CASE(cv_slice_of("\x01\x00\x00", 3), n, CV_E_SSH_KEY);      /* even */
    RSA_CASE(cv_slice_of("\x01", 1), n, CV_E_SSH_KEY);              /* 1 */
    RSA_CASE(cv_slice_of("\x02\x00\x00\x01", 4), n, CV_E_SSH_KEY);  /* 26 bits */
    RSA_CASE(cv_slice_of("\x81", 1), n, CV_E_SSH_KEY);              /* negative */
    RSA_CASE(e, cv_slice_of(n.p + 1, n.len - 1), CV_E_SSH_KEY);     /* n negative */
    big[1] = 1; /* 16385 bits */
    big[sizeof(big) - 1] = 1;
    b = cv_slice_of(big, sizeof(big));
    RSA_CASE(e, b, CV_E_TOO_LARGE);
#undef RSA_CASE
    cv_buf_release(&w);
}

/* age hashes the re-encoded key for the tag: a .pub with non-minimal
 * mpints must give the same tag that age wrote for the real key. */
Test(ssh, tag_uses_canonical_encoding)
{
    cv_buf w = pub_wire("rsa2048.pub"), blob, line;
    cv_reader r = cv_reader_of(cv_buf_slice(&w));
    (void)getstr(&r);
    cv_slice e = getstr(&r), n = getstr(&r);
    uint8_t e2[8] = { 0, 0 }, n2[600] = { 0, 0 };
    memcpy(e2 + 2, e.p, e.len);
    memcpy(n2 + 2, n.p, n.len);
    blob = rsa_blob(cv_slice_of(e2, e.len + 2), cv_slice_of(n2, n.len + 2));
    cv_buf_init(&line, 1 << 16);
    cr_assert(cv_is_ok(cv_buf_add_str(&line, "ssh-rsa ")));
    cr_assert(cv_is_ok(cv_b64_encode_buf(&line, blob.p, blob.len, true)));
    cv_age_recipient *rc = NULL;
    cr_assert(cv_is_ok(cv_age_ssh_recipient_parse(cv_buf_slice(&line), &rc)));
    cv_age_stanzas st;
    cv_age_stanzas_init(&st);
    char *labels = NULL;
    uint8_t fk[16] = { 1 };
    cr_assert(cv_is_ok(cv_age_recipient_wrap(rc, fk, &st, &labels)));
    cr_assert_str_eq(labels, "");
    cv_age_header h;
    load_header("rsa2048.age", &h);
    cr_assert_str_eq(st.v[0].args[0], h.stanzas.v[0].args[0]);
    cv_age_header_clear(&h);
    cv_age_stanzas_clear(&st);
    cv_age_recipient_free(&rc);
    free(labels);
    cv_buf_release(&line);
    cv_buf_release(&blob);
    cv_buf_release(&w);
}

Test(sshkey, line_forms)
{
    size_t len = 0;
    char *p = (char *)vec("ed25519.pub", &len), buf[512];
    cr_assert_eq(pub_text(p), CV_OK);
    char *sp = strchr(p, ' ');
    *sp = '\t';
    cr_assert_eq(pub_text(p), CV_OK); /* tabs separate fields too */
    *sp = ' ';
    p[strcspn(p, "\n")] = 0;
    snprintf(buf, sizeof(buf), "%s\r\n", p);
    cr_assert_eq(pub_text(buf), CV_OK);
    snprintf(buf, sizeof(buf), "# comment\n\n%s", p);
    cr_assert_eq(pub_text(buf), CV_OK);
    cv_slice type;
    cr_assert(cv_ssh_line_key_type(cv_slice_str(p), &type));
    cr_assert(cv_slice_eq_str(type, "ssh-ed25519"));
    memcpy(p, "ssh-rsa", 7); /* "ssh-rsa5519 <ed25519 blob>" */
    cr_assert(!cv_ssh_line_key_type(cv_slice_str(p), &type));
    cr_assert(!cv_ssh_line_key_type(cv_slice_str("ssh-ed25519"), &type));
    cr_assert(!cv_ssh_line_key_type(cv_slice_str("ssh-ed25519 !!"), &type));
    free(p);
    /* The identity point is not a usable Ed25519 recipient. */
    cv_buf b;
    cv_buf_init(&b, 256);
    uint8_t ident[32] = { 1 };
    putstr(&b, cv_slice_str("ssh-ed25519"));
    putstr(&b, cv_slice_of(ident, 32));
    cv_buf line;
    cv_buf_init(&line, 1024);
    cr_assert(cv_is_ok(cv_buf_add_str(&line, "ssh-ed25519 ")));
    cr_assert(cv_is_ok(cv_b64_encode_buf(&line, b.p, b.len, true)));
    cv_age_recipient *rc = NULL;
    cr_assert_eq(cv_age_ssh_recipient_parse(cv_buf_slice(&line), &rc).err, CV_E_SSH_KEY);
    cv_buf_release(&line);
    cv_buf_release(&b);
}

/* --- the other direction: files we wrap, opened by the real age 1.3.1 --- */

static const char *age_bin(void)
{
    static char path[512];
    const char *peers = getenv("PEERS"), *home = getenv("HOME");
    if (peers && *peers)
        snprintf(path, sizeof(path), "%s/age-1.3.1/age", peers);
    else
        snprintf(path, sizeof(path), "%s/.cache/covert/peers/age-1.3.1/age", home ? home : "");
    return access(path, X_OK) == 0 ? path : NULL;
}

static void need_age(void)
{
    if (age_bin()) return;
    const char *ci = getenv("CI");
    if (ci && strcmp(ci, "true") == 0) cr_assert_fail("age 1.3.1 missing (make peers)");
    cr_skip_test("age 1.3.1 not installed (make peers)");
}

/* A whole age file for one recipient: header, nonce, one final chunk. */
static cv_buf seal_file(const cv_age_recipient *rc, const char *plaintext)
{
    uint8_t fk[CV_AGE_FILE_KEY], nonce[16], key[32], cn[12] = { 0 };
    size_t n = strlen(plaintext);
    cv_age_header h;
    char *labels = NULL;
    cv_random(fk, sizeof(fk));
    cv_random(nonce, sizeof(nonce));
    cv_age_header_init(&h);
    cr_assert(cv_is_ok(cv_age_recipient_wrap(rc, fk, &h.stanzas, &labels)));
    cr_assert_str_eq(labels, "");
    free(labels);
    cr_assert(cv_is_ok(cv_age_header_seal(&h, fk)));
    cv_buf out;
    cv_buf_init(&out, 1 << 20);
    cr_assert(cv_is_ok(cv_buf_add(&out, h.raw, h.raw_len)));
    cr_assert(cv_is_ok(cv_buf_add(&out, nonce, sizeof(nonce))));
    payload_key(key, fk, nonce);
    cn[11] = 1;
    cr_assert(cv_is_ok(cv_buf_reserve(&out, n + 16)));
    cr_assert(cv_is_ok(cv_chacha_seal1(out.p + out.len, key, cn, (const uint8_t *)plaintext, n)));
    out.len += n + 16;
    cv_age_header_clear(&h);
    return out;
}

/* Run `age -d -i KEY FILE`; true when it exits 0 and prints `want`
 * (age's output is logged on a mismatch when `log` is set). */
static bool age_opens(const char *key, const cv_buf *file, const char *want, bool log)
{
    char tmpl[] = "/tmp/covert-ssh-XXXXXX", cmd[1024], out[256] = { 0 };
    int fd = mkstemp(tmpl);
    cr_assert_geq(fd, 0);
    cr_assert_eq(write(fd, file->p, file->len), (ssize_t)file->len);
    close(fd);
    snprintf(cmd, sizeof(cmd), "'%s' -d -i " VEC "%s %s 2>&1", age_bin(), key, tmpl);
    FILE *p = popen(cmd, "r");
    cr_assert_not_null(p);
    size_t got = fread(out, 1, sizeof(out) - 1, p);
    int rc = pclose(p);
    unlink(tmpl);
    out[got] = 0;
    if (log && (rc != 0 || strcmp(out, want) != 0))
        cr_log_error("age on %s: rc=%d out=%s", key, rc, out);
    return rc == 0 && strcmp(out, want) == 0;
}

static void to_age(const char *key, cv_age_recipient *rc)
{
    const char *msg = "covert wrapped this for age\n";
    cv_buf f = seal_file(rc, msg);
    cr_assert(age_opens(key, &f, msg, true), "age could not open our file for %s", key);
    /* And a file for this key is not accepted by another one. */
    cr_assert(!age_opens(strstr(key, "rsa") ? "ed25519" : "rsa2048", &f, msg, false));
    cv_buf_release(&f);
}

Test(ssh, age_opens_files_wrapped_to_pub_files)
{
    static const char *const keys[] = { "ed25519", "rsa2048", "rsa3072", "rsa4096",
                                        "rsa2048_pkcs1", "rsa3072_pkcs8", "ed25519_pkcs8" };
    need_age();
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        char pub[128];
        size_t len = 0;
        snprintf(pub, sizeof(pub), "%s.pub", keys[i]);
        uint8_t *p = vec(pub, &len);
        cv_age_recipient *rc = NULL;
        cr_assert(cv_is_ok(cv_age_ssh_recipient_parse(cv_slice_of(p, len), &rc)));
        to_age(keys[i], rc);
        cv_age_recipient_free(&rc);
        free(p);
    }
}

Test(ssh, age_opens_files_wrapped_to_identities)
{
    /* As `age -e -i KEY`: the recipient comes from the private key, which
     * for RSA-1024 bypasses the recipient size rule, as in age. */
    static const char *const keys[] = { "ed25519", "rsa2048_pkcs1", "ed25519_pkcs8", "rsa1024" };
    need_age();
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        cv_age_identity *id = NULL;
        cv_age_recipient *rc = NULL;
        cr_assert(cv_is_ok(load_identity(keys[i], NULL, NULL, &id)));
        cr_assert(cv_is_ok(id->ops->to_recipient(id, &rc)));
        to_age(keys[i], rc);
        cv_age_recipient_free(&rc);
        cv_age_identity_free(&id);
    }
}

Test(ssh, encrypted_identity_round_trip)
{
    entry es[64];
    size_t n = manifest(es, 64);
    for (size_t i = 0; i < n; i++) {
        const entry *e = &es[i];
        if (!usable(e) || !has(e->pass) || !has(e->age)) continue;
        fake_ui u = { e->pass, 0, "" };
        cv_age_ui ui = make_ui(&u);
        cv_age_identity *id = NULL;
        cv_age_recipient *rc = NULL;
        bool need_pub = strcmp(e->format, "openssh") != 0;
        cr_assert(cv_is_ok(load_identity(e->name, need_pub ? e->pub : NULL, &ui, &id)));
        cr_assert(cv_is_ok(id->ops->to_recipient(id, &rc)));
        cr_assert_eq(u.calls, 0, "to_recipient must not ask");
        uint8_t fk[16], got[16];
        cv_random(fk, sizeof(fk));
        cv_age_stanzas st;
        cv_age_stanzas_init(&st);
        char *labels = NULL;
        cr_assert(cv_is_ok(cv_age_recipient_wrap(rc, fk, &st, &labels)));
        cr_assert(cv_is_ok(cv_age_identity_unwrap(id, &st, got)), "%s", e->name);
        cr_assert(memcmp(fk, got, 16) == 0);
        cr_assert_eq(u.calls, 1);
        free(labels);
        cv_age_stanzas_clear(&st);
        cv_age_recipient_free(&rc);
        cv_age_identity_free(&id);
    }
}
