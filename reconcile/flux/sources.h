/* The files a Kustomization's sourceRef hands it (RENDER-CONTRACT.md "The
 * Flux walk", 1. Sources).
 *
 * Every source is the repository itself, but what Flux hands a
 * Kustomization is the source's artifact: for a GitRepository or an
 * OCIRepository, the files that source-controller's archiver keeps
 * (reconcile/source/artifact.h: .sourceignore files, the object's
 * spec.ignore, the VCS exclusions, and Flux's default exclusions such as
 * .sops.yaml when there is no user pattern). That filter applies when the
 * source object is *known*: it is in the entry files, or a Kustomization
 * built earlier in the same pass of the walk emitted it (first occurrence
 * of kind/namespace/name wins; namespace "default" when absent). An
 * unknown source, and every Bucket or ExternalArtifact, is the whole
 * repository as given (the walk's fs and root).
 *
 * Not modelled, and reported as a failure of the Kustomization
 * (CV_E_FLUX_SOURCE): GitRepository spec.include and spec.sparseCheckout,
 * OCIRepository spec.layerSelector.operation "copy" (the artifact would be
 * a single file).
 *
 * Artifacts are built once per distinct spec.ignore and kept for the
 * whole walk (both passes). On disk, the repository is read into memory the
 * first time a known source needs it; a Git tree (cv_flux_opts.raw) is
 * filtered directly.
 *
 * Ownership: the set owns copies of the source objects (in its own
 * document) and every artifact; the fs and root handed out stay valid until
 * cv_flux_sources_free. */
#ifndef CV_FLUX_SOURCES_H
#define CV_FLUX_SOURCES_H

#include "reconcile/flux/walk.h"

typedef struct cv_flux_sources cv_flux_sources;

cv_result cv_flux_sources_new(cv_flux_sources **out) CV_MUST_USE CV_NONNULL;
void cv_flux_sources_free(cv_flux_sources **s);
/* A new pass: forget the known objects (artifacts stay cached). */
void cv_flux_sources_reset(cv_flux_sources *s) CV_NONNULL;
/* True for a GitRepository or OCIRepository of source.toolkit.fluxcd.io. */
bool cv_flux_is_source(const cv_node *obj);
/* Remember obj when it is a source object not known yet. */
cv_result cv_flux_sources_note(cv_flux_sources *s, const cv_node *obj) CV_MUST_USE CV_NONNULL;
/* The files k's build sees: the artifact of its known source, else o's
 * fs and root. */
cv_result cv_flux_sources_files(cv_flux_sources *s, const cv_flux_opts *o, const cv_flux_ks *k,
                                cv_kzfs **fs, const char **root) CV_MUST_USE CV_NONNULL;

#endif
