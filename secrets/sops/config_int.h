/* Internal to secrets/sops/config*.c: .sops.yaml decoded the way yaml.v3
 * fills sops's configFile structs (config.c), and the master keys built
 * from a rule (config_keys.c). All strings are heap copies. */
#ifndef CV_SOPS_CONFIG_INT_H
#define CV_SOPS_CONFIG_INT_H

#include "secrets/sops/config.h"

typedef struct {
    char **v;
    size_t n;
} cfg_strv;

/* An interface{} field (string or list of strings in sops). */
typedef enum { ANY_NIL, ANY_STR, ANY_LIST, ANY_OTHER } cfg_any_kind;
typedef struct {
    cfg_any_kind kind;
    char *s;
    cfg_strv list;
    const char *bad; /* ANY_OTHER: Go type of the value; ANY_LIST: of the first non-string item */
} cfg_any;

typedef struct {
    void *items;
    size_t n;
    bool set; /* present and not null (Go: non-nil slice) */
} cfg_slice;

typedef struct {
    char *arn, *role, *aws_profile;
    cv_sops_kv *ctx; /* value NULL for a YAML null */
    size_t n_ctx;
} cfg_kms;

typedef struct {
    char *resource_id;
} cfg_gcp;

typedef struct {
    char *key_id;
} cfg_hckms;

typedef struct {
    char *vault_url, *key, *version;
} cfg_azure;

typedef struct {
    cfg_slice merge; /* cfg_group */
    cfg_slice kms, gcp, hckms, azure;
    cfg_strv vault, age, pgp;
} cfg_group;

enum { SEL_COUNT = 6 };

typedef struct {
    char *path_regex;
    cfg_any kms;
    char *aws_profile;
    cfg_any age, pgp, gcp;
    cfg_strv hckms;
    cfg_any azure, vault;
    cfg_slice groups; /* cfg_group */
    long shamir;
    char *sel[SEL_COUNT]; /* in cv_sops_selection order, from 1 */
    bool mac_only;
} cfg_rule;

typedef struct {
    char *path_regex, *s3_bucket, *s3_prefix, *gcs_bucket, *gcs_prefix, *vault_path,
        *vault_address, *vault_kv_mount_name;
    long vault_kv_version;
    cfg_rule recreation;
    bool omit_extensions;
} cfg_dest;

typedef struct {
    long indent;
} cfg_indent;

typedef struct {
    char dotenv, ini; /* no fields */
    cfg_indent json_binary, json, yaml;
} cfg_stores;

struct cv_sops_config {
    cfg_slice rules; /* cfg_rule */
    cfg_slice dests; /* cfg_dest */
    cfg_stores stores;
};

/* config_keys.c: the key groups of a rule (sops's getKeyGroupsFromCreationRule). */
cv_result cv_sops_rule_groups(const cfg_rule *r, const cv_sops_kv *kms_ctx, size_t n_kms_ctx,
                              cv_sops_cfg_rule *out) CV_MUST_USE;
void cv_sops_key_clear(cv_sops_cfg_key *k);

#endif
