#include "crypto/age/recipient.h"

#include <stdlib.h>
#include <string.h>

#include "crypto/base/enc.h"

cv_result cv_age_recipient_new(cv_age_recipient **out, const cv_age_recipient_ops *ops,
                               void *ctx)
{
    *out = calloc(1, sizeof(**out));
    CV_ENSURE(*out != NULL, CV_E_NOMEM);
    (*out)->ops = ops;
    (*out)->ctx = ctx;
    return cv_ok();
}

cv_result cv_age_identity_new(cv_age_identity **out, const cv_age_identity_ops *ops, void *ctx,
                              cv_age_id_class cls)
{
    *out = calloc(1, sizeof(**out));
    CV_ENSURE(*out != NULL, CV_E_NOMEM);
    (*out)->ops = ops;
    (*out)->ctx = ctx;
    (*out)->cls = cls;
    return cv_ok();
}

void cv_age_recipient_free(cv_age_recipient **r)
{
    if (r == NULL || *r == NULL) return;
    if ((*r)->ops->free) (*r)->ops->free(*r);
    free(*r);
    *r = NULL;
}

void cv_age_identity_free(cv_age_identity **id)
{
    if (id == NULL || *id == NULL) return;
    if ((*id)->ops->free) (*id)->ops->free(*id);
    free(*id);
    *id = NULL;
}

cv_result cv_age_recipient_wrap(const cv_age_recipient *r, const uint8_t fk[CV_AGE_FILE_KEY],
                                cv_age_stanzas *out, char **labels)
{
    *labels = NULL;
    return r->ops->wrap(r, fk, out, labels);
}

cv_result cv_age_identity_unwrap(const cv_age_identity *id, const cv_age_stanzas *st,
                                 uint8_t fk[CV_AGE_FILE_KEY])
{
    return id->ops->unwrap(id, st, fk);
}

cv_result cv_age_unwrap_each(const cv_age_identity *id, const cv_age_stanzas *st,
                             uint8_t fk[CV_AGE_FILE_KEY],
                             cv_result (*one)(const cv_age_identity *id, const cv_age_stanza *s,
                                              uint8_t fk[CV_AGE_FILE_KEY]))
{
    for (size_t i = 0; i < st->n; i++) {
        cv_result r = one(id, &st->v[i], fk);
        if (!cv_is(r, CV_E_AGE_NO_MATCH)) return r;
    }
    CV_BAIL(CV_E_AGE_NO_MATCH);
}

cv_result cv_age_recipient_encode(const cv_age_recipient *r, char **out)
{
    *out = NULL;
    CV_ENSURE(r->ops->encode != NULL, CV_E_UNSUPPORTED);
    return r->ops->encode(r, out);
}

cv_result cv_age_bech32_secret(cv_secret **out, const char *hrp, const uint8_t *data, size_t n)
{
    cv_buf b;
    cv_buf_init_secret(&b, 8192);
    cv_result r = cv_bech32_encode(&b, hrp, data, n, true);
    if (cv_is_ok(r)) r = cv_secret_new(out, b.len + 1);
    if (cv_is_ok(r)) {
        memcpy((*out)->data, b.p, b.len);
        (*out)->len = b.len;
    }
    cv_buf_release(&b);
    return r;
}

cv_result cv_age_bech32_public(char **out, const char *hrp, const uint8_t *data, size_t n)
{
    cv_buf b;
    cv_buf_init(&b, 8192);
    cv_result r = cv_bech32_encode(&b, hrp, data, n, false);
    if (cv_is_ok(r)) r = cv_strndup(out, b.p, b.len);
    cv_buf_release(&b);
    return r;
}
