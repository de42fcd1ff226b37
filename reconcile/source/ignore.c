/* Flux's ignore matcher (see ignore.h). Paths are walked with a cursor over
 * their '/'-separated components instead of being split into arrays, so a
 * match allocates nothing. */
#include "reconcile/source/ignore.h"

#include <string.h>

#include "crypto/base/limits.h"
#include "crypto/base/mem.h"

typedef struct {
    cv_slice raw, domain_raw; /* as given, for cv_ignore_append */
    cv_slice *parts;          /* the pattern split on '/' */
    uint8_t *kinds;           /* per part: how glob_part may match it */
    size_t nparts;
    cv_slice *domain;
    size_t ndomain;
    bool inclusion, dir_only, is_glob;
    void *block; /* owns everything above */
} pattern;

struct cv_ignore {
    pattern *v;
    size_t n, cap, bytes;
};

typedef enum { NO_MATCH, EXCLUDE, INCLUDE } match_result;

/* ---- Go's path/filepath.Match ---- */

#define RUNE_ERROR 0xFFFDu

/* utf8.DecodeRuneInString: invalid input decodes as (RUNE_ERROR, 1). */
static uint32_t decode_rune(cv_slice s, size_t *n)
{
    const uint8_t *p = s.p;
    uint8_t b = p[0];
    *n = 1;
    if (b < 0x80) return b;
    size_t need = b >= 0xC2 && b <= 0xDF ? 2 : b >= 0xE0 && b <= 0xEF ? 3 : b >= 0xF0 && b <= 0xF4 ? 4 : 0;
    if (need == 0 || s.len < need) return RUNE_ERROR;
    uint8_t lo = 0x80, hi = 0xBF;
    if (b == 0xE0) lo = 0xA0;
    if (b == 0xED) hi = 0x9F;
    if (b == 0xF0) lo = 0x90;
    if (b == 0xF4) hi = 0x8F;
    if (p[1] < lo || p[1] > hi) return RUNE_ERROR;
    for (size_t i = 2; i < need; i++)
        if (p[i] < 0x80 || p[i] > 0xBF) return RUNE_ERROR;
    uint32_t r = need == 2 ? b & 0x1Fu : need == 3 ? b & 0x0Fu : b & 0x07u;
    for (size_t i = 1; i < need; i++) r = (r << 6) | (p[i] & 0x3Fu);
    *n = need;
    return r;
}

static cv_slice drop(cv_slice s, size_t n) { return cv_slice_of(s.p + n, s.len - n); }

/* getEsc: one (possibly escaped) character of a class. */
static bool class_char(cv_slice *chunk, uint32_t *r)
{
    cv_slice c = *chunk;
    if (c.len == 0 || c.p[0] == '-' || c.p[0] == ']') return false;
    if (c.p[0] == '\\') {
        c = drop(c, 1);
        if (c.len == 0) return false;
    }
    size_t n;
    *r = decode_rune(c, &n);
    if (*r == RUNE_ERROR && n == 1) return false;
    *chunk = drop(c, n);
    return chunk->len > 0;
}

/* A "[...]" class at the head of *chunk against rune r; false on a
 * malformed class. */
static bool match_class(cv_slice *chunk, uint32_t r, bool *matched)
{
    cv_slice c = drop(*chunk, 1);
    bool negated = c.len > 0 && c.p[0] == '^';
    if (negated) c = drop(c, 1);
    bool match = false;
    for (size_t nrange = 0;; nrange++) {
        if (c.len > 0 && c.p[0] == ']' && nrange > 0) {
            c = drop(c, 1);
            break;
        }
        uint32_t lo, hi;
        if (!class_char(&c, &lo)) return false;
        hi = lo;
        if (c.p[0] == '-') {
            c = drop(c, 1);
            if (!class_char(&c, &hi)) return false;
        }
        match = match || (lo <= r && r <= hi);
    }
    *chunk = c;
    *matched = match != negated;
    return true;
}

typedef enum { CHUNK_FAIL, CHUNK_OK, CHUNK_BAD } chunk_result;

/* matchChunk: the chunk (no '*') against the head of *s. */
static chunk_result match_chunk(cv_slice chunk, cv_slice *s)
{
    bool failed = false;
    cv_slice t = *s;
    while (chunk.len > 0) {
        failed = failed || t.len == 0;
        uint8_t c = chunk.p[0];
        if (c == '[') {
            uint32_t r = 0;
            size_t n = 0;
            if (!failed) r = decode_rune(t, &n), t = drop(t, n);
            bool m;
            if (!match_class(&chunk, r, &m)) return CHUNK_BAD;
            failed = failed || !m;
            continue;
        }
        if (c == '?') {
            if (!failed) {
                size_t n;
                failed = t.p[0] == '/';
                (void)decode_rune(t, &n);
                t = drop(t, n);
            }
            chunk = drop(chunk, 1);
            continue;
        }
        if (c == '\\') {
            chunk = drop(chunk, 1);
            if (chunk.len == 0) return CHUNK_BAD;
        }
        if (!failed) failed = chunk.p[0] != t.p[0], t = drop(t, 1);
        chunk = drop(chunk, 1);
    }
    if (failed) return CHUNK_FAIL;
    *s = t;
    return CHUNK_OK;
}

/* scanChunk: leading stars, then the chunk up to the next unbracketed '*'. */
static bool scan_chunk(cv_slice *pat, cv_slice *chunk)
{
    bool star = false;
    while (pat->len > 0 && pat->p[0] == '*') *pat = drop(*pat, 1), star = true;
    bool inrange = false;
    size_t i = 0;
    for (; i < pat->len; i++) {
        uint8_t c = pat->p[i];
        if (c == '\\' && i + 1 < pat->len) i++;
        else if (c == '[') inrange = true;
        else if (c == ']') inrange = false;
        else if (c == '*' && !inrange) break;
    }
    *chunk = cv_slice_of(pat->p, i);
    *pat = drop(*pat, i);
    return star;
}

/* After a star: try the chunk at every later offset of *name. */
static chunk_result star_search(cv_slice chunk, cv_slice rest, cv_slice *name)
{
    for (size_t i = 0; i < name->len && name->p[i] != '/'; i++) {
        cv_slice t = drop(*name, i + 1);
        chunk_result r = match_chunk(chunk, &t);
        if (r == CHUNK_OK) {
            if (rest.len == 0 && t.len > 0) continue;
            *name = t;
            return CHUNK_OK;
        }
        if (r == CHUNK_BAD) return CHUNK_BAD;
    }
    return CHUNK_FAIL;
}

bool cv_ignore_glob(cv_slice pat, cv_slice name, bool *bad)
{
    *bad = false;
    while (pat.len > 0) {
        cv_slice chunk;
        bool star = scan_chunk(&pat, &chunk);
        if (star && chunk.len == 0) return name.len == 0 || memchr(name.p, '/', name.len) == NULL;
        cv_slice t = name;
        chunk_result r = match_chunk(chunk, &t);
        if (r == CHUNK_OK && (t.len == 0 || pat.len > 0)) {
            name = t;
            continue;
        }
        if (r != CHUNK_BAD && star) r = star_search(chunk, pat, &name);
        if (r == CHUNK_OK) continue;
        *bad = r == CHUNK_BAD;
        return false;
    }
    return name.len == 0;
}

/* ---- paths as component cursors ---- */

typedef struct {
    cv_slice s;
    size_t pos; /* start of the next component; > s.len when exhausted */
} path_it;

static path_it path_of(cv_slice s) { return (path_it){ s, s.len == 0 ? 1 : 0 }; }
static bool path_empty(const path_it *it) { return it->pos > it->s.len; }

static cv_slice path_next(path_it *it)
{
    size_t j = it->pos;
    while (j < it->s.len && it->s.p[j] != '/') j++;
    cv_slice c = cv_slice_of(it->s.p + it->pos, j - it->pos);
    it->pos = j + 1;
    return c;
}

/* Most patterns are plain names or "*.ext": Go's Match reduces to byte
 * equality and to a suffix test for those, so they skip the general
 * matcher (the defaults alone are 20 such patterns per path component). */
typedef enum { PART_GLOB, PART_LITERAL, PART_STAR_SUFFIX } part_kind;

static bool has_meta(cv_slice s)
{
    for (size_t i = 0; i < s.len; i++)
        if (s.p[i] == '*' || s.p[i] == '?' || s.p[i] == '[' || s.p[i] == '\\') return true;
    return false;
}

static uint8_t part_kind_of(cv_slice s)
{
    if (!has_meta(s)) return PART_LITERAL;
    if (s.len > 1 && s.p[0] == '*' && !has_meta(cv_slice_of(s.p + 1, s.len - 1)))
        return PART_STAR_SUFFIX;
    return PART_GLOB;
}

static bool glob_part(const pattern *p, size_t i, cv_slice name, bool *bad)
{
    cv_slice pat = p->parts[i];
    *bad = false;
    if (p->kinds[i] == PART_LITERAL) return cv_slice_eq(pat, name);
    if (p->kinds[i] == PART_STAR_SUFFIX) {
        size_t n = pat.len - 1;
        return name.len >= n && memcmp(name.p + name.len - n, pat.p + 1, n) == 0 &&
               memchr(name.p, '/', name.len - n) == NULL;
    }
    return cv_ignore_glob(pat, name, bad);
}

static bool simple_name_match(const pattern *p, path_it it, bool is_dir)
{
    while (!path_empty(&it)) {
        bool bad;
        cv_slice name = path_next(&it);
        bool m = glob_part(p, 0, name, &bad);
        if (bad) return false;
        if (!m) continue;
        return !(p->dir_only && !is_dir && path_empty(&it));
    }
    return false;
}

static bool is_star2(cv_slice s) { return s.len == 2 && s.p[0] == '*' && s.p[1] == '*'; }
static bool has_star2(cv_slice s)
{
    for (size_t i = 0; i + 1 < s.len; i++)
        if (s.p[i] == '*' && s.p[i + 1] == '*') return true;
    return false;
}

/* Skip components until one matches pat ("**" before it). */
static bool traverse(const pattern *p, size_t part, path_it *it, bool *matched)
{
    while (!path_empty(it)) {
        bool bad;
        bool m = glob_part(p, part, path_next(it), &bad);
        if (bad) return false;
        if (m) {
            *matched = true;
            return true;
        }
        if (path_empty(it)) *matched = false;
    }
    return true;
}

static bool glob_match(const pattern *p, path_it it, bool is_dir)
{
    bool matched = false, can_traverse = false;
    for (size_t i = 0; i < p->nparts; i++) {
        cv_slice pat = p->parts[i];
        if (pat.len == 0) {
            can_traverse = false;
            continue;
        }
        if (is_star2(pat)) {
            if (i == p->nparts - 1) break;
            can_traverse = true;
            continue;
        }
        if (has_star2(pat) || path_empty(&it)) return false;
        if (can_traverse) {
            can_traverse = false;
            if (!traverse(p, i, &it, &matched)) return false;
            continue;
        }
        bool bad;
        if (!glob_part(p, i, path_next(&it), &bad)) return false;
        matched = true;
    }
    if (matched && p->dir_only && !is_dir && path_empty(&it)) matched = false;
    return matched;
}

static match_result pattern_match(const pattern *p, cv_slice path, bool is_dir)
{
    path_it it = path_of(path);
    for (size_t i = 0; i < p->ndomain; i++) {
        if (path_empty(&it)) return NO_MATCH;
        if (!cv_slice_eq(path_next(&it), p->domain[i])) return NO_MATCH;
    }
    if (path_empty(&it)) return NO_MATCH;
    bool m = p->is_glob ? glob_match(p, it, is_dir) : simple_name_match(p, it, is_dir);
    if (!m) return NO_MATCH;
    return p->inclusion ? INCLUDE : EXCLUDE;
}

bool cv_ignore_match(const cv_ignore *ig, cv_slice path, bool is_dir)
{
    for (size_t i = ig->n; i-- > 0;) {
        match_result r = pattern_match(&ig->v[i], path, is_dir);
        if (r != NO_MATCH) return r == EXCLUDE;
    }
    return false;
}

/* ---- building ---- */

cv_result cv_ignore_new(cv_ignore **out)
{
    *out = calloc(1, sizeof(**out));
    CV_ENSURE(*out != NULL, CV_E_NOMEM);
    return cv_ok();
}

void cv_ignore_free(cv_ignore **ig)
{
    if (ig == NULL || *ig == NULL) return;
    for (size_t i = 0; i < (*ig)->n; i++) free((*ig)->v[i].block);
    free((*ig)->v);
    free(*ig);
    *ig = NULL;
}

size_t cv_ignore_count(const cv_ignore *ig) { return ig->n; }

static size_t count_parts(cv_slice s)
{
    size_t n = 1;
    for (size_t i = 0; i < s.len; i++) n += s.p[i] == '/';
    return n;
}

static void split_into(cv_slice s, cv_slice *out)
{
    size_t k = 0, start = 0;
    for (size_t i = 0; i <= s.len; i++) {
        if (i < s.len && s.p[i] != '/') continue;
        out[k++] = cv_slice_of(s.p + start, i - start);
        start = i + 1;
    }
}

/* ParsePattern's string handling: '!' prefix, trailing spaces (unless the
 * pattern ends in "\ "), trailing '/'. */
static cv_slice parse_flags(cv_slice s, pattern *p)
{
    if (s.len > 0 && s.p[0] == '!') p->inclusion = true, s = drop(s, 1);
    if (!(s.len >= 2 && s.p[s.len - 2] == '\\' && s.p[s.len - 1] == ' '))
        while (s.len > 0 && s.p[s.len - 1] == ' ') s.len--;
    if (s.len > 0 && s.p[s.len - 1] == '/') p->dir_only = true, s.len--;
    p->is_glob = memchr(s.p, '/', s.len) != NULL;
    return s;
}

static cv_result grow(cv_ignore *ig)
{
    CV_ENSUREF(ig->n < CV_IGNORE_MAX_PATTERNS, CV_E_LIMIT, "more than %u ignore patterns",
               CV_IGNORE_MAX_PATTERNS);
    return cv_grow_array((void **)&ig->v, &ig->cap, ig->n + 1, sizeof(*ig->v), 32,
                         CV_IGNORE_MAX_PATTERNS);
}

cv_result cv_ignore_add(cv_ignore *ig, cv_slice raw, cv_slice domain)
{
    CV_ENSUREF(ig->bytes + raw.len + domain.len <= CV_IGNORE_MAX_INPUT, CV_E_TOO_LARGE,
               "ignore patterns exceed %u bytes", CV_IGNORE_MAX_INPUT);
    CV_GUARD(grow(ig));
    pattern p = { 0 };
    cv_slice s = parse_flags(raw, &p);
    p.nparts = count_parts(s);
    p.ndomain = domain.len ? count_parts(domain) : 0;
    size_t nslices = p.nparts + p.ndomain;
    uint8_t *b = malloc(nslices * sizeof(cv_slice) + p.nparts + raw.len + domain.len + 1);
    CV_ENSURE(b != NULL, CV_E_NOMEM);
    p.block = b;
    p.parts = (cv_slice *)(void *)b;
    p.domain = p.parts + p.nparts;
    p.kinds = b + nslices * sizeof(cv_slice);
    uint8_t *text = p.kinds + p.nparts;
    if (raw.len) memcpy(text, raw.p, raw.len);
    if (domain.len) memcpy(text + raw.len, domain.p, domain.len);
    p.raw = cv_slice_of(text, raw.len);
    p.domain_raw = cv_slice_of(text + raw.len, domain.len);
    split_into(cv_slice_of(text + (s.p - raw.p), s.len), p.parts);
    if (p.ndomain) split_into(p.domain_raw, p.domain);
    for (size_t i = 0; i < p.nparts; i++) p.kinds[i] = part_kind_of(p.parts[i]);
    ig->v[ig->n++] = p;
    ig->bytes += raw.len + domain.len;
    return cv_ok();
}

cv_result cv_ignore_append(cv_ignore *ig, const cv_ignore *src)
{
    for (size_t i = 0; i < src->n; i++)
        CV_GUARD(cv_ignore_add(ig, src->v[i].raw, src->v[i].domain_raw));
    return cv_ok();
}

/* unicode.IsSpace over UTF-8: the ASCII spaces, U+0085, U+00A0 and the
 * Unicode Zs/line/paragraph separators Go's strings.TrimSpace removes. */
static size_t space_len(cv_slice s)
{
    uint8_t c = s.p[0];
    if (c == ' ' || (c >= '\t' && c <= '\r')) return 1;
    size_t n;
    uint32_t r = decode_rune(s, &n);
    if (r == 0x85 || r == 0xA0 || r == 0x1680 || (r >= 0x2000 && r <= 0x200A) || r == 0x2028 ||
        r == 0x2029 || r == 0x202F || r == 0x205F || r == 0x3000)
        return n;
    return 0;
}

static bool blank(cv_slice s)
{
    while (s.len > 0) {
        size_t n = space_len(s);
        if (n == 0) return false;
        s = drop(s, n);
    }
    return true;
}

cv_result cv_ignore_read(cv_ignore *ig, cv_slice text, cv_slice domain)
{
    CV_ENSUREF(text.len <= CV_IGNORE_MAX_INPUT, CV_E_TOO_LARGE, "ignore file exceeds %u bytes",
               CV_IGNORE_MAX_INPUT);
    size_t i = 0;
    while (i < text.len) {
        const uint8_t *nl = memchr(text.p + i, '\n', text.len - i);
        size_t end = nl ? (size_t)(nl - text.p) : text.len;
        /* bufio.Scanner's 64 KiB token buffer: a longer line ends the scan. */
        if (end - i >= CV_IGNORE_MAX_LINE) break;
        cv_slice line = cv_slice_of(text.p + i, end - i);
        if (line.len > 0 && line.p[line.len - 1] == '\r') line.len--;
        i = end + 1;
        if ((line.len > 0 && line.p[0] == '#') || blank(line)) continue;
        CV_GUARD(cv_ignore_add(ig, line, domain));
    }
    return cv_ok();
}

static cv_result add_list(cv_ignore *ig, const char *list)
{
    cv_slice s = cv_slice_str(list);
    size_t start = 0;
    for (size_t i = 0; i <= s.len; i++) {
        if (i < s.len && s.p[i] != ',') continue;
        CV_GUARD(cv_ignore_add(ig, cv_slice_of(s.p + start, i - start), cv_slice_of("", 0)));
        start = i + 1;
    }
    return cv_ok();
}

cv_result cv_ignore_add_flux_defaults(cv_ignore *ig, bool defaults)
{
    /* fluxcd/pkg/sourceignore ExcludeVCS, ExcludeExt, ExcludeCI, ExcludeExtra. */
    CV_GUARD(add_list(ig, ".git/,.gitignore,.gitmodules,.gitattributes"));
    if (!defaults) return cv_ok();
    CV_GUARD(add_list(ig, "*.jpg,*.jpeg,*.gif,*.png,*.wmv,*.flv,*.tar.gz,*.zip"));
    CV_GUARD(add_list(ig, ".github/,.circleci/,.travis.yml,.gitlab-ci.yml,appveyor.yml,"
                          ".drone.yml,cloudbuild.yaml,codeship-services.yml,codeship-steps.yml"));
    return add_list(ig, "**/.goreleaser.yml,**/.sops.yaml,**/.flux.yaml");
}
