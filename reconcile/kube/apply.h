/* Staged server-side apply of a set of objects, as Flux's ssa package
 * stages them:
 *   1. cluster definitions: CustomResourceDefinitions, Namespaces,
 *      ClusterRoles and ClusterRoleBindings;
 *   2. class definitions (kinds ending in "Class": StorageClass, ...);
 *   3. everything else.
 * After stage 1 the new CRDs are awaited until Established and discovery
 * is refreshed, so custom resources of those CRDs map in stage 3. Within a
 * stage the objects are read and applied concurrently over the one HTTP/2
 * connection: 16 or more objects of one resource in one namespace with a
 * LIST (pages of 100), others with a GET each. Of a live object only two
 * things are kept: whether the apply can be skipped (cv_kube_apply_is_noop)
 * and a SHA-256 of what the user sees of it, to tell "configured" from
 * "unchanged" once the server has answered.
 *
 * Outcome per object, like `kubectl apply`: created (it did not exist),
 * configured (the server changed it: a new resourceVersion, or with dry
 * run a different object), unchanged. Each object is reported through the
 * callback in stage order, input order within a stage, and a failing
 * object does not stop the others (kubectl's behaviour); the number of
 * failures is returned.
 *
 * Objects: a JSON array of manifests (objects with apiVersion, kind,
 * metadata.name), or cv_kube_pack's output (JSON strings: each object's
 * text); items of `kind: List` objects are applied one by one. Objects in
 * the array are modified (namespace defaults filled in); it is emptied at the start
 * with release_objects (then each manifest is freed once it is prepared: the
 * memory of a large set stays a few hundred bytes per object). Secret
 * values in it are in jansson's wiping memory.
 *
 * Errors: the call fails only when nothing can be attempted (discovery,
 * memory); per-object errors go to the report. */
#ifndef CV_RECONCILE_KUBE_APPLY_H
#define CV_RECONCILE_KUBE_APPLY_H

#include <jansson.h>

#include "reconcile/kube/client.h"

typedef enum {
    CV_KUBE_CREATED,
    CV_KUBE_CONFIGURED,
    CV_KUBE_UNCHANGED,
} cv_kube_outcome;

typedef struct {
    const char *display;   /* "configmap/name", "customresourcedefinition.apiextensions.k8s.io/x" */
    const char *namespace; /* "" for cluster-scoped objects */
    cv_kube_outcome outcome;
    cv_result result;      /* error detail in cv_err_detail() at report time */
    const char *detail;    /* the error's detail, "" when ok */
} cv_kube_applied;

typedef void (*cv_kube_apply_report)(void *ctx, const cv_kube_applied *a);

typedef struct {
    cv_kube_apply_opts ssa;
    const char *namespace;      /* -n: namespace for objects without one */
    bool namespace_explicit;    /* -n was given: a different namespace in an object is an error */
    unsigned parallel;          /* requests in flight per stage; 0: 32 */
    unsigned crd_timeout_s;     /* wait for Established; 0: 60 */
    bool release_objects;       /* the caller is done with the array: empty it */
    cv_kube_apply_report report;
    void *ctx;
} cv_kube_apply_set;

cv_result cv_kube_apply_objects(cv_kube *k, json_t *objects, const cv_kube_apply_set *o,
                                size_t *failed) CV_MUST_USE;

/* Pack a set of manifests for cv_kube_apply_objects: Lists flattened, each
 * object replaced by a JSON string holding its compact JSON text (a
 * document that is not an object by null, which the apply reports as
 * such). A parsed manifest costs about ten times its text; packed, a large
 * set is held as text and parsed one object at a time when its stage
 * comes. The text is in jansson's (wiping) memory. */
cv_result cv_kube_pack(json_t *docs) CV_MUST_USE CV_NONNULL;

/* Flatten List objects and check each entry is an object; exposed for
 * `covert diff`. *out is a new array. */
cv_result cv_kube_flatten(const json_t *docs, json_t **out) CV_MUST_USE CV_NONNULL;

/* True when applying obj as `manager` could not change the live object:
 * the manifest has no lists (whose field sets depend on the schema), only
 * name, namespace, labels and annotations in its metadata, no status; each
 * of its values equals the live one; and the live object records exactly
 * the manifest's fields as applied by `manager` at the same apiVersion.
 * Then the apply would neither set, nor remove, nor take over a field, and
 * it can be skipped (reported unchanged). */
bool cv_kube_apply_is_noop(const json_t *obj, const json_t *live, const char *manager);

/* Wait until the named CRDs report Established=True. */
cv_result cv_kube_wait_crds(cv_kube *k, const json_t *names, unsigned timeout_s) CV_MUST_USE;

#endif
