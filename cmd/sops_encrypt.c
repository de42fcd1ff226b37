/* `sops encrypt`: a plain file to an encrypted one. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cli.h"
#include "cmd/sops.h"
#include "crypto/base/limits.h"
#include "crypto/prim/pk.h"
#include "secrets/sops/agekey.h"
#include "secrets/sops/crypt.h"

int cv_sops_cmd_encrypt(cv_sops_opts *o, int argc, char **argv)
{
    if (cv_sops_is_batch(argc, argv)) return cv_sops_batch(o, true, argc, argv);
    char *file;
    cv_store in_store, out_store;
    char *name = cv_sops_target(o, argc, argv, true, &file, &in_store, &out_store);

    cv_sops_file f;
    memset(&f, 0, sizeof(f));
    cv_result r = cv_doc_init(&f.doc);
    if (!cv_is_ok(r)) cv_sops_fail(2, "Error unmarshalling file: %s", cv_cli_msg(r));
    cv_buf in;
    cv_slice text;
    cv_buf_init_secret(&in, CV_DOC_MAX_INPUT);
    if (!cv_sops_read_source(file, &f.doc, &text)) {
        cv_sops_read_input(file, &in);
        text = cv_buf_slice(&in);
    }
    r = cv_store_load_plain(in_store, text, &f.doc);
    cv_buf_release(&in);
    if (!cv_is_ok(r)) cv_sops_fail(2, "Error unmarshalling file: %s", cv_cli_msg(r));
    if (f.doc.n == 0)
        cv_sops_fail(92, "File cannot be completely empty, it must contain at least one document");
    if (cv_store_has_metadata(out_store, &f.doc)) {
        cv_sops_wrap("The file you have provided contains a top-level entry called 'sops', or "
                     "for flat file formats top-level entries starting with 'sops_'. This is "
                     "generally due to the file already being encrypted. SOPS uses a top-level "
                     "entry called 'sops' to store the metadata required to decrypt the file. "
                     "For this reason, SOPS can not encrypt files that already contain such an "
                     "entry.\n\nIf this is an unencrypted file, rename the 'sops' entry.\n\n"
                     "If this is an encrypted file and you want to edit it, use the editor mode, "
                     "for example: `sops edit my_file.yaml`", 75, stderr);
        fputc('\n', stderr);
        exit(203);
    }
    cv_sops_encrypt_meta(o, name, in_store, &f.doc, &f.meta);
    r = cv_secret_new(&f.key, CV_SOPS_KEY_LEN);
    if (!cv_is_ok(r)) cv_sops_fail(1, "%s", cv_cli_msg(r));
    cv_random(f.key->data, CV_SOPS_KEY_LEN);
    /* The data key is sealed to its recipients while the values' MAC is
     * hashed. */
    cv_sops_reencrypt(&f);
    r = cv_sops_data_key_seal(&f.doc, &f.meta, f.key->data);
    if (!cv_is_ok(r)) {
        cv_sops_mac_discard(&f.mac);
        cv_sops_fail(1, "Could not generate data key: [%s]", cv_cli_msg(r));
    }
    cv_buf out;
    cv_sops_emit_encrypted(&f, out_store, cv_sops_indent(o, out_store), &out);
    cv_sops_write_output(o, file, cv_buf_slice(&out));
    cv_buf_release(&out);
    cv_sops_file_clear(&f);
    if (name != file) free(name);
    free(file);
    return 0;
}
