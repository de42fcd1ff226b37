#include "tests/lib/doc_dump.h"

#include <stdio.h>
#include <string.h>

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

/* Go's Time.String() from the MarshalText form kept in the tree:
 * "2006-01-02 15:04:05.999999999 -0700 MST" (UTC, or the bare offset for a
 * fixed zone without a name) — how sops's dump prints a timestamp key. */
static cv_result time_string(cv_buf *b, const cv_node *k)
{
    char t[96];
    size_t n = k->len < 64 ? k->len : 63;
    memcpy(t, k->s, n);
    t[n] = 0;
    if (n < 20) return cv_go_json_quote(b, t, n);
    t[10] = ' ';
    char *zone = t + 19;
    while (*zone == '.' || (*zone >= '0' && *zone <= '9')) zone++;
    char out[128];
    int head = (int)(zone - t);
    if (strcmp(zone, "Z") == 0) {
        snprintf(out, sizeof(out), "%.*s +0000 UTC", head, t);
    } else {
        char off[8] = { zone[0], zone[1], zone[2], zone[4], zone[5], 0 };
        snprintf(out, sizeof(out), "%.*s %s %s", head, t, off, off);
    }
    return cv_go_json_quote(b, out, strlen(out));
}

/* fmt.Sprint of a (possibly non-string) YAML key. */
static cv_result key_text(cv_buf *b, const cv_node *k)
{
    char t[CV_NUM_TEXT_MAX];
    switch (k->kind) {
    case CV_NODE_NULL: return cv_go_json_quote(b, "<nil>", 5);
    case CV_NODE_BOOL: return cv_go_json_quote(b, k->v.b ? "true" : "false", k->v.b ? 4 : 5);
    case CV_NODE_INT: return cv_go_json_quote(b, t, cv_go_int(k->v.i, t));
    case CV_NODE_FLOAT: return cv_go_json_quote(b, t, cv_go_float(k->v.f, 'g', t));
    case CV_NODE_TIME: return time_string(b, k);
    default: return cv_go_json_quote(b, k->s, k->len);
    }
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
            else CV_GUARD(key_text(out, it->key));
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
