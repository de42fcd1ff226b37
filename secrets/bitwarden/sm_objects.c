/* Secrets Manager objects: secrets and projects, decrypted into a result's
 * secret arena. */
#include <string.h>

#include "crypto/base/limits.h"
#include "secrets/bitwarden/encstring.h"
#include "secrets/bitwarden/sm_int.h"
#include "secrets/doc/gostr.h"

void cv_bw_result_clear(cv_bw_result *r)
{
    if (r == NULL) return;
    cv_arena_free(&r->arena);
    memset(r, 0, sizeof(*r));
}

static cv_result result_init(cv_bw_result *r)
{
    memset(r, 0, sizeof(*r));
    return cv_arena_new(&r->arena);
}

static cv_result missing(const char *field)
{
    return CV_FAILF(CV_E_BW_RESPONSE, "missing a required field: response.%s", field);
}

static cv_result get_uuid(json_t *o, const char *field, char out[CV_UUID_STR])
{
    const char *s = json_string_value(json_object_get(o, field));
    if (s == NULL) return missing(field);
    CV_ENSUREF(cv_is_ok(cv_uuid_parse(cv_slice_str(s), out)), CV_E_BW_RESPONSE,
               "invalid UUID in response.%s", field);
    return cv_ok();
}

static cv_result get_date(json_t *o, const char *field, char out[CV_BW_DATE_MAX])
{
    const char *s = json_string_value(json_object_get(o, field));
    if (s == NULL) return missing(field);
    CV_ENSUREF(strlen(s) < CV_BW_DATE_MAX, CV_E_BW_RESPONSE, "invalid date in response.%s", field);
    snprintf(out, CV_BW_DATE_MAX, "%s", s);
    return cv_ok();
}

/* Decrypt the EncString in o[field] into the arena. */
static cv_result get_enc(cv_bw_client *c, cv_arena *a, json_t *o, const char *field, char **out,
                         size_t *len)
{
    const char *s = json_string_value(json_object_get(o, field));
    if (s == NULL) return missing(field);
    cv_buf_reset(&c->scratch);
    cv_result r = cv_bw_decrypt_str(cv_slice_str(s), c->org_key, &c->scratch);
    if (!cv_is_ok(r)) {
        /* name the field, keep the error code */
        return CV_FAILF(r.err, "%s (response.%s)", cv_err_detail()[0] ? cv_err_detail()
                                                                      : cv_strerror(r.err), field);
    }
    r = cv_arena_strndup(a, c->scratch.p, c->scratch.len, out);
    *len = c->scratch.len;
    cv_buf_reset(&c->scratch);
    return r;
}

static cv_result check_org(const cv_bw_client *c, const char *org, const char *id)
{
    CV_ENSUREF(strcmp(org, c->org) == 0, CV_E_BW_ORG_MISMATCH, "object %s belongs to %s", id, org);
    return cv_ok();
}

static cv_result parse_secret(cv_bw_client *c, cv_arena *a, json_t *o, bool full, cv_bw_secret *s)
{
    memset(s, 0, sizeof(*s));
    CV_ENSUREF(json_is_object(o), CV_E_BW_RESPONSE, "secret is not an object");
    CV_GUARD(get_uuid(o, "id", s->id));
    CV_GUARD(get_uuid(o, "organizationId", s->organization_id));
    CV_GUARD(check_org(c, s->organization_id, s->id));
    CV_GUARD(get_enc(c, a, o, "key", &s->key, &s->key_len));
    if (full) {
        CV_GUARD(get_enc(c, a, o, "value", &s->value, &s->value_len));
        CV_GUARD(get_enc(c, a, o, "note", &s->note, &s->note_len));
    }
    CV_GUARD(get_date(o, "creationDate", s->creation_date));
    CV_GUARD(get_date(o, "revisionDate", s->revision_date));
    json_t *projects = json_object_get(o, "projects");
    json_t *first = json_array_get(projects, 0);
    if (first) CV_GUARD(get_uuid(first, "id", s->project_id));
    return cv_ok();
}

static cv_result parse_secrets(cv_bw_client *c, json_t *arr, bool full, cv_bw_result *out)
{
    CV_ENSUREF(json_is_array(arr), CV_E_BW_RESPONSE, "missing a required field: response.data");
    size_t n = json_array_size(arr);
    CV_ENSURE(n <= CV_BW_MAX_OBJECTS, CV_E_LIMIT);
    if (n == 0) return cv_ok();
    CV_GUARD(cv_arena_alloc(out->arena, n * sizeof(cv_bw_secret), (void **)&out->secrets));
    for (size_t i = 0; i < n; i++) {
        CV_GUARD(parse_secret(c, out->arena, json_array_get(arr, i), full, &out->secrets[i]));
        out->nsecrets = i + 1;
    }
    return cv_ok();
}

static cv_result parse_project(cv_bw_client *c, cv_arena *a, json_t *o, cv_bw_project *p)
{
    memset(p, 0, sizeof(*p));
    CV_ENSUREF(json_is_object(o), CV_E_BW_RESPONSE, "project is not an object");
    CV_GUARD(get_uuid(o, "id", p->id));
    CV_GUARD(get_uuid(o, "organizationId", p->organization_id));
    CV_GUARD(check_org(c, p->organization_id, p->id));
    CV_GUARD(get_enc(c, a, o, "name", &p->name, &p->name_len));
    CV_GUARD(get_date(o, "creationDate", p->creation_date));
    return get_date(o, "revisionDate", p->revision_date);
}

static cv_result parse_projects(cv_bw_client *c, json_t *arr, cv_bw_result *out)
{
    CV_ENSUREF(json_is_array(arr), CV_E_BW_RESPONSE, "missing a required field: response.data");
    size_t n = json_array_size(arr);
    CV_ENSURE(n <= CV_BW_MAX_OBJECTS, CV_E_LIMIT);
    if (n == 0) return cv_ok();
    CV_GUARD(cv_arena_alloc(out->arena, n * sizeof(cv_bw_project), (void **)&out->projects));
    for (size_t i = 0; i < n; i++) {
        CV_GUARD(parse_project(c, out->arena, json_array_get(arr, i), &out->projects[i]));
        out->nprojects = i + 1;
    }
    return cv_ok();
}

typedef cv_result (*parse_fn)(cv_bw_client *c, json_t *j, cv_bw_result *out);

/* Request, then parse the answer into a fresh result; on failure the
 * result is cleared. */
static cv_result call(cv_bw_client *c, const char *method, const char *path, const cv_buf *body,
                      parse_fn parse, cv_bw_result *out)
{
    CV_GUARD(result_init(out));
    json_t *j = NULL;
    cv_result r = cv_bw__api(c, method, path, body, &j);
    if (cv_is_ok(r)) r = parse(c, j, out);
    json_decref(j);
    if (!cv_is_ok(r)) cv_bw_result_clear(out);
    return r;
}

static cv_result p_list(cv_bw_client *c, json_t *j, cv_bw_result *o)
{
    return parse_secrets(c, json_object_get(j, "secrets"), false, o);
}
static cv_result p_data_secrets(cv_bw_client *c, json_t *j, cv_bw_result *o)
{
    return parse_secrets(c, json_object_get(j, "data"), true, o);
}
static cv_result p_one_secret(cv_bw_client *c, json_t *j, cv_bw_result *o)
{
    CV_GUARD(cv_arena_alloc(o->arena, sizeof(cv_bw_secret), (void **)&o->secrets));
    CV_GUARD(parse_secret(c, o->arena, j, true, o->secrets));
    o->nsecrets = 1;
    return cv_ok();
}
static cv_result p_sync(cv_bw_client *c, json_t *j, cv_bw_result *o)
{
    json_t *hc = json_object_get(j, "hasChanges");
    CV_ENSUREF(json_is_boolean(hc), CV_E_BW_RESPONSE, "missing a required field: response.hasChanges");
    o->has_changes = json_is_true(hc);
    json_t *s = json_object_get(j, "secrets");
    if (!o->has_changes || s == NULL || json_is_null(s)) return cv_ok();
    return parse_secrets(c, json_object_get(s, "data"), true, o);
}
static cv_result p_projects(cv_bw_client *c, json_t *j, cv_bw_result *o)
{
    return parse_projects(c, json_object_get(j, "data"), o);
}
static cv_result p_one_project(cv_bw_client *c, json_t *j, cv_bw_result *o)
{
    CV_GUARD(cv_arena_alloc(o->arena, sizeof(cv_bw_project), (void **)&o->projects));
    CV_GUARD(parse_project(c, o->arena, j, o->projects));
    o->nprojects = 1;
    return cv_ok();
}
static cv_result p_deleted(cv_bw_client *c, json_t *j, cv_bw_result *o)
{
    (void)c;
    json_t *arr = json_object_get(j, "data");
    CV_ENSUREF(json_is_array(arr), CV_E_BW_RESPONSE, "missing a required field: response.data");
    size_t n = json_array_size(arr);
    CV_ENSURE(n <= CV_BW_MAX_OBJECTS, CV_E_LIMIT);
    if (n == 0) return cv_ok();
    CV_GUARD(cv_arena_alloc(o->arena, n * sizeof(cv_bw_delete_result), (void **)&o->deleted));
    for (size_t i = 0; i < n; i++) {
        json_t *e = json_array_get(arr, i);
        CV_GUARD(get_uuid(e, "id", o->deleted[i].id));
        const char *err = json_string_value(json_object_get(e, "error"));
        if (err) CV_GUARD(cv_arena_strndup(o->arena, err, strlen(err), &o->deleted[i].error));
        o->ndeleted = i + 1;
    }
    return cv_ok();
}

cv_result cv_bw__parse(cv_bw_client *c, const char *kind, json_t *j, cv_bw_result *out)
{
    static const struct {
        const char *kind;
        parse_fn f;
    } t[] = { { "list", p_list }, { "secrets", p_data_secrets }, { "secret", p_one_secret },
              { "sync", p_sync }, { "projects", p_projects }, { "project", p_one_project },
              { "deleted", p_deleted } };
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
        if (strcmp(kind, t[i].kind) == 0) {
            CV_GUARD(result_init(out));
            cv_result r = t[i].f(c, j, out);
            if (!cv_is_ok(r)) cv_bw_result_clear(out);
            return r;
        }
    CV_BAIL(CV_E_INVALID_ARG);
}

static cv_result check_id(const char *id, char out[CV_UUID_STR])
{
    CV_ENSUREF(id && cv_is_ok(cv_uuid_parse(cv_slice_str(id), out)), CV_E_INVALID_ARG,
               "invalid UUID");
    return cv_ok();
}

cv_result cv_bw_secrets_list(cv_bw_client *c, const char *project_id, cv_bw_result *out)
{
    char path[256], id[CV_UUID_STR];
    if (project_id) {
        CV_GUARD(check_id(project_id, id));
        snprintf(path, sizeof(path), "/projects/%s/secrets", id);
    } else {
        snprintf(path, sizeof(path), "/organizations/%s/secrets", c->org);
    }
    return call(c, "GET", path, NULL, p_list, out);
}

cv_result cv_bw_secret_get(cv_bw_client *c, const char *id, cv_bw_result *out)
{
    char path[256], u[CV_UUID_STR];
    CV_GUARD(check_id(id, u));
    snprintf(path, sizeof(path), "/secrets/%s", u);
    return call(c, "GET", path, NULL, p_one_secret, out);
}

/* ["id", ...] (bare) or {"ids":[...]} */
static cv_result ids_body(const char *const *ids, size_t n, bool wrap, cv_buf *b)
{
    CV_GUARD(cv_buf_add_str(b, wrap ? "{\"ids\":[" : "["));
    for (size_t i = 0; i < n; i++) {
        char u[CV_UUID_STR];
        CV_GUARD(check_id(ids[i], u));
        CV_GUARD(cv_buf_addf(b, "%s\"%s\"", i ? "," : "", u));
    }
    return cv_buf_add_str(b, wrap ? "]}" : "]");
}

static cv_result ids_call(cv_bw_client *c, const char *path, const char *const *ids, size_t n,
                          bool wrap, parse_fn parse, cv_bw_result *out)
{
    CV_ENSURE(n <= CV_BW_MAX_OBJECTS, CV_E_LIMIT);
    cv_buf b;
    cv_buf_init(&b, 64 + n * 48);
    cv_result r = ids_body(ids, n, wrap, &b);
    if (cv_is_ok(r)) r = call(c, "POST", path, &b, parse, out);
    cv_buf_release(&b);
    return r;
}

cv_result cv_bw_secrets_get_by_ids(cv_bw_client *c, const char *const *ids, size_t n,
                                   cv_bw_result *out)
{
    return ids_call(c, "/secrets/get-by-ids", ids, n, true, p_data_secrets, out);
}

cv_result cv_bw_secrets_delete(cv_bw_client *c, const char *const *ids, size_t n,
                               cv_bw_result *out)
{
    return ids_call(c, "/secrets/delete", ids, n, false, p_deleted, out);
}

cv_result cv_bw_projects_delete(cv_bw_client *c, const char *const *ids, size_t n,
                                cv_bw_result *out)
{
    return ids_call(c, "/projects/delete", ids, n, false, p_deleted, out);
}

cv_result cv_bw_secrets_sync(cv_bw_client *c, const char *last_synced, cv_bw_result *out)
{
    cv_buf path;
    cv_buf_init(&path, 1024);
    cv_result r = cv_buf_addf(&path, "/organizations/%s/secrets/sync", c->org);
    if (cv_is_ok(r) && last_synced) {
        r = cv_buf_add_str(&path, "?lastSyncedDate=");
        if (cv_is_ok(r)) r = cv_http_escape(&path, cv_slice_str(last_synced));
    }
    if (cv_is_ok(r)) r = cv_buf_nul(&path);
    if (cv_is_ok(r)) r = call(c, "GET", (const char *)path.p, NULL, p_sync, out);
    cv_buf_release(&path);
    return r;
}

cv_result cv_bw_projects_list(cv_bw_client *c, cv_bw_result *out)
{
    char path[256];
    snprintf(path, sizeof(path), "/organizations/%s/projects", c->org);
    return call(c, "GET", path, NULL, p_projects, out);
}

cv_result cv_bw_project_get(cv_bw_client *c, const char *id, cv_bw_result *out)
{
    char path[256], u[CV_UUID_STR];
    CV_GUARD(check_id(id, u));
    snprintf(path, sizeof(path), "/projects/%s", u);
    return call(c, "GET", path, NULL, p_one_project, out);
}

/* Client-side field checks, as the SDK makes them before any request. */
static size_t nchars(cv_slice s)
{
    size_t n = 0;
    for (size_t i = 0; i < s.len; i++) n += (s.p[i] & 0xC0) != 0x80;
    return n;
}

static cv_result check_field(const char *what, cv_slice raw, size_t max, bool may_be_empty)
{
    CV_ENSUREF(cv_bw_utf8_valid(raw.p, raw.len), CV_E_UTF8, "%s is not UTF-8", what);
    CV_ENSUREF(may_be_empty || raw.len > 0, CV_E_BW_VALIDATION, "%s must not be empty", what);
    CV_ENSUREF(raw.len == 0 || cv_go_trim_space(raw).len > 0 || strcmp(what, "value") == 0,
               CV_E_BW_VALIDATION, "%s must not contain only whitespaces", what);
    CV_ENSUREF(nchars(raw) <= max, CV_E_BW_VALIDATION, "%s must not exceed %zu characters", what,
               max);
    return cv_ok();
}

static cv_result add_enc(cv_bw_client *c, cv_buf *b, const char *name, cv_slice plain, bool comma)
{
    CV_GUARD(cv_buf_addf(b, "%s\"%s\":\"", comma ? "," : "", name));
    CV_GUARD(cv_bw_encrypt(plain, c->org_key, NULL, b));
    return cv_buf_add_byte(b, '"');
}

static cv_result secret_body(cv_bw_client *c, const cv_bw_secret_input *in, bool update, cv_buf *b)
{
    CV_GUARD(check_field("key", in->key, CV_BW_KEY_MAX_CHARS, false));
    CV_GUARD(check_field("value", in->value, CV_BW_VALUE_MAX_CHARS, false));
    CV_GUARD(check_field("note", in->note, CV_BW_NOTE_MAX_CHARS, true));
    CV_GUARD(cv_buf_add_byte(b, '{'));
    CV_GUARD(add_enc(c, b, "key", cv_go_trim_space(in->key), false));
    CV_GUARD(add_enc(c, b, "value", in->value, true));
    CV_GUARD(add_enc(c, b, "note", cv_go_trim_space(in->note), true));
    CV_GUARD(cv_buf_add_str(b, ",\"projectIds\":"));
    if (in->nproject_ids == 0) {
        CV_GUARD(cv_buf_add_str(b, "null"));
    } else {
        CV_GUARD(ids_body(in->project_ids, in->nproject_ids, false, b));
    }
    if (update) CV_GUARD(cv_buf_addf(b, ",\"valueChanged\":%s", in->value_changed ? "true" : "false"));
    return cv_buf_add_byte(b, '}');
}

static cv_result send_secret(cv_bw_client *c, const char *method, const char *path,
                             const cv_bw_secret_input *in, cv_bw_result *out)
{
    CV_ENSUREF(c->org_key != NULL, CV_E_BW_LOGIN, "not logged in");
    cv_buf b;
    cv_buf_init(&b, 4 * CV_BW_MAX_ENCSTRING);
    cv_result r = secret_body(c, in, strcmp(method, "PUT") == 0, &b);
    if (cv_is_ok(r)) r = call(c, method, path, &b, p_one_secret, out);
    cv_buf_release(&b);
    return r;
}

cv_result cv_bw_secret_create(cv_bw_client *c, const cv_bw_secret_input *in, cv_bw_result *out)
{
    char path[256];
    snprintf(path, sizeof(path), "/organizations/%s/secrets", c->org);
    return send_secret(c, "POST", path, in, out);
}

cv_result cv_bw_secret_update(cv_bw_client *c, const char *id, const cv_bw_secret_input *in,
                              cv_bw_result *out)
{
    char path[256], u[CV_UUID_STR];
    CV_GUARD(check_id(id, u));
    snprintf(path, sizeof(path), "/secrets/%s", u);
    return send_secret(c, "PUT", path, in, out);
}

static cv_result send_project(cv_bw_client *c, const char *method, const char *path, cv_slice name,
                              cv_bw_result *out)
{
    CV_ENSUREF(c->org_key != NULL, CV_E_BW_LOGIN, "not logged in");
    CV_GUARD(check_field("name", name, CV_BW_KEY_MAX_CHARS, false));
    cv_buf b;
    cv_buf_init(&b, 2 * CV_BW_MAX_ENCSTRING);
    cv_result r = cv_buf_add_byte(&b, '{');
    if (cv_is_ok(r)) r = add_enc(c, &b, "name", cv_go_trim_space(name), false);
    if (cv_is_ok(r)) r = cv_buf_add_byte(&b, '}');
    if (cv_is_ok(r)) r = call(c, method, path, &b, p_one_project, out);
    cv_buf_release(&b);
    return r;
}

cv_result cv_bw_project_create(cv_bw_client *c, cv_slice name, cv_bw_result *out)
{
    char path[256];
    snprintf(path, sizeof(path), "/organizations/%s/projects", c->org);
    return send_project(c, "POST", path, name, out);
}

cv_result cv_bw_project_update(cv_bw_client *c, const char *id, cv_slice name, cv_bw_result *out)
{
    char path[256], u[CV_UUID_STR];
    CV_GUARD(check_id(id, u));
    snprintf(path, sizeof(path), "/projects/%s", u);
    return send_project(c, "PUT", path, name, out);
}

cv_result cv_bw_secrets_by_name(cv_bw_client *c, const char *project_id, cv_slice name,
                                cv_bw_result *out)
{
    char proj[CV_UUID_STR];
    if (project_id) {
        CV_GUARD(check_id(project_id, proj));
        project_id = proj;
    }
    cv_bw_result list;
    CV_GUARD(cv_bw_secrets_list(c, NULL, &list));
    const char **ids = NULL;
    size_t n = 0;
    cv_result r = cv_alloc_array((void **)&ids, list.nsecrets + 1, sizeof(*ids));
    for (size_t i = 0; cv_is_ok(r) && i < list.nsecrets; i++) {
        const cv_bw_secret *s = &list.secrets[i];
        bool in_project = project_id == NULL || strcmp(s->project_id, project_id) == 0;
        if (in_project && cv_slice_eq(cv_slice_of(s->key, s->key_len), name)) ids[n++] = s->id;
    }
    if (cv_is_ok(r) && n > 0) r = cv_bw_secrets_get_by_ids(c, ids, n, out);
    else if (cv_is_ok(r)) r = result_init(out);
    free(ids);
    cv_bw_result_clear(&list);
    return r;
}
