/* Decryption identities of a Flux Kustomization (see keys.h). */
#include "reconcile/flux/keys.h"

#include <stdlib.h>
#include <string.h>

#include "crypto/base/enc.h"
#include "crypto/base/limits.h"

/* The controller has no terminal: plugins get no prompts. */
static const cv_age_ui no_ui;

static const char *const unsupported_names[] = {
    "sops.vault-token", "sops.aws-kms", "sops.azure-kv", "sops.gcp-kms",
};

const char *cv_flux_keys_secret_name(const cv_flux_ks *k)
{
    const cv_node *d = cv_map_get(cv_map_get(k->obj, "spec"), "decryption");
    const char *n = cv_flux_str(cv_map_get(d, "secretRef"), "name");
    return n && *n ? n : NULL;
}

void cv_flux_keys_clear(cv_flux_keys *keys)
{
    if (keys == NULL) return;
    cv_sops_keyring_free(&keys->own);
    free(keys->secret);
    free(keys->unsupported);
    memset(keys, 0, sizeof *keys);
}

static bool has_suffix(const char *s, size_t n, const char *suf)
{
    size_t m = strlen(suf);
    return n >= m && memcmp(s + n - m, suf, m) == 0;
}

/* Go's filepath.Ext(name) == ext: the suffix from the last dot, which
 * must come after the last slash. */
static bool ext_is(const cv_node *key, const char *ext)
{
    if (!has_suffix(key->s, key->len, ext)) return false;
    const char *dot = strrchr(key->s, '.');
    return dot == key->s + key->len - strlen(ext);
}

static bool unsupported(const cv_node *key)
{
    if (ext_is(key, ".asc")) return true;
    for (size_t i = 0; i < sizeof unsupported_names / sizeof *unsupported_names; i++)
        if (strcmp(key->s, unsupported_names[i]) == 0) return true;
    return false;
}

static cv_result note_unsupported(cv_flux_keys *keys, const cv_node *key)
{
    size_t old = keys->unsupported ? strlen(keys->unsupported) : 0;
    char *p = realloc(keys->unsupported, old + key->len + 3);
    CV_ENSURE(p, CV_E_NOMEM);
    keys->unsupported = p;
    if (old) memcpy(p + old, ", ", 2), old += 2;
    memcpy(p + old, key->s, key->len + 1);
    return cv_ok();
}

/* One *.agekey entry; b64: a `data` value (else stringData, as written). */
static cv_result import_entry(cv_flux_keys *keys, const cv_node *key, const cv_node *val, bool b64)
{
    if (val == NULL || val->kind != CV_NODE_STR) return cv_ok();
    cv_slice text = cv_slice_of(val->s, val->len);
    cv_buf raw;
    cv_buf_init_secret(&raw, CV_AGE_MAX_KEYFILE * 2);
    cv_result r = cv_ok();
    if (b64) {
        size_t n = 0;
        r = cv_buf_reserve(&raw, cv_b64_dec_max(text.len) + 1);
        if (cv_is_ok(r)) r = cv_b64_decode(raw.p, &n, text, true);
        text = cv_slice_of(raw.p, n);
    }
    if (cv_is_ok(r)) r = cv_sops_keyring_import(keys->own, text);
    cv_buf_release(&raw);
    if (!cv_is_ok(r))
        return CV_FAILF(r.err,
                        "failed to import '%s' data from sops decryption Secret '%s': failed to "
                        "parse and add to age identities: %s",
                        key->s, keys->secret, cv_err_detail()[0] ? cv_err_detail() : cv_strerror(r.err));
    return cv_ok();
}

/* The entries of data (base64) or stringData; a data entry that
 * stringData shadows is skipped, as the API server merges them. */
static cv_result import_map(cv_flux_keys *keys, const cv_node *m, bool b64, const cv_node *shadow)
{
    for (size_t i = 0; m && m->kind == CV_NODE_MAP && i < m->n; i++) {
        const cv_node *key = m->items[i].key;
        if (key == NULL || key->kind != CV_NODE_STR) continue;
        if (shadow && shadow->kind == CV_NODE_MAP && cv_map_get(shadow, key->s)) continue;
        if (ext_is(key, ".agekey")) CV_GUARD(import_entry(keys, key, m->items[i].value, b64));
        else if (unsupported(key)) CV_GUARD(note_unsupported(keys, key));
    }
    return cv_ok();
}

static cv_result secret_id(const char *ns, const char *name, char **out)
{
    size_t a = strlen(ns), b = strlen(name);
    char *s = malloc(a + b + 2);
    CV_ENSURE(s, CV_E_NOMEM);
    memcpy(s, ns, a);
    s[a] = '/';
    memcpy(s + a + 1, name, b + 1);
    *out = s;
    return cv_ok();
}

static cv_result import_secret(const cv_flux_ks *k, cv_flux_find_fn find, void *ctx, bool live,
                               cv_flux_keys *keys)
{
    const char *name = cv_flux_keys_secret_name(k);
    if (name == NULL || find == NULL) return cv_ok();
    CV_GUARD(secret_id(k->ns, name, &keys->secret));
    const cv_node *s = NULL;
    cv_result r = find(ctx, "Secret", k->ns, name, &s);
    if (!cv_is_ok(r))
        return CV_FAILF(r.err, "cannot get sops decryption Secret '%s': %s", keys->secret,
                        cv_err_detail()[0] ? cv_err_detail() : cv_strerror(r.err));
    if (s == NULL) {
        if (!live) return cv_ok();
        CV_BAILF(CV_E_KUBE_NOT_FOUND, "secrets \"%s\" not found", name);
    }
    CV_GUARD(cv_sops_keyring_new_fixed(&no_ui, &keys->own));
    const cv_node *sd = cv_map_get(s, "stringData");
    CV_GUARD(import_map(keys, cv_map_get(s, "data"), true, sd));
    return import_map(keys, sd, false, NULL);
}

cv_result cv_flux_keys_load(const cv_flux_ks *k, cv_flux_find_fn find, void *ctx, bool live,
                            cv_sops_keyring *fallback, cv_flux_keys *out)
{
    memset(out, 0, sizeof *out);
    CV_GUARD(import_secret(k, find, ctx, live, out));
    bool own = out->own && cv_sops_keyring_count(out->own) > 0;
    out->kr[0] = own ? out->own : NULL;
    out->kr[1] = own && live ? NULL : fallback;
    return cv_ok();
}
