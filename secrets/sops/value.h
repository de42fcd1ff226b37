/* SOPS values: the ENC[AES256_GCM,...] string and the typed plaintext
 * inside it.
 *
 *   ENC[AES256_GCM,data:<b64>,iv:<b64>,tag:<b64>,type:<str|int|float|bool|
 *       time|comment|bytes>]
 *
 * AES-256-GCM with a 32-byte random IV (any IV length is accepted when
 * decrypting), AAD = the path of keys joined with ':' plus a trailing ':'.
 * Plaintext bytes per type are Go's: strconv.Itoa, FormatFloat 'f' -1,
 * True/False, time MarshalText, comment text. Empty strings and empty
 * comments are never encrypted.
 *
 * The data key is given as a keyed cv_aes_gcm (crypto/prim/aead.h), so its
 * schedule is computed once per document, not once per value.
 *
 * The IV stash: decrypting records (aad, typed plaintext) -> IV, and
 * encrypting the same typed plaintext at the same path again reuses the IV,
 * so edit/set/unset leave unchanged values byte-identical as sops does. The
 * stash lives in the document's secret arena. */
#ifndef CV_SOPS_VALUE_H
#define CV_SOPS_VALUE_H

#include "crypto/prim/aead.h"
#include "secrets/doc/tree.h"

#define CV_SOPS_IV_LEN 32u
#define CV_SOPS_TAG_LEN 16u
#define CV_SOPS_KEY_LEN 32u

typedef struct {
    cv_slice data, iv, tag, type; /* base64 text and the type word */
} cv_sops_enc;

typedef struct cv_sops_stash cv_sops_stash;

/* Parse an ENC string as sops's regex does (anchored at the start only). */
cv_result cv_sops_enc_parse(cv_slice s, cv_sops_enc *out) CV_MUST_USE CV_NONNULL;

/* The bytes sops hashes for a scalar (ToBytes): numbuf must hold
 * CV_NUM_TEXT_MAX bytes; *type receives the ENC type word. Fails with
 * CV_E_DOC_TYPE for maps, lists and nulls. */
cv_result cv_sops_value_bytes(const cv_node *n, char *numbuf, cv_slice *out, const char **type)
    CV_MUST_USE;

cv_result cv_sops_stash_new(cv_doc *d, cv_sops_stash **out) CV_MUST_USE CV_NONNULL;

/* Encrypt scalar n (or a COMMENT) in place into its ENC string: n becomes
 * STR (or stays COMMENT with the ENC text). Empty texts stay empty. stash
 * may be NULL. */
cv_result cv_sops_value_encrypt(cv_doc *d, cv_node *n, cv_aes_gcm *key, cv_slice aad,
                                cv_sops_stash *stash) CV_MUST_USE;
/* Decrypt the ENC text of n (STR or COMMENT) in place into the typed value:
 * COMMENT for type comment (inline cleared, as sops does). An empty text
 * stays an empty STR. Errors: CV_E_SOPS_ENC (malformed), CV_E_SOPS_DECRYPT
 * (authentication), CV_E_SOPS_ENC with a detail for a bad typed value. */
cv_result cv_sops_value_decrypt(cv_doc *d, cv_node *n, cv_aes_gcm *key, cv_slice aad,
                                cv_sops_stash *stash) CV_MUST_USE;

/* The halves of the two calls above, for decrypting or encrypting many
 * values on several threads: _open and _seal read the node and (for _seal)
 * the stash but write only to `out`/`text`, so each thread may run them with
 * its own key context and buffer; _settle and _sealed then apply the result
 * to the node (and the stash) on one thread, in document order.
 *
 * _open appends the IV and, gap bytes after it, the plaintext to out (a
 * secret buffer): their place is recorded in o, whose type points into n's
 * text. An empty
 * text appends nothing (o->empty). _settle with reuse_text may write a str
 * or bytes plaintext over n's own ENC text instead of copying it to new
 * arena memory (the caller's promise that nothing else points there).
 * _seal appends n's ENC text to text, or nothing with *empty set for an
 * empty string or comment (left as it is). */
typedef struct {
    cv_slice type;
    size_t off, gap, iv_len, len;
    bool empty;
    bool in_place; /* the plaintext is n's own text (_open_here) */
} cv_sops_opened;
cv_result cv_sops_value_open(const cv_node *n, cv_aes_gcm *key, cv_slice aad, cv_buf *out,
                             cv_sops_opened *o) CV_MUST_USE;
/* _open without a buffer: a STR's ENC text is decoded and decrypted over
 * itself (its arena memory: secret), the plaintext left at n->s. Only when
 * its IV and tag decode to usual sizes (to the stack, first): otherwise
 * *taken stays false, n is untouched, and _open gives sops's own error. Once
 * taken, n's text is spent whatever the outcome; _settle with no stash
 * then makes it the value. */
cv_result cv_sops_value_open_here(cv_node *n, cv_aes_gcm *key, cv_slice aad, cv_sops_opened *o,
                                  bool *taken) CV_MUST_USE;
/* _open_here that feeds the value's MAC input to a consumer (a hash on
 * another thread) while it is decrypted, when that input is the plaintext
 * as it is (type str or bytes): decoding, decryption and feeding go step by
 * step, ready(ctx, n) telling that the first n bytes at n->s are plaintext
 * (unauthenticated until this returns ok). Once ready was called, done(ctx,
 * all) comes exactly once, last, before the tag is checked or a failure is
 * cleaned up: all says whether every byte was fed. When done returns, the
 * consumer has let go of the plaintext. Other types, and opens not taken,
 * feed nothing. */
typedef struct {
    void (*ready)(void *ctx, size_t n);
    void (*done)(void *ctx, bool all);
    void *ctx;
} cv_sops_feed;
cv_result cv_sops_value_open_here_fed(cv_node *n, cv_aes_gcm *key, cv_slice aad,
                                      cv_sops_opened *o, bool *taken, const cv_sops_feed *feed)
    CV_MUST_USE;
cv_result cv_sops_value_settle(cv_doc *d, cv_node *n, const cv_sops_opened *o,
                               const uint8_t *base, cv_slice aad, cv_sops_stash *stash,
                               bool reuse_text) CV_MUST_USE;
cv_result cv_sops_value_seal(const cv_node *n, cv_aes_gcm *key, cv_slice aad,
                             const cv_sops_stash *stash, cv_buf *text, bool *empty) CV_MUST_USE;
/* _seal in two steps, for a caller that places the text itself: the length
 * of n's ENC text (0: an empty string or comment, left as it is), then the
 * text written at dst, which holds exactly that many bytes (no NUL). */
cv_result cv_sops_value_enc_len(const cv_node *n, size_t *len) CV_MUST_USE CV_NONNULL;
cv_result cv_sops_value_seal_into(const cv_node *n, cv_aes_gcm *key, cv_slice aad,
                                  const cv_sops_stash *stash, char *dst, size_t len)
    CV_MUST_USE;
cv_result cv_sops_value_sealed(cv_doc *d, cv_node *n, cv_slice text) CV_MUST_USE;

/* Go's base64.StdEncoding.DecodeString: padding required, CR/LF ignored,
 * non-zero trailing bits accepted. out holds at least (len/4+1)*3 bytes. */
cv_result cv_sops_b64_decode(cv_slice in, uint8_t *out, size_t *out_len) CV_MUST_USE CV_NONNULL;

#endif
