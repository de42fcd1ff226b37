#include "secrets/doc/dotenv.h"

#include <string.h>

#include "crypto/base/limits.h"
#include "secrets/doc/gostr.h"

/* The value with every "\n" pair turned into a new line, scanning left to
 * right as strings.Replace does; built in the arena directly (it can only
 * shrink). */
static cv_result value_node(cv_doc *doc, cv_slice v, cv_node **out)
{
    CV_GUARD(cv_node_text(doc, CV_NODE_STR, v.p, v.len, out));
    char *s = (*out)->s;
    size_t w = 0;
    for (size_t r = 0; r < v.len; r++) {
        if (v.p[r] == '\\' && r + 1 < v.len && v.p[r + 1] == 'n') {
            s[w++] = '\n';
            r++;
        } else {
            s[w++] = (char)v.p[r];
        }
    }
    s[w] = '\0';
    (*out)->len = w;
    return cv_ok();
}

static cv_result load_line(cv_doc *doc, cv_node *branch, cv_slice line, size_t lineno)
{
    cv_node *key, *value;
    if (line.p[0] == '#') {
        CV_GUARD(cv_node_text(doc, CV_NODE_COMMENT, line.p + 1, line.len - 1, &key));
        return cv_node_append(doc, branch, key, NULL);
    }
    const uint8_t *eq = memchr(line.p, '=', line.len);
    CV_ENSUREF(eq != NULL, CV_E_DOC_SYNTAX, "dotenv: line %zu has no '='", lineno);
    size_t k = (size_t)(eq - line.p);
    CV_GUARD(cv_node_text(doc, CV_NODE_STR, line.p, k, &key));
    CV_GUARD(value_node(doc, cv_slice_of(eq + 1, line.len - k - 1), &value));
    return cv_node_append(doc, branch, key, value);
}

cv_result cv_dotenv_load(cv_slice in, cv_doc *doc)
{
    CV_ENSUREF(in.len <= CV_DOC_MAX_INPUT, CV_E_TOO_LARGE, "dotenv: input over %u bytes",
               CV_DOC_MAX_INPUT);
    cv_node *branch;
    CV_GUARD(cv_doc_add_branch(doc, &branch));
    cv_reader r = cv_reader_of(in);
    for (size_t lineno = 1; !cv_reader_eof(&r); lineno++) {
        cv_slice line;
        CV_GUARD(cv_reader_line_opt(&r, &line, CV_DOC_MAX_INPUT));
        if (line.len > 0) CV_GUARD(load_line(doc, branch, line, lineno));
    }
    return cv_ok();
}

static cv_result emit_string(const cv_node *v, cv_buf *out)
{
    size_t start = 0;
    for (size_t i = 0; i < v->len; i++) {
        if (v->s[i] != '\n') continue;
        CV_GUARD(cv_buf_add(out, v->s + start, i - start));
        CV_GUARD(cv_buf_add(out, "\\n", 2));
        start = i + 1;
    }
    return cv_buf_add(out, v->s + start, v->len - start);
}

static cv_result emit_item(const cv_item *it, cv_buf *out)
{
    const cv_node *v = it->value;
    if (v != NULL && (v->kind == CV_NODE_MAP || v->kind == CV_NODE_LIST)) {
        char q[96];
        cv_quote(q, sizeof(q), cv_slice_of(it->key->s, it->key->len));
        CV_BAILF(CV_E_DOC_UNSUPPORTED,
                 "cannot use complex value in dotenv file; offending key %s", q);
    }
    if (it->key->kind == CV_NODE_COMMENT) {
        CV_GUARD(cv_buf_add_byte(out, '#'));
        CV_GUARD(cv_buf_add(out, it->key->s, it->key->len));
        return cv_buf_add_byte(out, '\n');
    }
    CV_GUARD(cv_buf_add(out, it->key->s, it->key->len));
    CV_GUARD(cv_buf_add_byte(out, '='));
    if (v != NULL && v->kind == CV_NODE_STR) CV_GUARD(emit_string(v, out));
    else if (v == NULL) CV_GUARD(cv_buf_add_str(out, "<nil>"));
    else CV_GUARD(cv_go_val_string(v, out));
    return cv_buf_add_byte(out, '\n');
}

cv_result cv_dotenv_emit(const cv_doc *doc, int indent, cv_buf *out)
{
    (void)indent;
    CV_ENSUREF(doc->n >= 1, CV_E_DOC_UNSUPPORTED, "dotenv: no document to write");
    const cv_node *b = doc->branches[0];
    for (size_t i = 0; i < b->n; i++) CV_GUARD(emit_item(&b->items[i], out));
    return cv_ok();
}

cv_result cv_dotenv_emit_value(const cv_node *n, int indent, cv_buf *out)
{
    (void)indent;
    CV_ENSUREF(n->kind == CV_NODE_STR, CV_E_DOC_TYPE,
               "the dotenv store only supports emitting strings");
    return cv_buf_add(out, n->s, n->len);
}
