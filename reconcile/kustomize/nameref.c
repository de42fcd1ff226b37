/* Name references (api/internal/accumulator/namereferencetransformer.go,
 * api/filters/nameref): after every rename (prefix, suffix, hash,
 * namespace, patches), each referrer field named by the nameReference
 * table is pointed at the resource it referred to by its original name.
 *
 * A referrer is selected by its ORIGINAL id's kind; the candidates are
 * the resources it could see (same namespace, cluster-scoped ones, the
 * namespaces of a RoleBinding's ServiceAccount subjects); a candidate must
 * once have had the old name and the referral kind, pass the roleRef kind
 * check for roleRef/name, share the referrer's namespace unless cluster-
 * scoped or a ServiceAccount, and when several remain, the same prefix/
 * suffix history. Ambiguity between different names fails as kustomize
 * fails ("found multiple possible referrals"). */
#include <stdlib.h>
#include <string.h>

#include "reconcile/kustomize/kbuild.h"
#include "reconcile/kustomize/res.h"

typedef struct {
    const cv_node **v;
    size_t n;
} cand_set;

typedef struct {
    const cv_kz_resmap *rm;
    cv_node *referrer;
    const cv_kz_fspec *fs;
    const cv_kz_nbr *target;
    cand_set all; /* SubsetThatCouldBeReferencedByResource */
} ref_job;

/* ---- candidate sets ----------------------------------------------------------- */

static cv_result set_alloc(cand_set *s, size_t n)
{
    s->n = 0;
    s->v = n ? malloc(n * sizeof *s->v) : NULL;
    CV_ENSURE(!n || s->v, CV_E_NOMEM);
    return cv_ok();
}

/* The namespaces of a RoleBinding's ServiceAccount subjects. */
static bool rb_namespace(const cv_node *rb, cv_slice ns)
{
    cv_kz_id id;
    cv_kz_cur_id(rb, &id);
    if (!cv_slice_eq_str(id.kind, "RoleBinding")) return false;
    const cv_node *subj = cv_map_get(rb, "subjects");
    for (size_t i = 0; subj && subj->kind == CV_NODE_LIST && i < subj->n; i++) {
        const cv_node *s = subj->items[i].value;
        if (s->kind != CV_NODE_MAP || !cv_map_get(s, "namespace")) continue;
        if (cv_slice_eq_str(cv_kzr_str(s, "kind"), "ServiceAccount") &&
            cv_slice_eq(cv_kzr_str(s, "namespace"), ns))
            return true;
    }
    return false;
}

static cv_result could_reference(const cv_kz_resmap *rm, const cv_node *r, cand_set *out)
{
    CV_GUARD(set_alloc(out, rm->n));
    cv_kz_id rid;
    cv_kz_cur_id(r, &rid);
    bool all = cv_kz_id_cluster_scoped(&rid);
    for (size_t i = 0; i < rm->n; i++) {
        cv_kz_id id;
        cv_kz_cur_id(rm->objs[i], &id);
        if (all || cv_kz_id_cluster_scoped(&id) ||
            cv_slice_eq(cv_kz_id_effective_ns(&id), cv_kz_id_effective_ns(&rid)) ||
            rb_namespace(r, id.ns))
            out->v[out->n++] = rm->objs[i];
    }
    return cv_ok();
}

/* ---- the sieves of selectReferral ------------------------------------------------ */

typedef struct {
    cv_slice name;
    const cv_kz_id *gvk; /* kind/group/version selector or NULL */
} prev_test;

static cv_result prev_matches(const cv_node *c, const prev_test *t, bool *m)
{
    cv_kz_id *prev;
    size_t n;
    CV_GUARD(cv_kz_prev_ids(c, &prev, &n));
    *m = false;
    for (size_t i = 0; i < n && !*m; i++)
        *m = t->gvk ? cv_kz_gvk_selected(&prev[i], t->gvk->group, t->gvk->version, t->gvk->kind)
                    : cv_slice_eq(prev[i].name, t->name);
    free(prev);
    return cv_ok();
}

static cv_result sieve_prev(cand_set *s, const prev_test *t)
{
    size_t k = 0;
    for (size_t i = 0; i < s->n; i++) {
        bool m;
        CV_GUARD(prev_matches(s->v[i], t, &m));
        if (m) s->v[k++] = s->v[i];
    }
    s->n = k;
    return cv_ok();
}

static cv_result sieve_role_ref(const ref_job *j, cand_set *s)
{
    cv_slice p = j->fs->path;
    static const char tail[] = "roleRef/name";
    if (p.len < sizeof tail - 1 || memcmp(p.p + p.len - (sizeof tail - 1), tail, sizeof tail - 1))
        return cv_ok();
    const cv_node *rr = cv_map_get(j->referrer, "roleRef");
    if (!rr || rr->kind != CV_NODE_MAP || !cv_map_get(rr, "apiGroup") || !cv_map_get(rr, "kind"))
        return cv_ok();
    char gb[CV_KZ_TEXT_MAX], kb[CV_KZ_TEXT_MAX];
    cv_kz_id gvk = { .group = cv_kz_scalar_text(cv_map_get(rr, "apiGroup"), gb),
                     .kind = cv_kz_scalar_text(cv_map_get(rr, "kind"), kb) };
    prev_test t = { .gvk = &gvk };
    return sieve_prev(s, &t);
}

static void sieve_namespace(const ref_job *j, cand_set *s)
{
    cv_kz_id rid;
    cv_kz_cur_id(j->referrer, &rid);
    if (cv_kz_id_cluster_scoped(&rid)) return;
    size_t k = 0;
    for (size_t i = 0; i < s->n; i++) {
        cv_kz_id id;
        cv_kz_cur_id(s->v[i], &id);
        if (cv_kz_id_cluster_scoped(&id) || cv_slice_eq_str(id.kind, "ServiceAccount") ||
            cv_slice_eq(cv_kz_id_effective_ns(&id), cv_kz_id_effective_ns(&rid)))
            s->v[k++] = s->v[i];
    }
    s->n = k;
}

/* The csv list of a build annotation, as slices (at most cap). */
static size_t csv_list(const cv_node *o, const char *key, cv_slice *out, size_t cap)
{
    const cv_node *a = cv_kz_meta_get(o, "annotations", key);
    if (!a) return 0;
    size_t n = 0, start = 0;
    for (size_t i = 0; i <= a->len && n < cap; i++)
        if (i == a->len || a->s[i] == ',') {
            out[n++] = cv_slice_of(a->s + start, i - start);
            start = i + 1;
        }
    return n;
}

/* utils.SameEndingSubSlice. */
static bool same_ending(const cv_slice *a, size_t na, const cv_slice *b, size_t nb)
{
    if (na > nb) return same_ending(b, nb, a, na);
    if (na == 0) return nb == 0;
    for (size_t i = na; i-- > 0;)
        if (!cv_slice_eq(a[i], b[i + nb - na])) return false;
    return true;
}

static bool affixes_equal(const cv_node *r, const cv_node *o, bool allow_empty)
{
    enum { CAP = 64 };
    static const char *const keys[2] = { CV_KZ_ANNO_PREFIXES, CV_KZ_ANNO_SUFFIXES };
    for (int k = 0; k < 2; k++) {
        cv_slice a[CAP], b[CAP];
        size_t na = csv_list(r, keys[k], a, CAP), nb = csv_list(o, keys[k], b, CAP);
        if (allow_empty && (na == 0 || nb == 0)) continue;
        if (!same_ending(a, na, b, nb)) return false;
    }
    return true;
}

static void sieve_affixes(const ref_job *j, cand_set *s, bool allow_empty)
{
    size_t k = 0;
    for (size_t i = 0; i < s->n; i++)
        if (affixes_equal(s->v[i], j->referrer, allow_empty)) s->v[k++] = s->v[i];
    s->n = k;
}

static bool identical(const cand_set *s, bool with_ns)
{
    cv_kz_id a;
    cv_kz_cur_id(s->v[0], &a);
    for (size_t i = 1; i < s->n; i++) {
        cv_kz_id b;
        cv_kz_cur_id(s->v[i], &b);
        if (!cv_slice_eq(a.name, b.name) || (with_ns && !cv_slice_eq(a.ns, b.ns))) return false;
    }
    return true;
}

/* selectReferral on a copy of the candidates; *out NULL when none. */
static cv_result select_referral(const ref_job *j, cv_slice old, const cand_set *in, bool with_ns,
                                 const cv_node **out)
{
    *out = NULL;
    cand_set s;
    CV_GUARD(set_alloc(&s, in->n));
    if (in->n) memcpy(s.v, in->v, in->n * sizeof *s.v);
    s.n = in->n;
    cv_kz_id tgt = { .group = j->target->group, .version = j->target->version, .kind = j->target->kind };
    prev_test by_name = { .name = old }, by_gvk = { .gvk = &tgt };
    cv_result r = sieve_prev(&s, &by_name);
    if (cv_is_ok(r)) r = sieve_prev(&s, &by_gvk);
    if (cv_is_ok(r)) r = sieve_role_ref(j, &s);
    if (cv_is_ok(r)) {
        sieve_namespace(j, &s);
        if (s.n > 1) sieve_affixes(j, &s, true);
        if (s.n > 1) sieve_affixes(j, &s, false);
        if (s.n == 1 || (s.n > 1 && identical(&s, with_ns))) *out = s.v[0];
        else if (s.n > 1) {
            char id[512];
            cv_kz_id cid;
            cv_kz_cur_id(s.v[0], &cid);
            cv_kz_id_string(&cid, id, sizeof id);
            r = CV_FAILF(CV_E_KZ_CONFLICT, "found multiple possible referrals: %s, ... (%zu)", id, s.n);
        }
    }
    free(s.v);
    return r;
}

/* ---- setting ---------------------------------------------------------------------- */

static cv_result set_scalar(const ref_job *j, cv_doc *d, cv_node *n)
{
    char buf[CV_KZ_TEXT_MAX];
    cv_slice old = cv_kz_scalar_text(n, buf);
    const cv_node *ref;
    CV_GUARD(select_referral(j, old, &j->all, false, &ref));
    if (!ref) return cv_ok();
    cv_slice nn = cv_kzr_str(cv_map_get(ref, "metadata"), "name");
    if (cv_slice_eq(nn, old)) return cv_ok();
    return cv_node_set_text(d, n, CV_NODE_STR, nn.p, nn.len);
}

/* filterMapCandidatesByNamespace: by original, else current namespace. */
static cv_result by_namespace(const ref_job *j, const cv_node *m, cand_set *out)
{
    CV_GUARD(set_alloc(out, j->all.n));
    const cv_node *nsn = cv_map_get(m, "namespace");
    if (!nsn) {
        if (j->all.n) memcpy(out->v, j->all.v, j->all.n * sizeof *out->v);
        out->n = j->all.n;
        return cv_ok();
    }
    char buf[CV_KZ_TEXT_MAX];
    cv_slice ns = cv_kz_scalar_text(nsn, buf);
    for (int pass = 0; pass < 2 && out->n == 0; pass++) {
        for (size_t i = 0; i < j->all.n; i++) {
            cv_kz_id id;
            if (pass == 0) CV_GUARD(cv_kz_org_id(j->all.v[i], &id));
            else cv_kz_cur_id(j->all.v[i], &id);
            if (!cv_kz_id_cluster_scoped(&id) && cv_slice_eq(cv_kz_id_effective_ns(&id), ns))
                out->v[out->n++] = j->all.v[i];
        }
    }
    return cv_ok();
}

static cv_result set_mapping(const ref_job *j, cv_doc *d, cv_node *m)
{
    const cv_node *name = cv_map_get(m, "name");
    CV_ENSUREF(name, CV_E_KZ_RESOURCE, "path config error; no 'name' field in node");
    cand_set c;
    CV_GUARD(by_namespace(j, m, &c));
    char buf[CV_KZ_TEXT_MAX];
    const cv_node *ref = NULL;
    cv_result r = select_referral(j, cv_kz_scalar_text(name, buf), &c, true, &ref);
    free(c.v);
    if (!cv_is_ok(r) || !ref) return r;
    cv_kz_id rid;
    cv_kz_cur_id(ref, &rid);
    if (cv_slice_eq(rid.name, cv_kz_scalar_text(name, buf)) && rid.ns.len == 0) return cv_ok();
    CV_GUARD(cv_kzr_set_str(d, m, "name", rid.name));
    if (rid.ns.len == 0) return cv_ok();
    return cv_kzr_set_str(d, m, "namespace", rid.ns);
}

static cv_result set_one(const ref_job *j, cv_doc *d, cv_node *n, bool in_seq)
{
    switch (n->kind) {
    case CV_NODE_NULL: return cv_ok();
    case CV_NODE_MAP: return set_mapping(j, d, n);
    case CV_NODE_LIST:
        if (in_seq) break;
        for (size_t i = 0; i < n->n; i++) CV_GUARD(set_one(j, d, n->items[i].value, true));
        return cv_ok();
    case CV_NODE_COMMENT: break;
    default: return set_scalar(j, d, n);
    }
    CV_BAILF(CV_E_KZ_RESOURCE, "updating name reference in '%.*s' field: expected a string or a map of string",
             (int)j->fs->path.len, (const char *)j->fs->path.p);
}

static cv_result set_cb(void *ctx, cv_doc *d, cv_node *n) { return set_one(ctx, d, n, false); }

/* ---- the transformer ------------------------------------------------------------- */

static cv_result refer_one(const cv_kz_resmap *rm, cv_doc *d, const cv_kz_tconfig *tc, cv_node *r)
{
    cv_kz_id org;
    CV_GUARD(cv_kz_org_id(r, &org));
    ref_job j = { .rm = rm, .referrer = r };
    bool have_set = false;
    cv_result res = cv_ok();
    for (size_t b = 0; b < tc->nrefs && cv_is_ok(res); b++) {
        const cv_kz_fslist *l = &tc->refs[b].referrers;
        for (size_t f = 0; f < l->n && cv_is_ok(res); f++) {
            if (!cv_kz_gvk_selected(&org, l->v[f].group, l->v[f].version, l->v[f].kind)) continue;
            if (!have_set) {
                res = could_reference(rm, r, &j.all);
                have_set = cv_is_ok(res);
                if (!have_set) break;
            }
            /* The referrer's own gvk replaces the spec's: selection was by org id. */
            cv_kz_fspec fs = { .path = l->v[f].path, .create = l->v[f].create };
            j.fs = &fs;
            j.target = &tc->refs[b];
            res = cv_kz_fs_apply(d, r, &fs, CV_KZ_CREATE_NONE, set_cb, &j);
        }
    }
    if (have_set) free(j.all.v);
    return res;
}

cv_result cv_kzb_name_references(cv_kz_resmap *rm, const cv_kz_tconfig *tc)
{
    for (size_t i = 0; i < rm->n; i++) {
        cv_node *o = rm->objs[i];
        if (o->kind != CV_NODE_MAP || o->n == 0) continue;
        CV_GUARD(refer_one(rm, &rm->doc, tc, o));
    }
    return cv_ok();
}
