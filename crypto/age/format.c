#include "crypto/age/format.h"

#include <stdlib.h>
#include <string.h>

#include "crypto/base/enc.h"
#include "crypto/base/limits.h"
#include "crypto/base/mem.h"
#include "crypto/prim/hash.h"

#define BYTES_PER_LINE 48u
#define COLUMNS 64u

void cv_age_stanzas_init(cv_age_stanzas *s) { *s = (cv_age_stanzas){ NULL, 0, 0 }; }

void cv_age_stanza_clear(cv_age_stanza *s)
{
    free(s->type);
    for (size_t i = 0; i < s->nargs; i++) free(s->args[i]);
    free(s->args);
    cv_wipe(s->body, s->body_len);
    free(s->body);
    *s = (cv_age_stanza){ 0 };
}

void cv_age_stanzas_clear(cv_age_stanzas *s)
{
    for (size_t i = 0; i < s->n; i++) cv_age_stanza_clear(&s->v[i]);
    free(s->v);
    cv_age_stanzas_init(s);
}

static cv_result stanzas_grow(cv_age_stanzas *s)
{
    if (s->n < s->cap) return cv_ok();
    CV_ENSUREF(s->n < CV_AGE_MAX_STANZAS, CV_E_LIMIT, "more than %u recipient stanzas",
               CV_AGE_MAX_STANZAS);
    return cv_grow_array((void **)&s->v, &s->cap, s->n + 1, sizeof(*s->v), 4, CV_AGE_MAX_STANZAS);
}

static cv_result stanza_fill(cv_age_stanza *st, const char *type, const char *const *args,
                             size_t nargs, const uint8_t *body, size_t body_len)
{
    CV_GUARD(cv_strndup(&st->type, type, strlen(type)));
    CV_GUARD(cv_alloc_array((void **)&st->args, nargs, sizeof(char *)));
    for (; st->nargs < nargs; st->nargs++)
        CV_GUARD(cv_strndup(&st->args[st->nargs], args[st->nargs], strlen(args[st->nargs])));
    CV_GUARD(cv_alloc((void **)&st->body, body_len));
    if (body_len) memcpy(st->body, body, body_len);
    st->body_len = body_len;
    return cv_ok();
}

cv_result cv_age_stanzas_add(cv_age_stanzas *s, const char *type, const char *const *args,
                             size_t nargs, const uint8_t *body, size_t body_len)
{
    CV_GUARD(stanzas_grow(s));
    cv_age_stanza st = { 0 };
    cv_result r = stanza_fill(&st, type, args, nargs, body, body_len);
    if (!cv_is_ok(r)) {
        cv_age_stanza_clear(&st);
        return r;
    }
    s->v[s->n++] = st;
    return cv_ok();
}

cv_result cv_age_stanzas_move(cv_age_stanzas *to, cv_age_stanzas *from)
{
    for (size_t i = 0; i < from->n; i++) {
        CV_GUARD(stanzas_grow(to));
        to->v[to->n++] = from->v[i];
        from->v[i] = (cv_age_stanza){ 0 };
    }
    cv_age_stanzas_clear(from);
    return cv_ok();
}

void cv_age_header_init(cv_age_header *h)
{
    memset(h, 0, sizeof(*h));
    cv_age_stanzas_init(&h->stanzas);
}

void cv_age_header_clear(cv_age_header *h)
{
    cv_age_stanzas_clear(&h->stanzas);
    free(h->raw);
    cv_age_header_init(h);
}

bool cv_age_is_vchar_string(cv_slice s)
{
    if (s.len == 0) return false;
    for (size_t i = 0; i < s.len; i++)
        if (s.p[i] < 33 || s.p[i] > 126) return false;
    return true;
}

/* Split "-> a b c" arguments on single spaces; every piece must be VCHARs. */
static cv_result parse_args(cv_slice line, cv_age_stanza *st)
{
    size_t count = 0;
    for (size_t i = 0; i < line.len; i++) count += line.p[i] == ' ';
    CV_ENSUREF(count + 1 <= CV_AGE_MAX_ARGS, CV_E_AGE_HEADER, "too many stanza arguments");
    char **parts = NULL;
    CV_GUARD(cv_alloc_array((void **)&parts, count + 1, sizeof(char *)));
    size_t n = 0, start = 0;
    cv_result r = cv_ok();
    for (size_t i = 0; i <= line.len && cv_is_ok(r); i++) {
        if (i < line.len && line.p[i] != ' ') continue;
        cv_slice a = cv_slice_of(line.p + start, i - start);
        if (!cv_age_is_vchar_string(a)) r = CV_FAILF(CV_E_AGE_HEADER, "malformed stanza");
        else r = cv_slice_strdup(a, &parts[n++]);
        start = i + 1;
    }
    if (!cv_is_ok(r)) {
        for (size_t i = 0; i < n; i++) free(parts[i]);
        free(parts);
        return r;
    }
    st->type = parts[0];
    memmove(parts, parts + 1, (n - 1) * sizeof(char *));
    st->args = parts;
    st->nargs = n - 1;
    return cv_ok();
}

static cv_result parse_body(cv_reader *r, cv_age_stanza *st)
{
    cv_buf body;
    cv_buf_init(&body, CV_AGE_MAX_STANZA_BODY);
    for (;;) {
        cv_slice line;
        uint8_t chunk[BYTES_PER_LINE + 3];
        size_t got = 0;
        cv_result res = cv_reader_line(r, &line, CV_AGE_MAX_LINE);
        if (cv_is_ok(res) && line.len > COLUMNS)
            res = CV_FAILF(CV_E_AGE_HEADER, "malformed body line: too long");
        if (cv_is_ok(res) && !cv_is_ok(cv_b64_decode(chunk, &got, line, false)))
            res = CV_FAILF(CV_E_AGE_HEADER, cv_slice_starts_with(line, "-") ?
                           "stanza ended without a short line" : "malformed body line");
        if (cv_is_ok(res)) res = cv_buf_add(&body, chunk, got);
        if (!cv_is_ok(res)) {
            cv_buf_release(&body);
            if (cv_is(res, CV_E_TOO_LARGE))
                return CV_FAILF(CV_E_AGE_HEADER, "stanza body larger than %u bytes",
                                CV_AGE_MAX_STANZA_BODY);
            return cv_is(res, CV_E_TRUNCATED)
                       ? CV_FAILF(CV_E_AGE_HEADER, "failed to read line: unexpected EOF")
                       : res;
        }
        if (got < BYTES_PER_LINE) break;
    }
    st->body = cv_buf_take(&body, &st->body_len);
    return cv_ok();
}

cv_result cv_age_stanza_read(cv_reader *r, cv_age_stanza *st)
{
    *st = (cv_age_stanza){ 0 };
    cv_slice line;
    CV_ENSURE(!cv_reader_eof(r), CV_E_TRUNCATED);
    cv_result res = cv_reader_line(r, &line, CV_AGE_MAX_LINE);
    if (cv_is(res, CV_E_TOO_LARGE))
        CV_BAILF(CV_E_AGE_HEADER, "header line longer than %u bytes", CV_AGE_MAX_LINE);
    if (!cv_is_ok(res)) CV_BAILF(CV_E_AGE_HEADER, "failed to read line: unexpected EOF");
    CV_ENSUREF(cv_slice_starts_with(line, "-> "), CV_E_AGE_HEADER, "malformed stanza opening line");
    res = parse_args(cv_slice_of(line.p + 3, line.len - 3), st);
    if (cv_is_ok(res)) res = parse_body(r, st);
    if (!cv_is_ok(res)) cv_age_stanza_clear(st);
    return res;
}

static cv_result parse_mac_line(cv_slice line, uint8_t mac[CV_AGE_MAC])
{
    /* "--- " + 43 canonical base64 chars, nothing else. */
    CV_ENSUREF(line.len == 4 + 43 && cv_slice_starts_with(line, "--- "), CV_E_AGE_HEADER,
               "malformed closing line");
    cv_result r = cv_b64_decode_exact(mac, CV_AGE_MAC, cv_slice_of(line.p + 4, 43), false);
    CV_ENSUREF(cv_is_ok(r), CV_E_AGE_HEADER, "malformed closing line");
    return cv_ok();
}

static cv_result parse_stanzas(cv_reader *r, cv_age_header *h)
{
    for (;;) {
        CV_ENSUREF(cv_reader_left(r) >= 3, CV_E_AGE_HEADER, "failed to read header");
        if (cv_reader_peek(r, "---")) break;
        cv_result g = stanzas_grow(&h->stanzas);
        if (cv_is(g, CV_E_LIMIT))
            CV_BAILF(CV_E_AGE_HEADER, "more than %u recipient stanzas", CV_AGE_MAX_STANZAS);
        CV_GUARD(g);
        CV_GUARD(cv_age_stanza_read(r, &h->stanzas.v[h->stanzas.n]));
        h->stanzas.n++;
    }
    /* The ABNF requires at least one stanza. */
    CV_ENSUREF(h->stanzas.n > 0, CV_E_AGE_HEADER, "no recipient stanzas");
    return cv_ok();
}

cv_result cv_age_header_parse(cv_slice in, cv_age_header *h, size_t *used)
{
    cv_reader r = cv_reader_of(in);
    cv_slice line;
    CV_ENSUREF(in.len > 0, CV_E_AGE_HEADER, "file is empty");
    cv_result res = cv_reader_line(&r, &line, CV_AGE_MAX_LINE);
    CV_ENSUREF(cv_is_ok(res), CV_E_AGE_HEADER, "failed to read intro");
    CV_ENSUREF(cv_slice_eq_str(line, CV_AGE_VERSION_LINE), CV_E_AGE_HEADER, "unexpected intro");
    CV_GUARD(parse_stanzas(&r, h));
    size_t mac_start = r.pos;
    res = cv_reader_line(&r, &line, CV_AGE_MAX_LINE);
    CV_ENSUREF(cv_is_ok(res), CV_E_AGE_HEADER, "failed to read header");
    CV_GUARD(parse_mac_line(line, h->mac));
    h->mac_input_len = mac_start + 3;
    CV_GUARD(cv_alloc((void **)&h->raw, r.pos));
    memcpy(h->raw, in.p, r.pos);
    h->raw_len = r.pos;
    *used = r.pos;
    return cv_ok();
}

/* Advance *pos over complete lines of b; true when a complete line starting
 * with "---" (the MAC line) is found, with *end just past its LF. */
static bool find_mac_line(const cv_buf *b, size_t *pos, size_t *end)
{
    while (*pos < b->len) {
        const uint8_t *lf = memchr(b->p + *pos, '\n', b->len - *pos);
        if (lf == NULL) return false;
        size_t next = (size_t)(lf - b->p) + 1;
        if (next - *pos >= 4 && memcmp(b->p + *pos, "---", 3) == 0) {
            *end = next;
            return true;
        }
        *pos = next;
    }
    return false;
}

cv_result cv_age_header_read(cv_src *src, cv_age_header *h, cv_buf *rest)
{
    cv_buf buf;
    cv_buf_init(&buf, CV_AGE_MAX_HEADER + 4096);
    size_t pos = 0, end = 0;
    cv_result r = cv_ok();
    for (;;) {
        size_t got = 0;
        r = cv_buf_reserve(&buf, 4096);
        if (cv_is_ok(r)) r = cv_src_read(src, buf.p + buf.len, 4096, &got);
        if (!cv_is_ok(r)) break;
        buf.len += got;
        if (find_mac_line(&buf, &pos, &end)) break;
        if (got == 0) {
            end = buf.len; /* incomplete: the parser says what is wrong */
            break;
        }
        if (buf.len > CV_AGE_MAX_HEADER) {
            r = CV_FAILF(CV_E_AGE_HEADER, "header larger than %u bytes", CV_AGE_MAX_HEADER);
            break;
        }
    }
    size_t used = 0;
    if (cv_is_ok(r)) r = cv_age_header_parse(cv_slice_of(buf.p, end), h, &used);
    if (cv_is_ok(r)) r = cv_buf_add(rest, buf.p + used, buf.len - used);
    cv_buf_release(&buf);
    return r;
}

cv_result cv_age_stanza_write(cv_buf *out, const cv_age_stanza *s)
{
    CV_GUARD(cv_buf_add_str(out, "-> "));
    CV_GUARD(cv_buf_add_str(out, s->type));
    for (size_t i = 0; i < s->nargs; i++) {
        CV_GUARD(cv_buf_add_byte(out, ' '));
        CV_GUARD(cv_buf_add_str(out, s->args[i]));
    }
    CV_GUARD(cv_buf_add_byte(out, '\n'));
    size_t off = 0;
    /* Full 48-byte lines, then the final short line (possibly empty). */
    for (;;) {
        size_t take = s->body_len - off < BYTES_PER_LINE ? s->body_len - off : BYTES_PER_LINE;
        /* body is NULL for an empty body: no pointer arithmetic on it. */
        CV_GUARD(cv_b64_encode_buf(out, take ? s->body + off : NULL, take, false));
        CV_GUARD(cv_buf_add_byte(out, '\n'));
        off += take;
        if (take < BYTES_PER_LINE) break;
    }
    return cv_ok();
}

static void header_mac(uint8_t mac[CV_AGE_MAC], const uint8_t fk[CV_AGE_FILE_KEY],
                       const uint8_t *raw, size_t len, cv_result *r)
{
    uint8_t key[32];
    *r = cv_hkdf(key, sizeof(key), fk, CV_AGE_FILE_KEY, NULL, 0, "header");
    if (cv_is_ok(*r)) cv_hmac_sha256(mac, key, sizeof(key), raw, len);
    CV_WIPE(key);
}

cv_result cv_age_header_seal(cv_age_header *h, const uint8_t file_key[CV_AGE_FILE_KEY])
{
    cv_buf out;
    cv_buf_init(&out, CV_AGE_MAX_HEADER);
    cv_result r = cv_buf_add_str(&out, CV_AGE_VERSION_LINE "\n");
    for (size_t i = 0; i < h->stanzas.n && cv_is_ok(r); i++)
        r = cv_age_stanza_write(&out, &h->stanzas.v[i]);
    if (cv_is_ok(r)) r = cv_buf_add_str(&out, "---");
    if (cv_is_ok(r)) {
        h->mac_input_len = out.len;
        header_mac(h->mac, file_key, out.p, out.len, &r);
    }
    if (cv_is_ok(r)) r = cv_buf_add_byte(&out, ' ');
    if (cv_is_ok(r)) r = cv_b64_encode_buf(&out, h->mac, CV_AGE_MAC, false);
    if (cv_is_ok(r)) r = cv_buf_add_byte(&out, '\n');
    if (!cv_is_ok(r)) {
        cv_buf_release(&out);
        return r;
    }
    free(h->raw);
    h->raw = cv_buf_take(&out, &h->raw_len);
    return cv_ok();
}

cv_result cv_age_header_verify(const cv_age_header *h, const uint8_t file_key[CV_AGE_FILE_KEY])
{
    uint8_t mac[CV_AGE_MAC];
    cv_result r;
    header_mac(mac, file_key, h->raw, h->mac_input_len, &r);
    CV_GUARD(r);
    CV_ENSURE(cv_ct_eq(mac, h->mac, CV_AGE_MAC), CV_E_AGE_HMAC);
    return cv_ok();
}
