/* `covert diff -f PATH`: what `covert apply` would change, as `kubectl diff`
 * shows it: for each object, the live object against the server's dry-run
 * server-side apply of the manifest, both without managedFields, as YAML,
 * in unified diff form. Secret values are masked the way kubectl masks
 * them ("***", or "*** (before)" / "*** (after)" when a value changes), so
 * nothing secret is printed; SOPS-encrypted manifests are decrypted in
 * memory first and no file is written. Exit status as kubectl diff: 0 no
 * differences, 1 differences, >1 an error. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/apply.h"
#include "cmd/cli.h"
#include "cmd/commands.h"
#include "crypto/base/limits.h"
#include "crypto/base/mem.h"
#include "reconcile/kube/apply.h"
#include "secrets/doc/yaml.h"

static const char usage[] =
    "Usage:\n"
    "    covert diff -f FILE|DIR|- [-f ...] [options]\n"
    "\n"
    "Show what applying the manifests would change: each live object against\n"
    "the server's dry run of the apply, as a unified diff of YAML. Secret\n"
    "values are masked. Exit status 0: no differences, 1: differences,\n"
    "2: an error.\n"
    "\n"
    "Options:\n"
    "    -f, --filename PATH        File, directory (its .yaml/.yml/.json files) or -\n"
    "    -R, --recursive            Descend into directories\n"
    "    -n, --namespace NS         Namespace for objects that have none\n"
    "    --kubeconfig FILE          kubeconfig to use (default: $KUBECONFIG, ~/.kube/config)\n"
    "    --context NAME             kubeconfig context to use\n"
    "    --as USER                  impersonate USER (Impersonate-User)\n"
    "    --as-group GROUP           impersonate GROUP too (repeatable; needs --as)\n"
    "    --as-uid UID               impersonate UID too (needs --as)\n"
    "    --field-manager NAME       field manager (default \"covert\")\n"
    "    --force-conflicts          diff as if conflicting fields were taken over\n"
    "    --server-side              accepted for kubectl compatibility (always on)";

/* ---- JSON to a document tree (keys sorted, as kubectl prints YAML) ------- */

static int key_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static cv_result to_node(cv_doc *d, json_t *j, cv_node **out, unsigned depth);

static cv_result object_node(cv_doc *d, json_t *j, cv_node **out, unsigned depth)
{
    size_t n = json_object_size(j), i = 0;
    const char **keys = calloc(n ? n : 1, sizeof(char *));
    CV_ENSURE(keys, CV_E_NOMEM);
    const char *k;
    json_t *v;
    json_object_foreach(j, k, v) keys[i++] = k;
    qsort(keys, n, sizeof(char *), key_cmp);
    cv_result r = cv_node_new(d, CV_NODE_MAP, out);
    for (i = 0; i < n && cv_is_ok(r); i++) {
        cv_node *c;
        r = to_node(d, json_object_get(j, keys[i]), &c, depth + 1);
        if (cv_is_ok(r)) r = cv_map_add(d, *out, keys[i], strlen(keys[i]), c);
    }
    free(keys);
    return r;
}

static cv_result to_node(cv_doc *d, json_t *j, cv_node **out, unsigned depth)
{
    CV_ENSURE(depth < CV_DOC_MAX_DEPTH, CV_E_LIMIT);
    switch (json_typeof(j)) {
    case JSON_OBJECT: return object_node(d, j, out, depth);
    case JSON_ARRAY: {
        CV_GUARD(cv_node_new(d, CV_NODE_LIST, out));
        size_t i;
        json_t *v;
        json_array_foreach(j, i, v) {
            cv_node *c;
            CV_GUARD(to_node(d, v, &c, depth + 1));
            CV_GUARD(cv_node_append(d, *out, NULL, c));
        }
        return cv_ok();
    }
    case JSON_STRING:
        return cv_node_text(d, CV_NODE_STR, json_string_value(j), json_string_length(j), out);
    case JSON_INTEGER: return cv_node_int(d, json_integer_value(j), out);
    case JSON_REAL: return cv_node_float(d, json_real_value(j), out);
    case JSON_TRUE: return cv_node_bool(d, true, out);
    case JSON_FALSE: return cv_node_bool(d, false, out);
    default: return cv_node_new(d, CV_NODE_NULL, out);
    }
}

/* The object as YAML (empty for NULL: a missing live object). */
static cv_result render(json_t *obj, cv_buf *out)
{
    if (obj == NULL) return cv_ok();
    cv_doc d;
    CV_GUARD(cv_doc_init(&d));
    cv_node *b, *root;
    cv_result r = cv_doc_add_branch(&d, &b);
    if (cv_is_ok(r)) r = to_node(&d, obj, &root, 0);
    if (cv_is_ok(r)) {
        *b = *root;
        r = cv_yaml_emit(&d, 2, out);
    }
    cv_doc_clear(&d);
    return r;
}

/* ---- normalising and masking ----------------------------------------------- */

static void strip(json_t *obj)
{
    json_t *md = json_object_get(obj, "metadata");
    if (md) json_object_del(md, "managedFields");
}

static void mask_field(json_t *live, json_t *merged, const char *field)
{
    json_t *a = live ? json_object_get(live, field) : NULL;
    json_t *b = merged ? json_object_get(merged, field) : NULL;
    const char *k;
    json_t *v;
    json_object_foreach(a, k, v) {
        json_t *other = b ? json_object_get(b, k) : NULL;
        bool same = other && json_equal(v, other);
        json_object_set_new(a, k, json_string(same || !other ? "***" : "*** (before)"));
    }
    json_object_foreach(b, k, v) {
        json_t *other = a ? json_object_get(a, k) : NULL;
        const char *m = other && strcmp(json_string_value(other), "***") != 0 ? "*** (after)"
                                                                             : "***";
        json_object_set_new(b, k, json_string(m));
    }
}

static void mask_secret(json_t *live, json_t *merged)
{
    const char *kind = json_string_value(json_object_get(merged ? merged : live, "kind"));
    if (kind == NULL || strcmp(kind, "Secret") != 0) return;
    mask_field(live, merged, "data");
    mask_field(live, merged, "stringData");
}

/* ---- unified diff ------------------------------------------------------------ */

typedef struct {
    const char **p;
    size_t *len;
    size_t n;
} lines;

static void split(cv_buf *b, lines *l)
{
    l->n = 0;
    for (size_t i = 0; i < b->len; i++) l->n += b->p[i] == '\n';
    if (b->len && b->p[b->len - 1] != '\n') l->n++;
    l->p = calloc(l->n + 1, sizeof(char *));
    l->len = calloc(l->n + 1, sizeof(size_t));
    if (l->p == NULL || l->len == NULL) cv_cli_errorf("out of memory");
    size_t k = 0, start = 0;
    for (size_t i = 0; i <= b->len && k < l->n; i++)
        if (i == b->len || b->p[i] == '\n') {
            l->p[k] = (const char *)b->p + start;
            l->len[k++] = i - start;
            start = i + 1;
        }
}

static bool same_line(const lines *a, size_t i, const lines *b, size_t j)
{
    return a->len[i] == b->len[j] && memcmp(a->p[i], b->p[j], a->len[i]) == 0;
}

/* Edit script by LCS: ops[k] = ' ' (both), '-' (a only), '+' (b only). */
static size_t script(const lines *a, const lines *b, char *ops, size_t *ai, size_t *bi)
{
    size_t n = a->n, m = b->n;
    uint32_t *t = calloc((n + 1) * (m + 1), sizeof(uint32_t));
    if (t == NULL) cv_cli_errorf("objects too large to diff");
    for (size_t i = n; i-- > 0;)
        for (size_t j = m; j-- > 0;)
            t[i * (m + 1) + j] = same_line(a, i, b, j)
                                     ? t[(i + 1) * (m + 1) + j + 1] + 1
                                     : (t[(i + 1) * (m + 1) + j] > t[i * (m + 1) + j + 1]
                                            ? t[(i + 1) * (m + 1) + j]
                                            : t[i * (m + 1) + j + 1]);
    size_t i = 0, j = 0, k = 0;
    while (i < n || j < m) {
        /* Removals before additions, as diff -u prints them. */
        if (i < n && j < m && same_line(a, i, b, j)) ops[k] = ' ', ai[k] = i++, bi[k++] = j++;
        else if (i < n && (j == m || t[(i + 1) * (m + 1) + j] >= t[i * (m + 1) + j + 1]))
            ops[k] = '-', ai[k] = i++, bi[k++] = j;
        else ops[k] = '+', ai[k] = i, bi[k++] = j++;
    }
    free(t);
    return k;
}

static void hunk(const lines *a, const lines *b, const char *ops, const size_t *ai,
                 const size_t *bi, size_t from, size_t to)
{
    size_t na = 0, nb = 0;
    for (size_t k = from; k < to; k++) {
        na += ops[k] != '+';
        nb += ops[k] != '-';
    }
    printf("@@ -%zu,%zu +%zu,%zu @@\n", na ? ai[from] + 1 : ai[from], na,
           nb ? bi[from] + 1 : bi[from], nb);
    for (size_t k = from; k < to; k++) {
        const lines *l = ops[k] == '+' ? b : a;
        size_t idx = ops[k] == '+' ? bi[k] : ai[k];
        printf("%c%.*s\n", ops[k], (int)l->len[idx], l->p[idx]);
    }
}

/* Prints the diff; true when there is one. */
static bool unified(const char *name, cv_buf *live, cv_buf *merged)
{
    lines a, b;
    split(live, &a);
    split(merged, &b);
    size_t cap = a.n + b.n + 1;
    char *ops = malloc(cap);
    size_t *ai = malloc(cap * sizeof(size_t)), *bi = malloc(cap * sizeof(size_t));
    if (!ops || !ai || !bi) cv_cli_errorf("out of memory");
    size_t n = script(&a, &b, ops, ai, bi);
    bool any = false;
    for (size_t k = 0; k < n; k++) any |= ops[k] != ' ';
    if (any) {
        printf("diff -u -N LIVE/%s MERGED/%s\n--- LIVE/%s\n+++ MERGED/%s\n", name, name, name,
               name);
        /* Hunks with 3 lines of context; changes fewer than 7 equal lines
         * apart share one. */
        for (size_t k = 0; k < n;) {
            if (ops[k] == ' ') {
                k++;
                continue;
            }
            size_t last = k, j = k;
            while (j < n) {
                if (ops[j] != ' ') {
                    last = j++;
                    continue;
                }
                size_t run = 0;
                while (j + run < n && ops[j + run] == ' ') run++;
                if (j + run == n || run > 6) break;
                j += run;
            }
            size_t from = k >= 3 ? k - 3 : 0, end = last + 4 < n ? last + 4 : n;
            hunk(&a, &b, ops, ai, bi, from, end);
            k = end;
        }
    }
    free(ops);
    free(ai);
    free(bi);
    free(a.p);
    free(a.len);
    free(b.p);
    free(b.len);
    return any;
}

/* ---- one object --------------------------------------------------------------- */

static int diff_one(cv_kube *k, const apply_flags *f, json_t *obj)
{
    const char *av = json_string_value(json_object_get(obj, "apiVersion"));
    const char *kind = json_string_value(json_object_get(obj, "kind"));
    json_t *md = json_object_get(obj, "metadata");
    const char *name = json_string_value(json_object_get(md, "name"));
    const char *ns = json_string_value(json_object_get(md, "namespace"));
    const cv_kube_resource *res;
    cv_result r = cv_kube_mapping(k, av ? av : "", kind ? kind : "", &res);
    if (!cv_is_ok(r) || name == NULL) {
        fprintf(stderr, "covert: error: %s\n", name ? cv_cli_msg(r) : "an object has no name");
        return 2;
    }
    if (!res->namespaced) ns = NULL;
    else if (ns == NULL) ns = f->ns && *f->ns ? f->ns : cv_kube_default_namespace(k);
    json_t *live = NULL, *merged = NULL;
    r = cv_kube_get(k, res, ns, name, &live);
    if (cv_is(r, CV_E_KUBE_NOT_FOUND)) live = NULL, r = cv_ok();
    cv_kube_apply_opts ao = { .field_manager = f->manager, .force = f->force, .dry_run = true };
    bool created;
    if (cv_is_ok(r)) r = cv_kube_apply(k, res, ns, obj, &ao, &merged, &created);
    if (!cv_is_ok(r)) {
        fprintf(stderr, "covert: error: %s/%s: %s\n", kind, name, cv_cli_msg(r));
        json_decref(live);
        return 2;
    }
    if (live) strip(live);
    strip(merged);
    mask_secret(live, merged);
    cv_buf a, b;
    cv_buf_init_secret(&a, CV_DOC_MAX_INPUT);
    cv_buf_init_secret(&b, CV_DOC_MAX_INPUT);
    int rc = 2;
    if (cv_is_ok(render(live, &a)) && cv_is_ok(render(merged, &b))) {
        char label[1024];
        snprintf(label, sizeof(label), "%s.%s.%s%s%s", av, kind, ns ? ns : "", ns ? "." : "",
                 name);
        for (char *p = label; *p; p++)
            if (*p == '/') *p = '.';
        rc = unified(label, &a, &b) ? 1 : 0;
    }
    cv_buf_release(&a);
    cv_buf_release(&b);
    json_decref(live);
    json_decref(merged);
    return rc;
}

int cv_cmd_diff(int argc, char **argv)
{
    apply_flags f;
    cv_cli_prog = "covert";
    cv_apply_parse_args(argc, argv, usage, &f);
    (void)cv_harden_process(false);
    json_t *docs = cv_apply_load_manifests(&f);
    json_t *objs = NULL;
    if (!cv_is_ok(cv_kube_flatten(docs, &objs))) cv_cli_errorf("%s", cv_err_detail());
    cv_kube *k = cv_apply_connect(&f);
    int rc = 0;
    size_t i;
    json_t *o;
    json_array_foreach(objs, i, o) {
        int r = diff_one(k, &f, o);
        if (r > rc) rc = r;
    }
    fflush(stdout);
    cv_kube_free(&k);
    json_decref(objs);
    json_decref(docs);
    cv_strlist_free(&f.files);
    cv_strlist_free(&f.as_groups);
    return rc;
}
