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

/* The same for text that is repository content as cv_kzfs hands it out
 * (a file, or a string of a file: never decrypted or substituted text).
 *
 * What is wiped, the rule: a repository text holds no plaintext secret
 * unless it is a Secret (data, stringData), a generator of one
 * (secretGenerator literals) or a SOPS file; decrypted values and the
 * text substitution makes (variables from Secrets) never come here. So a
 * text that mentions "secret" or "sops" in any case is loaded exactly as
 * cv_kz_yaml_docs loads it (everything wiped); any other is public: the
 * parser's scratch is released without wiping (CV_YAML_PUBLIC), and the
 * text may be cached. The nodes always live in dst's secret arena.
 *
 * The cache: a Flux build reads the same component and patch files for
 * dozens of Kustomizations; a public text seen a second time is parsed
 * once more into a process-wide cache, and from then on its trees are
 * copied from there (until CV_KZ_MAX_PARSE_CACHE bytes of text are kept;
 * a text that fails to parse is never kept). Thread-safe. */
cv_result cv_kz_yaml_repo_docs(cv_doc *dst, cv_slice text, cv_node ***docs, size_t *n)
    CV_MUST_USE CV_NONNULL;

#endif
