#include "secrets/doc/json.h"

#include <errno.h>
#include <math.h>
#include <string.h>

#include "crypto/base/limits.h"
#include "secrets/doc/gostr.h"
#include "secrets/doc/num.h"

/* ---- loading ---------------------------------------------------------- */

typedef struct {
    cv_reader r;
    cv_doc *doc;
    cv_buf scratch; /* secret: unescaped strings and number text */
} jparse;

#define SYNTAX(p) CV_FAILF(CV_E_DOC_SYNTAX, "JSON: at byte %zu", (p)->r.pos)

/* sops reads tokens one by one and treats io.EOF at a value position (after
 * a key or colon, or anywhere in a list) as the normal end of the innermost
 * object: that object ends there, without the member being read. The
 * parser signals that end with CV_E_TRUNCATED, which parse_object absorbs;
 * its parent then meets the end of input itself (an object waiting for ','
 * or '}' refuses it, a list passes the end on up). */
#define END_OF_INPUT() CV_FAIL(CV_E_TRUNCATED)

static int peek(const jparse *p)
{
    return p->r.pos < p->r.len ? p->r.p[p->r.pos] : -1;
}

static int skip_ws(jparse *p)
{
    while (p->r.pos < p->r.len) {
        uint8_t c = p->r.p[p->r.pos];
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r') return c;
        p->r.pos++;
    }
    return -1;
}

static int hex4(const uint8_t *s, size_t n)
{
    if (n < 4) return -1;
    int v = 0;
    for (int i = 0; i < 4; i++) {
        uint8_t c = s[i];
        int d = c >= '0' && c <= '9' ? c - '0'
              : c >= 'a' && c <= 'f' ? c - 'a' + 10
              : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
        if (d < 0) return -1;
        v = v * 16 + d;
    }
    return v;
}

static cv_result add_rune(cv_buf *b, uint32_t r)
{
    uint8_t u[4];
    return cv_buf_add(b, u, cv_go_utf8_encode(r, u));
}

/* A \u escape at s (pointing at the 'u'); a surrogate pair is joined when
 * a second escape completes it, otherwise the rune is U+FFFD and the next
 * escape is read on its own (Go's unquote). Returns bytes consumed or 0. */
static size_t unicode_escape(const uint8_t *s, size_t n, cv_buf *b, cv_result *res)
{
    int r = hex4(s + 1, n - 1);
    if (r < 0) return 0;
    uint32_t rune = (uint32_t)r;
    size_t used = 5;
    if (rune >= 0xD800 && rune < 0xE000) {
        int r2 = n >= 11 && s[5] == '\\' && s[6] == 'u' ? hex4(s + 7, n - 7) : -1;
        if (rune < 0xDC00 && r2 >= 0xDC00 && r2 < 0xE000) {
            rune = 0x10000 + ((rune - 0xD800) << 10) + ((uint32_t)r2 - 0xDC00);
            used = 11;
        } else {
            rune = CV_GO_RUNE_ERROR;
        }
    }
    *res = add_rune(b, rune);
    return used;
}

static cv_result unescape_one(jparse *p, cv_buf *b)
{
    const uint8_t *s = p->r.p + p->r.pos;
    size_t n = p->r.len - p->r.pos;
    static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
    if (n < 2) return SYNTAX(p);
    const char *k = s[1] != 0 ? strchr(from, s[1]) : NULL;
    if (k != NULL) {
        p->r.pos += 2;
        return cv_buf_add_byte(b, (uint8_t)to[k - from]);
    }
    if (s[1] != 'u') return SYNTAX(p);
    cv_result res = cv_ok();
    size_t used = unicode_escape(s + 1, n - 1, b, &res);
    if (used == 0) return SYNTAX(p);
    p->r.pos += used + 1;
    return res;
}

/* The slow path: escapes or invalid UTF-8 somewhere in the string. */
static cv_result string_slow(jparse *p, size_t start, cv_slice *out)
{
    cv_buf *b = &p->scratch;
    cv_buf_reset(b);
    CV_GUARD(cv_buf_add(b, p->r.p + start, p->r.pos - start));
    for (;;) {
        int c = peek(p);
        if (c < 0 || c < 0x20) return SYNTAX(p);
        if (c == '"') break;
        if (c == '\\') {
            CV_GUARD(unescape_one(p, b));
        } else if (c < 0x80) {
            CV_GUARD(cv_buf_add_byte(b, (uint8_t)c));
            p->r.pos++;
        } else {
            uint32_t r;
            p->r.pos += cv_go_utf8_decode(p->r.p + p->r.pos, p->r.len - p->r.pos, &r);
            CV_GUARD(add_rune(b, r));
        }
    }
    p->r.pos++;
    *out = cv_buf_slice(b);
    return cv_ok();
}

/* A string at the opening quote; *out points into the input or scratch. */
static cv_result parse_string(jparse *p, cv_slice *out)
{
    size_t start = ++p->r.pos;
    const uint8_t *s = p->r.p;
    while (p->r.pos < p->r.len) {
        p->r.pos += cv_go_json_plain_run(s + p->r.pos, p->r.len - p->r.pos, false);
        if (p->r.pos >= p->r.len) break;
        uint8_t c = s[p->r.pos];
        if (c == '"') {
            *out = cv_slice_of(s + start, p->r.pos - start);
            p->r.pos++;
            return cv_ok();
        }
        if (c == '\\' || c < 0x20) break;
        uint32_t r;
        size_t w = cv_go_utf8_decode(s + p->r.pos, p->r.len - p->r.pos, &r);
        if (r == CV_GO_RUNE_ERROR && w == 1) break;
        p->r.pos += w;
    }
    return string_slow(p, start, out);
}

static size_t digits(const jparse *p, size_t i)
{
    while (i < p->r.len && p->r.p[i] >= '0' && p->r.p[i] <= '9') i++;
    return i;
}

/* The JSON number grammar; returns the end offset or 0 if malformed. */
static size_t number_end(const jparse *p, bool *integral)
{
    size_t i = p->r.pos, n = p->r.len;
    const uint8_t *s = p->r.p;
    *integral = true;
    if (i < n && s[i] == '-') i++;
    if (i >= n || s[i] < '0' || s[i] > '9') return 0;
    i = s[i] == '0' ? i + 1 : digits(p, i);
    if (i < n && s[i] == '.') {
        *integral = false;
        size_t j = digits(p, i + 1);
        if (j == i + 1) return 0;
        i = j;
    }
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        *integral = false;
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-')) i++;
        size_t j = digits(p, i);
        if (j == i) return 0;
        i = j;
    }
    return i;
}

static cv_result parse_number(jparse *p, cv_node **out)
{
    bool integral;
    size_t end = number_end(p, &integral);
    if (end == 0) return SYNTAX(p);
    cv_slice text = cv_slice_of(p->r.p + p->r.pos, end - p->r.pos);
    int64_t i;
    if (integral && cv_is_ok(cv_go_parse_int(text, &i))) {
        p->r.pos = end;
        return cv_node_int(p->doc, i, out);
    }
    cv_err_clear();
    /* strtod reads exactly the JSON grammar's subset here; it needs a NUL,
     * and the digits are a value, so they are copied to secret scratch. */
    cv_buf_reset(&p->scratch);
    CV_GUARD(cv_buf_add(&p->scratch, text.p, text.len));
    CV_GUARD(cv_buf_nul(&p->scratch));
    errno = 0;
    double f = strtod((const char *)p->scratch.p, NULL);
    cv_buf_reset(&p->scratch);
    /* Go fails only on overflow; an underflow to 0 or a subnormal is fine. */
    CV_ENSUREF(!isinf(f), CV_E_NUMBER, "JSON: number out of range at byte %zu", p->r.pos);
    p->r.pos = end;
    return cv_node_float(p->doc, f, out);
}

static cv_result parse_literal(jparse *p, cv_node **out)
{
    cv_slice rest = cv_reader_rest(&p->r);
    if (cv_slice_starts_with(rest, "true") || cv_slice_starts_with(rest, "false")) {
        bool b = rest.p[0] == 't';
        p->r.pos += b ? 4 : 5;
        return cv_node_bool(p->doc, b, out);
    }
    if (cv_slice_starts_with(rest, "null")) {
        p->r.pos += 4;
        return cv_node_new(p->doc, CV_NODE_NULL, out);
    }
    return SYNTAX(p);
}

static cv_result parse_value(jparse *p, unsigned depth, cv_node **out);

static cv_result parse_array(jparse *p, unsigned depth, cv_node *list)
{
    p->r.pos++;
    int c = skip_ws(p);
    if (c == ']') {
        p->r.pos++;
        return cv_ok();
    }
    for (;;) {
        cv_node *v;
        if (c < 0) return END_OF_INPUT();
        CV_GUARD(parse_value(p, depth, &v));
        CV_GUARD(cv_node_append(p->doc, list, NULL, v));
        c = skip_ws(p);
        if (c < 0) return END_OF_INPUT();
        p->r.pos++;
        if (c == ']') return cv_ok();
        if (c != ',') {
            p->r.pos--;
            return SYNTAX(p);
        }
        c = skip_ws(p);
    }
}

/* One "key": value member. */
static cv_result parse_member(jparse *p, unsigned depth, cv_node *map)
{
    if (skip_ws(p) != '"') return SYNTAX(p);
    cv_slice ks;
    CV_GUARD(parse_string(p, &ks));
    cv_node *key, *v;
    CV_GUARD(cv_node_text(p->doc, CV_NODE_STR, ks.p, ks.len, &key));
    int c = skip_ws(p);
    if (c == ':') c = (p->r.pos++, skip_ws(p));
    else if (c >= 0) return SYNTAX(p);
    if (c < 0) return END_OF_INPUT();
    CV_GUARD(parse_value(p, depth, &v));
    return cv_node_append(p->doc, map, key, v);
}

static cv_result parse_object(jparse *p, unsigned depth, cv_node *map)
{
    p->r.pos++;
    if (skip_ws(p) == '}') {
        p->r.pos++;
        return cv_ok();
    }
    for (;;) {
        cv_result r = parse_member(p, depth, map);
        if (cv_is(r, CV_E_TRUNCATED)) {
            cv_err_clear();
            return cv_ok();
        }
        CV_GUARD(r);
        int c = skip_ws(p);
        p->r.pos++;
        if (c == '}') return cv_ok();
        if (c != ',') {
            p->r.pos--;
            return SYNTAX(p);
        }
    }
}

static cv_result parse_value(jparse *p, unsigned depth, cv_node **out)
{
    int c = peek(p);
    if (c == '{' || c == '[') {
        CV_ENSUREF(depth < CV_DOC_MAX_DEPTH, CV_E_LIMIT, "JSON: nesting deeper than %u",
                   CV_DOC_MAX_DEPTH);
        CV_GUARD(cv_node_new(p->doc, c == '{' ? CV_NODE_MAP : CV_NODE_LIST, out));
        return c == '{' ? parse_object(p, depth + 1, *out) : parse_array(p, depth + 1, *out);
    }
    if (c == '"') {
        cv_slice s;
        CV_GUARD(parse_string(p, &s));
        return cv_node_text_at(p->doc, CV_NODE_STR, s.p, s.len, out);
    }
    if (c == '-' || (c >= '0' && c <= '9')) return parse_number(p, out);
    return parse_literal(p, out);
}

cv_result cv_json_load(cv_slice in, cv_doc *doc)
{
    CV_ENSUREF(in.len <= CV_DOC_MAX_INPUT, CV_E_TOO_LARGE, "JSON: input over %u bytes",
               CV_DOC_MAX_INPUT);
    jparse p = { .r = cv_reader_of(in), .doc = doc };
    cv_buf_init_secret(&p.scratch, CV_DOC_MAX_INPUT);
    int c = skip_ws(&p);
    cv_result res;
    if (c == '{') {
        cv_node *branch;
        res = cv_doc_add_branch(doc, &branch);
        if (cv_is_ok(res)) res = parse_object(&p, 1, branch);
    } else if (c < 0) {
        res = SYNTAX(&p);
    } else if (c == '[' || c == '"' || c == '-' || (c >= '0' && c <= '9') || c == 't' ||
               c == 'f' || c == 'n') {
        res = CV_FAILF(CV_E_DOC_UNSUPPORTED, "JSON: the top level must be an object");
    } else {
        res = SYNTAX(&p);
    }
    cv_buf_release(&p.scratch);
    return res;
}

/* ---- emitting --------------------------------------------------------- */

typedef struct {
    cv_buf *out;
    char ind;       /* one level of indentation: a tab, or ind_len spaces */
    size_t ind_len;
    bool compact;  /* json.Marshal: no white space at all */
    bool go_maps;  /* MAP as sops's []TreeItem Go struct list */
} jwrite;

static cv_result newline(jwrite *w, unsigned depth)
{
    if (w->compact) return cv_ok();
    CV_ENSURE(w->ind_len == 0 || depth <= (SIZE_MAX - 1) / w->ind_len, CV_E_TOO_LARGE);
    size_t n = (size_t)depth * w->ind_len;
    CV_GUARD(cv_buf_reserve(w->out, 1 + n));
    uint8_t *d = w->out->p + w->out->len;
    d[0] = '\n';
    memset(d + 1, w->ind, n);
    w->out->len += 1 + n;
    return cv_ok();
}

static cv_result colon(jwrite *w)
{
    return cv_buf_add(w->out, ": ", w->compact ? 1 : 2);
}

static cv_result emit_float(jwrite *w, double f)
{
    char t[CV_NUM_TEXT_MAX];
    size_t n;
    CV_ENSUREF(cv_json_float(f, t, &n), CV_E_DOC_TYPE, "JSON: unsupported value %s",
               isnan(f) ? "NaN" : f > 0 ? "+Inf" : "-Inf");
    return cv_buf_add(w->out, t, n);
}

static cv_result emit_int(jwrite *w, const cv_node *n)
{
    char t[CV_NUM_TEXT_MAX];
    return cv_buf_add(w->out, t, cv_node_int_text(n, t));
}

/* sops.Comment{Value, Inline} as encoding/json writes the Go struct. */
static cv_result emit_comment(jwrite *w, const cv_node *n, unsigned depth)
{
    CV_GUARD(cv_buf_add_byte(w->out, '{'));
    CV_GUARD(newline(w, depth + 1));
    CV_GUARD(cv_buf_add_str(w->out, "\"Value\""));
    CV_GUARD(colon(w));
    CV_GUARD(cv_go_json_quote(w->out, n->s, n->len));
    CV_GUARD(cv_buf_add_byte(w->out, ','));
    CV_GUARD(newline(w, depth + 1));
    CV_GUARD(cv_buf_add_str(w->out, "\"Inline\""));
    CV_GUARD(colon(w));
    CV_GUARD(cv_buf_add_str(w->out, n->inline_comment ? "true" : "false"));
    CV_GUARD(newline(w, depth));
    return cv_buf_add_byte(w->out, '}');
}

static cv_result emit_value(jwrite *w, const cv_node *n, unsigned depth);

static cv_result emit_go_item(jwrite *w, const cv_item *it, unsigned depth)
{
    CV_GUARD(cv_buf_add_str(w->out, "{\"Key\":"));
    CV_GUARD(emit_value(w, it->key, depth + 1));
    CV_GUARD(cv_buf_add_str(w->out, ",\"Value\":"));
    CV_GUARD(emit_value(w, it->value, depth + 1));
    return cv_buf_add_byte(w->out, '}');
}

static cv_result emit_items(jwrite *w, const cv_node *n, unsigned depth)
{
    bool is_map = n->kind == CV_NODE_MAP && !w->go_maps;
    bool first = true;
    CV_ENSUREF(depth < CV_DOC_MAX_DEPTH, CV_E_LIMIT, "JSON: nesting deeper than %u",
               CV_DOC_MAX_DEPTH);
    if (w->go_maps && n->n == 0) return cv_buf_add_str(w->out, "null");
    CV_GUARD(cv_buf_add_byte(w->out, is_map ? '{' : '['));
    for (size_t i = 0; i < n->n; i++) {
        const cv_item *it = &n->items[i];
        bool comment = (it->key != NULL && it->key->kind == CV_NODE_COMMENT) ||
                       (it->value != NULL && it->value->kind == CV_NODE_COMMENT);
        if (comment && !w->go_maps) continue;
        if (!first) CV_GUARD(cv_buf_add_byte(w->out, ','));
        first = false;
        CV_GUARD(newline(w, depth + 1));
        if (n->kind == CV_NODE_MAP && w->go_maps) {
            CV_GUARD(emit_go_item(w, it, depth + 1));
            continue;
        }
        if (is_map) {
            CV_GUARD(cv_go_json_quote(w->out, it->key->s, it->key->len));
            CV_GUARD(colon(w));
        }
        CV_GUARD(emit_value(w, it->value, depth + 1));
    }
    if (!first) CV_GUARD(newline(w, depth));
    return cv_buf_add_byte(w->out, is_map ? '}' : ']');
}

static cv_result emit_value(jwrite *w, const cv_node *n, unsigned depth)
{
    if (n == NULL) return cv_buf_add_str(w->out, "null");
    switch (n->kind) {
    case CV_NODE_NULL: return cv_buf_add_str(w->out, "null");
    case CV_NODE_STR:
    case CV_NODE_TIME: return cv_go_json_quote(w->out, n->s, n->len);
    case CV_NODE_INT: return emit_int(w, n);
    case CV_NODE_FLOAT: return emit_float(w, n->v.f);
    case CV_NODE_BOOL: return cv_buf_add_str(w->out, n->v.b ? "true" : "false");
    case CV_NODE_COMMENT: return emit_comment(w, n, depth);
    case CV_NODE_MAP:
    case CV_NODE_LIST: return emit_items(w, n, depth);
    }
    CV_BAIL(CV_E_DOC_TYPE);
}

static cv_result writer_init(jwrite *w, int indent, cv_buf *out)
{
    memset(w, 0, sizeof(*w));
    w->out = out;
    CV_ENSUREF(indent >= -1, CV_E_INVALID_ARG,
               "JSON Indentation parameter smaller than -1 is not accepted");
    w->ind = indent == -1 ? '\t' : ' ';
    w->ind_len = indent == -1 ? 1 : (size_t)indent;
    return cv_ok();
}

cv_result cv_json_emit(const cv_doc *doc, int indent, cv_buf *out)
{
    jwrite w;
    CV_GUARD(writer_init(&w, indent, out));
    CV_ENSUREF(doc->n >= 1, CV_E_DOC_UNSUPPORTED, "JSON: no document to write");
    CV_GUARD(emit_value(&w, doc->branches[0], 0));
    return cv_buf_add_byte(out, '\n');
}

cv_result cv_json_emit_value(const cv_node *n, int indent, cv_buf *out)
{
    jwrite w;
    CV_GUARD(writer_init(&w, indent, out));
    return emit_value(&w, n, 0);
}

cv_result cv_json_marshal_go(const cv_node *n, cv_buf *out)
{
    jwrite w;
    CV_GUARD(writer_init(&w, 0, out));
    w.compact = true;
    w.go_maps = true;
    return emit_value(&w, n, 0);
}
