#include "secrets/sops/store.h"

#include <string.h>

#include "secrets/doc/binary.h"
#include "secrets/doc/dotenv.h"
#include "secrets/doc/flatten.h"
#include "secrets/doc/ini.h"
#include "secrets/doc/json.h"
#include "secrets/doc/yaml.h"

typedef struct {
    const char *name;
    cv_result (*load)(cv_slice in, cv_doc *d);
    cv_result (*emit)(const cv_doc *d, int indent, cv_buf *out);
    cv_result (*emit_value)(const cv_node *n, int indent, cv_buf *out);
} store_ops;

static const store_ops stores[] = {
    [CV_STORE_BINARY] = { "binary", cv_binary_load, cv_binary_emit, cv_json_emit_value },
    [CV_STORE_DOTENV] = { "dotenv", cv_dotenv_load, cv_dotenv_emit, cv_dotenv_emit_value },
    [CV_STORE_INI] = { "ini", cv_ini_load, cv_ini_emit, cv_ini_emit_value },
    [CV_STORE_JSON] = { "json", cv_json_load, cv_json_emit, cv_json_emit_value },
    [CV_STORE_YAML] = { "yaml", cv_yaml_load, cv_yaml_emit, cv_yaml_emit_value },
};

static bool ends_with(const char *s, const char *suffix)
{
    size_t l = strlen(s), n = strlen(suffix);
    return l >= n && memcmp(s + l - n, suffix, n) == 0;
}

cv_store cv_store_for_path(const char *path)
{
    if (ends_with(path, ".yaml") || ends_with(path, ".yml")) return CV_STORE_YAML;
    if (ends_with(path, ".json")) return CV_STORE_JSON;
    if (ends_with(path, ".env")) return CV_STORE_DOTENV;
    if (ends_with(path, ".ini")) return CV_STORE_INI;
    return CV_STORE_BINARY;
}

bool cv_store_from_name(const char *name, cv_store *out)
{
    for (size_t i = 0; i < sizeof(stores) / sizeof(stores[0]); i++)
        if (name && strcmp(name, stores[i].name) == 0) {
            *out = (cv_store)i;
            return true;
        }
    return false;
}

const char *cv_store_name(cv_store s) { return stores[s].name; }

cv_result cv_store_load_plain(cv_store s, cv_slice in, cv_doc *d)
{
    return stores[s].load(in, d);
}

cv_result cv_store_emit_plain(cv_store s, const cv_doc *d, int indent, cv_buf *out)
{
    return stores[s].emit(d, indent, out);
}

cv_result cv_store_emit_value(cv_store s, const cv_node *n, int indent, cv_buf *out)
{
    return stores[s].emit_value(n, indent, out);
}

/* ---- metadata in and out ------------------------------------------------------------ */

#define PREFIX "sops_"

/* dotenv: every `sops_` key of branch 0 is a flattened metadata entry. */
static cv_result take_flat_prefixed(cv_doc *d, cv_node **flat)
{
    CV_GUARD(cv_node_new(d, CV_NODE_MAP, flat));
    cv_node *b = d->branches[0];
    for (size_t i = 0; i < b->n;) {
        cv_node *k = b->items[i].key;
        if (k->kind == CV_NODE_STR && k->len >= 5 && memcmp(k->s, PREFIX, 5) == 0) {
            CV_GUARD(cv_map_add(d, *flat, k->s + 5, k->len - 5, b->items[i].value));
            cv_node_remove(b, i);
        } else {
            i++;
        }
    }
    return cv_ok();
}

/* Other stores: the `sops` key, read from document 0, removed from all. */
static cv_result take_nested(cv_doc *d, cv_node **meta)
{
    *meta = NULL;
    for (size_t bi = 0; bi < d->n; bi++) {
        cv_node *b = d->branches[bi];
        long i;
        while ((i = cv_map_find(b, "sops", 4)) >= 0) {
            if (bi == 0) {
                CV_ENSUREF(*meta == NULL, CV_E_SOPS_METADATA, "Found duplicate sops entry");
                CV_ENSUREF(b->items[i].value && b->items[i].value->kind == CV_NODE_MAP,
                           CV_E_SOPS_METADATA, "Found sops entry that is not a mapping");
                *meta = b->items[i].value;
            }
            cv_node_remove(b, (size_t)i);
        }
    }
    return cv_ok();
}

/* INI keeps metadata newlines as the two characters \n. */
static cv_result unescape_newlines(cv_doc *d, cv_node *flat)
{
    for (size_t i = 0; i < flat->n; i++) {
        cv_node *v = flat->items[i].value;
        if (v == NULL || v->kind != CV_NODE_STR || memmem(v->s, v->len, "\\n", 2) == NULL)
            continue;
        cv_buf b;
        cv_buf_init(&b, v->len + 1);
        cv_result r = cv_ok();
        for (size_t j = 0; j < v->len && cv_is_ok(r); j++) {
            if (v->s[j] == '\\' && j + 1 < v->len && v->s[j + 1] == 'n') {
                r = cv_buf_add_byte(&b, '\n');
                j++;
            } else {
                r = cv_buf_add_byte(&b, (uint8_t)v->s[j]);
            }
        }
        if (cv_is_ok(r)) r = cv_node_set_text(d, v, CV_NODE_STR, b.p, b.len);
        cv_buf_release(&b);
        CV_GUARD(r);
    }
    return cv_ok();
}

static cv_result escape_newlines(cv_doc *d, cv_node *flat)
{
    for (size_t i = 0; i < flat->n; i++) {
        cv_node *v = flat->items[i].value;
        if (v == NULL || v->kind != CV_NODE_STR || memchr(v->s, '\n', v->len) == NULL) continue;
        cv_buf b;
        cv_buf_init(&b, 2 * v->len + 1);
        cv_result r = cv_ok();
        for (size_t j = 0; j < v->len && cv_is_ok(r); j++)
            r = v->s[j] == '\n' ? cv_buf_add_str(&b, "\\n") : cv_buf_add_byte(&b, (uint8_t)v->s[j]);
        if (cv_is_ok(r)) r = cv_node_set_text(d, v, CV_NODE_STR, b.p, b.len);
        cv_buf_release(&b);
        CV_GUARD(r);
    }
    return cv_ok();
}

cv_result cv_store_load_encrypted(cv_store s, cv_slice in, cv_doc *d, cv_sops_meta *m)
{
    /* Encrypted binary files are JSON. */
    CV_GUARD(cv_store_load_plain(s == CV_STORE_BINARY ? CV_STORE_JSON : s, in, d));
    CV_ENSURE(d->n > 0, CV_E_SOPS_NO_METADATA);
    cv_node *meta;
    if (s == CV_STORE_DOTENV) {
        cv_node *flat;
        CV_GUARD(take_flat_prefixed(d, &flat));
        CV_ENSURE(flat->n > 0, CV_E_SOPS_NO_METADATA);
        CV_GUARD(cv_unflatten(d, flat, &meta));
    } else {
        CV_GUARD(take_nested(d, &meta));
        CV_ENSURE(meta != NULL, CV_E_SOPS_NO_METADATA);
        if (s == CV_STORE_INI) {
            CV_GUARD(unescape_newlines(d, meta));
            CV_GUARD(cv_unflatten(d, meta, &meta));
        }
    }
    return cv_sops_meta_read(d, meta, m);
}

static cv_result check_reserved(const cv_doc *d, cv_store s)
{
    for (size_t bi = 0; bi < d->n; bi++) {
        const cv_node *b = d->branches[bi];
        for (size_t i = 0; i < b->n; i++) {
            const cv_node *k = b->items[i].key;
            if (k->kind != CV_NODE_STR) continue;
            if (s == CV_STORE_DOTENV && k->len >= 5 && memcmp(k->s, PREFIX, 5) == 0)
                CV_BAILF(CV_E_SOPS_METADATA, "Found key \"%s\" in encrypted data, which starts "
                                             "with the reserved key prefix \"sops_\" for SOPS "
                                             "metadata", k->s);
            if (s != CV_STORE_DOTENV && k->len == 4 && memcmp(k->s, "sops", 4) == 0)
                CV_BAILF(CV_E_SOPS_METADATA, "Found key \"sops\" in encrypted data, which is a "
                                             "reserved key used for SOPS metadata");
        }
    }
    return cv_ok();
}

static cv_result append_meta(cv_doc *d, cv_store s, cv_node *meta)
{
    if (s == CV_STORE_DOTENV) {
        cv_node *flat;
        CV_GUARD(cv_flatten(d, meta, cv_slice_str(PREFIX), &flat));
        for (size_t i = 0; i < flat->n; i++)
            CV_GUARD(cv_node_append(d, d->branches[0], flat->items[i].key, flat->items[i].value));
        return cv_ok();
    }
    if (s == CV_STORE_INI) {
        CV_GUARD(cv_flatten(d, meta, cv_slice_of("", 0), &meta));
        CV_GUARD(escape_newlines(d, meta));
    }
    for (size_t bi = 0; bi < d->n; bi++)
        CV_GUARD(cv_map_add(d, d->branches[bi], "sops", 4, meta));
    return cv_ok();
}

cv_result cv_store_emit_encrypted(cv_store s, cv_doc *d, const cv_sops_meta *m, int indent,
                                  cv_buf *out)
{
    CV_GUARD(check_reserved(d, s));
    cv_node *meta;
    CV_GUARD(cv_sops_meta_write(d, m, &meta));
    /* The metadata is appended for the emitter and taken off after: the
     * tree is left as it was, and may be emitted again. */
    size_t *had;
    CV_GUARD(cv_arena_alloc(d->arena, d->n * sizeof(*had), (void **)&had));
    for (size_t i = 0; i < d->n; i++) had[i] = d->branches[i]->n;
    cv_result r = append_meta(d, s, meta);
    /* Encrypted binary files are JSON. */
    if (cv_is_ok(r)) r = cv_store_emit_plain(s == CV_STORE_BINARY ? CV_STORE_JSON : s, d, indent, out);
    for (size_t i = 0; i < d->n; i++) d->branches[i]->n = had[i];
    return r;
}

bool cv_store_has_metadata(cv_store s, const cv_doc *d)
{
    if (d->n == 0) return false;
    const cv_node *b = d->branches[0];
    for (size_t i = 0; i < b->n; i++) {
        const cv_node *k = b->items[i].key;
        if (k->kind != CV_NODE_STR) continue;
        if (s == CV_STORE_DOTENV ? (k->len >= 5 && memcmp(k->s, PREFIX, 5) == 0)
                                 : (k->len == 4 && memcmp(k->s, "sops", 4) == 0))
            return true;
    }
    return false;
}
