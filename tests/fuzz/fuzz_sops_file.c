/* SOPS files as the engine reads them: every store's encrypted-file loader
 * (metadata extraction, unflattening, weakly typed decoding), then the tree
 * decrypted with a fixed key — every ENC[...] string goes through the
 * parser and AES-GCM, and the MAC check runs. The first byte picks the
 * store. Nothing may crash, leak or read out of bounds; errors are fine. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "secrets/runtime/init.h"
#include "secrets/sops/crypt.h"
#include "secrets/sops/store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool init;
    if (!init) {
        if (!cv_is_ok(cv_secrets_init())) abort();
        init = true;
    }
    if (size < 1 || size > 1 << 20) return 0;
    cv_store s = (cv_store)(data[0] % 5);
    cv_doc d;
    cv_sops_meta m;
    if (!cv_is_ok(cv_doc_init(&d))) abort();
    if (cv_is_ok(cv_store_load_encrypted(s, cv_slice_of(data + 1, size - 1), &d, &m))) {
        static const uint8_t key[32] = { 1, 2, 3 };
        char mac[CV_SOPS_MAC_HEX + 1];
        cv_sops_stash *stash = NULL;
        if (!cv_is_ok(cv_sops_stash_new(&d, &stash))) abort();
        if (cv_is_ok(cv_sops_tree_decrypt(&d, &m, key, stash, mac)))
            (void)cv_is_ok(cv_sops_mac_verify(&d, &m, key, mac, stash));
        cv_buf out;
        cv_buf_init(&out, 1 << 24);
        (void)cv_is_ok(cv_store_emit_encrypted(s, &d, &m, 0, &out));
        cv_buf_release(&out);
    }
    cv_doc_clear(&d);
    return 0;
}
