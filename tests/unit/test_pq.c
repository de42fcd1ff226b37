/* The mlkem768x25519 recipient type (crypto/age/pq.c) against:
 *  - the CCTV hybrid_* conformance vectors (outside the repository, see
 *    tl_cctv_dir): outcome class and file key;
 *  - files made by age v1.3.1 (testvectors/age-pq, tests/gen/gen_pq_vectors.sh);
 *  - the live age v1.3.1 binary: files whose header covert wrote, keys covert
 *    generated (age-keygen -y, age -d), and files age encrypts to covert's key. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/age/format.h"
#include "crypto/age/recipient.h"
#include "crypto/base/enc.h"
#include "crypto/base/mem.h"
#include "crypto/prim/hpke.h"
#include "tests/unit/pq_testlib.h"

#define PQV "testvectors/age-pq/"

static cv_age_identity *load_identity(const char *path)
{
    char *text = tl_slurp(path, NULL);
    cr_assert(text != NULL, "cannot read %s", path);
    cv_age_identity *id = NULL;
    cr_assert(cv_is_ok(cv_age_pq_identity_parse(tl_line_with(text, "AGE-SECRET-KEY-PQ-1"), &id)));
    cv_wipe(text, strlen(text));
    free(text);
    return id;
}

/* ---- CCTV vectors ---- */

static const char *const known_keys[] = { "expect", "payload", "file key", "identity",
                                          "passphrase", "armored", "compressed", "comment" };

static bool all_keys_known(cv_slice hdr)
{
    const char *p = (const char *)hdr.p, *end = p + hdr.len;
    while (p < end) {
        const char *colon = memchr(p, ':', (size_t)(end - p));
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        if (colon == NULL || (nl && colon > nl)) return false;
        bool ok = false;
        for (size_t i = 0; i < sizeof(known_keys) / sizeof(known_keys[0]); i++)
            ok |= strlen(known_keys[i]) == (size_t)(colon - p) &&
                  memcmp(p, known_keys[i], (size_t)(colon - p)) == 0;
        if (!ok) return false;
        p = nl ? nl + 1 : end;
    }
    return true;
}

/* Unwrap with every identity of the vector; the first result that is not
 * "no match" decides, as age does. */
static cv_result unwrap_all(cv_slice hdr, const cv_age_header *h, uint8_t fk[16])
{
    cv_slice v;
    cv_result last = { CV_E_AGE_NO_MATCH };
    for (unsigned i = 0; tl_get(hdr, "identity", i, &v); i++) {
        cv_age_identity *id = NULL;
        cr_assert(cv_is_ok(cv_age_pq_identity_parse(v, &id)), "identity %u", i);
        last = cv_age_identity_unwrap(id, &h->stanzas, fk);
        cv_age_identity_free(&id);
        if (!cv_is(last, CV_E_AGE_NO_MATCH)) break;
    }
    return last;
}

static void check_outcome(const char *name, cv_slice hdr, cv_slice expect, cv_slice age)
{
    cv_age_header h;
    cv_age_header_init(&h);
    size_t used = 0;
    uint8_t fk[16];
    cv_result r = cv_age_header_parse(age, &h, &used);
    bool header_fail = cv_slice_eq_str(expect, "header failure");
    if (!cv_is_ok(r)) {
        cr_assert(header_fail && cv_is(r, CV_E_AGE_HEADER), "%s: parse error %d", name, r.err);
        cv_age_header_clear(&h);
        return;
    }
    r = unwrap_all(hdr, &h, fk);
    if (header_fail) {
        cr_assert_eq(r.err, CV_E_AGE_STANZA, "%s: want a stanza error, got %d", name, r.err);
    } else if (cv_slice_eq_str(expect, "no match")) {
        cr_assert_eq(r.err, CV_E_AGE_NO_MATCH, "%s: got %d", name, r.err);
    } else {
        cr_assert(cv_is_ok(r), "%s: unwrap %d", name, r.err);
        cv_result mac = cv_age_header_verify(&h, fk);
        if (cv_slice_eq_str(expect, "HMAC failure")) {
            cr_assert_eq(mac.err, CV_E_AGE_HMAC, "%s", name);
        } else {
            cr_assert(cv_is_ok(mac), "%s: MAC", name);
            size_t n;
            uint8_t *want = tl_get_hex(hdr, "file key", &n);
            cr_assert(n == 16 && memcmp(want, fk, 16) == 0, "%s: file key", name);
            free(want);
        }
    }
    cv_age_header_clear(&h);
}

/* Returns false when the vector was skipped. */
static bool run_cctv(const char *dir, const char *name)
{
    char path[1024];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    size_t len;
    char *buf = tl_slurp(path, &len);
    cr_assert(buf != NULL);
    const char *split = strstr(buf, "\n\n");
    cr_assert(split != NULL, "%s: no header", name);
    cv_slice hdr = cv_slice_of(buf, (size_t)(split - buf) + 1), v, expect;
    cv_slice body = cv_slice_of(split + 2, len - (size_t)(split + 2 - buf));
    bool skip = !all_keys_known(hdr) || tl_get(hdr, "armored", 0, &v) ||
                tl_get(hdr, "passphrase", 0, &v);
    uint8_t *inflated = NULL;
    if (!skip && tl_get(hdr, "compressed", 0, &v)) {
        cr_assert(cv_slice_eq_str(v, "zlib"));
        size_t n;
        inflated = tl_inflate(body.p, body.len, &n);
        body = cv_slice_of(inflated, n);
    }
    cr_assert(tl_get(hdr, "expect", 0, &expect), "%s: no expect", name);
    if (!skip) check_outcome(name, hdr, expect, body);
    free(inflated);
    free(buf);
    return !skip;
}

Test(pq, cctv_hybrid_vectors)
{
    cr_assert(cv_is_ok(cv_crypto_init()));
    const char *dir = tl_cctv_dir();
    if (dir == NULL) cr_skip_test("CCTV vectors not found (set COVERT_SHARED)");
    DIR *d = opendir(dir);
    cr_assert(d != NULL);
    unsigned ran = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (strncmp(e->d_name, "hybrid_", 7) == 0) ran += run_cctv(dir, e->d_name);
    closedir(d);
    cr_assert_geq(ran, 14, "only %u hybrid vectors ran", ran);
}

/* ---- files made by age 1.3.1 ---- */

static cv_result unwrap_file(const char *file, const char *key, uint8_t fk[16], cv_buf *pt)
{
    size_t len, used;
    char *buf = tl_slurp(file, &len);
    cr_assert(buf != NULL, "cannot read %s", file);
    cv_age_identity *id = load_identity(key);
    cv_age_header h;
    cv_age_header_init(&h);
    cr_assert(cv_is_ok(cv_age_header_parse(cv_slice_of(buf, len), &h, &used)));
    cv_result r = cv_age_identity_unwrap(id, &h.stanzas, fk);
    if (cv_is_ok(r)) {
        cr_assert(cv_is_ok(cv_age_header_verify(&h, fk)), "%s: header MAC", file);
        tl_age_payload(fk, cv_slice_of(buf + used, len - used), pt);
    }
    cv_age_header_clear(&h);
    cv_age_identity_free(&id);
    free(buf);
    return r;
}

static void expect_plain(const char *file, const char *want_path)
{
    uint8_t fk[16];
    cv_buf pt;
    cr_assert(cv_is_ok(unwrap_file(file, PQV "pq_key.txt", fk, &pt)), "%s", file);
    size_t n;
    char *want = tl_slurp(want_path, &n);
    cr_assert(pt.len == n && (n == 0 || memcmp(pt.p, want, n) == 0), "%s: plaintext", file);
    free(want);
    cv_buf_release(&pt);
}

Test(pq, age_made_files)
{
    cr_assert(cv_is_ok(cv_crypto_init()));
    expect_plain(PQV "pq_single.age", PQV "plain.txt");
    expect_plain(PQV "pq_two.age", PQV "plain.txt");
    expect_plain(PQV "pq_empty.age", "/dev/null");
    uint8_t fk[16];
    cv_buf pt;
    cr_assert_eq(unwrap_file(PQV "pq_other.age", PQV "pq_key.txt", fk, &pt).err, CV_E_AGE_NO_MATCH);
}

/* The recipient on age-keygen's "# public key:" line, and the identity's own
 * recipient, both wrap keys the identity opens. */
Test(pq, age_keygen_recipient_round_trip)
{
    cr_assert(cv_is_ok(cv_crypto_init()));
    char *text = tl_slurp(PQV "pq_key.txt", NULL);
    cv_slice line = tl_line_with(text, "# public key: ");
    line.p += 14, line.len -= 14;
    cv_age_recipient *rc = NULL, *rc2 = NULL;
    cv_age_identity *id = load_identity(PQV "pq_key.txt");
    cr_assert(cv_is_ok(cv_age_pq_recipient_parse(line, &rc)));
    cr_assert(cv_is_ok(id->ops->to_recipient(id, &rc2)));
    cv_age_recipient *both[2] = { rc, rc2 };
    for (int i = 0; i < 2; i++) {
        uint8_t fk[16], back[16];
        char *labels = NULL;
        cv_age_stanzas st;
        cv_age_stanzas_init(&st);
        cv_random(fk, 16);
        cr_assert(cv_is_ok(cv_age_recipient_wrap(both[i], fk, &st, &labels)));
        cr_assert_str_eq(labels, "postquantum");
        cr_assert_eq(st.n, 1);
        cr_assert_str_eq(st.v[0].type, "mlkem768x25519");
        cr_assert_eq(st.v[0].nargs, 1);
        cr_assert_eq(strlen(st.v[0].args[0]), 1494);
        cr_assert_eq(st.v[0].body_len, 32);
        cr_assert(cv_is_ok(cv_age_identity_unwrap(id, &st, back)));
        cr_assert(memcmp(fk, back, 16) == 0);
        free(labels);
        cv_age_stanzas_clear(&st);
    }
    cv_age_recipient_free(&rc);
    cv_age_recipient_free(&rc2);
    cv_age_identity_free(&id);
    free(text);
}

/* ---- the live peer ---- */

static void write_identity_file(const char *path, const cv_secret *enc)
{
    char buf[128];
    int n = snprintf(buf, sizeof(buf), "%s\n", (const char *)enc->data);
    tl_write(path, buf, (size_t)n);
    cv_wipe(buf, sizeof(buf));
}

Test(pq, covert_keys_and_files_accepted_by_age)
{
    cr_assert(cv_is_ok(cv_crypto_init()));
    if (tl_peer("age") == NULL || tl_peer("age-keygen") == NULL)
        cr_skip_test("age 1.3.1 not built (tests/peers)");
    char dir[64], keyf[128], filef[128], cmd[4096];
    tl_tmpdir(dir);
    snprintf(keyf, sizeof(keyf), "%s/key.txt", dir);
    snprintf(filef, sizeof(filef), "%s/file.age", dir);
    cv_secret *ident = NULL;
    char *rcpt = NULL;
    cr_assert(cv_is_ok(cv_age_pq_generate(&ident, &rcpt)));
    cr_assert(strncmp((const char *)ident->data, "AGE-SECRET-KEY-PQ-1", 19) == 0);
    cr_assert(strncmp(rcpt, "age1pq1", 7) == 0);
    write_identity_file(keyf, ident);

    cv_buf out;
    snprintf(cmd, sizeof(cmd), "timeout 60 '%s' -y '%s'", tl_peer("age-keygen"), keyf);
    cr_assert_eq(tl_run(cmd, &out), 0);
    cr_assert(out.len == strlen(rcpt) + 1 && memcmp(out.p, rcpt, strlen(rcpt)) == 0,
              "age-keygen -y disagrees with covert's recipient");
    cv_buf_release(&out);

    static const char msg[] = "covert wrote this header\n";
    cv_age_recipient *rc = NULL;
    cv_age_stanzas st;
    cv_age_stanzas_init(&st);
    uint8_t fk[16];
    char *labels = NULL;
    cv_random(fk, sizeof(fk));
    cr_assert(cv_is_ok(cv_age_pq_recipient_parse(cv_slice_str(rcpt), &rc)));
    cr_assert(cv_is_ok(cv_age_recipient_wrap(rc, fk, &st, &labels)));
    cv_buf file;
    tl_age_build(&file, &st, fk, (const uint8_t *)msg, strlen(msg));
    tl_write(filef, file.p, file.len);
    snprintf(cmd, sizeof(cmd), "timeout 60 '%s' -d -i '%s' '%s'", tl_peer("age"), keyf, filef);
    cr_assert_eq(tl_run(cmd, &out), 0, "age -d refused covert's file");
    cr_assert(out.len == strlen(msg) && memcmp(out.p, msg, out.len) == 0);
    cv_buf_release(&out);

    /* And the other way: age encrypts to covert's recipient. */
    snprintf(cmd, sizeof(cmd), "printf 'from age' | timeout 60 '%s' -e -r '%s' -o '%s'", tl_peer("age"), rcpt,
             filef);
    cr_assert_eq(tl_run(cmd, &out), 0);
    cv_buf_release(&out);
    cv_buf pt;
    cr_assert(cv_is_ok(unwrap_file(filef, keyf, fk, &pt)));
    cr_assert(pt.len == 8 && memcmp(pt.p, "from age", 8) == 0);
    cv_buf_release(&pt);

    cv_buf_release(&file);
    cv_age_stanzas_clear(&st);
    cv_age_recipient_free(&rc);
    free(labels);
    free(rcpt);
    cv_secret_free(&ident);
    tl_rmdir(dir);
}

/* ---- parsing and stanza rules ---- */

static char *reencode(const char *hrp, const uint8_t *data, size_t n, bool upper)
{
    cv_buf b;
    cv_buf_init(&b, 8192);
    cr_assert(cv_is_ok(cv_bech32_encode(&b, hrp, data, n, upper)));
    cr_assert(cv_is_ok(cv_buf_nul(&b)));
    size_t len;
    return (char *)cv_buf_take(&b, &len);
}

Test(pq, recipient_parse_errors)
{
    cr_assert(cv_is_ok(cv_crypto_init()));
    cv_age_identity *id = load_identity(PQV "pq_key.txt");
    cv_age_recipient *rc = NULL;
    /* The key bytes come from the identity; only the encodings vary. */
    cv_hpke_sk *sk = NULL;
    uint8_t seed[32];
    memset(seed, 3, sizeof(seed));
    cr_assert(cv_is_ok(cv_hpke_sk_new(&sk, &cv_hpke_xwing, seed)));
    uint8_t pk[CV_HPKE_XWING_PK + 1];
    memcpy(pk, cv_hpke_sk_pk(sk), CV_HPKE_XWING_PK);
    pk[CV_HPKE_XWING_PK] = 0;
    char *good = reencode("age1pq", pk, CV_HPKE_XWING_PK, false);
    cr_assert(cv_is_ok(cv_age_pq_recipient_parse(cv_slice_str(good), &rc)));
    cv_age_recipient_free(&rc);
    const char *bad_hrp[] = { "age", "age1pqx", "age1tag" };
    for (size_t i = 0; i < 3; i++) {
        char *s = reencode(bad_hrp[i], pk, CV_HPKE_XWING_PK, false);
        cr_assert_eq(cv_age_pq_recipient_parse(cv_slice_str(s), &rc).err, CV_E_AGE_RECIPIENT);
        free(s);
    }
    char *upper = reencode("age1pq", pk, CV_HPKE_XWING_PK, true);
    cr_assert_eq(cv_age_pq_recipient_parse(cv_slice_str(upper), &rc).err, CV_E_AGE_RECIPIENT);
    char *shortk = reencode("age1pq", pk, CV_HPKE_XWING_PK - 1, false);
    cr_assert_eq(cv_age_pq_recipient_parse(cv_slice_str(shortk), &rc).err, CV_E_AGE_RECIPIENT);
    char *longk = reencode("age1pq", pk, CV_HPKE_XWING_PK + 1, false);
    cr_assert_eq(cv_age_pq_recipient_parse(cv_slice_str(longk), &rc).err, CV_E_AGE_RECIPIENT);
    pk[0] = 0x01, pk[1] = (uint8_t)((pk[1] & 0xf0) | 0x0d); /* coefficient = q */
    char *modq = reencode("age1pq", pk, CV_HPKE_XWING_PK, false);
    cr_assert_eq(cv_age_pq_recipient_parse(cv_slice_str(modq), &rc).err, CV_E_AGE_RECIPIENT);
    good[strlen(good) - 1] = good[strlen(good) - 1] == 'q' ? 'p' : 'q'; /* checksum */
    cr_assert_eq(cv_age_pq_recipient_parse(cv_slice_str(good), &rc).err, CV_E_AGE_RECIPIENT);
    cr_assert_null(rc);
    free(good), free(upper), free(shortk), free(longk), free(modq);
    cv_hpke_sk_free(&sk);
    cv_age_identity_free(&id);
}

Test(pq, identity_parse_errors)
{
    cr_assert(cv_is_ok(cv_crypto_init()));
    uint8_t seed[33];
    memset(seed, 9, sizeof(seed));
    cv_age_identity *id = NULL;
    char *good = reencode("AGE-SECRET-KEY-PQ-", seed, 32, true);
    cr_assert(cv_is_ok(cv_age_pq_identity_parse(cv_slice_str(good), &id)));
    cv_age_identity_free(&id);
    char *lower = reencode("AGE-SECRET-KEY-PQ-", seed, 32, false);
    char *x25519 = reencode("AGE-SECRET-KEY-", seed, 32, true);
    char *shorts = reencode("AGE-SECRET-KEY-PQ-", seed, 31, true);
    char *longs = reencode("AGE-SECRET-KEY-PQ-", seed, 33, true);
    const char *bad[] = { lower, x25519, shorts, longs, "AGE-SECRET-KEY-PQ-1", "" };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        cr_assert_eq(cv_age_pq_identity_parse(cv_slice_str(bad[i]), &id).err, CV_E_AGE_IDENTITY,
                     "case %zu", i);
        cr_assert_null(id);
    }
    free(good), free(lower), free(x25519), free(shorts), free(longs);
}

/* Stanzas of our type that break a rule are hard errors; other types and
 * wrong keys are "no match". */
Test(pq, unwrap_rules)
{
    cr_assert(cv_is_ok(cv_crypto_init()));
    cv_age_identity *id = load_identity(PQV "pq_key.txt"), *other = load_identity(PQV "pq_key2.txt");
    cv_age_recipient *rc = NULL;
    cr_assert(cv_is_ok(id->ops->to_recipient(id, &rc)));
    uint8_t fk[16], back[16];
    char *labels = NULL;
    cv_random(fk, 16);
    cv_age_stanzas st;
    cv_age_stanzas_init(&st);
    cr_assert(cv_is_ok(cv_age_recipient_wrap(rc, fk, &st, &labels)));
    cr_assert_eq(cv_age_identity_unwrap(other, &st, back).err, CV_E_AGE_NO_MATCH);
    const cv_age_stanza *s = &st.v[0];
    char *arg = s->args[0];
    const char *two[2] = { arg, "x" };
    char noncanon[1500];
    memcpy(noncanon, arg, strlen(arg) + 1);
    noncanon[strlen(arg) - 1]++; /* A, Q, g, w -> a set padding bit */
    const char *nc[1] = { noncanon }, *sh[1] = { "AAAA" }, *ok[1] = { arg };
    cv_age_stanzas bad;
    cv_age_stanzas_init(&bad);
    cr_assert(cv_is_ok(cv_age_stanzas_add(&bad, "mlkem768x25519", two, 2, s->body, 32)));
    cr_assert(cv_is_ok(cv_age_stanzas_add(&bad, "mlkem768x25519", nc, 1, s->body, 32)));
    cr_assert(cv_is_ok(cv_age_stanzas_add(&bad, "mlkem768x25519", sh, 1, s->body, 32)));
    cr_assert(cv_is_ok(cv_age_stanzas_add(&bad, "mlkem768x25519", ok, 1, s->body, 31)));
    cr_assert(cv_is_ok(cv_age_stanzas_add(&bad, "mlkem768x25519", ok, 1, s->body, 0)));
    cr_assert(cv_is_ok(cv_age_stanzas_add(&bad, "mlkem768x25519", NULL, 0, s->body, 32)));
    for (size_t i = 0; i < bad.n; i++) {
        cv_age_stanzas one = { &bad.v[i], 1, 1 };
        cr_assert_eq(cv_age_identity_unwrap(id, &one, back).err, CV_E_AGE_STANZA, "case %zu", i);
    }
    cv_age_stanzas foreign;
    cv_age_stanzas_init(&foreign);
    cr_assert(cv_is_ok(cv_age_stanzas_add(&foreign, "MLKEM768X25519", ok, 1, s->body, 32)));
    cr_assert(cv_is_ok(cv_age_stanzas_add(&foreign, "X25519", ok, 1, s->body, 32)));
    cr_assert_eq(cv_age_identity_unwrap(id, &foreign, back).err, CV_E_AGE_NO_MATCH);
    /* A hard error stops the search even when a good stanza follows. */
    cv_age_stanzas mixed;
    cv_age_stanzas_init(&mixed);
    cr_assert(cv_is_ok(cv_age_stanzas_add(&mixed, "mlkem768x25519", ok, 1, s->body, 31)));
    cr_assert(cv_is_ok(cv_age_stanzas_add(&mixed, "mlkem768x25519", ok, 1, s->body, 32)));
    cr_assert_eq(cv_age_identity_unwrap(id, &mixed, back).err, CV_E_AGE_STANZA);
    cr_assert(cv_is_ok(cv_age_identity_unwrap(id, &st, back)));
    cr_assert(memcmp(fk, back, 16) == 0);
    cv_age_stanzas_clear(&bad);
    cv_age_stanzas_clear(&foreign);
    cv_age_stanzas_clear(&mixed);
    cv_age_stanzas_clear(&st);
    free(labels);
    cv_age_recipient_free(&rc);
    cv_age_identity_free(&id);
    cv_age_identity_free(&other);
}
