#include "secrets/sops/value.h"

#include <string.h>

#include "crypto/base/limits.h"
#include "crypto/base/mem.h"
#include "crypto/base/enc.h"
#include "crypto/prim/aead.h"
#include "crypto/prim/hash.h"
#include "crypto/prim/pk.h"
#include "secrets/doc/gotime.h"
#include "secrets/doc/num.h"

#define ENC_PREFIX "ENC[AES256_GCM,data:"
#define AUTH_FAILED "Could not decrypt with AES_GCM: cipher: message authentication failed"

/* ---- the ENC string ------------------------------------------------------ */

/* Last occurrence of needle in h[0..end) starting at or after `from`. */
static long last_of(cv_slice h, size_t from, size_t end, const char *needle)
{
    size_t nl = strlen(needle);
    if (end < nl + from) return -1;
    for (size_t i = end - nl + 1; i-- > from;)
        if (memcmp(h.p + i, needle, nl) == 0) return (long)i;
    return -1;
}

/* sops matches ^ENC\[AES256_GCM,data:(.+),iv:(.+),tag:(.+),type:(.+)\] with
 * greedy groups: each group is as long as it can be while the rest still
 * matches, which is the same as taking every separator at its last possible
 * position, scanning from the right. */
cv_result cv_sops_enc_parse(cv_slice s, cv_sops_enc *out)
{
    const size_t start = sizeof(ENC_PREFIX) - 1;
    CV_ENSURE(cv_slice_starts_with(s, ENC_PREFIX), CV_E_SOPS_ENC);
    long close = -1;
    for (size_t i = s.len; i-- > start;)
        if (s.p[i] == ']') {
            close = (long)i;
            break;
        }
    CV_ENSURE(close > 0, CV_E_SOPS_ENC);
    long ty = last_of(s, start, (size_t)close - 1, ",type:");
    CV_ENSURE(ty >= 0, CV_E_SOPS_ENC);
    long tg = last_of(s, start, (size_t)ty - 1, ",tag:");
    CV_ENSURE(tg >= 0, CV_E_SOPS_ENC);
    long iv = last_of(s, start, (size_t)tg - 1, ",iv:");
    CV_ENSURE(iv > (long)start, CV_E_SOPS_ENC);
    out->data = cv_slice_of(s.p + start, (size_t)iv - start);
    out->iv = cv_slice_of(s.p + iv + 4, (size_t)(tg - iv - 4));
    out->tag = cv_slice_of(s.p + tg + 5, (size_t)(ty - tg - 5));
    out->type = cv_slice_of(s.p + ty + 6, (size_t)(close - ty - 6));
    CV_ENSURE(out->iv.len && out->tag.len && out->type.len, CV_E_SOPS_ENC);
    return cv_ok();
}

/* One more than the sextet for the alphabet, 65 for '=', 66 for CR/LF (Go's
 * decoder skips them), 0 for anything else: a zero-initialised table then
 * rejects every byte it does not name. */
static const uint8_t b64_tab[256] = {
    ['A'] = 1, ['B'] = 2, ['C'] = 3, ['D'] = 4, ['E'] = 5, ['F'] = 6, ['G'] = 7, ['H'] = 8,
    ['I'] = 9, ['J'] = 10, ['K'] = 11, ['L'] = 12, ['M'] = 13, ['N'] = 14, ['O'] = 15,
    ['P'] = 16, ['Q'] = 17, ['R'] = 18, ['S'] = 19, ['T'] = 20, ['U'] = 21, ['V'] = 22,
    ['W'] = 23, ['X'] = 24, ['Y'] = 25, ['Z'] = 26, ['a'] = 27, ['b'] = 28, ['c'] = 29,
    ['d'] = 30, ['e'] = 31, ['f'] = 32, ['g'] = 33, ['h'] = 34, ['i'] = 35, ['j'] = 36,
    ['k'] = 37, ['l'] = 38, ['m'] = 39, ['n'] = 40, ['o'] = 41, ['p'] = 42, ['q'] = 43,
    ['r'] = 44, ['s'] = 45, ['t'] = 46, ['u'] = 47, ['v'] = 48, ['w'] = 49, ['x'] = 50,
    ['y'] = 51, ['z'] = 52, ['0'] = 53, ['1'] = 54, ['2'] = 55, ['3'] = 56, ['4'] = 57,
    ['5'] = 58, ['6'] = 59, ['7'] = 60, ['8'] = 61, ['9'] = 62, ['+'] = 63, ['/'] = 64,
    ['='] = 65, ['\r'] = 66, ['\n'] = 66,
};

static bool is_nl(uint8_t c) { return c == '\n' || c == '\r'; }

static cv_result corrupt(size_t at)
{
    return CV_FAILF(CV_E_BASE64, "illegal base64 data at input byte %zu", at);
}

/* The padding of a quantum whose '=' was just read at si - 1, with j
 * sextets before it: Go's rules, including where it reports an error. */
static cv_result b64_pad(cv_slice in, size_t si, size_t j)
{
    if (j < 2) return corrupt(si - 1);
    if (j == 2) { /* a second '=' must follow, newlines allowed between */
        while (si < in.len && is_nl(in.p[si])) si++;
        if (si == in.len) return corrupt(in.len);
        if (in.p[si] != '=') return corrupt(si - 1);
        si++;
    }
    while (si < in.len && is_nl(in.p[si])) si++;
    if (si < in.len) return corrupt(si); /* trailing garbage */
    return cv_ok();
}

/* Quantum by quantum from si, as Go's decodeQuantum: line breaks skipped
 * anywhere, padding required, trailing bits not checked. */
static cv_result b64_tail(cv_slice in, size_t si, uint8_t *out, size_t n, size_t *out_len)
{
    while (si < in.len) {
        uint8_t d[4] = { 0 };
        size_t j = 0;
        while (j < 4) {
            if (si == in.len) {
                if (j == 0) break;
                return corrupt(si - j);
            }
            uint8_t c = in.p[si++], v = b64_tab[c];
            if (v >= 1 && v <= 64) {
                d[j++] = (uint8_t)(v - 1);
                continue;
            }
            if (is_nl(c)) continue;
            if (c != '=') return corrupt(si - 1);
            CV_GUARD(b64_pad(in, si, j));
            si = in.len;
            break;
        }
        uint32_t acc = (uint32_t)d[0] << 18 | (uint32_t)d[1] << 12 | (uint32_t)d[2] << 6 | d[3];
        size_t bytes = j == 4 ? 3 : j ? j - 1 : 0; /* j is never 1 here */
        for (size_t k = 0; k < bytes; k++) out[n++] = (uint8_t)(acc >> (16 - 8 * k));
    }
    *out_len = n;
    return cv_ok();
}

cv_result cv_sops_b64_decode(cv_slice in, uint8_t *out, size_t *out_len)
{
    /* Whole groups of alphabet bytes in bulk; the first group holding
     * anything else (or the end) hands over to b64_tail. */
    size_t i = cv_b64_decode_prefix(out, in.p, in.len);
    return b64_tail(in, i, out, i / 4 * 3, out_len);
}

/* ---- typed plaintext ------------------------------------------------------ */

cv_result cv_sops_value_bytes(const cv_node *n, char *numbuf, cv_slice *out, const char **type)
{
    switch (n->kind) {
    case CV_NODE_STR: *type = "str"; *out = cv_slice_of(n->s, n->len); return cv_ok();
    case CV_NODE_COMMENT:
        *type = "comment";
        *out = cv_slice_of(n->s, n->len);
        return cv_ok();
    case CV_NODE_TIME: *type = "time"; *out = cv_slice_of(n->s, n->len); return cv_ok();
    case CV_NODE_INT:
        *type = "int";
        *out = cv_slice_of(numbuf, cv_go_int(n->v.i, numbuf));
        return cv_ok();
    case CV_NODE_FLOAT:
        *type = "float";
        *out = cv_slice_of(numbuf, cv_go_float(n->v.f, 'f', numbuf));
        return cv_ok();
    case CV_NODE_BOOL:
        *type = "bool";
        memcpy(numbuf, n->v.b ? "True" : "False", n->v.b ? 5 : 6);
        *out = cv_slice_str(numbuf);
        return cv_ok();
    default: CV_BAILF(CV_E_DOC_TYPE, "cannot encrypt a container or null value");
    }
}

/* ---- the IV stash ------------------------------------------------------------ */

/* Entries are keyed by SHA-256 over (type, inline flag, AAD, plaintext), so
 * the stash keeps no copy of any value and a collision (which would reuse an
 * IV for a different plaintext) is out of reach. */
typedef struct entry {
    struct entry *next;
    uint8_t digest[CV_SHA256_LEN];
    uint8_t iv[CV_SOPS_IV_LEN];
} entry;

struct cv_sops_stash {
    entry **b;
    size_t nb, n;
};

static void stash_digest(cv_slice aad, const char *type, cv_slice plain, bool inl,
                         uint8_t out[CV_SHA256_LEN])
{
    cv_sha256_ctx c;
    uint8_t hdr[16] = { 0 };
    size_t tl = strlen(type);
    memcpy(hdr, type, tl < 8 ? tl : 8);
    hdr[8] = inl;
    for (int i = 0; i < 7; i++) hdr[9 + i] = (uint8_t)(aad.len >> (8 * i));
    cv_sha256_init(&c);
    cv_sha256_update(&c, hdr, sizeof(hdr));
    cv_sha256_update(&c, aad.p, aad.len);
    cv_sha256_update(&c, plain.p, plain.len);
    cv_sha256_final(&c, out);
}

static size_t bucket(const cv_sops_stash *s, const uint8_t d[CV_SHA256_LEN])
{
    uint64_t h;
    memcpy(&h, d, sizeof(h));
    return (size_t)(h % s->nb);
}

cv_result cv_sops_stash_new(cv_doc *d, cv_sops_stash **out)
{
    void *p;
    CV_GUARD(cv_arena_alloc(d->arena, sizeof(cv_sops_stash), &p));
    cv_sops_stash *s = p;
    s->nb = 256;
    CV_GUARD(cv_arena_alloc(d->arena, s->nb * sizeof(entry *), &p));
    s->b = p;
    *out = s;
    return cv_ok();
}

static cv_result stash_grow(cv_doc *d, cv_sops_stash *s)
{
    void *p;
    size_t old = s->nb;
    entry **ob = s->b;
    CV_GUARD(cv_arena_alloc(d->arena, old * 2 * sizeof(entry *), &p));
    s->b = p;
    s->nb = old * 2;
    for (size_t i = 0; i < old; i++)
        for (entry *e = ob[i], *next; e; e = next) {
            next = e->next;
            size_t k = bucket(s, e->digest);
            e->next = s->b[k];
            s->b[k] = e;
        }
    return cv_ok();
}

static const entry *stash_find(const cv_sops_stash *s, const uint8_t d[CV_SHA256_LEN])
{
    for (const entry *e = s->b[bucket(s, d)]; e; e = e->next)
        if (cv_ct_eq(e->digest, d, CV_SHA256_LEN)) return e;
    return NULL;
}

static cv_result stash_put(cv_doc *d, cv_sops_stash *s, const uint8_t dg[CV_SHA256_LEN],
                           cv_slice iv)
{
    if (iv.len != CV_SOPS_IV_LEN) return cv_ok(); /* only reuse what we would make */
    if (s->n >= s->nb) CV_GUARD(stash_grow(d, s));
    void *p;
    CV_GUARD(cv_arena_alloc(d->arena, sizeof(entry), &p));
    entry *e = p;
    memcpy(e->digest, dg, CV_SHA256_LEN);
    memcpy(e->iv, iv.p, iv.len);
    size_t k = bucket(s, dg);
    e->next = s->b[k];
    s->b[k] = e;
    s->n++;
    return cv_ok();
}

/* ---- encrypt ------------------------------------------------------------------ */

/* ENC[AES256_GCM,data:<ct>,iv:<iv>,tag:<tag>,type:<type>] written into o,
 * which holds enc_len bytes. */
static size_t enc_len(size_t ct_len, size_t type_len)
{
    return sizeof(ENC_PREFIX) - 1 + cv_b64_enc_len(ct_len, true) + 4 +
           cv_b64_enc_len(CV_SOPS_IV_LEN, true) + 5 + cv_b64_enc_len(CV_SOPS_TAG_LEN, true) +
           6 + type_len + 1;
}

static char *put(char *o, const char *s, size_t n)
{
    memcpy(o, s, n);
    return o + n;
}

static char *put_b64(char *o, const uint8_t *in, size_t n)
{
    cv_b64_encode(o, in, n, true);
    return o + cv_b64_enc_len(n, true);
}

/* The ciphertext comes in steps of SEAL_STEP bytes, a multiple of 3 (so
 * the base64 of the steps, joined, is that of the whole), each encoded as
 * soon as it is made: a value of any size needs no buffer for all of its
 * ciphertext (for a MiB, a MiB of fresh pages to fault in). */
#define SEAL_STEP (3u * 4096u)

/* Writes the ENC text of plain (enc_len bytes) at dst:
 * ENC[AES256_GCM,data:<ct>,iv:<iv>,tag:<tag>,type:<type>]. */
static cv_result seal_text(cv_aes_gcm *key, cv_slice aad, cv_slice plain, const char *type,
                           const uint8_t *iv, char *dst)
{
    uint8_t tag[CV_SOPS_TAG_LEN], ct[SEAL_STEP];
    char *o = put(dst, ENC_PREFIX, sizeof(ENC_PREFIX) - 1);
    CV_GUARD(cv_aes_gcm_seal_begin(key, iv, CV_SOPS_IV_LEN, aad.p, aad.len));
    for (size_t at = 0; at < plain.len;) {
        size_t n = plain.len - at < SEAL_STEP ? plain.len - at : SEAL_STEP;
        CV_GUARD(cv_aes_gcm_seal_update(key, ct, plain.p + at, n));
        o = put_b64(o, ct, n);
        at += n;
    }
    CV_GUARD(cv_aes_gcm_seal_end(key, tag));
    o = put(o, ",iv:", 4);
    o = put_b64(o, iv, CV_SOPS_IV_LEN);
    o = put(o, ",tag:", 5);
    o = put_b64(o, tag, CV_SOPS_TAG_LEN);
    o = put(o, ",type:", 6);
    o = put(o, type, strlen(type));
    *o = ']';
    return cv_ok();
}

cv_result cv_sops_value_enc_len(const cv_node *n, size_t *len)
{
    char num[CV_NUM_TEXT_MAX];
    cv_slice plain;
    const char *type;
    *len = 0;
    CV_GUARD(cv_sops_value_bytes(n, num, &plain, &type));
    cv_wipe(num, sizeof(num));
    bool empty = (n->kind == CV_NODE_STR || n->kind == CV_NODE_COMMENT) && plain.len == 0;
    if (!empty) *len = enc_len(plain.len, strlen(type));
    return cv_ok();
}

/* The IV for n: the one the stash kept for the same value at the same
 * place, or a fresh one. */
static void value_iv(const cv_sops_stash *stash, cv_slice aad, const char *type, cv_slice plain,
                     bool inline_comment, uint8_t iv[CV_SOPS_IV_LEN])
{
    const entry *e = NULL;
    if (stash) {
        uint8_t dg[CV_SHA256_LEN];
        stash_digest(aad, type, plain, inline_comment, dg);
        e = stash_find(stash, dg);
    }
    if (e) memcpy(iv, e->iv, CV_SOPS_IV_LEN);
    else cv_random_nonce(iv, CV_SOPS_IV_LEN);
}

cv_result cv_sops_value_seal_into(const cv_node *n, cv_aes_gcm *key, cv_slice aad,
                                  const cv_sops_stash *stash, char *dst, size_t len)
{
    char num[CV_NUM_TEXT_MAX];
    cv_slice plain;
    const char *type;
    CV_GUARD(cv_sops_value_bytes(n, num, &plain, &type));
    CV_BUG_ON(len != enc_len(plain.len, strlen(type)));
    uint8_t iv[CV_SOPS_IV_LEN];
    value_iv(stash, aad, type, plain, n->inline_comment, iv);
    cv_result r = seal_text(key, aad, plain, type, iv, dst);
    cv_wipe(num, sizeof(num)); /* a number's plaintext digits */
    return r;
}

cv_result cv_sops_value_seal(const cv_node *n, cv_aes_gcm *key, cv_slice aad,
                             const cv_sops_stash *stash, cv_buf *text, bool *empty)
{
    size_t len;
    CV_GUARD(cv_sops_value_enc_len(n, &len));
    *empty = len == 0;
    if (*empty) return cv_ok();
    CV_GUARD(cv_buf_reserve(text, len));
    CV_GUARD(cv_sops_value_seal_into(n, key, aad, stash, (char *)text->p + text->len, len));
    text->len += len;
    return cv_ok();
}

cv_result cv_sops_value_sealed(cv_doc *d, cv_node *n, cv_slice text)
{
    return cv_node_set_text(d, n, n->kind == CV_NODE_COMMENT ? CV_NODE_COMMENT : CV_NODE_STR,
                            text.p, text.len);
}

cv_result cv_sops_value_encrypt(cv_doc *d, cv_node *n, cv_aes_gcm *key, cv_slice aad,
                                cv_sops_stash *stash)
{
    cv_buf text;
    bool empty;
    cv_buf_init(&text, CV_DOC_MAX_INPUT * 2);
    cv_result r = cv_sops_value_seal(n, key, aad, stash, &text, &empty);
    if (cv_is_ok(r) && !empty) r = cv_sops_value_sealed(d, n, cv_buf_slice(&text));
    cv_buf_release(&text);
    return r;
}

/* ---- decrypt ------------------------------------------------------------------ */

/* A str or bytes plaintext becomes n's text: written over n's own ENC text
 * when the caller lets it go (always longer than its plaintext), so a large
 * value takes no second arena block of its size. */
static cv_result plain_text(cv_doc *d, cv_node *n, cv_slice plain, bool reuse)
{
    if (!reuse || n->s == NULL || plain.len > n->len)
        return cv_node_set_text(d, n, CV_NODE_STR, plain.p, plain.len);
    if (plain.p != (const uint8_t *)n->s) memcpy(n->s, plain.p, plain.len);
    n->s[plain.len] = '\0';
    n->kind = CV_NODE_STR;
    n->len = plain.len;
    return cv_ok();
}

/* Turn decrypted bytes into the typed node, as sops's Decrypt does. */
static cv_result typed(cv_doc *d, cv_node *n, cv_slice type, cv_slice plain, bool reuse)
{
    if (cv_slice_eq_str(type, "str") || cv_slice_eq_str(type, "bytes"))
        return plain_text(d, n, plain, reuse);
    if (cv_slice_eq_str(type, "comment")) {
        n->inline_comment = false;
        return cv_node_set_text(d, n, CV_NODE_COMMENT, plain.p, plain.len);
    }
    if (cv_slice_eq_str(type, "int")) {
        CV_ENSUREF(cv_is_ok(cv_go_parse_int(plain, &n->v.i)), CV_E_SOPS_ENC,
                   "invalid int value");
        n->kind = CV_NODE_INT;
        return cv_ok();
    }
    if (cv_slice_eq_str(type, "float")) {
        CV_ENSUREF(cv_is_ok(cv_go_parse_float(plain, &n->v.f)), CV_E_SOPS_ENC,
                   "invalid float value");
        n->kind = CV_NODE_FLOAT;
        return cv_ok();
    }
    if (cv_slice_eq_str(type, "bool")) {
        CV_ENSUREF(cv_is_ok(cv_go_parse_bool(plain, &n->v.b)), CV_E_SOPS_ENC,
                   "invalid bool value");
        n->kind = CV_NODE_BOOL;
        return cv_ok();
    }
    if (cv_slice_eq_str(type, "time")) {
        cv_gotime t;
        char txt[CV_GOTIME_TEXT_MAX];
        CV_ENSUREF(cv_is_ok(cv_gotime_parse_rfc3339(plain, &t)), CV_E_SOPS_ENC,
                   "invalid time value");
        return cv_node_set_text(d, n, CV_NODE_TIME, txt, cv_gotime_format(&t, true, txt));
    }
    CV_BAILF(CV_E_SOPS_ENC, "Unknown datatype: %.*s", (int)(type.len > 32 ? 32 : type.len),
             (const char *)type.p);
}

static size_t b64_room(cv_slice text) { return text.len / 4 * 3 + 4; }

/* sops's parse: data, then iv, then tag, each Go's DecodeString, into
 * places with b64_room of their text. */
static cv_result decode_parts(const cv_sops_enc *e, uint8_t *data, size_t *data_len, uint8_t *iv,
                              size_t *iv_len, uint8_t *tag, size_t *tag_len)
{
    CV_ENSUREF(cv_is_ok(cv_sops_b64_decode(e->data, data, data_len)), CV_E_SOPS_ENC,
               "Error base64-decoding data: %s", cv_err_detail());
    CV_ENSUREF(cv_is_ok(cv_sops_b64_decode(e->iv, iv, iv_len)), CV_E_SOPS_ENC,
               "Error base64-decoding iv: %s", cv_err_detail());
    CV_ENSUREF(cv_is_ok(cv_sops_b64_decode(e->tag, tag, tag_len)), CV_E_SOPS_ENC,
               "Error base64-decoding tag: %s", cv_err_detail());
    return cv_ok();
}

/* At p (room for all three): the IV, then the ciphertext, decrypted where
 * it lies (no second copy of a large value), then the tag. */
static cv_result open_at(const cv_sops_enc *e, cv_aes_gcm *key, cv_slice aad, uint8_t *p,
                         cv_sops_opened *o)
{
    uint8_t *iv = p, *data = p + o->gap, *tag = data + b64_room(e->data);
    size_t tag_len;
    CV_GUARD(decode_parts(e, data, &o->len, iv, &o->iv_len, tag, &tag_len));
    CV_ENSUREF(o->iv_len > 0, CV_E_SOPS_DECRYPT, "cipher: the nonce can't have zero length");
    /* Go opens data||tag, whose last 16 bytes are the tag: any other tag
     * length fails to authenticate. */
    CV_ENSUREF(tag_len == CV_SOPS_TAG_LEN, CV_E_SOPS_DECRYPT, AUTH_FAILED);
    cv_result res = cv_aes_gcm_open_with(key, data, iv, o->iv_len, data, o->len, tag, aad.p,
                                         aad.len);
    CV_ENSUREF(cv_is_ok(res), CV_E_SOPS_DECRYPT, AUTH_FAILED);
    return cv_ok();
}

cv_result cv_sops_value_open(const cv_node *n, cv_aes_gcm *key, cv_slice aad, cv_buf *out,
                             cv_sops_opened *o)
{
    CV_BUG_ON(n->kind != CV_NODE_STR && n->kind != CV_NODE_COMMENT);
    *o = (cv_sops_opened){ .off = out->len, .empty = n->len == 0 };
    if (o->empty) return cv_ok();
    cv_sops_enc e;
    CV_ENSUREF(cv_is_ok(cv_sops_enc_parse(cv_slice_of(n->s, n->len), &e)), CV_E_SOPS_ENC,
               "Input string does not match sops' data format");
    o->type = e.type;
    o->gap = b64_room(e.iv);
    size_t room = o->gap + b64_room(e.data) + b64_room(e.tag);
    CV_GUARD(cv_buf_reserve(out, room));
    cv_result res = open_at(&e, key, aad, out->p + out->len, o);
    if (cv_is_ok(res)) out->len += room;
    else cv_wipe(out->p + out->len, room);
    return res;
}

/* The IV and tag of e, to the stack, if they are of a usual size and decode;
 * false leaves everything to _open. */
static bool small_parts(const cv_sops_enc *e, uint8_t *iv, size_t iv_cap, size_t *iv_len,
                        uint8_t *tag, size_t tag_cap)
{
    size_t tag_len;
    if (b64_room(e->iv) > iv_cap || b64_room(e->tag) > tag_cap) return false;
    return cv_is_ok(cv_sops_b64_decode(e->iv, iv, iv_len)) && *iv_len > 0 &&
           cv_is_ok(cv_sops_b64_decode(e->tag, tag, &tag_len)) && tag_len == CV_SOPS_TAG_LEN;
}

/* The plaintext of a str or bytes value is its MAC input as it is. */
static bool mac_input_is_plain(cv_slice type)
{
    return (type.len == 3 && memcmp(type.p, "str", 3) == 0) ||
           (type.len == 5 && memcmp(type.p, "bytes", 5) == 0);
}

/* The data of e decoded over itself at data and decrypted there, a step
 * at a time, each step fed as soon as it is plaintext. The base64 is taken
 * in whole groups of alphabet bytes (cv_b64_decode_prefix); the first step
 * that stops short hands the rest (padding, line breaks, errors) to
 * b64_tail, so decoding gives what cv_sops_b64_decode gives, errors
 * included. A failure wipes what was decrypted, once the feed let go. */
static cv_result open_fed(const cv_sops_enc *e, cv_aes_gcm *key, uint8_t *data, size_t *len,
                          const cv_sops_feed *feed)
{
    const size_t in_step = CV_SOPS_FEED_STEP / 3 * 4;
    cv_slice in = e->data;
    size_t si = 0, n = 0;
    bool bulk = true, decoded = true, opened = true;
    while (bulk && decoded && opened) {
        size_t want = in.len - si < in_step ? in.len - si : in_step;
        size_t used = cv_b64_decode_prefix(data + n, in.p + si, want), step = used / 4 * 3;
        si += used;
        bulk = used == want && si < in.len;
        if (!bulk) {
            size_t end;
            decoded = cv_is_ok(b64_tail(in, si, data, si / 4 * 3, &end));
            if (!decoded) break;
            step = end - n;
        }
        opened = cv_is_ok(cv_aes_gcm_open_update(key, data + n, data + n, step));
        if (!opened) break;
        n += step;
        feed->ready(feed->ctx, n);
    }
    bool all = decoded && opened;
    feed->done(feed->ctx, all);
    cv_result r = cv_ok();
    if (!decoded) r = CV_FAILF(CV_E_SOPS_ENC, "Error base64-decoding data: %s", cv_err_detail());
    else if (!all || !cv_is_ok(cv_aes_gcm_open_end(key))) r = CV_FAILF(CV_E_SOPS_DECRYPT, AUTH_FAILED);
    if (!cv_is_ok(r)) cv_wipe(data, n);
    *len = n;
    return r;
}

static cv_result open_here(cv_node *n, cv_aes_gcm *key, cv_slice aad, cv_sops_opened *o,
                           bool *taken, const cv_sops_feed *feed)
{
    *taken = false;
    *o = (cv_sops_opened){ .empty = n->len == 0 };
    cv_sops_enc e;
    uint8_t iv[2 * CV_SOPS_IV_LEN + 4], tag[CV_SOPS_TAG_LEN + 8];
    if (o->empty || n->kind != CV_NODE_STR ||
        !cv_is_ok(cv_sops_enc_parse(cv_slice_of(n->s, n->len), &e)) ||
        !small_parts(&e, iv, sizeof(iv), &o->iv_len, tag, sizeof(tag)))
        return cv_ok();
    *taken = true;
    /* Decoding runs forward and writes 3 bytes for every 4 it has read, so
     * from the text's start it never overtakes the data it still reads (20
     * bytes ahead, "ENC[AES256_GCM,data:"); the IV, tag and type words
     * after the data stay as they are. */
    uint8_t *data = (uint8_t *)n->s;
    if (feed && mac_input_is_plain(e.type)) {
        CV_ENSUREF(cv_is_ok(cv_aes_gcm_open_begin(key, iv, o->iv_len, tag, aad.p, aad.len)),
                   CV_E_SOPS_DECRYPT, AUTH_FAILED);
        CV_GUARD(open_fed(&e, key, data, &o->len, feed));
    } else {
        CV_ENSUREF(cv_is_ok(cv_sops_b64_decode(e.data, data, &o->len)), CV_E_SOPS_ENC,
                   "Error base64-decoding data: %s", cv_err_detail());
        cv_result res = cv_aes_gcm_open_with(key, data, iv, o->iv_len, data, o->len, tag, aad.p,
                                             aad.len);
        CV_ENSUREF(cv_is_ok(res), CV_E_SOPS_DECRYPT, AUTH_FAILED);
    }
    o->type = e.type;
    o->in_place = true;
    return cv_ok();
}

cv_result cv_sops_value_open_here(cv_node *n, cv_aes_gcm *key, cv_slice aad, cv_sops_opened *o,
                                  bool *taken)
{
    return open_here(n, key, aad, o, taken, NULL);
}

cv_result cv_sops_value_open_here_fed(cv_node *n, cv_aes_gcm *key, cv_slice aad,
                                      cv_sops_opened *o, bool *taken, const cv_sops_feed *feed)
{
    return open_here(n, key, aad, o, taken, feed);
}

static cv_result remember_iv(cv_doc *d, cv_sops_stash *stash, const cv_node *n, cv_slice aad,
                             cv_slice iv)
{
    char num[CV_NUM_TEXT_MAX];
    cv_slice plain;
    const char *type;
    uint8_t dg[CV_SHA256_LEN];
    CV_GUARD(cv_sops_value_bytes(n, num, &plain, &type));
    stash_digest(aad, type, plain, false, dg);
    cv_wipe(num, sizeof(num));
    return stash_put(d, stash, dg, iv);
}

cv_result cv_sops_value_settle(cv_doc *d, cv_node *n, const cv_sops_opened *o,
                               const uint8_t *base, cv_slice aad, cv_sops_stash *stash,
                               bool reuse_text)
{
    if (o->empty) {
        n->kind = n->kind == CV_NODE_COMMENT ? CV_NODE_COMMENT : CV_NODE_STR;
        return cv_ok();
    }
    CV_BUG_ON(o->in_place && stash != NULL);
    const uint8_t *iv = o->in_place ? NULL : base + o->off;
    const uint8_t *plain = o->in_place ? (const uint8_t *)n->s : iv + o->gap;
    CV_GUARD(typed(d, n, o->type, cv_slice_of(plain, o->len), reuse_text || o->in_place));
    if (stash) CV_GUARD(remember_iv(d, stash, n, aad, cv_slice_of(iv, o->iv_len)));
    return cv_ok();
}

cv_result cv_sops_value_decrypt(cv_doc *d, cv_node *n, cv_aes_gcm *key, cv_slice aad,
                                cv_sops_stash *stash)
{
    cv_buf out;
    cv_sops_opened o;
    cv_buf_init_secret(&out, CV_DOC_MAX_INPUT * 2);
    cv_result r = cv_sops_value_open(n, key, aad, &out, &o);
    if (cv_is_ok(r)) r = cv_sops_value_settle(d, n, &o, out.p, aad, stash, false);
    cv_buf_release(&out);
    return r;
}
