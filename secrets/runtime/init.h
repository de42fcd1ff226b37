/* Process-wide setup of the libraries the secrets layer uses.
 *
 * cv_secrets_init installs the wiping allocator (crypto/base/mem.h) as
 * jansson's and libcurl's allocator, so JSON documents and HTTP buffers that
 * held secret values are wiped when freed, and initialises libcurl. Call it
 * once, before any thread starts and before any JSON or HTTP use. */
#ifndef CV_SECRETS_RUNTIME_INIT_H
#define CV_SECRETS_RUNTIME_INIT_H

#include "crypto/base/err.h"

cv_result cv_secrets_init(void) CV_MUST_USE;
void cv_secrets_cleanup(void);

#endif
