/* Internals shared by eso.c (objects, data assembly, the Secret) and
 * eso_provider.c (Secrets Manager and webhook providers). */
#ifndef CV_ESO_INT_H
#define CV_ESO_INT_H

#include "secrets/bitwarden/sm.h"
#include "secrets/doc/tree.h"
#include "secrets/eso/eso.h"

enum { PROV_SM = 1, PROV_WEBHOOK = 2 };

typedef struct {
    uint8_t id[32]; /* sha256 of the request: method, URL, headers, body */
    long status;
    uint8_t *body; /* wiping heap */
    size_t len;
} eso_hit;

typedef struct {
    const cv_node *obj; /* the store object */
    const char *name, *kind;
    const cv_node *spec; /* provider spec */
    int provider;
    /* Secrets Manager */
    cv_bw_client *bw;
    char project[CV_UUID_STR];
    char **ids; /* wanted UUIDs */
    size_t nids, capids;
    bool need_list, prefetched;
    cv_result failed; /* login or prefetch failure, reported per use */
    cv_bw_result list, got;
    /* webhook */
    eso_hit *hits;
    size_t nhits, caphits;
} eso_store;

typedef struct {
    const cv_eso_opts *o;
    cv_doc in;  /* ExternalSecrets and stores (one doc, many branches) */
    cv_doc out; /* the Secrets */
    eso_store *stores;
    size_t nstores;
    cv_http *http;
} eso_ctx;

/* String value of map[key] when it is a scalar string, else NULL. */
const char *cv_eso_str(const cv_node *m, const char *key);
const cv_node *cv_eso_path(const cv_node *m, const char *dotted);

/* Providers. */
cv_result cv_eso_want(eso_ctx *c, eso_store *s, const cv_node *ref, bool find) CV_MUST_USE;
cv_result cv_eso_prefetch(eso_ctx *c, eso_store *s) CV_MUST_USE;
/* The value of remoteRef (key, property, version) from store s, as a
 * slice into memory the context owns. */
cv_result cv_eso_get(eso_ctx *c, eso_store *s, const cv_node *ref, const char *ns, cv_slice *out)
    CV_MUST_USE;
/* dataFrom.find / extract as a MAP of name -> STR in c->out's arena. */
cv_result cv_eso_find(eso_ctx *c, eso_store *s, const cv_node *find, cv_node **out) CV_MUST_USE;
cv_result cv_eso_extract_webhook(eso_ctx *c, eso_store *s, const cv_node *ref, const char *ns,
                                 cv_node **out) CV_MUST_USE;
void cv_eso_store_release(eso_store *s);

#endif
