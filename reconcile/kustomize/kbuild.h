/* Internal to the kustomize build (build.c, gen.c, xform.c): the build
 * context and the resource accumulator.
 *
 * An accumulator is one kustomization's list of resources (kustomize's
 * ResAccumulator). Every node lives in the doc of the build's output map;
 * sub-kustomizations get their own list over the same doc. To hand a list
 * to code that takes a cv_kz_resmap (the patch module), cv_kzb_acc_sync
 * moves it into the output map and cv_kzb_acc_unsync takes it back.
 *
 * Errors: as build.h. */
#ifndef CV_KZ_KBUILD_H
#define CV_KZ_KBUILD_H

#include "reconcile/kustomize/build.h"
#include "reconcile/kustomize/tconfig.h"

typedef struct {
    const cv_kz_opts *o;
    int depth;
    bool track;            /* the top's buildMetadata is set: origins are recorded */
    char *origin;          /* origin path of the kustomization being built (NULL = top) */
    const char *kust_file; /* its kustomization file's name */
} cv_kzb_ctx;

typedef struct {
    cv_kz_resmap *rm; /* owner of the doc (and of the list while synced) */
    cv_node **objs;
    size_t n, cap;
    cv_kz_tconfig tc; /* the accumulated transformer configuration */
    cv_node **saved;
    size_t saved_n, saved_cap;
} cv_kzb_acc;

void cv_kzb_acc_init(cv_kzb_acc *a, cv_kz_resmap *rm);
void cv_kzb_acc_free(cv_kzb_acc *a);
/* Append with kustomize's id check ("may not add resource with an already
 * registered id"). */
cv_result cv_kzb_acc_append(cv_kzb_acc *a, cv_node *obj) CV_MUST_USE;
/* Append every resource of sub and merge its configuration
 * (MergeAccumulator). */
cv_result cv_kzb_acc_merge(cv_kzb_acc *a, const cv_kzb_acc *sub) CV_MUST_USE;
cv_result cv_kzb_acc_sync(cv_kzb_acc *a) CV_MUST_USE;
void cv_kzb_acc_unsync(cv_kzb_acc *a);
cv_result cv_kzb_queue_push(cv_node ***q, size_t *n, size_t *cap, cv_node *v) CV_MUST_USE;

/* gen.c */
cv_result cv_kzb_generators(cv_kzb_ctx *c, cv_kzb_acc *a, const char *dir, const cv_node *k)
    CV_MUST_USE;
cv_result cv_kzb_hash_names(cv_kz_resmap *rm) CV_MUST_USE;

/* xform.c */
cv_result cv_kzb_namespace(cv_kzb_acc *a, cv_slice ns) CV_MUST_USE;
/* The builtin tables plus the kustomization's `configurations` files,
 * merged into a->tc. */
cv_result cv_kzb_configurations(cv_kzb_ctx *c, cv_kzb_acc *a, const char *dir, const cv_node *k)
    CV_MUST_USE;

/* nameref.c */
cv_result cv_kzb_name_references(cv_kz_resmap *rm, const cv_kz_tconfig *tc) CV_MUST_USE;

/* meta.c: the builtin transformers between namespace and replacements
 * (PrefixTransformer, SuffixTransformer, LabelTransformer,
 * AnnotationsTransformer), run on the accumulator. */
cv_result cv_kzb_prefix_suffix(cv_kzb_acc *a, const cv_node *k) CV_MUST_USE;
cv_result cv_kzb_labels(cv_kzb_acc *a, const cv_node *k) CV_MUST_USE;
cv_result cv_kzb_annotations(cv_kzb_acc *a, const cv_node *k) CV_MUST_USE;

/* images.c: ReplicaCountTransformer and ImageTagTransformer. */
cv_result cv_kzb_replicas(cv_kzb_acc *a, const cv_node *k) CV_MUST_USE;
cv_result cv_kzb_images(cv_kzb_acc *a, const cv_node *k) CV_MUST_USE;

/* origin.c: buildMetadata. enter/leave bracket a directory entry's
 * recursion; file annotates a->objs[from..] loaded from entry; generated
 * gives a generator's object its origin; transformer records `times`
 * instances of a builtin transformer kind on every resource. */
cv_result cv_kzb_origin_enter(cv_kzb_ctx *c, const char *entry, char **saved) CV_MUST_USE;
void cv_kzb_origin_leave(cv_kzb_ctx *c, char *saved);
cv_result cv_kzb_origin_file(cv_kzb_ctx *c, cv_kzb_acc *a, size_t from, const char *entry) CV_MUST_USE;
cv_result cv_kzb_origin_generated(cv_kzb_ctx *c, cv_doc *d, cv_node *obj, const char *kind) CV_MUST_USE;
cv_result cv_kzb_origin_transformer(cv_kzb_ctx *c, cv_kzb_acc *a, const char *kind, size_t times)
    CV_MUST_USE;
cv_result cv_kzb_managed_by(cv_kz_resmap *rm) CV_MUST_USE;

/* xform.c, at the top of the build */
cv_result cv_kzb_sort(cv_kz_resmap *rm, const cv_node *opts) CV_MUST_USE;
/* krusty's clean-up: build annotations go, origin and transformation
 * annotations unless buildMetadata asked for them. */
cv_result cv_kzb_finish(cv_kz_resmap *rm, bool origin, bool transf) CV_MUST_USE;

#endif
