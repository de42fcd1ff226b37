/* `sops rotate`: a new data key for a file, every value and the MAC
 * re-encrypted with it, optionally adding master keys (to the first group)
 * and removing them (from every group). */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cli.h"
#include "cmd/sops.h"
#include "crypto/prim/pk.h"
#include "secrets/sops/agekey.h"

static void remove_age(cv_sops_meta *m, const char *list)
{
    if (list == NULL || *list == '\0') return;
    for (const char *p = list;;) {
        const char *e = strchr(p, ',');
        cv_slice r = cv_slice_trim(cv_slice_of(p, e ? (size_t)(e - p) : strlen(p)));
        for (size_t g = 0; g < m->n_groups; g++) {
            cv_sops_group *grp = &m->groups[g];
            for (size_t i = 0; i < grp->n; i++) {
                if (grp->keys[i].type != CV_SOPS_AGE ||
                    !cv_slice_eq(cv_sops_key_get(&grp->keys[i], "recipient"), r))
                    continue;
                memmove(&grp->keys[i], &grp->keys[i + 1], (grp->n - i - 1) * sizeof(cv_sops_key));
                grp->n--;
                i--;
            }
        }
        if (!e) break;
        p = e + 1;
    }
}

static void unsupported(const cv_sops_opts *o)
{
    const char *v[] = { o->add_pgp, o->rm_pgp, o->add_kms, o->rm_kms, o->add_gcp_kms,
                        o->rm_gcp_kms, o->add_azure_kv, o->rm_azure_kv, o->add_hc_vault,
                        o->rm_hc_vault, o->add_hckms, o->rm_hckms };
    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
        if (v[i] && *v[i])
            cv_sops_fail(1, "covert encrypts data keys with age only: only --add-age and "
                            "--rm-age can change keys");
}

int cv_sops_cmd_rotate(cv_sops_opts *o, int argc, char **argv)
{
    if (argc < 1) cv_sops_fail(100, "Error: no file specified");
    if (o->in_place && o->output)
        cv_sops_fail(8, "Error: cannot operate on both --output and --in-place");
    unsupported(o);
    char *file = cv_cli_abs_path(argv[0]);
    if (access(file, F_OK) != 0 && ((o->add_age && *o->add_age) || (o->rm_age && *o->rm_age)))
        cv_sops_fail(49, "Error: cannot add or remove keys on non-existent file \"%s\", use the "
                         "`edit` subcommand instead.", file);
    char *name = o->filename_override ? cv_cli_abs_path(o->filename_override) : file;
    cv_store in, out;
    cv_sops_stores(o, name, &in, &out);
    cv_sops_file f;
    cv_sops_open(&f, o, file, in, true);
    cv_sops_add_age_keys(&f.doc, &f.meta.groups[0], o->add_age);
    remove_age(&f.meta, o->rm_age);
    cv_random(f.key->data, f.key->len);
    cv_result r = cv_sops_data_key_seal(&f.doc, &f.meta, f.key->data);
    if (!cv_is_ok(r)) cv_sops_fail(1, "Could not generate data key: [%s]", cv_cli_msg(r));
    cv_sops_reencrypt(&f);
    cv_buf buf;
    cv_sops_emit_encrypted(&f, out, cv_sops_indent(o, out), &buf);
    cv_sops_write_output(o, file, cv_buf_slice(&buf));
    cv_buf_release(&buf);
    cv_sops_file_clear(&f);
    if (name != file) free(name);
    free(file);
    return 0;
}
