/* API errors: a failed response (HTTP status >= 400, usually with a
 * metav1.Status body) turned into a cv_result with a clear detail.
 *
 *   401 CV_E_KUBE_UNAUTHORIZED   403 CV_E_KUBE_FORBIDDEN (the server's
 *   message names user, verb, resource and namespace)   404 NOT_FOUND
 *   409 CV_E_KUBE_EXISTS (reason AlreadyExists) or CV_E_KUBE_CONFLICT
 *   (ownership conflicts list each conflicting manager and field)
 *   410 CV_E_KUBE_GONE   422 CV_E_KUBE_INVALID (every field cause)
 *   others CV_E_KUBE_API; a body that is not a Status: CV_E_KUBE_API with
 *   the HTTP status only.
 *
 * The detail is the Status message plus the causes the message does not
 * already carry, prefixed by `what` (e.g. "configmap/app") when given.
 * Status messages never echo request bodies, so no secret value appears. */
#ifndef CV_RECONCILE_KUBE_STATUS_H
#define CV_RECONCILE_KUBE_STATUS_H

#include <jansson.h>

#include "crypto/base/buf.h"

/* Parse body (may be empty or not JSON) and build the error. */
cv_result cv_kube_status_error(long http_status, cv_slice body, const char *what) CV_MUST_USE;
/* The same from an already parsed body (NULL allowed). */
cv_result cv_kube_status_error_json(long http_status, const json_t *body, const char *what)
    CV_MUST_USE;

#endif
