/* `sops decrypt` and `sops filestatus`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cli.h"
#include "cmd/sops.h"
#include "crypto/base/limits.h"
#include "secrets/doc/binary.h"
#include "secrets/sops/path.h"

static void extract(cv_sops_file *f, const char *arg, cv_store out_store, int indent,
                    cv_buf *out)
{
    cv_sops_path p;
    cv_result r = cv_sops_path_parse(arg, &p);
    if (!cv_is_ok(r)) cv_sops_fail(91, "error parsing --extract path: %s", cv_cli_msg(r));
    cv_node *v;
    r = cv_sops_path_get(f->doc.branches[0], &p, &v);
    cv_sops_path_free(&p);
    if (!cv_is_ok(r)) cv_sops_fail(1, "error truncating tree: %s", cv_cli_msg(r));
    if (v && v->kind == CV_NODE_MAP) {
        f->doc.branches[0] = v;
        r = cv_store_emit_plain(out_store, &f->doc, indent, out);
    } else if (v && v->kind == CV_NODE_STR) {
        r = cv_buf_add(out, v->s, v->len);
    } else {
        r = cv_store_emit_value(out_store, v, indent, out);
    }
    if (!cv_is_ok(r)) cv_sops_fail(4, "Error dumping tree: %s", cv_cli_msg(r));
}

/* The plaintext to write: the binary store's output is the data value
 * itself, written straight from the tree rather than copied into a second
 * secret buffer; other stores are emitted into out. */
static cv_slice emit_plain(cv_sops_file *f, cv_store out_store, int indent, cv_buf *out)
{
    cv_slice data = { NULL, 0 };
    cv_result r = out_store == CV_STORE_BINARY
                      ? cv_binary_data(&f->doc, &data)
                      : cv_store_emit_plain(out_store, &f->doc, indent, out);
    if (!cv_is_ok(r)) {
        if (out_store == CV_STORE_BINARY)
            cv_sops_fail(4, "Error dumping file: %s\n\nThis is likely not an encrypted "
                            "binary file? If not, use --output-type to select the correct "
                            "output type.", cv_cli_msg(r));
        cv_sops_fail(4, "Error dumping file: %s", cv_cli_msg(r));
    }
    return out_store == CV_STORE_BINARY ? data : cv_buf_slice(out);
}

int cv_sops_cmd_decrypt(cv_sops_opts *o, int argc, char **argv)
{
    if (cv_sops_is_batch(argc, argv)) return cv_sops_batch(o, false, argc, argv);
    char *file;
    cv_store in_store, out_store;
    char *name = cv_sops_target(o, argc, argv, false, &file, &in_store, &out_store);
    int indent = cv_sops_indent(o, out_store);
    cv_sops_file f;
    cv_sops_open(&f, o, file, in_store, false);
    cv_buf out;
    cv_buf_init_secret(&out, CV_DOC_MAX_INPUT * 4);
    cv_slice data;
    if (o->extract && *o->extract) {
        extract(&f, o->extract, out_store, indent, &out);
        data = cv_buf_slice(&out);
    } else {
        data = emit_plain(&f, out_store, indent, &out);
    }
    cv_sops_write_output(o, file, data);
    cv_buf_release(&out);
    cv_sops_file_clear(&f);
    if (name != file) free(name);
    free(file);
    return 0;
}

/* filestatus: {"encrypted":true} when the file loads with metadata. */
int cv_sops_cmd_filestatus(cv_sops_opts *o, int argc, char **argv)
{
    if (argc < 1) cv_sops_fail(100, "Error: no file specified");
    char *file = cv_cli_abs_path(argv[0]);
    cv_store in_store, out_store;
    cv_sops_stores(o, file, &in_store, &out_store);
    cv_buf in;
    cv_buf_init_secret(&in, CV_DOC_MAX_INPUT);
    cv_result rr = cv_cli_read_file(file, &in);
    if (!cv_is_ok(rr))
        cv_sops_fail(1, "cannot load encrypted file: Error reading file: %s", cv_cli_msg(rr));
    cv_doc d;
    cv_sops_meta m;
    cv_result r = cv_doc_init(&d);
    if (cv_is_ok(r)) r = cv_store_load_encrypted(in_store, cv_buf_slice(&in), &d, &m);
    bool enc = cv_is_ok(r);
    if (!enc && !cv_is(r, CV_E_SOPS_NO_METADATA))
        cv_sops_fail(1, "cannot load encrypted file: %s", cv_cli_msg(r));
    enc = enc && m.mac_len > 0 && m.version[0] != '\0';
    printf("{\"encrypted\":%s}\n", enc ? "true" : "false");
    cv_doc_clear(&d);
    cv_buf_release(&in);
    free(file);
    return 0;
}
