#include "cmd/cli.h"

#include "cmd/commands.h"
#include "cmd/flags.h"

#include <errno.h>
#include <fcntl.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char *cv_cli_prog = "covert";
const char *cv_cli_trailer = NULL;

static void vline(const char *kind, const char *fmt, va_list ap)
{
    fprintf(stderr, "%s: %s", cv_cli_prog, kind);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
}

void cv_cli_printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vline("", fmt, ap);
    va_end(ap);
}

void cv_cli_warnf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vline("warning: ", fmt, ap);
    va_end(ap);
}

static _Noreturn void finish_error(void)
{
    if (cv_cli_trailer) fprintf(stderr, "%s: %s\n", cv_cli_prog, cv_cli_trailer);
    exit(1);
}

void cv_cli_errorf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vline("error: ", fmt, ap);
    va_end(ap);
    finish_error();
}

void cv_cli_error_hints(const char *error, ...)
{
    va_list ap;
    fprintf(stderr, "%s: error: %s\n", cv_cli_prog, error);
    va_start(ap, error);
    for (const char *h = va_arg(ap, const char *); h; h = va_arg(ap, const char *))
        fprintf(stderr, "%s: hint: %s\n", cv_cli_prog, h);
    va_end(ap);
    finish_error();
}

int cv_cli_parse_flags(const struct cv_flag_spec *flags, size_t n, int argc, char **argv,
                       const char *usage, char ***rest)
{
    char err[256];
    int nrest = 0;
    cv_flags_status st = cv_flags_parse(flags, n, argc, argv, rest, &nrest, err, sizeof(err));
    if (st == CV_FLAGS_OK) return nrest;
    if (st == CV_FLAGS_ERROR) fprintf(stderr, "%s\n", err);
    fprintf(stderr, "%s\n", usage);
    exit(st == CV_FLAGS_HELP ? 0 : 2);
}

int cv_cli_age_tool(const char *prog, const struct cv_flag_spec *flags, size_t n,
                    const bool *version, int argc, char **argv, const char *usage, char ***rest)
{
    cv_cli_prog = prog;
    cv_cli_trailer = "report unexpected or unhelpful errors at https://filippo.io/age/report";
    int nrest = cv_cli_parse_flags(flags, n, argc, argv, usage, rest);
    if (*version) {
        printf("%s\n", CV_AGE_COMPAT_VERSION);
        exit(0);
    }
    return nrest;
}

/* glibc raises its mmap threshold to the size of each large block freed,
 * so after a file's text (a MiB or more) is released later buffers come
 * from the brk heap, which is not given back: the peak grows by about the
 * file's size. A fixed threshold keeps large blocks in their own mappings,
 * returned at free. One malloc arena: the threads that encrypt or decrypt a
 * document's values allocate little, and a second arena costs its pages. */
void cv_cli_small_heap(void)
{
#ifdef __GLIBC__
    (void)mallopt(M_MMAP_THRESHOLD, 128 * 1024);
    (void)mallopt(M_ARENA_MAX, 1);
#endif
}

void cv_cli_keep_heap(void)
{
#ifdef __GLIBC__
    (void)mallopt(M_TRIM_THRESHOLD, 256 * 1024 * 1024);
#endif
}

const char *cv_cli_msg(cv_result r)
{
    const char *d = cv_err_detail();
    return d[0] ? d : cv_strerror(r.err);
}

/* Where the bytes go. A regular file (or a new name) is written through a
 * temporary file renamed into place; anything else that exists (a device
 * such as /dev/null, a FIFO, a terminal) is opened and written directly, as
 * a rename would replace the node itself. A symlink is followed to the file
 * it names, so the link stays. */
static void out_plan(cv_outfile *o)
{
    struct stat st;
    o->direct = false;
    if (lstat(o->path, &st) != 0) return;
    if (S_ISLNK(st.st_mode)) {
        char *real = realpath(o->path, NULL);
        if (real == NULL) {
            o->direct = true; /* dangling: let open() create the target */
            return;
        }
        free(o->path);
        o->path = real;
        if (stat(o->path, &st) != 0) return;
    }
    if (!S_ISREG(st.st_mode)) {
        o->direct = true;
        return;
    }
    /* Keep an existing file's permissions: a 0600 file stays 0600. */
    o->mode = st.st_mode & 07777;
    o->keep_mode = true;
    o->uid = st.st_uid;
    o->gid = st.st_gid;
}

static cv_result out_open_direct(cv_outfile *o)
{
    o->fd = open(o->path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, (mode_t)o->mode);
    CV_ENSUREF(o->fd >= 0, CV_E_IO, "failed to open output file \"%s\": %s", o->path,
               strerror(errno));
    return cv_ok();
}

/* The temporary output file may hold partial plaintext: if the process is
 * interrupted or terminated, it is removed before the signal takes effect.
 * One output file per process; the path is copied into static storage so
 * the handler only calls async-signal-safe functions. */
static char pending_tmp[4096];
static volatile sig_atomic_t pending_set;

static void remove_pending(int sig)
{
    if (pending_set) unlink(pending_tmp);
    signal(sig, SIG_DFL);
    raise(sig);
}

static void guard_tmp(const char *path)
{
    static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGPIPE };
    snprintf(pending_tmp, sizeof(pending_tmp), "%s", path);
    pending_set = 1;
    for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
        struct sigaction sa;
        memset(&sa, 0, sizeof(sa));
        sa.sa_handler = remove_pending;
        sigemptyset(&sa.sa_mask);
        sigaction(sigs[i], &sa, NULL);
    }
}

static void unguard_tmp(void) { pending_set = 0; }

static cv_result out_open(cv_outfile *o)
{
    if (o->fd >= 0) return cv_ok();
    if (o->direct) return out_open_direct(o);
    const char *slash = strrchr(o->path, '/');
    size_t dirlen = slash ? (size_t)(slash - o->path) + 1 : 0;
    const char *base = slash ? slash + 1 : o->path;
    size_t n = dirlen + strlen(base) + 32;
    o->tmp = malloc(n);
    CV_ENSURE(o->tmp != NULL, CV_E_NOMEM);
    snprintf(o->tmp, n, "%.*s.%s.covert-XXXXXX", (int)dirlen, o->path, base);
    o->fd = mkostemp(o->tmp, O_CLOEXEC);
    if (o->fd >= 0) guard_tmp(o->tmp);
    if (o->fd < 0) {
        int e = errno;
        free(o->tmp);
        o->tmp = NULL;
        CV_BAILF(CV_E_IO, "failed to open output file \"%s\": %s", o->path, strerror(e));
    }
    return cv_ok();
}

static cv_result out_write(cv_sink *s, const uint8_t *p, size_t n)
{
    cv_outfile *o = (cv_outfile *)s;
    CV_GUARD(out_open(o));
    cv_fd_sink fs;
    cv_fd_sink_init(&fs, o->fd);
    return cv_sink_write(&fs.sink, p, n);
}

void cv_outfile_init(cv_outfile *o, const char *path, unsigned mode)
{
    memset(o, 0, sizeof(*o));
    o->sink.write = out_write;
    o->path = strdup(path);
    o->fd = -1;
    o->mode = mode;
    if (o->path) out_plan(o);
}

/* Permissions of the file being replaced, or the default minus umask. */
static int out_fix_mode(cv_outfile *o)
{
    if (o->keep_mode) {
        if (geteuid() == 0 && fchown(o->fd, o->uid, o->gid) != 0) return -1;
        return fchmod(o->fd, (mode_t)o->mode);
    }
    mode_t mask = umask(0);
    umask(mask);
    return fchmod(o->fd, (mode_t)o->mode & ~mask);
}

cv_result cv_outfile_commit(cv_outfile *o)
{
    CV_ENSURE(o->path != NULL, CV_E_NOMEM);
    CV_GUARD(out_open(o));
    int rc = o->direct ? 0 : out_fix_mode(o);
    if (rc == 0 && !o->direct) rc = fsync(o->fd);
    if (close(o->fd) != 0) rc = -1;
    o->fd = -1;
    if (rc == 0 && !o->direct) rc = rename(o->tmp, o->path);
    if (rc == 0) unguard_tmp();
    if (rc != 0) {
        int e = errno;
        cv_outfile_abort(o);
        CV_BAILF(CV_E_IO, "failed to write output file: %s", strerror(e));
    }
    free(o->tmp);
    free(o->path);
    o->tmp = o->path = NULL;
    return cv_ok();
}

void cv_outfile_abort(cv_outfile *o)
{
    if (o->fd >= 0) close(o->fd);
    if (o->tmp) unlink(o->tmp);
    unguard_tmp();
    free(o->tmp);
    free(o->path);
    o->tmp = o->path = NULL;
    o->fd = -1;
}

cv_result cv_cli_read_file(const char *path, cv_buf *b)
{
    bool is_stdin = strcmp(path, "-") == 0;
    int fd = is_stdin ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
    CV_ENSUREF(fd >= 0, CV_E_IO, "open %s: %s", path, strerror(errno));
    /* A regular file's size is known: one allocation of that size, instead
     * of doubling (which for a secret buffer also copies and wipes). */
    struct stat st;
    cv_result r = cv_ok();
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 &&
        (uint64_t)st.st_size < b->max)
        r = cv_buf_reserve(b, (size_t)st.st_size + 1);
    cv_fd_src src;
    cv_fd_src_init(&src, fd);
    if (cv_is_ok(r)) r = cv_src_read_all(&src.src, b);
    if (!is_stdin) close(fd);
    return r;
}

char *cv_cli_abs_path(const char *path)
{
    char cwd[4096];
    size_t cap = strlen(path) + sizeof(cwd) + 2;
    char *joined = malloc(cap), *out = malloc(cap);
    if (joined == NULL || out == NULL || (path[0] != '/' && getcwd(cwd, sizeof(cwd)) == NULL)) {
        free(joined);
        free(out);
        return strdup(path);
    }
    snprintf(joined, cap, "%s/%s", path[0] == '/' ? "" : cwd, path);
    /* Clean: drop empty and "." components, resolve ".." lexically. */
    size_t o = 0;
    for (char *seg = joined; *seg;) {
        char *end = strchr(seg, '/');
        size_t len = end ? (size_t)(end - seg) : strlen(seg);
        if (len == 2 && seg[0] == '.' && seg[1] == '.') {
            while (o > 0 && out[o - 1] != '/') o--;
            if (o > 0) o--;
        } else if (len > 0 && !(len == 1 && seg[0] == '.')) {
            out[o++] = '/';
            memcpy(out + o, seg, len);
            o += len;
        }
        seg += len + (end ? 1 : 0);
    }
    if (o == 0) out[o++] = '/';
    out[o] = '\0';
    free(joined);
    return out;
}
