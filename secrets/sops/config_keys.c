/* Master keys of a creation rule, built as sops v3.13.2 builds them:
 * config.getKeyGroupsFromCreationRule and each key source's constructor
 * (age/keysource.go, pgp, kms, gcpkms, azkv, hcvault, hckms). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/age/recipient.h"
#include "crypto/base/mem.h"
#include "secrets/sops/config_int.h"
#include "secrets/sops/regex.h"

/* ---- small string helpers -------------------------------------------------- */

static bool go_space(char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

/* strings.TrimSpace (ASCII white space) into a new string. */
static cv_result trim_dup(const char *s, size_t n, char **out)
{
    while (n && go_space(*s)) s++, n--;
    while (n && go_space(s[n - 1])) n--;
    return cv_strndup(out, s, n);
}

/* strings.Replace(s, " ", "", -1) into a new string. */
static cv_result nospace_dup(const char *s, size_t n, char **out)
{
    CV_GUARD(cv_strndup(out, s, n));
    size_t w = 0;
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ') (*out)[w++] = s[i];
    (*out)[w] = 0;
    return cv_ok();
}

static cv_result dup(const char *s, char **out)
{
    return cv_strndup(out, s ? s : "", s ? strlen(s) : 0);
}

static void go_quote(const char *s, char *out, size_t cap) { cv_quote(out, cap, cv_slice_str(s)); }

/* Call one(piece, len) for every piece of strings.Split(csv, ","). */
typedef cv_result (*piece_fn)(const char *s, size_t n, void *ctx);

static cv_result split_each(const char *csv, piece_fn one, void *ctx)
{
    for (const char *p = csv;;) {
        const char *comma = strchr(p, ',');
        size_t n = comma ? (size_t)(comma - p) : strlen(p);
        CV_GUARD(one(p, n, ctx));
        if (!comma) return cv_ok();
        p = comma + 1;
    }
}

/* ---- keys and groups ---------------------------------------------------------- */

void cv_sops_key_clear(cv_sops_cfg_key *k)
{
    char **fields[] = { &k->id, &k->arn, &k->role, &k->aws_profile, &k->vault_url, &k->name,
                        &k->version, &k->address, &k->engine_path, &k->key_name };
    for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) free(*fields[i]);
    for (size_t i = 0; i < k->n_context; i++) free(k->context[i].key), free(k->context[i].value);
    free(k->context);
    *k = (cv_sops_cfg_key){ 0 };
}

/* Append k (ownership moves; on failure it is cleared). */
static cv_result group_push(cv_sops_cfg_group *g, cv_sops_cfg_key *k)
{
    cv_sops_cfg_key *nk = realloc(g->keys, (g->n + 1) * sizeof(*nk));
    if (!nk) {
        cv_sops_key_clear(k);
        CV_BAIL(CV_E_NOMEM);
    }
    g->keys = nk;
    g->keys[g->n++] = *k;
    *k = (cv_sops_cfg_key){ 0 };
    return cv_ok();
}

static cv_result push_simple(cv_sops_cfg_group *g, cv_sops_key_type t, char *id)
{
    cv_sops_cfg_key k = { .type = t, .id = id };
    return group_push(g, &k);
}

static void group_clear(cv_sops_cfg_group *g)
{
    for (size_t i = 0; i < g->n; i++) cv_sops_key_clear(&g->keys[i]);
    free(g->keys);
    *g = (cv_sops_cfg_group){ 0 };
}

/* sops's deduplicateKeygroup: first of each (type, ToString()) wins. */
static void group_dedupe(cv_sops_cfg_group *g)
{
    size_t w = 0;
    for (size_t i = 0; i < g->n; i++) {
        bool seen = false;
        for (size_t j = 0; j < w && !seen; j++)
            seen = g->keys[j].type == g->keys[i].type && strcmp(g->keys[j].id, g->keys[i].id) == 0;
        if (seen)
            cv_sops_key_clear(&g->keys[i]);
        else
            g->keys[w++] = g->keys[i];
    }
    g->n = w;
}

/* ---- age ------------------------------------------------------------------------ */

static size_t count_char(const char *s, char c)
{
    size_t n = 0;
    for (; *s; s++) n += *s == c;
    return n;
}

/* age.parseRecipient's choice of parser, and its error prefix. */
static cv_result age_check(const char *r)
{
    cv_slice s = cv_slice_str(r);
    cv_age_recipient *parsed = NULL;
    cv_result res;
    const char *what = "failed to parse input as Bech32-encoded age public key";
    if (strncmp(r, "age1pq1", 7) == 0) {
        res = cv_age_pq_recipient_parse(s, &parsed);
    } else if (strncmp(r, "age1", 4) == 0 && count_char(r, '1') > 1) {
        what = "failed to parse input as age key from age plugin";
        res = cv_age_plugin_recipient_parse(s, NULL, &parsed);
    } else if (strncmp(r, "age1", 4) == 0) {
        res = cv_age_x25519_recipient_parse(s, &parsed);
    } else if (strncmp(r, "ssh-", 4) == 0) {
        what = "failed to parse input as age-ssh public key";
        res = cv_age_ssh_recipient_parse(s, &parsed);
    } else {
        char q[600];
        go_quote(r, q, sizeof(q));
        CV_BAILF(CV_E_SOPS_CONFIG, "failed to parse input, unknown recipient type: %s", q);
    }
    cv_age_recipient_free(&parsed);
    if (cv_is_ok(res)) return res;
    char why[512];
    snprintf(why, sizeof(why), "%s", cv_err_detail()[0] ? cv_err_detail() : cv_strerror(res.err));
    CV_BAILF(CV_E_SOPS_CONFIG, "%s: %s", what, why);
}

static cv_result age_one(const char *s, size_t n, void *ctx)
{
    char *r = NULL;
    CV_GUARD(trim_dup(s, n, &r));
    cv_result res = age_check(r);
    if (!cv_is_ok(res)) {
        free(r);
        return res;
    }
    return push_simple(ctx, CV_SOPS_KEY_AGE, r);
}

/* age.MasterKeysFromRecipients. */
static cv_result age_keys(const char *csv, cv_sops_cfg_group *g)
{
    return csv[0] ? split_each(csv, age_one, g) : cv_ok();
}

/* ---- pgp, gcp, kms (flat) -------------------------------------------------------- */

static cv_result pgp_one(const char *s, size_t n, void *g)
{
    char *id = NULL;
    CV_GUARD(nospace_dup(s, n, &id));
    return push_simple(g, CV_SOPS_KEY_PGP, id);
}

static cv_result gcp_one(const char *s, size_t n, void *g)
{
    char *id = NULL;
    CV_GUARD(nospace_dup(s, n, &id));
    return push_simple(g, CV_SOPS_KEY_GCP_KMS, id);
}

static int kv_cmp(const void *a, const void *b)
{
    return strcmp(((const cv_sops_kv *)a)->key, ((const cv_sops_kv *)b)->key);
}

/* kms.MasterKey.ToString. */
static cv_result kms_id(cv_sops_cfg_key *k)
{
    cv_buf b;
    cv_buf_init(&b, 1 << 20);
    cv_result r = cv_buf_add_str(&b, k->arn);
    if (cv_is_ok(r) && k->role[0]) r = cv_buf_addf(&b, "+%s", k->role);
    bool ctx = k->n_context > 0, prof = k->aws_profile[0] != 0;
    if (cv_is_ok(r) && (ctx || prof)) r = cv_buf_add_byte(&b, '|');
    for (size_t i = 0; cv_is_ok(r) && i < k->n_context; i++)
        r = cv_buf_addf(&b, "%s%s:%s", i ? "," : "", k->context[i].key, k->context[i].value);
    if (cv_is_ok(r) && prof) r = cv_buf_addf(&b, "|%s", k->aws_profile);
    if (cv_is_ok(r)) r = cv_buf_nul(&b);
    if (cv_is_ok(r)) {
        size_t n;
        k->id = (char *)cv_buf_take(&b, &n);
    }
    cv_buf_release(&b);
    return r;
}

/* Copy a context; a null value is where sops would crash (ToString
 * dereferences it), so covert refuses it. */
static cv_result kms_context(cv_sops_cfg_key *k, const cv_sops_kv *ctx, size_t n)
{
    if (n == 0) return cv_ok();
    CV_GUARD(cv_alloc_array((void **)&k->context, n, sizeof(*ctx)));
    memset(k->context, 0, n * sizeof(*ctx));
    for (size_t i = 0; i < n; i++) {
        CV_ENSUREF(ctx[i].value != NULL, CV_E_UNSUPPORTED,
                   "KMS encryption context value for %s is null", ctx[i].key);
        k->n_context++;
        CV_GUARD(dup(ctx[i].key, &k->context[i].key));
        CV_GUARD(dup(ctx[i].value, &k->context[i].value));
    }
    qsort(k->context, n, sizeof(*ctx), kv_cmp);
    return cv_ok();
}

static cv_result kms_push(cv_sops_cfg_group *g, cv_sops_cfg_key *k, const cv_sops_kv *ctx, size_t n)
{
    cv_result r = kms_context(k, ctx, n);
    if (cv_is_ok(r)) r = kms_id(k);
    if (!cv_is_ok(r)) {
        cv_sops_key_clear(k);
        return r;
    }
    return group_push(g, k);
}

typedef struct {
    cv_sops_cfg_group *g;
    const cv_sops_kv *ctx;
    size_t n_ctx;
    const char *profile;
} kms_flat;

/* kms.NewMasterKeyFromArn: spaces dropped; "+arn:" separates a role. */
static cv_result kms_one(const char *s, size_t n, void *vctx)
{
    kms_flat *f = vctx;
    cv_sops_cfg_key k = { .type = CV_SOPS_KEY_KMS };
    char *arn = NULL;
    CV_GUARD(nospace_dup(s, n, &arn));
    char *role = strstr(arn, "+arn:");
    cv_result r = cv_ok();
    if (role && role > arn) {
        r = dup(role + 1, &k.role);
        *role = 0;
    } else {
        r = dup("", &k.role);
    }
    k.arn = arn;
    if (cv_is_ok(r)) r = dup(f->profile, &k.aws_profile);
    if (!cv_is_ok(r)) {
        cv_sops_key_clear(&k);
        return r;
    }
    return kms_push(f->g, &k, f->ctx, f->n_ctx);
}

/* ---- hckms ------------------------------------------------------------------------- */

/* hckms.parseKeyID. */
static cv_result hckms_check(const char *id)
{
    char *t = NULL, q[600];
    CV_GUARD(trim_dup(id, strlen(id), &t));
    go_quote(t, q, sizeof(q));
    const char *colon = strchr(t, ':');
    cv_result r = cv_ok();
    if (!colon) {
        r = CV_FAILF(CV_E_SOPS_CONFIG, "invalid key ID format: expected 'region:key-uuid', got %s", q);
    } else {
        const char *a = t, *b = colon + 1;
        while (a < colon && go_space(*a)) a++;
        while (*b && go_space(*b)) b++;
        if (a == colon)
            r = CV_FAILF(CV_E_SOPS_CONFIG, "region cannot be empty in key ID: %s", q);
        else if (!*b)
            r = CV_FAILF(CV_E_SOPS_CONFIG, "key UUID cannot be empty in key ID: %s", q);
    }
    free(t);
    return r;
}

static cv_result hckms_push(cv_sops_cfg_group *g, const char *s, size_t n, bool trim)
{
    char *id = NULL;
    CV_GUARD(trim ? trim_dup(s, n, &id) : cv_strndup(&id, s, n));
    cv_result r = hckms_check(id);
    if (!cv_is_ok(r)) {
        free(id);
        return r;
    }
    return push_simple(g, CV_SOPS_KEY_HCKMS, id);
}

/* hckms.NewMasterKeyFromKeyIDString: trimmed, empty pieces skipped. */
static cv_result hckms_one(const char *s, size_t n, void *g)
{
    char *t = NULL;
    CV_GUARD(trim_dup(s, n, &t));
    cv_result r = t[0] ? hckms_push(g, t, strlen(t), true) : cv_ok();
    free(t);
    return r;
}

/* ---- azure key vault ---------------------------------------------------------------- */

static cv_result azure_push(cv_sops_cfg_group *g, const char *url, size_t url_n, const char *name,
                            size_t name_n, const char *version, size_t ver_n)
{
    CV_ENSUREF(ver_n > 0, CV_E_UNSUPPORTED,
               "azure_keyvault key %.*s without a version (sops asks Azure for the latest)",
               (int)name_n, name);
    cv_sops_cfg_key k = { .type = CV_SOPS_KEY_AZURE_KV };
    cv_result r = cv_strndup(&k.vault_url, url, url_n);
    if (cv_is_ok(r)) r = cv_strndup(&k.name, name, name_n);
    if (cv_is_ok(r)) r = cv_strndup(&k.version, version, ver_n);
    if (cv_is_ok(r)) {
        size_t n = url_n + name_n + ver_n + 8;
        r = cv_alloc((void **)&k.id, n);
        if (cv_is_ok(r)) snprintf(k.id, n, "%s/keys/%s/%s", k.vault_url, k.name, k.version);
    }
    if (!cv_is_ok(r)) {
        cv_sops_key_clear(&k);
        return r;
    }
    return group_push(g, &k);
}

/* azkv.NewMasterKeyFromURL: ^(https://[^/]+)/keys/([^/]+)(/[^/]*)?$ */
static cv_result azure_one(const char *s, size_t n, void *g)
{
    char *u = NULL;
    CV_GUARD(trim_dup(s, n, &u));
    const char *host = strncmp(u, "https://", 8) == 0 ? u + 8 : NULL;
    const char *slash = host ? strchr(host, '/') : NULL;
    const char *name = slash && slash > host && strncmp(slash, "/keys/", 6) == 0 ? slash + 6 : NULL;
    size_t name_n = name ? strcspn(name, "/") : 0;
    const char *ver = name ? name + name_n : NULL;
    bool ok = name_n > 0 && (!*ver || !strchr(ver + 1, '/'));
    cv_result r;
    if (!ok) {
        char q[600];
        go_quote(u, q, sizeof(q));
        r = CV_FAILF(CV_E_SOPS_CONFIG, "could not parse %s into a valid Azure Key Vault MasterKey []", q);
    } else {
        size_t ver_n = *ver ? strlen(ver + 1) : 0;
        r = azure_push(g, u, (size_t)(slash - u), name, name_n, *ver ? ver + 1 : "", ver_n);
    }
    free(u);
    return r;
}

/* ---- hashicorp vault ------------------------------------------------------------------ */

static bool goregex_matches(const char *pattern, const char *s)
{
    cv_goregex *re = NULL;
    if (!cv_is_ok(cv_goregex_compile(pattern, &re))) return false;
    bool m = cv_goregex_match(re, s, strlen(s));
    cv_goregex_free(&re);
    return m;
}

/* hcvault.engineAndKeyFromPath on the request URI. */
static cv_result vault_path(const char *uri, cv_sops_cfg_key *k)
{
    CV_ENSUREF(!goregex_matches("/[^/]+/v[\\d]+/[^/]+/[^/]+/[^/]+", uri), CV_E_SOPS_CONFIG,
               "running Vault with a prefixed URL is not supported! (Format has to be like "
               "https://vault.example.com:8200/v1/transit/keys/keyName)");
    CV_ENSUREF(goregex_matches("/v[\\d]+/[^/]+/[^/]+/[^/]+", uri), CV_E_SOPS_CONFIG,
               "vault path does not seem to be formatted correctly: (eg. "
               "https://vault.example.com:8200/v1/transit/keys/keyName)");
    const char *p = uri;
    size_t n = strlen(p);
    while (n && *p == '/') p++, n--;
    while (n && p[n - 1] == '/') n--;
    /* dirs = Split(fullPath, "/"); key = last; engine = Join(dirs[1:len-2]...) */
    size_t ndirs = 1;
    for (size_t i = 0; i < n; i++) ndirs += p[i] == '/';
    const char *last = p + n;
    while (last > p && last[-1] != '/') last--;
    CV_GUARD(cv_strndup(&k->key_name, last, (size_t)(p + n - last)));
    CV_GUARD(cv_strndup(&k->engine_path, "", 0));
    cv_buf e;
    cv_buf_init(&e, n + 1);
    cv_result r = cv_ok();
    const char *d = p;
    for (size_t i = 0; i < ndirs && cv_is_ok(r); i++) {
        size_t dl = strcspn(d, "/");
        if (dl > (size_t)(p + n - d)) dl = (size_t)(p + n - d);
        if (i >= 1 && i + 2 < ndirs && dl > 0) {
            if (e.len) r = cv_buf_add_byte(&e, '/');
            if (cv_is_ok(r)) r = cv_buf_add(&e, d, dl);
        }
        d += dl + 1;
    }
    if (cv_is_ok(r) && e.len) {
        free(k->engine_path);
        k->engine_path = NULL;
        r = cv_strndup(&k->engine_path, e.p, e.len);
    }
    cv_buf_release(&e);
    return r;
}

/* The scheme as Go's url.getScheme finds it; NULL when there is none. */
static cv_result vault_scheme(const char *u, size_t *len)
{
    *len = 0;
    for (size_t i = 0; u[i]; i++) {
        char c = u[i];
        bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
        if (letter) continue;
        if ((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.') {
            if (i == 0) return cv_ok();
            continue;
        }
        if (c == ':') {
            if (i == 0) {
                char q[600];
                go_quote(u, q, sizeof(q));
                CV_BAILF(CV_E_SOPS_CONFIG, "parse %s: missing protocol scheme", q);
            }
            *len = i;
        }
        return cv_ok();
    }
    return cv_ok();
}

/* hcvault.NewMasterKeyFromURI for the URLs people write
 * (scheme://host[:port]/v1/engine/keys/name[?query][#fragment]). */
static cv_result vault_key(const char *uri, cv_sops_cfg_key *k)
{
    size_t sl;
    CV_GUARD(vault_scheme(uri, &sl));
    CV_ENSUREF(sl > 0, CV_E_SOPS_CONFIG,
               "missing scheme in Vault URL (should be like this: +"
               "https://vault.example.com:8200/v1/transit/keys/keyName), got: %s", uri);
    const char *rest = uri + sl + 1, *hash = strchr(rest, '#');
    size_t rn = hash ? (size_t)(hash - rest) : strlen(rest);
    const char *q = memchr(rest, '?', rn);
    size_t before_q = q ? (size_t)(q - rest) : rn, auth = 0;
    if (before_q >= 2 && rest[0] == '/' && rest[1] == '/') {
        auth = 2;
        while (auth < before_q && rest[auth] != '/') auth++;
    }
    char *req = NULL;
    size_t pn = before_q - auth;
    CV_GUARD(cv_alloc((void **)&req, pn + (rn - before_q) + 2));
    snprintf(req, pn + (rn - before_q) + 2, "%.*s%.*s", (int)pn, pn ? rest + auth : "/",
             (int)(rn - before_q), rest + before_q);
    cv_result r = vault_path(req, k);
    free(req);
    CV_GUARD(r);
    size_t an = sl + 1 + auth + (rn - before_q) + (hash ? strlen(hash) : 0) + 1;
    CV_GUARD(cv_alloc((void **)&k->address, an));
    snprintf(k->address, an, "%.*s%.*s%.*s%s", (int)(sl + 1), uri, (int)auth, rest,
             (int)(rn - before_q), rest + before_q, hash ? hash : "");
    size_t idn = strlen(k->address) + strlen(k->engine_path) + strlen(k->key_name) + 12;
    CV_GUARD(cv_alloc((void **)&k->id, idn));
    snprintf(k->id, idn, "%s/v1/%s/keys/%s", k->address, k->engine_path, k->key_name);
    return cv_ok();
}

static cv_result vault_push(cv_sops_cfg_group *g, const char *uri)
{
    CV_ENSUREF(uri[0], CV_E_UNSUPPORTED, "an empty hc_vault entry in a key group (sops crashes on it)");
    cv_sops_cfg_key k = { .type = CV_SOPS_KEY_HC_VAULT };
    cv_result r = vault_key(uri, &k);
    if (!cv_is_ok(r)) {
        cv_sops_key_clear(&k);
        return r;
    }
    return group_push(g, &k);
}

static cv_result vault_one(const char *s, size_t n, void *g)
{
    if (n == 0) return cv_ok();
    char *u = NULL;
    CV_GUARD(cv_strndup(&u, s, n));
    cv_result r = vault_push(g, u);
    free(u);
    return r;
}

/* ---- the flat fields of a rule ------------------------------------------------------ */

/* parseKeyField wrapped by getKeysWithValidation, then strings.Join(",").
 * A string is split at commas, trimmed, empty pieces dropped; a list is
 * taken as is. */
static cv_result field_csv(const cfg_any *a, const char *key_type, const char *field, char **csv)
{
    if (a->kind == ANY_OTHER)
        CV_BAILF(CV_E_SOPS_CONFIG, "invalid %s key configuration: invalid %s key configuration: "
                 "expected string, []string, or nil, got %s", key_type, field, a->bad);
    if (a->kind == ANY_LIST && a->bad)
        CV_BAILF(CV_E_SOPS_CONFIG, "invalid %s key configuration: invalid %s key configuration: "
                 "expected string in list, got %s", key_type, field, a->bad);
    cv_buf b;
    cv_buf_init(&b, 16u << 20);
    cv_result r = cv_ok();
    if (a->kind == ANY_LIST) {
        for (size_t i = 0; i < a->list.n && cv_is_ok(r); i++) {
            if (i) r = cv_buf_add_byte(&b, ',');
            if (cv_is_ok(r)) r = cv_buf_add_str(&b, a->list.v[i]);
        }
    } else if (a->kind == ANY_STR) {
        for (const char *p = a->s; cv_is_ok(r);) {
            size_t n = strcspn(p, ",");
            char *t = NULL;
            r = trim_dup(p, n, &t);
            if (cv_is_ok(r) && t[0]) r = cv_buf_addf(&b, "%s%s", b.len ? "," : "", t);
            free(t);
            if (!p[n]) break;
            p += n + 1;
        }
    }
    if (cv_is_ok(r)) r = cv_buf_nul(&b);
    if (cv_is_ok(r)) {
        size_t n;
        *csv = b.p ? (char *)cv_buf_take(&b, &n) : NULL;
        if (!*csv) r = cv_strndup(csv, "", 0);
    }
    cv_buf_release(&b);
    return r;
}

static cv_result csv_keys(const char *csv, piece_fn one, void *ctx)
{
    return csv[0] ? split_each(csv, one, ctx) : cv_ok();
}

/* One flat field: validate, join, build keys. */
static cv_result flat_field(const cfg_any *a, const char *key_type, const char *field,
                            piece_fn one, void *ctx)
{
    char *csv = NULL;
    CV_GUARD(field_csv(a, key_type, field, &csv));
    cv_result r = csv_keys(csv, one, ctx);
    free(csv);
    return r;
}

static cv_result strv_join(const cfg_strv *v, char **out)
{
    cv_buf b;
    cv_buf_init(&b, 16u << 20);
    cv_result r = cv_buf_add(&b, "", 0);
    for (size_t i = 0; i < v->n && cv_is_ok(r); i++) r = cv_buf_addf(&b, "%s%s", i ? "," : "", v->v[i]);
    if (cv_is_ok(r)) r = cv_buf_nul(&b);
    if (cv_is_ok(r)) {
        size_t n;
        *out = (char *)cv_buf_take(&b, &n);
    }
    cv_buf_release(&b);
    return r;
}

static cv_result flat_group(const cfg_rule *r, const cv_sops_kv *ctx, size_t n_ctx,
                            cv_sops_cfg_group *g)
{
    kms_flat kf = { g, ctx, n_ctx, r->aws_profile ? r->aws_profile : "" };
    char *hc = NULL;
    CV_GUARD(flat_field(&r->age, "age", "age", age_one, g));
    CV_GUARD(flat_field(&r->pgp, "pgp", "pgp", pgp_one, g));
    CV_GUARD(flat_field(&r->kms, "kms", "kms", kms_one, &kf));
    CV_GUARD(flat_field(&r->gcp, "gcpkms", "gcp_kms", gcp_one, g));
    CV_GUARD(strv_join(&r->hckms, &hc));
    cv_result res = csv_keys(hc, hckms_one, g);
    free(hc);
    CV_GUARD(res);
    CV_GUARD(flat_field(&r->azure, "azure_keyvault", "azure_keyvault", azure_one, g));
    return flat_field(&r->vault, "vault", "hc_vault_transit_uri", vault_one, g);
}

/* ---- key_groups ----------------------------------------------------------------------- */

static cv_result group_kms(const cfg_kms *k, cv_sops_cfg_group *g)
{
    cv_sops_cfg_key key = { .type = CV_SOPS_KEY_KMS };
    cv_result r = dup(k->arn, &key.arn);
    if (cv_is_ok(r)) r = dup(k->role, &key.role);
    if (cv_is_ok(r)) r = dup(k->aws_profile, &key.aws_profile);
    if (!cv_is_ok(r)) {
        cv_sops_key_clear(&key);
        return r;
    }
    return kms_push(g, &key, k->ctx, k->n_ctx);
}

static cv_result group_append(cv_sops_cfg_group *dst, cv_sops_cfg_group *src)
{
    for (size_t i = 0; i < src->n; i++) CV_GUARD(group_push(dst, &src->keys[i]));
    src->n = 0;
    return cv_ok();
}

/* config.extractMasterKeys: merged groups first, then each type in turn. */
static cv_result extract_group(const cfg_group *in, unsigned depth, cv_sops_cfg_group *g)
{
    CV_ENSUREF(depth < 64, CV_E_LIMIT, "key_groups: merge nested too deeply");
    const cfg_group *merge = in->merge.items;
    for (size_t i = 0; i < in->merge.n; i++) {
        cv_sops_cfg_group sub = { 0 };
        cv_result r = extract_group(&merge[i], depth + 1, &sub);
        if (cv_is_ok(r)) r = group_append(g, &sub);
        group_clear(&sub);
        CV_GUARD(r);
    }
    for (size_t i = 0; i < in->age.n; i++) CV_GUARD(age_keys(in->age.v[i], g));
    for (size_t i = 0; i < in->pgp.n; i++) CV_GUARD(pgp_one(in->pgp.v[i], strlen(in->pgp.v[i]), g));
    for (size_t i = 0; i < in->kms.n; i++) CV_GUARD(group_kms((const cfg_kms *)in->kms.items + i, g));
    for (size_t i = 0; i < in->gcp.n; i++) {
        const char *id = ((const cfg_gcp *)in->gcp.items)[i].resource_id;
        CV_GUARD(gcp_one(id ? id : "", id ? strlen(id) : 0, g));
    }
    for (size_t i = 0; i < in->hckms.n; i++) {
        const char *id = ((const cfg_hckms *)in->hckms.items)[i].key_id;
        CV_GUARD(hckms_push(g, id ? id : "", id ? strlen(id) : 0, false));
    }
    for (size_t i = 0; i < in->azure.n; i++) {
        const cfg_azure *a = (const cfg_azure *)in->azure.items + i;
        const char *u = a->vault_url ? a->vault_url : "", *k = a->key ? a->key : "",
                   *v = a->version ? a->version : "";
        CV_GUARD(azure_push(g, u, strlen(u), k, strlen(k), v, strlen(v)));
    }
    for (size_t i = 0; i < in->vault.n; i++) CV_GUARD(vault_push(g, in->vault.v[i]));
    group_dedupe(g);
    return cv_ok();
}

static cv_result add_group(cv_sops_cfg_rule *out, cv_sops_cfg_group **g)
{
    cv_sops_cfg_group *ng = realloc(out->groups, (out->n_groups + 1) * sizeof(*ng));
    CV_ENSURE(ng != NULL, CV_E_NOMEM);
    out->groups = ng;
    ng[out->n_groups] = (cv_sops_cfg_group){ 0 };
    *g = &ng[out->n_groups++];
    return cv_ok();
}

cv_result cv_sops_rule_groups(const cfg_rule *r, const cv_sops_kv *kms_ctx, size_t n_kms_ctx,
                              cv_sops_cfg_rule *out)
{
    cv_sops_cfg_group *g = NULL;
    if (r->groups.n == 0) {
        CV_GUARD(add_group(out, &g));
        return flat_group(r, kms_ctx, n_kms_ctx, g);
    }
    const cfg_group *groups = r->groups.items;
    for (size_t i = 0; i < r->groups.n; i++) {
        CV_GUARD(add_group(out, &g));
        CV_GUARD(extract_group(&groups[i], 0, g));
    }
    return cv_ok();
}
