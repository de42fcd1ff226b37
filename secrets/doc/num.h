/* Numbers formatted and parsed as Go's strconv does, because sops writes
 * and hashes them that way: the MAC covers FormatFloat(f, 'f', -1, 64), the
 * YAML emitter writes 'g', encoding/json writes 'f' or 'e' by magnitude.
 *
 * Every formatter writes a NUL-terminated string into out (at least
 * CV_NUM_TEXT_MAX bytes) and returns its length. */
#ifndef CV_DOC_NUM_H
#define CV_DOC_NUM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto/base/buf.h"

/* strconv.FormatFloat(f, fmt, -1, 64) for fmt in 'f', 'e', 'E', 'g', 'G':
 * shortest digits that round-trip; NaN, +Inf, -Inf as Go spells them. */
size_t cv_go_float(double f, char fmt, char *out);
/* encoding/json's rendering of a float64 ('f', or 'e' below 1e-6 and from
 * 1e21 with a one-digit negative exponent); false for NaN and infinities,
 * which JSON cannot hold. */
bool cv_json_float(double f, char *out, size_t *len);
/* strconv.Itoa. */
size_t cv_go_int(int64_t i, char *out);
/* strconv.ParseFloat(s, 64): decimal and hex floats, optional sign,
 * underscores only between digits with a base prefix, "inf"/"infinity"/
 * "nan" in any case. Out-of-range values fail (Go returns ErrRange). */
cv_result cv_go_parse_float(cv_slice s, double *out) CV_MUST_USE CV_NONNULL;
/* strconv.Atoi / ParseInt(s, 10, 64): optional sign, decimal digits. */
cv_result cv_go_parse_int(cv_slice s, int64_t *out) CV_MUST_USE CV_NONNULL;
/* strconv.ParseBool. */
cv_result cv_go_parse_bool(cv_slice s, bool *out) CV_MUST_USE CV_NONNULL;

#endif
