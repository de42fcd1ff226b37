/* Output of `covert bw` in bws's formats: json (serde_json pretty), yaml,
 * env, table, tsv, none. Everything is written into a secret buffer first
 * (values are plaintext) and then to stdout in one go. */
#ifndef CV_CMD_BW_OUT_H
#define CV_CMD_BW_OUT_H

#include "crypto/base/buf.h"
#include "secrets/bitwarden/sm.h"

typedef enum { BW_OUT_JSON, BW_OUT_YAML, BW_OUT_ENV, BW_OUT_TABLE, BW_OUT_TSV, BW_OUT_NONE } bw_output;

/* Parse an --output value (case-insensitive, as clap's ValueEnum). */
bool cv_bw_out_parse(const char *s, bw_output *out);

/* A list (list = true: JSON array even for one item) or one object. */
cv_result cv_bw_out_secrets(bw_output fmt, const cv_bw_secret *s, size_t n, bool list,
                            cv_buf *out) CV_MUST_USE;
cv_result cv_bw_out_projects(bw_output fmt, const cv_bw_project *p, size_t n, bool list,
                             cv_buf *out) CV_MUST_USE;

/* chrono's RFC 3339 form of a server date (UTC, "Z", fraction of 0, 3, 6
 * or 9 digits); with table = true, "%Y-%m-%d %H:%M:%S". */
cv_result cv_bw_out_date(const char *in, bool table, char *out, size_t cap) CV_MUST_USE;

/* ^[a-zA-Z_][a-zA-Z0-9_]*$ */
bool cv_bw_posix_name(const char *s, size_t n);

#endif
