/* `covert sops` dispatch: global flags, the subcommand table, and the
 * legacy form `sops [-d|-e|-r] FILE`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cli.h"
#include "cmd/commands.h"
#include "cmd/flags.h"
#include "cmd/sops.h"

#define B(n, f) { n, CV_FLAG_BOOL, &o.f, 0 }
#define S(n, f) { n, CV_FLAG_STRING, &o.f, 0 }

static cv_sops_opts o;

static bool show_version;

static const cv_flag global_flags[] = {
    { "version", CV_FLAG_BOOL, &show_version, 0 }, { "v", CV_FLAG_BOOL, &show_version, 0 },
    S("indent", indent), S("config", config), B("verbose", verbose),
    B("disable-version-check", disable_version_check), B("check-for-updates", check_for_updates),
    B("mac-only-encrypted", mac_only_encrypted),
    /* legacy mode */
    B("decrypt", mode_decrypt), B("d", mode_decrypt), B("encrypt", mode_encrypt),
    B("e", mode_encrypt), B("rotate", mode_rotate), B("r", mode_rotate), S("set", mode_set),
    B("in-place", in_place), B("i", in_place), S("output", output), S("extract", extract),
    S("input-type", input_type), S("output-type", output_type), B("ignore-mac", ignore_mac),
    S("filename-override", filename_override), S("decryption-order", decryption_order),
    S("age", age), S("a", age), S("pgp", pgp), S("p", pgp), S("kms", kms), S("k", kms),
    S("gcp-kms", gcp_kms), S("azure-kv", azure_kv), S("hc-vault-transit", hc_vault),
    S("hckms", hckms), S("aws-profile", aws_profile), S("encryption-context", encryption_context),
    S("shamir-secret-sharing-threshold", shamir_threshold),
    S("unencrypted-suffix", unencrypted_suffix), S("encrypted-suffix", encrypted_suffix),
    S("unencrypted-regex", unencrypted_regex), S("encrypted-regex", encrypted_regex),
    S("unencrypted-comment-regex", unencrypted_comment_regex),
    S("encrypted-comment-regex", encrypted_comment_regex),
    B("show-master-keys", show_master_keys), B("s", show_master_keys),
    S("add-age", add_age), S("rm-age", rm_age), S("add-pgp", add_pgp), S("rm-pgp", rm_pgp),
    S("add-kms", add_kms), S("rm-kms", rm_kms), S("add-gcp-kms", add_gcp_kms),
    S("rm-gcp-kms", rm_gcp_kms), S("add-azure-kv", add_azure_kv), S("rm-azure-kv", rm_azure_kv),
    S("add-hc-vault-transit", add_hc_vault), S("rm-hc-vault-transit", rm_hc_vault),
    S("add-hckms", add_hckms), S("rm-hckms", rm_hckms),
};

/* The master-key and selection flags encrypt and edit share. */
#define KEY_FLAGS                                                                              \
    S("age", age), S("a", age), S("pgp", pgp), S("p", pgp), S("kms", kms), S("k", kms),        \
        S("gcp-kms", gcp_kms), S("azure-kv", azure_kv), S("hc-vault-transit", hc_vault),       \
        S("hckms", hckms), S("aws-profile", aws_profile), S("input-type", input_type),         \
        S("output-type", output_type), S("unencrypted-suffix", unencrypted_suffix),            \
        S("encrypted-suffix", encrypted_suffix), S("unencrypted-regex", unencrypted_regex),    \
        S("encrypted-regex", encrypted_regex), S("encryption-context", encryption_context),    \
        S("shamir-secret-sharing-threshold", shamir_threshold)

static const cv_flag decrypt_flags[] = {
    B("in-place", in_place), B("i", in_place), S("extract", extract), S("output", output),
    S("input-type", input_type), S("output-type", output_type), B("ignore-mac", ignore_mac),
    S("filename-override", filename_override), S("decryption-order", decryption_order),
};

static const cv_flag encrypt_flags[] = {
    B("in-place", in_place), B("i", in_place), S("output", output), KEY_FLAGS,
    S("filename-override", filename_override),
};

static const cv_flag filestatus_flags[] = { S("input-type", input_type) };

static const cv_flag rotate_flags[] = {
    B("in-place", in_place), B("i", in_place), S("output", output),
    S("input-type", input_type), S("output-type", output_type),
    S("encryption-context", encryption_context),
    S("add-gcp-kms", add_gcp_kms), S("rm-gcp-kms", rm_gcp_kms), S("add-hckms", add_hckms),
    S("rm-hckms", rm_hckms), S("add-azure-kv", add_azure_kv), S("rm-azure-kv", rm_azure_kv),
    S("add-kms", add_kms), S("rm-kms", rm_kms), S("add-hc-vault-transit", add_hc_vault),
    S("rm-hc-vault-transit", rm_hc_vault), S("add-age", add_age), S("rm-age", rm_age),
    S("add-pgp", add_pgp), S("rm-pgp", rm_pgp), S("filename-override", filename_override),
    S("decryption-order", decryption_order),
};

static const cv_flag edit_flags[] = {
    KEY_FLAGS, B("show-master-keys", show_master_keys), B("s", show_master_keys),
    B("ignore-mac", ignore_mac), S("decryption-order", decryption_order),
};

static const cv_flag exec_env_flags[] = {
    B("background", background), B("pristine", pristine), S("user", user),
    B("same-process", same_process), S("decryption-order", decryption_order),
    S("input-type", input_type), B("ignore-mac", ignore_mac),
};

static const cv_flag exec_file_flags[] = {
    B("background", background), B("no-fifo", no_fifo), S("user", user),
    S("input-type", input_type), S("output-type", output_type), S("filename", filename),
    S("decryption-order", decryption_order), B("ignore-mac", ignore_mac),
};

static const cv_flag updatekeys_flags[] = {
    B("yes", yes), B("y", yes), S("input-type", input_type),
    S("shamir-secret-sharing-threshold", shamir_threshold), B("dry-run", dry_run),
    S("decryption-order", decryption_order),
};

static const cv_flag set_flags[] = {
    S("input-type", input_type), S("output-type", output_type), B("value-file", value_file_set),
    B("value-stdin", value_stdin), S("shamir-secret-sharing-threshold", shamir_threshold),
    B("ignore-mac", ignore_mac), S("decryption-order", decryption_order),
    B("idempotent", idempotent),
};

static const cv_flag unset_flags[] = {
    S("input-type", input_type), S("output-type", output_type),
    S("shamir-secret-sharing-threshold", shamir_threshold), B("ignore-mac", ignore_mac),
    S("decryption-order", decryption_order), B("idempotent", idempotent),
};

typedef struct {
    const char *name;
    int (*run)(cv_sops_opts *o, int argc, char **argv);
    const cv_flag *flags;
    size_t nflags;
    const char *usage;
} subcommand;

#define N(a) (sizeof(a) / sizeof(a[0]))

static const subcommand subcommands[] = {
    { "decrypt", cv_sops_cmd_decrypt, decrypt_flags, N(decrypt_flags),
      "sops decrypt [--extract PATH] [--output FILE | -i] [--input-type T] [--output-type T]\n"
      "             [--ignore-mac] [--filename-override NAME] [--decryption-order LIST] [file]\n"
      "  decrypt a file, and output the results to stdout. If no filename is provided,\n"
      "  stdin will be used." },
    { "encrypt", cv_sops_cmd_encrypt, encrypt_flags, N(encrypt_flags),
      "sops encrypt [--age RECIPIENTS] [--output FILE | -i] [--input-type T] [--output-type T]\n"
      "             [--unencrypted-suffix S | --encrypted-suffix S | --unencrypted-regex R |\n"
      "              --encrypted-regex R | --unencrypted-comment-regex R |\n"
      "              --encrypted-comment-regex R] [--shamir-secret-sharing-threshold N]\n"
      "             [--filename-override NAME] [file]\n"
      "  encrypt a file, and output the results to stdout. If no filename is provided,\n"
      "  stdin will be used (with --filename-override)." },
    { "rotate", cv_sops_cmd_rotate, rotate_flags, N(rotate_flags),
      "sops rotate [--add-age R,...] [--rm-age R,...] [-i | --output FILE] file\n"
      "  generate a new data key and re-encrypt every value with it." },
    { "exec-env", cv_sops_cmd_exec_env, exec_env_flags, N(exec_env_flags),
      "sops exec-env [--pristine] [--same-process] [--user U] file command\n"
      "  execute a command with decrypted values inserted into the environment." },
    { "exec-file", cv_sops_cmd_exec_file, exec_file_flags, N(exec_file_flags),
      "sops exec-file [--no-fifo] [--filename NAME] [--user U] file command\n"
      "  execute a command with the decrypted contents as a temporary file; {} in the\n"
      "  command is replaced by its path." },
    { "edit", cv_sops_cmd_edit, edit_flags, N(edit_flags),
      "sops edit [--age R,...] [--ignore-mac] file\n"
      "  edit an encrypted file in $SOPS_EDITOR or $EDITOR (a new file starts from an\n"
      "  example). The plaintext copy lives in a private directory on a tmpfs and is\n"
      "  overwritten and removed afterwards." },
    { "updatekeys", cv_sops_cmd_updatekeys, updatekeys_flags, N(updatekeys_flags),
      "sops updatekeys [-y] [--dry-run] [--shamir-secret-sharing-threshold N] FILE|DIR...\n"
      "  update the keys of SOPS files using the config file (directories: every SOPS\n"
      "  file below; --dry-run shows the changes and writes nothing)." },
    { "set", cv_sops_cmd_set, set_flags, N(set_flags),
      "sops set [--value-file | --value-stdin] [--idempotent] [--ignore-mac] file index [value]\n"
      "  set a specific key or branch in the input document. value must be a JSON encoded\n"
      "  string, for example '\"somevalue\"' or '{\"key\": \"value\"}'. The file is\n"
      "  rewritten atomically." },
    { "unset", cv_sops_cmd_unset, unset_flags, N(unset_flags),
      "sops unset [--idempotent] [--ignore-mac] file index\n"
      "  unset a specific key or branch in the input document." },
    { "filestatus", cv_sops_cmd_filestatus, filestatus_flags, N(filestatus_flags),
      "sops filestatus [--input-type T] file\n"
      "  check the status of the file, returning encryption status" },
};

static void usage(FILE *f)
{
    fprintf(f, "NAME:\n   sops - sops - encrypted file editor with AWS KMS, GCP KMS, HuaweiCloud "
               "KMS, Azure Key Vault, age, and GPG support\n\n"
               "   covert implements sops %s with age keys.\n\n"
               "USAGE:\n   sops [global options] command [command options] [arguments...]\n\n"
               "COMMANDS:\n", cv_sops_version);
    for (size_t i = 0; i < N(subcommands); i++)
        fprintf(f, "   %s\n", subcommands[i].usage);
    fprintf(f, "\nGLOBAL OPTIONS:\n   --indent N, --config FILE, --verbose, --disable-version-check,\n"
               "   and the legacy -d/-e/-r forms with the flags of decrypt and encrypt.\n");
}

/* urfave/cli: a subcommand reads its own flags; only these global ones
 * (GlobalString/GlobalBool in sops) carry over from before its name. */
static void keep_globals_only(void)
{
    cv_sops_opts g = { 0 };
    g.indent = o.indent;
    g.config = o.config;
    g.verbose = o.verbose;
    g.disable_version_check = o.disable_version_check;
    g.check_for_updates = o.check_for_updates;
    g.mac_only_encrypted = o.mac_only_encrypted;
    o = g;
}

static int run_sub(const subcommand *s, int argc, char **argv)
{
    keep_globals_only();
    char **rest;
    char err[256];
    int nrest = 0;
    cv_flags_status st = cv_flags_parse(s->flags, s->nflags, argc, argv, &rest, &nrest, err,
                                        sizeof(err));
    if (st == CV_FLAGS_HELP) {
        printf("USAGE:\n   %s\n", s->usage);
        return 0;
    }
    if (st == CV_FLAGS_ERROR) {
        fprintf(stderr, "Incorrect Usage: %s\n\nUSAGE:\n   %s\n", err, s->usage);
        return 1;
    }
    cv_sops_opts_env(&o);
    return s->run(&o, nrest, rest);
}

int cv_cmd_sops(int argc, char **argv)
{
    cv_cli_prog = "sops";
    cv_cli_small_heap();
    char **rest;
    char err[256];
    int nrest = 0;
    cv_flags_status st = cv_flags_parse(global_flags, N(global_flags), argc, argv, &rest, &nrest,
                                        err, sizeof(err));
    if (st == CV_FLAGS_HELP) {
        usage(stdout);
        return 0;
    }
    if (st == CV_FLAGS_ERROR) {
        fprintf(stderr, "Incorrect Usage. %s\n\n", err);
        usage(stderr);
        return 1;
    }
    if (show_version) {
        /* What sops prints without its network version check. */
        printf("sops %s\n", cv_sops_version);
        return 0;
    }
    for (size_t i = 0; nrest > 0 && i < N(subcommands); i++)
        if (strcmp(rest[0], subcommands[i].name) == 0)
            return run_sub(&subcommands[i], nrest, rest);
    if (nrest > 0 && strcmp(rest[0], "help") == 0) {
        usage(stdout);
        return 0;
    }
    cv_sops_opts_env(&o);
    if (o.mode_decrypt) return cv_sops_cmd_decrypt(&o, nrest, rest);
    if (o.mode_encrypt) return cv_sops_cmd_encrypt(&o, nrest, rest);
    if (o.mode_rotate) return cv_sops_cmd_rotate(&o, nrest, rest);
    if (nrest == 0) {
        usage(stderr);
        return 1;
    }
    if (o.mode_set) cv_sops_fail(1, "Error: the legacy --set form is not supported; use `sops set`");
    return cv_sops_cmd_edit(&o, nrest, rest);
}
