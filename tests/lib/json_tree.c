#include "tests/lib/json_tree.h"

#include <stdlib.h>
#include <string.h>

static cv_node *jt_value(cv_doc *d, const json_t *v);

static cv_node *jt_text(cv_doc *d, cv_node_kind k, const json_t *s)
{
    cv_node *n = NULL;
    if (!json_is_string(s)) return NULL;
    if (!cv_is_ok(cv_node_text(d, k, json_string_value(s), json_string_length(s), &n))) return NULL;
    return n;
}

static cv_node *jt_comment(cv_doc *d, const json_t *c)
{
    cv_node *n = jt_text(d, CV_NODE_COMMENT, json_object_get(c, "c"));
    if (n) n->inline_comment = json_is_true(json_object_get(c, "i"));
    return n;
}

static bool jt_map(cv_doc *d, cv_node *map, const json_t *items)
{
    size_t i;
    json_t *it;
    json_array_foreach(items, i, it) {
        json_t *k = json_array_get(it, 0);
        if (json_is_object(k)) {
            cv_node *c = jt_comment(d, k);
            if (!c || !cv_is_ok(cv_node_append(d, map, c, NULL))) return false;
            continue;
        }
        cv_node *key = jt_text(d, CV_NODE_STR, k), *val = jt_value(d, json_array_get(it, 1));
        if (!key || !val || !cv_is_ok(cv_node_append(d, map, key, val))) return false;
    }
    return true;
}

static cv_node *jt_list(cv_doc *d, const json_t *items)
{
    cv_node *l = NULL;
    if (!cv_is_ok(cv_node_new(d, CV_NODE_LIST, &l))) return NULL;
    size_t i;
    json_t *it;
    json_array_foreach(items, i, it) {
        cv_node *v = json_is_object(it) && json_object_get(it, "c") ? jt_comment(d, it)
                                                                     : jt_value(d, it);
        if (!v || !cv_is_ok(cv_node_append(d, l, NULL, v))) return NULL;
    }
    return l;
}

static cv_node *jt_number(cv_doc *d, const char *tag, const char *text)
{
    cv_node *n = NULL;
    if (strcmp(tag, "i") == 0) {
        if (!cv_is_ok(cv_node_int(d, strtoll(text, NULL, 10), &n))) return NULL;
    } else if (!cv_is_ok(cv_node_float(d, strtod(text, NULL), &n))) {
        return NULL;
    }
    return n;
}

static cv_node *jt_value(cv_doc *d, const json_t *v)
{
    cv_node *n = NULL;
    json_t *x;
    if (json_is_null(v)) return cv_is_ok(cv_node_new(d, CV_NODE_NULL, &n)) ? n : NULL;
    if ((x = json_object_get(v, "m"))) {
        if (!cv_is_ok(cv_node_new(d, CV_NODE_MAP, &n)) || !jt_map(d, n, x)) return NULL;
        return n;
    }
    if ((x = json_object_get(v, "l"))) return jt_list(d, x);
    if ((x = json_object_get(v, "s"))) return jt_text(d, CV_NODE_STR, x);
    if ((x = json_object_get(v, "t"))) return jt_text(d, CV_NODE_TIME, x);
    if ((x = json_object_get(v, "b"))) return cv_is_ok(cv_node_bool(d, json_is_true(x), &n)) ? n : NULL;
    if ((x = json_object_get(v, "i"))) return jt_number(d, "i", json_string_value(x));
    if ((x = json_object_get(v, "f"))) return jt_number(d, "f", json_string_value(x));
    return NULL;
}

bool jt_doc_from_json(cv_doc *d, const json_t *typed)
{
    size_t i;
    json_t *b;
    json_array_foreach(json_object_get(typed, "docs"), i, b) {
        cv_node *br = NULL;
        if (!cv_is_ok(cv_doc_add_branch(d, &br))) return false;
        if (!jt_map(d, br, json_object_get(b, "m"))) return false;
    }
    return true;
}
