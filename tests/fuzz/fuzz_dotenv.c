/* The dotenv store's reader (secrets/doc/dotenv.h), then every writer. */
#include "tests/fuzz/fuzz_doc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_doc_run(data, size, cv_dotenv_load);
}
