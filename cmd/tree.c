/* `covert tree`: the dependsOn graph of the Kustomizations reachable from
 * the entries, as an indented tree (a dependency above its dependants). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cli.h"
#include "cmd/commands.h"
#include "cmd/flux_cli.h"

static const char usage[] =
    "Usage:\n"
    "    covert tree REPO [--entry FILE]... [--identity FILE] [--strict=true|false]\n"
    "\n"
    "Walk the Flux Kustomizations reachable from the entry files (as covert\n"
    "build does) and print their dependsOn graph: every Kustomization without\n"
    "dependsOn at the top, each Kustomization's dependants indented below it.\n"
    "A Kustomization with several dependencies appears under each of them; its\n"
    "dependants are shown the first time only, later occurrences end in \"(*)\".\n"
    "Suspended and failed Kustomizations are marked; dependsOn targets that were\n"
    "not reached and dependency cycles are listed at the end.\n"
    "\n"
    "    --entry FILE     a file with the root Kustomization(s), relative to REPO\n"
    "                     (repeatable; default as covert build)\n"
    "    --identity FILE  age identities for SOPS decryption during the walk\n"
    "    --strict=BOOL    strict substitution during the walk (default true)\n"
    "\n"
    "Exit status: 0, 1 when a target is missing or there is a cycle, 2 usage error.";

typedef struct {
    const cv_flux_walk *w;
    const cv_flux_graph *g;
    unsigned char *shown;
} tree_ctx;

static void print_node(tree_ctx *t, size_t v, unsigned depth)
{
    const cv_flux_item *it = &t->w->v[v];
    printf("%*s%s%s%s%s\n", (int)(depth * 2), "", it->id, it->suspended ? " (suspended)" : "",
           it->err != CV_OK ? " (build failed)" : "", t->shown[v] ? " (*)" : "");
    if (t->shown[v]) return;
    t->shown[v] = 1;
    for (size_t e = 0; e < t->g->n_edges; e++)
        if (t->g->edges[e].to == v) print_node(t, t->g->edges[e].from, depth + 1);
}

static bool has_deps(const cv_flux_graph *g, size_t v)
{
    for (size_t e = 0; e < g->n_edges; e++)
        if (g->edges[e].from == v) return true;
    return false;
}

static int print_tree(const cv_flux_walk *w, const cv_flux_graph *g)
{
    tree_ctx t = { w, g, calloc(w->n + 1, 1) };
    if (t.shown == NULL) return 1;
    for (size_t v = 0; v < w->n; v++)
        if (!has_deps(g, v)) print_node(&t, v, 0);
    for (size_t v = 0; v < w->n; v++) /* only reachable through a cycle */
        if (!t.shown[v]) print_node(&t, v, 0);
    free(t.shown);
    for (size_t i = 0; i < g->n_missing; i++) printf("missing: %s\n", g->missing[i]);
    if (g->n_cycle) {
        printf("cycle:");
        for (size_t i = 0; i < g->n_cycle; i++) printf("%s %s", i ? " ->" : "", w->v[g->cycle[i]].id);
        printf("\n");
    }
    return g->n_missing || g->n_cycle ? 1 : 0;
}

int cv_cmd_tree(int argc, char **argv)
{
    cv_cli_prog = "covert tree";
    cv_flux_cli c = { 0 };
    c.strict = true;
    const cv_flag flags[] = {
        { "entry", CV_FLAG_LIST, &c.entries, 0 },
        { "identity", CV_FLAG_STRING, &c.identity, 0 },
        { "strict", CV_FLAG_BOOL, &c.strict, 0 },
    };
    char **rest;
    int n = cv_flux_cli_args(flags, sizeof flags / sizeof *flags, argc, argv, usage, &c.repo, &rest);
    if (n != 0 || c.repo == NULL) {
        fprintf(stderr, "%s\n", usage);
        return 2;
    }
    cv_result r = cv_flux_cli_run(&c);
    cv_flux_graph g = { 0 };
    if (cv_is_ok(r)) r = cv_flux_graph_build(&c.walk, &g);
    int rc = 1;
    if (cv_is_ok(r)) rc = print_tree(&c.walk, &g);
    else fprintf(stderr, "covert tree: error: %s\n", cv_cli_msg(r));
    cv_flux_graph_clear(&g);
    cv_flux_cli_clear(&c);
    return rc;
}
