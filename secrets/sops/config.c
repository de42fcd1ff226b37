/* .sops.yaml: decoding (yaml.v3 semantics over the document tree), rule
 * choice, config lookup. Master keys are built in config_keys.c. */
#include "secrets/sops/config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crypto/base/limits.h"
#include "crypto/base/mem.h"
#include "secrets/doc/num.h"
#include "secrets/sops/config_int.h"
#include "secrets/sops/regex.h"

/* ---- a table of sops's config structs, as yaml.v3 sees them ------------ */

typedef enum { K_STR, K_INT, K_BOOL, K_STRV, K_ANY, K_STRUCT, K_SLICE, K_CTX } kind;

typedef struct fdesc fdesc;
typedef struct {
    const char *type; /* Go type name, for yaml.v3's messages */
    const fdesc *fields;
    size_t n_fields, size;
} sdesc;

struct fdesc {
    const char *name;
    kind k;
    size_t off;
    const sdesc *sub;      /* K_STRUCT, K_SLICE element */
    const char *slice_type;
};

#define F(name, k, type, member) { name, k, offsetof(type, member), NULL, NULL }
#define FS(name, type, member, sub) { name, K_STRUCT, offsetof(type, member), &sub, NULL }
#define FL(name, type, member, sub, st) { name, K_SLICE, offsetof(type, member), &sub, st }
#define SD(gotype, ctype, fields) { gotype, fields, sizeof(fields) / sizeof(fields[0]), sizeof(ctype) }

static const fdesc kms_f[] = {
    F("arn", K_STR, cfg_kms, arn), F("role", K_STR, cfg_kms, role),
    F("context", K_CTX, cfg_kms, ctx), F("aws_profile", K_STR, cfg_kms, aws_profile),
};
static const fdesc gcp_f[] = { F("resource_id", K_STR, cfg_gcp, resource_id) };
static const fdesc hckms_f[] = { F("key_id", K_STR, cfg_hckms, key_id) };
static const fdesc azure_f[] = {
    F("vaultUrl", K_STR, cfg_azure, vault_url), F("key", K_STR, cfg_azure, key),
    F("version", K_STR, cfg_azure, version),
};
static const sdesc kms_d = SD("config.kmsKey", cfg_kms, kms_f);
static const sdesc gcp_d = SD("config.gcpKmsKey", cfg_gcp, gcp_f);
static const sdesc hckms_d = SD("config.hckmsKey", cfg_hckms, hckms_f);
static const sdesc azure_d = SD("config.azureKVKey", cfg_azure, azure_f);
extern const sdesc cv_sops_group_d;
static const fdesc group_f[] = {
    FL("merge", cfg_group, merge, cv_sops_group_d, "[]config.keyGroup"),
    FL("kms", cfg_group, kms, kms_d, "[]config.kmsKey"),
    FL("gcp_kms", cfg_group, gcp, gcp_d, "[]config.gcpKmsKey"),
    FL("hckms", cfg_group, hckms, hckms_d, "[]config.hckmsKey"),
    FL("azure_keyvault", cfg_group, azure, azure_d, "[]config.azureKVKey"),
    F("hc_vault", K_STRV, cfg_group, vault), F("age", K_STRV, cfg_group, age),
    F("pgp", K_STRV, cfg_group, pgp),
};
const sdesc cv_sops_group_d = SD("config.keyGroup", cfg_group, group_f);
static const fdesc rule_f[] = {
    F("path_regex", K_STR, cfg_rule, path_regex), F("kms", K_ANY, cfg_rule, kms),
    F("aws_profile", K_STR, cfg_rule, aws_profile), F("age", K_ANY, cfg_rule, age),
    F("pgp", K_ANY, cfg_rule, pgp), F("gcp_kms", K_ANY, cfg_rule, gcp),
    F("hckms", K_STRV, cfg_rule, hckms), F("azure_keyvault", K_ANY, cfg_rule, azure),
    F("hc_vault_transit_uri", K_ANY, cfg_rule, vault),
    FL("key_groups", cfg_rule, groups, cv_sops_group_d, "[]config.keyGroup"),
    F("shamir_threshold", K_INT, cfg_rule, shamir),
    F("unencrypted_suffix", K_STR, cfg_rule, sel[0]), F("encrypted_suffix", K_STR, cfg_rule, sel[1]),
    F("unencrypted_regex", K_STR, cfg_rule, sel[2]), F("encrypted_regex", K_STR, cfg_rule, sel[3]),
    F("unencrypted_comment_regex", K_STR, cfg_rule, sel[4]),
    F("encrypted_comment_regex", K_STR, cfg_rule, sel[5]),
    F("mac_only_encrypted", K_BOOL, cfg_rule, mac_only),
};
static const sdesc rule_d = SD("config.creationRule", cfg_rule, rule_f);
static const fdesc dest_f[] = {
    F("path_regex", K_STR, cfg_dest, path_regex), F("s3_bucket", K_STR, cfg_dest, s3_bucket),
    F("s3_prefix", K_STR, cfg_dest, s3_prefix), F("gcs_bucket", K_STR, cfg_dest, gcs_bucket),
    F("gcs_prefix", K_STR, cfg_dest, gcs_prefix), F("vault_path", K_STR, cfg_dest, vault_path),
    F("vault_address", K_STR, cfg_dest, vault_address),
    F("vault_kv_mount_name", K_STR, cfg_dest, vault_kv_mount_name),
    F("vault_kv_version", K_INT, cfg_dest, vault_kv_version),
    FS("recreation_rule", cfg_dest, recreation, rule_d),
    F("omit_extensions", K_BOOL, cfg_dest, omit_extensions),
};
static const sdesc dest_d = SD("config.destinationRule", cfg_dest, dest_f);
static const fdesc indent_f[] = { F("indent", K_INT, cfg_indent, indent) };
static const sdesc json_bin_d = SD("config.JSONBinaryStoreConfig", cfg_indent, indent_f);
static const sdesc json_d = SD("config.JSONStoreConfig", cfg_indent, indent_f);
static const sdesc yaml_d = SD("config.YAMLStoreConfig", cfg_indent, indent_f);
static const sdesc dotenv_d = { "config.DotenvStoreConfig", NULL, 0, 1 };
static const sdesc ini_d = { "config.INIStoreConfig", NULL, 0, 1 };
static const fdesc stores_f[] = {
    FS("dotenv", cfg_stores, dotenv, dotenv_d), FS("ini", cfg_stores, ini, ini_d),
    FS("json_binary", cfg_stores, json_binary, json_bin_d), FS("json", cfg_stores, json, json_d),
    FS("yaml", cfg_stores, yaml, yaml_d),
};
static const sdesc stores_d = SD("config.StoresConfig", cfg_stores, stores_f);
static const fdesc file_f[] = {
    FL("creation_rules", struct cv_sops_config, rules, rule_d, "[]config.creationRule"),
    FL("destination_rules", struct cv_sops_config, dests, dest_d, "[]config.destinationRule"),
    FS("stores", struct cv_sops_config, stores, stores_d),
};
static const sdesc file_d = SD("config.configFile", struct cv_sops_config, file_f);

/* ---- decoding ----------------------------------------------------------- */

typedef struct {
    cv_buf errs; /* yaml.v3's type errors, one "\n  PATH: ..." each */
    bool oom;
    char path[512];
} dec;

static const char *node_tag(const cv_node *n)
{
    static const char *const tags[] = { "!!null", "!!str", "!!int", "!!float", "!!bool",
                                        "!!timestamp", "!!str", "!!map", "!!seq" };
    return tags[n->kind];
}

/* yaml.v3's n.Value for a scalar (numbers in Go's canonical form: the
 * original spelling is not in the tree). */
static const char *node_text(const cv_node *n, char buf[CV_NUM_TEXT_MAX])
{
    switch (n->kind) {
    case CV_NODE_STR: case CV_NODE_TIME: case CV_NODE_COMMENT: return n->s;
    case CV_NODE_INT: cv_node_int_text(n, buf); return buf;
    case CV_NODE_FLOAT: cv_go_float(n->v.f, 'g', buf); return buf;
    case CV_NODE_BOOL: return n->v.b ? "true" : "false";
    default: return "";
    }
}

static void terror(dec *d, const cv_node *n, const char *type)
{
    char buf[CV_NUM_TEXT_MAX], val[32] = "";
    if (n->kind != CV_NODE_MAP && n->kind != CV_NODE_LIST) {
        const char *t = node_text(n, buf);
        size_t len = n->kind == CV_NODE_STR ? n->len : strlen(t);
        if (len > 10)
            snprintf(val, sizeof(val), " `%.7s...`", t);
        else
            snprintf(val, sizeof(val), " `%.*s`", (int)len, t);
    }
    if (!cv_is_ok(cv_buf_addf(&d->errs, "\n  %s: cannot unmarshal %s%s into %s", d->path,
                              node_tag(n), val, type)))
        d->oom = true;
}

static char *dup_text(dec *d, const cv_node *n)
{
    char buf[CV_NUM_TEXT_MAX];
    const char *t = node_text(n, buf);
    size_t len = n->kind == CV_NODE_STR ? n->len : strlen(t);
    char *s = NULL;
    if (!cv_is_ok(cv_strndup(&s, t, len))) d->oom = true;
    return s;
}

static bool is_scalar(const cv_node *n)
{
    return n->kind != CV_NODE_MAP && n->kind != CV_NODE_LIST && n->kind != CV_NODE_NULL;
}

/* Push a path component (a key, or a list index when name is NULL);
 * returns the old length to restore. */
static size_t path_push(dec *d, const char *name, size_t idx)
{
    size_t old = strlen(d->path), cap = sizeof(d->path) - old;
    if (name)
        snprintf(d->path + old, cap, "%s%s", old ? "." : "", name);
    else
        snprintf(d->path + old, cap, "[%zu]", idx);
    return old;
}

static void dec_value(dec *d, const cv_node *n, kind k, const sdesc *sub, const char *st, void *dst);

static void dec_str(dec *d, const cv_node *n, char **dst)
{
    if (n->kind == CV_NODE_NULL) return;
    if (!is_scalar(n)) return terror(d, n, "string");
    free(*dst);
    *dst = dup_text(d, n);
}

static bool yes_no(const cv_node *n, bool *v)
{
    static const char *const yes[] = { "y", "Y", "yes", "Yes", "YES", "on", "On", "ON" };
    static const char *const no[] = { "n", "N", "no", "No", "NO", "off", "Off", "OFF" };
    if (n->kind != CV_NODE_STR) return false;
    for (size_t i = 0; i < 8; i++) {
        if (strcmp(n->s, yes[i]) == 0) return *v = true, true;
        if (strcmp(n->s, no[i]) == 0) return *v = false, true;
    }
    return false;
}

static void dec_bool(dec *d, const cv_node *n, bool *dst)
{
    if (n->kind == CV_NODE_NULL) return;
    if (n->kind == CV_NODE_BOOL) {
        *dst = n->v.b;
        return;
    }
    if (!yes_no(n, dst)) terror(d, n, "bool");
}

/* yaml.v3 into int: integers, and floats that are not above MaxInt64
 * (truncated; NaN fails). */
static void dec_int(dec *d, const cv_node *n, long *dst)
{
    if (n->kind == CV_NODE_NULL) return;
    if (n->kind == CV_NODE_INT) {
        *dst = (long)n->v.i;
        return;
    }
    if (n->kind == CV_NODE_FLOAT && n->v.f <= 9223372036854775807.0) {
        *dst = n->v.f < -9223372036854775807.0 ? (long)INT64_MIN : (long)n->v.f;
        return;
    }
    terror(d, n, "int");
}

static void strv_push(dec *d, cfg_strv *v, char *s)
{
    char **nv = realloc(v->v, (v->n + 1) * sizeof(*nv));
    if (!nv || !s) {
        free(s);
        d->oom = true;
        return;
    }
    v->v = nv;
    v->v[v->n++] = s;
}

static void strv_clear(cfg_strv *v)
{
    for (size_t i = 0; i < v->n; i++) free(v->v[i]);
    free(v->v);
    *v = (cfg_strv){ 0 };
}

/* []string: null items are dropped (yaml.v3 cannot set a string to null). */
static void dec_strv(dec *d, const cv_node *n, cfg_strv *dst)
{
    strv_clear(dst);
    if (n->kind == CV_NODE_NULL) return;
    if (n->kind != CV_NODE_LIST) return terror(d, n, "[]string");
    for (size_t i = 0; i < n->n; i++) {
        const cv_node *it = n->items[i].value;
        if (!it || it->kind == CV_NODE_COMMENT || it->kind == CV_NODE_NULL) continue;
        size_t old = path_push(d, NULL, i);
        if (is_scalar(it))
            strv_push(d, dst, dup_text(d, it));
        else
            terror(d, it, "string");
        d->path[old] = 0;
    }
}

static void dec_any(dec *d, const cv_node *n, cfg_any *dst)
{
    strv_clear(&dst->list);
    free(dst->s);
    *dst = (cfg_any){ .kind = ANY_NIL };
    if (n->kind == CV_NODE_NULL) return;
    if (n->kind == CV_NODE_STR) {
        dst->kind = ANY_STR;
        dst->s = dup_text(d, n);
        return;
    }
    if (n->kind != CV_NODE_LIST) {
        dst->kind = ANY_OTHER;
        dst->bad = cv_node_go_type(n);
        return;
    }
    dst->kind = ANY_LIST;
    for (size_t i = 0; i < n->n; i++) {
        const cv_node *it = n->items[i].value;
        if (!it || it->kind == CV_NODE_COMMENT) continue;
        if (it->kind == CV_NODE_STR)
            strv_push(d, &dst->list, dup_text(d, it));
        else if (!dst->bad)
            dst->bad = cv_node_go_type(it);
    }
}

static void ctx_clear(cfg_kms *k)
{
    for (size_t i = 0; i < k->n_ctx; i++) free(k->ctx[i].key), free(k->ctx[i].value);
    free(k->ctx);
    k->ctx = NULL, k->n_ctx = 0;
}

/* map[string]*string: a null value stays NULL. */
static void dec_ctx(dec *d, const cv_node *n, cfg_kms *k)
{
    ctx_clear(k);
    if (n->kind == CV_NODE_NULL) return;
    if (n->kind != CV_NODE_MAP) return terror(d, n, "map[string]*string");
    for (size_t i = 0; i < n->n; i++) {
        const cv_node *key = n->items[i].key, *v = n->items[i].value;
        if (!key || key->kind != CV_NODE_STR || !v) continue;
        size_t old = path_push(d, key->s, 0);
        if (v->kind == CV_NODE_MAP || v->kind == CV_NODE_LIST) {
            terror(d, v, "string");
        } else {
            cv_sops_kv *nc = realloc(k->ctx, (k->n_ctx + 1) * sizeof(*nc));
            if (!nc) {
                d->oom = true;
            } else {
                k->ctx = nc;
                nc[k->n_ctx].key = dup_text(d, key);
                nc[k->n_ctx++].value = v->kind == CV_NODE_NULL ? NULL : dup_text(d, v);
            }
        }
        d->path[old] = 0;
    }
}

static void dec_struct(dec *d, const cv_node *n, const sdesc *s, void *dst)
{
    if (n->kind == CV_NODE_NULL) return;
    if (n->kind != CV_NODE_MAP) return terror(d, n, s->type);
    for (size_t i = 0; i < n->n; i++) {
        const cv_node *key = n->items[i].key, *v = n->items[i].value;
        if (!key || key->kind != CV_NODE_STR || !v) continue;
        for (size_t f = 0; f < s->n_fields; f++) {
            const fdesc *fd = &s->fields[f];
            if (strcmp(fd->name, key->s) != 0) continue;
            size_t old = path_push(d, key->s, 0);
            dec_value(d, v, fd->k, fd->sub, fd->slice_type, (char *)dst + fd->off);
            d->path[old] = 0;
        }
    }
}

static void free_struct(const sdesc *s, void *p);

static void slice_clear(const sdesc *s, cfg_slice *sl)
{
    for (size_t i = 0; i < sl->n; i++) free_struct(s, (char *)sl->items + i * s->size);
    free(sl->items);
    *sl = (cfg_slice){ 0 };
}

/* []struct: null items are dropped; items of the wrong type too (with an
 * error). */
static void dec_slice(dec *d, const cv_node *n, const sdesc *s, const char *st, cfg_slice *sl)
{
    slice_clear(s, sl);
    if (n->kind == CV_NODE_NULL) return;
    if (n->kind != CV_NODE_LIST) return terror(d, n, st);
    sl->set = true;
    sl->items = calloc(n->n ? n->n : 1, s->size);
    if (!sl->items) {
        d->oom = true;
        return;
    }
    for (size_t i = 0; i < n->n; i++) {
        const cv_node *it = n->items[i].value;
        if (!it || it->kind == CV_NODE_COMMENT || it->kind == CV_NODE_NULL) continue;
        size_t old = path_push(d, NULL, i);
        if (it->kind == CV_NODE_MAP)
            dec_struct(d, it, s, (char *)sl->items + sl->n++ * s->size);
        else
            terror(d, it, s->type);
        d->path[old] = 0;
    }
}

static void dec_value(dec *d, const cv_node *n, kind k, const sdesc *sub, const char *st, void *dst)
{
    switch (k) {
    case K_STR: dec_str(d, n, dst); break;
    case K_INT: dec_int(d, n, dst); break;
    case K_BOOL: dec_bool(d, n, dst); break;
    case K_STRV: dec_strv(d, n, dst); break;
    case K_ANY: dec_any(d, n, dst); break;
    case K_STRUCT: dec_struct(d, n, sub, dst); break;
    case K_SLICE: dec_slice(d, n, sub, st, dst); break;
    case K_CTX: dec_ctx(d, n, (cfg_kms *)((char *)dst - offsetof(cfg_kms, ctx))); break;
    }
}

static void free_struct(const sdesc *s, void *p)
{
    for (size_t f = 0; f < s->n_fields; f++) {
        const fdesc *fd = &s->fields[f];
        void *x = (char *)p + fd->off;
        switch (fd->k) {
        case K_STR: free(*(char **)x); break;
        case K_STRV: strv_clear(x); break;
        case K_ANY: strv_clear(&((cfg_any *)x)->list), free(((cfg_any *)x)->s); break;
        case K_STRUCT: free_struct(fd->sub, x); break;
        case K_SLICE: slice_clear(fd->sub, x); break;
        case K_CTX: ctx_clear((cfg_kms *)((char *)x - offsetof(cfg_kms, ctx))); break;
        default: break;
        }
    }
}

void cv_sops_stores_default(cv_sops_cfg_stores *out)
{
    *out = (cv_sops_cfg_stores){ .yaml_indent = 0, .json_indent = -1, .json_binary_indent = -1 };
}

cv_result cv_sops_config_decode(const cv_doc *doc, cv_sops_config **out)
{
    cv_sops_config *c = calloc(1, sizeof(*c));
    CV_ENSURE(c != NULL, CV_E_NOMEM);
    c->stores.json.indent = c->stores.json_binary.indent = -1;
    dec d = { .oom = false };
    cv_buf_init(&d.errs, 64 * 1024);
    if (doc->n > 0) dec_struct(&d, doc->branches[0], &file_d, c);
    cv_result r = cv_ok();
    if (d.oom)
        r = CV_FAIL(CV_E_NOMEM);
    else if (d.errs.len)
        r = CV_FAILF(CV_E_SOPS_CONFIG,
                     "error loading config: Could not unmarshal config file: yaml: unmarshal errors:%.*s",
                     (int)d.errs.len, (const char *)d.errs.p);
    cv_buf_release(&d.errs);
    if (!cv_is_ok(r)) {
        cv_sops_config_free(&c);
        return r;
    }
    *out = c;
    return cv_ok();
}

void cv_sops_config_free(cv_sops_config **c)
{
    if (!c || !*c) return;
    free_struct(&file_d, *c);
    free(*c);
    *c = NULL;
}

void cv_sops_config_stores(const cv_sops_config *c, cv_sops_cfg_stores *out)
{
    out->yaml_indent = c->stores.yaml.indent;
    out->json_indent = c->stores.json.indent;
    out->json_binary_indent = c->stores.json_binary.indent;
}

/* ---- paths as Go's path/filepath handles them ---------------------------- */

/* filepath.Clean for Unix paths, in place: the result is never longer,
 * except that an empty path becomes "." (p needs room for 2 bytes). */
static void go_clean(char *p)
{
    bool rooted = p[0] == '/';
    size_t r = 0, w = 0, n = strlen(p), dotdot = 0;
    char *out = p;
    if (rooted) out[w++] = '/', r = 1, dotdot = 1;
    while (r < n) {
        if (p[r] == '/') {
            r++;
        } else if (p[r] == '.' && (r + 1 == n || p[r + 1] == '/')) {
            r++;
        } else if (p[r] == '.' && p[r + 1] == '.' && (r + 2 == n || p[r + 2] == '/')) {
            r += 2;
            if (w > dotdot) {
                w--;
                while (w > dotdot && out[w] != '/') w--;
            } else if (!rooted) {
                if (w > 0) out[w++] = '/';
                out[w++] = '.', out[w++] = '.';
                dotdot = w;
            }
        } else {
            if ((rooted && w != 1) || (!rooted && w != 0)) out[w++] = '/';
            for (; r < n && p[r] != '/'; r++) out[w++] = p[r];
        }
    }
    if (w == 0) out[w++] = '.';
    out[w] = 0;
}

/* os.Getwd: $PWD when it names the working directory. */
static cv_result go_getwd(char **out)
{
    const char *pwd = getenv("PWD");
    struct stat a, b;
    if (pwd && pwd[0] == '/' && stat(pwd, &a) == 0 && stat(".", &b) == 0 &&
        a.st_dev == b.st_dev && a.st_ino == b.st_ino)
        return cv_strndup(out, pwd, strlen(pwd));
    char *buf = getcwd(NULL, 0);
    CV_ENSUREF(buf != NULL, CV_E_IO, "getwd: %s", strerror(errno));
    *out = buf;
    return cv_ok();
}

cv_result cv_sops_abs_path(const char *path, char **out)
{
    char *wd = NULL, *s = NULL;
    if (path[0] != '/') CV_GUARD(go_getwd(&wd));
    size_t n = (wd ? strlen(wd) + 1 : 0) + strlen(path) + 1;
    cv_result r = cv_alloc((void **)&s, n);
    if (cv_is_ok(r)) {
        snprintf(s, n, "%s%s%s", wd ? wd : "", wd ? "/" : "", path);
        go_clean(s);
        *out = s;
    }
    free(wd);
    return r;
}

/* filepath.Dir. */
static cv_result go_dir(const char *path, char **out)
{
    const char *slash = strrchr(path, '/');
    size_t n = slash ? (size_t)(slash - path) + 1 : 0;
    CV_GUARD(cv_alloc((void **)out, n + 2)); /* room for "." */
    memcpy(*out, path, n);
    (*out)[n] = 0;
    go_clean(*out);
    return cv_ok();
}

/* ---- choosing the creation rule ------------------------------------------- */

static cv_result relative_to_config(const char *config_path, const char *file_path, char **rel)
{
    char *dir = NULL, *abs = NULL;
    CV_GUARD(go_dir(config_path, &dir));
    cv_result r = cv_sops_abs_path(dir, &abs);
    free(dir);
    CV_GUARD(r);
    size_t n = strlen(abs);
    bool under = strncmp(file_path, abs, n) == 0 && file_path[n] == '/';
    r = cv_strndup(rel, file_path + (under ? n + 1 : 0), strlen(file_path) - (under ? n + 1 : 0));
    free(abs);
    return r;
}

static cv_result rule_matches(const cfg_rule *rule, const char *rel, bool *match)
{
    if (!rule->path_regex || !rule->path_regex[0]) return *match = true, cv_ok();
    cv_goregex *re = NULL;
    cv_result r = cv_goregex_compile(rule->path_regex, &re);
    if (!cv_is_ok(r)) {
        char why[1024];
        snprintf(why, sizeof(why), "%s", cv_err_detail());
        CV_BAILF(r.err, "can not compile regexp: %s", why);
    }
    *match = cv_goregex_match(re, rel, strlen(rel));
    cv_goregex_free(&re);
    return cv_ok();
}

static cv_result pick_rule(const cv_sops_config *c, const char *rel, const cfg_rule **out)
{
    const cfg_rule *rules = c->rules.items;
    for (size_t i = 0; i < c->rules.n; i++) {
        bool m;
        CV_GUARD(rule_matches(&rules[i], rel, &m));
        if (m) return *out = &rules[i], cv_ok();
    }
    CV_BAILF(CV_E_SOPS_NO_RULE, "error loading config: no matching creation rules found");
}

static cv_result rule_selection(const cfg_rule *rule, cv_sops_cfg_rule *out)
{
    size_t count = 0;
    for (size_t i = 0; i < SEL_COUNT; i++) {
        if (!rule->sel[i] || !rule->sel[i][0]) continue;
        count++;
        out->selection = (cv_sops_selection)(i + 1);
        free(out->selection_value);
        CV_GUARD(cv_strndup(&out->selection_value, rule->sel[i], strlen(rule->sel[i])));
    }
    CV_ENSUREF(count <= 1, CV_E_SOPS_CONFIG,
               "error loading config: cannot use more than one of encrypted_suffix, "
               "unencrypted_suffix, encrypted_regex, unencrypted_regex, encrypted_comment_regex, "
               "or unencrypted_comment_regex for the same rule");
    return cv_ok();
}

cv_result cv_sops_config_rule(const cv_sops_config *c, const char *config_path,
                              const char *file_path, const cv_sops_kv *kms_context,
                              size_t n_kms_context, cv_sops_cfg_rule **out)
{
    *out = NULL;
    if (!c->rules.set) return cv_ok();
    char *rel = NULL;
    CV_GUARD(relative_to_config(config_path, file_path, &rel));
    const cfg_rule *rule = NULL;
    cv_result r = pick_rule(c, rel, &rule);
    free(rel);
    CV_GUARD(r);
    cv_sops_cfg_rule *res = calloc(1, sizeof(*res));
    CV_ENSURE(res != NULL, CV_E_NOMEM);
    res->shamir_threshold = rule->shamir;
    res->mac_only_encrypted = rule->mac_only;
    r = rule_selection(rule, res);
    if (cv_is_ok(r)) r = cv_sops_rule_groups(rule, kms_context, n_kms_context, res);
    if (!cv_is_ok(r)) {
        cv_sops_cfg_rule_free(&res);
        return r;
    }
    *out = res;
    return cv_ok();
}

void cv_sops_cfg_rule_free(cv_sops_cfg_rule **r)
{
    if (!r || !*r) return;
    for (size_t g = 0; g < (*r)->n_groups; g++) {
        for (size_t k = 0; k < (*r)->groups[g].n; k++) cv_sops_key_clear(&(*r)->groups[g].keys[k]);
        free((*r)->groups[g].keys);
    }
    free((*r)->groups);
    free((*r)->selection_value);
    free(*r);
    *r = NULL;
}

/* ---- lookup ------------------------------------------------------------------ */

static cv_result quoted(const char *s, char *out, size_t cap)
{
    cv_quote(out, cap, cv_slice_str(s));
    return cv_ok();
}

static cv_result lookup_warning(const char *alt, const char *found, char **warning)
{
    char a[1100], f[1100], msg[3400];
    CV_GUARD(quoted(alt, a, sizeof(a)));
    CV_GUARD(quoted(found ? found : "", f, sizeof(f)));
    int n = snprintf(msg, sizeof(msg),
                     "ignoring %s when searching for config file; the config file must be called "
                     "\".sops.yaml\"%s%s",
                     a, found ? "; using " : "", found ? f : "");
    if (found && n > 0 && (size_t)n < sizeof(msg))
        n += snprintf(msg + n, sizeof(msg) - (size_t)n, " instead");
    return cv_strndup(warning, msg, (size_t)n < sizeof(msg) ? (size_t)n : sizeof(msg) - 1);
}

/* sops looks in ".", "..", "../.." and so on, a hundred levels; past the
 * root every "../" names the root again, so levels beyond the working
 * directory's depth cannot find anything the root did not. */
static unsigned lookup_levels(void)
{
    char cwd[4096];
    if (getcwd(cwd, sizeof(cwd)) == NULL) return CV_SOPS_CONFIG_MAX_DEPTH;
    unsigned depth = 0;
    for (const char *p = cwd; *p; p++)
        if (*p == '/' && p[1] != '\0' && p[1] != '/') depth++;
    return depth + 1 < CV_SOPS_CONFIG_MAX_DEPTH ? depth + 1 : CV_SOPS_CONFIG_MAX_DEPTH;
}

cv_result cv_sops_config_lookup(char **path, char **warning)
{
    *path = NULL, *warning = NULL;
    char dir[3 * CV_SOPS_CONFIG_MAX_DEPTH + 2] = ".", cand[sizeof(dir) + 16], alt[sizeof(cand)] = "";
    struct stat st;
    unsigned levels = lookup_levels();
    for (unsigned i = 0; i < levels; i++) {
        snprintf(cand, sizeof(cand), "%s%s.sops.yaml", i ? dir : "", i ? "/" : "");
        if (stat(cand, &st) == 0) {
            if (alt[0]) CV_GUARD(lookup_warning(alt, cand, warning));
            return cv_strndup(path, cand, strlen(cand));
        }
        if (!alt[0]) {
            snprintf(cand, sizeof(cand), "%s%s.sops.yml", i ? dir : "", i ? "/" : "");
            if (stat(cand, &st) == 0) snprintf(alt, sizeof(alt), "%s", cand);
        }
        if (i == 0)
            snprintf(dir, sizeof(dir), "..");
        else
            snprintf(dir + strlen(dir), sizeof(dir) - strlen(dir), "/..");
    }
    if (alt[0]) CV_GUARD(lookup_warning(alt, NULL, warning));
    CV_BAILF(CV_E_SOPS_CONFIG_NOT_FOUND, "config file not found");
}

const char *cv_sops_key_type_name(cv_sops_key_type t)
{
    static const char *const names[] = { "age", "pgp", "kms", "gcp_kms", "azure_kv", "hc_vault",
                                         "hckms" };
    return (unsigned)t < 7 ? names[t] : "";
}

const char *cv_sops_selection_name(cv_sops_selection s)
{
    static const char *const names[] = { "", "unencrypted_suffix", "encrypted_suffix",
                                         "unencrypted_regex", "encrypted_regex",
                                         "unencrypted_comment_regex", "encrypted_comment_regex" };
    return (unsigned)s < 7 ? names[s] : "";
}
