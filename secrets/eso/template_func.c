/* The template function library: Go's builtins and the sprig functions
 * ExternalSecrets use. */
#include <string.h>

#include "crypto/base/enc.h"
#include "crypto/base/limits.h"
#include "crypto/prim/hash.h"
#include "secrets/doc/gostr.h"
#include "secrets/doc/num.h"
#include "secrets/doc/yaml.h"
#include "secrets/eso/template_exec.h"
#include "secrets/http/http.h"

typedef struct {
    tx *x;
    const tp_arg *fn;
    const cv_node **v;
    size_t n;
    const cv_node **out;
} call;

typedef cv_result (*fn_impl)(call *c);

static cv_result bad(call *c, const char *msg)
{
    return cv_tx_fail(c->x, c->fn->pos, c->fn->src, c->fn->srclen, "%s", msg);
}

/* The text of a value (strings as is, others as %v), as a STR node. */
static cv_result text(call *c, const cv_node *v, cv_slice *out)
{
    if (v && (v->kind == CV_NODE_STR || v->kind == CV_NODE_TIME)) {
        *out = cv_slice_of(v->s, v->len);
        return cv_ok();
    }
    cv_buf b;
    cv_buf_init_secret(&b, CV_ESO_MAX_TEMPLATE_OUT);
    cv_result r = v == NULL || v->kind == CV_NODE_NULL ? cv_ok() : cv_tx_print(&b, v);
    const cv_node *s = NULL;
    if (cv_is_ok(r)) r = cv_tx_str(c->x, (const char *)b.p, b.len, &s);
    cv_buf_release(&b);
    if (cv_is_ok(r)) *out = cv_slice_of(s->s, s->len);
    return r;
}

static cv_result ret_buf(call *c, cv_buf *b)
{
    cv_result r = cv_tx_str(c->x, (const char *)b->p, b->len, c->out);
    cv_buf_release(b);
    return r;
}

static cv_result ret_bool(call *c, bool v)
{
    cv_node *n;
    CV_GUARD(cv_node_bool(&c->x->scratch, v, &n));
    *c->out = n;
    return cv_ok();
}

static cv_result f_b64enc(call *c)
{
    cv_slice s;
    CV_GUARD(text(c, c->v[0], &s));
    cv_buf b;
    cv_buf_init_secret(&b, CV_ESO_MAX_TEMPLATE_OUT);
    cv_result r = cv_b64_encode_buf(&b, s.p, s.len, true);
    return cv_is_ok(r) ? ret_buf(c, &b) : (cv_buf_release(&b), r);
}

static cv_result f_b64dec(call *c)
{
    cv_slice s;
    CV_GUARD(text(c, c->v[0], &s));
    cv_buf b;
    cv_buf_init_secret(&b, CV_ESO_MAX_TEMPLATE_OUT);
    size_t got = 0;
    cv_result r = cv_buf_reserve(&b, cv_b64_dec_max(s.len) + 1);
    if (cv_is_ok(r) && cv_is_ok(cv_b64_decode(b.p, &got, s, true))) {
        b.len = got;
        return ret_buf(c, &b);
    }
    cv_err_clear();
    cv_buf_release(&b);
    /* sprig returns the decoder's error text as the value */
    return cv_tx_str(c->x, "illegal base64 data at input byte 0", 35, c->out);
}

static cv_result f_tostring(call *c)
{
    cv_slice s;
    CV_GUARD(text(c, c->v[0], &s));
    return cv_tx_str(c->x, (const char *)s.p, s.len, c->out);
}

/* json.Marshal of the value (maps sorted by key, HTML-escaped strings). */
static cv_result json_of(cv_buf *b, const cv_node *v)
{
    char num[CV_NUM_TEXT_MAX];
    size_t len;
    if (v == NULL) return cv_buf_add_str(b, "null");
    switch (v->kind) {
    case CV_NODE_STR:
    case CV_NODE_TIME: return cv_go_json_quote(b, v->s, v->len);
    case CV_NODE_INT: cv_node_int_text(v, num); return cv_buf_add_str(b, num);
    case CV_NODE_FLOAT:
        CV_ENSUREF(cv_json_float(v->v.f, num, &len), CV_E_ESO_TEMPLATE, "unsupported value in toJson");
        return cv_buf_add(b, num, len);
    case CV_NODE_BOOL: return cv_buf_add_str(b, v->v.b ? "true" : "false");
    case CV_NODE_LIST:
        CV_GUARD(cv_buf_add_byte(b, '['));
        for (size_t i = 0; i < v->n; i++) {
            if (i) CV_GUARD(cv_buf_add_byte(b, ','));
            CV_GUARD(json_of(b, v->items[i].value));
        }
        return cv_buf_add_byte(b, ']');
    case CV_NODE_MAP: {
        const cv_item **it;
        size_t n;
        CV_GUARD(cv_tx_sorted(v, &it, &n));
        cv_result r = cv_buf_add_byte(b, '{');
        for (size_t i = 0; cv_is_ok(r) && i < n; i++) {
            if (i) r = cv_buf_add_byte(b, ',');
            if (cv_is_ok(r)) r = cv_go_json_quote(b, it[i]->key->s, it[i]->key->len);
            if (cv_is_ok(r)) r = cv_buf_add_byte(b, ':');
            if (cv_is_ok(r)) r = json_of(b, it[i]->value);
        }
        free(it);
        return cv_is_ok(r) ? cv_buf_add_byte(b, '}') : r;
    }
    default: return cv_buf_add_str(b, "null");
    }
}

static cv_result f_tojson(call *c)
{
    cv_buf b;
    cv_buf_init_secret(&b, CV_ESO_MAX_TEMPLATE_OUT);
    cv_result r = json_of(&b, c->v[0]);
    return cv_is_ok(r) ? ret_buf(c, &b) : (cv_buf_release(&b), r);
}

static cv_result f_toyaml(call *c)
{
    cv_buf b;
    cv_buf_init_secret(&b, CV_ESO_MAX_TEMPLATE_OUT);
    cv_result r = cv_ok();
    if (c->v[0] && (c->v[0]->kind == CV_NODE_MAP || c->v[0]->kind == CV_NODE_LIST))
        r = cv_yaml_emit_value(c->v[0], 2, &b);
    else
        r = cv_tx_print(&b, c->v[0]);
    while (cv_is_ok(r) && b.len && b.p[b.len - 1] == '\n') b.len--;
    return cv_is_ok(r) ? ret_buf(c, &b) : (cv_buf_release(&b), r);
}

static cv_result f_fromyaml(call *c)
{
    cv_slice s;
    CV_GUARD(text(c, c->v[0], &s));
    cv_doc d;
    CV_GUARD(cv_doc_init(&d));
    cv_result r = cv_yaml_load(s, &d);
    cv_node *copy = NULL;
    if (cv_is_ok(r) && d.n > 0) r = cv_node_clone(&c->x->scratch, d.branches[0], &copy);
    else if (cv_is_ok(r)) r = cv_node_new(&c->x->scratch, CV_NODE_MAP, &copy);
    cv_doc_clear(&d);
    if (!cv_is_ok(r)) {
        cv_err_clear();
        return cv_tx_str(c->x, "", 0, c->out); /* sprig-style: errors become empty */
    }
    *c->out = copy;
    return cv_ok();
}

static cv_result map_bytes(call *c, int (*f)(int))
{
    cv_slice s;
    CV_GUARD(text(c, c->v[0], &s));
    cv_buf b;
    cv_buf_init_secret(&b, CV_ESO_MAX_TEMPLATE_OUT);
    cv_result r = cv_buf_add(&b, s.p, s.len);
    for (size_t i = 0; cv_is_ok(r) && i < b.len; i++)
        if (b.p[i] < 0x80) b.p[i] = (uint8_t)f(b.p[i]);
    return cv_is_ok(r) ? ret_buf(c, &b) : (cv_buf_release(&b), r);
}

static int up(int ch) { return ch >= 'a' && ch <= 'z' ? ch - 32 : ch; }
static int lo(int ch) { return ch >= 'A' && ch <= 'Z' ? ch + 32 : ch; }
static cv_result f_upper(call *c) { return map_bytes(c, up); }
static cv_result f_lower(call *c) { return map_bytes(c, lo); }

static cv_result f_trim(call *c)
{
    cv_slice s;
    CV_GUARD(text(c, c->v[0], &s));
    s = cv_go_trim_space(s);
    return cv_tx_str(c->x, (const char *)s.p, s.len, c->out);
}

/* trimPrefix/trimSuffix(affix, s) */
static cv_result trim_affix(call *c, bool prefix)
{
    cv_slice a, s;
    CV_GUARD(text(c, c->v[0], &a));
    CV_GUARD(text(c, c->v[1], &s));
    if (a.len <= s.len) {
        const uint8_t *at = prefix ? s.p : s.p + s.len - a.len;
        if (memcmp(at, a.p, a.len) == 0) s = cv_slice_of(prefix ? s.p + a.len : s.p, s.len - a.len);
    }
    return cv_tx_str(c->x, (const char *)s.p, s.len, c->out);
}
static cv_result f_trimprefix(call *c) { return trim_affix(c, true); }
static cv_result f_trimsuffix(call *c) { return trim_affix(c, false); }

static cv_result f_trimall(call *c)
{
    cv_slice set, s;
    CV_GUARD(text(c, c->v[0], &set));
    CV_GUARD(text(c, c->v[1], &s));
    while (s.len && memchr(set.p, s.p[0], set.len)) s = cv_slice_of(s.p + 1, s.len - 1);
    while (s.len && memchr(set.p, s.p[s.len - 1], set.len)) s.len--;
    return cv_tx_str(c->x, (const char *)s.p, s.len, c->out);
}

/* replace(old, new, s): every occurrence (strings.Replace n = -1) */
static cv_result f_replace(call *c)
{
    cv_slice o, nw, s;
    CV_GUARD(text(c, c->v[0], &o));
    CV_GUARD(text(c, c->v[1], &nw));
    CV_GUARD(text(c, c->v[2], &s));
    cv_buf b;
    cv_buf_init_secret(&b, CV_ESO_MAX_TEMPLATE_OUT);
    cv_result r = cv_ok();
    for (size_t i = 0; cv_is_ok(r) && i <= s.len;) {
        if (o.len == 0) {
            /* Go inserts `new` before every rune and at the end */
            r = cv_buf_add(&b, nw.p, nw.len);
            if (cv_is_ok(r) && i < s.len) r = cv_buf_add_byte(&b, s.p[i]);
            i++;
        } else if (i + o.len <= s.len && memcmp(s.p + i, o.p, o.len) == 0) {
            r = cv_buf_add(&b, nw.p, nw.len);
            i += o.len;
        } else {
            if (i < s.len) r = cv_buf_add_byte(&b, s.p[i]);
            i++;
        }
    }
    return cv_is_ok(r) ? ret_buf(c, &b) : (cv_buf_release(&b), r);
}

/* strconv.Quote for printable UTF-8 (control bytes escaped). */
static cv_result go_quote(cv_buf *b, cv_slice s)
{
    CV_GUARD(cv_buf_add_byte(b, '"'));
    for (size_t i = 0; i < s.len; i++) {
        uint8_t ch = s.p[i];
        const char *e = ch == '"' ? "\\\"" : ch == '\\' ? "\\\\" : ch == '\n' ? "\\n" : ch == '\t' ? "\\t"
                      : ch == '\r' ? "\\r" : ch == '\a' ? "\\a" : ch == '\b' ? "\\b" : ch == '\f' ? "\\f"
                      : ch == '\v' ? "\\v" : NULL;
        if (e) CV_GUARD(cv_buf_add_str(b, e));
        else if (ch < 0x20 || ch == 0x7f) CV_GUARD(cv_buf_addf(b, "\\x%02x", ch));
        else CV_GUARD(cv_buf_add_byte(b, ch));
    }
    return cv_buf_add_byte(b, '"');
}

static cv_result quote_all(call *c, bool single)
{
    cv_buf b;
    cv_buf_init_secret(&b, CV_ESO_MAX_TEMPLATE_OUT);
    cv_result r = cv_ok();
    for (size_t i = 0; cv_is_ok(r) && i < c->n; i++) {
        if (c->v[i] == NULL || c->v[i]->kind == CV_NODE_NULL) continue;
        cv_slice s;
        r = text(c, c->v[i], &s);
        if (cv_is_ok(r) && b.len) r = cv_buf_add_byte(&b, ' ');
        if (cv_is_ok(r) && single) {
            r = cv_buf_add_byte(&b, '\'');
            if (cv_is_ok(r)) r = cv_buf_add(&b, s.p, s.len);
            if (cv_is_ok(r)) r = cv_buf_add_byte(&b, '\'');
        } else if (cv_is_ok(r)) {
            r = go_quote(&b, s);
        }
    }
    return cv_is_ok(r) ? ret_buf(c, &b) : (cv_buf_release(&b), r);
}
static cv_result f_quote(call *c) { return quote_all(c, false); }
static cv_result f_squote(call *c) { return quote_all(c, true); }

static cv_result f_default(call *c)
{
    *c->out = c->n > 1 && cv_tx_truth(c->v[1]) ? c->v[1] : c->v[0];
    return cv_ok();
}
static cv_result f_empty(call *c) { return ret_bool(c, !cv_tx_truth(c->v[0])); }
static cv_result f_not(call *c) { return ret_bool(c, !cv_tx_truth(c->v[0])); }
static cv_result f_and(call *c)
{
    size_t i = 0;
    while (i + 1 < c->n && cv_tx_truth(c->v[i])) i++;
    *c->out = c->v[i];
    return cv_ok();
}
static cv_result f_or(call *c)
{
    size_t i = 0;
    while (i + 1 < c->n && !cv_tx_truth(c->v[i])) i++;
    *c->out = c->v[i];
    return cv_ok();
}
static cv_result f_coalesce(call *c)
{
    for (size_t i = 0; i < c->n; i++)
        if (cv_tx_truth(c->v[i])) {
            *c->out = c->v[i];
            return cv_ok();
        }
    return cv_tx_str(c->x, "", 0, c->out);
}
static cv_result f_ternary(call *c)
{
    *c->out = cv_tx_truth(c->v[2]) ? c->v[0] : c->v[1];
    return cv_ok();
}

static bool same_value(const cv_node *a, const cv_node *b)
{
    if (!a || !b) return a == b;
    if (a->kind != b->kind) return false;
    return cv_node_equal(a, b);
}
static cv_result f_eq(call *c)
{
    bool any = false;
    for (size_t i = 1; i < c->n; i++) any = any || same_value(c->v[0], c->v[i]);
    return ret_bool(c, any);
}
static cv_result f_ne(call *c) { return ret_bool(c, !same_value(c->v[0], c->v[1])); }

static cv_result indent_by(call *c, bool leading_newline)
{
    int64_t n = c->v[0] && c->v[0]->kind == CV_NODE_INT ? c->v[0]->v.i : 0;
    CV_ENSUREF(n >= 0 && n <= 1024, CV_E_ESO_TEMPLATE, "indent out of range");
    cv_slice s;
    CV_GUARD(text(c, c->v[1], &s));
    cv_buf b;
    cv_buf_init_secret(&b, CV_ESO_MAX_TEMPLATE_OUT);
    cv_result r = leading_newline ? cv_buf_add_byte(&b, '\n') : cv_ok();
    for (int64_t k = 0; cv_is_ok(r) && k < n; k++) r = cv_buf_add_byte(&b, ' ');
    for (size_t i = 0; cv_is_ok(r) && i < s.len; i++) {
        r = cv_buf_add_byte(&b, s.p[i]);
        for (int64_t k = 0; cv_is_ok(r) && s.p[i] == '\n' && k < n; k++) r = cv_buf_add_byte(&b, ' ');
    }
    return cv_is_ok(r) ? ret_buf(c, &b) : (cv_buf_release(&b), r);
}
static cv_result f_indent(call *c) { return indent_by(c, false); }
static cv_result f_nindent(call *c) { return indent_by(c, true); }

static cv_result affix_test(call *c, int mode)
{
    cv_slice a, s;
    CV_GUARD(text(c, c->v[0], &a));
    CV_GUARD(text(c, c->v[1], &s));
    bool hit = false;
    if (mode == 0) hit = a.len == 0 || (s.len >= a.len && memmem(s.p, s.len, a.p, a.len) != NULL);
    else if (mode == 1) hit = s.len >= a.len && memcmp(s.p, a.p, a.len) == 0;
    else hit = s.len >= a.len && memcmp(s.p + s.len - a.len, a.p, a.len) == 0;
    return ret_bool(c, hit);
}
static cv_result f_contains(call *c) { return affix_test(c, 0); }
static cv_result f_hasprefix(call *c) { return affix_test(c, 1); }
static cv_result f_hassuffix(call *c) { return affix_test(c, 2); }

static cv_result f_dict(call *c)
{
    cv_node *m;
    CV_GUARD(cv_node_new(&c->x->scratch, CV_NODE_MAP, &m));
    for (size_t i = 0; i + 1 < c->n + 1; i += 2) {
        cv_slice k;
        CV_GUARD(text(c, c->v[i], &k));
        const cv_node *v = i + 1 < c->n ? c->v[i + 1] : NULL;
        cv_node *val;
        if (v) CV_GUARD(cv_node_clone(&c->x->scratch, v, &val));
        else CV_GUARD(cv_node_text(&c->x->scratch, CV_NODE_STR, "", 0, &val));
        long at = cv_map_find(m, (const char *)k.p, k.len);
        if (at >= 0) m->items[at].value = val;
        else CV_GUARD(cv_map_add(&c->x->scratch, m, (const char *)k.p, k.len, val));
    }
    *c->out = m;
    return cv_ok();
}

static cv_result f_list(call *c)
{
    cv_node *l;
    CV_GUARD(cv_node_new(&c->x->scratch, CV_NODE_LIST, &l));
    for (size_t i = 0; i < c->n; i++) {
        cv_node *v;
        CV_GUARD(cv_node_clone(&c->x->scratch, c->v[i], &v));
        CV_GUARD(cv_node_append(&c->x->scratch, l, NULL, v));
    }
    *c->out = l;
    return cv_ok();
}

static cv_result f_get(call *c)
{
    cv_slice k;
    CV_GUARD(text(c, c->v[1], &k));
    const cv_node *m = c->v[0];
    long at = m && m->kind == CV_NODE_MAP ? cv_map_find(m, (const char *)k.p, k.len) : -1;
    if (at < 0) return cv_tx_str(c->x, "", 0, c->out);
    *c->out = m->items[at].value;
    return cv_ok();
}

/* index(m, k...): missing map keys are an error under missingkey=error? No:
 * index returns the zero value for a missing key; ESO's data is strings. */
static cv_result f_index(call *c)
{
    const cv_node *v = c->v[0];
    for (size_t i = 1; i < c->n; i++) {
        if (v && v->kind == CV_NODE_MAP) {
            cv_slice k;
            CV_GUARD(text(c, c->v[i], &k));
            long at = cv_map_find(v, (const char *)k.p, k.len);
            v = at >= 0 ? v->items[at].value : NULL;
        } else if (v && v->kind == CV_NODE_LIST && c->v[i] && c->v[i]->kind == CV_NODE_INT) {
            int64_t ix = c->v[i]->v.i;
            if (ix < 0 || (uint64_t)ix >= v->n) return bad(c, "error calling index: index out of range");
            v = v->items[ix].value;
        } else {
            return bad(c, v ? "error calling index: cannot index value" : "error calling index: index of untyped nil");
        }
    }
    *c->out = v;
    return cv_ok();
}

static cv_result f_len(call *c)
{
    const cv_node *v = c->v[0];
    int64_t n = !v ? 0 : (v->kind == CV_NODE_MAP || v->kind == CV_NODE_LIST) ? (int64_t)v->n
              : (int64_t)v->len;
    cv_node *r;
    CV_GUARD(cv_node_int(&c->x->scratch, n, &r));
    *c->out = r;
    return cv_ok();
}

static cv_result f_join(call *c)
{
    cv_slice sep;
    CV_GUARD(text(c, c->v[0], &sep));
    const cv_node *l = c->v[1];
    cv_buf b;
    cv_buf_init_secret(&b, CV_ESO_MAX_TEMPLATE_OUT);
    cv_result r = cv_ok();
    for (size_t i = 0; cv_is_ok(r) && l && l->kind == CV_NODE_LIST && i < l->n; i++) {
        cv_slice s;
        if (i) r = cv_buf_add(&b, sep.p, sep.len);
        if (cv_is_ok(r)) r = text(c, l->items[i].value, &s);
        if (cv_is_ok(r)) r = cv_buf_add(&b, s.p, s.len);
    }
    return cv_is_ok(r) ? ret_buf(c, &b) : (cv_buf_release(&b), r);
}

static cv_result f_sha256(call *c)
{
    cv_slice s;
    CV_GUARD(text(c, c->v[0], &s));
    uint8_t h[32];
    char hex[65];
    cv_sha256(h, s.p, s.len);
    cv_hex_encode(hex, h, 32);
    return cv_tx_str(c->x, hex, 64, c->out);
}

static cv_result f_urlquery(call *c)
{
    cv_buf b;
    cv_buf_init_secret(&b, CV_ESO_MAX_TEMPLATE_OUT);
    cv_result r = cv_ok();
    for (size_t i = 0; cv_is_ok(r) && i < c->n; i++) {
        cv_slice s;
        r = text(c, c->v[i], &s);
        if (cv_is_ok(r)) r = cv_http_query_escape(&b, s);
    }
    return cv_is_ok(r) ? ret_buf(c, &b) : (cv_buf_release(&b), r);
}

/* fmt.Sprintf for %s %v %d %q %x %X %% (with simple width flags ignored). */
static cv_result f_printf(call *c)
{
    cv_slice f;
    CV_GUARD(text(c, c->v[0], &f));
    cv_buf b;
    cv_buf_init_secret(&b, CV_ESO_MAX_TEMPLATE_OUT);
    size_t ai = 1;
    cv_result r = cv_ok();
    for (size_t i = 0; cv_is_ok(r) && i < f.len; i++) {
        if (f.p[i] != '%' || i + 1 >= f.len) {
            r = cv_buf_add_byte(&b, f.p[i]);
            continue;
        }
        char verb = (char)f.p[++i];
        if (verb == '%') {
            r = cv_buf_add_byte(&b, '%');
            continue;
        }
        if (ai >= c->n) {
            r = cv_buf_addf(&b, "%%!%c(MISSING)", verb);
            continue;
        }
        const cv_node *v = c->v[ai++];
        cv_slice s;
        r = text(c, v, &s);
        if (!cv_is_ok(r)) break;
        if (verb == 'q') r = go_quote(&b, s);
        else if (verb == 'x' || verb == 'X')
            for (size_t k = 0; cv_is_ok(r) && k < s.len; k++)
                r = cv_buf_addf(&b, verb == 'x' ? "%02x" : "%02X", s.p[k]);
        else r = cv_buf_add(&b, s.p, s.len);
    }
    return cv_is_ok(r) ? ret_buf(c, &b) : (cv_buf_release(&b), r);
}

static cv_result f_print(call *c)
{
    cv_buf b;
    cv_buf_init_secret(&b, CV_ESO_MAX_TEMPLATE_OUT);
    cv_result r = cv_ok();
    for (size_t i = 0; cv_is_ok(r) && i < c->n; i++) {
        bool strs = i > 0 && c->v[i] && c->v[i - 1] && c->v[i]->kind == CV_NODE_STR &&
                    c->v[i - 1]->kind == CV_NODE_STR;
        if (i > 0 && !strs) r = cv_buf_add_byte(&b, ' ');
        if (cv_is_ok(r)) r = cv_tx_print(&b, c->v[i]);
    }
    return cv_is_ok(r) ? ret_buf(c, &b) : (cv_buf_release(&b), r);
}

static const struct {
    const char *name;
    fn_impl f;
    int min, max; /* argument counts (with the piped value); max -1 = any */
} fns[] = {
    { "b64enc", f_b64enc, 1, 1 },       { "b64dec", f_b64dec, 1, 1 },
    { "toString", f_tostring, 1, 1 },   { "toJson", f_tojson, 1, 1 },
    { "toYaml", f_toyaml, 1, 1 },       { "fromYaml", f_fromyaml, 1, 1 },
    { "upper", f_upper, 1, 1 },         { "lower", f_lower, 1, 1 },
    { "trim", f_trim, 1, 1 },           { "trimPrefix", f_trimprefix, 2, 2 },
    { "trimSuffix", f_trimsuffix, 2, 2 }, { "trimAll", f_trimall, 2, 2 },
    { "replace", f_replace, 3, 3 },     { "quote", f_quote, 0, -1 },
    { "squote", f_squote, 0, -1 },      { "default", f_default, 1, 2 },
    { "empty", f_empty, 1, 1 },         { "not", f_not, 1, 1 },
    { "and", f_and, 1, -1 },            { "or", f_or, 1, -1 },
    { "coalesce", f_coalesce, 0, -1 },  { "ternary", f_ternary, 3, 3 },
    { "eq", f_eq, 2, -1 },              { "ne", f_ne, 2, 2 },
    { "indent", f_indent, 2, 2 },       { "nindent", f_nindent, 2, 2 },
    { "contains", f_contains, 2, 2 },   { "hasPrefix", f_hasprefix, 2, 2 },
    { "hasSuffix", f_hassuffix, 2, 2 }, { "dict", f_dict, 0, -1 },
    { "list", f_list, 0, -1 },          { "get", f_get, 2, 2 },
    { "index", f_index, 1, -1 },        { "len", f_len, 1, 1 },
    { "join", f_join, 2, 2 },           { "sha256sum", f_sha256, 1, 1 },
    { "urlquery", f_urlquery, 0, -1 },  { "printf", f_printf, 1, -1 },
    { "print", f_print, 0, -1 },
};

cv_result cv_tx_call(tx *x, const tp_arg *fn, const tp_arg *args, size_t nargs,
                     const cv_node *dot, const cv_node *final, const cv_node **out)
{
    size_t k = 0;
    while (k < sizeof(fns) / sizeof(fns[0]) && strcmp(fns[k].name, fn->s) != 0) k++;
    if (k == sizeof(fns) / sizeof(fns[0]))
        return CV_FAILF(CV_E_ESO_TEMPLATE, "template: %s: function \"%s\" not defined", x->name, fn->s);
    size_t n = nargs + (final != NULL);
    if ((int)n < fns[k].min || (fns[k].max >= 0 && (int)n > fns[k].max))
        return cv_tx_fail(x, fn->pos, fn->src, fn->srclen, "wrong number of args for %s: want %d got %zu",
                          fn->s, fns[k].min, n);
    const cv_node *vals[34] = { 0 };
    CV_GUARD(cv_tx_eval_args(x, args, nargs, dot, final, vals));
    call c = { x, fn, vals, n, out };
    return fns[k].f(&c);
}
