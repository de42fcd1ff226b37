/* The YAML store: sops v3.13.2's YAML LoadPlainFile / EmitPlainFile /
 * EmitValue, byte for byte (sops builds them on go.yaml.in/yaml/v3 v3.0.4;
 * this codec reproduces that library's behaviour on libyaml's scanner and
 * its own emitter).
 *
 * Loading: one branch per YAML document; comments become COMMENT items
 * where sops puts them (line comments after a scalar value are `inline`);
 * scalars are typed as yaml.v3 types them when decoding into interface{}
 * (null, bool, int, float, timestamp -> TIME in Go's MarshalText form,
 * everything else a string); aliases are expanded; `<<` stays an ordinary
 * key. Mapping keys that are not strings (`1: x`) keep their scalar kind
 * (INT, BOOL, FLOAT, NULL, TIME) as sops keeps the decoded Go value.
 *
 * Errors (detail = sops's message text, never a value): CV_E_DOC_SYNTAX
 * (malformed YAML, unknown anchor), CV_E_DOC_DUPLICATE_KEY, CV_E_DOC_UNSUPPORTED
 * (a document that is a sequence or a scalar, UTF-16 input), CV_E_DOC_TYPE
 * (a value yaml.v3 refuses to decode: bad !!binary, invalid map key, bad
 * merge), CV_E_LIMIT (depth or alias expansion past limits.h),
 * CV_E_TOO_LARGE (input or arena caps).
 *
 * Ownership: the tree is built in doc's arena (secret); scratch memory is
 * secret too and wiped before return. Output goes only into the caller's
 * buffer, which may be a secret one. */
#ifndef CV_DOC_YAML_H
#define CV_DOC_YAML_H

#include "crypto/base/buf.h"
#include "secrets/doc/tree.h"

/* Parse in into doc (initialised by the caller, normally empty). */
cv_result cv_yaml_load(cv_slice in, cv_doc *doc) CV_MUST_USE CV_NONNULL;
/* Loading options for readers other than sops (kustomize reads YAML with
 * the same yaml.v3 typing but keeps no comments and accepts documents of
 * any shape). */
enum {
    CV_YAML_NO_COMMENTS = 1u << 0, /* drop comments instead of COMMENT items */
    CV_YAML_ANY_ROOT = 1u << 1,    /* a document may be a sequence or scalar
                                      (its branch is then that node); empty
                                      documents are skipped */
    CV_YAML_PUBLIC = 1u << 2,      /* the caller vouches that the input holds
                                      no secret: libyaml's buffers and tokens
                                      are released without being wiped
                                      (wiping them was a tenth of loading:
                                      the whole buffers, untouched pages too) */
};
cv_result cv_yaml_load_opts(cv_slice in, unsigned flags, cv_doc *doc) CV_MUST_USE CV_NONNULL;
/* Every branch as a YAML document; indent 0 means sops's default 4, a
 * negative indent fails like sops ("YAML Negative indentation not
 * accepted", CV_E_DOC_UNSUPPORTED). */
cv_result cv_yaml_emit(const cv_doc *doc, int indent, cv_buf *out) CV_MUST_USE CV_NONNULL;
/* One value as its own YAML document (sops's EmitValue, default indent). */
cv_result cv_yaml_emit_value(const cv_node *n, int indent, cv_buf *out) CV_MUST_USE CV_NONNULL;
/* One value as yaml.v2's Marshal prints it (sigs.k8s.io/yaml, kustomize's
 * output): indent 2, sequences under a key not indented, width 80, YAML
 * 1.1 quoting. Maps are written in their order (the caller sorts them as
 * v2 does); a TIME node is written as a plain scalar of its text, which
 * lets the caller hand over numbers already formatted. No comments. */
cv_result cv_yaml_emit_v2(const cv_node *n, cv_buf *out) CV_MUST_USE CV_NONNULL;

#endif
