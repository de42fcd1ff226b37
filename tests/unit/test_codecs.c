/* The JSON, dotenv, INI and binary codecs and flatten/unflatten against
 * testvectors/codecs/expected/ (written by sops v3.13.2's own store code,
 * tests/gen/codecs_cases.sh), plus every error code with an exact
 * assertion. The live comparison with the peer is
 * tests/parity/codecs_parity.sh. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "crypto/base/limits.h"
#include "crypto/base/mem.h"
#include "secrets/doc/binary.h"
#include "secrets/doc/dotenv.h"
#include "secrets/doc/flatten.h"
#include "secrets/doc/gostr.h"
#include "secrets/doc/ini.h"
#include "secrets/doc/json.h"
#include "secrets/doc/num.h"
#include "secrets/runtime/init.h"
#include "tests/lib/doc_dump.h"
#include "tests/lib/vectors.h"

static void setup(void)
{
    cr_assert(cv_is_ok(cv_crypto_init()));
    cr_assert(cv_is_ok(cv_secrets_init()));
}
TestSuite(codecs, .init = setup);

typedef struct {
    const char *name;
    cv_result (*load)(cv_slice, cv_doc *);
    cv_result (*emit)(const cv_doc *, int, cv_buf *);
    cv_result (*value)(const cv_node *, int, cv_buf *);
} store;

static const store stores[] = {
    { "json", cv_json_load, cv_json_emit, cv_json_emit_value },
    { "dotenv", cv_dotenv_load, cv_dotenv_emit, cv_dotenv_emit_value },
    { "ini", cv_ini_load, cv_ini_emit, cv_ini_emit_value },
    { "binary", cv_binary_load, cv_binary_emit, NULL },
};

static const store *store_named(const char *name)
{
    if (strcmp(name, "flatten") == 0) name = "json";
    for (size_t i = 0; i < sizeof(stores) / sizeof(stores[0]); i++)
        if (strcmp(stores[i].name, name) == 0) return &stores[i];
    return NULL;
}

static cv_result values(const store *st, int indent, const cv_doc *doc, cv_buf *out)
{
    CV_ENSURE(st->value != NULL, CV_E_DOC_UNSUPPORTED);
    const cv_node *b = doc->branches[0];
    for (size_t i = 0; i < b->n; i++) {
        if (b->items[i].key->kind == CV_NODE_COMMENT) continue;
        CV_GUARD(st->value(b->items[i].value, indent, out));
        CV_GUARD(cv_buf_add_byte(out, '\n'));
    }
    return cv_ok();
}

static cv_result flat(cv_doc *doc, const char *action, cv_buf *out)
{
    cv_node *res;
    if (strcmp(action, "unflatten") == 0) {
        CV_GUARD(cv_unflatten(doc, doc->branches[0], &res));
    } else {
        const char *prefix = strcmp(action, "flatten_sops") == 0 ? "sops_" : "";
        CV_GUARD(cv_flatten(doc, doc->branches[0], cv_slice_str(prefix), &res));
    }
    doc->branches[0] = res;
    return tv_doc_dump(doc, out);
}

/* One comparison named as in tests/lib/codecs_actions.sh. */
static cv_result run_action(const store *st, const char *action, cv_slice in, cv_buf *out)
{
    cv_doc doc;
    CV_GUARD(cv_doc_init(&doc));
    cv_result r = st->load(in, &doc);
    int indent = strcmp(action, "rt0") == 0 ? 0 : strcmp(action, "rt2") == 0 ? 2
               : strcmp(action, "rt-2") == 0 ? -2 : strcmp(action, "value4") == 0 ? 4 : -1;
    const store *to = store_named(action);
    if (!cv_is_ok(r)) {
    } else if (strcmp(action, "tree") == 0) {
        r = tv_doc_dump(&doc, out);
    } else if (strncmp(action, "rt", 2) == 0) {
        r = st->emit(&doc, indent, out);
    } else if (strncmp(action, "value", 5) == 0) {
        r = values(st, indent, &doc, out);
    } else if (strstr(action, "flatten") != NULL) {
        r = flat(&doc, action, out);
    } else if (to != NULL) {
        r = to->emit(&doc, -1, out);
    } else {
        r = CV_FAIL(CV_E_INVALID_ARG);
    }
    cv_doc_clear(&doc);
    return r;
}

static void check_expected(const char *sub, const char *file, size_t *count)
{
    char name[512], action[64], path[1024];
    snprintf(name, sizeof(name), "%s", file);
    bool want_err = strlen(name) > 4 && strcmp(name + strlen(name) - 4, ".err") == 0;
    if (want_err) name[strlen(name) - 4] = '\0';
    char *dot = strrchr(name, '.');
    cr_assert_not_null(dot, "%s", file);
    snprintf(action, sizeof(action), "%s", dot + 1);
    *dot = '\0';
    snprintf(path, sizeof(path), "testvectors/codecs/cases/%s/%s", sub, name);
    size_t in_len, want_len = 0;
    uint8_t *in = tv_read_file(path, &in_len);
    cr_assert_not_null(in, "%s", path);
    snprintf(path, sizeof(path), "testvectors/codecs/expected/%s/%s", sub, file);
    uint8_t *want = tv_read_file(path, &want_len);
    cr_assert_not_null(want, "%s", path);
    cv_buf out;
    cv_buf_init_secret(&out, CV_DOC_MAX_INPUT);
    cv_result r = run_action(store_named(sub), action, cv_slice_of(in, in_len), &out);
    if (want_err) {
        cr_expect(!cv_is_ok(r), "%s/%s %s: sops refuses, covert accepts", sub, name, action);
    } else {
        cr_expect(cv_is_ok(r), "%s/%s %s: covert refuses: %s: %s", sub, name, action,
                  cv_strerror(r.err), cv_err_detail());
        cr_expect(cv_is_ok(r) && out.len == want_len && (want_len == 0 || memcmp(out.p, want, want_len) == 0),
                  "%s/%s %s: output differs", sub, name, action);
    }
    cv_buf_release(&out);
    free(in);
    free(want);
    (*count)++;
}

Test(codecs, sops_made_expected_outputs)
{
    static const char *const subs[] = { "json", "dotenv", "ini", "binary", "flatten" };
    size_t count = 0;
    for (size_t s = 0; s < sizeof(subs) / sizeof(subs[0]); s++) {
        char dir[256];
        snprintf(dir, sizeof(dir), "testvectors/codecs/expected/%s", subs[s]);
        size_t n;
        char **names = tv_list_dir(dir, &n);
        cr_assert_not_null(names, "%s", dir);
        for (size_t i = 0; i < n; i++) check_expected(subs[s], names[i], &count);
        tv_free_list(names, n);
    }
    cr_assert_gt(count, 1000);
}

/* ---- exact error codes ------------------------------------------------- */

static cv_err load_err(const store *st, const char *text)
{
    cv_doc doc;
    cr_assert(cv_is_ok(cv_doc_init(&doc)));
    cv_result r = st->load(cv_slice_str(text), &doc);
    cv_doc_clear(&doc);
    return r.err;
}

static cv_err emit_err(const store *from, const char *text, const store *to, int indent)
{
    cv_doc doc;
    cv_buf out;
    cv_buf_init_secret(&out, 1u << 20);
    cr_assert(cv_is_ok(cv_doc_init(&doc)));
    cr_assert(cv_is_ok(from->load(cv_slice_str(text), &doc)), "%s", text);
    cv_result r = to->emit(&doc, indent, &out);
    cv_buf_release(&out);
    cv_doc_clear(&doc);
    return r.err;
}

#define JSON (&stores[0])
#define DOTENV (&stores[1])
#define INI (&stores[2])
#define BINARY (&stores[3])

Test(codecs, json_errors)
{
    cr_assert_eq(load_err(JSON, ""), CV_E_DOC_SYNTAX);
    cr_assert_eq(load_err(JSON, "{\"a\": 01}"), CV_E_DOC_SYNTAX);
    cr_assert_eq(load_err(JSON, "{\"a\": \"\\x\"}"), CV_E_DOC_SYNTAX);
    cr_assert_eq(load_err(JSON, "{\"a\": \"x"), CV_E_DOC_SYNTAX);
    cr_assert_eq(load_err(JSON, "{\"a\": 1"), CV_E_DOC_SYNTAX);
    cr_assert_eq(load_err(JSON, "\xef\xbb\xbf{}"), CV_E_DOC_SYNTAX);
    cr_assert_eq(load_err(JSON, "[1]"), CV_E_DOC_UNSUPPORTED);
    cr_assert_eq(load_err(JSON, "\"s\""), CV_E_DOC_UNSUPPORTED);
    cr_assert_eq(load_err(JSON, "{\"a\": 1e309}"), CV_E_NUMBER);
    cr_assert_eq(load_err(JSON, "{\"a\": 1e-400}"), CV_OK);
    cr_assert_eq(load_err(JSON, "{\"a\": [1, 2"), CV_OK);
    char deep[2 * CV_DOC_MAX_DEPTH + 16];
    size_t n = 0;
    deep[n++] = '{', deep[n++] = '"', deep[n++] = 'a', deep[n++] = '"', deep[n++] = ':';
    for (unsigned i = 0; i < CV_DOC_MAX_DEPTH; i++) deep[n++] = '[';
    deep[n] = '\0';
    cr_assert_eq(load_err(JSON, deep), CV_E_LIMIT);
    cv_doc doc;
    cr_assert(cv_is_ok(cv_doc_init(&doc)));
    static const uint8_t one = '{';
    cr_assert(cv_is(cv_json_load(cv_slice_of(&one, CV_DOC_MAX_INPUT + 1u), &doc),
                    CV_E_TOO_LARGE));
    cv_doc_clear(&doc);
}

Test(codecs, json_emit_errors)
{
    cr_assert_eq(emit_err(JSON, "{\"a\": 1}", JSON, -2), CV_E_INVALID_ARG);
    cv_doc doc;
    cv_buf out;
    cv_buf_init_secret(&out, 1024);
    cr_assert(cv_is_ok(cv_doc_init(&doc)));
    cv_node *b, *f;
    cr_assert(cv_is_ok(cv_doc_add_branch(&doc, &b)));
    cr_assert(cv_is_ok(cv_node_float(&doc, NAN, &f)));
    cr_assert(cv_is_ok(cv_map_add(&doc, b, "x", 1, f)));
    cr_assert(cv_is(cv_json_emit(&doc, -1, &out), CV_E_DOC_TYPE));
    f->v.f = INFINITY;
    cr_assert(cv_is(cv_json_emit_value(f, -1, &out), CV_E_DOC_TYPE));
    cv_doc_clear(&doc);
    cr_assert(cv_is_ok(cv_doc_init(&doc)));
    cr_assert(cv_is(cv_json_emit(&doc, -1, &out), CV_E_DOC_UNSUPPORTED));
    cv_doc_clear(&doc);
    cv_buf small;
    cv_buf_init_secret(&small, 4);
    cr_assert_eq(emit_err(JSON, "{\"a\": \"long\"}", JSON, -1), CV_OK);
    cr_assert(cv_is_ok(cv_doc_init(&doc)));
    cr_assert(cv_is_ok(cv_json_load(cv_slice_str("{\"a\": \"long\"}"), &doc)));
    cr_assert(cv_is(cv_json_emit(&doc, -1, &small), CV_E_TOO_LARGE));
    cv_buf_release(&small);
    cv_buf_release(&out);
    cv_doc_clear(&doc);
}

Test(codecs, dotenv_errors)
{
    cr_assert_eq(load_err(DOTENV, "A=1\nB\n"), CV_E_DOC_SYNTAX);
    cr_assert_eq(emit_err(JSON, "{\"a\": {\"b\": 1}}", DOTENV, 0), CV_E_DOC_UNSUPPORTED);
    cr_assert_eq(emit_err(JSON, "{\"a\": []}", DOTENV, 0), CV_E_DOC_UNSUPPORTED);
    cv_doc doc;
    cv_buf out;
    cv_buf_init_secret(&out, 1024);
    cr_assert(cv_is_ok(cv_doc_init(&doc)));
    cr_assert(cv_is_ok(cv_json_load(cv_slice_str("{\"a\": 1}"), &doc)));
    cr_assert(cv_is(cv_dotenv_emit_value(doc.branches[0]->items[0].value, 0, &out), CV_E_DOC_TYPE));
    cv_buf_release(&out);
    cv_doc_clear(&doc);
}

Test(codecs, ini_errors)
{
    cr_assert_eq(load_err(INI, "[s\nk = v\n"), CV_E_DOC_SYNTAX);
    cr_assert_eq(load_err(INI, "[]\n"), CV_E_DOC_SYNTAX);
    cr_assert_eq(load_err(INI, "[s]\nkey\n"), CV_E_DOC_SYNTAX);
    cr_assert_eq(load_err(INI, "[s]\n= v\n"), CV_E_DOC_SYNTAX);
    cr_assert_eq(load_err(INI, "[s]\n\"\" = v\n"), CV_E_DOC_SYNTAX);
    cr_assert_eq(load_err(INI, "[s]\n\"abc = 1\n"), CV_E_DOC_SYNTAX);
    cr_assert_eq(load_err(INI, "[s]\na = \"\"\"open\n"), CV_E_DOC_SYNTAX);
    cr_assert_eq(emit_err(JSON, "{\"a\": 1}", INI, 0), CV_E_DOC_UNSUPPORTED);
    cr_assert_eq(emit_err(JSON, "{\"\": {}}", INI, 0), CV_E_DOC_UNSUPPORTED);
    cr_assert_eq(emit_err(JSON, "{\"s\": {\"\": 1}}", INI, 0), CV_E_DOC_UNSUPPORTED);
    /* go-ini crashes on a comment line that is empty; covert refuses it. */
    cr_assert_eq(emit_err(INI, "#\n# b\n[s]\nk = v\n", INI, 0), CV_E_DOC_UNSUPPORTED);
}

Test(codecs, binary_errors)
{
    cr_assert_eq(emit_err(JSON, "{\"x\": \"y\"}", BINARY, 0), CV_E_DOC_UNSUPPORTED);
    cr_assert_eq(emit_err(JSON, "{\"data\": 1}", BINARY, 0), CV_E_DOC_UNSUPPORTED);
    cr_assert_eq(emit_err(JSON, "{\"data\": \"ok\"}", BINARY, 0), CV_OK);
    cv_doc doc;
    cv_buf out;
    cv_buf_init_secret(&out, 64);
    cr_assert(cv_is_ok(cv_doc_init(&doc)));
    cr_assert(cv_is(cv_binary_emit(&doc, 0, &out), CV_E_DOC_UNSUPPORTED));
    cv_slice data;
    cr_assert(cv_is(cv_binary_data(&doc, &data), CV_E_DOC_UNSUPPORTED));
    cv_doc_clear(&doc);
    /* data is a view of the "data" value, what emit would write. */
    cr_assert(cv_is_ok(cv_doc_init(&doc)));
    cr_assert(cv_is_ok(cv_json_load(cv_slice_str("{\"a\": \"b\", \"data\": \"x\\u0000y\"}"), &doc)));
    cr_assert(cv_is_ok(cv_binary_data(&doc, &data)));
    cr_assert(data.len == 3 && memcmp(data.p, "x\0y", 3) == 0);
    cv_doc_clear(&doc);
    cv_buf_release(&out);
}

static cv_err flatten_err(const char *json, bool un)
{
    cv_doc doc;
    cr_assert(cv_is_ok(cv_doc_init(&doc)));
    cr_assert(cv_is_ok(cv_json_load(cv_slice_str(json), &doc)), "%s", json);
    cv_node *res;
    cv_result r = un ? cv_unflatten(&doc, doc.branches[0], &res)
                     : cv_flatten(&doc, doc.branches[0], cv_slice_str(""), &res);
    cv_doc_clear(&doc);
    return r.err;
}

Test(codecs, flatten_errors)
{
    cr_assert_eq(flatten_err("{\"a__map_b\": 1, \"a\": {\"b\": 2}}", false), CV_E_DOC_FLATTEN);
    cr_assert_eq(flatten_err("{\"a__list_0\": 1, \"a__list_00\": 2}", true), CV_E_DOC_FLATTEN);
    cr_assert_eq(flatten_err("{\"a\": 1, \"a__map_b\": 2}", true), CV_E_DOC_FLATTEN);
    cr_assert_eq(flatten_err("{\"a__map_b\": 1, \"a__list_0\": 2}", true), CV_E_DOC_FLATTEN);
    cr_assert_eq(flatten_err("{\"a__list_1\": 1}", true), CV_E_DOC_FLATTEN);
    cr_assert_eq(flatten_err("{\"a__list_0\": 1, \"a__list_1\": 2}", true), CV_OK);
    char key[8 * CV_DOC_MAX_DEPTH + 32] = "{\"a";
    for (unsigned i = 0; i < CV_DOC_MAX_DEPTH; i++) memcpy(key + strlen(key), "__map_", 7);
    memcpy(key + strlen(key), "\": 1}", 6);
    cr_assert_eq(flatten_err(key, true), CV_E_LIMIT);
}

/* ---- Go string helpers -------------------------------------------------- */

/* strconv.Itoa: the extremes as Go prints them, and a sweep of magnitudes
 * (each power of ten and its neighbours, both signs) against libc's %lld. */
Test(codecs, go_itoa)
{
    char out[CV_NUM_TEXT_MAX], ref[32];
    cr_assert_eq(cv_go_int(INT64_MIN, out), 20);
    cr_assert_str_eq(out, "-9223372036854775808");
    cr_assert_eq(cv_go_int(INT64_MAX, out), 19);
    cr_assert_str_eq(out, "9223372036854775807");
    cr_assert_eq(cv_go_int(0, out), 1);
    cr_assert_str_eq(out, "0");
    for (int64_t p = 1; p > 0 && p <= INT64_MAX / 10; p *= 10) {
        for (int64_t d = -1; d <= 1; d++) {
            for (int s = -1; s <= 1; s += 2) {
                int64_t v = s * (p + d);
                size_t n = cv_go_int(v, out);
                snprintf(ref, sizeof(ref), "%lld", (long long)v);
                cr_assert_str_eq(out, ref);
                cr_assert_eq(n, strlen(ref));
            }
        }
    }
}

Test(codecs, go_utf8_and_space)
{
    uint32_t r;
    cr_assert_eq(cv_go_utf8_decode((const uint8_t *)"\xed\xa0\x80", 3, &r), 1);
    cr_assert_eq(r, CV_GO_RUNE_ERROR);
    cr_assert_eq(cv_go_utf8_decode((const uint8_t *)"\xf4\x8f\xbf\xbf", 4, &r), 4);
    cr_assert_eq(r, 0x10FFFF);
    cr_assert_eq(cv_go_utf8_decode_last((const uint8_t *)"a\xe2\x82\xac", 4, &r), 3);
    cr_assert_eq(r, 0x20AC);
    cr_assert_eq(cv_go_utf8_decode_last((const uint8_t *)"a\x82\xac", 3, &r), 1);
    cv_slice t = cv_go_trim_space(cv_slice_str("\xc2\xa0\t x \xe3\x80\x80"));
    cr_assert(cv_slice_eq_str(t, "x"));
    t = cv_go_trim_space(cv_slice_str("\xc2 x"));
    cr_assert(cv_slice_eq_str(t, "\xc2 x"));
}

/* Every byte that ends a plain run, at every offset of a 40-byte string
 * (so both the 16-byte steps and the byte tail meet it); < > & end a run
 * only in json.Marshal's HTML-safe mode, DEL (0x7f) never does. */
Test(codecs, json_plain_run)
{
    static const uint8_t stops[] = { '"', '\\', 0x00, 0x1f, '\n', 0x80, 0xc3, 0xff };
    static const uint8_t html[] = { '<', '>', '&' };
    uint8_t s[40];
    for (size_t at = 0; at <= sizeof(s); at++) {
        memset(s, 'a', sizeof(s));
        s[0] = at > 0 ? 0x7f : 'a';
        cr_assert_eq(cv_go_json_plain_run(s, at, true), at);
        for (size_t k = 0; at < sizeof(s) && k < sizeof(stops); k++) {
            s[at] = stops[k];
            cr_assert_eq(cv_go_json_plain_run(s, sizeof(s), false), at, "stop %#x at %zu", stops[k], at);
            cr_assert_eq(cv_go_json_plain_run(s, sizeof(s), true), at);
        }
        for (size_t k = 0; at < sizeof(s) && k < sizeof(html); k++) {
            s[at] = html[k];
            cr_assert_eq(cv_go_json_plain_run(s, sizeof(s), true), at);
            cr_assert_eq(cv_go_json_plain_run(s, sizeof(s), false), sizeof(s));
        }
    }
}

/* ---- speed: a 10,000-value document (reported, not asserted) ------------ */

Test(codecs, ten_thousand_values)
{
    cv_buf in, out;
    cv_buf_init(&in, 4u << 20);
    cv_buf_init_secret(&out, 8u << 20);
    cr_assert(cv_is_ok(cv_buf_add_byte(&in, '{')));
    for (int i = 0; i < 10000; i++)
        cr_assert(cv_is_ok(cv_buf_addf(&in, "%s\"key%d\": [\"value %d\", %d.5]", i ? "," : "", i, i, i)));
    cr_assert(cv_is_ok(cv_buf_add_byte(&in, '}')));
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    cv_doc doc;
    cr_assert(cv_is_ok(cv_doc_init(&doc)));
    cr_assert(cv_is_ok(cv_json_load(cv_buf_slice(&in), &doc)));
    cr_assert(cv_is_ok(cv_json_emit(&doc, -1, &out)));
    clock_gettime(CLOCK_MONOTONIC, &b);
    cr_assert_eq(doc.branches[0]->n, 10000);
    double ms = (double)(b.tv_sec - a.tv_sec) * 1e3 + (double)(b.tv_nsec - a.tv_nsec) / 1e6;
    cr_log_info("codecs: 30,000 JSON values loaded and written in %.2f ms", ms);
    cv_doc_clear(&doc);
    cv_buf_release(&in);
    cv_buf_release(&out);
}
