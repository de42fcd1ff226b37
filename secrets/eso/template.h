/* External Secrets' template engine v2: the part of Go's text/template
 * (with Option("missingkey=error")) and of sprig that real ExternalSecrets
 * use.
 *
 * Supported: text and {{ actions }} with {{- -}} trimming and custom
 * delimiters; comments ({{/ * ... * /}} without the spaces); pipelines with '|'; operands .field
 * chains, '.', '$', $.field, string/raw-string/number/bool/nil literals,
 * parenthesised pipelines; {{if}} / {{else if}} / {{else}} / {{end}},
 * {{with}}, {{range}} over lists and maps (with optional $k, $v :=). Go
 * builtins: index, printf (%s %d %v %q %x %X %%), print, len, not, and, or,
 * eq, ne. Sprig: b64enc, b64dec, toString, toJson, toYaml, fromYaml, upper,
 * lower, trim, trimPrefix, trimSuffix, trimAll, replace, quote, squote,
 * default, empty, indent, nindent, contains, hasPrefix, hasSuffix, dict,
 * list, get, join, sha256sum, urlquery, coalesce, ternary.
 *
 * Data is a document-tree node (normally a MAP of secret key -> STR). A
 * missing map key is an error, as ESO runs templates: the message has Go's
 * shape, e.g. `template: k:1:3: executing "k" at <.missing>: map has no
 * entry for key "missing"`.
 *
 * Errors: CV_E_ESO_TEMPLATE with Go's message in the detail (parse errors
 * and execution errors alike; details name keys and template positions,
 * never values), CV_E_LIMIT (nesting or work past CV_ESO_MAX_TEMPLATE_*),
 * CV_E_TOO_LARGE (output past its cap).
 *
 * Ownership: output is appended to the caller's buffer (a secret one: it
 * holds values); scratch values live in a secret arena freed before
 * return. */
#ifndef CV_ESO_TEMPLATE_H
#define CV_ESO_TEMPLATE_H

#include "crypto/base/buf.h"
#include "secrets/doc/tree.h"

typedef struct {
    const char *name;  /* template name for messages (the secret key) */
    const char *left;  /* NULL: "{{" */
    const char *right; /* NULL: "}}" */
} cv_tmpl_opts;

cv_result cv_tmpl_render(cv_slice src, const cv_node *data, const cv_tmpl_opts *o, cv_buf *out)
    CV_MUST_USE;

#endif
