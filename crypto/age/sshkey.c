#include "crypto/age/sshkey.h"

#include <stdlib.h>
#include <string.h>

#include "crypto/base/enc.h"
#include "crypto/base/limits.h"
#include "crypto/prim/bcrypt_pbkdf.h"
#include "crypto/prim/cipher.h"
#include "crypto/prim/hash.h"

#define OPENSSH_MAGIC "openssh-key-v1"
#define WIRE_MAX (CV_SSH_MAX_KEYFILE)

void cv_ssh_key_init(cv_ssh_key *k) { memset(k, 0, sizeof(*k)); }

void cv_ssh_key_clear(cv_ssh_key *k)
{
    if (k == NULL) return;
    free(k->wire);
    cv_rsa_free(&k->rsa);
    cv_secret_free(&k->ed_seed);
    cv_ssh_key_init(k);
}

const char *cv_ssh_type_name(cv_ssh_type t)
{
    return t == CV_SSH_ED25519 ? CV_SSH_ED25519_NAME : t == CV_SSH_RSA ? CV_SSH_RSA_NAME : "";
}

void cv_ssh_key_tag(const cv_ssh_key *k, char tag[CV_SSH_TAG_LEN + 1])
{
    uint8_t h[CV_SHA256_LEN];
    cv_sha256(h, k->wire, k->wire_len);
    cv_b64_encode(tag, h, 4, false);
    tag[CV_SSH_TAG_LEN] = '\0';
}

bool cv_ssh_key_public_eq(const cv_ssh_key *a, const cv_ssh_key *b)
{
    return a->type == b->type && cv_slice_eq(cv_slice_of(a->wire, a->wire_len),
                                             cv_slice_of(b->wire, b->wire_len));
}

size_t cv_ssh_key_rsa_bits(const cv_ssh_key *k)
{
    return k->type == CV_SSH_RSA && k->rsa ? cv_rsa_bits(k->rsa) : 0;
}

/* --- SSH wire format (RFC 4251 section 5) --- */

static cv_result wire_string(cv_reader *r, cv_slice *out)
{
    uint32_t n = 0;
    CV_ENSUREF(cv_is_ok(cv_reader_be32(r, &n)), CV_E_SSH_KEY, "truncated SSH string");
    CV_ENSUREF(cv_is_ok(cv_reader_bytes(r, n, out)), CV_E_SSH_KEY, "truncated SSH string");
    return cv_ok();
}

static cv_result wire_u32(cv_reader *r, uint32_t *out)
{
    CV_ENSUREF(cv_is_ok(cv_reader_be32(r, out)), CV_E_SSH_KEY, "truncated SSH integer");
    return cv_ok();
}

/* An mpint as its magnitude without leading zeros. Negative values are
 * never valid in a key. */
static cv_result wire_mpint(cv_reader *r, cv_slice *mag)
{
    CV_GUARD(wire_string(r, mag));
    CV_ENSUREF(mag->len == 0 || (mag->p[0] & 0x80) == 0, CV_E_SSH_KEY, "negative mpint in key");
    while (mag->len > 0 && mag->p[0] == 0) {
        mag->p++;
        mag->len--;
    }
    return cv_ok();
}

static cv_result put_u32(cv_buf *b, size_t v)
{
    uint8_t be[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v };
    return cv_buf_add(b, be, sizeof(be));
}

static cv_result put_string(cv_buf *b, const void *p, size_t n)
{
    CV_GUARD(put_u32(b, n));
    return cv_buf_add(b, p, n);
}

/* Minimal mpint: a zero byte in front when the top bit is set. */
static cv_result put_mpint(cv_buf *b, cv_slice mag)
{
    bool pad = mag.len > 0 && (mag.p[0] & 0x80);
    CV_GUARD(put_u32(b, mag.len + (pad ? 1 : 0)));
    if (pad) CV_GUARD(cv_buf_add_byte(b, 0));
    return cv_buf_add(b, mag.p, mag.len);
}

static void key_take_wire(cv_ssh_key *k, cv_buf *b)
{
    free(k->wire);
    k->wire = cv_buf_take(b, &k->wire_len);
}

static cv_result key_set_ed25519(cv_ssh_key *k, const uint8_t pub[32])
{
    cv_buf b;
    cv_buf_init(&b, WIRE_MAX);
    cv_result r = put_string(&b, CV_SSH_ED25519_NAME, strlen(CV_SSH_ED25519_NAME));
    if (cv_is_ok(r)) r = put_string(&b, pub, 32);
    if (!cv_is_ok(r)) {
        cv_buf_release(&b);
        return r;
    }
    key_take_wire(k, &b);
    memcpy(k->ed_pub, pub, 32);
    k->type = CV_SSH_ED25519;
    return cv_ok();
}

static size_t mag_bits(cv_slice mag)
{
    if (mag.len == 0) return 0;
    size_t bits = (mag.len - 1) * 8;
    for (uint8_t top = mag.p[0]; top; top >>= 1) bits++;
    return bits;
}

/* x/crypto/ssh accepts public exponents of at most 24 bits, odd, >= 3. */
static cv_result check_rsa_public(cv_slice e, cv_slice n)
{
    CV_ENSUREF(mag_bits(e) <= 24, CV_E_SSH_KEY, "RSA exponent too large");
    CV_ENSUREF(e.len > 0 && (e.p[e.len - 1] & 1) && mag_bits(e) >= 2, CV_E_SSH_KEY,
               "incorrect RSA exponent");
    CV_ENSUREF(mag_bits(n) <= CV_SSH_MAX_RSA_BITS, CV_E_TOO_LARGE,
               "RSA key larger than %u bits", CV_SSH_MAX_RSA_BITS);
    return cv_ok();
}

static cv_result rsa_wire(cv_ssh_key *k, cv_slice e, cv_slice n)
{
    cv_buf b;
    cv_buf_init(&b, WIRE_MAX);
    cv_result r = put_string(&b, CV_SSH_RSA_NAME, strlen(CV_SSH_RSA_NAME));
    if (cv_is_ok(r)) r = put_mpint(&b, e);
    if (cv_is_ok(r)) r = put_mpint(&b, n);
    if (!cv_is_ok(r)) {
        cv_buf_release(&b);
        return r;
    }
    key_take_wire(k, &b);
    k->type = CV_SSH_RSA;
    return cv_ok();
}

static cv_result key_set_rsa_public(cv_ssh_key *k, cv_slice e, cv_slice n)
{
    CV_GUARD(check_rsa_public(e, n));
    CV_ENSUREF(n.len > 0, CV_E_SSH_KEY, "RSA modulus is zero");
    CV_GUARD(cv_rsa_from_public(&k->rsa, n.p, n.len, e.p, e.len));
    return rsa_wire(k, e, n);
}

static cv_result parse_wire_body(cv_reader *r, cv_slice type, cv_ssh_key *out)
{
    if (cv_slice_eq_str(type, CV_SSH_ED25519_NAME)) {
        cv_slice pub;
        CV_GUARD(wire_string(r, &pub));
        CV_ENSUREF(pub.len == 32, CV_E_SSH_KEY, "invalid size %zu for Ed25519 public key",
                   pub.len);
        CV_ENSUREF(cv_reader_eof(r), CV_E_SSH_KEY, "trailing junk in public key");
        return key_set_ed25519(out, pub.p);
    }
    if (cv_slice_eq_str(type, CV_SSH_RSA_NAME)) {
        cv_slice e, n;
        CV_GUARD(wire_mpint(r, &e));
        CV_GUARD(wire_mpint(r, &n));
        CV_ENSUREF(cv_reader_eof(r), CV_E_SSH_KEY, "trailing junk in public key");
        return key_set_rsa_public(out, e, n);
    }
    CV_BAILF(CV_E_SSH_UNSUPPORTED, "SSH key type %.*s", (int)(type.len > 64 ? 64 : type.len),
             (const char *)type.p);
}

cv_result cv_ssh_pubkey_parse_wire(cv_slice blob, cv_ssh_key *out)
{
    cv_ssh_key_init(out);
    CV_ENSURE(blob.len <= WIRE_MAX, CV_E_TOO_LARGE);
    cv_reader r = cv_reader_of(blob);
    cv_slice type;
    CV_GUARD(wire_string(&r, &type));
    cv_result res = parse_wire_body(&r, type, out);
    if (!cv_is_ok(res)) cv_ssh_key_clear(out);
    return res;
}

/* --- authorized_keys lines --- */

static bool is_sep(uint8_t c) { return c == ' ' || c == '\t'; }

static size_t find_sep(cv_slice s)
{
    size_t i = 0;
    while (i < s.len && !is_sep(s.p[i])) i++;
    return i;
}

/* Padded standard base64 of a key blob, into a heap buffer. */
static cv_result decode_blob(cv_slice b64, uint8_t **out, size_t *len)
{
    CV_ENSURE(b64.len <= 2 * WIRE_MAX, CV_E_TOO_LARGE);
    CV_GUARD(cv_alloc((void **)out, cv_b64_dec_max(b64.len)));
    cv_result r = cv_b64_decode(*out, len, b64, true);
    if (!cv_is_ok(r)) {
        free(*out);
        *out = NULL;
    }
    return r;
}

/* One line once its first field (the type, ignored) is removed. */
static cv_result parse_key_field(cv_slice rest, cv_ssh_key *out)
{
    rest = cv_slice_trim(rest);
    cv_slice b64 = cv_slice_of(rest.p, find_sep(rest));
    uint8_t *blob = NULL;
    size_t n = 0;
    CV_GUARD(decode_blob(b64, &blob, &n));
    cv_result r = cv_ssh_pubkey_parse_wire(cv_slice_of(blob, n), out);
    free(blob);
    return r;
}

static cv_slice next_line(cv_reader *rd)
{
    cv_slice rest = cv_reader_rest(rd);
    const uint8_t *lf = rest.len ? memchr(rest.p, '\n', rest.len) : NULL;
    size_t n = lf ? (size_t)(lf - rest.p) : rest.len;
    rd->pos += lf ? n + 1 : n;
    cv_slice line = cv_slice_of(rest.p, n);
    const uint8_t *cr = n ? memchr(line.p, '\r', n) : NULL;
    if (cr) line.len = (size_t)(cr - line.p);
    return cv_slice_trim(line);
}

cv_result cv_ssh_pubkey_parse_line(cv_slice in, cv_ssh_key *out)
{
    cv_ssh_key_init(out);
    CV_ENSURE(in.len <= 2 * WIRE_MAX, CV_E_TOO_LARGE);
    cv_reader rd = cv_reader_of(in);
    cv_result last = cv_ok();
    bool tried = false;
    while (!cv_reader_eof(&rd)) {
        cv_slice line = next_line(&rd);
        if (line.len == 0 || line.p[0] == '#') continue;
        size_t i = find_sep(line);
        if (i == line.len) continue;
        last = parse_key_field(cv_slice_of(line.p + i, line.len - i), out);
        tried = true;
        if (cv_is_ok(last) || cv_is(last, CV_E_SSH_UNSUPPORTED)) return last;
    }
    CV_ENSUREF(tried, CV_E_SSH_KEY, "no SSH public key found");
    if (cv_is(last, CV_E_BASE64)) last = CV_FAILF(CV_E_SSH_KEY, "invalid base64 in public key");
    return last;
}

bool cv_ssh_line_key_type(cv_slice line, cv_slice *type)
{
    const uint8_t *sp = line.len ? memchr(line.p, ' ', line.len) : NULL;
    if (sp == NULL) return false;
    cv_slice first = cv_slice_of(line.p, (size_t)(sp - line.p));
    cv_slice second = cv_slice_of(sp + 1, line.len - first.len - 1);
    const uint8_t *sp2 = second.len ? memchr(second.p, ' ', second.len) : NULL;
    if (sp2) second.len = (size_t)(sp2 - second.p);
    uint8_t *blob = NULL;
    size_t n = 0;
    if (!cv_is_ok(decode_blob(second, &blob, &n))) return false;
    cv_reader r = cv_reader_of(cv_slice_of(blob, n));
    uint32_t tl = 0;
    cv_slice t = { NULL, 0 };
    bool ok = cv_is_ok(cv_reader_be32(&r, &tl)) && cv_is_ok(cv_reader_bytes(&r, tl, &t)) &&
              cv_slice_eq(t, first);
    free(blob);
    if (ok) *type = first;
    return ok;
}

/* --- PEM (RFC 7468, read as leniently as Go's encoding/pem) --- */

typedef struct {
    cv_slice type;  /* the label */
    cv_slice block; /* BEGIN line through END line, for OpenSSL */
    cv_slice body;  /* base64 lines */
    bool encrypted; /* a Proc-Type header says ENCRYPTED (RFC 1421) */
} pem_block;

static cv_slice trim_right(cv_slice s)
{
    while (s.len && (s.p[s.len - 1] == ' ' || s.p[s.len - 1] == '\t' || s.p[s.len - 1] == '\r'))
        s.len--;
    return s;
}

static cv_slice raw_line(cv_reader *r)
{
    cv_slice rest = cv_reader_rest(r);
    const uint8_t *lf = rest.len ? memchr(rest.p, '\n', rest.len) : NULL;
    size_t n = lf ? (size_t)(lf - rest.p) : rest.len;
    r->pos += lf ? n + 1 : n;
    return trim_right(cv_slice_of(rest.p, n));
}

/* "-----BEGIN TYPE-----" (or END): the label, or false. */
static bool pem_marker(cv_slice line, const char *what, cv_slice *type)
{
    size_t n = strlen(what);
    if (line.len < n + 5 || memcmp(line.p, what, n) != 0) return false;
    if (memcmp(line.p + line.len - 5, "-----", 5) != 0) return false;
    *type = cv_slice_of(line.p + n, line.len - n - 5);
    return true;
}

static bool slice_contains(cv_slice s, const char *needle)
{
    size_t n = strlen(needle);
    for (size_t i = 0; i + n <= s.len; i++)
        if (memcmp(s.p + i, needle, n) == 0) return true;
    return false;
}

/* RFC 1421 headers right after the BEGIN line; leaves r at the body. */
static void pem_headers(cv_reader *r, pem_block *pb)
{
    for (;;) {
        size_t at = r->pos;
        cv_slice line = raw_line(r);
        const uint8_t *colon = line.len ? memchr(line.p, ':', line.len) : NULL;
        if (colon == NULL) {
            r->pos = at;
            return;
        }
        cv_slice key = cv_slice_trim(cv_slice_of(line.p, (size_t)(colon - line.p)));
        cv_slice val = cv_slice_of(colon + 1, line.len - key.len - 1);
        if (cv_slice_eq_str(key, "Proc-Type") && slice_contains(val, "ENCRYPTED"))
            pb->encrypted = true;
    }
}

static cv_result pem_find(cv_slice in, pem_block *pb)
{
    cv_reader r = cv_reader_of(in);
    size_t start = 0;
    memset(pb, 0, sizeof(*pb));
    for (;;) {
        CV_ENSUREF(!cv_reader_eof(&r), CV_E_SSH_KEY, "no PEM block found");
        start = r.pos;
        if (pem_marker(raw_line(&r), "-----BEGIN ", &pb->type)) break;
    }
    pem_headers(&r, pb);
    size_t body = r.pos;
    while (!cv_reader_eof(&r)) {
        size_t at = r.pos;
        cv_slice line = raw_line(&r), end;
        if (!cv_slice_starts_with(line, "-----END ")) continue;
        CV_ENSUREF(pem_marker(line, "-----END ", &end) && cv_slice_eq(end, pb->type),
                   CV_E_SSH_KEY, "PEM END line does not match BEGIN");
        pb->body = cv_slice_of(in.p + body, at - body);
        pb->block = cv_slice_of(in.p + start, r.pos - start);
        return cv_ok();
    }
    CV_BAILF(CV_E_SSH_KEY, "missing PEM END line");
}

/* The body's base64 (line breaks, spaces and tabs ignored, as Go does) into
 * secret memory: for a private key both text and bytes are secret. */
static cv_result pem_decode_body(const pem_block *pb, cv_secret **der, size_t *len)
{
    cv_secret *text = NULL;
    CV_GUARD(cv_secret_new(&text, pb->body.len + 1));
    size_t n = 0;
    for (size_t i = 0; i < pb->body.len; i++) {
        uint8_t c = pb->body.p[i];
        if (c != ' ' && c != '\t' && c != '\r' && c != '\n') text->data[n++] = c;
    }
    cv_result r = cv_secret_new(der, cv_b64_dec_max(n));
    if (cv_is_ok(r)) r = cv_b64_decode((*der)->data, len, cv_slice_of(text->data, n), true);
    cv_secret_free(&text);
    if (!cv_is_ok(r)) {
        cv_secret_free(der);
        CV_BAILF(CV_E_SSH_KEY, "invalid base64 in PEM block");
    }
    return cv_ok();
}

/* --- private keys --- */

static cv_result ed_private(cv_ssh_key *k, const uint8_t seed[32])
{
    uint8_t pub[32];
    cv_ed25519_seed_to_pk(pub, seed);
    CV_GUARD(key_set_ed25519(k, pub));
    CV_GUARD(cv_secret_dup(&k->ed_seed, seed, 32));
    k->has_private = true;
    return cv_ok();
}

/* An RSA key pair loaded from PEM: check it, and build the public blob. */
static cv_result rsa_private_pkey(cv_ssh_key *k, cv_rsa *rsa)
{
    k->rsa = rsa;
    size_t cap = cv_rsa_size(rsa), n_len = 0, e_len = 0;
    CV_ENSUREF(cap > 0 && cap <= CV_SSH_MAX_RSA_BITS / 8, CV_E_TOO_LARGE,
               "RSA key larger than %u bits", CV_SSH_MAX_RSA_BITS);
    uint8_t *n = NULL, *e = NULL;
    cv_result r = cv_alloc((void **)&n, cap);
    if (cv_is_ok(r)) r = cv_alloc((void **)&e, cap);
    if (cv_is_ok(r)) r = cv_rsa_public(rsa, n, &n_len, e, &e_len);
    if (cv_is_ok(r)) r = check_rsa_public(cv_slice_of(e, e_len), cv_slice_of(n, n_len));
    if (cv_is_ok(r)) r = cv_rsa_check_pair(rsa);
    if (cv_is_ok(r)) r = rsa_wire(k, cv_slice_of(e, e_len), cv_slice_of(n, n_len));
    free(n);
    free(e);
    if (cv_is_ok(r)) k->has_private = true;
    return r;
}

static cv_result check_padding(cv_reader *r)
{
    cv_slice pad = cv_reader_rest(r);
    for (size_t i = 0; i < pad.len; i++)
        CV_ENSUREF(pad.p[i] == (uint8_t)(i + 1) && i < 255, CV_E_SSH_KEY,
                   "padding not as expected");
    return cv_ok();
}

static cv_result openssh_ed25519(cv_reader *r, cv_ssh_key *out)
{
    cv_slice pub, priv, comment;
    CV_GUARD(wire_string(r, &pub));
    CV_GUARD(wire_string(r, &priv));
    CV_GUARD(wire_string(r, &comment));
    CV_ENSUREF(priv.len == 64, CV_E_SSH_KEY, "private key unexpected length");
    CV_GUARD(check_padding(r));
    CV_GUARD(ed_private(out, priv.p));
    /* The second half is the public key; a mismatch means a damaged key. */
    CV_ENSUREF(cv_ct_eq(out->ed_pub, priv.p + 32, 32), CV_E_SSH_KEY,
               "Ed25519 private key does not match its public half");
    return cv_ok();
}

static cv_result openssh_rsa(cv_reader *r, cv_ssh_key *out)
{
    cv_slice n, e, d, iqmp, p, q, comment;
    CV_GUARD(wire_mpint(r, &n));
    CV_GUARD(wire_mpint(r, &e));
    CV_GUARD(wire_mpint(r, &d));
    CV_GUARD(wire_mpint(r, &iqmp)); /* recomputed from p and q */
    CV_GUARD(wire_mpint(r, &p));
    CV_GUARD(wire_mpint(r, &q));
    CV_GUARD(wire_string(r, &comment));
    CV_GUARD(check_padding(r));
    CV_GUARD(check_rsa_public(e, n));
    CV_ENSUREF(n.len && d.len && p.len && q.len, CV_E_SSH_KEY, "zero RSA key component");
    CV_GUARD(cv_rsa_from_private(&out->rsa, n.p, n.len, e.p, e.len, d.p, d.len, p.p, p.len, q.p,
                                 q.len));
    CV_GUARD(cv_rsa_check_pair(out->rsa));
    CV_GUARD(rsa_wire(out, e, n));
    out->has_private = true;
    return cv_ok();
}

/* The (decrypted) private section: two equal check words, then one key. */
static cv_result openssh_private(cv_slice block, bool encrypted, cv_ssh_key *out)
{
    cv_reader r = cv_reader_of(block);
    uint32_t c1 = 0, c2 = 0;
    cv_slice type;
    bool ok = cv_is_ok(cv_reader_be32(&r, &c1)) && cv_is_ok(cv_reader_be32(&r, &c2)) && c1 == c2;
    if (!ok && encrypted) CV_BAIL(CV_E_SSH_PASSPHRASE);
    CV_ENSUREF(ok, CV_E_SSH_KEY, "malformed OpenSSH key");
    CV_GUARD(wire_string(&r, &type));
    if (cv_slice_eq_str(type, CV_SSH_ED25519_NAME)) return openssh_ed25519(&r, out);
    if (cv_slice_eq_str(type, CV_SSH_RSA_NAME)) return openssh_rsa(&r, out);
    CV_BAILF(CV_E_SSH_UNSUPPORTED, "unsupported SSH identity type %.*s",
             (int)(type.len > 64 ? 64 : type.len), (const char *)type.p);
}

/* --- openssh-key-v1 (OpenSSH PROTOCOL.key) --- */

typedef struct {
    cv_slice cipher, kdf, kdfopts, pub, priv, tail;
} openssh_file;

typedef enum { MODE_CTR, MODE_CBC, MODE_GCM, MODE_CHACHA } cipher_mode;

typedef struct {
    const char *name;
    cipher_mode mode;
    uint8_t key_len, iv_len, tag_len;
} openssh_cipher;

static const openssh_cipher openssh_ciphers[] = {
    { "aes128-ctr", MODE_CTR, 16, 16, 0 },
    { "aes192-ctr", MODE_CTR, 24, 16, 0 },
    { "aes256-ctr", MODE_CTR, 32, 16, 0 },
    { "aes128-cbc", MODE_CBC, 16, 16, 0 },
    { "aes192-cbc", MODE_CBC, 24, 16, 0 },
    { "aes256-cbc", MODE_CBC, 32, 16, 0 },
    { "aes128-gcm@openssh.com", MODE_GCM, 16, 12, 16 },
    { "aes256-gcm@openssh.com", MODE_GCM, 32, 12, 16 },
    { "chacha20-poly1305@openssh.com", MODE_CHACHA, 64, 0, 16 },
};

static const openssh_cipher *cipher_by_name(cv_slice name)
{
    for (size_t i = 0; i < sizeof(openssh_ciphers) / sizeof(openssh_ciphers[0]); i++)
        if (cv_slice_eq_str(name, openssh_ciphers[i].name)) return &openssh_ciphers[i];
    return NULL;
}

static cv_result openssh_outer(cv_slice der, openssh_file *f)
{
    static const char magic[] = OPENSSH_MAGIC; /* the NUL terminator is part of it */
    cv_reader r = cv_reader_of(der);
    cv_slice m;
    uint32_t nkeys = 0;
    CV_ENSUREF(cv_is_ok(cv_reader_bytes(&r, sizeof(magic), &m)) &&
                   memcmp(m.p, magic, sizeof(magic)) == 0,
               CV_E_SSH_KEY, "invalid openssh private key format");
    CV_GUARD(wire_string(&r, &f->cipher));
    CV_GUARD(wire_string(&r, &f->kdf));
    CV_GUARD(wire_string(&r, &f->kdfopts));
    CV_GUARD(wire_u32(&r, &nkeys));
    CV_ENSUREF(nkeys == 1, CV_E_SSH_KEY, "multi-key files are not supported");
    CV_GUARD(wire_string(&r, &f->pub));
    CV_GUARD(wire_string(&r, &f->priv));
    f->tail = cv_reader_rest(&r); /* ignored, as Go does, unless it is a tag */
    return cv_ok();
}

static cv_result kdf_options(cv_slice opts, cv_slice *salt, uint32_t *rounds)
{
    cv_reader r = cv_reader_of(opts);
    CV_GUARD(wire_string(&r, salt));
    CV_GUARD(wire_u32(&r, rounds));
    CV_ENSUREF(cv_reader_eof(&r), CV_E_SSH_KEY, "trailing data in KDF options");
    CV_ENSUREF(salt->len > 0 && salt->len <= CV_SSH_MAX_KDF_SALT, CV_E_SSH_KEY,
               "invalid bcrypt salt length");
    CV_ENSUREF(*rounds > 0, CV_E_SSH_KEY, "invalid bcrypt rounds");
    CV_ENSUREF(*rounds <= CV_SSH_MAX_KDF_ROUNDS, CV_E_LIMIT,
               "bcrypt rounds %u above the limit of %u", *rounds, CV_SSH_MAX_KDF_ROUNDS);
    return cv_ok();
}

static cv_result run_cipher(const openssh_cipher *c, const uint8_t *kiv, const openssh_file *f,
                            uint8_t *out)
{
    const uint8_t *in = f->priv.p, *key = kiv, *iv = kiv + c->key_len;
    size_t n = f->priv.len;
    cv_result r;
    switch (c->mode) {
    case MODE_CTR:
        return cv_aes_ctr_crypt(out, in, n, key, c->key_len, iv);
    case MODE_CBC:
        CV_ENSUREF(n % CV_AES_BLOCK == 0, CV_E_SSH_KEY,
                   "encrypted private key length is not a multiple of the block size");
        return cv_aes_cbc_decrypt(out, in, n, key, c->key_len, iv);
    case MODE_GCM:
        r = cv_aes_gcm_open_iv12(out, in, n, key, c->key_len, iv, f->tail.p);
        break;
    case MODE_CHACHA:
        r = cv_openssh_chachapoly_open(out, in, n, key, 0, f->tail.p);
        break;
    default:
        CV_BAIL(CV_E_INTERNAL);
    }
    if (cv_is(r, CV_E_DECRYPT)) CV_BAIL(CV_E_SSH_PASSPHRASE);
    return r;
}

static cv_result check_encryption(const openssh_file *f, const openssh_cipher **c)
{
    CV_ENSUREF(cv_slice_eq_str(f->kdf, "bcrypt"), CV_E_SSH_UNSUPPORTED, "unknown KDF %.*s",
               (int)(f->kdf.len > 64 ? 64 : f->kdf.len), (const char *)f->kdf.p);
    *c = cipher_by_name(f->cipher);
    CV_ENSUREF(*c != NULL, CV_E_SSH_UNSUPPORTED, "unknown cipher %.*s",
               (int)(f->cipher.len > 64 ? 64 : f->cipher.len), (const char *)f->cipher.p);
    CV_ENSUREF(f->tail.len >= (*c)->tag_len, CV_E_SSH_KEY, "missing authentication tag");
    return cv_ok();
}

static cv_result openssh_decrypt(const openssh_file *f, const cv_secret *pass, cv_secret **plain)
{
    const openssh_cipher *c = NULL;
    cv_slice salt;
    uint32_t rounds = 0;
    CV_GUARD(check_encryption(f, &c));
    CV_GUARD(kdf_options(f->kdfopts, &salt, &rounds));
    /* bcrypt_pbkdf refuses an empty passphrase, so it cannot be right. */
    CV_ENSURE(pass->len > 0, CV_E_SSH_PASSPHRASE);
    uint8_t kiv[64 + 16];
    size_t kiv_len = (size_t)c->key_len + c->iv_len;
    CV_GUARD(cv_bcrypt_pbkdf(kiv, kiv_len, pass->data, pass->len, salt.p, salt.len, rounds));
    cv_result r = cv_secret_new(plain, f->priv.len ? f->priv.len : 1);
    if (cv_is_ok(r)) r = run_cipher(c, kiv, f, (*plain)->data);
    cv_wipe(kiv, sizeof(kiv));
    if (!cv_is_ok(r)) cv_secret_free(plain);
    return r;
}

static cv_result openssh_encrypted(const openssh_file *f, const cv_secret *pass, cv_ssh_key *out)
{
    if (pass == NULL) return cv_ssh_pubkey_parse_wire(f->pub, out);
    cv_secret *plain = NULL;
    CV_GUARD(openssh_decrypt(f, pass, &plain));
    cv_result r = openssh_private(cv_slice_of(plain->data, f->priv.len), true, out);
    cv_secret_free(&plain);
    return r;
}

static cv_result openssh_parse(const pem_block *pb, const cv_secret *pass, cv_ssh_key *out,
                               bool *encrypted)
{
    cv_secret *der = NULL;
    size_t len = 0;
    openssh_file f;
    memset(&f, 0, sizeof(f));
    CV_GUARD(pem_decode_body(pb, &der, &len));
    cv_result r = openssh_outer(cv_slice_of(der->data, len), &f);
    bool c_none = cv_slice_eq_str(f.cipher, "none"), k_none = cv_slice_eq_str(f.kdf, "none");
    if (cv_is_ok(r) && c_none != k_none)
        r = CV_FAILF(CV_E_SSH_KEY, "cipher and KDF disagree on encryption");
    if (cv_is_ok(r) && c_none && f.kdfopts.len != 0)
        r = CV_FAILF(CV_E_SSH_KEY, "KDF options on an unencrypted key");
    if (cv_is_ok(r) && c_none) r = openssh_private(f.priv, false, out);
    if (cv_is_ok(r) && !c_none) {
        *encrypted = true;
        r = openssh_encrypted(&f, pass, out);
    }
    cv_secret_free(&der);
    return r;
}

/* --- PEM keys through OpenSSL --- */

static cv_result pem_openssl(const pem_block *pb, const cv_secret *pass, cv_ssh_key *out,
                             bool *encrypted)
{
    bool pkcs8_enc = cv_slice_eq_str(pb->type, "ENCRYPTED PRIVATE KEY");
    bool known = pkcs8_enc || cv_slice_eq_str(pb->type, "RSA PRIVATE KEY") ||
                 cv_slice_eq_str(pb->type, "PRIVATE KEY");
    CV_ENSUREF(known, CV_E_SSH_UNSUPPORTED, "unsupported key type %.*s",
               (int)(pb->type.len > 64 ? 64 : pb->type.len), (const char *)pb->type.p);
    *encrypted = pkcs8_enc || pb->encrypted;
    if (*encrypted && pass == NULL) return cv_ok();
    cv_pkey_kind kind = 0;
    cv_rsa *rsa = NULL;
    uint8_t seed[32];
    CV_GUARD(cv_pkey_from_pem(pb->block.p, pb->block.len, *encrypted ? pass->data : NULL,
                              *encrypted ? pass->len : 0, *encrypted, &kind, &rsa, seed));
    cv_result r = kind == CV_PKEY_ED25519 ? ed_private(out, seed) : rsa_private_pkey(out, rsa);
    cv_wipe(seed, sizeof(seed));
    return r;
}

cv_result cv_ssh_private_parse(cv_slice pem, const cv_secret *passphrase, cv_ssh_key *out,
                               bool *encrypted)
{
    cv_ssh_key_init(out);
    *encrypted = false;
    CV_ENSUREF(pem.len < CV_SSH_MAX_KEYFILE, CV_E_TOO_LARGE, "SSH key file too long");
    pem_block pb;
    CV_GUARD(pem_find(pem, &pb));
    cv_result r = cv_slice_eq_str(pb.type, "OPENSSH PRIVATE KEY")
                      ? openssh_parse(&pb, passphrase, out, encrypted)
                      : pem_openssl(&pb, passphrase, out, encrypted);
    if (!cv_is_ok(r)) cv_ssh_key_clear(out);
    return r;
}
