/* kustomize's transformer configuration (api/internal/plugins/
 * builtinconfig): the field specs each builtin transformer walks
 * (namePrefix, nameSuffix, namespace, commonLabels, labels, templateLabels,
 * commonAnnotations, varReference, images, replicas) and the name
 * back-references (nameReference: a referral kind and the referrer fields
 * naming it). The builtin tables are kustomize's (api/internal/konfig/
 * builtinpluginconsts); `configurations:` files add to them with the same
 * merge rules (a field spec equal in effect to one already there is
 * dropped, or fails when its `create` differs: "conflicting fieldspecs"),
 * and every list is kept sorted by kind order as kustomize sorts it.
 *
 * Also the field-spec walker (api/filters/fieldspec): a path of map keys
 * ('/'-separated, "\/" escapes a slash, "name[]" = a list field) into a
 * resource whose kind/group/version the spec selects, through lists,
 * creating maps and the last field when the spec says create.
 *
 * Ownership: every string of a config is a slice into nodes of the doc
 * given to the loader (the build's doc, alive as long as the build);
 * the arrays are heap memory released by cv_kz_tconfig_free.
 *
 * Errors: CV_E_KZ_KUSTOMIZATION for a configuration file that Go's strict
 * decoding refuses (detail names the field) or conflicting specs,
 * CV_E_KZ_RESOURCE when a spec's path runs into a scalar ("expected
 * sequence or mapping node"), CV_E_LIMIT, CV_E_NOMEM. */
#ifndef CV_KZ_TCONFIG_H
#define CV_KZ_TCONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "reconcile/kustomize/res.h"

typedef struct {
    cv_slice group, version, kind, path;
    bool create;
} cv_kz_fspec;

typedef struct {
    cv_kz_fspec *v;
    size_t n, cap;
} cv_kz_fslist;

typedef struct {
    cv_slice group, version, kind; /* the referral */
    cv_kz_fslist referrers;
} cv_kz_nbr;

typedef enum {
    CV_KZ_FS_PREFIX,
    CV_KZ_FS_SUFFIX,
    CV_KZ_FS_NAMESPACE,
    CV_KZ_FS_COMMON_LABELS,
    CV_KZ_FS_LABELS,
    CV_KZ_FS_TEMPLATE_LABELS,
    CV_KZ_FS_ANNOTATIONS,
    CV_KZ_FS_VARREF,
    CV_KZ_FS_IMAGES,
    CV_KZ_FS_REPLICAS,
    CV_KZ_FS_COUNT
} cv_kz_fs_kind;

typedef struct {
    cv_kz_fslist fs[CV_KZ_FS_COUNT];
    cv_kz_nbr *refs;
    size_t nrefs, refs_cap;
    /* Holds exactly the builtin tables (and nothing else): merging the
     * builtins into it again changes nothing, so the merge is skipped. */
    bool builtin_only;
} cv_kz_tconfig;

/* kustomize's kind order (resid's orderFirst/orderLast, NULL-terminated):
 * field specs sort by it, and so does the legacy resource sort. */
extern const char *const cv_kz_order_first[];
extern const char *const cv_kz_order_last[];

void cv_kz_tconfig_free(cv_kz_tconfig *t);
/* The builtin tables as YAML text (tconfig_data.c). */
cv_slice cv_kz_tconfig_default_text(void);
/* Merge kustomize's builtin tables into t (MakeDefaultConfig). They are
 * parsed once per process (thread-safe) into memory that lives until exit;
 * t's strings point there. */
cv_result cv_kz_tconfig_add_defaults(cv_doc *d, cv_kz_tconfig *t) CV_MUST_USE CV_NONNULL;
/* Merge one configuration document (a MAP, decoded strictly). */
cv_result cv_kz_tconfig_add_doc(cv_kz_tconfig *t, const cv_node *cfg) CV_MUST_USE CV_NONNULL;
/* t = t merged with in (TransformerConfig.Merge), sorted. */
cv_result cv_kz_tconfig_merge(cv_kz_tconfig *t, const cv_kz_tconfig *in) CV_MUST_USE CV_NONNULL;
/* FsSlice.MergeOne: append fs unless an effectively equal spec exists. */
cv_result cv_kz_fslist_merge_one(cv_kz_fslist *l, const cv_kz_fspec *fs) CV_MUST_USE CV_NONNULL;
cv_result cv_kz_fslist_merge_all(cv_kz_fslist *l, const cv_kz_fslist *in) CV_MUST_USE CV_NONNULL;
/* Parse a list of field spec MAPs (a transformer's `fields`/`fieldSpecs`). */
cv_result cv_kz_fslist_parse(cv_kz_fslist *l, const cv_node *list) CV_MUST_USE CV_NONNULL;
void cv_kz_fslist_free(cv_kz_fslist *l);

/* The walker. set() is called on each node the path reaches (which may
 * be NULL-kind when present but null), with the doc to allocate in. */
typedef cv_result (*cv_kz_fs_setfn)(void *ctx, cv_doc *d, cv_node *node);
typedef enum { CV_KZ_CREATE_NONE, CV_KZ_CREATE_MAP, CV_KZ_CREATE_SCALAR } cv_kz_create;
/* Apply fs to obj when fs's group/version/kind select obj's current ones
 * (isMatchGVK). */
cv_result cv_kz_fs_apply(cv_doc *d, cv_node *obj, const cv_kz_fspec *fs, cv_kz_create create,
                         cv_kz_fs_setfn set, void *ctx) CV_MUST_USE;
/* SetEntry: map[key] = value (STR), replacing or appending; the node must
 * be a MAP (or null, which becomes one). */
cv_result cv_kz_set_entry(cv_doc *d, cv_node *node, cv_slice key, cv_slice value) CV_MUST_USE CV_NONNULL;

#endif
