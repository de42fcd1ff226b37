/* Resource map storage: a growable array of MAP nodes over one doc. */
#include "reconcile/kustomize/resmap.h"

#include <stdlib.h>
#include <string.h>

#include "crypto/base/limits.h"
#include "crypto/base/mem.h"

cv_result cv_kz_resmap_init(cv_kz_resmap *rm)
{
    memset(rm, 0, sizeof *rm);
    return cv_doc_init(&rm->doc);
}

void cv_kz_resmap_clear(cv_kz_resmap *rm)
{
    if (!rm) return;
    cv_doc_clear(&rm->doc);
    free(rm->objs);
    rm->objs = NULL;
    rm->n = rm->cap = 0;
}

static cv_result grow(cv_kz_resmap *rm)
{
    if (rm->n < rm->cap) return cv_ok();
    CV_ENSUREF(rm->n < CV_KZ_MAX_RESOURCES, CV_E_LIMIT, "more than %u resources",
               CV_KZ_MAX_RESOURCES);
    return cv_grow_array((void **)&rm->objs, &rm->cap, rm->n + 1, sizeof *rm->objs, 64,
                         CV_KZ_MAX_RESOURCES);
}

cv_result cv_kz_resmap_append(cv_kz_resmap *rm, cv_node *obj)
{
    return cv_kz_resmap_insert(rm, rm->n, obj);
}

cv_result cv_kz_resmap_insert(cv_kz_resmap *rm, size_t i, cv_node *obj)
{
    if (i > rm->n) abort();
    CV_GUARD(grow(rm));
    memmove(rm->objs + i + 1, rm->objs + i, (rm->n - i) * sizeof *rm->objs);
    rm->objs[i] = obj;
    rm->n++;
    return cv_ok();
}

void cv_kz_resmap_remove(cv_kz_resmap *rm, size_t i)
{
    if (i >= rm->n) return;
    memmove(rm->objs + i, rm->objs + i + 1, (rm->n - i - 1) * sizeof *rm->objs);
    rm->n--;
}
