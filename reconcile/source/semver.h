/* Semantic versions and version ranges as Flux's GitRepository
 * `spec.ref.semver` evaluates them: Masterminds/semver v3.5.0 (NewVersion in
 * its default coercing mode, NewConstraint, Constraints.Check) plus
 * fluxcd/pkg/version.ParseVersion, which only admits tags with at least two
 * dots. The regular-expression grammar of the Go library is reproduced by
 * hand; the behaviour, including its oddities (a "1.2 - 3" range is rewritten
 * to ">= 1.2, <= 3 " before parsing; prereleases only match a group that
 * names one), is pinned by vectors generated with the Go library itself
 * (testvectors/git/semver.tsv).
 *
 * Ownership: cv_semver is a value (the prerelease is copied into it). A
 * parsed range is owned by the caller and released with cv_semver_range_free.
 * Errors: CV_E_SYNTAX for a version that does not parse, CV_E_SEMVER for a
 * range that does not parse (both with the input quoted in the detail),
 * CV_E_TOO_LARGE past Masterminds's length caps, CV_E_NOMEM. */
#ifndef CV_SOURCE_SEMVER_H
#define CV_SOURCE_SEMVER_H

#include <stdbool.h>
#include <stdint.h>

#include "crypto/base/buf.h"
#include "crypto/base/limits.h"

typedef struct {
    uint64_t major, minor, patch;
    char pre[CV_SEMVER_MAX_VERSION + 1]; /* prerelease without '-', NUL-terminated */
    size_t pre_len;
} cv_semver;

typedef struct cv_semver_range cv_semver_range;

/* Masterminds NewVersion: "v" prefix, missing minor/patch, leading zeros in
 * the numbers are accepted; build metadata is dropped (it never counts). */
cv_result cv_semver_parse(cv_slice s, cv_semver *out) CV_MUST_USE CV_NONNULL;
/* fluxcd/pkg/version.ParseVersion: as above but the text must hold at least
 * two dots; this is how Flux reads tags for a semver ref. */
cv_result cv_semver_parse_tag(cv_slice s, cv_semver *out) CV_MUST_USE CV_NONNULL;
/* <0, 0, >0 as Masterminds Version.Compare (metadata ignored). */
int cv_semver_cmp(const cv_semver *a, const cv_semver *b) CV_NONNULL;

cv_result cv_semver_range_parse(cv_slice s, cv_semver_range **out) CV_MUST_USE CV_NONNULL;
bool cv_semver_range_check(const cv_semver_range *r, const cv_semver *v) CV_NONNULL;
void cv_semver_range_free(cv_semver_range **r);

#endif
