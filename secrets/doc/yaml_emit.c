#include "secrets/doc/yaml.h"
cv_result cv_yaml_emit(const cv_doc *doc, int indent, cv_buf *out) { (void)doc; (void)indent; (void)out; return cv_ok(); }
cv_result cv_yaml_emit_value(const cv_node *n, int indent, cv_buf *out) { (void)n; (void)indent; (void)out; return cv_ok(); }
