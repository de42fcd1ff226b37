#include "tests/lib/doc_dump.h"

#include <string.h>

#include "crypto/base/limits.h"
#include "secrets/doc/num.h"

/* Length of the valid UTF-8 sequence at p (0 if invalid), as Go decodes. */
static size_t utf8_len(const uint8_t *p, size_t n)
{
    uint8_t c = p[0];
    size_t w;
    uint32_t min;
    if (c < 0x80) return 1;
    if (c >= 0xC2 && c <= 0xDF) w = 2, min = 0x80;
    else if (c >= 0xE0 && c <= 0xEF) w = 3, min = 0x800;
    else if (c >= 0xF0 && c <= 0xF4) w = 4, min = 0x10000;
    else return 0;
    if (n < w) return 0;
    uint32_t v = c & (0x7F >> w);
    for (size_t i = 1; i < w; i++) {
        if ((p[i] & 0xC0) != 0x80) return 0;
        v = (v << 6) | (p[i] & 0x3F);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) return 0;
    return w;
}

static cv_result json_str(cv_buf *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    const uint8_t *p = (const uint8_t *)s;
    CV_GUARD(cv_buf_add_byte(b, '"'));
    for (size_t i = 0; i < n;) {
        uint8_t c = p[i];
        if (c < 0x80) {
            if (c == '"' || c == '\\') CV_GUARD(cv_buf_addf(b, "\\%c", c));
            else if (c == '\b') CV_GUARD(cv_buf_add_str(b, "\\b"));
            else if (c == '\f') CV_GUARD(cv_buf_add_str(b, "\\f"));
            else if (c == '\n') CV_GUARD(cv_buf_add_str(b, "\\n"));
            else if (c == '\r') CV_GUARD(cv_buf_add_str(b, "\\r"));
            else if (c == '\t') CV_GUARD(cv_buf_add_str(b, "\\t"));
            else if (c < 0x20 || c == '<' || c == '>' || c == '&')
                CV_GUARD(cv_buf_addf(b, "\\u00%c%c", hex[c >> 4], hex[c & 15]));
            else CV_GUARD(cv_buf_add_byte(b, c));
            i++;
            continue;
        }
        size_t w = utf8_len(p + i, n - i);
        if (w == 0) {
            CV_GUARD(cv_buf_add_str(b, "\\ufffd"));
            i++;
        } else if (w == 3 && p[i] == 0xE2 && p[i + 1] == 0x80 && (p[i + 2] == 0xA8 || p[i + 2] == 0xA9)) {
            CV_GUARD(cv_buf_add_str(b, p[i + 2] == 0xA8 ? "\\u2028" : "\\u2029"));
            i += 3;
        } else {
            CV_GUARD(cv_buf_add(b, p + i, w));
            i += w;
        }
    }
    return cv_buf_add_byte(b, '"');
}

static cv_result dump_node(cv_buf *b, const cv_node *n);

static cv_result dump_comment(cv_buf *b, const cv_node *c)
{
    CV_GUARD(cv_buf_add_str(b, "{\"c\":"));
    CV_GUARD(json_str(b, c->s, c->len));
    return cv_buf_add_str(b, c->inline_comment ? ",\"i\":true}" : ",\"i\":false}");
}

/* Go's Time.String() from the MarshalText form kept in the tree:
 * "2006-01-02 15:04:05.999999999 -0700 MST" (UTC, or the bare offset for
 * a fixed zone without a name). */
static cv_result time_string(cv_buf *b, const cv_node *k)
{
    char t[96];
    size_t n = k->len < 64 ? k->len : 63;
    memcpy(t, k->s, n);
    t[n] = 0;
    if (n < 20) return json_str(b, t, n);
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
    return json_str(b, out, strlen(out));
}

/* fmt.Sprint of a non-string key. */
static cv_result key_text(cv_buf *b, const cv_node *k)
{
    char t[CV_NUM_TEXT_MAX];
    switch (k->kind) {
    case CV_NODE_STR: return json_str(b, k->s, k->len);
    case CV_NODE_NULL: return json_str(b, "<nil>", 5);
    case CV_NODE_BOOL: return json_str(b, k->v.b ? "true" : "false", k->v.b ? 4 : 5);
    case CV_NODE_INT: return json_str(b, t, cv_go_int(k->v.i, t));
    case CV_NODE_FLOAT: return json_str(b, t, cv_go_float(k->v.f, 'g', t));
    case CV_NODE_TIME: return time_string(b, k);
    default: return json_str(b, k->s, k->len);
    }
}

static cv_result dump_map(cv_buf *b, const cv_node *n)
{
    CV_GUARD(cv_buf_add_str(b, "{\"m\":["));
    for (size_t i = 0; i < n->n; i++) {
        const cv_item *it = &n->items[i];
        CV_GUARD(cv_buf_add_str(b, i ? ",[" : "["));
        if (it->key->kind == CV_NODE_COMMENT) CV_GUARD(dump_comment(b, it->key));
        else CV_GUARD(key_text(b, it->key));
        CV_GUARD(cv_buf_add_byte(b, ','));
        if (it->value) CV_GUARD(dump_node(b, it->value));
        else CV_GUARD(cv_buf_add_str(b, "null"));
        CV_GUARD(cv_buf_add_byte(b, ']'));
    }
    return cv_buf_add_str(b, "]}");
}

static cv_result dump_list(cv_buf *b, const cv_node *n)
{
    CV_GUARD(cv_buf_add_str(b, "{\"l\":["));
    for (size_t i = 0; i < n->n; i++) {
        if (i) CV_GUARD(cv_buf_add_byte(b, ','));
        CV_GUARD(dump_node(b, n->items[i].value));
    }
    return cv_buf_add_str(b, "]}");
}

static cv_result dump_node(cv_buf *b, const cv_node *n)
{
    char t[CV_NUM_TEXT_MAX];
    switch (n->kind) {
    case CV_NODE_NULL: return cv_buf_add_str(b, "null");
    case CV_NODE_STR:
        CV_GUARD(cv_buf_add_str(b, "{\"s\":"));
        CV_GUARD(json_str(b, n->s, n->len));
        return cv_buf_add_byte(b, '}');
    case CV_NODE_INT: cv_go_int(n->v.i, t); return cv_buf_addf(b, "{\"i\":\"%s\"}", t);
    case CV_NODE_FLOAT: cv_go_float(n->v.f, 'g', t); return cv_buf_addf(b, "{\"f\":\"%s\"}", t);
    case CV_NODE_BOOL: return cv_buf_add_str(b, n->v.b ? "{\"b\":true}" : "{\"b\":false}");
    case CV_NODE_TIME:
        CV_GUARD(cv_buf_add_str(b, "{\"t\":"));
        CV_GUARD(json_str(b, n->s, n->len));
        return cv_buf_add_byte(b, '}');
    case CV_NODE_COMMENT: return dump_comment(b, n);
    case CV_NODE_MAP: return dump_map(b, n);
    case CV_NODE_LIST: return dump_list(b, n);
    }
    return cv_ok();
}

cv_result tv_doc_dump(const cv_doc *doc, cv_buf *out)
{
    CV_GUARD(cv_buf_add_str(out, "{\"docs\":["));
    for (size_t i = 0; i < doc->n; i++) {
        if (i) CV_GUARD(cv_buf_add_byte(out, ','));
        CV_GUARD(dump_node(out, doc->branches[i]));
    }
    return cv_buf_add_str(out, "]}\n");
}
