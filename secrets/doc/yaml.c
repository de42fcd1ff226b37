/* YAML load: yaml.v3 node graphs -> sops's tree (stores/yaml/store.go).
 *
 * sops first decodes the first document into a Go map only to catch
 * duplicate keys and values yaml.v3 refuses (check_* below, with that
 * pass's error texts), then walks each document's nodes itself: comments
 * become comment items, scalars are decoded into interface{} values,
 * aliases are followed. */
#include "secrets/doc/yaml.h"

#include <stdlib.h>
#include <string.h>

#include "crypto/base/enc.h"
#include "crypto/base/limits.h"
#include "crypto/base/mem.h"
#include "secrets/doc/yaml_int.h"
#include "secrets/doc/yaml_res.h"

typedef struct {
    cv_doc *doc;
    cv_arena *a;
    bool first; /* first document: errors as the map-decoding pass gives them */
    size_t decode_count, alias_count, alias_depth;
    size_t expanded;
    cv_buf terrors;
    bool dup_seen, root_type;
    unsigned flags; /* CV_YAML_* */
    /* check_dups' scratch, reused from map to map. */
    struct keyhash *kh;
    size_t *next;
    size_t kh_cap, next_cap;
} ld;

/* ---- scalar decoding --------------------------------------------------- */

static bool tag_is(const ynode *n, const char *t) { return strcmp(n->tag, t) == 0; }

static bool quoted_style(const ynode *n)
{
    return (n->style & (YN_DQ | YN_SQ | YN_LITERAL | YN_FOLDED)) != 0;
}

/* Untagged scalars (nearly all of them) are decided without a string
 * compare. */
static bool indicated_string(const ynode *n)
{
    if (n->kind != YN_SCALAR) return false;
    if (n->tag[0] == 0) return quoted_style(n);
    return tag_is(n, "!!str") || (tag_is(n, "!") && quoted_style(n));
}

static bool resolvable(const char *t)
{
    static const char *const ok[] = { "!!str", "!!bool", "!!int", "!!float", "!!null",
                                      "!!timestamp", NULL };
    for (const char *const *p = ok; *p; p++)
        if (strcmp(*p, t) == 0) return true;
    return false;
}

static const char *res_tag(int kind)
{
    static const char *const names[] = { "!!str", "!!null", "!!bool", "!!int", "!!int",
                                         "!!float", "!!timestamp", "!!merge" };
    return names[kind];
}

typedef struct {
    int kind; /* CV_YR_* */
    cv_yres r;
    const char *s;
    size_t n;
} yval;

static cv_result b64_value(ld *L, const ynode *n, yval *v)
{
    size_t len = 0;
    char *clean;
    CV_GUARD(cv_arena_alloc(L->a, n->len + 1, (void **)&clean));
    for (size_t i = 0; i < n->len; i++)
        if (n->value[i] != '\r' && n->value[i] != '\n') clean[len++] = n->value[i];
    uint8_t *out;
    CV_GUARD(cv_arena_alloc(L->a, cv_b64_dec_max(len) + 1, (void **)&out));
    size_t outlen;
    if (!cv_is_ok(cv_b64_decode(out, &outlen, cv_slice_of(clean, len), true)))
        CV_BAILF(CV_E_DOC_TYPE, "yaml: !!binary value contains invalid base64 data");
    v->kind = CV_YR_STR;
    v->s = (const char *)out;
    v->n = outlen;
    return cv_ok();
}

static cv_result tag_mismatch(const ynode *n, int rkind)
{
    size_t show = n->len;
    CV_BAILF(CV_E_DOC_TYPE, "yaml: cannot decode %s `%.*s` as a %s", res_tag(rkind), (int)show,
             n->value, n->tag);
}

/* d.scalar into interface{}: the Go value a scalar decodes to. */
static cv_result decode_scalar(ld *L, const ynode *n, yval *v)
{
    /* Not a memset: the result's 64-byte time text is only read for a TIME
     * (cv_yaml_resolve sets it), and this runs for every scalar. */
    v->r.kind = CV_YR_STR;
    v->r.time_len = 0;
    v->kind = CV_YR_STR;
    v->s = n->value;
    v->n = n->len;
    if (indicated_string(n)) return cv_ok();
    if (n->tag[0] == 0) {
        cv_yaml_resolve(n->value, n->len, true, &v->r);
        v->kind = v->r.kind == CV_YR_MERGE ? CV_YR_STR : v->r.kind;
        return cv_ok();
    }
    if (tag_is(n, "!!binary")) return b64_value(L, n, v);
    if (!resolvable(n->tag)) return cv_ok();
    bool ts_ok = tag_is(n, "!!timestamp");
    cv_yaml_resolve(n->value, n->len, ts_ok, &v->r);
    int rk = v->r.kind;
    if (rk == CV_YR_MERGE) rk = CV_YR_STR;
    v->kind = rk;
    if (strcmp(res_tag(rk), n->tag) == 0) return cv_ok();
    if (tag_is(n, "!!float") && rk == CV_YR_INT) {
        v->kind = CV_YR_FLOAT;
        v->r.f = (double)v->r.i;
        return cv_ok();
    }
    return tag_mismatch(n, rk);
}

static cv_result yval_node(ld *L, const yval *v, cv_node **out)
{
    cv_doc *d = L->doc;
    switch (v->kind) {
    case CV_YR_NULL: return cv_node_new(d, CV_NODE_NULL, out);
    case CV_YR_BOOL: return cv_node_bool(d, v->r.b, out);
    case CV_YR_INT: return cv_node_int(d, v->r.i, out);
    case CV_YR_FLOAT: return cv_node_float(d, v->r.f, out);
    case CV_YR_TIME: return cv_node_text(d, CV_NODE_TIME, v->r.time, v->r.time_len, out);
    case CV_YR_UINT:
        CV_GUARD(cv_node_int(d, v->r.i, out));
        (*out)->uint64 = true;
        return cv_ok();
    default: return cv_node_text(d, CV_NODE_STR, v->s, v->n, out);
    }
}

/* ---- alias accounting (yaml.v3's "excessive aliasing" rule) ------------ */

static double allowed_ratio(size_t count)
{
    if (count <= 400000) return 0.99;
    if (count >= 4000000) return 0.10;
    return 0.99 - 0.89 * ((double)(count - 400000) / 3600000.0);
}

static cv_result count_node(ld *L)
{
    L->decode_count++;
    if (L->alias_depth > 0) L->alias_count++;
    if (L->alias_count > 100 && L->decode_count > 1000 &&
        (double)L->alias_count / (double)L->decode_count > allowed_ratio(L->decode_count))
        CV_BAILF(CV_E_LIMIT, "yaml: document contains excessive aliasing");
    CV_ENSUREF(L->decode_count <= CV_YAML_MAX_NODES, CV_E_LIMIT,
               "yaml: more than %u nodes after alias expansion", CV_YAML_MAX_NODES);
    return cv_ok();
}

/* ---- the first document decoded into map[string]interface{} ----------- */

enum { OUT_TOP, OUT_STRING, OUT_IFACE };

static const char *out_type(int out)
{
    return out == OUT_TOP ? "map[string]interface {}" : out == OUT_STRING ? "string" : "interface {}";
}

static cv_result terror(ld *L, const ynode *n, const char *tag, int out)
{
    if (L->terrors.len) CV_GUARD(cv_buf_add_str(&L->terrors, "\n  "));
    if (n->kind == YN_SEQ || n->kind == YN_MAP) {
        L->root_type = out == OUT_TOP;
        return cv_buf_addf(&L->terrors, "line %zu: cannot unmarshal %s into %s",
                           (size_t)n->line, tag, out_type(out));
    }
    L->root_type = out == OUT_TOP;
    if (n->len > 10)
        return cv_buf_addf(&L->terrors, "line %zu: cannot unmarshal %s `%.7s...` into %s",
                           (size_t)n->line, tag, n->value, out_type(out));
    return cv_buf_addf(&L->terrors, "line %zu: cannot unmarshal %s `%.*s` into %s",
                       (size_t)n->line, tag, (int)n->len, n->value, out_type(out));
}

/* Go's %#v of a string: strconv.Quote. */
static cv_result go_quote(cv_buf *b, const char *s, size_t n)
{
    CV_GUARD(cv_buf_add_byte(b, '"'));
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') CV_GUARD(cv_buf_addf(b, "\\%c", c));
        else if (c == '\n') CV_GUARD(cv_buf_add_str(b, "\\n"));
        else if (c == '\t') CV_GUARD(cv_buf_add_str(b, "\\t"));
        else if (c == '\r') CV_GUARD(cv_buf_add_str(b, "\\r"));
        else if (c < 0x20 || c == 0x7f) CV_GUARD(cv_buf_addf(b, "\\x%02x", c));
        else CV_GUARD(cv_buf_add_byte(b, c));
    }
    return cv_buf_add_byte(b, '"');
}

typedef struct keyhash {
    size_t idx;
    uint64_t h;
} keyhash;

static uint64_t key_hash(const ynode *k)
{
    size_t len;
    const char *t = yn_text(k, &len);
    uint64_t h = 1469598103934665603ull ^ (uint64_t)k->kind;
    for (size_t i = 0; i < len; i++) h = (h ^ (uint8_t)t[i]) * 1099511628211ull;
    return h;
}

static int cmp_keyhash(const void *a, const void *b)
{
    const keyhash *x = a, *y = b;
    if (x->h != y->h) return x->h < y->h ? -1 : 1;
    return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static bool same_key(const ynode *a, const ynode *b)
{
    size_t al, bl;
    const char *at = yn_text(a, &al), *bt = yn_text(b, &bl);
    return a->kind == b->kind && al == bl && memcmp(at, bt, al) == 0;
}

/* yaml.v3 compares every pair of keys (kind and text); the messages come in
 * the order of that double loop. */
static cv_result check_dups(ld *L, const ynode *n, bool *found)
{
    size_t np = n->n / 2;
    *found = false;
    if (np < 2) return cv_ok();
    CV_GUARD(cv_arena_grow(L->a, (void **)&L->kh, &L->kh_cap, np, sizeof(keyhash)));
    CV_GUARD(cv_arena_grow(L->a, (void **)&L->next, &L->next_cap, np, sizeof(size_t)));
    keyhash *kh = L->kh;
    size_t *next = L->next;
    for (size_t i = 0; i < np; i++) kh[i] = (keyhash){ i, key_hash(n->content[2 * i]) };
    qsort(kh, np, sizeof(*kh), cmp_keyhash);
    for (size_t i = 0; i < np; i++) next[i] = SIZE_MAX;
    bool any = false;
    for (size_t i = 0; i + 1 < np; i++) {
        if (kh[i].h == kh[i + 1].h) {
            next[kh[i].idx] = kh[i + 1].idx;
            any = true;
        }
    }
    if (!any) return cv_ok();
    for (size_t i = 0; i < np; i++) {
        const ynode *ki = n->content[2 * i];
        for (size_t j = next[i]; j != SIZE_MAX; j = next[j]) {
            const ynode *kj = n->content[2 * j];
            if (!same_key(ki, kj)) continue;
            if (L->terrors.len) CV_GUARD(cv_buf_add_str(&L->terrors, "\n  "));
            CV_GUARD(cv_buf_addf(&L->terrors, "line %zu: mapping key ", (size_t)kj->line));
            size_t kl;
            const char *kt = yn_text(kj, &kl);
            CV_GUARD(go_quote(&L->terrors, kt, kl));
            CV_GUARD(cv_buf_addf(&L->terrors, " already defined at line %zu", (size_t)ki->line));
            *found = true;
            L->dup_seen = true;
        }
    }
    return cv_ok();
}

static bool is_merge(const ynode *k)
{
    return k->kind == YN_SCALAR && k->len == 2 && memcmp(k->value, "<<", 2) == 0 &&
           (k->tag[0] == 0 || tag_is(k, "!") || tag_is(k, "!!merge"));
}

static ynode *deref(ynode *n)
{
    for (int i = 0; n->kind == YN_ALIAS && n->alias && i < 64; i++) n = n->alias;
    return n;
}

static cv_result check(ld *L, ynode *n, int out, bool *good);

static cv_result check_merge(ld *L, ynode *parent, ynode *m, int out)
{
    bool g;
    for (size_t i = 0; i < parent->n; i += 2) CV_GUARD(check(L, parent->content[i], OUT_IFACE, &g));
    const char *want = "yaml: map merge requires map or sequence of maps as the value";
    if (m->kind == YN_MAP) return check(L, m, out, &g);
    if (m->kind == YN_ALIAS) {
        CV_ENSUREF(m->alias == NULL || m->alias->kind == YN_MAP, CV_E_DOC_TYPE, "%s", want);
        return check(L, m, out, &g);
    }
    CV_ENSUREF(m->kind == YN_SEQ, CV_E_DOC_TYPE, "%s", want);
    for (size_t i = 0; i < m->n; i++) {
        ynode *e = m->content[i];
        bool ok = e->kind == YN_ALIAS ? (e->alias == NULL || e->alias->kind == YN_MAP)
                                      : e->kind == YN_MAP;
        CV_ENSUREF(ok, CV_E_DOC_TYPE, "%s", want);
        CV_GUARD(check(L, e, out, &g));
    }
    return cv_ok();
}

static cv_result check_map(ld *L, ynode *n, int out, bool *good)
{
    bool dups;
    CV_GUARD(check_dups(L, n, &dups));
    if (dups) return cv_ok();
    if (out == OUT_STRING) return terror(L, n, "!!map", out);
    ynode *merge = NULL;
    for (size_t i = 0; i + 1 < n->n; i += 2) {
        ynode *k = n->content[i];
        if (is_merge(k)) {
            merge = n->content[i + 1];
            continue;
        }
        bool kg;
        CV_GUARD(check(L, k, out == OUT_TOP ? OUT_STRING : OUT_IFACE, &kg));
        if (!kg) continue;
        const ynode *kd = deref(k);
        CV_ENSUREF(out == OUT_TOP || (kd->kind != YN_MAP && kd->kind != YN_SEQ), CV_E_DOC_TYPE,
                   "yaml: invalid map key");
        bool vg;
        CV_GUARD(check(L, n->content[i + 1], OUT_IFACE, &vg));
    }
    if (merge) CV_GUARD(check_merge(L, n, merge, out));
    *good = true;
    return cv_ok();
}

static cv_result check_scalar(ld *L, ynode *n, int out, bool *good)
{
    if (out != OUT_TOP && n->tag[0] == 0) {
        /* An untagged scalar always decodes: only a root needs its value. */
        *good = true;
        return cv_ok();
    }
    yval v;
    CV_GUARD(decode_scalar(L, n, &v));
    if (out != OUT_TOP) {
        *good = true;
        return cv_ok();
    }
    if (v.kind == CV_YR_NULL) return cv_ok();
    const char *tag = n->tag[0] ? n->tag : res_tag(v.kind);
    if (indicated_string(n)) tag = "!!str";
    return terror(L, n, tag, out);
}

static cv_result check_alias(ld *L, ynode *n, int out, bool *good)
{
    CV_ENSUREF(n->style >= 0, CV_E_DOC_SYNTAX, "yaml: anchor '%.*s' value contains itself",
               (int)n->len, n->value);
    int saved = n->style;
    n->style = -1; /* on the expansion stack */
    L->alias_depth++;
    cv_result r = check(L, n->alias, out, good);
    L->alias_depth--;
    n->style = (int8_t)saved;
    return r;
}

static cv_result check(ld *L, ynode *n, int out, bool *good)
{
    *good = false;
    CV_GUARD(count_node(L));
    switch (n->kind) {
    case YN_DOC:
        if (n->n == 1) CV_GUARD(check(L, n->content[0], out, good));
        *good = n->n == 1;
        return cv_ok();
    case YN_ALIAS: return check_alias(L, n, out, good);
    case YN_SCALAR: return check_scalar(L, n, out, good);
    case YN_MAP: return check_map(L, n, out, good);
    case YN_SEQ:
        if (out != OUT_IFACE) return terror(L, n, "!!seq", out);
        for (size_t i = 0; i < n->n; i++) {
            bool g;
            CV_GUARD(check(L, n->content[i], OUT_IFACE, &g));
        }
        *good = true;
        return cv_ok();
    default: return cv_ok();
    }
}

static cv_result check_first(ld *L, ynode *doc)
{
    bool good;
    cv_buf_init_secret(&L->terrors, 1u << 20);
    cv_result r = check(L, doc, (L->flags & CV_YAML_ANY_ROOT) ? OUT_IFACE : OUT_TOP, &good);
    if (cv_is_ok(r) && L->terrors.len > 0) {
        cv_err e = L->dup_seen ? CV_E_DOC_DUPLICATE_KEY
                   : L->root_type ? CV_E_DOC_UNSUPPORTED : CV_E_DOC_TYPE;
        r = CV_FAILF(e, "yaml: unmarshal errors:\n  %.*s", (int)L->terrors.len, L->terrors.p);
    }
    cv_buf_release(&L->terrors);
    L->decode_count = L->alias_count = L->alias_depth = 0;
    return r;
}

/* ---- nodes -> tree (sops's store.go) ------------------------------------ */

static cv_result add_comments(ld *L, cv_node *parent, cv_slice text, bool inline_c)
{
    if (text.len == 0 || (L->flags & CV_YAML_NO_COMMENTS)) return cv_ok();
    size_t i = 0;
    while (i < text.len) {
        size_t e = i;
        while (e < text.len && text.p[e] != '\n') e++;
        if (e > i) {
            cv_node *c;
            CV_GUARD(cv_node_text(L->doc, CV_NODE_COMMENT, text.p + i + 1, e - i - 1, &c));
            c->inline_comment = inline_c;
            if (parent->kind == CV_NODE_MAP) CV_GUARD(cv_node_append(L->doc, parent, c, NULL));
            else CV_GUARD(cv_node_append(L->doc, parent, NULL, c));
        }
        i = e + 1;
    }
    return cv_ok();
}

static cv_result to_value(ld *L, ynode *n, bool handled, cv_node **out);
static cv_result to_branch(ld *L, ynode *n, cv_node *branch, bool handled);

static cv_result scalar_value(ld *L, ynode *n, cv_node **out)
{
    yval v;
    cv_result r = decode_scalar(L, n, &v);
    if (!cv_is_ok(r)) {
        /* sops ignores Decode's error here: the value is nil. */
        cv_err_clear();
        return cv_node_new(L->doc, CV_NODE_NULL, out);
    }
    CV_GUARD(yval_node(L, &v, out));
    (*out)->folded = (*out)->kind == CV_NODE_STR && (n->style & YN_FOLDED) != 0;
    return cv_ok();
}

static cv_result seq_value(ld *L, ynode *n, bool handled, cv_node **out)
{
    cv_node *list;
    CV_GUARD(cv_node_new(L->doc, CV_NODE_LIST, &list));
    if (!handled) {
        CV_GUARD(add_comments(L, list, yn_head(n), false));
        CV_GUARD(add_comments(L, list, yn_linec(n), false));
    }
    for (size_t i = 0; i < n->n; i++) {
        ynode *it = n->content[i];
        cv_node *v;
        CV_GUARD(add_comments(L, list, yn_head(it), false));
        CV_GUARD(add_comments(L, list, yn_linec(it), true));
        CV_GUARD(to_value(L, it, true, &v));
        CV_GUARD(cv_node_append(L->doc, list, NULL, v));
        CV_GUARD(add_comments(L, list, yn_foot(it), false));
    }
    if (!handled) CV_GUARD(add_comments(L, list, yn_foot(n), false));
    *out = list;
    return cv_ok();
}

static cv_result to_value(ld *L, ynode *n, bool handled, cv_node **out)
{
    CV_GUARD(count_node(L));
    CV_ENSUREF(L->alias_depth < CV_DOC_MAX_DEPTH, CV_E_LIMIT, "yaml: aliases nested too deep");
    switch (n->kind) {
    case YN_SEQ: return seq_value(L, n, handled, out);
    case YN_MAP:
        CV_GUARD(cv_node_new(L->doc, CV_NODE_MAP, out));
        return to_branch(L, n, *out, handled);
    case YN_ALIAS: {
        CV_ENSUREF(n->style >= 0, CV_E_DOC_SYNTAX, "yaml: anchor '%.*s' value contains itself",
                   (int)n->len, n->value);
        int saved = n->style;
        n->style = -1;
        L->alias_depth++;
        cv_result r = to_value(L, n->alias, false, out);
        L->alias_depth--;
        n->style = (int8_t)saved;
        return r;
    }
    default: return scalar_value(L, n, out);
    }
}

static cv_result key_node(ld *L, ynode *k, cv_node **out)
{
    ynode *kd = deref(k);
    CV_ENSUREF(kd->kind == YN_SCALAR, CV_E_DOC_TYPE, "yaml: invalid map key at line %zu",
               (size_t)k->line);
    return scalar_value(L, kd, out);
}

static cv_result map_pairs(ld *L, ynode *n, cv_node *branch)
{
    for (size_t i = 0; i + 1 < n->n; i += 2) {
        ynode *k = n->content[i], *v = n->content[i + 1];
        CV_GUARD(add_comments(L, branch, yn_head(k), false));
        CV_GUARD(add_comments(L, branch, yn_linec(k), false));
        bool hv = v->kind == YN_SCALAR || v->kind == YN_ALIAS;
        if (hv) {
            CV_GUARD(add_comments(L, branch, yn_head(v), false));
            CV_GUARD(add_comments(L, branch, yn_linec(v), true));
        }
        cv_node *kn, *vn;
        CV_GUARD(key_node(L, k, &kn));
        CV_GUARD(to_value(L, v, hv, &vn));
        CV_GUARD(cv_node_append(L->doc, branch, kn, vn));
        if (hv) CV_GUARD(add_comments(L, branch, yn_foot(v), false));
        CV_GUARD(add_comments(L, branch, yn_foot(k), false));
    }
    return cv_ok();
}

static bool null_scalar(ld *L, const ynode *n)
{
    if (indicated_string(n)) return false;
    if (n->tag[0]) return tag_is(n, "!!null");
    cv_yres r;
    (void)L;
    cv_yaml_resolve(n->value, n->len, true, &r);
    return r.kind == CV_YR_NULL;
}

static cv_result to_branch(ld *L, ynode *n, cv_node *branch, bool handled)
{
    if (!handled) {
        CV_GUARD(add_comments(L, branch, yn_head(n), false));
        CV_GUARD(add_comments(L, branch, yn_linec(n), false));
    }
    switch (n->kind) {
    case YN_DOC:
        for (size_t i = 0; i < n->n; i++) CV_GUARD(to_branch(L, n->content[i], branch, false));
        break;
    case YN_SEQ:
        CV_BAILF(CV_E_DOC_UNSUPPORTED,
                 "Error unmarshaling input YAML: YAML documents that are sequences are not supported");
    case YN_MAP: CV_GUARD(map_pairs(L, n, branch)); break;
    case YN_SCALAR:
        if (null_scalar(L, n)) return cv_ok();
        CV_BAILF(CV_E_DOC_UNSUPPORTED,
                 "Error unmarshaling input YAML: YAML documents that are values are not supported");
    case YN_ALIAS: CV_GUARD(to_branch(L, n->alias, branch, false)); break;
    default: break;
    }
    if (!handled) CV_GUARD(add_comments(L, branch, yn_foot(n), false));
    return cv_ok();
}

/* ---- entry point -------------------------------------------------------- */

static cv_result prefix_error(cv_result r)
{
    if (cv_is_ok(r)) return r;
    const char *d = cv_err_detail();
    if (strncmp(d, "Error unmarshaling", 18) == 0) return r;
    char msg[512];
    snprintf(msg, sizeof(msg), "%s", d);
    return CV_FAILF(r.err, "Error unmarshaling input YAML: %s", msg);
}

/* A document of any shape as one branch; an empty or null one is skipped. */
static cv_result any_root(ld *L, ynode *docn)
{
    ynode *root = docn->n == 1 ? docn->content[0] : NULL;
    if (!root) return cv_ok();
    ynode *d = root;
    while (d->kind == YN_ALIAS) d = d->alias;
    if (d->kind == YN_SCALAR && null_scalar(L, d)) return cv_ok();
    L->decode_count = L->alias_count = L->alias_depth = 0;
    cv_node *v;
    CV_GUARD(to_value(L, root, false, &v));
    return cv_doc_push_branch(L->doc, v);
}

static cv_result load_docs(ld *L, ym_parser *p)
{
    for (bool first = true;; first = false) {
        ynode *docn;
        cv_result r = cv_yaml_parse_doc(p, &docn);
        if (!cv_is_ok(r)) return first ? r : prefix_error(r);
        /* sops's first decode reports a stream with no document as io.EOF. */
        CV_ENSUREF(docn != NULL || !first || (L->flags & CV_YAML_ANY_ROOT), CV_E_DOC_SYNTAX,
                   "EOF");
        if (docn == NULL) return cv_ok();
        cv_yaml_parser_trim(p);
        if (first) CV_GUARD(check_first(L, docn));
        if (L->flags & CV_YAML_ANY_ROOT) {
            CV_GUARD(prefix_error(any_root(L, docn)));
            continue;
        }
        cv_node *branch;
        CV_GUARD(cv_doc_add_branch(L->doc, &branch));
        L->decode_count = L->alias_count = L->alias_depth = 0;
        CV_GUARD(prefix_error(to_branch(L, docn, branch, false)));
    }
}

cv_result cv_yaml_load(cv_slice in, cv_doc *doc)
{
    return cv_yaml_load_opts(in, 0, doc);
}

/* One pass over the input. The fast scanner runs on demand and may give
 * up mid-stream, after the parser has used some of its tokens: *again
 * then asks for a pass over the whole token list (libyaml's), from a
 * clean start, so results never depend on which scanner ran. */
static cv_result load_pass(cv_slice in, unsigned flags, cv_doc *doc, bool whole, bool *again)
{
    ym_stream s = { .in = in.p, .in_len = in.len, .no_comments = flags & CV_YAML_NO_COMMENTS,
                    .public_input = flags & CV_YAML_PUBLIC, .whole = whole };
    *again = false;
    CV_GUARD(cv_arena_new(&s.arena));
    ld L = { .doc = doc, .a = s.arena, .flags = flags };
    size_t branches = doc->n;
    ym_parser *p = NULL;
    cv_result r = cv_yaml_scan(&s);
    if (cv_is_ok(r)) r = cv_yaml_parser_new(&s, &p);
    if (cv_is_ok(r)) r = load_docs(&L, p);
    if (!cv_is_ok(r) && s.fast) {
        /* The failure stands only if the fast scanner takes the whole input. */
        cv_err saved = r.err;
        char detail[4096];
        snprintf(detail, sizeof(detail), "%s", cv_err_detail());
        cv_yaml_drain(&s);
        if (!s.gave_up) r = CV_FAILF(saved, "%s", detail);
    }
    if (s.gave_up) {
        cv_err_clear();
        r = cv_ok();
        doc->n = branches;
        *again = true;
    }
    cv_yaml_parser_free(p);
    cv_yaml_stream_free(&s);
    cv_arena_free(&s.arena);
    return r;
}

cv_result cv_yaml_load_opts(cv_slice in, unsigned flags, cv_doc *doc)
{
    CV_ENSUREF(in.len <= CV_DOC_MAX_INPUT, CV_E_TOO_LARGE, "YAML input larger than %u bytes",
               CV_DOC_MAX_INPUT);
    if (in.len == 0) return cv_ok();
    bool again;
    CV_GUARD(load_pass(in, flags, doc, false, &again));
    if (again) CV_GUARD(load_pass(in, flags, doc, true, &again));
    return cv_ok();
}
