/* Force-included first into every translation unit (see the Makefile). It
 * pulls in the C library headers that declare the banned functions, then
 * bans them, so later uses fail to compile while the declarations stay
 * intact. */
#ifndef CV_BASE_PRELUDE_H
#define CV_BASE_PRELUDE_H
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "crypto/base/banned.h"
#endif
