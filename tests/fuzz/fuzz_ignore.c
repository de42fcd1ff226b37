/* Ignore patterns (reconcile/source/ignore.c) and semver ranges: the input
 * is split at the first NUL into ignore-file text and a path list (one per
 * line, a trailing '/' meaning a directory); every path is matched against
 * the Flux filter those patterns make, and the first path line is also
 * parsed as a semver range and version. Nothing may crash, over-read or
 * leak; a pattern set never fails to parse below the caps. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "reconcile/source/ignore.h"
#include "reconcile/source/semver.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void match_paths(const cv_ignore *ig, cv_slice paths)
{
    cv_reader r = cv_reader_of(paths);
    cv_slice line;
    while (!cv_reader_eof(&r) && cv_is_ok(cv_reader_line_opt(&r, &line, 4096))) {
        bool dir = line.len > 0 && line.p[line.len - 1] == '/';
        (void)cv_ignore_match(ig, cv_slice_of(line.p, line.len - (dir ? 1 : 0)), dir);
    }
}

static void semver(cv_slice s)
{
    cv_semver_range *r = NULL;
    cv_semver v;
    if (cv_is_ok(cv_semver_range_parse(s, &r)) && cv_is_ok(cv_semver_parse(s, &v)))
        (void)cv_semver_range_check(r, &v);
    cv_semver_range_free(&r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 65536) return 0;
    const uint8_t *nul = memchr(data, 0, size);
    size_t plen = nul ? (size_t)(nul - data) : size;
    cv_slice paths = nul ? cv_slice_of(nul + 1, size - plen - 1) : cv_slice_of("a/b", 3);
    cv_ignore *user = NULL, *filter = NULL;
    if (!cv_is_ok(cv_ignore_new(&user)) || !cv_is_ok(cv_ignore_new(&filter))) abort();
    if (!cv_is_ok(cv_ignore_read(user, cv_slice_of(data, plen), cv_slice_of("d", 1)))) abort();
    if (!cv_is_ok(cv_ignore_read(user, cv_slice_of(data, plen), cv_slice_of("", 0)))) abort();
    if (!cv_is_ok(cv_ignore_add_flux_defaults(filter, cv_ignore_count(user) == 0))) abort();
    if (!cv_is_ok(cv_ignore_append(filter, user))) abort();
    match_paths(filter, paths);
    const uint8_t *nl = memchr(paths.p, '\n', paths.len);
    semver(cv_slice_of(paths.p, nl ? (size_t)(nl - paths.p) : paths.len));
    cv_ignore_free(&user);
    cv_ignore_free(&filter);
    return 0;
}
