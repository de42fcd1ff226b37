/* Flux Git credentials Secret (see auth.h), read with libyaml's event API:
 * only the top-level `data` and `stringData` maps matter; everything else
 * is skipped. */
#include "reconcile/source/auth.h"

#include <string.h>
#include <yaml.h>

#include "crypto/base/enc.h"
#include "crypto/base/limits.h"

typedef struct {
    const char *key;
    size_t field; /* offset of the cv_secret* in cv_source_auth */
} key_slot;

static const key_slot slots[] = {
    { "username", offsetof(cv_source_auth, username) },
    { "password", offsetof(cv_source_auth, password) },
    { "bearerToken", offsetof(cv_source_auth, bearer_token) },
    { "identity", offsetof(cv_source_auth, identity) },
    { "known_hosts", offsetof(cv_source_auth, known_hosts) },
    { "ca.crt", offsetof(cv_source_auth, ca) },
};

typedef struct {
    yaml_parser_t parser;
    yaml_event_t ev;
    bool have_ev;
    bool from_string[sizeof(slots) / sizeof(slots[0])];
    bool ca_from_cafile;
} reader;

static void drop_event(reader *r)
{
    if (!r->have_ev) return;
    if (r->ev.type == YAML_SCALAR_EVENT) cv_wipe(r->ev.data.scalar.value, r->ev.data.scalar.length);
    yaml_event_delete(&r->ev);
    r->have_ev = false;
}

static cv_result next(reader *r)
{
    drop_event(r);
    CV_ENSUREF(yaml_parser_parse(&r->parser, &r->ev), CV_E_GIT_SECRET, "YAML error at line %zu",
               r->parser.problem_mark.line + 1);
    r->have_ev = true;
    return cv_ok();
}

/* Skip the node whose start event is current. */
static cv_result skip_node(reader *r)
{
    int depth = 0;
    do {
        yaml_event_type_t t = r->ev.type;
        if (t == YAML_MAPPING_START_EVENT || t == YAML_SEQUENCE_START_EVENT) depth++;
        if (t == YAML_MAPPING_END_EVENT || t == YAML_SEQUENCE_END_EVENT) depth--;
        CV_ENSUREF(depth < 64, CV_E_GIT_SECRET, "nesting too deep");
        if (depth > 0) CV_GUARD(next(r));
    } while (depth > 0);
    return cv_ok();
}

static cv_result store(cv_source_auth *a, reader *r, size_t slot, bool from_string,
                       cv_slice key)
{
    cv_secret **dst = (cv_secret **)(void *)((char *)a + slots[slot].field);
    if (*dst && r->from_string[slot] && !from_string) return cv_ok();
    bool cafile = slot == 5 && cv_slice_eq_str(key, "caFile");
    if (*dst && slot == 5 && cafile && !r->ca_from_cafile) return cv_ok(); /* ca.crt wins */
    cv_secret_free(dst);
    const uint8_t *v = r->ev.data.scalar.value;
    size_t n = r->ev.data.scalar.length;
    if (from_string) {
        CV_GUARD(cv_secret_new(dst, n + 1));
        memcpy((*dst)->data, v, n);
    } else {
        CV_GUARD(cv_secret_new(dst, cv_b64_dec_max(n) + 1));
        size_t got = 0;
        cv_result res = cv_b64_decode((*dst)->data, &got, cv_slice_of(v, n), true);
        CV_ENSUREF(cv_is_ok(res), CV_E_GIT_SECRET, "data.%.*s is not valid base64", (int)key.len,
                   (const char *)key.p);
        n = got;
    }
    (*dst)->data[n] = 0;
    (*dst)->len = n;
    r->from_string[slot] = from_string;
    if (slot == 5) r->ca_from_cafile = cafile;
    return cv_ok();
}

static cv_result read_values(cv_source_auth *a, reader *r, bool from_string)
{
    for (;;) {
        CV_GUARD(next(r));
        if (r->ev.type == YAML_MAPPING_END_EVENT) return cv_ok();
        CV_ENSUREF(r->ev.type == YAML_SCALAR_EVENT, CV_E_GIT_SECRET, "keys must be strings");
        char key[64];
        size_t klen = r->ev.data.scalar.length < sizeof(key) ? r->ev.data.scalar.length : 0;
        memcpy(key, r->ev.data.scalar.value, klen);
        cv_slice k = cv_slice_of(key, klen);
        CV_GUARD(next(r));
        size_t slot = SIZE_MAX;
        for (size_t i = 0; i < sizeof(slots) / sizeof(slots[0]); i++)
            if (cv_slice_eq_str(k, slots[i].key)) slot = i;
        if (cv_slice_eq_str(k, "caFile")) slot = 5;
        if (slot == SIZE_MAX || r->ev.type != YAML_SCALAR_EVENT) {
            CV_GUARD(skip_node(r));
            continue;
        }
        CV_GUARD(store(a, r, slot, from_string, k));
    }
}

static cv_result read_top(cv_source_auth *a, reader *r)
{
    do CV_GUARD(next(r));
    while (r->ev.type == YAML_STREAM_START_EVENT || r->ev.type == YAML_DOCUMENT_START_EVENT);
    CV_ENSUREF(r->ev.type == YAML_MAPPING_START_EVENT, CV_E_GIT_SECRET,
               "a Secret manifest must be a mapping");
    for (;;) {
        CV_GUARD(next(r));
        if (r->ev.type == YAML_MAPPING_END_EVENT) return cv_ok();
        CV_ENSUREF(r->ev.type == YAML_SCALAR_EVENT, CV_E_GIT_SECRET, "keys must be strings");
        bool data = strcmp((const char *)r->ev.data.scalar.value, "data") == 0;
        bool sdata = strcmp((const char *)r->ev.data.scalar.value, "stringData") == 0;
        CV_GUARD(next(r));
        if ((data || sdata) && r->ev.type == YAML_MAPPING_START_EVENT)
            CV_GUARD(read_values(a, r, sdata));
        else
            CV_GUARD(skip_node(r));
    }
}

static void wipe_parser(yaml_parser_t *p)
{
    if (p->raw_buffer.start) cv_wipe(p->raw_buffer.start, (size_t)(p->raw_buffer.end - p->raw_buffer.start));
    if (p->buffer.start) cv_wipe(p->buffer.start, (size_t)(p->buffer.end - p->buffer.start));
}

cv_result cv_source_auth_parse(cv_slice manifest, cv_source_auth *out)
{
    memset(out, 0, sizeof(*out));
    CV_ENSUREF(manifest.len <= CV_SRC_MAX_SECRET_FILE, CV_E_TOO_LARGE,
               "secret file larger than %u bytes", CV_SRC_MAX_SECRET_FILE);
    reader r;
    memset(&r, 0, sizeof(r));
    CV_ENSURE(yaml_parser_initialize(&r.parser), CV_E_NOMEM);
    yaml_parser_set_input_string(&r.parser, manifest.p, manifest.len);
    cv_result res = read_top(out, &r);
    drop_event(&r);
    wipe_parser(&r.parser);
    yaml_parser_delete(&r.parser);
    if (!cv_is_ok(res)) cv_source_auth_clear(out);
    return res;
}

void cv_source_auth_clear(cv_source_auth *a)
{
    if (a == NULL) return;
    cv_secret_free(&a->username);
    cv_secret_free(&a->password);
    cv_secret_free(&a->bearer_token);
    cv_secret_free(&a->identity);
    cv_secret_free(&a->known_hosts);
    cv_secret_free(&a->ca);
}
