/* YAML store: load, emit, then load and emit the output again. Beyond
 * crashes and leaks, what covert emits must load back. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/base/limits.h"
#include "secrets/doc/yaml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static cv_result round_trip(cv_slice in, cv_buf *out)
{
    cv_doc doc;
    CV_GUARD(cv_doc_init(&doc));
    cv_result r = cv_yaml_load(in, &doc);
    if (cv_is_ok(r)) r = cv_yaml_emit(&doc, 0, out);
    cv_doc_clear(&doc);
    return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 64 * 1024) return 0;
    cv_buf a, b;
    cv_buf_init_secret(&a, CV_DOC_MAX_INPUT);
    cv_buf_init_secret(&b, CV_DOC_MAX_INPUT);
    if (cv_is_ok(round_trip(cv_slice_of(data, size), &a)) && a.len > 0) {
        cv_result r = round_trip(cv_buf_slice(&a), &b);
        if (!cv_is_ok(r) && r.err != CV_E_LIMIT) abort();
    }
    cv_buf_release(&a);
    cv_buf_release(&b);
    return 0;
}
