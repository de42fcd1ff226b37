/* Flux's decryption of built objects (see decrypt.h). */
#include "reconcile/flux/decrypt.h"

#include <string.h>
#include <strings.h>

#include "crypto/base/enc.h"
#include "crypto/base/limits.h"
#include "reconcile/flux/ks.h"
#include "secrets/sops/inmem.h"

/* kustomize-controller refuses encrypted values above 5 MiB. */
#define MAX_ENCRYPTED CV_FLUX_MAX_ENCRYPTED

bool cv_flux_decrypt_disabled(const cv_node *obj)
{
    const char *v = cv_flux_str(cv_map_get(cv_map_get(obj, "metadata"), "annotations"),
                                "kustomize.toolkit.fluxcd.io/decrypt");
    return v && strcasecmp(v, "disabled") == 0;
}

static bool non_empty(const cv_node *n)
{
    if (n == NULL || n->kind == CV_NODE_NULL) return false;
    if (n->kind == CV_NODE_MAP || n->kind == CV_NODE_LIST) return n->n > 0;
    return n->kind != CV_NODE_STR || n->len > 0;
}

bool cv_flux_sops_object(const cv_node *obj)
{
    const cv_node *s = cv_map_get(obj, "sops");
    return non_empty(s) && s->kind == CV_NODE_MAP && non_empty(cv_map_get(s, "mac"));
}

static const char *label(const cv_node *obj, char *buf, size_t cap)
{
    const char *kind = cv_flux_str(obj, "kind"), *ns = cv_flux_str(cv_map_get(obj, "metadata"), "namespace");
    snprintf(buf, cap, "%s/%s%s%s", kind ? kind : "", ns ? ns : "", ns ? "/" : "", cv_flux_obj_name(obj));
    return buf;
}

/* The next keyring after a failure: only "no key opened it" moves on. */
static bool try_next(cv_result r) { return cv_is(r, CV_E_SOPS_NO_KEY); }

/* One SOPS document through the JSON store, each keyring in turn. */
static cv_result sops_tree(const cv_flux_keys *keys, cv_slice in, cv_doc *plain)
{
    cv_result r = CV_FAILF(CV_E_SOPS_NO_KEY, "no SOPS identities");
    for (size_t i = 0; i < 2; i++) {
        if (keys->kr[i] == NULL) continue;
        cv_doc_clear(plain);
        CV_GUARD(cv_doc_init(plain));
        r = cv_sops_decrypt_tree(keys->kr[i], in, CV_STORE_JSON, false, plain);
        if (!try_next(r)) break;
    }
    return r;
}

cv_result cv_flux_decrypt_text(const cv_flux_keys *keys, cv_slice in, cv_store in_s,
                               cv_store out_s, cv_buf *plain)
{
    cv_result r = CV_FAILF(CV_E_SOPS_NO_KEY, "no SOPS identities");
    for (size_t i = 0; i < 2; i++) {
        if (keys->kr[i] == NULL) continue;
        cv_buf_reset(plain);
        r = cv_sops_decrypt_text(keys->kr[i], in, in_s, out_s, false, plain);
        if (!try_next(r)) break;
    }
    return r;
}

/* The whole object: JSON out, decrypted tree back in. */
static cv_result decrypt_whole(const cv_flux_keys *keys, cv_doc *doc, cv_node **obj)
{
    cv_buf json;
    cv_buf_init_secret(&json, CV_DOC_MAX_INPUT);
    cv_doc plain;
    cv_result r = cv_doc_init(&plain);
    if (!cv_is_ok(r)) return r;
    r = cv_store_emit_value(CV_STORE_JSON, *obj, -1, &json);
    if (cv_is_ok(r)) r = sops_tree(keys, cv_buf_slice(&json), &plain);
    if (cv_is_ok(r) && (plain.n != 1 || plain.branches[0]->kind != CV_NODE_MAP))
        r = CV_FAILF(CV_E_SOPS_DECRYPT, "decrypted object is not a map");
    if (cv_is_ok(r)) r = cv_node_clone(doc, plain.branches[0], obj);
    cv_doc_clear(&plain);
    cv_buf_release(&json);
    return r;
}

cv_store cv_flux_store_for_path(const char *key)
{
    size_t n = strlen(key), d = strlen(".dockerconfigjson");
    if (n >= d && strcmp(key + n - d, ".dockerconfigjson") == 0) return CV_STORE_JSON;
    return cv_store_for_path(key);
}

/* One data value: *out set (base64 of the plaintext) when it was a SOPS file. */
static cv_result decrypt_value(const cv_flux_keys *keys, const char *key, cv_slice v, cv_buf *out,
                               bool *done)
{
    *done = false;
    if (v.len > MAX_ENCRYPTED * 2) return cv_ok();
    cv_buf raw, plain;
    cv_buf_init_secret(&raw, MAX_ENCRYPTED * 2);
    cv_buf_init_secret(&plain, CV_DOC_MAX_INPUT);
    cv_result r = cv_buf_reserve(&raw, cv_b64_dec_max(v.len) + 1);
    size_t n = 0;
    cv_store in_s;
    if (cv_is_ok(r) && cv_is_ok(cv_b64_decode(raw.p, &n, v, true)) &&
        cv_sops_marker(cv_slice_of(raw.p, n), &in_s)) {
        r = cv_flux_decrypt_text(keys, cv_slice_of(raw.p, n), in_s, cv_flux_store_for_path(key), &plain);
        if (cv_is_ok(r)) r = cv_b64_encode_buf(out, plain.p, plain.len, true);
        *done = cv_is_ok(r);
    }
    cv_buf_release(&raw);
    cv_buf_release(&plain);
    return r;
}

static cv_result scalar_text(cv_doc *doc, cv_node *v, cv_node **out)
{
    if (v && v->kind == CV_NODE_STR) {
        *out = v;
        return cv_ok();
    }
    const char *s = v && (v->kind == CV_NODE_INT || v->kind == CV_NODE_FLOAT || v->kind == CV_NODE_TIME) ? v->s : NULL;
    if (v && v->kind == CV_NODE_BOOL) s = v->v.b ? "true" : "false";
    return cv_node_text(doc, CV_NODE_STR, s ? s : "", s ? strlen(s) : 0, out);
}

static cv_result decrypt_data(const cv_flux_keys *keys, cv_doc *doc, cv_node *obj)
{
    long di = cv_map_find(obj, "data", 4);
    if (di < 0) return cv_ok();
    cv_node *data = obj->items[di].value;
    if (data == NULL || data->kind != CV_NODE_MAP || data->n == 0) {
        cv_node_remove(obj, (size_t)di);
        return cv_ok();
    }
    for (size_t i = 0; i < data->n; i++) {
        cv_node *k = data->items[i].key, *v;
        if (k == NULL || k->kind != CV_NODE_STR) continue;
        CV_GUARD(scalar_text(doc, data->items[i].value, &v));
        data->items[i].value = v;
        cv_buf enc;
        cv_buf_init_secret(&enc, CV_DOC_MAX_INPUT);
        bool done;
        cv_result r = decrypt_value(keys, k->s, cv_slice_of(v->s, v->len), &enc, &done);
        if (cv_is_ok(r) && done) r = cv_node_text(doc, CV_NODE_STR, enc.p, enc.len, &data->items[i].value);
        cv_buf_release(&enc);
        if (!cv_is_ok(r)) return CV_FAILF(r.err, "data.%s: %s", k->s, cv_err_detail());
    }
    return cv_ok();
}

bool cv_flux_keys_exhausted(const cv_flux_keys *keys, cv_result r)
{
    return try_next(r) && keys->unsupported != NULL;
}

cv_result cv_flux_keys_unsupported_fail(const cv_flux_keys *keys, const char *what)
{
    return CV_FAILF(CV_E_FLUX_KEYS_UNSUPPORTED,
                    "decryption failed for '%s': no age identity opened it, and decryption "
                    "Secret '%s' holds key sources covert does not support (%s): %s",
                    what, keys->secret ? keys->secret : "", keys->unsupported, cv_err_detail());
}

cv_result cv_flux_decrypt_obj(const cv_flux_keys *keys, cv_doc *doc, cv_node **obj)
{
    if (cv_flux_decrypt_disabled(*obj)) return cv_ok();
    char what[512];
    label(*obj, what, sizeof what);
    cv_result r = cv_ok();
    if (cv_flux_sops_object(*obj)) {
        r = decrypt_whole(keys, doc, obj);
    } else {
        const char *kind = cv_flux_str(*obj, "kind");
        if (kind == NULL || strcmp(kind, "Secret") != 0) return cv_ok();
        r = decrypt_data(keys, doc, *obj);
    }
    if (cv_flux_keys_exhausted(keys, r)) return cv_flux_keys_unsupported_fail(keys, what);
    if (!cv_is_ok(r)) return CV_FAILF(r.err, "decryption failed for '%s': %s", what, cv_err_detail());
    return cv_ok();
}
