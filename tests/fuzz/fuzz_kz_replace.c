/* kustomize replacements on hostile input. The input is split at the first
 * NUL byte into resources and a `replacements:` list (YAML); the resources
 * are loaded into a map and the list applied. Any outcome is fine except a
 * crash, a sanitizer report, or a resource that is no longer a map. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "reconcile/kustomize/kyaml.h"
#include "reconcile/kustomize/replace.h"

static void load(cv_kz_resmap *rm, cv_slice text, cv_node **list)
{
    cv_node **docs = NULL;
    size_t n = 0;
    *list = NULL;
    if (!cv_is_ok(cv_kz_yaml_docs(&rm->doc, text, &docs, &n))) return;
    for (size_t i = 0; i < n; i++)
        if (docs[i]->kind == CV_NODE_MAP && !cv_is_ok(cv_kz_resmap_append(rm, docs[i]))) break;
    free(docs);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 64 * 1024) return 0;
    const uint8_t *nul = memchr(data, 0, size);
    size_t split = nul ? (size_t)(nul - data) : size;
    cv_slice conf = nul ? cv_slice_of(data + split + 1, size - split - 1) : cv_slice_of("", 0);
    cv_kz_resmap rm;
    if (!cv_is_ok(cv_kz_resmap_init(&rm))) abort();
    cv_node *unused, **docs = NULL;
    size_t n = 0;
    load(&rm, cv_slice_of(data, split), &unused);
    if (cv_is_ok(cv_kz_yaml_docs(&rm.doc, conf, &docs, &n)) && n > 0) {
        cv_result r = cv_kz_replacements(&rm, docs[0]);
        (void)r;
        for (size_t i = 0; i < rm.n; i++)
            if (!rm.objs[i] || rm.objs[i]->kind != CV_NODE_MAP) abort();
    }
    free(docs);
    cv_err_clear();
    cv_kz_resmap_clear(&rm);
    return 0;
}
