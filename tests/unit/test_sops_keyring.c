/* secrets/sops/agekey.c: the static identity sources preloaded on another
 * thread, as `sops decrypt` does while it reads its file. The preload must
 * ask nothing and warn of nothing (it runs before anyone knows whether the
 * file needs age); a passphrase-protected identity file asks when it is
 * first used to open a data key, on the caller's thread. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crypto/age/age.h"
#include "secrets/sops/agekey.h"

typedef struct {
    int asks, warnings;
} counts;

static cv_result give_passphrase(void *ctx, const char *prompt, cv_secret **out)
{
    counts *c = ctx;
    c->asks++;
    cr_expect(strstr(prompt, "SOPS_AGE_KEY_FILE") != NULL, "%s", prompt);
    return cv_secret_dup(out, "pw", 2);
}

static void count_warning(void *ctx, const char *text)
{
    (void)text;
    ((counts *)ctx)->warnings++;
}

static void write_file(const char *path, cv_slice data)
{
    FILE *f = fopen(path, "wb");
    cr_assert(f != NULL);
    cr_assert_eq(fwrite(data.p, 1, data.len, f), data.len);
    cr_assert_eq(fclose(f), 0);
}

/* An age file holding `identity`, encrypted with the passphrase "pw". */
static void write_encrypted_identity(const char *path, const cv_secret *identity)
{
    cv_secret *pw;
    cr_assert(cv_is_ok(cv_secret_dup(&pw, "pw", 2)));
    cv_age_recipient *r;
    cr_assert(cv_is_ok(cv_age_scrypt_recipient_new(pw, 10, &r)));
    cv_secret_free(&pw);
    cv_age_recipients rs;
    cv_age_recipients_init(&rs);
    cr_assert(cv_is_ok(cv_age_recipients_push(&rs, r)));
    cv_buf out;
    cr_assert(cv_is_ok(cv_age_encrypt_mem(&rs, cv_slice_str((const char *)identity->data),
                                          true, &out)));
    write_file(path, cv_buf_slice(&out));
    cv_buf_release(&out);
    cv_age_recipients_clear(&rs);
}

/* The environment's identity sources: HOME (no ssh keys, no keys.txt in
 * it) and SOPS_AGE_KEY_FILE only; each test runs in its own process. */
static void only_sources(const char *home, const char *key_file)
{
    static const char *const unset[] = { "XDG_CONFIG_HOME", "SOPS_AGE_SSH_PRIVATE_KEY_FILE",
                                         "SOPS_AGE_KEY", "SOPS_AGE_KEY_CMD",
                                         "SOPS_AGE_SSH_PRIVATE_KEY_CMD" };
    for (size_t i = 0; i < sizeof(unset) / sizeof(unset[0]); i++) unsetenv(unset[i]);
    setenv("HOME", home, 1);
    setenv("SOPS_AGE_KEY_FILE", key_file, 1);
}

static void *preload_main(void *k)
{
    cv_sops_keyring_preload(k);
    return NULL;
}

/* Metadata with one age key for `recipient`, sealing `key`. */
static void seal_to(cv_doc *d, cv_sops_meta *m, const char *recipient, const uint8_t key[32])
{
    memset(m, 0, sizeof(*m));
    cv_sops_group *g;
    cr_assert(cv_is_ok(cv_sops_meta_add_group(d, m, &g)));
    cv_sops_key k;
    memset(&k, 0, sizeof(k));
    k.type = CV_SOPS_AGE;
    cr_assert(cv_is_ok(cv_sops_key_set(d, &k, "recipient", cv_slice_str(recipient))));
    cr_assert(cv_is_ok(cv_sops_group_add(d, g, &k)));
    cr_assert(cv_is_ok(cv_sops_data_key_seal(d, m, key)));
}

static void expect_data_key(cv_sops_keyring *k, const cv_sops_meta *m, const uint8_t key[32])
{
    cv_secret *got = NULL;
    cv_buf report;
    cv_buf_init(&report, 64 * 1024);
    cv_result r = cv_sops_data_key(k, m, NULL, &got, &report);
    cr_assert(cv_is_ok(r), "%s: %.*s", cv_err_detail(), (int)report.len, (const char *)report.p);
    cr_expect_eq(got->len, 32);
    cr_expect(memcmp(got->data, key, 32) == 0);
    cv_secret_free(&got);
    cv_buf_release(&report);
}

Test(sops_keyring, preload_asks_nothing_and_a_locked_file_asks_when_used)
{
    char dir[] = "/tmp/cv-keyring.XXXXXX", path[64];
    cr_assert(mkdtemp(dir) != NULL);
    cv_secret *id1, *id2;
    char *rcpt1, *rcpt2;
    cr_assert(cv_is_ok(cv_age_x25519_generate(&id1, &rcpt1)));
    cr_assert(cv_is_ok(cv_age_x25519_generate(&id2, &rcpt2)));
    snprintf(path, sizeof(path), "%s/enc.age", dir);
    write_encrypted_identity(path, id2);
    only_sources(dir, path);
    setenv("SOPS_AGE_KEY", (const char *)id1->data, 1);

    counts c = { 0, 0 };
    cv_age_ui ui = { .ctx = &c, .request_secret = give_passphrase, .warning = count_warning };
    cv_sops_keyring *k;
    cr_assert(cv_is_ok(cv_sops_keyring_new(&ui, &k)));
    pthread_t t;
    cr_assert_eq(pthread_create(&t, NULL, preload_main, k), 0);
    cr_assert_eq(pthread_join(t, NULL), 0);
    cr_expect_eq(c.asks, 0);
    cr_expect_eq(c.warnings, 0);
    /* SOPS_AGE_KEY's identity and the (still locked) identity file. */
    cr_expect_eq(cv_sops_keyring_count(k), 2);
    cv_sops_keyring_preload(k); /* loaded once: nothing added */
    cr_expect_eq(cv_sops_keyring_count(k), 2);

    uint8_t key[32];
    for (size_t i = 0; i < sizeof(key); i++) key[i] = (uint8_t)(7 * i + 1);
    cv_doc d;
    cr_assert(cv_is_ok(cv_doc_init(&d)));
    cv_sops_meta m;
    seal_to(&d, &m, rcpt1, key);
    expect_data_key(k, &m, key);
    cr_expect_eq(c.asks, 0, "SOPS_AGE_KEY's identity opens it before the file is tried");
    seal_to(&d, &m, rcpt2, key);
    expect_data_key(k, &m, key);
    cr_expect_eq(c.asks, 1, "the identity file asks once, when first needed");
    expect_data_key(k, &m, key);
    cr_expect_eq(c.asks, 1);

    cv_doc_clear(&d);
    cv_sops_keyring_free(&k);
    cv_secret_free(&id1);
    cv_secret_free(&id2);
    free(rcpt1);
    free(rcpt2);
    unlink(path);
    rmdir(dir);
}

/* A FIFO with no writer: a preload must not wait on it (sops would read it
 * only for a file with an age key); nothing is loaded then. */
Test(sops_keyring, preload_leaves_a_pipe_for_later, .timeout = 20)
{
    char dir[] = "/tmp/cv-keyring.XXXXXX", fifo[64];
    cr_assert(mkdtemp(dir) != NULL);
    snprintf(fifo, sizeof(fifo), "%s/keys.fifo", dir);
    cr_assert_eq(mkfifo(fifo, 0600), 0);
    only_sources(dir, fifo);
    counts c = { 0, 0 };
    cv_age_ui ui = { .ctx = &c, .request_secret = give_passphrase, .warning = count_warning };
    cv_sops_keyring *k;
    cr_assert(cv_is_ok(cv_sops_keyring_new(&ui, &k)));
    cv_sops_keyring_preload(k);
    cr_expect_eq(cv_sops_keyring_count(k), 0);
    cv_sops_keyring_free(&k);
    unlink(fifo);
    rmdir(dir);
}
