/* The plugin client's incremental stanza reader (crypto/age/plugin_conn.c)
 * over arbitrary plugin output. The first input byte picks how many bytes
 * each read of the fake pipe returns, so every split of a stanza across
 * reads is reachable. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "crypto/age/plugin_int.h"

typedef struct {
    cv_src src;
    const uint8_t *p;
    size_t len, pos, step;
} drip_src;

static cv_result drip_read(cv_src *s, uint8_t *buf, size_t n, size_t *got)
{
    drip_src *d = (drip_src *)s;
    size_t take = d->len - d->pos;
    if (take > d->step) take = d->step;
    if (take > n) take = n;
    if (take) memcpy(buf, d->p + d->pos, take);
    d->pos += take;
    *got = take;
    return cv_ok();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0) return 0;
    drip_src d = { { drip_read, NULL }, data + 1, size - 1, 0, (size_t)data[0] * 37u + 1u };
    cv_age_plugin_reader rd;
    cv_age_plugin_reader_init(&rd, &d.src);
    for (;;) {
        cv_age_stanza s;
        if (!cv_is_ok(cv_age_plugin_reader_next(&rd, &s))) break;
        /* A parsed stanza re-serialises within the caps. */
        cv_buf out;
        cv_buf_init(&out, 4u * 1024u * 1024u);
        if (!cv_is_ok(cv_age_stanza_write(&out, &s))) __builtin_trap();
        cv_buf_release(&out);
        cv_age_stanza_clear(&s);
    }
    cv_age_plugin_reader_release(&rd);
    return 0;
}
