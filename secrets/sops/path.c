#include "secrets/sops/path.h"

#include <stdlib.h>
#include <string.h>

#include "crypto/base/limits.h"
#include "secrets/doc/num.h"

void cv_sops_path_free(cv_sops_path *p)
{
    free(p->parts);
    p->parts = NULL;
    p->n = 0;
}

static cv_result add_part(cv_sops_path *p, const char *c, size_t len)
{
    CV_ENSUREF(p->n < CV_DOC_MAX_DEPTH, CV_E_SOPS_PATH, "path too deep");
    cv_sops_path_part *n = realloc(p->parts, (p->n + 1) * sizeof(*n));
    CV_ENSURE(n, CV_E_NOMEM);
    p->parts = n;
    cv_sops_path_part *part = &n[p->n++];
    memset(part, 0, sizeof(*part));
    if (c[0] == '"' || c[0] == '\'') {
        /* sops drops the first and last character whatever they are */
        part->key = c + 1;
        part->key_len = len >= 2 ? len - 2 : 0;
        return cv_ok();
    }
    int64_t v;
    CV_ENSUREF(cv_is_ok(cv_go_parse_int(cv_slice_of(c, len), &v)) && v >= 0, CV_E_SOPS_PATH,
               "strconv.Atoi: parsing \"%.*s\": invalid syntax", (int)(len > 64 ? 64 : len), c);
    part->index = (size_t)v;
    return cv_ok();
}

cv_result cv_sops_path_parse(const char *arg, cv_sops_path *p)
{
    memset(p, 0, sizeof(*p));
    const char *s = arg;
    while (*s) {
        const char *end = strchr(s, '[');
        size_t len = end ? (size_t)(end - s) : strlen(s);
        if (len > 0) {
            cv_result r = s[len - 1] == ']' ? add_part(p, s, len - 1)
                                            : CV_FAILF(CV_E_SOPS_PATH,
                                                       "component %.*s doesn't end with ]",
                                                       (int)(len > 64 ? 64 : len), s);
            if (!cv_is_ok(r)) {
                cv_sops_path_free(p);
                return r;
            }
        }
        s += len;
        if (*s == '[') s++;
    }
    return cv_ok();
}

static long find_key(const cv_node *map, const cv_sops_path_part *part)
{
    return cv_map_find(map, part->key, part->key_len);
}

cv_result cv_sops_path_get(cv_node *root, const cv_sops_path *p, cv_node **out)
{
    cv_node *cur = root;
    for (size_t i = 0; i < p->n; i++) {
        const cv_sops_path_part *part = &p->parts[i];
        if (part->key) {
            long j = cur && cur->kind == CV_NODE_MAP ? find_key(cur, part) : -1;
            CV_ENSUREF(j >= 0, CV_E_NOT_FOUND, "component ['%.*s'] not found",
                       (int)(part->key_len > 200 ? 200 : part->key_len), part->key);
            cur = cur->items[j].value;
            continue;
        }
        CV_ENSUREF(cur && cur->kind == CV_NODE_LIST, CV_E_NOT_FOUND,
                   "component [%zu] is integer, but tree part is not a slice", part->index);
        CV_ENSUREF(part->index < cur->n, CV_E_NOT_FOUND, "component [%zu] accesses out of bounds",
                   part->index);
        cur = cur->items[part->index].value;
    }
    *out = cur;
    return cv_ok();
}

/* valueFromPathAndLeaf: the nested maps/lists that the rest of the path
 * names, holding value at the end. */
static cv_result build(cv_doc *d, const cv_sops_path_part *parts, size_t n, const cv_node *value,
                       cv_node **out)
{
    if (n == 0) return cv_node_clone(d, value, out);
    cv_node *inner;
    CV_GUARD(build(d, parts + 1, n - 1, value, &inner));
    CV_GUARD(cv_node_new(d, parts[0].key ? CV_NODE_MAP : CV_NODE_LIST, out));
    if (parts[0].key) return cv_map_add(d, *out, parts[0].key, parts[0].key_len, inner);
    return cv_node_append(d, *out, NULL, inner);
}

static cv_result set_in(cv_doc *d, cv_node **slot, const cv_sops_path_part *parts, size_t n,
                        const cv_node *value, bool *changed)
{
    cv_node *cur = *slot;
    if (cur && cur->kind == CV_NODE_MAP && parts[0].key) {
        long j = find_key(cur, &parts[0]);
        if (j >= 0) {
            if (n > 1) return set_in(d, &cur->items[j].value, parts + 1, n - 1, value, changed);
            *changed = !cv_node_equal(cur->items[j].value, value);
            return cv_node_clone(d, value, &cur->items[j].value);
        }
        cv_node *tail;
        CV_GUARD(build(d, parts + 1, n - 1, value, &tail));
        *changed = true;
        return cv_map_add(d, cur, parts[0].key, parts[0].key_len, tail);
    }
    if (cur && cur->kind == CV_NODE_LIST && !parts[0].key) {
        if (parts[0].index >= cur->n) {
            cv_node *tail;
            CV_GUARD(build(d, parts + 1, n - 1, value, &tail));
            *changed = true;
            return cv_node_append(d, cur, NULL, tail);
        }
        cv_node **item = &cur->items[parts[0].index].value;
        if (n > 1) return set_in(d, item, parts + 1, n - 1, value, changed);
        *changed = !cv_node_equal(*item, value);
        return cv_node_clone(d, value, item);
    }
    if (cur && cur->kind == CV_NODE_MAP) {
        /* sops: an index into a map adds nothing but reports a change */
        *changed = true;
        return cv_ok();
    }
    /* A scalar (or a list addressed by key): replaced. */
    cv_node *fresh;
    CV_GUARD(build(d, parts, n, value, &fresh));
    *changed = !cv_node_equal(cur, fresh);
    *slot = fresh;
    return cv_ok();
}

cv_result cv_sops_path_set(cv_doc *d, cv_node *root, const cv_sops_path *p,
                           const cv_node *value, bool *changed)
{
    *changed = false;
    CV_ENSUREF(p->n > 0, CV_E_SOPS_PATH, "empty path");
    CV_ENSUREF(p->parts[0].key, CV_E_SOPS_PATH, "the document root is a map: use a key first");
    cv_node *slot = root;
    CV_GUARD(set_in(d, &slot, p->parts, p->n, value, changed));
    CV_BUG_ON(slot != root);
    return cv_ok();
}

cv_result cv_sops_path_unset(cv_node *root, const cv_sops_path *p)
{
    cv_node *cur = root;
    CV_ENSUREF(p->n > 0, CV_E_SOPS_PATH, "empty path");
    for (size_t i = 0; i < p->n; i++) {
        const cv_sops_path_part *part = &p->parts[i];
        size_t at;
        if (cur && cur->kind == CV_NODE_MAP && part->key) {
            long j = find_key(cur, part);
            CV_ENSUREF(j >= 0, CV_E_NOT_FOUND, "Key not found: %.*s",
                       (int)(part->key_len > 200 ? 200 : part->key_len), part->key);
            at = (size_t)j;
        } else if (cur && cur->kind == CV_NODE_LIST && !part->key) {
            CV_ENSUREF(part->index < cur->n, CV_E_NOT_FOUND, "Index %zu out of bounds",
                       part->index);
            at = part->index;
        } else {
            CV_BAILF(CV_E_SOPS_PATH, "Unsupported type for item in path");
        }
        if (i + 1 == p->n) {
            cv_node_remove(cur, at);
            return cv_ok();
        }
        cur = cur->items[at].value;
    }
    return cv_ok();
}
