/* kustomize's ReplacementTransformer (`replacements:`), as kustomize
 * v5.8.1 (api v0.21.1, the version Flux's kustomize-controller builds with)
 * runs it over a resource map.
 *
 * Each replacement, in order: the value is `sourceValue` (an untagged
 * scalar) or the node at source.fieldPath (default metadata.name) of the
 * ONE resource whose current or previous id equals the source's
 * group/version/kind/name/namespace (exact strings; "" and "default" are
 * the same namespace), optionally cut by options.delimiter/index. Then for
 * each target in order: resources chosen by `select` (group, version, kind,
 * name, namespace as anchored Go regexes over any of their ids, plus label
 * and annotation selectors) minus those matched by a `reject` entry; in
 * each, every fieldPath (default metadata.name) is walked as kyaml's
 * PathMatcher walks it: `a.b`, `[k=v]` (v an UNANCHORED regex over the
 * element's field text, every matching element), `[=v]` for scalar lists,
 * `N` indexes, `*` every element, `[a.b]` and `a\.b` keys; options.create
 * makes missing fields and list elements. Each field found is set as
 * kyaml's setFieldValue does: a scalar keeps its own type and takes only
 * the value's text (a text its type cannot hold fails, as kustomize fails
 * when it prints such a node); a map or list is replaced by the value;
 * a created field takes the text as an untagged YAML scalar (so "3"
 * becomes a number); options.delimiter/index edit one part of the target.
 *
 * Not supported (CV_E_UNSUPPORTED): kustomize 5.8's editing of JSON/YAML
 * documents held in a string field (a fieldPath that continues past a
 * string whose text is a YAML map or list).
 *
 * Ownership: the list is only read; new and changed nodes go into rm->doc.
 * Errors: CV_E_KZ_REPLACEMENT with kustomize's wording ("multiple matches
 * for selector ...", "nothing selected by ...", "unable to find field ...
 * in replacement target", "fieldPath `...` is missing for replacement
 * source ...") — without the values themselves, which may be secrets;
 * CV_E_REGEX, CV_E_KZ_SELECTOR from the selectors; CV_E_LIMIT past
 * CV_KZ_MAX_DEPTH path parts. */
#ifndef CV_KZ_REPLACE_H
#define CV_KZ_REPLACE_H

#include "reconcile/kustomize/resmap.h"

/* `replacements:` LIST; entries that were `path: FILE` already replaced by
 * the file's replacement MAPs (the caller loads files). */
cv_result cv_kz_replacements(cv_kz_resmap *rm, const cv_node *list) CV_MUST_USE;

#endif
