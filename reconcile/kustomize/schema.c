/* Lookups over the generated schema tables (schema_k8s.c). */
#include "reconcile/kustomize/schema.h"

#include <string.h>

#include "reconcile/kustomize/schema_int.h"

static int cmp_slice_str(cv_slice a, const char *b)
{
    size_t bl = strlen(b);
    size_t n = a.len < bl ? a.len : bl;
    int c = n ? memcmp(a.p, b, n) : 0;
    if (c != 0) return c;
    return a.len < bl ? -1 : (a.len > bl ? 1 : 0);
}

static const cv_kz_schema *entry(int32_t i)
{
    if (i < 0 || (size_t)i >= cv_kz_schema_count) return NULL;
    return &cv_kz_schema_table[i];
}

static const cv_kz_schema_type *find_type(cv_slice av, cv_slice kind)
{
    size_t lo = 0, hi = cv_kz_schema_type_count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const cv_kz_schema_type *t = &cv_kz_schema_types[mid];
        int c = cmp_slice_str(av, t->api_version);
        if (c == 0) c = cmp_slice_str(kind, t->kind);
        if (c == 0) return t;
        if (c < 0) hi = mid;
        else lo = mid + 1;
    }
    return NULL;
}

const cv_kz_schema *cv_kz_schema_for_type(cv_slice api_version, cv_slice kind)
{
    const cv_kz_schema_type *t = find_type(api_version, kind);
    return t ? entry(t->schema) : NULL;
}

bool cv_kz_schema_cluster_scoped(cv_slice api_version, cv_slice kind)
{
    const cv_kz_schema_type *t = find_type(api_version, kind);
    return t && t->cluster_scoped;
}

const cv_kz_schema *cv_kz_schema_field(const cv_kz_schema *s, cv_slice name)
{
    if (!s) return NULL;
    size_t lo = s->props_off, hi = s->props_off + s->props_n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = cmp_slice_str(name, cv_kz_schema_props[mid].name);
        if (c == 0) return entry(cv_kz_schema_props[mid].schema);
        if (c < 0) hi = mid;
        else lo = mid + 1;
    }
    return entry(s->addl);
}

const cv_kz_schema *cv_kz_schema_elements(const cv_kz_schema *s)
{
    if (!s || !s->is_array) return NULL;
    return entry(s->items);
}

bool cv_kz_schema_is_merge(const cv_kz_schema *s)
{
    if (!s) return false;
    const char *p = s->strategy;
    while (*p) {
        const char *e = strchr(p, ',');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        if (n == 5 && memcmp(p, "merge", 5) == 0) return true;
        if (!e) break;
        p = e + 1;
    }
    return false;
}

size_t cv_kz_schema_keys(const cv_kz_schema *s, cv_slice *keys, size_t max)
{
    if (!s || !s->keys[0]) return 0;
    size_t n = 0;
    const char *p = s->keys;
    while (n < max) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        keys[n++] = cv_slice_of(p, len);
        if (!e) break;
        p = e + 1;
    }
    return n;
}
