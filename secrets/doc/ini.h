/* The INI store, byte for byte as sops v3.13.2's stores/ini on
 * gopkg.in/ini.v1 v1.67.3 (options: non-unique sections allowed, every
 * other go-ini option at its default).
 *
 * Loading: the tree is a MAP of sections (the implicit DEFAULT section
 * first, always present, then one item per [header], repeated names kept),
 * each a MAP of string keys and string values. go-ini's reading rules are
 * followed: a UTF-8/UTF-16 byte order mark is skipped; lines are
 * left-trimmed of Unicode white space; '#' or ';' starts a comment line; a
 * header runs to the last ']' on its line; keys end at the first '=' or ':'
 * (or are quoted with ", """ or `), "-" keys are numbered "#1", "#2"...;
 * values are trimmed, may be """...""" or `...` (spanning lines), end a
 * line with \ to continue it, lose an inline comment from the first '#' or
 * ';', and lose one pair of surrounding quotes. A repeated key in a section
 * replaces the first one's value in place. Comments before a header become
 * the section's comment (a leading COMMENT item), comments before a key
 * (and its inline comment) a COMMENT item after the key, with the leading
 * ';'/'#' and spaces removed as sops does; comments at the end are dropped.
 *
 * Emitting: go-ini's writer: DEFAULT first without a header (omitted when
 * empty), "[name]" headers, "key = value" with '=' aligned per section,
 * keys quoted with ` or """ when they hold '"', '=', ':' or '`', values
 * written as """v""" (new line or `), `v` ('#' or ';') or "v" (outer white
 * space), comments as "; text" lines, a blank line between sections.
 * Values that are not strings are written with sops's ValToString.
 *
 * Ownership: load appends one branch to doc; emitters append to the
 * caller's buffer (a secret cv_buf for plaintext).
 *
 * Errors: CV_E_DOC_SYNTAX (detail: line number) for an unclosed header,
 * a key line without a delimiter, an empty key or section name, an
 * unterminated quoted value or key; CV_E_DOC_UNSUPPORTED on emit for a
 * top-level value that is not a map, an empty section or key name, or a
 * comment with an empty line (sops crashes on those); CV_E_TOO_LARGE. */
#ifndef CV_DOC_INI_H
#define CV_DOC_INI_H

#include "crypto/base/buf.h"
#include "secrets/doc/tree.h"

cv_result cv_ini_load(cv_slice in, cv_doc *doc) CV_MUST_USE CV_NONNULL;
/* Writes every branch's sections; indent is ignored. */
cv_result cv_ini_emit(const cv_doc *doc, int indent, cv_buf *out) CV_MUST_USE CV_NONNULL;
/* EmitValue: json.Marshal of sops's Go value (compact; a MAP as a list of
 * {"Key":..,"Value":..} objects); indent is ignored. */
cv_result cv_ini_emit_value(const cv_node *n, int indent, cv_buf *out) CV_MUST_USE CV_NONNULL;

#endif
