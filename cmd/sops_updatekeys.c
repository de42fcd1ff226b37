/* `sops updatekeys FILE|DIR...`: bring the master keys (and Shamir
 * threshold) of encrypted files in line with .sops.yaml, re-encrypting the
 * same data key for the new keys; values, MAC and lastmodified are left as
 * they are. Beyond sops: directories are walked (files holding SOPS
 * metadata), and --dry-run prints the changes without writing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cmd/cli.h"
#include "cmd/sops.h"
#include "crypto/base/limits.h"
#include "secrets/sops/config.h"

/* sops's key identity (ToString) for the diff: age recipients here. */
static cv_slice key_id(const cv_sops_key *k)
{
    switch (k->type) {
    case CV_SOPS_AGE: return cv_sops_key_get(k, "recipient");
    case CV_SOPS_PGP: return cv_sops_key_get(k, "fp");
    case CV_SOPS_KMS: return cv_sops_key_get(k, "arn");
    case CV_SOPS_GCP_KMS: return cv_sops_key_get(k, "resource_id");
    case CV_SOPS_HCKMS: return cv_sops_key_get(k, "key_id");
    case CV_SOPS_AZURE_KV: return cv_sops_key_get(k, "vault_url");
    default: return cv_sops_key_get(k, "vault_address");
    }
}

static bool group_has(const cv_sops_group *g, cv_slice id)
{
    for (size_t i = 0; g && i < g->n; i++)
        if (cv_slice_eq(key_id(&g->keys[i]), id)) return true;
    return false;
}

/* PrettyPrintShamirDiff + PrettyPrintDiffs (when show); true when keys
 * change. */
static bool print_diff(const cv_sops_meta *old, const cv_sops_meta *neu, int old_t, int new_t,
                       bool show)
{
    bool change = false;
    FILE *out = show ? stdout : NULL;
#define SHOW(...) (out ? fprintf(out, __VA_ARGS__) : 0)
    if (old_t > 0 && old_t == new_t) {
        SHOW("shamir_threshold: %d\n", new_t);
    } else {
        if (new_t > 0) SHOW("+++ shamir_threshold: %d\n", new_t);
        if (old_t > 0) SHOW("--- shamir_threshold: %d\n", old_t);
    }
    size_t n = old->n_groups > neu->n_groups ? old->n_groups : neu->n_groups;
    for (size_t i = 0; i < n; i++) {
        const cv_sops_group *o = i < old->n_groups ? &old->groups[i] : NULL;
        const cv_sops_group *t = i < neu->n_groups ? &neu->groups[i] : NULL;
        SHOW("Group %zu\n", i + 1);
        for (size_t k = 0; t && k < t->n; k++) {
            cv_slice id = key_id(&t->keys[k]);
            bool common = group_has(o, id);
            change |= !common;
            SHOW("%s%.*s\n", common ? "    " : "+++ ", (int)id.len, (const char *)id.p);
        }
        for (size_t k = 0; o && k < o->n; k++) {
            cv_slice id = key_id(&o->keys[k]);
            if (group_has(t, id)) continue;
            change = true;
            SHOW("--- %.*s\n", (int)id.len, (const char *)id.p);
        }
    }
#undef SHOW
    return change;
}

static bool ask(void)
{
    char line[64];
    for (;;) {
        printf("Is this okay? (y/n):");
        fflush(stdout);
        if (fgets(line, sizeof(line), stdin) == NULL) return false;
        if (strcmp(line, "y\n") == 0) return true;
        if (strcmp(line, "n\n") == 0) return false;
    }
}

/* 0 when done or unchanged; else sops's exit code (message printed). */
static int update_one(cv_sops_opts *o, const char *arg)
{
    char *file = cv_cli_abs_path(arg);
    cv_store in, out;
    cv_sops_stores(o, file, &in, &out);
    cv_buf data;
    cv_sops_read_input(file, &data);
    cv_sops_file f;
    memset(&f, 0, sizeof(f));
    cv_result r = cv_doc_init(&f.doc);
    if (cv_is_ok(r)) r = cv_store_load_encrypted(in, cv_buf_slice(&data), &f.doc, &f.meta);
    int code = 0;
    if (!cv_is_ok(r)) {
        fprintf(stderr, "%s\n", cv_is(r, CV_E_SOPS_NO_METADATA) ? "sops metadata not found"
                                                                : cv_cli_msg(r));
        code = 1;
        goto out;
    }
    fprintf(stderr, "Syncing keys for file %s\n", file);
    cv_sops_meta want;
    cv_sops_encrypt_meta(o, file, in, &f.doc, &want);
    int threshold = f.meta.shamir_threshold;
    if (o->shamir_threshold && *o->shamir_threshold)
        threshold = (int)strtol(o->shamir_threshold, NULL, 10);
    if (threshold > (int)want.n_groups) threshold = (int)want.n_groups;
    bool keys_change = print_diff(&f.meta, &want, f.meta.shamir_threshold, threshold, false);
    if (!keys_change && threshold == f.meta.shamir_threshold) {
        fprintf(stderr, "File %s already up to date\n", file);
        goto out;
    }
    printf("The following changes will be made to the file's groups:\n");
    print_diff(&f.meta, &want, f.meta.shamir_threshold, threshold, true);
    if (o->dry_run || (!o->yes && !ask())) {
        fprintf(stderr, "File %s left unchanged\n", file);
        goto out;
    }
    cv_buf report;
    cv_buf_init(&report, 256 * 1024);
    r = cv_sops_data_key(cv_sops_keyring_get(), &f.meta, o->decryption_order, &f.key, &report);
    if (!cv_is_ok(r)) {
        fprintf(stderr, "%.*s\n", (int)report.len, (const char *)report.p);
        cv_buf_release(&report);
        code = 128;
        goto out;
    }
    cv_buf_release(&report);
    f.meta.groups = want.groups;
    f.meta.n_groups = want.n_groups;
    f.meta.cap_groups = want.cap_groups;
    f.meta.shamir_threshold = threshold;
    r = cv_sops_data_key_seal(&f.doc, &f.meta, f.key->data);
    if (!cv_is_ok(r)) {
        fprintf(stderr, "error updating one or more master keys: [%s]\n", cv_cli_msg(r));
        code = 1;
        goto out;
    }
    cv_buf enc;
    cv_sops_emit_encrypted(&f, out, cv_sops_indent(o, out), &enc);
    cv_sops_opts w = *o;
    w.in_place = true;
    cv_sops_write_output(&w, file, cv_buf_slice(&enc));
    cv_buf_release(&enc);
    fprintf(stderr, "File %s synced with new keys\n", file);
out:
    cv_sops_file_clear(&f);
    cv_buf_release(&data);
    free(file);
    return code;
}

typedef struct {
    cv_sops_opts *o;
    int failed;
} tree_run;

/* A walked file: updated when it holds SOPS metadata. */
static void update_walked(void *ctx, char *path)
{
    tree_run *t = ctx;
    cv_buf b; /* any file of the tree: may be plaintext */
    cv_buf_init_secret(&b, CV_DOC_MAX_INPUT);
    bool sops = cv_is_ok(cv_cli_read_file(path, &b)) && memmem(b.p, b.len, "sops", 4);
    cv_buf_release(&b);
    if (sops && update_one(t->o, path) != 0) t->failed++;
    free(path);
}

int cv_sops_cmd_updatekeys(cv_sops_opts *o, int argc, char **argv)
{
    const char *cfg_path;
    if (cv_sops_config_get(o, &cfg_path) == NULL)
        cv_sops_fail(1, "config file not found");
    if (argc < 1) cv_sops_fail(100, "Error: no file specified");
    tree_run t = { o, 0 };
    for (int i = 0; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode)) {
            cv_sops_walk(argv[i], update_walked, &t);
            continue;
        }
        int code = update_one(o, argv[i]);
        if (argc == 1 && code) return code;
        if (code) t.failed++;
    }
    if (t.failed) cv_sops_fail(1, "failed updating %d key(s)", t.failed);
    return 0;
}
