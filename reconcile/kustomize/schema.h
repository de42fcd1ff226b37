/* The Kubernetes OpenAPI schema as kustomize's strategic-merge walker sees
 * it (kyaml's openapi package, built-in Kubernetes v1.21.2 schema of
 * kustomize v5.8.1): per resource type the root schema, and per schema its
 * fields, list items and patch strategy / merge keys. The data is
 * generated (schema_k8s.c, tests/gen/kz_schema.sh).
 *
 * Ownership: every pointer returned points into static tables.
 * Errors: none; a missing schema is NULL, exactly where kyaml has none. */
#ifndef CV_KZ_SCHEMA_H
#define CV_KZ_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>

#include "crypto/base/buf.h"

typedef struct cv_kz_schema cv_kz_schema;

/* Schema of a resource type (apiVersion "group/version" or "version"). */
const cv_kz_schema *cv_kz_schema_for_type(cv_slice api_version, cv_slice kind);
/* kyaml's ResourceSchema.Field: a property, else additionalProperties. */
const cv_kz_schema *cv_kz_schema_field(const cv_kz_schema *s, cv_slice name);
/* kyaml's ResourceSchema.Elements: items of an array schema. */
const cv_kz_schema *cv_kz_schema_elements(const cv_kz_schema *s);
/* Whether the patch strategy lists "merge" (an associative list). */
bool cv_kz_schema_is_merge(const cv_kz_schema *s);
/* The merge keys (PatchStrategyAndKeyList), at most max; returns the count. */
size_t cv_kz_schema_keys(const cv_kz_schema *s, cv_slice *keys, size_t max);
/* kyaml's IsCertainlyClusterScoped: a known type that is not namespaced. */
bool cv_kz_schema_cluster_scoped(cv_slice api_version, cv_slice kind);

#endif
