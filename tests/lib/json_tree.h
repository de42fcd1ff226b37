/* Test-only: a document tree (secrets/doc/tree.h) from the typed JSON that
 * tests/peers/sopsstore prints for sops's own stores ("sopsstore yaml tree"):
 *   {"docs":[MAP,...]}  map {"m":[[KEY,VALUE],...]}  list {"l":[VALUE,...]}
 *   {"s":STR} {"i":"INT"} {"f":"FLOAT"} {"b":BOOL} {"t":TIME} null
 *   a comment {"c":TEXT,"i":INLINE} as a map key or list item
 * so that code taking a parsed document can be tested on exactly what sops
 * parsed, before (and independently of) covert's own codecs. */
#ifndef CV_TESTS_JSON_TREE_H
#define CV_TESTS_JSON_TREE_H

#include <jansson.h>

#include "secrets/doc/tree.h"

/* Fill an initialised doc from the typed JSON; false on malformed input. */
bool jt_doc_from_json(cv_doc *d, const json_t *typed);

#endif
