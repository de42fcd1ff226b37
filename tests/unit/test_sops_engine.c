/* The SOPS engine against the shared fixtures: files written by real sops
 * 3.7-3.13, decrypted here with the data key that an independent
 * implementation recovered (<fixture>.expected.json), so the values, their
 * AAD paths, and the MAC are checked without going through age. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/base/enc.h"
#include "crypto/base/limits.h"
#include "secrets/runtime/init.h"
#include "secrets/sops/crypt.h"
#include "secrets/sops/store.h"
#include "secrets/sops/value.h"
#include "tests/lib/vectors.h"

typedef struct {
    json_t *leaves;
    size_t next;
    cv_buf path;
    int bad;
} leaf_walk;

static void check_leaf(leaf_walk *w, const cv_node *v)
{
    json_t *leaf = json_array_get(w->leaves, w->next++);
    cr_assert(leaf != NULL, "more leaves than expected");
    const char *aad = json_string_value(json_object_get(leaf, "aad"));
    const char *want = json_string_value(json_object_get(leaf, "value"));
    cv_slice path = w->path.len ? cv_buf_slice(&w->path) : cv_slice_str(":");
    if (!cv_slice_eq_str(path, aad)) {
        w->bad++;
        cr_log_error("leaf %zu: path %.*s, want %s", w->next - 1, (int)path.len, path.p, aad);
    }
    if (v->kind == CV_NODE_NULL) return;
    char num[CV_NUM_TEXT_MAX];
    cv_slice b;
    const char *type;
    cr_assert(cv_is_ok(cv_sops_value_bytes(v, num, &b, &type)));
    const char *mac_input = json_string_value(json_object_get(leaf, "mac_input"));
    const char *expect = mac_input ? mac_input : want;
    bool exact = mac_input || (v->kind != CV_NODE_FLOAT && v->kind != CV_NODE_TIME);
    if (expect && exact && !cv_slice_eq_str(b, expect)) {
        w->bad++;
        cr_log_error("leaf %zu at %s: value differs", w->next - 1, aad);
    }
}

static void walk(leaf_walk *w, const cv_node *n)
{
    for (size_t i = 0; i < n->n; i++) {
        const cv_item *it = &n->items[i];
        if (it->key && it->key->kind == CV_NODE_COMMENT) continue;
        const cv_node *v = it->value;
        if (v->kind == CV_NODE_COMMENT) continue;
        size_t mark = w->path.len;
        if (it->key) {
            cr_assert(cv_is_ok(cv_buf_add(&w->path, it->key->s, it->key->len)));
            cr_assert(cv_is_ok(cv_buf_add_byte(&w->path, ':')));
        }
        if (v->kind == CV_NODE_MAP || v->kind == CV_NODE_LIST) walk(w, v);
        else check_leaf(w, v);
        w->path.len = mark;
    }
}

static void run_fixture(const char *dir, json_t *fx)
{
    const char *file = json_string_value(json_object_get(fx, "file"));
    const char *exp = json_string_value(json_object_get(fx, "expected"));
    char path[8192];
    snprintf(path, sizeof(path), "%s/%s", dir, exp);
    json_error_t jerr;
    json_t *e = json_load_file(path, 0, &jerr);
    cr_assert(e != NULL, "%s: %s", path, jerr.text);
    snprintf(path, sizeof(path), "%s/%s", dir, file);
    size_t len;
    uint8_t *data = tv_read_file(path, &len);
    cr_assert(data != NULL, "%s", path);

    cv_store s = cv_store_for_path(file);
    cv_doc d;
    cv_sops_meta m;
    cr_assert(cv_is_ok(cv_doc_init(&d)));
    cv_result r = cv_store_load_encrypted(s, cv_slice_of(data, len), &d, &m);
    cr_assert(cv_is_ok(r), "%s: load: %s", file, cv_err_detail());
    uint8_t key[32];
    const char *hex = json_string_value(json_object_get(e, "data_key_hex"));
    cr_assert(cv_is_ok(cv_hex_decode(key, 32, cv_slice_str(hex))));
    char mac[CV_SOPS_MAC_HEX + 1];
    r = cv_sops_tree_decrypt(&d, &m, key, NULL, mac);
    cr_assert(cv_is_ok(r), "%s: decrypt: %s", file, cv_err_detail());
    cr_expect_str_eq(mac, json_string_value(json_object_get(e, "mac_computed")), "%s: MAC", file);
    cr_expect(cv_is_ok(cv_sops_mac_verify(&d, &m, key, mac, NULL)), "%s: stored MAC", file);

    leaf_walk w = { json_object_get(e, "leaves"), 0, { 0 }, 0 };
    cv_buf_init(&w.path, 1 << 20);
    for (size_t b = 0; b < d.n; b++) walk(&w, d.branches[b]);
    cr_expect_eq(w.next, json_array_size(w.leaves), "%s: leaf count", file);
    cr_expect_eq(w.bad, 0, "%s: %d leaves differ", file, w.bad);
    cv_buf_release(&w.path);
    cv_doc_clear(&d);
    free(data);
    json_decref(e);
}

Test(sops_engine, shared_fixtures_decrypt_with_their_data_keys)
{
    cr_assert(cv_is_ok(cv_secrets_init()));
    char dir[4096], mpath[8192];
    snprintf(dir, sizeof(dir), "%s/testvectors/sops", tv_shared_dir());
    snprintf(mpath, sizeof(mpath), "%s/manifest.json", dir);
    json_error_t jerr;
    json_t *m = json_load_file(mpath, 0, &jerr);
    cr_assert(m != NULL, "%s: %s", mpath, jerr.text);
    json_t *fixtures = json_object_get(m, "fixtures");
    size_t i, n = 0;
    json_t *fx;
    json_array_foreach(fixtures, i, fx)
    {
        const char *expect = json_string_value(json_object_get(fx, "expect"));
        if (strcmp(expect, "ok") != 0 || !json_is_string(json_object_get(fx, "expected")))
            continue;
        run_fixture(dir, fx);
        n++;
    }
    cr_expect(n >= 25, "only %zu fixtures ran", n);
    json_decref(m);
}

Test(sops_engine, enc_string_parse_is_greedy_like_sops)
{
    cv_sops_enc e;
    const char *s = "ENC[AES256_GCM,data:YQ==,iv:aXY=,tag:dGFn,type:str]trailing]";
    cr_assert(cv_is_ok(cv_sops_enc_parse(cv_slice_str(s), &e)));
    cr_assert(cv_slice_eq_str(e.data, "YQ=="));
    cr_assert(cv_slice_eq_str(e.type, "str]trailing"));
    cr_assert(cv_is(cv_sops_enc_parse(cv_slice_str("ENC[AES256_GCM,data:,iv:a,tag:b,type:c]"), &e),
                    CV_E_SOPS_ENC));
    cr_assert(cv_is(cv_sops_enc_parse(cv_slice_str("ENC[AES256_GCM,data:a,iv:b,tag:c]"), &e),
                    CV_E_SOPS_ENC));
}

/* ---- opening a value over its own text ----------------------------------- */

typedef struct {
    cv_doc d;
    cv_aes_gcm *key;
    cv_slice aad;
} value_fx;

static void value_fx_init(value_fx *f)
{
    cr_assert(cv_is_ok(cv_secrets_init()));
    uint8_t raw[32];
    for (int i = 0; i < 32; i++) raw[i] = (uint8_t)(7 * i + 1);
    cr_assert(cv_is_ok(cv_doc_init(&f->d)));
    cr_assert(cv_is_ok(cv_aes_gcm_new(&f->key, raw)));
    f->aad = cv_slice_str("data:items:");
}

static void value_fx_clear(value_fx *f)
{
    cv_aes_gcm_free(&f->key);
    cv_doc_clear(&f->d);
}

/* Two copies of n's ENC text, opened by the buffer path and in place. */
static void open_both(value_fx *f, const cv_node *enc, cv_node **by_buf, cv_node **here)
{
    cr_assert(cv_is_ok(cv_node_clone(&f->d, enc, by_buf)));
    cr_assert(cv_is_ok(cv_node_clone(&f->d, enc, here)));
    cv_buf out;
    cv_buf_init_secret(&out, CV_DOC_MAX_INPUT * 2);
    cv_sops_opened o;
    cr_assert(cv_is_ok(cv_sops_value_open(*by_buf, f->key, f->aad, &out, &o)));
    cr_assert(cv_is_ok(cv_sops_value_settle(&f->d, *by_buf, &o, out.p, f->aad, NULL, false)));
    cv_buf_release(&out);
    bool taken;
    cr_assert(cv_is_ok(cv_sops_value_open_here(*here, f->key, f->aad, &o, &taken)));
    cr_assert(taken && o.in_place);
    cr_assert(cv_is_ok(cv_sops_value_settle(&f->d, *here, &o, NULL, f->aad, NULL, false)));
}

/* Strings short and long (past the arena's solo size) and an int come back
 * the same both ways, and as they were before encryption. */
Test(sops_engine, open_here_agrees_with_open)
{
    value_fx f;
    value_fx_init(&f);
    size_t big = CV_ARENA_SOLO + 4099;
    char *text = malloc(big);
    cr_assert(text != NULL);
    for (size_t i = 0; i < big; i++) text[i] = (char)('a' + i % 23);
    size_t lens[] = { 1, 5, 31, 32, 33, 100, big };
    for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
        cv_node *n, *a, *b;
        cr_assert(cv_is_ok(cv_node_text(&f.d, CV_NODE_STR, text, lens[i], &n)));
        cr_assert(cv_is_ok(cv_sops_value_encrypt(&f.d, n, f.key, f.aad, NULL)));
        open_both(&f, n, &a, &b);
        cr_expect_eq(a->kind, CV_NODE_STR);
        cr_expect_eq(b->kind, CV_NODE_STR);
        cr_expect(a->len == lens[i] && b->len == lens[i] && memcmp(a->s, text, lens[i]) == 0 &&
                  memcmp(b->s, text, lens[i]) == 0 && b->s[lens[i]] == '\0', "length %zu", lens[i]);
    }
    cv_node *n, *a, *b;
    cr_assert(cv_is_ok(cv_node_int(&f.d, -42, &n)));
    cr_assert(cv_is_ok(cv_sops_value_encrypt(&f.d, n, f.key, f.aad, NULL)));
    open_both(&f, n, &a, &b);
    cr_expect(a->kind == CV_NODE_INT && b->kind == CV_NODE_INT && b->v.i == -42);
    free(text);
    value_fx_clear(&f);
}

static cv_node *enc_with(value_fx *f, const char *plain, const char *part, const char *repl)
{
    cv_node *n;
    cr_assert(cv_is_ok(cv_node_text(&f->d, CV_NODE_STR, plain, strlen(plain), &n)));
    cr_assert(cv_is_ok(cv_sops_value_encrypt(&f->d, n, f->key, f->aad, NULL)));
    /* Replace the text of one part ("data:", "tag:") up to its comma. */
    char buf[512];
    const char *at = strstr(n->s, part), *end = strchr(at, ',');
    int len = snprintf(buf, sizeof(buf), "%.*s%s%s%s", (int)(at - n->s), n->s, part, repl, end);
    cr_assert(cv_is_ok(cv_node_set_text(&f->d, n, CV_NODE_STR, buf, (size_t)len)));
    return n;
}

/* Damaged data: taken, and the error is _open's, word for word. A tag of
 * an unusual length: not taken, the text untouched, _open refuses it. */
Test(sops_engine, open_here_errors_are_opens)
{
    value_fx f;
    value_fx_init(&f);
    cv_node *n = enc_with(&f, "a secret value", "data:", "bm90IGJhc2U2NA!!");
    cv_node *copy;
    cr_assert(cv_is_ok(cv_node_clone(&f.d, n, &copy)));
    cv_buf out;
    cv_buf_init_secret(&out, 1 << 20);
    cv_sops_opened o;
    cv_result r = cv_sops_value_open(copy, f.key, f.aad, &out, &o);
    cr_assert_eq(r.err, CV_E_SOPS_ENC);
    char want[256];
    snprintf(want, sizeof(want), "%s", cv_err_detail());
    bool taken;
    r = cv_sops_value_open_here(n, f.key, f.aad, &o, &taken);
    cr_assert(taken);
    cr_assert_eq(r.err, CV_E_SOPS_ENC);
    cr_expect_str_eq(cv_err_detail(), want);

    n = enc_with(&f, "a secret value", "tag:", "AAAAAAAAAAAAAAAA");
    char before[512];
    snprintf(before, sizeof(before), "%s", n->s);
    r = cv_sops_value_open_here(n, f.key, f.aad, &o, &taken);
    cr_assert(cv_is_ok(r) && !taken);
    cr_expect_str_eq(n->s, before);
    cr_expect_eq(cv_sops_value_open(n, f.key, f.aad, &out, &o).err, CV_E_SOPS_DECRYPT);
    cv_buf_release(&out);
    value_fx_clear(&f);
}
