/* Decrypt-on-apply for `covert apply` (cmd/apply_sops.c). */
#ifndef CV_CMD_APPLY_SOPS_H
#define CV_CMD_APPLY_SOPS_H

#include <jansson.h>

#include "crypto/base/err.h"

/* Decrypt, in place and in memory, every SOPS document of docs and every
 * Secret value that is a whole SOPS file. Errors name the document. */
cv_result cv_apply_decrypt_sops(json_t *docs) CV_MUST_USE;

#endif
