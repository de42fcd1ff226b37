/* SOPS files decrypted in memory (see inmem.h). */
#include "secrets/sops/inmem.h"

#include <string.h>

#include "secrets/sops/crypt.h"

static cv_result data_key(cv_sops_keyring *kr, const cv_sops_meta *m, cv_secret **key)
{
    cv_buf report;
    cv_buf_init(&report, 256 * 1024);
    cv_result r = cv_sops_data_key(kr, m, NULL, key, &report);
    if (cv_is(r, CV_E_SOPS_NO_KEY) && report.len && cv_is_ok(cv_buf_nul(&report)))
        r = CV_FAILF(CV_E_SOPS_NO_KEY, "%s", (const char *)report.p);
    cv_buf_release(&report);
    return r;
}

cv_result cv_sops_decrypt_tree(cv_sops_keyring *kr, cv_slice in, cv_store s, bool verify_mac,
                               cv_doc *doc)
{
    cv_sops_meta meta;
    memset(&meta, 0, sizeof meta);
    CV_GUARD(cv_store_load_encrypted(s, in, doc, &meta));
    cv_secret *key = NULL;
    CV_GUARD(data_key(kr, &meta, &key));
    char mac[CV_SOPS_MAC_HEX + 1];
    cv_result r = cv_sops_tree_decrypt(doc, &meta, key->data, NULL, mac);
    if (cv_is_ok(r) && verify_mac) r = cv_sops_mac_verify(doc, &meta, key->data, mac, NULL);
    cv_secret_free(&key);
    cv_wipe(mac, sizeof mac);
    return r;
}

cv_result cv_sops_decrypt_text(cv_sops_keyring *kr, cv_slice in, cv_store s, cv_store out_s,
                               bool verify_mac, cv_buf *out)
{
    cv_doc doc;
    CV_GUARD(cv_doc_init(&doc));
    cv_result r = cv_sops_decrypt_tree(kr, in, s, verify_mac, &doc);
    if (cv_is_ok(r)) r = cv_store_emit_plain(out_s, &doc, out_s == CV_STORE_JSON ? -1 : 0, out);
    cv_doc_clear(&doc);
    return r;
}

bool cv_sops_marker(cv_slice v, cv_store *s)
{
    static const struct {
        const char *mark;
        cv_store store;
    } marks[] = {
        { "\"mac\": \"ENC[", CV_STORE_JSON },
        { "mac: ENC[", CV_STORE_YAML },
        { "sops_mac=ENC[", CV_STORE_DOTENV },
        { "[sops]", CV_STORE_INI },
    };
    for (size_t i = 0; i < sizeof marks / sizeof *marks; i++) {
        if (v.len && memmem(v.p, v.len, marks[i].mark, strlen(marks[i].mark))) {
            *s = marks[i].store;
            return true;
        }
    }
    return false;
}
