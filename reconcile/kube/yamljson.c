#include "reconcile/kube/yamljson.h"

#include <errno.h>
#include <math.h>
#include <string.h>
#include <yaml.h>

#include "crypto/base/limits.h"

/* One open mapping or sequence. */
typedef struct {
    json_t *node;
    json_t *key;         /* mapping: key waiting for its value */
    bool key_is_merge;   /* the waiting key is a plain << */
    json_t *explicit_keys; /* mapping that had a merge: keys written by hand */
    char *anchor;
    size_t weight;
} frame;

typedef struct {
    yaml_parser_t parser;
    const char *name;
    frame stack[CV_KUBE_MAX_JSON_DEPTH];
    size_t depth;
    json_t *anchors; /* name -> [value, weight] */
    json_t *docs;
    json_t *root;
    size_t root_weight;
    size_t line;
} reader;

#define TAG_PREFIX "tag:yaml.org,2002:"

static cv_result syntax(const reader *rd, const char *what)
{
    return CV_FAILF(CV_E_DOC_SYNTAX, "%s:%zu: %s", rd->name, rd->line, what);
}

/* --- plain scalars (go-yaml v2 resolve) ------------------------------------ */

static bool in_list(const char *s, size_t n, const char *const *list)
{
    for (; *list; list++)
        if (strlen(*list) == n && memcmp(*list, s, n) == 0) return true;
    return false;
}

static const char *const yes_words[] = { "y", "Y", "yes", "Yes", "YES", "true", "True",
                                         "TRUE", "on", "On", "ON", NULL };
static const char *const no_words[] = { "n", "N", "no", "No", "NO", "false", "False",
                                        "FALSE", "off", "Off", "OFF", NULL };
static const char *const null_words[] = { "", "~", "null", "Null", "NULL", NULL };
static const char *const special_floats[] = { ".nan", ".NaN", ".NAN", ".inf", ".Inf",
                                              ".INF", "+.inf", "+.Inf", "+.INF", "-.inf",
                                              "-.Inf", "-.INF", NULL };

static int digit_value(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'z') return c - 'a' + 10;
    if (c >= 'A' && c <= 'Z') return c - 'A' + 10;
    return 99;
}

/* Go's strconv.ParseInt(s, 0, 64) / ParseUint: sign, 0x 0o 0b or leading-0
 * octal prefixes. Returns false on syntax error or overflow. */
static bool go_parse_int(const char *s, size_t n, bool *neg, uint64_t *mag)
{
    size_t i = 0;
    *neg = false;
    if (i < n && (s[i] == '+' || s[i] == '-')) *neg = s[i++] == '-';
    unsigned base = 10;
    if (n - i >= 2 && s[i] == '0') {
        char p = s[i + 1];
        if (p == 'x' || p == 'X') base = 16, i += 2;
        else if (p == 'o' || p == 'O') base = 8, i += 2;
        else if (p == 'b' || p == 'B') base = 2, i += 2;
        else base = 8, i += 1;
    }
    if (i >= n) return false;
    uint64_t v = 0;
    for (; i < n; i++) {
        int d = digit_value(s[i]);
        if (d >= (int)base) return false;
        if (v > (UINT64_MAX - (uint64_t)d) / base) return false;
        v = v * base + (uint64_t)d;
    }
    *mag = v;
    return true;
}

/* ^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$ */
static bool yaml_float_syntax(const char *s, size_t n)
{
    size_t i = 0, d = 0;
    if (i < n && (s[i] == '+' || s[i] == '-')) i++;
    if (i < n && s[i] == '.') {
        for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++) d++;
        if (d == 0) return false;
    } else {
        for (; i < n && s[i] >= '0' && s[i] <= '9'; i++) d++;
        if (d == 0) return false;
        if (i < n && s[i] == '.')
            for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++) {}
    }
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        size_t e = 0;
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-')) i++;
        for (; i < n && s[i] >= '0' && s[i] <= '9'; i++) e++;
        if (e == 0) return false;
    }
    return i == n;
}

/* A float as JSON: integral values in int64 range print as integers, as
 * Go's encoding/json prints them. */
static cv_result json_number(double f, json_t **out)
{
    CV_ENSURE(isfinite(f), CV_E_DOC_TYPE);
    if (f == floor(f) && fabs(f) < 9.2e18) *out = json_integer((json_int_t)f);
    else *out = json_real(f);
    CV_ENSURE(*out != NULL, CV_E_NOMEM);
    return cv_ok();
}

static cv_result parse_float(const char *s, size_t n, json_t **out)
{
    char tmp[128];
    if (n >= sizeof tmp) return CV_FAIL(CV_E_NUMBER);
    memcpy(tmp, s, n);
    tmp[n] = '\0';
    errno = 0;
    char *end;
    double f = strtod(tmp, &end);
    if (end != tmp + n) return CV_FAIL(CV_E_NUMBER);
    return json_number(f, out);
}

static cv_result resolve_number(const char *s, size_t n, json_t **out)
{
    char plain[128];
    size_t m = 0;
    for (size_t i = 0; i < n && m < sizeof plain; i++)
        if (s[i] != '_') plain[m++] = s[i];
    if (m == sizeof plain) return CV_FAIL(CV_E_NUMBER);
    bool neg;
    uint64_t mag;
    if (go_parse_int(plain, m, &neg, &mag)) {
        if (!neg && mag <= (uint64_t)INT64_MAX) *out = json_integer((json_int_t)mag);
        else if (neg && mag <= (uint64_t)INT64_MAX + 1u)
            *out = json_integer(mag == (uint64_t)INT64_MAX + 1u ? INT64_MIN : -(json_int_t)mag);
        else if (!neg) return json_number((double)mag, out);
        else return CV_FAIL(CV_E_NUMBER);
        CV_ENSURE(*out != NULL, CV_E_NOMEM);
        return cv_ok();
    }
    if (yaml_float_syntax(plain, m)) return parse_float(plain, m, out);
    return CV_FAIL(CV_E_NUMBER);
}

static json_t *str_value(const char *s, size_t n) { return json_stringn_nocheck(s, n); }

cv_result cv_kube_yaml_plain(cv_slice in, json_t **out)
{
    const char *s = (const char *)in.p;
    size_t n = in.len;
    *out = NULL;
    if (in_list(s, n, null_words)) *out = json_null();
    else if (in_list(s, n, yes_words)) *out = json_true();
    else if (in_list(s, n, no_words)) *out = json_false();
    else if (in_list(s, n, special_floats))
        CV_BAILF(CV_E_DOC_TYPE, "%.*s has no JSON representation", (int)n, s);
    if (*out) return cv_ok();
    char c = n ? s[0] : 0;
    bool numeric = (c >= '0' && c <= '9') || c == '+' || c == '-';
    if (numeric || c == '.') {
        cv_result r = numeric ? resolve_number(s, n, out)
                              : (yaml_float_syntax(s, n) ? parse_float(s, n, out)
                                                         : CV_FAIL(CV_E_NUMBER));
        if (cv_is_ok(r)) return r;
        if (!cv_is(r, CV_E_NUMBER)) return r;
        cv_err_clear();
    }
    *out = str_value(s, n);
    CV_ENSURE(*out != NULL, CV_E_NOMEM);
    return cv_ok();
}

/* --- tagged and quoted scalars --------------------------------------------- */

static cv_result tagged_scalar(const char *tag, const char *s, size_t n, json_t **out)
{
    const char *t = tag + strlen(TAG_PREFIX);
    if (strcmp(t, "int") == 0 || strcmp(t, "float") == 0) {
        CV_GUARD(resolve_number(s, n, out));
        if (strcmp(t, "float") == 0 && json_is_integer(*out)) return cv_ok();
        return cv_ok();
    }
    if (strcmp(t, "bool") == 0) {
        if (in_list(s, n, yes_words)) *out = json_true();
        else if (in_list(s, n, no_words)) *out = json_false();
        else return CV_FAIL(CV_E_DOC_TYPE);
        return cv_ok();
    }
    if (strcmp(t, "null") == 0) {
        CV_ENSURE(in_list(s, n, null_words), CV_E_DOC_TYPE);
        *out = json_null();
        return cv_ok();
    }
    *out = str_value(s, n); /* str, binary, timestamp and unknown tags */
    CV_ENSURE(*out != NULL, CV_E_NOMEM);
    return cv_ok();
}

static cv_result scalar_value(reader *rd, const yaml_event_t *ev, json_t **out)
{
    const char *s = (const char *)ev->data.scalar.value;
    size_t n = ev->data.scalar.length;
    const char *tag = (const char *)ev->data.scalar.tag;
    cv_result r;
    if (tag != NULL && strncmp(tag, TAG_PREFIX, strlen(TAG_PREFIX)) == 0)
        r = tagged_scalar(tag, s, n, out);
    else if (tag == NULL && ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE)
        r = cv_kube_yaml_plain(cv_slice_of(s, n), out);
    else {
        *out = str_value(s, n); /* quoted, block, the "!" tag, local tags */
        r = *out ? cv_ok() : CV_FAIL(CV_E_NOMEM);
    }
    if (!cv_is_ok(r)) {
        cv_err e = r.err == CV_E_NOMEM ? CV_E_NOMEM : CV_E_DOC_TYPE;
        return CV_FAILF(e, "%s:%zu: cannot decode %.*s", rd->name, rd->line,
                        (int)(n > 40 ? 40 : n), s);
    }
    return cv_ok();
}

/* --- building the tree ------------------------------------------------------ */

/* A key as JSON text: sigs.k8s.io/yaml turns scalar keys into strings. */
static cv_result key_of(reader *rd, json_t *v, json_t **key)
{
    char buf[64];
    const char *txt = NULL;
    if (json_is_string(v)) {
        *key = json_incref(v);
        return cv_ok();
    }
    if (json_is_true(v)) txt = "true";
    else if (json_is_false(v)) txt = "false";
    else if (json_is_null(v)) txt = "null";
    else if (json_is_integer(v)) {
        snprintf(buf, sizeof buf, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        txt = buf;
    } else if (json_is_real(v)) {
        snprintf(buf, sizeof buf, "%.17g", json_real_value(v));
        txt = buf;
    }
    if (txt == NULL) return syntax(rd, "a mapping or sequence cannot be a key");
    *key = json_string(txt);
    CV_ENSURE(*key != NULL, CV_E_NOMEM);
    return cv_ok();
}

static cv_result merge_into(reader *rd, frame *f, json_t *src)
{
    if (json_is_array(src)) {
        /* go-yaml applies a list of merge sources last to first, so the
         * first source wins. */
        for (size_t i = json_array_size(src); i-- > 0;) {
            json_t *m = json_array_get(src, i);
            if (!json_is_object(m)) return syntax(rd, "a merge key needs mappings");
            CV_ENSURE(json_object_update(f->node, m) == 0, CV_E_NOMEM);
        }
        return cv_ok();
    }
    if (!json_is_object(src)) return syntax(rd, "a merge key needs a mapping");
    CV_ENSURE(json_object_update(f->node, src) == 0, CV_E_NOMEM);
    return cv_ok();
}

static cv_result map_set(reader *rd, frame *f, json_t *v)
{
    json_t *key = f->key;
    f->key = NULL;
    const char *k = json_string_value(key);
    size_t klen = json_string_length(key);
    bool dup = f->explicit_keys ? json_object_getn(f->explicit_keys, k, klen) != NULL
                                : json_object_getn(f->node, k, klen) != NULL;
    cv_result r = cv_ok();
    if (dup) r = CV_FAILF(CV_E_DOC_DUPLICATE_KEY, "%s:%zu: key %.*s is already defined", rd->name,
                          rd->line, (int)(klen > 80 ? 80 : klen), k);
    else if (json_object_setn(f->node, k, klen, v) != 0) r = CV_FAIL(CV_E_NOMEM);
    else if (f->explicit_keys && json_object_setn(f->explicit_keys, k, klen, json_true()) != 0)
        r = CV_FAIL(CV_E_NOMEM);
    json_decref(key);
    return r;
}

static cv_result note_merge(reader *rd, frame *f, json_t *v)
{
    if (f->explicit_keys == NULL) {
        /* From now on duplicates are judged against hand-written keys only. */
        f->explicit_keys = json_object();
        CV_ENSURE(f->explicit_keys != NULL, CV_E_NOMEM);
        const char *k;
        size_t klen;
        json_t *x;
        json_object_keylen_foreach(f->node, k, klen, x) {
            CV_ENSURE(json_object_setn(f->explicit_keys, k, klen, json_true()) == 0,
                      CV_E_NOMEM);
        }
    }
    f->key_is_merge = false;
    return merge_into(rd, f, v);
}

static cv_result add_weight(reader *rd, size_t w)
{
    rd->root_weight += w;
    if (rd->root_weight > CV_KUBE_MAX_YAML_NODES)
        return CV_FAILF(CV_E_LIMIT, "%s:%zu: document expands to more than %u nodes", rd->name,
                        rd->line, CV_KUBE_MAX_YAML_NODES);
    return cv_ok();
}

/* A finished value (scalar, alias, or closed container) goes into its
 * parent. Takes the reference v. weight: nodes in its expanded subtree;
 * fresh: nodes not counted yet (children were counted as they came). */
static cv_result place(reader *rd, json_t *v, size_t weight, size_t fresh, bool plain_merge_key)
{
    cv_result r = add_weight(rd, fresh);
    if (cv_is_ok(r) && rd->depth == 0) {
        rd->root = json_incref(v);
    } else if (cv_is_ok(r)) {
        frame *f = &rd->stack[rd->depth - 1];
        f->weight += weight;
        if (json_is_array(f->node)) {
            if (json_array_append(f->node, v) != 0) r = CV_FAIL(CV_E_NOMEM);
        } else if (f->key == NULL && !f->key_is_merge) {
            if (plain_merge_key) f->key_is_merge = true;
            else r = key_of(rd, v, &f->key);
        } else if (f->key_is_merge) {
            r = note_merge(rd, f, v);
        } else {
            r = map_set(rd, f, v);
        }
    }
    json_decref(v);
    return r;
}

static cv_result open_node(reader *rd, const yaml_event_t *ev, bool map)
{
    if (rd->depth >= CV_KUBE_MAX_JSON_DEPTH)
        return CV_FAILF(CV_E_LIMIT, "%s:%zu: nesting deeper than %u", rd->name, rd->line,
                        CV_KUBE_MAX_JSON_DEPTH);
    const yaml_char_t *anchor = map ? ev->data.mapping_start.anchor
                                    : ev->data.sequence_start.anchor;
    frame *f = &rd->stack[rd->depth];
    memset(f, 0, sizeof *f);
    f->node = map ? json_object() : json_array();
    CV_ENSURE(f->node != NULL, CV_E_NOMEM);
    f->weight = 1;
    if (anchor != NULL) {
        f->anchor = strdup((const char *)anchor);
        if (f->anchor == NULL) {
            json_decref(f->node);
            CV_BAIL(CV_E_NOMEM);
        }
    }
    rd->depth++;
    return cv_ok();
}

static cv_result remember(reader *rd, const char *anchor, json_t *v, size_t weight)
{
    if (anchor == NULL) return cv_ok();
    json_t *entry = json_pack("[Oi]", v, (json_int_t)weight);
    CV_ENSURE(entry != NULL, CV_E_NOMEM);
    CV_ENSURE(json_object_set_new(rd->anchors, anchor, entry) == 0, CV_E_NOMEM);
    return cv_ok();
}

static void drop_frame(frame *f)
{
    json_decref(f->node);
    json_decref(f->key);
    json_decref(f->explicit_keys);
    free(f->anchor);
    memset(f, 0, sizeof *f);
}

static cv_result close_node(reader *rd)
{
    frame f = rd->stack[--rd->depth];
    memset(&rd->stack[rd->depth], 0, sizeof f);
    cv_result r = cv_ok();
    if (f.key != NULL || f.key_is_merge) r = syntax(rd, "mapping key without a value");
    if (cv_is_ok(r)) r = remember(rd, f.anchor, f.node, f.weight);
    if (cv_is_ok(r)) r = place(rd, json_incref(f.node), f.weight, 1, false);
    drop_frame(&f);
    return r;
}

static cv_result on_scalar(reader *rd, const yaml_event_t *ev)
{
    json_t *v;
    CV_GUARD(scalar_value(rd, ev, &v));
    bool merge = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
                 ev->data.scalar.tag == NULL && ev->data.scalar.length == 2 &&
                 memcmp(ev->data.scalar.value, "<<", 2) == 0;
    cv_result r = remember(rd, (const char *)ev->data.scalar.anchor, v, 1);
    if (!cv_is_ok(r)) {
        json_decref(v);
        return r;
    }
    return place(rd, v, 1, 1, merge);
}

static cv_result on_alias(reader *rd, const yaml_event_t *ev)
{
    json_t *entry = json_object_get(rd->anchors, (const char *)ev->data.alias.anchor);
    if (entry == NULL) return syntax(rd, "unknown anchor");
    size_t w = (size_t)json_integer_value(json_array_get(entry, 1));
    /* A copy, so that later edits of one occurrence leave the others. */
    json_t *v = json_deep_copy(json_array_get(entry, 0));
    CV_ENSURE(v != NULL, CV_E_NOMEM);
    return place(rd, v, w, w, false);
}

static cv_result end_document(reader *rd)
{
    json_t *root = rd->root;
    rd->root = NULL;
    rd->root_weight = 0;
    json_object_clear(rd->anchors);
    if (root == NULL || json_is_null(root)) {
        json_decref(root);
        return cv_ok();
    }
    CV_ENSURE(json_array_append_new(rd->docs, root) == 0, CV_E_NOMEM);
    return cv_ok();
}

static cv_result on_event(reader *rd, const yaml_event_t *ev, bool *done)
{
    rd->line = ev->start_mark.line + 1;
    switch (ev->type) {
    case YAML_MAPPING_START_EVENT: return open_node(rd, ev, true);
    case YAML_SEQUENCE_START_EVENT: return open_node(rd, ev, false);
    case YAML_MAPPING_END_EVENT:
    case YAML_SEQUENCE_END_EVENT: return close_node(rd);
    case YAML_SCALAR_EVENT: return on_scalar(rd, ev);
    case YAML_ALIAS_EVENT: return on_alias(rd, ev);
    case YAML_DOCUMENT_END_EVENT: return end_document(rd);
    case YAML_STREAM_END_EVENT: *done = true; return cv_ok();
    case YAML_NO_EVENT:
    case YAML_STREAM_START_EVENT:
    case YAML_DOCUMENT_START_EVENT: return cv_ok();
    }
    return cv_ok();
}

static cv_result parse_error(reader *rd)
{
    const yaml_parser_t *p = &rd->parser;
    size_t line = (p->problem_mark.line ? p->problem_mark.line : p->context_mark.line) + 1;
    return CV_FAILF(CV_E_DOC_SYNTAX, "%s:%zu: %s", rd->name, line,
                    p->problem ? p->problem : "invalid YAML");
}

static void reader_clear(reader *rd)
{
    while (rd->depth > 0) drop_frame(&rd->stack[--rd->depth]);
    json_decref(rd->anchors);
    json_decref(rd->root);
    yaml_parser_delete(&rd->parser);
}

cv_result cv_kube_yaml_docs(cv_slice text, const char *name, json_t **out)
{
    *out = NULL;
    reader *rd = calloc(1, sizeof *rd);
    CV_ENSURE(rd != NULL, CV_E_NOMEM);
    rd->name = name ? name : "<input>";
    rd->anchors = json_object();
    rd->docs = json_array();
    cv_result r = cv_ok();
    if (rd->anchors == NULL || rd->docs == NULL || !yaml_parser_initialize(&rd->parser))
        r = CV_FAIL(CV_E_NOMEM);
    else
        yaml_parser_set_input_string(&rd->parser, text.p, text.len);
    for (bool done = false; cv_is_ok(r) && !done;) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&rd->parser, &ev)) {
            r = parse_error(rd);
            break;
        }
        r = on_event(rd, &ev, &done);
        yaml_event_delete(&ev);
    }
    if (cv_is_ok(r)) *out = json_incref(rd->docs);
    json_decref(rd->docs);
    reader_clear(rd);
    free(rd);
    return r;
}
