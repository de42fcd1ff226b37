/* Many files in one call (beyond sops, which takes one file per process):
 *
 *   covert sops decrypt [-i] FILE|DIR...     covert sops encrypt [-i] FILE|DIR...
 *
 * Directories are walked (no symlinks followed); from a walk, decrypt takes
 * the files that hold SOPS metadata and encrypt the ones that do not, in
 * both cases only names whose extension selects a structured store. Files
 * are processed on every core; the keyring (identities, key commands) is
 * loaded once for all of them. With -i each file is rewritten atomically;
 * otherwise the outputs go to stdout in argument order (a YAML output that
 * follows another output is preceded by ---, so YAML stays one stream). A file that fails is reported as "FILE: message" and
 * the others still complete; the exit code is the first failure's. */
#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd/cli.h"
#include "cmd/sops.h"
#include "crypto/base/limits.h"
#include "crypto/base/mem.h"
#include "crypto/base/par.h"
#include "crypto/prim/pk.h"

typedef struct {
    char *path;
    bool explicit_arg; /* named on the command line (not found by a walk) */
    cv_buf out;
    cv_buf msg;
    int code;
} job;

typedef struct {
    const cv_sops_opts *o;
    bool encrypt;
    job *jobs;
    size_t n, cap;
    size_t next;
    pthread_mutex_t lock;
} batch;

static void add_job(batch *b, char *path, bool explicit_arg)
{
    if (!cv_is_ok(cv_grow_array((void **)&b->jobs, &b->cap, b->n + 1, sizeof(job), 64, SIZE_MAX)))
        cv_sops_fail(1, "out of memory");
    job *j = &b->jobs[b->n++];
    memset(j, 0, sizeof(*j));
    j->path = path;
    j->explicit_arg = explicit_arg;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void walk_at(const char *dir, void (*fn)(void *ctx, char *path), void *ctx,
                    unsigned depth)
{
    if (depth > 64) return;
    DIR *d = opendir(dir);
    if (d == NULL) return;
    char **names = NULL;
    size_t n = 0;
    for (struct dirent *e; (e = readdir(d));) {
        if (e->d_name[0] == '.' && (e->d_name[1] == '\0' || strcmp(e->d_name, "..") == 0 ||
                                    strcmp(e->d_name, ".git") == 0))
            continue;
        char **nn = realloc(names, (n + 1) * sizeof(char *));
        if (nn == NULL) cv_sops_fail(1, "out of memory");
        names = nn;
        size_t l = strlen(dir) + strlen(e->d_name) + 2;
        names[n] = malloc(l);
        if (names[n] == NULL) cv_sops_fail(1, "out of memory");
        snprintf(names[n++], l, "%s/%s", dir, e->d_name);
    }
    closedir(d);
    qsort(names, n, sizeof(char *), by_name);
    for (size_t i = 0; i < n; i++) {
        struct stat st;
        if (lstat(names[i], &st) == 0 && S_ISDIR(st.st_mode)) {
            walk_at(names[i], fn, ctx, depth + 1);
            free(names[i]);
        } else if (S_ISREG(st.st_mode) && cv_store_for_path(names[i]) != CV_STORE_BINARY) {
            fn(ctx, names[i]);
        } else {
            free(names[i]);
        }
    }
    free(names);
}

void cv_sops_walk(const char *dir, void (*fn)(void *ctx, char *path), void *ctx)
{
    walk_at(dir, fn, ctx, 0);
}

static void add_walked(void *ctx, char *path) { add_job(ctx, path, false); }

static void set_msg(job *j, int code, const char *m)
{
    j->code = code;
    cv_buf_reset(&j->msg);
    if (!cv_is_ok(cv_buf_add_str(&j->msg, m)) || !cv_is_ok(cv_buf_nul(&j->msg))) j->msg.len = 0;
}

static void decrypt_job(const cv_sops_opts *o, job *j, cv_slice in)
{
    cv_store is, os;
    cv_sops_stores(o, j->path, &is, &os);
    cv_sops_file f;
    int code = cv_sops_try_open(&f, o, in, is, false, &j->msg);
    if (code == 0) {
        cv_result r = cv_store_emit_plain(os, &f.doc, cv_sops_indent(o, os), &j->out);
        if (!cv_is_ok(r)) set_msg(j, 4, cv_cli_msg(r));
    } else {
        j->code = code;
    }
    cv_sops_file_clear(&f);
}

static int encrypt_job(const cv_sops_opts *o, job *j, cv_slice in)
{
    cv_store is, os;
    cv_sops_stores(o, j->path, &is, &os);
    cv_sops_file f;
    memset(&f, 0, sizeof(f));
    cv_result r = cv_doc_init(&f.doc);
    if (cv_is_ok(r)) r = cv_store_load_plain(is, in, &f.doc);
    int code = 0;
    if (!cv_is_ok(r)) set_msg(j, code = 2, cv_cli_msg(r));
    else if (f.doc.n == 0) set_msg(j, code = 92, "File cannot be completely empty");
    else if (cv_store_has_metadata(os, &f.doc)) set_msg(j, code = 203, "File already encrypted");
    if (code == 0) {
        cv_sops_encrypt_meta(o, j->path, is, &f.doc, &f.meta);
        r = cv_secret_new(&f.key, CV_SOPS_KEY_LEN);
        if (cv_is_ok(r)) cv_random(f.key->data, f.key->len);
        if (!cv_is_ok(r)) set_msg(j, code = 1, cv_cli_msg(r));
    }
    /* The values first: the data key is sealed while their MAC is hashed. */
    if (code == 0 && (code = cv_sops_reencrypt_code(&f, &r)) != 0) set_msg(j, code, cv_cli_msg(r));
    if (code == 0) {
        r = cv_sops_data_key_seal(&f.doc, &f.meta, f.key->data);
        if (!cv_is_ok(r)) set_msg(j, code = 1, cv_cli_msg(r));
    }
    if (code == 0) {
        code = cv_sops_emit_sealed(&f, os, cv_sops_indent(o, os), &j->out, &r);
        if (code) set_msg(j, code, cv_cli_msg(r));
    }
    cv_sops_file_clear(&f);
    return code;
}

static void run_job(batch *b, job *j)
{
    cv_buf in;
    cv_buf_init_secret(&in, CV_DOC_MAX_INPUT);
    cv_buf_init_secret(&j->out, CV_DOC_MAX_INPUT * 4);
    cv_buf_init(&j->msg, 512 * 1024);
    cv_result r = cv_cli_read_file(j->path, &in);
    if (!cv_is_ok(r)) {
        set_msg(j, 2, cv_cli_msg(r));
    } else if (!j->explicit_arg && !b->encrypt && memmem(in.p, in.len, "sops", 4) == NULL) {
        j->code = -1; /* not a SOPS file: skipped */
    } else if (b->encrypt) {
        (void)encrypt_job(b->o, j, cv_buf_slice(&in));
    } else {
        decrypt_job(b->o, j, cv_buf_slice(&in));
    }
    /* A walk picks what applies: skip files that are not (or already are)
     * encrypted instead of failing on them. */
    if (!j->explicit_arg && (j->code == 1 || j->code == 203) && j->msg.len &&
        (strstr((const char *)j->msg.p, "metadata not found") ||
         strstr((const char *)j->msg.p, "already encrypted")))
        j->code = -1;
    cv_buf_release(&in);
}

static void *worker(void *arg)
{
    batch *b = arg;
    for (;;) {
        pthread_mutex_lock(&b->lock);
        size_t i = b->next++;
        pthread_mutex_unlock(&b->lock);
        if (i >= b->n) return NULL;
        run_job(b, &b->jobs[i]);
    }
}

static void run_all(batch *b) { cv_par_run(cv_par_threads(b->n, 1), worker, b); }

static int finish(batch *b)
{
    int rc = 0;
    bool any = false;
    for (size_t i = 0; i < b->n; i++) {
        job *j = &b->jobs[i];
        if (j->code > 0) {
            fprintf(stderr, "%s: %s\n", j->path, j->msg.len ? (const char *)j->msg.p : "failed");
            if (rc == 0) rc = j->code;
        } else if (j->code == 0 && b->o->in_place) {
            cv_sops_write_output(b->o, j->path, cv_buf_slice(&j->out));
        } else if (j->code == 0) {
            cv_store is, os;
            cv_sops_stores(b->o, j->path, &is, &os);
            if (any && os == CV_STORE_YAML) fputs("---\n", stdout);
            fwrite(j->out.p, 1, j->out.len, stdout);
            any = true;
        }
        cv_buf_release(&j->out);
        cv_buf_release(&j->msg);
        free(j->path);
    }
    fflush(stdout);
    free(b->jobs);
    return rc;
}

bool cv_sops_is_batch(int argc, char **argv)
{
    if (argc > 1) return true;
    struct stat st;
    return argc == 1 && stat(argv[0], &st) == 0 && S_ISDIR(st.st_mode);
}

int cv_sops_batch(const cv_sops_opts *o, bool encrypt, int argc, char **argv)
{
    if (o->output) cv_sops_fail(8, "Error: --output takes one file; use -i with several files");
    batch b = { .o = o, .encrypt = encrypt };
    pthread_mutex_init(&b.lock, NULL);
    for (int i = 0; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) != 0)
            cv_sops_fail(100, "Error: cannot operate on non-existent file \"%s\"", argv[i]);
        if (S_ISDIR(st.st_mode)) {
            char *abs = cv_cli_abs_path(argv[i]);
            cv_sops_walk(abs, add_walked, &b);
            free(abs);
        }
        else add_job(&b, cv_cli_abs_path(argv[i]), true);
    }
    /* Loaded once, before the workers share them. */
    (void)cv_sops_keyring_get();
    (void)cv_sops_config_get(o, NULL);
    run_all(&b);
    pthread_mutex_destroy(&b.lock);
    return finish(&b);
}
