/* kustomize's ReplacementTransformer (see replace.h): api/filters/replacement
 * over kyaml's PathGetter (source) and PathMatcher (targets). */
#include "reconcile/kustomize/replace.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/base/limits.h"
#include "crypto/base/mem.h"
#include "reconcile/kustomize/kyaml.h"
#include "reconcile/kustomize/select.h"
#include "secrets/doc/yaml_res.h"
#include "reconcile/kustomize/recache.h"

#define E CV_E_KZ_REPLACEMENT
#define DEFAULT_FIELD_PATH "metadata.name"
/* A scalar created by options.create: kyaml makes it with no tag, so the
 * text it receives is typed as plain YAML. Only ever a transient kind. */
#define KIND_UNTAGGED CV_NODE_COMMENT

/* ---- configuration, typed as Go's JSON decoding types it ---------------- */

typedef struct {
    cv_slice delim;
    int64_t index;
    bool create;
} ropts;

typedef struct {
    cv_kz_id id;
    cv_slice labels, annos;
} rsel;

static const char *json_kind(const cv_node *v)
{
    switch (v->kind) {
    case CV_NODE_INT:
    case CV_NODE_FLOAT: return "number";
    case CV_NODE_BOOL: return "bool";
    case CV_NODE_MAP: return "object";
    case CV_NODE_LIST: return "array";
    default: return "string";
    }
}

static bool absent(const cv_node *v)
{
    return !v || v->kind == CV_NODE_NULL;
}

static cv_result cfg_str(const cv_node *m, const char *key, cv_slice *out)
{
    *out = cv_slice_of("", 0);
    const cv_node *v = m ? cv_map_get(m, key) : NULL;
    if (absent(v)) return cv_ok();
    CV_ENSUREF(v->kind == CV_NODE_STR || v->kind == CV_NODE_TIME, E,
               "json: cannot unmarshal %s into Go struct field .%s of type string", json_kind(v), key);
    *out = cv_slice_of(v->s, v->len);
    return cv_ok();
}

/* A MAP-valued field (NULL when absent or null). */
static cv_result cfg_map(const cv_node *m, const char *key, const char *type, const cv_node **out)
{
    const cv_node *v = m ? cv_map_get(m, key) : NULL;
    *out = absent(v) ? NULL : v;
    CV_ENSUREF(!*out || v->kind == CV_NODE_MAP, E,
               "json: cannot unmarshal %s into Go struct field .%s of type %s", json_kind(v), key, type);
    return cv_ok();
}

static cv_result cfg_list(const cv_node *m, const char *key, const cv_node **out)
{
    const cv_node *v = m ? cv_map_get(m, key) : NULL;
    *out = absent(v) ? NULL : v;
    CV_ENSUREF(!*out || v->kind == CV_NODE_LIST, E,
               "json: cannot unmarshal %s into Go struct field .%s of type []", json_kind(v), key);
    return cv_ok();
}

static cv_result cfg_id(const cv_node *m, cv_kz_id *id)
{
    memset(id, 0, sizeof *id);
    CV_GUARD(cfg_str(m, "group", &id->group));
    CV_GUARD(cfg_str(m, "version", &id->version));
    CV_GUARD(cfg_str(m, "kind", &id->kind));
    CV_GUARD(cfg_str(m, "name", &id->name));
    return cfg_str(m, "namespace", &id->ns);
}

static cv_result cfg_sel(const cv_node *m, rsel *s)
{
    CV_GUARD(cfg_id(m, &s->id));
    CV_GUARD(cfg_str(m, "labelSelector", &s->labels));
    return cfg_str(m, "annotationSelector", &s->annos);
}

static cv_result cfg_opts(const cv_node *m, ropts *o)
{
    const cv_node *om;
    memset(o, 0, sizeof *o);
    CV_GUARD(cfg_map(m, "options", "types.FieldOptions", &om));
    if (!om) return cv_ok();
    cv_slice enc;
    CV_GUARD(cfg_str(om, "delimiter", &o->delim));
    CV_GUARD(cfg_str(om, "encoding", &enc));
    const cv_node *v = cv_map_get(om, "index");
    if (!absent(v)) {
        CV_ENSUREF(v->kind == CV_NODE_INT, E, "json: cannot unmarshal %s into Go struct field FieldOptions.index of type int",
                   json_kind(v));
        o->index = v->v.i;
    }
    v = cv_map_get(om, "create");
    if (!absent(v)) {
        CV_ENSUREF(v->kind == CV_NODE_BOOL, E, "json: cannot unmarshal %s into Go struct field FieldOptions.create of type bool",
                   json_kind(v));
        o->create = v->v.b;
    }
    return cv_ok();
}

/* Every entry decoded once before any runs: kustomize reads the whole
 * configuration before transforming. */
static cv_result cfg_check_target(const cv_node *t)
{
    CV_ENSUREF(t->kind == CV_NODE_MAP || t->kind == CV_NODE_NULL, E,
               "json: cannot unmarshal %s into Go struct field Replacement.targets of type types.TargetSelector", json_kind(t));
    const cv_node *sel, *rej, *fps;
    rsel s;
    ropts o;
    CV_GUARD(cfg_map(t, "select", "types.Selector", &sel));
    CV_GUARD(cfg_sel(sel, &s));
    CV_GUARD(cfg_list(t, "reject", &rej));
    for (size_t i = 0; rej && i < rej->n; i++) {
        const cv_node *r = rej->items[i].value;
        CV_ENSUREF(r->kind == CV_NODE_MAP || r->kind == CV_NODE_NULL, E,
                   "json: cannot unmarshal %s into Go struct field TargetSelector.reject of type types.Selector", json_kind(r));
        CV_GUARD(cfg_sel(r->kind == CV_NODE_MAP ? r : NULL, &s));
    }
    CV_GUARD(cfg_list(t, "fieldPaths", &fps));
    for (size_t i = 0; fps && i < fps->n; i++) {
        const cv_node *f = fps->items[i].value;
        CV_ENSUREF(f->kind == CV_NODE_STR || f->kind == CV_NODE_NULL, E,
                   "json: cannot unmarshal %s into Go struct field TargetSelector.fieldPaths of type string", json_kind(f));
    }
    return cfg_opts(t, &o);
}

static cv_result cfg_check(const cv_node *e)
{
    CV_ENSUREF(e->kind == CV_NODE_MAP, E, "json: cannot unmarshal %s into Go value of type types.Replacement",
               json_kind(e));
    const cv_node *src, *tg;
    cv_slice sv;
    cv_kz_id id;
    ropts o;
    CV_GUARD(cfg_map(e, "source", "types.SourceSelector", &src));
    CV_GUARD(cfg_id(src, &id));
    CV_GUARD(cfg_str(src, "fieldPath", &sv));
    CV_GUARD(cfg_opts(src, &o));
    CV_GUARD(cfg_str(e, "sourceValue", &sv));
    CV_GUARD(cfg_list(e, "targets", &tg));
    for (size_t i = 0; tg && i < tg->n; i++) CV_GUARD(cfg_check_target(tg->items[i].value));
    return cv_ok();
}

/* ---- field paths (kyaml's SmarterPathSplitter) --------------------------- */

typedef struct {
    char **v;
    size_t n;
} kpath;

static void kpath_free(kpath *p)
{
    for (size_t i = 0; i < p->n; i++) free(p->v[i]);
    free(p->v);
    p->v = NULL;
    p->n = 0;
}

static cv_result kpath_push(kpath *p, const char *s, size_t n)
{
    CV_ENSUREF(p->n < CV_KZ_MAX_DEPTH, CV_E_LIMIT, "field path longer than %u parts", CV_KZ_MAX_DEPTH);
    char **v = realloc(p->v, (p->n + 1) * sizeof *v);
    CV_ENSURE(v, CV_E_NOMEM);
    p->v = v;
    char *c = malloc(n + 1);
    CV_ENSURE(c, CV_E_NOMEM);
    memcpy(c, s, n);
    c[n] = 0;
    p->v[p->n++] = c;
    return cv_ok();
}

/* PathSplitter: split on '.', a part ending in '\' swallows the next one
 * (the backslash dropped), a leading empty part is dropped. */
static cv_result split_escaped(cv_slice s, kpath *out)
{
    size_t start = 0;
    bool first = true;
    for (size_t j = 0; j <= s.len; j++) {
        if (j < s.len && s.p[j] != '.') continue;
        size_t n = j - start;
        const char *part = (const char *)s.p + start;
        start = j + 1;
        if (first && n == 0 && j < s.len) {
            first = false;
            continue;
        }
        first = false;
        char *last = out->n ? out->v[out->n - 1] : NULL;
        size_t ll = last ? strlen(last) : 0;
        if (last && ll && last[ll - 1] == '\\') {
            char *c = malloc(ll + n + 1);
            CV_ENSURE(c, CV_E_NOMEM);
            memcpy(c, last, ll - 1);
            c[ll - 1] = '.';
            memcpy(c + ll, part, n);
            c[ll + n] = 0;
            free(last);
            out->v[out->n - 1] = c;
        } else {
            CV_GUARD(kpath_push(out, part, n));
        }
    }
    return cv_ok();
}

static bool ends_with(const char *s, char c)
{
    size_t n = strlen(s);
    return n && s[n - 1] == c;
}

/* One bracketed group "[a" "b" "c]" joined back; kept with its brackets
 * when it holds '=', else the brackets trimmed (a map key with dots). */
static cv_result join_bracketed(const kpath *raw, size_t *i, kpath *out)
{
    cv_buf b;
    cv_buf_init(&b, CV_KZ_MAX_PATH * 2);
    cv_result r = cv_buf_add_str(&b, raw->v[*i]);
    while (cv_is_ok(r) && *i + 1 < raw->n) {
        (*i)++;
        r = cv_buf_add_byte(&b, '.');
        if (cv_is_ok(r)) r = cv_buf_add_str(&b, raw->v[*i]);
        if (ends_with(raw->v[*i], ']')) break;
    }
    if (cv_is_ok(r)) {
        size_t lo = 0, hi = b.len;
        bool keep = memchr(b.p, '=', b.len) != NULL;
        while (!keep && lo < hi && (b.p[lo] == '[' || b.p[lo] == ']')) lo++;
        while (!keep && hi > lo && (b.p[hi - 1] == '[' || b.p[hi - 1] == ']')) hi--;
        r = kpath_push(out, (const char *)b.p + lo, hi - lo);
    }
    cv_buf_release(&b);
    return r;
}

/* clean: PathGetter's cleanPath (parts trimmed, empty ones dropped). */
static cv_result kpath_split(cv_slice s, bool clean, kpath *out)
{
    kpath raw = { 0 };
    memset(out, 0, sizeof *out);
    cv_result r = split_escaped(s, &raw);
    for (size_t i = 0; cv_is_ok(r) && i < raw.n; i++) {
        const char *e = raw.v[i];
        if (e[0] == '[' && !ends_with(e, ']')) r = join_bracketed(&raw, &i, out);
        else r = kpath_push(out, e, strlen(e));
    }
    kpath_free(&raw);
    for (size_t i = 0; cv_is_ok(r) && clean && i < out->n;) {
        cv_slice t = cv_slice_trim(cv_slice_str(out->v[i]));
        if (t.len == 0) {
            free(out->v[i]);
            memmove(out->v + i, out->v + i + 1, (out->n - i - 1) * sizeof *out->v);
            out->n--;
            continue;
        }
        memmove(out->v[i], t.p, t.len);
        out->v[i][t.len] = 0;
        i++;
    }
    if (!cv_is_ok(r)) kpath_free(out);
    return r;
}

/* strconv.Atoi. */
static bool go_atoi(const char *s, int64_t *out)
{
    const char *p = s;
    bool neg = *p == '-';
    if (*p == '-' || *p == '+') p++;
    if (!*p) return false;
    uint64_t v = 0;
    for (; *p; p++) {
        if (*p < '0' || *p > '9') return false;
        if (v > (UINT64_MAX - 9) / 10) return false;
        v = v * 10 + (uint64_t)(*p - '0');
    }
    if (v > (uint64_t)INT64_MAX + (neg ? 1u : 0u)) return false;
    *out = neg ? (int64_t)(0 - v) : (int64_t)v;
    return true;
}

static bool is_list_index(const char *p)
{
    return p[0] == '[' && ends_with(p, ']');
}

static bool is_idx_number(const char *p)
{
    int64_t i;
    return go_atoi(p, &i) && i >= 0;
}

/* SplitIndexNameValue: "[name=value]" -> name, value. */
static cv_result split_index(const char *p, cv_slice *name, cv_slice *value)
{
    size_t n = strlen(p);
    const char *b = p + 1, *end = p + n - 1;
    const char *eq = memchr(b, '=', (size_t)(end - b));
    CV_ENSUREF(eq, E, "list path element must contain fieldName=fieldValue for element to match");
    *name = cv_slice_of(b, (size_t)(eq - b));
    *value = cv_slice_of(eq + 1, (size_t)(end - eq - 1));
    return cv_ok();
}

/* ---- node helpers ------------------------------------------------------ */

static const char *yaml_kind(const cv_node *n)
{
    if (n->kind == CV_NODE_MAP) return "MappingNode";
    if (n->kind == CV_NODE_LIST) return "SequenceNode";
    return "ScalarNode";
}

/* The Value of a yaml.v3 node: a scalar's text, "" for maps and lists. */
static cv_slice value_text(const cv_node *n, char *buf)
{
    if (n->kind == KIND_UNTAGGED) return cv_slice_of(n->s, n->len);
    return cv_node_is_scalar(n) ? cv_kz_scalar_text(n, buf) : cv_slice_of("", 0);
}

/* rn.Elements(): a list's items; null has none; anything else fails. */
static cv_result elements(const cv_node *rn, size_t *n)
{
    *n = 0;
    if (rn->kind == CV_NODE_NULL) return cv_ok();
    CV_ENSUREF(rn->kind == CV_NODE_LIST, E, "wrong node kind: expected SequenceNode but got %s", yaml_kind(rn));
    *n = rn->n;
    return cv_ok();
}

static cv_node *map_field(const cv_node *m, const char *name)
{
    long i = cv_map_find(m, name, strlen(name));
    return i < 0 ? NULL : m->items[i].value;
}

/* ---- scalar typing (yaml.v3 decoding a node of a given tag) ------------ */

static const char *yr_tag(int k)
{
    switch (k) {
    case CV_YR_NULL: return "!!null";
    case CV_YR_BOOL: return "!!bool";
    case CV_YR_INT:
    case CV_YR_UINT: return "!!int";
    case CV_YR_FLOAT: return "!!float";
    case CV_YR_TIME: return "!!timestamp";
    default: return "!!str";
    }
}

static int kind_yr(cv_node_kind k)
{
    switch (k) {
    case CV_NODE_NULL: return CV_YR_NULL;
    case CV_NODE_BOOL: return CV_YR_BOOL;
    case CV_NODE_INT: return CV_YR_INT;
    case CV_NODE_FLOAT: return CV_YR_FLOAT;
    case CV_NODE_TIME: return CV_YR_TIME;
    default: return CV_YR_STR;
    }
}

/* The node a scalar of type `kind` (KIND_UNTAGGED = no tag) holding text
 * decodes to; a text the type cannot hold fails as yaml.v3 fails when
 * kustomize prints the resource (the value itself left out). */
static cv_result typed_scalar(cv_doc *d, cv_node_kind kind, cv_slice text, cv_node **out)
{
    if (kind == CV_NODE_STR) return cv_node_text(d, CV_NODE_STR, text.p, text.len, out);
    bool untagged = kind == KIND_UNTAGGED;
    cv_yres r;
    cv_yaml_resolve((const char *)text.p, text.len, untagged || kind == CV_NODE_TIME, &r);
    int rk = r.kind == CV_YR_MERGE ? CV_YR_STR : r.kind;
    if (!untagged && rk != kind_yr(kind)) {
        CV_ENSUREF(kind == CV_NODE_FLOAT && rk == CV_YR_INT, E, "yaml: cannot decode %s as a %s", yr_tag(rk),
                   yr_tag(kind_yr(kind)));
        rk = CV_YR_FLOAT;
        r.f = (double)r.i;
    }
    switch (rk) {
    case CV_YR_NULL: return cv_node_new(d, CV_NODE_NULL, out);
    case CV_YR_BOOL: return cv_node_bool(d, r.b, out);
    case CV_YR_INT: return cv_node_int(d, r.i, out);
    case CV_YR_FLOAT: return cv_node_float(d, r.f, out);
    case CV_YR_TIME: return cv_node_text(d, CV_NODE_TIME, r.time, r.time_len, out);
    case CV_YR_UINT: CV_BAILF(CV_E_UNSUPPORTED, "an integer past int64 in a replacement");
    default: return cv_node_text(d, CV_NODE_STR, text.p, text.len, out);
    }
}

/* ---- the value --------------------------------------------------------- */

typedef struct {
    const cv_node *node; /* source node; NULL for sourceValue (untagged) */
    cv_slice text;       /* its Value text, after options.delimiter */
    char buf[CV_KZ_TEXT_MAX];
} rvalue;

static cv_node_kind value_kind(const rvalue *v)
{
    return v->node ? v->node->kind : KIND_UNTAGGED;
}

/* ---- PathGetter (the source's fieldPath) ------------------------------- */

static cv_result pg_elem_match(const cv_node *rn, const char *part, const cv_node **out)
{
    cv_slice name, want;
    size_t n;
    char buf[CV_KZ_TEXT_MAX];
    CV_GUARD(split_index(part, &name, &want));
    CV_GUARD(elements(rn, &n));
    *out = NULL;
    for (size_t i = 0; i < n && !*out; i++) {
        const cv_node *e = rn->items[i].value;
        if (name.len == 0) {
            if (cv_slice_eq(value_text(e, buf), want)) *out = e;
            continue;
        }
        if (e->kind != CV_NODE_MAP) continue;
        long k = cv_map_find(e, (const char *)name.p, name.len);
        if (k >= 0 && cv_slice_eq(value_text(e->items[k].value, buf), want)) *out = e;
    }
    return cv_ok();
}

static cv_result pg_step(const cv_node *rn, const char *part, const cv_node **out)
{
    int64_t idx;
    size_t n;
    *out = NULL;
    if (go_atoi(part, &idx)) {
        CV_ENSUREF(idx >= 0, E, "array index %lld cannot be negative", (long long)idx);
        CV_GUARD(elements(rn, &n));
        if ((uint64_t)idx < n) *out = rn->items[idx].value;
        return cv_ok();
    }
    if (strcmp(part, "-") == 0) {
        CV_GUARD(elements(rn, &n));
        CV_ENSUREF(n > 0, E, "index out of range: '-' in an empty list");
        *out = rn->items[n - 1].value;
        return cv_ok();
    }
    CV_ENSUREF(strcmp(part, "*") != 0, E, "wildcard is not supported in PathGetter");
    if (is_list_index(part)) return pg_elem_match(rn, part, out);
    if (rn->kind == CV_NODE_NULL) return cv_ok();
    CV_ENSUREF(rn->kind == CV_NODE_MAP, E, "wrong node kind: expected MappingNode but got %s", yaml_kind(rn));
    *out = map_field(rn, part);
    return cv_ok();
}

static cv_result path_get(const cv_node *root, const kpath *p, const cv_node **out)
{
    const cv_node *cur = root;
    for (size_t i = 0; cur && i < p->n; i++) CV_GUARD(pg_step(cur, p->v[i], &cur));
    *out = cur;
    return cv_ok();
}

/* ---- source ------------------------------------------------------------ */

static bool ns_eq(cv_slice a, cv_slice b)
{
    cv_slice d = cv_slice_str("default");
    return cv_slice_eq(a.len ? a : d, b.len ? b : d);
}

/* ResId.IsSelectedBy: exact strings, empty = any; the ids' kinds are never
 * known cluster-scoped here, so "" and "default" are one namespace. */
static bool id_selected_by(const cv_kz_id *id, const cv_kz_id *s)
{
    return (!s->name.len || cv_slice_eq(s->name, id->name)) && (!s->ns.len || ns_eq(s->ns, id->ns)) &&
           (!s->group.len || cv_slice_eq(s->group, id->group)) &&
           (!s->version.len || cv_slice_eq(s->version, id->version)) &&
           (!s->kind.len || cv_slice_eq(s->kind, id->kind));
}

/* All ids of a resource: current first, then previous (MakeResIds). */
static cv_result res_ids(const cv_node *o, cv_kz_id **ids, size_t *n)
{
    cv_kz_id *prev;
    size_t np;
    CV_GUARD(cv_kz_prev_ids(o, &prev, &np));
    cv_kz_id *all = calloc(np + 1, sizeof *all);
    if (!all) {
        free(prev);
        CV_BAIL(CV_E_NOMEM);
    }
    cv_kz_cur_id(o, &all[0]);
    if (np) memcpy(all + 1, prev, np * sizeof *prev);
    free(prev);
    *ids = all;
    *n = np + 1;
    return cv_ok();
}

/* SourceSelector.String(): id[:fieldPath][:options]. */
static void source_string(const cv_node *src, char *out, size_t cap)
{
    cv_kz_id id;
    cv_slice fp;
    ropts o;
    if (!cv_is_ok(cfg_id(src, &id)) || !cv_is_ok(cfg_str(src, "fieldPath", &fp)) || !cv_is_ok(cfg_opts(src, &o))) {
        cv_err_clear();
        snprintf(out, cap, "?");
        return;
    }
    cv_kz_id_string(&id, out, cap);
    size_t l = strlen(out);
    if (fp.len && l < cap) l += (size_t)snprintf(out + l, cap - l, ":%.*s", (int)fp.len, (const char *)fp.p);
    if ((o.delim.len || o.create) && l < cap)
        snprintf(out + l, cap - l, ":%.*s(%lld), create=%s", (int)o.delim.len, (const char *)o.delim.p,
                 (long long)o.index, o.create ? "true" : "false");
}

static cv_result select_source(const cv_kz_resmap *rm, const cv_node *src, const cv_node **out)
{
    cv_kz_id want;
    char s[1024];
    CV_GUARD(cfg_id(src, &want));
    *out = NULL;
    for (size_t i = 0; i < rm->n; i++) {
        cv_kz_id *ids;
        size_t n;
        CV_GUARD(res_ids(rm->objs[i], &ids, &n));
        bool hit = false;
        for (size_t j = 0; j < n && !hit; j++) hit = id_selected_by(&ids[j], &want);
        free(ids);
        if (!hit) continue;
        if (*out) {
            source_string(src, s, sizeof s);
            CV_BAILF(E, "multiple matches for selector %s", s);
        }
        *out = rm->objs[i];
    }
    if (!*out) {
        source_string(src, s, sizeof s);
        CV_BAILF(E, "nothing selected by %s", s);
    }
    return cv_ok();
}

static bool nil_or_empty(const cv_node *n)
{
    return !n || n->kind == CV_NODE_NULL || ((n->kind == CV_NODE_MAP || n->kind == CV_NODE_LIST) && n->n == 0);
}

/* strings.Split(s, sep)[i] for a non-empty sep; *count = number of parts. */
static cv_slice split_part(cv_slice s, cv_slice sep, int64_t i, int64_t *count)
{
    cv_slice part = cv_slice_of("", 0);
    int64_t k = 0;
    size_t start = 0;
    for (size_t j = 0; j + sep.len <= s.len;) {
        if (memcmp(s.p + j, sep.p, sep.len) != 0) {
            j++;
            continue;
        }
        if (k == i) part = cv_slice_of(s.p + start, j - start);
        k++;
        j += sep.len;
        start = j;
    }
    if (k == i) part = cv_slice_of(s.p + start, s.len - start);
    *count = k + 1;
    return part;
}

/* getRefinedValue: options.delimiter picks one part of a scalar. */
static cv_result refine(const ropts *o, rvalue *v)
{
    if (!o->delim.len) return cv_ok();
    CV_ENSUREF(cv_node_is_scalar(v->node), E, "delimiter option can only be used with scalar nodes");
    int64_t n;
    cv_slice part = split_part(v->text, o->delim, o->index, &n);
    CV_ENSUREF(o->index >= 0 && o->index < n, E, "options.index %lld is out of bounds for the source value (%lld parts)",
               (long long)o->index, (long long)n);
    v->text = part;
    return cv_ok();
}

static cv_result get_value(cv_kz_resmap *rm, const cv_node *e, rvalue *v)
{
    const cv_node *src = cv_map_get(e, "source"), *sv = cv_map_get(e, "sourceValue");
    if (absent(src)) src = NULL;
    if (absent(sv)) sv = NULL;
    CV_ENSUREF(!(src && sv), E, "value and resource selectors are mutually exclusive");
    memset(v, 0, sizeof *v);
    if (sv) {
        v->text = cv_slice_of(sv->s, sv->len);
        return cv_ok();
    }
    const cv_node *obj, *found = NULL;
    CV_GUARD(select_source(rm, src, &obj));
    cv_slice fp;
    CV_GUARD(cfg_str(src, "fieldPath", &fp));
    if (!fp.len) fp = cv_slice_str(DEFAULT_FIELD_PATH);
    kpath p;
    CV_GUARD(kpath_split(fp, true, &p));
    cv_result r = path_get(obj, &p, &found);
    kpath_free(&p);
    if (!cv_is_ok(r)) CV_BAILF(E, "error looking up replacement source: %s", cv_err_detail());
    if (nil_or_empty(found)) {
        cv_kz_id id;
        char s[1024];
        CV_GUARD(cfg_id(src, &id));
        cv_kz_id_string(&id, s, sizeof s);
        CV_BAILF(E, "fieldPath `%.*s` is missing for replacement source %s", (int)fp.len, (const char *)fp.p, s);
    }
    v->node = found;
    v->text = value_text(found, v->buf);
    ropts o;
    CV_GUARD(cfg_opts(src, &o));
    return refine(&o, v);
}

/* ---- PathMatcher (a target's fieldPath) -------------------------------- */

typedef struct {
    cv_doc *d;
    const kpath *p;
    cv_node_kind create; /* kind of a created leaf; CV_NODE_NULL = no create */
    bool creating;
    cv_node **hits;
    size_t n, cap;
} pmatch;

static cv_result pm_filter(pmatch *m, cv_node *rn, size_t i);

static cv_result pm_hit(pmatch *m, cv_node *n)
{
    CV_GUARD(cv_grow_array((void **)&m->hits, &m->cap, m->n + 1, sizeof *m->hits, 8, SIZE_MAX));
    m->hits[m->n++] = n;
    return cv_ok();
}

/* getPathPartKind: what a created node at part i must be. */
static cv_node_kind part_kind(const pmatch *m, size_t i)
{
    if (i + 1 >= m->p->n) return m->create;
    const char *next = m->p->v[i + 1];
    return is_list_index(next) || is_idx_number(next) ? CV_NODE_LIST : CV_NODE_MAP;
}

static cv_result new_kind(cv_doc *d, cv_node_kind k, cv_node **out)
{
    if (k != KIND_UNTAGGED) return cv_node_new(d, k, out);
    return cv_node_text(d, KIND_UNTAGGED, "", 0, out);
}

/* Append to a list; kyaml appends to a null node's content too, where the
 * element is lost (the node prints as null): left detached here. */
static cv_result append_elem(pmatch *m, cv_node *rn, cv_node *elem)
{
    if (rn->kind != CV_NODE_LIST) return cv_ok();
    return cv_node_append(m->d, rn, NULL, elem);
}

/* A scalar with path left: kustomize 5.8 reads its text as YAML and walks
 * on in a throwaway copy. Only a text that reads as null gets anywhere (a
 * null node, where writes are lost); an empty value (most nulls here: the
 * tree keeps no null's text) or another scalar fails; a map or list text
 * is the structured-data edit covert lacks. */
static cv_result pm_into_scalar(pmatch *m, cv_node *field, size_t i)
{
    cv_node_kind k = field->kind == CV_NODE_STR && field->len ? CV_NODE_STR : CV_NODE_INT;
    if (k == CV_NODE_STR) {
        cv_doc tmp;
        CV_GUARD(cv_doc_init(&tmp));
        cv_node **docs = NULL;
        size_t n = 0;
        cv_result r = cv_kz_yaml_docs(&tmp, cv_slice_of(field->s, field->len), &docs, &n);
        k = cv_is_ok(r) && n ? docs[0]->kind : CV_NODE_INT;
        free(docs);
        cv_doc_clear(&tmp);
        if (!cv_is_ok(r)) CV_BAILF(E, "yaml: the string field on the path does not parse (%s)", cv_err_detail());
        CV_ENSUREF(k != CV_NODE_MAP && k != CV_NODE_LIST, CV_E_UNSUPPORTED,
                   "replacement into JSON/YAML held in a string field (kustomize 5.8 structured data)");
    }
    CV_ENSUREF(k == CV_NODE_NULL, E, "wrong node kind: expected MappingNode but got %s",
               field->kind == CV_NODE_NULL || !field->len ? "" : "ScalarNode");
    cv_node *scratch;
    CV_GUARD(cv_node_new(m->d, CV_NODE_NULL, &scratch));
    return pm_filter(m, scratch, i);
}

static cv_result pm_field(pmatch *m, cv_node *rn, size_t i)
{
    const char *name = m->p->v[i];
    cv_node *field = NULL;
    if (rn->kind != CV_NODE_NULL) {
        CV_ENSUREF(rn->kind == CV_NODE_MAP && name[0], E, "wrong node kind: expected %s but got %s",
                   name[0] ? "MappingNode" : "ScalarNode", yaml_kind(rn));
        field = map_field(rn, name);
    }
    if (!field && !m->creating) return cv_ok();
    if (!field) {
        CV_GUARD(new_kind(m->d, part_kind(m, i), &field));
        if (rn->kind == CV_NODE_MAP) CV_GUARD(cv_map_add(m->d, rn, name, strlen(name), field));
    }
    if (cv_node_is_scalar(field) && i + 1 < m->p->n) return pm_into_scalar(m, field, i + 1);
    return pm_filter(m, field, i + 1);
}

static cv_result pm_index(pmatch *m, cv_node *rn, size_t i)
{
    int64_t idx;
    size_t n;
    (void)go_atoi(m->p->v[i], &idx);
    CV_GUARD(elements(rn, &n));
    cv_node *elem = NULL;
    if ((uint64_t)idx == n && m->creating) {
        CV_GUARD(new_kind(m->d, part_kind(m, i), &elem));
        CV_GUARD(append_elem(m, rn, elem));
        n++;
    }
    CV_ENSUREF((uint64_t)idx < n, E, "index %lld specified but only %zu elements found", (long long)idx, n);
    if (!elem) elem = rn->items[idx].value;
    return pm_filter(m, elem, i + 1);
}

static cv_result pm_every(pmatch *m, cv_node *rn, size_t i)
{
    size_t n;
    CV_GUARD(elements(rn, &n));
    for (size_t k = 0; k < n; k++) CV_GUARD(pm_filter(m, rn->items[k].value, i + 1));
    return cv_ok();
}

/* The text PathMatcher matches a [k=v] regex against: the node as YAML,
 * trimmed; for scalars that is their text (quoting aside). */
static cv_slice match_text(const cv_node *n, char *buf)
{
    if (n->kind == CV_NODE_NULL) return cv_slice_str("null");
    return cv_slice_trim(value_text(n, buf));
}

static cv_result pm_seq_visit(pmatch *m, cv_node *rn, size_t i, cv_slice field, const cv_goregex *re)
{
    char buf[CV_KZ_TEXT_MAX];
    for (size_t k = 0; k < rn->n && rn->kind == CV_NODE_LIST; k++) {
        cv_node *e = rn->items[k].value;
        if (field.len == 0) {
            cv_slice t = match_text(e, buf);
            if (cv_goregex_match(re, t.p, t.len)) CV_GUARD(pm_hit(m, e));
            continue;
        }
        if (e->kind != CV_NODE_MAP) continue;
        long f = cv_map_find(e, (const char *)field.p, field.len);
        if (f < 0) continue;
        cv_slice t = match_text(e->items[f].value, buf);
        if (cv_goregex_match(re, t.p, t.len)) CV_GUARD(pm_filter(m, e, i + 1));
    }
    return cv_ok();
}

/* A created [k=v] element: {k: v} (or v), v typed as untagged YAML. */
static cv_result pm_seq_create(pmatch *m, cv_slice field, cv_slice value, cv_node **elem)
{
    cv_node *v;
    CV_GUARD(typed_scalar(m->d, KIND_UNTAGGED, value, &v));
    *elem = v;
    if (!field.len) return cv_ok();
    cv_node *k;
    CV_GUARD(cv_node_new(m->d, CV_NODE_MAP, elem));
    CV_GUARD(cv_node_text(m->d, CV_NODE_STR, field.p, field.len, &k));
    return cv_node_append(m->d, *elem, k, v);
}

/* Create the element and search again: in the list, or (a null node, whose
 * new content is lost) in a list of that element alone. */
static cv_result pm_seq_again(pmatch *m, cv_node *rn, size_t i, cv_slice field, cv_slice value,
                              const cv_goregex *re)
{
    cv_node *elem, *in = rn;
    CV_GUARD(pm_seq_create(m, field, value, &elem));
    if (rn->kind != CV_NODE_LIST) CV_GUARD(cv_node_new(m->d, CV_NODE_LIST, &in));
    CV_GUARD(cv_node_append(m->d, in, NULL, elem));
    return pm_seq_visit(m, in, i, field, re);
}

static cv_result pm_seq(pmatch *m, cv_node *rn, size_t i)
{
    cv_slice field, value;
    size_t n;
    CV_GUARD(split_index(m->p->v[i], &field, &value));
    CV_GUARD(elements(rn, &n));
    if (n == 0 && !m->creating) return cv_ok();
    cv_kz_re cre;
    CV_GUARD(cv_kz_re_get((const char *)value.p, value.len, &cre));
    const cv_goregex *re = cre.re;
    size_t before = m->n;
    cv_result r = pm_seq_visit(m, rn, i, field, re);
    if (cv_is_ok(r) && m->n == before && m->creating) {
        r = pm_seq_again(m, rn, i, field, value, re);
        /* kyaml searches again and creates again while nothing matches,
         * without end; a created element its own regex rejects stops here. */
        if (cv_is_ok(r) && m->n == before)
            r = CV_FAILF(E, "failed to create element for \"%s\"", m->p->v[i]);
    }
    cv_kz_re_put(&cre);
    return r;
}

static cv_result pm_filter(pmatch *m, cv_node *rn, size_t i)
{
    if (i == m->p->n) return pm_hit(m, rn);
    const char *part = m->p->v[i];
    if (is_idx_number(part)) return pm_index(m, rn, i);
    if (is_list_index(part)) return pm_seq(m, rn, i);
    if (strcmp(part, "*") == 0) return pm_every(m, rn, i);
    return pm_field(m, rn, i);
}

/* ---- setting a field (setFieldValue) ----------------------------------- */

/* options.delimiter on the target: the value replaces part index of the
 * target's text, or goes before (index < 0) or after (index past the end). */
static cv_result add_part(cv_buf *b, const ropts *o, bool *first, cv_slice part)
{
    if (!*first) CV_GUARD(cv_buf_add(b, o->delim.p, o->delim.len));
    *first = false;
    return cv_buf_add(b, part.p, part.len);
}

static cv_result delimited(const ropts *o, const cv_node *t, cv_slice v, cv_buf *b)
{
    char buf[CV_KZ_TEXT_MAX];
    cv_slice tv = value_text(t, buf);
    int64_t n, c;
    (void)split_part(tv, o->delim, 0, &n);
    bool first = true;
    if (o->index < 0) CV_GUARD(add_part(b, o, &first, v));
    for (int64_t k = 0; k < n; k++)
        CV_GUARD(add_part(b, o, &first, k == o->index ? v : split_part(tv, o->delim, k, &c)));
    if (o->index >= n) CV_GUARD(add_part(b, o, &first, v));
    return cv_ok();
}

static cv_result set_field(cv_doc *d, const ropts *o, cv_node *t, const rvalue *v)
{
    bool scalar = cv_node_is_scalar(t) || t->kind == KIND_UNTAGGED;
    cv_slice text = v->text;
    cv_buf b;
    cv_buf_init_secret(&b, CV_KZ_MAX_FILE);
    cv_result r = cv_ok();
    if (o->delim.len) {
        r = scalar ? delimited(o, t, v->text, &b) : CV_FAILF(E, "delimiter option can only be used with scalar nodes");
        text = cv_buf_slice(&b);
    }
    cv_node *nn = NULL;
    if (cv_is_ok(r) && scalar) r = typed_scalar(d, t->kind, text, &nn);
    else if (cv_is_ok(r) && v->node && !cv_node_is_scalar(v->node)) r = cv_node_clone(d, v->node, &nn);
    else if (cv_is_ok(r)) r = typed_scalar(d, value_kind(v), text, &nn);
    if (cv_is_ok(r)) *t = *nn;
    cv_buf_release(&b);
    return r;
}

/* ---- targets ----------------------------------------------------------- */

typedef struct {
    cv_kz_re re[5]; /* group, version, kind, name, namespace; empty = any */
    rsel s;
} tsel;

static void tsel_free(tsel *t)
{
    for (int i = 0; i < 5; i++) cv_kz_re_put(&t->re[i]);
}

static cv_result tsel_compile(const cv_node *m, tsel *t)
{
    memset(t, 0, sizeof *t);
    CV_GUARD(cfg_sel(m, &t->s));
    const cv_slice f[5] = { t->s.id.group, t->s.id.version, t->s.id.kind, t->s.id.name, t->s.id.ns };
    for (int i = 0; i < 5; i++) {
        if (!f[i].len) continue;
        cv_buf b;
        cv_buf_init(&b, CV_KZ_MAX_PATH * 4);
        cv_result r = cv_buf_add_str(&b, "^(?:");
        if (cv_is_ok(r)) r = cv_buf_add(&b, f[i].p, f[i].len);
        if (cv_is_ok(r)) r = cv_buf_add_str(&b, ")$");
        if (cv_is_ok(r)) r = cv_kz_re_get((const char *)b.p, b.len, &t->re[i]);
        cv_buf_release(&b);
        if (!cv_is_ok(r)) {
            tsel_free(t);
            if (r.err == CV_E_REGEX) CV_BAILF(CV_E_REGEX, "error creating target selector: %s", cv_err_detail());
            return r;
        }
    }
    return cv_ok();
}

static bool re_ok(const cv_kz_re *re, cv_slice v)
{
    return cv_kz_re_ok(re, v.p, v.len);
}

/* SelectorRegex on one id: the namespace compared as written. */
static bool tsel_match_id(const tsel *t, const cv_kz_id *id)
{
    return re_ok(&t->re[0], id->group) && re_ok(&t->re[1], id->version) && re_ok(&t->re[2], id->kind) &&
           re_ok(&t->re[3], id->name) && re_ok(&t->re[4], id->ns);
}

static bool tsel_has_id(const tsel *t)
{
    const cv_kz_id *i = &t->s.id;
    return i->group.len || i->version.len || i->kind.len || i->name.len || i->ns.len;
}

static cv_result anno_label_match(const cv_node *o, const rsel *s, bool *m)
{
    const cv_node *md = cv_map_get(o, "metadata"), *l = NULL, *a = NULL;
    if (md && md->kind == CV_NODE_MAP) {
        l = cv_map_get(md, "labels");
        a = cv_map_get(md, "annotations");
    }
    bool am, lm;
    CV_GUARD(cv_kz_labels_match(s->annos, a && a->kind == CV_NODE_MAP ? a : NULL, &am));
    CV_GUARD(cv_kz_labels_match(s->labels, l && l->kind == CV_NODE_MAP ? l : NULL, &lm));
    *m = am && lm;
    return cv_ok();
}

typedef struct {
    tsel sel;
    tsel *rej;
    size_t nrej;
} target;

static void target_free(target *t)
{
    tsel_free(&t->sel);
    for (size_t i = 0; i < t->nrej; i++) tsel_free(&t->rej[i]);
    free(t->rej);
}

static cv_result target_compile(const cv_node *ts, target *t)
{
    const cv_node *sel = cv_map_get(ts, "select"), *rej = cv_map_get(ts, "reject");
    memset(t, 0, sizeof *t);
    CV_GUARD(tsel_compile(sel, &t->sel));
    size_t n = rej && rej->kind == CV_NODE_LIST ? rej->n : 0;
    t->rej = n ? calloc(n, sizeof *t->rej) : NULL;
    if (n && !t->rej) {
        target_free(t);
        CV_BAIL(CV_E_NOMEM);
    }
    for (size_t i = 0; i < n; i++) {
        const cv_node *r = rej->items[i].value;
        cv_result res = r->kind == CV_NODE_MAP ? tsel_compile(r, &t->rej[i])
                                               : CV_FAILF(E, "invalid memory address or nil pointer dereference (a null reject)");
        if (!cv_is_ok(res)) {
            target_free(t);
            return res;
        }
        t->nrej = i + 1;
    }
    return cv_ok();
}

/* Whether resource o is a target: labels/annotations of select and of the
 * rejects, then reject ids (any id), then select (any id). */
static cv_result target_takes(const target *t, const cv_node *o, bool *take)
{
    cv_kz_id *ids;
    size_t n;
    *take = false;
    CV_GUARD(res_ids(o, &ids, &n));
    bool m;
    cv_result r = anno_label_match(o, &t->sel.s, &m);
    for (size_t i = 0; cv_is_ok(r) && m && i < t->nrej; i++) {
        if (!t->rej[i].s.annos.len && !t->rej[i].s.labels.len) continue;
        bool rm;
        r = anno_label_match(o, &t->rej[i].s, &rm);
        if (cv_is_ok(r) && rm) m = false;
    }
    for (size_t i = 0; cv_is_ok(r) && m && i < t->nrej; i++)
        for (size_t j = 0; m && tsel_has_id(&t->rej[i]) && j < n; j++) m = !tsel_match_id(&t->rej[i], &ids[j]);
    for (size_t j = 0; cv_is_ok(r) && m && !*take && j < n; j++) *take = tsel_match_id(&t->sel, &ids[j]);
    free(ids);
    return r;
}

static cv_result field_error(const char *fp, bool create, bool wrap)
{
    char q[600];
    cv_quote(q, sizeof q, cv_slice_str(fp));
    const char *what = create ? "unable to find or create field" : "unable to find field";
    if (wrap) CV_BAILF(E, "%s %s in replacement target: %s", what, q, cv_err_detail());
    CV_BAILF(E, "%s %s in replacement target", what, q);
}

static cv_result copy_to_field(cv_doc *d, cv_node *obj, const char *fp, const ropts *o, const rvalue *v)
{
    kpath p;
    CV_GUARD(kpath_split(cv_slice_str(fp), false, &p));
    cv_node_kind vk = value_kind(v);
    pmatch m = { .d = d, .p = &p, .creating = o->create };
    m.create = vk == CV_NODE_MAP || vk == CV_NODE_LIST ? vk : KIND_UNTAGGED;
    cv_result r = pm_filter(&m, obj, 0);
    if (!cv_is_ok(r) && r.err != CV_E_UNSUPPORTED && r.err != CV_E_NOMEM && r.err != CV_E_LIMIT)
        r = field_error(fp, o->create, true);
    else if (cv_is_ok(r) && m.n == 0)
        r = field_error(fp, o->create, false);
    for (size_t i = 0; cv_is_ok(r) && i < m.n; i++) r = set_field(d, o, m.hits[i], v);
    free(m.hits);
    kpath_free(&p);
    return r;
}

static cv_result copy_to_target(cv_doc *d, cv_node *obj, const cv_node *ts, const rvalue *v)
{
    const cv_node *fps = cv_map_get(ts, "fieldPaths");
    ropts o;
    CV_GUARD(cfg_opts(ts, &o));
    if (absent(fps) || fps->n == 0) return copy_to_field(d, obj, DEFAULT_FIELD_PATH, &o, v);
    for (size_t i = 0; i < fps->n; i++) {
        const cv_node *f = fps->items[i].value;
        CV_GUARD(copy_to_field(d, obj, f->kind == CV_NODE_STR ? f->s : "", &o, v));
    }
    return cv_ok();
}

static cv_result apply_target(cv_kz_resmap *rm, const cv_node *ts, const rvalue *v)
{
    CV_ENSUREF(ts->kind == CV_NODE_MAP && !absent(cv_map_get(ts, "select")), E,
               "target must specify resources to select");
    target t;
    CV_GUARD(target_compile(ts, &t));
    cv_result r = cv_ok();
    for (size_t i = 0; cv_is_ok(r) && i < rm->n; i++) {
        bool take;
        r = target_takes(&t, rm->objs[i], &take);
        if (cv_is_ok(r) && take) r = copy_to_target(&rm->doc, rm->objs[i], ts, v);
    }
    target_free(&t);
    return r;
}

static cv_result apply_one(cv_kz_resmap *rm, const cv_node *e)
{
    const cv_node *tg = cv_map_get(e, "targets");
    CV_ENSUREF((!absent(cv_map_get(e, "source")) || !absent(cv_map_get(e, "sourceValue"))) && !absent(tg), E,
               "replacements must specify a source and at least one target");
    rvalue v;
    CV_GUARD(get_value(rm, e, &v));
    for (size_t i = 0; i < tg->n; i++) CV_GUARD(apply_target(rm, tg->items[i].value, &v));
    return cv_ok();
}

cv_result cv_kz_replacements(cv_kz_resmap *rm, const cv_node *list)
{
    if (!rm || absent(list)) return cv_ok();
    CV_ENSUREF(list->kind == CV_NODE_LIST, E, "'replacements' must be a list");
    for (size_t i = 0; i < list->n; i++) CV_GUARD(cfg_check(list->items[i].value));
    for (size_t i = 0; i < list->n; i++) CV_GUARD(apply_one(rm, list->items[i].value));
    return cv_ok();
}
