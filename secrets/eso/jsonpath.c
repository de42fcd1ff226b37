#include "secrets/eso/jsonpath.h"

#include <math.h>
#include <string.h>

#include "crypto/base/limits.h"
#include "crypto/base/mem.h"
#include "secrets/doc/num.h"

typedef struct {
    const char *p;
    size_t len, pos;
    bool multi; /* a wildcard or filter was applied: the result is a list */
} jp;

static cv_result syntax(const jp *j)
{
    return CV_FAILF(CV_E_ESO_JSONPATH, "invalid jsonPath %.*s at offset %zu", (int)j->len, j->p, j->pos);
}

static bool name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-' || (unsigned char)c >= 0x80;
}

/* Apply one selector to every node of in, appending matches to out. */
static void child(json_t *in, const char *name, size_t n, json_t *out)
{
    size_t i;
    json_t *v;
    json_array_foreach(in, i, v) {
        json_t *c = json_is_object(v) ? json_object_getn(v, name, n) : NULL;
        if (c) json_array_append(out, c);
    }
}

static void wildcard(json_t *in, json_t *out)
{
    size_t i;
    json_t *v;
    json_array_foreach(in, i, v) {
        if (json_is_array(v)) json_array_extend(out, v);
        else if (json_is_object(v)) {
            const char *k;
            json_t *x;
            json_object_foreach(v, k, x) json_array_append(out, x);
        }
    }
}

static void at_index(json_t *in, long ix, json_t *out)
{
    size_t i;
    json_t *v;
    json_array_foreach(in, i, v) {
        if (!json_is_array(v)) continue;
        long n = (long)json_array_size(v);
        long k = ix < 0 ? n + ix : ix;
        if (k >= 0 && k < n) json_array_append(out, json_array_get(v, (size_t)k));
    }
}

/* [?@.f=="v"] or [?(@.f != 'v')]: keep elements whose field compares. */
static cv_result filter(jp *j, json_t *in, json_t *out)
{
    bool paren = j->pos < j->len && j->p[j->pos] == '(';
    if (paren) j->pos++;
    if (j->pos + 2 > j->len || j->p[j->pos] != '@' || j->p[j->pos + 1] != '.') return syntax(j);
    j->pos += 2;
    size_t fs = j->pos;
    while (j->pos < j->len && name_char(j->p[j->pos])) j->pos++;
    size_t fn = j->pos - fs;
    while (j->pos < j->len && j->p[j->pos] == ' ') j->pos++;
    bool ne = j->pos + 2 <= j->len && j->p[j->pos] == '!' && j->p[j->pos + 1] == '=';
    if (!ne && !(j->pos + 2 <= j->len && j->p[j->pos] == '=' && j->p[j->pos + 1] == '=')) return syntax(j);
    j->pos += 2;
    while (j->pos < j->len && j->p[j->pos] == ' ') j->pos++;
    if (j->pos >= j->len || (j->p[j->pos] != '"' && j->p[j->pos] != '\'')) return syntax(j);
    char q = j->p[j->pos++];
    size_t vs = j->pos;
    while (j->pos < j->len && j->p[j->pos] != q) j->pos++;
    if (j->pos >= j->len) return syntax(j);
    size_t vn = j->pos++ - vs;
    if (paren && (j->pos >= j->len || j->p[j->pos++] != ')')) return syntax(j);
    size_t i;
    json_t *arr;
    json_array_foreach(in, i, arr) {
        size_t k;
        json_t *e;
        json_array_foreach(arr, k, e) {
            const char *s = json_string_value(json_object_getn(e, j->p + fs, fn));
            bool eq = s && strlen(s) == vn && memcmp(s, j->p + vs, vn) == 0;
            if (eq != ne) json_array_append(out, e);
        }
    }
    return cv_ok();
}

static cv_result bracket(jp *j, json_t *cur, json_t *next)
{
    j->pos++;
    char c = j->pos < j->len ? j->p[j->pos] : 0;
    if (c == '?') {
        j->pos++;
        j->multi = true;
        CV_GUARD(filter(j, cur, next));
    } else if (c == '*') {
        j->pos++;
        j->multi = true;
        wildcard(cur, next);
    } else if (c == '\'' || c == '"') {
        size_t s = ++j->pos;
        while (j->pos < j->len && j->p[j->pos] != c) j->pos++;
        if (j->pos >= j->len) return syntax(j);
        child(cur, j->p + s, j->pos - s, next);
        j->pos++;
    } else {
        long ix = 0, sign = 1;
        if (c == '-') {
            sign = -1;
            j->pos++;
        }
        size_t s = j->pos;
        while (j->pos < j->len && j->p[j->pos] >= '0' && j->p[j->pos] <= '9' && ix < 100000000)
            ix = ix * 10 + (j->p[j->pos++] - '0');
        if (j->pos == s) return syntax(j);
        at_index(cur, sign * ix, next);
    }
    if (j->pos >= j->len || j->p[j->pos] != ']') return syntax(j);
    j->pos++;
    return cv_ok();
}

static cv_result step(jp *j, json_t *cur, json_t *next)
{
    char c = j->p[j->pos];
    if (c == '[') return bracket(j, cur, next);
    if (c != '.') return syntax(j);
    j->pos++;
    if (j->pos < j->len && j->p[j->pos] == '*') {
        j->pos++;
        j->multi = true;
        wildcard(cur, next);
        return cv_ok();
    }
    size_t s = j->pos;
    while (j->pos < j->len && name_char(j->p[j->pos])) j->pos++;
    if (j->pos == s) return syntax(j);
    child(cur, j->p + s, j->pos - s, next);
    return cv_ok();
}

/* Convert one JSON value as the webhook provider does. */
static cv_result convert(json_t *v, cv_buf *out)
{
    char num[CV_NUM_TEXT_MAX];
    if (json_is_string(v)) return cv_buf_add(out, json_string_value(v), json_string_length(v));
    if (json_is_boolean(v)) return cv_buf_add_str(out, json_is_true(v) ? "true" : "false");
    if (json_is_null(v)) return cv_ok();
    if (json_is_number(v)) {
        double d = json_number_value(v);
        if (isfinite(d)) d = nearbyint(d);
        size_t n = cv_go_float(d, 'f', num);
        return cv_buf_add(out, num, n);
    }
    char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | JSON_PRESERVE_ORDER);
    CV_ENSURE(s != NULL, CV_E_NOMEM);
    cv_result r = cv_buf_add_str(out, s);
    cv_wipe_free(s);
    return r;
}

cv_result cv_jsonpath_extract(json_t *doc, cv_slice path, cv_buf *out)
{
    CV_ENSURE(path.len <= CV_ESO_MAX_JSONPATH, CV_E_TOO_LARGE);
    jp j = { (const char *)path.p, path.len, 0, false };
    if (j.len == 0 || j.p[0] != '$') return syntax(&j);
    j.pos = 1;
    json_t *cur = json_array();
    json_array_append(cur, doc);
    cv_result r = cv_ok();
    while (cv_is_ok(r) && j.pos < j.len) {
        json_t *next = json_array();
        r = step(&j, cur, next);
        json_decref(cur);
        cur = next;
    }
    if (cv_is_ok(r)) {
        json_t *first = json_array_get(cur, 0);
        if (first == NULL && j.multi)
            r = CV_FAILF(CV_E_ESO_JSONPATH, "filter worked but didn't get any result");
        else if (first == NULL)
            r = CV_FAILF(CV_E_ESO_JSONPATH, "jsonPath %.*s matched nothing", (int)j.len, j.p);
        else if (!j.multi && json_is_array(first) && json_array_size(first) == 0)
            r = CV_FAILF(CV_E_ESO_JSONPATH, "filter worked but didn't get any result");
        else
            r = convert(!j.multi && json_is_array(first) ? json_array_get(first, 0) : first, out);
    }
    json_decref(cur);
    return r;
}
