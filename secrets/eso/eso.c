/* ExternalSecret resolution: objects, data assembly, and the Secret ESO
 * writes. Providers are in eso_provider.c. */
#include "secrets/eso/eso.h"

#include <string.h>

#include "crypto/base/enc.h"
#include "crypto/base/limits.h"
#include "crypto/prim/hash.h"
#include "secrets/doc/gostr.h"
#include "secrets/doc/num.h"
#include "secrets/doc/yaml.h"
#include "secrets/eso/eso_int.h"
#include "secrets/eso/template.h"
#include "secrets/sops/regex_vm.h"

#define LBL_MANAGED "reconcile.external-secrets.io/managed"
#define LBL_CREATED_BY "reconcile.external-secrets.io/created-by"
#define ANN_DATA_HASH "reconcile.external-secrets.io/data-hash"

const char *cv_eso_str(const cv_node *m, const char *key)
{
    const cv_node *v = m && m->kind == CV_NODE_MAP ? cv_map_get(m, key) : NULL;
    return v && v->kind == CV_NODE_STR ? v->s : NULL;
}

const cv_node *cv_eso_path(const cv_node *m, const char *dotted)
{
    char part[128];
    while (m && *dotted) {
        const char *dot = strchr(dotted, '.');
        size_t n = dot ? (size_t)(dot - dotted) : strlen(dotted);
        if (n >= sizeof(part) || m->kind != CV_NODE_MAP) return NULL;
        memcpy(part, dotted, n);
        part[n] = '\0';
        m = cv_map_get(m, part);
        dotted += n + (dot ? 1 : 0);
    }
    return m;
}

cv_result cv_eso_object_hash(cv_slice s, char out[57])
{
    uint8_t h[28];
    CV_GUARD(cv_sha3_224(h, s.p, s.len));
    cv_hex_encode(out, h, 28);
    out[56] = '\0';
    return cv_ok();
}

/* Go's %+v of map[string][]byte: "map[k:[1 2 3] k2:[]]", keys sorted. */
static int item_cmp(const void *a, const void *b)
{
    const cv_item *x = *(const cv_item *const *)a, *y = *(const cv_item *const *)b;
    size_t n = x->key->len < y->key->len ? x->key->len : y->key->len;
    int c = memcmp(x->key->s, y->key->s, n);
    return c ? c : (x->key->len > y->key->len) - (x->key->len < y->key->len);
}

cv_result cv_eso_data_hash(const cv_node *data, char out[57])
{
    const cv_item **it = calloc(data->n + 1, sizeof(*it));
    CV_ENSURE(it != NULL, CV_E_NOMEM);
    size_t n = 0;
    for (size_t i = 0; i < data->n; i++)
        if (data->items[i].key && data->items[i].key->kind == CV_NODE_STR) it[n++] = &data->items[i];
    qsort(it, n, sizeof(*it), item_cmp);
    cv_buf b;
    cv_buf_init_secret(&b, 1024u * 1024u * 1024u);
    cv_result r = cv_buf_add_str(&b, "map[");
    for (size_t i = 0; cv_is_ok(r) && i < n; i++) {
        const cv_node *v = it[i]->value;
        r = cv_buf_addf(&b, "%s%.*s:[", i ? " " : "", (int)it[i]->key->len, it[i]->key->s);
        for (size_t k = 0; cv_is_ok(r) && k < v->len; k++)
            r = cv_buf_addf(&b, k ? " %u" : "%u", (unsigned)(uint8_t)v->s[k]);
        if (cv_is_ok(r)) r = cv_buf_add_byte(&b, ']');
    }
    if (cv_is_ok(r)) r = cv_buf_add_byte(&b, ']');
    if (cv_is_ok(r)) r = cv_eso_object_hash(cv_buf_slice(&b), out);
    cv_buf_release(&b);
    free(it);
    return r;
}

/* --- stores ------------------------------------------------------------- */

static bool is_kind(const cv_node *o, const char *kind)
{
    const char *k = cv_eso_str(o, "kind"), *api = cv_eso_str(o, "apiVersion");
    return k && strcmp(k, kind) == 0 && api && strncmp(api, "external-secrets.io/", 20) == 0;
}

static cv_result add_store(eso_ctx *c, const cv_node *o, const char *kind)
{
    eso_store *s = &c->stores[c->nstores];
    memset(s, 0, sizeof(*s));
    s->obj = o;
    s->kind = kind;
    s->name = cv_eso_str(cv_map_get(o, "metadata"), "name");
    CV_ENSUREF(s->name != NULL, CV_E_ESO_SPEC, "%s without metadata.name", kind);
    const cv_node *prov = cv_eso_path(o, "spec.provider");
    if ((s->spec = cv_map_get(prov, "bitwardensecretsmanager")) != NULL) s->provider = PROV_SM;
    else if ((s->spec = cv_map_get(prov, "webhook")) != NULL) s->provider = PROV_WEBHOOK;
    CV_ENSUREF(s->provider != 0, CV_E_UNSUPPORTED, "%s %s: provider not supported", kind, s->name);
    c->nstores++;
    return cv_ok();
}

static cv_result index_stores(eso_ctx *c)
{
    c->stores = calloc(c->in.n + 1, sizeof(eso_store));
    CV_ENSURE(c->stores != NULL, CV_E_NOMEM);
    for (size_t i = 0; i < c->in.n; i++) {
        const cv_node *o = c->in.branches[i];
        if (is_kind(o, "SecretStore")) CV_GUARD(add_store(c, o, "SecretStore"));
        else if (is_kind(o, "ClusterSecretStore")) CV_GUARD(add_store(c, o, "ClusterSecretStore"));
    }
    return cv_ok();
}

/* The store for an entry: its sourceRef.storeRef, else the ES's
 * secretStoreRef (kind defaults to SecretStore). */
static cv_result find_store(eso_ctx *c, const cv_node *es, const cv_node *entry, eso_store **out)
{
    const cv_node *ref = cv_eso_path(entry, "sourceRef.storeRef");
    if (ref == NULL) ref = cv_eso_path(es, "spec.secretStoreRef");
    const char *name = cv_eso_str(ref, "name"), *kind = cv_eso_str(ref, "kind");
    if (kind == NULL) kind = "SecretStore";
    CV_ENSUREF(name != NULL, CV_E_ESO_SPEC, "secretStoreRef.name is required");
    for (size_t i = 0; i < c->nstores; i++)
        if (strcmp(c->stores[i].name, name) == 0 && strcmp(c->stores[i].kind, kind) == 0) {
            *out = &c->stores[i];
            return cv_ok();
        }
    CV_BAILF(CV_E_ESO_SPEC, "%s %s not found in the store documents", kind, name);
}

static size_t list_len(const cv_node *l) { return l && l->kind == CV_NODE_LIST ? l->n : 0; }

/* Pass 1: what every ExternalSecret needs from each store. */
static cv_result collect(eso_ctx *c, const cv_node *es)
{
    const cv_node *data = cv_eso_path(es, "spec.data"), *from = cv_eso_path(es, "spec.dataFrom");
    for (size_t i = 0; i < list_len(data); i++) {
        eso_store *s;
        CV_GUARD(find_store(c, es, data->items[i].value, &s));
        CV_GUARD(cv_eso_want(c, s, cv_map_get(data->items[i].value, "remoteRef"), false));
    }
    for (size_t i = 0; i < list_len(from); i++) {
        const cv_node *e = from->items[i].value;
        eso_store *s;
        CV_GUARD(find_store(c, es, e, &s));
        if (cv_map_get(e, "extract")) CV_GUARD(cv_eso_want(c, s, cv_map_get(e, "extract"), false));
        if (cv_map_get(e, "find")) CV_GUARD(cv_eso_want(c, s, NULL, true));
    }
    return cv_ok();
}

/* --- data assembly ------------------------------------------------------ */

typedef struct {
    eso_ctx *c;
    const cv_node *es;
    const char *ns;
    bool drop_missing; /* deletionPolicy Delete or Merge */
    cv_node *data;     /* MAP key -> STR (bytes) */
} es_run;

static cv_result put(es_run *r, const char *k, size_t kn, cv_slice v)
{
    cv_node *val;
    CV_GUARD(cv_node_text(&r->c->out, CV_NODE_STR, v.p ? (const char *)v.p : "", v.len, &val));
    long at = cv_map_find(r->data, k, kn);
    if (at >= 0) {
        r->data->items[at].value = val;
        return cv_ok();
    }
    return cv_map_add(&r->c->out, r->data, k, kn, val);
}

/* decodingStrategy: None (default), Base64, Base64URL, Auto. */
static cv_result decode(es_run *r, const cv_node *ref, cv_slice *v)
{
    const char *st = cv_eso_str(ref, "decodingStrategy");
    if (st == NULL || strcmp(st, "None") == 0) return cv_ok();
    cv_node *n;
    CV_GUARD(cv_node_text(&r->c->out, CV_NODE_STR, "", 0, &n));
    size_t cap = cv_b64_dec_max(v->len) + 1, got = 0;
    char *buf;
    CV_GUARD(cv_arena_alloc(r->c->out.arena, cap, (void **)&buf));
    bool ok = false;
    if (strcmp(st, "Base64") == 0 || strcmp(st, "Auto") == 0)
        ok = cv_is_ok(cv_b64_decode((uint8_t *)buf, &got, *v, true));
    if (!ok && (strcmp(st, "Base64URL") == 0 || strcmp(st, "Auto") == 0))
        ok = cv_is_ok(cv_b64url_decode((uint8_t *)buf, &got, *v));
    cv_err_clear();
    if (ok) *v = cv_slice_of(buf, got);
    else CV_ENSUREF(strcmp(st, "Auto") == 0, CV_E_ESO_PROVIDER, "value is not %s", st);
    return cv_ok();
}

static cv_result one_data(es_run *r, const cv_node *entry)
{
    const char *key = cv_eso_str(entry, "secretKey");
    const cv_node *ref = cv_map_get(entry, "remoteRef");
    CV_ENSUREF(key && ref, CV_E_ESO_SPEC, "data[] needs secretKey and remoteRef");
    eso_store *s;
    CV_GUARD(find_store(r->c, r->es, entry, &s));
    cv_slice v;
    cv_result res = cv_eso_get(r->c, s, ref, r->ns, &v);
    if (res.err == CV_E_ESO_NOT_FOUND && r->drop_missing) {
        cv_err_clear();
        return cv_ok();
    }
    CV_GUARD(res);
    CV_GUARD(decode(r, ref, &v));
    return put(r, key, strlen(key), v);
}

/* Default key conversion: every byte that is not a letter, digit, '-', '.'
 * or '_' becomes '_' (non-ASCII letters are kept). */
static cv_result convert_key(es_run *r, const cv_node *k, char **out, size_t *n)
{
    CV_GUARD(cv_arena_strndup(r->c->out.arena, k->s, k->len, out));
    for (size_t i = 0; i < k->len; i++) {
        char ch = (*out)[i];
        bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
                  ch == '-' || ch == '.' || ch == '_' || (unsigned char)ch >= 0x80;
        if (!ok) (*out)[i] = '_';
    }
    *n = k->len;
    return cv_ok();
}

/* A scalar as %v, a nested value re-serialized as YAML. */
static cv_result scalar_text(es_run *r, const cv_node *v, cv_slice *out)
{
    cv_buf b;
    cv_buf_init_secret(&b, CV_BW_MAX_RESPONSE);
    cv_result res = cv_ok();
    char num[CV_NUM_TEXT_MAX];
    if (v->kind == CV_NODE_MAP || v->kind == CV_NODE_LIST) res = cv_yaml_emit_value(v, 2, &b);
    else if (v->kind == CV_NODE_STR || v->kind == CV_NODE_TIME) res = cv_buf_add(&b, v->s, v->len);
    else if (v->kind == CV_NODE_INT) res = cv_buf_add(&b, num, cv_node_int_text(v, num));
    else if (v->kind == CV_NODE_FLOAT) res = cv_buf_add(&b, num, cv_go_float(v->v.f, 'g', num));
    else if (v->kind == CV_NODE_BOOL) res = cv_buf_add_str(&b, v->v.b ? "true" : "false");
    cv_node *n = NULL;
    if (cv_is_ok(res)) res = cv_node_text(&r->c->out, CV_NODE_STR, b.p ? (const char *)b.p : "", b.len, &n);
    cv_buf_release(&b);
    if (cv_is_ok(res)) *out = cv_slice_of(n->s, n->len);
    return res;
}

/* The value as a YAML/JSON object: its members. */
static cv_result parse_map(es_run *r, cv_slice v, cv_node **out)
{
    cv_doc d;
    CV_GUARD(cv_doc_init(&d));
    cv_result res = cv_yaml_load(v, &d);
    if (cv_is_ok(res) && d.n == 1) res = cv_node_clone(&r->c->out, d.branches[0], out);
    else if (cv_is_ok(res)) res = CV_FAILF(CV_E_ESO_PROVIDER, "unable to unmarshal secret: not one map");
    else res = CV_FAILF(CV_E_ESO_PROVIDER, "unable to unmarshal secret: %s", cv_strerror(res.err));
    cv_doc_clear(&d);
    return res;
}

static cv_result rewrite(es_run *r, const cv_node *rw, size_t idx, cv_node *m);

static cv_result one_from(es_run *r, const cv_node *e)
{
    eso_store *s;
    CV_GUARD(find_store(r->c, r->es, e, &s));
    cv_node *m = NULL;
    const cv_node *ex = cv_map_get(e, "extract"), *find = cv_map_get(e, "find");
    if (ex && s->provider == PROV_WEBHOOK) {
        CV_GUARD(cv_eso_extract_webhook(r->c, s, ex, r->ns, &m));
    } else if (ex) {
        cv_slice v;
        cv_result res = cv_eso_get(r->c, s, ex, r->ns, &v);
        if (res.err == CV_E_ESO_NOT_FOUND && r->drop_missing) {
            cv_err_clear();
            return cv_ok();
        }
        CV_GUARD(res);
        CV_GUARD(decode(r, ex, &v));
        CV_GUARD(parse_map(r, v, &m));
    } else if (find) {
        CV_GUARD(cv_eso_find(r->c, s, find, &m));
    } else {
        CV_BAILF(CV_E_UNSUPPORTED, "dataFrom entry without extract or find (generators are not supported)");
    }
    const cv_node *rw = cv_map_get(e, "rewrite");
    for (size_t i = 0; i < list_len(rw); i++) CV_GUARD(rewrite(r, rw->items[i].value, i, m));
    for (size_t i = 0; i < m->n; i++) {
        const cv_item *it = &m->items[i];
        if (!it->key || it->key->kind != CV_NODE_STR) continue;
        cv_slice v;
        CV_GUARD(scalar_text(r, it->value, &v));
        char *k = (char *)(uintptr_t)it->key->s;
        size_t kn = it->key->len;
        if (list_len(rw) == 0) CV_GUARD(convert_key(r, it->key, &k, &kn));
        CV_GUARD(put(r, k, kn, v));
    }
    return cv_ok();
}

/* rewrite.transform: the key rendered by the template over {value: key}. */
static cv_result rewrite_transform(const cv_node *tr, const cv_node *k, cv_buf *b)
{
    cv_doc d;
    CV_GUARD(cv_doc_init(&d));
    cv_node *root = NULL, *val = NULL;
    cv_result res = cv_node_new(&d, CV_NODE_MAP, &root);
    if (cv_is_ok(res)) res = cv_node_text(&d, CV_NODE_STR, k->s, k->len, &val);
    if (cv_is_ok(res)) res = cv_map_add(&d, root, "value", 5, val);
    cv_tmpl_opts o = { "transform", NULL, NULL };
    const char *t = cv_eso_str(tr, "template");
    if (cv_is_ok(res)) res = t ? cv_tmpl_render(cv_slice_str(t), root, &o, b)
                               : CV_FAILF(CV_E_ESO_SPEC, "rewrite.transform.template is required");
    cv_doc_clear(&d);
    return res;
}

/* rewrite.regexp: ESO compiles source with Go's regexp.Compile and runs
 * ReplaceAllString(key, target) on every key; a bad source fails with Go's
 * message under ESO's wording. */
static cv_result rewrite_compile(const cv_node *re, size_t idx, cv_goregex_vm **out)
{
    const cv_node *src = cv_map_get(re, "source"), *dst = cv_map_get(re, "target");
    CV_ENSUREF(src && src->kind == CV_NODE_STR && dst && dst->kind == CV_NODE_STR, CV_E_ESO_SPEC,
               "rewrite[%zu].regexp: source and target are required", idx);
    cv_result r = cv_goregex_vm_compile_n(src->s, src->len, out);
    if (r.err == CV_E_REGEX)
        return CV_FAILF(CV_E_REGEX, "failed rewrite operation[%zu]: regexp failed with failed to compile: %s",
                        idx, cv_err_detail());
    return r;
}

/* rewrite: regexp {source, target} or transform {template} over each key. */
static cv_result rewrite(es_run *r, const cv_node *rw, size_t idx, cv_node *m)
{
    const cv_node *re = cv_map_get(rw, "regexp"), *tr = cv_map_get(rw, "transform");
    CV_ENSUREF(re || tr, CV_E_UNSUPPORTED, "rewrite kind (only regexp and transform)");
    cv_goregex_vm *vm = NULL;
    if (re) CV_GUARD(rewrite_compile(re, idx, &vm));
    const cv_node *dst = re ? cv_map_get(re, "target") : NULL;
    cv_result res = cv_ok();
    for (size_t i = 0; i < m->n && cv_is_ok(res); i++) {
        cv_node *k = m->items[i].key;
        if (!k || k->kind != CV_NODE_STR) continue;
        cv_buf b;
        cv_buf_init_secret(&b, 64 * 1024);
        res = vm ? cv_goregex_replace_all(vm, k->s, k->len, dst->s, dst->len, &b)
                 : rewrite_transform(tr, k, &b);
        if (cv_is_ok(res)) res = cv_node_set_text(&r->c->out, k, CV_NODE_STR, b.p ? b.p : (const uint8_t *)"", b.len);
        cv_buf_release(&b);
    }
    cv_goregex_vm_free(&vm);
    return res;
}

/* target.template: data templates rendered over the fetched data. */
static cv_result apply_template(es_run *r, const cv_node *t, cv_node **data)
{
    const char *engine = cv_eso_str(t, "engineVersion");
    CV_ENSUREF(engine == NULL || strcmp(engine, "v2") == 0, CV_E_UNSUPPORTED, "template engineVersion %s", engine);
    CV_ENSUREF(list_len(cv_map_get(t, "templateFrom")) == 0, CV_E_UNSUPPORTED, "template.templateFrom");
    const cv_node *td = cv_map_get(t, "data");
    const char *merge = cv_eso_str(t, "mergePolicy");
    bool keep = td == NULL || td->n == 0 || (merge && strcmp(merge, "Merge") == 0);
    cv_node *out;
    CV_GUARD(cv_node_new(&r->c->out, CV_NODE_MAP, &out));
    if (keep) CV_GUARD(cv_node_clone(&r->c->out, *data, &out));
    es_run sub = *r;
    sub.data = out;
    for (size_t i = 0; td && td->kind == CV_NODE_MAP && i < td->n; i++) {
        const cv_item *it = &td->items[i];
        if (!it->key || it->key->kind != CV_NODE_STR || it->value->kind != CV_NODE_STR) continue;
        cv_buf b;
        cv_buf_init_secret(&b, CV_ESO_MAX_TEMPLATE_OUT);
        cv_tmpl_opts o = { it->key->s, NULL, NULL };
        cv_result res = cv_tmpl_render(cv_slice_of(it->value->s, it->value->len), *data, &o, &b);
        if (cv_is_ok(res)) res = put(&sub, it->key->s, it->key->len, cv_buf_slice(&b));
        cv_buf_release(&b);
        CV_GUARD(res);
    }
    *data = out;
    return cv_ok();
}

/* --- the Secret --------------------------------------------------------- */

static cv_result add_str(eso_ctx *c, cv_node *m, const char *k, const char *v, size_t n)
{
    cv_node *x;
    CV_GUARD(cv_node_text(&c->out, CV_NODE_STR, v, n, &x));
    long at = cv_map_find(m, k, strlen(k));
    if (at >= 0) {
        m->items[at].value = x;
        return cv_ok();
    }
    return cv_map_add(&c->out, m, k, strlen(k), x);
}

static cv_result copy_map(eso_ctx *c, const cv_node *from, cv_node *to)
{
    for (size_t i = 0; from && from->kind == CV_NODE_MAP && i < from->n; i++) {
        const cv_item *it = &from->items[i];
        if (it->key && it->key->kind == CV_NODE_STR && it->value->kind == CV_NODE_STR)
            CV_GUARD(add_str(c, to, it->key->s, it->value->s, it->value->len));
    }
    return cv_ok();
}

static cv_result metadata(es_run *r, const char *policy, const char *hash, cv_node **out)
{
    eso_ctx *c = r->c;
    const cv_node *em = cv_map_get(r->es, "metadata"), *t = cv_eso_path(r->es, "spec.target.template");
    const char *name = cv_eso_str(cv_eso_path(r->es, "spec.target"), "name");
    if (name == NULL) name = cv_eso_str(em, "name");
    cv_node *md, *labels, *ann;
    CV_GUARD(cv_node_new(&c->out, CV_NODE_MAP, &md));
    CV_GUARD(cv_node_new(&c->out, CV_NODE_MAP, &labels));
    CV_GUARD(cv_node_new(&c->out, CV_NODE_MAP, &ann));
    CV_GUARD(add_str(c, md, "name", name, strlen(name)));
    CV_GUARD(add_str(c, md, "namespace", r->ns, strlen(r->ns)));
    const cv_node *src = t ? cv_map_get(t, "metadata") : em;
    CV_GUARD(copy_map(c, cv_map_get(src, "labels"), labels));
    CV_GUARD(copy_map(c, cv_map_get(src, "annotations"), ann));
    long lac = cv_map_find(ann, "kubectl.kubernetes.io/last-applied-configuration", 48);
    if (lac >= 0) cv_node_remove(ann, (size_t)lac);
    if (strcmp(policy, "Owner") == 0) {
        char by[57], nsname[600];
        int n = snprintf(nsname, sizeof(nsname), "%s/%s", r->ns, cv_eso_str(em, "name"));
        CV_GUARD(cv_eso_object_hash(cv_slice_of(nsname, (size_t)n), by));
        CV_GUARD(add_str(c, labels, LBL_CREATED_BY, by, 56));
    }
    CV_GUARD(add_str(c, labels, LBL_MANAGED, "true", 4));
    CV_GUARD(add_str(c, ann, ANN_DATA_HASH, hash, 56));
    CV_GUARD(cv_map_add(&c->out, md, "labels", 6, labels));
    CV_GUARD(cv_map_add(&c->out, md, "annotations", 11, ann));
    *out = md;
    return cv_ok();
}

static cv_result owner_ref(es_run *r, cv_node *md)
{
    const cv_node *em = cv_map_get(r->es, "metadata");
    const char *uid = cv_eso_str(em, "uid");
    if (uid == NULL) return cv_ok();
    eso_ctx *c = r->c;
    cv_node *list, *o, *t1, *t2;
    CV_GUARD(cv_node_new(&c->out, CV_NODE_LIST, &list));
    CV_GUARD(cv_node_new(&c->out, CV_NODE_MAP, &o));
    CV_GUARD(add_str(c, o, "apiVersion", "external-secrets.io/v1", 22));
    CV_GUARD(add_str(c, o, "kind", "ExternalSecret", 14));
    CV_GUARD(add_str(c, o, "name", cv_eso_str(em, "name"), strlen(cv_eso_str(em, "name"))));
    CV_GUARD(add_str(c, o, "uid", uid, strlen(uid)));
    CV_GUARD(cv_node_bool(&c->out, true, &t1));
    CV_GUARD(cv_node_bool(&c->out, true, &t2));
    CV_GUARD(cv_map_add(&c->out, o, "controller", 10, t1));
    CV_GUARD(cv_map_add(&c->out, o, "blockOwnerDeletion", 18, t2));
    CV_GUARD(cv_node_append(&c->out, list, NULL, o));
    return cv_map_add(&c->out, md, "ownerReferences", 15, list);
}

static cv_result secret_data(es_run *r, const cv_node *data, cv_node **out)
{
    eso_ctx *c = r->c;
    CV_GUARD(cv_node_new(&c->out, CV_NODE_MAP, out));
    for (size_t i = 0; i < data->n; i++) {
        const cv_item *it = &data->items[i];
        cv_buf b;
        cv_buf_init_secret(&b, 2 * CV_BW_MAX_RESPONSE);
        cv_result res = c->o->reveal ? cv_b64_encode_buf(&b, (const uint8_t *)it->value->s, it->value->len, true)
                                     : cv_buf_add_str(&b, "REDACTED");
        if (cv_is_ok(res)) res = add_str(c, *out, it->key->s, (const char *)b.p, b.len);
        cv_buf_release(&b);
        CV_GUARD(res);
    }
    return cv_ok();
}

static cv_result build_secret(es_run *r, const char *policy)
{
    eso_ctx *c = r->c;
    char hash[57];
    CV_GUARD(cv_eso_data_hash(r->data, hash));
    cv_node *sec, *md, *data;
    CV_GUARD(cv_doc_add_branch(&c->out, &sec));
    CV_GUARD(add_str(c, sec, "apiVersion", "v1", 2));
    CV_GUARD(add_str(c, sec, "kind", "Secret", 6));
    CV_GUARD(metadata(r, policy, hash, &md));
    if (strcmp(policy, "Owner") == 0) CV_GUARD(owner_ref(r, md));
    CV_GUARD(cv_map_add(&c->out, sec, "metadata", 8, md));
    const cv_node *target = cv_eso_path(r->es, "spec.target");
    const cv_node *imm = cv_map_get(target, "immutable");
    if (imm && imm->kind == CV_NODE_BOOL && imm->v.b) {
        cv_node *t;
        CV_GUARD(cv_node_bool(&c->out, true, &t));
        CV_GUARD(cv_map_add(&c->out, sec, "immutable", 9, t));
    }
    const char *type = cv_eso_str(cv_map_get(target, "template"), "type");
    CV_GUARD(add_str(c, sec, "type", type ? type : "Opaque", strlen(type ? type : "Opaque")));
    CV_GUARD(secret_data(r, r->data, &data));
    return cv_map_add(&c->out, sec, "data", 4, data);
}

static cv_result render_one(eso_ctx *c, const cv_node *es)
{
    es_run r = { c, es, NULL, false, NULL };
    r.ns = cv_eso_str(cv_map_get(es, "metadata"), "namespace");
    if (r.ns == NULL) r.ns = "default";
    CV_ENSUREF(cv_eso_str(cv_map_get(es, "metadata"), "name"), CV_E_ESO_SPEC, "ExternalSecret without a name");
    const cv_node *target = cv_eso_path(es, "spec.target");
    const char *policy = cv_eso_str(target, "creationPolicy"), *del = cv_eso_str(target, "deletionPolicy");
    if (policy == NULL) policy = "Owner";
    r.drop_missing = del && (strcmp(del, "Delete") == 0 || strcmp(del, "Merge") == 0);
    CV_GUARD(cv_node_new(&c->out, CV_NODE_MAP, &r.data));
    const cv_node *from = cv_eso_path(es, "spec.dataFrom"), *data = cv_eso_path(es, "spec.data");
    for (size_t i = 0; i < list_len(from); i++) CV_GUARD(one_from(&r, from->items[i].value));
    for (size_t i = 0; i < list_len(data); i++) CV_GUARD(one_data(&r, data->items[i].value));
    const cv_node *t = cv_map_get(target, "template");
    if (t) CV_GUARD(apply_template(&r, t, &r.data));
    if (strcmp(policy, "None") == 0) return cv_ok();
    return build_secret(&r, policy);
}

static cv_result name_failure(const cv_node *es, cv_result r)
{
    char d[512];
    snprintf(d, sizeof(d), "%s", cv_err_detail()[0] ? cv_err_detail() : cv_strerror(r.err));
    const cv_node *m = cv_map_get(es, "metadata");
    const char *ns = cv_eso_str(m, "namespace"), *n = cv_eso_str(m, "name");
    return CV_FAILF(r.err, "ExternalSecret %s/%s: %s", ns ? ns : "default", n ? n : "?", d);
}

static cv_result run(eso_ctx *c)
{
    CV_GUARD(index_stores(c));
    for (size_t i = 0; i < c->in.n; i++)
        if (is_kind(c->in.branches[i], "ExternalSecret")) {
            cv_result r = collect(c, c->in.branches[i]);
            if (!cv_is_ok(r)) return name_failure(c->in.branches[i], r);
        }
    for (size_t i = 0; i < c->nstores; i++) {
        cv_result r = cv_eso_prefetch(c, &c->stores[i]);
        if (!cv_is_ok(r)) c->stores[i].failed = r;
    }
    for (size_t i = 0; i < c->in.n; i++)
        if (is_kind(c->in.branches[i], "ExternalSecret")) {
            cv_result r = render_one(c, c->in.branches[i]);
            if (!cv_is_ok(r)) return name_failure(c->in.branches[i], r);
        }
    return cv_ok();
}

cv_result cv_eso_render(cv_slice externalsecrets, cv_slice stores, const cv_eso_opts *o, cv_buf *out)
{
    eso_ctx *c = calloc(1, sizeof(*c));
    CV_ENSURE(c != NULL, CV_E_NOMEM);
    c->o = o;
    cv_result r = cv_doc_init(&c->in);
    if (cv_is_ok(r)) r = cv_doc_init(&c->out);
    if (cv_is_ok(r)) r = cv_yaml_load(externalsecrets, &c->in);
    if (cv_is_ok(r)) r = cv_yaml_load(stores, &c->in);
    if (cv_is_ok(r)) r = run(c);
    if (cv_is_ok(r) && c->out.n) r = cv_yaml_emit(&c->out, 2, out);
    for (size_t i = 0; i < c->nstores; i++) cv_eso_store_release(&c->stores[i]);
    free(c->stores);
    cv_http_free(&c->http);
    cv_doc_clear(&c->in);
    cv_doc_clear(&c->out);
    free(c);
    return r;
}
