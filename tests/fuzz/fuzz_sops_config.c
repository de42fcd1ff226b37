/* .sops.yaml decoding and rule choice: input = a JSON document (the shape a
 * .sops.yaml parses to), converted to a document tree; every creation rule
 * is then asked for a few file paths. Nothing may crash or leak. */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "secrets/sops/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static cv_node *to_node(cv_doc *d, json_t *v, unsigned depth);

static bool fill(cv_doc *d, cv_node *n, json_t *v, unsigned depth)
{
    if (json_is_object(v)) {
        const char *k;
        json_t *x;
        json_object_foreach(v, k, x) {
            cv_node *c = to_node(d, x, depth + 1);
            if (!c || !cv_is_ok(cv_map_add(d, n, k, strlen(k), c))) return false;
        }
        return true;
    }
    size_t i;
    json_t *x;
    json_array_foreach(v, i, x) {
        cv_node *c = to_node(d, x, depth + 1);
        if (!c || !cv_is_ok(cv_node_append(d, n, NULL, c))) return false;
    }
    return true;
}

static cv_node *to_node(cv_doc *d, json_t *v, unsigned depth)
{
    cv_node *n = NULL;
    cv_result r;
    if (depth > 64) return NULL;
    switch (json_typeof(v)) {
    case JSON_OBJECT: r = cv_node_new(d, CV_NODE_MAP, &n); break;
    case JSON_ARRAY: r = cv_node_new(d, CV_NODE_LIST, &n); break;
    case JSON_STRING:
        r = cv_node_text(d, CV_NODE_STR, json_string_value(v), json_string_length(v), &n);
        break;
    case JSON_INTEGER: r = cv_node_int(d, json_integer_value(v), &n); break;
    case JSON_REAL: r = cv_node_float(d, json_real_value(v), &n); break;
    case JSON_TRUE: case JSON_FALSE: r = cv_node_bool(d, json_is_true(v), &n); break;
    default: r = cv_node_new(d, CV_NODE_NULL, &n); break;
    }
    if (!cv_is_ok(r)) return NULL;
    if ((json_is_object(v) || json_is_array(v)) && !fill(d, n, v, depth)) return NULL;
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 16384) return 0;
    json_t *v = json_loadb((const char *)data, size, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
    if (!json_is_object(v)) {
        json_decref(v);
        return 0;
    }
    cv_doc doc;
    if (!cv_is_ok(cv_doc_init(&doc))) abort();
    cv_node *br = NULL;
    cv_sops_config *cfg = NULL;
    if (cv_is_ok(cv_doc_add_branch(&doc, &br)) && fill(&doc, br, v, 0) &&
        cv_is_ok(cv_sops_config_decode(&doc, &cfg))) {
        static const char *const files[] = { "/r/a.yaml", "/r/kubernetes/x.sops.yaml", "/other/b" };
        for (size_t i = 0; i < 3; i++) {
            cv_sops_cfg_rule *rule = NULL;
            if (cv_is_ok(cv_sops_config_rule(cfg, "/r/.sops.yaml", files[i], NULL, 0, &rule)))
                cv_sops_cfg_rule_free(&rule);
        }
        cv_sops_cfg_stores st;
        cv_sops_config_stores(cfg, &st);
    }
    cv_sops_config_free(&cfg);
    cv_doc_clear(&doc);
    json_decref(v);
    return 0;
}
