/* Tagged recipients (crypto/age/tag.c) against age v1.3.1:
 *  - the recipients of age's test plugin age-plugin-tagtest, whose private
 *    keys Go's crypto/hpke derives (testvectors/age-pq/tagtest.txt);
 *  - files age 1.3.1 encrypted to those recipients (opened here with HPKE);
 *  - covert-made files decrypted by `age -d -j tagtest`, which checks the
 *    4-byte tag before unwrapping (a wrong tag is refused). */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/age/format.h"
#include "crypto/age/recipient.h"
#include "crypto/base/enc.h"
#include "crypto/base/mem.h"
#include "crypto/prim/hpke.h"
#include "crypto/prim/mlkem.h"
#include "crypto/prim/p256.h"
#include "tests/unit/pq_testlib.h"

#define TAGKEYS "testvectors/age-pq/tagtest.txt"

typedef struct {
    char *text;
    cv_slice classic_rcpt, hybrid_rcpt;
    cv_hpke_sk *classic, *hybrid;
} tagtest;

static void tagtest_load(tagtest *t)
{
    cr_assert(cv_is_ok(cv_crypto_init()));
    size_t len, pos = 0, n;
    t->text = tl_slurp(TAGKEYS, &len);
    cr_assert(t->text != NULL);
    cv_slice b;
    cr_assert(tl_next_block(t->text, len, &pos, &b));
    cr_assert(tl_get(b, "classic_recipient", 0, &t->classic_rcpt));
    cr_assert(tl_get(b, "hybrid_recipient", 0, &t->hybrid_rcpt));
    uint8_t *csk = tl_get_hex(b, "classic_sk", &n), *hseed = tl_get_hex(b, "hybrid_seed", &n);
    uint8_t *cpk = tl_get_hex(b, "classic_pk", &n), *hpk = tl_get_hex(b, "hybrid_pk", &n);
    cr_assert(cv_is_ok(cv_hpke_sk_new(&t->classic, &cv_hpke_dhkem_p256, csk)));
    cr_assert(cv_is_ok(cv_hpke_sk_new(&t->hybrid, &cv_hpke_mlkem_p256, hseed)));
    /* Go's public keys for these secrets match ours. */
    cr_assert(memcmp(cv_hpke_sk_pk(t->classic), cpk, CV_HPKE_P256_PK) == 0);
    cr_assert(memcmp(cv_hpke_sk_pk(t->hybrid), hpk, CV_HPKE_MLKEM_P256_PK) == 0);
    free(csk), free(hseed), free(cpk), free(hpk);
}

static void tagtest_free(tagtest *t)
{
    cv_hpke_sk_free(&t->classic);
    cv_hpke_sk_free(&t->hybrid);
    free(t->text);
}

/* Open a tag stanza with the matching tagtest key. */
static cv_result open_stanza(const tagtest *t, const cv_age_stanza *s, uint8_t fk[16])
{
    bool hybrid = strcmp(s->type, "mlkem768p256tag") == 0;
    const cv_hpke_sk *sk = hybrid ? t->hybrid : t->classic;
    const char *info = hybrid ? "age-encryption.org/mlkem768p256tag" : "age-encryption.org/p256tag";
    size_t enc_len = hybrid ? CV_HPKE_MLKEM_P256_ENC : CV_HPKE_P256_ENC;
    uint8_t enc[CV_HPKE_MAX_ENC], tag[4];
    cr_assert_eq(s->nargs, 2);
    cr_assert(cv_is_ok(cv_b64_decode_exact(tag, 4, cv_slice_str(s->args[0]), false)));
    cr_assert(cv_is_ok(cv_b64_decode_exact(enc, enc_len, cv_slice_str(s->args[1]), false)));
    cr_assert_eq(s->body_len, 32);
    return cv_hpke_open_base(sk, enc, enc_len, info, s->body, 32, fk);
}

static void age_made(const tagtest *t, const char *path, const char *type)
{
    size_t len, used;
    char *buf = tl_slurp(path, &len);
    cr_assert(buf != NULL);
    cv_age_header h;
    cv_age_header_init(&h);
    cr_assert(cv_is_ok(cv_age_header_parse(cv_slice_of(buf, len), &h, &used)));
    cr_assert_eq(h.stanzas.n, 1);
    cr_assert_str_eq(h.stanzas.v[0].type, type);
    uint8_t fk[16];
    cr_assert(cv_is_ok(open_stanza(t, &h.stanzas.v[0], fk)), "%s", path);
    cr_assert(cv_is_ok(cv_age_header_verify(&h, fk)));
    cv_buf pt;
    tl_age_payload(fk, cv_slice_of(buf + used, len - used), &pt);
    size_t n;
    char *want = tl_slurp("testvectors/age-pq/plain.txt", &n);
    cr_assert(pt.len == n && memcmp(pt.p, want, n) == 0);
    free(want);
    cv_buf_release(&pt);
    cv_age_header_clear(&h);
    free(buf);
}

Test(tag, age_made_files_open_with_tagtest_keys)
{
    tagtest t;
    tagtest_load(&t);
    age_made(&t, "testvectors/age-pq/tag_classic.age", "p256tag");
    age_made(&t, "testvectors/age-pq/tag_hybrid.age", "mlkem768p256tag");
    tagtest_free(&t);
}

static void wrap_one(cv_slice rcpt, cv_age_stanzas *st, uint8_t fk[16], char **labels)
{
    cv_age_recipient *rc = NULL;
    cr_assert(cv_is_ok(cv_age_tag_recipient_parse(rcpt, &rc)));
    cv_age_stanzas_init(st);
    cv_random(fk, 16);
    cr_assert(cv_is_ok(cv_age_recipient_wrap(rc, fk, st, labels)));
    cv_age_recipient_free(&rc);
}

Test(tag, wrap_shape_labels_and_round_trip)
{
    tagtest t;
    tagtest_load(&t);
    static const struct {
        const char *type, *labels;
        size_t enc_chars;
    } want[2] = { { "p256tag", NULL, 87 }, { "mlkem768p256tag", "postquantum", 1538 } };
    for (int i = 0; i < 2; i++) {
        cv_age_stanzas st;
        uint8_t fk[16], back[16];
        char *labels = NULL;
        wrap_one(i ? t.hybrid_rcpt : t.classic_rcpt, &st, fk, &labels);
        cr_assert_eq(st.n, 1);
        cr_assert_str_eq(st.v[0].type, want[i].type);
        cr_assert_eq(strlen(st.v[0].args[0]), 6);
        cr_assert_eq(strlen(st.v[0].args[1]), want[i].enc_chars);
        if (want[i].labels == NULL) cr_assert(labels == NULL || *labels == '\0');
        else cr_assert_str_eq(labels, want[i].labels);
        cr_assert(cv_is_ok(open_stanza(&t, &st.v[0], back)));
        cr_assert(memcmp(fk, back, 16) == 0);
        free(labels);
        cv_age_stanzas_clear(&st);
    }
    tagtest_free(&t);
}

/* A complete file to a tagtest recipient, decrypted by age 1.3.1 through the
 * tagtest plugin; with a flipped tag the plugin must not find its key. */
static void age_decrypts(const char *dir, cv_slice rcpt, bool break_tag)
{
    static const char msg[] = "covert tagged stanza\n";
    cv_age_stanzas st;
    uint8_t fk[16];
    char *labels = NULL, path[128], cmd[8192 + 512];
    wrap_one(rcpt, &st, fk, &labels);
    if (break_tag) st.v[0].args[0][0] = st.v[0].args[0][0] == 'A' ? 'B' : 'A';
    cv_buf file, out;
    tl_age_build(&file, &st, fk, (const uint8_t *)msg, strlen(msg));
    snprintf(path, sizeof(path), "%s/tag.age", dir);
    tl_write(path, file.p, file.len);
    const char *age = tl_peer("age");
    char peers_dir[4096];
    snprintf(peers_dir, sizeof(peers_dir), "%s", age);
    *strrchr(peers_dir, '/') = '\0';
    snprintf(cmd, sizeof(cmd), "PATH='%s':\"$PATH\" timeout 60 '%s' -d -j tagtest '%s' 2>/dev/null", peers_dir,
             age, path);
    int rc = tl_run(cmd, &out);
    if (break_tag) {
        cr_assert_neq(rc, 0, "age accepted a stanza with a wrong tag");
    } else {
        cr_assert_eq(rc, 0, "age -d -j tagtest refused covert's file");
        cr_assert(out.len == strlen(msg) && memcmp(out.p, msg, out.len) == 0);
    }
    cv_buf_release(&out);
    cv_buf_release(&file);
    cv_age_stanzas_clear(&st);
    free(labels);
}

Test(tag, covert_files_decrypted_by_age_tagtest_plugin)
{
    tagtest t;
    tagtest_load(&t);
    if (tl_peer("age") == NULL || tl_peer("age-plugin-tagtest") == NULL)
        cr_skip_test("age 1.3.1 or age-plugin-tagtest not built");
    char dir[64];
    tl_tmpdir(dir);
    age_decrypts(dir, t.classic_rcpt, false);
    age_decrypts(dir, t.hybrid_rcpt, false);
    age_decrypts(dir, t.classic_rcpt, true);
    age_decrypts(dir, t.hybrid_rcpt, true);
    tl_rmdir(dir);
    tagtest_free(&t);
}

/* ---- parse errors ---- */

static char *encode(const char *hrp, const uint8_t *data, size_t n, bool upper)
{
    cv_buf b;
    cv_buf_init(&b, 8192);
    cr_assert(cv_is_ok(cv_bech32_encode(&b, hrp, data, n, upper)));
    cr_assert(cv_is_ok(cv_buf_nul(&b)));
    size_t len;
    return (char *)cv_buf_take(&b, &len);
}

static void expect_bad(const char *hrp, const uint8_t *data, size_t n, bool upper)
{
    char *s = encode(hrp, data, n, upper);
    cv_age_recipient *rc = NULL;
    cr_assert_eq(cv_age_tag_recipient_parse(cv_slice_str(s), &rc).err, CV_E_AGE_RECIPIENT,
                 "%s (%zu bytes)", hrp, n);
    cr_assert_null(rc);
    free(s);
}

static void expect_good(const char *hrp, const uint8_t *data, size_t n)
{
    char *s = encode(hrp, data, n, false);
    cv_age_recipient *rc = NULL;
    cr_assert(cv_is_ok(cv_age_tag_recipient_parse(cv_slice_str(s), &rc)), "%s", hrp);
    cv_age_recipient_free(&rc);
    free(s);
}

Test(tag, recipient_parse_errors)
{
    tagtest t;
    tagtest_load(&t);
    uint8_t comp[33], pk[CV_HPKE_MLKEM_P256_PK];
    const uint8_t *cpk = cv_hpke_sk_pk(t.classic);
    cr_assert(cv_is_ok(cv_p256_point_compress(comp, cpk)));
    memcpy(pk, cv_hpke_sk_pk(t.hybrid), sizeof(pk));
    expect_good("age1tag", comp, 33);
    expect_good("age1tagpq", pk, sizeof(pk));
    expect_bad("age1tag", comp, 33, true);            /* upper case */
    expect_bad("age1tagx", comp, 33, false);          /* unknown type */
    expect_bad("age1pq", comp, 33, false);
    expect_bad("age1tag", cpk, 65, false);            /* uncompressed */
    expect_bad("age1tag", comp, 32, false);
    expect_bad("age1tagpq", comp, 33, false);
    expect_bad("age1tagpq", pk, sizeof(pk) - 1, false);
    uint8_t off[33];
    memcpy(off, comp, 33);
    memset(off + 1, 0xff, 32); /* x >= p */
    expect_bad("age1tag", off, 33, false);
    uint8_t hyb[CV_HPKE_MLKEM_P256_PK + 32];
    memcpy(hyb, pk, sizeof(pk));
    hyb[sizeof(pk) - 1] ^= 1; /* P-256 half off the curve */
    expect_bad("age1tagpq", hyb, sizeof(pk), false);
    memcpy(hyb, pk, sizeof(pk));
    hyb[0] = 0x01, hyb[1] = (uint8_t)((hyb[1] & 0xf0) | 0x0d); /* ML-KEM coefficient = q */
    expect_bad("age1tagpq", hyb, sizeof(pk), false);
    memcpy(hyb, pk, CV_MLKEM768_EK);
    memcpy(hyb + CV_MLKEM768_EK, comp, 33); /* compressed P-256 half */
    expect_bad("age1tagpq", hyb, CV_MLKEM768_EK + 33, false);
    cv_age_recipient *rc = NULL;
    cr_assert_eq(cv_age_tag_recipient_parse(cv_slice_str("age1tag1"), &rc).err, CV_E_AGE_RECIPIENT);
    tagtest_free(&t);
}
