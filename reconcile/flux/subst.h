/* Flux post-build substitution of one built object (fluxcd/pkg
 * kustomize_varsub.go, flux.md A4), on fluxref's envsubst dialect.
 *
 * Variables (cv_flux_vars_load): each substituteFrom entry in order, a
 * later one overriding an earlier (ConfigMap data; Secret data decoded
 * from base64, then stringData as written), then the inline substitute
 * map over all; every "\n" removed from values. The objects come from a
 * caller's lookup (covert: the live objects of a cluster, or without one
 * the ConfigMaps and Secrets the first pass of the walk rendered). A
 * missing object is skipped when optional, else an
 * error.
 *
 * Substitution (cv_flux_subst_obj): skipped for an object labelled or
 * annotated kustomize.toolkit.fluxcd.io/substitute: disabled, and when
 * there are no variables unless `always` (substituteStrategy: Always);
 * otherwise variable names are checked against
 * ^[_[:alpha:]][_[:alpha:][:digit:]]*$, the object is serialised as
 * kustomize serialises it, substituted (strict: an undefined variable
 * without a default fails), and read back.
 *
 * Ownership: the variables live in a secret document owned by the
 * cv_flux_vars; the substituted object replaces *obj in doc.
 *
 * Errors: CV_E_FLUX_SUBSTITUTE (missing source object, bad variable name,
 * the result is not one object), envsubst's errors (detail names the
 * variable), YAML errors. */
#ifndef CV_FLUX_SUBST_H
#define CV_FLUX_SUBST_H

#include "reconcile/flux/ks.h"

typedef struct {
    cv_doc doc;
    cv_node *map; /* name -> STR value */
} cv_flux_vars;

/* Find a ConfigMap or Secret (kind "ConfigMap" or "Secret", namespace,
 * name): *out NULL when there is none; an error (the cluster could not be
 * read) fails the Kustomization even for an optional source, as Flux only
 * forgives NotFound. Secret data as base64 text, as the API serves it. */
typedef cv_result (*cv_flux_find_fn)(void *ctx, const char *kind, const char *ns,
                                     const char *name, const cv_node **out);

/* redact: every variable a Secret provides has the value REDACTED (a
 * plain word: it lands inside YAML text, where "**" would start an alias). */
cv_result cv_flux_vars_load(const cv_flux_ks *k, cv_flux_find_fn find, void *ctx, bool redact,
                            cv_flux_vars *out) CV_MUST_USE;
void cv_flux_vars_clear(cv_flux_vars *v);

/* True when the object opts out of substitution. */
bool cv_flux_subst_disabled(const cv_node *obj);
cv_result cv_flux_subst_obj(const cv_flux_vars *v, bool strict, bool always, cv_doc *doc,
                            cv_node **obj) CV_MUST_USE;

#endif
