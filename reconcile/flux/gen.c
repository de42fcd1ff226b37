/* Flux's generated/merged kustomization (see gen.h). */
#include "reconcile/flux/gen.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "crypto/base/limits.h"
#include "reconcile/kustomize/build.h"
#include "reconcile/kustomize/emit.h"
#include "reconcile/kustomize/kyaml.h"
#include "secrets/sops/store.h"

static const char *const kfiles[] = { "kustomization.yaml", "kustomization.yml", "Kustomization" };

/* ---- small MAP helpers ----------------------------------------------------------- */

static cv_result str_node(cv_doc *d, const char *s, cv_node **out)
{
    return cv_node_text(d, CV_NODE_STR, s, strlen(s), out);
}

/* map[key] = value (replacing an existing value in place). */
static cv_result map_set(cv_doc *d, cv_node *map, const char *key, cv_node *value)
{
    long i = cv_map_find(map, key, strlen(key));
    if (i >= 0) {
        map->items[i].value = value;
        return cv_ok();
    }
    return cv_map_add(d, map, key, strlen(key), value);
}

static cv_result map_set_str(cv_doc *d, cv_node *map, const char *key, const char *s)
{
    cv_node *v;
    CV_GUARD(str_node(d, s, &v));
    return map_set(d, map, key, v);
}

static void map_del(cv_node *map, const char *key)
{
    long i = cv_map_find(map, key, strlen(key));
    if (i >= 0) cv_node_remove(map, (size_t)i);
}

/* Go's omitempty on a string field: set when non-empty, else dropped. */
static cv_result map_set_opt(cv_doc *d, cv_node *map, const char *key, const char *s)
{
    if (s == NULL || !*s) {
        map_del(map, key);
        return cv_ok();
    }
    return map_set_str(d, map, key, s);
}

/* The list under key, created (or a null replaced) when missing. */
static cv_result map_list(cv_doc *d, cv_node *map, const char *key, cv_node **out)
{
    cv_node *l = cv_map_get(map, key);
    if (l && l->kind == CV_NODE_LIST) {
        *out = l;
        return cv_ok();
    }
    CV_ENSUREF(l == NULL || l->kind == CV_NODE_NULL, CV_E_FLUX_SPEC,
               "kustomization %s: expected a list", key);
    CV_GUARD(cv_node_new(d, CV_NODE_LIST, out));
    return map_set(d, map, key, *out);
}

static cv_result list_add_str(cv_doc *d, cv_node *list, const char *s)
{
    cv_node *v;
    CV_GUARD(str_node(d, s, &v));
    return cv_node_append(d, list, NULL, v);
}

/* ---- the directory walk ---------------------------------------------------------- */

static bool has_kustomization(cv_kzfs *fs, const char *dir)
{
    for (size_t i = 0; i < 3; i++) {
        char *p;
        if (!cv_is_ok(cv_kzfs_join(dir, kfiles[i], &p))) return false;
        bool f = cv_kzfs_stat(fs, p) == CV_KZFS_FILE;
        free(p);
        if (f) return true;
    }
    return false;
}

static bool has_nil_in_list(const cv_node *n, bool in_list)
{
    if (n == NULL || n->kind == CV_NODE_NULL) return in_list;
    if (n->kind != CV_NODE_MAP && n->kind != CV_NODE_LIST) return false;
    for (size_t i = 0; i < n->n; i++)
        if (has_nil_in_list(n->items[i].value, n->kind == CV_NODE_LIST)) return true;
    return false;
}

static bool str_ends(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

/* kustomize's resource factory on one document (dropBadNodes). */
static cv_result check_object(const cv_node *o)
{
    CV_ENSUREF(o->kind == CV_NODE_MAP, CV_E_FLUX_MANIFEST, "not a map");
    if (o->n == 0) return cv_ok();
    const char *kind = cv_flux_str(o, "kind");
    CV_ENSUREF(kind && *kind, CV_E_FLUX_MANIFEST, "missing kind in object");
    const char *name = cv_flux_str(cv_map_get(o, "metadata"), "name");
    CV_ENSUREF(str_ends(kind, "List") || (name && *name), CV_E_FLUX_MANIFEST,
               "missing metadata.name in object");
    CV_ENSUREF(!has_nil_in_list(o, false), CV_E_FLUX_MANIFEST, "empty item in a list");
    return cv_ok();
}

static cv_result check_manifest(cv_kzfs *fs, const char *path)
{
    cv_slice text;
    CV_GUARD(cv_kzfs_read(fs, path, &text));
    cv_doc scratch;
    CV_GUARD(cv_doc_init(&scratch));
    cv_node **docs = NULL;
    size_t n = 0;
    cv_result r = cv_kz_yaml_repo_docs(&scratch, text, &docs, &n);
    for (size_t i = 0; cv_is_ok(r) && i < n; i++) r = check_object(docs[i]);
    free(docs);
    cv_doc_clear(&scratch);
    if (!cv_is_ok(r))
        return CV_FAILF(CV_E_FLUX_MANIFEST, "failed to decode Kubernetes YAML from %s: %s", path,
                        cv_err_detail()[0] ? cv_err_detail() : cv_strerror(r.err));
    return r;
}

typedef struct {
    cv_kzfs *fs;
    cv_doc *doc;
    cv_node *resources;
    const char *base;
    unsigned depth;
} walk_ctx;

static cv_result add_resource(walk_ctx *w, const char *path)
{
    size_t bl = strcmp(w->base, ".") == 0 ? 0 : strlen(w->base);
    const char *rel = path + bl + (bl ? 1 : 0);
    cv_buf b;
    cv_buf_init(&b, CV_KZ_MAX_PATH + 3);
    cv_result r = cv_buf_addf(&b, "./%s", rel);
    cv_node *v;
    if (cv_is_ok(r)) r = cv_node_text(w->doc, CV_NODE_STR, b.p, b.len, &v);
    if (cv_is_ok(r)) r = cv_node_append(w->doc, w->resources, NULL, v);
    cv_buf_release(&b);
    return r;
}

static bool yaml_name(const char *name)
{
    return str_ends(name, ".yaml") || str_ends(name, ".yml");
}

static cv_result walk_dir(walk_ctx *w, const char *dir);

static cv_result walk_entry(walk_ctx *w, const char *path, const char *name)
{
    cv_kzfs_kind k = cv_kzfs_stat(w->fs, path);
    if (k == CV_KZFS_DIR) {
        if (has_kustomization(w->fs, path)) return add_resource(w, path);
        return walk_dir(w, path);
    }
    if (k != CV_KZFS_FILE || !yaml_name(name)) return cv_ok();
    CV_GUARD(check_manifest(w->fs, path));
    return add_resource(w, path);
}

static cv_result walk_dir(walk_ctx *w, const char *dir)
{
    CV_ENSUREF(w->depth < CV_KZ_MAX_DEPTH, CV_E_LIMIT, "%s: directories nested too deep", dir);
    char **names;
    size_t n;
    CV_GUARD(cv_kzfs_list(w->fs, dir, &names, &n));
    w->depth++;
    cv_result r = cv_ok();
    for (size_t i = 0; cv_is_ok(r) && i < n; i++) {
        char *p = NULL;
        r = cv_kzfs_join(dir, names[i], &p);
        if (cv_is_ok(r)) r = walk_entry(w, p, names[i]);
        free(p);
    }
    w->depth--;
    cv_kzfs_names_free(names, n);
    return r;
}

static cv_result generate(cv_kzfs *fs, const char *dir, cv_doc *doc, cv_node **out)
{
    cv_node *m, *res;
    CV_GUARD(cv_node_new(doc, CV_NODE_MAP, &m));
    CV_GUARD(map_set_str(doc, m, "apiVersion", "kustomize.config.k8s.io/v1beta1"));
    CV_GUARD(map_set_str(doc, m, "kind", "Kustomization"));
    CV_GUARD(cv_node_new(doc, CV_NODE_LIST, &res));
    walk_ctx w = { fs, doc, res, dir, 0 };
    CV_GUARD(walk_dir(&w, dir));
    if (res->n == 0) CV_GUARD(map_set_str(doc, m, "namespace", "_placeholder"));
    else CV_GUARD(map_set(doc, m, "resources", res));
    *out = m;
    return cv_ok();
}

cv_result cv_flux_gen_find(cv_kzfs *fs, const char *dir, cv_doc *doc, cv_node **out, bool *created)
{
    *created = false;
    cv_result r = cv_kz_read_kustomization(fs, dir, doc, out);
    if (!cv_is(r, CV_E_NOT_FOUND)) return r;
    cv_err_clear();
    *created = true;
    return generate(fs, dir, doc, out);
}

/* ---- the spec merge -------------------------------------------------------------- */

bool cv_flux_local_relative(const char *path)
{
    static const char *const remote[] = { "git::",   "gh:",        "ssh://",     "https://",
                                          "http://", "git@",       "github.com:", "github.com/" };
    size_t len = strlen(path);
    for (size_t i = 0; i < sizeof remote / sizeof *remote; i++) {
        size_t pl = strlen(remote[i]);
        if (pl < len && strncasecmp(path, remote[i], pl) == 0) return false;
    }
    if (path[0] == '/') return false;
    return !(strncasecmp(path, "file://", 7) == 0 && path[7] == '/');
}

/* kustypes.Selector from a Flux selector: known string fields, empty ones omitted. */
static cv_result selector(cv_doc *d, const cv_node *t, cv_node **out)
{
    static const char *const keys[] = { "group", "version", "kind", "name", "namespace",
                                        "annotationSelector", "labelSelector" };
    CV_GUARD(cv_node_new(d, CV_NODE_MAP, out));
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++)
        CV_GUARD(map_set_opt(d, *out, keys[i], cv_flux_str(t, keys[i])));
    return cv_ok();
}

/* One kustypes.Patch {patch, target}. */
static cv_result add_patch(cv_doc *d, cv_node *list, const char *text, const cv_node *target)
{
    cv_node *p;
    CV_GUARD(cv_node_new(d, CV_NODE_MAP, &p));
    CV_GUARD(map_set_opt(d, p, "patch", text));
    if (target && target->kind == CV_NODE_MAP) {
        cv_node *sel;
        CV_GUARD(selector(d, target, &sel));
        CV_GUARD(map_set(d, p, "target", sel));
    }
    return cv_node_append(d, list, NULL, p);
}

static cv_result merge_patches(cv_doc *d, cv_node *kus, const cv_flux_ks *k)
{
    if (k->patches == NULL) return cv_ok();
    cv_node *list;
    CV_GUARD(map_list(d, kus, "patches", &list));
    for (size_t i = 0; i < k->patches->n; i++) {
        const cv_node *p = k->patches->items[i].value;
        CV_GUARD(add_patch(d, list, cv_flux_str(p, "patch"), cv_map_get(p, "target")));
    }
    return cv_ok();
}

static cv_result merge_components(cv_kzfs *fs, const char *dir, cv_doc *d, cv_node *kus,
                                  const cv_flux_ks *k)
{
    if (k->components == NULL) return cv_ok();
    cv_node *list = NULL;
    for (size_t i = 0; i < k->components->n; i++) {
        const char *c = k->components->items[i].value->s;
        CV_ENSUREF(cv_flux_local_relative(c), CV_E_FLUX_SPEC,
                   "component path '%s' must be local and relative", c);
        char *p;
        CV_GUARD(cv_kzfs_join(dir, c, &p));
        bool exists = cv_kzfs_stat(fs, p) != CV_KZFS_NONE;
        free(p);
        if (!exists && k->ignore_missing_components) continue;
        if (list == NULL) CV_GUARD(map_list(d, kus, "components", &list));
        CV_GUARD(list_add_str(d, list, c));
    }
    return cv_ok();
}

/* Go's json.Marshal of a map[string]interface{}: keys sorted by bytes. */
static int item_cmp(const void *a, const void *b)
{
    const cv_item *x = a, *y = b;
    size_t n = x->key->len < y->key->len ? x->key->len : y->key->len;
    int c = memcmp(x->key->s, y->key->s, n);
    return c ? c : (x->key->len > y->key->len) - (x->key->len < y->key->len);
}

static cv_result sort_maps(cv_node *n)
{
    if (n->kind != CV_NODE_MAP && n->kind != CV_NODE_LIST) return cv_ok();
    for (size_t i = 0; i < n->n; i++) {
        if (n->kind == CV_NODE_MAP)
            CV_ENSUREF(n->items[i].key && n->items[i].key->kind == CV_NODE_STR, CV_E_FLUX_SPEC,
                       "patch: keys must be strings");
        if (n->items[i].value) CV_GUARD(sort_maps(n->items[i].value));
    }
    if (n->kind == CV_NODE_MAP && n->n > 1) qsort(n->items, n->n, sizeof *n->items, item_cmp);
    return cv_ok();
}

/* Whitespace outside strings dropped: encoding/json's compact form. */
static void compact(cv_buf *b)
{
    size_t w = 0;
    bool str = false, esc = false;
    for (size_t i = 0; i < b->len; i++) {
        uint8_t c = b->p[i];
        if (str) {
            if (esc) esc = false;
            else if (c == '\\') esc = true;
            else if (c == '"') str = false;
        } else if (c == '"') {
            str = true;
        } else if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
            continue;
        }
        b->p[w++] = c;
    }
    b->len = w;
}

/* A node as the JSON text json.Marshal gives (keys sorted). */
static cv_result json_text(cv_doc *d, const cv_node *n, cv_node **out)
{
    cv_node *c;
    CV_GUARD(cv_node_clone(d, n, &c));
    CV_GUARD(sort_maps(c));
    cv_buf b;
    cv_buf_init(&b, CV_KZ_MAX_FILE);
    cv_result r = cv_store_emit_value(CV_STORE_JSON, c, -1, &b);
    compact(&b);
    if (cv_is_ok(r)) r = cv_node_text(d, CV_NODE_STR, b.p, b.len, out);
    cv_buf_release(&b);
    return r;
}

/* The JSON6902 operations as Flux's struct marshals them: op, path, from
 * (omitempty), value (omitempty), whatever order they were written in. */
static cv_result ops_text(cv_doc *d, const cv_node *ops, cv_node **out)
{
    CV_ENSUREF(ops && ops->kind == CV_NODE_LIST, CV_E_FLUX_SPEC, "patchesJson6902: patch must be a list");
    cv_node *list;
    CV_GUARD(cv_node_new(d, CV_NODE_LIST, &list));
    for (size_t i = 0; i < ops->n; i++) {
        const cv_node *op = ops->items[i].value;
        cv_node *m, *v;
        CV_GUARD(cv_node_new(d, CV_NODE_MAP, &m));
        CV_GUARD(map_set_str(d, m, "op", cv_flux_str(op, "op") ? cv_flux_str(op, "op") : ""));
        CV_GUARD(map_set_str(d, m, "path", cv_flux_str(op, "path") ? cv_flux_str(op, "path") : ""));
        CV_GUARD(map_set_opt(d, m, "from", cv_flux_str(op, "from")));
        const cv_node *val = cv_map_get(op, "value");
        if (val) {
            CV_GUARD(cv_node_clone(d, val, &v));
            CV_GUARD(sort_maps(v));
            CV_GUARD(map_set(d, m, "value", v));
        }
        CV_GUARD(cv_node_append(d, list, NULL, m));
    }
    cv_buf b;
    cv_buf_init(&b, CV_KZ_MAX_FILE);
    cv_result r = cv_store_emit_value(CV_STORE_JSON, list, -1, &b);
    compact(&b);
    if (cv_is_ok(r)) r = cv_node_text(d, CV_NODE_STR, b.p, b.len, out);
    cv_buf_release(&b);
    return r;
}

static cv_result merge_legacy(cv_doc *d, cv_node *kus, const cv_flux_ks *k)
{
    cv_node *list, *v;
    for (size_t i = 0; k->patches_sm && i < k->patches_sm->n; i++) {
        CV_GUARD(map_list(d, kus, "patchesStrategicMerge", &list));
        CV_GUARD(json_text(d, k->patches_sm->items[i].value, &v));
        CV_GUARD(cv_node_append(d, list, NULL, v));
    }
    for (size_t i = 0; k->patches_json6902 && i < k->patches_json6902->n; i++) {
        const cv_node *p = k->patches_json6902->items[i].value, *ops = cv_map_get(p, "patch");
        CV_GUARD(map_list(d, kus, "patchesJson6902", &list));
        if (ops) CV_GUARD(ops_text(d, ops, &v));
        else CV_GUARD(str_node(d, "null", &v));
        cv_node *target = (cv_node *)cv_map_get(p, "target"), *empty = NULL;
        if (target == NULL) CV_GUARD(cv_node_new(d, CV_NODE_MAP, &empty));
        CV_GUARD(add_patch(d, list, v->s, target ? target : empty));
    }
    return cv_ok();
}

static cv_node *find_image(cv_node *list, const char *name)
{
    for (size_t i = 0; list && i < list->n; i++) {
        const char *n = cv_flux_str(list->items[i].value, "name");
        if (n && strcmp(n, name) == 0) return list->items[i].value;
    }
    return NULL;
}

static cv_result merge_image(cv_doc *d, cv_node *list, const cv_node *img)
{
    const char *name = cv_flux_str(img, "name"), *nn = cv_flux_str(img, "newName"),
               *tag = cv_flux_str(img, "newTag"), *dig = cv_flux_str(img, "digest");
    if (name == NULL) name = "";
    cv_node *cur = find_image(list, name);
    if (cur == NULL) {
        CV_GUARD(cv_node_new(d, CV_NODE_MAP, &cur));
        CV_GUARD(map_set_str(d, cur, "name", name));
        CV_GUARD(cv_node_append(d, list, NULL, cur));
    }
    if (nn && *nn) CV_GUARD(map_set_str(d, cur, "newName", nn));
    if ((tag && *tag) || (dig && *dig)) {
        CV_GUARD(map_set_opt(d, cur, "newTag", tag));
        CV_GUARD(map_set_opt(d, cur, "digest", dig));
    }
    return cv_ok();
}

static cv_result merge_images(cv_doc *d, cv_node *kus, const cv_flux_ks *k)
{
    if (k->images == NULL || k->images->n == 0) return cv_ok();
    cv_node *list;
    CV_GUARD(map_list(d, kus, "images", &list));
    for (size_t i = 0; i < k->images->n; i++) CV_GUARD(merge_image(d, list, k->images->items[i].value));
    return cv_ok();
}

static cv_result merge_names(cv_doc *d, cv_node *kus, const cv_flux_ks *k)
{
    if (k->target_ns) CV_GUARD(map_set_opt(d, kus, "namespace", k->target_ns));
    if (k->name_prefix) CV_GUARD(map_set_opt(d, kus, "namePrefix", k->name_prefix));
    if (k->name_suffix) CV_GUARD(map_set_opt(d, kus, "nameSuffix", k->name_suffix));
    return cv_ok();
}

static cv_result origin_metadata(cv_doc *d, cv_node *kus)
{
    const cv_node *res = cv_map_get(kus, "resources");
    if (res && res->kind == CV_NODE_LIST && res->n > 0) return cv_ok();
    cv_node *list;
    CV_GUARD(cv_node_new(d, CV_NODE_LIST, &list));
    CV_GUARD(list_add_str(d, list, "originAnnotations"));
    return map_set(d, kus, "buildMetadata", list);
}

cv_result cv_flux_gen(cv_kzfs *fs, const char *dir, const cv_flux_ks *k, cv_doc *doc, cv_node **out)
{
    bool created;
    CV_GUARD(cv_flux_gen_find(fs, dir, doc, out, &created));
    cv_node *kus = *out;
    if (!created) CV_GUARD(origin_metadata(doc, kus));
    /* Flux reads the file into a typed Kustomization that starts with these. */
    if (!cv_flux_str(kus, "apiVersion") || !*cv_flux_str(kus, "apiVersion"))
        CV_GUARD(map_set_str(doc, kus, "apiVersion", "kustomize.config.k8s.io/v1beta1"));
    if (!cv_flux_str(kus, "kind") || !*cv_flux_str(kus, "kind"))
        CV_GUARD(map_set_str(doc, kus, "kind", "Kustomization"));
    CV_GUARD(merge_names(doc, kus, k));
    CV_GUARD(merge_patches(doc, kus, k));
    CV_GUARD(merge_components(fs, dir, doc, kus, k));
    CV_GUARD(merge_legacy(doc, kus, k));
    CV_GUARD(merge_images(doc, kus, k));
    if (k->build_metadata && k->build_metadata->n) {
        cv_node *bm;
        CV_GUARD(cv_node_clone(doc, k->build_metadata, &bm));
        CV_GUARD(map_set(doc, kus, "buildMetadata", bm));
    }
    return cv_ok();
}
