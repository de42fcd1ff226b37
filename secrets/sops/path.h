/* Tree paths as sops writes them on its command line: ["key"][0]['other'].
 * Used by decrypt --extract, set and unset, with sops's semantics: a
 * missing key is appended, an index past the end appends, a scalar in the
 * way is replaced (set); a missing key or index is an error (unset,
 * extract). */
#ifndef CV_SOPS_PATH_H
#define CV_SOPS_PATH_H

#include "secrets/doc/tree.h"

typedef struct {
    const char *key; /* NULL for an index */
    size_t key_len;
    size_t index;
} cv_sops_path_part;

typedef struct {
    cv_sops_path_part *parts;
    size_t n;
} cv_sops_path;

/* Parse; the parts point into `arg`, which must outlive the path. Errors
 * (CV_E_SOPS_PATH) carry sops's message. */
cv_result cv_sops_path_parse(const char *arg, cv_sops_path *p) CV_MUST_USE CV_NONNULL;
void cv_sops_path_free(cv_sops_path *p);

/* The value at the path (sops Truncate). */
cv_result cv_sops_path_get(cv_node *root, const cv_sops_path *p, cv_node **out)
    CV_MUST_USE CV_NONNULL;
/* Set the value at the path (copied into d); *changed as sops reports it. */
cv_result cv_sops_path_set(cv_doc *d, cv_node *root, const cv_sops_path *p,
                           const cv_node *value, bool *changed) CV_MUST_USE;
/* Remove the item at the path. CV_E_NOT_FOUND when it is not there. */
cv_result cv_sops_path_unset(cv_node *root, const cv_sops_path *p) CV_MUST_USE CV_NONNULL;

#endif
