/* The live ConfigMaps and Secrets of a cluster for the Flux walk (issue 5
 * §2): what kustomize-controller's client reads for postBuild.substituteFrom
 * and for the decryption Secret, behind the walk's cv_flux_find_fn.
 *
 * One GET per distinct kind/namespace/name per run: answers (objects and
 * NotFound alike) are cached for the life of the cv_flux_live. A 404 is
 * "not found" (*out NULL); every other failure is returned (Flux forgives
 * only NotFound, even for an optional source).
 *
 * The objects are kept as the walk reads rendered ones: apiVersion, kind,
 * metadata.name/namespace and `data` (ConfigMap values as strings, Secret
 * values base64 as the API serves them); nothing else is copied.
 *
 * Ownership: the cv_flux_live borrows the client (which must outlive it)
 * and owns the cache; responses are read into wiping memory by the client,
 * the cache is a secret arena, and cv_flux_live_free wipes it all.
 *
 * Errors: those of the client (status.h: CV_E_KUBE_FORBIDDEN, ...),
 * CV_E_KUBE_RESPONSE for a body that is not an object of that kind. */
#ifndef CV_FLUX_LIVE_H
#define CV_FLUX_LIVE_H

#include "reconcile/flux/subst.h"
#include "reconcile/kube/client.h"

typedef struct cv_flux_live cv_flux_live;

cv_result cv_flux_live_new(cv_kube *k, cv_flux_live **out) CV_MUST_USE CV_NONNULL;
void cv_flux_live_free(cv_flux_live **l);

/* The cv_flux_find_fn over the cluster; ctx is a cv_flux_live. */
cv_result cv_flux_live_find(void *ctx, const char *kind, const char *ns, const char *name,
                            const cv_node **out) CV_MUST_USE;

/* GET requests sent so far. */
size_t cv_flux_live_gets(const cv_flux_live *l) CV_NONNULL;

#endif
