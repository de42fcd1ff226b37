/* Decryption of kustomize sources before the build (see srcdecrypt.h). */
#include "reconcile/flux/srcdecrypt.h"

#include <stdlib.h>
#include <string.h>

#include "crypto/base/limits.h"
#include "crypto/base/mem.h"
#include "reconcile/flux/decrypt.h"
#include "reconcile/flux/ks.h"
#include "reconcile/kustomize/kyaml.h"

#define FAIL_SRC(fmt, ...) \
    CV_FAILF(CV_E_FLUX_DECRYPT_SOURCES, "error decrypting sources: " fmt, __VA_ARGS__)

typedef struct {
    char **v;
    size_t n, cap;
} strset;

typedef struct {
    const cv_flux_keys *keys;
    cv_kzfs *fs;
    const char *root;
    strset dirs;  /* kustomization directories visited (relative to root) */
    strset files; /* files looked at (relative to root) */
} walker;

static bool strset_has(const strset *s, const char *x)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->v[i], x) == 0) return true;
    return false;
}

static cv_result strset_add(strset *s, const char *x)
{
    CV_GUARD(cv_grow_array((void **)&s->v, &s->cap, s->n + 1, sizeof *s->v, 16, CV_KZ_MAX_RESOURCES));
    CV_GUARD(cv_strndup(&s->v[s->n], x, strlen(x)));
    s->n++;
    return cv_ok();
}

static void strset_free(strset *s)
{
    for (size_t i = 0; i < s->n; i++) free(s->v[i]);
    free(s->v);
}

/* securejoin's view of rel: outside the root (or absolute) is not ours. */
static bool outside(const char *rel)
{
    return rel[0] == '/' || strcmp(rel, "..") == 0 || strncmp(rel, "../", 3) == 0;
}

/* kustomize-controller's isRemoteURL: a scheme and a host. */
static bool remote_url(const char *p)
{
    const char *sep = strstr(p, "://");
    if (sep == NULL || sep == p || sep[3] == '\0' || sep[3] == '/') return false;
    for (const char *c = p; c < sep; c++)
        if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-.", *c))
            return false;
    return true;
}

/* The marker sopsDecryptFile looks for, per format (binary files are JSON
 * envelopes on disk). */
static const char *marker(cv_store s)
{
    switch (s) {
    case CV_STORE_DOTENV: return "sops_mac=ENC[";
    case CV_STORE_INI: return "[sops]";
    case CV_STORE_YAML: return "mac: ENC[";
    default: return "\"mac\": \"ENC[";
    }
}

static bool contains(cv_slice hay, const char *needle)
{
    size_t n = strlen(needle);
    for (size_t i = 0; i + n <= hay.len; i++)
        if (memcmp(hay.p + i, needle, n) == 0) return true;
    return false;
}

static cv_result decrypt_into_overlay(walker *w, const char *rel, const char *path, cv_slice text,
                                      cv_store st)
{
    cv_buf plain;
    cv_buf_init_secret(&plain, CV_KZ_MAX_FILE);
    cv_result r = cv_flux_decrypt_text(w->keys, text, st, st, &plain);
    if (cv_is_ok(r)) r = cv_kzfs_overlay(w->fs, path, cv_buf_slice(&plain));
    cv_buf_release(&plain);
    if (cv_flux_keys_exhausted(w->keys, r)) return cv_flux_keys_unsupported_fail(w->keys, rel);
    if (!cv_is_ok(r) && !cv_is(r, CV_E_NOMEM))
        return FAIL_SRC("%s: %s", rel, cv_err_detail()[0] ? cv_err_detail() : cv_strerror(r.err));
    return r;
}

/* One file a generator or a patch names (rel: relative to the root). */
static cv_result visit_file(walker *w, const char *rel, cv_store st)
{
    if (outside(rel) || strset_has(&w->files, rel)) return cv_ok();
    char *path;
    CV_GUARD(cv_kzfs_join(w->root, rel, &path));
    cv_kzfs_kind kind = cv_kzfs_stat(w->fs, path);
    cv_slice text = { 0 };
    cv_result r = cv_ok();
    if (kind == CV_KZFS_NONE) r = FAIL_SRC("lstat %s: no such file or directory", rel);
    else if (kind == CV_KZFS_DIR)
        r = FAIL_SRC("%s: cannot decrypt irregular file as it has file mode type bits set", rel);
    else r = cv_kzfs_read(w->fs, path, &text);
    if (cv_is_ok(r) && text.len > CV_FLUX_MAX_ENCRYPTED)
        r = FAIL_SRC("cannot decrypt file with size (%zu bytes) exceeding limit (%u)", text.len,
                     CV_FLUX_MAX_ENCRYPTED);
    if (cv_is_ok(r) && contains(text, marker(st))) r = decrypt_into_overlay(w, rel, path, text, st);
    if (cv_is_ok(r)) r = strset_add(&w->files, rel);
    free(path);
    return r;
}

static const cv_node *list_at(const cv_node *m, const char *key)
{
    const cv_node *v = m && m->kind == CV_NODE_MAP ? cv_map_get(m, key) : NULL;
    return v && v->kind == CV_NODE_LIST ? v : NULL;
}

static cv_result string_at(const cv_node *list, size_t i, const char **out)
{
    const cv_node *v = list->items[i].value;
    CV_ENSUREF(v && v->kind == CV_NODE_STR, CV_E_FLUX_DECRYPT_SOURCES,
               "error decrypting sources: a kustomization list holds a non-string");
    *out = v->s;
    return cv_ok();
}

/* A file named relative to the kustomization directory dir. */
static cv_result visit_ref(walker *w, const char *dir, const char *file, cv_store st)
{
    if (file[0] == '/') return cv_ok();
    char *rel;
    CV_GUARD(cv_kzfs_join(dir, file, &rel));
    cv_result r = visit_file(w, rel, st);
    free(rel);
    return r;
}

/* secretGenerator files: "key=path" (format by the key) or "path". */
static cv_result visit_file_sources(walker *w, const char *dir, const cv_node *files)
{
    for (size_t i = 0; files && i < files->n; i++) {
        const char *src = NULL;
        CV_GUARD(string_at(files, i, &src));
        const char *eq = strchr(src, '=');
        char *key;
        CV_GUARD(cv_strndup(&key, src, eq ? (size_t)(eq - src) : strlen(src)));
        cv_result r = visit_ref(w, dir, eq ? eq + 1 : src, cv_flux_store_for_path(key));
        free(key);
        CV_GUARD(r);
    }
    return cv_ok();
}

static cv_result visit_sources(walker *w, const char *dir, const cv_node *kust)
{
    const cv_node *gens = list_at(kust, "secretGenerator");
    for (size_t g = 0; gens && g < gens->n; g++) {
        const cv_node *gen = gens->items[g].value;
        CV_GUARD(visit_file_sources(w, dir, list_at(gen, "files")));
        const cv_node *envs = list_at(gen, "envs");
        for (size_t i = 0; envs && i < envs->n; i++) {
            const char *env = NULL;
            CV_GUARD(string_at(envs, i, &env));
            cv_store st = cv_flux_store_for_path(env);
            CV_GUARD(visit_ref(w, dir, env, st == CV_STORE_BINARY ? CV_STORE_DOTENV : st));
        }
    }
    const cv_node *patches = list_at(kust, "patches");
    for (size_t i = 0; patches && i < patches->n; i++) {
        const char *p = cv_flux_str(patches->items[i].value, "path");
        if (p == NULL || p[0] == '\0' || remote_url(p)) continue;
        CV_GUARD(visit_ref(w, dir, p, cv_flux_store_for_path(p)));
    }
    return cv_ok();
}

static const char *const kfiles[] = { "kustomization.yaml", "kustomization.yml", "Kustomization" };

/* secureLoadKustomizationFile: exactly one kustomization file, parsed. */
static cv_result load_kust(walker *w, const char *rel, cv_doc *doc, const cv_node **out)
{
    char *found = NULL;
    cv_result r = cv_ok();
    for (size_t i = 0; cv_is_ok(r) && i < sizeof kfiles / sizeof kfiles[0]; i++) {
        char *p = NULL, *q = NULL;
        r = cv_kzfs_join(rel, kfiles[i], &q);
        if (cv_is_ok(r)) r = cv_kzfs_join(w->root, q, &p);
        free(q);
        if (cv_is_ok(r) && cv_kzfs_stat(w->fs, p) == CV_KZFS_FILE) {
            if (found) r = FAIL_SRC("found multiple kustomization files%s", "");
            free(found);
            found = p;
        } else if (cv_is_ok(r)) {
            free(p);
        }
    }
    if (cv_is_ok(r) && !found) r = FAIL_SRC("no kustomization file found%s", "");
    cv_slice text;
    cv_node **docs = NULL;
    size_t n = 0;
    if (cv_is_ok(r)) r = cv_kzfs_read(w->fs, found, &text);
    if (cv_is_ok(r)) r = cv_kz_yaml_docs(doc, text, &docs, &n);
    if (!cv_is_ok(r) && found && !cv_is(r, CV_E_FLUX_DECRYPT_SOURCES))
        r = FAIL_SRC("failed to unmarshal kustomization file from '%s': %s", found, cv_err_detail());
    *out = n > 0 ? docs[0] : NULL;
    free(docs);
    free(found);
    return r;
}

static cv_result visit_dir(walker *w, const char *rel, const cv_node *kust, unsigned depth);

static cv_result visit_children(walker *w, const char *rel, const cv_node *kust, unsigned depth)
{
    static const char *const keys[] = { "resources", "components" };
    for (size_t k = 0; k < 2; k++) {
        const cv_node *list = list_at(kust, keys[k]);
        for (size_t i = 0; list && i < list->n; i++) {
            const char *res = NULL;
            CV_GUARD(string_at(list, i, &res));
            if (res[0] == '/') continue;
            char *child;
            CV_GUARD(cv_kzfs_join(rel, res, &child));
            cv_result r = visit_dir(w, child, NULL, depth + 1);
            free(child);
            CV_GUARD(r);
        }
    }
    return cv_ok();
}

/* recurseKustomizationFiles: what is not a directory inside the root is
 * no concern of the decryptor (kustomize reports what it is). */
static cv_result visit_dir(walker *w, const char *rel, const cv_node *kust, unsigned depth)
{
    CV_ENSUREF(depth < CV_KZ_MAX_DEPTH, CV_E_LIMIT, "kustomizations nested deeper than %u",
               CV_KZ_MAX_DEPTH);
    if (outside(rel) || strset_has(&w->dirs, rel)) return cv_ok();
    CV_GUARD(strset_add(&w->dirs, rel));
    char *path;
    CV_GUARD(cv_kzfs_join(w->root, rel, &path));
    bool dir = cv_kzfs_stat(w->fs, path) == CV_KZFS_DIR;
    free(path);
    if (!dir) return cv_ok();
    cv_doc doc;
    CV_GUARD(cv_doc_init(&doc));
    cv_result r = kust ? cv_ok() : load_kust(w, rel, &doc, &kust);
    if (cv_is_ok(r)) r = visit_sources(w, rel, kust);
    if (cv_is_ok(r)) r = visit_children(w, rel, kust, depth);
    cv_doc_clear(&doc);
    return r;
}

cv_result cv_flux_decrypt_sources(const cv_flux_keys *keys, cv_kzfs *fs, const char *root,
                                  const char *path, const cv_node *kust)
{
    char *abs;
    CV_GUARD(cv_kzfs_join("/", path, &abs));
    walker w = { .keys = keys, .fs = fs, .root = root };
    cv_result r = visit_dir(&w, abs[1] ? abs + 1 : ".", kust, 0);
    free(abs);
    strset_free(&w.dirs);
    strset_free(&w.files);
    return r;
}
