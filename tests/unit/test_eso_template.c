/* ESO template engine v2: the Go text/template cases of
 * ../shared/testvectors/bitwarden/eso_bookkeeping.json (outputs and error
 * text from Go itself), then the shapes real repositories use (reference
 * section 4.6), with outputs as Go's text/template + sprig produce them. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "crypto/base/mem.h"
#include "secrets/doc/json.h"
#include "secrets/eso/template.h"
#include "secrets/runtime/init.h"
#include "tests/lib/vectors.h"

static void init(void)
{
    cr_assert(cv_is_ok(cv_crypto_init()));
    cr_assert(cv_is_ok(cv_secrets_init()));
}

TestSuite(eso_template, .init = init);

/* Render src with data given as a JSON object; returns output or error. */
static char *render(const char *src, const char *data_json, cv_result *res)
{
    cv_doc d;
    cr_assert(cv_is_ok(cv_doc_init(&d)));
    cr_assert(cv_is_ok(cv_json_load(cv_slice_str(data_json), &d)));
    cv_buf out;
    cv_buf_init_secret(&out, 1 << 20);
    cv_tmpl_opts o = { "k", NULL, NULL };
    *res = cv_tmpl_render(cv_slice_str(src), d.branches[0], &o, &out);
    char *s = strndup(out.p ? (const char *)out.p : "", out.len);
    cv_buf_release(&out);
    cv_doc_clear(&d);
    return s;
}

static void expect(const char *src, const char *data, const char *want)
{
    cv_result r;
    char *got = render(src, data, &r);
    cr_assert(cv_is_ok(r), "%s: %s", src, cv_err_detail());
    cr_assert_str_eq(got, want, "template %s", src);
    free(got);
}

Test(eso_template, go_vectors)
{
    char path[1024];
    snprintf(path, sizeof(path), "%s/testvectors/bitwarden/eso_bookkeeping.json", tv_shared_dir());
    json_t *j = json_load_file(path, 0, NULL);
    if (!j) cr_skip_test("no shared vectors at %s", path);
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(j, "template_cases"), i, c) {
        char *data = json_dumps(json_object_get(c, "data"), JSON_COMPACT);
        cv_result r;
        char *got = render(json_string_value(json_object_get(c, "template")), data, &r);
        const char *err = json_string_value(json_object_get(c, "error"));
        if (err && *err) {
            cr_assert_eq(r.err, CV_E_ESO_TEMPLATE, "case %zu", i);
            cr_assert_str_eq(cv_err_detail(), err, "case %zu", i);
        } else {
            cr_assert(cv_is_ok(r), "case %zu: %s", i, cv_err_detail());
            cr_assert_str_eq(got, json_string_value(json_object_get(c, "output")), "case %zu", i);
        }
        free(got);
        cv_wipe_free(data);
    }
    json_decref(j);
}

Test(eso_template, real_repository_shapes)
{
    const char *d = "{\"username\":\"u\",\"password\":\"p@ss\",\"token\":\"dG9r\",\"port\":\"5432\"}";
    expect("{{ .username }}", d, "u");
    expect("{{ printf \"%s:%s\" .username .password | b64enc }}", d, "dTpwQHNz");
    expect("{{ .token | b64dec }}", d, "tok");
    expect("{{ .password | b64enc }}", d, "cEBzcw==");
    expect("{{ dict \"user\" .username \"pass\" .password | toJson }}", d,
           "{\"pass\":\"p@ss\",\"user\":\"u\"}");
    expect("{{ .port | toString }}", d, "5432");
    expect("{{ .missing | default \"x\" }}", "{\"missing\":\"\"}", "x");
    expect("a\n{{- .username -}}\nb", d, "aub");
    expect("{{/* comment */}}x", d, "x");
    expect("{{ if eq .username \"u\" }}yes{{ else }}no{{ end }}", d, "yes");
    expect("{{ if .nothing }}1{{ else if .username }}2{{ end }}", "{\"nothing\":\"\",\"username\":\"u\"}", "2");
    expect("{{ range $k, $v := . }}{{ $k }}={{ $v }};{{ end }}", "{\"b\":\"2\",\"a\":\"1\"}", "a=1;b=2;");
    expect("{{ .username | upper | quote }}", d, "\"U\"");
    expect("{{ \"a-b-c\" | replace \"-\" \"_\" }}", d, "a_b_c");
    expect("{{ .password | sha256sum }}", "{\"password\":\"hunter2\"}",
           "f52fbd32b2b3b86ff88ef6c490628285f482af15ddcb29541f94bcf526a3f6c7");
    expect("{{ `raw {{x}}` }}", d, "raw {{x}}");
    expect("{{ index . \"port\" }}", d, "5432");
    expect("{{ .username | nindent 2 }}", d, "\n  u");
    expect("{{ $x := .username }}{{ $x }}{{ $x }}", d, "uu");
    expect("{{ (printf \"%q\" .username) }}", d, "\"u\"");
    expect("{{ with .username }}[{{ . }}]{{ end }}", d, "[u]");
}

Test(eso_template, errors_name_the_position)
{
    cv_result r;
    char *s = render("line1\n  {{ .a.b }}", "{\"a\":{}}", &r);
    cr_assert_eq(r.err, CV_E_ESO_TEMPLATE);
    cr_assert_str_eq(cv_err_detail(),
                     "template: k:2:5: executing \"k\" at <.a.b>: map has no entry for key \"b\"");
    free(s);
    s = render("{{ nosuch .a }}", "{}", &r);
    cr_assert_eq(r.err, CV_E_ESO_TEMPLATE);
    cr_assert_str_eq(cv_err_detail(), "template: k: function \"nosuch\" not defined");
    free(s);
    s = render("{{ if .a }}x", "{\"a\":\"1\"}", &r);
    cr_assert_eq(r.err, CV_E_ESO_TEMPLATE);
    free(s);
    s = render("{{ .a ", "{}", &r);
    cr_assert_eq(r.err, CV_E_ESO_TEMPLATE);
    free(s);
    s = render("{{ define \"x\" }}{{ end }}", "{}", &r);
    cr_assert_eq(r.err, CV_E_UNSUPPORTED);
    free(s);
}
