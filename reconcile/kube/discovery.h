/* Discovery documents and the REST mapping table (kind -> resource).
 *
 * Two wire forms feed the same table: aggregated discovery
 * (apidiscovery.k8s.io/v2 APIGroupDiscoveryList, one document for /api and
 * one for /apis) and legacy discovery (one APIResourceList per group
 * version). Only top-level resources map kinds; a "status" subresource is
 * recorded on its parent.
 *
 * Ownership: the table owns its strings; cv_kube_resources_clear frees
 * them. Lookups return pointers into the table, valid until it is cleared.
 *
 * Errors: CV_E_KUBE_RESPONSE when a document is not of the expected shape,
 * CV_E_LIMIT past CV_KUBE_MAX_RESOURCES entries. */
#ifndef CV_RECONCILE_KUBE_DISCOVERY_H
#define CV_RECONCILE_KUBE_DISCOVERY_H

#include <jansson.h>
#include <stdbool.h>

#include "crypto/base/err.h"

enum {
    CV_KUBE_VERB_GET = 1u << 0,
    CV_KUBE_VERB_LIST = 1u << 1,
    CV_KUBE_VERB_WATCH = 1u << 2,
    CV_KUBE_VERB_CREATE = 1u << 3,
    CV_KUBE_VERB_UPDATE = 1u << 4,
    CV_KUBE_VERB_PATCH = 1u << 5,
    CV_KUBE_VERB_DELETE = 1u << 6,
};

typedef struct {
    char *group;    /* "" for the core group */
    char *version;
    char *kind;
    char *resource; /* plural, lower case */
    bool namespaced;
    bool has_status;
    unsigned verbs;
} cv_kube_resource;

typedef struct {
    cv_kube_resource *items;
    size_t n, cap;
} cv_kube_resources;

void cv_kube_resources_clear(cv_kube_resources *t);

/* Add the resources of an APIGroupDiscoveryList (v2 or v2beta1). */
cv_result cv_kube_discovery_aggregated(const json_t *doc, cv_kube_resources *t) CV_MUST_USE;
/* Add the resources of one legacy APIResourceList. */
cv_result cv_kube_discovery_resource_list(const json_t *doc, cv_kube_resources *t) CV_MUST_USE;

/* The entry for group/version/kind, or NULL. */
const cv_kube_resource *cv_kube_resources_find(const cv_kube_resources *t, const char *group,
                                               const char *version, const char *kind);

/* Split an apiVersion ("v1", "apps/v1") into group and version, written
 * into the caller's buffers. Returns false when malformed or too long. */
bool cv_kube_split_api_version(const char *api_version, char *group, size_t gcap,
                               char *version, size_t vcap);

#endif
