/* The Secrets Manager client against tests/bitwarden/fake_server.py (the
 * loopback fake that tests/bitwarden/sdk_proof.sh shows the official SDK
 * agrees with), one server per test. Expected names, values and projects
 * come from ../shared/testvectors/bitwarden/sm_api_responses.json, never
 * from covert's own encryption. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "secrets/bitwarden/encstring.h"
#include "secrets/bitwarden/sm.h"
#include "secrets/runtime/init.h"
#include "tests/lib/bw_fake.h"
#include "tests/lib/vectors.h"

#define TOKEN "0.d7df7db8-0e0f-4676-bfc4-f9e9364e444c.cszvFo3IUQJ5xmhxXHnlFDD4gQWqd1:hviTD8zcLEUdkBQy77FmGQ=="
#define ORG "218344fe-3941-483e-9811-7bdaf49699d1"
#define PROD "8ba462f9-6518-4c4c-bcb4-9ab76a16b1dc"
#define STAGING "61ac5149-f461-4011-9a71-21047d006254"

static bw_fake srv;
static int srv_port;
static char srv_dir[256];

static void start_server(void)
{
    cr_assert(cv_is_ok(cv_crypto_init()));
    cr_assert(cv_is_ok(cv_secrets_init()));
    if (!bw_fake_start(&srv, 0)) cr_skip_test("fake server unavailable (shared vectors at %s?)",
                                              tv_shared_dir());
    srv_port = srv.port;
    snprintf(srv_dir, sizeof(srv_dir), "%s", srv.dir);
}

static void stop_server(void) { bw_fake_stop(&srv); }

TestSuite(bw_client, .init = start_server, .fini = stop_server);

typedef struct {
    char api[256], identity[256];
    cv_bw_settings s;
    cv_bw_client *c;
} fixture;

static void connect_to(fixture *f, const char *scenario, const char *state_file)
{
    memset(f, 0, sizeof(*f));
    snprintf(f->api, sizeof(f->api), "http://127.0.0.1:%d/%s/api", srv_port, scenario);
    snprintf(f->identity, sizeof(f->identity), "http://127.0.0.1:%d/%s/identity", srv_port,
             scenario);
    f->s.api_url = f->api;
    f->s.identity_url = f->identity;
    f->s.state_file = state_file;
    f->s.max_attempts = 3;
    f->s.base_delay_ms = 10;
    f->s.max_delay_ms = 1500;
    cr_assert(cv_is_ok(cv_bw_client_new(&f->c, &f->s)));
}

static void login(fixture *f, const char *scenario)
{
    connect_to(f, scenario, NULL);
    cv_result r = cv_bw_login(f->c, cv_slice_str(TOKEN));
    cr_assert(cv_is_ok(r), "login: %s %s", cv_strerror(r.err), cv_err_detail());
}

static json_t *api_vectors(void)
{
    char path[1024];
    snprintf(path, sizeof(path), "%s/testvectors/bitwarden/sm_api_responses.json", tv_shared_dir());
    json_t *j = json_load_file(path, 0, NULL);
    cr_assert(j != NULL);
    return j;
}

static bool str_is(const char *p, size_t n, json_t *want)
{
    return json_is_string(want) && strlen(json_string_value(want)) == n &&
           memcmp(p, json_string_value(want), n) == 0;
}

static const cv_bw_secret *find(const cv_bw_result *r, const char *id)
{
    for (size_t i = 0; i < r->nsecrets; i++)
        if (strcmp(r->secrets[i].id, id) == 0) return &r->secrets[i];
    return NULL;
}

Test(bw_client, list_then_get_by_ids_matches_vectors)
{
    fixture f;
    login(&f, "ok");
    cr_assert_str_eq(cv_bw_org_id(f.c), ORG);
    json_t *v = api_vectors(), *data = json_object_get(v, "data");
    cv_bw_result list, all;
    cr_assert(cv_is_ok(cv_bw_secrets_list(f.c, NULL, &list)));
    json_t *want_list = json_object_get(data, "expected_list_decrypted");
    cr_assert_eq(list.nsecrets, json_array_size(want_list));
    const char *ids[64];
    size_t i;
    json_t *w;
    json_array_foreach(want_list, i, w) {
        const cv_bw_secret *s = find(&list, json_string_value(json_object_get(w, "id")));
        cr_assert(s != NULL);
        cr_assert(str_is(s->key, s->key_len, json_object_get(w, "key")), "name of %s", s->id);
        json_t *pid = json_object_get(w, "project_id");
        cr_assert_str_eq(s->project_id, json_is_null(pid) ? "" : json_string_value(pid));
        cr_assert(s->value == NULL);
        ids[i] = s->id;
    }
    cr_assert(cv_is_ok(cv_bw_secrets_get_by_ids(f.c, ids, list.nsecrets, &all)));
    json_array_foreach(json_object_get(data, "expected_get_decrypted"), i, w) {
        const cv_bw_secret *s = find(&all, json_string_value(json_object_get(w, "id")));
        cr_assert(s != NULL);
        cr_assert(str_is(s->key, s->key_len, json_object_get(w, "key")));
        cr_assert(str_is(s->value, s->value_len, json_object_get(w, "value")), "value of %s", s->id);
        cr_assert(str_is(s->note, s->note_len, json_object_get(w, "note")));
    }
    unsigned logins, api;
    cv_bw_counts(f.c, &logins, &api);
    cr_assert_eq(logins, 1);
    cr_assert_eq(api, 2);
    cv_bw_result_clear(&list);
    cv_bw_result_clear(&all);
    json_decref(v);
    cv_bw_client_free(&f.c);
}

Test(bw_client, get_one_and_no_project)
{
    fixture f;
    login(&f, "ok");
    cv_bw_result r;
    cr_assert(cv_is_ok(cv_bw_secret_get(f.c, "23009669-d74b-4074-8eb3-8b7efcf2cf14", &r)));
    cr_assert_eq(r.nsecrets, 1);
    cr_assert_str_eq(r.secrets[0].project_id, "");
    cr_assert_str_eq(r.secrets[0].value, "no project");
    cr_assert_str_eq(r.secrets[0].creation_date, "2026-01-02T03:04:05.678Z");
    cv_bw_result_clear(&r);
    cv_result e = cv_bw_secret_get(f.c, "22222222-2222-4222-8222-222222222222", &r);
    cr_assert_eq(e.err, CV_E_BW_NOT_FOUND);
    cr_assert(strstr(cv_err_detail(), "Resource not found.") != NULL);
    cv_bw_client_free(&f.c);
}

Test(bw_client, name_lookup_is_one_list_and_one_get)
{
    fixture f;
    login(&f, "ok");
    cv_bw_result r;
    cr_assert(cv_is_ok(cv_bw_secrets_by_name(f.c, STAGING, cv_slice_str("DUPLICATE"), &r)));
    cr_assert_eq(r.nsecrets, 1);
    cr_assert_str_eq(r.secrets[0].value, "value-in-project-2");
    cv_bw_result_clear(&r);
    cr_assert(cv_is_ok(cv_bw_secrets_by_name(f.c, NULL, cv_slice_str("DUPLICATE"), &r)));
    cr_assert_eq(r.nsecrets, 2);
    cv_bw_result_clear(&r);
    cr_assert(cv_is_ok(cv_bw_secrets_by_name(f.c, PROD, cv_slice_str("nope"), &r)));
    cr_assert_eq(r.nsecrets, 0);
    cv_bw_result_clear(&r);
    unsigned logins, api;
    cv_bw_counts(f.c, &logins, &api);
    cr_assert_eq(logins, 1);
    cr_assert_eq(api, 5, "2 + 2 + 1 (no get when nothing matched), got %u", api);
    cv_bw_client_free(&f.c);
}

Test(bw_client, sync_and_projects)
{
    fixture f;
    login(&f, "ok");
    cv_bw_result r;
    cr_assert(cv_is_ok(cv_bw_secrets_sync(f.c, NULL, &r)));
    cr_assert(r.has_changes);
    cr_assert_eq(r.nsecrets, 10);
    cv_bw_result_clear(&r);
    cr_assert(cv_is_ok(cv_bw_secrets_sync(f.c, "2030-01-01T00:00:00+00:00", &r)));
    cr_assert(!r.has_changes);
    cr_assert_eq(r.nsecrets, 0);
    cv_bw_result_clear(&r);
    cr_assert(cv_is_ok(cv_bw_projects_list(f.c, &r)));
    cr_assert_eq(r.nprojects, 2);
    cr_assert_str_eq(r.projects[0].name, "Production");
    cr_assert_str_eq(r.projects[1].name, "Staging");
    cv_bw_result_clear(&r);
    cr_assert(cv_is_ok(cv_bw_project_get(f.c, STAGING, &r)));
    cr_assert_str_eq(r.projects[0].name, "Staging");
    cv_bw_result_clear(&r);
    cr_assert(cv_is_ok(cv_bw_secrets_list(f.c, STAGING, &r)));
    cr_assert_eq(r.nsecrets, 4);
    cv_bw_result_clear(&r);
    cv_bw_client_free(&f.c);
}

Test(bw_client, create_update_delete)
{
    fixture f;
    login(&f, "ok");
    const char *pids[] = { PROD };
    cv_bw_secret_input in = { cv_slice_str("  NEW_KEY  "), cv_slice_str("  new value \n"),
                              cv_slice_str("\tnote\t"), pids, 1, false };
    cv_bw_result r;
    cr_assert(cv_is_ok(cv_bw_secret_create(f.c, &in, &r)));
    cr_assert_str_eq(r.secrets[0].key, "NEW_KEY");
    cr_assert_str_eq(r.secrets[0].value, "  new value \n");
    cr_assert_str_eq(r.secrets[0].note, "note");
    cr_assert_str_eq(r.secrets[0].project_id, PROD);
    char id[CV_UUID_STR];
    memcpy(id, r.secrets[0].id, sizeof(id));
    cv_bw_result_clear(&r);
    in.value = cv_slice_str("rotated");
    in.value_changed = true;
    cr_assert(cv_is_ok(cv_bw_secret_update(f.c, id, &in, &r)));
    cv_bw_result_clear(&r);
    cr_assert(cv_is_ok(cv_bw_secret_get(f.c, id, &r)));
    cr_assert_str_eq(r.secrets[0].value, "rotated");
    cv_bw_result_clear(&r);
    const char *del[] = { id, "11111111-1111-4111-8111-111111111111" };
    cr_assert(cv_is_ok(cv_bw_secrets_delete(f.c, del, 2, &r)));
    cr_assert_eq(r.ndeleted, 2);
    cr_assert(r.deleted[0].error == NULL);
    cr_assert_str_eq(r.deleted[1].error, "Secret not found or access denied");
    cv_bw_result_clear(&r);
    cr_assert(cv_is_ok(cv_bw_project_create(f.c, cv_slice_str("New Project"), &r)));
    cr_assert_str_eq(r.projects[0].name, "New Project");
    memcpy(id, r.projects[0].id, sizeof(id));
    cv_bw_result_clear(&r);
    cr_assert(cv_is_ok(cv_bw_project_update(f.c, id, cv_slice_str("Renamed"), &r)));
    cr_assert_str_eq(r.projects[0].name, "Renamed");
    cv_bw_result_clear(&r);
    const char *pdel[] = { id };
    cr_assert(cv_is_ok(cv_bw_projects_delete(f.c, pdel, 1, &r)));
    cr_assert(r.deleted[0].error == NULL);
    cv_bw_result_clear(&r);
    cv_bw_client_free(&f.c);
}

Test(bw_client, validation_before_any_request)
{
    fixture f;
    login(&f, "ok");
    cv_bw_result r;
    cv_bw_secret_input in = { cv_slice_str(""), cv_slice_str("v"), cv_slice_str(""), NULL, 0, false };
    cr_assert_eq(cv_bw_secret_create(f.c, &in, &r).err, CV_E_BW_VALIDATION);
    cr_assert_str_eq(cv_err_detail(), "key must not be empty");
    in.key = cv_slice_str("k");
    in.note = cv_slice_str(" \t");
    cr_assert_eq(cv_bw_secret_create(f.c, &in, &r).err, CV_E_BW_VALIDATION);
    cr_assert_str_eq(cv_err_detail(), "note must not contain only whitespaces");
    in.note = cv_slice_str("");
    in.value = cv_slice_str("");
    cr_assert_eq(cv_bw_secret_create(f.c, &in, &r).err, CV_E_BW_VALIDATION);
    cr_assert_str_eq(cv_err_detail(), "value must not be empty");
    unsigned api;
    cv_bw_counts(f.c, NULL, &api);
    cr_assert_eq(api, 0);
    cv_bw_client_free(&f.c);
}

/* One scenario that must fail on the first get with `want`. */
static void expect_get_error(const char *scenario, cv_err want, const char *detail_part)
{
    fixture f;
    connect_to(&f, scenario, NULL);
    cv_result r = cv_bw_login(f.c, cv_slice_str(TOKEN));
    cv_bw_result res;
    if (cv_is_ok(r)) r = cv_bw_secret_get(f.c, "87e29ec9-3cad-44df-8cec-5a58adac33dd", &res);
    cr_assert_eq(r.err, want, "%s: got %s (%s)", scenario, cv_strerror(r.err), cv_err_detail());
    if (detail_part)
        cr_assert(strstr(cv_err_detail(), detail_part) != NULL, "%s: detail %s", scenario,
                  cv_err_detail());
    cv_bw_client_free(&f.c);
}

Test(bw_client, error_scenarios)
{
    expect_get_error("id400", CV_E_BW_LOGIN, "Access token is invalid or expired.");
    expect_get_error("id429", CV_E_BW_RATE_LIMIT, "429");
    expect_get_error("api401", CV_E_BW_UNAUTHORIZED, "401");
    expect_get_error("api404", CV_E_BW_NOT_FOUND, "Page not found");
    expect_get_error("api500", CV_E_BW_SERVER, "An error has occurred.");
    expect_get_error("badmac", CV_E_BW_MAC, "response.value");
    expect_get_error("type0", CV_E_BW_MAC_MISSING, "response.value");
    expect_get_error("orgmismatch", CV_E_BW_ORG_MISMATCH, NULL);
    expect_get_error("nullnote", CV_E_BW_RESPONSE, "missing a required field: response.note");
    expect_get_error("noorg", CV_E_BW_RESPONSE, "access_token_obj.organization");
}

Test(bw_client, wrong_token_and_malformed_token)
{
    fixture f;
    connect_to(&f, "ok", NULL);
    cv_result r = cv_bw_login(
        f.c, cv_slice_str("0.d7df7db8-0e0f-4676-bfc4-f9e9364e444c.WRONGsecretWRONGsecretWRONGxx:hviTD8zcLEUdkBQy77FmGQ=="));
    cr_assert_eq(r.err, CV_E_BW_LOGIN);
    r = cv_bw_login(f.c, cv_slice_str("1.d7df7db8-0e0f-4676-bfc4-f9e9364e444c.x:hviTD8zcLEUdkBQy77FmGQ=="));
    cr_assert_eq(r.err, CV_E_BW_TOKEN);
    unsigned logins;
    cv_bw_counts(f.c, &logins, NULL);
    cr_assert_eq(logins, 1, "a malformed token never reaches the server");
    cv_bw_client_free(&f.c);
}

Test(bw_client, retries_on_429_and_503)
{
    const char *scen[] = { "flaky429", "flaky503" };
    for (size_t k = 0; k < 2; k++) {
        fixture f;
        login(&f, scen[k]);
        cv_bw_result r;
        cv_result e = cv_bw_secret_get(f.c, "87e29ec9-3cad-44df-8cec-5a58adac33dd", &r);
        cr_assert(cv_is_ok(e), "%s: %s", scen[k], cv_err_detail());
        cr_assert_str_eq(r.secrets[0].value, "hunter2");
        cv_bw_result_clear(&r);
        cv_bw_client_free(&f.c);
    }
}

Test(bw_client, token_revoked_mid_run_renews_once)
{
    fixture f;
    login(&f, "expire");
    for (int i = 0; i < 5; i++) {
        cv_bw_result r;
        cv_result e = cv_bw_secret_get(f.c, "87e29ec9-3cad-44df-8cec-5a58adac33dd", &r);
        cr_assert(cv_is_ok(e), "get %d: %s", i, cv_err_detail());
        cv_bw_result_clear(&r);
    }
    unsigned logins, api;
    cv_bw_counts(f.c, &logins, &api);
    /* the server revokes a token after 2 uses: 5 gets need 3 tokens, and
     * each refusal costs one extra request */
    cr_assert_eq(logins, 3);
    cr_assert_eq(api, 7);
    cv_bw_client_free(&f.c);
}

static int64_t fake_now;
static int64_t fake_clock(void) { return fake_now; }

Test(bw_client, renewal_ahead_of_expiry_not_per_request)
{
    fixture f;
    connect_to(&f, "shortexp", NULL);
    fake_now = time(NULL);
    cv_bw_set_clock(f.c, fake_clock);
    cr_assert(cv_is_ok(cv_bw_login(f.c, cv_slice_str(TOKEN))));
    for (int i = 0; i < 4; i++) {
        cv_bw_result r;
        cr_assert(cv_is_ok(cv_bw_secret_get(f.c, "87e29ec9-3cad-44df-8cec-5a58adac33dd", &r)));
        cv_bw_result_clear(&r);
    }
    unsigned logins;
    cv_bw_counts(f.c, &logins, NULL);
    cr_assert_eq(logins, 1, "expires_in 10: no renewal within the first 5 s");
    fake_now += 6;
    cv_bw_result r;
    cr_assert(cv_is_ok(cv_bw_secret_get(f.c, "87e29ec9-3cad-44df-8cec-5a58adac33dd", &r)));
    cv_bw_result_clear(&r);
    cv_bw_counts(f.c, &logins, NULL);
    cr_assert_eq(logins, 2);
    cv_bw_client_free(&f.c);
}

Test(bw_client, state_file_reused_across_clients)
{
    char state[400];
    snprintf(state, sizeof(state), "%s/state", srv_dir);
    fixture a, b;
    connect_to(&a, "ok", state);
    cr_assert(cv_is_ok(cv_bw_login(a.c, cv_slice_str(TOKEN))));
    struct stat st;
    cr_assert(stat(state, &st) == 0);
    cr_assert_eq(st.st_mode & 0777, 0600);
    connect_to(&b, "ok", state);
    cr_assert(cv_is_ok(cv_bw_login(b.c, cv_slice_str(TOKEN))));
    cv_bw_result r;
    cr_assert(cv_is_ok(cv_bw_secret_get(b.c, "87e29ec9-3cad-44df-8cec-5a58adac33dd", &r)));
    cv_bw_result_clear(&r);
    unsigned logins;
    cv_bw_counts(b.c, &logins, NULL);
    cr_assert_eq(logins, 0, "the second client reuses the state file");
    cr_assert_str_eq(cv_bw_org_id(b.c), ORG);
    cv_bw_client_free(&a.c);
    cv_bw_client_free(&b.c);
    unlink(state);
}

/* The state file the official SDK wrote (sm_state_file.json) is read. */
Test(bw_client, sdk_state_file_is_understood)
{
    char path[1024];
    snprintf(path, sizeof(path), "%s/testvectors/bitwarden/sm_state_file.json", tv_shared_dir());
    json_t *j = json_load_file(path, 0, NULL);
    cr_assert(j != NULL);
    json_t *c = json_array_get(json_object_get(j, "cases"), 0);
    char state[400];
    snprintf(state, sizeof(state), "%s/sdkstate", srv_dir);
    FILE *f = fopen(state, "w");
    fputs(json_string_value(json_object_get(c, "state_file_content")), f);
    fclose(f);
    json_t *exp = json_object_get(json_object_get(json_object_get(c, "expect_json"),
                                                  "token_jwt_payload"), "exp");
    fixture x;
    connect_to(&x, "ok", state);
    fake_now = json_integer_value(exp) - 1000;
    cv_bw_set_clock(x.c, fake_clock);
    cr_assert(cv_is_ok(cv_bw_login(x.c, cv_slice_str(json_string_value(json_object_get(c, "access_token"))))));
    unsigned logins;
    cv_bw_counts(x.c, &logins, NULL);
    cr_assert_eq(logins, 0, "token from the SDK's state file reused");
    cr_assert_str_eq(cv_bw_org_id(x.c), ORG);
    /* the fake server never issued that JWT: 401, one renewal, success */
    cv_bw_result r;
    cr_assert(cv_is_ok(cv_bw_secret_get(x.c, "87e29ec9-3cad-44df-8cec-5a58adac33dd", &r)));
    cr_assert_str_eq(r.secrets[0].value, "hunter2");
    cv_bw_result_clear(&r);
    cv_bw_client_free(&x.c);
    /* past its exp the state is ignored and a login happens (the renewal
     * above rewrote the file: put the SDK's back) */
    f = fopen(state, "w");
    fputs(json_string_value(json_object_get(c, "state_file_content")), f);
    fclose(f);
    connect_to(&x, "ok", state);
    fake_now = json_integer_value(exp) + 10;
    cv_bw_set_clock(x.c, fake_clock);
    cr_assert(cv_is_ok(cv_bw_login(x.c, cv_slice_str(json_string_value(json_object_get(c, "access_token"))))));
    cv_bw_counts(x.c, &logins, NULL);
    cr_assert_eq(logins, 1);
    cv_bw_client_free(&x.c);
    json_decref(j);
    unlink(state);
}

Test(bw_client, server_urls)
{
    char api[256], id[256];
    cr_assert(cv_is_ok(cv_bw_urls_from_server("https://vault.example.org/", api, id, sizeof(api))));
    cr_assert_str_eq(api, "https://vault.example.org/api");
    cr_assert_str_eq(id, "https://vault.example.org/identity");
    cr_assert(cv_is_ok(cv_bw_urls_from_server("https://vault.bitwarden.eu", api, id, sizeof(api))));
    cr_assert_str_eq(api, "https://api.bitwarden.eu");
    cr_assert_str_eq(id, "https://identity.bitwarden.eu");
    cr_assert_eq(cv_bw_urls_from_server("vault.example.org", api, id, sizeof(api)).err,
                 CV_E_INVALID_ARG);
}
