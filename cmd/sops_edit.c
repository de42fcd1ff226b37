/* `sops edit` (and `sops FILE`): decrypt into a private file, run the
 * editor, re-encrypt what comes back with the same data key.
 * The plaintext copy is a private file (cmd/privfile.h). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cmd/cli.h"
#include "cmd/privfile.h"
#include "cmd/sops.h"
#include "crypto/base/limits.h"
#include "crypto/prim/hash.h"
#include "crypto/prim/pk.h"
#include "secrets/sops/agekey.h"

extern char **environ;

static _Noreturn void fail_scrubbed(int code, const char *msg)
{
    cv_privfile_scrub();
    cv_sops_fail(code, "%s", msg);
}

static void hash_file(const char *path, uint8_t out[32])
{
    cv_buf b;
    cv_buf_init_secret(&b, CV_DOC_MAX_INPUT);
    if (!cv_is_ok(cv_cli_read_file(path, &b))) fail_scrubbed(2, "Could not hash file");
    cv_sha256(out, b.p, b.len);
    cv_buf_release(&b);
}

/* $SOPS_EDITOR, $EDITOR (split like a shell), else vim, nano or vi. */
static int run_editor(const char *path)
{
    const char *var = "SOPS_EDITOR", *ed = getenv(var);
    if (ed == NULL || *ed == '\0') ed = getenv(var = "EDITOR");
    char **argv = NULL;
    size_t argc = 0;
    if (ed && *ed) {
        if (!cv_is_ok(cv_sops_shlex(ed, &argv, &argc)) || argc == 0) {
            cv_sops_argv_free(argv);
            cv_privfile_scrub();
            cv_sops_fail(201, "Could not run editor: invalid $%s: %s", var, ed);
        }
    } else {
        static const char *const names[] = { "vim", "nano", "vi" };
        const char *found = NULL;
        char buf[4096];
        const char *pathenv = getenv("PATH");
        for (size_t i = 0; i < 3 && !found && pathenv; i++)
            for (const char *p = pathenv; p && *p && !found;) {
                const char *e = strchr(p, ':');
                size_t l = e ? (size_t)(e - p) : strlen(p);
                snprintf(buf, sizeof(buf), "%.*s/%s", (int)l, p, names[i]);
                if (access(buf, X_OK) == 0) found = names[i];
                p = e ? e + 1 : NULL;
            }
        if (!found)
            fail_scrubbed(201, "Could not run editor: no editor available: sops attempts to use "
                               "the editor defined in the SOPS_EDITOR or EDITOR environment "
                               "variables, and if that's not set defaults to any of vim, nano, "
                               "vi, but none of them could be found");
        if (!cv_is_ok(cv_sops_shlex(found, &argv, &argc))) fail_scrubbed(1, "out of memory");
    }
    char **full = realloc(argv, (argc + 2) * sizeof(char *));
    if (full == NULL) fail_scrubbed(1, "out of memory");
    full[argc] = strdup(path);
    full[argc + 1] = NULL;
    if (full[argc] == NULL) fail_scrubbed(1, "out of memory");
    pid_t pid;
    int e = posix_spawnp(&pid, full[0], NULL, NULL, full, environ);
    if (e != 0) {
        char msg[512];
        snprintf(msg, sizeof(msg), "Could not run editor: exec: \"%s\": %s", full[0], strerror(e));
        cv_sops_argv_free(full);
        fail_scrubbed(201, msg);
    }
    cv_sops_argv_free(full);
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

static void wait_key(const char *what, const char *detail)
{
    fprintf(stderr, "%s%s%s Press enter to return to the editor, or Ctrl+C to exit.\n", what,
            detail ? ": " : "", detail ? detail : "");
    int c;
    while ((c = getchar()) != EOF && c != '\n') {
    }
}

/* sops bumps the file's version when the program is newer. */
static bool newer_version(const char *a, const char *b)
{
    if (strncmp(b, "1.", 2) == 0) return true;
    long x[3] = { 0 }, y[3] = { 0 };
    sscanf(a, "%ld.%ld.%ld", &x[0], &x[1], &x[2]);
    sscanf(b[0] == 'v' ? b + 1 : b, "%ld.%ld.%ld", &y[0], &y[1], &y[2]);
    for (int i = 0; i < 3; i++)
        if (x[i] != y[i]) return x[i] > y[i];
    return false;
}

/* Read the edited file back until it parses and may be encrypted. */
static void reload(cv_sops_file *f, cv_store in, const uint8_t orig[32])
{
    for (;;) {
        if (run_editor(cv_privfile_path()) != 0) fail_scrubbed(201, "Could not run editor: exit status");
        uint8_t now[32];
        hash_file(cv_privfile_path(), now);
        if (memcmp(now, orig, 32) == 0) fail_scrubbed(200, "File has not changed, exiting.");
        cv_buf b;
        cv_buf_init_secret(&b, CV_DOC_MAX_INPUT);
        if (!cv_is_ok(cv_cli_read_file(cv_privfile_path(), &b))) fail_scrubbed(2, "Could not read edited file");
        cv_doc nd;
        cv_result r = cv_doc_init(&nd);
        if (cv_is_ok(r)) r = cv_store_load_plain(in, cv_buf_slice(&b), &nd);
        cv_buf_release(&b);
        if (!cv_is_ok(r)) {
            cv_doc_clear(&nd);
            wait_key("Could not load tree, probably due to invalid syntax.", cv_cli_msg(r));
            continue;
        }
        if (nd.n == 0 || cv_store_has_metadata(in, &nd)) {
            cv_doc_clear(&nd);
            wait_key("Tree not valid for encryption.", NULL);
            continue;
        }
        /* Move the new branches into the file's document (its arena keeps
         * the metadata and the IV stash). */
        f->doc.n = 0;
        for (size_t i = 0; i < nd.n; i++) {
            cv_node *b2, *copy;
            r = cv_doc_add_branch(&f->doc, &b2);
            if (cv_is_ok(r)) r = cv_node_clone(&f->doc, nd.branches[i], &copy);
            if (!cv_is_ok(r)) fail_scrubbed(1, cv_cli_msg(r));
            *b2 = *copy;
        }
        cv_doc_clear(&nd);
        return;
    }
}

static void edit_tree(cv_sops_file *f, const char *file, cv_store in, cv_store out, int indent)
{
    int fd = cv_privfile_create(file, false);
    if (fd < 0) cv_sops_fail(3, "Could not create temporary file: %s", strerror(errno));
    cv_buf plain;
    cv_buf_init_secret(&plain, CV_DOC_MAX_INPUT * 4);
    cv_result r = cv_store_emit_plain(out, &f->doc, indent, &plain);
    if (!cv_is_ok(r)) fail_scrubbed(4, "Could not marshal tree");
    ssize_t w = write(fd, plain.p, plain.len);
    close(fd);
    if (w < 0 || (size_t)w != plain.len) fail_scrubbed(3, "Could not write output file");
    uint8_t orig[32];
    cv_sha256(orig, plain.p, plain.len);
    cv_buf_release(&plain);
    reload(f, in, orig);
    cv_privfile_scrub();
    if (newer_version(cv_sops_version, f->meta.version)) f->meta.version = cv_sops_version;
}

/* sops's example trees for a new file: ExampleComplexTree (YAML, JSON),
 * ExampleSimpleTree (INI), ExampleFlatTree (dotenv), a text (binary). */
static cv_result add_str(cv_doc *d, cv_node *parent, const char *k, const char *v)
{
    cv_node *n;
    CV_GUARD(cv_node_text(d, CV_NODE_STR, v, strlen(v), &n));
    if (k == NULL) return cv_node_append(d, parent, NULL, n);
    return cv_map_add(d, parent, k, strlen(k), n);
}

static cv_result add_comment(cv_doc *d, cv_node *map, const char *text)
{
    cv_node *c;
    CV_GUARD(cv_node_text(d, CV_NODE_COMMENT, text, strlen(text), &c));
    return cv_node_append(d, map, c, NULL);
}

#define WELCOME "Welcome to SOPS! Edit this file as you please!"

static cv_result complex_tree(cv_doc *d, cv_node *b)
{
    cv_node *l, *n;
    CV_GUARD(add_str(d, b, "hello", WELCOME));
    CV_GUARD(add_str(d, b, "example_key", "example_value"));
    CV_GUARD(add_comment(d, b, " Example comment"));
    CV_GUARD(cv_node_new(d, CV_NODE_LIST, &l));
    CV_GUARD(add_str(d, l, NULL, "example_value1"));
    CV_GUARD(add_str(d, l, NULL, "example_value2"));
    CV_GUARD(cv_map_add(d, b, "example_array", 13, l));
    CV_GUARD(cv_node_float(d, 1234.56789, &n));
    CV_GUARD(cv_map_add(d, b, "example_number", 14, n));
    CV_GUARD(cv_node_new(d, CV_NODE_LIST, &l));
    CV_GUARD(cv_node_bool(d, true, &n));
    CV_GUARD(cv_node_append(d, l, NULL, n));
    CV_GUARD(cv_node_bool(d, false, &n));
    CV_GUARD(cv_node_append(d, l, NULL, n));
    return cv_map_add(d, b, "example_booleans", 16, l);
}

static cv_result example_tree(cv_doc *d, cv_store s)
{
    cv_node *b, *m;
    CV_GUARD(cv_doc_add_branch(d, &b));
    switch (s) {
    case CV_STORE_YAML:
    case CV_STORE_JSON: return complex_tree(d, b);
    case CV_STORE_INI:
        CV_GUARD(cv_node_new(d, CV_NODE_MAP, &m));
        CV_GUARD(add_comment(d, m, " This is an example file."));
        CV_GUARD(add_str(d, m, "hello", WELCOME));
        CV_GUARD(add_str(d, m, "example_key", "example_value"));
        return cv_map_add(d, b, "Welcome!", 8, m);
    case CV_STORE_DOTENV:
        CV_GUARD(add_comment(d, b, " This is an example file."));
        CV_GUARD(add_str(d, b, "hello", WELCOME));
        CV_GUARD(add_str(d, b, "example_key", "example_value"));
        return add_str(d, b, "example_multiline", "foo\nbar\nbaz");
    default: return add_str(d, b, "data", WELCOME);
    }
}

static void example(cv_sops_file *f, cv_store s)
{
    cv_result r = cv_doc_init(&f->doc);
    if (cv_is_ok(r)) r = example_tree(&f->doc, s);
    if (!cv_is_ok(r)) cv_sops_fail(2, "Error unmarshalling file: %s", cv_cli_msg(r));
}

int cv_sops_cmd_edit(cv_sops_opts *o, int argc, char **argv)
{
    if (argc < 1) cv_sops_fail(100, "Error: no file specified");
    char *file = cv_cli_abs_path(argv[0]);
    cv_store in, out;
    cv_sops_stores(o, file, &in, &out);
    cv_sops_file f;
    memset(&f, 0, sizeof(f));
    if (access(file, F_OK) == 0) {
        cv_sops_open(&f, o, file, in, true);
    } else {
        example(&f, in);
        cv_sops_encrypt_meta(o, file, in, &f.doc, &f.meta);
        cv_result r = cv_secret_new(&f.key, CV_SOPS_KEY_LEN);
        if (!cv_is_ok(r)) cv_sops_fail(1, "%s", cv_cli_msg(r));
        cv_random(f.key->data, f.key->len);
        r = cv_sops_data_key_seal(&f.doc, &f.meta, f.key->data);
        if (!cv_is_ok(r))
            cv_sops_fail(128, "Error encrypting the data key with one or more master keys: [%s]",
                         cv_cli_msg(r));
    }
    edit_tree(&f, file, in, out, cv_sops_indent(o, out));
    cv_sops_reencrypt(&f);
    cv_buf buf;
    cv_sops_emit_encrypted(&f, out, cv_sops_indent(o, out), &buf);
    cv_sops_opts w = *o;
    w.in_place = true;
    cv_sops_write_output(&w, file, cv_buf_slice(&buf));
    cv_buf_release(&buf);
    cv_sops_file_clear(&f);
    free(file);
    return 0;
}
