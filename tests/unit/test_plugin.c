/* age plugin client (crypto/age/plugin.c) against the real age v1.3.1
 * plugins (age-plugin-batchpass, age-plugin-pq, age-plugin-tag), the real
 * age CLI, vectors it generated (tests/gen/gen_plugin_vectors.sh ->
 * testvectors/age-plugin/), and a scripted plugin for the error paths
 * (tests/plugin/age-plugin-covertfake). Tests run from the repository root.
 *
 * Peers live in $PEERS/age-1.3.1 (default ~/.cache/covert/peers); a missing
 * peer skips the test, or fails it when CI=true. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "crypto/age/plugin_int.h"
#include "crypto/age/recipient.h"
#include "crypto/base/enc.h"
#include "crypto/base/limits.h"
#include "crypto/base/mem.h"
#include "crypto/prim/aead.h"
#include "crypto/prim/hash.h"
#include "crypto/prim/pk.h"

#define VEC "testvectors/age-plugin/"

/* --- environment --- */

static const char *peer_dir(void)
{
    static char dir[PATH_MAX];
    const char *peers = getenv("PEERS");
    if (peers && peers[0])
        snprintf(dir, sizeof(dir), "%s/age-1.3.1", peers);
    else
        snprintf(dir, sizeof(dir), "%s/.cache/covert/peers/age-1.3.1", getenv("HOME"));
    return dir;
}

static void need_peer(const char *tool)
{
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/%s", peer_dir(), tool);
    if (access(path, X_OK) == 0) return;
    const char *ci = getenv("CI");
    if (ci && strcmp(ci, "true") == 0) cr_assert_fail("peer %s missing in CI", path);
    cr_skip_test("peer %s missing (make peers)", path);
}

static const char *fake_dir(void)
{
    static char dir[PATH_MAX];
    char cwd[PATH_MAX - 64];
    cr_assert_not_null(getcwd(cwd, sizeof(cwd)));
    snprintf(dir, sizeof(dir), "%s/tests/plugin", cwd);
    cr_assert(access(dir, X_OK) == 0, "run the tests from the repository root");
    return dir;
}

/* PATH = the peers and the scripted plugin, then the system. */
static void use_path(void)
{
    char path[3 * PATH_MAX];
    snprintf(path, sizeof(path), "%s:%s:/usr/bin:/bin", peer_dir(), fake_dir());
    setenv("PATH", path, 1);
}

static char tmp_root[64];

static const char *tmp_dir(void)
{
    if (tmp_root[0] == '\0') {
        snprintf(tmp_root, sizeof(tmp_root), "/tmp/covert-test-plugin-XXXXXX");
        cr_assert_not_null(mkdtemp(tmp_root));
    }
    return tmp_root;
}

static void cleanup_tmp(void)
{
    if (tmp_root[0] == '\0') return;
    char cmd[PATH_MAX + 16];
    snprintf(cmd, sizeof(cmd), "/bin/rm -rf '%s'", tmp_root);
    cr_assert_eq(system(cmd), 0);
    tmp_root[0] = '\0';
}

static void init_suite(void)
{
    cr_assert(cv_is_ok(cv_crypto_init()));
    use_path();
    unsetenv("AGEDEBUG");
    unsetenv("AGE_PASSPHRASE");
    unsetenv("AGE_PASSPHRASE_FD");
    unsetenv("COVERT_FAKE_MODE");
    setenv("COVERT_FAKE_LOG", "/dev/null", 1);
}

static void slurp(const char *path, cv_buf *b)
{
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "cannot open %s", path);
    cv_buf_init(b, 1u << 24);
    uint8_t chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) cr_assert(cv_is_ok(cv_buf_add(b, chunk, n)));
    fclose(f);
    cr_assert(cv_is_ok(cv_buf_nul(b)));
}

/* The first line of a key file that is not a comment, without its newline. */
static char *key_line(const char *path)
{
    cv_buf b;
    slurp(path, &b);
    char *save = NULL, *out = NULL;
    for (char *l = strtok_r((char *)b.p, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
        if (l[0] != '#' && l[0] != '\0') {
            out = strdup(l);
            break;
        }
    cv_buf_release(&b);
    cr_assert_not_null(out, "no key in %s", path);
    return out;
}

static void set_passphrase(void)
{
    cv_buf b;
    slurp(VEC "batchpass.passphrase", &b);
    setenv("AGE_PASSPHRASE", (const char *)b.p, 1);
    cv_buf_release(&b);
}

/* --- age files --- */

static void payload_key(uint8_t key[32], const uint8_t fk[CV_AGE_FILE_KEY],
                        const uint8_t nonce[CV_AGE_NONCE])
{
    cr_assert(cv_is_ok(cv_hkdf(key, 32, fk, CV_AGE_FILE_KEY, nonce, CV_AGE_NONCE, "payload")));
}

/* A complete age file: sealed header, nonce, one final STREAM chunk. */
static void write_age_file(const char *path, cv_age_stanzas *st, const uint8_t fk[CV_AGE_FILE_KEY],
                           const char *payload)
{
    cv_age_header h;
    cv_age_header_init(&h);
    cr_assert(cv_is_ok(cv_age_stanzas_move(&h.stanzas, st)));
    cr_assert(cv_is_ok(cv_age_header_seal(&h, fk)));
    uint8_t nonce[CV_AGE_NONCE], key[32], cn[12] = { 0 }, ct[256];
    size_t n = strlen(payload);
    cr_assert(n + 16 <= sizeof(ct));
    cv_random(nonce, sizeof(nonce));
    payload_key(key, fk, nonce);
    cn[11] = 1;
    cr_assert(cv_is_ok(cv_chacha_seal1(ct, key, cn, (const uint8_t *)payload, n)));
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f);
    fwrite(h.raw, 1, h.raw_len, f);
    fwrite(nonce, 1, sizeof(nonce), f);
    fwrite(ct, 1, n + 16, f);
    fclose(f);
    cv_age_header_clear(&h);
}

/* Open an age file with one identity: unwrap, check the MAC, open the
 * single final chunk. Returns the unwrap result. */
static cv_result open_age_file(const char *path, const cv_age_identity *id, cv_buf *plain)
{
    cv_buf file;
    slurp(path, &file);
    cv_age_header h;
    cv_age_header_init(&h);
    size_t used = 0;
    cr_assert(cv_is_ok(cv_age_header_parse(cv_buf_slice(&file), &h, &used)));
    uint8_t fk[CV_AGE_FILE_KEY], key[32], cn[12] = { 0 };
    cv_result r = cv_age_identity_unwrap(id, &h.stanzas, fk);
    if (cv_is_ok(r)) {
        cr_assert(cv_is_ok(cv_age_header_verify(&h, fk)), "header MAC does not verify");
        cr_assert(file.len >= used + CV_AGE_NONCE + 16);
        payload_key(key, fk, file.p + used);
        cn[11] = 1;
        size_t ct = file.len - used - CV_AGE_NONCE;
        cv_buf_init(plain, ct);
        cr_assert(cv_is_ok(cv_buf_reserve(plain, ct)));
        cr_assert(cv_is_ok(cv_chacha_open1(plain->p, key, cn, file.p + used + CV_AGE_NONCE, ct)));
        plain->len = ct - 16;
        cr_assert(cv_is_ok(cv_buf_nul(plain)));
    }
    cv_age_header_clear(&h);
    cv_buf_release(&file);
    return r;
}

static void assert_plaintext(const cv_buf *plain)
{
    cv_buf want;
    slurp(VEC "plaintext.txt", &want);
    cr_assert_eq(plain->len, want.len);
    cr_assert(memcmp(plain->p, want.p, want.len) == 0);
    cv_buf_release(&want);
}

/* Run the real age; returns its exit status, stdout in out. */
static int run_age(const char *args, cv_buf *out)
{
    char cmd[8192];
    snprintf(cmd, sizeof(cmd), "'%s/age' %s 2>/dev/null", peer_dir(), args);
    FILE *p = popen(cmd, "r");
    cr_assert_not_null(p);
    cv_buf_init(out, 1u << 20);
    uint8_t chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof(chunk), p)) > 0) cr_assert(cv_is_ok(cv_buf_add(out, chunk, n)));
    cr_assert(cv_is_ok(cv_buf_nul(out)));
    int st = pclose(p);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* --- a recording ui --- */

typedef struct {
    char text[16384];
    const char *secret; /* answer to request_secret, NULL = fail */
    bool choice;
    char prompt[128], yes[32], no[32];
} test_ui;

static void ui_append(test_ui *t, const char *tag, const char *s)
{
    size_t n = strlen(t->text);
    snprintf(t->text + n, sizeof(t->text) - n, "%s:%s\n", tag, s);
}

static void ui_message(void *ctx, const char *s) { ui_append(ctx, "msg", s); }
static void ui_warning(void *ctx, const char *s) { ui_append(ctx, "warn", s); }

static cv_result ui_secret(void *ctx, const char *prompt, cv_secret **out)
{
    test_ui *t = ctx;
    snprintf(t->prompt, sizeof(t->prompt), "%s", prompt);
    if (t->secret == NULL) return CV_FAILF(CV_E_CANCELED, "user said no");
    return cv_secret_dup(out, t->secret, strlen(t->secret));
}

static cv_result ui_confirm(void *ctx, const char *prompt, const char *yes, const char *no,
                            bool *choice)
{
    test_ui *t = ctx;
    snprintf(t->prompt, sizeof(t->prompt), "%s", prompt);
    snprintf(t->yes, sizeof(t->yes), "%s", yes);
    snprintf(t->no, sizeof(t->no), "%s", no);
    *choice = t->choice;
    return cv_ok();
}

static cv_age_ui make_ui(test_ui *t)
{
    memset(t, 0, sizeof(*t));
    return (cv_age_ui){ t, ui_secret, ui_confirm, ui_message, ui_warning };
}

/* --- names and encodings --- */

TestSuite(plugin, .init = init_suite, .fini = cleanup_tmp);

Test(plugin, name_charset)
{
    const char *good[] = { "yubikey", "a", "se", "fido2-hmac", "x_y.z+1", "BatchPass" };
    const char *bad[] = { "", "a/b", "../x", "a b", "a:b", "a\\b", "\xc3\xa9", "a*", "~" };
    for (size_t i = 0; i < sizeof(good) / sizeof(*good); i++)
        cr_assert_eq(cv_age_plugin_name_valid(cv_slice_str(good[i])).err, CV_OK, "%s", good[i]);
    for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
        cr_assert_eq(cv_age_plugin_name_valid(cv_slice_str(bad[i])).err, CV_E_AGE_PLUGIN_NAME,
                     "%s", bad[i]);
}

static char *bech(const char *hrp, size_t n, bool upper)
{
    uint8_t data[64] = { 1, 2, 3 };
    cv_buf b;
    cv_buf_init(&b, 4096);
    cr_assert(cv_is_ok(cv_bech32_encode(&b, hrp, data, n, upper)));
    cr_assert(cv_is_ok(cv_buf_nul(&b)));
    size_t len;
    return (char *)cv_buf_take(&b, &len);
}

static cv_err parse_recipient(const char *s)
{
    cv_age_recipient *r = NULL;
    cv_result res = cv_age_plugin_recipient_parse(cv_slice_str(s), NULL, &r);
    cv_age_recipient_free(&r);
    return res.err;
}

static cv_err parse_identity(const char *s)
{
    cv_age_identity *id = NULL;
    cv_result res = cv_age_plugin_identity_parse(cv_slice_str(s), NULL, &id);
    if (cv_is_ok(res)) cr_assert_eq(id->cls, CV_AGE_ID_OTHER);
    cv_age_identity_free(&id);
    return res.err;
}

Test(plugin, recipient_encodings)
{
    char *pq = key_line(VEC "pq-recipient.txt");
    cr_assert_eq(parse_recipient(pq), CV_OK); /* age1pq1… is plugin "pq" to a client */
    pq[strlen(pq) - 1] ^= 1;                  /* checksum */
    cr_assert_eq(parse_recipient(pq), CV_E_AGE_RECIPIENT);
    free(pq);
    const struct {
        const char *hrp;
        bool upper;
        cv_err want;
    } cases[] = {
        { "age1yubikey", false, CV_OK },      { "age1a.b+c_d-e", false, CV_OK },
        { "age", false, CV_E_AGE_RECIPIENT }, /* an X25519 recipient */
        { "age1", false, CV_E_AGE_PLUGIN_NAME }, { "age1a/b", false, CV_E_AGE_PLUGIN_NAME },
        { "age1a~b", false, CV_E_AGE_PLUGIN_NAME }, { "AGE1FOO", true, CV_E_AGE_RECIPIENT },
        { "xyz1foo", false, CV_E_AGE_RECIPIENT },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
        char *s = bech(cases[i].hrp, 20, cases[i].upper);
        cr_assert_eq(parse_recipient(s), cases[i].want, "%s", s);
        free(s);
    }
    cr_assert_eq(parse_recipient("age1yubikey1"), CV_E_AGE_RECIPIENT);
}

Test(plugin, identity_encodings)
{
    char *pq = key_line(VEC "pq-plugin-identity.txt");
    cr_assert_eq(parse_identity(pq), CV_OK);
    free(pq);
    const struct {
        const char *hrp;
        cv_err want;
    } cases[] = {
        { "AGE-PLUGIN-YUBIKEY-", CV_OK },        { "AGE-PLUGIN-A.B+C_D-", CV_OK },
        { "AGE-PLUGIN-", CV_E_AGE_PLUGIN_NAME }, { "AGE-PLUGIN--", CV_E_AGE_PLUGIN_NAME },
        { "AGE-PLUGIN-A/B-", CV_E_AGE_PLUGIN_NAME }, { "AGE-PLUGIN-FOO", CV_E_AGE_IDENTITY },
        { "AGE-SECRET-KEY-", CV_E_AGE_IDENTITY },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
        char *s = bech(cases[i].hrp, 32, true);
        cr_assert_eq(parse_identity(s), cases[i].want, "%s", s);
        free(s);
    }
    cr_assert_eq(parse_identity("AGE-PLUGIN-YUBIKEY-1QQQQQ"), CV_E_AGE_IDENTITY);
    cv_age_identity *id = NULL;
    cr_assert_eq(cv_age_plugin_identity_by_name("../evil", NULL, &id).err, CV_E_AGE_PLUGIN_NAME);
    cr_assert_eq(cv_age_plugin_identity_by_name("", NULL, &id).err, CV_E_AGE_PLUGIN_NAME);
    cr_assert_eq(cv_age_plugin_identity_by_name("batchpass", NULL, &id).err, CV_OK);
    cr_assert_eq(id->cls, CV_AGE_ID_OTHER);
    cv_age_identity_free(&id);
}

/* --- the real plugins --- */

static void wrap_pq(cv_age_stanzas *st, uint8_t fk[CV_AGE_FILE_KEY], char **labels)
{
    char *rs = key_line(VEC "pq-recipient.txt");
    cv_age_recipient *r = NULL;
    cr_assert(cv_is_ok(cv_age_plugin_recipient_parse(cv_slice_str(rs), NULL, &r)));
    cv_random(fk, CV_AGE_FILE_KEY);
    cv_age_stanzas_init(st);
    cv_result res = cv_age_recipient_wrap(r, fk, st, labels);
    cr_assert(cv_is_ok(res), "%s: %s", cv_strerror(res.err), cv_err_detail());
    cv_age_recipient_free(&r);
    free(rs);
}

Test(plugin, pq_wrap_then_unwrap_through_plugin)
{
    need_peer("age-plugin-pq");
    cv_age_stanzas st;
    uint8_t fk[CV_AGE_FILE_KEY], back[CV_AGE_FILE_KEY];
    char *labels = NULL;
    wrap_pq(&st, fk, &labels);
    /* What age's hybrid recipient produces (C2SP age.md). */
    cr_assert_eq(st.n, 1);
    cr_assert_str_eq(st.v[0].type, "mlkem768x25519");
    cr_assert_eq(st.v[0].nargs, 1);
    cr_assert_eq(st.v[0].body_len, 32);
    cr_assert_str_eq(labels, "postquantum");
    char *is = key_line(VEC "pq-plugin-identity.txt");
    cv_age_identity *id = NULL;
    cr_assert(cv_is_ok(cv_age_plugin_identity_parse(cv_slice_str(is), NULL, &id)));
    cv_result res = cv_age_identity_unwrap(id, &st, back);
    cr_assert(cv_is_ok(res), "%s: %s", cv_strerror(res.err), cv_err_detail());
    cr_assert(memcmp(fk, back, sizeof(fk)) == 0);
    cv_age_identity_free(&id);
    cv_age_stanzas_clear(&st);
    free(labels);
    free(is);
}

Test(plugin, real_age_decrypts_our_pq_plugin_wrap)
{
    need_peer("age-plugin-pq");
    need_peer("age");
    cv_age_stanzas st;
    uint8_t fk[CV_AGE_FILE_KEY];
    char *labels = NULL, path[PATH_MAX], args[PATH_MAX * 2];
    wrap_pq(&st, fk, &labels);
    snprintf(path, sizeof(path), "%s/pq.age", tmp_dir());
    write_age_file(path, &st, fk, "payload through age-plugin-pq");
    /* Natively with the PQ key, and back through the plugin identity. */
    const char *keys[] = { VEC "pq-key.txt", VEC "pq-plugin-identity.txt" };
    for (size_t i = 0; i < 2; i++) {
        cv_buf out;
        snprintf(args, sizeof(args), "-d -i '%s' '%s'", keys[i], path);
        cr_assert_eq(run_age(args, &out), 0, "age -d -i %s failed", keys[i]);
        cr_assert_str_eq((const char *)out.p, "payload through age-plugin-pq");
        cv_buf_release(&out);
    }
    /* Another key must fail, or the check above proves nothing. */
    char cmd[PATH_MAX * 3];
    snprintf(cmd, sizeof(cmd), "'%s/age-keygen' -pq -o '%s/other.txt' 2>/dev/null", peer_dir(),
             tmp_dir());
    cr_assert_eq(system(cmd), 0);
    cv_buf out;
    snprintf(args, sizeof(args), "-d -i '%s/other.txt' '%s'", tmp_dir(), path);
    cr_assert_neq(run_age(args, &out), 0);
    cv_buf_release(&out);
    free(labels);
}

Test(plugin, unwrap_real_age_files_with_pq_plugin_identity)
{
    need_peer("age-plugin-pq");
    char *is = key_line(VEC "pq-plugin-identity.txt");
    cv_age_identity *id = NULL;
    cr_assert(cv_is_ok(cv_age_plugin_identity_parse(cv_slice_str(is), NULL, &id)));
    const char *files[] = { VEC "pq-native.age", VEC "pq-via-plugin.age" };
    for (size_t i = 0; i < 2; i++) {
        cv_buf plain;
        cv_result r = open_age_file(files[i], id, &plain);
        cr_assert(cv_is_ok(r), "%s: %s %s", files[i], cv_strerror(r.err), cv_err_detail());
        assert_plaintext(&plain);
        cv_buf_release(&plain);
    }
    /* Not ours: the plugin reports no file key. */
    cv_buf none;
    cr_assert_eq(open_age_file(VEC "batchpass.age", id, &none).err, CV_E_AGE_NO_MATCH);
    cv_age_identity_free(&id);
    free(is);
}

Test(plugin, batchpass_unwraps_real_age_file)
{
    need_peer("age-plugin-batchpass");
    set_passphrase();
    cv_age_identity *id = NULL;
    cr_assert(cv_is_ok(cv_age_plugin_identity_by_name("batchpass", NULL, &id)));
    cv_buf plain;
    cv_result r = open_age_file(VEC "batchpass.age", id, &plain);
    cr_assert(cv_is_ok(r), "%s: %s", cv_strerror(r.err), cv_err_detail());
    assert_plaintext(&plain);
    cv_buf_release(&plain);
    /* Wrong passphrase: the plugin's own error, naming the plugin. */
    setenv("AGE_PASSPHRASE", "not the passphrase", 1);
    cr_assert_eq(open_age_file(VEC "batchpass.age", id, &plain).err, CV_E_AGE_PLUGIN);
    cr_assert_str_eq(cv_err_detail(), "batchpass plugin: incorrect passphrase");
    /* No passphrase at all. */
    unsetenv("AGE_PASSPHRASE");
    cr_assert_eq(open_age_file(VEC "batchpass.age", id, &plain).err, CV_E_AGE_PLUGIN);
    cr_assert(strstr(cv_err_detail(), "AGE_PASSPHRASE") != NULL, "%s", cv_err_detail());
    /* A file that is not passphrase-encrypted. */
    set_passphrase();
    cr_assert_eq(open_age_file(VEC "pq-native.age", id, &plain).err, CV_E_AGE_PLUGIN);
    cr_assert_str_eq(cv_err_detail(), "batchpass plugin: file is not passphrase-encrypted");
    cv_age_identity_free(&id);
}

/* AGE_PASSPHRASE_FD: the plugin reads a descriptor it inherits from us. */
Test(plugin, batchpass_passphrase_fd_is_inherited)
{
    need_peer("age-plugin-batchpass");
    int fd = open(VEC "batchpass.passphrase", O_RDONLY);
    cr_assert_geq(fd, 0);
    char num[16];
    snprintf(num, sizeof(num), "%d", fd);
    setenv("AGE_PASSPHRASE_FD", num, 1);
    cv_age_identity *id = NULL;
    cr_assert(cv_is_ok(cv_age_plugin_identity_by_name("batchpass", NULL, &id)));
    cv_buf plain;
    cv_result r = open_age_file(VEC "batchpass.age", id, &plain);
    cr_assert(cv_is_ok(r), "%s: %s", cv_strerror(r.err), cv_err_detail());
    assert_plaintext(&plain);
    cv_buf_release(&plain);
    cv_age_identity_free(&id);
    close(fd);
}

Test(plugin, real_age_decrypts_our_batchpass_wrap)
{
    need_peer("age-plugin-batchpass");
    need_peer("age");
    set_passphrase();
    setenv("AGE_PASSPHRASE_WORK_FACTOR", "10", 1);
    cv_age_identity *id = NULL;
    cv_age_recipient *r = NULL;
    cr_assert(cv_is_ok(cv_age_plugin_identity_by_name("batchpass", NULL, &id)));
    cr_assert(cv_is_ok(id->ops->to_recipient(id, &r)));
    cv_age_stanzas st;
    cv_age_stanzas_init(&st);
    uint8_t fk[CV_AGE_FILE_KEY];
    char *labels = NULL, path[PATH_MAX], args[PATH_MAX + 64];
    cv_random(fk, sizeof(fk));
    cv_result res = cv_age_recipient_wrap(r, fk, &st, &labels);
    cr_assert(cv_is_ok(res), "%s: %s", cv_strerror(res.err), cv_err_detail());
    cr_assert_eq(st.n, 1);
    cr_assert_str_eq(st.v[0].type, "scrypt");
    cr_assert_str_eq(st.v[0].args[1], "10");
    /* scrypt's label set is one random label, so it never mixes. */
    cr_assert(labels[0] != '\0' && strchr(labels, ' ') == NULL, "labels '%s'", labels);
    snprintf(path, sizeof(path), "%s/bp.age", tmp_dir());
    write_age_file(path, &st, fk, "batchpass payload");
    cv_buf out;
    snprintf(args, sizeof(args), "-d -j batchpass '%s'", path);
    cr_assert_eq(run_age(args, &out), 0);
    cr_assert_str_eq((const char *)out.p, "batchpass payload");
    cv_buf_release(&out);
    setenv("AGE_PASSPHRASE", "wrong", 1);
    cr_assert_neq(run_age(args, &out), 0);
    cv_buf_release(&out);
    cv_age_recipient_free(&r);
    cv_age_identity_free(&id);
    free(labels);
}

Test(plugin, tag_plugin_wraps_to_p256_point)
{
    need_peer("age-plugin-tag");
    /* The P-256 base point, compressed (SEC 1; y of G is odd). */
    uint8_t g[33];
    cr_assert(cv_is_ok(cv_hex_decode(g, 33, cv_slice_str("036b17d1f2e12c4247f8bce6e563a440f2"
                                                          "77037d812deb33a0f4a13945d898c296"))));
    cv_buf b;
    cv_buf_init(&b, 256);
    cr_assert(cv_is_ok(cv_bech32_encode(&b, "age1tag", g, sizeof(g), false)));
    cv_age_recipient *r = NULL;
    cr_assert(cv_is_ok(cv_age_plugin_recipient_parse(cv_buf_slice(&b), NULL, &r)));
    cv_age_stanzas st;
    cv_age_stanzas_init(&st);
    uint8_t fk[CV_AGE_FILE_KEY] = { 1 };
    char *labels = NULL;
    cv_result res = cv_age_recipient_wrap(r, fk, &st, &labels);
    cr_assert(cv_is_ok(res), "%s", cv_err_detail());
    cr_assert_eq(st.n, 1);
    cr_assert_str_eq(st.v[0].type, "p256tag");
    cr_assert_eq(st.v[0].nargs, 2);
    cr_assert_eq(st.v[0].body_len, 32);
    cr_assert_str_eq(labels, "");
    cv_age_stanzas_clear(&st);
    cv_age_recipient_free(&r);
    cv_buf_release(&b);
    free(labels);
}

/* age1tagpq1: an ML-KEM-768 encapsulation key (taken from the real age1pq1
 * recipient, whose first 1184 bytes it is) followed by an uncompressed
 * P-256 point (the base point). */
Test(plugin, tagpq_plugin_wraps_with_postquantum_label)
{
    need_peer("age-plugin-tagpq");
    char *pq = key_line(VEC "pq-recipient.txt");
    uint8_t key[1216 + 65];
    char hrp[16];
    size_t n = 0;
    cr_assert(cv_is_ok(cv_bech32_decode(cv_slice_str(pq), hrp, sizeof(hrp), key, sizeof(key), &n)));
    cr_assert_eq(n, 1216);
    cr_assert(cv_is_ok(cv_hex_decode(key + 1184, 65, cv_slice_str(
        "046b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296"
        "4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5"))));
    cv_buf b;
    cv_buf_init(&b, 4096);
    cr_assert(cv_is_ok(cv_bech32_encode(&b, "age1tagpq", key, 1184 + 65, false)));
    cv_age_recipient *r = NULL;
    cr_assert(cv_is_ok(cv_age_plugin_recipient_parse(cv_buf_slice(&b), NULL, &r)));
    cv_age_stanzas st;
    cv_age_stanzas_init(&st);
    uint8_t fk[CV_AGE_FILE_KEY] = { 2 };
    char *labels = NULL;
    cv_result res = cv_age_recipient_wrap(r, fk, &st, &labels);
    cr_assert(cv_is_ok(res), "%s", cv_err_detail());
    cr_assert_eq(st.n, 1);
    cr_assert_str_eq(st.v[0].type, "mlkem768p256tag");
    cr_assert_eq(st.v[0].nargs, 2);
    cr_assert_eq(st.v[0].body_len, 32);
    cr_assert_str_eq(labels, "postquantum");
    cv_age_stanzas_clear(&st);
    cv_age_recipient_free(&r);
    cv_buf_release(&b);
    free(labels);
    free(pq);
}

/* --- protocol framing compared with the real age client --- */

/* The "-> " lines of a log, grease dropped, bodies dropped. */
static void command_lines(const char *path, char *out, size_t cap)
{
    cv_buf b;
    slurp(path, &b);
    out[0] = '\0';
    char *save = NULL;
    for (char *l = strtok_r((char *)b.p, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
        if (strncmp(l, "-> ", 3) != 0 || strncmp(l, "-> grease-", 10) == 0) continue;
        size_t n = strlen(out);
        snprintf(out + n, cap - n, "%s\n", l);
    }
    cv_buf_release(&b);
}

static void fake_mode(const char *mode, char log[PATH_MAX], const char *tag)
{
    snprintf(log, PATH_MAX, "%s/%s.log", tmp_dir(), tag);
    setenv("COVERT_FAKE_LOG", log, 1);
    setenv("COVERT_FAKE_MODE", mode, 1);
}

Test(plugin, phase1_matches_real_age_recipient_v1)
{
    need_peer("age");
    char log[PATH_MAX], args[PATH_MAX * 2];
    static char theirs[65536], ours[65536];
    fake_mode("ok", log, "age");
    cv_buf out;
    snprintf(args, sizeof(args), "-e -j covertfake " VEC "plaintext.txt");
    cr_assert_eq(run_age(args, &out), 0);
    cv_buf_release(&out);
    command_lines(log, theirs, sizeof(theirs));
    fake_mode("ok", log, "ours");
    cv_age_identity *id = NULL;
    cv_age_recipient *r = NULL;
    cr_assert(cv_is_ok(cv_age_plugin_identity_by_name("covertfake", NULL, &id)));
    cr_assert(cv_is_ok(id->ops->to_recipient(id, &r)));
    cv_age_stanzas st;
    cv_age_stanzas_init(&st);
    uint8_t fk[CV_AGE_FILE_KEY] = { 0 };
    char *labels = NULL;
    cr_assert(cv_is_ok(cv_age_recipient_wrap(r, fk, &st, &labels)), "%s", cv_err_detail());
    command_lines(log, ours, sizeof(ours));
    cr_assert_str_eq(ours, theirs);
    cr_assert(strstr(ours, "-> add-identity AGE-PLUGIN-COVERTFAKE-1") != NULL, "%s", ours);
    /* The stanza came back with the plugin's type and arguments. */
    cr_assert_eq(st.n, 1);
    cr_assert_str_eq(st.v[0].type, "covertfake");
    cr_assert_eq(st.v[0].nargs, 1);
    cr_assert_str_eq(st.v[0].args[0], "arg1");
    cr_assert_eq(st.v[0].body_len, 16);
    cr_assert_str_eq(labels, "");
    cv_age_stanzas_clear(&st);
    cv_age_recipient_free(&r);
    cv_age_identity_free(&id);
    free(labels);
}

static cv_result unwrap_file(cv_age_identity *id, const char *path, uint8_t fk[CV_AGE_FILE_KEY])
{
    cv_buf file;
    slurp(path, &file);
    cv_age_header h;
    cv_age_header_init(&h);
    size_t used;
    cr_assert(cv_is_ok(cv_age_header_parse(cv_buf_slice(&file), &h, &used)));
    cv_result r = cv_age_identity_unwrap(id, &h.stanzas, fk);
    cv_age_header_clear(&h);
    cv_buf_release(&file);
    return r;
}

Test(plugin, phase1_matches_real_age_identity_v1)
{
    need_peer("age");
    char log[PATH_MAX], args[PATH_MAX * 2];
    static char theirs[65536], ours[65536];
    fake_mode("nokey", log, "age");
    cv_buf out;
    snprintf(args, sizeof(args), "-d -j covertfake " VEC "pq-native.age");
    cr_assert_neq(run_age(args, &out), 0); /* no identity matched */
    cv_buf_release(&out);
    command_lines(log, theirs, sizeof(theirs));
    fake_mode("nokey", log, "ours");
    cv_age_identity *id = NULL;
    uint8_t fk[CV_AGE_FILE_KEY];
    cr_assert(cv_is_ok(cv_age_plugin_identity_by_name("covertfake", NULL, &id)));
    cr_assert_eq(unwrap_file(id, VEC "pq-native.age", fk).err, CV_E_AGE_NO_MATCH);
    command_lines(log, ours, sizeof(ours));
    cr_assert_str_eq(ours, theirs);
    cr_assert(strstr(ours, "-> recipient-stanza 0 mlkem768x25519 ") != NULL);
    cv_age_identity_free(&id);
}

/* --- scripted plugin: phase 2 requests and error paths --- */

static cv_result fake_wrap(const char *mode, const cv_age_ui *ui, char log[PATH_MAX],
                           cv_age_stanzas *st, char **labels)
{
    fake_mode(mode, log, mode);
    char *s = bech("age1covertfake", 8, false);
    cv_age_recipient *r = NULL;
    cr_assert(cv_is_ok(cv_age_plugin_recipient_parse(cv_slice_str(s), ui, &r)));
    free(s);
    uint8_t fk[CV_AGE_FILE_KEY] = { 9 };
    cv_age_stanzas_init(st);
    *labels = NULL;
    cv_result res = cv_age_recipient_wrap(r, fk, st, labels);
    cv_age_recipient_free(&r);
    return res;
}

static cv_err fake_wrap_err(const char *mode, const cv_age_ui *ui, char log[PATH_MAX])
{
    cv_age_stanzas st;
    char *labels = NULL;
    cv_result r = fake_wrap(mode, ui, log, &st, &labels);
    cv_age_stanzas_clear(&st);
    free(labels);
    return r.err;
}

static bool log_has(const char *log, const char *needle)
{
    cv_buf b;
    slurp(log, &b);
    bool found = strstr((const char *)b.p, needle) != NULL;
    cv_buf_release(&b);
    return found;
}

Test(plugin, fake_protocol_basics)
{
    char log[PATH_MAX];
    cr_assert_eq(fake_wrap_err("ok", NULL, log), CV_OK, "%s", cv_err_detail());
    cr_assert(log_has(log, "argv --age-plugin=recipient-v1\n"));
    cr_assert(log_has(log, "-> add-recipient age1covertfake1"));
    cr_assert(log_has(log, "-> extension-labels\n"));
    /* A fresh working directory, removed afterwards. */
    cv_buf b;
    slurp(log, &b);
    const char *cwd = strstr((const char *)b.p, "cwd ");
    cr_assert_not_null(cwd);
    char dir[PATH_MAX];
    cr_assert_eq(sscanf(cwd, "cwd %4095s", dir), 1);
    cr_assert(strstr(dir, "/covert-plugin-") != NULL, "%s", dir);
    struct stat st;
    cr_assert_neq(stat(dir, &st), 0);
    cv_buf_release(&b);
}

Test(plugin, labels_sorted_and_unique_stanza)
{
    char log[PATH_MAX], *labels = NULL;
    cv_age_stanzas st;
    cr_assert(cv_is_ok(fake_wrap("labels", NULL, log, &st, &labels)));
    cr_assert_str_eq(labels, "alpha mid zeta");
    cv_age_stanzas_clear(&st);
    free(labels);
    cr_assert_eq(fake_wrap_err("labels2", NULL, log), CV_E_AGE_PLUGIN);
    cr_assert_str_eq(cv_err_detail(), "covertfake plugin: repeated labels stanza");
}

Test(plugin, unknown_commands_and_grease_get_unsupported)
{
    char log[PATH_MAX];
    cr_assert_eq(fake_wrap_err("unknown", NULL, log), CV_OK, "%s", cv_err_detail());
    cr_assert(log_has(log, "reply -> unsupported\n"));
}

Test(plugin, plugin_error_stanza)
{
    char log[PATH_MAX];
    struct timespec t0, t1;
    test_ui t;
    cv_age_ui ui = make_ui(&t);
    setenv("AGEDEBUG", "plugin", 1); /* to see the reply: the plugin is interrupted after it */
    clock_gettime(CLOCK_MONOTONIC, &t0);
    cr_assert_eq(fake_wrap_err("error", &ui, log), CV_E_AGE_PLUGIN);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    cr_assert_str_eq(cv_err_detail(), "covertfake plugin: fake failure");
    cr_assert(strstr(t.text, "warn:-> error internal\nZmFrZSBmYWlsdXJl\nwarn:-> ok\n\n") != NULL,
              "%s", t.text);
    cr_assert_lt(t1.tv_sec - t0.tv_sec, 4, "waited for the plugin after its error");
}

Test(plugin, malformed_plugin_output)
{
    char log[PATH_MAX];
    struct {
        const char *mode, *detail;
    } cases[] = {
        { "badidx", "covertfake plugin: malformed recipient stanza: unexpected index" },
        { "badargs", "covertfake plugin: malformed recipient stanza: unexpected argument count" },
        { "zero", "covertfake plugin: received zero recipient stanzas" },
        { "garbage", "covertfake plugin: malformed stanza opening line" },
        { "badbody", "covertfake plugin: malformed body line" },
        { "confirmbad", "covertfake plugin: malformed confirm stanza: unexpected number of "
                        "arguments" },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        cr_assert_eq(fake_wrap_err(cases[i].mode, NULL, log), CV_E_AGE_PLUGIN, "%s",
                     cases[i].mode);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        cr_assert_str_eq(cv_err_detail(), cases[i].detail);
        /* The reader never waits for bytes the grammar does not need. */
        cr_assert_lt(t1.tv_sec - t0.tv_sec, 4, "%s", cases[i].mode);
    }
}

Test(plugin, plugin_dies_mid_protocol)
{
    char log[PATH_MAX];
    cr_assert_eq(fake_wrap_err("exit", NULL, log), CV_E_AGE_PLUGIN);
    cr_assert(strstr(cv_err_detail(), "covertfake plugin: ") == cv_err_detail());
    cr_assert(strstr(cv_err_detail(), "(plugin exited with status 7)") != NULL, "%s",
              cv_err_detail());
    cr_assert_eq(fake_wrap_err("partial", NULL, log), CV_E_AGE_PLUGIN);
    cr_assert_str_eq(cv_err_detail(), "covertfake plugin: failed to read line: unexpected EOF "
                                      "(plugin exited with status 3)");
}

Test(plugin, plugin_ignoring_interrupt_is_killed)
{
    char log[PATH_MAX];
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    cr_assert_eq(fake_wrap_err("stubborn", NULL, log), CV_E_AGE_PLUGIN);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    cr_assert_str_eq(cv_err_detail(), "covertfake plugin: received zero recipient stanzas");
    cr_assert_lt(t1.tv_sec - t0.tv_sec, 30);
}

/* A plugin that exits without reading: our writes hit a closed pipe. The
 * test process must survive the SIGPIPE that would otherwise kill it. */
Test(plugin, broken_pipe_does_not_kill)
{
    char log[PATH_MAX];
    fake_mode("exit", log, "pipe");
    cv_age_identity *id = NULL;
    cr_assert(cv_is_ok(cv_age_plugin_identity_by_name("covertfake", NULL, &id)));
    static uint8_t body[60000];
    cv_age_stanzas st;
    cv_age_stanzas_init(&st);
    const char *args[] = { "x" };
    for (int i = 0; i < 12; i++)
        cr_assert(cv_is_ok(cv_age_stanzas_add(&st, "big", args, 1, body, sizeof(body))));
    uint8_t fk[CV_AGE_FILE_KEY];
    cr_assert_eq(cv_age_identity_unwrap(id, &st, fk).err, CV_E_AGE_PLUGIN);
    cr_assert_str_eq(cv_err_detail(), "covertfake plugin: failed to write stanza: broken pipe "
                                      "(plugin exited with status 7)");
    sigset_t pending;
    sigpending(&pending);
    cr_assert_eq(sigismember(&pending, SIGPIPE), 0);
    cv_age_stanzas_clear(&st);
    cv_age_identity_free(&id);
}

Test(plugin, requests_without_ui_fail)
{
    char log[PATH_MAX];
    const char *modes[] = { "msg", "secret", "public", "confirm" };
    for (size_t i = 0; i < 4; i++) {
        cr_assert_eq(fake_wrap_err(modes[i], NULL, log), CV_OK, "%s", modes[i]);
        cr_assert(log_has(log, "reply -> fail\n"), "%s", modes[i]);
    }
}

Test(plugin, requests_through_ui)
{
    char log[PATH_MAX];
    test_ui t;
    cv_age_ui ui = make_ui(&t);
    cr_assert_eq(fake_wrap_err("msg", &ui, log), CV_OK);
    cr_assert(log_has(log, "reply -> ok\n"));
    cr_assert(strstr(t.text, "msg:covertfake plugin: hello user\n") != NULL, "%s", t.text);

    t.secret = "1234";
    cr_assert_eq(fake_wrap_err("secret", &ui, log), CV_OK);
    cr_assert_str_eq(t.prompt, "enter PIN");
    cr_assert(log_has(log, "reply -> ok\nreply-body MTIzNA\n")); /* base64("1234") */

    cr_assert_eq(fake_wrap_err("public", &ui, log), CV_OK);
    cr_assert_str_eq(t.prompt, "name?");

    t.secret = NULL;
    cr_assert_eq(fake_wrap_err("secret", &ui, log), CV_OK);
    cr_assert(log_has(log, "reply -> fail\n"));
    cr_assert(strstr(t.text, "warn:could not read value for age-plugin-covertfake: user said no")
                  != NULL, "%s", t.text);

    t.choice = true;
    cr_assert_eq(fake_wrap_err("confirm", &ui, log), CV_OK);
    cr_assert(log_has(log, "reply -> ok yes\n"));
    cr_assert_str_eq(t.prompt, "sure?");
    cr_assert_str_eq(t.yes, "Yes");
    cr_assert_str_eq(t.no, "No");
    t.choice = false;
    cr_assert_eq(fake_wrap_err("confirm1", &ui, log), CV_OK);
    cr_assert(log_has(log, "reply -> ok no\n"));
    cr_assert_str_eq(t.no, "");
}

Test(plugin, agedebug_tees_through_ui)
{
    char log[PATH_MAX];
    test_ui t;
    cv_age_ui ui = make_ui(&t);
    setenv("AGEDEBUG", "plugin", 1);
    cr_assert_eq(fake_wrap_err("ok", &ui, log), CV_OK);
    cr_assert(strstr(t.text, "warn:-> add-recipient age1covertfake1") != NULL, "%s", t.text);
    cr_assert(strstr(t.text, "warn:-> done\n") != NULL, "%s", t.text);
    cr_assert(strstr(t.text, "warn:-> recipient-stanza 0 covertfake arg1\n"
                             "AAECAwQFBgcICQoLDA0ODw\n") != NULL, "%s", t.text);
}

static cv_result fake_unwrap(const char *mode, uint8_t fk[CV_AGE_FILE_KEY])
{
    char log[PATH_MAX];
    fake_mode(mode, log, mode);
    cv_age_identity *id = NULL;
    cr_assert(cv_is_ok(cv_age_plugin_identity_by_name("covertfake", NULL, &id)));
    cv_age_stanzas st;
    cv_age_stanzas_init(&st);
    const char *args[] = { "a", "b" };
    cr_assert(cv_is_ok(cv_age_stanzas_add(&st, "whatever", args, 2, (const uint8_t *)"x", 1)));
    cv_result r = cv_age_identity_unwrap(id, &st, fk);
    cv_age_stanzas_clear(&st);
    cv_age_identity_free(&id);
    return r;
}

Test(plugin, identity_file_key_handling)
{
    uint8_t fk[CV_AGE_FILE_KEY], want[CV_AGE_FILE_KEY];
    for (int i = 0; i < 16; i++) want[i] = (uint8_t)i; /* the script's AAECAwQF… */
    cr_assert_eq(fake_unwrap("filekey", fk).err, CV_OK, "%s", cv_err_detail());
    cr_assert(memcmp(fk, want, sizeof(fk)) == 0);
    cr_assert_eq(fake_unwrap("filekeyplus", fk).err, CV_OK); /* Go's Atoi takes "+0" */
    cr_assert_eq(fake_unwrap("nokey", fk).err, CV_E_AGE_NO_MATCH);
    cr_assert_eq(fake_unwrap("filekeydup", fk).err, CV_E_AGE_PLUGIN);
    cr_assert_str_eq(cv_err_detail(), "covertfake plugin: received duplicated file-key stanza");
    cr_assert_eq(fake_unwrap("filekeyshort", fk).err, CV_E_AGE_PLUGIN);
    cr_assert_eq(fake_unwrap("error", fk).err, CV_E_AGE_PLUGIN);
    cr_assert_str_eq(cv_err_detail(), "covertfake plugin: fake failure");
}

/* --- discovery --- */

Test(plugin, not_found_on_path)
{
    setenv("PATH", "/nonexistent:/usr/bin:/bin", 1);
    cv_age_identity *id = NULL;
    uint8_t fk[CV_AGE_FILE_KEY];
    cr_assert(cv_is_ok(cv_age_plugin_identity_by_name("covertnosuch", NULL, &id)));
    cr_assert_eq(unwrap_file(id, VEC "pq-native.age", fk).err, CV_E_AGE_PLUGIN_NOT_FOUND);
    /* Word for word what age v1.3.1 says after "failed to wrap key…: ". */
    cr_assert_str_eq(cv_err_detail(),
                     "covertnosuch plugin: couldn't start plugin: \"covertnosuch\" plugin not "
                     "found: exec: \"age-plugin-covertnosuch\": executable file not found in "
                     "$PATH");
    cv_age_identity_free(&id);
}

Test(plugin, never_from_current_directory)
{
    char here[PATH_MAX], src[PATH_MAX];
    snprintf(src, sizeof(src), "%s/age-plugin-covertfake", fake_dir());
    snprintf(here, sizeof(here), "%s/age-plugin-covertfake", tmp_dir());
    cr_assert_eq(symlink(src, here), 0);
    cr_assert_eq(chdir(tmp_dir()), 0);
    cv_age_identity *id = NULL;
    cr_assert(cv_is_ok(cv_age_plugin_identity_by_name("covertfake", NULL, &id)));
    cv_age_stanzas st;
    cv_age_stanzas_init(&st);
    cr_assert(cv_is_ok(cv_age_stanzas_add(&st, "x", NULL, 0, NULL, 0)));
    uint8_t fk[CV_AGE_FILE_KEY];
    const char *paths[] = { ".", "", ":/usr/bin", "/usr/bin:", "bin:.:/bin", "./" };
    for (size_t i = 0; i < sizeof(paths) / sizeof(*paths); i++) {
        setenv("PATH", paths[i], 1);
        cr_assert_eq(cv_age_identity_unwrap(id, &st, fk).err, CV_E_AGE_PLUGIN_NOT_FOUND, "'%s'",
                     paths[i]);
    }
    unsetenv("PATH");
    cr_assert_eq(cv_age_identity_unwrap(id, &st, fk).err, CV_E_AGE_PLUGIN_NOT_FOUND);
    setenv("PATH", tmp_dir(), 1); /* the same directory, named absolutely */
    setenv("COVERT_FAKE_MODE", "filekey", 1);
    cr_assert_eq(cv_age_identity_unwrap(id, &st, fk).err, CV_OK, "%s", cv_err_detail());
    cv_age_stanzas_clear(&st);
    cv_age_identity_free(&id);
}

/* --- the incremental reader, fed in every split --- */

typedef struct {
    cv_src src;
    cv_slice data;
    size_t pos, step;
} drip_src;

static cv_result drip_read(cv_src *s, uint8_t *buf, size_t n, size_t *got)
{
    drip_src *d = (drip_src *)s;
    size_t take = d->data.len - d->pos;
    if (take > d->step) take = d->step;
    if (take > n) take = n;
    memcpy(buf, d->data.p + d->pos, take);
    d->pos += take;
    *got = take;
    return cv_ok();
}

Test(plugin, reader_any_split)
{
    static const char wire[] =
        "-> a 1 2\n\n"
        "-> b\n"
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n"
        "AAAA\n"
        "-> c\n"
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n\n";
    size_t want_len[] = { 0, 51, 48 };
    for (size_t step = 1; step <= sizeof(wire); step++) {
        drip_src d = { { drip_read, NULL }, cv_slice_of(wire, sizeof(wire) - 1), 0, step };
        cv_age_plugin_reader rd;
        cv_age_plugin_reader_init(&rd, &d.src);
        for (size_t i = 0; i < 3; i++) {
            cv_age_stanza s;
            cr_assert(cv_is_ok(cv_age_plugin_reader_next(&rd, &s)), "step %zu #%zu: %s", step, i,
                      cv_err_detail());
            cr_assert_eq(s.type[0], 'a' + (char)i);
            cr_assert_eq(s.body_len, want_len[i]);
            cv_age_stanza_clear(&s);
        }
        cv_age_stanza s;
        cr_assert_eq(cv_age_plugin_reader_next(&rd, &s).err, CV_E_TRUNCATED);
        cv_age_plugin_reader_release(&rd);
    }
}

Test(plugin, reader_rejects)
{
    const char *bad[] = {
        "-> a\n",                 /* no body line */
        "-> a\nAAA",              /* body line without LF */
        "->a\n\n",                /* opening line */
        "-> a  b\n\n",            /* empty argument */
        "-> a\nAAAA=\n",          /* padding */
        "-> a\nAB\n",             /* non-canonical */
        "-> a\r\n\n",             /* CR */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
        drip_src d = { { drip_read, NULL }, cv_slice_str(bad[i]), 0, 3 };
        cv_age_plugin_reader rd;
        cv_age_plugin_reader_init(&rd, &d.src);
        cv_age_stanza s;
        cr_assert_eq(cv_age_plugin_reader_next(&rd, &s).err, CV_E_AGE_PLUGIN, "case %zu", i);
        cv_age_plugin_reader_release(&rd);
    }
    /* An endless line stops at the line cap, not at the message cap. */
    static char longline[CV_AGE_MAX_LINE * 2];
    memset(longline, 'A', sizeof(longline));
    memcpy(longline, "-> x ", 5);
    drip_src d = { { drip_read, NULL }, cv_slice_of(longline, sizeof(longline)), 0, 4096 };
    cv_age_plugin_reader rd;
    cv_age_plugin_reader_init(&rd, &d.src);
    cv_age_stanza s;
    cr_assert_eq(cv_age_plugin_reader_next(&rd, &s).err, CV_E_AGE_PLUGIN);
    cr_assert_lt(d.pos, sizeof(longline));
    cv_age_plugin_reader_release(&rd);
}
