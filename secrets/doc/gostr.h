/* Go string semantics the sops stores depend on: UTF-8 decoding as
 * unicode/utf8 does it (an invalid byte is U+FFFD of width 1), Unicode
 * white space as unicode.IsSpace sees it (strings.TrimSpace trims more than
 * ASCII), Go's JSON string quoting, and sops's ValToString with fmt's %v for
 * nested values.
 *
 * Nothing here allocates except into a caller's cv_buf (which may be a
 * secret buffer: values pass through these functions). Errors: only the
 * buffer's CV_E_TOO_LARGE, and CV_E_DOC_TYPE where Go would fail. */
#ifndef CV_DOC_GOSTR_H
#define CV_DOC_GOSTR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto/base/buf.h"
#include "secrets/doc/tree.h"

#define CV_GO_RUNE_ERROR 0xFFFDu

/* utf8.DecodeRune: the rune at p and its width (1 for an invalid byte,
 * whose rune is U+FFFD; 0 when n is 0). */
size_t cv_go_utf8_decode(const uint8_t *p, size_t n, uint32_t *r);
/* utf8.DecodeLastRune. */
size_t cv_go_utf8_decode_last(const uint8_t *p, size_t n, uint32_t *r);
/* utf8.EncodeRune (surrogates and out-of-range runes become U+FFFD). */
size_t cv_go_utf8_encode(uint32_t r, uint8_t out[4]);
/* unicode.IsSpace. */
bool cv_go_is_space(uint32_t r);
/* strings.TrimLeftFunc(s, unicode.IsSpace), TrimRightFunc, TrimSpace. */
cv_slice cv_go_trim_left_space(cv_slice s);
cv_slice cv_go_trim_right_space(cv_slice s);
cv_slice cv_go_trim_space(cv_slice s);

/* The length of the run at the start of p[0..n) that a JSON string carries
 * unchanged: printable ASCII other than '"' and '\\' (and other than < > &
 * when html is set, as json.Marshal escapes them). Parsers and quoting copy
 * such runs whole. */
size_t cv_go_json_plain_run(const uint8_t *p, size_t n, bool html);

/* json.Marshal of a Go string: quotes, HTML escaping of < > &, \u2028 and
 * \u2029 escaped, invalid UTF-8 written as \ufffd. */
cv_result cv_go_json_quote(cv_buf *out, const void *p, size_t n) CV_MUST_USE;

/* sops's stores.ValToString for a scalar (dotenv and INI values): floats in
 * 'G' form with ".0" added to integral ones, times as RFC 3339 without the
 * fraction, null as "<nil>"; a MAP or LIST is written as fmt's %v would
 * print sops's Go value. */
cv_result cv_go_val_string(const cv_node *n, cv_buf *out) CV_MUST_USE CV_NONNULL;

#endif
