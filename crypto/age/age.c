/* age encrypt/decrypt: header, file key, MAC, nonce, STREAM, armor. */
#include "crypto/age/age.h"

#include <stdlib.h>
#include <string.h>

#include "crypto/base/limits.h"
#include "crypto/prim/pk.h"

static cv_result wrap_all(const cv_age_recipients *rcpts, const uint8_t fk[CV_AGE_FILE_KEY],
                          cv_age_stanzas *out)
{
    char *first = NULL;
    cv_result r = cv_ok();
    for (size_t i = 0; i < rcpts->n && cv_is_ok(r); i++) {
        char *labels = NULL;
        cv_age_stanzas st;
        cv_age_stanzas_init(&st);
        r = cv_age_recipient_wrap(rcpts->v[i], fk, &st, &labels);
        if (cv_is_ok(r)) r = cv_age_stanzas_move(out, &st);
        cv_age_stanzas_clear(&st);
        if (cv_is_ok(r) && i == 0) {
            first = labels;
            labels = NULL;
        } else if (cv_is_ok(r) && strcmp(first, labels ? labels : "") != 0) {
            bool scrypt = cv_age_recipient_is_scrypt(rcpts->v[i]) ||
                          cv_age_recipient_is_scrypt(rcpts->v[0]);
            r = scrypt ? CV_FAILF(CV_E_AGE_SCRYPT_ALONE, "an scrypt recipient must be the only one")
                       : CV_FAIL(CV_E_AGE_MIXED_PQ);
        }
        free(labels);
    }
    free(first);
    return r;
}

static cv_result write_header(const cv_age_recipients *rcpts, const uint8_t fk[CV_AGE_FILE_KEY],
                              cv_sink *out)
{
    cv_age_header h;
    cv_age_header_init(&h);
    CV_ENSUREF(rcpts->n > 0, CV_E_AGE_NO_RECIPIENTS, "no recipients specified");
    cv_result r = wrap_all(rcpts, fk, &h.stanzas);
    if (cv_is_ok(r)) r = cv_age_header_seal(&h, fk);
    if (cv_is_ok(r)) r = cv_sink_write(out, h.raw, h.raw_len);
    cv_age_header_clear(&h);
    return r;
}

static cv_result encrypt_body(const cv_age_recipients *rcpts, cv_src *in, cv_sink *out,
                              const cv_age_opts *opts)
{
    cv_secret *fk = NULL;
    uint8_t nonce[CV_AGE_NONCE], key[32];
    CV_GUARD(cv_secret_new(&fk, CV_AGE_FILE_KEY));
    cv_random(fk->data, CV_AGE_FILE_KEY);
    cv_random(nonce, sizeof(nonce));
    cv_result r = write_header(rcpts, fk->data, out);
    if (cv_is_ok(r)) r = cv_sink_write(out, nonce, sizeof(nonce));
    if (cv_is_ok(r)) r = cv_age_payload_key(key, fk->data, nonce);
    cv_secret_free(&fk);
    cv_age_stream_opts so = { opts ? opts->threads : 0 };
    if (cv_is_ok(r)) r = cv_age_stream_encrypt(key, in, out, &so);
    CV_WIPE(key);
    return r;
}

cv_result cv_age_encrypt(const cv_age_recipients *rcpts, cv_src *in, cv_sink *out,
                         const cv_age_opts *opts)
{
    if (opts == NULL || !opts->armor) return encrypt_body(rcpts, in, out, opts);
    cv_age_armor_writer w;
    cv_age_armor_writer_init(&w, out);
    cv_result r = encrypt_body(rcpts, in, &w.sink, opts);
    if (cv_is_ok(r)) r = cv_age_armor_writer_finish(&w);
    cv_age_armor_writer_release(&w);
    return r;
}

/* Native identities first, then the others, keeping the given order. */
static cv_result unwrap_all(const cv_age_identities *ids, const cv_age_stanzas *st,
                            uint8_t fk[CV_AGE_FILE_KEY])
{
    CV_ENSUREF(ids->n > 0, CV_E_AGE_NO_IDENTITIES, "no identities specified");
    for (int pass = CV_AGE_ID_NATIVE; pass <= CV_AGE_ID_OTHER; pass++) {
        for (size_t i = 0; i < ids->n; i++) {
            if ((int)ids->v[i]->cls != pass) continue;
            cv_result r = cv_age_identity_unwrap(ids->v[i], st, fk);
            if (!cv_is(r, CV_E_AGE_NO_MATCH)) return r;
        }
    }
    CV_BAILF(CV_E_AGE_NO_MATCH, "no identity matched any of the recipients");
}

cv_result cv_age_decrypt_header(const cv_age_identities *ids, cv_src *in, cv_age_header *h,
                                cv_secret **file_key, cv_buf *rest)
{
    *file_key = NULL;
    cv_result hr = cv_age_header_read(in, h, rest);
    if (cv_is(hr, CV_E_AGE_HEADER) || cv_is(hr, CV_E_AGE_ARMOR)) {
        char why[200];
        snprintf(why, sizeof(why), "%s", cv_err_detail()[0] ? cv_err_detail() : cv_strerror(hr.err));
        CV_BAILF(hr.err, "failed to read header: %s%s", cv_is(hr, CV_E_AGE_HEADER) ? "parsing age header: " : "", why);
    }
    CV_GUARD(hr);
    CV_GUARD(cv_secret_new(file_key, CV_AGE_FILE_KEY));
    cv_result r = unwrap_all(ids, &h->stanzas, (*file_key)->data);
    if (cv_is_ok(r)) r = cv_age_header_verify(h, (*file_key)->data);
    if (!cv_is_ok(r)) cv_secret_free(file_key);
    return r;
}

static cv_result payload_from(cv_src *in, const cv_secret *fk, cv_sink *out,
                              const cv_age_opts *opts)
{
    uint8_t nonce[CV_AGE_NONCE], key[32];
    size_t got = 0;
    CV_GUARD(cv_src_read_full(in, nonce, sizeof(nonce), &got));
    CV_ENSUREF(got == sizeof(nonce), CV_E_AGE_NONCE, "failed to read nonce");
    CV_GUARD(cv_age_payload_key(key, fk->data, nonce));
    cv_age_stream_opts so = { opts ? opts->threads : 0 };
    cv_result r = cv_age_stream_decrypt(key, in, out, &so);
    CV_WIPE(key);
    return r;
}

static cv_result decrypt_binary(const cv_age_identities *ids, cv_src *in, cv_sink *out,
                                const cv_age_opts *opts)
{
    cv_age_header h;
    cv_buf rest;
    cv_secret *fk = NULL;
    cv_age_header_init(&h);
    cv_buf_init(&rest, CV_AGE_MAX_HEADER + 8192);
    cv_result r = cv_age_decrypt_header(ids, in, &h, &fk, &rest);
    cv_prefix_src ps;
    bool ps_ok = false;
    if (cv_is_ok(r)) r = cv_prefix_src_init(&ps, in, rest.p, rest.len), ps_ok = true;
    if (cv_is_ok(r)) r = payload_from(&ps.src, fk, out, opts);
    if (ps_ok) cv_prefix_src_release(&ps);
    cv_secret_free(&fk);
    cv_buf_release(&rest);
    cv_age_header_clear(&h);
    return r;
}

cv_result cv_age_decrypt(const cv_age_identities *ids, cv_src *in, cv_sink *out,
                         const cv_age_opts *opts)
{
    /* Sniff enough to see an armor BEGIN line after leading whitespace. */
    uint8_t peek[CV_AGE_ARMOR_MAX_WS + 64];
    size_t got = 0;
    CV_GUARD(cv_src_read_full(in, peek, sizeof(peek), &got));
    cv_prefix_src ps;
    CV_GUARD(cv_prefix_src_init(&ps, in, peek, got));
    cv_result r;
    if (cv_age_is_armored(cv_slice_of(peek, got))) {
        cv_age_armor_reader ar;
        cv_age_armor_reader_init(&ar, &ps.src);
        r = decrypt_binary(ids, &ar.src, out, opts);
        cv_age_armor_reader_release(&ar);
    } else {
        r = decrypt_binary(ids, &ps.src, out, opts);
    }
    cv_prefix_src_release(&ps);
    return r;
}

/* Run one direction from memory to a buffer; small inputs stay on the
 * calling thread (one STREAM worker). */
static cv_result run_mem(const void *keys, bool encrypt, cv_slice in, bool armor, cv_buf *out)
{
    cv_mem_src src;
    cv_buf_sink sink;
    if (encrypt) cv_buf_init(out, SIZE_MAX / 2);
    else cv_buf_init_secret(out, SIZE_MAX / 2);
    cv_mem_src_init(&src, in);
    cv_buf_sink_init(&sink, out);
    cv_age_opts o = { armor, 1 };
    cv_result r = encrypt ? cv_age_encrypt(keys, &src.src, &sink.sink, &o)
                          : cv_age_decrypt(keys, &src.src, &sink.sink, &o);
    if (!cv_is_ok(r)) cv_buf_release(out);
    return r;
}

cv_result cv_age_encrypt_mem(const cv_age_recipients *rcpts, cv_slice in, bool armor,
                             cv_buf *out)
{
    return run_mem(rcpts, true, in, armor, out);
}

cv_result cv_age_decrypt_mem(const cv_age_identities *ids, cv_slice in, cv_buf *out)
{
    return run_mem(ids, false, in, false, out);
}

cv_age_class cv_age_error_class(cv_err e)
{
    switch (e) {
    case CV_OK: return CV_AGE_CLASS_OK;
    case CV_E_AGE_HEADER:
    case CV_E_AGE_VERSION:
    case CV_E_AGE_STANZA:
    case CV_E_AGE_NONCE:
    case CV_E_AGE_SCRYPT_ALONE:
    case CV_E_AGE_WORK_FACTOR: return CV_AGE_CLASS_HEADER;
    case CV_E_AGE_NO_MATCH: return CV_AGE_CLASS_NO_MATCH;
    case CV_E_AGE_HMAC: return CV_AGE_CLASS_HMAC;
    case CV_E_AGE_PAYLOAD:
    case CV_E_AGE_TRUNCATED:
    case CV_E_AGE_LAST_EMPTY:
    case CV_E_AGE_TRAILING: return CV_AGE_CLASS_PAYLOAD;
    case CV_E_AGE_ARMOR: return CV_AGE_CLASS_ARMOR;
    default: return CV_AGE_CLASS_OTHER;
    }
}
