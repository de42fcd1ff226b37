/* SOPS stores: the five file formats behind one table, and the metadata
 * embedded in each the way sops embeds it (YAML, JSON and binary: a nested
 * `sops` map as the last key of every document; INI: a [sops] section of
 * flattened keys with newlines escaped; dotenv: flattened `sops_` keys).
 *
 * Loading an encrypted file strips the metadata from the tree and returns
 * it; emitting puts it back. Plain load/emit are the stores' own
 * LoadPlainFile/EmitPlainFile (secrets/doc). */
#ifndef CV_SOPS_STORE_H
#define CV_SOPS_STORE_H

#include "secrets/sops/meta.h"

typedef enum {
    CV_STORE_BINARY,
    CV_STORE_DOTENV,
    CV_STORE_INI,
    CV_STORE_JSON,
    CV_STORE_YAML,
} cv_store;

/* sops's FormatForPath: .yaml/.yml, .json, .env, .ini, else binary. */
cv_store cv_store_for_path(const char *path);
/* A --input-type/--output-type name; false for an unknown name (sops then
 * falls back to the path). */
bool cv_store_from_name(const char *name, cv_store *out);
const char *cv_store_name(cv_store s);

cv_result cv_store_load_plain(cv_store s, cv_slice in, cv_doc *d) CV_MUST_USE;
cv_result cv_store_emit_plain(cv_store s, const cv_doc *d, int indent, cv_buf *out) CV_MUST_USE;
/* One value (sops's EmitValue, for --extract of non-strings). */
cv_result cv_store_emit_value(cv_store s, const cv_node *n, int indent, cv_buf *out)
    CV_MUST_USE;

/* Load an encrypted file: the tree without metadata, and the metadata.
 * CV_E_SOPS_NO_METADATA when there is none. */
cv_result cv_store_load_encrypted(cv_store s, cv_slice in, cv_doc *d, cv_sops_meta *m)
    CV_MUST_USE;
/* Emit a tree with its metadata (appended to each document for the
 * emitter, then taken off: the tree is left as it was). */
cv_result cv_store_emit_encrypted(cv_store s, cv_doc *d, const cv_sops_meta *m, int indent,
                                  cv_buf *out) CV_MUST_USE;
/* True when branch 0 already holds metadata (`sops`, or `sops_` keys in
 * dotenv): such files are refused for encryption. */
bool cv_store_has_metadata(cv_store s, const cv_doc *d);

#endif
