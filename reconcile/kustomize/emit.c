/* kustomize's printing (see emit.h): the resource is turned into the tree
 * yaml.v2 would hold after reading kyaml's JSON, then written by the YAML
 * emitter's v2 mode. */
#include "reconcile/kustomize/emit.h"

#include <math.h>
#include <string.h>

#include "crypto/base/limits.h"
#include "secrets/doc/num.h"
#include "secrets/doc/yaml.h"

#define KZ_ANNO "internal.config.kubernetes.io/"

static const char *const k_build_annos[] = {
    KZ_ANNO "previousKinds", KZ_ANNO "previousNames", KZ_ANNO "prefixes",
    KZ_ANNO "suffixes", KZ_ANNO "previousNamespaces", KZ_ANNO "allowNameChange",
    KZ_ANNO "allowKindChange", KZ_ANNO "refBy", KZ_ANNO "generatorBehavior",
    KZ_ANNO "needsHashSuffix", KZ_ANNO "path", KZ_ANNO "index", KZ_ANNO "seqindent",
    KZ_ANNO "id", KZ_ANNO "annotations-migration-resource-id", "config.kubernetes.io/path",
    "config.kubernetes.io/index", "config.k8s.io/id", KZ_ANNO "helm-generated", NULL,
};

bool cv_kz_is_build_annotation(const char *key, size_t len)
{
    for (const char *const *p = k_build_annos; *p; p++)
        if (strlen(*p) == len && memcmp(*p, key, len) == 0) return true;
    return false;
}

/* ---- strings as they come back from encoding/json ---------------------- */

/* Length of the valid UTF-8 sequence at p (Go's rules: no overlongs, no
 * surrogates, nothing past U+10FFFF), 0 if invalid. */
static size_t utf8_len(const uint8_t *p, size_t n)
{
    uint8_t c = p[0];
    size_t w;
    uint32_t min, v;
    if (c < 0x80) return 1;
    if (c >= 0xC2 && c <= 0xDF) w = 2, min = 0x80;
    else if (c >= 0xE0 && c <= 0xEF) w = 3, min = 0x800;
    else if (c >= 0xF0 && c <= 0xF4) w = 4, min = 0x10000;
    else return 0;
    if (w > n) return 0;
    v = c & (0x7Fu >> w);
    for (size_t j = 1; j < w; j++) {
        if ((p[j] & 0xC0) != 0x80) return 0;
        v = (v << 6) | (p[j] & 0x3F);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) return 0;
    return w;
}

static bool is_nel(const uint8_t *p, size_t n, size_t i)
{
    return i + 1 < n && p[i] == 0xC2 && p[i + 1] == 0x85;
}

/* A NEL stays raw in encoding/json's output, and yaml.v2 reads it inside
 * the double-quoted JSON string as a line break: folded like one (blanks
 * before it dropped, a lone break becomes a space, each further break a
 * newline, blanks after it dropped). */
static cv_result put_fold(cv_buf *b, const uint8_t *p, size_t n, size_t *i)
{
    while (b->len > 0 && b->p[b->len - 1] == ' ') b->len--;
    size_t breaks = 0;
    while (*i < n) {
        if (is_nel(p, n, *i)) {
            breaks++;
            *i += 2;
        } else if (p[*i] == ' ') {
            (*i)++;
        } else {
            break;
        }
    }
    if (breaks == 1) return cv_buf_add_byte(b, ' ');
    for (size_t k = 1; k < breaks; k++) CV_GUARD(cv_buf_add_byte(b, '\n'));
    return cv_ok();
}

static cv_result json_string(cv_doc *d, const char *s, size_t n, cv_node **out)
{
    const uint8_t *p = (const uint8_t *)s;
    bool clean = true;
    for (size_t i = 0; i < n && clean; i++)
        if (p[i] >= 0x80 && (is_nel(p, n, i) || utf8_len(p + i, n - i) == 0)) clean = false;
    if (clean) return cv_node_text(d, CV_NODE_STR, s, n, out);
    cv_buf b;
    cv_buf_init_secret(&b, CV_DOC_MAX_INPUT);
    cv_result r = cv_ok();
    for (size_t i = 0; i < n && cv_is_ok(r);) {
        size_t w = utf8_len(p + i, n - i);
        if (is_nel(p, n, i)) {
            r = put_fold(&b, p, n, &i);
        } else if (w == 0) {
            r = cv_buf_add(&b, "\xEF\xBF\xBD", 3);
            i++;
        } else {
            r = cv_buf_add(&b, p + i, w);
            i += w;
        }
    }
    if (cv_is_ok(r)) r = cv_node_text(d, CV_NODE_STR, b.p, b.len, out);
    cv_buf_release(&b);
    return r;
}

/* ---- numbers: encoding/json's text, re-resolved by yaml.v2 -------------- */

static cv_result plain_text(cv_doc *d, const char *t, size_t n, cv_node **out)
{
    return cv_node_text(d, CV_NODE_TIME, t, n, out);
}

static cv_result json_float(cv_doc *d, double f, cv_node **out)
{
    CV_ENSUREF(isfinite(f), CV_E_KZ_JSON, "json: unsupported value: %s",
               isnan(f) ? "NaN" : f > 0 ? "+Inf" : "-Inf");
    char t[CV_NUM_TEXT_MAX];
    size_t n;
    if (!cv_json_float(f, t, &n)) CV_BAIL(CV_E_KZ_JSON);
    int64_t i;
    if (!strpbrk(t, ".eE") && cv_is_ok(cv_go_parse_int(cv_slice_of(t, n), &i))) {
        n = cv_go_int(i, t);
        return plain_text(d, t, n, out);
    }
    /* Integers past int64 are uint64 to yaml.v2 when they fit (a float
     * that printed as digits is at most 1e21, close enough: they are
     * printed back as the same digits), otherwise floats. */
    if (!strpbrk(t, ".eE-") && (n < 20 || (n == 20 && strcmp(t, "18446744073709551615") <= 0)))
        return plain_text(d, t, n, out);
    double back;
    CV_GUARD(cv_go_parse_float(cv_slice_of(t, n), &back));
    n = cv_go_float(back, 'g', t);
    return plain_text(d, t, n, out);
}

/* ---- folded scalars through kyaml's YAML round trip -------------------- */

/* kyaml's RNode.MarshalJSON writes the node as YAML and reads it back, so a
 * string read from a folded block (`>`) goes through yaml.v3's folded
 * writer. That writer decides whether a line break needs a blank line by
 * looking at the start of the whole value instead of the start of the next
 * line, so a break before a more-indented line gains a blank line (and one
 * that needed it may lose it). Reproduced here: the text yaml.v3 writes,
 * then the value our yaml.v3-compatible reader gets from it. */

static bool fold_is_break(const uint8_t *p, size_t n, size_t i)
{
    return i < n && (p[i] == '\n' || p[i] == '\r');
}

static bool fold_block_allowed(const uint8_t *p, size_t n)
{
    if (n == 0 || p[n - 1] == ' ') return false;
    for (size_t i = 0; i < n; i++) {
        if (p[i] == ' ' && fold_is_break(p, n, i + 1)) return false; /* space_break */
        if (p[i] < 0x20 && p[i] != '\n' && p[i] != '\t') return false; /* special */
        if (p[i] == 0x7F || (p[i] == 0xEF && i + 2 < n && p[i + 1] == 0xBB && p[i + 2] == 0xBF))
            return false;
    }
    return true;
}

static cv_result fold_header(cv_buf *b, const uint8_t *p, size_t n)
{
    CV_GUARD(cv_buf_add_str(b, "x: >"));
    if (p[0] == ' ' || fold_is_break(p, n, 0)) CV_GUARD(cv_buf_add_str(b, "2"));
    size_t i = n - 1;
    while (i > 0 && (p[i] & 0xC0) == 0x80) i--;
    if (!fold_is_break(p, n, i)) CV_GUARD(cv_buf_add_str(b, "-"));
    else if (i == 0) CV_GUARD(cv_buf_add_str(b, "+"));
    else {
        i--;
        while (i > 0 && (p[i] & 0xC0) == 0x80) i--;
        if (fold_is_break(p, n, i)) CV_GUARD(cv_buf_add_str(b, "+"));
    }
    return cv_buf_add_byte(b, '\n');
}

static cv_result fold_write(cv_buf *b, const uint8_t *p, size_t n)
{
    CV_GUARD(fold_header(b, p, n));
    bool breaks = true, leading_spaces = true;
    for (size_t i = 0; i < n; i++) {
        if (fold_is_break(p, n, i)) {
            if (!breaks && !leading_spaces && p[i] == '\n') {
                size_t k = 0; /* yaml.v3 looks from the start of the value */
                while (fold_is_break(p, n, k)) k++;
                bool blankz = k >= n || p[k] == ' ' || p[k] == '\t' || fold_is_break(p, n, k);
                if (!blankz) CV_GUARD(cv_buf_add_byte(b, '\n'));
            }
            CV_GUARD(cv_buf_add_byte(b, '\n'));
            breaks = true;
            continue;
        }
        if (breaks) {
            CV_GUARD(cv_buf_add_str(b, "  "));
            leading_spaces = p[i] == ' ' || p[i] == '\t';
        }
        CV_GUARD(cv_buf_add_byte(b, p[i]));
        breaks = false;
    }
    return cv_ok();
}

static cv_result folded_round_trip(cv_doc *d, const cv_node *v, cv_node **out)
{
    const uint8_t *p = (const uint8_t *)v->s;
    if (!fold_block_allowed(p, v->len)) return json_string(d, v->s, v->len, out);
    cv_buf b;
    cv_buf_init_secret(&b, CV_KZ_MAX_FILE);
    cv_doc tmp;
    cv_result r = cv_doc_init(&tmp);
    if (!cv_is_ok(r)) return r;
    r = fold_write(&b, p, v->len);
    if (cv_is_ok(r)) r = cv_yaml_load_opts(cv_buf_slice(&b), CV_YAML_NO_COMMENTS, &tmp);
    const cv_node *x = cv_is_ok(r) && tmp.n == 1 ? cv_map_get(tmp.branches[0], "x") : NULL;
    if (cv_is_ok(r))
        r = x && x->kind == CV_NODE_STR ? json_string(d, x->s, x->len, out)
                                         : json_string(d, v->s, v->len, out);
    cv_doc_clear(&tmp);
    cv_buf_release(&b);
    return r;
}

static cv_result json_scalar(cv_doc *d, const cv_node *v, cv_node **out)
{
    char t[CV_NUM_TEXT_MAX];
    if (v->kind == CV_NODE_STR && v->folded) return folded_round_trip(d, v, out);
    switch (v->kind) {
    case CV_NODE_STR:
    case CV_NODE_TIME: return json_string(d, v->s, v->len, out);
    case CV_NODE_INT: return plain_text(d, t, cv_node_int_text(v, t), out);
    case CV_NODE_FLOAT: return json_float(d, v->v.f, out);
    case CV_NODE_BOOL: return cv_node_bool(d, v->v.b, out);
    default: return cv_node_new(d, CV_NODE_NULL, out);
    }
}

/* A mapping key as yaml.v3 decodes it into a Go string: the scalar's text. */
static cv_result key_text(cv_doc *d, const cv_node *k, cv_node **out)
{
    char t[CV_NUM_TEXT_MAX];
    size_t n;
    switch (k->kind) {
    case CV_NODE_STR:
    case CV_NODE_TIME: return json_string(d, k->s, k->len, out);
    case CV_NODE_INT: n = cv_node_int_text(k, t); break;
    case CV_NODE_FLOAT: n = cv_go_float(k->v.f, 'g', t); break;
    case CV_NODE_BOOL: n = (size_t)snprintf(t, sizeof t, "%s", k->v.b ? "true" : "false"); break;
    default: n = 0; t[0] = 0; break;
    }
    return cv_node_text(d, CV_NODE_STR, t, n, out);
}

/* ---- yaml.v2's key order (sorter.go keyList.Less on strings) ----------- */

static uint32_t rune_at(const char *s, size_t n, size_t *i)
{
    const uint8_t *p = (const uint8_t *)s + *i;
    size_t w = utf8_len(p, n - *i);
    if (w == 0) {
        (*i)++;
        return 0xFFFD;
    }
    uint32_t v = w == 1 ? p[0] : (uint32_t)(p[0] & (0x7Fu >> w));
    for (size_t j = 1; j < w; j++) v = (v << 6) | (p[j] & 0x3F);
    *i += w;
    return v;
}

/* unicode.IsLetter, close enough for keys: ASCII exactly, and the main
 * alphabetic blocks beyond it. */
static bool is_letter(uint32_t r)
{
    if (r < 0x80) return (r | 0x20) >= 'a' && (r | 0x20) <= 'z';
    if (r == 0xAA || r == 0xB5 || r == 0xBA) return true;
    if (r >= 0xC0 && r <= 0x24F) return r != 0xD7 && r != 0xF7;
    return (r >= 0x370 && r <= 0x52F && r != 0x37E && r != 0x387) ||
           (r >= 0x5D0 && r <= 0x6FF) || (r >= 0x3040 && r <= 0x30FF) ||
           (r >= 0x4E00 && r <= 0x9FFF) || (r >= 0xAC00 && r <= 0xD7A3);
}

static bool is_digit(uint32_t r) { return r >= '0' && r <= '9'; }

typedef struct {
    uint32_t *r;
    size_t n;
} runes;

static cv_result to_runes(cv_arena *a, const cv_node *k, runes *o)
{
    CV_GUARD(cv_arena_alloc(a, (k->len + 1) * sizeof(uint32_t), (void **)&o->r));
    o->n = 0;
    for (size_t i = 0; i < k->len;) o->r[o->n++] = rune_at(k->s, k->len, &i);
    return cv_ok();
}

/* Go's int64 arithmetic wraps on overflow; so does this (unsigned). */
static int64_t digit_run(const runes *a, size_t i, size_t *end, int64_t start)
{
    uint64_t v = (uint64_t)start;
    size_t j = i;
    for (; j < a->n && is_digit(a->r[j]); j++) v = v * 10u + (uint64_t)(a->r[j] - '0');
    *end = j;
    return (int64_t)v;
}

static bool key_less(const runes *a, const runes *b)
{
    for (size_t i = 0; i < a->n && i < b->n; i++) {
        uint32_t x = a->r[i], y = b->r[i];
        if (x == y) continue;
        bool xl = is_letter(x), yl = is_letter(y);
        if (xl && yl) return x < y;
        if (xl || yl) return yl;
        int64_t an = 0, bn = 0;
        if (x == '0' || y == '0') {
            for (size_t j = i; j-- > 0 && is_digit(a->r[j]);) {
                if (a->r[j] != '0') {
                    an = bn = 1;
                    break;
                }
            }
        }
        size_t ai, bi;
        an = digit_run(a, i, &ai, an);
        bn = digit_run(b, i, &bi, bn);
        if (an != bn) return an < bn;
        if (ai != bi) return ai < bi;
        return x < y;
    }
    return a->n < b->n;
}

/* Insertion sort: maps are small and the order must follow key_less only. */
static cv_result sort_map(cv_arena *a, cv_node *m)
{
    runes *rs;
    CV_GUARD(cv_arena_alloc(a, (m->n + 1) * sizeof *rs, (void **)&rs));
    for (size_t i = 0; i < m->n; i++) CV_GUARD(to_runes(a, m->items[i].key, &rs[i]));
    for (size_t i = 1; i < m->n; i++) {
        cv_item it = m->items[i];
        runes r = rs[i];
        size_t j = i;
        for (; j > 0 && key_less(&r, &rs[j - 1]); j--) {
            m->items[j] = m->items[j - 1];
            rs[j] = rs[j - 1];
        }
        m->items[j] = it;
        rs[j] = r;
    }
    return cv_ok();
}

/* ---- the tree ----------------------------------------------------------- */

static cv_result json_value(cv_doc *d, const cv_node *v, size_t depth, bool top, cv_node **out);
static cv_result json_map(cv_doc *d, const cv_node *v, size_t depth, int level, cv_node **out);

static bool skip_build_anno(const cv_node *k, bool in_annos)
{
    return in_annos && k->kind == CV_NODE_STR && cv_kz_is_build_annotation(k->s, k->len);
}

static bool is_merge_key(const cv_node *k)
{
    return k->kind == CV_NODE_STR && k->len == 2 && memcmp(k->s, "<<", 2) == 0;
}

static bool has_key(const cv_node *m, const cv_node *k)
{
    return cv_map_find(m, k->s, k->len) >= 0;
}

/* yaml.v3 decoding a `<<` merge into a Go map: keys written in the mapping
 * itself win, then the merged maps in list order. */
static cv_result apply_merge(cv_doc *d, const cv_node *src, size_t depth, cv_node *out)
{
    if (src->kind == CV_NODE_LIST) {
        for (size_t i = 0; i < src->n; i++)
            CV_GUARD(apply_merge(d, src->items[i].value, depth + 1, out));
        return cv_ok();
    }
    CV_ENSUREF(src->kind == CV_NODE_MAP, CV_E_KZ_RESOURCE,
               "map merge requires map or sequence of maps as the value");
    cv_node *m;
    CV_GUARD(json_map(d, src, depth + 1, -1, &m));
    for (size_t i = 0; i < m->n; i++)
        if (!has_key(out, m->items[i].key))
            CV_GUARD(cv_node_append(d, out, m->items[i].key, m->items[i].value));
    return cv_ok();
}

static cv_result json_map(cv_doc *d, const cv_node *v, size_t depth, int level, cv_node **out)
{
    CV_ENSUREF(depth < CV_KZ_MAX_DEPTH, CV_E_LIMIT, "resource nested deeper than %u",
               CV_KZ_MAX_DEPTH);
    CV_GUARD(cv_node_new(d, CV_NODE_MAP, out));
    const cv_node *merge = NULL;
    for (size_t i = 0; i < v->n; i++) {
        const cv_item *it = &v->items[i];
        if (it->key->kind == CV_NODE_COMMENT || skip_build_anno(it->key, level == 2)) continue;
        if (is_merge_key(it->key)) {
            merge = it->value;
            continue;
        }
        cv_node *k, *val;
        CV_GUARD(key_text(d, it->key, &k));
        bool meta = level == 0 && k->len == 8 && memcmp(k->s, "metadata", 8) == 0;
        bool annos = level == 1 && k->len == 11 && memcmp(k->s, "annotations", 11) == 0;
        if (meta || annos) {
            if (it->value->kind != CV_NODE_MAP) {
                CV_GUARD(json_value(d, it->value, depth + 1, false, &val));
            } else {
                CV_GUARD(json_map(d, it->value, depth + 1, meta ? 1 : 2, &val));
                if (annos && val->n == 0 && it->value->n != 0) continue;
            }
        } else {
            CV_GUARD(json_value(d, it->value, depth + 1, false, &val));
        }
        long at = cv_map_find(*out, k->s, k->len);
        if (at >= 0) (*out)->items[at].value = val;
        else CV_GUARD(cv_node_append(d, *out, k, val));
    }
    if (merge) CV_GUARD(apply_merge(d, merge, depth, *out));
    return sort_map(d->arena, *out);
}

static cv_result json_value(cv_doc *d, const cv_node *v, size_t depth, bool top, cv_node **out)
{
    CV_ENSUREF(depth < CV_KZ_MAX_DEPTH, CV_E_LIMIT, "resource nested deeper than %u",
               CV_KZ_MAX_DEPTH);
    if (v->kind == CV_NODE_MAP) return json_map(d, v, depth, top ? 0 : -1, out);
    if (v->kind != CV_NODE_LIST) return json_scalar(d, v, out);
    CV_GUARD(cv_node_new(d, CV_NODE_LIST, out));
    for (size_t i = 0; i < v->n; i++) {
        if (v->items[i].value->kind == CV_NODE_COMMENT) continue;
        cv_node *c;
        CV_GUARD(json_value(d, v->items[i].value, depth + 1, false, &c));
        CV_GUARD(cv_node_append(d, *out, NULL, c));
    }
    return cv_ok();
}

cv_result cv_kz_emit_obj(const cv_node *obj, cv_buf *out)
{
    cv_doc d;
    CV_GUARD(cv_doc_init(&d));
    cv_node *j;
    cv_result r = json_value(&d, obj, 0, true, &j);
    if (cv_is_ok(r)) r = cv_yaml_emit_v2(j, out);
    cv_doc_clear(&d);
    return r;
}

cv_result cv_kz_emit(const cv_kz_resmap *rm, cv_buf *out)
{
    for (size_t i = 0; i < rm->n; i++) {
        if (i) CV_GUARD(cv_buf_add(out, "---\n", 4));
        CV_GUARD(cv_kz_emit_obj(rm->objs[i], out));
    }
    return cv_ok();
}
