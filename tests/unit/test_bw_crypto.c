/* Bitwarden EncStrings, key derivation, access tokens and the login payload
 * against ../shared/testvectors/bitwarden (SDK test constants and values the
 * official @bitwarden/sdk-napi 1.0.0 accepted), read in place. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "crypto/base/enc.h"
#include "secrets/bitwarden/encstring.h"
#include "secrets/bitwarden/token.h"
#include "secrets/runtime/init.h"
#include "tests/lib/vectors.h"

static json_t *load_vec(const char *name)
{
    char path[1024];
    snprintf(path, sizeof(path), "%s/testvectors/bitwarden/%s", tv_shared_dir(), name);
    json_error_t e;
    json_t *j = json_load_file(path, 0, &e);
    if (j == NULL) cr_skip_test("no shared vectors at %s", path);
    return j;
}

static cv_secret *key_b64(const char *b64)
{
    uint8_t raw[128];
    size_t n = 0;
    cr_assert(cv_is_ok(cv_b64_decode(raw, &n, cv_slice_str(b64), true)), "key %s", b64);
    cv_secret *k = NULL;
    cr_assert(cv_is_ok(cv_secret_dup(&k, raw, n)));
    return k;
}

static void init(void)
{
    cr_assert(cv_is_ok(cv_crypto_init()));
    cr_assert(cv_is_ok(cv_secrets_init()));
}

TestSuite(bw_crypto, .init = init);

/* The exact error expected for each named negative case. */
static cv_err expected_error(const char *name)
{
    static const struct {
        const char *name;
        cv_err e;
    } t[] = {
        { "mac_bitflip", CV_E_BW_MAC },
        { "ciphertext_bitflip", CV_E_BW_MAC },
        { "iv_bitflip", CV_E_BW_MAC },
        { "wrong_key_valid_format", CV_E_BW_MAC },
        { "type1_legacy_aes128", CV_E_UNSUPPORTED },
        { "unknown_type_8", CV_E_BW_ENCSTRING },
        { "missing_mac_part", CV_E_BW_ENCSTRING },
        { "iv_15_bytes", CV_E_BW_ENCSTRING },
        { "bad_base64", CV_E_BW_ENCSTRING },
        { "ciphertext_not_block_multiple_valid_mac", CV_E_BW_DECRYPT },
        { "bad_pkcs7_padding_0x11_valid_mac", CV_E_BW_DECRYPT },
        { "downgrade_type0_with_64_byte_key", CV_E_BW_MAC_MISSING },
    };
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
        if (name && strcmp(name, t[i].name) == 0) return t[i].e;
    return CV_OK; /* unnamed negative case: any failure */
}

Test(bw_crypto, encstring_decrypt_vectors)
{
    json_t *j = load_vec("encstring_decrypt.json");
    json_t *cases = json_object_get(j, "cases");
    size_t i, ok = 0, bad = 0;
    json_t *c;
    json_array_foreach(cases, i, c) {
        const char *enc = json_string_value(json_object_get(c, "encstring"));
        const char *name = json_string_value(json_object_get(c, "name"));
        cv_secret *k = key_b64(json_string_value(json_object_get(c, "key_b64")));
        cv_buf out;
        cv_buf_init_secret(&out, 1 << 20);
        cv_result r = cv_bw_decrypt_str(cv_slice_str(enc), k, &out);
        if (json_is_true(json_object_get(c, "expect_error"))) {
            cv_err want = expected_error(name);
            if (cv_is_ok(r) || (want != CV_OK && r.err != want)) {
                bad++;
                cr_log_error("case %zu (%s): got %s", i, name, cv_strerror(r.err));
            }
        } else {
            const char *want = json_string_value(json_object_get(c, "expect_plaintext_utf8"));
            if (!cv_is_ok(r) || !cv_slice_eq_str(cv_buf_slice(&out), want)) {
                bad++;
                cr_log_error("case %zu (%s): %s %s", i, name ? name : "", cv_strerror(r.err),
                             cv_err_detail());
            }
        }
        ok++;
        cv_buf_release(&out);
        cv_secret_free(&k);
    }
    json_decref(j);
    cr_assert(ok >= 100, "only %zu cases", ok);
    cr_assert_eq(bad, 0);
}

Test(bw_crypto, encstring_encrypt_fixed_iv)
{
    json_t *j = load_vec("encstring_encrypt_fixed_iv.json");
    size_t i, bad = 0;
    json_t *c;
    json_array_foreach(json_object_get(j, "cases"), i, c) {
        cv_secret *k = key_b64(json_string_value(json_object_get(c, "key_b64")));
        uint8_t iv[16];
        cr_assert(cv_is_ok(cv_b64_decode_exact(
            iv, 16, cv_slice_str(json_string_value(json_object_get(c, "iv_b64"))), true)));
        const char *pt = json_string_value(json_object_get(c, "plaintext_utf8"));
        const char *want = json_string_value(json_object_get(c, "expect_encstring"));
        cv_buf out;
        cv_buf_init(&out, 1 << 20);
        cr_assert(cv_is_ok(cv_bw_encrypt(cv_slice_str(pt), k, iv, &out)));
        if (!cv_slice_eq_str(cv_buf_slice(&out), want)) {
            bad++;
            cr_log_error("case %zu differs", i);
        }
        /* and it decrypts back */
        cv_buf back;
        cv_buf_init_secret(&back, 1 << 20);
        cr_assert(cv_is_ok(cv_bw_decrypt_str(cv_buf_slice(&out), k, &back)));
        cr_assert(cv_slice_eq_str(cv_buf_slice(&back), pt));
        cv_buf_release(&back);
        cv_buf_release(&out);
        cv_secret_free(&k);
    }
    cr_assert(i >= 30);
    json_decref(j);
    cr_assert_eq(bad, 0);
}

Test(bw_crypto, random_iv_roundtrip)
{
    cv_secret *k = NULL;
    cr_assert(cv_is_ok(cv_secret_new(&k, 64)));
    memset(k->data, 7, 64);
    cv_buf a, b, pt;
    cv_buf_init(&a, 4096);
    cv_buf_init(&b, 4096);
    cv_buf_init_secret(&pt, 4096);
    cr_assert(cv_is_ok(cv_bw_encrypt(cv_slice_str("same"), k, NULL, &a)));
    cr_assert(cv_is_ok(cv_bw_encrypt(cv_slice_str("same"), k, NULL, &b)));
    cr_assert(!cv_slice_eq(cv_buf_slice(&a), cv_buf_slice(&b)), "IV must be random");
    cr_assert(cv_is_ok(cv_bw_decrypt(cv_buf_slice(&a), k, &pt)));
    cr_assert(cv_slice_eq_str(cv_buf_slice(&pt), "same"));
    cv_buf_release(&a);
    cv_buf_release(&b);
    cv_buf_release(&pt);
    cv_secret_free(&k);
}

Test(bw_crypto, type0_with_32_byte_key_only)
{
    /* a type-2 string refused with a 32-byte key; asymmetric types refused */
    cv_secret *k = NULL;
    cr_assert(cv_is_ok(cv_secret_new(&k, 32)));
    cv_buf out;
    cv_buf_init_secret(&out, 4096);
    cv_result r = cv_bw_decrypt(
        cv_slice_str("2.pMS6/icTQABtulw52pq2lg==|XXbxKxDTh+mWiN1HjH2N1w==|Q6PkuT+KX/axrgN9ubD5Ajk2YNwxQkgs3WJM0S0wtG8="),
        k, &out);
    cr_assert_eq(r.err, CV_E_BW_ENCSTRING);
    r = cv_bw_decrypt(cv_slice_str("4.AAAA"), k, &out);
    cr_assert_eq(r.err, CV_E_UNSUPPORTED);
    r = cv_bw_decrypt(cv_slice_str(" 2.AAAA|AAAA|AAAA"), k, &out);
    cr_assert_eq(r.err, CV_E_BW_ENCSTRING);
    cr_assert_eq(out.len, 0);
    cv_buf_release(&out);
    cv_secret_free(&k);
}

Test(bw_crypto, key_derivation_vectors)
{
    json_t *j = load_vec("key_derivation.json");
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(j, "cases"), i, c) {
        const char *kind = json_string_value(json_object_get(c, "kind"));
        if (strcmp(kind, "derive_shareable_key") == 0) {
            const char *sec = json_string_value(json_object_get(c, "secret_ascii"));
            cv_secret *k = NULL;
            cr_assert(cv_is_ok(cv_bw_derive_shareable_key(
                &k, (const uint8_t *)sec, strlen(sec),
                json_string_value(json_object_get(c, "name")),
                json_string_value(json_object_get(c, "info")))));
            char b64[100];
            cv_b64_encode(b64, k->data, 64, true);
            b64[cv_b64_enc_len(64, true)] = '\0';
            cr_assert_str_eq(b64, json_string_value(json_object_get(c, "expect_key_b64")));
            cv_secret_free(&k);
        }
    }
    json_decref(j);
}

Test(bw_crypto, access_token_vectors)
{
    json_t *j = load_vec("sm_access_token.json");
    size_t i, n_ok = 0, n_err = 0;
    json_t *c;
    json_array_foreach(json_object_get(j, "cases"), i, c) {
        const char *tok = json_string_value(json_object_get(c, "access_token"));
        cv_bw_token t;
        cv_result r = cv_bw_token_parse(cv_slice_str(tok), &t);
        if (json_object_get(c, "expect_error")) {
            cr_assert_eq(r.err, CV_E_BW_TOKEN, "case %zu accepted", i);
            const char *msg = json_string_value(json_object_get(c, "sdk_message"));
            const char *pre = "Access token is not in a valid format: ";
            if (msg) cr_assert_str_eq(cv_err_detail(), msg + strlen(pre), "case %zu", i);
            n_err++;
            continue;
        }
        cr_assert(cv_is_ok(r), "case %zu: %s", i, cv_err_detail());
        json_t *e = json_object_get(c, "expect");
        cr_assert_str_eq(t.client_id, json_string_value(json_object_get(e, "client_id")));
        const char *sec = json_string_value(json_object_get(e, "client_secret"));
        cr_assert_eq(t.client_secret->len, strlen(sec));
        cr_assert(memcmp(t.client_secret->data, sec, strlen(sec)) == 0);
        char b64[100];
        cv_b64_encode(b64, t.key->data, 64, true);
        b64[cv_b64_enc_len(64, true)] = '\0';
        cr_assert_str_eq(b64, json_string_value(json_object_get(e, "derived_key_b64")));
        cv_bw_token_clear(&t);
        n_ok++;
    }
    json_decref(j);
    cr_assert(n_ok >= 8 && n_err >= 5);
}

/* Login payload: decrypt encrypted_payload with the derived key, read the
 * organization key, and the organization from the JWT claim. */
Test(bw_crypto, identity_flow_vectors)
{
    json_t *j = load_vec("sm_identity_flow.json");
    size_t i, checked = 0;
    json_t *c;
    json_array_foreach(json_object_get(j, "cases"), i, c) {
        cv_bw_token t;
        cr_assert(cv_is_ok(cv_bw_token_parse(
            cv_slice_str(json_string_value(json_object_get(c, "access_token"))), &t)));
        json_t *resp = json_object_get(c, "response");
        const char *payload = json_string_value(json_object_get(resp, "encrypted_payload"));
        if (!payload) payload = json_string_value(json_object_get(c, "response_encrypted_payload"));
        if (!payload)
            payload = json_string_value(
                json_object_get(json_object_get(c, "response_shape"), "encrypted_payload"));
        cr_assert(payload != NULL, "case %zu", i);
        json_t *e = json_object_get(c, "expect");
        cv_buf pt;
        cv_buf_init_secret(&pt, 4096);
        cr_assert(cv_is_ok(cv_bw_decrypt_str(cv_slice_str(payload), t.key, &pt)), "case %zu", i);
        cr_assert(cv_slice_eq_str(cv_buf_slice(&pt),
                                  json_string_value(json_object_get(e, "payload_plaintext"))));
        cv_buf_release(&pt);
        const char *jwt = json_string_value(json_object_get(resp, "access_token"));
        if (jwt) {
            cv_bw_jwt claims;
            cr_assert(cv_is_ok(cv_bw_jwt_read(cv_slice_str(jwt), &claims)));
            cr_assert_str_eq(claims.organization,
                             json_string_value(json_object_get(
                                 e, "organization_id_from_jwt_claim_organization")));
            cr_assert_eq(claims.exp, json_integer_value(json_object_get(e, "jwt_exp")));
        }
        json_t *then = json_object_get(c, "then_get_secret");
        if (then) {
            cv_secret *org = key_b64(json_string_value(json_object_get(e, "organization_key_b64")));
            const char *fields[] = { "key", "value", "note" };
            for (size_t f = 0; f < 3; f++) {
                cv_buf v;
                cv_buf_init_secret(&v, 1 << 16);
                cr_assert(cv_is_ok(cv_bw_decrypt_str(
                    cv_slice_str(json_string_value(
                        json_object_get(json_object_get(then, "encrypted"), fields[f]))),
                    org, &v)));
                cr_assert(cv_slice_eq_str(
                    cv_buf_slice(&v), json_string_value(json_object_get(
                                          json_object_get(then, "expect_plaintext"), fields[f]))));
                cv_buf_release(&v);
            }
            cv_secret_free(&org);
        }
        cv_bw_token_clear(&t);
        checked++;
    }
    json_decref(j);
    cr_assert(checked >= 5);
}

Test(bw_crypto, uuid_forms)
{
    char out[CV_UUID_STR];
    cr_assert(cv_is_ok(cv_uuid_parse(cv_slice_str("EC2C1D46-6A4B-4751-A310-AF9601317F2D"), out)));
    cr_assert_str_eq(out, "ec2c1d46-6a4b-4751-a310-af9601317f2d");
    cr_assert(cv_is_ok(cv_uuid_parse(cv_slice_str("ec2c1d466a4b4751a310af9601317f2d"), out)));
    cr_assert_str_eq(out, "ec2c1d46-6a4b-4751-a310-af9601317f2d");
    cr_assert(!cv_uuid_valid(cv_slice_str("ec2c1d46-6a4b-4751-a310-af9601317f2")));
    cr_assert(!cv_uuid_valid(cv_slice_str("not-a-uuid")));
    cv_err_clear();
}
