#include "secrets/sops/agekey.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "crypto/age/age.h"
#include "crypto/base/limits.h"
#include "crypto/prim/shamir.h"
#include "secrets/sops/value.h"

extern char **environ;

/* Report text is best effort: a full buffer only shortens the message. */
static void best_effort(cv_result r) { (void)r; }

#define MAX_CMD_CACHE 64

typedef struct {
    char *recipient;
    cv_age_identities ids;
} cmd_cache;

struct cv_sops_keyring {
    pthread_mutex_t lock; /* one file at a time may load or use identities */
    const cv_age_ui *ui;
    bool loaded;
    bool fixed;            /* only imported identities: no environment, no commands */
    cv_age_identities ids; /* static sources */
    cv_buf errs;           /* "; "-joined load errors (no secrets) */
    cv_buf why;            /* the last key's failure, as sops words it */
    char unused[1024];     /* locations without keys, sops's wording */
    cmd_cache cmds[MAX_CMD_CACHE];
    size_t n_cmds;
};

cv_result cv_sops_keyring_new(const cv_age_ui *ui, cv_sops_keyring **out)
{
    cv_sops_keyring *k = calloc(1, sizeof(*k));
    CV_ENSURE(k, CV_E_NOMEM);
    k->ui = ui;
    pthread_mutex_init(&k->lock, NULL);
    cv_age_identities_init(&k->ids);
    cv_buf_init(&k->errs, 64 * 1024);
    cv_buf_init(&k->why, 64 * 1024);
    *out = k;
    return cv_ok();
}

cv_result cv_sops_keyring_new_fixed(const cv_age_ui *ui, cv_sops_keyring **out)
{
    CV_GUARD(cv_sops_keyring_new(ui, out));
    (*out)->fixed = true;
    (*out)->loaded = true;
    return cv_ok();
}

void cv_sops_keyring_free(cv_sops_keyring **kp)
{
    if (kp == NULL || *kp == NULL) return;
    cv_sops_keyring *k = *kp;
    cv_age_identities_clear(&k->ids);
    for (size_t i = 0; i < k->n_cmds; i++) {
        free(k->cmds[i].recipient);
        cv_age_identities_clear(&k->cmds[i].ids);
    }
    cv_buf_release(&k->errs);
    cv_buf_release(&k->why);
    pthread_mutex_destroy(&k->lock);
    free(k);
    *kp = NULL;
}

/* ---- shlex ---------------------------------------------------------------------- */

static cv_result argv_push(char ***argv, size_t *argc, cv_buf *w)
{
    char **n = realloc(*argv, (*argc + 2) * sizeof(char *));
    CV_ENSURE(n, CV_E_NOMEM);
    *argv = n;
    CV_GUARD(cv_slice_strdup(cv_buf_slice(w), &n[*argc]));
    n[++*argc] = NULL;
    cv_buf_reset(w);
    return cv_ok();
}

void cv_sops_argv_free(char **argv)
{
    for (size_t i = 0; argv && argv[i]; i++) free(argv[i]);
    free(argv);
}

static cv_result shlex_scan(const char *s, char ***argv, size_t *argc, cv_buf *w)
{
    bool in_word = false;
    for (; *s; s++) {
        char c = *s;
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
            if (in_word) CV_GUARD(argv_push(argv, argc, w));
            in_word = false;
        } else if (c == '#' && !in_word) {
            while (*s && *s != '\n') s++;
            if (!*s) break;
        } else if (c == '\'') {
            in_word = true;
            for (s++; *s && *s != '\''; s++) CV_GUARD(cv_buf_add_byte(w, (uint8_t)*s));
            CV_ENSUREF(*s, CV_E_SYNTAX, "EOF found when expecting closing quote");
        } else if (c == '"') {
            in_word = true;
            for (s++; *s && *s != '"'; s++) {
                if (*s == '\\' && (s[1] == '"' || s[1] == '\\' || s[1] == '$' || s[1] == '`'))
                    s++;
                CV_GUARD(cv_buf_add_byte(w, (uint8_t)*s));
            }
            CV_ENSUREF(*s, CV_E_SYNTAX, "EOF found when expecting closing quote");
        } else if (c == '\\') {
            CV_ENSUREF(s[1], CV_E_SYNTAX, "EOF found after escape character");
            in_word = true;
            CV_GUARD(cv_buf_add_byte(w, (uint8_t)*++s));
        } else {
            in_word = true;
            CV_GUARD(cv_buf_add_byte(w, (uint8_t)c));
        }
    }
    if (in_word) CV_GUARD(argv_push(argv, argc, w));
    return cv_ok();
}

cv_result cv_sops_shlex(const char *line, char ***argv, size_t *argc)
{
    *argv = NULL;
    *argc = 0;
    cv_buf w;
    cv_buf_init(&w, 64 * 1024);
    cv_result r = shlex_scan(line, argv, argc, &w);
    cv_buf_release(&w);
    if (!cv_is_ok(r)) {
        cv_sops_argv_free(*argv);
        *argv = NULL;
    }
    return r;
}

/* ---- sources ---------------------------------------------------------------------- */

static void note_error(cv_sops_keyring *k, const char *what)
{
    const char *d = cv_err_detail();
    if (k->errs.len) best_effort(cv_buf_add_str(&k->errs, "; "));
    best_effort(cv_buf_addf(&k->errs, "failed to read '%s': %s", what, d[0] ? d : "failed"));
}

static void note_unused(cv_sops_keyring *k, const char *loc)
{
    size_t l = strlen(k->unused);
    snprintf(k->unused + l, sizeof(k->unused) - l, "%s%s", l ? "\n" : "", loc);
}

static cv_result read_path(const char *path, cv_buf *b)
{
    cv_buf_init_secret(b, CV_AGE_MAX_KEYFILE);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    CV_ENSUREF(fd >= 0, CV_E_IO, "failed to open file: %s", strerror(errno));
    cv_fd_src s;
    cv_fd_src_init(&s, fd);
    cv_result r = cv_src_read_all(&s.src, b);
    close(fd);
    return r;
}

/* sops takes a source whole or not at all: a bad line drops the identities
 * read before it from the same source. */
static void truncate_ids(cv_age_identities *l, size_t n)
{
    while (l->n > n) cv_age_identity_free(&l->v[--l->n]);
}

/* An identity file (age keys, an encrypted identity file, or an SSH key
 * with NAME.pub beside it). */
static cv_result load_file(cv_sops_keyring *k, const char *path, const char *loc,
                           cv_age_identities *into)
{
    cv_buf data, pub;
    cv_result r = read_path(path, &data);
    cv_buf_init(&pub, CV_SSH_MAX_KEYFILE);
    if (cv_is_ok(r)) {
        char pubpath[4096];
        snprintf(pubpath, sizeof(pubpath), "%s.pub", path);
        cv_buf tmp;
        if (cv_is_ok(read_path(pubpath, &tmp))) {
            cv_buf_release(&pub);
            pub = tmp;
        } else {
            cv_buf_release(&tmp);
        }
        size_t before = into->n;
        r = cv_age_identity_file_parse(cv_buf_slice(&data), cv_buf_slice(&pub), loc, k->ui, into);
        if (cv_is_ok(r) && into->n == before) note_unused(k, loc);
        if (!cv_is_ok(r)) truncate_ids(into, before);
    }
    if (!cv_is_ok(r)) note_error(k, loc);
    cv_buf_release(&data);
    cv_buf_release(&pub);
    return cv_ok();
}

/* SOPS_AGE_KEY: identities separated by any whitespace; '#' lines skipped. */
static void load_env_words(cv_sops_keyring *k, const char *v)
{
    size_t before = k->ids.n;
    cv_reader r = cv_reader_of(cv_slice_str(v));
    cv_slice line;
    while (!cv_reader_eof(&r) && cv_is_ok(cv_reader_line_opt(&r, &line, CV_AGE_MAX_KEYFILE))) {
        if (line.len == 0 || line.p[0] == '#') continue;
        size_t i = 0;
        while (i < line.len) {
            while (i < line.len && (line.p[i] == ' ' || line.p[i] == '\t' || line.p[i] == '\r')) i++;
            size_t st = i;
            while (i < line.len && line.p[i] != ' ' && line.p[i] != '\t' && line.p[i] != '\r') i++;
            if (i == st) continue;
            cv_age_identity *id;
            if (!cv_is_ok(cv_age_identity_parse(cv_slice_of(line.p + st, i - st), k->ui, &id))) {
                note_error(k, "SOPS_AGE_KEY");
                truncate_ids(&k->ids, before);
                return;
            }
            if (!cv_is_ok(cv_age_identities_push(&k->ids, id))) return;
        }
    }
    if (k->ids.n == before) note_unused(k, "SOPS_AGE_KEY");
}

/* ---- imported identities (cv_sops_keyring_import) ---- */

/* One line of an imported key file: empty and '#' lines carry nothing. */
static cv_result import_line(cv_sops_keyring *k, cv_slice line)
{
    if (line.len > 0 && line.p[line.len - 1] == '\r') line.len--;
    if (line.len == 0 || line.p[0] == '#') return cv_ok();
    cv_age_identity *id;
    CV_GUARD(cv_age_identity_parse(line, k->ui, &id));
    return cv_age_identities_push(&k->ids, id);
}

cv_result cv_sops_keyring_import(cv_sops_keyring *k, cv_slice text)
{
    CV_ENSUREF(text.len <= CV_AGE_MAX_KEYFILE, CV_E_LIMIT, "key file too large");
    pthread_mutex_lock(&k->lock);
    size_t before = k->ids.n;
    cv_reader rd = cv_reader_of(text);
    cv_result r = cv_ok();
    cv_slice line;
    while (cv_is_ok(r) && !cv_reader_eof(&rd)) {
        r = cv_reader_line_opt(&rd, &line, CV_AGE_MAX_KEYFILE);
        if (cv_is_ok(r)) r = import_line(k, line);
    }
    if (!cv_is_ok(r)) truncate_ids(&k->ids, before);
    pthread_mutex_unlock(&k->lock);
    return r;
}

size_t cv_sops_keyring_count(cv_sops_keyring *k)
{
    pthread_mutex_lock(&k->lock);
    size_t n = k->ids.n;
    pthread_mutex_unlock(&k->lock);
    return n;
}

static void load_static(cv_sops_keyring *k)
{
    if (k->loaded) return;
    k->loaded = true;
    const char *v;
    if ((v = getenv("SOPS_AGE_SSH_PRIVATE_KEY_FILE")))
        (void)load_file(k, v, "SOPS_AGE_SSH_PRIVATE_KEY_FILE", &k->ids);
    else note_unused(k, "SOPS_AGE_SSH_PRIVATE_KEY_FILE");
    if (!getenv("SOPS_AGE_SSH_PRIVATE_KEY_CMD")) note_unused(k, "SOPS_AGE_SSH_PRIVATE_KEY_CMD");
    const char *home = getenv("HOME");
    char p[4096];
    static const char *const ssh[] = { ".ssh/id_ed25519", ".ssh/id_rsa" };
    for (size_t i = 0; home && *home && i < 2; i++) {
        snprintf(p, sizeof(p), "%s/%s", home, ssh[i]);
        struct stat st;
        if (stat(p, &st) == 0) (void)load_file(k, p, p, &k->ids);
        else note_unused(k, p);
    }
    if ((v = getenv("SOPS_AGE_KEY"))) load_env_words(k, v);
    else note_unused(k, "SOPS_AGE_KEY");
    if ((v = getenv("SOPS_AGE_KEY_FILE"))) (void)load_file(k, v, "SOPS_AGE_KEY_FILE", &k->ids);
    else note_unused(k, "SOPS_AGE_KEY_FILE");
    if (!getenv("SOPS_AGE_KEY_CMD")) note_unused(k, "SOPS_AGE_KEY_CMD");
    bool any = k->ids.n > 0 || getenv("SOPS_AGE_KEY") || getenv("SOPS_AGE_KEY_FILE") ||
               getenv("SOPS_AGE_KEY_CMD");
    const char *xdg = getenv("XDG_CONFIG_HOME");
    if (xdg && *xdg) snprintf(p, sizeof(p), "%s/sops/age/keys.txt", xdg);
    else if (home && *home) snprintf(p, sizeof(p), "%s/.config/sops/age/keys.txt", home);
    else return;
    struct stat st;
    if (stat(p, &st) == 0) (void)load_file(k, p, p, &k->ids);
    else if (!any) note_unused(k, p);
}

/* A named key file that is not a regular file (a pipe from `<(cmd)`, a
 * FIFO) is left to be read when a key needs it, as sops reads it: reading
 * it early could wait on its writer for a file that needs no age key. */
static bool named_files_regular(void)
{
    static const char *const vars[] = { "SOPS_AGE_SSH_PRIVATE_KEY_FILE", "SOPS_AGE_KEY_FILE" };
    for (size_t i = 0; i < 2; i++) {
        const char *v = getenv(vars[i]);
        struct stat st;
        if (v && *v && stat(v, &st) == 0 && !S_ISREG(st.st_mode)) return false;
    }
    return true;
}

void cv_sops_keyring_preload(cv_sops_keyring *k)
{
    if (!named_files_regular()) return;
    pthread_mutex_lock(&k->lock);
    load_static(k);
    pthread_mutex_unlock(&k->lock);
}

/* ---- key commands ------------------------------------------------------------------ */

static cv_result spawn_cmd(char **argv, const char *recipient, int *pid, int *rd)
{
    size_t n = 0;
    while (environ[n]) n++;
    char **env = calloc(n + 2, sizeof(char *));
    CV_ENSURE(env, CV_E_NOMEM);
    memcpy(env, environ, n * sizeof(char *));
    char var[8192];
    snprintf(var, sizeof(var), "SOPS_AGE_RECIPIENT=%s", recipient);
    env[n] = var;
    int p[2];
    if (pipe2(p, O_CLOEXEC) != 0) {
        free(env);
        CV_BAILF(CV_E_EXEC, "pipe: %s", strerror(errno));
    }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, p[1], 1);
    pid_t child;
    int e = posix_spawnp(&child, argv[0], &fa, NULL, argv, env);
    posix_spawn_file_actions_destroy(&fa);
    close(p[1]);
    free(env);
    if (e != 0) {
        close(p[0]);
        CV_BAILF(CV_E_EXEC, "failed to execute command %s: %s", argv[0], strerror(e));
    }
    *pid = child;
    *rd = p[0];
    return cv_ok();
}

/* Run a key command and return its stdout (secret). */
static cv_result run_cmd(const char *cmd, const char *recipient, cv_buf *out)
{
    char **argv;
    size_t argc;
    cv_buf_init_secret(out, CV_AGE_MAX_KEYFILE);
    CV_GUARD(cv_sops_shlex(cmd, &argv, &argc));
    if (argc == 0) {
        cv_sops_argv_free(argv);
        CV_BAILF(CV_E_EXEC, "empty command");
    }
    int pid = -1, rd = -1;
    cv_result r = spawn_cmd(argv, recipient, &pid, &rd);
    cv_sops_argv_free(argv);
    CV_GUARD(r);
    cv_fd_src s;
    cv_fd_src_init(&s, rd);
    r = cv_src_read_all(&s.src, out);
    close(rd);
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    CV_GUARD(r);
    CV_ENSUREF(WIFEXITED(status) && WEXITSTATUS(status) == 0, CV_E_EXEC,
               "failed to execute command %s", cmd);
    return cv_ok();
}

static cv_result load_cmds(cv_sops_keyring *k, const char *recipient, cv_age_identities **out)
{
    static cv_age_identities none;
    if (k->fixed) {
        *out = &none;
        return cv_ok();
    }
    for (size_t i = 0; i < k->n_cmds; i++)
        if (strcmp(k->cmds[i].recipient, recipient) == 0) {
            *out = &k->cmds[i].ids;
            return cv_ok();
        }
    CV_ENSUREF(k->n_cmds < MAX_CMD_CACHE, CV_E_LIMIT, "too many distinct age recipients");
    cmd_cache *c = &k->cmds[k->n_cmds];
    cv_age_identities_init(&c->ids);
    c->recipient = strdup(recipient);
    CV_ENSURE(c->recipient, CV_E_NOMEM);
    k->n_cmds++;
    static const char *const vars[] = { "SOPS_AGE_SSH_PRIVATE_KEY_CMD", "SOPS_AGE_KEY_CMD" };
    for (size_t i = 0; i < 2; i++) {
        const char *cmd = getenv(vars[i]);
        if (cmd == NULL) continue;
        cv_buf o;
        cv_result r = run_cmd(cmd, recipient, &o);
        if (cv_is_ok(r))
            r = cv_age_identity_file_parse(cv_buf_slice(&o), cv_slice_of("", 0), vars[i], k->ui,
                                           &c->ids);
        if (!cv_is_ok(r)) note_error(k, vars[i]);
        cv_buf_release(&o);
    }
    *out = &c->ids;
    return cv_ok();
}

/* ---- the data key --------------------------------------------------------------- */

/* sops's formatError: the message, load errors, and the locations that had
 * no keys ("'A'", "s 'A' and 'B'", "s 'A', 'B', and 'C'"). Kept in the
 * keyring for the report. */
static void format_error(cv_sops_keyring *k, const char *msg, const char *err)
{
    cv_buf *b = &k->why;
    cv_buf_reset(b);
    best_effort(cv_buf_addf(b, "%s%s%s", msg, err ? ": " : "", err ? err : ""));
    if (k->errs.len)
        best_effort(cv_buf_addf(b, ". Errors while loading age identities: %.*s",
                                (int)k->errs.len, (const char *)k->errs.p));
    size_t count = 0;
    for (const char *p = k->unused; *p; p++) count += *p == '\n';
    if (k->unused[0]) count++;
    if (count == 0) return;
    best_effort(cv_buf_addf(b, ". Did not find keys in location%s", count > 1 ? "s" : ""));
    size_t i = 0;
    for (const char *p = k->unused; *p; i++) {
        const char *e = strchr(p, '\n');
        size_t l = e ? (size_t)(e - p) : strlen(p);
        const char *sep = i == 0 ? " " : (i + 1 == count ? (count == 2 ? " and " : ", and ") : ", ");
        best_effort(cv_buf_addf(b, "%s'%.*s'", sep, (int)l, p));
        p = e ? e + 1 : p + l;
    }
    best_effort(cv_buf_add_str(b, "."));
}

/* Try one age master key; on failure k->why holds sops's explanation. */
static cv_result open_age(cv_sops_keyring *k, const cv_sops_key *key, cv_buf *part)
{
    load_static(k);
    cv_slice rcpt = cv_sops_key_get(key, "recipient");
    char *rs;
    CV_GUARD(cv_slice_strdup(rcpt, &rs));
    cv_age_identities *cmd = NULL;
    cv_result r = load_cmds(k, rs, &cmd);
    free(rs);
    CV_GUARD(r);
    cv_age_identities all = { 0 };
    all.n = k->ids.n + cmd->n;
    all.v = calloc(all.n + 1, sizeof(*all.v));
    CV_ENSURE(all.v, CV_E_NOMEM);
    if (k->ids.n) memcpy(all.v, k->ids.v, k->ids.n * sizeof(*all.v));
    if (cmd->n) memcpy(all.v + k->ids.n, cmd->v, cmd->n * sizeof(*all.v));
    if (all.n == 0) {
        free(all.v);
        format_error(k, "failed to load age identities", NULL);
        CV_BAIL(CV_E_AGE_NO_IDENTITIES);
    }
    r = cv_age_decrypt_mem(&all, cv_sops_key_get(key, "enc"), part);
    free(all.v);
    if (!cv_is_ok(r)) {
        /* Go's age words a failed match this way inside sops's report. */
        format_error(k, "failed to create reader for decrypting sops data key with age",
                     cv_is(r, CV_E_AGE_NO_MATCH)
                         ? "identity did not match any of the recipients: incorrect identity "
                           "for recipient block"
                         : cv_strerror(r.err));
        return CV_FAIL(r.err);
    }
    return cv_ok();
}

static int type_rank(cv_sops_keytype t, const char *order)
{
    const char *name = cv_sops_keytype_name(t);
    size_t nl = strlen(name);
    int rank = 0;
    for (const char *p = order; *p; rank++) {
        const char *e = strchr(p, ',');
        size_t l = e ? (size_t)(e - p) : strlen(p);
        if (l == nl && memcmp(p, name, nl) == 0) return rank;
        if (!e) break;
        p = e + 1;
    }
    return 1000;
}

/* go-wordwrap at 60 columns (never inside a word), each line behind
 * "| ", the first marked "-", as sops's key error report. */
static void report_wrapped(cv_buf *rep, const char *text)
{
    const char *p = text;
    bool first = true;
    while (*p) {
        size_t line = 0, last_space = 0;
        while (p[line] && p[line] != '\n') {
            if (p[line] == ' ') {
                if (line > 60 && last_space) break;
                last_space = line;
            }
            line++;
        }
        size_t cut = line > 60 && last_space ? last_space : line;
        if (line > 60 && last_space == 0) cut = line;
        best_effort(cv_buf_addf(rep, "\n    %s | %.*s", first ? "-" : " ", (int)cut, p));
        first = false;
        p += cut;
        if (*p == ' ' || *p == '\n') p++;
    }
}

static void report_key(cv_buf *rep, const cv_sops_key *key, const char *why, bool first)
{
    if (!first) best_effort(cv_buf_add_str(rep, "\n  ")); /* sops's blank "  " line */
    cv_slice id = key->type == CV_SOPS_AGE ? cv_sops_key_get(key, "recipient")
                                           : cv_sops_key_get(key, key->type == CV_SOPS_PGP ? "fp"
                                                                  : "enc");
    best_effort(cv_buf_addf(rep, "\n  %.*s: FAILED", (int)(id.len > 200 ? 200 : id.len),
                            (const char *)id.p));
    report_wrapped(rep, why);
}

/* The group's share or key: keys tried by decryption order, stable. */
static cv_result open_group(cv_sops_keyring *k, const cv_sops_group *g, const char *order,
                            cv_buf *part, cv_buf *rep)
{
    size_t reported = 0;
    for (int rank = 0; rank <= 1000; rank++) {
        for (size_t i = 0; i < g->n; i++) {
            const cv_sops_key *key = &g->keys[i];
            int kr = type_rank(key->type, order);
            if (kr != rank && !(rank == 1000 && kr >= 1000)) continue;
            if (key->type != CV_SOPS_AGE) {
                char why[160];
                if (key->type == CV_SOPS_PGP)
                    snprintf(why, sizeof(why), "could not decrypt data key with PGP key: covert "
                                               "decrypts data keys with age keys only");
                else
                    snprintf(why, sizeof(why), "covert decrypts data keys with age keys only, "
                                               "not %s", cv_sops_keytype_name(key->type));
                report_key(rep, key, why, reported++ == 0);
                continue;
            }
            cv_buf_reset(part);
            cv_buf_reset(&k->why);
            cv_result r = open_age(k, key, part);
            if (cv_is_ok(r)) return r;
            best_effort(cv_buf_nul(&k->why));
            report_key(rep, key, k->why.len ? (const char *)k->why.p : cv_strerror(r.err),
                       reported++ == 0);
        }
    }
    CV_BAIL(CV_E_SOPS_NO_KEY);
}

static void report_trailer(cv_buf *rep, const cv_sops_meta *m, size_t ok)
{
    if (m->n_groups <= 1)
        best_effort(cv_buf_add_str(rep, "\n\nRecovery failed because no master key was able to "
                                  "decrypt the file. In\norder for SOPS to recover the file, "
                                  "at least one key has to be successful,\nbut none were."));
    else
        best_effort(cv_buf_addf(rep, "\n\nRecovery failed because the file was encrypted with a "
                               "Shamir threshold of %d, but only %zu part(s) were successfully "
                               "recovered.", m->shamir_threshold, ok));
}

/* Every group is tried (as sops does, to report on each); one group's
 * part is the key itself, several groups' parts are Shamir shares. */
static cv_result open_groups(cv_sops_keyring *kr, const cv_sops_meta *m, const char *order,
                             cv_buf *parts, cv_slice *shares, size_t *ok, cv_buf *report)
{
    *ok = 0;
    for (size_t g = 0; g < m->n_groups; g++) {
        cv_buf_reset(&parts[g]);
        size_t mark = report->len;
        best_effort(cv_buf_addf(report, "%sGroup %zu: FAILED", g ? "\n\n" : "", g));
        if (cv_is_ok(open_group(kr, &m->groups[g], order, &parts[g], report))) {
            report->len = mark;
            best_effort(cv_buf_addf(report, "%sGroup %zu: SUCCESS", g ? "\n\n" : "", g));
            shares[(*ok)++] = cv_buf_slice(&parts[g]);
        }
    }
    return cv_ok();
}

static cv_result combine(const cv_sops_meta *m, const cv_slice *shares, size_t ok,
                         cv_secret **key)
{
    if (m->n_groups == 1) {
        CV_ENSUREF(shares[0].len == 32, CV_E_SOPS_NO_KEY, "data key has %zu bytes",
                   shares[0].len);
        return cv_secret_dup(key, shares[0].p, shares[0].len);
    }
    cv_result r = cv_shamir_combine(shares, ok, key);
    if (!cv_is_ok(r))
        return CV_FAILF(CV_E_SOPS_NO_KEY, "could not get data key from shamir parts: %s",
                        cv_err_detail());
    if ((*key)->len != 32) {
        cv_secret_free(key);
        CV_BAILF(CV_E_SOPS_NO_KEY, "data key has the wrong length");
    }
    return cv_ok();
}

cv_result cv_sops_data_key(cv_sops_keyring *kr, const cv_sops_meta *m, const char *order,
                           cv_secret **key, cv_buf *report)
{
    *key = NULL;
    if (order == NULL) order = "age,pgp";
    CV_ENSUREF(m->n_groups >= 1 && m->n_groups <= CV_SHAMIR_MAX_PARTS, CV_E_SOPS_METADATA,
               "invalid number of key groups");
    cv_buf parts[CV_SHAMIR_MAX_PARTS];
    cv_slice shares[CV_SHAMIR_MAX_PARTS];
    for (size_t g = 0; g < m->n_groups; g++) cv_buf_init_secret(&parts[g], 4096);
    best_effort(cv_buf_add_str(report, "Failed to get the data key required to decrypt the "
                                       "SOPS file.\n\n"));
    size_t ok = 0;
    pthread_mutex_lock(&kr->lock);
    cv_result r = open_groups(kr, m, order, parts, shares, &ok, report);
    pthread_mutex_unlock(&kr->lock);
    size_t need = m->n_groups == 1 ? 1 : (size_t)(m->shamir_threshold > 0 ? m->shamir_threshold : 0);
    if (cv_is_ok(r) && (ok == 0 || ok < need)) {
        report_trailer(report, m, ok);
        r = CV_FAIL(CV_E_SOPS_NO_KEY);
    } else if (cv_is_ok(r)) {
        cv_buf_reset(report);
        r = combine(m, shares, ok, key);
    }
    for (size_t g = 0; g < m->n_groups; g++) cv_buf_release(&parts[g]);
    return r;
}

/* ---- sealing ----------------------------------------------------------------------- */

static cv_result seal_age(cv_doc *d, cv_sops_key *key, const uint8_t *secret, size_t len)
{
    cv_age_recipient *rc;
    cv_slice rs = cv_sops_key_get(key, "recipient");
    CV_GUARD(cv_age_recipient_parse(rs, NULL, &rc));
    cv_age_recipients l;
    cv_age_recipients_init(&l);
    cv_result r = cv_age_recipients_push(&l, rc);
    cv_buf out;
    cv_buf_init(&out, 1024 * 1024);
    if (cv_is_ok(r)) r = cv_age_encrypt_mem(&l, cv_slice_of(secret, len), true, &out);
    if (cv_is_ok(r)) r = cv_sops_key_set(d, key, "enc", cv_buf_slice(&out));
    cv_buf_release(&out);
    cv_age_recipients_clear(&l);
    return r;
}

static cv_result seal_group(cv_doc *d, cv_sops_group *g, const uint8_t *part, size_t len)
{
    CV_ENSURE(g->n > 0, CV_E_SOPS_NO_RECIPIENTS);
    for (size_t i = 0; i < g->n; i++) {
        CV_ENSUREF(g->keys[i].type == CV_SOPS_AGE, CV_E_UNSUPPORTED,
                   "cannot encrypt the data key with %s master keys",
                   cv_sops_keytype_name(g->keys[i].type));
        CV_GUARD(seal_age(d, &g->keys[i], part, len));
    }
    return cv_ok();
}

cv_result cv_sops_data_key_seal(cv_doc *d, cv_sops_meta *m, const uint8_t key[32])
{
    CV_ENSURE(m->n_groups >= 1 && m->n_groups <= CV_SHAMIR_MAX_PARTS, CV_E_SOPS_NO_RECIPIENTS);
    if (m->n_groups == 1) return seal_group(d, &m->groups[0], key, CV_SOPS_KEY_LEN);
    /* sops: with several groups and no threshold, every group is needed. */
    if (m->shamir_threshold == 0) m->shamir_threshold = (int)m->n_groups;
    cv_secret *shares[CV_SHAMIR_MAX_PARTS];
    CV_GUARD(cv_shamir_split(key, CV_SOPS_KEY_LEN, (unsigned)m->n_groups,
                             (unsigned)m->shamir_threshold, shares));
    cv_result r = cv_ok();
    for (size_t g = 0; g < m->n_groups && cv_is_ok(r); g++)
        r = seal_group(d, &m->groups[g], shares[g]->data, shares[g]->len);
    for (size_t g = 0; g < m->n_groups; g++) cv_secret_free(&shares[g]);
    return r;
}
