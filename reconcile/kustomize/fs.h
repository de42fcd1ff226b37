/* File access for rendering: one interface over a directory on disk and
 * over the in-memory Git tree (reconcile/source/tree.h), so that kustomize
 * and the Flux walk never care where a repository came from.
 *
 * Paths are '/'-separated and cleaned with cv_kzfs_join (no "." or empty
 * segments, ".." folded where it can be). On disk they are taken as given
 * (absolute, or relative to the working directory) and symlinks are
 * followed, as kustomize follows them; in a tree they are relative to its
 * root ("." is the root) and nothing above the root exists.
 *
 * Ownership: cv_kzfs_read hands out bytes the fs keeps until cv_kzfs_free
 * (each disk file is read once and cached). Names from cv_kzfs_list are
 * the caller's, released with cv_kzfs_names_free. File bytes are repository
 * content (SOPS files still encrypted), held in ordinary memory.
 *
 * Errors: CV_E_NOT_FOUND for a missing file, CV_E_IO for other read
 * failures, CV_E_TOO_LARGE past CV_KZ_MAX_FILE or CV_KZ_MAX_PATH. */
#ifndef CV_KZ_FS_H
#define CV_KZ_FS_H

#include <stddef.h>

#include "crypto/base/buf.h"
#include "reconcile/source/tree.h"

typedef enum { CV_KZFS_NONE, CV_KZFS_FILE, CV_KZFS_DIR } cv_kzfs_kind;

typedef struct cv_kzfs cv_kzfs;

cv_result cv_kzfs_disk(cv_kzfs **out) CV_MUST_USE CV_NONNULL;
/* The tree must outlive the fs. */
cv_result cv_kzfs_tree(const cv_srctree *t, cv_kzfs **out) CV_MUST_USE CV_NONNULL;
void cv_kzfs_free(cv_kzfs **fs);

cv_kzfs_kind cv_kzfs_stat(cv_kzfs *fs, const char *path) CV_NONNULL;
cv_result cv_kzfs_read(cv_kzfs *fs, const char *path, cv_slice *out) CV_MUST_USE CV_NONNULL;
/* Decrypted stand-ins (Flux decrypts kustomize sources before the build;
 * covert does it in memory): until cv_kzfs_overlay_clear, cv_kzfs_read of
 * path (as cv_kzfs_join spells it) returns a copy of plain instead of the
 * file's bytes. The copies are plaintext: kept in wiping memory and wiped
 * by cv_kzfs_overlay_clear and cv_kzfs_free. */
cv_result cv_kzfs_overlay(cv_kzfs *fs, const char *path, cv_slice plain) CV_MUST_USE CV_NONNULL;
void cv_kzfs_overlay_clear(cv_kzfs *fs) CV_NONNULL;
/* Whether cv_kzfs_read of path returns a decrypted stand-in: plaintext,
 * which must not be treated as repository content (cv_kz_yaml_repo_docs). */
bool cv_kzfs_overlaid(const cv_kzfs *fs, const char *path) CV_NONNULL;

/* Entries of a directory (names only, no "." or ".."), sorted by bytes. */
cv_result cv_kzfs_list(cv_kzfs *fs, const char *dir, char ***names, size_t *n)
    CV_MUST_USE CV_NONNULL;
void cv_kzfs_names_free(char **names, size_t n);

/* Clean join of rel onto dir (rel absolute: rel alone), into a new heap
 * string the caller frees. "a/b" + "../c" = "a/c"; "." + "x" = "x";
 * "a" + ".." = "."; "." + "../x" = "../x". */
cv_result cv_kzfs_join(const char *dir, const char *rel, char **out) CV_MUST_USE CV_NONNULL;
/* Directory part of a cleaned path ("a/b" -> "a", "b" -> ".", "/b" -> "/"). */
cv_result cv_kzfs_dir(const char *path, char **out) CV_MUST_USE CV_NONNULL;

#endif
