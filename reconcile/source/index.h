/* The artifact index: what covert remembers of an artifact it has built,
 * so that fetching the same commit again with the same ignore rules needs
 * no file to be read. source-controller keeps the artifact of the last
 * revision for the same reason; covert keeps, per (commit, ignore rules),
 * the digest and the listing (paths, sizes, modes) in the bare cache
 * repository, under covert-artifacts/.
 *
 * File format (version 1), every line LF-terminated:
 *   "covert-artifact 1"
 *   "sha256:<64 hex>"                       the tar digest
 *   "D <path length>" then the path        a directory
 *   "F <0|1 exec> <size> <path length>" then the path   a file
 *   "end"
 * Paths are raw bytes (a Git path may hold any byte but NUL), which is
 * why they carry their length.
 *
 * An index is a cache, never the truth: a missing, unreadable or malformed
 * one is rebuilt from the object database (cv_srcindex_load reports
 * CV_E_NOT_FOUND / CV_E_FORMAT and the caller reads the tree).
 *
 * Ownership: *out from load/parse is the caller's (cv_srctree_free); it is
 * a listing (cv_srctree_is_listing). Errors: CV_E_NOT_FOUND (no index),
 * CV_E_FORMAT (malformed), CV_E_LIMIT/CV_E_TOO_LARGE (source limits),
 * CV_E_IO, CV_E_NOMEM. */
#ifndef CV_SOURCE_INDEX_H
#define CV_SOURCE_INDEX_H

#include <stdbool.h>

#include "reconcile/source/tree.h"

/* The index file for a commit and the rules it was filtered with (ignore:
 * spec.ignore or NULL; filtered: whether any rules applied), under gitdir. */
cv_result cv_srcindex_path(const char *gitdir, const char *commit, const char *ignore,
                           bool filtered, char **out) CV_MUST_USE;

cv_result cv_srcindex_parse(cv_slice text, cv_srctree **out, char digest[72]) CV_MUST_USE;
cv_result cv_srcindex_load(const char *path, cv_srctree **out, char digest[72]) CV_MUST_USE;
cv_result cv_srcindex_store(const char *path, const cv_srctree *t, const char digest[72])
    CV_MUST_USE;

#endif
