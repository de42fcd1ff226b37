/* API server responses: Status errors, aggregated and legacy discovery
 * documents, and exec plugin output (all JSON from outside the process). */
#include <stdint.h>

#include "reconcile/kube/discovery.h"
#include "reconcile/kube/exec.h"
#include "reconcile/kube/status.h"
#include "secrets/runtime/init.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!cv_is_ok(cv_secrets_init())) return 0;
    cv_slice in = cv_slice_of(data, size);
    cv_result r = cv_kube_status_error(409, in, "fuzz");
    (void)r; /* only crashes and leaks matter here */
    json_t *doc = json_loadb((const char *)data, size, 0, NULL);
    if (doc != NULL) {
        cv_kube_resources t = { 0 };
        r = cv_kube_discovery_aggregated(doc, &t);
        r = cv_kube_discovery_resource_list(doc, &t);
        (void)r;
        cv_kube_resources_clear(&t);
        json_decref(doc);
    }
    cv_kube_exec_cred c;
    cv_kube_exec_cred_init(&c);
    r = cv_kube_exec_parse(in, "client.authentication.k8s.io/v1", &c);
    (void)r;
    cv_kube_exec_cred_clear(&c);
    return 0;
}
