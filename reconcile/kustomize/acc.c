/* The resource accumulator of a build (see kbuild.h). */
#include <stdlib.h>
#include <string.h>

#include "crypto/base/limits.h"
#include "crypto/base/mem.h"
#include "reconcile/kustomize/kbuild.h"
#include "reconcile/kustomize/res.h"

void cv_kzb_acc_init(cv_kzb_acc *a, cv_kz_resmap *rm)
{
    memset(a, 0, sizeof *a);
    a->rm = rm;
}

void cv_kzb_acc_free(cv_kzb_acc *a)
{
    cv_kz_tconfig_free(&a->tc);
    free(a->objs);
    a->objs = NULL;
    a->n = a->cap = 0;
}

cv_result cv_kzb_queue_push(cv_node ***q, size_t *n, size_t *cap, cv_node *v)
{
    if (*n == *cap) {
        CV_ENSUREF(*n < CV_KZ_MAX_RESOURCES, CV_E_LIMIT, "more than %u resources",
                   CV_KZ_MAX_RESOURCES);
        CV_GUARD(cv_grow_array((void **)q, cap, *n + 1, sizeof **q, 32, CV_KZ_MAX_RESOURCES));
    }
    (*q)[(*n)++] = v;
    return cv_ok();
}

cv_result cv_kzb_acc_append(cv_kzb_acc *a, cv_node *obj)
{
    cv_kz_id id, o;
    cv_kz_cur_id(obj, &id);
    for (size_t i = 0; i < a->n; i++) {
        cv_kz_cur_id(a->objs[i], &o);
        if (!cv_kz_id_equals(&id, &o)) continue;
        char t[512];
        cv_kz_id_string(&id, t, sizeof t);
        CV_BAILF(CV_E_KZ_CONFLICT, "may not add resource with an already registered id: %s", t);
    }
    return cv_kzb_queue_push(&a->objs, &a->n, &a->cap, obj);
}

cv_result cv_kzb_acc_merge(cv_kzb_acc *a, const cv_kzb_acc *sub)
{
    for (size_t i = 0; i < sub->n; i++) CV_GUARD(cv_kzb_acc_append(a, sub->objs[i]));
    return cv_kz_tconfig_merge(&a->tc, &sub->tc);
}

cv_result cv_kzb_acc_sync(cv_kzb_acc *a)
{
    cv_kz_resmap *rm = a->rm;
    a->saved = rm->objs;
    a->saved_n = rm->n;
    a->saved_cap = rm->cap;
    rm->objs = a->objs;
    rm->n = a->n;
    rm->cap = a->cap;
    a->objs = NULL;
    a->n = a->cap = 0;
    return cv_ok();
}

void cv_kzb_acc_unsync(cv_kzb_acc *a)
{
    cv_kz_resmap *rm = a->rm;
    a->objs = rm->objs;
    a->n = rm->n;
    a->cap = rm->cap;
    rm->objs = a->saved;
    rm->n = a->saved_n;
    rm->cap = a->saved_cap;
}
