/* Flux post-build substitution (see subst.h). */
#include "reconcile/flux/subst.h"

#include <stdlib.h>
#include <string.h>

#include "crypto/base/enc.h"
#include "crypto/base/limits.h"
#include "reconcile/flux/envsubst.h"
#include "reconcile/kustomize/emit.h"
#include "reconcile/kustomize/kyaml.h"

#define SUBST_KEY "kustomize.toolkit.fluxcd.io/substitute"
#define NAME_RE "^[_[:alpha:]][_[:alpha:][:digit:]]*$"

void cv_flux_vars_clear(cv_flux_vars *v)
{
    if (v == NULL) return;
    cv_doc_clear(&v->doc);
    v->map = NULL;
}

/* vars[name] = value without its newlines. */
static cv_result set_var(cv_flux_vars *v, const char *name, size_t name_len, cv_slice val)
{
    cv_node *n;
    CV_GUARD(cv_node_text(&v->doc, CV_NODE_STR, val.p, val.len, &n));
    size_t w = 0;
    for (size_t i = 0; i < n->len; i++)
        if (n->s[i] != '\n') n->s[w++] = n->s[i];
    n->len = w;
    n->s[w] = '\0';
    long i = cv_map_find(v->map, name, name_len);
    if (i >= 0) {
        v->map->items[i].value = n;
        return cv_ok();
    }
    return cv_map_add(&v->doc, v->map, name, name_len, n);
}

/* A scalar's text as Go would hold it in a map[string]string. */
static cv_slice scalar(const cv_node *n)
{
    if (n == NULL) return cv_slice_of("", 0);
    if (n->kind == CV_NODE_BOOL) return cv_slice_str(n->v.b ? "true" : "false");
    if (n->kind == CV_NODE_STR || n->kind == CV_NODE_INT || n->kind == CV_NODE_FLOAT ||
        n->kind == CV_NODE_TIME)
        return cv_slice_of(n->s ? n->s : "", n->s ? n->len : 0);
    return cv_slice_of("", 0);
}

static cv_result add_b64(cv_flux_vars *v, const cv_node *key, cv_slice enc)
{
    cv_buf raw;
    cv_buf_init_secret(&raw, CV_DOC_MAX_INPUT);
    cv_result r = cv_buf_reserve(&raw, cv_b64_dec_max(enc.len) + 1);
    size_t n = 0;
    if (cv_is_ok(r)) r = cv_b64_decode(raw.p, &n, enc, true);
    if (!cv_is_ok(r)) r = CV_FAILF(CV_E_FLUX_SUBSTITUTE, "Secret data.%s: illegal base64 data", key->s);
    if (cv_is_ok(r)) r = set_var(v, key->s, key->len, cv_slice_of(raw.p, n));
    cv_buf_release(&raw);
    return r;
}

typedef enum { VAL_PLAIN, VAL_BASE64, VAL_REDACT } val_mode;

static cv_result add_map(cv_flux_vars *v, const cv_node *m, val_mode mode)
{
    for (size_t i = 0; m && m->kind == CV_NODE_MAP && i < m->n; i++) {
        const cv_node *k = m->items[i].key;
        if (k == NULL || k->kind != CV_NODE_STR) continue;
        cv_slice val = scalar(m->items[i].value);
        if (mode == VAL_REDACT) CV_GUARD(set_var(v, k->s, k->len, cv_slice_str("REDACTED")));
        else if (mode == VAL_BASE64) CV_GUARD(add_b64(v, k, val));
        else CV_GUARD(set_var(v, k->s, k->len, val));
    }
    return cv_ok();
}

static cv_result load_ref(const cv_flux_ks *k, const cv_flux_subst_ref *ref, cv_flux_find_fn find,
                          void *ctx, bool redact, cv_flux_vars *v)
{
    const char *kind = ref->secret ? "Secret" : "ConfigMap";
    const cv_node *o = NULL;
    if (find) {
        cv_result r = find(ctx, kind, k->ns, ref->name, &o);
        if (!cv_is_ok(r))
            return CV_FAILF(r.err, "substitute from '%s/%s' error: %s", kind, ref->name,
                            cv_err_detail()[0] ? cv_err_detail() : cv_strerror(r.err));
    }
    if (o == NULL) {
        if (ref->optional) return cv_ok();
        CV_BAILF(CV_E_FLUX_SUBSTITUTE, "substitute from '%s/%s' error: %s \"%s\" not found", kind,
                 ref->name, ref->secret ? "secrets" : "configmaps", ref->name);
    }
    if (!ref->secret) return add_map(v, cv_map_get(o, "data"), VAL_PLAIN);
    CV_GUARD(add_map(v, cv_map_get(o, "data"), redact ? VAL_REDACT : VAL_BASE64));
    return add_map(v, cv_map_get(o, "stringData"), redact ? VAL_REDACT : VAL_PLAIN);
}

cv_result cv_flux_vars_load(const cv_flux_ks *k, cv_flux_find_fn find, void *ctx, bool redact,
                            cv_flux_vars *v)
{
    v->map = NULL;
    CV_GUARD(cv_doc_init(&v->doc));
    CV_GUARD(cv_node_new(&v->doc, CV_NODE_MAP, &v->map));
    for (size_t i = 0; i < k->n_subst_from; i++)
        CV_GUARD(load_ref(k, &k->subst_from[i], find, ctx, redact, v));
    return add_map(v, k->substitute, VAL_PLAIN);
}

bool cv_flux_subst_disabled(const cv_node *obj)
{
    const cv_node *md = cv_map_get(obj, "metadata");
    const char *l = cv_flux_str(cv_map_get(md, "labels"), SUBST_KEY);
    const char *a = cv_flux_str(cv_map_get(md, "annotations"), SUBST_KEY);
    return (l && strcmp(l, "disabled") == 0) || (a && strcmp(a, "disabled") == 0);
}

static bool ascii_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

static bool valid_name(const cv_node *k)
{
    if (k->len == 0 || !(ascii_alpha(k->s[0]) || k->s[0] == '_')) return false;
    for (size_t i = 1; i < k->len; i++)
        if (!(ascii_alpha(k->s[i]) || k->s[i] == '_' || (k->s[i] >= '0' && k->s[i] <= '9')))
            return false;
    return true;
}

typedef struct {
    const cv_flux_vars *v;
} lookup_ctx;

static cv_result lookup(void *ctx, cv_slice name, cv_slice *value, bool *found)
{
    const cv_flux_vars *v = ((const lookup_ctx *)ctx)->v;
    long i = v->map ? cv_map_find(v->map, (const char *)name.p, name.len) : -1;
    *found = i >= 0;
    *value = *found ? cv_slice_of(v->map->items[i].value->s, v->map->items[i].value->len)
                    : cv_slice_of("", 0);
    return cv_ok();
}

static cv_result reparse(cv_doc *doc, cv_slice text, cv_node **obj)
{
    cv_node **docs = NULL;
    size_t n = 0;
    cv_result r = cv_kz_yaml_docs(doc, text, &docs, &n);
    if (cv_is_ok(r) && (n != 1 || docs[0]->kind != CV_NODE_MAP))
        r = CV_FAILF(CV_E_FLUX_SUBSTITUTE, "substitution did not give one object");
    if (cv_is_ok(r)) *obj = docs[0];
    free(docs);
    return r;
}

/* No '$' in any key or scalar, and no folded scalar (kustomize re-encodes
 * those when it writes the object): the serialised object comes through
 * substitution unchanged, and reading it back gives this object again, so
 * both steps can be skipped. Too deep to tell: false. */
static bool nothing_to_substitute(const cv_node *n, unsigned depth)
{
    if (n == NULL) return true;
    if (depth > 64 || n->folded) return false;
    if (n->kind == CV_NODE_MAP || n->kind == CV_NODE_LIST) {
        for (size_t i = 0; i < n->n; i++)
            if (!nothing_to_substitute(n->items[i].key, depth + 1) ||
                !nothing_to_substitute(n->items[i].value, depth + 1))
                return false;
        return true;
    }
    return n->s == NULL || memchr(n->s, '$', n->len) == NULL;
}

cv_result cv_flux_subst_obj(const cv_flux_vars *v, bool strict, bool always, cv_doc *doc,
                            cv_node **obj)
{
    size_t nvars = v->map ? v->map->n : 0;
    if (cv_flux_subst_disabled(*obj) || (nvars == 0 && !always)) return cv_ok();
    for (size_t i = 0; i < nvars; i++)
        CV_ENSUREF(valid_name(v->map->items[i].key), CV_E_FLUX_SUBSTITUTE,
                   "'%s' var name is invalid, must match '%s'", v->map->items[i].key->s, NAME_RE);
    if (nothing_to_substitute(*obj, 0)) return cv_ok();
    cv_buf yaml, out;
    cv_buf_init_secret(&yaml, CV_DOC_MAX_INPUT);
    cv_buf_init_secret(&out, CV_DOC_MAX_INPUT);
    lookup_ctx ctx = { v };
    cv_result r = cv_kz_emit_obj(*obj, &yaml);
    if (cv_is_ok(r)) r = cv_envsubst(cv_buf_slice(&yaml), lookup, &ctx, strict, &out);
    if (cv_is_ok(r)) r = reparse(doc, cv_buf_slice(&out), obj);
    cv_buf_release(&yaml);
    cv_buf_release(&out);
    return r;
}
