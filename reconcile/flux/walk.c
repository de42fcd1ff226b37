/* The Flux walk (see walk.h). */
#include "reconcile/flux/walk.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/base/limits.h"
#include "crypto/base/mem.h"
#include "reconcile/flux/decrypt.h"
#include "reconcile/flux/gen.h"
#include "reconcile/flux/keys.h"
#include "reconcile/flux/sources.h"
#include "reconcile/flux/srcdecrypt.h"
#include "reconcile/kustomize/build.h"
#include "reconcile/kustomize/emit.h"
#include "reconcile/flux/subst.h"
#include "reconcile/kustomize/kyaml.h"

#define OWNER_NAME "kustomize.toolkit.fluxcd.io/name"
#define OWNER_NS "kustomize.toolkit.fluxcd.io/namespace"

cv_result cv_flux_walk_init(cv_flux_walk *w)
{
    memset(w, 0, sizeof *w);
    CV_GUARD(cv_flux_sources_new(&w->src));
    return cv_doc_init(&w->doc);
}

static void item_clear(cv_flux_item *it)
{
    cv_flux_ks_clear(&it->ks);
    if (it->built) cv_kz_resmap_clear(&it->out);
    free(it->id);
    free(it->error);
    memset(it, 0, sizeof *it);
}

static void items_reset(cv_flux_walk *w)
{
    for (size_t i = 0; i < w->n; i++) item_clear(&w->v[i]);
    w->n = 0;
}

static void prev_clear(cv_flux_walk *w)
{
    for (size_t i = 0; i < w->n_prev; i++) item_clear(&w->prev[i]);
    free(w->prev);
    w->prev = NULL;
    w->n_prev = 0;
}

void cv_flux_walk_clear(cv_flux_walk *w)
{
    if (w == NULL) return;
    items_reset(w);
    prev_clear(w);
    free(w->v);
    free(w->rec);
    cv_flux_sources_free(&w->src);
    cv_doc_clear(&w->doc);
    memset(w, 0, sizeof *w);
}

long cv_flux_walk_find(const cv_flux_walk *w, const char *ns, const char *name)
{
    size_t nl = strlen(ns);
    for (size_t i = 0; i < w->n; i++) {
        const char *id = w->v[i].id;
        if (strncmp(id, ns, nl) == 0 && id[nl] == '/' && strcmp(id + nl + 1, name) == 0)
            return (long)i;
    }
    return -1;
}

static cv_result id_of(const cv_node *obj, char **out)
{
    cv_buf b;
    cv_buf_init(&b, 2 * CV_KZ_MAX_PATH);
    cv_result r = cv_buf_addf(&b, "%s/%s", cv_flux_obj_ns(obj), cv_flux_obj_name(obj));
    if (cv_is_ok(r)) r = cv_buf_nul(&b);
    if (!cv_is_ok(r)) {
        cv_buf_release(&b);
        return r;
    }
    size_t len;
    *out = (char *)cv_buf_take(&b, &len);
    return cv_ok();
}

static cv_result enqueue(cv_flux_walk *w, const cv_node *obj, size_t parent)
{
    if (cv_flux_walk_find(w, cv_flux_obj_ns(obj), cv_flux_obj_name(obj)) >= 0) return cv_ok();
    if (w->n == w->cap) {
        CV_ENSUREF(w->n < CV_KZ_MAX_RESOURCES, CV_E_LIMIT, "too many Kustomizations");
        CV_GUARD(cv_grow_array((void **)&w->v, &w->cap, w->n + 1, sizeof *w->v, 32, CV_KZ_MAX_RESOURCES));
    }
    cv_flux_item *it = &w->v[w->n];
    memset(it, 0, sizeof *it);
    it->parent = parent;
    CV_GUARD(id_of(obj, &it->id));
    w->n++;
    return cv_node_clone(&w->doc, obj, &it->obj);
}

/* ---- records of pass 1 ------------------------------------------------------------ */

/* The recorded objects behave like an API server's: metadata.namespace as
 * written (an object without one is not found from any namespace), and an
 * object the typed client could not read (a ConfigMap value that is not a
 * string, Secret data that is not base64) is absent. */
static const char *raw_ns(const cv_node *o)
{
    const char *ns = cv_flux_str(cv_map_get(o, "metadata"), "namespace");
    return ns ? ns : "";
}

static bool same_obj(const cv_node *a, const char *kind, const char *ns, const char *name)
{
    const char *k = cv_flux_str(a, "kind");
    return k && strcmp(k, kind) == 0 && strcmp(raw_ns(a), ns) == 0 &&
           strcmp(cv_flux_obj_name(a), name) == 0;
}

static const cv_node *rec_get(const cv_flux_walk *w, const char *kind, const char *ns,
                             const char *name)
{
    for (size_t i = 0; i < w->n_rec; i++)
        if (same_obj(w->rec[i], kind, ns, name)) return w->rec[i];
    return NULL;
}

static cv_result find_rec(void *ctx, const char *kind, const char *ns, const char *name,
                          const cv_node **out)
{
    *out = rec_get(ctx, kind, ns, name);
    return cv_ok();
}

/* Go's base64.StdEncoding would decode it (CR and LF are skipped). */
static bool b64_valid(cv_slice v)
{
    size_t n = 0, pad = 0;
    for (size_t i = 0; i < v.len; i++) {
        uint8_t c = v.p[i];
        if (c == '\r' || c == '\n') continue;
        bool alpha = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                     c == '+' || c == '/';
        if (c == '=') pad++;
        else if (!alpha || pad) return false;
        n++;
    }
    return n % 4 == 0 && pad <= 2;
}

static bool typed_readable(const cv_node *o, bool secret)
{
    static const char *const fields[] = { "data", "stringData" };
    for (size_t f = 0; f < (secret ? 2u : 1u); f++) {
        const cv_node *m = cv_map_get(o, fields[f]);
        if (m == NULL || m->kind == CV_NODE_NULL) continue;
        if (m->kind != CV_NODE_MAP) return false;
        for (size_t i = 0; i < m->n; i++) {
            const cv_node *v = m->items[i].value;
            if (v == NULL || v->kind == CV_NODE_NULL) continue;
            if (v->kind != CV_NODE_STR) return false;
            if (secret && f == 0 && !b64_valid(cv_slice_of(v->s, v->len))) return false;
        }
    }
    return true;
}

static cv_result record(cv_flux_walk *w, const cv_node *obj)
{
    const char *kind = cv_flux_str(obj, "kind"), *api = cv_flux_str(obj, "apiVersion");
    if (!kind || !api || strcmp(api, "v1") != 0 ||
        (strcmp(kind, "ConfigMap") != 0 && strcmp(kind, "Secret") != 0))
        return cv_ok();
    if (rec_get(w, kind, raw_ns(obj), cv_flux_obj_name(obj))) return cv_ok();
    if (!typed_readable(obj, strcmp(kind, "Secret") == 0)) return cv_ok();
    if (w->n_rec == w->cap_rec) {
        size_t cap = w->cap_rec ? w->cap_rec * 2 : 32;
        cv_node **p = realloc(w->rec, cap * sizeof *p);
        CV_ENSURE(p, CV_E_NOMEM);
        w->rec = p;
        w->cap_rec = cap;
    }
    return cv_node_clone(&w->doc, obj, &w->rec[w->n_rec++]);
}

/* ---- one build -------------------------------------------------------------------- */

/* securejoin: spec.path cleaned as an absolute path, then put under root. */
cv_result cv_flux_dir(const char *root, const char *path, char **out)
{
    char *abs;
    CV_GUARD(cv_kzfs_join("/", path, &abs));
    cv_result r = cv_kzfs_join(root, abs[1] ? abs + 1 : ".", out);
    free(abs);
    return r;
}

static cv_result sub_map(cv_doc *d, cv_node *parent, const char *key, cv_node **out)
{
    cv_node *m = cv_map_get(parent, key);
    if (m && m->kind == CV_NODE_MAP) {
        *out = m;
        return cv_ok();
    }
    CV_GUARD(cv_node_new(d, CV_NODE_MAP, out));
    long i = cv_map_find(parent, key, strlen(key));
    if (i >= 0) {
        parent->items[i].value = *out;
        return cv_ok();
    }
    return cv_map_add(d, parent, key, strlen(key), *out);
}

static cv_result set_str(cv_doc *d, cv_node *map, const char *key, size_t klen, const char *v, size_t vlen)
{
    cv_node *n;
    CV_GUARD(cv_node_text(d, CV_NODE_STR, v, vlen, &n));
    long i = cv_map_find(map, key, klen);
    if (i >= 0) {
        map->items[i].value = n;
        return cv_ok();
    }
    return cv_map_add(d, map, key, klen, n);
}

/* Labels or annotations of obj: every key of src set (as strings). */
static cv_result set_meta(cv_doc *d, cv_node *obj, const char *field, const cv_node *src)
{
    if (src == NULL || src->n == 0) return cv_ok();
    cv_node *md, *m;
    CV_GUARD(sub_map(d, obj, "metadata", &md));
    CV_GUARD(sub_map(d, md, field, &m));
    for (size_t i = 0; i < src->n; i++) {
        const cv_node *k = src->items[i].key, *v = src->items[i].value;
        if (k == NULL || k->kind != CV_NODE_STR) continue;
        const char *s = v && v->s && v->kind != CV_NODE_NULL ? v->s : "";
        CV_GUARD(set_str(d, m, k->s, k->len, s, strlen(s)));
    }
    return cv_ok();
}

static cv_result owner_labels(cv_doc *d, cv_node *obj, const cv_flux_ks *k)
{
    cv_node *md, *m;
    CV_GUARD(sub_map(d, obj, "metadata", &md));
    CV_GUARD(sub_map(d, md, "labels", &m));
    CV_GUARD(set_str(d, m, OWNER_NAME, strlen(OWNER_NAME), k->name, strlen(k->name)));
    return set_str(d, m, OWNER_NS, strlen(OWNER_NS), k->ns, strlen(k->ns));
}

static cv_result check_ids(const cv_node *obj)
{
    const char *api = cv_flux_str(obj, "apiVersion"), *kind = cv_flux_str(obj, "kind");
    CV_ENSUREF(api && *api && kind && *kind && *cv_flux_obj_name(obj), CV_E_FLUX_MANIFEST,
               "failed to decode Kubernetes apiVersion, kind and name from: %s/%s",
               kind ? kind : "", cv_flux_obj_name(obj));
    return cv_ok();
}

typedef struct {
    cv_flux_walk *w;
    const cv_flux_opts *o;
    cv_flux_item *it;
    cv_kzfs *fs; /* the files of its source */
    bool subst;
    bool vars_loaded;
    cv_flux_vars vars;
    cv_flux_keys keys;
} build_ctx;

/* Where substituteFrom and decryption Secrets are read: the cluster, or
 * pass 1's records. */
static cv_flux_find_fn finder(const build_ctx *b, void **ctx)
{
    *ctx = b->o->live ? b->o->live_ctx : b->w;
    return b->o->live ? b->o->live : find_rec;
}

static cv_result substitute(build_ctx *b, cv_node **obj)
{
    const cv_flux_ks *k = &b->it->ks;
    if (cv_flux_subst_disabled(*obj)) return cv_ok();
    if (!b->vars_loaded) {
        b->vars_loaded = true;
        void *ctx;
        cv_flux_find_fn find = finder(b, &ctx);
        CV_GUARD(cv_flux_vars_load(k, find, ctx, b->o->redact_secret_vars, &b->vars));
    }
    return cv_flux_subst_obj(&b->vars, b->o->strict, k->subst_always, &b->it->out.doc, obj);
}

/* prepared: pass 1 already checked and decrypted the object. */
static cv_result object_pipeline(build_ctx *b, cv_node **obj, bool prepared)
{
    const cv_flux_ks *k = &b->it->ks;
    cv_doc *d = &b->it->out.doc;
    if (!prepared) CV_GUARD(check_ids(*obj));
    if (k->decrypt && !prepared) CV_GUARD(cv_flux_decrypt_obj(&b->keys, d, obj));
    if (b->subst && k->post_build) {
        cv_result r = substitute(b, obj);
        if (!cv_is_ok(r)) {
            const char *kind = cv_flux_str(*obj, "kind");
            return CV_FAILF(r.err, "post build failed for '%s/%s': %s", kind ? kind : "",
                            cv_flux_obj_name(*obj), cv_err_detail()[0] ? cv_err_detail() : cv_strerror(r.err));
        }
    }
    return cv_ok();
}

static cv_result post_build(build_ctx *b, bool prepared)
{
    cv_kz_resmap *rm = &b->it->out;
    const cv_flux_ks *k = &b->it->ks;
    for (size_t i = 0; i < rm->n; i++) CV_GUARD(object_pipeline(b, &rm->objs[i], prepared));
    if (!b->subst && k->post_build) return cv_ok(); /* pass 2 finishes it */
    for (size_t i = 0; i < rm->n; i++) {
        CV_GUARD(owner_labels(&rm->doc, rm->objs[i], k));
        CV_GUARD(set_meta(&rm->doc, rm->objs[i], "labels", k->common_labels));
        CV_GUARD(set_meta(&rm->doc, rm->objs[i], "annotations", k->common_annotations));
    }
    return cv_ok();
}

/* Generate, decrypt the sources in memory (decryption only lasts for this
 * build: other Kustomizations on the same files see them as they are),
 * build. */
static cv_result kustomize(build_ctx *b, const char *root, const char *dir)
{
    cv_doc kd;
    CV_GUARD(cv_doc_init(&kd));
    cv_node *kust;
    cv_result r = cv_flux_gen(b->fs, dir, &b->it->ks, &kd, &kust);
    if (cv_is_ok(r) && b->it->ks.decrypt)
        r = cv_flux_decrypt_sources(&b->keys, b->fs, root, b->it->ks.path, kust);
    cv_kz_opts ko = { .fs = b->fs, .load_none = true, .http_cache = b->o->http_cache,
                      .offline = b->o->offline, .no_default_sort = true };
    if (cv_is_ok(r)) r = cv_kz_build(&ko, dir, kust, &b->it->out);
    cv_kzfs_overlay_clear(b->fs);
    cv_doc_clear(&kd);
    return r;
}

static cv_result build_item(build_ctx *b)
{
    const char *root;
    CV_GUARD(cv_flux_sources_files(b->w->src, b->o, &b->it->ks, &b->fs, &root));
    b->it->fs = b->fs;
    char *dir;
    CV_GUARD(cv_flux_dir(root, b->it->ks.path, &dir));
    void *ctx;
    cv_flux_find_fn find = finder(b, &ctx);
    /* kustomize-controller imports the keys before the build. */
    cv_result r = cv_ok();
    if (b->it->ks.decrypt)
        r = cv_flux_keys_load(&b->it->ks, find, ctx, b->o->live != NULL, b->o->kr, &b->keys);
    if (cv_is_ok(r) && cv_kzfs_stat(b->fs, dir) != CV_KZFS_DIR)
        r = CV_FAILF(CV_E_FLUX_PATH, "kustomization path not found: %s", b->it->ks.path);
    if (cv_is_ok(r)) r = kustomize(b, root, dir);
    free(dir);
    if (cv_is_ok(r)) r = post_build(b, false);
    return r;
}

/* Pass 2: pass 1's build of the same Kustomization, when its spec and its
 * source's files are the same (kustomize and decryption would give the
 * same objects again), taken over with only the substitution and the
 * labels left to do. */
static cv_result take_pass1(build_ctx *b, bool *taken)
{
    cv_flux_walk *w = b->w;
    cv_flux_item *it = b->it, *p = NULL;
    *taken = false;
    for (size_t i = 0; i < w->n_prev && p == NULL; i++)
        if (strcmp(w->prev[i].id, it->id) == 0) p = &w->prev[i];
    if (p == NULL || !p->built || p->err != CV_OK ||
        !cv_node_equal(cv_map_get(p->obj, "spec"), cv_map_get(it->obj, "spec")))
        return cv_ok();
    const char *root;
    cv_result r = cv_flux_sources_files(w->src, b->o, &it->ks, &b->fs, &root);
    if (!cv_is_ok(r)) {
        if (cv_is(r, CV_E_NOMEM)) return r;
        cv_err_clear(); /* build_item reports it */
        return cv_ok();
    }
    if (b->fs != p->fs) return cv_ok();
    it->out = p->out;
    it->fs = p->fs;
    it->built = true;
    p->built = false;
    memset(&p->out, 0, sizeof p->out);
    *taken = true;
    return cv_ok();
}

static cv_result build_or_take(build_ctx *b)
{
    bool taken = false;
    if (b->subst) CV_GUARD(take_pass1(b, &taken));
    if (taken) return b->it->ks.post_build ? post_build(b, true) : cv_ok();
    CV_GUARD(cv_kz_resmap_init(&b->it->out));
    b->it->built = true;
    return build_item(b);
}

static void fail_item(cv_flux_item *it, cv_result r)
{
    const char *d = cv_err_detail();
    it->err = r.err;
    free(it->error);
    it->error = strdup(d[0] ? d : cv_strerror(r.err));
    if (it->built) cv_kz_resmap_clear(&it->out);
    it->built = false;
}

/* Build item i; its children are queued. Only exhaustion is returned. */
static cv_result visit(cv_flux_walk *w, const cv_flux_opts *o, size_t i, bool subst)
{
    cv_flux_item *it = &w->v[i];
    cv_result r = cv_flux_ks_parse(it->obj, &it->ks);
    if (!cv_is_ok(r)) {
        fail_item(it, r);
        return cv_ok();
    }
    it->parsed = true;
    if (it->ks.suspend) {
        it->suspended = true;
        return cv_ok();
    }
    build_ctx b = { .w = w, .o = o, .it = it, .fs = o->fs, .subst = subst };
    r = build_or_take(&b);
    if (b.vars_loaded) cv_flux_vars_clear(&b.vars);
    cv_flux_keys_clear(&b.keys);
    if (!cv_is_ok(r)) {
        if (cv_is(r, CV_E_NOMEM)) return r;
        fail_item(it, r);
        return cv_ok();
    }
    /* enqueue may move w->v: no pointer into it across the loop. */
    for (size_t j = 0; j < w->v[i].out.n; j++) {
        const cv_node *obj = w->v[i].out.objs[j];
        if (!subst) CV_GUARD(record(w, obj));
        CV_GUARD(cv_flux_sources_note(w->src, obj));
        if (cv_flux_is_ks(obj)) CV_GUARD(enqueue(w, obj, i));
    }
    return cv_ok();
}

static cv_result pass(cv_flux_walk *w, const cv_flux_opts *o, const cv_node *const *entries,
                      size_t n, bool subst)
{
    cv_flux_sources_reset(w->src);
    for (size_t i = 0; i < n; i++) {
        CV_GUARD(cv_flux_sources_note(w->src, entries[i]));
        if (cv_flux_is_ks(entries[i])) CV_GUARD(enqueue(w, entries[i], SIZE_MAX));
    }
    for (size_t i = 0; i < w->n; i++) CV_GUARD(visit(w, o, i, subst));
    return cv_ok();
}

/* Pass 1's records can change something: substitution, or a decryption
 * Secret the repository renders. */
static bool any_post_build(const cv_flux_walk *w)
{
    for (size_t i = 0; i < w->n; i++) {
        const cv_flux_item *it = &w->v[i];
        if (it->parsed && (it->ks.post_build || (it->ks.decrypt && cv_flux_keys_secret_name(&it->ks))))
            return true;
    }
    return false;
}

cv_result cv_flux_walk_run(cv_flux_walk *w, const cv_flux_opts *o, const cv_node *const *entries,
                           size_t n)
{
    if (o->live) {
        w->two_pass = true;
        return pass(w, o, entries, n, true);
    }
    CV_GUARD(pass(w, o, entries, n, false));
    if (!any_post_build(w)) return cv_ok();
    w->prev = w->v;
    w->n_prev = w->n;
    w->v = NULL;
    w->n = w->cap = 0;
    w->two_pass = true;
    cv_result r = pass(w, o, entries, n, true);
    prev_clear(w);
    return r;
}
