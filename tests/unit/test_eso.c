/* ExternalSecret resolution: ESO's bookkeeping hashes (vectors computed
 * with Go's fmt and SHA3-224), the webhook jsonPath extraction of the
 * `bw serve` fixture, and whole renders against the fake Bitwarden server
 * (expected values from sm_api_responses.json). */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "crypto/base/mem.h"
#include "secrets/doc/json.h"
#include "secrets/eso/eso.h"
#include "secrets/eso/jsonpath.h"
#include "secrets/eso/template.h"
#include "secrets/runtime/init.h"
#include "tests/lib/bw_fake.h"
#include "tests/lib/vectors.h"

static void init(void)
{
    cr_assert(cv_is_ok(cv_crypto_init()));
    cr_assert(cv_is_ok(cv_secrets_init()));
}

TestSuite(eso, .init = init);

static json_t *vec(const char *name)
{
    char path[1024];
    snprintf(path, sizeof(path), "%s/testvectors/bitwarden/%s", tv_shared_dir(), name);
    json_t *j = json_load_file(path, 0, NULL);
    if (!j) cr_skip_test("no shared vectors at %s", path);
    return j;
}

Test(eso, data_hash_and_owner_label_vectors)
{
    json_t *j = vec("eso_bookkeeping.json");
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(j, "data_hash_cases"), i, c) {
        /* {"k": {"utf8": v}} -> a MAP of STR */
        json_t *flat = json_object();
        const char *k;
        json_t *v;
        json_object_foreach(json_object_get(c, "secret_data"), k, v)
            json_object_set(flat, k, json_object_get(v, "utf8"));
        char *text = json_dumps(flat, JSON_COMPACT);
        cv_doc d;
        cr_assert(cv_is_ok(cv_doc_init(&d)));
        cr_assert(cv_is_ok(cv_json_load(cv_slice_str(text), &d)));
        char h[57];
        cr_assert(cv_is_ok(cv_eso_data_hash(d.branches[0], h)));
        cr_assert_str_eq(h, json_string_value(json_object_get(c, "expect_annotation_value")), "case %zu", i);
        cv_doc_clear(&d);
        cv_wipe_free(text);
        json_decref(flat);
    }
    json_array_foreach(json_object_get(j, "owner_label_cases"), i, c) {
        char h[57];
        cr_assert(cv_is_ok(cv_eso_object_hash(cv_slice_str(json_string_value(json_object_get(c, "input"))), h)));
        cr_assert_str_eq(h, json_string_value(json_object_get(c, "created_by_label")));
    }
    json_decref(j);
}

/* The store's jsonPath template rendered with .remoteRef.property, then
 * applied to the fixture's item: the value ESO stores. */
Test(eso, bw_serve_jsonpath_extraction)
{
    json_t *j = vec("bw_serve_webhook_fixture.json");
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(j, "extraction_cases"), i, c) {
        const char *item = json_string_value(json_object_get(c, "item"));
        json_t *doc = json_object_get(j, item ? item : "get_item_response");
        char data[512];
        snprintf(data, sizeof(data), "{\"remoteRef\":{\"property\":\"%s\"}}",
                 json_string_value(json_object_get(c, "property")));
        cv_doc d;
        cr_assert(cv_is_ok(cv_doc_init(&d)));
        cr_assert(cv_is_ok(cv_json_load(cv_slice_str(data), &d)));
        cv_buf path, out;
        cv_buf_init_secret(&path, 4096);
        cv_buf_init_secret(&out, 4096);
        cv_tmpl_opts o = { "jsonPath", NULL, NULL };
        cr_assert(cv_is_ok(cv_tmpl_render(
            cv_slice_str(json_string_value(json_object_get(c, "jsonPath_template"))), d.branches[0], &o, &path)));
        cv_result r = cv_jsonpath_extract(doc, cv_buf_slice(&path), &out);
        const char *err = json_string_value(json_object_get(c, "expect_error"));
        if (err) {
            cr_assert_eq(r.err, CV_E_ESO_JSONPATH, "case %zu", i);
            cr_assert_str_eq(cv_err_detail(), err);
        } else {
            cr_assert(cv_is_ok(r), "case %zu: %s", i, cv_err_detail());
            cr_assert(cv_slice_eq_str(cv_buf_slice(&out), json_string_value(json_object_get(c, "expect"))),
                      "case %zu", i);
        }
        cv_buf_release(&path);
        cv_buf_release(&out);
        cv_doc_clear(&d);
    }
    json_decref(j);
}

static bw_fake srv;

static void start(void)
{
    init();
    if (!bw_fake_start(&srv, 0)) cr_skip_test("fake server unavailable");
}
static void stop(void) { bw_fake_stop(&srv); }

static char *store_yaml(const char *scenario, const char *project)
{
    char api[256], id[256];
    bw_fake_url(&srv, scenario, "api", api, sizeof(api));
    bw_fake_url(&srv, scenario, "identity", id, sizeof(id));
    char *s = NULL;
    cr_assert(asprintf(&s,
                       "apiVersion: external-secrets.io/v1\nkind: ClusterSecretStore\n"
                       "metadata: {name: bw}\nspec:\n  provider:\n    bitwardensecretsmanager:\n"
                       "      apiURL: %s\n      identityURL: %s\n      projectID: %s\n"
                       "      organizationID: 218344fe-3941-483e-9811-7bdaf49699d1\n"
                       "      auth: {secretRef: {credentials: {name: tok, namespace: es, key: token}}}\n"
                       "---\napiVersion: v1\nkind: Secret\nmetadata: {name: tok, namespace: es}\n"
                       "data: {token: %s}\n",
                       api, id, project,
                       "MC5kN2RmN2RiOC0wZTBmLTQ2NzYtYmZjNC1mOWU5MzY0ZTQ0NGMuY3N6dkZvM0lVUUo1eG1oeFhIbmxGREQ0Z1FXcWQxOmh2aVREOHpjTEVVZGtCUXk3N0ZtR1E9PQo=") > 0);
    return s;
}

static cv_result render(const char *es, const char *store, cv_buf *out, unsigned *logins, unsigned *api)
{
    cv_eso_opts o = { cv_slice_of(NULL, 0), NULL, true, NULL, logins, api, NULL };
    return cv_eso_render(cv_slice_str(es), cv_slice_str(store), &o, out);
}

TestSuite(eso_fake, .init = start, .fini = stop);

Test(eso_fake, names_in_project_and_batching)
{
    char *store = store_yaml("ok", "61ac5149-f461-4011-9a71-21047d006254");
    cv_buf es, out;
    cv_buf_init(&es, 1 << 24);
    cv_buf_init_secret(&out, 1 << 26);
    for (int i = 0; i < 200; i++)
        cr_assert(cv_is_ok(cv_buf_addf(
            &es,
            "---\napiVersion: external-secrets.io/v1\nkind: ExternalSecret\n"
            "metadata: {name: es%d, namespace: ns}\nspec:\n"
            "  secretStoreRef: {kind: ClusterSecretStore, name: bw}\n"
            "  data:\n  - secretKey: dup\n    remoteRef: {key: DUPLICATE}\n"
            "  - secretKey: byid\n    remoteRef: {key: 87e29ec9-3cad-44df-8cec-5a58adac33dd}\n"
            "  dataFrom:\n  - extract: {key: yaml-config}\n",
            i)));
    unsigned logins = 0, api = 0;
    cv_result r = render((const char *)es.p, store, &out, &logins, &api);
    cr_assert(cv_is_ok(r), "%s", cv_err_detail());
    cr_assert_eq(logins, 1);
    cr_assert_eq(api, 2, "one list and one get-by-ids for 200 ExternalSecrets, got %u", api);
    cr_assert(cv_is_ok(cv_buf_nul(&out)));
    const char *o = (const char *)out.p;
    /* DUPLICATE in Staging = value-in-project-2; yaml-config extracted */
    cr_assert(strstr(o, "dup: dmFsdWUtaW4tcHJvamVjdC0y") != NULL);
    cr_assert(strstr(o, "byid: aHVudGVyMg==") != NULL);
    cr_assert(strstr(o, "user: Ym9i") != NULL);
    cr_assert(strstr(o, "pass: eDogeQ==") != NULL);
    cr_assert(strstr(o, "nested: YTogMQo=") != NULL, "nested map re-serialized as YAML");
    cv_buf_release(&es);
    cv_buf_release(&out);
    free(store);
}

Test(eso_fake, errors_and_not_found)
{
    char *store = store_yaml("ok", "8ba462f9-6518-4c4c-bcb4-9ab76a16b1dc");
    cv_buf out;
    cv_buf_init_secret(&out, 1 << 20);
#define MISSING(policy)                                                                            \
        "apiVersion: external-secrets.io/v1\nkind: ExternalSecret\nmetadata: {name: m, namespace: ns}\n" \
        "spec:\n  secretStoreRef: {kind: ClusterSecretStore, name: bw}\n"                          \
        "  target: {deletionPolicy: " policy "}\n"                                                   \
        "  data:\n  - secretKey: a\n    remoteRef: {key: nope}\n"                                  \
        "  - secretKey: b\n    remoteRef: {key: DB_PASSWORD}\n"
    char es[1024];
    snprintf(es, sizeof(es), "%s", MISSING("Retain"));
    cv_result r = render(es, store, &out, NULL, NULL);
    cr_assert_eq(r.err, CV_E_ESO_NOT_FOUND);
    cr_assert(strstr(cv_err_detail(), "ExternalSecret ns/m") != NULL);
    snprintf(es, sizeof(es), "%s", MISSING("Delete"));
    cv_buf_reset(&out);
    r = render(es, store, &out, NULL, NULL);
    cr_assert(cv_is_ok(r), "deletionPolicy Delete drops the missing key: %s", cv_err_detail());
    cr_assert(cv_is_ok(cv_buf_nul(&out)));
    cr_assert(strstr((const char *)out.p, "  b: aHVudGVyMg==") != NULL);
    cr_assert(strstr((const char *)out.p, "  a:") == NULL);
    free(store);
    /* a flipped MAC fails the render, and no value reaches the message */
    store = store_yaml("badmac", "8ba462f9-6518-4c4c-bcb4-9ab76a16b1dc");
    cv_buf_reset(&out);
    r = render(es, store, &out, NULL, NULL);
    cr_assert_eq(r.err, CV_E_BW_MAC, "%s", cv_strerror(r.err));
    cr_assert(strstr(cv_err_detail(), "hunter2") == NULL);
    free(store);
    cv_buf_release(&out);
}

Test(eso_fake, redacted_by_default)
{
    char *store = store_yaml("ok", "8ba462f9-6518-4c4c-bcb4-9ab76a16b1dc");
    const char *es =
        "apiVersion: external-secrets.io/v1\nkind: ExternalSecret\nmetadata: {name: r, namespace: ns}\n"
        "spec:\n  secretStoreRef: {kind: ClusterSecretStore, name: bw}\n"
        "  data:\n  - secretKey: password\n    remoteRef: {key: DB_PASSWORD}\n";
    cv_buf out;
    cv_buf_init_secret(&out, 1 << 20);
    cv_eso_opts o = { cv_slice_of(NULL, 0), NULL, false, NULL, NULL, NULL, NULL };
    cr_assert(cv_is_ok(cv_eso_render(cv_slice_str(es), cv_slice_str(store), &o, &out)));
    cr_assert(cv_is_ok(cv_buf_nul(&out)));
    cr_assert(strstr((const char *)out.p, "password: REDACTED") != NULL);
    /* the annotation is the hash of the real data (eso_bookkeeping.json) */
    cr_assert(strstr((const char *)out.p, "172aaaba178acb283d1af9c011b15e2b5e25414a9256e0cf40bb1a77") != NULL);
    cv_buf_release(&out);
    free(store);
}

/* dataFrom + rewrite.regexp with groups: yaml-config's keys (user, pass,
 * nested) renamed by each source/target of testvectors/regex/eso_rewrite.json,
 * whose expected keys are Go's ReplaceAllString (tests/gen/goregex). The
 * values are the recorded ones (sm_api_responses.json). */
static const char *yaml_config_b64(const char *key)
{
    return !strcmp(key, "user") ? "Ym9i" : !strcmp(key, "pass") ? "eDogeQ==" : "YTogMQo=";
}

static void check_rewrite_case(json_t *c, const char *store)
{
    const char *pat = json_string_value(json_object_get(c, "pattern"));
    const char *tmpl = json_string_value(json_array_get(json_object_get(c, "templates"), 0));
    char *es = NULL;
    cr_assert(asprintf(&es,
                       "apiVersion: external-secrets.io/v1\nkind: ExternalSecret\n"
                       "metadata: {name: rw, namespace: ns}\nspec:\n"
                       "  secretStoreRef: {kind: ClusterSecretStore, name: bw}\n"
                       "  dataFrom:\n  - extract: {key: yaml-config}\n"
                       "    rewrite:\n    - regexp: {source: '%s', target: '%s'}\n",
                       pat, tmpl) > 0);
    cv_buf out;
    cv_buf_init_secret(&out, 1 << 20);
    cv_result r = render(es, store, &out, NULL, NULL);
    cr_assert(cv_is_ok(r), "%s: %s", pat, cv_err_detail());
    cr_assert(cv_is_ok(cv_buf_nul(&out)));
    json_t *res;
    size_t i;
    json_array_foreach(json_object_get(c, "results"), i, res) {
        const char *key = json_string_value(json_object_get(res, "subject"));
        const char *want = json_string_value(json_array_get(json_object_get(res, "replaced"), 0));
        char line[256];
        snprintf(line, sizeof(line), "\n  %s: %s\n", want, yaml_config_b64(key));
        cr_expect(strstr((const char *)out.p, line) != NULL, "%s: key %s -> %s missing in\n%s", pat,
                  key, want, (const char *)out.p);
    }
    cv_buf_release(&out);
    free(es);
}

Test(eso_fake, rewrite_regexp_groups)
{
    char *store = store_yaml("ok", "61ac5149-f461-4011-9a71-21047d006254");
    json_error_t e;
    json_t *v = json_load_file("testvectors/regex/eso_rewrite.json", 0, &e), *c;
    cr_assert(v, "%s", e.text);
    size_t i;
    json_array_foreach(json_object_get(v, "cases"), i, c) check_rewrite_case(c, store);
    cr_assert_eq(i, 2);
    json_decref(v);
    free(store);
}

/* An invalid source fails with Go's message under ESO's wording. */
Test(eso_fake, rewrite_regexp_invalid)
{
    char *store = store_yaml("ok", "61ac5149-f461-4011-9a71-21047d006254");
    const char *es = "apiVersion: external-secrets.io/v1\nkind: ExternalSecret\n"
                     "metadata: {name: rw, namespace: ns}\nspec:\n"
                     "  secretStoreRef: {kind: ClusterSecretStore, name: bw}\n"
                     "  dataFrom:\n  - extract: {key: yaml-config}\n"
                     "    rewrite:\n    - regexp: {source: '^x', target: y}\n"
                     "    - regexp: {source: '(a', target: b}\n";
    cv_buf out;
    cv_buf_init_secret(&out, 1 << 20);
    cv_result r = render(es, store, &out, NULL, NULL);
    cr_assert_eq(r.err, CV_E_REGEX);
    cr_assert(strstr(cv_err_detail(), "failed rewrite operation[1]: regexp failed with failed to compile: "
                                      "error parsing regexp: missing closing ): `(a`") != NULL,
              "%s", cv_err_detail());
    cv_buf_release(&out);
    free(store);
}
