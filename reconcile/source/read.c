/* A commit's files, read from the object database in the order and through
 * the filter source-controller's archiver applies to a checkout:
 *
 *   1. the commit's trees become a node list, each directory's entries
 *      sorted by name bytes (os.ReadDir order), symlinks dropped (a checkout
 *      would hold a link the archiver skips), submodules kept as empty
 *      directories (go-git creates one for an uninitialised submodule);
 *   2. .sourceignore files are read depth-first, a directory's own file
 *      before its subdirectories' (sourceignore.LoadIgnorePatterns), then
 *      spec.ignore; a symlinked .sourceignore is not read (Flux would
 *      follow it, possibly out of the repository);
 *   3. a pre-order walk keeps the directories and files the filter does not
 *      exclude; an excluded directory's children are still considered one
 *      by one, as filepath.Walk + the filter do. */
#include <string.h>

#include "crypto/base/limits.h"
#include "crypto/base/mem.h"
#include "reconcile/source/git.h"
#include "reconcile/source/ignore.h"

typedef enum { N_DIR, N_FILE, N_EXEC, N_GITLINK } node_kind;

typedef struct {
    size_t name_off, name_len;
    git_oid oid;
    node_kind kind;
    size_t first, count; /* children, for N_DIR */
} node;

typedef struct {
    git_repository *repo;
    node *v;
    size_t n, cap;
    cv_buf names;
    cv_buf path;
    cv_ignore *user, *filter;
    cv_srctree *tree;
} reader;

static cv_slice node_name(const reader *r, const node *d)
{
    return cv_slice_of(r->names.p + d->name_off, d->name_len);
}

static int by_name(const void *a, const void *b)
{
    const git_tree_entry *x = *(const git_tree_entry *const *)a, *y = *(const git_tree_entry *const *)b;
    return strcmp(git_tree_entry_name(x), git_tree_entry_name(y));
}

static cv_result push_node(reader *r, const git_tree_entry *e, node_kind kind)
{
    CV_ENSUREF(r->n < CV_SRC_MAX_FILES, CV_E_LIMIT, "more than %u entries", CV_SRC_MAX_FILES);
    CV_GUARD(cv_grow_array((void **)&r->v, &r->cap, r->n + 1, sizeof(*r->v), 1024, CV_SRC_MAX_FILES));
    const char *name = git_tree_entry_name(e);
    node *d = &r->v[r->n++];
    *d = (node){ r->names.len, strlen(name), *git_tree_entry_id(e), kind, 0, 0 };
    return cv_buf_add(&r->names, name, d->name_len);
}

static bool entry_kind(const git_tree_entry *e, node_kind *k)
{
    switch (git_tree_entry_filemode(e)) {
    case GIT_FILEMODE_TREE: *k = N_DIR; return true;
    case GIT_FILEMODE_BLOB: *k = N_FILE; return true;
    case GIT_FILEMODE_BLOB_EXECUTABLE: *k = N_EXEC; return true;
    case GIT_FILEMODE_COMMIT: *k = N_GITLINK; return true;
    default: return false; /* symlinks and anything else */
    }
}

static cv_result add_children(reader *r, size_t dir, const git_tree *t)
{
    size_t n = git_tree_entrycount(t);
    const git_tree_entry **es = calloc(n ? n : 1, sizeof(*es));
    CV_ENSURE(es != NULL, CV_E_NOMEM);
    for (size_t i = 0; i < n; i++) es[i] = git_tree_entry_byindex(t, i);
    qsort(es, n, sizeof(*es), by_name);
    r->v[dir].first = r->n;
    cv_result res = cv_ok();
    for (size_t i = 0; i < n && cv_is_ok(res); i++) {
        node_kind k;
        if (entry_kind(es[i], &k)) res = push_node(r, es[i], k);
    }
    r->v[dir].count = r->n - r->v[dir].first;
    free(es);
    return res;
}

static cv_result load_dir(reader *r, size_t dir, unsigned depth)
{
    CV_ENSUREF(depth <= CV_SRC_MAX_DEPTH, CV_E_LIMIT, "directories nested deeper than %u",
               CV_SRC_MAX_DEPTH);
    git_tree *t;
    CV_ENSUREF(git_tree_lookup(&t, r->repo, &r->v[dir].oid) == 0, CV_E_GIT,
               "unable to read a tree of the commit");
    cv_result res = add_children(r, dir, t);
    git_tree_free(t);
    CV_GUARD(res);
    for (size_t i = r->v[dir].first, end = i + r->v[dir].count; i < end; i++)
        if (r->v[i].kind == N_DIR) CV_GUARD(load_dir(r, i, depth + 1));
    return cv_ok();
}

/* Append "/name" (or "name" at the root) to the path; returns the old length. */
static cv_result path_push(reader *r, const node *d, size_t *old)
{
    *old = r->path.len;
    if (r->path.len) CV_GUARD(cv_buf_add_byte(&r->path, '/'));
    return cv_buf_add(&r->path, r->names.p + d->name_off, d->name_len);
}

static cv_result read_blob(reader *r, const git_oid *id, git_blob **out)
{
    CV_ENSUREF(git_blob_lookup(out, r->repo, id) == 0, CV_E_GIT, "unable to read %.*s",
               (int)r->path.len, (const char *)r->path.p);
    CV_ENSUREF(git_blob_rawsize(*out) <= CV_SRC_MAX_FILE, CV_E_TOO_LARGE, "%.*s exceeds %u bytes",
               (int)r->path.len, (const char *)r->path.p, CV_SRC_MAX_FILE);
    return cv_ok();
}

static cv_result load_patterns(reader *r, size_t dir)
{
    const node *d = &r->v[dir];
    for (size_t i = d->first; i < d->first + d->count; i++) {
        const node *c = &r->v[i];
        if ((c->kind != N_FILE && c->kind != N_EXEC) || !cv_slice_eq_str(node_name(r, c), ".sourceignore"))
            continue;
        git_blob *b;
        CV_GUARD(read_blob(r, &c->oid, &b));
        cv_result res = cv_ignore_read(r->user, cv_slice_of(git_blob_rawcontent(b), (size_t)git_blob_rawsize(b)),
                                       cv_buf_slice(&r->path));
        git_blob_free(b);
        CV_GUARD(res);
    }
    for (size_t i = d->first; i < d->first + d->count; i++) {
        const node *c = &r->v[i];
        if (c->kind != N_DIR || cv_slice_eq_str(node_name(r, c), ".git")) continue;
        size_t old;
        CV_GUARD(path_push(r, c, &old));
        CV_GUARD(load_patterns(r, i));
        r->path.len = old;
    }
    return cv_ok();
}

static cv_result keep_file(reader *r, const node *c)
{
    git_blob *b;
    CV_GUARD(read_blob(r, &c->oid, &b));
    cv_result res = cv_srctree_add_file(r->tree, cv_buf_slice(&r->path), git_blob_rawcontent(b),
                                        (size_t)git_blob_rawsize(b), c->kind == N_EXEC);
    git_blob_free(b);
    return res;
}

static cv_result walk(reader *r, size_t dir)
{
    size_t first = r->v[dir].first, count = r->v[dir].count;
    for (size_t i = first; i < first + count; i++) {
        node c = r->v[i];
        size_t old;
        CV_GUARD(path_push(r, &c, &old));
        bool is_dir = c.kind == N_DIR || c.kind == N_GITLINK;
        if (!cv_ignore_match(r->filter, cv_buf_slice(&r->path), is_dir)) {
            if (is_dir) CV_GUARD(cv_srctree_add_dir(r->tree, cv_buf_slice(&r->path)));
            else CV_GUARD(keep_file(r, &c));
        }
        if (c.kind == N_DIR) CV_GUARD(walk(r, i));
        r->path.len = old;
    }
    return cv_ok();
}

static cv_result build_filter(reader *r, const char *ignore, bool filter)
{
    CV_GUARD(cv_ignore_new(&r->user));
    if (!filter) return cv_ignore_new(&r->filter);
    CV_GUARD(load_patterns(r, 0));
    if (ignore) CV_GUARD(cv_ignore_read(r->user, cv_slice_str(ignore), cv_slice_of("", 0)));
    CV_GUARD(cv_ignore_new(&r->filter));
    CV_GUARD(cv_ignore_add_flux_defaults(r->filter, cv_ignore_count(r->user) == 0));
    return cv_ignore_append(r->filter, r->user);
}

static cv_result read_all(reader *r, const git_oid *commit, const char *ignore, bool filter)
{
    git_commit *c;
    CV_ENSUREF(git_commit_lookup(&c, r->repo, commit) == 0, CV_E_GIT, "unable to read the commit");
    r->v = calloc(1024, sizeof(node));
    CV_ENSURE(r->v != NULL, CV_E_NOMEM);
    r->cap = 1024;
    r->n = 1;
    r->v[0] = (node){ 0, 0, *git_commit_tree_id(c), N_DIR, 0, 0 };
    git_commit_free(c);
    CV_GUARD(load_dir(r, 0, 0));
    CV_GUARD(build_filter(r, ignore, filter));
    CV_GUARD(cv_srctree_new(&r->tree));
    CV_GUARD(cv_srctree_add_dir(r->tree, cv_slice_str(".")));
    return walk(r, 0);
}

cv_result cv_source_read_tree(git_repository *repo, const git_oid *commit, const char *ignore,
                              bool filter, cv_srctree **out)
{
    reader r = { .repo = repo };
    cv_buf_init(&r.names, (size_t)CV_SRC_MAX_FILES * 256u);
    cv_buf_init(&r.path, CV_SRC_MAX_PATH);
    cv_result res = read_all(&r, commit, ignore, filter);
    if (cv_is_ok(res)) *out = r.tree, r.tree = NULL;
    cv_srctree_free(&r.tree);
    cv_ignore_free(&r.user);
    cv_ignore_free(&r.filter);
    cv_buf_release(&r.names);
    cv_buf_release(&r.path);
    free(r.v);
    return res;
}
