/* Process-wide setup of the libraries the secrets layer uses.
 *
 * cv_secrets_init installs the wiping allocator (crypto/base/mem.h) as
 * jansson's allocator, so JSON documents that held secret values are wiped
 * when freed. Call it once, before any thread starts and any JSON use.
 *
 * cv_secrets_init_http does the same for libcurl and initialises it; it is
 * separate because libcurl's global init (TLS library setup) costs a few MiB
 * of resident memory that commands without HTTP should not pay. The HTTP
 * transport calls it before its first request, single-threaded. */
#ifndef CV_SECRETS_RUNTIME_INIT_H
#define CV_SECRETS_RUNTIME_INIT_H

#include "crypto/base/err.h"

cv_result cv_secrets_init(void) CV_MUST_USE;
cv_result cv_secrets_init_http(void) CV_MUST_USE;
void cv_secrets_cleanup(void);

#endif
