/* Module-internal: the libgit2 side of a Git source — the bare cache
 * repository, one connection to the remote (ref listing, then an optional
 * download of missing objects), credentials, ssh host key checking,
 * deadlines, and the mapping of libgit2's failures to covert's errors.
 *
 * Ownership: a cv_git_conn borrows the repository and the auth it is given;
 * cv_git_close releases the remote and the connection's own secret copies
 * (the bearer header) and may be called on a zeroed conn. */
#ifndef CV_SOURCE_GIT_H
#define CV_SOURCE_GIT_H

#include <stdint.h>

#include "reconcile/source/git_dl.h"

#include "reconcile/source/auth.h"
#include "reconcile/source/tree.h"

typedef struct {
    char scheme[8];
    char host[256];
    unsigned port;
    char user[128];
} cv_git_url;

typedef struct {
    const cv_source_auth *auth;
    cv_git_url url;
    uint64_t deadline_ms;
    int cred_calls;
    cv_err why; /* set by a callback that refused to go on */
    char why_detail[160];
} cv_git_cb;

typedef struct {
    git_remote *remote;
    const git_remote_head **heads;
    size_t nheads;
    cv_git_cb cb;
    git_remote_callbacks cbs;
    git_strarray headers;
    cv_secret *bearer; /* "Authorization: Bearer ..." */
    char *header_ptr[1];
} cv_git_conn;

/* libgit2 init once per process (thread-safe). */
cv_result cv_git_init(void) CV_MUST_USE;
/* Check the URL's scheme and split out what the callbacks need. */
cv_result cv_git_parse_url(const char *url, cv_git_url *out) CV_MUST_USE CV_NONNULL;
/* Open (or create) the bare cache repository for url under dir. */
cv_result cv_git_open_cache(const char *dir, const char *url, git_repository **out)
    CV_MUST_USE CV_NONNULL;
/* Connect and list the remote's refs. */
cv_result cv_git_connect(cv_git_conn *c, git_repository *repo, const char *url,
                         const cv_source_auth *auth, unsigned timeout_ms) CV_MUST_USE;
/* Download what the refspecs need and update the cache's refs. */
cv_result cv_git_download(cv_git_conn *c, char **refspecs, size_t n) CV_MUST_USE CV_NONNULL;
void cv_git_close(cv_git_conn *c);
/* The listed ref with exactly this name, or NULL. */
const git_remote_head *cv_git_head(const cv_git_conn *c, const char *name) CV_NONNULL;
/* A libgit2 failure as a covert error, with libgit2's message as detail. */
cv_result cv_git_fail(int rc, const cv_git_cb *cb, const char *what) CV_MUST_USE;
uint64_t cv_git_now_ms(void);
/* Read a commit's files through Flux's ignore rules into a new tree
 * (read.c). ignore is spec.ignore or NULL; filter false: every file, no
 * rule at all (the caller filters later, reconcile/source/artifact.h). */
cv_result cv_source_read_tree(git_repository *repo, const git_oid *commit, const char *ignore,
                              bool filter, cv_srctree **out) CV_MUST_USE;
/* Whether known_hosts (OpenSSH format: plain, [host]:port, hashed |1|
 * entries, '*'/'?' wildcards, '!' negation; @cert-authority and @revoked
 * lines are not supported and skipped) lists this raw host key for the URL's
 * host and port. CV_E_GIT_HOSTKEY otherwise. */
cv_result cv_git_hostkey_check(cv_slice known_hosts, const cv_git_url *u, cv_slice key)
    CV_MUST_USE CV_NONNULL;

#endif
