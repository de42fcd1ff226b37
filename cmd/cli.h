/* Shared CLI plumbing: messages in the style of the tool being emulated
 * ("age: error: …"), exit, safe output files, reading input files. Only
 * cmd/ prints and exits. */
#ifndef CV_CMD_CLI_H
#define CV_CMD_CLI_H

#include <stdbool.h>


#include "crypto/base/buf.h"
#include "crypto/base/io.h"

struct cv_flag_spec;

/* The program name used as message prefix ("age", "age-keygen", "sops"). */
extern const char *cv_cli_prog;
/* Optional trailer after every error line (age's report URL). */
extern const char *cv_cli_trailer;

void cv_cli_printf(const char *fmt, ...) CV_PRINTF(1, 2);
void cv_cli_warnf(const char *fmt, ...) CV_PRINTF(1, 2);
_Noreturn void cv_cli_errorf(const char *fmt, ...) CV_PRINTF(1, 2);
/* Error plus hint lines; the list ends with NULL. */
_Noreturn void cv_cli_error_hints(const char *error, ...);
/* Parse flags as Go's flag package does (cmd/flags.h); -h prints usage and
 * exits 0, a bad flag prints Go's message and usage and exits 2. Returns the
 * number of positional arguments, left in *rest. */
int cv_cli_parse_flags(const struct cv_flag_spec *flags, size_t n, int argc, char **argv,
                       const char *usage, char ***rest);
/* The start of every age-family command: message prefix `prog`, age's report
 * trailer after errors, flags, and --version (printed, exit 0) when the
 * flag `version` was set. Returns the number of positional arguments. */
int cv_cli_age_tool(const char *prog, const struct cv_flag_spec *flags, size_t n,
                    const bool *version, int argc, char **argv, const char *usage, char ***rest);
/* The message for a failed result: the detail if any, else the table text. */
const char *cv_cli_msg(cv_result r);
/* For commands that render (kustomize, build, check, tree): freed heap
 * memory stays with the process instead of going back to the system. A
 * render parses and prints thousands of documents; glibc returned the top
 * of the heap after each one and the next one faulted it in again (a
 * quarter of a Flux build's time). Secret buffers are wiped before they
 * are freed, and glibc only ever gave back the top of the heap, so nothing
 * secret lingers that did not before; peak RSS is the same. No effect
 * outside glibc. */
void cv_cli_keep_heap(void);
/* Memory settings for one-shot file commands (sops): see cli.c. */
void cv_cli_small_heap(void);

/* Output file written atomically: a temporary file in the same directory,
 * created on first write (or at commit), fsynced and renamed over the
 * target on commit, removed on abort. Nothing appears under the target name
 * unless the whole operation succeeded. An existing non-regular target
 * (/dev/null, a FIFO) is written directly; symlinks are followed; a
 * replaced file keeps its permissions. */
typedef struct {
    cv_sink sink;
    char *path;
    char *tmp;
    int fd;
    unsigned mode;
    bool direct;    /* not a regular file: written in place, never renamed */
    bool keep_mode; /* replacing a regular file: keep its mode and owner */
    unsigned uid, gid;
} cv_outfile;
void cv_outfile_init(cv_outfile *o, const char *path, unsigned mode);
cv_result cv_outfile_commit(cv_outfile *o) CV_MUST_USE;
void cv_outfile_abort(cv_outfile *o);

/* Read a whole file (or stdin for "-") into b, capped by b's max. */
cv_result cv_cli_read_file(const char *path, cv_buf *b) CV_MUST_USE;
/* Absolute, lexically cleaned path (no symlink resolution), heap string. */
char *cv_cli_abs_path(const char *path);

#endif
