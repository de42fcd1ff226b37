/* Decrypt-on-apply: SOPS documents decrypted in memory, the way Flux's
 * kustomize-controller does it, before anything reaches the API server.
 *
 *   - a document with a top-level `sops` block (any kind) goes through the
 *     JSON store in and out (AAD and MAC do not depend on the format);
 *   - a Secret's `data` value (base64) or `stringData` value that is a whole
 *     SOPS file — recognised by Flux's markers — is decrypted with the store
 *     its key's extension names (.yaml, .json, .env, .ini, else binary) and
 *     put back in the same form.
 *
 * Plaintext only ever sits in secret buffers and in jansson's strings
 * (jansson allocates through the wiping allocator); nothing is written out.
 * The MAC is always verified. */
#include <jansson.h>
#include <string.h>

#include "cmd/apply_sops.h"
#include "cmd/cli.h"
#include "cmd/sops.h"
#include "crypto/base/enc.h"
#include "crypto/base/limits.h"
#include "secrets/sops/inmem.h"

/* kustomize-controller refuses encrypted Secret values above 5 MiB. */
#define MAX_ENCRYPTED_VALUE (5u * 1024u * 1024u)

/* covert apply verifies the MAC, as sops does. */
static cv_result decrypt_bytes(cv_store store, cv_slice in, cv_store out_store, cv_buf *out)
{
    return cv_sops_decrypt_text(cv_sops_keyring_get(), in, store, out_store, true, out);
}

/* A whole document: JSON in, JSON out. */
static cv_result decrypt_document(json_t *docs, size_t i)
{
    json_t *d = json_array_get(docs, i);
    char *text = json_dumps(d, JSON_COMPACT | JSON_PRESERVE_ORDER);
    CV_ENSURE(text != NULL, CV_E_NOMEM);
    cv_buf plain;
    cv_buf_init_secret(&plain, CV_DOC_MAX_INPUT * 4);
    cv_result r = decrypt_bytes(CV_STORE_JSON, cv_slice_str(text), CV_STORE_JSON, &plain);
    json_free_t jfree;
    json_get_alloc_funcs(NULL, &jfree);
    jfree(text); /* jansson's allocator, which wipes */
    json_t *dec = NULL;
    if (cv_is_ok(r)) {
        json_error_t e;
        dec = json_loadb((const char *)plain.p, plain.len, JSON_DECODE_ANY, &e);
        if (dec == NULL) r = CV_FAILF(CV_E_SOPS_DECRYPT, "decrypted document is not JSON");
    }
    cv_buf_release(&plain);
    if (cv_is_ok(r)) json_array_set_new(docs, i, dec);
    return r;
}

static cv_result decrypt_value(const char *key, json_t *val, bool b64, json_t **out)
{
    *out = NULL;
    const char *s = json_string_value(val);
    if (s == NULL) return cv_ok();
    size_t len = json_string_length(val);
    if (len > MAX_ENCRYPTED_VALUE * 2) return cv_ok();
    cv_buf raw, plain, enc;
    /* Every Secret value passes through here, SOPS file or not. */
    cv_buf_init_secret(&raw, MAX_ENCRYPTED_VALUE + 4);
    cv_buf_init_secret(&plain, CV_DOC_MAX_INPUT * 4);
    cv_buf_init_secret(&enc, CV_DOC_MAX_INPUT * 8);
    cv_result r = cv_ok();
    if (b64) {
        size_t n = 0;
        r = cv_buf_reserve(&raw, cv_b64_dec_max(len));
        if (cv_is_ok(r) && cv_is_ok(cv_b64_decode(raw.p, &n, cv_slice_of(s, len), true))) raw.len = n;
        else raw.len = 0;
    } else {
        r = cv_buf_add(&raw, s, len);
    }
    cv_store in_st;
    if (cv_is_ok(r) && raw.len && cv_sops_marker(cv_buf_slice(&raw), &in_st)) {
        r = decrypt_bytes(in_st, cv_buf_slice(&raw), cv_store_for_path(key), &plain);
        if (cv_is_ok(r) && b64) r = cv_b64_encode_buf(&enc, plain.p, plain.len, true);
        if (cv_is_ok(r)) {
            const cv_buf *src = b64 ? &enc : &plain;
            *out = json_stringn((const char *)src->p, src->len);
            if (*out == NULL) r = CV_FAILF(CV_E_SOPS_DECRYPT, "%s: not valid UTF-8", key);
        }
    }
    cv_buf_release(&raw);
    cv_buf_release(&plain);
    cv_buf_release(&enc);
    return r;
}

static cv_result decrypt_secret_values(json_t *d)
{
    static const char *const fields[] = { "data", "stringData" };
    for (size_t f = 0; f < 2; f++) {
        json_t *m = json_object_get(d, fields[f]);
        const char *key;
        json_t *val;
        json_object_foreach(m, key, val) {
            json_t *dec;
            cv_result r = decrypt_value(key, val, f == 0, &dec);
            if (!cv_is_ok(r)) return CV_FAILF(r.err, "%s.%s: %s", fields[f], key, cv_err_detail());
            if (dec) json_object_set_new(m, key, dec);
        }
    }
    return cv_ok();
}

static const char *doc_name(json_t *d)
{
    const char *n = json_string_value(json_object_get(json_object_get(d, "metadata"), "name"));
    return n ? n : "document";
}

cv_result cv_apply_decrypt_sops(json_t *docs)
{
    size_t i;
    json_t *d;
    json_array_foreach(docs, i, d) {
        cv_result r = cv_ok();
        if (json_object_get(d, "sops")) {
            r = decrypt_document(docs, i);
            d = json_array_get(docs, i);
        }
        const char *kind = json_string_value(json_object_get(d, "kind"));
        if (cv_is_ok(r) && kind && strcmp(kind, "Secret") == 0) r = decrypt_secret_values(d);
        if (!cv_is_ok(r)) return CV_FAILF(r.err, "%s: %s", doc_name(d), cv_err_detail());
    }
    return cv_ok();
}
