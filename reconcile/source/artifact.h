/* Artifact trees for rendering: what a Kustomization sees of a source when
 * the source's files are already at hand (a directory on disk, or a Git
 * commit read without filtering).
 *
 *   cv_srctree_from_dir  a directory on disk as source-controller's archiver
 *                        walks a checkout: directories and regular files in
 *                        a depth-first walk, each directory's entries sorted
 *                        by name bytes; symlinks and other special files are
 *                        skipped, never followed; directories named ".git"
 *                        are not entered (the VCS exclusions drop them, and
 *                        LoadIgnorePatterns does not look into them).
 *   cv_srctree_artifact  a tree (in archive order, unfiltered) as
 *                        kustomize-controller finds the artifact after
 *                        extracting it: filtered by the source's ignore
 *                        rules exactly as read.c filters a commit
 *                        (.sourceignore files depth first, a directory's own
 *                        before its subdirectories', then spec.ignore; the
 *                        VCS exclusions always; Flux's default exclusions
 *                        only when there is no user pattern), plus every
 *                        parent directory of a kept entry, since extraction
 *                        creates the parents of what the tarball holds even
 *                        when the archiver left the directory itself out.
 *
 * Ownership: the result is a new tree the caller frees with
 * cv_srctree_free; the input tree is only read.
 *
 * Errors: CV_E_NOT_FOUND (missing directory) or CV_E_IO with the path in the
 * detail; CV_E_TOO_LARGE past CV_SRC_MAX_FILE per file (and the tree's own
 * limits), CV_E_LIMIT past CV_SRC_MAX_DEPTH or CV_SRC_MAX_FILES, CV_E_NOMEM. */
#ifndef CV_SOURCE_ARTIFACT_H
#define CV_SOURCE_ARTIFACT_H

#include "reconcile/source/tree.h"

cv_result cv_srctree_from_dir(const char *dir, cv_srctree **out) CV_MUST_USE CV_NONNULL;
/* ignore: spec.ignore, NULL when unset. */
cv_result cv_srctree_artifact(const cv_srctree *raw, const char *ignore, cv_srctree **out)
    CV_MUST_USE __attribute__((nonnull(1, 3)));

#endif
