#include "secrets/doc/num.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/base/limits.h"

/* Shortest decimal digits d[0..nd) with decimal point position dp (value =
 * 0.d1d2... x 10^dp) that read back as exactly f (f finite, > 0). The
 * smallest precision whose correctly rounded output round-trips gives the
 * same digits as Go's shortest algorithm. */
typedef struct {
    char d[24];
    int nd;
    int dp;
} digits;

static void shortest(double f, digits *out)
{
    char tmp[48];
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(tmp, sizeof(tmp), "%.*e", prec - 1, f);
        if (prec == 17 || strtod(tmp, NULL) == f) break;
    }
    /* tmp is d.ddddde[+-]xx */
    int nd = 0;
    const char *p = tmp;
    for (; *p && *p != 'e'; p++)
        if (*p >= '0' && *p <= '9') out->d[nd++] = *p;
    int exp = (int)strtol(p + 1, NULL, 10);
    while (nd > 1 && out->d[nd - 1] == '0') nd--;
    out->nd = nd;
    out->dp = exp + 1;
}

static size_t put(char *out, size_t n, const char *s)
{
    size_t l = strlen(s);
    memcpy(out + n, s, l + 1);
    return n + l;
}

static size_t fmt_f(const digits *g, char *out, size_t n)
{
    if (g->dp <= 0) {
        out[n++] = '0';
    } else {
        for (int i = 0; i < g->dp; i++) out[n++] = i < g->nd ? g->d[i] : '0';
    }
    if (g->nd > g->dp) {
        out[n++] = '.';
        for (int i = g->dp; i < g->nd; i++) out[n++] = i < 0 ? '0' : g->d[i];
    }
    out[n] = '\0';
    return n;
}

static size_t fmt_e(const digits *g, char echar, char *out, size_t n)
{
    out[n++] = g->d[0];
    if (g->nd > 1) {
        out[n++] = '.';
        for (int i = 1; i < g->nd; i++) out[n++] = g->d[i];
    }
    int exp = g->dp - 1;
    out[n++] = echar;
    out[n++] = exp < 0 ? '-' : '+';
    if (exp < 0) exp = -exp;
    if (exp < 10) out[n++] = '0';
    n += (size_t)snprintf(out + n, 8, "%d", exp);
    return n;
}

size_t cv_go_float(double f, char fmt, char *out)
{
    if (isnan(f)) return put(out, 0, "NaN");
    if (isinf(f)) return put(out, 0, f > 0 ? "+Inf" : "-Inf");
    size_t n = 0;
    if (signbit(f)) out[n++] = '-';
    f = fabs(f);
    digits g;
    if (f == 0) {
        g.d[0] = '0';
        g.nd = 1;
        g.dp = 1;
    } else {
        shortest(f, &g);
    }
    switch (fmt) {
    case 'e':
    case 'E': return fmt_e(&g, fmt, out, n);
    case 'g':
    case 'G': {
        /* Shortest 'g' switches to an exponent from 1e6 up and below 1e-4
         * (Go fixes the precision at 6 for that decision). */
        int exp = g.dp - 1;
        if (exp < -4 || exp >= 6) return fmt_e(&g, fmt == 'g' ? 'e' : 'E', out, n);
        return fmt_f(&g, out, n);
    }
    default: return fmt_f(&g, out, n);
    }
}

bool cv_json_float(double f, char *out, size_t *len)
{
    if (isnan(f) || isinf(f)) return false;
    double a = fabs(f);
    bool e = a != 0 && (a < 1e-6 || a >= 1e21);
    size_t n = cv_go_float(f, e ? 'e' : 'f', out);
    /* Go trims e-07 to e-7 (only for negative one-digit exponents). */
    if (e && n >= 4 && out[n - 4] == 'e' && out[n - 3] == '-' && out[n - 2] == '0') {
        out[n - 2] = out[n - 1];
        out[--n] = '\0';
    }
    *len = n;
    return true;
}

size_t cv_go_int(int64_t i, char *out)
{
    /* Digits written in place from the right, two at a time (the emitter
     * and the MAC print every integer of a document; snprintf was most of
     * their cost, and its stack copies of a secret were never wiped). */
    static const char pairs[] = "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
                                "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
                                "8081828384858687888990919293949596979899";
    uint64_t u = i < 0 ? 0 - (uint64_t)i : (uint64_t)i;
    size_t n = i < 0 ? 2 : 1;
    for (uint64_t t = u; t >= 10; t /= 10) n++;
    size_t k = n;
    out[k] = '\0';
    for (; u >= 100; u /= 100) {
        size_t d = (size_t)(u % 100) * 2;
        out[--k] = pairs[d + 1];
        out[--k] = pairs[d];
    }
    if (u >= 10) {
        out[--k] = pairs[u * 2 + 1];
        out[--k] = pairs[u * 2];
    } else {
        out[--k] = (char)('0' + u);
    }
    if (i < 0) out[0] = '-';
    return n;
}

static bool ieq(cv_slice s, const char *w)
{
    size_t l = strlen(w);
    if (s.len != l) return false;
    for (size_t i = 0; i < l; i++) {
        char c = (char)s.p[i];
        if (c >= 'A' && c <= 'Z') c = (char)(c - 'A' + 'a');
        if (c != w[i]) return false;
    }
    return true;
}

/* Go allows '_' only in literals with a base prefix, between digits. */
static bool underscores_ok(cv_slice s, bool *has)
{
    *has = false;
    size_t i = 0;
    if (i < s.len && (s.p[i] == '+' || s.p[i] == '-')) i++;
    bool based = s.len - i >= 2 && s.p[i] == '0' &&
                 (s.p[i + 1] == 'x' || s.p[i + 1] == 'X');
    char prev = '0'; /* a leading '.' is fine (".5"); '_' needs a base prefix */
    if (based) {
        i += 2;
        prev = '0';
    }
    for (; i < s.len; i++) {
        char c = (char)s.p[i];
        if (c == '_') {
            *has = true;
            if (!based || prev == '_' || prev == '.' || prev == 'p' || prev == 'P') return false;
        } else if (prev == '_' && !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
                                    (c >= 'A' && c <= 'F'))) {
            return false;
        }
        prev = c;
    }
    return prev != '_';
}

cv_result cv_go_parse_float(cv_slice s, double *out)
{
    CV_ENSURE(s.len > 0 && s.len < CV_NUM_TEXT_MAX, CV_E_NUMBER);
    cv_slice body = s;
    bool neg = false;
    if (body.p[0] == '+' || body.p[0] == '-') {
        neg = body.p[0] == '-';
        body = cv_slice_of(body.p + 1, body.len - 1);
    }
    if (ieq(body, "inf") || ieq(body, "infinity")) {
        *out = neg ? -INFINITY : INFINITY;
        return cv_ok();
    }
    if (ieq(body, "nan") && body.len == s.len) {
        *out = NAN;
        return cv_ok();
    }
    bool has_us;
    CV_ENSURE(underscores_ok(s, &has_us), CV_E_NUMBER);
    char buf[CV_NUM_TEXT_MAX];
    size_t n = 0;
    for (size_t i = 0; i < s.len; i++) {
        char c = (char)s.p[i];
        if (c == '_') continue;
        /* strtod accepts things Go does not: spaces, "0x" without 'p'
         * exponent is fine in both, but reject letters other than hex/exp. */
        CV_ENSURE((c >= '0' && c <= '9') || c == '.' || c == '+' || c == '-' || c == 'e' ||
                      c == 'E' || c == 'x' || c == 'X' || c == 'p' || c == 'P' ||
                      (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'),
                  CV_E_NUMBER);
        buf[n++] = c;
    }
    buf[n] = '\0';
    bool hex = n >= 2 && (strstr(buf, "0x") || strstr(buf, "0X"));
    if (hex) CV_ENSURE(strchr(buf, 'p') || strchr(buf, 'P'), CV_E_NUMBER);
    else CV_ENSURE(strpbrk(buf, "abcdfABCDF") == NULL, CV_E_NUMBER);
    errno = 0;
    char *end;
    double v = strtod(buf, &end);
    CV_ENSURE(end == buf + n && n > 0, CV_E_NUMBER);
    CV_ENSURE(!(errno == ERANGE && isinf(v)), CV_E_NUMBER);
    *out = v;
    return cv_ok();
}

cv_result cv_go_parse_int(cv_slice s, int64_t *out)
{
    CV_ENSURE(s.len > 0 && s.len < 32, CV_E_NUMBER);
    size_t i = 0;
    bool neg = false;
    if (s.p[0] == '+' || s.p[0] == '-') {
        neg = s.p[0] == '-';
        i = 1;
    }
    CV_ENSURE(i < s.len, CV_E_NUMBER);
    uint64_t v = 0, lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    for (; i < s.len; i++) {
        CV_ENSURE(s.p[i] >= '0' && s.p[i] <= '9', CV_E_NUMBER);
        uint64_t d = (uint64_t)(s.p[i] - '0');
        CV_ENSURE(v <= (lim - d) / 10, CV_E_NUMBER);
        v = v * 10 + d;
    }
    *out = neg ? (int64_t)(0 - v) : (int64_t)v;
    return cv_ok();
}

cv_result cv_go_parse_bool(cv_slice s, bool *out)
{
    static const char *const t[] = { "1", "t", "T", "TRUE", "true", "True" };
    static const char *const f[] = { "0", "f", "F", "FALSE", "false", "False" };
    for (size_t i = 0; i < 6; i++) {
        if (cv_slice_eq_str(s, t[i])) {
            *out = true;
            return cv_ok();
        }
        if (cv_slice_eq_str(s, f[i])) {
            *out = false;
            return cv_ok();
        }
    }
    CV_BAIL(CV_E_NUMBER);
}
