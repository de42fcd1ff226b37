/* Shared by the document codec fuzz targets: load the input with one store,
 * then write the tree back through every store (and emit_value of each
 * top-level value), so the writers see every shape the readers can make.
 * Only crashes, leaks and sanitizer reports matter. */
#ifndef CV_FUZZ_DOC_H
#define CV_FUZZ_DOC_H

#include <stdint.h>

#include "crypto/base/mem.h"
#include "secrets/doc/binary.h"
#include "secrets/doc/dotenv.h"
#include "secrets/doc/flatten.h"
#include "secrets/doc/ini.h"
#include "secrets/doc/json.h"

static inline void fuzz_doc_emit_all(cv_doc *doc)
{
    cv_buf out;
    cv_buf_init_secret(&out, 64u << 20);
    cv_result r = cv_json_emit(doc, -1, &out);
    r = cv_json_emit(doc, 2, &out);
    r = cv_dotenv_emit(doc, 0, &out);
    r = cv_ini_emit(doc, 0, &out);
    r = cv_binary_emit(doc, 0, &out);
    const cv_node *b = doc->n > 0 ? doc->branches[0] : NULL;
    for (size_t i = 0; b != NULL && i < b->n && i < 64; i++) {
        if (b->items[i].value == NULL) continue;
        r = cv_json_emit_value(b->items[i].value, -1, &out);
        r = cv_ini_emit_value(b->items[i].value, 0, &out);
        r = cv_dotenv_emit_value(b->items[i].value, 0, &out);
    }
    (void)r;
    cv_buf_release(&out);
}

static inline int fuzz_doc_run(const uint8_t *data, size_t size,
                               cv_result (*load)(cv_slice, cv_doc *))
{
    if (!cv_is_ok(cv_crypto_init())) return 0;
    cv_doc doc;
    if (!cv_is_ok(cv_doc_init(&doc))) return 0;
    if (cv_is_ok(load(cv_slice_of(data, size), &doc))) fuzz_doc_emit_all(&doc);
    cv_doc_clear(&doc);
    return 0;
}

#endif
