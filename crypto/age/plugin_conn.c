/* The plugin child process and the stanza reader over its output (see
 * plugin_int.h). Everything here is thread-safe: SIGPIPE is handled by
 * blocking it in the calling thread around each write and consuming the
 * signal the write raised, so neither the process disposition nor other
 * threads are touched. */
#include "crypto/age/plugin_int.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "crypto/base/enc.h"
#include "crypto/base/limits.h"
#include "crypto/prim/pk.h"

extern char **environ;

#define FULL_LINE 64u
#define READ_CHUNK 4096u
/* age prints "waiting on NAME plugin..." after 5 s without a reply. */
#define WAIT_NOTICE_MS 5000
/* After an unexpected end of output, how long the child may take to exit
 * on its own (so its real exit status is reported) before SIGINT. */
#define EXIT_GRACE_MS 1000
/* How long an interrupted plugin may take to clean up before SIGKILL. */
#define KILL_AFTER_MS 5000

cv_result cv_age_plugin_fail(const char *name, const char *fmt, ...)
{
    char msg[192];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return CV_FAILF(CV_E_AGE_PLUGIN, "%s plugin: %s", name, msg);
}

/* --- incremental stanza reader --- */

void cv_age_plugin_reader_init(cv_age_plugin_reader *r, cv_src *src)
{
    memset(r, 0, sizeof(*r));
    r->src = src;
    cv_buf_init_secret(&r->buf, CV_AGE_PLUGIN_MAX_MSG);
}

void cv_age_plugin_reader_release(cv_age_plugin_reader *r)
{
    cv_buf_release(&r->buf);
    r->scan = r->lines = 0;
}

/* A body line continues the stanza only if it is a full line: exactly 64
 * canonical base64 columns (48 bytes). */
static bool continues_body(cv_slice line)
{
    uint8_t tmp[FULL_LINE];
    size_t got = 0;
    if (line.len != FULL_LINE) return false;
    bool ok = cv_is_ok(cv_b64_decode(tmp, &got, line, false)) && got == 48;
    cv_wipe(tmp, sizeof(tmp));
    return ok;
}

/* Walk the complete lines not yet seen; *end is set past the line that ends
 * the stanza (or makes it malformed), 0 while more input is needed. */
static cv_result scan_lines(cv_age_plugin_reader *r, size_t *end)
{
    *end = 0;
    while (r->scan < r->buf.len) {
        const uint8_t *start = r->buf.p + r->scan;
        const uint8_t *lf = memchr(start, '\n', r->buf.len - r->scan);
        if (lf == NULL) break;
        cv_slice line = cv_slice_of(start, (size_t)(lf - start));
        r->scan += line.len + 1;
        bool last = r->lines++ == 0 ? !cv_slice_starts_with(line, "-> ")
                                    : !continues_body(line);
        if (last) {
            *end = r->scan;
            return cv_ok();
        }
    }
    CV_ENSUREF(r->buf.len - r->scan <= CV_AGE_MAX_LINE, CV_E_AGE_PLUGIN,
               "line longer than %u bytes", CV_AGE_MAX_LINE);
    return cv_ok();
}

static cv_result fill(cv_age_plugin_reader *r)
{
    size_t got = 0;
    CV_ENSUREF(r->buf.len < r->buf.max, CV_E_AGE_PLUGIN, "message larger than %u bytes",
               CV_AGE_PLUGIN_MAX_MSG);
    size_t want = r->buf.max - r->buf.len < READ_CHUNK ? r->buf.max - r->buf.len : READ_CHUNK;
    CV_GUARD(cv_buf_reserve(&r->buf, want));
    CV_GUARD(cv_src_read(r->src, r->buf.p + r->buf.len, want, &got));
    r->eof = got == 0;
    if (got == 0 && r->buf.len == 0) return CV_FAIL(CV_E_TRUNCATED);
    CV_ENSUREF(got > 0, CV_E_AGE_PLUGIN, "failed to read line: unexpected EOF");
    r->buf.len += got;
    return cv_ok();
}

/* Drop the first n bytes, wiping what moved out of use. */
static void consume(cv_age_plugin_reader *r, size_t n)
{
    memmove(r->buf.p, r->buf.p + n, r->buf.len - n);
    cv_wipe(r->buf.p + r->buf.len - n, n);
    r->buf.len -= n;
    r->scan = r->lines = 0;
}

static cv_result parse_stanza(cv_age_plugin_reader *r, size_t end, cv_age_stanza *s)
{
    cv_reader rd = cv_reader_of(cv_slice_of(r->buf.p, end));
    if (r->tee) r->tee(r->tee_ctx, cv_slice_of(r->buf.p, end));
    cv_result res = cv_age_stanza_read(&rd, s);
    if (!cv_is_ok(res)) {
        char why[128];
        snprintf(why, sizeof(why), "%s", cv_err_detail());
        CV_BAILF(CV_E_AGE_PLUGIN, "%s", why);
    }
    CV_BUG_ON(rd.pos != end);
    consume(r, end);
    return cv_ok();
}

cv_result cv_age_plugin_reader_next(cv_age_plugin_reader *r, cv_age_stanza *s)
{
    *s = (cv_age_stanza){ 0 };
    for (;;) {
        size_t end = 0;
        CV_GUARD(scan_lines(r, &end));
        if (end) return parse_stanza(r, end, s);
        CV_GUARD(fill(r));
    }
}

/* --- process --- */

static void err_text(int e, char *buf, size_t n)
{
    /* GNU strerror_r (thread-safe; may return a static string). */
    const char *s = strerror_r(e, buf, n);
    if (s != buf) snprintf(buf, n, "%s", s);
}

static bool is_executable(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0 || S_ISDIR(st.st_mode) || (st.st_mode & 0111) == 0) return false;
    return faccessat(AT_FDCWD, path, X_OK, AT_EACCESS) == 0;
}

/* Look age-plugin-NAME up in PATH like age does, except that an empty or
 * relative PATH entry (the current directory, in effect) is never used. */
static cv_result find_plugin(const char *name, char **out)
{
    const char *path = getenv("PATH");
    size_t bin_len = strlen("age-plugin-") + strlen(name);
    for (const char *p = path; p != NULL && *p != '\0';) {
        const char *colon = strchr(p, ':');
        size_t n = colon ? (size_t)(colon - p) : strlen(p);
        if (n > 0 && p[0] == '/') {
            char *cand = NULL;
            CV_GUARD(cv_alloc((void **)&cand, n + 1 + bin_len + 1));
            snprintf(cand, n + 1 + bin_len + 1, "%.*s/age-plugin-%s", (int)n, p, name);
            if (is_executable(cand)) {
                *out = cand;
                return cv_ok();
            }
            free(cand);
        }
        p = colon ? colon + 1 : p + n;
    }
    CV_BAILF(CV_E_AGE_PLUGIN_NOT_FOUND,
             "%s plugin: couldn't start plugin: \"%s\" plugin not found: exec: "
             "\"age-plugin-%s\": executable file not found in $PATH",
             name, name, name);
}

static cv_result make_dir(cv_age_plugin_conn *c)
{
    const char *tmp = getenv("TMPDIR");
    if (tmp == NULL || tmp[0] != '/') tmp = "/tmp";
    size_t n = strlen(tmp) + sizeof("/covert-plugin-XXXXXX");
    CV_GUARD(cv_alloc((void **)&c->dir, n));
    snprintf(c->dir, n, "%s/covert-plugin-XXXXXX", tmp);
    if (mkdtemp(c->dir) == NULL) {
        char why[96];
        err_text(errno, why, sizeof(why));
        free(c->dir);
        c->dir = NULL;
        return cv_age_plugin_fail(c->name, "couldn't start plugin: temporary directory: %s", why);
    }
    return cv_ok();
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    remove(path);
    return 0;
}

static void remove_dir(cv_age_plugin_conn *c)
{
    if (c->dir == NULL) return;
    /* The plugin may have left files; never follow its symlinks. */
    if (rmdir(c->dir) != 0) nftw(c->dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    free(c->dir);
    c->dir = NULL;
}

/* A pipe whose ends are close-on-exec and above the standard descriptors,
 * so the dup2 of the spawn never lands on one of them. */
static int pipe_high(int fds[2])
{
    int raw[2];
    if (pipe2(raw, O_CLOEXEC) != 0) return -1;
    for (int i = 0; i < 2; i++) {
        fds[i] = raw[i] > 2 ? raw[i] : fcntl(raw[i], F_DUPFD_CLOEXEC, 3);
        if (fds[i] != raw[i]) close(raw[i]);
    }
    if (fds[0] >= 0 && fds[1] >= 0) return 0;
    if (fds[0] >= 0) close(fds[0]);
    if (fds[1] >= 0) close(fds[1]);
    return -1;
}

static int spawn_attrs(posix_spawnattr_t *at)
{
    sigset_t none, def;
    sigemptyset(&none);
    sigemptyset(&def);
    /* The child starts with default SIGINT (we interrupt it on close) and
     * SIGPIPE, and no blocked signals, whatever our caller set. */
    sigaddset(&def, SIGINT);
    sigaddset(&def, SIGPIPE);
    int e = posix_spawnattr_setsigmask(at, &none);
    if (e == 0) e = posix_spawnattr_setsigdefault(at, &def);
    if (e == 0) e = posix_spawnattr_setflags(at, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    return e;
}

static int spawn_actions(posix_spawn_file_actions_t *fa, const cv_age_plugin_conn *c, int in_rd,
                         int out_wr)
{
    int e = posix_spawn_file_actions_adddup2(fa, in_rd, 0);
    if (e == 0) e = posix_spawn_file_actions_adddup2(fa, out_wr, 1);
    /* age discards the plugin's stderr unless AGEDEBUG=plugin. */
    if (e == 0 && !c->debug)
        e = posix_spawn_file_actions_addopen(fa, 2, "/dev/null", O_WRONLY, 0);
    if (e == 0) e = posix_spawn_file_actions_addchdir_np(fa, c->dir);
    return e;
}

static int spawn_child(cv_age_plugin_conn *c, const char *path, const char *proto, int in_rd,
                       int out_wr)
{
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t at;
    char arg0[256], arg1[64];
    snprintf(arg0, sizeof(arg0), "age-plugin-%s", c->name);
    snprintf(arg1, sizeof(arg1), "--age-plugin=%s", proto);
    char *argv[] = { arg0, arg1, NULL };
    int e = posix_spawn_file_actions_init(&fa);
    if (e != 0) return e;
    e = posix_spawnattr_init(&at);
    if (e != 0) {
        posix_spawn_file_actions_destroy(&fa);
        return e;
    }
    e = spawn_actions(&fa, c, in_rd, out_wr);
    if (e == 0) e = spawn_attrs(&at);
    if (e == 0) e = posix_spawn(&c->pid, path, &fa, &at, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&at);
    if (e != 0) c->pid = 0;
    return e;
}

static cv_result start(cv_age_plugin_conn *c, const char *path, const char *proto)
{
    int in[2], out[2], e = 0;
    if (pipe_high(in) != 0) e = errno;
    if (e == 0 && pipe_high(out) != 0) {
        e = errno;
        close(in[0]);
        close(in[1]);
    }
    if (e == 0) {
        e = spawn_child(c, path, proto, in[0], out[1]);
        close(in[0]);
        close(out[1]);
        c->to_fd = in[1];
        c->from_fd = out[0];
    }
    if (e != 0) {
        char why[96];
        err_text(e, why, sizeof(why));
        return cv_age_plugin_fail(c->name, "couldn't start plugin: %s", why);
    }
    return cv_ok();
}

/* --- reading with age's "waiting on" notice --- */

static long elapsed_ms(const struct timespec *since)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (long)(now.tv_sec - since->tv_sec) * 1000 + (now.tv_nsec - since->tv_nsec) / 1000000;
}

static void wait_notice(cv_age_plugin_conn *c)
{
    if (c->waited || c->ui->message == NULL) return;
    long left = WAIT_NOTICE_MS - elapsed_ms(&c->read_start);
    struct pollfd p = { .fd = c->from_fd, .events = POLLIN };
    int n;
    do n = poll(&p, 1, left > 0 ? (int)left : 0);
    while (n < 0 && errno == EINTR);
    if (n != 0) return;
    c->waited = true;
    char msg[300];
    snprintf(msg, sizeof(msg), "waiting on %s plugin...", c->name);
    c->ui->message(c->ui->ctx, msg);
}

static cv_result pipe_read(cv_src *s, uint8_t *buf, size_t n, size_t *got)
{
    cv_age_plugin_conn *c = s->ctx;
    wait_notice(c);
    for (;;) {
        ssize_t r = read(c->from_fd, buf, n);
        if (r >= 0) {
            *got = (size_t)r;
            return cv_ok();
        }
        if (errno != EINTR) {
            char why[96];
            err_text(errno, why, sizeof(why));
            CV_BAILF(CV_E_AGE_PLUGIN, "failed to read line: %s", why);
        }
    }
}

/* AGEDEBUG=plugin: the IPC goes to the ui's warning (or message) sink,
 * since library code does not print. */
static void debug_out(const cv_age_ui *ui, cv_slice raw)
{
    void (*sink)(void *, const char *) = ui->warning ? ui->warning : ui->message;
    if (sink == NULL) return;
    cv_buf b;
    cv_buf_init_secret(&b, raw.len + 1);
    if (raw.len && raw.p[raw.len - 1] == '\n') raw.len--;
    if (cv_is_ok(cv_buf_add(&b, raw.p, raw.len)) && cv_is_ok(cv_buf_nul(&b)))
        sink(ui->ctx, (const char *)b.p);
    cv_buf_release(&b);
}

static void debug_tee(void *ctx, cv_slice raw)
{
    debug_out(((const cv_age_plugin_conn *)ctx)->ui, raw);
}

cv_result cv_age_plugin_conn_open(cv_age_plugin_conn *c, const char *name, const char *proto,
                                  const cv_age_ui *ui)
{
    memset(c, 0, sizeof(*c));
    c->name = name;
    c->ui = ui;
    c->to_fd = c->from_fd = -1;
    const char *dbg = getenv("AGEDEBUG");
    c->debug = dbg != NULL && strcmp(dbg, "plugin") == 0;
    char *path = NULL;
    CV_GUARD(find_plugin(name, &path));
    cv_result r = make_dir(c);
    if (cv_is_ok(r)) r = start(c, path, proto);
    free(path);
    if (!cv_is_ok(r)) {
        cv_age_plugin_conn_close(c);
        return r;
    }
    c->src = (cv_src){ pipe_read, c };
    cv_age_plugin_reader_init(&c->rd, &c->src);
    if (c->debug) {
        c->rd.tee = debug_tee;
        c->rd.tee_ctx = c;
    }
    return cv_ok();
}

/* Wait up to ms for the child to exit; true once it is reaped. */
static bool wait_exit(cv_age_plugin_conn *c, int ms)
{
    /* Short naps first: a plugin usually exits within a millisecond. */
    for (long waited = 0, nap = 1;; waited += nap, nap = nap < 32 ? nap * 2 : nap) {
        pid_t w = waitpid(c->pid, &c->status, WNOHANG);
        if (w == c->pid || (w < 0 && errno != EINTR)) {
            c->have_status = w == c->pid;
            c->pid = 0;
            return true;
        }
        if (waited >= ms) return false;
        nanosleep(&(struct timespec){ 0, nap * 1000 * 1000 }, NULL);
    }
}

/* Reap the child. With grace_ms > 0 it first gets that long to exit on its
 * own; then, as age's Close does, it is interrupted and waited for. Unlike
 * age, a plugin that ignores the interrupt is killed after a while, so a
 * long-running caller never hangs on it. */
static void reap(cv_age_plugin_conn *c, int grace_ms)
{
    if (c->pid <= 0) return;
    if (grace_ms > 0 && wait_exit(c, grace_ms)) return;
    kill(c->pid, SIGINT);
    if (wait_exit(c, KILL_AFTER_MS)) return;
    kill(c->pid, SIGKILL);
    pid_t w;
    while ((w = waitpid(c->pid, &c->status, 0)) < 0 && errno == EINTR) {
    }
    c->have_status = w == c->pid;
    c->pid = 0;
}

static void close_fds(cv_age_plugin_conn *c)
{
    if (c->to_fd >= 0) close(c->to_fd);
    if (c->from_fd >= 0) close(c->from_fd);
    c->to_fd = c->from_fd = -1;
}

void cv_age_plugin_conn_close(cv_age_plugin_conn *c)
{
    close_fds(c);
    reap(c, 0);
    remove_dir(c);
    cv_age_plugin_reader_release(&c->rd);
}

/* The plugin went away mid-protocol: reap it to report how it ended. */
static cv_result died(cv_age_plugin_conn *c, const char *what)
{
    close_fds(c);
    reap(c, EXIT_GRACE_MS);
    if (c->have_status && WIFEXITED(c->status))
        return cv_age_plugin_fail(c->name, "%s (plugin exited with status %d)", what,
                                  WEXITSTATUS(c->status));
    if (c->have_status && WIFSIGNALED(c->status))
        return cv_age_plugin_fail(c->name, "%s (plugin killed by signal %d)", what,
                                  WTERMSIG(c->status));
    return cv_age_plugin_fail(c->name, "%s", what);
}

/* write(2) with SIGPIPE blocked in this thread; a SIGPIPE the write raised
 * is consumed before the mask is restored, so it is never delivered. */
static int write_nosigpipe(int fd, const uint8_t *p, size_t n)
{
    sigset_t pipe_set, old, pending;
    sigemptyset(&pipe_set);
    sigaddset(&pipe_set, SIGPIPE);
    sigpending(&pending);
    bool was_pending = sigismember(&pending, SIGPIPE) == 1;
    pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
    int err = 0;
    while (n > 0 && err == 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno != EINTR) err = errno;
        if (w > 0) p += w, n -= (size_t)w;
    }
    if (err == EPIPE && !was_pending) {
        const struct timespec zero = { 0, 0 };
        while (sigtimedwait(&pipe_set, NULL, &zero) < 0 && errno == EINTR) {
        }
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return err;
}

/* cv_age_stanza has mutable members; the writer only reads them. */
static char *unconst(const char *s)
{
    char *p;
    memcpy(&p, &s, sizeof(p));
    return p;
}

static uint8_t *unconst_bytes(const uint8_t *s)
{
    uint8_t *p;
    memcpy(&p, &s, sizeof(p));
    return p;
}

cv_result cv_age_plugin_conn_send(cv_age_plugin_conn *c, const char *type,
                                  const char *const *args, size_t nargs, const uint8_t *body,
                                  size_t body_len)
{
    char **a = NULL;
    CV_GUARD(cv_alloc_array((void **)&a, nargs ? nargs : 1, sizeof(char *)));
    for (size_t i = 0; i < nargs; i++) a[i] = unconst(args[i]);
    uint8_t empty = 0;
    cv_age_stanza s = { unconst(type), a, nargs, body ? unconst_bytes(body) : &empty, body_len };
    cv_buf out;
    cv_buf_init_secret(&out, CV_AGE_PLUGIN_MAX_MSG);
    cv_result r = cv_age_stanza_write(&out, &s);
    free(a);
    int err = 0;
    if (cv_is_ok(r) && c->debug) debug_out(c->ui, cv_buf_slice(&out));
    if (cv_is_ok(r)) err = write_nosigpipe(c->to_fd, out.p, out.len);
    cv_buf_release(&out);
    CV_GUARD(r);
    if (err == EPIPE) return died(c, "failed to write stanza: broken pipe");
    if (err != 0) {
        char why[96];
        err_text(err, why, sizeof(why));
        return cv_age_plugin_fail(c->name, "failed to write stanza: %s", why);
    }
    return cv_ok();
}

cv_result cv_age_plugin_conn_recv(cv_age_plugin_conn *c, cv_age_stanza *s)
{
    clock_gettime(CLOCK_MONOTONIC, &c->read_start);
    c->waited = false;
    cv_result r = cv_age_plugin_reader_next(&c->rd, s);
    if (cv_is_ok(r)) return r;
    if (cv_is(r, CV_E_TRUNCATED)) return died(c, "failed to read line: EOF");
    char why[160];
    snprintf(why, sizeof(why), "%s", cv_err_detail());
    if (c->rd.eof) return died(c, why);
    return cv_age_plugin_fail(c->name, "%s", why[0] ? why : cv_strerror(r.err));
}

/* Like age: two times in three, a stanza named grease-<hex> with up to two
 * small numeric arguments and, half of the time, up to 99 random bytes. */
cv_result cv_age_plugin_conn_grease(cv_age_plugin_conn *c)
{
    uint8_t rnd[16], body[99];
    cv_random(rnd, sizeof(rnd));
    if (rnd[0] % 3 == 0) return cv_ok();
    uint64_t id = 0;
    memcpy(&id, rnd + 8, sizeof(id));
    char type[32], a0[4], a1[4];
    snprintf(type, sizeof(type), "grease-%llx", (unsigned long long)(id >> 1));
    snprintf(a0, sizeof(a0), "%u", rnd[1] % 100u);
    snprintf(a1, sizeof(a1), "%u", rnd[2] % 100u);
    const char *args[] = { a0, a1 };
    size_t body_len = rnd[4] % 2 ? 0 : rnd[5] % 100u;
    cv_random(body, sizeof(body));
    return cv_age_plugin_conn_send(c, type, args, rnd[3] % 3u, body, body_len);
}
