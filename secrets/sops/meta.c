#include "secrets/sops/meta.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "crypto/base/limits.h"
#include "secrets/doc/num.h"

static const char *const type_names[CV_SOPS_NKEYTYPES] = {
    [CV_SOPS_KMS] = "kms",         [CV_SOPS_GCP_KMS] = "gcp_kms",
    [CV_SOPS_HCKMS] = "hckms",     [CV_SOPS_AZURE_KV] = "azure_kv",
    [CV_SOPS_HC_VAULT] = "hc_vault", [CV_SOPS_PGP] = "pgp",
    [CV_SOPS_AGE] = "age",
};

/* Sorted, as sops 3.13 writes them. */
static const char *const fields[CV_SOPS_NKEYTYPES][CV_SOPS_KEY_FIELDS + 1] = {
    [CV_SOPS_KMS] = { "arn", "aws_profile", "context", "created_at", "enc", "role", NULL },
    [CV_SOPS_GCP_KMS] = { "created_at", "enc", "resource_id", NULL },
    [CV_SOPS_HCKMS] = { "created_at", "enc", "key_id", NULL },
    [CV_SOPS_AZURE_KV] = { "created_at", "enc", "name", "vault_url", "version", NULL },
    [CV_SOPS_HC_VAULT] = { "created_at", "enc", "engine_path", "key_name", "vault_address", NULL },
    [CV_SOPS_PGP] = { "created_at", "enc", "fp", NULL },
    [CV_SOPS_AGE] = { "enc", "recipient", NULL },
};

static const char *const rule_names[CV_SOPS_NRULES] = {
    "unencrypted_suffix", "encrypted_suffix", "unencrypted_regex",
    "encrypted_regex", "unencrypted_comment_regex", "encrypted_comment_regex",
};

const char *cv_sops_keytype_name(cv_sops_keytype t) { return type_names[t]; }
const char *const *cv_sops_key_fields(cv_sops_keytype t) { return fields[t]; }
const char *cv_sops_rule_name(cv_sops_rule r) { return rule_names[r]; }

static int field_index(cv_sops_keytype t, const char *name)
{
    for (int i = 0; fields[t][i]; i++)
        if (strcmp(fields[t][i], name) == 0) return i;
    return -1;
}

cv_slice cv_sops_key_get(const cv_sops_key *k, const char *field)
{
    int i = field_index(k->type, field);
    if (i < 0 || k->f[i] == NULL) return cv_slice_of("", 0);
    return cv_slice_of(k->f[i], k->flen[i]);
}

cv_result cv_sops_key_set(cv_doc *d, cv_sops_key *k, const char *field, cv_slice v)
{
    int i = field_index(k->type, field);
    CV_BUG_ON(i < 0);
    char *s;
    CV_GUARD(cv_arena_strndup(d->arena, v.p, v.len, &s));
    k->f[i] = s;
    k->flen[i] = v.len;
    return cv_ok();
}

bool cv_sops_meta_rule(const cv_sops_meta *m, cv_sops_rule *rule, const char **value)
{
    for (int r = 0; r < CV_SOPS_NRULES; r++)
        if (m->rule[r]) {
            *rule = (cv_sops_rule)r;
            *value = m->rule[r];
            return true;
        }
    return false;
}

cv_result cv_sops_group_add(cv_doc *d, cv_sops_group *g, const cv_sops_key *k)
{
    CV_GUARD(cv_arena_grow(d->arena, (void **)&g->keys, &g->cap, g->n + 1, sizeof(*k)));
    g->keys[g->n++] = *k;
    return cv_ok();
}

cv_result cv_sops_meta_add_group(cv_doc *d, cv_sops_meta *m, cv_sops_group **out)
{
    CV_GUARD(cv_arena_grow(d->arena, (void **)&m->groups, &m->cap_groups, m->n_groups + 1,
                           sizeof(cv_sops_group)));
    *out = &m->groups[m->n_groups++];
    memset(*out, 0, sizeof(**out));
    return cv_ok();
}

/* ---- reading: mapstructure's weakly typed decoding --------------------------- */

/* Field lookup: exact name first, then case-insensitively (mapstructure). */
static const cv_node *field(const cv_node *map, const char *name)
{
    long i = cv_map_find(map, name, strlen(name));
    if (i >= 0) return map->items[i].value;
    for (size_t j = 0; map && j < map->n; j++) {
        const cv_node *k = map->items[j].key;
        if (k->kind == CV_NODE_STR && strlen(k->s) == k->len && strcasecmp(k->s, name) == 0)
            return map->items[j].value;
    }
    return NULL;
}

static cv_result weak_str(cv_doc *d, const cv_node *n, const char *name, const char **out,
                          size_t *len)
{
    char num[CV_NUM_TEXT_MAX];
    size_t l;
    *out = NULL;
    *len = 0;
    if (n == NULL || n->kind == CV_NODE_NULL) return cv_ok();
    switch (n->kind) {
    case CV_NODE_STR: *out = n->s; *len = n->len; return cv_ok();
    case CV_NODE_INT: l = cv_node_int_text(n, num); break;
    case CV_NODE_FLOAT: l = cv_go_float(n->v.f, 'f', num); break;
    case CV_NODE_BOOL: l = 1; num[0] = n->v.b ? '1' : '0'; break;
    default: CV_BAILF(CV_E_SOPS_METADATA, "'%s' expected type 'string'", name);
    }
    char *s;
    CV_GUARD(cv_arena_strndup(d->arena, num, l, &s));
    *out = s;
    *len = l;
    return cv_ok();
}

static cv_result weak_int(const cv_node *n, const char *name, int *out)
{
    *out = 0;
    if (n == NULL || n->kind == CV_NODE_NULL) return cv_ok();
    int64_t v = 0;
    if (n->kind == CV_NODE_INT) v = n->v.i;
    else if (n->kind == CV_NODE_BOOL) v = n->v.b;
    else if (n->kind == CV_NODE_FLOAT) v = (int64_t)n->v.f;
    else if (n->kind == CV_NODE_STR && n->len == 0) v = 0;
    else if (n->kind == CV_NODE_STR) {
        char *end;
        char buf[32];
        CV_ENSUREF(n->len < sizeof(buf), CV_E_SOPS_METADATA, "cannot parse '%s' as int", name);
        memcpy(buf, n->s, n->len + 1);
        v = strtoll(buf, &end, 0);
        CV_ENSUREF(*end == '\0', CV_E_SOPS_METADATA, "cannot parse '%s' as int", name);
    } else {
        CV_BAILF(CV_E_SOPS_METADATA, "'%s' expected type 'int'", name);
    }
    CV_ENSUREF(v >= -2147483647 && v <= 2147483647, CV_E_SOPS_METADATA, "'%s' out of range", name);
    *out = (int)v;
    return cv_ok();
}

static cv_result weak_bool(const cv_node *n, const char *name, bool *out)
{
    *out = false;
    if (n == NULL || n->kind == CV_NODE_NULL) return cv_ok();
    if (n->kind == CV_NODE_BOOL) *out = n->v.b;
    else if (n->kind == CV_NODE_INT) *out = n->v.i != 0;
    else if (n->kind == CV_NODE_FLOAT) *out = n->v.f != 0;
    else if (n->kind == CV_NODE_STR && n->len == 0) *out = false;
    else if (n->kind == CV_NODE_STR)
        CV_ENSUREF(cv_is_ok(cv_go_parse_bool(cv_slice_of(n->s, n->len), out)),
                   CV_E_SOPS_METADATA, "cannot parse '%s' as bool", name);
    else CV_BAILF(CV_E_SOPS_METADATA, "'%s' expected type 'bool'", name);
    return cv_ok();
}

static cv_result read_time(cv_slice s, const char *name, cv_gotime *t)
{
    CV_ENSUREF(cv_is_ok(cv_gotime_parse_rfc3339(s, t)), CV_E_SOPS_METADATA,
               "parsing time \"%.*s\" for %s as RFC 3339", (int)(s.len > 64 ? 64 : s.len),
               (const char *)s.p, name);
    return cv_ok();
}

static cv_result read_key(cv_doc *d, cv_sops_keytype t, const cv_node *map, cv_sops_key *k)
{
    CV_ENSUREF(map && map->kind == CV_NODE_MAP, CV_E_SOPS_METADATA,
               "'%s' entries must be maps", type_names[t]);
    memset(k, 0, sizeof(*k));
    k->type = t;
    for (int i = 0; fields[t][i]; i++) {
        const cv_node *v = field(map, fields[t][i]);
        if (strcmp(fields[t][i], "context") == 0) {
            CV_ENSUREF(v == NULL || v->kind == CV_NODE_NULL || v->kind == CV_NODE_MAP,
                       CV_E_SOPS_METADATA, "'context' expected a map");
            k->context = v && v->kind == CV_NODE_MAP ? v : NULL;
            continue;
        }
        CV_GUARD(weak_str(d, v, fields[t][i], &k->f[i], &k->flen[i]));
    }
    if (t != CV_SOPS_AGE)
        CV_GUARD(read_time(cv_sops_key_get(k, "created_at"), "created_at", &k->created));
    return cv_ok();
}

/* A list of key maps; a single map is lifted to a list of one. */
static cv_result read_keys(cv_doc *d, const cv_node *map, cv_sops_keytype t, cv_sops_group *g)
{
    const cv_node *l = field(map, type_names[t]);
    if (l == NULL || l->kind == CV_NODE_NULL) return cv_ok();
    cv_sops_key k;
    if (l->kind == CV_NODE_MAP) {
        CV_GUARD(read_key(d, t, l, &k));
        return cv_sops_group_add(d, g, &k);
    }
    CV_ENSUREF(l->kind == CV_NODE_LIST, CV_E_SOPS_METADATA, "'%s' must be a list",
               type_names[t]);
    for (size_t i = 0; i < l->n; i++) {
        if (l->items[i].value->kind == CV_NODE_COMMENT) continue;
        CV_GUARD(read_key(d, t, l->items[i].value, &k));
        CV_GUARD(cv_sops_group_add(d, g, &k));
    }
    return cv_ok();
}

static cv_result read_group(cv_doc *d, const cv_node *map, cv_sops_group *g)
{
    for (int t = 0; t < CV_SOPS_NKEYTYPES; t++)
        CV_GUARD(read_keys(d, map, (cv_sops_keytype)t, g));
    return cv_ok();
}

static cv_result read_groups(cv_doc *d, const cv_node *map, cv_sops_meta *m)
{
    cv_sops_group top = { 0 }, *g;
    CV_GUARD(read_group(d, map, &top));
    if (top.n > 0) {
        CV_GUARD(cv_sops_meta_add_group(d, m, &g));
        *g = top;
        return cv_ok();
    }
    const cv_node *kg = field(map, "key_groups");
    if (kg && kg->kind == CV_NODE_MAP) {
        CV_GUARD(cv_sops_meta_add_group(d, m, &g));
        return read_group(d, kg, g);
    }
    CV_ENSUREF(kg && kg->kind == CV_NODE_LIST && kg->n > 0, CV_E_SOPS_METADATA,
               "No keys found in file");
    for (size_t i = 0; i < kg->n; i++) {
        const cv_node *gm = kg->items[i].value;
        if (gm->kind == CV_NODE_COMMENT) continue;
        CV_ENSUREF(gm->kind == CV_NODE_MAP, CV_E_SOPS_METADATA, "key_groups items must be maps");
        CV_GUARD(cv_sops_meta_add_group(d, m, &g));
        CV_GUARD(read_group(d, gm, g));
    }
    return cv_ok();
}

static cv_result read_rules(cv_doc *d, const cv_node *map, cv_sops_meta *m)
{
    int count = 0;
    for (int r = 0; r < CV_SOPS_NRULES; r++) {
        size_t l;
        CV_GUARD(weak_str(d, field(map, rule_names[r]), rule_names[r], &m->rule[r], &l));
        if (l == 0) m->rule[r] = NULL;
        else count++;
    }
    CV_ENSUREF(count <= 1, CV_E_SOPS_METADATA,
               "Cannot use more than one of encrypted_suffix, unencrypted_suffix, "
               "encrypted_regex, unencrypted_regex, encrypted_comment_regex, or "
               "unencrypted_comment_regex in the same file");
    /* A file without a rule gets sops's default (and is written with it). */
    if (count == 0) m->rule[CV_SOPS_RULE_UNENCRYPTED_SUFFIX] = "_unencrypted";
    return cv_ok();
}

cv_result cv_sops_meta_read(cv_doc *d, const cv_node *map, cv_sops_meta *m)
{
    memset(m, 0, sizeof(*m));
    CV_ENSUREF(map && map->kind == CV_NODE_MAP, CV_E_SOPS_METADATA,
               "Found sops entry that is not a mapping");
    const char *lm;
    size_t lml, vl;
    CV_GUARD(weak_str(d, field(map, "lastmodified"), "lastmodified", &lm, &lml));
    CV_GUARD(weak_str(d, field(map, "mac"), "mac", &m->mac, &m->mac_len));
    CV_GUARD(weak_str(d, field(map, "version"), "version", &m->version, &vl));
    CV_GUARD(weak_int(field(map, "shamir_threshold"), "shamir_threshold", &m->shamir_threshold));
    CV_GUARD(weak_bool(field(map, "mac_only_encrypted"), "mac_only_encrypted",
                       &m->mac_only_encrypted));
    CV_GUARD(read_groups(d, map, m));
    CV_GUARD(read_time(cv_slice_of(lm ? lm : "", lml), "lastmodified", &m->lastmodified));
    if (m->mac == NULL) m->mac = "";
    if (m->version == NULL) m->version = "";
    return read_rules(d, map, m);
}

/* ---- writing: what sops 3.13.2 emits ------------------------------------------ */

static cv_result add_text(cv_doc *d, cv_node *map, const char *key, const char *s, size_t len)
{
    cv_node *v;
    CV_GUARD(cv_node_text(d, CV_NODE_STR, s ? s : "", s ? len : 0, &v));
    return cv_map_add(d, map, key, strlen(key), v);
}

static cv_result write_key(cv_doc *d, const cv_sops_key *k, cv_node **out)
{
    CV_GUARD(cv_node_new(d, CV_NODE_MAP, out));
    for (int i = 0; fields[k->type][i]; i++) {
        const char *name = fields[k->type][i];
        if (strcmp(name, "context") == 0) {
            if (k->context == NULL || k->context->n == 0) continue;
            cv_node *c;
            CV_GUARD(cv_node_clone(d, k->context, &c));
            CV_GUARD(cv_map_add(d, *out, name, strlen(name), c));
        } else if (strcmp(name, "created_at") == 0) {
            char t[CV_GOTIME_TEXT_MAX];
            CV_GUARD(add_text(d, *out, name, t, cv_gotime_format(&k->created, false, t)));
        } else if (strcmp(name, "role") == 0 && k->flen[i] == 0) {
            continue; /* omitempty */
        } else {
            CV_GUARD(add_text(d, *out, name, k->f[i], k->flen[i]));
        }
    }
    return cv_ok();
}

/* The list of one type's keys in g; *out NULL when there are none. */
static cv_result write_keys(cv_doc *d, const cv_sops_group *g, cv_sops_keytype t, cv_node **out)
{
    *out = NULL;
    for (size_t i = 0; i < g->n; i++) {
        if (g->keys[i].type != t) continue;
        if (*out == NULL) CV_GUARD(cv_node_new(d, CV_NODE_LIST, out));
        cv_node *k;
        CV_GUARD(write_key(d, &g->keys[i], &k));
        CV_GUARD(cv_node_append(d, *out, NULL, k));
    }
    return cv_ok();
}

/* Alphabetical type order, as written. */
static const cv_sops_keytype sorted_types[CV_SOPS_NKEYTYPES] = {
    CV_SOPS_AGE, CV_SOPS_AZURE_KV, CV_SOPS_GCP_KMS, CV_SOPS_HC_VAULT,
    CV_SOPS_HCKMS, CV_SOPS_KMS, CV_SOPS_PGP,
};

static bool is_sorted_before(cv_sops_keytype t, const char *name)
{
    return strcmp(type_names[t], name) < 0;
}

/* Key lists of a group whose names sort before `limit` (NULL: all). Inside
 * key_groups, age and hc_vault are written even when empty. */
static cv_result write_group_keys(cv_doc *d, const cv_sops_group *g, cv_node *map,
                                  const char *from, const char *limit, bool in_group)
{
    for (int i = 0; i < CV_SOPS_NKEYTYPES; i++) {
        cv_sops_keytype t = sorted_types[i];
        if (from && is_sorted_before(t, from)) continue;
        if (limit && !is_sorted_before(t, limit)) continue;
        cv_node *l;
        CV_GUARD(write_keys(d, g, t, &l));
        if (l == NULL && in_group && (t == CV_SOPS_AGE || t == CV_SOPS_HC_VAULT))
            CV_GUARD(cv_node_new(d, CV_NODE_LIST, &l));
        if (l) CV_GUARD(cv_map_add(d, map, type_names[t], strlen(type_names[t]), l));
    }
    return cv_ok();
}

static cv_result write_rule(cv_doc *d, const cv_sops_meta *m, cv_node *map, cv_sops_rule r)
{
    cv_sops_rule cur;
    const char *v;
    if (!cv_sops_meta_rule(m, &cur, &v) || cur != r) return cv_ok();
    return add_text(d, map, rule_names[r], v, strlen(v));
}

static cv_result write_key_groups(cv_doc *d, const cv_sops_meta *m, cv_node *map)
{
    if (m->n_groups <= 1) return cv_ok();
    cv_node *l;
    CV_GUARD(cv_node_new(d, CV_NODE_LIST, &l));
    for (size_t i = 0; i < m->n_groups; i++) {
        cv_node *g;
        CV_GUARD(cv_node_new(d, CV_NODE_MAP, &g));
        CV_GUARD(write_group_keys(d, &m->groups[i], g, NULL, NULL, true));
        CV_GUARD(cv_node_append(d, l, NULL, g));
    }
    return cv_map_add(d, map, "key_groups", 10, l);
}

cv_result cv_sops_meta_write(cv_doc *d, const cv_sops_meta *m, cv_node **out)
{
    static const cv_sops_group none = { 0 };
    const cv_sops_group *g = m->n_groups == 1 ? &m->groups[0] : &none;
    cv_node *map, *v;
    char t[CV_GOTIME_TEXT_MAX];
    CV_GUARD(cv_node_new(d, CV_NODE_MAP, &map));
    /* age, azure_kv */
    CV_GUARD(write_group_keys(d, g, map, NULL, "encrypted", false));
    CV_GUARD(write_rule(d, m, map, CV_SOPS_RULE_ENCRYPTED_COMMENT_REGEX));
    CV_GUARD(write_rule(d, m, map, CV_SOPS_RULE_ENCRYPTED_REGEX));
    CV_GUARD(write_rule(d, m, map, CV_SOPS_RULE_ENCRYPTED_SUFFIX));
    /* gcp_kms, hc_vault, hckms */
    CV_GUARD(write_group_keys(d, g, map, "encrypted", "key_groups", false));
    CV_GUARD(write_key_groups(d, m, map));
    /* kms */
    CV_GUARD(write_group_keys(d, g, map, "key_groups", "lastmodified", false));
    CV_GUARD(add_text(d, map, "lastmodified", t, cv_gotime_format(&m->lastmodified, false, t)));
    CV_GUARD(add_text(d, map, "mac", m->mac, m->mac_len));
    if (m->mac_only_encrypted) {
        CV_GUARD(cv_node_bool(d, true, &v));
        CV_GUARD(cv_map_add(d, map, "mac_only_encrypted", 18, v));
    }
    /* pgp */
    CV_GUARD(write_group_keys(d, g, map, "mac_only_encrypted", NULL, false));
    if (m->shamir_threshold) {
        CV_GUARD(cv_node_int(d, m->shamir_threshold, &v));
        CV_GUARD(cv_map_add(d, map, "shamir_threshold", 16, v));
    }
    CV_GUARD(write_rule(d, m, map, CV_SOPS_RULE_UNENCRYPTED_COMMENT_REGEX));
    CV_GUARD(write_rule(d, m, map, CV_SOPS_RULE_UNENCRYPTED_REGEX));
    CV_GUARD(write_rule(d, m, map, CV_SOPS_RULE_UNENCRYPTED_SUFFIX));
    CV_GUARD(add_text(d, map, "version", m->version, strlen(m->version)));
    *out = map;
    return cv_ok();
}
