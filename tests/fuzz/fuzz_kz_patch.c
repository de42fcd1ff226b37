/* kustomize patches on hostile input. The input is split at the first NUL
 * byte into resources and a patch; the resources are loaded into a map and
 * the patch applied as a `patches:` entry twice: once without a target
 * (strategic merge by id) and once with a target selecting everything
 * (strategic merge on copies, or JSON 6902 ops). Any outcome is fine except
 * a crash, a sanitizer report, or a deleted resource left in the map. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "reconcile/kustomize/kyaml.h"
#include "reconcile/kustomize/patch.h"

static void check(const cv_kz_resmap *rm)
{
    for (size_t i = 0; i < rm->n; i++)
        if (!rm->objs[i]) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 64 * 1024) return 0;
    const uint8_t *nul = memchr(data, 0, size);
    size_t split = nul ? (size_t)(nul - data) : size;
    cv_slice res = cv_slice_of(data, split);
    cv_slice patch = nul ? cv_slice_of(data + split + 1, size - split - 1) : cv_slice_of("", 0);
    cv_kz_resmap rm;
    if (!cv_is_ok(cv_kz_resmap_init(&rm))) abort();
    cv_node **docs = NULL, *target = NULL;
    size_t n = 0;
    if (cv_is_ok(cv_kz_yaml_docs(&rm.doc, res, &docs, &n))) {
        for (size_t i = 0; i < n; i++)
            if (docs[i]->kind == CV_NODE_MAP && !cv_is_ok(cv_kz_resmap_append(&rm, docs[i]))) break;
        free(docs);
        cv_result r = cv_kz_patch(&rm, patch, NULL, NULL);
        (void)r;
        check(&rm);
        if (cv_is_ok(cv_node_new(&rm.doc, CV_NODE_MAP, &target))) {
            r = cv_kz_patch(&rm, patch, target, NULL);
            check(&rm);
        }
        r = cv_kz_patch_sm_legacy(&rm, patch);
        check(&rm);
    }
    cv_err_clear();
    cv_kz_resmap_clear(&rm);
    return 0;
}
