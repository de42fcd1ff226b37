/* age plugins, client side (C2SP age-plugin.md; behaviour of age v1.3.1's
 * plugin/client.go): recipients age1NAME1…, identities AGE-PLUGIN-NAME-1…
 * and the data-less identity of -j NAME, each run through age-plugin-NAME.
 *
 * As in age, one plugin process serves one recipient or identity object
 * per wrap/unwrap call. recipient-v1 sends the recipient (or, for a
 * recipient made from an identity, the identity), a grease stanza, the file
 * key and the labels extension; identity-v1 sends the identity, grease and
 * every stanza of the file as recipient-stanza 0. Phase 2 answers the
 * plugin's requests through the cv_age_ui callbacks, or with `fail` when a
 * callback is missing (non-interactive use). Text shown through ui->message
 * is "NAME plugin: TEXT" and "waiting on NAME plugin..."; the caller adds
 * its own prefix.
 *
 * Identity strings may embed secret keys, so they are kept in cv_secret. */
#include "crypto/age/plugin_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/base/enc.h"
#include "crypto/base/limits.h"

typedef struct {
    char *name;          /* the plugin name, as in age-plugin-NAME */
    cv_secret *encoding; /* NUL-terminated recipient or identity string */
    bool identity;       /* encoding is an identity (add-identity) */
    cv_age_ui ui;
} plugin_key;

static bool name_char(uint8_t c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '_' || c == '.' || c == '+';
}

cv_result cv_age_plugin_name_valid(cv_slice name)
{
    bool ok = name.len > 0;
    for (size_t i = 0; ok && i < name.len; i++) ok = name_char(name.p[i]);
    if (ok) return cv_ok();
    if (cv_age_is_vchar_string(name) && name.len <= 64)
        CV_BAILF(CV_E_AGE_PLUGIN_NAME, "invalid plugin name: \"%.*s\"", (int)name.len,
                 (const char *)name.p);
    CV_BAILF(CV_E_AGE_PLUGIN_NAME, "invalid plugin name");
}

/* --- keys --- */

static void key_free(plugin_key *k)
{
    if (k == NULL) return;
    free(k->name);
    cv_secret_free(&k->encoding);
    free(k);
}

static cv_result key_new(plugin_key **out, cv_slice name, cv_slice encoding, bool identity,
                         const cv_age_ui *ui)
{
    plugin_key *k = calloc(1, sizeof(*k));
    CV_ENSURE(k != NULL, CV_E_NOMEM);
    cv_result r = cv_strndup(&k->name, name.p, name.len);
    if (cv_is_ok(r)) r = cv_secret_new(&k->encoding, encoding.len + 1);
    if (!cv_is_ok(r)) {
        key_free(k);
        return r;
    }
    memcpy(k->encoding->data, encoding.p, encoding.len);
    k->encoding->data[encoding.len] = '\0';
    k->identity = identity;
    if (ui) k->ui = *ui;
    *out = k;
    return cv_ok();
}

static const char *key_string(const plugin_key *k) { return (const char *)k->encoding->data; }

/* bech32-decode s and return its HRP as written; the data part is only
 * checked (plugins interpret it) and wiped. */
static cv_result decode_hrp(cv_slice s, char **hrp)
{
    uint8_t *data = NULL;
    size_t n = 0;
    CV_GUARD(cv_alloc((void **)hrp, s.len + 1));
    cv_result r = cv_alloc((void **)&data, s.len + 1);
    if (cv_is_ok(r)) r = cv_bech32_decode(s, *hrp, s.len + 1, data, s.len + 1, &n);
    if (data) cv_wipe(data, s.len + 1);
    free(data);
    if (!cv_is_ok(r)) {
        free(*hrp);
        *hrp = NULL;
    }
    return r;
}

/* --- phase 2: requests every state machine answers --- */

static cv_result send0(cv_age_plugin_conn *c, const char *type)
{
    return cv_age_plugin_conn_send(c, type, NULL, 0, NULL, 0);
}

static cv_result body_string(const cv_age_stanza *s, char **out)
{
    return cv_strndup(out, s->body, s->body_len);
}

/* A failed callback is reported to the plugin as `fail`; age's terminal UI
 * also warns, naming the plugin. */
static void ui_failed(cv_age_plugin_conn *c, cv_result r)
{
    if (c->ui->warning == NULL) return;
    char msg[400];
    const char *why = cv_err_detail()[0] ? cv_err_detail() : cv_strerror(r.err);
    snprintf(msg, sizeof(msg), "could not read value for age-plugin-%s: %s", c->name, why);
    c->ui->warning(c->ui->ctx, msg);
}

static cv_result ui_msg(cv_age_plugin_conn *c, const cv_age_stanza *s)
{
    if (c->ui->message == NULL) return send0(c, "fail");
    cv_buf text;
    cv_buf_init(&text, strlen(c->name) + s->body_len + 16);
    cv_result r = cv_buf_addf(&text, "%s plugin: ", c->name);
    if (cv_is_ok(r)) r = cv_buf_add(&text, s->body, s->body_len);
    if (cv_is_ok(r)) r = cv_buf_nul(&text);
    if (cv_is_ok(r)) c->ui->message(c->ui->ctx, (const char *)text.p);
    cv_buf_release(&text);
    CV_GUARD(r);
    return send0(c, "ok");
}

static cv_result ui_request(cv_age_plugin_conn *c, const cv_age_stanza *s)
{
    if (c->ui->request_secret == NULL) return send0(c, "fail");
    char *prompt = NULL;
    cv_secret *value = NULL;
    CV_GUARD(body_string(s, &prompt));
    cv_result r = c->ui->request_secret(c->ui->ctx, prompt, &value);
    free(prompt);
    if (!cv_is_ok(r) || value == NULL) {
        ui_failed(c, r);
        cv_secret_free(&value);
        return send0(c, "fail");
    }
    r = cv_age_plugin_conn_send(c, "ok", NULL, 0, value->data, value->len);
    cv_secret_free(&value);
    return r;
}

/* A confirm option: base64 of the choice's text. */
static cv_result option_text(const char *name, const char *arg, const char *which, char **out)
{
    cv_slice a = cv_slice_str(arg);
    size_t n = 0;
    CV_GUARD(cv_alloc((void **)out, cv_b64_dec_max(a.len) + 1));
    if (!cv_is_ok(cv_b64_decode((uint8_t *)*out, &n, a, false))) {
        free(*out);
        *out = NULL;
        return cv_age_plugin_fail(name, "malformed confirm stanza: invalid %s option encoding",
                                  which);
    }
    (*out)[n] = '\0';
    return cv_ok();
}

static cv_result confirm_options(cv_age_plugin_conn *c, const cv_age_stanza *s, char **yes,
                                 char **no)
{
    CV_GUARD(option_text(c->name, s->args[0], "YES", yes));
    cv_result r = s->nargs == 2 ? option_text(c->name, s->args[1], "NO", no)
                                : cv_strndup(no, "", 0);
    if (!cv_is_ok(r)) {
        free(*yes);
        *yes = NULL;
    }
    return r;
}

static cv_result ui_confirm(cv_age_plugin_conn *c, const cv_age_stanza *s)
{
    if (s->nargs != 1 && s->nargs != 2)
        return cv_age_plugin_fail(c->name, "malformed confirm stanza: unexpected number of "
                                           "arguments");
    if (c->ui->confirm == NULL) return send0(c, "fail");
    char *yes = NULL, *no = NULL, *prompt = NULL;
    bool choice = false;
    CV_GUARD(confirm_options(c, s, &yes, &no));
    cv_result r = body_string(s, &prompt);
    if (cv_is_ok(r)) {
        r = c->ui->confirm(c->ui->ctx, prompt, yes, no, &choice);
        if (!cv_is_ok(r)) ui_failed(c, r);
        const char *answer = choice ? "yes" : "no";
        r = cv_is_ok(r) ? cv_age_plugin_conn_send(c, "ok", &answer, 1, NULL, 0)
                        : send0(c, "fail");
    }
    free(yes);
    free(no);
    free(prompt);
    return r;
}

/* Requests both phases share; *handled is false for anything else. */
static cv_result ui_handle(cv_age_plugin_conn *c, const cv_age_stanza *s, bool *handled)
{
    *handled = true;
    if (strcmp(s->type, "msg") == 0) return ui_msg(c, s);
    if (strcmp(s->type, "request-secret") == 0 || strcmp(s->type, "request-public") == 0)
        return ui_request(c, s);
    if (strcmp(s->type, "confirm") == 0) return ui_confirm(c, s);
    *handled = false;
    return cv_ok();
}

static cv_result other_request(cv_age_plugin_conn *c, const cv_age_stanza *s)
{
    bool handled = false;
    CV_GUARD(ui_handle(c, s, &handled));
    return handled ? cv_ok() : send0(c, "unsupported");
}

static cv_result plugin_error(cv_age_plugin_conn *c, const cv_age_stanza *s)
{
    CV_GUARD(send0(c, "ok"));
    return cv_age_plugin_fail(c->name, "%.*s", (int)(s->body_len > 160 ? 160 : s->body_len),
                              (const char *)s->body);
}

/* The file index argument, read as Go's strconv.Atoi would: we only ever
 * send one file, so it must be 0. */
static cv_result file_index(const char *name, const char *what, const char *arg)
{
    const char *digits = arg[0] == '+' || arg[0] == '-' ? arg + 1 : arg;
    char *end = NULL;
    errno = 0;
    long long v = strtoll(arg, &end, 10);
    if (digits[0] < '0' || digits[0] > '9' || *end != '\0' || errno == ERANGE)
        return cv_age_plugin_fail(name, "malformed %s stanza: invalid index", what);
    if (v != 0) return cv_age_plugin_fail(name, "malformed %s stanza: unexpected index", what);
    return cv_ok();
}

/* --- recipient-v1 --- */

typedef struct {
    cv_age_stanzas stanzas;
    cv_age_stanza labels; /* type != NULL once received */
} wrap_state;

static cv_result wrap_phase1(cv_age_plugin_conn *c, const plugin_key *k,
                             const uint8_t fk[CV_AGE_FILE_KEY])
{
    const char *enc = key_string(k);
    CV_GUARD(cv_age_plugin_conn_send(c, k->identity ? "add-identity" : "add-recipient", &enc, 1,
                                     NULL, 0));
    CV_GUARD(cv_age_plugin_conn_grease(c));
    CV_GUARD(cv_age_plugin_conn_send(c, "wrap-file-key", NULL, 0, fk, CV_AGE_FILE_KEY));
    CV_GUARD(send0(c, "extension-labels"));
    return send0(c, "done");
}

static cv_result take_recipient_stanza(cv_age_plugin_conn *c, wrap_state *st,
                                       const cv_age_stanza *s)
{
    if (s->nargs < 2)
        return cv_age_plugin_fail(c->name, "malformed recipient stanza: unexpected argument "
                                           "count");
    CV_GUARD(file_index(c->name, "recipient", s->args[0]));
    CV_GUARD(cv_age_stanzas_add(&st->stanzas, s->args[1], (const char *const *)s->args + 2,
                                s->nargs - 2, s->body, s->body_len));
    return send0(c, "ok");
}

static cv_result wrap_step(cv_age_plugin_conn *c, wrap_state *st, cv_age_stanza *s, bool *done)
{
    if (strcmp(s->type, "recipient-stanza") == 0) return take_recipient_stanza(c, st, s);
    if (strcmp(s->type, "labels") == 0) {
        if (st->labels.type != NULL)
            return cv_age_plugin_fail(c->name, "repeated labels stanza");
        st->labels = *s;
        *s = (cv_age_stanza){ 0 };
        return send0(c, "ok");
    }
    if (strcmp(s->type, "error") == 0) return plugin_error(c, s);
    if (strcmp(s->type, "done") == 0) {
        *done = true;
        return cv_ok();
    }
    return other_request(c, s);
}

static cv_result wrap_phase2(cv_age_plugin_conn *c, wrap_state *st)
{
    for (bool done = false; !done;) {
        cv_age_stanza s;
        CV_GUARD(cv_age_plugin_conn_recv(c, &s));
        cv_result r = wrap_step(c, st, &s, &done);
        cv_age_stanza_clear(&s);
        CV_GUARD(r);
    }
    if (st->stanzas.n == 0) return cv_age_plugin_fail(c->name, "received zero recipient stanzas");
    return cv_ok();
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The label set as the interface reports it: sorted, space separated. */
static cv_result join_labels(cv_age_stanza *labels, char **out)
{
    cv_buf b;
    cv_buf_init(&b, CV_AGE_PLUGIN_MAX_MSG);
    if (labels->nargs > 1) qsort(labels->args, labels->nargs, sizeof(char *), cmp_str);
    cv_result r = cv_ok();
    for (size_t i = 0; i < labels->nargs && cv_is_ok(r); i++)
        r = cv_buf_addf(&b, "%s%s", i ? " " : "", labels->args[i]);
    if (cv_is_ok(r)) r = cv_buf_nul(&b);
    if (cv_is_ok(r)) {
        size_t n;
        *out = (char *)cv_buf_take(&b, &n);
    }
    cv_buf_release(&b);
    return r;
}

static cv_result plugin_wrap(const cv_age_recipient *rc, const uint8_t fk[CV_AGE_FILE_KEY],
                             cv_age_stanzas *out, char **labels)
{
    const plugin_key *k = rc->ctx;
    cv_age_plugin_conn c;
    wrap_state st = { { NULL, 0, 0 }, { 0 } };
    CV_GUARD(cv_age_plugin_conn_open(&c, k->name, "recipient-v1", &k->ui));
    cv_result r = wrap_phase1(&c, k, fk);
    if (cv_is_ok(r)) r = wrap_phase2(&c, &st);
    cv_age_plugin_conn_close(&c);
    if (cv_is_ok(r)) r = join_labels(&st.labels, labels);
    if (cv_is_ok(r)) r = cv_age_stanzas_move(out, &st.stanzas);
    cv_age_stanzas_clear(&st.stanzas);
    cv_age_stanza_clear(&st.labels);
    return r;
}

static void recipient_free(cv_age_recipient *r) { key_free(r->ctx); }

static const cv_age_recipient_ops recipient_ops = { "plugin", plugin_wrap, recipient_free, NULL };

/* --- identity-v1 --- */

static cv_result send_file_stanza(cv_age_plugin_conn *c, const cv_age_stanza *s)
{
    const char **args = NULL;
    CV_GUARD(cv_alloc_array((void **)&args, s->nargs + 2, sizeof(char *)));
    args[0] = "0";
    args[1] = s->type;
    for (size_t i = 0; i < s->nargs; i++) args[i + 2] = s->args[i];
    cv_result r = cv_age_plugin_conn_send(c, "recipient-stanza", args, s->nargs + 2, s->body,
                                          s->body_len);
    free(args);
    return r;
}

static cv_result unwrap_phase1(cv_age_plugin_conn *c, const plugin_key *k,
                               const cv_age_stanzas *st)
{
    const char *enc = key_string(k);
    CV_GUARD(cv_age_plugin_conn_send(c, "add-identity", &enc, 1, NULL, 0));
    CV_GUARD(cv_age_plugin_conn_grease(c));
    for (size_t i = 0; i < st->n; i++) CV_GUARD(send_file_stanza(c, &st->v[i]));
    return send0(c, "done");
}

static cv_result take_file_key(cv_age_plugin_conn *c, const cv_age_stanza *s, cv_secret **fk)
{
    if (s->nargs != 1)
        return cv_age_plugin_fail(c->name, "malformed file-key stanza: unexpected arguments "
                                           "count");
    CV_GUARD(file_index(c->name, "file-key", s->args[0]));
    if (*fk != NULL) return cv_age_plugin_fail(c->name, "received duplicated file-key stanza");
    CV_GUARD(cv_secret_dup(fk, s->body, s->body_len));
    return send0(c, "ok");
}

static cv_result unwrap_step(cv_age_plugin_conn *c, const cv_age_stanza *s, cv_secret **fk,
                             bool *done)
{
    if (strcmp(s->type, "file-key") == 0) return take_file_key(c, s, fk);
    if (strcmp(s->type, "error") == 0) return plugin_error(c, s);
    if (strcmp(s->type, "done") == 0) {
        *done = true;
        return cv_ok();
    }
    return other_request(c, s);
}

static cv_result unwrap_phase2(cv_age_plugin_conn *c, cv_secret **fk)
{
    for (bool done = false; !done;) {
        cv_age_stanza s;
        CV_GUARD(cv_age_plugin_conn_recv(c, &s));
        cv_result r = unwrap_step(c, &s, fk, &done);
        cv_age_stanza_clear(&s);
        CV_GUARD(r);
    }
    return cv_ok();
}

static cv_result plugin_unwrap(const cv_age_identity *id, const cv_age_stanzas *st,
                               uint8_t fk[CV_AGE_FILE_KEY])
{
    const plugin_key *k = id->ctx;
    cv_age_plugin_conn c;
    cv_secret *key = NULL;
    CV_GUARD(cv_age_plugin_conn_open(&c, k->name, "identity-v1", &k->ui));
    cv_result r = unwrap_phase1(&c, k, st);
    if (cv_is_ok(r)) r = unwrap_phase2(&c, &key);
    cv_age_plugin_conn_close(&c);
    if (cv_is_ok(r) && key == NULL) r = CV_FAIL(CV_E_AGE_NO_MATCH);
    if (cv_is_ok(r) && key->len != CV_AGE_FILE_KEY)
        r = cv_age_plugin_fail(k->name, "file key of %zu bytes, want %u", key->len,
                               CV_AGE_FILE_KEY);
    if (cv_is_ok(r)) memcpy(fk, key->data, CV_AGE_FILE_KEY);
    cv_secret_free(&key);
    return r;
}

static cv_result plugin_to_recipient(const cv_age_identity *id, cv_age_recipient **out)
{
    const plugin_key *k = id->ctx;
    plugin_key *rk = NULL;
    CV_GUARD(key_new(&rk, cv_slice_str(k->name), cv_slice_str(key_string(k)), true, &k->ui));
    cv_result r = cv_age_recipient_new(out, &recipient_ops, rk);
    if (!cv_is_ok(r)) key_free(rk);
    return r;
}

static void identity_free(cv_age_identity *id) { key_free(id->ctx); }

static const cv_age_identity_ops identity_ops = { "plugin", plugin_unwrap, plugin_to_recipient,
                                                  identity_free };

/* --- constructors --- */

cv_result cv_age_plugin_recipient_parse(cv_slice s, const cv_age_ui *ui, cv_age_recipient **out)
{
    char *hrp = NULL;
    plugin_key *k = NULL;
    if (!cv_is_ok(decode_hrp(s, &hrp)))
        CV_BAILF(CV_E_AGE_RECIPIENT, "invalid recipient encoding");
    cv_slice name = cv_slice_str(hrp + (strlen(hrp) >= 4 ? 4 : strlen(hrp)));
    cv_result r = strncmp(hrp, "age1", 4) == 0
                      ? cv_age_plugin_name_valid(name)
                      : CV_FAILF(CV_E_AGE_RECIPIENT, "not a plugin recipient");
    if (cv_is_ok(r)) r = key_new(&k, name, s, false, ui);
    if (cv_is_ok(r)) r = cv_age_recipient_new(out, &recipient_ops, k);
    if (!cv_is_ok(r)) key_free(k);
    free(hrp);
    return r;
}

static cv_result identity_name(char *hrp, cv_slice *name)
{
    size_t n = strlen(hrp);
    if (strncmp(hrp, "AGE-PLUGIN-", 11) != 0 || hrp[n - 1] != '-')
        CV_BAILF(CV_E_AGE_IDENTITY, "not a plugin identity");
    *name = n > 12 ? cv_slice_of(hrp + 11, n - 12) : cv_slice_of(hrp, 0);
    for (size_t i = 11; i + 1 < n; i++)
        if (hrp[i] >= 'A' && hrp[i] <= 'Z') hrp[i] = (char)(hrp[i] + 32);
    return cv_age_plugin_name_valid(*name);
}

cv_result cv_age_plugin_identity_parse(cv_slice s, const cv_age_ui *ui, cv_age_identity **out)
{
    char *hrp = NULL;
    plugin_key *k = NULL;
    cv_slice name;
    if (!cv_is_ok(decode_hrp(s, &hrp)))
        CV_BAILF(CV_E_AGE_IDENTITY, "invalid identity encoding");
    cv_result r = identity_name(hrp, &name);
    if (cv_is_ok(r)) r = key_new(&k, name, s, true, ui);
    if (cv_is_ok(r)) r = cv_age_identity_new(out, &identity_ops, k, CV_AGE_ID_OTHER);
    if (!cv_is_ok(r)) key_free(k);
    free(hrp);
    return r;
}

cv_result cv_age_plugin_identity_by_name(const char *name, const cv_age_ui *ui,
                                         cv_age_identity **out)
{
    CV_GUARD(cv_age_plugin_name_valid(cv_slice_str(name)));
    cv_buf hrp, enc;
    plugin_key *k = NULL;
    cv_buf_init(&hrp, strlen(name) + 16);
    cv_buf_init(&enc, 2 * strlen(name) + 32);
    cv_result r = cv_buf_addf(&hrp, "AGE-PLUGIN-%s-", name);
    if (cv_is_ok(r)) r = cv_buf_nul(&hrp);
    if (cv_is_ok(r)) r = cv_bech32_encode(&enc, (const char *)hrp.p, NULL, 0, true);
    if (cv_is_ok(r)) r = key_new(&k, cv_slice_str(name), cv_buf_slice(&enc), true, ui);
    if (cv_is_ok(r)) r = cv_age_identity_new(out, &identity_ops, k, CV_AGE_ID_OTHER);
    if (!cv_is_ok(r)) key_free(k);
    cv_buf_release(&hrp);
    cv_buf_release(&enc);
    return r;
}
