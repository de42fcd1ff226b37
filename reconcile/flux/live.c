/* Live ConfigMaps and Secrets for the Flux walk (see live.h). */
#include "reconcile/flux/live.h"

#include <stdlib.h>
#include <string.h>

#include "crypto/base/limits.h"
#include "crypto/base/mem.h"
#include "reconcile/flux/ks.h"

/* Both kinds are core v1 and namespaced: their paths need no discovery,
 * as the controller's typed client needs none. */
static char core_group[] = "", v1[] = "v1", cm_kind[] = "ConfigMap", cm_res[] = "configmaps",
            secret_kind[] = "Secret", secret_res[] = "secrets";
static const cv_kube_resource cm_resource = { core_group, v1, cm_kind, cm_res, true, false, 0 };
static const cv_kube_resource secret_resource = { core_group, v1, secret_kind, secret_res, true,
                                                  false, 0 };

typedef struct {
    bool secret;
    char *ns, *name;
    const cv_node *obj; /* NULL: NotFound */
} entry;

struct cv_flux_live {
    cv_kube *k;
    cv_doc doc;
    entry *v;
    size_t n, cap;
    size_t gets;
};

cv_result cv_flux_live_new(cv_kube *k, cv_flux_live **out)
{
    cv_flux_live *l = calloc(1, sizeof *l);
    CV_ENSURE(l, CV_E_NOMEM);
    l->k = k;
    cv_result r = cv_doc_init(&l->doc);
    if (!cv_is_ok(r)) {
        free(l);
        return r;
    }
    *out = l;
    return cv_ok();
}

void cv_flux_live_free(cv_flux_live **lp)
{
    if (lp == NULL || *lp == NULL) return;
    cv_flux_live *l = *lp;
    for (size_t i = 0; i < l->n; i++) {
        free(l->v[i].ns);
        free(l->v[i].name);
    }
    free(l->v);
    cv_doc_clear(&l->doc);
    free(l);
    *lp = NULL;
}

size_t cv_flux_live_gets(const cv_flux_live *l) { return l->gets; }

static cv_result add_str(cv_doc *d, cv_node *map, const char *key, const char *v, size_t n)
{
    cv_node *s;
    CV_GUARD(cv_node_text(d, CV_NODE_STR, v, n, &s));
    return cv_map_add(d, map, key, strlen(key), s);
}

/* data: every string value (the API serves nothing else there). */
static cv_result copy_data(cv_doc *d, cv_node *obj, json_t *data)
{
    if (data == NULL) return cv_ok();
    CV_ENSUREF(json_is_object(data), CV_E_KUBE_RESPONSE, "data is not an object");
    cv_node *m;
    CV_GUARD(cv_node_new(d, CV_NODE_MAP, &m));
    const char *key;
    json_t *v;
    json_object_foreach(data, key, v) {
        CV_ENSUREF(json_is_string(v), CV_E_KUBE_RESPONSE, "data.%s is not a string", key);
        cv_node *s;
        CV_GUARD(cv_node_text(d, CV_NODE_STR, json_string_value(v), json_string_length(v), &s));
        CV_GUARD(cv_map_add(d, m, key, strlen(key), s));
    }
    return cv_map_add(d, obj, "data", 4, m);
}

static cv_result to_node(cv_doc *d, const json_t *j, const entry *e, const cv_node **out)
{
    const char *kind = e->secret ? "Secret" : "ConfigMap";
    const char *jk = json_string_value(json_object_get(j, "kind"));
    CV_ENSUREF(json_is_object(j) && (jk == NULL || strcmp(jk, kind) == 0), CV_E_KUBE_RESPONSE,
               "GET %s %s/%s: not a %s", kind, e->ns, e->name, kind);
    cv_node *obj, *md;
    CV_GUARD(cv_node_new(d, CV_NODE_MAP, &obj));
    CV_GUARD(add_str(d, obj, "apiVersion", "v1", 2));
    CV_GUARD(add_str(d, obj, "kind", kind, strlen(kind)));
    CV_GUARD(cv_node_new(d, CV_NODE_MAP, &md));
    CV_GUARD(add_str(d, md, "name", e->name, strlen(e->name)));
    CV_GUARD(add_str(d, md, "namespace", e->ns, strlen(e->ns)));
    CV_GUARD(cv_map_add(d, obj, "metadata", 8, md));
    CV_GUARD(copy_data(d, obj, json_object_get(j, "data")));
    *out = obj;
    return cv_ok();
}

static cv_result fetch(cv_flux_live *l, entry *e)
{
    json_t *j = NULL;
    l->gets++;
    cv_result r = cv_kube_get(l->k, e->secret ? &secret_resource : &cm_resource, e->ns, e->name, &j);
    if (cv_is(r, CV_E_KUBE_NOT_FOUND)) return cv_ok();
    if (cv_is_ok(r)) r = to_node(&l->doc, j, e, &e->obj);
    json_decref(j);
    return r;
}

static entry *cached(cv_flux_live *l, bool secret, const char *ns, const char *name)
{
    for (size_t i = 0; i < l->n; i++)
        if (l->v[i].secret == secret && strcmp(l->v[i].ns, ns) == 0 &&
            strcmp(l->v[i].name, name) == 0)
            return &l->v[i];
    return NULL;
}

static cv_result add_entry(cv_flux_live *l, bool secret, const char *ns, const char *name,
                           entry **out)
{
    if (l->n == l->cap) {
        CV_ENSUREF(l->n < CV_KZ_MAX_RESOURCES, CV_E_LIMIT, "too many substituteFrom objects");
        CV_GUARD(cv_grow_array((void **)&l->v, &l->cap, l->n + 1, sizeof *l->v, 16, CV_KZ_MAX_RESOURCES));
    }
    entry *e = &l->v[l->n];
    *e = (entry){ secret, strdup(ns), strdup(name), NULL };
    if (e->ns == NULL || e->name == NULL) {
        free(e->ns);
        free(e->name);
        CV_BAIL(CV_E_NOMEM);
    }
    l->n++;
    *out = e;
    return cv_ok();
}

cv_result cv_flux_live_find(void *ctx, const char *kind, const char *ns, const char *name,
                            const cv_node **out)
{
    cv_flux_live *l = ctx;
    bool secret = strcmp(kind, "Secret") == 0;
    CV_ENSUREF(secret || strcmp(kind, "ConfigMap") == 0, CV_E_INVALID_ARG, "kind %s", kind);
    *out = NULL;
    entry *e = cached(l, secret, ns, name);
    if (e == NULL) {
        CV_GUARD(add_entry(l, secret, ns, name, &e));
        cv_result r = fetch(l, e);
        if (!cv_is_ok(r)) {
            /* a failure is not cached: the next Kustomization asks again */
            l->n--;
            free(e->ns);
            free(e->name);
            return r;
        }
    }
    *out = e->obj;
    return cv_ok();
}
