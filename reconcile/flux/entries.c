/* Entry Kustomizations: from named files, or found in the repository
 * (see walk.h). */
#include <stdlib.h>
#include <string.h>

#include "crypto/base/limits.h"
#include "crypto/base/mem.h"
#include "reconcile/flux/sources.h"
#include "reconcile/flux/walk.h"
#include "reconcile/kustomize/kyaml.h"

typedef struct {
    cv_node **v;
    char **file; /* default entries: the file of each object */
    size_t n, cap;
} objs;

static cv_result push(objs *l, cv_node *o, const char *file)
{
    if (l->n == l->cap) {
        CV_ENSUREF(l->n < CV_KZ_MAX_RESOURCES, CV_E_LIMIT, "too many Kustomization objects");
        size_t cap = l->cap, fcap = l->cap;
        CV_GUARD(cv_grow_array((void **)&l->v, &cap, l->n + 1, sizeof *l->v, 16, CV_KZ_MAX_RESOURCES));
        CV_GUARD(cv_grow_array((void **)&l->file, &fcap, cap, sizeof *l->file, cap, cap));
        l->cap = cap;
    }
    l->file[l->n] = file ? strdup(file) : NULL;
    CV_ENSURE(!file || l->file[l->n], CV_E_NOMEM);
    l->v[l->n++] = o;
    return cv_ok();
}

static void objs_free(objs *l)
{
    for (size_t i = 0; i < l->n; i++) free(l->file[i]);
    free(l->file);
    free(l->v);
}

static cv_result read_file(cv_kzfs *fs, const char *path, cv_doc *doc, objs *l, bool keep_file)
{
    cv_slice text;
    CV_GUARD(cv_kzfs_read(fs, path, &text));
    cv_node **docs = NULL;
    size_t n = 0;
    CV_GUARD(cv_kz_yaml_repo_docs(doc, text, &docs, &n));
    cv_result r = cv_ok();
    for (size_t i = 0; cv_is_ok(r) && i < n; i++)
        if (cv_flux_is_ks(docs[i]) || cv_flux_is_source(docs[i]))
            r = push(l, docs[i], keep_file ? path : NULL);
    free(docs);
    return r;
}

cv_result cv_flux_read_entries(cv_kzfs *fs, const char *path, cv_doc *doc, cv_node ***out, size_t *n)
{
    objs l = { 0 };
    cv_result r = read_file(fs, path, doc, &l, false);
    if (!cv_is_ok(r)) {
        objs_free(&l);
        return r;
    }
    for (size_t i = 0; i < l.n; i++) free(l.file[i]);
    free(l.file);
    *out = l.v;
    *n = l.n;
    return cv_ok();
}

static bool yaml_file(const char *name)
{
    size_t n = strlen(name);
    return (n > 5 && strcmp(name + n - 5, ".yaml") == 0) || (n > 4 && strcmp(name + n - 4, ".yml") == 0);
}

/* Every Kustomization and source object of every YAML file below dir; files that do
 * not read as YAML are not Flux objects and are skipped. */
static cv_result scan(cv_kzfs *fs, const char *dir, cv_doc *doc, objs *l, unsigned depth)
{
    CV_ENSUREF(depth < CV_KZ_MAX_DEPTH, CV_E_LIMIT, "%s: directories nested too deep", dir);
    char **names;
    size_t n;
    CV_GUARD(cv_kzfs_list(fs, dir, &names, &n));
    cv_result r = cv_ok();
    for (size_t i = 0; cv_is_ok(r) && i < n; i++) {
        if (strcmp(names[i], ".git") == 0) continue;
        char *p = NULL;
        r = cv_kzfs_join(dir, names[i], &p);
        cv_kzfs_kind k = cv_is_ok(r) ? cv_kzfs_stat(fs, p) : CV_KZFS_NONE;
        if (k == CV_KZFS_DIR) r = scan(fs, p, doc, l, depth + 1);
        else if (k == CV_KZFS_FILE && yaml_file(names[i]) && !cv_is_ok(read_file(fs, p, doc, l, true)))
            cv_err_clear();
        free(p);
    }
    cv_kzfs_names_free(names, n);
    return r;
}

/* Is file inside the directory spec.path of obj names (under root)? */
static bool inside(const char *root, const cv_node *obj, const char *file)
{
    const char *path = cv_flux_str(cv_map_get(obj, "spec"), "path");
    char *abs = NULL, *dir = NULL;
    bool in = false;
    if (cv_is_ok(cv_kzfs_join("/", path ? path : "", &abs)) &&
        cv_is_ok(cv_kzfs_join(root, abs[1] ? abs + 1 : ".", &dir))) {
        size_t dl = strlen(dir);
        in = strcmp(dir, ".") == 0 || (strncmp(file, dir, dl) == 0 && file[dl] == '/');
    }
    free(abs);
    free(dir);
    return in;
}

static bool covered(const objs *l, const char *root, size_t i)
{
    for (size_t j = 0; j < l->n; j++)
        if (j != i && cv_flux_is_ks(l->v[j]) && inside(root, l->v[j], l->file[i])) return true;
    return false;
}

/* The source objects of the files the chosen entries v[0..m) came from. */
static size_t entry_sources(const objs *l, const bool *chosen, cv_node **v, size_t m)
{
    for (size_t i = 0; i < l->n; i++) {
        if (!cv_flux_is_source(l->v[i])) continue;
        bool same = false;
        for (size_t j = 0; j < l->n && !same; j++) same = chosen[j] && strcmp(l->file[j], l->file[i]) == 0;
        if (same) v[m++] = l->v[i];
    }
    return m;
}

cv_result cv_flux_default_entries(cv_kzfs *fs, const char *root, cv_doc *doc, cv_node ***out, size_t *n)
{
    objs l = { 0 };
    cv_result r = scan(fs, root, doc, &l, 0);
    cv_node **v = cv_is_ok(r) ? malloc((l.n ? l.n : 1) * sizeof *v) : NULL;
    bool *chosen = cv_is_ok(r) ? calloc(l.n ? l.n : 1, sizeof *chosen) : NULL;
    if (cv_is_ok(r) && (v == NULL || chosen == NULL)) r = CV_FAIL(CV_E_NOMEM);
    size_t m = 0;
    for (size_t i = 0; cv_is_ok(r) && i < l.n; i++) {
        chosen[i] = cv_flux_is_ks(l.v[i]) && !covered(&l, root, i);
        if (chosen[i]) v[m++] = l.v[i];
    }
    if (cv_is_ok(r)) m = entry_sources(&l, chosen, v, m);
    free(chosen);
    objs_free(&l);
    if (!cv_is_ok(r)) {
        free(v);
        return r;
    }
    *out = v;
    *n = m;
    return cv_ok();
}
