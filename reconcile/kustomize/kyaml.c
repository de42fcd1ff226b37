/* kustomize's YAML reading (see kyaml.h): the shared yaml.v3 loader with
 * comments off and any document shape, its branches moved into dst. */
#include "reconcile/kustomize/kyaml.h"

#include <stdlib.h>

#include "secrets/doc/yaml.h"

cv_result cv_kz_yaml_docs(cv_doc *dst, cv_slice text, cv_node ***docs, size_t *n)
{
    *docs = NULL;
    *n = 0;
    size_t first = dst->n;
    CV_GUARD(cv_yaml_load_opts(text, CV_YAML_NO_COMMENTS | CV_YAML_ANY_ROOT, dst));
    size_t count = dst->n - first;
    if (count == 0) return cv_ok();
    cv_node **out = malloc(count * sizeof *out);
    CV_ENSURE(out, CV_E_NOMEM);
    for (size_t i = 0; i < count; i++) out[i] = dst->branches[first + i];
    /* The branches were only a vehicle: the caller owns the list now. */
    dst->n = first;
    *docs = out;
    *n = count;
    return cv_ok();
}
