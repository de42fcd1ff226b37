/* reconcile/flux/keys.c and the fixed keyring (secrets/sops/agekey.c):
 * which entries of a decryption Secret count (kustomize-controller v1.9.4
 * decryptor.go ImportKeys), sops's ParsedIdentities.Import line rules, and
 * which keyrings a Kustomization decrypts with. Identities are the C2SP
 * age test keys (testkit). */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/base/enc.h"
#include "reconcile/flux/keys.h"
#include "reconcile/kustomize/kyaml.h"

#define ID1 "AGE-SECRET-KEY-143WN7DCXU4G8R5AXQSSYD9AEPYDNT3HXSLWSPK36CDU6E8M59SSSAGZ3KG"
#define ID2 "AGE-SECRET-KEY-1EGTZVFFV20835NWYV6270LXYVK2VKNX2MMDKWYKLMGR48UAWX40Q2P2LM0"

static cv_node *yaml1(cv_doc *d, const char *yaml)
{
    cv_node **docs = NULL;
    size_t n = 0;
    cr_assert(cv_is_ok(cv_kz_yaml_docs(d, cv_slice_str(yaml), &docs, &n)), "%s", cv_err_detail());
    cr_assert_eq(n, 1);
    cv_node *o = docs[0];
    free(docs);
    return o;
}

static size_t imported(const char *text, cv_result *r)
{
    static const cv_age_ui ui;
    cv_sops_keyring *k;
    cr_assert(cv_is_ok(cv_sops_keyring_new_fixed(&ui, &k)));
    *r = cv_sops_keyring_import(k, cv_slice_str(text));
    size_t n = cv_sops_keyring_count(k);
    cv_sops_keyring_free(&k);
    return n;
}

Test(flux_keys, import_lines_as_sops)
{
    cv_result r;
    cr_expect_eq(imported("# created: today\n" ID1 "\r\n\n" ID2, &r), 2);
    cr_expect(cv_is_ok(r));
    cr_expect_eq(imported("", &r), 0);
    cr_expect(cv_is_ok(r));
    /* A leading blank is not trimmed (bufio.Scanner lines, whole-line parse). */
    cr_expect_eq(imported(ID1 "\n " ID2 "\n", &r), 0);
    cr_expect(cv_is(r, CV_E_AGE_IDENTITY));
    /* Two identities on one line: Import is not the SOPS_AGE_KEY reader. */
    cr_expect_eq(imported(ID1 " " ID2 "\n", &r), 0);
    cr_expect(!cv_is_ok(r));
    cr_expect_eq(imported("age1notanidentity\n", &r), 0);
    cr_expect(cv_is(r, CV_E_AGE_IDENTITY));
}

/* Stands for the process keyring (--identity); only compared. */
static cv_sops_keyring *caller_keyring(void)
{
    static const cv_age_ui ui;
    cv_sops_keyring *k;
    cr_assert(cv_is_ok(cv_sops_keyring_new_fixed(&ui, &k)));
    return k;
}

typedef struct {
    const cv_node *secret;
    const char *want_ns, *want_name;
} one_obj;

static cv_result find_one(void *ctx, const char *kind, const char *ns, const char *name,
                          const cv_node **out)
{
    one_obj *o = ctx;
    cr_expect_str_eq(kind, "Secret");
    cr_expect_str_eq(ns, o->want_ns);
    cr_expect_str_eq(name, o->want_name);
    *out = o->secret;
    return cv_ok();
}

#define KS(sref)                                                                         \
    "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\n"                  \
    "metadata: {name: apps, namespace: flux-system}\n"                                   \
    "spec:\n  sourceRef: {kind: GitRepository, name: src}\n  decryption: {provider: sops" \
    sref "}\n"

static void load(cv_doc *d, const char *ks_yaml, const cv_node *secret, bool live,
                 cv_sops_keyring *fallback, cv_flux_keys *keys, cv_result *r)
{
    static cv_flux_ks k;
    cr_assert(cv_is_ok(cv_flux_ks_parse(yaml1(d, ks_yaml), &k)));
    one_obj o = { secret, "flux-system", "sops-age" };
    *r = cv_flux_keys_load(&k, find_one, &o, live, fallback, keys);
    cv_flux_ks_clear(&k);
}

Test(flux_keys, entries_by_name)
{
    cv_doc d;
    cr_assert(cv_is_ok(cv_doc_init(&d)));
    char b64[200];
    cv_buf b;
    cv_buf_init(&b, 4096);
    cr_assert(cv_is_ok(cv_b64_encode_buf(&b, (const uint8_t *)ID2 "\n", strlen(ID2) + 1, true)));
    snprintf(b64, sizeof b64, "%.*s", (int)b.len, (const char *)b.p);
    cv_buf_release(&b);
    char yaml[1024];
    snprintf(yaml, sizeof yaml,
             "apiVersion: v1\nkind: Secret\nmetadata: {name: sops-age, namespace: flux-system}\n"
             "data:\n  b.agekey: %s\n  x.asc: aGVsbG8=\n  sops.vault-token: dA==\n"
             "  other.vault-token: dA==\n  notes.txt: aGk=\n"
             "stringData:\n  a.agekey: |\n    " ID1 "\n  sops.gcp-kms: '{}'\n",
             b64);
    const cv_node *s = yaml1(&d, yaml);
    cv_sops_keyring *fb = caller_keyring();
    cv_flux_keys keys;
    cv_result r;
    load(&d, KS(", secretRef: {name: sops-age}"), s, true, fb, &keys, &r);
    cr_assert(cv_is_ok(r), "%s", cv_err_detail());
    cr_expect_eq(cv_sops_keyring_count(keys.own), 2);
    cr_expect(keys.kr[0] == keys.own && keys.kr[1] == NULL, "live: the Secret's identities alone");
    cr_expect_str_eq(keys.secret, "flux-system/sops-age");
    cr_expect_str_eq(keys.unsupported, "x.asc, sops.vault-token, sops.gcp-kms");
    cv_flux_keys_clear(&keys);

    load(&d, KS(", secretRef: {name: sops-age}"), s, false, fb, &keys, &r);
    cr_assert(cv_is_ok(r));
    cr_expect(keys.kr[0] == keys.own && keys.kr[1] == fb, "offline: the Secret's, then the caller's");
    cv_flux_keys_clear(&keys);
    cv_sops_keyring_free(&fb);
    cv_doc_clear(&d);
}

Test(flux_keys, missing_secret_and_bad_entry)
{
    cv_doc d;
    cr_assert(cv_is_ok(cv_doc_init(&d)));
    cv_sops_keyring *fb = caller_keyring();
    cv_flux_keys keys;
    cv_result r;
    load(&d, KS(", secretRef: {name: sops-age}"), NULL, true, fb, &keys, &r);
    cr_expect(cv_is(r, CV_E_KUBE_NOT_FOUND));
    cr_expect_str_eq(cv_err_detail(), "secrets \"sops-age\" not found");
    cv_flux_keys_clear(&keys);

    load(&d, KS(", secretRef: {name: sops-age}"), NULL, false, fb, &keys, &r);
    cr_expect(cv_is_ok(r), "offline: a Secret the repository does not render is no error");
    cr_expect(keys.kr[0] == NULL && keys.kr[1] == fb);
    cv_flux_keys_clear(&keys);

    load(&d, KS(""), NULL, true, fb, &keys, &r);
    cr_expect(cv_is_ok(r) && keys.kr[0] == NULL && keys.kr[1] == fb, "no secretRef: the caller's");
    cv_flux_keys_clear(&keys);

    const cv_node *bad = yaml1(&d, "apiVersion: v1\nkind: Secret\nmetadata: {name: sops-age}\n"
                                   "stringData: {k.agekey: 'AGE-SECRET-KEY-1XYZ'}\n");
    load(&d, KS(", secretRef: {name: sops-age}"), bad, true, fb, &keys, &r);
    cr_expect(cv_is(r, CV_E_AGE_IDENTITY) || cv_is(r, CV_E_BECH32), "%s", cv_strerror(r.err));
    cr_expect(strstr(cv_err_detail(), "failed to import 'k.agekey' data from sops decryption "
                                      "Secret 'flux-system/sops-age'") != NULL,
              "%s", cv_err_detail());
    cr_expect(strstr(cv_err_detail(), "XYZ") == NULL, "no key material in the error");
    cv_flux_keys_clear(&keys);
    cv_sops_keyring_free(&fb);
    cv_doc_clear(&d);
}
