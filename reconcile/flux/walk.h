/* The Flux walk (RENDER-CONTRACT.md "The Flux walk"): every Flux
 * Kustomization reachable from the entry objects, built as
 * kustomize-controller builds it, and the dependsOn graph between them.
 *
 * Sources: every sourceRef is the repository itself; a known GitRepository
 * or OCIRepository hands over only what its artifact would hold (its
 * ignore rules, Flux's default exclusions: sources.h). spec.path is joined
 * onto it as Flux's securejoin does (".." cannot leave the root).
 * Order: breadth first from the entries; a Kustomization is identified by
 * namespace/name (namespace "default" when absent) and the first
 * occurrence wins. A suspended one is listed, not built. Build of K:
 * generated/merged kustomization (gen.h), kustomize build with
 * LoadRestrictionsNone, then per object: apiVersion/kind/name required,
 * decryption when spec.decryption is set (decrypt.h), substitution when
 * spec.postBuild is set (subst.h); then the owner labels
 * kustomize.toolkit.fluxcd.io/name and /namespace, then
 * commonMetadata. Children: the Kustomization objects of K's output,
 * queued in output order.
 *
 * Two passes: pass 1 walks without substitution and records every
 * ConfigMap and Secret any build emitted (after decryption; by
 * namespace/name, first wins; namespace "default" when absent); pass 2
 * walks again with substitution, substituteFrom and decryption Secrets
 * (keys.h) reading pass 1's records. The result is pass 2's (pass 1's when
 * no Kustomization it reached has postBuild or a decryption secretRef,
 * since nothing would change). Pass 2 does not build
 * again what pass 1 built from the same spec and the same source files:
 * it takes pass 1's objects (kustomize output, decrypted) and only
 * substitutes; pass 1 leaves owner labels and commonMetadata of a
 * Kustomization with postBuild to pass 2.
 *
 * With a cluster (opts.live): one pass with substitution, substituteFrom
 * and decryption Secrets read from the cluster as kustomize-controller
 * reads them; objects the repository renders are not consulted.
 *
 * A failed Kustomization keeps its error message and has no output and no
 * children; the walk itself only fails on resource exhaustion.
 *
 * Ownership: the walk owns copies of the Kustomization objects, every
 * build's resource map (secret arenas: decrypted values live there) and
 * the recorded objects; cv_flux_walk_clear releases everything. */
#ifndef CV_FLUX_WALK_H
#define CV_FLUX_WALK_H

#include "reconcile/flux/ks.h"
#include "reconcile/flux/subst.h"
#include "reconcile/kustomize/fs.h"
#include "reconcile/kustomize/resmap.h"
#include "secrets/sops/agekey.h"

typedef struct {
    cv_kzfs *fs;
    const char *root;        /* the repository in fs ("." for a tree) */
    bool strict;             /* undefined variable without default fails */
    cv_sops_keyring *kr;     /* identities for decryption; NULL: none */
    const char *http_cache;  /* kustomize's https resources */
    bool offline;
    /* A cluster (keys.h, live.h): substituteFrom objects and decryption
     * Secrets are read here, in one pass; NULL: offline, two passes. */
    cv_flux_find_fn live;
    void *live_ctx;
    /* Variables from Secrets substitute as REDACTED (covert build without
     * --reveal): no Secret value reaches any printed object. */
    bool redact_secret_vars;
    /* The repository as an unfiltered tree (fs is then a cv_kzfs_tree over
     * it and root "."), from which source artifacts are filtered; NULL: the
     * repository is root on disk (read into memory when an artifact needs it). */
    const cv_srctree *raw;
} cv_flux_opts;

typedef struct {
    char *id;        /* "namespace/name" */
    cv_node *obj;    /* the Kustomization object (walk's doc) */
    cv_flux_ks ks;   /* valid when parsed */
    bool parsed;
    bool suspended;
    bool built;      /* out holds the objects */
    cv_err err;      /* CV_OK unless the build failed */
    char *error;     /* the failure's message */
    cv_kz_resmap out;
    size_t parent;   /* index of the Kustomization that emitted it, SIZE_MAX for an entry */
    cv_kzfs *fs;     /* the files it was built from (its source's) */
} cv_flux_item;

typedef struct {
    cv_doc doc; /* Kustomization objects and recorded ConfigMaps/Secrets */
    cv_flux_item *v;
    size_t n, cap;
    cv_node **rec; /* pass 1's ConfigMaps and Secrets */
    size_t n_rec, cap_rec;
    bool two_pass; /* pass 2 ran */
    struct cv_flux_sources *src; /* known source objects, artifacts (sources.h) */
    cv_flux_item *prev;          /* pass 1's items while pass 2 runs */
    size_t n_prev;
} cv_flux_walk;

cv_result cv_flux_walk_init(cv_flux_walk *w) CV_MUST_USE CV_NONNULL;
void cv_flux_walk_clear(cv_flux_walk *w);
/* entries: Flux Kustomization objects (queued in order) and source
 * objects (known before anything is built); other objects are ignored. */
cv_result cv_flux_walk_run(cv_flux_walk *w, const cv_flux_opts *o, const cv_node *const *entries,
                           size_t n) CV_MUST_USE;
/* spec.path under root as Flux's securejoin puts it: cleaned as an
 * absolute path first, so ".." never leaves root. Heap string. */
cv_result cv_flux_dir(const char *root, const char *path, char **out) CV_MUST_USE CV_NONNULL;
/* Index of namespace/name in the walk, or -1. */
long cv_flux_walk_find(const cv_flux_walk *w, const char *ns, const char *name);

/* The Kustomization and source objects (cv_flux_is_source) in a YAML
 * stream (files of the repository), in order, allocated in doc; *objs is a
 * heap array the caller frees. */
cv_result cv_flux_read_entries(cv_kzfs *fs, const char *path, cv_doc *doc, cv_node ***objs,
                               size_t *n) CV_MUST_USE;
/* covert's default entries without --entry: every Kustomization object in
 * any .yaml/.yml file under root (names in byte order, depth first, .git
 * skipped) whose file lies outside the spec.path of every *other*
 * Kustomization object found; then the source objects of the files those
 * came from. */
cv_result cv_flux_default_entries(cv_kzfs *fs, const char *root, cv_doc *doc, cv_node ***objs,
                                  size_t *n) CV_MUST_USE;

/* ---- the dependsOn graph (graph.c) ---- */

typedef struct {
    size_t from, to; /* item indices: `from` depends on `to` */
} cv_flux_edge;

typedef struct {
    cv_flux_edge *edges;
    size_t n_edges;
    char **missing; /* "dependant -> namespace/name" for targets not in the walk */
    size_t n_missing;
    size_t *cycle;  /* one cycle, item indices in order (first repeated at the end) */
    size_t n_cycle;
} cv_flux_graph;

cv_result cv_flux_graph_build(const cv_flux_walk *w, cv_flux_graph *g) CV_MUST_USE CV_NONNULL;
void cv_flux_graph_clear(cv_flux_graph *g);

#endif
