/* The JSONPath subset External Secrets' webhook stores use on `bw serve`
 * answers: $ . name, ['name'], [n], [*], and filters [?@.f=="v"] /
 * [?(@.f == 'v')] with == and !=. The result is the list of matches (a
 * filter or wildcard makes a list; a plain path one value), then
 * converted as the webhook provider converts it: a string as is, true /
 * false, a number with strconv.FormatFloat(v, 'f', 0, 64), null as empty,
 * a list by its first element (an empty list is the error "filter worked
 * but didn't get any result"), an object as its JSON.
 *
 * Errors: CV_E_ESO_JSONPATH (syntax, no match; the detail names the path),
 * CV_E_TOO_LARGE (path past CV_ESO_MAX_JSONPATH). The document is a
 * jansson value owned by the caller; the result is appended to a secret
 * buffer. */
#ifndef CV_ESO_JSONPATH_H
#define CV_ESO_JSONPATH_H

#include <jansson.h>

#include "crypto/base/buf.h"

cv_result cv_jsonpath_extract(json_t *doc, cv_slice path, cv_buf *out) CV_MUST_USE;

#endif
