/* kustomize patches against the real peer: every case under
 * tests/kustomize/cases/ is loaded (resources, then patchesStrategicMerge,
 * patches, patchesJson6902, replacements — kustomize's transformer order),
 * and the result compared with what `kubectl kustomize` printed
 * (testvectors/kustomize/patch/, tests/gen/kz_patch_vectors.sh): same
 * documents in the same order, map key order ignored (kustomize sorts),
 * numbers compared as JSON numbers, internal annotations dropped as the
 * emitter drops them. A case with a .err vector must fail. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reconcile/kustomize/kyaml.h"
#include "reconcile/kustomize/patch.h"
#include "reconcile/kustomize/replace.h"
#include "reconcile/kustomize/select.h"
#include "tests/lib/vectors.h"

#define CASES "tests/kustomize/cases"
#define VECS "testvectors/kustomize/patch"

static cv_node **load_docs(cv_doc *d, const char *path, size_t *n)
{
    size_t len;
    uint8_t *text = tv_read_file(path, &len);
    cr_assert(text, "cannot read %s", path);
    cv_node **docs = NULL;
    cr_assert(cv_is_ok(cv_kz_yaml_docs(d, cv_slice_of(text, len), &docs, n)), "%s: %s", path, cv_err_detail());
    free(text);
    return docs;
}

static cv_slice str_or_file(const char *dir, const cv_node *v, uint8_t **owned)
{
    *owned = NULL;
    cr_assert(v && v->kind == CV_NODE_STR);
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, v->s);
    size_t len;
    if (!strchr(v->s, '\n') && (*owned = tv_read_file(path, &len))) return cv_slice_of(*owned, len);
    return cv_slice_of(v->s, v->len);
}

/* `path:` entries replaced by the file's replacement(s), as kustomize's
 * ReplacementTransformer loads them (a list or a single map). */
static const cv_node *replacement_list(cv_kz_resmap *rm, const char *dir, const cv_node *l)
{
    cv_node *out;
    cr_assert(cv_is_ok(cv_node_new(&rm->doc, CV_NODE_LIST, &out)));
    for (size_t i = 0; i < l->n; i++) {
        const cv_node *e = l->items[i].value, *p = e->kind == CV_NODE_MAP ? cv_map_get(e, "path") : NULL;
        if (!p) {
            cr_assert(cv_is_ok(cv_node_append(&rm->doc, out, NULL, l->items[i].value)));
            continue;
        }
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", dir, p->s);
        size_t n;
        cv_node **docs = load_docs(&rm->doc, path, &n);
        cr_assert_eq(n, 1, "%s: one document", path);
        const cv_node *d = docs[0];
        for (size_t j = 0; j < (d->kind == CV_NODE_LIST ? d->n : 1); j++)
            cr_assert(cv_is_ok(cv_node_append(&rm->doc, out, NULL, d->kind == CV_NODE_LIST ? d->items[j].value : docs[0])));
        free(docs);
    }
    return out;
}

static cv_result apply_patches(cv_kz_resmap *rm, const char *dir, const cv_node *k)
{
    const cv_node *l = cv_map_get(k, "patchesStrategicMerge");
    for (size_t i = 0; l && i < l->n; i++) {
        uint8_t *own;
        cv_slice t = str_or_file(dir, l->items[i].value, &own);
        cv_result r = cv_kz_patch_sm_legacy(rm, t);
        free(own);
        CV_GUARD(r);
    }
    l = cv_map_get(k, "patches");
    for (size_t i = 0; l && i < l->n; i++) {
        const cv_node *e = l->items[i].value, *p = cv_map_get(e, "patch");
        uint8_t *own = NULL;
        cv_slice t = p ? cv_slice_of(p->s, p->len) : str_or_file(dir, cv_map_get(e, "path"), &own);
        cv_result r = cv_kz_patch(rm, t, cv_map_get(e, "target"), cv_map_get(e, "options"));
        free(own);
        CV_GUARD(r);
    }
    l = cv_map_get(k, "patchesJson6902");
    for (size_t i = 0; l && i < l->n; i++) {
        const cv_node *e = l->items[i].value, *p = cv_map_get(e, "patch");
        uint8_t *own = NULL;
        cv_slice t = p ? cv_slice_of(p->s, p->len) : str_or_file(dir, cv_map_get(e, "path"), &own);
        cv_result r = cv_kz_patch_json6902_legacy(rm, t, cv_map_get(e, "target"));
        free(own);
        CV_GUARD(r);
    }
    l = cv_map_get(k, "replacements");
    return l ? cv_kz_replacements(rm, replacement_list(rm, dir, l)) : cv_ok();
}

/* The emitter's view: internal annotations gone, an emptied map dropped. */
static void strip_internal(cv_node *obj)
{
    cv_node *md = cv_map_get(obj, "metadata");
    cv_node *an = md && md->kind == CV_NODE_MAP ? cv_map_get(md, "annotations") : NULL;
    if (!an || an->kind != CV_NODE_MAP) return;
    for (size_t i = an->n; i-- > 0;) {
        const cv_node *key = an->items[i].key;
        if (key && key->kind == CV_NODE_STR &&
            (!strncmp(key->s, "internal.config.kubernetes.io/", 30) || !strncmp(key->s, "config.kubernetes.io/", 21)))
            cv_node_remove(an, i);
    }
    if (an->n == 0) cv_node_remove(md, (size_t)cv_map_find(md, "annotations", 11));
}

static bool same(const cv_node *a, const cv_node *b, char *where, size_t cap);

static bool same_map(const cv_node *a, const cv_node *b, char *where, size_t cap)
{
    if (a->n != b->n) {
        snprintf(where, cap, "map sizes %zu vs %zu", a->n, b->n);
        return false;
    }
    for (size_t i = 0; i < a->n; i++) {
        const cv_node *k = a->items[i].key;
        long j = cv_map_find(b, k->s, k->len);
        if (j < 0) {
            snprintf(where, cap, "key %s missing", k->s);
            return false;
        }
        if (!same(a->items[i].value, b->items[j].value, where, cap)) {
            size_t l = strlen(where);
            snprintf(where + l, cap - l, " <- %s", k->s);
            return false;
        }
    }
    return true;
}

static bool same(const cv_node *a, const cv_node *b, char *where, size_t cap)
{
    bool na = a->kind == CV_NODE_INT || a->kind == CV_NODE_FLOAT, nb = b->kind == CV_NODE_INT || b->kind == CV_NODE_FLOAT;
    if (na && nb) {
        double x = a->kind == CV_NODE_INT ? (double)a->v.i : a->v.f, y = b->kind == CV_NODE_INT ? (double)b->v.i : b->v.f;
        if (x == y) return true;
        snprintf(where, cap, "numbers %g vs %g", x, y);
        return false;
    }
    bool ta = a->kind == CV_NODE_STR || a->kind == CV_NODE_TIME, tb = b->kind == CV_NODE_STR || b->kind == CV_NODE_TIME;
    if (ta && tb && a->len == b->len && !memcmp(a->s, b->s, a->len)) return true;
    if (a->kind != b->kind) {
        snprintf(where, cap, "kinds %d vs %d", a->kind, b->kind);
        return false;
    }
    switch (a->kind) {
    case CV_NODE_NULL: return true;
    case CV_NODE_BOOL: return a->v.b == b->v.b;
    case CV_NODE_MAP: return same_map(a, b, where, cap);
    case CV_NODE_LIST:
        if (a->n != b->n) {
            snprintf(where, cap, "list sizes %zu vs %zu", a->n, b->n);
            return false;
        }
        for (size_t i = 0; i < a->n; i++)
            if (!same(a->items[i].value, b->items[i].value, where, cap)) return false;
        return true;
    default: snprintf(where, cap, "strings '%s' vs '%s'", a->s, b->s); return false;
    }
}

static void run_case(const char *name)
{
    char dir[512], path[600];
    snprintf(dir, sizeof dir, CASES "/%s", name);
    cv_kz_resmap rm;
    cr_assert(cv_is_ok(cv_kz_resmap_init(&rm)));
    size_t nk;
    snprintf(path, sizeof path, "%s/kustomization.yaml", dir);
    cv_node **kd = load_docs(&rm.doc, path, &nk);
    const cv_node *k = kd[0], *res = cv_map_get(k, "resources");
    for (size_t i = 0; res && i < res->n; i++) {
        size_t n;
        snprintf(path, sizeof path, "%s/%s", dir, res->items[i].value->s);
        cv_node **docs = load_docs(&rm.doc, path, &n);
        for (size_t j = 0; j < n; j++) cr_assert(cv_is_ok(cv_kz_resmap_append(&rm, docs[j])));
        free(docs);
    }
    cv_result r = apply_patches(&rm, dir, k);
    snprintf(path, sizeof path, VECS "/%s.err", name);
    FILE *f = fopen(path, "r");
    if (f) {
        fclose(f);
        cr_expect(!cv_is_ok(r), "%s: the peer failed but covert succeeded", name);
    } else {
        cr_expect(cv_is_ok(r), "%s: %s (%s)", name, cv_strerror(r.err), cv_err_detail());
        size_t n;
        snprintf(path, sizeof path, VECS "/%s.yaml", name);
        cv_node **want = load_docs(&rm.doc, path, &n);
        cr_expect_eq(rm.n, n, "%s: %zu resources, the peer printed %zu", name, rm.n, n);
        /* kustomize prints in its legacy kind order (the emitter's job):
         * documents are paired by id. */
        for (size_t i = 0; cv_is_ok(r) && i < n; i++) {
            char where[512] = "";
            cv_kz_id wid, gid;
            cv_kz_cur_id(want[i], &wid);
            cv_node *got = NULL;
            for (size_t j = 0; j < rm.n; j++) {
                cv_kz_cur_id(rm.objs[j], &gid);
                if (cv_kz_id_equals(&wid, &gid)) got = rm.objs[j];
            }
            cr_expect(got, "%s: document %zu has no counterpart", name, i);
            if (!got) continue;
            strip_internal(got);
            cr_expect(same(got, want[i], where, sizeof where), "%s: document %zu differs: %s", name, i, where);
        }
        free(want);
    }
    free(kd);
    cv_kz_resmap_clear(&rm);
}

#define CASE(n) Test(kz_patch, n) { run_case(#n); }
CASE(smp_basic)
CASE(smp_lists)
CASE(smp_delete)
CASE(smp_replace)
CASE(smp_null)
CASE(smp_crd)
CASE(smp_target_label)
CASE(smp_target_regex)
CASE(smp_nomatch)
CASE(smp_multi_doc)
CASE(smp_directives)
CASE(smp_allow_name)
CASE(smp_primitive)
CASE(smp_ports)
CASE(sm_kind_mismatch)
CASE(json_ops)
CASE(json_yaml)
CASE(json_errors_test)
CASE(json_missing)
CASE(json_notarget)
CASE(json_regex_target)
CASE(legacy_sm)
CASE(legacy_json)
CASE(patch_delete_resource)
CASE(inline_multi_target)
CASE(annotation_selector)
CASE(selector_set)
CASE(repl_basic)
CASE(repl_create_elem)
CASE(repl_default_ns)
CASE(repl_delimiter)
CASE(repl_err_delim_map)
CASE(repl_err_index)
CASE(repl_err_index_range)
CASE(repl_err_multiple)
CASE(repl_err_no_select)
CASE(repl_err_no_targets)
CASE(repl_err_nofield)
CASE(repl_err_nothing)
CASE(repl_err_scalar_path)
CASE(repl_err_source_field)
CASE(repl_err_typed)
CASE(repl_escape)
CASE(repl_labels)
CASE(repl_map_value)
CASE(repl_path_file)
CASE(repl_regex_elem)
CASE(repl_reject)
CASE(repl_source_index)
CASE(repl_types)
CASE(repl_wildcard)

Test(kz_patch, every_case_has_a_test)
{
    DIR *d = opendir(CASES);
    cr_assert(d);
    size_t n = 0;
    /* xf_ cases belong to the kz_xform suite, the replacement cases that
     * need file loading as the build does to kz_replace (whole builds). */
    static const char *const whole[] = { "xf_", "repl_err_path_", "repl_path_multi", "repl_path_lenient",
                                         "repl_fold", "repl_err_unknown", NULL };
    for (struct dirent *e; (e = readdir(d));) {
        bool skip = e->d_name[0] == '.';
        for (size_t i = 0; whole[i] && !skip; i++) skip = !strncmp(e->d_name, whole[i], strlen(whole[i]));
        n += !skip;
    }
    closedir(d);
    cr_expect_eq(n, 51, "add a CASE() line for each new case directory (%zu dirs)", n);
}

Test(kz_patch, label_selector_syntax)
{
    bool m;
    cr_expect(cv_is(cv_kz_labels_match(cv_slice_str("a in (x"), NULL, &m), CV_E_KZ_SELECTOR));
    cr_expect(cv_is(cv_kz_labels_match(cv_slice_str("a=b c"), NULL, &m), CV_E_KZ_SELECTOR));
    cr_expect(cv_is(cv_kz_labels_match(cv_slice_str("-a"), NULL, &m), CV_E_KZ_SELECTOR));
    cr_expect(cv_is_ok(cv_kz_labels_match(cv_slice_str("!a, b notin (x, y)"), NULL, &m)) && m);
    cr_expect(cv_is_ok(cv_kz_labels_match(cv_slice_str("a"), NULL, &m)) && !m);
}
