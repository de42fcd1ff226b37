#include "cmd/bw_out.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "secrets/doc/tree.h"
#include "secrets/doc/yaml.h"

bool cv_bw_out_parse(const char *s, bw_output *out)
{
    static const char *names[] = { "json", "yaml", "env", "table", "tsv", "none" };
    for (int i = 0; i < 6; i++)
        if (strcasecmp(s, names[i]) == 0) {
            *out = (bw_output)i;
            return true;
        }
    return false;
}

bool cv_bw_posix_name(const char *s, size_t n)
{
    if (n == 0) return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
        if (!alpha && (i == 0 || c < '0' || c > '9')) return false;
    }
    return true;
}

/* days since 1970-01-01 of a civil date (proleptic Gregorian) */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

/* Parse "YYYY-MM-DDTHH:MM:SS[.f][Z|+HH:MM|-HH:MM]" to epoch seconds + ns. */
static bool parse_date(const char *s, int64_t *secs, unsigned *nanos)
{
    int y, mo, d, h, mi, se, used = 0;
    if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &se, &used) != 6) return false;
    const char *p = s + used;
    unsigned ns = 0, digits = 0;
    if (*p == '.') {
        for (p++; *p >= '0' && *p <= '9'; p++, digits++)
            if (digits < 9) ns = ns * 10 + (unsigned)(*p - '0');
        for (unsigned k = digits; k < 9; k++) ns *= 10;
    }
    int64_t off = 0;
    if (*p == '+' || *p == '-') {
        int oh, om;
        if (sscanf(p + 1, "%2d:%2d", &oh, &om) != 2) return false;
        off = (*p == '+' ? 1 : -1) * (int64_t)(oh * 3600 + om * 60);
        p += 6;
    } else if (*p == 'Z' || *p == 'z') {
        p++;
    }
    if (*p != '\0') return false;
    *secs = days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 + se - off;
    *nanos = ns;
    return true;
}

cv_result cv_bw_out_date(const char *in, bool table, char *out, size_t cap)
{
    int64_t t;
    unsigned ns;
    CV_ENSUREF(parse_date(in, &t, &ns), CV_E_BW_RESPONSE, "invalid date");
    int64_t days = t >= 0 ? t / 86400 : (t - 86399) / 86400;
    int64_t sod = t - days * 86400, y;
    unsigned m, d;
    civil_from_days(days, &y, &m, &d);
    unsigned hh = (unsigned)(sod / 3600), mm = (unsigned)(sod / 60 % 60), ss = (unsigned)(sod % 60);
    if (table) {
        snprintf(out, cap, "%04lld-%02u-%02u %02u:%02u:%02u", (long long)y, m, d, hh, mm, ss);
        return cv_ok();
    }
    char frac[16] = "";
    if (ns % 1000000 == 0 && ns) snprintf(frac, sizeof(frac), ".%03u", ns / 1000000);
    else if (ns % 1000 == 0 && ns) snprintf(frac, sizeof(frac), ".%06u", ns / 1000);
    else if (ns) snprintf(frac, sizeof(frac), ".%09u", ns);
    snprintf(out, cap, "%04lld-%02u-%02uT%02u:%02u:%02u%sZ", (long long)y, m, d, hh, mm, ss, frac);
    return cv_ok();
}

/* serde_json string escaping: quote, backslash, \b \f \n \r \t, other
 * control characters as \u00xx; everything else as is. */
static cv_result json_str(cv_buf *b, const char *s, size_t n)
{
    CV_GUARD(cv_buf_add_byte(b, '"'));
    for (size_t i = 0; i < n; i++) {
        uint8_t c = (uint8_t)s[i];
        const char *e = c == '"' ? "\\\"" : c == '\\' ? "\\\\" : c == '\b' ? "\\b"
                      : c == '\f' ? "\\f" : c == '\n' ? "\\n" : c == '\r' ? "\\r"
                      : c == '\t' ? "\\t" : NULL;
        if (e) CV_GUARD(cv_buf_add_str(b, e));
        else if (c < 0x20) CV_GUARD(cv_buf_addf(b, "\\u%04x", c));
        else CV_GUARD(cv_buf_add_byte(b, c));
    }
    return cv_buf_add_byte(b, '"');
}

typedef struct {
    const char *name;
    const char *s; /* NULL: JSON null */
    size_t n;
} field;

static cv_result json_obj(cv_buf *b, const field *f, size_t nf, const char *indent)
{
    CV_GUARD(cv_buf_add_str(b, "{\n"));
    for (size_t i = 0; i < nf; i++) {
        CV_GUARD(cv_buf_addf(b, "%s  \"%s\": ", indent, f[i].name));
        if (f[i].s) CV_GUARD(json_str(b, f[i].s, f[i].n));
        else CV_GUARD(cv_buf_add_str(b, "null"));
        CV_GUARD(cv_buf_add_str(b, i + 1 < nf ? ",\n" : "\n"));
    }
    return cv_buf_addf(b, "%s}", indent);
}

#define NSF 8
#define NPF 5

static cv_result secret_fields(const cv_bw_secret *s, field f[NSF], char dates[2][64])
{
    CV_GUARD(cv_bw_out_date(s->creation_date, false, dates[0], 64));
    CV_GUARD(cv_bw_out_date(s->revision_date, false, dates[1], 64));
    field v[NSF] = {
        { "id", s->id, strlen(s->id) },
        { "organizationId", s->organization_id, strlen(s->organization_id) },
        { "projectId", s->project_id[0] ? s->project_id : NULL, strlen(s->project_id) },
        { "key", s->key, s->key_len },
        { "value", s->value ? s->value : "", s->value_len },
        { "note", s->note ? s->note : "", s->note_len },
        { "creationDate", dates[0], strlen(dates[0]) },
        { "revisionDate", dates[1], strlen(dates[1]) },
    };
    memcpy(f, v, sizeof(v));
    return cv_ok();
}

static cv_result project_fields(const cv_bw_project *p, field f[NPF], char dates[2][64])
{
    CV_GUARD(cv_bw_out_date(p->creation_date, false, dates[0], 64));
    CV_GUARD(cv_bw_out_date(p->revision_date, false, dates[1], 64));
    field v[NPF] = {
        { "id", p->id, strlen(p->id) },
        { "organizationId", p->organization_id, strlen(p->organization_id) },
        { "name", p->name, p->name_len },
        { "creationDate", dates[0], strlen(dates[0]) },
        { "revisionDate", dates[1], strlen(dates[1]) },
    };
    memcpy(f, v, sizeof(v));
    return cv_ok();
}

/* Rows as the table/tsv/env renderers see them: [id, key/name, value?, date]. */
typedef struct {
    const char *cell[4];
    size_t len[4];
    char date[64];
} row;

static cv_result json_list(cv_buf *b, field *all, size_t n, size_t nf, bool list)
{
    if (!list) {
        CV_GUARD(json_obj(b, all, nf, ""));
        return cv_buf_add_byte(b, '\n');
    }
    if (n == 0) return cv_buf_add_str(b, "[]\n");
    CV_GUARD(cv_buf_add_str(b, "[\n"));
    for (size_t i = 0; i < n; i++) {
        CV_GUARD(cv_buf_add_str(b, "  "));
        CV_GUARD(json_obj(b, all + i * nf, nf, "  "));
        CV_GUARD(cv_buf_add_str(b, i + 1 < n ? ",\n" : "\n"));
    }
    return cv_buf_add_str(b, "]\n");
}

/* YAML through the document tree (yaml.v3's emitter, indent 2). */
static cv_result yaml_list(cv_buf *b, field *all, size_t n, size_t nf, bool list)
{
    cv_doc d;
    CV_GUARD(cv_doc_init(&d));
    cv_node *top = NULL, *seq = NULL;
    cv_result r = cv_doc_add_branch(&d, &top);
    if (cv_is_ok(r) && list) r = cv_node_new(&d, CV_NODE_LIST, &seq);
    for (size_t i = 0; cv_is_ok(r) && i < n; i++) {
        cv_node *m = top;
        if (list) r = cv_node_new(&d, CV_NODE_MAP, &m);
        for (size_t k = 0; cv_is_ok(r) && k < nf; k++) {
            const field *f = &all[i * nf + k];
            cv_node *v = NULL;
            r = f->s ? cv_node_text(&d, CV_NODE_STR, f->s, f->n, &v) : cv_node_new(&d, CV_NODE_NULL, &v);
            if (cv_is_ok(r)) r = cv_map_add(&d, m, f->name, strlen(f->name), v);
        }
        if (cv_is_ok(r) && list) r = cv_node_append(&d, seq, NULL, m);
    }
    if (cv_is_ok(r) && list) {
        /* a top-level sequence: emit it as a value */
        r = cv_yaml_emit_value(seq, 2, b);
    } else if (cv_is_ok(r)) {
        r = cv_yaml_emit(&d, 2, b);
    }
    cv_doc_clear(&d);
    return r;
}

static cv_result env_rows(cv_buf *b, const row *rows, size_t n)
{
    bool commented = false;
    for (size_t i = 0; i < n; i++) {
        const row *r = &rows[i];
        if (cv_bw_posix_name(r->cell[1], r->len[1])) {
            CV_GUARD(cv_buf_add(b, r->cell[1], r->len[1]));
            CV_GUARD(cv_buf_add_str(b, "=\""));
            CV_GUARD(cv_buf_add(b, r->cell[2], r->len[2]));
        } else {
            commented = true;
            CV_GUARD(cv_buf_add_str(b, "# "));
            CV_GUARD(cv_buf_add(b, r->cell[1], r->len[1]));
            CV_GUARD(cv_buf_add_str(b, "=\""));
            for (size_t k = 0; k < r->len[2]; k++)
                CV_GUARD(r->cell[2][k] == '\n' ? cv_buf_add_str(b, "\n# ")
                                               : cv_buf_add_byte(b, (uint8_t)r->cell[2][k]));
        }
        CV_GUARD(cv_buf_add_str(b, i + 1 < n ? "\"\n" : "\""));
    }
    if (commented)
        CV_GUARD(cv_buf_add_str(b, "\n\n# one or more secrets have been commented-out due to a "
                                   "problematic key name"));
    return cv_buf_add_byte(b, '\n');
}

static size_t width(const char *s, size_t n)
{
    size_t w = 0;
    for (size_t i = 0; i < n; i++) w += ((uint8_t)s[i] & 0xC0) != 0x80;
    return w;
}

static cv_result pad_cell(cv_buf *b, const char *s, size_t n, size_t w)
{
    CV_GUARD(cv_buf_add_byte(b, ' '));
    CV_GUARD(cv_buf_add(b, s, n));
    for (size_t k = width(s, n); k < w + 1; k++) CV_GUARD(cv_buf_add_byte(b, ' '));
    return cv_ok();
}

/* comfy_table with bws's header-only preset: padded columns, a dashed line
 * under the header, no borders. */
static cv_result table_rows(cv_buf *b, const char *const *hdr, size_t nc, const row *rows, size_t n)
{
    size_t w[4] = { 0 }, total = 0;
    for (size_t c = 0; c < nc; c++) {
        w[c] = strlen(hdr[c]);
        for (size_t i = 0; i < n; i++)
            if (width(rows[i].cell[c], rows[i].len[c]) > w[c]) w[c] = width(rows[i].cell[c], rows[i].len[c]);
        total += w[c] + 2;
    }
    for (size_t c = 0; c < nc; c++) CV_GUARD(pad_cell(b, hdr[c], strlen(hdr[c]), w[c]));
    CV_GUARD(cv_buf_add_byte(b, '\n'));
    for (size_t k = 0; k < total; k++) CV_GUARD(cv_buf_add_byte(b, '-'));
    for (size_t i = 0; i < n; i++) {
        CV_GUARD(cv_buf_add_byte(b, '\n'));
        for (size_t c = 0; c < nc; c++) CV_GUARD(pad_cell(b, rows[i].cell[c], rows[i].len[c], w[c]));
    }
    return cv_buf_add_byte(b, '\n');
}

static cv_result tsv_rows(cv_buf *b, const char *const *hdr, size_t nc, const row *rows, size_t n)
{
    for (size_t c = 0; c < nc; c++) CV_GUARD(cv_buf_addf(b, "%s%s", c ? "\t" : "", hdr[c]));
    CV_GUARD(cv_buf_add_byte(b, '\n'));
    for (size_t i = 0; i < n; i++) {
        for (size_t c = 0; c < nc; c++) {
            if (c) CV_GUARD(cv_buf_add_byte(b, '\t'));
            CV_GUARD(cv_buf_add(b, rows[i].cell[c], rows[i].len[c]));
        }
        if (i + 1 < n) CV_GUARD(cv_buf_add_byte(b, '\n'));
    }
    return cv_buf_add_byte(b, '\n');
}

static cv_result render(bw_output fmt, field *all, size_t n, size_t nf, bool list, row *rows,
                        const char *const *hdr, size_t nc, cv_buf *out)
{
    switch (fmt) {
    case BW_OUT_JSON: return json_list(out, all, n, nf, list);
    case BW_OUT_YAML: return yaml_list(out, all, n, nf, list);
    case BW_OUT_ENV: return env_rows(out, rows, n);
    case BW_OUT_TABLE: return table_rows(out, hdr, nc, rows, n);
    case BW_OUT_TSV: return tsv_rows(out, hdr, nc, rows, n);
    case BW_OUT_NONE: return cv_ok();
    }
    return cv_ok();
}

cv_result cv_bw_out_secrets(bw_output fmt, const cv_bw_secret *s, size_t n, bool list, cv_buf *out)
{
    field *all = calloc(n * NSF + 1, sizeof(field));
    row *rows = calloc(n + 1, sizeof(row));
    char (*dates)[2][64] = calloc(n + 1, sizeof(*dates));
    cv_result r = all && rows && dates ? cv_ok() : CV_FAIL(CV_E_NOMEM);
    for (size_t i = 0; cv_is_ok(r) && i < n; i++) {
        r = secret_fields(&s[i], all + i * NSF, dates[i]);
        row *w = &rows[i];
        if (cv_is_ok(r)) r = cv_bw_out_date(s[i].creation_date, true, w->date, 64);
        const char *cells[4] = { s[i].id, s[i].key, s[i].value ? s[i].value : "", w->date };
        size_t lens[4] = { strlen(s[i].id), s[i].key_len, s[i].value_len, strlen(w->date) };
        memcpy(w->cell, cells, sizeof(cells));
        memcpy(w->len, lens, sizeof(lens));
    }
    static const char *const hdr[] = { "ID", "Key", "Value", "Creation Date" };
    if (cv_is_ok(r)) r = render(fmt, all, n, NSF, list, rows, hdr, 4, out);
    free(all);
    if (rows) cv_wipe(rows, (n + 1) * sizeof(row));
    free(rows);
    free(dates);
    return r;
}

cv_result cv_bw_out_projects(bw_output fmt, const cv_bw_project *p, size_t n, bool list, cv_buf *out)
{
    field *all = calloc(n * NPF + 1, sizeof(field));
    row *rows = calloc(n + 1, sizeof(row));
    char (*dates)[2][64] = calloc(n + 1, sizeof(*dates));
    cv_result r = all && rows && dates ? cv_ok() : CV_FAIL(CV_E_NOMEM);
    for (size_t i = 0; cv_is_ok(r) && i < n; i++) {
        r = project_fields(&p[i], all + i * NPF, dates[i]);
        if (cv_is_ok(r)) r = cv_bw_out_date(p[i].creation_date, true, rows[i].date, 64);
        rows[i].cell[0] = p[i].id;
        rows[i].len[0] = strlen(p[i].id);
        rows[i].cell[1] = p[i].name;
        rows[i].len[1] = p[i].name_len;
        rows[i].cell[2] = rows[i].date;
        rows[i].len[2] = strlen(rows[i].date);
        /* env output of projects: bws prints name="creation date" */
    }
    static const char *const hdr[] = { "ID", "Name", "Creation Date" };
    if (cv_is_ok(r)) r = render(fmt, all, n, NPF, list, rows, hdr, 3, out);
    free(all);
    free(rows);
    free(dates);
    return r;
}
