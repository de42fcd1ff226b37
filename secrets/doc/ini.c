#include "secrets/doc/ini.h"

#include <stdlib.h>
#include <string.h>

#include "crypto/base/limits.h"
#include "crypto/base/mem.h"
#include "secrets/doc/gostr.h"
#include "secrets/doc/json.h"

/* ---- loading: the intermediate file model (go-ini's File) ------------- */

typedef struct {
    cv_node *key, *value;
    cv_slice comment; /* in the arena; empty if none */
} ini_key;

typedef struct {
    cv_slice name;
    cv_slice comment;
    ini_key *keys;
    size_t n, cap;
    unsigned count; /* the "-" auto-increment counter */
} ini_section;

/* (section, key name) -> key index: go-ini keeps one key per name. */
typedef struct {
    uint64_t h;
    const uint8_t *name;
    size_t len;
    uint32_t sec, idx;
    bool used;
} ini_slot;

typedef struct {
    ini_slot *slots;
    size_t n, used;
} ini_names;

typedef struct {
    cv_reader r;
    bool eof;
    size_t lineno;
    cv_doc *doc;
    ini_section *secs;
    size_t nsecs, cap;
    ini_names names;
    cv_buf comment; /* pending comment text (secret: sops encrypts comments) */
    cv_buf value;   /* value being read (secret) */
} ini_parse;

#define SYNTAX(p, ...) CV_FAILF(CV_E_DOC_SYNTAX, "INI: line " __VA_ARGS__)

/* bufio's ReadBytes('\n'): the line with its LF, or the rest at the end. */
static cv_slice read_line(ini_parse *p)
{
    cv_slice rest = cv_reader_rest(&p->r);
    const uint8_t *nl = memchr(rest.p, '\n', rest.len);
    size_t n = nl != NULL ? (size_t)(nl - rest.p) + 1 : rest.len;
    if (nl == NULL) p->eof = true;
    p->r.pos += n;
    p->lineno++;
    return cv_slice_of(rest.p, n);
}

static long index_any(cv_slice s, const char *set)
{
    for (size_t i = 0; i < s.len; i++)
        if (s.p[i] != 0 && strchr(set, s.p[i]) != NULL) return (long)i;
    return -1;
}

static long index_of(cv_slice s, const char *q, size_t ql)
{
    if (s.len < ql) return -1;
    for (size_t i = 0; i + ql <= s.len; i++)
        if (memcmp(s.p + i, q, ql) == 0) return (long)i;
    return -1;
}

static long last_index_of(cv_slice s, const char *q, size_t ql)
{
    if (s.len < ql) return -1;
    for (size_t i = s.len - ql + 1; i-- > 0;)
        if (memcmp(s.p + i, q, ql) == 0) return (long)i;
    return -1;
}

static cv_slice sub(cv_slice s, size_t from, size_t to)
{
    return cv_slice_of(s.p + from, to - from);
}

static cv_result arena_slice(ini_parse *p, cv_slice s, cv_slice *out)
{
    char *c;
    CV_GUARD(cv_arena_strndup(p->doc->arena, s.p, s.len, &c));
    *out = cv_slice_of(c, s.len);
    return cv_ok();
}

/* The pending comment, trimmed, moved into the arena; the buffer empties. */
static cv_result take_comment(ini_parse *p, cv_slice *out)
{
    cv_slice c = cv_go_trim_space(cv_buf_slice(&p->comment));
    CV_GUARD(arena_slice(p, c, out));
    cv_buf_reset(&p->comment);
    return cv_ok();
}

static cv_result new_section(ini_parse *p, cv_slice name)
{
    CV_GUARD(cv_arena_grow(p->doc->arena, (void **)&p->secs, &p->cap, p->nsecs + 1,
                           sizeof(ini_section)));
    CV_ENSURE(p->nsecs < UINT32_MAX, CV_E_LIMIT);
    ini_section *s = &p->secs[p->nsecs++];
    memset(s, 0, sizeof(*s));
    s->count = 1;
    return arena_slice(p, name, &s->name);
}

static uint64_t key_hash(uint32_t sec, cv_slice k)
{
    uint64_t h = 1469598103934665603u ^ sec;
    for (size_t i = 0; i < k.len; i++) h = (h ^ k.p[i]) * 1099511628211u;
    return h;
}

static cv_result names_grow(ini_names *t)
{
    size_t n = t->n ? t->n * 2 : 64;
    ini_slot *s = calloc(n, sizeof(ini_slot));
    CV_ENSURE(s != NULL, CV_E_NOMEM);
    for (size_t i = 0; i < t->n; i++) {
        if (!t->slots[i].used) continue;
        size_t j = t->slots[i].h & (n - 1);
        while (s[j].used) j = (j + 1) & (n - 1);
        s[j] = t->slots[i];
    }
    free(t->slots);
    t->slots = s;
    t->n = n;
    return cv_ok();
}

/* The index of name in section sec; *fresh when it was just added as idx. */
static cv_result names_get(ini_names *t, uint32_t sec, cv_slice name, uint32_t idx,
                           uint32_t *out, bool *fresh)
{
    if (2 * (t->used + 1) > t->n) CV_GUARD(names_grow(t));
    uint64_t h = key_hash(sec, name);
    size_t j = h & (t->n - 1);
    for (;; j = (j + 1) & (t->n - 1)) {
        ini_slot *s = &t->slots[j];
        if (!s->used) {
            *s = (ini_slot){ h, name.p, name.len, sec, idx, true };
            t->used++;
            *out = idx;
            *fresh = true;
            return cv_ok();
        }
        if (s->h == h && s->sec == sec && s->len == name.len && memcmp(s->name, name.p, name.len) == 0) {
            *out = s->idx;
            *fresh = false;
            return cv_ok();
        }
    }
}

static cv_result add_slice(cv_buf *b, cv_slice s)
{
    return cv_buf_add(b, s.p, s.len);
}

/* Section.NewKey: a repeated name replaces the value in place. */
static cv_result new_key(ini_parse *p, cv_slice name, cv_slice value)
{
    CV_ENSUREF(name.len > 0, CV_E_DOC_SYNTAX, "INI: line %zu: empty key name", p->lineno);
    uint32_t sec = (uint32_t)(p->nsecs - 1), idx;
    ini_section *s = &p->secs[sec];
    CV_ENSURE(s->n < UINT32_MAX, CV_E_LIMIT);
    cv_node *key;
    CV_GUARD(cv_node_text(p->doc, CV_NODE_STR, name.p, name.len, &key));
    bool fresh;
    CV_GUARD(names_get(&p->names, sec, cv_slice_of(key->s, key->len), (uint32_t)s->n, &idx,
                       &fresh));
    if (fresh) {
        CV_GUARD(cv_arena_grow(p->doc->arena, (void **)&s->keys, &s->cap, s->n + 1,
                               sizeof(ini_key)));
        s->keys[s->n++].key = key;
    }
    ini_key *k = &s->keys[idx];
    CV_GUARD(cv_node_text(p->doc, CV_NODE_STR, value.p, value.len, &k->value));
    return take_comment(p, &k->comment);
}

/* readKeyName: the name and the offset just past the delimiter. */
static cv_result read_key_name(ini_parse *p, cv_slice line, cv_slice *name, size_t *off)
{
    const char *q = NULL;
    if (line.p[0] == '"')
        q = line.len > 6 && memcmp(line.p, "\"\"\"", 3) == 0 ? "\"\"\"" : "\"";
    else if (line.p[0] == '`')
        q = "`";
    if (q != NULL) {
        size_t ql = strlen(q);
        long pos = index_of(sub(line, ql, line.len), q, ql);
        if (pos < 0) return SYNTAX(p, "%zu: missing closing key quote", p->lineno);
        size_t end = (size_t)pos + ql;
        long i = index_any(sub(line, end + ql > line.len ? line.len : end + ql, line.len), "=:");
        if (i < 0) return SYNTAX(p, "%zu: key-value delimiter not found", p->lineno);
        *name = cv_go_trim_space(sub(line, ql, end));
        *off = end + (size_t)i + ql + 1;
        return cv_ok();
    }
    long e = index_any(line, "=:");
    if (e < 0) return SYNTAX(p, "%zu: key-value delimiter not found", p->lineno);
    if (e == 0) return SYNTAX(p, "%zu: empty key name", p->lineno);
    *name = cv_go_trim_space(sub(line, 0, (size_t)e));
    *off = (size_t)e + 1;
    return cv_ok();
}

static cv_result read_multilines(ini_parse *p, const char *q)
{
    size_t ql = strlen(q);
    for (;;) {
        cv_slice next = read_line(p);
        long pos = last_index_of(next, q, ql);
        if (pos >= 0) {
            cv_slice rest = sub(next, (size_t)pos + ql, next.len);
            while (rest.len > 0 && (rest.p[rest.len - 1] == '\r' || rest.p[rest.len - 1] == '\n'))
                rest.len--;
            rest = cv_go_trim_space(rest);
            if (rest.len > 0 && rest.p[rest.len - 1] == '\\') {
                CV_GUARD(cv_buf_add(&p->value, next.p, next.len));
                continue;
            }
            CV_GUARD(cv_buf_add(&p->value, next.p, (size_t)pos));
            cv_slice tail = sub(next, (size_t)pos, next.len);
            long c = index_any(tail, "#;");
            if (c >= 0)
                CV_GUARD(add_slice(&p->comment,
                                          cv_go_trim_space(sub(tail, (size_t)c, tail.len))));
            return cv_ok();
        }
        CV_GUARD(cv_buf_add(&p->value, next.p, next.len));
        if (p->eof) return SYNTAX(p, "%zu: missing closing key quote", p->lineno);
    }
}

static cv_result read_continuation(ini_parse *p)
{
    for (;;) {
        cv_slice next = cv_go_trim_space(read_line(p));
        if (next.len == 0) return cv_ok();
        CV_GUARD(cv_buf_add(&p->value, next.p, next.len));
        if (p->value.p[p->value.len - 1] != '\\') return cv_ok();
        p->value.len--;
        if (p->eof) return cv_ok();
    }
}

static bool surrounded(cv_slice s, uint8_t q)
{
    if (s.len < 2 || s.p[0] != q || s.p[s.len - 1] != q) return false;
    const uint8_t *i = memchr(s.p + 1, q, s.len - 1);
    return (size_t)(i - (s.p + 1)) == s.len - 2;
}

/* readValue into p->value. */
static cv_result read_value(ini_parse *p, cv_slice in)
{
    cv_buf_reset(&p->value);
    cv_slice line = cv_go_trim_left_space(in);
    if (line.len == 0) return cv_ok();
    const char *q = NULL;
    if (line.len > 3 && memcmp(line.p, "\"\"\"", 3) == 0) q = "\"\"\"";
    else if (line.p[0] == '`') q = "`";
    if (q != NULL) {
        size_t ql = strlen(q);
        cv_slice body = sub(line, ql, line.len);
        long pos = last_index_of(body, q, ql);
        if (pos < 0) {
            CV_GUARD(cv_buf_add(&p->value, body.p, body.len));
            return read_multilines(p, q);
        }
        return cv_buf_add(&p->value, body.p, (size_t)pos);
    }
    line = cv_go_trim_space(line);
    if (line.p[line.len - 1] == '\\') {
        CV_GUARD(cv_buf_add(&p->value, line.p, line.len - 1));
        return p->eof ? cv_ok() : read_continuation(p);
    }
    long i = index_any(line, "#;");
    if (i >= 0) {
        CV_GUARD(add_slice(&p->comment, sub(line, (size_t)i, line.len)));
        line = cv_go_trim_space(sub(line, 0, (size_t)i));
    }
    if (surrounded(line, '\'') || surrounded(line, '"')) line = sub(line, 1, line.len - 1);
    return cv_buf_add(&p->value, line.p, line.len);
}

static cv_result key_line(ini_parse *p, cv_slice line)
{
    cv_slice name;
    size_t off = 0;
    CV_GUARD(read_key_name(p, line, &name, &off));
    char auto_name[32];
    if (name.len == 1 && name.p[0] == '-') {
        ini_section *s = &p->secs[p->nsecs - 1];
        int n = snprintf(auto_name, sizeof(auto_name), "#%u", s->count++);
        name = cv_slice_of(auto_name, (size_t)n);
    }
    CV_GUARD(read_value(p, sub(line, off > line.len ? line.len : off, line.len)));
    return new_key(p, name, cv_buf_slice(&p->value));
}

static cv_result section_line(ini_parse *p, cv_slice line)
{
    long close = last_index_of(line, "]", 1);
    if (close < 0) return SYNTAX(p, "%zu: unclosed section", p->lineno);
    cv_slice name = sub(line, 1, (size_t)close);
    if (name.len == 0) return SYNTAX(p, "%zu: empty section name", p->lineno);
    CV_GUARD(new_section(p, name));
    cv_slice rest = sub(line, (size_t)close + 1, line.len);
    long c = index_any(rest, "#;");
    if (c >= 0) CV_GUARD(add_slice(&p->comment, sub(rest, (size_t)c, rest.len)));
    return take_comment(p, &p->secs[p->nsecs - 1].comment);
}

static cv_result parse_lines(ini_parse *p)
{
    cv_slice in = cv_reader_rest(&p->r);
    if (in.len >= 2 && ((in.p[0] == 0xFE && in.p[1] == 0xFF) || (in.p[0] == 0xFF && in.p[1] == 0xFE)))
        p->r.pos += 2;
    else if (in.len >= 3 && in.p[0] == 0xEF && in.p[1] == 0xBB && in.p[2] == 0xBF)
        p->r.pos += 3;
    CV_GUARD(new_section(p, cv_slice_str("DEFAULT")));
    while (!p->eof) {
        cv_slice line = cv_go_trim_left_space(read_line(p));
        if (line.len == 0) continue;
        if (line.p[0] == '#' || line.p[0] == ';') CV_GUARD(add_slice(&p->comment, line));
        else if (line.p[0] == '[') CV_GUARD(section_line(p, line));
        else CV_GUARD(key_line(p, line));
    }
    return cv_ok();
}

/* sops's stripCommentChar: the leading marker and spaces go. */
static cv_slice strip_comment(cv_slice c)
{
    if (c.len == 0 || (c.p[0] != ';' && c.p[0] != '#')) return c;
    uint8_t m = c.p[0];
    while (c.len > 0 && (c.p[0] == m || c.p[0] == ' ')) c.p++, c.len--;
    return c;
}

static cv_result add_comment(cv_doc *d, cv_node *map, cv_slice c)
{
    cv_node *k;
    c = strip_comment(c);
    CV_GUARD(cv_node_text(d, CV_NODE_COMMENT, c.p, c.len, &k));
    return cv_node_append(d, map, k, NULL);
}

static cv_result build_section(cv_doc *d, cv_node *branch, const ini_section *s)
{
    cv_node *map;
    CV_GUARD(cv_node_new(d, CV_NODE_MAP, &map));
    if (s->comment.len > 0) CV_GUARD(add_comment(d, map, s->comment));
    for (size_t i = 0; i < s->n; i++) {
        CV_GUARD(cv_node_append(d, map, s->keys[i].key, s->keys[i].value));
        if (s->keys[i].comment.len > 0) CV_GUARD(add_comment(d, map, s->keys[i].comment));
    }
    return cv_map_add(d, branch, (const char *)s->name.p, s->name.len, map);
}

cv_result cv_ini_load(cv_slice in, cv_doc *doc)
{
    CV_ENSUREF(in.len <= CV_DOC_MAX_INPUT, CV_E_TOO_LARGE, "INI: input over %u bytes",
               CV_DOC_MAX_INPUT);
    ini_parse p = { .r = cv_reader_of(in), .doc = doc };
    cv_buf_init_secret(&p.comment, CV_DOC_MAX_INPUT);
    cv_buf_init_secret(&p.value, CV_DOC_MAX_INPUT);
    cv_node *branch;
    cv_result r = parse_lines(&p);
    if (cv_is_ok(r)) r = cv_doc_add_branch(doc, &branch);
    for (size_t i = 0; cv_is_ok(r) && i < p.nsecs; i++) r = build_section(doc, branch, &p.secs[i]);
    cv_buf_release(&p.comment);
    cv_buf_release(&p.value);
    free(p.names.slots);
    return r;
}

/* ---- emitting: sops's encodeTree, then go-ini's writer ---------------- */

typedef struct {
    const cv_node *name, *value, *comment;
} emit_key;

typedef struct {
    const cv_node *name, *comment;
    emit_key *keys;
    size_t n, cap;
} emit_section;

typedef struct {
    emit_section *secs;
    size_t n, cap;
    ini_names names;
    cv_buf text; /* a non-string value as text (secret) */
} ini_emit;

static cv_result grow(void **items, size_t *cap, size_t need, size_t elem)
{
    size_t old = *cap;
    CV_GUARD(cv_grow_array(items, cap, need, elem, 8, SIZE_MAX));
    memset((uint8_t *)*items + old * elem, 0, (*cap - old) * elem);
    return cv_ok();
}

static cv_result section_key(ini_emit *e, emit_section *s, const cv_item *it, size_t *last)
{
    CV_ENSUREF(it->key->len > 0, CV_E_DOC_UNSUPPORTED, "INI: error encoding key: empty key name");
    uint32_t idx;
    bool fresh;
    CV_ENSURE(s->n < UINT32_MAX && e->n <= UINT32_MAX, CV_E_LIMIT);
    CV_GUARD(names_get(&e->names, (uint32_t)(e->n - 1), cv_slice_of(it->key->s, it->key->len),
                       (uint32_t)s->n, &idx, &fresh));
    if (fresh) {
        CV_GUARD(grow((void **)&s->keys, &s->cap, s->n + 1, sizeof(emit_key)));
        s->keys[s->n++].name = it->key;
    }
    s->keys[idx].value = it->value;
    *last = idx;
    return cv_ok();
}

/* One top-level item as a go-ini section: a leading comment is the
 * section's, a later one belongs to the key before it (the last wins). */
static cv_result collect_section(ini_emit *e, const cv_item *item)
{
    char q[96];
    cv_quote(q, sizeof(q), cv_slice_of(item->key->s, item->key->len));
    CV_ENSUREF(item->key->len > 0, CV_E_DOC_UNSUPPORTED, "INI: error encoding section %s", q);
    const cv_node *map = item->value;
    CV_ENSUREF(map != NULL && map->kind == CV_NODE_MAP, CV_E_DOC_UNSUPPORTED,
               "INI: section %s: section values should always be maps", q);
    CV_GUARD(grow((void **)&e->secs, &e->cap, e->n + 1, sizeof(emit_section)));
    emit_section *s = &e->secs[e->n++];
    s->name = item->key;
    size_t first = 0, last = SIZE_MAX;
    if (map->n > 0 && map->items[0].key->kind == CV_NODE_COMMENT) {
        s->comment = map->items[0].key;
        first = 1;
    }
    for (size_t i = first; i < map->n; i++) {
        const cv_item *it = &map->items[i];
        if (it->key->kind != CV_NODE_COMMENT) CV_GUARD(section_key(e, s, it, &last));
        else if (last != SIZE_MAX) s->keys[last].comment = it->key;
    }
    return cv_ok();
}

/* go-ini's multi-line comment writing; it indexes each line's first byte,
 * so an empty line crashes sops: refused here. */
static cv_result write_comment(cv_buf *out, const cv_node *c, bool trim_plain)
{
    if (c == NULL || c->len == 0) return cv_ok();
    cv_slice rest = cv_slice_of(c->s, c->len);
    for (;;) {
        const uint8_t *nl = memchr(rest.p, '\n', rest.len);
        cv_slice line = cv_slice_of(rest.p, nl ? (size_t)(nl - rest.p) : rest.len);
        CV_ENSUREF(line.len > 0, CV_E_DOC_UNSUPPORTED, "INI: comment with an empty line");
        if (line.p[0] != '#' && line.p[0] != ';') {
            CV_GUARD(cv_buf_add(out, "; ", 2));
            CV_GUARD(add_slice(out, trim_plain ? cv_go_trim_space(line) : line));
        } else {
            CV_GUARD(cv_buf_add(out, line.p, 1));
            CV_GUARD(cv_buf_add_byte(out, ' '));
            CV_GUARD(add_slice(out, cv_go_trim_space(sub(line, 1, line.len))));
        }
        CV_GUARD(cv_buf_add_byte(out, '\n'));
        if (nl == NULL) return cv_ok();
        rest = sub(rest, line.len + 1, rest.len);
    }
}

static bool has_any(cv_slice s, const char *set)
{
    return index_any(s, set) >= 0;
}

/* How go-ini quotes a key name: 1 = `k`, 2 = """k""", 0 = bare. */
static int key_quoting(const cv_node *k)
{
    cv_slice s = cv_slice_of(k->s, k->len);
    if (has_any(s, "\"=:")) return 1;
    return has_any(s, "`") ? 2 : 0;
}

static size_t key_width(const cv_node *k)
{
    static const size_t extra[] = { 0, 2, 6 };
    return k->len + extra[key_quoting(k)];
}

static cv_result write_key(cv_buf *out, const cv_node *k, size_t align)
{
    static const char *const q[] = { "", "`", "\"\"\"" };
    int how = key_quoting(k);
    CV_GUARD(cv_buf_add_str(out, q[how]));
    CV_GUARD(cv_buf_add(out, k->s, k->len));
    CV_GUARD(cv_buf_add_str(out, q[how]));
    for (size_t w = key_width(k); w < align; w++) CV_GUARD(cv_buf_add_byte(out, ' '));
    return cv_buf_add(out, " = ", 3);
}

static cv_result write_value(ini_emit *e, cv_buf *out, const cv_node *v)
{
    cv_slice s;
    if (v != NULL && v->kind == CV_NODE_STR) {
        s = cv_slice_of(v->s, v->len);
    } else {
        cv_buf_reset(&e->text);
        if (v == NULL) CV_GUARD(cv_buf_add_str(&e->text, "<nil>"));
        else CV_GUARD(cv_go_val_string(v, &e->text));
        s = cv_buf_slice(&e->text);
    }
    const char *q = "";
    if (has_any(s, "\n`")) q = "\"\"\"";
    else if (has_any(s, "#;")) q = "`";
    else if (cv_go_trim_space(s).len != s.len) q = "\"";
    CV_GUARD(cv_buf_add_str(out, q));
    CV_GUARD(add_slice(out, s));
    CV_GUARD(cv_buf_add_str(out, q));
    return cv_buf_add_byte(out, '\n');
}

static bool is_default(const cv_node *name)
{
    return name->len == 7 && strncasecmp(name->s, "DEFAULT", 7) == 0;
}

static cv_result write_section(ini_emit *e, cv_buf *out, size_t i)
{
    const emit_section *s = &e->secs[i];
    CV_GUARD(write_comment(out, s->comment, false));
    if (i > 0 || !is_default(s->name)) {
        CV_GUARD(cv_buf_add_byte(out, '['));
        CV_GUARD(cv_buf_add(out, s->name->s, s->name->len));
        CV_GUARD(cv_buf_add(out, "]\n", 2));
    } else if (s->n == 0) {
        return cv_ok();
    }
    size_t align = 0;
    for (size_t k = 0; k < s->n; k++)
        if (key_width(s->keys[k].name) > align) align = key_width(s->keys[k].name);
    for (size_t k = 0; k < s->n; k++) {
        CV_GUARD(write_comment(out, s->keys[k].comment, true));
        CV_GUARD(write_key(out, s->keys[k].name, align));
        CV_GUARD(write_value(e, out, s->keys[k].value));
    }
    return i + 1 < e->n ? cv_buf_add_byte(out, '\n') : cv_ok();
}

static cv_result emit_all(ini_emit *e, const cv_doc *doc, cv_buf *out)
{
    for (size_t b = 0; b < doc->n; b++) {
        const cv_node *br = doc->branches[b];
        for (size_t i = 0; i < br->n; i++)
            if (br->items[i].key->kind != CV_NODE_COMMENT)
                CV_GUARD(collect_section(e, &br->items[i]));
    }
    for (size_t i = 0; i < e->n; i++) CV_GUARD(write_section(e, out, i));
    return cv_ok();
}

cv_result cv_ini_emit(const cv_doc *doc, int indent, cv_buf *out)
{
    (void)indent;
    ini_emit e = { 0 };
    cv_buf_init_secret(&e.text, CV_DOC_MAX_INPUT);
    cv_result r = emit_all(&e, doc, out);
    for (size_t i = 0; i < e.n; i++) free(e.secs[i].keys);
    free(e.secs);
    free(e.names.slots);
    cv_buf_release(&e.text);
    return r;
}

cv_result cv_ini_emit_value(const cv_node *n, int indent, cv_buf *out)
{
    (void)indent;
    return cv_json_marshal_go(n, out);
}
