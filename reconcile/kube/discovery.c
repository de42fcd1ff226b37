#include "reconcile/kube/discovery.h"

#include <string.h>

#include "crypto/base/limits.h"
#include "crypto/base/mem.h"

static void entry_free(cv_kube_resource *e)
{
    free(e->group);
    free(e->version);
    free(e->kind);
    free(e->resource);
}

void cv_kube_resources_clear(cv_kube_resources *t)
{
    if (t == NULL) return;
    for (size_t i = 0; i < t->n; i++) entry_free(&t->items[i]);
    free(t->items);
    memset(t, 0, sizeof *t);
}

static unsigned verb_bits(const json_t *verbs)
{
    static const char *const names[] = { "get", "list", "watch", "create", "update", "patch",
                                         "delete" };
    unsigned bits = 0;
    size_t i;
    json_t *v;
    json_array_foreach(verbs, i, v) {
        const char *s = json_string_value(v);
        for (unsigned k = 0; s && k < sizeof names / sizeof names[0]; k++)
            if (strcmp(s, names[k]) == 0) bits |= 1u << k;
    }
    return bits;
}

static cv_result add(cv_kube_resources *t, const char *g, const char *v, const char *kind,
                     const char *res, bool namespaced, unsigned verbs, cv_kube_resource **out)
{
    if (cv_kube_resources_find(t, g, v, kind) != NULL) { /* first one wins */
        *out = NULL;
        return cv_ok();
    }
    CV_ENSUREF(t->n < CV_KUBE_MAX_RESOURCES, CV_E_LIMIT, "more than %u API resources",
               CV_KUBE_MAX_RESOURCES);
    CV_GUARD(cv_grow_array((void **)&t->items, &t->cap, t->n + 1, sizeof *t->items, 64,
                           CV_KUBE_MAX_RESOURCES));
    cv_kube_resource *e = &t->items[t->n];
    memset(e, 0, sizeof *e);
    e->group = strdup(g);
    e->version = strdup(v);
    e->kind = strdup(kind);
    e->resource = strdup(res);
    if (!e->group || !e->version || !e->kind || !e->resource) {
        entry_free(e);
        CV_BAIL(CV_E_NOMEM);
    }
    e->namespaced = namespaced;
    e->verbs = verbs;
    t->n++;
    *out = e;
    return cv_ok();
}

static bool has_status_sub(const json_t *subs)
{
    size_t i;
    json_t *s;
    json_array_foreach(subs, i, s) {
        const char *n = json_string_value(json_object_get(s, "subresource"));
        if (n && strcmp(n, "status") == 0) return true;
    }
    return false;
}

static cv_result aggregated_version(const char *group, const json_t *ver, cv_kube_resources *t)
{
    const char *v = json_string_value(json_object_get(ver, "version"));
    CV_ENSUREF(v && v[0], CV_E_KUBE_RESPONSE, "discovery: group %s has a version without a name",
               group);
    size_t i;
    json_t *r;
    json_array_foreach(json_object_get(ver, "resources"), i, r) {
        const char *res = json_string_value(json_object_get(r, "resource"));
        const char *kind = json_string_value(json_object_get(json_object_get(r, "responseKind"), "kind"));
        const char *scope = json_string_value(json_object_get(r, "scope"));
        if (!res || !res[0] || !kind || !kind[0] || strchr(res, '/')) continue;
        cv_kube_resource *e;
        CV_GUARD(add(t, group, v, kind, res, scope && strcmp(scope, "Namespaced") == 0,
                     verb_bits(json_object_get(r, "verbs")), &e));
        if (e) e->has_status = has_status_sub(json_object_get(r, "subresources"));
    }
    return cv_ok();
}

cv_result cv_kube_discovery_aggregated(const json_t *doc, cv_kube_resources *t)
{
    const char *kind = json_string_value(json_object_get(doc, "kind"));
    CV_ENSUREF(kind && strcmp(kind, "APIGroupDiscoveryList") == 0, CV_E_KUBE_RESPONSE,
               "discovery: expected an APIGroupDiscoveryList");
    size_t i, j;
    json_t *g, *ver;
    json_array_foreach(json_object_get(doc, "items"), i, g) {
        const char *group = json_string_value(json_object_get(json_object_get(g, "metadata"), "name"));
        json_array_foreach(json_object_get(g, "versions"), j, ver)
            CV_GUARD(aggregated_version(group ? group : "", ver, t));
    }
    return cv_ok();
}

bool cv_kube_split_api_version(const char *av, char *group, size_t gcap, char *version,
                               size_t vcap)
{
    if (av == NULL || av[0] == '\0') return false;
    const char *slash = strchr(av, '/');
    size_t gl = slash ? (size_t)(slash - av) : 0;
    const char *v = slash ? slash + 1 : av;
    size_t vl = strlen(v);
    if (gl >= gcap || vl >= vcap || vl == 0 || strchr(v, '/') || (slash && gl == 0)) return false;
    memcpy(group, av, gl);
    group[gl] = '\0';
    memcpy(version, v, vl + 1);
    return true;
}

static cv_kube_resource *find_mut(cv_kube_resources *t, const char *g, const char *v,
                                  const char *res)
{
    for (size_t i = 0; i < t->n; i++) {
        cv_kube_resource *e = &t->items[i];
        if (!strcmp(e->group, g) && !strcmp(e->version, v) && !strcmp(e->resource, res)) return e;
    }
    return NULL;
}

cv_result cv_kube_discovery_resource_list(const json_t *doc, cv_kube_resources *t)
{
    char g[256], v[128];
    const char *gv = json_string_value(json_object_get(doc, "groupVersion"));
    CV_ENSUREF(cv_kube_split_api_version(gv, g, sizeof g, v, sizeof v), CV_E_KUBE_RESPONSE,
               "discovery: APIResourceList without a valid groupVersion");
    size_t i;
    json_t *r;
    json_array_foreach(json_object_get(doc, "resources"), i, r) {
        const char *name = json_string_value(json_object_get(r, "name"));
        const char *kind = json_string_value(json_object_get(r, "kind"));
        if (!name || !name[0] || !kind || !kind[0] || strchr(name, '/')) continue;
        cv_kube_resource *e;
        CV_GUARD(add(t, g, v, kind, name, json_is_true(json_object_get(r, "namespaced")),
                     verb_bits(json_object_get(r, "verbs")), &e));
    }
    json_array_foreach(json_object_get(doc, "resources"), i, r) {
        const char *name = json_string_value(json_object_get(r, "name"));
        const char *slash = name ? strchr(name, '/') : NULL;
        if (slash == NULL || strcmp(slash, "/status") != 0) continue;
        char parent[256];
        size_t pl = (size_t)(slash - name);
        if (pl >= sizeof parent) continue;
        memcpy(parent, name, pl);
        parent[pl] = '\0';
        cv_kube_resource *e = find_mut(t, g, v, parent);
        if (e) e->has_status = true;
    }
    return cv_ok();
}

const cv_kube_resource *cv_kube_resources_find(const cv_kube_resources *t, const char *g,
                                               const char *v, const char *kind)
{
    for (size_t i = 0; i < t->n; i++) {
        const cv_kube_resource *e = &t->items[i];
        if (!strcmp(e->kind, kind) && !strcmp(e->version, v) && !strcmp(e->group, g)) return e;
    }
    return NULL;
}
