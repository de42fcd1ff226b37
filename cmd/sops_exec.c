/* `sops exec-env` and `sops exec-file`: run a command with the decrypted
 * values in its environment, or with the decrypted file at the path `{}`
 * stands for (a FIFO by default, so the plaintext never rests in a file;
 * --no-fifo writes a private file, scrubbed when the command ends). The
 * command runs under /bin/sh -c as in sops, and its exit status is ours. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pthread.h>
#include <pwd.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cmd/cli.h"
#include "cmd/privfile.h"
#include "cmd/sops.h"
#include "crypto/base/limits.h"
#include "secrets/doc/gostr.h"

extern char **environ;

/* A growing NULL-terminated list of "K=V" strings in wiped memory. */
typedef struct {
    char **v;
    size_t n;
} envlist;

static void env_add(envlist *e, const char *s, size_t len)
{
    char **n = cv_wipe_realloc(e->v, (e->n + 2) * sizeof(char *));
    char *c = cv_wipe_malloc(len + 1);
    if (n == NULL || c == NULL) cv_sops_fail(1, "out of memory");
    memcpy(c, s, len);
    c[len] = '\0';
    e->v = n;
    e->v[e->n++] = c;
    e->v[e->n] = NULL;
}

static void env_free(envlist *e)
{
    for (size_t i = 0; i < e->n; i++) {
        cv_wipe(e->v[i], strlen(e->v[i]));
        cv_wipe_free(e->v[i]);
    }
    cv_wipe_free(e->v);
    e->v = NULL;
    e->n = 0;
}

/* --user: the account's identity and HOME/USER/LOGNAME (root only). */
static void switch_user(const char *name, envlist *env)
{
    struct passwd *pw = getpwnam(name);
    if (pw == NULL) cv_sops_fail(1, "user: unknown user %s", name);
    char line[4096];
    int n = snprintf(line, sizeof(line), "HOME=%s", pw->pw_dir);
    env_add(env, line, (size_t)n);
    n = snprintf(line, sizeof(line), "USER=%s", pw->pw_name);
    env_add(env, line, (size_t)n);
    n = snprintf(line, sizeof(line), "LOGNAME=%s", pw->pw_name);
    env_add(env, line, (size_t)n);
    if (initgroups(pw->pw_name, pw->pw_gid) != 0 || setgid(pw->pw_gid) != 0 ||
        setuid(pw->pw_uid) != 0)
        cv_sops_fail(1, "cannot switch to user %s: %s", name, strerror(errno));
}

static void base_env(const cv_sops_opts *o, envlist *env)
{
    if (o->pristine) return;
    for (char **e = environ; *e; e++) env_add(env, *e, strlen(*e));
}

/* /bin/sh -c CMD; returns the exit status sops would give. */
static int run_shell(const char *cmd, char **envp, bool background)
{
    char *argv[] = { (char *)(uintptr_t)"/bin/sh", (char *)(uintptr_t)"-c", (char *)(uintptr_t)cmd, NULL };
    pid_t pid;
    int e = posix_spawn(&pid, "/bin/sh", NULL, NULL, argv, envp);
    if (e != 0) cv_sops_fail(1, "fork/exec /bin/sh: %s", strerror(e));
    if (background) return 0;
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    /* sops reports a failed command as Go's exec error, and exits with its code. */
    if (WIFEXITED(status)) {
        if (WEXITSTATUS(status)) fprintf(stderr, "exit status %d\n", WEXITSTATUS(status));
        return WEXITSTATUS(status);
    }
    fprintf(stderr, "signal: %s\n", strsignal(WTERMSIG(status)));
    return 1;
}

static void tree_env(const cv_sops_file *f, envlist *env)
{
    const cv_node *b = f->doc.branches[0];
    cv_buf v;
    cv_buf_init_secret(&v, CV_DOC_MAX_INPUT);
    for (size_t i = 0; i < b->n; i++) {
        const cv_node *k = b->items[i].key, *val = b->items[i].value;
        if (val && (val->kind == CV_NODE_MAP || val->kind == CV_NODE_LIST))
            cv_sops_fail(1, "cannot use complex value in environment; offending key %s",
                         k->kind == CV_NODE_STR ? k->s : "");
        if (k->kind == CV_NODE_COMMENT) continue;
        if (k->kind != CV_NODE_STR) cv_sops_fail(1, "cannot use non-string keys in environment");
        if (memchr(k->s, '=', k->len))
            cv_sops_fail(1, "cannot use keys with '=' in environment: %s", k->s);
        cv_buf_reset(&v);
        cv_result r = cv_buf_add(&v, k->s, k->len);
        if (cv_is_ok(r)) r = cv_buf_add_byte(&v, '=');
        if (cv_is_ok(r)) r = cv_go_val_string(val, &v);
        if (!cv_is_ok(r)) cv_sops_fail(1, "%s", cv_cli_msg(r));
        env_add(env, (const char *)v.p, v.len);
    }
    cv_buf_release(&v);
}

int cv_sops_cmd_exec_env(cv_sops_opts *o, int argc, char **argv)
{
    if (argc != 2) cv_sops_fail(1, "error: missing file to decrypt");
    if (o->background && o->same_process)
        cv_sops_fail(8, "Error: The --same-process flag cannot be used with --background");
    char *file = cv_cli_abs_path(argv[0]);
    cv_store in, out;
    cv_sops_stores(o, file, &in, &out);
    cv_sops_file f;
    cv_sops_open(&f, o, file, in, false);
    envlist env = { 0 };
    base_env(o, &env);
    if (o->user && *o->user) switch_user(o->user, &env);
    tree_env(&f, &env);
    cv_sops_file_clear(&f);
    free(file);
    if (o->same_process) {
        char *sh[] = { (char *)(uintptr_t)"/bin/sh", (char *)(uintptr_t)"-c", argv[1], NULL };
        execve("/bin/sh", sh, env.v);
        cv_sops_fail(1, "exec /bin/sh: %s", strerror(errno));
    }
    int rc = run_shell(argv[1], env.v, o->background);
    env_free(&env);
    return rc;
}

typedef struct {
    const char *path;
    cv_slice data;
} fifo_job;

static void *fifo_writer(void *arg)
{
    const fifo_job *j = arg;
    FILE *f = fopen(j->path, "we");
    if (f == NULL) return NULL;
    fwrite(j->data.p, 1, j->data.len, f);
    fclose(f);
    return NULL;
}

/* sops replaces every "{}" in the command with the path. */
static char *placeholder(const char *cmd, const char *path)
{
    size_t n = 1, pl = strlen(path);
    for (const char *p = cmd; *p; p++) n += (p[0] == '{' && p[1] == '}') ? pl : 1;
    char *out = malloc(n), *w = out;
    if (out == NULL) cv_sops_fail(1, "out of memory");
    for (const char *p = cmd; *p;) {
        if (p[0] == '{' && p[1] == '}') {
            memcpy(w, path, pl);
            w += pl;
            p += 2;
        } else {
            *w++ = *p++;
        }
    }
    *w = '\0';
    return out;
}

static void check_filename(const char *name)
{
    if (name == NULL || *name == '\0') return;
    if (name[0] == '/' || strcmp(name, "..") == 0 || strncmp(name, "../", 3) == 0 ||
        strstr(name, "/../") || strchr(name, '/'))
        cv_sops_fail(1, "The provided filename is not a local path.");
}

int cv_sops_cmd_exec_file(cv_sops_opts *o, int argc, char **argv)
{
    if (argc != 2) cv_sops_fail(1, "error: missing file to decrypt");
    check_filename(o->filename);
    char *file = cv_cli_abs_path(argv[0]);
    cv_store in, out;
    cv_sops_stores(o, file, &in, &out);
    cv_sops_file f;
    cv_sops_open(&f, o, file, in, false);
    cv_buf plain;
    cv_buf_init_secret(&plain, CV_DOC_MAX_INPUT * 4);
    cv_result r = cv_store_emit_plain(out, &f.doc, cv_sops_indent(o, out), &plain);
    if (!cv_is_ok(r)) cv_sops_fail(4, "Error dumping file: %s", cv_cli_msg(r));
    cv_sops_file_clear(&f);
    envlist env = { 0 };
    base_env(o, &env);
    if (o->user && *o->user) switch_user(o->user, &env);
    const char *name = o->filename && *o->filename ? o->filename : "tmp-file";
    bool fifo = !o->no_fifo;
    int fd = cv_privfile_create(name, fifo);
    if (!fifo && fd < 0) cv_sops_fail(1, "%s", strerror(errno));
    if (fifo && cv_privfile_path()[0] == '\0') cv_sops_fail(1, "mkfifo: %s", strerror(errno));
    pthread_t writer;
    fifo_job job = { cv_privfile_path(), cv_buf_slice(&plain) };
    if (fifo) {
        if (pthread_create(&writer, NULL, fifo_writer, &job) != 0) cv_sops_fail(1, "thread");
    } else {
        ssize_t w = write(fd, plain.p, plain.len);
        close(fd);
        if (w < 0 || (size_t)w != plain.len) cv_sops_fail(1, "write: %s", strerror(errno));
    }
    char *cmd = placeholder(argv[1], cv_privfile_path());
    int rc = run_shell(cmd, env.v, o->background);
    if (fifo && !o->background) {
        /* A command that never opened the FIFO leaves the writer blocked:
         * open it ourselves to let the writer finish. */
        int d = open(cv_privfile_path(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
        if (d >= 0) {
            char sink[4096];
            fcntl(d, F_SETFL, 0);
            while (read(d, sink, sizeof(sink)) > 0) {
            }
            cv_wipe(sink, sizeof(sink));
            close(d);
        }
        pthread_join(writer, NULL);
    }
    if (!o->background) cv_privfile_scrub();
    free(cmd);
    env_free(&env);
    cv_buf_release(&plain);
    free(file);
    return rc;
}
