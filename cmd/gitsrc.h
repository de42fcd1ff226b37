/* The Git source options shared by `covert source fetch` and `covert build
 * --git` (and tree/check): reference, credentials, cache, timeout; and the
 * fetch itself. */
#ifndef CV_CMD_GITSRC_H
#define CV_CMD_GITSRC_H

#include "cmd/flags.h"
#include "reconcile/source/source.h"

typedef struct {
    const char *branch, *tag, *semver, *name, *commit, *secret_file, *cache_dir, *timeout;
} cv_gitsrc;

#define CV_GITSRC_NFLAGS 9u

/* --branch --tag --tag-semver (also spelled --semver) --ref-name --commit
 * --secret-file --cache-dir --timeout, pointing into g. */
void cv_gitsrc_flags(cv_gitsrc *g, cv_flag out[CV_GITSRC_NFLAGS]);

/* The usage lines for those flags (a string literal, to concatenate). */
#define CV_GITSRC_USAGE                                                                           \
    "Reference (spec.ref; precedence commit > ref-name > tag > tag-semver > branch):\n"           \
    "    --branch B          branch to check out (default: master)\n"                             \
    "    --tag T             tag\n"                                                               \
    "    --tag-semver R      highest tag matching a semver range (Masterminds/semver);\n"         \
    "                        also spelled --semver\n"                                             \
    "    --ref-name N        full ref name, e.g. refs/pull/1/head\n"                              \
    "    --commit C          full commit hash (with --branch: must be on that branch)\n"          \
    "\n"                                                                                          \
    "Credentials, cache:\n"                                                                       \
    "    --secret-file F     Kubernetes Secret manifest as spec.secretRef names:\n"               \
    "                        username/password or bearerToken (https), identity +\n"              \
    "                        known_hosts [+ password] (ssh), in data or stringData\n"             \
    "    --cache-dir D       cache directory (default $COVERT_CACHE_DIR, else\n"                  \
    "                        $XDG_CACHE_HOME/covert/git or ~/.cache/covert/git)\n"                \
    "    --timeout S         timeout in seconds for Git operations (default 60)\n"

/* How the fetched tree will be used. */
typedef enum {
    CV_GITSRC_LISTING,   /* digest and listing only (source fetch) */
    CV_GITSRC_FILTERED,  /* file bytes through the ignore rules */
    CV_GITSRC_WHOLE,     /* file bytes of the whole commit, no rules */
} cv_gitsrc_use;

/* Fetch url as a GitRepository with these options (ignore: spec.ignore or
 * NULL; last: --last-revision or NULL). Exits with a message on any
 * failure, as cmd/ code may. */
void cv_gitsrc_fetch(const cv_gitsrc *g, const char *url, const char *ignore, const char *last,
                     cv_gitsrc_use use, cv_source_result *res);

#endif
