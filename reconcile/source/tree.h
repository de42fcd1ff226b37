/* The in-memory source tree: what a Git source hands to rendering. It holds
 * exactly what Flux's artifact tarball for the same commit would hold — the
 * directories and regular files that survive the ignore rules, in the order
 * source-controller writes them (a depth-first walk with each directory's
 * entries sorted by name bytes, the root "." first) — read from the object
 * database, never from a checkout. Symlinks and submodule contents are never
 * part of it.
 *
 * Entries: paths are relative and '/'-separated ("." is the root), with
 * the file bytes (or, in a listing, only their count) and the executable
 * bit (git mode 100755). File data is
 * repository content (public as far as covert is concerned: SOPS files are
 * still encrypted here); it lives in ordinary heap chunks owned by the tree.
 *
 * Ownership: cv_srctree_new gives the caller a tree that cv_srctree_free
 * releases with every entry; pointers from cv_srctree_at/get stay valid
 * until then. The builder functions copy what they are given.
 *
 * Errors: CV_E_LIMIT past CV_SRC_MAX_FILES entries, CV_E_TOO_LARGE past
 * CV_SRC_MAX_TOTAL bytes or a path longer than CV_SRC_MAX_PATH, CV_E_NOMEM. */
#ifndef CV_SOURCE_TREE_H
#define CV_SOURCE_TREE_H

#include <stdbool.h>
#include <stdint.h>

#include "crypto/base/buf.h"

typedef enum { CV_SRCENT_DIR, CV_SRCENT_FILE } cv_srcent_kind;

typedef struct {
    cv_srcent_kind kind;
    const char *path; /* NUL-terminated */
    size_t path_len;
    const uint8_t *data; /* NULL for directories and empty files */
    size_t len;
    bool exec;
} cv_srcent;

typedef struct cv_srctree cv_srctree;

cv_result cv_srctree_new(cv_srctree **out) CV_MUST_USE CV_NONNULL;
void cv_srctree_free(cv_srctree **t);

/* Builders, called in archive order. */
cv_result cv_srctree_add_dir(cv_srctree *t, cv_slice path) CV_MUST_USE CV_NONNULL;
cv_result cv_srctree_add_file(cv_srctree *t, cv_slice path, const void *data, size_t len,
                              bool exec) CV_MUST_USE;

/* A listing: a file known by its path, size and mode only (data stays
 * NULL), as an artifact index recalls it. A tree holds either files with
 * their bytes or listed files, never both (CV_E_INVALID_ARG). */
cv_result cv_srctree_add_listed(cv_srctree *t, cv_slice path, size_t len, bool exec)
    CV_MUST_USE;
bool cv_srctree_is_listing(const cv_srctree *t) CV_NONNULL;

/* Every entry, in archive order. */
size_t cv_srctree_len(const cv_srctree *t) CV_NONNULL;
const cv_srcent *cv_srctree_at(const cv_srctree *t, size_t i) CV_NONNULL;
/* The regular file at path, or NULL. */
const cv_srcent *cv_srctree_get(const cv_srctree *t, cv_slice path) CV_NONNULL;
size_t cv_srctree_files(const cv_srctree *t) CV_NONNULL;
uint64_t cv_srctree_bytes(const cv_srctree *t) CV_NONNULL;

/* sha256 of the uncompressed tar stream source-controller's Storage.Archive
 * writes for this tree (Go archive/tar: USTAR headers, PAX for long or
 * non-ASCII names, zero times and owners, modes 0750/0600/0700, two zero
 * blocks at the end), as "sha256:<64 hex>". Flux's status.artifact.digest
 * hashes the gzip of that stream, made by Go's own deflate, which this
 * does not reproduce: see reconcile/source/README.md. */
void cv_srctree_digest(const cv_srctree *t, char out[72]) CV_NONNULL;

#endif
