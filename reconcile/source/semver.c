/* Masterminds/semver v3 versions and constraints (see semver.h). The Go
 * library is driven by regular expressions; each one is written here as a
 * small scanner that consumes what the leftmost-first, greedy expression
 * would. The grammar is unambiguous enough that greedy scanning is exact:
 * no part of a version can contain white space, commas or operator
 * characters, so a version always ends where those begin. */
#include "reconcile/source/semver.h"

#include <string.h>

#include "crypto/base/mem.h"

/* Operators, in the order Masterminds lists them. */
typedef enum { OP_EQ, OP_NE, OP_GT, OP_LT, OP_GE, OP_LE, OP_TILDE, OP_CARET } op_kind;

typedef struct {
    op_kind op;
    cv_semver con;
    bool dirty, minor_dirty, patch_dirty;
} term;

struct cv_semver_range {
    term *terms;
    size_t nterms;
    size_t *group_end; /* terms of group g: [group_end[g-1], group_end[g]) */
    bool *group_pre;   /* the group names a prerelease: prereleases may match */
    size_t ngroups;
};

/* Offsets of the parts of a version-like text (`cvRegex` in Masterminds):
 * [start, end) of the major digits, ".minor", ".patch", "-pre", "+meta";
 * empty parts have start == end. */
typedef struct {
    size_t major[2], minor[2], patch[2], pre[2], meta[2], end;
} cv_parts;

static bool is_ws(uint8_t c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}
static bool is_digit(uint8_t c) { return c >= '0' && c <= '9'; }
static bool is_ident(uint8_t c)
{
    return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-';
}
/* The constraint number class [0-9|x|X|\*] (the '|' is literal there). */
static bool is_xnum(uint8_t c) { return is_digit(c) || c == 'x' || c == 'X' || c == '*' || c == '|'; }

static size_t span(const uint8_t *s, size_t n, size_t i, bool (*cls)(uint8_t))
{
    while (i < n && cls(s[i])) i++;
    return i;
}

/* "(SEP class+)?" at i: the end of the group, or i when it does not match. */
static size_t opt_group(const uint8_t *s, size_t n, size_t i, uint8_t sep, bool (*cls)(uint8_t))
{
    if (i + 1 < n && s[i] == sep && cls(s[i + 1])) return span(s, n, i + 1, cls);
    return i;
}

/* "(SEP ident+(\.ident+)*)?" at i. */
static size_t opt_dotted(const uint8_t *s, size_t n, size_t i, uint8_t sep)
{
    size_t j = opt_group(s, n, i, sep, is_ident);
    if (j == i) return i;
    for (;;) {
        size_t k = opt_group(s, n, j, '.', is_ident);
        if (k == j) return j;
        j = k;
    }
}

/* Greedy match of a version-like text at i with number class `num`; false
 * when not even the major number matches. */
static bool scan_parts(const uint8_t *s, size_t n, size_t i, bool (*num)(uint8_t), cv_parts *p)
{
    if (i + 1 < n && s[i] == 'v' && num(s[i + 1])) i++;
    if (i >= n || !num(s[i])) return false;
    p->major[0] = i;
    i = p->major[1] = span(s, n, i, num);
    p->minor[0] = i;
    i = p->minor[1] = opt_group(s, n, i, '.', num);
    p->patch[0] = i;
    i = p->patch[1] = opt_group(s, n, i, '.', num);
    p->pre[0] = i;
    i = p->pre[1] = opt_dotted(s, n, i, '-');
    p->meta[0] = i;
    i = p->meta[1] = opt_dotted(s, n, i, '+');
    p->end = i;
    return true;
}

/* strconv.ParseUint(s, 10, 64). */
static bool parse_u64(const uint8_t *s, size_t n, uint64_t *out)
{
    uint64_t v = 0;
    if (n == 0) return false;
    for (size_t i = 0; i < n; i++) {
        if (!is_digit(s[i])) return false;
        uint64_t d = (uint64_t)(s[i] - '0');
        if (v > (UINT64_MAX - d) / 10) return false;
        v = v * 10 + d;
    }
    *out = v;
    return true;
}

/* validatePrerelease: numeric identifiers have no leading zero. */
static bool valid_pre(const uint8_t *s, size_t n)
{
    size_t i = 0;
    while (i <= n) {
        size_t j = i;
        bool numeric = true;
        while (j < n && s[j] != '.') numeric = numeric && is_digit(s[j]), j++;
        if (j == i) return false;
        if (numeric && j - i > 1 && s[i] == '0') return false;
        i = j + 1;
    }
    return true;
}

cv_result cv_semver_parse(cv_slice s, cv_semver *out)
{
    CV_ENSUREF(s.len <= CV_SEMVER_MAX_VERSION, CV_E_TOO_LARGE, "version string is too long");
    cv_parts p;
    CV_ENSUREF(scan_parts(s.p, s.len, 0, is_digit, &p) && p.end == s.len, CV_E_SYNTAX,
               "invalid semantic version: %.*s", (int)s.len, (const char *)s.p);
    memset(out, 0, sizeof(*out));
    bool ok = parse_u64(s.p + p.major[0], p.major[1] - p.major[0], &out->major);
    out->minor = out->patch = 0;
    if (p.minor[1] > p.minor[0])
        ok = ok && parse_u64(s.p + p.minor[0] + 1, p.minor[1] - p.minor[0] - 1, &out->minor);
    if (p.patch[1] > p.patch[0])
        ok = ok && parse_u64(s.p + p.patch[0] + 1, p.patch[1] - p.patch[0] - 1, &out->patch);
    if (p.pre[1] > p.pre[0]) {
        out->pre_len = p.pre[1] - p.pre[0] - 1;
        memcpy(out->pre, s.p + p.pre[0] + 1, out->pre_len);
        ok = ok && valid_pre(s.p + p.pre[0] + 1, out->pre_len);
    }
    CV_ENSUREF(ok, CV_E_SYNTAX, "invalid semantic version: %.*s", (int)s.len, (const char *)s.p);
    return cv_ok();
}

cv_result cv_semver_parse_tag(cv_slice s, cv_semver *out)
{
    size_t dots = 0;
    for (size_t i = 0; i < s.len; i++) dots += s.p[i] == '.';
    CV_ENSUREF(dots >= 2, CV_E_SYNTAX, "invalid semantic version: %.*s", (int)s.len,
               (const char *)s.p);
    return cv_semver_parse(s, out);
}

static int cmp_u64(uint64_t a, uint64_t b) { return a < b ? -1 : a > b; }

/* One prerelease identifier each (either may be empty, meaning absent). */
static int cmp_ident(cv_slice a, cv_slice b)
{
    if (cv_slice_eq(a, b)) return 0;
    if (a.len == 0) return -1;
    if (b.len == 0) return 1;
    uint64_t x, y;
    bool an = parse_u64(a.p, a.len, &x), bn = parse_u64(b.p, b.len, &y);
    if (!an && !bn) {
        size_t m = a.len < b.len ? a.len : b.len;
        int c = memcmp(a.p, b.p, m);
        if (c != 0) return c < 0 ? -1 : 1;
        return a.len < b.len ? -1 : 1;
    }
    if (!bn) return -1;
    if (!an) return 1;
    return x > y ? 1 : -1;
}

static cv_slice next_ident(cv_slice s, size_t *pos)
{
    if (*pos > s.len) return cv_slice_of(s.p, 0);
    size_t j = *pos;
    while (j < s.len && s.p[j] != '.') j++;
    cv_slice r = cv_slice_of(s.p + *pos, j - *pos);
    *pos = j + 1;
    return r;
}

static int cmp_pre(cv_slice a, cv_slice b)
{
    size_t pa = 0, pb = 0;
    while (pa <= a.len || pb <= b.len) {
        int c = cmp_ident(next_ident(a, &pa), next_ident(b, &pb));
        if (c != 0) return c;
    }
    return 0;
}

int cv_semver_cmp(const cv_semver *a, const cv_semver *b)
{
    int c = cmp_u64(a->major, b->major);
    if (c == 0) c = cmp_u64(a->minor, b->minor);
    if (c == 0) c = cmp_u64(a->patch, b->patch);
    if (c != 0) return c;
    if (a->pre_len == 0 && b->pre_len == 0) return 0;
    if (a->pre_len == 0) return 1;
    if (b->pre_len == 0) return -1;
    return cmp_pre(cv_slice_of(a->pre, a->pre_len), cv_slice_of(b->pre, b->pre_len));
}

/* ---- constraints ---- */

static bool is_x(const uint8_t *s, size_t n)
{
    return n == 1 && (s[0] == 'x' || s[0] == 'X' || s[0] == '*');
}

static bool parse_op(cv_slice s, op_kind *op)
{
    static const struct {
        const char *text;
        op_kind op;
    } ops[] = { { "", OP_EQ },  { "=", OP_EQ },  { "!=", OP_NE },    { ">", OP_GT },
                { "<", OP_LT }, { ">=", OP_GE }, { "=>", OP_GE },    { "<=", OP_LE },
                { "=<", OP_LE }, { "~", OP_TILDE }, { "~>", OP_TILDE }, { "^", OP_CARET } };
    for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
        if (cv_slice_eq_str(s, ops[i].text)) {
            *op = ops[i].op;
            return true;
        }
    return false;
}

static bool is_opchar(uint8_t c)
{
    return c == '=' || c == '!' || c == '<' || c == '>' || c == '~' || c == '^';
}

/* Build the version text parseConstraint hands to NewVersion and parse it. */
static cv_result term_version(const uint8_t *s, const cv_parts *p, term *t)
{
    char v[CV_SEMVER_MAX_CONSTRAINT * 4];
    const uint8_t *pre = s + p->pre[0];
    int prelen = (int)(p->pre[1] - p->pre[0]);
    int n;
    const uint8_t *mi = s + p->minor[0], *pa = s + p->patch[0];
    size_t milen = p->minor[1] - p->minor[0], palen = p->patch[1] - p->patch[0];
    if (is_x(s + p->major[0], p->major[1] - p->major[0])) {
        t->dirty = true;
        n = snprintf(v, sizeof(v), "0.0.0%.*s", prelen, (const char *)pre);
    } else if (milen == 0 || is_x(mi + 1, milen - 1)) {
        t->dirty = t->minor_dirty = true;
        n = snprintf(v, sizeof(v), "%.*s.0.0%.*s", (int)(p->major[1] - p->major[0]),
                     (const char *)s + p->major[0], prelen, (const char *)pre);
    } else if (palen == 0 || is_x(pa + 1, palen - 1)) {
        t->dirty = t->patch_dirty = true;
        n = snprintf(v, sizeof(v), "%.*s%.*s.0%.*s", (int)(p->major[1] - p->major[0]),
                     (const char *)s + p->major[0], (int)milen, (const char *)mi, prelen,
                     (const char *)pre);
    } else {
        n = 0;
    }
    cv_slice text = n > 0 ? cv_slice_of(v, (size_t)n) : cv_slice_of(s, p->end);
    CV_ENSURE(n >= 0 && (size_t)n < sizeof(v), CV_E_INTERNAL);
    cv_result r = cv_semver_parse(text, &t->con);
    CV_ENSUREF(cv_is_ok(r), CV_E_SEMVER, "constraint parser error");
    return cv_ok();
}

static size_t skip_ws(cv_slice s, size_t i)
{
    while (i < s.len && is_ws(s.p[i])) i++;
    return i;
}

/* One "op ws* version" term at *pos; the version runs to the next white
 * space or comma and must be entirely version-like. */
static cv_result parse_term(cv_slice s, size_t *pos, term *t)
{
    size_t i = *pos, o = i;
    while (i < s.len && is_opchar(s.p[i])) i++;
    memset(t, 0, sizeof(*t));
    CV_ENSUREF(parse_op(cv_slice_of(s.p + o, i - o), &t->op), CV_E_SEMVER,
               "improper constraint: %.*s", (int)s.len, (const char *)s.p);
    i = skip_ws(s, i);
    size_t tok = i;
    while (i < s.len && !is_ws(s.p[i]) && s.p[i] != ',') i++;
    cv_parts p;
    bool ok = i > tok && scan_parts(s.p + tok, i - tok, 0, is_xnum, &p) && p.end == i - tok;
    CV_ENSUREF(ok, CV_E_SEMVER, "improper constraint: %.*s", (int)s.len, (const char *)s.p);
    *pos = i;
    return term_version(s.p + tok, &p, t);
}

static cv_result add_term(cv_semver_range *r, const term *t, size_t *cap)
{
    CV_ENSURE(r->nterms < CV_SEMVER_MAX_TERMS, CV_E_LIMIT);
    CV_GUARD(cv_grow_array((void **)&r->terms, cap, r->nterms + 1, sizeof(term), 8, CV_SEMVER_MAX_TERMS));
    r->terms[r->nterms++] = *t;
    return cv_ok();
}

/* One "||" group: terms separated by white space or one comma. */
static cv_result parse_group(cv_semver_range *r, cv_slice s, size_t *cap)
{
    size_t i = skip_ws(s, 0);
    bool pre = false;
    for (;;) {
        term t;
        CV_GUARD(parse_term(s, &i, &t));
        pre = pre || t.con.pre_len > 0;
        CV_GUARD(add_term(r, &t, cap));
        size_t j = skip_ws(s, i);
        if (j == s.len) break;
        if (s.p[j] == ',') j = skip_ws(s, j + 1);
        else CV_ENSUREF(j > i, CV_E_SEMVER, "improper constraint: %.*s", (int)s.len,
                        (const char *)s.p);
        i = j;
    }
    r->group_end[r->ngroups] = r->nterms;
    r->group_pre[r->ngroups++] = pre;
    return cv_ok();
}

/* A "A - B" range at i (rewriteRange's expression): its end, or 0. */
static size_t match_range(cv_slice s, size_t i, cv_slice *a, cv_slice *b)
{
    cv_parts p;
    size_t j = skip_ws(s, i);
    if (!scan_parts(s.p, s.len, j, is_xnum, &p)) return 0;
    *a = cv_slice_of(s.p + j, p.end - j);
    size_t k = skip_ws(s, p.end);
    if (k == p.end || k >= s.len || s.p[k] != '-') return 0;
    size_t m = skip_ws(s, k + 1);
    if (m == k + 1 || !scan_parts(s.p, s.len, m, is_xnum, &p)) return 0;
    *b = cv_slice_of(s.p + m, p.end - m);
    return skip_ws(s, p.end);
}

/* strings.Replace(o, old, new, 1) on a buffer. */
static cv_result replace_first(cv_buf *o, cv_slice old, cv_slice rep)
{
    for (size_t i = 0; i + old.len <= o->len; i++) {
        if (memcmp(o->p + i, old.p, old.len) != 0) continue;
        cv_buf n;
        cv_buf_init(&n, o->max);
        cv_result r = cv_buf_add(&n, o->p, i);
        if (cv_is_ok(r)) r = cv_buf_add(&n, rep.p, rep.len);
        if (cv_is_ok(r)) r = cv_buf_add(&n, o->p + i + old.len, o->len - i - old.len);
        cv_buf_release(o);
        *o = n;
        return r;
    }
    return cv_ok();
}

/* rewriteRange: every "A - B" becomes ">= A, <= B ", matches found on the
 * original text and replaced at their first occurrence in the result. */
static cv_result rewrite_ranges(cv_slice s, cv_buf *o)
{
    CV_GUARD(cv_buf_add(o, s.p, s.len));
    size_t i = 0;
    while (i < s.len) {
        cv_slice a, b;
        size_t end = match_range(s, i, &a, &b);
        if (end == 0) {
            i++;
            continue;
        }
        char rep[CV_SEMVER_MAX_CONSTRAINT * 2 + 16];
        int n = snprintf(rep, sizeof(rep), ">= %.*s, <= %.*s ", (int)a.len, (const char *)a.p,
                         (int)b.len, (const char *)b.p);
        CV_ENSURE(n > 0 && (size_t)n < sizeof(rep), CV_E_INTERNAL);
        CV_GUARD(replace_first(o, cv_slice_of(s.p + i, end - i), cv_slice_of(rep, (size_t)n)));
        i = end;
    }
    return cv_ok();
}

static cv_result parse_groups(cv_semver_range *r, cv_slice s)
{
    size_t n = 1, cap = 0;
    for (size_t i = 0; i + 1 < s.len; i++)
        if (s.p[i] == '|' && s.p[i + 1] == '|') n++, i++;
    CV_ENSUREF(n <= CV_SEMVER_MAX_GROUPS, CV_E_SEMVER, "too many constraint groups");
    r->group_end = calloc(n, sizeof(size_t));
    r->group_pre = calloc(n, sizeof(bool));
    CV_ENSURE(r->group_end && r->group_pre, CV_E_NOMEM);
    size_t start = 0;
    for (size_t i = 0; i <= s.len; i++) {
        if (i < s.len && !(i + 1 < s.len && s.p[i] == '|' && s.p[i + 1] == '|')) continue;
        CV_GUARD(parse_group(r, cv_slice_of(s.p + start, i - start), &cap));
        start = i + 2;
        i++;
    }
    return cv_ok();
}

cv_result cv_semver_range_parse(cv_slice s, cv_semver_range **out)
{
    CV_ENSUREF(s.len <= CV_SEMVER_MAX_CONSTRAINT, CV_E_TOO_LARGE,
               "constraint string is too long");
    cv_semver_range *r = calloc(1, sizeof(*r));
    CV_ENSURE(r != NULL, CV_E_NOMEM);
    cv_buf o;
    cv_buf_init(&o, CV_SEMVER_MAX_CONSTRAINT * 4);
    cv_result res = rewrite_ranges(s, &o);
    if (cv_is_ok(res)) res = cv_buf_nul(&o); /* never a NULL slice, even when empty */
    if (cv_is_ok(res)) res = parse_groups(r, cv_buf_slice(&o));
    cv_buf_release(&o);
    if (!cv_is_ok(res)) {
        cv_semver_range_free(&r);
        return res;
    }
    *out = r;
    return cv_ok();
}

void cv_semver_range_free(cv_semver_range **r)
{
    if (r == NULL || *r == NULL) return;
    free((*r)->terms);
    free((*r)->group_end);
    free((*r)->group_pre);
    free(*r);
    *r = NULL;
}

/* ---- checks: one function per Masterminds operator ---- */

static bool check_tilde(const cv_semver *v, const term *t)
{
    const cv_semver *c = &t->con;
    if (cv_semver_cmp(v, c) < 0) return false;
    if (c->major == 0 && c->minor == 0 && c->patch == 0 && !t->minor_dirty && !t->patch_dirty)
        return true;
    if (v->major != c->major) return false;
    return v->minor == c->minor || t->minor_dirty;
}

static bool check_ne(const cv_semver *v, const term *t)
{
    const cv_semver *c = &t->con;
    if (t->dirty) {
        if (c->major != v->major) return true;
        if (c->minor != v->minor && !t->minor_dirty) return true;
        if (t->minor_dirty) return false;
        if (c->patch != v->patch && !t->patch_dirty) return true;
        if (t->patch_dirty) {
            if (v->pre_len == 0 && c->pre_len == 0) return false;
            return cmp_pre(cv_slice_of(v->pre, v->pre_len), cv_slice_of(c->pre, c->pre_len)) != 0;
        }
    }
    return cv_semver_cmp(v, c) != 0;
}

static bool check_gt(const cv_semver *v, const term *t)
{
    const cv_semver *c = &t->con;
    if (!t->dirty) return cv_semver_cmp(v, c) > 0;
    if (v->major != c->major) return v->major > c->major;
    if (t->minor_dirty) return false;
    if (t->patch_dirty) return v->minor > c->minor;
    return cv_semver_cmp(v, c) > 0;
}

static bool check_le(const cv_semver *v, const term *t)
{
    const cv_semver *c = &t->con;
    if (!t->dirty) return cv_semver_cmp(v, c) <= 0;
    if (v->major > c->major) return false;
    return !(v->major == c->major && v->minor > c->minor && !t->minor_dirty);
}

static bool check_caret(const cv_semver *v, const term *t)
{
    const cv_semver *c = &t->con;
    if (cv_semver_cmp(v, c) < 0) return false;
    if (c->major > 0 || t->minor_dirty) return v->major == c->major;
    if (v->major > 0) return false;
    if (c->minor > 0 || t->patch_dirty) return v->minor == c->minor;
    if (v->minor > 0) return false;
    return c->patch == v->patch;
}

static bool check_term(const term *t, const cv_semver *v, bool include_pre)
{
    if (v->pre_len > 0 && !include_pre) return false;
    switch (t->op) {
    case OP_EQ: return t->dirty ? check_tilde(v, t) : cv_semver_cmp(v, &t->con) == 0;
    case OP_NE: return check_ne(v, t);
    case OP_GT: return check_gt(v, t);
    case OP_LT: return cv_semver_cmp(v, &t->con) < 0;
    case OP_GE: return cv_semver_cmp(v, &t->con) >= 0;
    case OP_LE: return check_le(v, t);
    case OP_TILDE: return check_tilde(v, t);
    case OP_CARET: return check_caret(v, t);
    }
    return false;
}

bool cv_semver_range_check(const cv_semver_range *r, const cv_semver *v)
{
    size_t start = 0;
    for (size_t g = 0; g < r->ngroups; g++) {
        bool all = true;
        for (size_t i = start; i < r->group_end[g] && all; i++)
            all = check_term(&r->terms[i], v, r->group_pre[g]);
        if (all) return true;
        start = r->group_end[g];
    }
    return false;
}
