/* configMapGenerator and secretGenerator (api/internal/generators, api/kv)
 * and the name hash (api/hasher). */
#include <stdlib.h>
#include <string.h>

#include "crypto/base/enc.h"
#include "crypto/base/mem.h"
#include "crypto/prim/hash.h"
#include "reconcile/kustomize/kbuild.h"
#include "reconcile/kustomize/res.h"
#include "reconcile/kustomize/select.h"
#include "crypto/base/limits.h"

#define GEN_BEHAVIOR "internal.config.kubernetes.io/generatorBehavior"
#define GEN_HASH "internal.config.kubernetes.io/needsHashSuffix"

typedef struct {
    cv_doc *d;
    cv_node *data; /* MAP of key -> STR, in load order */
    const char *name;
} kv_set;

static cv_result kv_add(kv_set *s, cv_slice key, cv_slice val)
{
    CV_ENSUREF(key.len > 0, CV_E_KZ_KUSTOMIZATION, "invalid key in generator %s", s->name);
    for (size_t i = 0; i < s->data->n; i++) {
        const cv_node *k = s->data->items[i].key;
        CV_ENSUREF(!(k->len == key.len && memcmp(k->s, key.p, key.len) == 0),
                   CV_E_KZ_KUSTOMIZATION, "configmap %s illegally repeats the key `%.*s`",
                   s->name, (int)key.len, (const char *)key.p);
    }
    cv_node *k, *v;
    CV_GUARD(cv_node_text(s->d, CV_NODE_STR, key.p, key.len, &k));
    CV_GUARD(cv_node_text(s->d, CV_NODE_STR, val.p, val.len, &v));
    return cv_node_append(s->d, s->data, k, v);
}

static cv_result env_file(kv_set *s, cv_slice text)
{
    cv_reader r = cv_reader_of(text);
    bool first = true;
    while (!cv_reader_eof(&r)) {
        cv_slice line;
        CV_GUARD(cv_reader_line_opt(&r, &line, 1u << 20));
        const uint8_t *p = line.p;
        size_t n = line.len;
        if (n && p[n - 1] == '\r') n--;
        if (first && n >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0) p += 3, n -= 3;
        first = false;
        while (n && (*p == ' ' || *p == '\t' || *p == '\v' || *p == '\f' || *p == '\r')) p++, n--;
        if (n == 0 || p[0] == '#') continue;
        const uint8_t *eq = memchr(p, '=', n);
        size_t kl = eq ? (size_t)(eq - p) : n;
        cv_slice val = eq ? cv_slice_of(eq + 1, n - kl - 1) : cv_slice_of("", 0);
        CV_GUARD(kv_add(s, cv_slice_of(p, kl), val));
    }
    return cv_ok();
}

static cv_result read_rel(cv_kzb_ctx *c, const char *dir, cv_slice rel, cv_slice *out)
{
    char *r, *path;
    CV_GUARD(cv_slice_strdup(rel, &r));
    cv_result res = cv_kzfs_join(dir, r, &path);
    free(r);
    CV_GUARD(res);
    res = cv_kzfs_read(c->o->fs, path, out);
    free(path);
    return res;
}

/* A list of strings, as the Go struct field []string reads it. */
static const cv_node *list_of(const cv_node *m, const char *k)
{
    const cv_node *v = cv_map_get(m, k);
    if (!v || v->kind != CV_NODE_LIST) return NULL;
    for (size_t i = 0; i < v->n; i++)
        if (v->items[i].value->kind != CV_NODE_STR) return NULL;
    return v;
}

static cv_result load_sources(cv_kzb_ctx *c, const char *dir, const cv_node *g, kv_set *s)
{
    const cv_node *envs = list_of(g, "envs");
    cv_slice env1 = cv_kzr_str(g, "env");
    for (size_t i = 0; envs && i < envs->n; i++) {
        cv_slice t;
        CV_GUARD(read_rel(c, dir, cv_slice_of(envs->items[i].value->s, envs->items[i].value->len), &t));
        CV_GUARD(env_file(s, t));
    }
    if (env1.len) {
        cv_slice t;
        CV_GUARD(read_rel(c, dir, env1, &t));
        CV_GUARD(env_file(s, t));
    }
    const cv_node *lits = list_of(g, "literals");
    for (size_t i = 0; lits && i < lits->n; i++) {
        const cv_node *l = lits->items[i].value;
        const char *eq = l->s ? memchr(l->s, '=', l->len) : NULL;
        CV_ENSUREF(eq && eq != l->s, CV_E_KZ_KUSTOMIZATION,
                   "invalid literal source %.*s, expected key=value", (int)l->len, l->s);
        size_t kl = (size_t)(eq - l->s), vl = l->len - kl - 1;
        const char *v = eq + 1;
        if (vl >= 2 && v[0] == v[vl - 1] && (v[0] == '"' || v[0] == '\'')) v++, vl -= 2;
        CV_GUARD(kv_add(s, cv_slice_of(l->s, kl), cv_slice_of(v, vl)));
    }
    const cv_node *files = list_of(g, "files");
    for (size_t i = 0; files && i < files->n; i++) {
        const cv_node *f = files->items[i].value;
        const char *eq = memchr(f->s, '=', f->len);
        cv_slice key, rel;
        if (eq) {
            key = cv_slice_of(f->s, (size_t)(eq - f->s));
            rel = cv_slice_of(eq + 1, f->len - key.len - 1);
            CV_ENSUREF(key.len && rel.len && !memchr(rel.p, '=', rel.len), CV_E_KZ_KUSTOMIZATION,
                       "invalid file source %.*s", (int)f->len, f->s);
        } else {
            const char *slash = strrchr(f->s, '/');
            key = cv_slice_of(slash ? slash + 1 : f->s, slash ? strlen(slash + 1) : f->len);
            rel = cv_slice_of(f->s, f->len);
        }
        cv_slice t;
        CV_GUARD(read_rel(c, dir, rel, &t));
        CV_GUARD(kv_add(s, key, t));
    }
    return cv_ok();
}

static bool valid_utf8(cv_slice s)
{
    for (size_t i = 0; i < s.len;) {
        uint8_t b = s.p[i];
        size_t w = b < 0x80 ? 1 : b >= 0xC2 && b <= 0xDF ? 2 : b >= 0xE0 && b <= 0xEF ? 3
                 : b >= 0xF0 && b <= 0xF4 ? 4 : 0;
        if (w == 0 || i + w > s.len) return false;
        for (size_t j = 1; j < w; j++)
            if ((s.p[i + j] & 0xC0) != 0x80) return false;
        i += w;
    }
    return true;
}

/* kyaml's encodeBase64: from 70 characters on, the base64 is cut into
 * lines of 70, each ending in a newline (the last one too). The value is a
 * Secret's: the scratch copies are wiped. */
static cv_result b64_node(cv_doc *d, const cv_node *v, cv_node **out)
{
    enum { LINE = 70 };
    size_t n = cv_b64_enc_len(v->len, true), lines = n / LINE + 1;
    char *t = cv_wipe_malloc(n + 1), *w = cv_wipe_malloc(n + lines + 1);
    cv_result r = t && w ? cv_ok() : CV_FAIL(CV_E_NOMEM);
    size_t k = 0;
    if (cv_is_ok(r)) {
        cv_b64_encode(t, (const uint8_t *)v->s, v->len, true);
        for (size_t i = 0; i < n; i += LINE) {
            size_t m = n - i < LINE ? n - i : LINE;
            memcpy(w + k, t + i, m);
            k += m;
            if (lines > 1) w[k++] = '\n';
        }
        r = cv_node_text(d, CV_NODE_STR, w, k, out);
    }
    cv_wipe_free(t);
    cv_wipe_free(w);
    return r;
}

/* data (and binaryData / base64 for Secrets) from the loaded pairs. */
static cv_result fill_data(cv_doc *d, cv_node *obj, const kv_set *s, bool secret)
{
    cv_node *data = NULL, *bin = NULL;
    if (secret) CV_GUARD(cv_node_new(d, CV_NODE_MAP, &data));
    for (size_t i = 0; i < s->data->n; i++) {
        cv_node *k = s->data->items[i].key, *v = s->data->items[i].value;
        bool text = valid_utf8(cv_slice_of(v->s, v->len));
        cv_node **dst = secret || text ? &data : &bin;
        if (!*dst) CV_GUARD(cv_node_new(d, CV_NODE_MAP, dst));
        if (secret || !text) CV_GUARD(b64_node(d, v, &v));
        CV_GUARD(cv_node_append(d, *dst, k, v));
    }
    if (bin) CV_GUARD(cv_map_add(d, obj, "binaryData", 10, bin));
    if (data) CV_GUARD(cv_map_add(d, obj, "data", 4, data));
    return cv_ok();
}

/* Local options over the global generatorOptions (MergeGlobalOptionsIntoLocal). */
static bool opt_flag(const cv_node *local, const cv_node *global, const char *k)
{
    const cv_node *a = local ? cv_map_get(local, k) : NULL, *b = global ? cv_map_get(global, k) : NULL;
    return (a && a->kind == CV_NODE_BOOL && a->v.b) || (b && b->kind == CV_NODE_BOOL && b->v.b);
}

static cv_result opt_map(cv_doc *d, cv_node *obj, const cv_node *local, const cv_node *global,
                         const char *k)
{
    const cv_node *srcs[2] = { global ? cv_map_get(global, k) : NULL,
                               local ? cv_map_get(local, k) : NULL };
    for (size_t s = 0; s < 2; s++) {
        if (!srcs[s] || srcs[s]->kind != CV_NODE_MAP) continue;
        for (size_t i = 0; i < srcs[s]->n; i++) {
            char path[600], kt[CV_NUM_TEXT_MAX], vt[CV_NUM_TEXT_MAX];
            cv_node kn0 = { 0 };
            const cv_node *key = &kn0, *v = srcs[s]->items[i].value;
            cv_slice ks = cv_kz_scalar_text(srcs[s]->items[i].key, kt);
            CV_ENSURE(ks.len < 512, CV_E_LIMIT);
            char kz[512];
            memcpy(kz, ks.p, ks.len);
            kz[ks.len] = 0;
            kn0.kind = CV_NODE_STR;
            kn0.s = kz;
            kn0.len = ks.len;
            snprintf(path, sizeof path, "metadata/%s/%.*s", k, (int)key->len, key->s);
            cv_slice val = cv_kz_scalar_text(v, vt);
            if (memchr(key->s, '/', key->len)) {
                /* A key with '/' cannot go through the path helper. */
                cv_node *meta = cv_kzr_path(obj, "metadata");
                if (strcmp(k, "annotations") == 0) {
                    char kk[512];
                    memcpy(kk, key->s, key->len);
                    kk[key->len] = 0;
                    CV_GUARD(cv_kz_meta_set(d, obj, "annotations", kk, val));
                    continue;
                }
                cv_node *labels = cv_map_get(meta, "labels"), *kn, *vn;
                if (!labels) {
                    CV_GUARD(cv_node_new(d, CV_NODE_MAP, &labels));
                    CV_GUARD(cv_map_add(d, meta, "labels", 6, labels));
                }
                CV_GUARD(cv_node_text(d, CV_NODE_STR, key->s, key->len, &kn));
                CV_GUARD(cv_node_text(d, CV_NODE_STR, val.p, val.len, &vn));
                long at = cv_map_find(labels, key->s, key->len);
                if (at >= 0) labels->items[at].value = vn;
                else CV_GUARD(cv_node_append(d, labels, kn, vn));
                continue;
            }
            CV_GUARD(cv_kzr_set_str(d, obj, path, val));
        }
    }
    return cv_ok();
}

static cv_result make_object(cv_doc *d, const cv_node *g, const cv_node *global, bool secret,
                             const kv_set *s, cv_node **out)
{
    cv_node *obj;
    CV_GUARD(cv_node_new(d, CV_NODE_MAP, &obj));
    CV_GUARD(cv_kzr_set_str(d, obj, "apiVersion", cv_slice_of("v1", 2)));
    CV_GUARD(cv_kzr_set_str(d, obj, "kind", secret ? cv_slice_of("Secret", 6) : cv_slice_of("ConfigMap", 9)));
    CV_GUARD(cv_kzr_set_str(d, obj, "metadata/name", cv_kzr_str(g, "name")));
    cv_slice ns = cv_kzr_str(g, "namespace");
    if (ns.len) CV_GUARD(cv_kzr_set_str(d, obj, "metadata/namespace", ns));
    if (secret) {
        cv_slice t = cv_kzr_str(g, "type");
        CV_GUARD(cv_kzr_set_str(d, obj, "type", t.len ? t : cv_slice_of("Opaque", 6)));
    }
    CV_GUARD(fill_data(d, obj, s, secret));
    const cv_node *local = cv_map_get(g, "options");
    CV_GUARD(opt_map(d, obj, local, global, "labels"));
    CV_GUARD(opt_map(d, obj, local, global, "annotations"));
    if (opt_flag(local, global, "immutable")) {
        cv_node *t;
        CV_GUARD(cv_node_bool(d, true, &t));
        CV_GUARD(cv_map_add(d, obj, "immutable", 9, t));
    }
    cv_slice beh = cv_kzr_str(g, "behavior");
    CV_GUARD(cv_kz_meta_set(d, obj, "annotations", GEN_BEHAVIOR, beh.len ? beh : cv_slice_of("create", 6)));
    if (!opt_flag(local, global, "disableNameSuffixHash"))
        CV_GUARD(cv_kz_meta_set(d, obj, "annotations", GEN_HASH, cv_slice_of("enabled", 7)));
    *out = obj;
    return cv_ok();
}

/* behavior merge/replace: fold the new object into the existing one. */
static cv_result absorb(cv_kzb_acc *a, cv_node *obj)
{
    cv_slice beh = cv_kzr_str(cv_kzr_path(obj, "metadata/annotations"), GEN_BEHAVIOR);
    cv_kz_id id, o;
    cv_kz_cur_id(obj, &id);
    for (size_t i = 0; i < a->n; i++) {
        cv_kz_cur_id(a->objs[i], &o);
        if (!cv_kz_id_equals(&id, &o)) continue;
        CV_ENSUREF(!cv_slice_eq_str(beh, "create"), CV_E_KZ_CONFLICT,
                   "may not add resource with an already registered id");
        if (cv_slice_eq_str(beh, "replace")) {
            a->objs[i] = obj;
            return cv_ok();
        }
        cv_doc *d = &a->rm->doc;
        cv_node *old = a->objs[i];
        const char *fields[] = { "data", "binaryData", NULL };
        for (size_t f = 0; fields[f]; f++) {
            cv_node *nw = cv_map_get(obj, fields[f]), *od = cv_map_get(old, fields[f]);
            if (!nw) continue;
            if (!od) {
                CV_GUARD(cv_map_add(d, old, fields[f], strlen(fields[f]), nw));
                continue;
            }
            for (size_t j = 0; j < nw->n; j++) {
                long at = cv_map_find(od, nw->items[j].key->s, nw->items[j].key->len);
                if (at >= 0) od->items[at].value = nw->items[j].value;
                else CV_GUARD(cv_node_append(d, od, nw->items[j].key, nw->items[j].value));
            }
        }
        cv_slice h = cv_kzr_str(cv_kzr_path(obj, "metadata/annotations"), GEN_HASH);
        if (h.len) CV_GUARD(cv_kz_meta_set(d, old, "annotations", GEN_HASH, h));
        else cv_kz_meta_del(old, "annotations", GEN_HASH);
        return cv_ok();
    }
    CV_ENSUREF(cv_slice_eq_str(beh, "create"), CV_E_KZ_RESOURCE,
               "id from %.*s behavior not found in existing resources", (int)beh.len,
               (const char *)beh.p);
    return cv_kzb_acc_append(a, obj);
}

static cv_result run_kind(cv_kzb_ctx *c, cv_kzb_acc *a, const char *dir, const cv_node *k,
                          const char *field, bool secret)
{
    const cv_node *gens = cv_map_get(k, field);
    if (!gens || gens->kind == CV_NODE_NULL) return cv_ok();
    CV_ENSUREF(gens->kind == CV_NODE_LIST, CV_E_KZ_KUSTOMIZATION, "'%s' must be a list", field);
    const cv_node *global = cv_map_get(k, "generatorOptions");
    cv_doc *d = &a->rm->doc;
    for (size_t i = 0; i < gens->n; i++) {
        const cv_node *g = gens->items[i].value;
        CV_ENSUREF(g->kind == CV_NODE_MAP && cv_kzr_str(g, "name").len, CV_E_KZ_KUSTOMIZATION,
                   "a configmap must have a name");
        kv_set s = { d, NULL, cv_kzr_str(g, "name").p ? (const char *)cv_kzr_str(g, "name").p : "" };
        CV_GUARD(cv_node_new(d, CV_NODE_MAP, &s.data));
        CV_GUARD(load_sources(c, dir, g, &s));
        cv_node *obj;
        CV_GUARD(make_object(d, g, global, secret, &s, &obj));
        CV_GUARD(cv_kzb_origin_generated(c, d, obj, secret ? "SecretGenerator" : "ConfigMapGenerator"));
        CV_GUARD(absorb(a, obj));
    }
    return cv_ok();
}

cv_result cv_kzb_generators(cv_kzb_ctx *c, cv_kzb_acc *a, const char *dir, const cv_node *k)
{
    CV_GUARD(run_kind(c, a, dir, k, "configMapGenerator", false));
    return run_kind(c, a, dir, k, "secretGenerator", true);
}

/* ---- the hash (api/hasher) ------------------------------------------------ */

static cv_result json_str(cv_buf *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    CV_GUARD(cv_buf_add_byte(b, '"'));
    for (size_t i = 0; i < n; i++) {
        uint8_t ch = (uint8_t)s[i];
        if (ch == '"' || ch == '\\') {
            CV_GUARD(cv_buf_add_byte(b, '\\'));
            CV_GUARD(cv_buf_add_byte(b, ch));
        } else if (ch == '\n') {
            CV_GUARD(cv_buf_add(b, "\\n", 2));
        } else if (ch == '\r') {
            CV_GUARD(cv_buf_add(b, "\\r", 2));
        } else if (ch == '\t') {
            CV_GUARD(cv_buf_add(b, "\\t", 2));
        } else if (ch < 0x20 || ch == '<' || ch == '>' || ch == '&') {
            char u[7] = { '\\', 'u', '0', '0', hex[ch >> 4], hex[ch & 15], 0 };
            CV_GUARD(cv_buf_add(b, u, 6));
        } else if (ch == 0xE2 && i + 2 < n && (uint8_t)s[i + 1] == 0x80 &&
                   ((uint8_t)s[i + 2] == 0xA8 || (uint8_t)s[i + 2] == 0xA9)) {
            CV_GUARD(cv_buf_add(b, (uint8_t)s[i + 2] == 0xA8 ? "\\u2028" : "\\u2029", 6));
            i += 2;
        } else {
            CV_GUARD(cv_buf_add_byte(b, ch));
        }
    }
    return cv_buf_add_byte(b, '"');
}

/* encoding/json of a map of strings, keys sorted by bytes. */
static cv_result json_map(cv_buf *b, const cv_node *m)
{
    size_t n = m->n;
    const cv_item **it = malloc((n + 1) * sizeof *it);
    CV_ENSURE(it, CV_E_NOMEM);
    for (size_t i = 0; i < n; i++) it[i] = &m->items[i];
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0; j--) {
            const cv_node *x = it[j - 1]->key, *y = it[j]->key;
            size_t l = x->len < y->len ? x->len : y->len;
            int c = memcmp(x->s, y->s, l);
            if (c < 0 || (c == 0 && x->len <= y->len)) break;
            const cv_item *t = it[j];
            it[j] = it[j - 1];
            it[j - 1] = t;
        }
    cv_result r = cv_buf_add_byte(b, '{');
    for (size_t i = 0; i < n && cv_is_ok(r); i++) {
        if (i) r = cv_buf_add_byte(b, ',');
        if (cv_is_ok(r)) r = json_str(b, it[i]->key->s, it[i]->key->len);
        if (cv_is_ok(r)) r = cv_buf_add_byte(b, ':');
        const cv_node *v = it[i]->value;
        if (cv_is_ok(r)) r = v->kind == CV_NODE_STR ? json_str(b, v->s, v->len) : cv_buf_add(b, "null", 4);
    }
    free(it);
    CV_GUARD(r);
    return cv_buf_add_byte(b, '}');
}

static cv_result hash_field(cv_buf *b, const cv_node *obj, const char *k)
{
    const cv_node *v = cv_map_get(obj, k);
    if (!v) return cv_buf_add(b, "\"\"", 2);
    if (v->kind == CV_NODE_MAP) return json_map(b, v);
    if (v->kind == CV_NODE_STR) return json_str(b, v->s, v->len);
    return cv_buf_add(b, "null", 4);
}

static cv_result hash_text(const cv_node *obj, bool secret, cv_buf *b)
{
    const cv_node *bin = cv_map_get(obj, secret ? "stringData" : "binaryData");
    bool extra = bin && bin->kind == CV_NODE_MAP;
    if (!secret && extra) {
        CV_GUARD(cv_buf_add_str(b, "{\"binaryData\":"));
        CV_GUARD(json_map(b, bin));
        CV_GUARD(cv_buf_add_str(b, ",\"data\":"));
    } else {
        CV_GUARD(cv_buf_add_str(b, "{\"data\":"));
    }
    CV_GUARD(hash_field(b, obj, "data"));
    CV_GUARD(cv_buf_add_str(b, secret ? ",\"kind\":\"Secret\",\"name\":\"\"" : ",\"kind\":\"ConfigMap\",\"name\":\"\""));
    if (secret && extra) {
        CV_GUARD(cv_buf_add_str(b, ",\"stringData\":"));
        CV_GUARD(json_map(b, bin));
    }
    if (secret) {
        CV_GUARD(cv_buf_add_str(b, ",\"type\":"));
        CV_GUARD(hash_field(b, obj, "type"));
    }
    return cv_buf_add_byte(b, '}');
}

static cv_result hash_suffix(const cv_node *obj, bool secret, char out[11])
{
    cv_buf b;
    cv_buf_init_secret(&b, 256u * 1024u * 1024u);
    cv_result r = hash_text(obj, secret, &b);
    uint8_t h[CV_SHA256_LEN];
    if (cv_is_ok(r)) cv_sha256(h, b.p, b.len);
    cv_buf_release(&b);
    CV_GUARD(r);
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < 10; i++) {
        char ch = hex[(h[i / 2] >> (i % 2 ? 0 : 4)) & 15];
        switch (ch) {
        case '0': ch = 'g'; break;
        case '1': ch = 'h'; break;
        case '3': ch = 'k'; break;
        case 'a': ch = 'm'; break;
        case 'e': ch = 't'; break;
        default: break;
        }
        out[i] = ch;
    }
    out[10] = 0;
    return cv_ok();
}

cv_result cv_kzb_hash_names(cv_kz_resmap *rm)
{
    for (size_t i = 0; i < rm->n; i++) {
        cv_node *o = rm->objs[i];
        if (!cv_slice_eq_str(cv_kzr_str(cv_kzr_path(o, "metadata/annotations"), GEN_HASH), "enabled"))
            continue;
        cv_slice kind = cv_kzr_str(o, "kind");
        bool secret = cv_slice_eq_str(kind, "Secret");
        CV_ENSUREF(secret || cv_slice_eq_str(kind, "ConfigMap"), CV_E_UNSUPPORTED,
                   "name hash of kind %.*s", (int)kind.len, (const char *)kind.p);
        char suf[11];
        CV_GUARD(hash_suffix(o, secret, suf));
        CV_GUARD(cv_kz_store_previous_id(&rm->doc, o));
        cv_slice name = cv_kzr_str(cv_map_get(o, "metadata"), "name");
        char nb[600];
        CV_ENSURE(name.len < 512, CV_E_LIMIT);
        int n = snprintf(nb, sizeof nb, "%.*s-%s", (int)name.len, (const char *)name.p, suf);
        CV_GUARD(cv_kzr_set_str(&rm->doc, o, "metadata/name", cv_slice_of(nb, (size_t)n)));
    }
    return cv_ok();
}
