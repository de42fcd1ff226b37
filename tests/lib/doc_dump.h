/* Test-only: a cv_doc as the typed JSON that tests/peers/sopsstore writes
 * for sops's own tree ("tree" action), so the two can be compared byte for
 * byte:
 *
 *   {"docs":[MAP,...]}            one MAP per branch, then a new line
 *   map {"m":[[KEY,VALUE],...]}   KEY a string, or {"c":TEXT,"i":INLINE}
 *   list {"l":[VALUE,...]}        comments as {"c":TEXT,"i":INLINE}
 *   {"s":STR} {"i":"INT"} {"f":"<Go 'g' format>"} {"b":BOOL} {"t":TEXT} null
 *
 * Strings are escaped as Go's json.Marshal does. Appends to out. */
#ifndef CV_TESTS_DOC_DUMP_H
#define CV_TESTS_DOC_DUMP_H

#include "crypto/base/buf.h"
#include "secrets/doc/tree.h"

cv_result tv_doc_dump(const cv_doc *doc, cv_buf *out) CV_MUST_USE CV_NONNULL;
cv_result tv_node_dump(const cv_node *n, cv_buf *out) CV_MUST_USE;

#endif
