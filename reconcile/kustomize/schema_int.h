/* Internal to reconcile/kustomize/schema.c: the layout of the generated
 * tables in schema_k8s.c (tests/gen/kz_schema.sh). Every schema entry is
 * one OpenAPI schema with its references resolved; indices refer to
 * cv_kz_schema_table, -1 meaning "no schema". */
#ifndef CV_KZ_SCHEMA_INT_H
#define CV_KZ_SCHEMA_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
    const char *name;
    int32_t schema;
} cv_kz_schema_prop;

struct cv_kz_schema {
    uint32_t props_off; /* into cv_kz_schema_props, sorted by name */
    uint32_t props_n;
    int32_t items;      /* array items (only for type [array]) */
    int32_t addl;       /* additionalProperties */
    bool is_array;      /* type is exactly [array] */
    const char *strategy; /* x-kubernetes-patch-strategy, "" if none */
    const char *keys;     /* merge keys joined by ',', "" if none */
};

typedef struct {
    const char *api_version;
    const char *kind;
    int32_t schema;
    bool cluster_scoped;
} cv_kz_schema_type;

extern const cv_kz_schema_prop cv_kz_schema_props[];
extern const struct cv_kz_schema cv_kz_schema_table[];
extern const size_t cv_kz_schema_count;
extern const cv_kz_schema_type cv_kz_schema_types[];
extern const size_t cv_kz_schema_type_count;

#endif
