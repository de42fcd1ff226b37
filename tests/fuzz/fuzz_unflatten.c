/* sops's Unflatten and Flatten (secrets/doc/flatten.h) over the keys of a
 * dotenv input (any bytes make a flat key list), then the result through
 * every writer. */
#include "tests/fuzz/fuzz_doc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!cv_is_ok(cv_crypto_init())) return 0;
    cv_doc doc;
    if (!cv_is_ok(cv_doc_init(&doc))) return 0;
    cv_node *un, *flat;
    if (cv_is_ok(cv_dotenv_load(cv_slice_of(data, size), &doc)) &&
        cv_is_ok(cv_unflatten(&doc, doc.branches[0], &un))) {
        doc.branches[0] = un;
        fuzz_doc_emit_all(&doc);
        if (cv_is_ok(cv_flatten(&doc, un, cv_slice_str("sops_"), &flat))) {
            doc.branches[0] = flat;
            fuzz_doc_emit_all(&doc);
        }
    }
    cv_doc_clear(&doc);
    return 0;
}
