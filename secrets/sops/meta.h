/* The `sops` metadata block: read from a document tree (any store; dotenv
 * and INI unflatten first) the way sops's mapstructure decoding reads it,
 * and written back the way sops 3.13.2 writes it (every map sorted by key,
 * empty lists and zero values omitted where sops omits them).
 *
 * Master keys of every type are kept; only age keys are used by covert.
 * PGP, KMS, GCP KMS, HuaweiCloud KMS, Azure Key Vault and Vault entries are
 * carried through a rewrite untouched (their created_at re-rendered in RFC
 * 3339 as sops does).
 *
 * Ownership: every string points into the document arena the metadata was
 * read into or built in; a cv_sops_meta lives as long as that document. */
#ifndef CV_SOPS_META_H
#define CV_SOPS_META_H

#include "secrets/doc/gotime.h"
#include "secrets/doc/tree.h"

/* In sops's internal order: the order keys are listed inside a group. */
typedef enum {
    CV_SOPS_KMS,
    CV_SOPS_GCP_KMS,
    CV_SOPS_HCKMS,
    CV_SOPS_AZURE_KV,
    CV_SOPS_HC_VAULT,
    CV_SOPS_PGP,
    CV_SOPS_AGE,
    CV_SOPS_NKEYTYPES
} cv_sops_keytype;

#define CV_SOPS_KEY_FIELDS 6

typedef struct {
    cv_sops_keytype type;
    /* Fields in the order of cv_sops_key_fields(type); NULL = absent. */
    const char *f[CV_SOPS_KEY_FIELDS];
    size_t flen[CV_SOPS_KEY_FIELDS];
    const cv_node *context; /* kms encryption context (MAP) or NULL */
    cv_gotime created;      /* created_at, for every type but age */
} cv_sops_key;

typedef struct {
    cv_sops_key *keys;
    size_t n, cap;
} cv_sops_group;

typedef enum {
    CV_SOPS_RULE_UNENCRYPTED_SUFFIX,
    CV_SOPS_RULE_ENCRYPTED_SUFFIX,
    CV_SOPS_RULE_UNENCRYPTED_REGEX,
    CV_SOPS_RULE_ENCRYPTED_REGEX,
    CV_SOPS_RULE_UNENCRYPTED_COMMENT_REGEX,
    CV_SOPS_RULE_ENCRYPTED_COMMENT_REGEX,
    CV_SOPS_NRULES
} cv_sops_rule;

typedef struct {
    cv_sops_group *groups;
    size_t n_groups, cap_groups;
    int shamir_threshold;
    cv_gotime lastmodified;
    const char *mac;
    size_t mac_len;
    /* The one selection rule (sops allows at most one). Reading a file that
     * names none sets sops's default unencrypted suffix; only new binary
     * files have none at all (everything is encrypted). */
    const char *rule[CV_SOPS_NRULES];
    bool mac_only_encrypted;
    const char *version;
} cv_sops_meta;

/* "age", "pgp", ... as the metadata spells the type. */
const char *cv_sops_keytype_name(cv_sops_keytype t);
/* Field names of a key type (NULL-terminated list of CV_SOPS_KEY_FIELDS). */
const char *const *cv_sops_key_fields(cv_sops_keytype t);
/* A named field of a key, "" if absent. */
cv_slice cv_sops_key_get(const cv_sops_key *k, const char *field);
/* Set a field (copied into d's arena). */
cv_result cv_sops_key_set(cv_doc *d, cv_sops_key *k, const char *field, cv_slice v) CV_MUST_USE;
/* The rule name as stored ("unencrypted_suffix", ...). */
const char *cv_sops_rule_name(cv_sops_rule r);
/* The rule in force: false when there is none (encrypt everything). */
bool cv_sops_meta_rule(const cv_sops_meta *m, cv_sops_rule *rule, const char **value);

/* Read a metadata MAP (nested form). Errors: CV_E_SOPS_METADATA with sops's
 * text in the detail ("No keys found in file", "Cannot use more than one
 * of ...", a time that does not parse). */
cv_result cv_sops_meta_read(cv_doc *d, const cv_node *map, cv_sops_meta *m) CV_MUST_USE;
/* Build the MAP sops 3.13.2 writes. */
cv_result cv_sops_meta_write(cv_doc *d, const cv_sops_meta *m, cv_node **out) CV_MUST_USE;

cv_result cv_sops_group_add(cv_doc *d, cv_sops_group *g, const cv_sops_key *k) CV_MUST_USE;
cv_result cv_sops_meta_add_group(cv_doc *d, cv_sops_meta *m, cv_sops_group **out) CV_MUST_USE;

#endif
