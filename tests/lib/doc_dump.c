#include "tests/lib/doc_dump.h"

#include "crypto/base/limits.h"
#include "secrets/doc/gostr.h"
#include "secrets/doc/num.h"

static cv_result tagged(cv_buf *out, const char *tag, const char *s, size_t n)
{
    CV_GUARD(cv_buf_add_str(out, tag));
    CV_GUARD(cv_go_json_quote(out, s, n));
    return cv_buf_add_byte(out, '}');
}

static cv_result comment(const cv_node *n, cv_buf *out)
{
    CV_GUARD(cv_buf_add_str(out, "{\"c\":"));
    CV_GUARD(cv_go_json_quote(out, n->s, n->len));
    return cv_buf_add_str(out, n->inline_comment ? ",\"i\":true}" : ",\"i\":false}");
}

static cv_result items(const cv_node *n, cv_buf *out)
{
    bool map = n->kind == CV_NODE_MAP;
    CV_GUARD(cv_buf_add_str(out, map ? "{\"m\":[" : "{\"l\":["));
    for (size_t i = 0; i < n->n; i++) {
        const cv_item *it = &n->items[i];
        if (i > 0) CV_GUARD(cv_buf_add_byte(out, ','));
        if (map) {
            CV_GUARD(cv_buf_add_byte(out, '['));
            if (it->key->kind == CV_NODE_COMMENT) CV_GUARD(comment(it->key, out));
            else CV_GUARD(cv_go_json_quote(out, it->key->s, it->key->len));
            CV_GUARD(cv_buf_add_byte(out, ','));
        }
        CV_GUARD(tv_node_dump(it->value, out));
        if (map) CV_GUARD(cv_buf_add_byte(out, ']'));
    }
    return cv_buf_add_str(out, "]}");
}

cv_result tv_node_dump(const cv_node *n, cv_buf *out)
{
    char t[CV_NUM_TEXT_MAX];
    if (n == NULL) return cv_buf_add_str(out, "null");
    switch (n->kind) {
    case CV_NODE_NULL: return cv_buf_add_str(out, "null");
    case CV_NODE_STR: return tagged(out, "{\"s\":", n->s, n->len);
    case CV_NODE_TIME: return tagged(out, "{\"t\":", n->s, n->len);
    case CV_NODE_INT: return tagged(out, "{\"i\":", t, cv_go_int(n->v.i, t));
    case CV_NODE_FLOAT: return tagged(out, "{\"f\":", t, cv_go_float(n->v.f, 'g', t));
    case CV_NODE_BOOL: return cv_buf_add_str(out, n->v.b ? "{\"b\":true}" : "{\"b\":false}");
    case CV_NODE_COMMENT: return comment(n, out);
    case CV_NODE_MAP:
    case CV_NODE_LIST: return items(n, out);
    }
    CV_BAIL(CV_E_DOC_TYPE);
}

cv_result tv_doc_dump(const cv_doc *doc, cv_buf *out)
{
    CV_GUARD(cv_buf_add_str(out, "{\"docs\":["));
    for (size_t i = 0; i < doc->n; i++) {
        if (i > 0) CV_GUARD(cv_buf_add_byte(out, ','));
        CV_GUARD(tv_node_dump(doc->branches[i], out));
    }
    return cv_buf_add_str(out, "]}\n");
}
