/* kubeconfig text: the YAML reader, the merge (the input twice, as two
 * files) and context resolution. Referenced files may be read; no plugin
 * is run. */
#include <stdint.h>

#include "reconcile/kube/config.h"
#include "reconcile/kube/yamljson.h"
#include "secrets/runtime/init.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!cv_is_ok(cv_secrets_init())) return 0;
    json_t *docs = NULL;
    if (!cv_is_ok(cv_kube_yaml_docs(cv_slice_of(data, size), "fuzz", &docs))) return 0;
    json_t *doc = json_array_get(docs, 0);
    json_t *files[2] = { json_is_object(doc) ? doc : NULL, json_array_get(docs, 1) };
    if (!json_is_object(files[1])) files[1] = NULL;
    const char *dirs[2] = { "/nonexistent/a", "rel" };
    json_t *merged = NULL;
    if (cv_is_ok(cv_kube_config_merge(files, dirs, 2, &merged))) {
        cv_kube_config c;
        cv_kube_config_init(&c);
        cv_result r = cv_kube_config_resolve(merged, NULL, &c);
        (void)r; /* only crashes and leaks matter here */
        cv_kube_config_clear(&c);
        json_decref(merged);
    }
    json_decref(docs);
    return 0;
}
