#include "secrets/doc/gotime.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

static bool leap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

static int days_in(int64_t y, int m)
{
    static const int d[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    return m == 2 && leap(y) ? 29 : d[m - 1];
}

cv_result cv_gotime_make(cv_gotime *t, int64_t year, int month, int day, int hour, int min,
                         int sec, int32_t nsec, int32_t offset)
{
    CV_ENSUREF(month >= 1 && month <= 12, CV_E_SYNTAX, "month out of range");
    CV_ENSUREF(day >= 1 && day <= days_in(year, month), CV_E_SYNTAX, "day out of range");
    CV_ENSUREF(hour >= 0 && hour < 24 && min >= 0 && min < 60 && sec >= 0 && sec < 60,
               CV_E_SYNTAX, "time out of range");
    *t = (cv_gotime){ year, month, day, hour, min, sec, nsec, offset };
    return cv_ok();
}

/* Fixed-width decimal field. */
static bool digits(cv_reader *r, size_t n, int *out)
{
    if (cv_reader_left(r) < n) return false;
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        uint8_t c = r->p[r->pos + i];
        if (c < '0' || c > '9') return false;
        v = v * 10 + (c - '0');
    }
    r->pos += n;
    *out = v;
    return true;
}

static bool sep(cv_reader *r, char c)
{
    if (cv_reader_eof(r) || r->p[r->pos] != (uint8_t)c) return false;
    r->pos++;
    return true;
}

static bool fraction(cv_reader *r, int32_t *nsec)
{
    *nsec = 0;
    if (!sep(r, '.') && !sep(r, ',')) return true;
    int n = 0;
    int32_t v = 0;
    while (!cv_reader_eof(r) && r->p[r->pos] >= '0' && r->p[r->pos] <= '9') {
        if (n < 9) v = v * 10 + (r->p[r->pos] - '0');
        n++;
        r->pos++;
    }
    if (n == 0) return false;
    for (int i = n; i < 9; i++) v *= 10;
    *nsec = v;
    return true;
}

static bool zone(cv_reader *r, int32_t *offset)
{
    if (sep(r, 'Z')) {
        *offset = 0;
        return true;
    }
    int sign = sep(r, '+') ? 1 : sep(r, '-') ? -1 : 0;
    int hh, mm;
    if (sign == 0 || !digits(r, 2, &hh) || !sep(r, ':') || !digits(r, 2, &mm)) return false;
    if (hh > 23 || mm > 59) return false;
    *offset = (int32_t)(sign * (hh * 3600 + mm * 60));
    return true;
}

cv_result cv_gotime_parse_rfc3339(cv_slice s, cv_gotime *t)
{
    cv_reader r = cv_reader_of(s);
    int y, mo, d, h, mi, se;
    int32_t ns, off;
    bool ok = digits(&r, 4, &y) && sep(&r, '-') && digits(&r, 2, &mo) && sep(&r, '-') &&
              digits(&r, 2, &d) && sep(&r, 'T') && digits(&r, 2, &h) && sep(&r, ':') &&
              digits(&r, 2, &mi) && sep(&r, ':') && digits(&r, 2, &se) && fraction(&r, &ns) &&
              zone(&r, &off) && cv_reader_eof(&r);
    CV_ENSUREF(ok, CV_E_SYNTAX, "not an RFC 3339 time");
    return cv_gotime_make(t, y, mo, d, h, mi, se, ns, off);
}

size_t cv_gotime_format(const cv_gotime *t, bool nano, char *out)
{
    int n = snprintf(out, CV_GOTIME_TEXT_MAX, "%04lld-%02d-%02dT%02d:%02d:%02d",
                     (long long)t->year, t->month, t->day, t->hour, t->min, t->sec);
    if (nano && t->nsec) {
        char frac[16];
        snprintf(frac, sizeof(frac), ".%09d", (int)t->nsec);
        size_t l = strlen(frac);
        while (frac[l - 1] == '0') frac[--l] = '\0';
        n += snprintf(out + n, CV_GOTIME_TEXT_MAX - (size_t)n, "%s", frac);
    }
    if (t->offset == 0) {
        n += snprintf(out + n, CV_GOTIME_TEXT_MAX - (size_t)n, "Z");
    } else {
        int32_t o = t->offset < 0 ? -t->offset : t->offset;
        n += snprintf(out + n, CV_GOTIME_TEXT_MAX - (size_t)n, "%c%02d:%02d",
                      t->offset < 0 ? '-' : '+', (int)(o / 3600), (int)(o / 60 % 60));
    }
    return (size_t)n;
}

void cv_gotime_now_utc(cv_gotime *t)
{
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    *t = (cv_gotime){ tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                      tm.tm_min, tm.tm_sec, 0, 0 };
}
