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

/* 0..63 for the alphabet, 64 for '=', 65 for CR/LF (skipped), 255 else. */
static const uint8_t b64_tab[256] = {
    ['A'] = 0,  ['B'] = 1,  ['C'] = 2,  ['D'] = 3,  ['E'] = 4,  ['F'] = 5,  ['G'] = 6,
    ['H'] = 7,  ['I'] = 8,  ['J'] = 9,  ['K'] = 10, ['L'] = 11, ['M'] = 12, ['N'] = 13,
    ['O'] = 14, ['P'] = 15, ['Q'] = 16, ['R'] = 17, ['S'] = 18, ['T'] = 19, ['U'] = 20,
    ['V'] = 21, ['W'] = 22, ['X'] = 23, ['Y'] = 24, ['Z'] = 25, ['a'] = 26, ['b'] = 27,
    ['c'] = 28, ['d'] = 29, ['e'] = 30, ['f'] = 31, ['g'] = 32, ['h'] = 33, ['i'] = 34,
    ['j'] = 35, ['k'] = 36, ['l'] = 37, ['m'] = 38, ['n'] = 39, ['o'] = 40, ['p'] = 41,
    ['q'] = 42, ['r'] = 43, ['s'] = 44, ['t'] = 45, ['u'] = 46, ['v'] = 47, ['w'] = 48,
    ['x'] = 49, ['y'] = 50, ['z'] = 51, ['0'] = 52, ['1'] = 53, ['2'] = 54, ['3'] = 55,
    ['4'] = 56, ['5'] = 57, ['6'] = 58, ['7'] = 59, ['8'] = 60, ['9'] = 61, ['+'] = 62,
    ['/'] = 63, ['='] = 64, ['\r'] = 65, ['\n'] = 65,
};

cv_result cv_sops_b64_decode(cv_slice in, uint8_t *out, size_t *out_len)
{
    uint32_t acc = 0;
    size_t got = 0, n = 0, pad = 0;
    for (size_t i = 0; i < in.len; i++) {
        uint8_t c = in.p[i], v = b64_tab[c];
        if (v == 0 && c != 'A') CV_BAIL(CV_E_BASE64);
        if (v == 65) continue;
        if (v == 64) {
            pad++;
            continue;
        }
        CV_ENSURE(pad == 0, CV_E_BASE64);
        acc = acc << 6 | v;
        if (++got == 4) {
            out[n++] = (uint8_t)(acc >> 16);
            out[n++] = (uint8_t)(acc >> 8);
            out[n++] = (uint8_t)acc;
            acc = 0;
            got = 0;
        }
    }
    CV_ENSURE((got == 0 && pad == 0) || (got == 2 && pad == 2) || (got == 3 && pad == 1),
              CV_E_BASE64);
    if (got == 2) out[n++] = (uint8_t)(acc >> 4);
    if (got == 3) {
        out[n++] = (uint8_t)(acc >> 10);
        out[n++] = (uint8_t)(acc >> 2);
    }
    *out_len = n;
    return cv_ok();
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

static cv_result format_enc(cv_buf *o, cv_slice ct, const uint8_t *iv, const uint8_t *tag,
                            const char *type)
{
    CV_GUARD(cv_buf_add_str(o, ENC_PREFIX));
    CV_GUARD(cv_b64_encode_buf(o, ct.p, ct.len, true));
    CV_GUARD(cv_buf_add_str(o, ",iv:"));
    CV_GUARD(cv_b64_encode_buf(o, iv, CV_SOPS_IV_LEN, true));
    CV_GUARD(cv_buf_add_str(o, ",tag:"));
    CV_GUARD(cv_b64_encode_buf(o, tag, CV_SOPS_TAG_LEN, true));
    return cv_buf_addf(o, ",type:%s]", type);
}

static cv_result seal(cv_doc *d, cv_node *n, cv_node_kind kind, cv_aes_gcm *key,
                      cv_slice aad, cv_slice plain, const char *type, const uint8_t *iv)
{
    cv_result res = cv_ok();
    uint8_t tag[CV_SOPS_TAG_LEN];
    cv_buf ct, o;
    cv_buf_init(&ct, CV_DOC_MAX_INPUT);
    cv_buf_init(&o, CV_DOC_MAX_INPUT * 2);
    CV_GUARD_GOTO(res, cv_buf_reserve(&ct, plain.len + 1), out);
    CV_GUARD_GOTO(res, cv_aes_gcm_seal_with(key, ct.p, tag, iv, CV_SOPS_IV_LEN, plain.p,
                                            plain.len, aad.p, aad.len), out);
    ct.len = plain.len;
    CV_GUARD_GOTO(res, format_enc(&o, cv_buf_slice(&ct), iv, tag, type), out);
    CV_GUARD_GOTO(res, cv_node_set_text(d, n, kind, o.p, o.len), out);
out:
    cv_buf_release(&ct);
    cv_buf_release(&o);
    return res;
}

cv_result cv_sops_value_encrypt(cv_doc *d, cv_node *n, cv_aes_gcm *key, cv_slice aad,
                                cv_sops_stash *stash)
{
    char num[CV_NUM_TEXT_MAX];
    cv_slice plain;
    const char *type;
    CV_GUARD(cv_sops_value_bytes(n, num, &plain, &type));
    bool comment = n->kind == CV_NODE_COMMENT;
    if ((n->kind == CV_NODE_STR || comment) && plain.len == 0) {
        if (!comment) n->kind = CV_NODE_STR;
        return cv_ok();
    }
    uint8_t iv[CV_SOPS_IV_LEN];
    const entry *e = NULL;
    if (stash) {
        uint8_t dg[CV_SHA256_LEN];
        stash_digest(aad, type, plain, n->inline_comment, dg);
        e = stash_find(stash, dg);
    }
    if (e) memcpy(iv, e->iv, sizeof(iv));
    else cv_random(iv, sizeof(iv));
    cv_result r = seal(d, n, comment ? CV_NODE_COMMENT : CV_NODE_STR, key, aad, plain, type, iv);
    cv_wipe(num, sizeof(num)); /* a number's plaintext digits */
    return r;
}

/* ---- decrypt ------------------------------------------------------------------ */

/* Turn decrypted bytes into the typed node, as sops's Decrypt does. */
static cv_result typed(cv_doc *d, cv_node *n, cv_slice type, cv_slice plain)
{
    if (cv_slice_eq_str(type, "str") || cv_slice_eq_str(type, "bytes"))
        return cv_node_set_text(d, n, CV_NODE_STR, plain.p, plain.len);
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

static cv_result decode_parts(const cv_sops_enc *e, cv_buf *ct, uint8_t *iv, size_t *iv_len,
                              uint8_t tag[CV_SOPS_TAG_LEN])
{
    uint8_t tbuf[64];
    size_t tl;
    CV_ENSUREF(e->iv.len <= 4 * 64 / 3, CV_E_SOPS_ENC, "iv too long");
    CV_ENSUREF(cv_is_ok(cv_sops_b64_decode(e->iv, iv, iv_len)) && *iv_len > 0, CV_E_SOPS_ENC,
               "Error base64-decoding iv");
    CV_ENSUREF(e->tag.len <= 4 * 60 / 3 && cv_is_ok(cv_sops_b64_decode(e->tag, tbuf, &tl)),
               CV_E_SOPS_ENC, "Error base64-decoding tag");
    CV_ENSUREF(tl == CV_SOPS_TAG_LEN, CV_E_SOPS_DECRYPT, "Could not decrypt with AES_GCM");
    memcpy(tag, tbuf, CV_SOPS_TAG_LEN);
    CV_GUARD(cv_buf_reserve(ct, e->data.len / 4 * 3 + 4));
    CV_ENSUREF(cv_is_ok(cv_sops_b64_decode(e->data, ct->p, &ct->len)), CV_E_SOPS_ENC,
               "Error base64-decoding data");
    return cv_ok();
}

static cv_result open_value(const cv_sops_enc *e, cv_aes_gcm *key, cv_slice aad, cv_buf *pt,
                            uint8_t *iv, size_t *iv_len)
{
    cv_result res = cv_ok();
    uint8_t tag[CV_SOPS_TAG_LEN];
    cv_buf ct;
    cv_buf_init(&ct, CV_DOC_MAX_INPUT);
    CV_GUARD_GOTO(res, decode_parts(e, &ct, iv, iv_len, tag), out);
    CV_GUARD_GOTO(res, cv_buf_reserve(pt, ct.len + 1), out);
    res = cv_aes_gcm_open_with(key, pt->p, iv, *iv_len, ct.p, ct.len, tag, aad.p, aad.len);
    if (!cv_is_ok(res)) {
        res = CV_FAILF(CV_E_SOPS_DECRYPT, "Could not decrypt with AES_GCM");
        goto out;
    }
    pt->len = ct.len;
out:
    cv_buf_release(&ct);
    return res;
}

cv_result cv_sops_value_decrypt(cv_doc *d, cv_node *n, cv_aes_gcm *key, cv_slice aad,
                                cv_sops_stash *stash)
{
    CV_BUG_ON(n->kind != CV_NODE_STR && n->kind != CV_NODE_COMMENT);
    if (n->len == 0) {
        n->kind = n->kind == CV_NODE_COMMENT ? CV_NODE_COMMENT : CV_NODE_STR;
        return cv_ok();
    }
    cv_sops_enc e;
    CV_ENSUREF(cv_is_ok(cv_sops_enc_parse(cv_slice_of(n->s, n->len), &e)), CV_E_SOPS_ENC,
               "Input string does not match sops' data format");
    cv_result res = cv_ok();
    uint8_t iv[64];
    size_t iv_len = 0;
    cv_buf pt;
    cv_buf_init_secret(&pt, CV_DOC_MAX_INPUT);
    CV_GUARD_GOTO(res, open_value(&e, key, aad, &pt, iv, &iv_len), out);
    CV_GUARD_GOTO(res, typed(d, n, e.type, cv_buf_slice(&pt)), out);
    if (stash) {
        char num[CV_NUM_TEXT_MAX];
        cv_slice plain;
        const char *type;
        uint8_t dg[CV_SHA256_LEN];
        CV_GUARD_GOTO(res, cv_sops_value_bytes(n, num, &plain, &type), out);
        stash_digest(aad, type, plain, false, dg);
        CV_GUARD_GOTO(res, stash_put(d, stash, dg, cv_slice_of(iv, iv_len)), out);
        cv_wipe(num, sizeof(num));
    }
out:
    cv_buf_release(&pt);
    return res;
}
