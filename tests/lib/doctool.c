/* Test-only driver for the document codecs, so shell suites can compare
 * them with sops's stores (tests/peers/sopsstore has the same interface):
 *
 *   doctool [-indent N] STORE tree FILE        the loaded tree as typed JSON
 *   doctool [-indent N] STORE roundtrip FILE   emit(load(FILE))
 *
 * Errors go to stderr (code message: detail) with exit status 1. Stores are
 * rows of the table below; a codec adds its load and emit functions. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/base/limits.h"
#include "secrets/doc/yaml.h"
#include "tests/lib/doc_dump.h"

typedef struct {
    const char *name;
    cv_result (*load)(cv_slice in, cv_doc *doc);
    cv_result (*emit)(const cv_doc *doc, int indent, cv_buf *out);
} store;

static const store k_stores[] = {
    { "yaml", cv_yaml_load, cv_yaml_emit },
};

static const store *find_store(const char *name)
{
    for (size_t i = 0; i < sizeof(k_stores) / sizeof(k_stores[0]); i++)
        if (strcmp(k_stores[i].name, name) == 0) return &k_stores[i];
    return NULL;
}

static int fail(cv_result r)
{
    fprintf(stderr, "%s: %s\n", cv_strerror(r.err), cv_err_detail());
    return 1;
}

static cv_result read_file(const char *path, cv_buf *b)
{
    FILE *f = fopen(path, "rb");
    CV_ENSUREF(f != NULL, CV_E_IO, "cannot open %s", path);
    char chunk[65536];
    size_t n;
    cv_result r = cv_ok();
    while (cv_is_ok(r) && (n = fread(chunk, 1, sizeof(chunk), f)) > 0) r = cv_buf_add(b, chunk, n);
    fclose(f);
    return r;
}

static cv_result run(const store *st, const char *action, const char *path, int indent, cv_buf *out)
{
    cv_buf in;
    cv_doc doc;
    cv_buf_init_secret(&in, CV_DOC_MAX_INPUT);
    cv_result r = cv_doc_init(&doc);
    if (cv_is_ok(r)) r = read_file(path, &in);
    if (cv_is_ok(r)) r = st->load(cv_buf_slice(&in), &doc);
    if (cv_is_ok(r) && strcmp(action, "tree") == 0) r = tv_doc_dump(&doc, out);
    else if (cv_is_ok(r) && strcmp(action, "roundtrip") == 0) r = st->emit(&doc, indent, out);
    else if (cv_is_ok(r)) r = CV_FAILF(CV_E_INVALID_ARG, "unknown action %s", action);
    cv_doc_clear(&doc);
    cv_buf_release(&in);
    return r;
}

int main(int argc, char **argv)
{
    int indent = 0, i = 1;
    if (argc > 2 && strcmp(argv[1], "-indent") == 0) {
        indent = (int)strtol(argv[2], NULL, 10);
        i = 3;
    }
    if (argc - i != 3) {
        fprintf(stderr, "usage: doctool [-indent N] STORE tree|roundtrip FILE\n");
        return 2;
    }
    const store *st = find_store(argv[i]);
    if (st == NULL) {
        fprintf(stderr, "unknown store %s\n", argv[i]);
        return 2;
    }
    cv_buf out;
    cv_buf_init_secret(&out, CV_DOC_MAX_INPUT * 4u);
    cv_result r = run(st, argv[i + 1], argv[i + 2], indent, &out);
    if (cv_is_ok(r)) fwrite(out.p, 1, out.len, stdout);
    cv_buf_release(&out);
    return cv_is_ok(r) ? 0 : fail(r);
}
