/* Key strings and key files, dispatched as age v1.3's CLI does. */
#include "crypto/age/keys.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/age/age.h"
#include "crypto/age/sshkey.h"
#include "crypto/base/enc.h"
#include "crypto/base/limits.h"
#include "crypto/base/mem.h"

void cv_age_recipients_init(cv_age_recipients *l) { *l = (cv_age_recipients){ NULL, 0, 0 }; }
void cv_age_identities_init(cv_age_identities *l) { *l = (cv_age_identities){ NULL, 0, 0 }; }

void cv_age_recipients_clear(cv_age_recipients *l)
{
    for (size_t i = 0; i < l->n; i++) cv_age_recipient_free(&l->v[i]);
    free(l->v);
    cv_age_recipients_init(l);
}

void cv_age_identities_clear(cv_age_identities *l)
{
    for (size_t i = 0; i < l->n; i++) cv_age_identity_free(&l->v[i]);
    free(l->v);
    cv_age_identities_init(l);
}

/* Grow a pointer vector by one slot. */
static cv_result push_ptr(void ***v, size_t *n, size_t *cap, void *p)
{
    CV_GUARD(cv_grow_array((void **)v, cap, *n + 1, sizeof(void *), 4, SIZE_MAX));
    (*v)[(*n)++] = p;
    return cv_ok();
}

cv_result cv_age_recipients_push(cv_age_recipients *l, cv_age_recipient *r)
{
    cv_result res = push_ptr((void ***)&l->v, &l->n, &l->cap, r);
    if (!cv_is_ok(res)) cv_age_recipient_free(&r);
    return res;
}

cv_result cv_age_identities_push(cv_age_identities *l, cv_age_identity *id)
{
    cv_result res = push_ptr((void ***)&l->v, &l->n, &l->cap, id);
    if (!cv_is_ok(res)) cv_age_identity_free(&id);
    return res;
}

static size_t count_char(cv_slice s, uint8_t c)
{
    size_t n = 0;
    for (size_t i = 0; i < s.len; i++) n += s.p[i] == c;
    return n;
}

cv_result cv_age_recipient_parse(cv_slice s, const cv_age_ui *ui, cv_age_recipient **out)
{
    *out = NULL;
    if (cv_slice_starts_with(s, "age1tag1") || cv_slice_starts_with(s, "age1tagpq1"))
        return cv_age_tag_recipient_parse(s, out);
    if (cv_slice_starts_with(s, "age1pq1")) return cv_age_pq_recipient_parse(s, out);
    if (cv_slice_starts_with(s, "age1") && count_char(s, '1') > 1)
        return cv_age_plugin_recipient_parse(s, ui, out);
    if (cv_slice_starts_with(s, "age1")) return cv_age_x25519_recipient_parse(s, out);
    if (cv_slice_starts_with(s, "ssh-")) return cv_age_ssh_recipient_parse(s, out);
    if (cv_slice_starts_with(s, "github:"))
        CV_BAILF(CV_E_AGE_RECIPIENT, "\"github:\" recipients were removed from the design");
    /* A secret key given where a recipient belongs is never echoed. */
    if (cv_slice_starts_with(s, "AGE-"))
        CV_BAILF(CV_E_AGE_RECIPIENT, "unknown recipient type: an identity (secret key) was given as a recipient");
    char q[160];
    cv_quote(q, sizeof(q), s);
    CV_BAILF(CV_E_AGE_RECIPIENT, "unknown recipient type: %s", q);
}

cv_result cv_age_identity_parse(cv_slice s, const cv_age_ui *ui, cv_age_identity **out)
{
    *out = NULL;
    if (cv_slice_starts_with(s, "AGE-PLUGIN-")) return cv_age_plugin_identity_parse(s, ui, out);
    if (cv_slice_starts_with(s, "AGE-SECRET-KEY-1")) return cv_age_x25519_identity_parse(s, out);
    if (cv_slice_starts_with(s, "AGE-SECRET-KEY-PQ-1")) return cv_age_pq_identity_parse(s, out);
    CV_BAILF(CV_E_AGE_IDENTITY, "unknown identity type");
}

static bool utf8_valid(cv_slice s)
{
    size_t i = 0;
    while (i < s.len) {
        uint8_t c = s.p[i];
        size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
        if (n == 0 || i + n > s.len) return false;
        uint32_t cp = n == 1 ? c : n == 2 ? c & 31u : n == 3 ? c & 15u : c & 7u;
        for (size_t k = 1; k < n; k++) {
            if ((s.p[i + k] & 0xC0) != 0x80) return false;
            cp = cp << 6 | (s.p[i + k] & 63u);
        }
        static const uint32_t min_cp[5] = { 0, 0, 0x80, 0x800, 0x10000 };
        if (cp < min_cp[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
        i += n;
    }
    return true;
}

/* Iterate the lines of a key file as Go's bufio.Scanner does: LF separated,
 * a trailing CR dropped, a final line without LF accepted. */
typedef struct {
    cv_reader r;
    size_t lineno;
} line_iter;

static bool next_line(line_iter *it, cv_slice *line, cv_result *err)
{
    if (cv_reader_eof(&it->r)) return false;
    *err = cv_reader_line_opt(&it->r, line, CV_AGE_MAX_KEYFILE);
    if (!cv_is_ok(*err)) return false;
    if (line->len && line->p[line->len - 1] == '\r') line->len--;
    it->lineno++;
    return true;
}

static bool skip_line(cv_slice line) { return line.len == 0 || line.p[0] == '#'; }

static void warnf(const cv_age_ui *ui, const char *fmt, ...) CV_PRINTF(2, 3);
static void warnf(const cv_age_ui *ui, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    if (ui == NULL || ui->warning == NULL) return;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    ui->warning(ui->ctx, msg);
}

static cv_result recipient_line(cv_slice line, const char *name, size_t n, const cv_age_ui *ui,
                                cv_age_recipients *out)
{
    cv_slice type;
    CV_ENSUREF(utf8_valid(line), CV_E_AGE_RECIPIENT, "\"%s\": recipients file is not valid UTF-8",
               name);
    CV_ENSUREF(line.len <= CV_AGE_MAX_RECIPIENT_LINE, CV_E_AGE_RECIPIENT,
               "\"%s\": line %zu is too long", name, n);
    cv_age_recipient *r = NULL;
    cv_result res = cv_age_recipient_parse(line, ui, &r);
    if (cv_is_ok(res)) return cv_age_recipients_push(out, r);
    if (cv_ssh_line_key_type(line, &type)) {
        warnf(ui, "recipients file \"%s\": ignoring unsupported SSH key of type \"%.*s\" at line %zu",
              name, (int)type.len, (const char *)type.p, n);
        return cv_ok();
    }
    if (cv_slice_starts_with(line, "AGE-"))
        CV_BAILF(CV_E_AGE_RECIPIENT,
                 "\"%s\": error at line %zu: apparent identity found in recipients file", name, n);
    CV_BAILF(CV_E_AGE_RECIPIENT, "\"%s\": malformed recipient at line %zu", name, n);
}

cv_result cv_age_recipients_file_parse(cv_slice data, const char *name, const cv_age_ui *ui,
                                       cv_age_recipients *out)
{
    CV_ENSUREF(data.len <= CV_AGE_MAX_KEYFILE, CV_E_TOO_LARGE, "\"%s\": file too long", name);
    line_iter it = { cv_reader_of(data), 0 };
    cv_slice line;
    cv_result err = cv_ok();
    size_t before = out->n;
    while (next_line(&it, &line, &err))
        if (!skip_line(line)) CV_GUARD(recipient_line(line, name, it.lineno, ui, out));
    CV_GUARD(err);
    CV_ENSUREF(out->n > before, CV_E_AGE_NO_RECIPIENTS, "\"%s\": no recipients found", name);
    return cv_ok();
}

/* Native and plugin identities, one per line. */
static cv_result parse_identity_lines(cv_slice data, const cv_age_ui *ui, cv_age_identities *out)
{
    line_iter it = { cv_reader_of(data), 0 };
    cv_slice line;
    cv_result err = cv_ok();
    size_t before = out->n;
    while (next_line(&it, &line, &err)) {
        if (skip_line(line)) continue;
        CV_ENSUREF(utf8_valid(line), CV_E_AGE_IDENTITY, "identities file is not valid UTF-8");
        cv_age_identity *id = NULL;
        cv_result r = cv_age_identity_parse(line, ui, &id);
        if (!cv_is_ok(r) && cv_slice_starts_with(line, "age1"))
            CV_BAILF(CV_E_AGE_IDENTITY,
                     "error at line %zu: apparent recipient found in identities file", it.lineno);
        if (!cv_is_ok(r)) {
            char why[200];
            snprintf(why, sizeof(why), "%s", cv_err_detail()[0] ? cv_err_detail() : cv_strerror(r.err));
            CV_BAILF(r.err, "error at line %zu: %s", it.lineno, why);
        }
        CV_GUARD(cv_age_identities_push(out, id));
    }
    CV_GUARD(err);
    CV_ENSUREF(out->n > before, CV_E_AGE_NO_IDENTITIES, "no identities found");
    return cv_ok();
}

/* --- age-encrypted identity files --- */

typedef struct {
    cv_buf contents; /* the encrypted file, binary */
    const cv_age_ui *ui;
    char *name;
    cv_age_identities inner;
    bool decrypted;
} enc_id;

static cv_result enc_decrypt(enc_id *e)
{
    char prompt[600];
    snprintf(prompt, sizeof(prompt), "Enter passphrase for identity file \"%s\":", e->name);
    cv_age_identities ids;
    cv_age_identities_init(&ids);
    cv_age_identity *lazy = NULL;
    CV_GUARD(cv_age_scrypt_identity_lazy(e->ui, prompt, &lazy));
    CV_GUARD(cv_age_identities_push(&ids, lazy));
    cv_buf plain;
    cv_result r = cv_age_decrypt_mem(&ids, cv_buf_slice(&e->contents), &plain);
    cv_age_identities_clear(&ids);
    if (cv_is(r, CV_E_AGE_NO_MATCH))
        r = CV_FAILF(CV_E_AGE_IDENTITY, "identity file is encrypted with age but not with a passphrase");
    else if (!cv_is_ok(r) && !cv_is(r, CV_E_AGE_BAD_PASSPHRASE) && !cv_is(r, CV_E_TERMINAL))
        r = CV_FAILF(r.err, "failed to decrypt identity file: %s", cv_strerror(r.err));
    if (cv_is_ok(r)) r = parse_identity_lines(cv_buf_slice(&plain), e->ui, &e->inner);
    cv_buf_release(&plain);
    CV_GUARD(r);
    e->decrypted = true;
    return cv_ok();
}

static cv_result enc_unwrap(const cv_age_identity *id, const cv_age_stanzas *st,
                            uint8_t fk[CV_AGE_FILE_KEY])
{
    enc_id *e = id->ctx;
    if (!e->decrypted) CV_GUARD(enc_decrypt(e));
    for (size_t i = 0; i < e->inner.n; i++) {
        cv_result r = cv_age_identity_unwrap(e->inner.v[i], st, fk);
        if (!cv_is(r, CV_E_AGE_NO_MATCH)) return r;
    }
    warnf(e->ui, "encrypted identity file \"%s\" didn't match file's recipients", e->name);
    CV_BAIL(CV_E_AGE_NO_MATCH);
}

static cv_result enc_to_recipient(const cv_age_identity *id, cv_age_recipient **out)
{
    enc_id *e = id->ctx;
    *out = NULL;
    if (!e->decrypted) CV_GUARD(enc_decrypt(e));
    CV_ENSURE(e->inner.n == 1, CV_E_UNSUPPORTED);
    return e->inner.v[0]->ops->to_recipient(e->inner.v[0], out);
}

static void enc_free(cv_age_identity *id)
{
    enc_id *e = id->ctx;
    if (e == NULL) return;
    cv_buf_release(&e->contents);
    cv_age_identities_clear(&e->inner);
    free(e->name);
    free(e);
}

static const cv_age_identity_ops enc_ops = { "encrypted", enc_unwrap, enc_to_recipient, enc_free };

/* Age-encrypted identity file: binary or armored. The passphrase is asked on
 * first use, so an unused encrypted identity never prompts. */
static cv_result encrypted_identity(cv_slice data, const char *name, const cv_age_ui *ui,
                                    cv_age_identities *out)
{
    enc_id *e = calloc(1, sizeof(*e));
    CV_ENSURE(e != NULL, CV_E_NOMEM);
    e->ui = ui;
    cv_age_identities_init(&e->inner);
    cv_buf_init(&e->contents, CV_AGE_MAX_KEYFILE);
    cv_result r = cv_strndup(&e->name, name, strlen(name));
    if (cv_is_ok(r)) r = cv_buf_add(&e->contents, data.p, data.len);
    cv_age_identity *id = NULL;
    if (cv_is_ok(r)) r = cv_age_identity_new(&id, &enc_ops, e, CV_AGE_ID_OTHER);
    if (!cv_is_ok(r)) {
        cv_age_identity tmp = { &enc_ops, e, CV_AGE_ID_OTHER };
        enc_free(&tmp);
        return r;
    }
    return cv_age_identities_push(out, id);
}

cv_result cv_age_identity_file_parse(cv_slice data, cv_slice pubkey, const char *name,
                                     const cv_age_ui *ui, cv_age_identities *out)
{
    CV_ENSUREF(data.len <= CV_AGE_MAX_KEYFILE, CV_E_TOO_LARGE, "failed to read \"%s\": file too long",
               name);
    if (cv_slice_starts_with(data, "age-encryption") || cv_slice_starts_with(data, "-----BEGIN AGE"))
        return encrypted_identity(data, name, ui, out);
    if (cv_slice_starts_with(data, "-----BEGIN")) {
        CV_ENSUREF(data.len < CV_SSH_MAX_KEYFILE, CV_E_TOO_LARGE,
                   "failed to read \"%s\": file too long", name);
        cv_age_identity *id = NULL;
        CV_GUARD(cv_age_ssh_identity_parse(data, pubkey, name, ui, &id));
        return cv_age_identities_push(out, id);
    }
    cv_result r = parse_identity_lines(data, ui, out);
    if (!cv_is_ok(r)) {
        char why[300];
        snprintf(why, sizeof(why), "%s", cv_err_detail()[0] ? cv_err_detail() : cv_strerror(r.err));
        CV_BAILF(r.err, "failed to read \"%s\": %s", name, why);
    }
    return cv_ok();
}
