/* kustomize build (see build.h): the kustomization file, the accumulation
 * of resources and components, the transformer order of kusttarget.go, and
 * krusty's final steps. Generators live in gen.c, the name hash, name
 * references and sorting in xform.c. */
#include "reconcile/kustomize/build.h"

#include <stdlib.h>
#include <string.h>

#include "crypto/base/limits.h"
#include "reconcile/kustomize/emit.h"
#include "reconcile/kustomize/kbuild.h"
#include "reconcile/kustomize/kyaml.h"
#include "reconcile/kustomize/remote.h"
#include "reconcile/kustomize/res.h"

#if __has_include("reconcile/kustomize/patch.h")
#include "reconcile/kustomize/patch.h"
#include "reconcile/kustomize/replace.h"
#define KZ_HAVE_PATCH 1
#else
#define KZ_HAVE_PATCH 0
#endif

/* ---- the kustomization file ---------------------------------------------- */

static const char *const k_fields[] = {
    "apiVersion", "kind", "metadata", "openapi", "namePrefix", "nameSuffix", "namespace",
    "commonLabels", "labels", "commonAnnotations", "patchesStrategicMerge", "patchesJson6902",
    "patches", "images", "imageTags", "replacements", "replicas", "vars", "sortOptions",
    "resources", "components", "crds", "bases", "configMapGenerator", "secretGenerator",
    "helmGlobals", "helmCharts", "helmChartInflationGenerator", "generatorOptions",
    "configurations", "generators", "transformers", "validators", "buildMetadata", NULL,
};

/* Known to kustomize, not (yet) to covert: refused by name, never ignored. */
static const char *const k_unsupported[] = {
    "openapi", "vars", "crds", "helmGlobals", "helmCharts", "helmChartInflationGenerator",
    "generators", "transformers", "validators", NULL,
};

static bool in_list(const char *const *l, const cv_node *k)
{
    for (; *l; l++)
        if (strlen(*l) == k->len && memcmp(*l, k->s, k->len) == 0) return true;
    return false;
}

static bool empty_value(const cv_node *v)
{
    if (!v || v->kind == CV_NODE_NULL) return true;
    if (v->kind == CV_NODE_MAP || v->kind == CV_NODE_LIST) return v->n == 0;
    return v->kind == CV_NODE_STR && v->len == 0;
}

static cv_result check_fields(const cv_node *k)
{
    for (size_t i = 0; i < k->n; i++) {
        const cv_node *key = k->items[i].key;
        CV_ENSUREF(key->kind == CV_NODE_STR && in_list(k_fields, key), CV_E_KZ_KUSTOMIZATION,
                   "invalid Kustomization: json: unknown field \"%.*s\"",
                   key->kind == CV_NODE_STR ? (int)key->len : 0, key->s ? key->s : "");
        if (in_list(k_unsupported, key) && !empty_value(k->items[i].value))
            CV_BAILF(CV_E_UNSUPPORTED, "kustomization field '%.*s' is not implemented by covert",
                     (int)key->len, key->s);
    }
    return cv_ok();
}

static const char *const k_kust_names[] = { "kustomization.yaml", "kustomization.yml",
                                            "Kustomization" };

/* The kustomization file of dir and its name (one of k_kust_names). */
static cv_result read_kust(cv_kzfs *fs, const char *dir, cv_doc *doc, cv_node **out, const char **name)
{
    for (size_t i = 0; i < 3; i++) {
        char *p;
        CV_GUARD(cv_kzfs_join(dir, k_kust_names[i], &p));
        bool is_file = cv_kzfs_stat(fs, p) == CV_KZFS_FILE;
        cv_slice text = { 0 };
        cv_result r = is_file ? cv_kzfs_read(fs, p, &text) : cv_ok();
        free(p);
        CV_GUARD(r);
        if (!is_file) continue;
        cv_node **docs;
        size_t n;
        CV_GUARD(cv_kz_yaml_repo_docs(doc, text, &docs, &n));
        cv_node *k = n ? docs[0] : NULL;
        free(docs);
        if (!k) CV_GUARD(cv_node_new(doc, CV_NODE_MAP, &k));
        CV_ENSUREF(k->kind == CV_NODE_MAP, CV_E_KZ_KUSTOMIZATION,
                   "invalid Kustomization: a YAML mapping is expected in %s", k_kust_names[i]);
        *out = k;
        *name = k_kust_names[i];
        return cv_ok();
    }
    CV_BAILF(CV_E_NOT_FOUND,
             "unable to find one of 'kustomization.yaml', 'kustomization.yml' or "
             "'Kustomization' in directory '%s'", dir);
}

cv_result cv_kz_read_kustomization(cv_kzfs *fs, const char *dir, cv_doc *doc, cv_node **out)
{
    const char *name;
    return read_kust(fs, dir, doc, out, &name);
}

/* ---- loading resource files ---------------------------------------------- */

static bool is_remote(const char *p)
{
    return strncmp(p, "https://", 8) == 0 || strncmp(p, "http://", 7) == 0 ||
           strncmp(p, "git::", 5) == 0 || strncmp(p, "ssh://", 6) == 0 ||
           strncmp(p, "git@", 4) == 0 || strncmp(p, "github.com/", 11) == 0 ||
           strstr(p, "?ref=") != NULL;
}

/* RootOnly: a file must lie inside the kustomization's own directory. */
static cv_result check_root(const cv_kzb_ctx *c, const char *dir, const char *path)
{
    if (c->o->load_none) return cv_ok();
    size_t n = strlen(dir);
    bool inside = strcmp(dir, ".") == 0 ? strncmp(path, "../", 3) != 0 && path[0] != '/'
                                        : strncmp(path, dir, n) == 0 && path[n] == '/';
    CV_ENSUREF(inside, CV_E_KZ_LOAD,
               "security; file '%s' is not in or below '%s'", path, dir);
    return cv_ok();
}

/* kind: FooList with items: its items, queued behind the other documents. */
static cv_result expand_lists(cv_kzb_acc *a, cv_node **docs, size_t n, const char *path)
{
    cv_node **q = NULL;
    size_t qn = 0, qcap = 0;
    cv_result r = cv_ok();
    for (size_t i = 0; i < n; i++) {
        r = cv_kzb_queue_push(&q, &qn, &qcap, docs[i]);
        if (!cv_is_ok(r)) break;
    }
    for (size_t h = 0; h < qn && cv_is_ok(r); h++) {
        cv_node *d = q[h];
        if (d->kind != CV_NODE_MAP) {
            r = CV_FAILF(CV_E_KZ_RESOURCE, "%s: a resource must be a YAML mapping", path);
            break;
        }
        cv_slice kind = cv_kzr_str(d, "kind");
        cv_node *items = cv_map_get(d, "items");
        bool list = kind.len >= 4 && memcmp(kind.p + kind.len - 4, "List", 4) == 0 && items;
        if (!list) {
            r = cv_kzb_acc_append(a, d);
            continue;
        }
        if (items->kind == CV_NODE_NULL) continue;
        if (items->kind != CV_NODE_LIST) {
            r = CV_FAILF(CV_E_KZ_RESOURCE, "expected array in %.*s/items", (int)kind.len,
                         (const char *)kind.p);
            break;
        }
        for (size_t j = 0; j < items->n && cv_is_ok(r); j++)
            r = cv_kzb_queue_push(&q, &qn, &qcap, items->items[j].value);
    }
    free(q);
    return r;
}

/* plain: decrypted text (never cached, always wiped), not repository content. */
static cv_result load_text(cv_kzb_ctx *c, cv_kzb_acc *a, cv_slice text, const char *path,
                           const char *entry, bool plain)
{
    size_t from = a->n;
    cv_node **docs;
    size_t n;
    cv_result r = plain ? cv_kz_yaml_docs(&a->rm->doc, text, &docs, &n)
                        : cv_kz_yaml_repo_docs(&a->rm->doc, text, &docs, &n);
    if (!cv_is_ok(r)) return r;
    r = expand_lists(a, docs, n, path);
    free(docs);
    if (cv_is_ok(r)) r = cv_kzb_origin_file(c, a, from, entry);
    return r;
}

static cv_result load_file(cv_kzb_ctx *c, cv_kzb_acc *a, const char *path, const char *entry)
{
    cv_slice text;
    CV_GUARD(cv_kzfs_read(c->o->fs, path, &text));
    return load_text(c, a, text, path, entry, cv_kzfs_overlaid(c->o->fs, path));
}

/* An http(s) file: its objects only, nothing in it is relative to a root. */
static cv_result load_remote(cv_kzb_ctx *c, cv_kzb_acc *a, const char *url)
{
    cv_buf body;
    cv_result r = cv_kz_remote_load(c->o, url, &body);
    if (cv_is_ok(r)) r = load_text(c, a, cv_buf_slice(&body), url, url, false);
    cv_buf_release(&body);
    return r;
}

/* ---- accumulation (kusttarget.go) ------------------------------------------ */

static cv_result run_target(cv_kzb_ctx *c, const char *dir, const cv_node *kust, cv_kzb_acc *a,
                            bool component);

static cv_result accumulate_dir(cv_kzb_ctx *c, cv_kzb_acc *parent, const char *dir, const char *entry)
{
    char *saved;
    CV_GUARD(cv_kzb_origin_enter(c, entry, &saved));
    cv_kzb_acc sub;
    cv_kzb_acc_init(&sub, parent->rm);
    cv_result r = run_target(c, dir, NULL, &sub, false);
    if (cv_is_ok(r)) r = cv_kzb_acc_merge(parent, &sub);
    cv_kzb_acc_free(&sub);
    cv_kzb_origin_leave(c, saved);
    return r;
}

static cv_result accumulate_resource(cv_kzb_ctx *c, cv_kzb_acc *a, const char *dir, const char *entry)
{
    if (cv_kz_remote_is_url(entry)) return load_remote(c, a, entry);
    CV_ENSUREF(!is_remote(entry), CV_E_UNSUPPORTED,
               "remote resource '%s': covert builds local kustomizations only", entry);
    char *path;
    CV_GUARD(cv_kzfs_join(dir, entry, &path));
    cv_result r;
    switch (cv_kzfs_stat(c->o->fs, path)) {
    case CV_KZFS_FILE:
        r = check_root(c, dir, path);
        if (cv_is_ok(r)) r = load_file(c, a, path, entry);
        break;
    case CV_KZFS_DIR: r = accumulate_dir(c, a, path, entry); break;
    default:
        r = CV_FAILF(CV_E_NOT_FOUND, "accumulating resources: '%s' does not exist", path);
        break;
    }
    free(path);
    return r;
}

static cv_result str_entries(const cv_node *k, const char *field, const cv_node **list)
{
    const cv_node *v = cv_map_get(k, field);
    *list = NULL;
    if (!v || v->kind == CV_NODE_NULL) return cv_ok();
    CV_ENSUREF(v->kind == CV_NODE_LIST, CV_E_KZ_KUSTOMIZATION,
               "invalid Kustomization: '%s' must be a list", field);
    for (size_t i = 0; i < v->n; i++)
        CV_ENSUREF(v->items[i].value->kind == CV_NODE_STR, CV_E_KZ_KUSTOMIZATION,
                   "invalid Kustomization: '%s' entries must be strings", field);
    *list = v;
    return cv_ok();
}

static cv_result accumulate_list(cv_kzb_ctx *c, cv_kzb_acc *a, const char *dir, const cv_node *k,
                                 const char *field)
{
    const cv_node *l;
    CV_GUARD(str_entries(k, field, &l));
    for (size_t i = 0; l && i < l->n; i++)
        CV_GUARD(accumulate_resource(c, a, dir, l->items[i].value->s));
    return cv_ok();
}

static cv_result accumulate_components(cv_kzb_ctx *c, cv_kzb_acc *a, const char *dir, const cv_node *k)
{
    const cv_node *l;
    CV_GUARD(str_entries(k, "components", &l));
    for (size_t i = 0; l && i < l->n; i++) {
        const char *entry = l->items[i].value->s;
        CV_ENSUREF(!is_remote(entry), CV_E_UNSUPPORTED, "remote component '%s'", entry);
        char *path, *saved;
        CV_GUARD(cv_kzfs_join(dir, entry, &path));
        cv_result r = cv_kzb_origin_enter(c, entry, &saved);
        if (cv_is_ok(r))
            r = cv_kzfs_stat(c->o->fs, path) == CV_KZFS_DIR
                    ? run_target(c, path, NULL, a, true)
                    : CV_FAILF(CV_E_KZ_LOAD, "loader.New \"'%s' must be a directory\"", path);
        cv_kzb_origin_leave(c, saved);
        free(path);
        CV_GUARD(r);
    }
    return cv_ok();
}

/* ---- transformers ------------------------------------------------------------ */

static cv_result read_text(cv_kzb_ctx *c, const char *dir, const char *rel, cv_slice *out)
{
    char *path;
    CV_GUARD(cv_kzfs_join(dir, rel, &path));
    cv_result r = check_root(c, dir, path);
    if (cv_is_ok(r)) r = cv_kzfs_read(c->o->fs, path, out);
    free(path);
    return r;
}

#if KZ_HAVE_PATCH
static cv_result run_patches(cv_kzb_ctx *c, cv_kzb_acc *a, const char *dir, const cv_node *list)
{
    for (size_t i = 0; list && i < list->n; i++) {
        const cv_node *p = list->items[i].value;
        CV_ENSUREF(p->kind == CV_NODE_MAP, CV_E_KZ_KUSTOMIZATION, "invalid patch entry");
        /* PatchTransformer trims an inline patch, never a file's text. */
        cv_slice text = cv_slice_trim(cv_kzr_str(p, "patch"));
        cv_slice path = cv_kzr_str(p, "path");
        CV_ENSUREF(!(text.len && path.len), CV_E_KZ_KUSTOMIZATION,
                   "patch and path can't be set at the same time");
        if (path.len) {
            char *rel;
            CV_GUARD(cv_slice_strdup(path, &rel));
            cv_result r = read_text(c, dir, rel, &text);
            free(rel);
            CV_GUARD(r);
        }
        const cv_node *t = cv_map_get(p, "target"), *o = cv_map_get(p, "options");
        CV_GUARD(cv_kzb_acc_sync(a));
        CV_GUARD(cv_kz_patch(a->rm, text, t && t->kind == CV_NODE_MAP ? t : NULL,
                             o && o->kind == CV_NODE_MAP ? o : NULL));
        cv_kzb_acc_unsync(a);
    }
    return cv_ok();
}
#endif

static cv_result patch_fields(cv_kzb_ctx *c, cv_kzb_acc *a, const char *dir, const cv_node *k,
                              const char *which)
{
    const cv_node *v = cv_map_get(k, which);
    if (empty_value(v)) return cv_ok();
    CV_ENSUREF(v->kind == CV_NODE_LIST, CV_E_KZ_KUSTOMIZATION, "'%s' must be a list", which);
#if KZ_HAVE_PATCH
    if (strcmp(which, "patches") == 0) return run_patches(c, a, dir, v);
    CV_GUARD(cv_kzb_acc_sync(a));
    cv_result r = cv_ok();
    for (size_t i = 0; i < v->n && cv_is_ok(r); i++) {
        const cv_node *e = v->items[i].value;
        if (strcmp(which, "patchesStrategicMerge") == 0) {
            cv_slice text = { 0 };
            char *rel = NULL;
            r = cv_node_is_scalar(e) ? cv_slice_strdup(cv_slice_of(e->s, e->len), &rel)
                                     : CV_FAILF(CV_E_KZ_KUSTOMIZATION, "bad patch");
            if (cv_is_ok(r) && read_text(c, dir, rel, &text).err != CV_OK) {
                cv_err_clear();
                text = cv_slice_of(e->s, e->len);
            }
            free(rel);
            if (cv_is_ok(r)) r = cv_kz_patch_sm_legacy(a->rm, text);
        } else if (strcmp(which, "patchesJson6902") == 0) {
            cv_slice ops = cv_kzr_str(e, "patch"), path = cv_kzr_str(e, "path");
            char *rel = NULL;
            if (path.len) r = cv_slice_strdup(path, &rel);
            if (cv_is_ok(r) && rel) r = read_text(c, dir, rel, &ops);
            free(rel);
            if (cv_is_ok(r)) r = cv_kz_patch_json6902_legacy(a->rm, ops, cv_map_get(e, "target"));
        } else {
            r = cv_kz_replacements(a->rm, v);
            break;
        }
    }
    cv_kzb_acc_unsync(a);
    return r;
#else
    (void)c;
    (void)a;
    (void)dir;
    CV_BAILF(CV_E_UNSUPPORTED, "kustomization field '%s' needs the patch module", which);
#endif
}

/* ---- replacements -------------------------------------------------------------- */

/* Replacements are decoded as Go's encoding/json decodes: a key matches a
 * field name ignoring case (the copy gets the field's own spelling, which
 * the replacement code reads), and in the kustomization itself (strict) a
 * key that matches no field fails; path files are lenient and keep it. */
static const char *const k_repl_entry[] = { "source", "targets", "sourceValue", "path", NULL };
static const char *const k_repl_source[] = { "group", "version", "kind", "name", "namespace",
                                             "fieldPath", "options", NULL };
static const char *const k_repl_target[] = { "select", "reject", "fieldPaths", "options", NULL };
static const char *const k_repl_select[] = { "group", "version", "kind", "name", "namespace",
                                             "annotationSelector", "labelSelector", NULL };
static const char *const k_repl_options[] = { "delimiter", "index", "encoding", "create", NULL };

static bool fold_eq(const char *known, const cv_node *k)
{
    if (strlen(known) != k->len) return false;
    for (size_t i = 0; i < k->len; i++) {
        char a = known[i], b = k->s[i];
        if (a >= 'A' && a <= 'Z') a = (char)(a - 'A' + 'a');
        if (b >= 'A' && b <= 'Z') b = (char)(b - 'A' + 'a');
        if (a != b) return false;
    }
    return true;
}

static cv_result json_keys(cv_doc *d, cv_node *m, const char *const *known, bool strict)
{
    if (!m || m->kind != CV_NODE_MAP) return cv_ok(); /* type errors are the replacement code's */
    for (size_t i = 0; i < m->n; i++) {
        cv_node *k = m->items[i].key;
        if (k->kind == CV_NODE_STR && in_list(known, k)) continue;
        const char *const *f = known;
        while (*f && !(k->kind == CV_NODE_STR && fold_eq(*f, k))) f++;
        if (*f) {
            CV_GUARD(cv_node_set_text(d, k, CV_NODE_STR, *f, strlen(*f)));
            continue;
        }
        CV_ENSUREF(!strict, CV_E_KZ_KUSTOMIZATION, "invalid Kustomization: json: unknown field \"%.*s\"",
                   k->kind == CV_NODE_STR ? (int)k->len : 0, k->kind == CV_NODE_STR ? k->s : "");
    }
    return cv_ok();
}

static cv_result json_replacement(cv_doc *d, cv_node *e, bool strict)
{
    CV_GUARD(json_keys(d, e, k_repl_entry, strict));
    if (e->kind != CV_NODE_MAP) return cv_ok();
    cv_node *src = cv_map_get(e, "source"), *tg = cv_map_get(e, "targets");
    CV_GUARD(json_keys(d, src, k_repl_source, strict));
    if (src && src->kind == CV_NODE_MAP) CV_GUARD(json_keys(d, cv_map_get(src, "options"), k_repl_options, strict));
    for (size_t i = 0; tg && tg->kind == CV_NODE_LIST && i < tg->n; i++) {
        cv_node *t = tg->items[i].value;
        CV_GUARD(json_keys(d, t, k_repl_target, strict));
        if (t->kind != CV_NODE_MAP) continue;
        cv_node *rej = cv_map_get(t, "reject");
        CV_GUARD(json_keys(d, cv_map_get(t, "select"), k_repl_select, strict));
        CV_GUARD(json_keys(d, cv_map_get(t, "options"), k_repl_options, strict));
        for (size_t j = 0; rej && rej->kind == CV_NODE_LIST && j < rej->n; j++)
            CV_GUARD(json_keys(d, rej->items[j].value, k_repl_select, strict));
    }
    return cv_ok();
}

/* A `path:` file: its first document, a list of replacements or one. */
static cv_result replacement_file(cv_kzb_ctx *c, cv_doc *d, const char *dir, cv_slice path, cv_node *list)
{
    char *rel;
    CV_GUARD(cv_slice_strdup(path, &rel));
    cv_slice text;
    cv_result r = read_text(c, dir, rel, &text);
    free(rel);
    CV_GUARD(r);
    cv_node **docs;
    size_t n;
    CV_GUARD(cv_kz_yaml_repo_docs(d, text, &docs, &n));
    cv_node *doc = n ? docs[0] : NULL;
    free(docs);
    static const char *const kinds[] = { [CV_NODE_STR] = "string", [CV_NODE_INT] = "float64",
                                         [CV_NODE_FLOAT] = "float64", [CV_NODE_BOOL] = "bool",
                                         [CV_NODE_TIME] = "string" };
    if (!doc || (doc->kind != CV_NODE_LIST && doc->kind != CV_NODE_MAP)) {
        const char *k = doc && (size_t)doc->kind < sizeof kinds / sizeof *kinds && kinds[doc->kind]
                            ? kinds[doc->kind] : "invalid";
        CV_BAILF(CV_E_KZ_REPLACEMENT, "unsupported replacement type encountered within replacement path: %s", k);
    }
    if (doc->kind == CV_NODE_MAP) {
        CV_GUARD(json_replacement(d, doc, false));
        return cv_node_append(d, list, NULL, doc);
    }
    for (size_t m = 0; m < doc->n; m++) {
        CV_GUARD(json_replacement(d, doc->items[m].value, false));
        CV_GUARD(cv_node_append(d, list, NULL, doc->items[m].value));
    }
    return cv_ok();
}

static bool present(const cv_node *v)
{
    return v && v->kind != CV_NODE_NULL && !(v->kind == CV_NODE_LIST && v->n == 0);
}

/* replacements: `path:` entries are replaced by the file's replacements. */
static cv_result replacements(cv_kzb_ctx *c, cv_kzb_acc *a, const char *dir, const cv_node *k)
{
    const cv_node *v = cv_map_get(k, "replacements");
    if (empty_value(v)) return cv_ok();
    CV_ENSUREF(v->kind == CV_NODE_LIST, CV_E_KZ_KUSTOMIZATION, "'replacements' must be a list");
    cv_doc *d = &a->rm->doc;
    cv_node *list;
    CV_GUARD(cv_node_new(d, CV_NODE_LIST, &list));
    for (size_t i = 0; i < v->n; i++) {
        cv_node *e;
        CV_GUARD(cv_node_clone(d, v->items[i].value, &e));
        CV_GUARD(json_replacement(d, e, true));
        cv_slice path = cv_kzr_str(e, "path");
        if (!path.len) {
            CV_GUARD(cv_node_append(d, list, NULL, e));
            continue;
        }
        CV_ENSUREF(!present(cv_map_get(e, "source")) && !present(cv_map_get(e, "targets")),
                   CV_E_KZ_REPLACEMENT, "cannot specify both path and inline replacement");
        CV_GUARD(replacement_file(c, d, dir, path, list));
    }
    cv_node *tmp;
    CV_GUARD(cv_node_new(d, CV_NODE_MAP, &tmp));
    CV_GUARD(cv_map_add(d, tmp, "replacements", 12, list));
    return patch_fields(c, a, dir, tmp, "replacements");
}

static size_t list_len(const cv_node *k, const char *field)
{
    const cv_node *v = cv_map_get(k, field);
    return v && (v->kind == CV_NODE_LIST || v->kind == CV_NODE_MAP) ? v->n : 0;
}

/* Each step, then its record in the transformations (buildMetadata): one
 * per configured instance, as kusttarget configures them. */
static cv_result run_transformers(cv_kzb_ctx *c, cv_kzb_acc *a, const char *dir, const cv_node *k)
{
    CV_GUARD(patch_fields(c, a, dir, k, "patchesStrategicMerge"));
    CV_GUARD(cv_kzb_origin_transformer(c, a, "PatchStrategicMergeTransformer",
                                       list_len(k, "patchesStrategicMerge") ? 1 : 0));
    CV_GUARD(patch_fields(c, a, dir, k, "patches"));
    CV_GUARD(cv_kzb_origin_transformer(c, a, "PatchTransformer", list_len(k, "patches")));
    cv_slice ns = cv_kzr_str(k, "namespace");
    if (ns.len) CV_GUARD(cv_kzb_namespace(a, ns));
    CV_GUARD(cv_kzb_origin_transformer(c, a, "NamespaceTransformer", ns.len ? 1 : 0));
    CV_GUARD(cv_kzb_prefix_suffix(a, k));
    CV_GUARD(cv_kzb_origin_transformer(c, a, "PrefixTransformer", cv_kzr_str(k, "namePrefix").len ? 1 : 0));
    CV_GUARD(cv_kzb_origin_transformer(c, a, "SuffixTransformer", cv_kzr_str(k, "nameSuffix").len ? 1 : 0));
    CV_GUARD(cv_kzb_labels(a, k));
    size_t nl = list_len(k, "labels"), ncl = list_len(k, "commonLabels");
    CV_GUARD(cv_kzb_origin_transformer(c, a, "LabelTransformer", nl || ncl ? nl + 1 : 0));
    CV_GUARD(cv_kzb_annotations(a, k));
    CV_GUARD(cv_kzb_origin_transformer(c, a, "AnnotationsTransformer", list_len(k, "commonAnnotations") ? 1 : 0));
    CV_GUARD(patch_fields(c, a, dir, k, "patchesJson6902"));
    CV_GUARD(cv_kzb_origin_transformer(c, a, "PatchJson6902Transformer", list_len(k, "patchesJson6902")));
    CV_GUARD(cv_kzb_replicas(a, k));
    CV_GUARD(cv_kzb_origin_transformer(c, a, "ReplicaCountTransformer", list_len(k, "replicas")));
    CV_GUARD(cv_kzb_images(a, k));
    CV_GUARD(cv_kzb_origin_transformer(c, a, "ImageTagTransformer",
                                       list_len(k, "images") + list_len(k, "imageTags")));
    CV_GUARD(replacements(c, a, dir, k));
    return cv_kzb_origin_transformer(c, a, "ReplacementTransformer", list_len(k, "replacements") ? 1 : 0);
}

/* ---- one kustomization ------------------------------------------------------- */

static cv_result load_kust(cv_kzb_ctx *c, const char *dir, const cv_node *given, cv_kzb_acc *a,
                           const cv_node **out)
{
    cv_node *k = NULL;
    if (given) {
        *out = given;
    } else {
        CV_GUARD(read_kust(c->o->fs, dir, &a->rm->doc, &k, &c->kust_file));
        *out = k;
    }
    CV_GUARD(check_fields(*out));
    if ((*out)->n == 0)
        CV_BAILF(CV_E_KZ_KUSTOMIZATION, "kustomization.yaml is empty");
    return cv_ok();
}

static cv_result run_target(cv_kzb_ctx *c, const char *dir, const cv_node *kust, cv_kzb_acc *a,
                            bool component)
{
    CV_ENSUREF(c->depth < 64, CV_E_LIMIT, "kustomizations nested deeper than 64 at '%s'", dir);
    const char *saved_file = c->kust_file;
    const cv_node *k;
    CV_GUARD(load_kust(c, dir, kust, a, &k));
    bool is_comp = cv_slice_eq_str(cv_kzr_str(k, "kind"), "Component");
    /* Only an included directory is checked; the top may be a Component. */
    CV_ENSUREF(c->depth == 0 || is_comp == component, CV_E_KZ_KUSTOMIZATION,
               component ? "expected kind 'Component' for path '%s'"
                         : "expected kind != 'Component' for path '%s'", dir);
    c->depth++;
    cv_result r = accumulate_list(c, a, dir, k, "resources");
    if (cv_is_ok(r)) r = accumulate_list(c, a, dir, k, "bases");
    if (cv_is_ok(r)) r = cv_kzb_configurations(c, a, dir, k);
    if (cv_is_ok(r)) r = cv_kzb_generators(c, a, dir, k);
    if (cv_is_ok(r)) r = accumulate_components(c, a, dir, k);
    if (cv_is_ok(r)) r = run_transformers(c, a, dir, k);
    c->depth--;
    c->kust_file = saved_file;
    return r;
}

static bool build_meta_has(const cv_node *k, const char *opt)
{
    const cv_node *l = cv_map_get(k, "buildMetadata");
    for (size_t i = 0; l && l->kind == CV_NODE_LIST && i < l->n; i++)
        if (l->items[i].value->kind == CV_NODE_STR &&
            cv_slice_eq_str(cv_slice_of(l->items[i].value->s, l->items[i].value->len), opt))
            return true;
    return false;
}

cv_result cv_kz_build(const cv_kz_opts *o, const char *dir, const cv_node *kust, cv_kz_resmap *out)
{
    /* Flux hands over its kustomization as if read from kustomization.yaml. */
    cv_kzb_ctx c = { .o = o, .kust_file = "kustomization.yaml" };
    cv_kzb_acc a;
    cv_kzb_acc_init(&a, out);
    cv_node *read = NULL;
    cv_result r = kust ? cv_ok() : read_kust(o->fs, dir, &out->doc, &read, &c.kust_file);
    const cv_node *k = kust ? kust : read;
    c.track = cv_is_ok(r) && list_len(k, "buildMetadata") > 0;
    if (cv_is_ok(r)) r = run_target(&c, dir, k, &a, false);
    if (cv_is_ok(r)) r = cv_kzb_acc_sync(&a);
    if (cv_is_ok(r)) r = cv_kzb_hash_names(out);
    if (cv_is_ok(r)) r = cv_kzb_name_references(out, &a.tc);
    const cv_node *sort = cv_is_ok(r) ? cv_map_get(k, "sortOptions") : NULL;
    if (cv_is_ok(r) && (sort || !o->no_default_sort)) r = cv_kzb_sort(out, sort);
    if (cv_is_ok(r) && build_meta_has(k, "managedByLabel")) r = cv_kzb_managed_by(out);
    if (cv_is_ok(r)) r = cv_kzb_finish(out, build_meta_has(k, "originAnnotations"),
                                       build_meta_has(k, "transformerAnnotations"));
    cv_kzb_acc_free(&a);
    return r;
}

cv_result cv_kz_build_dir(const cv_kz_opts *o, const char *dir, cv_buf *out)
{
    cv_kz_opts d = *o;
    CV_GUARD(cv_kzfs_disk(&d.fs));
    cv_kz_resmap rm;
    cv_result r = cv_kz_resmap_init(&rm);
    if (cv_is_ok(r)) r = cv_kz_build(&d, dir, NULL, &rm);
    if (cv_is_ok(r)) r = cv_kz_emit(&rm, out);
    cv_kz_resmap_clear(&rm);
    cv_kzfs_free(&d.fs);
    return r;
}
