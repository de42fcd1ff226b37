/* `sops set` and `sops unset`: change one value of an encrypted file in
 * place, re-encrypting with the same data key (unchanged values keep their
 * IVs, so the diff shows only what changed). */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cli.h"
#include "cmd/sops.h"
#include "crypto/base/limits.h"
#include "secrets/doc/json.h"
#include "secrets/sops/path.h"

enum { EX_INVALID_SET = 7 };

/* sops parses the value with encoding/json: numbers become float64;
 * objects go through the JSON store (ints stay ints there); arrays are
 * refused. */
static cv_node *json_value(cv_doc *d, const char *text, size_t len)
{
    json_error_t err;
    json_t *j = json_loadb(text, len, JSON_DECODE_ANY | JSON_DECODE_INT_AS_REAL, &err);
    if (j == NULL) cv_sops_fail(EX_INVALID_SET, "Value for --set is not valid JSON");
    cv_node *n = NULL;
    cv_result r = cv_ok();
    if (json_is_object(j)) {
        cv_doc tmp;
        r = cv_doc_init(&tmp);
        if (cv_is_ok(r)) r = cv_json_load(cv_slice_of(text, len), &tmp);
        if (cv_is_ok(r)) r = cv_node_clone(d, tmp.branches[0], &n);
        cv_doc_clear(&tmp);
        if (!cv_is_ok(r)) cv_sops_fail(EX_INVALID_SET, "Invalid --set value format");
    } else if (json_is_array(j)) {
        cv_sops_fail(EX_INVALID_SET, "Invalid --set value format");
    } else if (json_is_string(j)) {
        r = cv_node_text(d, CV_NODE_STR, json_string_value(j), json_string_length(j), &n);
    } else if (json_is_number(j)) {
        r = cv_node_float(d, json_number_value(j), &n);
    } else if (json_is_boolean(j)) {
        r = cv_node_bool(d, json_is_true(j), &n);
    } else {
        r = cv_node_new(d, CV_NODE_NULL, &n);
    }
    json_decref(j);
    if (!cv_is_ok(r)) cv_sops_fail(1, "%s", cv_cli_msg(r));
    return n;
}

static void write_back(cv_sops_file *f, const cv_sops_opts *o, const char *file, cv_store out)
{
    cv_sops_reencrypt(f);
    cv_buf buf;
    cv_sops_emit_encrypted(f, out, cv_sops_indent(o, out), &buf);
    cv_sops_opts w = *o;
    w.in_place = true;
    cv_sops_write_output(&w, file, cv_buf_slice(&buf));
    cv_buf_release(&buf);
}

static cv_node *set_value(cv_sops_file *f, const cv_sops_opts *o, int argc, char **argv)
{
    cv_buf v;
    if (o->value_stdin) {
        cv_sops_read_input(NULL, &v);
    } else if (o->value_file_set) {
        cv_sops_read_input(argv[2], &v);
    } else {
        cv_buf_init_secret(&v, CV_DOC_MAX_INPUT);
        if (!cv_is_ok(cv_buf_add_str(&v, argv[2]))) cv_sops_fail(1, "value too large");
    }
    (void)argc;
    cv_node *n = json_value(&f->doc, (const char *)v.p, v.len);
    cv_buf_release(&v);
    return n;
}

int cv_sops_cmd_set(cv_sops_opts *o, int argc, char **argv)
{
    if (o->value_stdin && argc != 2)
        cv_sops_fail(100, "Error: file specified, or index and value are missing. Need precisely "
                          "2 positional arguments since --value-stdin is used.");
    if (!o->value_stdin && argc != 3)
        cv_sops_fail(100, "Error: no file specified, or index and value are missing. Need "
                          "precisely 3 positional arguments.");
    char *file = cv_cli_abs_path(argv[0]);
    cv_store in, out;
    cv_sops_stores(o, file, &in, &out);
    cv_sops_path p;
    if (!cv_is_ok(cv_sops_path_parse(argv[1], &p)))
        cv_sops_fail(EX_INVALID_SET, "Invalid set index format");
    cv_sops_file f;
    cv_sops_open(&f, o, file, in, true);
    cv_node *value = set_value(&f, o, argc, argv);
    bool changed;
    cv_result r = cv_sops_path_set(&f.doc, f.doc.branches[0], &p, value, &changed);
    cv_sops_path_free(&p);
    if (!cv_is_ok(r)) cv_sops_fail(1, "%s", cv_cli_msg(r));
    if (changed || !o->idempotent) write_back(&f, o, file, out);
    cv_sops_file_clear(&f);
    free(file);
    return 0;
}

int cv_sops_cmd_unset(cv_sops_opts *o, int argc, char **argv)
{
    if (argc != 2) cv_sops_fail(100, "Error: no file specified, or index is missing");
    char *file = cv_cli_abs_path(argv[0]);
    cv_store in, out;
    cv_sops_stores(o, file, &in, &out);
    cv_sops_path p;
    if (!cv_is_ok(cv_sops_path_parse(argv[1], &p)))
        cv_sops_fail(EX_INVALID_SET, "Invalid unset index format");
    cv_sops_file f;
    cv_sops_open(&f, o, file, in, true);
    cv_result r = cv_sops_path_unset(f.doc.branches[0], &p);
    cv_sops_path_free(&p);
    if (!cv_is_ok(r) && !(cv_is(r, CV_E_NOT_FOUND) && o->idempotent))
        cv_sops_fail(1, "%s", cv_cli_msg(r));
    if (cv_is_ok(r)) write_back(&f, o, file, out);
    cv_sops_file_clear(&f);
    free(file);
    return 0;
}
