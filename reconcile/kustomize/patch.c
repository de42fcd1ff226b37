/* PatchTransformer, PatchStrategicMergeTransformer and
 * PatchJson6902Transformer of kustomize v5.8.1 (see patch.h). */
#include "reconcile/kustomize/patch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reconcile/kustomize/json6902.h"
#include "reconcile/kustomize/kyaml.h"
#include "reconcile/kustomize/select.h"
#include "reconcile/kustomize/smp.h"

static bool opt_true(const cv_node *options, const char *key)
{
    const cv_node *v = options && options->kind == CV_NODE_MAP ? cv_map_get(options, key) : NULL;
    return v && v->kind == CV_NODE_BOOL && v->v.b;
}

/* Drop resources a patch deleted (NULL entries), keeping the order. */
static void compact(cv_kz_resmap *rm)
{
    size_t w = 0;
    for (size_t i = 0; i < rm->n; i++)
        if (rm->objs[i]) rm->objs[w++] = rm->objs[i];
    rm->n = w;
}

/* A metadata map (labels, annotations) rewritten with string values,
 * sorted, dropped when empty: kyaml's setMapInMetadata. */
static cv_result stringify_meta(cv_doc *d, cv_node *obj, const char *field)
{
    cv_node *md = cv_map_get(obj, "metadata");
    if (!md || md->kind != CV_NODE_MAP) return cv_ok();
    long i = cv_map_find(md, field, strlen(field));
    if (i < 0) return cv_ok();
    cv_node *m = md->items[i].value;
    cv_node_remove(md, (size_t)i);
    if (!m || m->kind != CV_NODE_MAP || m->n == 0) return cv_ok();
    cv_node *out;
    CV_GUARD(cv_node_new(d, CV_NODE_MAP, &out));
    for (size_t k = 0; k < m->n; k++) {
        char buf[CV_KZ_TEXT_MAX];
        cv_node *key = m->items[k].key, *v;
        if (!key || key->kind != CV_NODE_STR) continue;
        cv_slice t = m->items[k].value && m->items[k].value->kind == CV_NODE_NULL
                         ? cv_slice_str("null") : cv_kz_scalar_text(m->items[k].value, buf);
        CV_GUARD(cv_node_text(d, CV_NODE_STR, t.p, t.len, &v));
        long j = cv_map_find(out, key->s, key->len);
        if (j >= 0) out->items[j].value = v;
        else CV_GUARD(cv_node_append(d, out, key, v));
    }
    return cv_map_add(d, md, field, strlen(field), out);
}

static cv_result set_str(cv_doc *d, cv_node *map, const char *key, cv_slice v)
{
    cv_node *n;
    CV_GUARD(cv_node_text(d, CV_NODE_STR, v.p, v.len, &n));
    long i = cv_map_find(map, key, strlen(key));
    if (i >= 0) map->items[i].value = n;
    else CV_GUARD(cv_map_add(d, map, key, strlen(key), n));
    return cv_ok();
}

/* resWrangler.ApplySmPatch's copy of the patch for one target. */
static cv_result patch_copy(cv_doc *d, const cv_node *patch, const cv_node *res, cv_node **out)
{
    CV_GUARD(cv_node_clone(d, patch, out));
    cv_node *p = *out, *md = cv_map_get(p, "metadata");
    if (!md || md->kind != CV_NODE_MAP) {
        CV_GUARD(cv_node_new(d, CV_NODE_MAP, &md));
        long i = cv_map_find(p, "metadata", 8);
        if (i >= 0) p->items[i].value = md;
        else CV_GUARD(cv_map_add(d, p, "metadata", 8, md));
    }
    CV_GUARD(stringify_meta(d, p, "labels"));
    CV_GUARD(stringify_meta(d, p, "annotations"));
    cv_kz_id pid, rid;
    cv_kz_cur_id(patch, &pid);
    cv_kz_cur_id(res, &rid);
    CV_GUARD(set_str(d, md, "name", pid.name));
    if (pid.ns.len == 0) {
        long i = cv_map_find(md, "namespace", 9);
        if (i >= 0) cv_node_remove(md, (size_t)i);
    } else {
        CV_GUARD(set_str(d, md, "namespace", pid.ns));
    }
    const cv_node *av = cv_map_get(res, "apiVersion");
    cv_slice avs = av && av->kind == CV_NODE_STR ? cv_slice_of(av->s, av->len) : cv_slice_of("", 0);
    CV_GUARD(set_str(d, p, "apiVersion", avs));
    return set_str(d, p, "kind", pid.kind);
}

/* m.ApplySmPatch: every resource in idx gets its own copy of the patch. */
static cv_result apply_sm_set(cv_kz_resmap *rm, const cv_node *patch, const size_t *idx, size_t n,
                              bool allow_name, bool allow_kind)
{
    for (size_t k = 0; k < n; k++) {
        cv_node *copy;
        CV_GUARD(patch_copy(&rm->doc, patch, rm->objs[idx[k]], &copy));
        CV_GUARD(cv_kz_smp_apply(&rm->doc, &rm->objs[idx[k]], copy, allow_name, allow_kind));
    }
    compact(rm);
    return cv_ok();
}

static cv_result patch_org_id_target(cv_kz_resmap *rm, const cv_node *patch, size_t *idx, bool wrap)
{
    cv_kz_id id, *prev;
    size_t np;
    cv_kz_cur_id(patch, &id);
    CV_GUARD(cv_kz_prev_ids(patch, &prev, &np));
    if (np) id = prev[0];
    cv_result r = cv_kz_get_by_id(rm, &id, idx);
    free(prev);
    if (!cv_is_ok(r) && wrap) {
        char s[1024], detail[2048];
        cv_kz_id_string(&id, s, sizeof s);
        snprintf(detail, sizeof detail, "%s", cv_err_detail());
        return CV_FAILF(CV_E_KZ_PATCH_TARGET, "no resource matches strategic merge patch \"%s\": %s", s, detail);
    }
    return r;
}

static bool internal_anno(const cv_node *k)
{
    if (!k || k->kind != CV_NODE_STR) return false;
    cv_slice s = cv_slice_of(k->s, k->len);
    return cv_slice_starts_with(s, "internal.config.kubernetes.io/") ||
           cv_slice_eq_str(s, "config.kubernetes.io/path") || cv_slice_eq_str(s, "config.kubernetes.io/index") ||
           cv_slice_eq_str(s, "config.k8s.io/id");
}

/* One JSON patch on one resource, internal annotations carried over and
 * the annotations rewritten as kustomize's SetAnnotations writes them. */
static cv_result apply_json_one(cv_doc *d, cv_node **obj, const cv_node *ops, bool store_prev)
{
    if (store_prev) CV_GUARD(cv_kz_store_previous_id(d, *obj));
    cv_node *saved = NULL;
    const cv_node *md = cv_map_get(*obj, "metadata");
    const cv_node *an = md && md->kind == CV_NODE_MAP ? cv_map_get(md, "annotations") : NULL;
    CV_GUARD(cv_node_new(d, CV_NODE_MAP, &saved));
    for (size_t i = 0; an && an->kind == CV_NODE_MAP && i < an->n; i++)
        if (internal_anno(an->items[i].key))
            CV_GUARD(cv_node_append(d, saved, an->items[i].key, an->items[i].value));
    CV_GUARD(cv_kz_json6902_apply(d, obj, ops));
    cv_node *o = *obj;
    CV_ENSUREF(o->kind == CV_NODE_MAP, CV_E_KZ_JSONPATCH, "json: cannot unmarshal array into Go value of type map[string]interface {}");
    for (size_t i = 0; i < saved->n; i++) {
        const cv_node *v = saved->items[i].value;
        char buf[CV_KZ_TEXT_MAX];
        cv_slice t = cv_kz_scalar_text(v, buf);
        CV_GUARD(cv_kz_meta_set(d, o, "annotations", saved->items[i].key->s, t));
    }
    cv_node *m2 = cv_map_get(o, "metadata");
    if (!m2 || m2->kind != CV_NODE_MAP) {
        CV_GUARD(cv_node_new(d, CV_NODE_MAP, &m2));
        long i = cv_map_find(o, "metadata", 8);
        if (i >= 0) o->items[i].value = m2;
        else CV_GUARD(cv_map_add(d, o, "metadata", 8, m2));
    }
    return stringify_meta(d, o, "annotations");
}

static cv_result apply_json(cv_kz_resmap *rm, const cv_node *ops, const cv_node *target, bool store_prev)
{
    size_t *idx, n;
    CV_GUARD(cv_kz_select(rm, target, &idx, &n));
    cv_result r = cv_ok();
    for (size_t k = 0; k < n && cv_is_ok(r); k++) r = apply_json_one(&rm->doc, &rm->objs[idx[k]], ops, store_prev);
    free(idx);
    return r;
}

static cv_slice trim(cv_slice s) { return cv_slice_trim(s); }

/* Parse text as SM documents (all maps) or JSON ops (a list first). */
static cv_result classify(cv_kz_resmap *rm, cv_slice text, cv_node ***docs, size_t *n, bool *json)
{
    *json = false;
    CV_GUARD(cv_kz_yaml_docs(&rm->doc, text, docs, n));
    if (*n && (*docs)[0]->kind == CV_NODE_LIST) {
        *json = true;
        return cv_ok();
    }
    for (size_t i = 0; i < *n; i++)
        CV_ENSUREF((*docs)[i]->kind == CV_NODE_MAP, CV_E_KZ_PATCH_PARSE,
                   "unable to parse SM or JSON patch from [patch: %.*s]", (int)(text.len > 200 ? 200 : text.len),
                   (const char *)text.p);
    return cv_ok();
}

static cv_result sm_no_target(cv_kz_resmap *rm, cv_node **docs, size_t n, bool an, bool ak)
{
    for (size_t i = 0; i < n; i++) {
        size_t t;
        CV_GUARD(patch_org_id_target(rm, docs[i], &t, true));
        cv_node *copy;
        CV_GUARD(cv_node_clone(&rm->doc, docs[i], &copy));
        CV_GUARD(cv_kz_smp_apply(&rm->doc, &rm->objs[t], copy, an, ak));
        compact(rm);
    }
    return cv_ok();
}

cv_result cv_kz_patch(cv_kz_resmap *rm, cv_slice text, const cv_node *target, const cv_node *options)
{
    CV_ENSUREF(trim(text).len, CV_E_KZ_PATCH_PARSE, "must specify one of patch and path");
    cv_node **docs;
    size_t n;
    bool json;
    CV_GUARD(classify(rm, text, &docs, &n, &json));
    bool an = opt_true(options, "allowNameChange"), ak = opt_true(options, "allowKindChange");
    cv_result r = cv_ok();
    if (json) {
        cv_node *ops;
        r = cv_kz_json6902_decode(&rm->doc, text, &ops);
        if (cv_is_ok(r) && !target)
            r = CV_FAILF(CV_E_KZ_PATCH_TARGET, "must specify a target for JSON patch [patch: \"%.*s\"]",
                         (int)(text.len > 200 ? 200 : text.len), (const char *)text.p);
        if (cv_is_ok(r)) r = apply_json(rm, ops, target, true);
    } else if (n == 0) {
        r = CV_FAILF(CV_E_KZ_PATCH_PARSE, "unable to parse SM or JSON patch");
    } else if (!target) {
        r = sm_no_target(rm, docs, n, an, ak);
    } else if (n > 1) {
        r = CV_FAILF(CV_E_KZ_PATCH_PARSE, "Multiple Strategic-Merge Patches in one `patches` entry is not "
                                          "allowed to set `patches.target` field");
    } else {
        size_t *idx, k;
        r = cv_kz_select(rm, target, &idx, &k);
        if (cv_is_ok(r)) r = apply_sm_set(rm, docs[0], idx, k, an, ak);
        if (cv_is_ok(r)) free(idx);
    }
    free(docs);
    return r;
}

cv_result cv_kz_patch_sm_legacy(cv_kz_resmap *rm, cv_slice text)
{
    cv_node **docs;
    size_t n;
    CV_GUARD(cv_kz_yaml_docs(&rm->doc, text, &docs, &n));
    cv_result r = n ? cv_ok() : CV_FAILF(CV_E_KZ_PATCH_PARSE, "patch appears to be empty");
    for (size_t i = 0; i < n && cv_is_ok(r); i++) {
        size_t t;
        r = docs[i]->kind == CV_NODE_MAP ? cv_ok() : CV_FAILF(CV_E_KZ_PATCH_PARSE, "patch is not a map");
        if (cv_is_ok(r)) r = patch_org_id_target(rm, docs[i], &t, false);
        if (cv_is_ok(r)) r = apply_sm_set(rm, docs[i], &t, 1, false, false);
    }
    free(docs);
    return r;
}

cv_result cv_kz_patch_json6902_legacy(cv_kz_resmap *rm, cv_slice ops, const cv_node *target)
{
    const cv_node *name = target ? cv_map_get(target, "name") : NULL;
    CV_ENSUREF(name && name->kind == CV_NODE_STR && name->len, CV_E_KZ_PATCH_TARGET, "must specify the target name");
    CV_ENSUREF(ops.len, CV_E_KZ_PATCH_PARSE, "empty file path and empty jsonOp");
    cv_node *list;
    CV_GUARD(cv_kz_json6902_decode(&rm->doc, ops, &list));
    CV_ENSUREF(list->n, CV_E_KZ_PATCH_PARSE, "patch appears to be empty");
    return apply_json(rm, list, target, false);
}
