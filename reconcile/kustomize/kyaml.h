/* YAML as kustomize reads it (kyaml on yaml.v3): every document of a
 * stream, comments dropped, aliases expanded, scalars typed as yaml.v3
 * types them (secrets/doc/yaml.h); a document may be a mapping (an
 * object, a kustomization, a strategic-merge patch) or a sequence (a JSON
 * 6902 patch); empty documents are skipped.
 *
 * Ownership: the nodes are allocated in dst's arena; *docs is a heap array
 * the caller frees (not its nodes).
 *
 * Errors: those of cv_yaml_load (CV_E_DOC_SYNTAX with the line, ...). */
#ifndef CV_KZ_KYAML_H
#define CV_KZ_KYAML_H

#include "crypto/base/buf.h"
#include "secrets/doc/tree.h"

cv_result cv_kz_yaml_docs(cv_doc *dst, cv_slice text, cv_node ***docs, size_t *n)
    CV_MUST_USE CV_NONNULL;

#endif
