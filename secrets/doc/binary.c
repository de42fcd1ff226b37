#include "secrets/doc/binary.h"

#include "crypto/base/limits.h"

cv_result cv_binary_load(cv_slice in, cv_doc *doc)
{
    CV_ENSUREF(in.len <= CV_DOC_MAX_INPUT, CV_E_TOO_LARGE, "binary: input over %u bytes",
               CV_DOC_MAX_INPUT);
    cv_node *branch, *data;
    CV_GUARD(cv_doc_add_branch(doc, &branch));
    /* A file read as the doc's source (cv_doc_read_source) is its value. */
    CV_GUARD(cv_node_text_at(doc, CV_NODE_STR, in.p, in.len, &data));
    return cv_map_add(doc, branch, "data", 4, data);
}

cv_result cv_binary_data(const cv_doc *doc, cv_slice *out)
{
    CV_ENSUREF(doc->n == 1, CV_E_DOC_UNSUPPORTED,
               "error emitting binary store: there must be exactly one tree branch");
    const cv_node *b = doc->branches[0];
    for (size_t i = 0; i < b->n; i++) {
        const cv_item *it = &b->items[i];
        if (it->key->kind != CV_NODE_STR || it->key->len != 4 ||
            memcmp(it->key->s, "data", 4) != 0)
            continue;
        CV_ENSUREF(it->value != NULL && it->value->kind == CV_NODE_STR, CV_E_DOC_UNSUPPORTED,
                   "error emitting binary store: 'data' key in tree does not have a string "
                   "value");
        *out = cv_slice_of(it->value->s, it->value->len);
        return cv_ok();
    }
    CV_BAILF(CV_E_DOC_UNSUPPORTED, "error emitting binary store: no binary data found in tree");
}

cv_result cv_binary_emit(const cv_doc *doc, int indent, cv_buf *out)
{
    (void)indent;
    cv_slice data;
    CV_GUARD(cv_binary_data(doc, &data));
    return cv_buf_add(out, data.p, data.len);
}
