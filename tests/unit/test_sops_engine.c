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
#include "crypto/prim/hash.h"
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

/* ---- a large value's MAC input fed while it is decrypted ----------------- */

/* A feed that copies each newly ready stretch of plaintext, so the test
 * sees exactly what a consumer would have hashed, and when. */
typedef struct {
    const uint8_t *p;
    uint8_t *copy;
    size_t cap, got, readies, dones;
    bool all;
} rec_feed;

static void rec_ready(void *ctx, size_t n)
{
    rec_feed *r = ctx;
    cr_assert(r->dones == 0, "ready after done");
    cr_assert(n > r->got || (n == 0 && r->got == 0), "ready went back: %zu after %zu", n, r->got);
    cr_assert(n <= r->cap);
    memcpy(r->copy + r->got, r->p + r->got, n - r->got);
    r->got = n;
    r->readies++;
}

static void rec_done(void *ctx, bool all)
{
    rec_feed *r = ctx;
    r->dones++;
    r->all = all;
}

/* n's ENC text with its text edited: (at, cut) replaced by ins. */
static cv_node *edited(value_fx *f, const cv_node *n, size_t at, size_t cut, const char *ins)
{
    size_t il = strlen(ins), len = n->len - cut + il;
    char *t = malloc(len + 1);
    cr_assert(t != NULL);
    memcpy(t, n->s, at);
    memcpy(t + at, ins, il);
    memcpy(t + at + il, n->s + at + cut, n->len - at - cut);
    cv_node *out;
    cr_assert(cv_is_ok(cv_node_text(&f->d, CV_NODE_STR, t, len, &out)));
    free(t);
    return out;
}

static cv_node *sealed(value_fx *f, const char *text, size_t len)
{
    cv_node *n;
    cr_assert(cv_is_ok(cv_node_text(&f->d, CV_NODE_STR, text, len, &n)));
    cr_assert(cv_is_ok(cv_sops_value_encrypt(&f->d, n, f->key, f->aad, NULL)));
    return n;
}

/* _open_here_fed over a copy of n; r records the feed. */
static cv_result open_fed(value_fx *f, const cv_node *n, cv_node **copy, rec_feed *r,
                          size_t cap)
{
    cr_assert(cv_is_ok(cv_node_clone(&f->d, n, copy)));
    *r = (rec_feed){ .p = (const uint8_t *)(*copy)->s, .copy = malloc(cap + 1), .cap = cap };
    cv_sops_feed feed = { rec_ready, rec_done, r };
    cv_sops_opened o;
    bool taken;
    cv_result res = cv_sops_value_open_here_fed(*copy, f->key, f->aad, &o, &taken, &feed);
    cr_assert(taken);
    if (cv_is_ok(res)) {
        cr_assert(cv_is_ok(cv_sops_value_settle(&f->d, *copy, &o, NULL, f->aad, NULL, false)));
    }
    return res;
}

/* str and bytes values are fed step by step, every byte once, done last;
 * an int is not fed. Lengths around the step size; base64 broken by a line
 * break (which Go skips) mid-way. */
Test(sops_engine, open_here_fed_feeds_the_plaintext)
{
    value_fx f;
    value_fx_init(&f);
    const size_t step = CV_SOPS_FEED_STEP, in_step = step / 3 * 4;
    size_t lens[] = { 1, 10, step - 1, step, step + 1, 3 * step + 7 };
    char *text = malloc(3 * step + 8);
    cr_assert(text != NULL);
    for (size_t i = 0; i < 3 * step + 8; i++) text[i] = (char)(' ' + (i * 7919) % 95);
    for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
        size_t len = lens[i];
        cv_node *n = sealed(&f, text, len);
        for (int variant = 0; variant < 3; variant++) {
            cv_node *src = n;
            if (variant == 1) src = edited(&f, n, (size_t)(strstr(n->s, "type:str") - n->s), 8,
                                           "type:bytes");
            if (variant == 2 && len > step) src = edited(&f, n, 20 + in_step + 3, 0, "\n");
            if (variant == 2 && len <= step) continue;
            cv_node *copy;
            rec_feed r;
            cr_assert(cv_is_ok(open_fed(&f, src, &copy, &r, len)), "length %zu variant %d", len,
                      variant);
            cr_expect(copy->kind == CV_NODE_STR && copy->len == len &&
                          memcmp(copy->s, text, len) == 0, "length %zu variant %d", len, variant);
            cr_expect(r.got == len && r.dones == 1 && r.all && memcmp(r.copy, text, len) == 0,
                      "length %zu variant %d: fed %zu, done %zu", len, variant, r.got, r.dones);
            cr_expect_eq(r.readies, variant == 2 ? 2u : (len + step - 1) / step, "length %zu variant %d", len,
                         variant);
            free(r.copy);
        }
    }
    cv_node *n, *copy;
    cr_assert(cv_is_ok(cv_node_int(&f.d, 1234567, &n)));
    cr_assert(cv_is_ok(cv_sops_value_encrypt(&f.d, n, f.key, f.aad, NULL)));
    rec_feed r;
    cr_assert(cv_is_ok(open_fed(&f, n, &copy, &r, 16)));
    cr_expect(copy->kind == CV_NODE_INT && copy->v.i == 1234567);
    cr_expect(r.readies == 0 && r.dones == 0, "an int is not fed");
    free(r.copy);
    free(text);
    value_fx_clear(&f);
}

/* Damaged base64 past the first steps, and a forged tag: the errors are
 * _open's word for word, done comes once (all only for the tag, whose
 * check follows the last step), and what was decrypted is wiped. */
Test(sops_engine, open_here_fed_errors_are_opens)
{
    value_fx f;
    value_fx_init(&f);
    const size_t step = CV_SOPS_FEED_STEP, in_step = step / 3 * 4, len = 3 * step + 7;
    char *text = malloc(len);
    cr_assert(text != NULL);
    memset(text, 'x', len);
    cv_node *n = sealed(&f, text, len);
    const char *tag = strstr(n->s, ",tag:") + 5;
    char forged[64];
    snprintf(forged, sizeof(forged), "%.*s", 24, tag);
    forged[0] = forged[0] == 'A' ? 'B' : 'A';
    cv_node *bad[] = {
        edited(&f, n, 20 + 2 * in_step + 100, 1, "!"),
        edited(&f, n, (size_t)(tag - n->s), 24, forged),
    };
    for (size_t i = 0; i < 2; i++) {
        cv_buf out;
        cv_buf_init_secret(&out, 4u << 20);
        cv_sops_opened o;
        cv_result want = cv_sops_value_open(bad[i], f.key, f.aad, &out, &o);
        cr_assert(!cv_is_ok(want));
        char words[256];
        snprintf(words, sizeof(words), "%s", cv_err_detail());
        cv_buf_release(&out);
        cv_node *copy;
        rec_feed r;
        cv_result got = open_fed(&f, bad[i], &copy, &r, len);
        cr_expect_eq(got.err, want.err, "case %zu", i);
        cr_expect_str_eq(cv_err_detail(), words, "case %zu", i);
        cr_expect(r.dones == 1 && r.all == (i == 1), "case %zu: done %zu all %d", i, r.dones, r.all);
        cr_expect(r.got >= 2 * step, "case %zu: fed %zu before the failure", i, r.got);
        bool wiped = true;
        for (size_t k = 0; k < r.got; k++) wiped = wiped && r.p[k] == 0;
        cr_expect(wiped, "case %zu: the plaintext decrypted before the failure is wiped", i);
        free(r.copy);
    }
    free(text);
    value_fx_clear(&f);
}

/* A file's text read into the doc is its source (exactly its length); a
 * long string inside it is borrowed (and NUL-ended over the byte after
 * it); a short one, or one outside, is copied. */
Test(sops_engine, node_text_at_borrows_long_source_strings)
{
    cv_doc d;
    cr_assert(cv_is_ok(cv_doc_init(&d)));
    size_t n = CV_ARENA_SOLO + 10;
    char *text = malloc(n + 3);
    cr_assert(text != NULL);
    text[0] = '"';
    memset(text + 1, 'q', n);
    text[n + 1] = '"';
    cv_mem_src ms;
    cv_mem_src_init(&ms, cv_slice_of(text, n + 2));
    cv_slice got;
    cr_assert(cv_is_ok(cv_doc_read_source(&d, &ms.src, n + 2, &got)));
    uint8_t *src = d.src;
    cr_expect(got.len == n + 2 && memcmp(src, text, n + 2) == 0);
    /* Shorter or longer than said: refused, no source recorded. */
    cv_doc other;
    cr_assert(cv_is_ok(cv_doc_init(&other)));
    cv_mem_src_init(&ms, cv_slice_of(text, n + 2));
    cr_expect_eq(cv_doc_read_source(&other, &ms.src, n + 3, &got).err, CV_E_TRUNCATED);
    cv_mem_src_init(&ms, cv_slice_of(text, n + 2));
    cr_expect_eq(cv_doc_read_source(&other, &ms.src, n + 1, &got).err, CV_E_TRUNCATED);
    cr_expect(other.src == NULL);
    cv_doc_clear(&other);
    free(text);
    cv_node *big, *small, *outside;
    cr_assert(cv_is_ok(cv_node_text_at(&d, CV_NODE_STR, src + 1, n, &big)));
    cr_expect(big->s == (char *)src + 1 && big->len == n && big->s[n] == '\0');
    cr_assert(cv_is_ok(cv_node_text_at(&d, CV_NODE_STR, src + 1, 5, &small)));
    cr_expect(small->s != (char *)src + 1 && small->len == 5 && memcmp(small->s, "qqqqq", 5) == 0);
    char *heap = malloc(n + 1);
    cr_assert(heap != NULL);
    memset(heap, 'z', n + 1);
    cr_assert(cv_is_ok(cv_node_text_at(&d, CV_NODE_STR, heap, n, &outside)));
    cr_expect(outside->s != heap && outside->len == n && heap[n] == 'z');
    /* Ending exactly at the source's end: the NUL after the source ends it. */
    cv_node *tail;
    cr_assert(cv_is_ok(cv_node_text_at(&d, CV_NODE_STR, src + 2, n, &tail)));
    cr_expect(tail->s == (char *)src + 2 && tail->s[n] == '\0');
    /* Running past the source's end: copied. */
    cv_node *past;
    cr_assert(cv_is_ok(cv_node_text_at(&d, CV_NODE_STR, src + 3, n, &past)));
    cr_expect(past->s != (char *)src + 3 && past->len == n);
    free(heap);
    cv_doc_clear(&d);
}

/* The MAC sops would compute: SHA-512 over the leaves' bytes, in order. */
static void expected_mac(const char *const *leaves, size_t n, char out[CV_SOPS_MAC_HEX + 1])
{
    cv_sha512_ctx c;
    uint8_t h[CV_SHA512_LEN];
    cv_sha512_init(&c);
    for (size_t i = 0; i < n; i++) cv_sha512_update(&c, leaves[i], strlen(leaves[i]));
    cv_sha512_final(&c, h);
    cv_hex_encode(out, h, sizeof(h));
    for (size_t i = 0; i < CV_SOPS_MAC_HEX; i++)
        if (out[i] >= 'a') out[i] = (char)(out[i] - 'a' + 'A'); /* sops writes upper case */
    out[CV_SOPS_MAC_HEX] = '\0';
}

/* Encrypts "small: one / big: <n bytes> / n: 5" and checks the MAC the
 * pending hash gives, and whether it was still hashing on its thread. */
static void pending_mac_case(size_t big_len, bool threaded)
{
    char *big = malloc(big_len + 1);
    cr_assert(big != NULL);
    for (size_t i = 0; i < big_len; i++) big[i] = (char)('a' + i % 26);
    big[big_len] = '\0';
    cv_buf text;
    cv_buf_init(&text, big_len + 64);
    cr_assert(cv_is_ok(cv_buf_addf(&text, "small: one\nbig: %s\nn: 5\n", big)));
    cv_doc d;
    cr_assert(cv_is_ok(cv_doc_init(&d)));
    cr_assert(cv_is_ok(cv_store_load_plain(CV_STORE_YAML, cv_buf_slice(&text), &d)));
    cv_sops_meta m;
    memset(&m, 0, sizeof(m));
    uint8_t key[CV_SOPS_KEY_LEN];
    memset(key, 7, sizeof(key));
    cv_sops_mac_pending *p = NULL;
    cr_assert(cv_is_ok(cv_sops_tree_encrypt(&d, &m, key, NULL, &p)), "%s", cv_err_detail());
    cr_expect_eq(cv_sops_mac_hashing(p), threaded);
    char got[CV_SOPS_MAC_HEX + 1], want[CV_SOPS_MAC_HEX + 1], dec[CV_SOPS_MAC_HEX + 1];
    cr_assert(cv_is_ok(cv_sops_mac_wait(&p, got)));
    cr_expect(p == NULL);
    const char *leaves[] = { "one", big, "5" };
    expected_mac(leaves, 3, want);
    cr_expect_str_eq(got, want);
    /* The values were encrypted meanwhile: decrypting gives the same MAC. */
    cr_assert(cv_is_ok(cv_sops_tree_decrypt(&d, &m, key, NULL, dec)), "%s", cv_err_detail());
    cr_expect_str_eq(dec, want);
    cv_doc_clear(&d);
    cv_buf_release(&text);
    free(big);
}

Test(sops_engine, mac_of_a_large_last_batch_is_hashed_while_the_caller_goes_on)
{
    pending_mac_case(CV_SOPS_FEED_MIN + 1000, true);
}

Test(sops_engine, mac_of_a_small_document_is_ready_when_encryption_returns)
{
    pending_mac_case(100, false);
}

Test(sops_engine, pending_mac_can_be_dropped_unread)
{
    cv_doc d;
    cr_assert(cv_is_ok(cv_doc_init(&d)));
    size_t n = CV_SOPS_FEED_MIN * 2;
    char *big = malloc(n + 8);
    cr_assert(big != NULL);
    memcpy(big, "v: ", 3);
    memset(big + 3, 'z', n);
    big[n + 3] = '\n';
    cr_assert(cv_is_ok(cv_store_load_plain(CV_STORE_YAML, cv_slice_of(big, n + 4), &d)));
    cv_sops_meta m;
    memset(&m, 0, sizeof(m));
    uint8_t key[CV_SOPS_KEY_LEN] = { 1 };
    cv_sops_mac_pending *p = NULL;
    cr_assert(cv_is_ok(cv_sops_tree_encrypt(&d, &m, key, NULL, &p)));
    cv_sops_mac_discard(&p);
    cr_expect(p == NULL);
    cv_sops_mac_discard(&p); /* again: nothing */
    cv_doc_clear(&d);
    free(big);
}
