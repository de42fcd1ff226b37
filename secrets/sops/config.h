/* .sops.yaml, as sops v3.13.2 reads it (config/config.go, cmd/sops/main.go).
 *
 * Input is the parsed document (secrets/doc/tree.h) of the config file: its
 * first branch is decoded the way yaml.v3 unmarshals it into sops's
 * configFile (unknown keys ignored; a value of the wrong type is an error,
 * with yaml.v3's "cannot unmarshal !!str `x` into int" text, the document
 * path standing where yaml.v3 names a line). Then, for a file, the creation
 * rule sops would pick: the first rule whose path_regex (a Go regexp,
 * secrets/sops/regex.h) matches the file's path relative to the config
 * file's directory, or the first rule without path_regex; its master keys
 * (age recipients validated, flat fields or key_groups with merge flattened
 * and duplicates dropped, exactly in sops's order), Shamir threshold,
 * selection rule and mac_only_encrypted. `stores` gives indents;
 * destination_rules are type-checked and otherwise ignored.
 *
 * Errors: CV_E_SOPS_CONFIG for every rule sops refuses, with sops's text in
 * the detail ("error loading config: Could not unmarshal config file: ...",
 * "error loading config: cannot use more than one of ...", "invalid age key
 * configuration: ...", "failed to parse input as Bech32-encoded age public
 * key: ..."); CV_E_SOPS_NO_RULE ("error loading config: no matching
 * creation rules found"); CV_E_REGEX / CV_E_UNSUPPORTED for a path_regex
 * (detail "can not compile regexp: ..."); CV_E_UNSUPPORTED where sops would
 * go to the network (an azure_keyvault key without a version) or crash (a
 * null KMS context value, an empty hc_vault entry in a key group);
 * CV_E_SOPS_CONFIG_NOT_FOUND from the lookup. A Go error tail that comes
 * from another library (age's bech32 parser) is covert's own text.
 *
 * Ownership: every object returned here is owned by the caller and released
 * with its _free function (NULL-safe, resets the pointer). Nothing here is
 * secret: keys are public recipients and identifiers. */
#ifndef CV_SOPS_CONFIG_H
#define CV_SOPS_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "crypto/base/err.h"
#include "secrets/doc/tree.h"

typedef enum {
    CV_SOPS_KEY_AGE,
    CV_SOPS_KEY_PGP,
    CV_SOPS_KEY_KMS,
    CV_SOPS_KEY_GCP_KMS,
    CV_SOPS_KEY_AZURE_KV,
    CV_SOPS_KEY_HC_VAULT,
    CV_SOPS_KEY_HCKMS,
} cv_sops_key_type;

typedef struct {
    char *key;
    char *value;
} cv_sops_kv;

/* One master key. `id` is sops's ToString() of the key (its identity for
 * de-duplication and display): the age recipient, the PGP fingerprint,
 * "arn[+role][|context][|profile]" for KMS, the GCP resource ID,
 * "vaultUrl/keys/name/version" for Azure, "address/v1/engine/keys/name"
 * for Vault, the HuaweiCloud key ID. Type-specific fields are NULL (n_context
 * 0) for other types. */
typedef struct {
    cv_sops_key_type type;
    char *id;
    char *arn, *role, *aws_profile; /* kms */
    cv_sops_kv *context;            /* kms encryption context, sorted by key */
    size_t n_context;
    char *vault_url, *name, *version;          /* azure_kv */
    char *address, *engine_path, *key_name;    /* hc_vault */
} cv_sops_cfg_key;

typedef struct {
    cv_sops_cfg_key *keys;
    size_t n;
} cv_sops_cfg_group;

typedef enum {
    CV_SOPS_SEL_NONE,
    CV_SOPS_SEL_UNENCRYPTED_SUFFIX,
    CV_SOPS_SEL_ENCRYPTED_SUFFIX,
    CV_SOPS_SEL_UNENCRYPTED_REGEX,
    CV_SOPS_SEL_ENCRYPTED_REGEX,
    CV_SOPS_SEL_UNENCRYPTED_COMMENT_REGEX,
    CV_SOPS_SEL_ENCRYPTED_COMMENT_REGEX,
} cv_sops_selection;

/* The creation rule chosen for a file (sops's config.Config). */
typedef struct {
    cv_sops_cfg_group *groups;
    size_t n_groups;
    long shamir_threshold;
    cv_sops_selection selection;
    char *selection_value; /* NULL for CV_SOPS_SEL_NONE */
    bool mac_only_encrypted;
} cv_sops_cfg_rule;

/* Store settings; sops's defaults are yaml 0 (meaning 4), json -1. */
typedef struct {
    long yaml_indent;
    long json_indent;
    long json_binary_indent;
} cv_sops_cfg_stores;

typedef struct cv_sops_config cv_sops_config;

/* Decode a parsed .sops.yaml (doc may have no branch: an empty file). */
cv_result cv_sops_config_decode(const cv_doc *doc, cv_sops_config **out) CV_MUST_USE CV_NONNULL;
void cv_sops_config_free(cv_sops_config **c);
void cv_sops_config_stores(const cv_sops_config *c, cv_sops_cfg_stores *out) CV_NONNULL;
/* Defaults when there is no config file. */
void cv_sops_stores_default(cv_sops_cfg_stores *out) CV_NONNULL;

/* The creation rule for file_path (made absolute by the caller, as sops
 * does with filepath.Abs) given the config file's path (as found or given;
 * may be relative to the working directory). kms_context (may be NULL)
 * applies to keys from the flat `kms` field, like --encryption-context.
 * *out is NULL when the file has no creation_rules (sops then behaves as
 * if there were no config file). */
cv_result cv_sops_config_rule(const cv_sops_config *c, const char *config_path,
                              const char *file_path, const cv_sops_kv *kms_context,
                              size_t n_kms_context, cv_sops_cfg_rule **out) CV_MUST_USE;
void cv_sops_cfg_rule_free(cv_sops_cfg_rule **r);

/* sops's lookup from the working directory: ".sops.yaml", "../.sops.yaml",
 * ... (100 levels; a directory of that name counts, as with os.Stat). A
 * ".sops.yml" seen on the way gives *warning (sops's text; else NULL). Not
 * found: CV_E_SOPS_CONFIG_NOT_FOUND, *path NULL, *warning possibly set.
 * Both strings are the caller's (free). --config and SOPS_CONFIG, when
 * given, replace the lookup entirely (the caller's business). */
cv_result cv_sops_config_lookup(char **path, char **warning) CV_MUST_USE CV_NONNULL;

/* Go's filepath.Abs: Clean(path), joined to the working directory (taken
 * from $PWD when that names the working directory, as os.Getwd does). */
cv_result cv_sops_abs_path(const char *path, char **out) CV_MUST_USE CV_NONNULL;

/* "age", "pgp", "kms", "gcp_kms", "azure_kv", "hc_vault", "hckms". */
const char *cv_sops_key_type_name(cv_sops_key_type t);
/* "unencrypted_suffix", ..., "encrypted_comment_regex"; "" for NONE. */
const char *cv_sops_selection_name(cv_sops_selection s);

#endif
