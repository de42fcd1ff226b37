/* reconcile/kube beyond the kubeconfig: the YAML reader's plain-scalar
 * table (go-yaml v2 resolve.go, which kubectl reads manifests with), exec
 * plugin output (client-go's messages), and API Status and discovery
 * documents captured from kube-apiserver v1.36.3 (testvectors/kube). */
#include <criterion/criterion.h>
#include <jansson.h>
#include <string.h>

#include "crypto/base/mem.h"
#include "reconcile/kube/apply.h"
#include "reconcile/kube/discovery.h"
#include "reconcile/kube/exec.h"
#include "reconcile/kube/status.h"
#include "reconcile/kube/yamljson.h"
#include "secrets/runtime/init.h"
#include "tests/lib/vectors.h"

static void init(void) { cr_assert(cv_is_ok(cv_secrets_init())); }

TestSuite(kube, .init = init);

static char *plain(const char *s)
{
    json_t *v = NULL;
    cr_assert(cv_is_ok(cv_kube_yaml_plain(cv_slice_str(s), &v)), "%s", s);
    char *out = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
    json_decref(v);
    return out;
}

Test(kube, yaml_plain_scalars_follow_go_yaml_v2)
{
    /* (input, JSON of go-yaml v2's resolution) */
    static const char *const cases[][2] = {
        { "y", "true" },         { "Yes", "true" },     { "ON", "true" },
        { "n", "false" },        { "off", "false" },    { "False", "false" },
        { "~", "null" },         { "", "null" },        { "Null", "null" },
        { "0755", "493" },       { "0x1F", "31" },      { "0o17", "15" },
        { "0b101", "5" },        { "1_000", "1000" },   { "+12", "12" },
        { "-0", "0" },           { "1e3", "1000" },     { "08", "8" },
        { ".5", "0.5" },         { "1.", "1" },         { "2024-01-02", "\"2024-01-02\"" },
        { "1.2.3", "\"1.2.3\"" }, { "0x", "\"0x\"" },   { "yes please", "\"yes please\"" },
        { "TRUE", "true" },      { "tRUE", "\"tRUE\"" }, { "-", "\"-\"" },
        { "9223372036854775807", "9223372036854775807" },
        { "-9223372036854775808", "-9223372036854775808" },
        { "<<", "\"<<\"" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *got = plain(cases[i][0]);
        cr_expect_str_eq(got, cases[i][1], "plain %s", cases[i][0]);
        cv_wipe_free(got); /* jansson's allocator */
    }
    json_t *v = NULL;
    cr_assert(cv_is(cv_kube_yaml_plain(cv_slice_str(".inf"), &v), CV_E_DOC_TYPE));
}

static json_t *docs_of(const char *text, cv_result *r)
{
    json_t *d = NULL;
    *r = cv_kube_yaml_docs(cv_slice_str(text), "m.yaml", &d);
    return d;
}

Test(kube, yaml_documents_and_errors)
{
    cv_result r;
    json_t *d = docs_of("---\n# only a comment\n---\na: 1\n---\n---\nb: [x, 'y']\n...\n", &r);
    cr_assert(cv_is_ok(r));
    cr_assert_eq(json_array_size(d), 2, "empty documents are dropped");
    json_decref(d);
    d = docs_of("a: 1\na: 2\n", &r);
    cr_assert(cv_is(r, CV_E_DOC_DUPLICATE_KEY));
    cr_assert_str_eq(cv_err_detail(), "m.yaml:2: key a is already defined");
    d = docs_of("a: [1, 2\n", &r);
    cr_assert(cv_is(r, CV_E_DOC_SYNTAX));
    cr_assert_null(d);
    d = docs_of("a: *nope\n", &r);
    cr_assert(cv_is(r, CV_E_DOC_SYNTAX));
    /* A billion laughs stops at the expansion cap. */
    d = docs_of("a: &a [x, x, x, x, x, x, x, x, x, x]\n"
                "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
                "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
                "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
                "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n"
                "f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n"
                "g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]\n",
                &r);
    cr_assert(cv_is(r, CV_E_LIMIT));
    cr_assert_null(d);
}

Test(kube, yaml_explicit_tags)
{
    cv_result r;
    json_t *d = docs_of("a: !!str 0755\nb: !!int '12'\nc: !!bool 'yes'\nd: !custom 5\ne: !!float 3\n", &r);
    cr_assert(cv_is_ok(r), "%s", cv_err_detail());
    char *s = json_dumps(json_array_get(d, 0), JSON_COMPACT);
    cr_assert_str_eq(s, "{\"a\":\"0755\",\"b\":12,\"c\":true,\"d\":\"5\",\"e\":3}");
    cv_wipe_free(s);
    json_decref(d);
    d = docs_of("a: !!int nope\n", &r);
    cr_assert(cv_is(r, CV_E_DOC_TYPE));
}

/* --- exec plugin output ---------------------------------------------------- */

static cv_result exec_parse(const char *out, cv_kube_exec_cred *c)
{
    cv_kube_exec_cred_init(c);
    return cv_kube_exec_parse(cv_slice_str(out), "client.authentication.k8s.io/v1", c);
}

Test(kube, exec_credential_output)
{
    cv_kube_exec_cred c;
    cr_assert(cv_is_ok(exec_parse("{\"kind\":\"ExecCredential\",\"apiVersion\":\"client.authentication.k8s.io/v1\","
                                  "\"status\":{\"token\":\"abc\",\"expirationTimestamp\":\"2018-03-05T17:30:20-08:00\"}}",
                                  &c)));
    cr_assert_eq(c.token->len, 3);
    cr_assert_eq(c.expiry, 1520299820); /* date -d 2018-03-05T17:30:20-08:00 +%s */
    cv_kube_exec_cred_clear(&c);
    static const char *const bad[][2] = {
        { "{\"kind\":\"ExecCredential\",\"apiVersion\":\"client.authentication.k8s.io/v1beta1\",\"status\":{\"token\":\"t\"}}",
          "exec plugin is configured to use API version client.authentication.k8s.io/v1, plugin returned version client.authentication.k8s.io/v1beta1" },
        { "{\"kind\":\"ExecCredential\",\"apiVersion\":\"client.authentication.k8s.io/v1\"}",
          "exec plugin didn't return a status field" },
        { "{\"kind\":\"ExecCredential\",\"apiVersion\":\"client.authentication.k8s.io/v1\",\"status\":{}}",
          "exec plugin didn't return a token or cert/key pair" },
        { "{\"kind\":\"ExecCredential\",\"apiVersion\":\"client.authentication.k8s.io/v1\",\"status\":{\"clientKeyData\":\"k\"}}",
          "exec plugin returned only certificate or key, not both" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cr_assert(cv_is(exec_parse(bad[i][0], &c), CV_E_KUBE_EXEC));
        cr_assert_str_eq(cv_err_detail(), bad[i][1]);
    }
    cr_assert(cv_is(exec_parse("not json", &c), CV_E_KUBE_EXEC));
}

Test(kube, rfc3339_times)
{
    time_t t;
    cr_assert(cv_is_ok(cv_kube_parse_time("1970-01-01T00:00:00Z", &t)) && t == 0);
    cr_assert(cv_is_ok(cv_kube_parse_time("2024-02-29T12:00:00.123456789Z", &t)) && t == 1709208000);
    cr_assert(cv_is_ok(cv_kube_parse_time("2024-02-29T13:30:00+01:30", &t)) && t == 1709208000);
    cr_assert(cv_is(cv_kube_parse_time("2024-02-29 12:00:00Z", &t), CV_E_SYNTAX));
    cr_assert(cv_is(cv_kube_parse_time("2024-02-29T12:00:00", &t), CV_E_SYNTAX));
}

/* --- API Status and discovery from the real server ------------------------- */

static cv_result status_of(const char *file, long code, const char *what)
{
    char path[256];
    snprintf(path, sizeof path, "testvectors/kube/%s", file);
    size_t len = 0;
    uint8_t *body = tv_read_file(path, &len);
    cr_assert_not_null(body, "missing %s (tests/gen/gen_kube_vectors.sh)", path);
    cv_result r = cv_kube_status_error(code, cv_slice_of(body, len), what);
    free(body);
    return r;
}

Test(kube, status_errors)
{
    cr_assert(cv_is(status_of("status-403.json", 403, "configmap/c"), CV_E_KUBE_FORBIDDEN));
    cr_assert_str_eq(cv_err_detail(), "configmap/c: configmaps \"c\" is forbidden: User \"covert-viewer\" "
                                      "cannot patch resource \"configmaps\" in API group \"\" in the "
                                      "namespace \"covert-vectors\"");
    cr_assert(cv_is(status_of("status-404.json", 404, NULL), CV_E_KUBE_NOT_FOUND));
    cr_assert_str_eq(cv_err_detail(), "configmaps \"missing\" not found");
    cr_assert(cv_is(status_of("status-409-exists.json", 409, NULL), CV_E_KUBE_EXISTS));
    cr_assert(cv_is(status_of("status-401.json", 401, NULL), CV_E_KUBE_UNAUTHORIZED));
    cr_assert(cv_is(status_of("status-409-conflict.json", 409, NULL), CV_E_KUBE_CONFLICT));
    cr_assert_str_eq(cv_err_detail(), "Apply failed with 2 conflicts: conflicts with \"first\":\n"
                                      "- .data.a\n- .data.b");
    cr_assert(cv_is(status_of("status-422.json", 422, NULL), CV_E_KUBE_INVALID));
    cr_assert_not_null(strstr(cv_err_detail(), "metadata.name: Invalid value: \"Bad_Name\""));
    cr_assert_not_null(strstr(cv_err_detail(), "data[bad key!]: Invalid value"));
    cr_assert(cv_is(cv_kube_status_error(502, cv_slice_str("<html>bad gateway</html>"), "x"),
                    CV_E_KUBE_API));
    cr_assert_str_eq(cv_err_detail(), "x: the server returned HTTP 502");
}

static json_t *load_json(const char *file)
{
    char path[256];
    snprintf(path, sizeof path, "testvectors/kube/%s", file);
    json_t *j = json_load_file(path, 0, NULL);
    cr_assert_not_null(j, "missing %s", path);
    return j;
}

Test(kube, aggregated_and_legacy_discovery_agree)
{
    cv_kube_resources agg = { 0 }, leg = { 0 };
    json_t *a = load_json("discovery-aggregated-api.json");
    json_t *b = load_json("discovery-aggregated-apis.json");
    json_t *c = load_json("discovery-legacy-api-v1.json");
    json_t *d = load_json("discovery-legacy-apps-v1.json");
    cr_assert(cv_is_ok(cv_kube_discovery_aggregated(a, &agg)));
    cr_assert(cv_is_ok(cv_kube_discovery_aggregated(b, &agg)));
    cr_assert(cv_is_ok(cv_kube_discovery_resource_list(c, &leg)));
    cr_assert(cv_is_ok(cv_kube_discovery_resource_list(d, &leg)));
    for (size_t i = 0; i < leg.n; i++) {
        const cv_kube_resource *l = &leg.items[i];
        const cv_kube_resource *g = cv_kube_resources_find(&agg, l->group, l->version, l->kind);
        cr_assert_not_null(g, "%s/%s %s only in legacy", l->group, l->version, l->kind);
        cr_expect_str_eq(g->resource, l->resource);
        cr_expect_eq(g->namespaced, l->namespaced, "%s", l->kind);
        cr_expect_eq(g->has_status, l->has_status, "%s", l->kind);
        cr_expect_eq(g->verbs, l->verbs, "%s", l->kind);
    }
    const cv_kube_resource *ns = cv_kube_resources_find(&agg, "", "v1", "Namespace");
    cr_assert(ns && !ns->namespaced && ns->has_status && !strcmp(ns->resource, "namespaces"));
    const cv_kube_resource *crd =
        cv_kube_resources_find(&agg, "apiextensions.k8s.io", "v1", "CustomResourceDefinition");
    cr_assert(crd && !crd->namespaced && !strcmp(crd->resource, "customresourcedefinitions"));
    cr_assert(cv_is(cv_kube_discovery_aggregated(c, &agg), CV_E_KUBE_RESPONSE));
    cv_kube_resources_clear(&agg);
    cv_kube_resources_clear(&leg);
    json_decref(a);
    json_decref(b);
    json_decref(c);
    json_decref(d);
}

Test(kube, api_versions)
{
    char g[32], v[16];
    cr_assert(cv_kube_split_api_version("apps/v1", g, sizeof g, v, sizeof v));
    cr_assert(!strcmp(g, "apps") && !strcmp(v, "v1"));
    cr_assert(cv_kube_split_api_version("v1", g, sizeof g, v, sizeof v) && g[0] == '\0');
    cr_assert(!cv_kube_split_api_version("a/b/c", g, sizeof g, v, sizeof v));
    cr_assert(!cv_kube_split_api_version("/v1", g, sizeof g, v, sizeof v));
    cr_assert(!cv_kube_split_api_version("", g, sizeof g, v, sizeof v));
}

/* An object as the server returned it after `first` applied data a=1, b=2. */
Test(kube, apply_noop_against_the_live_object)
{
    json_t *live = load_json("apply-created.json");
    static const char *const cases[][3] = {
        /* manifest, manager, expected */
        { "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"c\",\"namespace\":\"covert-vectors\"},\"data\":{\"a\":\"1\",\"b\":\"2\"}}", "first", "y" },
        { "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"c\"},\"data\":{\"b\":\"2\",\"a\":\"1\"}}", "first", "y" },
        { "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"c\"},\"data\":{\"a\":\"1\",\"b\":\"2\"}}", "second", "n" },
        { "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"c\"},\"data\":{\"a\":\"1\",\"b\":\"3\"}}", "first", "n" },
        { "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"c\"},\"data\":{\"a\":\"1\"}}", "first", "n" },
        { "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"c\",\"labels\":{\"x\":\"y\"}},\"data\":{\"a\":\"1\",\"b\":\"2\"}}", "first", "n" },
        { "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"c\",\"resourceVersion\":\"1\"},\"data\":{\"a\":\"1\",\"b\":\"2\"}}", "first", "n" },
        { "{\"apiVersion\":\"v2\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"c\"},\"data\":{\"a\":\"1\",\"b\":\"2\"}}", "first", "n" },
        { "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"c\"},\"data\":{\"a\":\"1\",\"b\":\"2\"},\"x\":[1]}", "first", "n" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        json_t *obj = json_loads(cases[i][0], 0, NULL);
        cr_assert_not_null(obj);
        cr_expect_eq(cv_kube_apply_is_noop(obj, live, cases[i][1]), cases[i][2][0] == 'y', "case %zu", i);
        json_decref(obj);
    }
    cr_assert(!cv_kube_apply_is_noop(json_object_get(live, "data"), NULL, "first"));
    json_decref(live);
}

/* Secrets: stringData is compared with the stored data (base64). */
Test(kube, apply_noop_secret_string_data)
{
    json_t *live = json_loads("{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"metadata\":{\"name\":\"s\","
                              "\"managedFields\":[{\"manager\":\"covert\",\"operation\":\"Apply\",\"apiVersion\":\"v1\","
                              "\"fieldsV1\":{\"f:stringData\":{\"f:k\":{}}}}]},"
                              "\"data\":{\"k\":\"dmFsdWU=\"},\"type\":\"Opaque\"}", 0, NULL);
    json_t *same = json_loads("{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"metadata\":{\"name\":\"s\"},"
                              "\"stringData\":{\"k\":\"value\"}}", 0, NULL);
    json_t *other = json_loads("{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"metadata\":{\"name\":\"s\"},"
                               "\"stringData\":{\"k\":\"valuf\"}}", 0, NULL);
    cr_assert(cv_kube_apply_is_noop(same, live, "covert"));
    cr_assert(!cv_kube_apply_is_noop(other, live, "covert"));
    json_decref(live);
    json_decref(same);
    json_decref(other);
}

Test(kube, pack_keeps_each_object_as_its_text)
{
    cv_result r;
    json_t *docs = docs_of("kind: ConfigMap\napiVersion: v1\nmetadata: {name: a}\ndata: {k: \"1\"}\n"
                           "---\nkind: List\napiVersion: v1\nitems:\n"
                           "- {kind: Secret, apiVersion: v1, metadata: {name: b}, stringData: {p: q}}\n"
                           "- {kind: ConfigMap, apiVersion: v1, metadata: {name: c}}\n"
                           "---\njust a string\n",
                           &r);
    cr_assert(cv_is_ok(r));
    cr_assert(cv_is_ok(cv_kube_pack(docs)));
    /* The List's items in its place; the string is no object: null. */
    static const char *const want[] = {
        "{\"kind\":\"ConfigMap\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"a\"},\"data\":{\"k\":\"1\"}}",
        "{\"kind\":\"Secret\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"b\"},\"stringData\":{\"p\":\"q\"}}",
        "{\"kind\":\"ConfigMap\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"c\"}}",
    };
    cr_assert_eq(json_array_size(docs), 4);
    for (size_t i = 0; i < 3; i++)
        cr_expect_str_eq(json_string_value(json_array_get(docs, i)), want[i], "document %zu", i);
    cr_expect(json_is_null(json_array_get(docs, 3)));
    json_decref(docs);
}
