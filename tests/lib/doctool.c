/* doctool: covert's document codecs from the command line, the counterpart
 * of tests/peers/sopsstore (sops's own store code) for byte comparisons.
 *
 *   doctool [-indent N] [-prefix P] [-to OUT] STORE ACTION FILE
 *
 *   tree       the loaded tree as typed JSON (tests/lib/doc_dump.h)
 *   roundtrip  emit(load(FILE)), emitted by store OUT when -to is given
 *   flatten    the first branch flattened with prefix P, as typed JSON
 *   unflatten  the first branch unflattened, as typed JSON
 *   value      the store's emit_value of each top-level value, each + LF
 *
 * Flags may come anywhere; N defaults to -1 (sops's JSON default: a tab).
 * Errors go to stderr as "doctool: MESSAGE: DETAIL", exit status 1; usage
 * errors exit 2. Test-only: not part of the covert binary.
 *
 * Stores are one table; the YAML store adds a row. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/base/limits.h"
#include "crypto/base/mem.h"
#include "secrets/doc/binary.h"
#include "secrets/doc/dotenv.h"
#include "secrets/doc/flatten.h"
#include "secrets/doc/ini.h"
#include "secrets/doc/json.h"
#include "secrets/doc/yaml.h"
#include "secrets/runtime/init.h"
#include "tests/lib/doc_dump.h"
#include "tests/lib/vectors.h"

typedef struct {
    const char *name;
    cv_result (*load)(cv_slice in, cv_doc *doc);
    cv_result (*emit)(const cv_doc *doc, int indent, cv_buf *out);
    cv_result (*emit_value)(const cv_node *n, int indent, cv_buf *out); /* NULL: none */
} doctool_store;

static const doctool_store doctool_stores[] = {
    { "yaml", cv_yaml_load, cv_yaml_emit, cv_yaml_emit_value },
    { "json", cv_json_load, cv_json_emit, cv_json_emit_value },
    { "dotenv", cv_dotenv_load, cv_dotenv_emit, cv_dotenv_emit_value },
    { "ini", cv_ini_load, cv_ini_emit, cv_ini_emit_value },
    { "binary", cv_binary_load, cv_binary_emit, NULL },
};

typedef struct {
    int indent;
    bool indent_set;
    const char *prefix;
    const char *to;
    const char *args[3];
    int nargs;
} doctool_opts;

static int usage(void)
{
    fputs("usage: doctool [-indent N] [-prefix P] [-to OUT] STORE tree|roundtrip|flatten|unflatten|value FILE\n",
          stderr);
    return 2;
}

static bool parse_args(int argc, char **argv, doctool_opts *o)
{
    o->indent = -1;
    o->indent_set = false;
    o->prefix = "";
    o->to = NULL;
    o->nargs = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-indent") == 0 && i + 1 < argc) {
            char *end;
            long v = strtol(argv[++i], &end, 10);
            if (*end != '\0' || v < -1000 || v > 1000) return false;
            o->indent = (int)v;
            o->indent_set = true;
        } else if (strcmp(argv[i], "-prefix") == 0 && i + 1 < argc) {
            o->prefix = argv[++i];
        } else if (strcmp(argv[i], "-to") == 0 && i + 1 < argc) {
            o->to = argv[++i];
        } else if (o->nargs < 3) {
            o->args[o->nargs++] = argv[i];
        } else {
            return false;
        }
    }
    return o->nargs == 3;
}

static const doctool_store *find_store(const char *name)
{
    for (size_t i = 0; i < sizeof(doctool_stores) / sizeof(doctool_stores[0]); i++)
        if (strcmp(doctool_stores[i].name, name) == 0) return &doctool_stores[i];
    return NULL;
}

static cv_result values(const doctool_store *st, int indent, const cv_doc *doc, cv_buf *out)
{
    CV_ENSURE(st->emit_value != NULL, CV_E_DOC_UNSUPPORTED);
    const cv_node *b = doc->branches[0];
    for (size_t i = 0; i < b->n; i++) {
        if (b->items[i].key->kind == CV_NODE_COMMENT) continue;
        CV_GUARD(st->emit_value(b->items[i].value, indent, out));
        CV_GUARD(cv_buf_add_byte(out, '\n'));
    }
    return cv_ok();
}

static cv_result run(const doctool_store *st, const doctool_store *to, const doctool_opts *o,
                     cv_slice in, cv_doc *doc, cv_buf *out)
{
    const char *action = o->args[1];
    CV_GUARD(st->load(in, doc));
    if (strcmp(action, "tree") == 0) return tv_doc_dump(doc, out);
    if (strcmp(action, "roundtrip") == 0) return to->emit(doc, o->indent, out);
    if (strcmp(action, "value") == 0) return values(st, o->indent, doc, out);
    bool fl = strcmp(action, "flatten") == 0;
    CV_ENSURE(fl || strcmp(action, "unflatten") == 0, CV_E_INVALID_ARG);
    CV_ENSURE(doc->n >= 1, CV_E_DOC_UNSUPPORTED);
    cv_node *res;
    if (fl) CV_GUARD(cv_flatten(doc, doc->branches[0], cv_slice_str(o->prefix), &res));
    else CV_GUARD(cv_unflatten(doc, doc->branches[0], &res));
    doc->branches[0] = res;
    return tv_doc_dump(doc, out);
}

int main(int argc, char **argv)
{
    doctool_opts o;
    if (!parse_args(argc, argv, &o)) return usage();
    const doctool_store *st = find_store(o.args[0]);
    const doctool_store *to = o.to != NULL ? find_store(o.to) : st;
    if (st == NULL || to == NULL) return usage();
    /* YAML's store default is 0 (four spaces); JSON's is -1 (a tab). */
    if (o.indent == -1 && !o.indent_set && to->load == cv_yaml_load) o.indent = 0;
    if (!cv_is_ok(cv_crypto_init()) || !cv_is_ok(cv_secrets_init())) return 1;
    size_t len;
    uint8_t *data = tv_read_file(o.args[2], &len);
    if (data == NULL) {
        fprintf(stderr, "doctool: cannot read %s\n", o.args[2]);
        return 1;
    }
    cv_doc doc;
    cv_buf out;
    cv_buf_init_secret(&out, CV_DOC_MAX_INPUT * 4u);
    cv_result r = cv_doc_init(&doc);
    if (cv_is_ok(r)) r = run(st, to, &o, cv_slice_of(data, len), &doc, &out);
    int rc = 0;
    if (cv_is_ok(r)) {
        if (out.len > 0) fwrite(out.p, 1, out.len, stdout);
    } else {
        fprintf(stderr, "doctool: %s: %s\n", cv_strerror(r.err), cv_err_detail());
        rc = 1;
    }
    cv_buf_release(&out);
    cv_doc_clear(&doc);
    cv_wipe(data, len);
    free(data);
    return rc;
}
