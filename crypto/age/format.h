/* The age v1 header: stanzas, the MAC line, and the strict rules of the
 * spec (C2SP age.md) that the conformance vectors test.
 *
 * Parsing is canonical: any byte sequence this parser accepts re-serialises
 * to exactly itself, so the MAC is computed over the raw header bytes. Every
 * rejection is CV_E_AGE_HEADER with a detail naming the rule.
 *
 * Ownership: a cv_age_header owns its stanzas; cv_age_header_clear frees
 * them. Stanza bodies may hold wrapped keys (not secret, but they are still
 * wiped on clear). */
#ifndef CV_AGE_FORMAT_H
#define CV_AGE_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto/base/buf.h"
#include "crypto/base/io.h"

#define CV_AGE_FILE_KEY 16u
#define CV_AGE_MAC 32u
#define CV_AGE_NONCE 16u
#define CV_AGE_VERSION_LINE "age-encryption.org/v1"

typedef struct {
    char *type;       /* NUL-terminated, owned */
    char **args;      /* nargs NUL-terminated strings, owned */
    size_t nargs;
    uint8_t *body;    /* owned */
    size_t body_len;
} cv_age_stanza;

typedef struct {
    cv_age_stanza *v;
    size_t n, cap;
} cv_age_stanzas;

typedef struct {
    cv_age_stanzas stanzas;
    uint8_t mac[CV_AGE_MAC];
    /* Raw header bytes (owned copy), from the version line to the final LF;
     * mac_input_len covers through "---" (the MAC input). */
    uint8_t *raw;
    size_t raw_len;
    size_t mac_input_len;
} cv_age_header;

void cv_age_stanzas_init(cv_age_stanzas *s);
void cv_age_stanzas_clear(cv_age_stanzas *s);
/* Append a stanza; type/args/body are copied. */
cv_result cv_age_stanzas_add(cv_age_stanzas *s, const char *type, const char *const *args,
                             size_t nargs, const uint8_t *body, size_t body_len) CV_MUST_USE;
/* Move every stanza of `from` to the end of `to` (from is left empty). */
cv_result cv_age_stanzas_move(cv_age_stanzas *to, cv_age_stanzas *from) CV_MUST_USE;

void cv_age_header_init(cv_age_header *h);
void cv_age_header_clear(cv_age_header *h);

/* Read a header from a source. Bytes the reader consumed past the header
 * (the start of the payload) are left in `rest` for the caller to push back
 * in front of `src`. */
cv_result cv_age_header_read(cv_src *src, cv_age_header *h, cv_buf *rest) CV_MUST_USE;
/* Parse a complete header held in memory; *used receives its length. */
cv_result cv_age_header_parse(cv_slice in, cv_age_header *h, size_t *used) CV_MUST_USE;

/* Serialise stanzas (one stanza, canonical wrapping) into out. */
cv_result cv_age_stanza_write(cv_buf *out, const cv_age_stanza *s) CV_MUST_USE;
/* Read one stanza (the wire format the plugin protocol shares); returns
 * CV_E_TRUNCATED at a clean end of input before a stanza starts. */
cv_result cv_age_stanza_read(cv_reader *r, cv_age_stanza *s) CV_MUST_USE;
void cv_age_stanza_clear(cv_age_stanza *s);

/* Build a complete header for stanzas with the MAC keyed from file_key;
 * fills h->raw and h->mac. */
cv_result cv_age_header_seal(cv_age_header *h, const uint8_t file_key[CV_AGE_FILE_KEY])
    CV_MUST_USE;
/* Check h's MAC against file_key in constant time: CV_E_AGE_HMAC if wrong. */
cv_result cv_age_header_verify(const cv_age_header *h, const uint8_t file_key[CV_AGE_FILE_KEY])
    CV_MUST_USE;

/* True if s is 1*VCHAR (bytes 0x21-0x7e). */
bool cv_age_is_vchar_string(cv_slice s);

#endif
