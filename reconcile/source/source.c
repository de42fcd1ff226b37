/* Git source: ref resolution with source-controller's strategies and
 * precedence (fluxcd/pkg git/gogit clone.go), the revision string, and
 * the fetch of only what the cache lacks (see source.h). */
#include "reconcile/source/source.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "reconcile/source/git.h"
#include "reconcile/source/index.h"
#include "reconcile/source/semver.h"

typedef struct {
    const cv_source_opts *o;
    git_repository *repo;
    cv_git_conn conn;
    git_oid commit;
    cv_buf rev;
    bool fetched, unchanged;
} ctx;

static bool set(const char *s) { return s && *s; }

static bool have(ctx *x, const git_oid *id)
{
    git_odb *odb;
    if (git_repository_odb(&odb, x->repo) < 0) return false;
    bool r = git_odb_exists(odb, id) == 1;
    git_odb_free(odb);
    return r;
}

static cv_result fetch1(ctx *x, const char *spec)
{
    char *specs[1] = { (char *)(uintptr_t)spec };
    CV_GUARD(cv_git_download(&x->conn, specs, 1));
    x->fetched = true;
    return cv_ok();
}

/* "<ref>@sha1:<hex>", or "sha1:<hex>" without a ref. */
static cv_result set_rev(ctx *x, const char *ref, const git_oid *id)
{
    char hex[GIT_OID_HEXSZ + 1];
    git_oid_tostr(hex, sizeof(hex), id);
    cv_buf_reset(&x->rev);
    if (ref) CV_GUARD(cv_buf_addf(&x->rev, "%s@", ref));
    CV_GUARD(cv_buf_addf(&x->rev, "sha1:%s", hex));
    return cv_buf_nul(&x->rev);
}

/* Flux's optimized clone: the listed revision equals the stored one. */
static bool same_as_last(ctx *x)
{
    const char *last = x->o->last_revision;
    x->unchanged = set(last) && strlen(last) == x->rev.len && memcmp(last, x->rev.p, x->rev.len) == 0;
    return x->unchanged;
}

static cv_result peel(ctx *x, const git_oid *id, const char *what)
{
    git_object *obj = NULL, *c = NULL;
    int rc = git_object_lookup(&obj, x->repo, id, GIT_OBJECT_ANY);
    if (rc == 0) rc = git_object_peel(&c, obj, GIT_OBJECT_COMMIT);
    if (rc == 0) git_oid_cpy(&x->commit, git_object_id(c));
    git_object_free(c);
    git_object_free(obj);
    CV_ENSUREF(rc == 0, CV_E_GIT_REF_NOT_FOUND, "unable to resolve commit object for '%s'", what);
    return cv_ok();
}

/* The listed object for a tag, peeled when the server sent "^{}". */
static const git_oid *listed_tag(ctx *x, const char *name)
{
    char peeled[1100];
    snprintf(peeled, sizeof(peeled), "%s^{}", name);
    const git_remote_head *h = cv_git_head(&x->conn, peeled);
    if (h) return &h->oid;
    h = cv_git_head(&x->conn, name);
    return h ? &h->oid : NULL;
}

static cv_result by_branch(ctx *x, const char *branch, bool absolute)
{
    char name[1100];
    snprintf(name, sizeof(name), "refs/heads/%s", branch);
    const git_remote_head *h = cv_git_head(&x->conn, name);
    CV_ENSUREF(h != NULL, CV_E_GIT_REF_NOT_FOUND, "couldn't find remote ref '%s'", name);
    CV_GUARD(set_rev(x, absolute ? name : branch, &h->oid));
    if (same_as_last(x)) return cv_ok();
    char spec[2300];
    snprintf(spec, sizeof(spec), "+%s:%s", name, name);
    if (!have(x, &h->oid)) CV_GUARD(fetch1(x, spec));
    return peel(x, &h->oid, name);
}

static cv_result by_tag(ctx *x, const char *tag, const char *revref)
{
    char name[1100];
    snprintf(name, sizeof(name), "refs/tags/%s", tag);
    const git_remote_head *h = cv_git_head(&x->conn, name);
    CV_ENSUREF(h != NULL, CV_E_GIT_REF_NOT_FOUND, "couldn't find remote ref '%s'", name);
    CV_GUARD(set_rev(x, revref ? revref : tag, listed_tag(x, name)));
    if (same_as_last(x)) return cv_ok();
    char spec[2300];
    snprintf(spec, sizeof(spec), "+%s:%s", name, name);
    if (!have(x, &h->oid)) CV_GUARD(fetch1(x, spec));
    CV_GUARD(peel(x, &h->oid, name));
    return set_rev(x, revref ? revref : tag, &x->commit);
}

static bool is_tag_ref(const char *n) { return strncmp(n, "refs/tags/", 10) == 0; }
static bool is_peeled(const char *n)
{
    size_t l = strlen(n);
    return l >= 3 && strcmp(n + l - 3, "^{}") == 0;
}

/* Fetch every listed ref under prefix that the cache lacks. */
static cv_result fetch_missing(ctx *x, const char *prefix, const char *spec)
{
    for (size_t i = 0; i < x->conn.nheads; i++) {
        const git_remote_head *h = x->conn.heads[i];
        if (strncmp(h->name, prefix, strlen(prefix)) != 0 || is_peeled(h->name)) continue;
        if (!have(x, &h->oid)) return fetch1(x, spec);
    }
    return cv_ok();
}

static cv_result commit_time(ctx *x, const git_oid *id, int64_t *t)
{
    git_commit *c;
    CV_ENSUREF(git_commit_lookup(&c, x->repo, id) == 0, CV_E_GIT, "unable to read a commit");
    *t = (int64_t)git_commit_committer(c)->when.time;
    git_commit_free(c);
    return cv_ok();
}

typedef struct {
    cv_semver v;
    int64_t time;
    git_oid commit;
    const char *tag;
} semver_pick;

/* One tag against the range; the best match so far is kept in *best. */
static cv_result semver_consider(ctx *x, const cv_semver_range *r, const git_remote_head *h,
                                 semver_pick *best, bool *found)
{
    semver_pick p = { .tag = h->name + 10 };
    CV_GUARD(peel(x, &h->oid, h->name));
    p.commit = x->commit;
    CV_GUARD(commit_time(x, &p.commit, &p.time));
    if (!cv_is_ok(cv_semver_parse_tag(cv_slice_str(p.tag), &p.v))) {
        cv_err_clear();
        return cv_ok();
    }
    if (!cv_semver_range_check(r, &p.v)) return cv_ok();
    int c = *found ? cv_semver_cmp(&p.v, &best->v) : 1;
    if (c > 0 || (c == 0 && p.time >= best->time)) *best = p;
    *found = true;
    return cv_ok();
}

static cv_result semver_pick_tag(ctx *x, const cv_semver_range *r, const char *want)
{
    semver_pick best;
    bool found = false;
    for (size_t i = 0; i < x->conn.nheads; i++) {
        const git_remote_head *h = x->conn.heads[i];
        if (!is_tag_ref(h->name) || is_peeled(h->name)) continue;
        CV_GUARD(semver_consider(x, r, h, &best, &found));
    }
    CV_ENSUREF(found, CV_E_SEMVER_NO_MATCH, "no match found for semver: %s", want);
    x->commit = best.commit;
    return set_rev(x, best.tag, &best.commit);
}

static cv_result by_semver(ctx *x, const char *range)
{
    cv_semver_range *r = NULL;
    cv_result res = cv_semver_range_parse(cv_slice_str(range), &r);
    CV_ENSUREF(cv_is_ok(res), CV_E_SEMVER, "semver parse error: %s", cv_err_detail());
    res = fetch_missing(x, "refs/tags/", "+refs/tags/*:refs/tags/*");
    if (cv_is_ok(res)) res = semver_pick_tag(x, r, range);
    cv_semver_range_free(&r);
    return res;
}

/* Whether commit id is a tip or an ancestor of one. */
static bool reachable(ctx *x, const git_oid *id, const git_oid *tips, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (git_oid_equal(id, &tips[i])) return true;
    return n > 0 && git_graph_reachable_from_any(x->repo, id, tips, n) == 1;
}

static cv_result collect_tips(ctx *x, const char *branch, git_oid **tips, size_t *n)
{
    char name[1100];
    snprintf(name, sizeof(name), "refs/heads/%s", set(branch) ? branch : "");
    *tips = calloc(x->conn.nheads + 1, sizeof(git_oid));
    CV_ENSURE(*tips != NULL, CV_E_NOMEM);
    *n = 0;
    for (size_t i = 0; i < x->conn.nheads; i++) {
        const git_remote_head *h = x->conn.heads[i];
        bool want = set(branch) ? strcmp(h->name, name) == 0 : strncmp(h->name, "refs/heads/", 11) == 0;
        if (want) (*tips)[(*n)++] = h->oid;
    }
    CV_ENSUREF(*n > 0 || !set(branch), CV_E_GIT_REF_NOT_FOUND, "couldn't find remote ref '%s'", name);
    return cv_ok();
}

static cv_result check_commit(ctx *x, const char *hex, const char *branch)
{
    git_oid *tips = NULL;
    size_t n = 0;
    cv_result res = collect_tips(x, branch, &tips, &n);
    char spec[2300];
    if (set(branch)) snprintf(spec, sizeof(spec), "+refs/heads/%s:refs/heads/%s", branch, branch);
    else snprintf(spec, sizeof(spec), "+refs/heads/*:refs/heads/*");
    for (size_t i = 0; cv_is_ok(res) && i < n; i++)
        if (!have(x, &tips[i])) {
            res = fetch1(x, spec);
            break;
        }
    if (cv_is_ok(res) && !(have(x, &x->commit) && reachable(x, &x->commit, tips, n)))
        res = CV_FAILF(CV_E_GIT_REF_NOT_FOUND, "unable to resolve commit object for '%s': object not found", hex);
    free(tips);
    return res;
}

static cv_result by_commit(ctx *x, const char *hex, const char *branch, const char *refname)
{
    bool ok = strlen(hex) == GIT_OID_HEXSZ;
    for (size_t i = 0; ok && hex[i]; i++) ok = strchr("0123456789abcdefABCDEF", hex[i]) != NULL;
    ok = ok && git_oid_fromstr(&x->commit, hex) == 0;
    CV_ENSUREF(ok, CV_E_GIT_REF_NOT_FOUND, "unable to resolve commit object for '%s': object not found", hex);
    CV_GUARD(check_commit(x, hex, branch));
    return set_rev(x, refname ? refname : set(branch) ? branch : NULL, &x->commit);
}

/* filterRefs: the listed object for a full ref name (tags peeled). */
static const git_oid *find_name(ctx *x, const char *name)
{
    bool tag = is_tag_ref(name) && !is_peeled(name);
    const git_remote_head *h = cv_git_head(&x->conn, name);
    if (h && !tag) return &h->oid;
    return tag ? listed_tag(x, name) : NULL;
}

static cv_result by_name(ctx *x, const char *name)
{
    size_t l = strlen(name);
    CV_ENSUREF(name[0] != '/' && name[l - 1] != '/', CV_E_GIT_REF_NOT_FOUND,
               "ref %s is invalid; Git refs cannot begin or end with a slash '/'", name);
    const git_oid *id = find_name(x, name);
    CV_ENSUREF(id != NULL, CV_E_GIT_REF_NOT_FOUND, "unable to resolve ref '%s' to a specific commit", name);
    CV_GUARD(set_rev(x, name, id));
    if (same_as_last(x)) return cv_ok();
    if (strncmp(name, "refs/heads/", 11) == 0) return by_branch(x, name + 11, true);
    if (is_tag_ref(name)) {
        char tag[1100];
        snprintf(tag, sizeof(tag), "%.*s", (int)(l - 10 - (is_peeled(name) ? 3 : 0)), name + 10);
        return by_tag(x, tag, name);
    }
    char hex[GIT_OID_HEXSZ + 1];
    git_oid_tostr(hex, sizeof(hex), id);
    return by_commit(x, hex, NULL, name);
}

static cv_result resolve(ctx *x)
{
    const cv_source_ref *r = &x->o->ref;
    /* A name given with a commit only names the revision (cloneCommit). */
    if (set(r->commit)) return by_commit(x, r->commit, r->branch, set(r->name) ? r->name : NULL);
    if (set(r->name)) return by_name(x, r->name);
    if (set(r->tag)) return by_tag(x, r->tag, NULL);
    if (set(r->semver)) return by_semver(x, r->semver);
    return by_branch(x, set(r->branch) ? r->branch : "master", false);
}

/* The commit's artifact: recalled from its index when the caller only
 * needs the listing, else read from the object database (and indexed for
 * the next time). The index is a cache: failing to read or write it only
 * costs the read. */
static cv_result artifact(ctx *x, const char *index, cv_source_result *out)
{
    bool stale = false;
    if (x->o->listing) {
        cv_result r = cv_srcindex_load(index, &out->tree, out->digest);
        if (cv_is_ok(r)) return r;
        stale = !cv_is(r, CV_E_NOT_FOUND);
        cv_err_clear();
    }
    CV_GUARD(cv_source_read_tree(x->repo, &x->commit, x->o->ignore, !x->o->unfiltered, &out->tree));
    cv_srctree_digest(out->tree, out->digest);
    if ((stale || access(index, F_OK) != 0) &&
        !cv_is_ok(cv_srcindex_store(index, out->tree, out->digest)))
        cv_err_clear();
    return cv_ok();
}

static cv_result run(ctx *x, cv_source_result *out)
{
    CV_GUARD(cv_git_open_cache(x->o->cache_dir, x->o->url, &x->repo));
    CV_GUARD(cv_git_connect(&x->conn, x->repo, x->o->url, x->o->auth, x->o->timeout_ms));
    CV_GUARD(resolve(x));
    cv_git_close(&x->conn);
    size_t n;
    out->revision = (char *)cv_buf_take(&x->rev, &n);
    out->unchanged = x->unchanged;
    out->fetched = x->fetched;
    if (x->unchanged) {
        /* The listed commit is what the revision names. */
        const char *at = strstr(out->revision, "sha1:");
        snprintf(out->commit, sizeof(out->commit), "%s", at ? at + 5 : "");
        return cv_ok();
    }
    git_oid_tostr(out->commit, sizeof(out->commit), &x->commit);
    char *index = NULL;
    CV_GUARD(cv_srcindex_path(git_repository_path(x->repo), out->commit, x->o->ignore,
                              !x->o->unfiltered, &index));
    cv_result r = artifact(x, index, out);
    free(index);
    return r;
}

cv_result cv_source_fetch(const cv_source_opts *o, cv_source_result *out)
{
    memset(out, 0, sizeof(*out));
    CV_ENSUREF(set(o->url) && set(o->cache_dir), CV_E_INVALID_ARG, "a URL and a cache directory are required");
    ctx x = { .o = o };
    cv_buf_init(&x.rev, 4096);
    cv_result res = run(&x, out);
    cv_git_close(&x.conn);
    git_repository_free(x.repo);
    cv_buf_release(&x.rev);
    if (!cv_is_ok(res)) cv_source_result_clear(out);
    return res;
}

void cv_source_result_clear(cv_source_result *r)
{
    if (r == NULL) return;
    free(r->revision);
    cv_srctree_free(&r->tree);
    memset(r, 0, sizeof(*r));
}

cv_result cv_source_default_cache(char **out)
{
    const char *e = getenv("COVERT_CACHE_DIR"), *x = getenv("XDG_CACHE_HOME"), *h = getenv("HOME");
    char buf[4096];
    int n;
    if (set(e)) n = snprintf(buf, sizeof(buf), "%s", e);
    else if (set(x)) n = snprintf(buf, sizeof(buf), "%s/covert/git", x);
    else if (set(h)) n = snprintf(buf, sizeof(buf), "%s/.cache/covert/git", h);
    else CV_BAIL(CV_E_INVALID_ARG);
    CV_ENSURE(n > 0 && (size_t)n < sizeof(buf), CV_E_TOO_LARGE);
    return cv_strndup(out, buf, (size_t)n);
}
