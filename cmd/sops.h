/* Shared plumbing of the `covert sops` subcommands (cmd/sops*.c). */
#ifndef CV_CMD_SOPS_H
#define CV_CMD_SOPS_H

#include <stdbool.h>
#include <stdio.h>

#include "crypto/base/mem.h"
#include "secrets/sops/agekey.h"
#include "secrets/sops/crypt.h"
#include "secrets/sops/store.h"
#include "secrets/sops/value.h"

extern const char cv_sops_version[];

/* Every flag of every subcommand (urfave/cli keeps them per command; one
 * struct is simpler and each command's table only exposes its own). */
typedef struct {
    /* global */
    const char *indent, *config;
    bool verbose, disable_version_check, check_for_updates;
    /* common */
    bool in_place, ignore_mac;
    const char *output, *input_type, *output_type, *filename_override, *decryption_order;
    const char *extract;
    /* key selection */
    const char *age, *pgp, *kms, *gcp_kms, *azure_kv, *hc_vault, *hckms, *aws_profile;
    const char *encryption_context, *shamir_threshold;
    const char *unencrypted_suffix, *encrypted_suffix, *unencrypted_regex, *encrypted_regex;
    const char *unencrypted_comment_regex, *encrypted_comment_regex;
    bool mac_only_encrypted;
    /* rotate */
    const char *add_age, *rm_age, *add_pgp, *rm_pgp, *add_kms, *rm_kms, *add_gcp_kms,
        *rm_gcp_kms, *add_azure_kv, *rm_azure_kv, *add_hc_vault, *rm_hc_vault, *add_hckms,
        *rm_hckms;
    /* set / unset / updatekeys / exec */
    const char *value_file;
    bool value_file_set, value_stdin, idempotent, yes, dry_run;
    bool background, pristine, same_process, no_fifo, show_master_keys;
    const char *user, *filename;
    /* legacy mode flags */
    bool mode_decrypt, mode_encrypt, mode_rotate;
    const char *mode_set;
} cv_sops_opts;

typedef struct {
    cv_doc doc;
    cv_sops_meta meta;
    cv_sops_stash *stash;
    cv_secret *key;
    cv_sops_mac_pending *mac; /* between cv_sops_reencrypt and the output */
} cv_sops_file;

_Noreturn void cv_sops_fail(int code, const char *fmt, ...) CV_PRINTF(2, 3);
/* Print text wrapped as go-wordwrap does (sops's user errors: 75). */
void cv_sops_wrap(const char *text, size_t width, FILE *f);
/* Fill unset key flags from SOPS_* environment variables. */
void cv_sops_opts_env(cv_sops_opts *o);
/* Absolute path of an existing file (else exit 100 as sops). */
char *cv_sops_existing_file(const char *arg);
void cv_sops_read_input(const char *path, cv_buf *b);
/* Read a large regular file (CV_ARENA_SOLO bytes or more) into d as its
 * source (cv_doc_read_source; the arena is secret memory). false: stdin,
 * not a regular file this large, or it changed size while read; the caller
 * then reads it the usual way, which also reports any error. */
bool cv_sops_read_source(const char *path, cv_doc *d, cv_slice *text);
void cv_sops_write_output(const cv_sops_opts *o, const char *file, cv_slice data);
void cv_sops_stores(const cv_sops_opts *o, const char *path, cv_store *in, cv_store *out);
/* decrypt/encrypt's checks on their arguments, the absolute file (NULL for
 * stdin) and the stores; returns the name rules and stores go by
 * (--filename-override, else the file; free it when it is not *file). */
char *cv_sops_target(const cv_sops_opts *o, int argc, char **argv, bool encrypting,
                           char **file, cv_store *in, cv_store *out);
/* Load, get the data key, decrypt, verify the MAC; exits on failure. */
cv_sops_keyring *cv_sops_keyring_get(void);
/* The same without exiting: 0, or sops's exit code with its message in msg
 * (NUL-terminated). Thread-safe. */
int cv_sops_try_open(cv_sops_file *f, const cv_sops_opts *o, cv_slice in, cv_store store,
                     bool keep_ivs, cv_buf *msg);
/* keep_ivs: remember each value's IV so that re-encrypting unchanged values
 * gives the same ciphertext (edit, set, unset); plain decryption skips it. */
void cv_sops_open(cv_sops_file *f, const cv_sops_opts *o, const char *path, cv_store store,
                  bool keep_ivs);
void cv_sops_file_clear(cv_sops_file *f);
/* Re-encrypt a decrypted tree with its data key (encrypt, edit, set, unset,
 * rotate, with a fresh lastmodified): the values now; their MAC is hashed
 * meanwhile and sealed by the emission that follows. */
void cv_sops_reencrypt(cv_sops_file *f);
/* The same without exiting: 0, or sops's exit code with r's detail. */
int cv_sops_reencrypt_code(cv_sops_file *f, cv_result *r);
/* The encrypted document (its MAC sealed first, when pending) into out
 * (initialised here); exits as sops does on error. */
void cv_sops_emit_encrypted(cv_sops_file *f, cv_store store, int indent, cv_buf *out);
/* The same into an initialised out: 0, or sops's exit code with r's detail
 * worded as sops prints it. */
int cv_sops_emit_sealed(cv_sops_file *f, cv_store store, int indent, cv_buf *out, cv_result *r);
int cv_sops_indent(const cv_sops_opts *o, cv_store s);
/* The .sops.yaml in force (loaded once; exits on a bad file), or NULL. */
struct cv_sops_config;
struct cv_sops_config *cv_sops_config_get(const cv_sops_opts *o, const char **path);
/* Metadata for a new file: selection rule, key groups and threshold from the
 * flags, else .sops.yaml; exits with sops's messages on conflicts. */
void cv_sops_encrypt_meta(const cv_sops_opts *o, const char *path, cv_store store, cv_doc *d,
                          cv_sops_meta *m);
/* Add the age recipients of a comma-separated list to group g. */
void cv_sops_add_age_keys(cv_doc *d, cv_sops_group *g, const char *list);

/* Several files or a directory: the batch mode (cmd/sops_batch.c). */
bool cv_sops_is_batch(int argc, char **argv);
int cv_sops_batch(const cv_sops_opts *o, bool encrypt, int argc, char **argv);
/* Every regular file below dir whose name selects a structured store,
 * depth first, names sorted, symlinks and .git not followed; fn owns the
 * heap path it is given. */
void cv_sops_walk(const char *dir, void (*fn)(void *ctx, char *path), void *ctx);

int cv_sops_cmd_decrypt(cv_sops_opts *o, int argc, char **argv);
int cv_sops_cmd_encrypt(cv_sops_opts *o, int argc, char **argv);
int cv_sops_cmd_filestatus(cv_sops_opts *o, int argc, char **argv);
int cv_sops_cmd_set(cv_sops_opts *o, int argc, char **argv);
int cv_sops_cmd_unset(cv_sops_opts *o, int argc, char **argv);
int cv_sops_cmd_rotate(cv_sops_opts *o, int argc, char **argv);
int cv_sops_cmd_edit(cv_sops_opts *o, int argc, char **argv);
int cv_sops_cmd_exec_env(cv_sops_opts *o, int argc, char **argv);
int cv_sops_cmd_updatekeys(cv_sops_opts *o, int argc, char **argv);
int cv_sops_cmd_exec_file(cv_sops_opts *o, int argc, char **argv);

#endif
