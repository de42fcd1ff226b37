/* .sops.yaml (secrets/sops/config) against sops v3.13.2's config package.
 *
 * testvectors/sops-config/config.json (tests/gen/gen_sops_config.py): for
 * each cases/NAME/.sops.yaml, the document as sops's YAML store parsed it
 * (fed to cv_sops_config_decode through tests/lib/json_tree.c) and, for a
 * list of file paths, the stores and creation rule sops chose, or its
 * error; and config lookups from directories of small trees. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "secrets/sops/config.h"
#include "tests/lib/json_tree.h"

#define VECTORS "testvectors/sops-config/config.json"
#define ROOTDIR "/cfgroot"

static json_t *load(void)
{
    json_error_t e;
    json_t *v = json_load_file(VECTORS, 0, &e);
    cr_assert(v, "%s: %s", VECTORS, e.text);
    return v;
}

/* yaml.v3 names a line where covert names a document path: drop both. */
static char *normalize(const char *s)
{
    char *out = strdup(s), *w = out;
    for (const char *p = s; *p;) {
        if (strncmp(p, "\n  ", 3) == 0) {
            const char *colon = strstr(p + 3, ": ");
            const char *nl = strchr(p + 3, '\n');
            memcpy(w, "\n  ", 3), w += 3;
            p = colon && (!nl || colon < nl) ? colon + 2 : p + 3;
            continue;
        }
        *w++ = *p++;
    }
    *w = 0;
    return out;
}

/* Errors whose tail comes from another Go library (age, bech32, ssh) are
 * compared up to that tail: sops's prefix and the first word after it. */
static void expect_error(const char *want, const char *name, const char *file)
{
    char *a = normalize(want), *b = normalize(cv_err_detail());
    const char *parse = "failed to parse input as ";
    if (strncmp(a, parse, strlen(parse)) == 0) {
        char *ca = strchr(a, ':'), *cb = strchr(b, ':');
        if (ca) *ca = 0;
        if (cb) *cb = 0;
    }
    cr_expect_str_eq(b, a, "%s %s", name, file);
    free(a), free(b);
}

static json_t *key_json(const cv_sops_cfg_key *k)
{
    json_t *o = json_pack("{s:s,s:s}", "type", cv_sops_key_type_name(k->type), "id", k->id);
    if (k->type == CV_SOPS_KEY_KMS) {
        json_t *ctx = json_object();
        for (size_t i = 0; i < k->n_context; i++)
            json_object_set_new(ctx, k->context[i].key, json_string(k->context[i].value));
        json_object_set_new(o, "context", ctx);
        json_object_set_new(o, "arn", json_string(k->arn));
        json_object_set_new(o, "role", json_string(k->role));
        json_object_set_new(o, "aws_profile", json_string(k->aws_profile));
    } else if (k->type == CV_SOPS_KEY_AZURE_KV) {
        json_object_set_new(o, "vault_url", json_string(k->vault_url));
        json_object_set_new(o, "name", json_string(k->name));
        json_object_set_new(o, "version", json_string(k->version));
    } else if (k->type == CV_SOPS_KEY_HC_VAULT) {
        json_object_set_new(o, "address", json_string(k->address));
        json_object_set_new(o, "engine_path", json_string(k->engine_path));
        json_object_set_new(o, "key_name", json_string(k->key_name));
    }
    return o;
}

static json_t *rule_json(const cv_sops_cfg_rule *r)
{
    json_t *groups = json_array();
    for (size_t g = 0; g < r->n_groups; g++) {
        json_t *keys = json_array();
        for (size_t k = 0; k < r->groups[g].n; k++)
            json_array_append_new(keys, key_json(&r->groups[g].keys[k]));
        json_array_append_new(groups, keys);
    }
    json_t *o = json_pack("{s:o,s:I,s:b}", "key_groups", groups, "shamir_threshold",
                          (json_int_t)r->shamir_threshold, "mac_only_encrypted",
                          r->mac_only_encrypted);
    for (int s = CV_SOPS_SEL_UNENCRYPTED_SUFFIX; s <= CV_SOPS_SEL_ENCRYPTED_COMMENT_REGEX; s++)
        json_object_set_new(o, cv_sops_selection_name((cv_sops_selection)s),
                            json_string(r->selection == (cv_sops_selection)s ? r->selection_value : ""));
    return o;
}

static void check_result(const char *name, const cv_sops_config *cfg, json_t *res)
{
    const char *file = json_string_value(json_object_get(res, "file"));
    json_t *out = json_object_get(res, "out");
    char path[1024];
    snprintf(path, sizeof(path), "%s%s%s", file[0] == '/' ? "" : ROOTDIR, file[0] == '/' ? "" : "/",
             file);
    cv_sops_cfg_rule *rule = NULL;
    cv_result r = cv_sops_config_rule(cfg, ROOTDIR "/.sops.yaml", path, NULL, 0, &rule);
    if (json_object_get(out, "panic")) {
        cr_expect_eq(r.err, CV_E_UNSUPPORTED, "%s %s: sops crashes", name, file);
    } else if (json_object_get(out, "error")) {
        cr_expect(!cv_is_ok(r), "%s %s: want error %s", name, file,
                  json_string_value(json_object_get(out, "error")));
        if (!cv_is_ok(r)) expect_error(json_string_value(json_object_get(out, "error")), name, file);
    } else if (json_is_null(json_object_get(out, "rule"))) {
        cr_expect(cv_is_ok(r) && rule == NULL, "%s %s: want no rule (%s)", name, file, cv_err_detail());
    } else {
        cr_assert(cv_is_ok(r), "%s %s: %s %s", name, file, cv_strerror(r.err), cv_err_detail());
        json_t *got = rule_json(rule), *want = json_object_get(out, "rule");
        char *g = json_dumps(got, JSON_SORT_KEYS), *w = json_dumps(want, JSON_SORT_KEYS);
        cr_expect(json_equal(got, want), "%s %s:\n got %s\nwant %s", name, file, g, w);
        free(g), free(w);
        json_decref(got);
    }
    cv_sops_cfg_rule_free(&rule);
}

static void check_case(json_t *c)
{
    const char *name = json_string_value(json_object_get(c, "name"));
    cv_doc doc;
    cr_assert(cv_is_ok(cv_doc_init(&doc)));
    cr_assert(jt_doc_from_json(&doc, json_object_get(c, "tree")), "%s: tree", name);
    cv_sops_config *cfg = NULL;
    cv_result r = cv_sops_config_decode(&doc, &cfg);
    json_t *first = json_object_get(json_array_get(json_object_get(c, "results"), 0), "out");
    json_t *serr = json_object_get(first, "stores_error");
    if (serr) {
        cr_expect_eq(r.err, CV_E_SOPS_CONFIG, "%s: want %s", name, json_string_value(serr));
        if (!cv_is_ok(r)) expect_error(json_string_value(serr), name, "(decode)");
    } else {
        cr_assert(cv_is_ok(r), "%s: %s", name, cv_err_detail());
        cv_sops_cfg_stores st;
        cv_sops_config_stores(cfg, &st);
        json_t *ws = json_object_get(first, "stores");
        cr_expect_eq(st.yaml_indent, json_integer_value(json_object_get(ws, "yaml")), "%s", name);
        cr_expect_eq(st.json_indent, json_integer_value(json_object_get(ws, "json")), "%s", name);
        cr_expect_eq(st.json_binary_indent, json_integer_value(json_object_get(ws, "json_binary")));
        size_t i;
        json_t *res;
        json_array_foreach(json_object_get(c, "results"), i, res) check_result(name, cfg, res);
    }
    cv_sops_config_free(&cfg);
    cv_doc_clear(&doc);
}

Test(sops_config, rules_like_sops)
{
    json_t *v = load(), *c;
    size_t i;
    json_array_foreach(json_object_get(v, "cases"), i, c) check_case(c);
    cr_assert_gt(i, 20);
    json_decref(v);
}

static void make_file(const char *root, const char *rel)
{
    char p[PATH_MAX];
    snprintf(p, sizeof(p), "%s/%s", root, rel);
    for (char *s = p + strlen(root) + 1; (s = strchr(s, '/')); s++) {
        *s = 0;
        mkdir(p, 0700);
        *s = '/';
    }
    if (p[strlen(p) - 1] == '/') return;
    FILE *f = fopen(p, "w");
    cr_assert(f);
    fputs("creation_rules: []\n", f);
    fclose(f);
}

static void check_lookup(json_t *lk)
{
    char root[] = "/tmp/covert-lookup-XXXXXX", cwd[PATH_MAX], old[PATH_MAX];
    cr_assert(mkdtemp(root));
    size_t i;
    json_t *f;
    json_array_foreach(json_object_get(lk, "files"), i, f) make_file(root, json_string_value(f));
    snprintf(cwd, sizeof(cwd), "%s/%s/", root, json_string_value(json_object_get(lk, "cwd")));
    make_file(root, cwd + strlen(root) + 1);
    cr_assert(getcwd(old, sizeof(old)));
    cr_assert(chdir(cwd) == 0);
    char *path = NULL, *warn = NULL;
    cv_result r = cv_sops_config_lookup(&path, &warn);
    cr_assert(chdir(old) == 0);
    json_t *out = json_object_get(lk, "out");
    const char *name = json_string_value(json_object_get(lk, "name"));
    if (json_object_get(out, "error"))
        cr_expect_eq(r.err, CV_E_SOPS_CONFIG_NOT_FOUND, "%s", name);
    else
        cr_expect_str_eq(path ? path : "", json_string_value(json_object_get(out, "path")), "%s", name);
    cr_expect_str_eq(warn ? warn : "", json_string_value(json_object_get(out, "warning")), "%s", name);
    free(path), free(warn);
    char cmd[PATH_MAX + 16];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
    cr_assert(system(cmd) == 0);
}

Test(sops_config, lookup_like_sops)
{
    json_t *v = load(), *lk;
    size_t i;
    json_array_foreach(json_object_get(v, "lookups"), i, lk) check_lookup(lk);
    json_decref(v);
}

Test(sops_config, abs_path)
{
    char *out = NULL;
    cr_assert(cv_is_ok(cv_sops_abs_path("/a//b/./c/../d/", &out)));
    cr_assert_str_eq(out, "/a/b/d");
    free(out);
    cr_assert(cv_is_ok(cv_sops_abs_path("/../..", &out)));
    cr_assert_str_eq(out, "/");
    free(out);
}

/* The flat kms field takes --encryption-context like sops's keyGroups. */
Test(sops_config, kms_context_argument)
{
    cv_doc doc;
    cr_assert(cv_is_ok(cv_doc_init(&doc)));
    json_t *t = json_loads("{\"docs\":[{\"m\":[[\"creation_rules\",{\"l\":[{\"m\":[[\"kms\","
                           "{\"s\":\"arn:aws:kms:a:1:key/k\"}]]}]}]]}]}", 0, NULL);
    cr_assert(jt_doc_from_json(&doc, t));
    cv_sops_config *cfg = NULL;
    cr_assert(cv_is_ok(cv_sops_config_decode(&doc, &cfg)));
    char z[] = "z", one[] = "1", a[] = "a", two[] = "2";
    cv_sops_kv ctx[] = { { z, one }, { a, two } };
    cv_sops_cfg_rule *rule = NULL;
    cr_assert(cv_is_ok(cv_sops_config_rule(cfg, "/r/.sops.yaml", "/r/x", ctx, 2, &rule)));
    cr_assert_str_eq(rule->groups[0].keys[0].id, "arn:aws:kms:a:1:key/k|a:2,z:1");
    cv_sops_cfg_rule_free(&rule);
    cv_sops_config_free(&cfg);
    cv_doc_clear(&doc);
    json_decref(t);
}
