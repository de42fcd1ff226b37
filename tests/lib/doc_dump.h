/* Test helper: a document tree as the typed JSON that tests/peers/sopsstore
 * prints for sops's own tree (format at the top of its main.go), so the
 * codecs can be compared with sops byte for byte. Output is exactly what
 * Go's encoding/json would write for the same values. */
#ifndef CV_TESTS_DOC_DUMP_H
#define CV_TESTS_DOC_DUMP_H

#include "crypto/base/buf.h"
#include "secrets/doc/tree.h"

/* {"docs":[...]} followed by a newline. */
cv_result tv_doc_dump(const cv_doc *doc, cv_buf *out) CV_MUST_USE;

#endif
