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
