/* Timestamps as Go's time package reads and writes RFC 3339, because sops
 * stores `lastmodified` with Format(time.RFC3339) and uses that exact text as
 * the MAC's AAD, and encrypts time values with MarshalText (RFC3339Nano).
 * Only the wall clock and the numeric offset are kept (Go keeps zone names
 * too, but never prints them in these layouts). */
#ifndef CV_DOC_GOTIME_H
#define CV_DOC_GOTIME_H

#include <stdbool.h>
#include <stdint.h>

#include "crypto/base/buf.h"

typedef struct {
    int64_t year;
    int month, day, hour, min, sec;
    int32_t nsec;
    int32_t offset; /* seconds east of UTC */
} cv_gotime;

#define CV_GOTIME_TEXT_MAX 64u

/* time.Parse(time.RFC3339, s): fractional seconds accepted, Z or ±hh:mm. */
cv_result cv_gotime_parse_rfc3339(cv_slice s, cv_gotime *t) CV_MUST_USE CV_NONNULL;
/* Format(time.RFC3339) (nano=false) or MarshalText / RFC3339Nano (nano=true:
 * fraction with trailing zeros dropped). out has CV_GOTIME_TEXT_MAX bytes. */
size_t cv_gotime_format(const cv_gotime *t, bool nano, char *out);
/* Now, in UTC, whole seconds (sops's lastmodified). */
void cv_gotime_now_utc(cv_gotime *t);
/* Build from calendar fields (validated: month/day ranges, leap years). */
cv_result cv_gotime_make(cv_gotime *t, int64_t year, int month, int day, int hour, int min,
                         int sec, int32_t nsec, int32_t offset) CV_MUST_USE CV_NONNULL;

#endif
