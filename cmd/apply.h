/* What `covert apply` and `covert diff` share: kubectl's flags, reading
 * manifests (decrypting SOPS in memory), connecting. Exits on errors. */
#ifndef CV_CMD_APPLY_H
#define CV_CMD_APPLY_H

#include <jansson.h>
#include <stdbool.h>

#include "cmd/flags.h"
#include "reconcile/kube/client.h"

typedef struct {
    cv_strlist files;
    cv_strlist as_groups; /* --as-group */
    bool recursive, force, server_side;
    const char *ns, *kubeconfig, *context, *dry_run, *manager;
    const char *as_user, *as_uid; /* --as, --as-uid */
} apply_flags;

void cv_apply_parse_args(int argc, char **argv, const char *usage_text, apply_flags *f);
/* Every document of every -f path, SOPS-decrypted (cmd/apply_sops.c). */
json_t *cv_apply_load_manifests(const apply_flags *f);
cv_kube *cv_apply_connect(const apply_flags *f);

#endif
