/* `images:` (ImageTagTransformer: the legacy walk over every containers/
 * initContainers list, then the `images` field specs; api/filters/imagetag,
 * api/internal/image) and `replicas:` (ReplicaCountTransformer). */
#include <stdlib.h>
#include <string.h>

#include "crypto/base/limits.h"
#include "reconcile/kustomize/kbuild.h"
#include "reconcile/kustomize/res.h"
#include "reconcile/kustomize/recache.h"

/* ---- decoding the kustomization's entries ------------------------------------------ */

typedef struct {
    const char *name;
    cv_slice *out;
} str_field;

/* A struct of string fields, decoded as Go's json does with unknown fields
 * refused. */
static cv_result decode_strings(const cv_node *m, const char *type, str_field *f, size_t nf)
{
    CV_ENSUREF(m->kind == CV_NODE_MAP, CV_E_KZ_KUSTOMIZATION,
               "invalid Kustomization: json: cannot unmarshal into Go value of type types.%s", type);
    for (size_t i = 0; i < nf; i++) *f[i].out = cv_slice_of("", 0);
    for (size_t i = 0; i < m->n; i++) {
        const cv_node *k = m->items[i].key, *v = m->items[i].value;
        size_t j = 0;
        while (j < nf && !(k->kind == CV_NODE_STR && cv_slice_eq_str(cv_slice_of(k->s, k->len), f[j].name))) j++;
        CV_ENSUREF(j < nf, CV_E_KZ_KUSTOMIZATION, "invalid Kustomization: json: unknown field \"%.*s\"",
                   k->kind == CV_NODE_STR ? (int)k->len : 0, k->kind == CV_NODE_STR ? k->s : "");
        if (v->kind == CV_NODE_NULL) continue;
        CV_ENSUREF(v->kind == CV_NODE_STR, CV_E_KZ_KUSTOMIZATION,
                   "invalid Kustomization: json: cannot unmarshal into Go struct field %s.%s of type string",
                   type, f[j].name);
        *f[j].out = cv_slice_of(v->s, v->len);
    }
    return cv_ok();
}

/* ---- images ---------------------------------------------------------------------------- */

typedef struct {
    cv_slice name, new_name, new_tag, digest, tag_suffix;
    cv_kz_re re; /* IsImageMatched's pattern */
} image_tag;

/* image.Split: name, tag and digest of a reference, the first '/' ends a
 * registry host that may hold a port. */
static void split_image(cv_slice s, cv_slice *name, cv_slice *tag, cv_slice *digest)
{
    const uint8_t *sl = s.len ? memchr(s.p, '/', s.len) : NULL;
    size_t from = sl && sl != s.p ? (size_t)(sl - s.p) : 0;
    const uint8_t *at = memchr(s.p + from, '@', s.len - from);
    const uint8_t *co = memchr(s.p + from, ':', s.len - from);
    *tag = *digest = cv_slice_of("", 0);
    *name = s;
    if (!at && !co) return;
    if (at && (!co || at < co)) {
        *name = cv_slice_of(s.p, (size_t)(at - s.p));
        *digest = cv_slice_of(at + 1, s.len - name->len - 1);
        return;
    }
    *name = cv_slice_of(s.p, (size_t)(co - s.p));
    if (at) {
        *tag = cv_slice_of(co + 1, (size_t)(at - co - 1));
        *digest = cv_slice_of(at + 1, (size_t)(s.p + s.len - at - 1));
    } else {
        *tag = cv_slice_of(co + 1, s.len - name->len - 1);
    }
}

static cv_result update_image(const image_tag *t, cv_doc *d, cv_node *n)
{
    if (n->kind == CV_NODE_NULL) return cv_ok();
    CV_ENSUREF(cv_node_is_scalar(n), CV_E_KZ_RESOURCE, "wrong node kind: expected ScalarNode for an image");
    char buf[CV_KZ_TEXT_MAX];
    cv_slice v = cv_kz_scalar_text(n, buf);
    if (!cv_kz_re_ok(&t->re, v.p, v.len)) return cv_ok();
    cv_slice name, tag, digest, suffix = cv_slice_of("", 0);
    split_image(v, &name, &tag, &digest);
    if (t->new_name.len) name = t->new_name;
    if (t->new_tag.len) {
        tag = t->new_tag;
        digest = t->digest;
    } else if (t->digest.len) {
        tag = cv_slice_of("", 0);
        digest = t->digest;
    } else if (t->tag_suffix.len) {
        suffix = t->tag_suffix;
        digest = cv_slice_of("", 0);
    }
    cv_buf b;
    cv_buf_init(&b, CV_KZ_MAX_PATH * 2);
    cv_result r = cv_buf_add(&b, name.p, name.len);
    if (cv_is_ok(r) && tag.len + suffix.len) r = cv_buf_add_byte(&b, ':');
    if (cv_is_ok(r) && tag.len) r = cv_buf_add(&b, tag.p, tag.len);
    if (cv_is_ok(r) && suffix.len) r = cv_buf_add(&b, suffix.p, suffix.len);
    if (cv_is_ok(r) && digest.len) r = cv_buf_add_byte(&b, '@');
    if (cv_is_ok(r) && digest.len) r = cv_buf_add(&b, digest.p, digest.len);
    if (cv_is_ok(r)) r = cv_node_set_text(d, n, CV_NODE_STR, b.p, b.len);
    cv_buf_release(&b);
    return r;
}

static cv_result update_cb(void *ctx, cv_doc *d, cv_node *n) { return update_image(ctx, d, n); }

/* LegacyFilter: every containers/initContainers list anywhere, children
 * first. */
static cv_result legacy_walk(const image_tag *t, cv_doc *d, cv_node *n, size_t depth)
{
    CV_ENSURE(depth < CV_KZ_MAX_DEPTH, CV_E_LIMIT);
    if (n->kind == CV_NODE_LIST) {
        for (size_t i = 0; i < n->n; i++) CV_GUARD(legacy_walk(t, d, n->items[i].value, depth + 1));
        return cv_ok();
    }
    if (n->kind != CV_NODE_MAP) return cv_ok();
    for (size_t i = 0; i < n->n; i++) {
        cv_node *k = n->items[i].key, *v = n->items[i].value;
        if (!v) continue;
        CV_GUARD(legacy_walk(t, d, v, depth + 1));
        cv_slice key = k->kind == CV_NODE_STR ? cv_slice_of(k->s, k->len) : cv_slice_of("", 0);
        if (v->kind != CV_NODE_LIST ||
            !(cv_slice_eq_str(key, "containers") || cv_slice_eq_str(key, "initContainers")))
            continue;
        for (size_t j = 0; j < v->n; j++) {
            cv_node *c = v->items[j].value, *img = c->kind == CV_NODE_MAP ? cv_map_get(c, "image") : NULL;
            if (img) CV_GUARD(update_image(t, d, img));
        }
    }
    return cv_ok();
}

static cv_result image_one(cv_kzb_acc *a, image_tag *t)
{
    cv_doc *d = &a->rm->doc;
    const cv_kz_fslist *l = &a->tc.fs[CV_KZ_FS_IMAGES];
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < a->n; i++) {
            cv_node *r = a->objs[i];
            if (r->kind != CV_NODE_MAP || r->n == 0) continue;
            if (cv_slice_eq_str(cv_kzr_str(r, "kind"), "CustomResourceDefinition")) continue;
            if (pass == 0) {
                CV_GUARD(legacy_walk(t, d, r, 0));
                continue;
            }
            for (size_t f = 0; f < l->n; f++)
                CV_GUARD(cv_kz_fs_apply(d, r, &l->v[f], CV_KZ_CREATE_NONE, update_cb, t));
        }
    }
    return cv_ok();
}

static cv_result compile_match(image_tag *t)
{
    static const char tail[] = "(:[a-zA-Z0-9_.{}-]*)?(@sha256:[a-zA-Z0-9_.{}-]*)?$";
    cv_buf b;
    cv_buf_init(&b, CV_KZ_MAX_PATH * 2);
    cv_result r = cv_buf_add_byte(&b, '^');
    if (cv_is_ok(r)) r = cv_buf_add(&b, t->name.p, t->name.len);
    if (cv_is_ok(r)) r = cv_buf_add(&b, tail, sizeof tail - 1);
    if (cv_is_ok(r)) r = cv_kz_re_get((const char *)b.p, b.len, &t->re);
    cv_buf_release(&b);
    return r;
}

cv_result cv_kzb_images(cv_kzb_acc *a, const cv_node *k)
{
    /* FixKustomization: imageTags are appended to images. */
    static const char *const fields[2] = { "images", "imageTags" };
    for (int f = 0; f < 2; f++) {
        const cv_node *l = cv_map_get(k, fields[f]);
        if (!l || l->kind == CV_NODE_NULL) continue;
        CV_ENSUREF(l->kind == CV_NODE_LIST, CV_E_KZ_KUSTOMIZATION,
                   "invalid Kustomization: json: cannot unmarshal into Go struct field Kustomization.%s of type []types.Image",
                   fields[f]);
        for (size_t i = 0; i < l->n; i++) {
            image_tag t = { 0 };
            str_field sf[] = { { "name", &t.name }, { "newName", &t.new_name }, { "newTag", &t.new_tag },
                               { "digest", &t.digest }, { "tagSuffix", &t.tag_suffix } };
            CV_GUARD(decode_strings(l->items[i].value, "Image", sf, sizeof sf / sizeof *sf));
            CV_GUARD(compile_match(&t));
            cv_result r = image_one(a, &t);
            cv_kz_re_put(&t.re);
            CV_GUARD(r);
        }
    }
    return cv_ok();
}

/* ---- replicas ------------------------------------------------------------------------------ */

typedef struct {
    int64_t count;
} replica;

static cv_result set_count(void *ctx, cv_doc *d, cv_node *n)
{
    const replica *r = ctx;
    CV_ENSUREF(n->kind != CV_NODE_MAP && n->kind != CV_NODE_LIST, CV_E_KZ_RESOURCE,
               "wrong node kind: expected ScalarNode for replicas");
    if (n->kind == CV_NODE_STR && n->len) {
        /* kyaml keeps the old node's quoting: a quoted count stays a
         * string (a plain one that yaml.v3 read as a string is rare). */
        char t[CV_KZ_TEXT_MAX];
        cv_node tmp = { .kind = CV_NODE_INT, .v.i = r->count };
        cv_slice s = cv_kz_scalar_text(&tmp, t);
        return cv_node_set_text(d, n, CV_NODE_STR, s.p, s.len);
    }
    n->kind = CV_NODE_INT;
    n->s = NULL;
    n->len = 0;
    n->v.i = r->count;
    return cv_ok();
}

static cv_result any_id_named(const cv_node *o, cv_slice name, const cv_kz_fspec *fs, bool *m)
{
    cv_kz_id *prev;
    size_t n;
    CV_GUARD(cv_kz_prev_ids(o, &prev, &n));
    cv_kz_id cur;
    cv_kz_cur_id(o, &cur);
    *m = false;
    for (size_t i = 0; i <= n && !*m; i++) {
        const cv_kz_id *id = i < n ? &prev[i] : &cur;
        *m = cv_slice_eq(id->name, name) && cv_kz_gvk_selected(id, fs->group, fs->version, fs->kind);
    }
    free(prev);
    return cv_ok();
}

static cv_result decode_replica(const cv_node *e, cv_slice *name, replica *r)
{
    CV_ENSUREF(e->kind == CV_NODE_MAP, CV_E_KZ_KUSTOMIZATION,
               "invalid Kustomization: json: cannot unmarshal into Go value of type types.Replica");
    *name = cv_slice_of("", 0);
    r->count = 0;
    for (size_t i = 0; i < e->n; i++) {
        const cv_node *k = e->items[i].key, *v = e->items[i].value;
        cv_slice key = k->kind == CV_NODE_STR ? cv_slice_of(k->s, k->len) : cv_slice_of("", 0);
        if (cv_slice_eq_str(key, "name")) {
            CV_ENSUREF(v->kind == CV_NODE_STR || v->kind == CV_NODE_NULL, CV_E_KZ_KUSTOMIZATION,
                       "invalid Kustomization: json: cannot unmarshal into Go struct field Replica.replicas.name of type string");
            if (v->kind == CV_NODE_STR) *name = cv_slice_of(v->s, v->len);
        } else if (cv_slice_eq_str(key, "count")) {
            CV_ENSUREF(v->kind == CV_NODE_INT || v->kind == CV_NODE_NULL, CV_E_KZ_KUSTOMIZATION,
                       "invalid Kustomization: json: cannot unmarshal into Go struct field Replica.replicas.count of type int64");
            if (v->kind == CV_NODE_INT) r->count = v->v.i;
        } else {
            CV_BAILF(CV_E_KZ_KUSTOMIZATION, "invalid Kustomization: json: unknown field \"%.*s\"", (int)key.len,
                     (const char *)key.p);
        }
    }
    return cv_ok();
}

static cv_result replica_one(cv_kzb_acc *a, const cv_node *e)
{
    cv_slice name;
    replica rp;
    CV_GUARD(decode_replica(e, &name, &rp));
    const cv_kz_fslist *l = &a->tc.fs[CV_KZ_FS_REPLICAS];
    bool found = false;
    for (size_t f = 0; f < l->n; f++) {
        for (size_t i = 0; i < a->n; i++) {
            cv_node *r = a->objs[i];
            bool m;
            if (r->kind != CV_NODE_MAP || r->n == 0) continue;
            CV_GUARD(any_id_named(r, name, &l->v[f], &m));
            if (!m) continue;
            found = true;
            CV_GUARD(cv_kz_fs_apply(&a->rm->doc, r, &l->v[f], CV_KZ_CREATE_SCALAR, set_count, &rp));
        }
    }
    CV_ENSUREF(found, CV_E_KZ_RESOURCE,
               "resource with name %.*s does not match a config with the following GVK", (int)name.len,
               (const char *)name.p);
    return cv_ok();
}

cv_result cv_kzb_replicas(cv_kzb_acc *a, const cv_node *k)
{
    const cv_node *l = cv_map_get(k, "replicas");
    if (!l || l->kind == CV_NODE_NULL) return cv_ok();
    CV_ENSUREF(l->kind == CV_NODE_LIST, CV_E_KZ_KUSTOMIZATION,
               "invalid Kustomization: json: cannot unmarshal into Go struct field Kustomization.replicas of type []types.Replica");
    for (size_t i = 0; i < l->n; i++) CV_GUARD(replica_one(a, l->items[i].value));
    return cv_ok();
}
