/* A Git source with Flux GitRepository semantics, on libgit2, read straight
 * from the object database.
 *
 *   cv_source_fetch(opts, &res)
 *     1. lists the remote's refs (one round trip) over https/http (basic auth
 *        or bearer token), ssh (private key, known_hosts checked against the
 *        host key), git:// or file://;
 *     2. resolves spec.ref as source-controller does: commit > name > tag >
 *        semver > branch (default "master"), and writes the revision string
 *        as Flux does ("main@sha1:<hash>", "v1.2.3@sha1:<hash>",
 *        "refs/pull/1/head@sha1:<hash>", "sha1:<hash>");
 *     3. fetches into a bare cache repository (one per URL under
 *        opts.cache_dir) only the objects it does not have yet — nothing at
 *        all when the resolved commit is already there;
 *     4. unless the revision equals opts.last_revision (Flux's "optimized
 *        clone": nothing to do), reads the commit's files into a cv_srctree
 *        through the ignore rules (.sourceignore files + spec.ignore, Flux's
 *        defaults, symlinks never followed) and computes the tar digest —
 *        or, with opts.listing, recalls the digest and the listing from the
 *        artifact index written the first time that commit was read with
 *        the same rules (reconcile/source/index.h).
 *
 * Ownership: opts and everything it points to stay the caller's (secrets in
 * opts.auth are only borrowed; libgit2's copies of passwords and private
 * keys are zeroed by libgit2 when it frees its credential objects). The
 * result owns its revision and tree; cv_source_result_clear releases them.
 *
 * Errors (detail names the URL or ref, never a credential):
 *   CV_E_GIT_URL             unsupported scheme or malformed URL
 *   CV_E_GIT_SECRET          credentials that do not fit the transport
 *   CV_E_GIT_AUTH            the server refused the credentials (or wanted some)
 *   CV_E_GIT_HOSTKEY         ssh host key missing from / different in known_hosts
 *   CV_E_GIT_UNREACHABLE     connection refused, DNS failure, network down
 *   CV_E_GIT_TIMEOUT         opts.timeout_ms elapsed (checked between transfers)
 *   CV_E_GIT_REPO_NOT_FOUND  the server has no such repository
 *   CV_E_GIT_REF_NOT_FOUND   branch/tag/name/commit not found
 *   CV_E_SEMVER, CV_E_SEMVER_NO_MATCH   bad range, or no tag matches it
 *   CV_E_GIT                 anything else libgit2 reports (its message in the detail)
 *   CV_E_LIMIT, CV_E_TOO_LARGE, CV_E_NOMEM, CV_E_IO */
#ifndef CV_SOURCE_SOURCE_H
#define CV_SOURCE_SOURCE_H

#include <stdbool.h>

#include "reconcile/source/auth.h"
#include "reconcile/source/tree.h"

/* GitRepository spec.ref; NULL or "" means unset. */
typedef struct {
    const char *branch, *tag, *semver, *name, *commit;
} cv_source_ref;

typedef struct {
    const char *url;
    cv_source_ref ref;
    const cv_source_auth *auth; /* may be NULL */
    const char *ignore;         /* spec.ignore; NULL when unset */
    const char *cache_dir;      /* created if missing */
    unsigned timeout_ms;        /* 0: Flux's default, 60 s */
    const char *last_revision;  /* status.artifact.revision, or NULL */
    bool unfiltered;            /* no ignore rules at all: the whole commit
                                   (rendering filters per source object) */
    bool listing;               /* the caller needs only the digest and the
                                   listing: a tree without file bytes may
                                   come from the artifact index (index.h) */
} cv_source_opts;

typedef struct {
    char *revision;   /* heap, NUL-terminated */
    char commit[41];  /* hex */
    bool unchanged;   /* revision == last_revision: no tree was read */
    bool fetched;     /* objects were downloaded */
    cv_srctree *tree; /* NULL when unchanged; a listing (no bytes) may come
                         back when opts.listing was set */
    char digest[72];  /* "sha256:..." of the tar stream; "" when unchanged */
} cv_source_result;

cv_result cv_source_fetch(const cv_source_opts *o, cv_source_result *out) CV_MUST_USE CV_NONNULL;
void cv_source_result_clear(cv_source_result *r);

/* The cache directory covert uses by default: $COVERT_CACHE_DIR, else
 * $XDG_CACHE_HOME/covert/git, else $HOME/.cache/covert/git (heap string). */
cv_result cv_source_default_cache(char **out) CV_MUST_USE CV_NONNULL;

#endif
