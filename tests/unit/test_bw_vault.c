/* bw serve client: the reply envelope and item accessors against the
 * shapes of bw_serve_webhook_fixture.json (expected values are the
 * fixture's own `expect` fields and error bodies). The live client is
 * tested against the real CLI by tests/bitwarden/bw_serve.sh. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "crypto/base/mem.h"
#include "secrets/bitwarden/vault.h"
#include "secrets/runtime/init.h"
#include "tests/lib/vectors.h"

static void init(void)
{
    cr_assert(cv_is_ok(cv_crypto_init()));
    cr_assert(cv_is_ok(cv_secrets_init()));
}

TestSuite(bw_vault, .init = init);

static json_t *fixture(void)
{
    char path[1024];
    snprintf(path, sizeof(path), "%s/testvectors/bitwarden/bw_serve_webhook_fixture.json",
             tv_shared_dir());
    json_t *j = json_load_file(path, 0, NULL);
    if (!j) cr_skip_test("no shared vectors at %s", path);
    return j;
}

/* Parse the JSON text of one fixture member as bw serve's reply body. */
static cv_result parse_member(const json_t *j, long status, cv_bw_reply *r)
{
    char *text = json_dumps(j, JSON_COMPACT);
    cr_assert(text != NULL);
    cv_result res = cv_bw_vault_parse(cv_slice_str(text), status, r);
    cv_wipe_free(text);
    return res;
}

static void expect_value(const json_t *item, const char *what, const char *name, const char *want)
{
    cv_buf out;
    cv_buf_init_secret(&out, 1 << 20);
    cv_result r = name ? cv_bw_item_field(item, name, &out) : cv_bw_item_value(item, what, &out);
    cr_assert(cv_is_ok(r), "%s %s: error %d", what, name ? name : "", r.err);
    cr_assert_eq(out.len, strlen(want), "%s %s", what, name ? name : "");
    cr_assert(out.len == 0 || memcmp(out.p, want, out.len) == 0, "%s %s", what, name ? name : "");
    cv_buf_release(&out);
}

static void expect_missing(const json_t *item, const char *what, const char *name)
{
    cv_buf out;
    cv_buf_init_secret(&out, 1 << 20);
    cv_result r = name ? cv_bw_item_field(item, name, &out) : cv_bw_item_value(item, what, &out);
    cr_assert(cv_is(r, CV_E_BW_NOT_FOUND), "%s %s: got %d", what, name ? name : "", r.err);
    cv_buf_release(&out);
}

Test(bw_vault, fixture_extraction_cases)
{
    json_t *j = fixture();
    cv_bw_reply item, ssh;
    cv_bw_reply_init(&item);
    cv_bw_reply_init(&ssh);
    cr_assert(cv_is_ok(parse_member(json_object_get(j, "get_item_response"), 200, &item)));
    cr_assert(cv_is_ok(parse_member(json_object_get(j, "get_ssh_item_response"), 200, &ssh)));
    size_t i;
    json_t *c;
    unsigned n = 0;
    json_array_foreach(json_object_get(j, "extraction_cases"), i, c) {
        const char *store = json_string_value(json_object_get(c, "store"));
        const char *prop = json_string_value(json_object_get(c, "property"));
        const char *want = json_string_value(json_object_get(c, "expect"));
        const json_t *it = json_object_get(c, "item") ? ssh.data : item.data;
        if (strcmp(store, "bitwarden-fields") == 0) {
            if (want) expect_value(it, "field", prop, want);
            else expect_missing(it, "field", prop);
        } else if (strcmp(store, "bitwarden-notes") == 0) {
            expect_value(it, "notes", NULL, want);
        } else if (strcmp(store, "bitwarden-login") == 0) {
            /* ESO turns null into ""; bw get (and covert) say Not found. */
            if (want && *want) expect_value(it, prop, NULL, want);
            else expect_missing(it, prop, NULL);
        } else {
            continue; /* ssh keys have no accessor */
        }
        n++;
    }
    cr_assert_geq(n, 7);
    expect_value(item.data, "uri", NULL, "https://db.example");
    expect_value(item.data, "name", NULL, "postgres");
    expect_missing(ssh.data, "notes", NULL);    /* null */
    expect_missing(ssh.data, "username", NULL); /* not a login */
    cv_bw_reply_clear(&item);
    cv_bw_reply_clear(&ssh);
    json_decref(j);
}

Test(bw_vault, fixture_error_bodies)
{
    json_t *j = fixture();
    const struct { const char *name; cv_err want; } cases[] = {
        { "locked", CV_E_BW_LOCKED },
        { "not_logged_in", CV_E_BW_NOT_LOGGED_IN },
        { "not_found", CV_E_BW_NOT_FOUND },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        json_t *e = json_object_get(json_object_get(j, "error_responses"), cases[i].name);
        cv_bw_reply r;
        cv_bw_reply_init(&r);
        long status = (long)json_integer_value(json_object_get(e, "status"));
        cv_result res = parse_member(json_object_get(e, "body"), status, &r);
        cr_assert(cv_is(res, cases[i].want), "%s: got %d", cases[i].name, res.err);
        cr_assert_str_eq(cv_err_detail(),
                         json_string_value(json_object_get(json_object_get(e, "body"), "message")));
        cv_bw_reply_clear(&r);
    }
    /* a refused Host/Origin: 403 without bw's envelope */
    long st = (long)json_integer_value(json_object_get(
        json_object_get(json_object_get(j, "error_responses"), "host_rejected_cli_2026_6_and_later"),
        "status"));
    cv_bw_reply r;
    cv_bw_reply_init(&r);
    cr_assert(cv_is(cv_bw_vault_parse(cv_slice_str(""), st, &r), CV_E_BW_SERVE));
    cv_bw_reply_clear(&r);
    json_decref(j);
}

Test(bw_vault, fixture_sync_reply)
{
    json_t *j = fixture();
    cv_bw_reply r;
    cv_bw_reply_init(&r);
    cr_assert(cv_is_ok(parse_member(json_object_get(j, "sync_response"), 200, &r)));
    cr_assert_str_eq(json_string_value(json_object_get(r.data, "title")), "Syncing complete.");
    cv_bw_reply_clear(&r);
    json_decref(j);
}

static cv_err parse_err(const char *body, long status)
{
    cv_bw_reply r;
    cv_bw_reply_init(&r);
    cv_result res = cv_bw_vault_parse(cv_slice_str(body), status, &r);
    cv_bw_reply_clear(&r);
    return res.err;
}

Test(bw_vault, malformed_and_other_errors)
{
    cr_assert_eq(parse_err("not json", 200), CV_E_BW_RESPONSE);
    cr_assert_eq(parse_err("{\"data\":{}}", 200), CV_E_BW_RESPONSE);
    cr_assert_eq(parse_err("{\"success\":\"true\",\"data\":{}}", 200), CV_E_BW_RESPONSE);
    cr_assert_eq(parse_err("{\"success\":true}", 200), CV_E_BW_RESPONSE);
    cr_assert_eq(parse_err("{\"success\":true,\"data\":1,\"data\":2}", 200), CV_E_BW_RESPONSE);
    cr_assert_eq(parse_err("{\"success\":false}", 400), CV_E_BW_SERVE);
    cr_assert_eq(parse_err("<html>Forbidden</html>", 403), CV_E_BW_SERVE);
    cr_assert_eq(parse_err("{\"success\":false,\"message\":\"Not a login.\"}", 400), CV_E_BW_SERVE);
    cr_assert_str_eq(cv_err_detail(), "Not a login.");
    cr_assert_eq(parse_err("{\"success\":true,\"data\":null}", 200), CV_OK);
}

Test(bw_vault, first_field_of_a_name_and_blank_values)
{
    static const char body[] =
        "{\"success\":true,\"data\":{\"object\":\"item\",\"type\":1,\"notes\":\" \\n\","
        "\"fields\":[{\"name\":\"t\",\"value\":\"one\",\"type\":1},"
        "{\"name\":\"t\",\"value\":\"two\",\"type\":1},{\"name\":\"n\",\"value\":null,\"type\":0}],"
        "\"login\":{\"username\":\"\\u00a0\",\"password\":\"x\",\"uris\":[{\"uri\":\"\"}]}}}";
    cv_bw_reply r;
    cv_bw_reply_init(&r);
    cr_assert(cv_is_ok(cv_bw_vault_parse(cv_slice_str(body), 200, &r)));
    expect_value(r.data, "field", "t", "one");
    expect_value(r.data, "field", "n", "");
    expect_value(r.data, "password", NULL, "x");
    expect_missing(r.data, "notes", NULL);    /* whitespace only */
    expect_missing(r.data, "username", NULL); /* NBSP only */
    expect_missing(r.data, "uri", NULL);      /* empty first URI */
    cv_bw_reply_clear(&r);
}
