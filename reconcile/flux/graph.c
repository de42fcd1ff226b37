/* The dependsOn graph of a walk (see walk.h). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reconcile/flux/walk.h"

void cv_flux_graph_clear(cv_flux_graph *g)
{
    if (g == NULL) return;
    for (size_t i = 0; i < g->n_missing; i++) free(g->missing[i]);
    free(g->missing);
    free(g->edges);
    free(g->cycle);
    memset(g, 0, sizeof *g);
}

static cv_result add_missing(cv_flux_graph *g, const char *from, const cv_flux_dep *d)
{
    size_t len = strlen(from) + strlen(d->ns) + strlen(d->name) + 8;
    char *s = malloc(len);
    CV_ENSURE(s, CV_E_NOMEM);
    snprintf(s, len, "%s -> %s/%s", from, d->ns, d->name);
    g->missing[g->n_missing++] = s;
    return cv_ok();
}

static size_t count_deps(const cv_flux_walk *w)
{
    size_t n = 0;
    for (size_t i = 0; i < w->n; i++) n += w->v[i].parsed ? w->v[i].ks.n_deps : 0;
    return n;
}

static cv_result collect(const cv_flux_walk *w, cv_flux_graph *g)
{
    size_t total = count_deps(w);
    g->edges = calloc(total ? total : 1, sizeof *g->edges);
    g->missing = calloc(total ? total : 1, sizeof *g->missing);
    CV_ENSURE(g->edges && g->missing, CV_E_NOMEM);
    for (size_t i = 0; i < w->n; i++) {
        const cv_flux_item *it = &w->v[i];
        for (size_t j = 0; it->parsed && j < it->ks.n_deps; j++) {
            const cv_flux_dep *d = &it->ks.deps[j];
            long t = cv_flux_walk_find(w, d->ns, d->name);
            if (t < 0) CV_GUARD(add_missing(g, it->id, d));
            else g->edges[g->n_edges++] = (cv_flux_edge){ i, (size_t)t };
        }
    }
    return cv_ok();
}

typedef struct {
    unsigned char *color; /* 0 new, 1 on the stack, 2 done */
    size_t *stack;
    size_t depth;
} dfs;

/* Depth-first search from v; on a back edge, the cycle is copied out. */
static bool dfs_visit(dfs *s, size_t v, cv_flux_graph *g)
{
    s->color[v] = 1;
    s->stack[s->depth++] = v;
    for (size_t e = 0; e < g->n_edges; e++) {
        if (g->edges[e].from != v) continue;
        size_t t = g->edges[e].to;
        if (s->color[t] == 1) {
            size_t k = s->depth;
            while (k > 0 && s->stack[k - 1] != t) k--;
            for (size_t m = k - 1; m < s->depth; m++) g->cycle[g->n_cycle++] = s->stack[m];
            g->cycle[g->n_cycle++] = t;
            return true;
        }
        if (s->color[t] == 0 && dfs_visit(s, t, g)) return true;
    }
    s->color[v] = 2;
    s->depth--;
    return false;
}

cv_result cv_flux_graph_build(const cv_flux_walk *w, cv_flux_graph *g)
{
    memset(g, 0, sizeof *g);
    CV_GUARD(collect(w, g));
    dfs s = { calloc(w->n + 1, 1), calloc(w->n + 1, sizeof(size_t)), 0 };
    g->cycle = calloc(w->n + 2, sizeof *g->cycle);
    cv_result r = s.color && s.stack && g->cycle ? cv_ok() : CV_FAIL(CV_E_NOMEM);
    for (size_t v = 0; cv_is_ok(r) && v < w->n && g->n_cycle == 0; v++)
        if (s.color[v] == 0) (void)dfs_visit(&s, v, g);
    free(s.color);
    free(s.stack);
    return r;
}
