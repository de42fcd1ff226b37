/* buildMetadata (api/resource/origin.go, kusttarget.go, krusty): when the
 * top kustomization lists any build option, every resource records where
 * it came from in config.kubernetes.io/origin (a file: `path:` joined from
 * the kustomization directories it was reached through; a generator:
 * `configuredIn` + `configuredBy`), and every builtin transformer instance
 * that runs appends itself to alpha.config.kubernetes.io/transformations
 * (or becomes the origin of a resource that has none). Both are YAML text
 * as kyaml marshals them; krusty drops what was not asked for, and
 * managedByLabel labels everything app.kubernetes.io/managed-by. */
#include <stdlib.h>
#include <string.h>

#include "crypto/base/limits.h"
#include "reconcile/kustomize/kbuild.h"
#include "reconcile/kustomize/res.h"

#define ORIGIN "config.kubernetes.io/origin"
#define TRANSFORMATIONS "alpha.config.kubernetes.io/transformations"
/* The peer Flux builds with (kustomize's provenance Semver). */
#define MANAGED_BY "kustomize-v5.8.1"

static cv_result joined(const cv_kzb_ctx *c, const char *rel, char **out)
{
    return cv_kzfs_join(c->origin && *c->origin ? c->origin : ".", rel, out);
}

cv_result cv_kzb_origin_enter(cv_kzb_ctx *c, const char *entry, char **saved)
{
    *saved = c->origin;
    if (!c->track) return cv_ok();
    char *p;
    CV_GUARD(joined(c, entry, &p));
    c->origin = p;
    return cv_ok();
}

void cv_kzb_origin_leave(cv_kzb_ctx *c, char *saved)
{
    if (c->track && c->origin != saved) free(c->origin);
    c->origin = saved;
}

cv_result cv_kzb_origin_file(cv_kzb_ctx *c, cv_kzb_acc *a, size_t from, const char *entry)
{
    if (!c->track) return cv_ok();
    char *p;
    CV_GUARD(joined(c, entry, &p));
    cv_buf b;
    cv_buf_init(&b, CV_KZ_MAX_PATH * 2);
    cv_result r = cv_buf_add_str(&b, "path: ");
    if (cv_is_ok(r)) r = cv_buf_add_str(&b, p);
    if (cv_is_ok(r)) r = cv_buf_add_byte(&b, '\n');
    for (size_t i = from; cv_is_ok(r) && i < a->n; i++)
        r = cv_kz_meta_set(&a->rm->doc, a->objs[i], "annotations", ORIGIN, cv_buf_slice(&b));
    cv_buf_release(&b);
    free(p);
    return r;
}

/* "configuredIn: DIR/FILE\nconfiguredBy:\n  apiVersion: builtin\n  kind: K\n",
 * each line after the first indented by `indent` (a list item's). */
static cv_result builtin_origin(const cv_kzb_ctx *c, const char *kind, bool item, cv_buf *b)
{
    char *in;
    CV_GUARD(joined(c, c->kust_file, &in));
    const char *pad = item ? "  " : "";
    cv_result r = cv_buf_add_str(b, item ? "- configuredIn: " : "configuredIn: ");
    if (cv_is_ok(r)) r = cv_buf_add_str(b, in);
    if (cv_is_ok(r)) r = cv_buf_add_byte(b, '\n');
    if (cv_is_ok(r)) r = cv_buf_add_str(b, pad);
    if (cv_is_ok(r)) r = cv_buf_add_str(b, "configuredBy:\n");
    if (cv_is_ok(r)) r = cv_buf_add_str(b, pad);
    if (cv_is_ok(r)) r = cv_buf_add_str(b, "  apiVersion: builtin\n");
    if (cv_is_ok(r)) r = cv_buf_add_str(b, pad);
    if (cv_is_ok(r)) r = cv_buf_add_str(b, "  kind: ");
    if (cv_is_ok(r)) r = cv_buf_add_str(b, kind);
    if (cv_is_ok(r)) r = cv_buf_add_byte(b, '\n');
    free(in);
    return r;
}

cv_result cv_kzb_origin_generated(cv_kzb_ctx *c, cv_doc *d, cv_node *obj, const char *kind)
{
    if (!c->track || cv_kz_meta_get(obj, "annotations", ORIGIN)) return cv_ok();
    cv_buf b;
    cv_buf_init(&b, CV_KZ_MAX_PATH * 2);
    cv_result r = builtin_origin(c, kind, false, &b);
    if (cv_is_ok(r)) r = cv_kz_meta_set(d, obj, "annotations", ORIGIN, cv_buf_slice(&b));
    cv_buf_release(&b);
    return r;
}

static cv_result transformed(cv_kzb_ctx *c, cv_doc *d, cv_node *obj, const char *kind)
{
    if (!cv_kz_meta_get(obj, "annotations", ORIGIN)) return cv_kzb_origin_generated(c, d, obj, kind);
    const cv_node *old = cv_kz_meta_get(obj, "annotations", TRANSFORMATIONS);
    cv_buf b;
    cv_buf_init(&b, CV_KZ_MAX_FILE);
    cv_result r = old ? cv_buf_add(&b, old->s, old->len) : cv_ok();
    if (cv_is_ok(r)) r = builtin_origin(c, kind, true, &b);
    if (cv_is_ok(r)) r = cv_kz_meta_set(d, obj, "annotations", TRANSFORMATIONS, cv_buf_slice(&b));
    cv_buf_release(&b);
    return r;
}

cv_result cv_kzb_origin_transformer(cv_kzb_ctx *c, cv_kzb_acc *a, const char *kind, size_t times)
{
    for (size_t t = 0; c->track && t < times; t++)
        for (size_t i = 0; i < a->n; i++) {
            if (a->objs[i]->kind != CV_NODE_MAP || a->objs[i]->n == 0) continue;
            CV_GUARD(transformed(c, &a->rm->doc, a->objs[i], kind));
        }
    return cv_ok();
}

static cv_result managed_by(void *ctx, cv_doc *d, cv_node *n)
{
    (void)ctx;
    return cv_kz_set_entry(d, n, cv_slice_str("app.kubernetes.io/managed-by"), cv_slice_str(MANAGED_BY));
}

cv_result cv_kzb_managed_by(cv_kz_resmap *rm)
{
    cv_kz_fspec fs = { .path = cv_slice_str("metadata/labels"), .create = true };
    for (size_t i = 0; i < rm->n; i++) {
        if (rm->objs[i]->kind != CV_NODE_MAP || rm->objs[i]->n == 0) continue;
        CV_GUARD(cv_kz_fs_apply(&rm->doc, rm->objs[i], &fs, CV_KZ_CREATE_MAP, managed_by, NULL));
    }
    return cv_ok();
}
