/* yaml.v3's scalar resolution (resolve.go) and timestamp parsing: which
 * plain scalars are null, bool, int, float or a timestamp, and the values
 * they decode to. The emitter uses the same rules to decide when a string
 * must be quoted. */
#include "secrets/doc/yaml_res.h"

#include <string.h>

#include "crypto/base/mem.h"
#include "secrets/doc/num.h"

static bool in_list(const char *s, size_t n, const char *const *list)
{
    for (; *list; list++)
        if (strlen(*list) == n && memcmp(*list, s, n) == 0) return true;
    return false;
}

static const char *const k_true[] = { "true", "True", "TRUE", NULL };
static const char *const k_false[] = { "false", "False", "FALSE", NULL };
static const char *const k_null[] = { "~", "null", "Null", "NULL", NULL };
static const char *const k_nan[] = { ".nan", ".NaN", ".NAN", NULL };
static const char *const k_inf[] = { ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", NULL };
static const char *const k_ninf[] = { "-.inf", "-.Inf", "-.INF", NULL };

static bool map_lookup(const char *s, size_t n, cv_yres *r)
{
    if (n == 0 || in_list(s, n, k_null)) {
        r->kind = CV_YR_NULL;
    } else if (in_list(s, n, k_true) || in_list(s, n, k_false)) {
        r->kind = CV_YR_BOOL;
        r->b = in_list(s, n, k_true);
    } else if (in_list(s, n, k_nan)) {
        r->kind = CV_YR_FLOAT;
        r->f = __builtin_nan("");
    } else if (in_list(s, n, k_inf) || in_list(s, n, k_ninf)) {
        r->kind = CV_YR_FLOAT;
        r->f = in_list(s, n, k_inf) ? __builtin_inf() : -__builtin_inf();
    } else if (n == 2 && memcmp(s, "<<", 2) == 0) {
        r->kind = CV_YR_MERGE;
    } else {
        return false;
    }
    return true;
}

/* ---- strconv.ParseInt / ParseUint with base 0 --------------------------- */

enum { NUM_OK, NUM_SYNTAX, NUM_RANGE };

static int digit_val(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'z') return c - 'a' + 10;
    if (c >= 'A' && c <= 'Z') return c - 'A' + 10;
    return 99;
}

static char lower(char c) { return (char)(c | 0x20); }

/* Unsigned digits with an optional base prefix (base 0 rules). */
static int parse_u(const char *s, size_t n, int base, uint64_t *out)
{
    if (n == 0) return NUM_SYNTAX;
    if (base == 0) {
        base = 10;
        if (s[0] == '0') {
            if (n >= 3 && lower(s[1]) == 'b') base = 2, s += 2, n -= 2;
            else if (n >= 3 && lower(s[1]) == 'o') base = 8, s += 2, n -= 2;
            else if (n >= 3 && lower(s[1]) == 'x') base = 16, s += 2, n -= 2;
            else base = 8, s += 1, n -= 1;
        }
        if (n == 0 && base == 8) {
            *out = 0;
            return NUM_OK;
        }
    }
    uint64_t v = 0;
    bool range = false;
    for (size_t i = 0; i < n; i++) {
        int d = digit_val(s[i]);
        if (d >= base) return NUM_SYNTAX;
        if (v > (UINT64_MAX - (uint64_t)d) / (uint64_t)base) range = true;
        v = v * (uint64_t)base + (uint64_t)d;
    }
    *out = v;
    return range ? NUM_RANGE : NUM_OK;
}

static int parse_i(const char *s, size_t n, int base, int64_t *out)
{
    bool neg = false;
    if (n > 0 && (s[0] == '+' || s[0] == '-')) {
        neg = s[0] == '-';
        s++, n--;
    }
    uint64_t u;
    int r = parse_u(s, n, base, &u);
    if (r != NUM_OK) return r;
    if (!neg && u > (uint64_t)INT64_MAX) return NUM_RANGE;
    if (neg && u > (uint64_t)INT64_MAX + 1) return NUM_RANGE;
    *out = neg ? (int64_t)(0 - u) : (int64_t)u;
    return NUM_OK;
}

/* ^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$ */
static bool yaml_style_float(const char *s, size_t n)
{
    size_t i = 0, d;
    if (i < n && (s[i] == '+' || s[i] == '-')) i++;
    if (i < n && s[i] == '.') {
        for (d = ++i; i < n && s[i] >= '0' && s[i] <= '9'; i++) {}
        if (i == d) return false;
    } else {
        for (d = i; i < n && s[i] >= '0' && s[i] <= '9'; i++) {}
        if (i == d) return false;
        if (i < n && s[i] == '.')
            for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++) {}
    }
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-')) i++;
        for (d = i; i < n && s[i] >= '0' && s[i] <= '9'; i++) {}
        if (i == d) return false;
    }
    return i == n;
}

static bool go_float(const char *s, size_t n, double *f)
{
    return cv_is_ok(cv_go_parse_float(cv_slice_of(s, n), f));
}

/* Digits-or-sign scalars: timestamp, int, uint64, float; else a string. */
static void resolve_number(const char *s, size_t n, bool ts_ok, cv_yres *r)
{
    if (ts_ok && cv_yaml_parse_time(s, n, r->time, &r->time_len)) {
        r->kind = CV_YR_TIME;
        return;
    }
    char plain[128];
    size_t m = 0;
    if (n >= sizeof(plain)) return;
    for (size_t i = 0; i < n; i++)
        if (s[i] != '_') plain[m++] = s[i];
    int64_t i64;
    uint64_t u64;
    if (parse_i(plain, m, 0, &i64) == NUM_OK) {
        r->kind = CV_YR_INT;
        r->i = i64;
    } else if (m > 0 && plain[0] != '+' && plain[0] != '-' && parse_u(plain, m, 0, &u64) == NUM_OK) {
        r->kind = CV_YR_UINT;
        r->i = (int64_t)u64;
    } else if (yaml_style_float(plain, m) && go_float(plain, m, &r->f)) {
        r->kind = CV_YR_FLOAT;
    }
    /* "-0b…" and "-0o…", which yaml.v3 retries by hand, are already
     * covered by the base-0 parse above. */
    cv_wipe(plain, sizeof(plain));
}

void cv_yaml_resolve(const char *s, size_t n, bool ts_ok, cv_yres *r)
{
    /* Every field but the text of a time, which only a TIME result (with
     * its time_len) hands out: clearing 64 bytes per scalar showed. */
    r->kind = CV_YR_STR;
    r->b = false;
    r->i = 0;
    r->f = 0;
    r->time_len = 0;
    unsigned char c = n ? (unsigned char)s[0] : 0;
    bool sign = c == '+' || c == '-';
    bool digit = c >= '0' && c <= '9';
    bool inmap = n == 0 || (c && strchr("yYnNtTfFoO~", c));
    if (!(sign || digit || inmap || c == '.')) return;
    if (map_lookup(s, n, r)) return;
    if (c == '.') {
        if (go_float(s, n, &r->f)) r->kind = CV_YR_FLOAT;
        return;
    }
    if (sign || digit) resolve_number(s, n, ts_ok, r);
}

/* ---- timestamps: the four layouts yaml.v3 tries with time.Parse -------- */

typedef struct {
    const char *s;
    size_t n, i;
} tcur;

static bool isdig(const tcur *c, size_t k) { return c->i + k < c->n && c->s[c->i + k] >= '0' && c->s[c->i + k] <= '9'; }

/* getnum(value, false): one or two digits. */
static bool getnum(tcur *c, int *v)
{
    if (!isdig(c, 0)) return false;
    *v = c->s[c->i] - '0';
    c->i++;
    if (isdig(c, 0)) {
        *v = *v * 10 + (c->s[c->i] - '0');
        c->i++;
    }
    return true;
}

static bool lit(tcur *c, char ch)
{
    if (c->i >= c->n || c->s[c->i] != ch) return false;
    c->i++;
    return true;
}

static bool leap(int y) { return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0); }

static int days_in(int m, int y)
{
    static const int d[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    return m == 2 && leap(y) ? 29 : d[m - 1];
}

typedef struct {
    int year, month, day, hour, min, sec;
    long nsec;
    long offset; /* seconds east of UTC */
} tparts;

static bool parse_date(tcur *c, tparts *t)
{
    if (c->n < 4) return false;
    t->year = 0;
    for (int k = 0; k < 4; k++) {
        if (!isdig(c, 0)) return false;
        t->year = t->year * 10 + (c->s[c->i++] - '0');
    }
    if (!lit(c, '-') || !getnum(c, &t->month) || t->month < 1 || t->month > 12) return false;
    return lit(c, '-') && getnum(c, &t->day);
}

static bool parse_frac(tcur *c, tparts *t)
{
    if (c->i + 1 >= c->n || (c->s[c->i] != '.' && c->s[c->i] != ',') || !isdig(c, 1)) return true;
    size_t k = 1;
    while (isdig(c, k)) k++;
    size_t nbytes = k > 10 ? 10 : k;
    long ns = 0;
    for (size_t j = 1; j < nbytes; j++) ns = ns * 10 + (c->s[c->i + j] - '0');
    for (size_t j = nbytes; j < 10; j++) ns *= 10;
    t->nsec = ns;
    c->i += k;
    return true;
}

static bool parse_clock(tcur *c, tparts *t)
{
    if (!getnum(c, &t->hour) || t->hour > 23 || !lit(c, ':')) return false;
    if (!getnum(c, &t->min) || t->min > 59 || !lit(c, ':')) return false;
    if (!getnum(c, &t->sec) || t->sec > 59) return false;
    return parse_frac(c, t);
}

static bool two_digits(const char *p, int *v)
{
    if (p[0] < '0' || p[0] > '9' || p[1] < '0' || p[1] > '9') return false;
    *v = (p[0] - '0') * 10 + (p[1] - '0');
    return true;
}

static bool parse_zone(tcur *c, tparts *t)
{
    if (c->i < c->n && c->s[c->i] == 'Z') {
        c->i++;
        return true;
    }
    if (c->n - c->i < 6 || c->s[c->i + 3] != ':') return false;
    const char *p = c->s + c->i;
    int hr, mm;
    if (!two_digits(p + 1, &hr) || !two_digits(p + 4, &mm) || hr > 24 || mm > 60) return false;
    if (p[0] != '+' && p[0] != '-') return false;
    t->offset = (hr * 60L + mm) * 60L * (p[0] == '-' ? -1 : 1);
    c->i += 6;
    return true;
}

static bool try_layout(const char *s, size_t n, int layout, tparts *t)
{
    tcur c = { s, n, 0 };
    memset(t, 0, sizeof(*t));
    if (!parse_date(&c, t)) return false;
    if (layout == 0 || layout == 1) {
        if (!lit(&c, layout == 0 ? 'T' : 't') || !parse_clock(&c, t) || !parse_zone(&c, t))
            return false;
    } else if (layout == 2) {
        if (!lit(&c, ' ') || !parse_clock(&c, t)) return false;
    }
    if (c.i != n) return false;
    return t->day >= 1 && t->day <= days_in(t->month, t->year);
}

/* Go's Time.MarshalText (RFC 3339 with nanoseconds when not zero). */
static size_t marshal_time(const tparts *t, char *out)
{
    int k = snprintf(out, 64, "%04d-%02d-%02dT%02d:%02d:%02d", t->year, t->month, t->day,
                     t->hour, t->min, t->sec);
    if (t->nsec) {
        char f[16];
        snprintf(f, sizeof(f), "%09ld", t->nsec);
        size_t e = 9;
        while (e > 0 && f[e - 1] == '0') e--;
        f[e] = 0;
        k += snprintf(out + k, 64 - (size_t)k, ".%s", f);
    }
    if (t->offset == 0) {
        k += snprintf(out + k, 64 - (size_t)k, "Z");
    } else {
        long o = t->offset < 0 ? -t->offset : t->offset;
        k += snprintf(out + k, 64 - (size_t)k, "%c%02ld:%02ld", t->offset < 0 ? '-' : '+',
                      o / 3600, (o / 60) % 60);
    }
    return (size_t)k;
}

bool cv_yaml_parse_time(const char *s, size_t n, char *out, size_t *out_len)
{
    size_t i = 0;
    while (i < n && s[i] >= '0' && s[i] <= '9') i++;
    if (i != 4 || i == n || s[i] != '-') return false;
    tparts t;
    for (int layout = 0; layout < 4; layout++) {
        if (try_layout(s, n, layout, &t)) {
            *out_len = marshal_time(&t, out);
            return true;
        }
    }
    return false;
}
