/* One resource as kustomize sees it (api/resource, kyaml/resid): its id
 * (group/version/kind from apiVersion and kind, name, namespace), whether
 * the kind is cluster-scoped (kyaml's openapi scope table, schema.h), the
 * effective namespace ids are compared by, the previous ids kustomize keeps
 * in build annotations whenever a transformer renames a resource
 * (internal.config.kubernetes.io/previous{Names,Namespaces,Kinds},
 * comma-separated; PrevIds/OrgId/StorePreviousId), and the small node
 * helpers the transformers share (string fields, '/'-paths, metadata maps).
 *
 * Ownership: ids and slices point into the resource's nodes (or static
 * strings) and stay valid while the resource is unchanged; new nodes are
 * allocated in the given doc (the resmap's).
 *
 * Errors: CV_E_NOMEM / CV_E_TOO_LARGE from the arena, CV_E_LIMIT for a
 * path segment or name past the fixed buffers, CV_E_KZ_SELECTOR when the
 * previous-id annotations disagree in length (kustomize's "should never
 * happen"). */
#ifndef CV_KZ_RES_H
#define CV_KZ_RES_H

#include <stdbool.h>
#include <stddef.h>

#include "crypto/base/buf.h"
#include "secrets/doc/tree.h"

#define CV_KZ_ANNO_PREV_NAMES "internal.config.kubernetes.io/previousNames"
#define CV_KZ_ANNO_PREV_NAMESPACES "internal.config.kubernetes.io/previousNamespaces"
#define CV_KZ_ANNO_PREV_KINDS "internal.config.kubernetes.io/previousKinds"
#define CV_KZ_ANNO_PREFIXES "internal.config.kubernetes.io/prefixes"
#define CV_KZ_ANNO_SUFFIXES "internal.config.kubernetes.io/suffixes"

typedef struct {
    cv_slice group, version, kind, name, ns;
} cv_kz_id;

/* ---- ids ------------------------------------------------------------------ */

/* The current id of a resource (GetName/GetNamespace/GetApiVersion/GetKind). */
void cv_kz_cur_id(const cv_node *obj, cv_kz_id *id);
bool cv_kz_id_cluster_scoped(const cv_kz_id *id);
/* kyaml's EffectiveNamespace: cluster-scoped kinds give
 * "_non_namespaceable_", "" and "default" give "default". */
cv_slice cv_kz_id_effective_ns(const cv_kz_id *id);
bool cv_kz_id_equals(const cv_kz_id *a, const cv_kz_id *b);
/* Gvk.IsSelected: every non-empty part of sel equals id's. */
bool cv_kz_gvk_selected(const cv_kz_id *id, cv_slice group, cv_slice version, cv_slice kind);
/* kustomize's ResId.String(), NUL-terminated, truncated to cap. */
void cv_kz_id_string(const cv_kz_id *id, char *out, size_t cap);
/* Previous ids (oldest first) into a heap array; *n = 0 when none. */
cv_result cv_kz_prev_ids(const cv_node *obj, cv_kz_id **ids, size_t *n) CV_MUST_USE CV_NONNULL;
/* OrgId: the first previous id, or the current one. */
cv_result cv_kz_org_id(const cv_node *obj, cv_kz_id *id) CV_MUST_USE CV_NONNULL;
/* Append the current id to the previous-id annotations (StorePreviousId). */
cv_result cv_kz_store_previous_id(cv_doc *d, cv_node *obj) CV_MUST_USE CV_NONNULL;
/* Append value to a comma-separated build annotation (appendCsvAnnotation:
 * an empty value is not recorded). */
cv_result cv_kz_append_csv(cv_doc *d, cv_node *obj, const char *key, cv_slice value)
    CV_MUST_USE CV_NONNULL;

/* ---- node helpers ---------------------------------------------------------- */

/* The text of a scalar as yaml.v3 holds it (Value); maps and lists give
 * "". buf must hold CV_KZ_TEXT_MAX bytes for numbers. */
#define CV_KZ_TEXT_MAX 64
cv_slice cv_kz_scalar_text(const cv_node *n, char *buf);
/* A string field (STR or TIME text) of a map, or an empty slice. */
cv_slice cv_kzr_str(const cv_node *map, const char *key);
/* The node at a '/'-path of map keys, or NULL. */
cv_node *cv_kzr_path(const cv_node *obj, const char *path);
/* Set a string field at a '/'-path of maps, creating maps on the way. */
cv_result cv_kzr_set_str(cv_doc *d, cv_node *obj, const char *path, cv_slice value)
    CV_MUST_USE CV_NONNULL;
/* metadata.<field>.<key> when it is a STR, or NULL. */
const cv_node *cv_kz_meta_get(const cv_node *obj, const char *field, const char *key);
/* Set metadata.<field>.<key> = value (STR), creating maps as needed. */
cv_result cv_kz_meta_set(cv_doc *d, cv_node *obj, const char *field, const char *key, cv_slice value)
    CV_MUST_USE CV_NONNULL;
void cv_kz_meta_del(cv_node *obj, const char *field, const char *key);

#endif
