/* Offline repository checks (see check.h). */
#include "reconcile/flux/check.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/base/limits.h"
#include "crypto/base/mem.h"
#include "reconcile/kustomize/kyaml.h"
#include "secrets/doc/yaml.h"
#include "secrets/sops/config.h"
#include "secrets/sops/inmem.h"

void cv_flux_report_clear(cv_flux_report *rep)
{
    if (rep == NULL) return;
    for (size_t i = 0; i < rep->n; i++) {
        free(rep->v[i].subject);
        free(rep->v[i].message);
    }
    free(rep->v);
    memset(rep, 0, sizeof *rep);
}

static cv_result add(cv_flux_report *rep, const char *check, const char *subject, bool ok,
                     const char *fmt, ...) CV_PRINTF(5, 6);
static cv_result add(cv_flux_report *rep, const char *check, const char *subject, bool ok,
                     const char *fmt, ...)
{
    CV_GUARD(cv_grow_array((void **)&rep->v, &rep->cap, rep->n + 1, sizeof *rep->v, 64, SIZE_MAX));
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    cv_flux_finding *f = &rep->v[rep->n];
    f->check = check;
    f->ok = ok;
    f->subject = strdup(subject);
    f->message = strdup(msg);
    CV_ENSURE(f->subject && f->message, CV_E_NOMEM);
    rep->n++;
    if (!ok) rep->failed++;
    return cv_ok();
}

/* ---- builds and dependsOn ---------------------------------------------------------- */

static cv_result check_builds(const cv_flux_walk *w, cv_flux_report *rep)
{
    for (size_t i = 0; i < w->n; i++) {
        const cv_flux_item *it = &w->v[i];
        if (it->err == CV_OK) {
            CV_GUARD(add(rep, "build", it->id, true, "%s", it->suspended ? "suspended (not built)" : ""));
            continue;
        }
        const char *m = it->error ? it->error : cv_strerror(it->err);
        bool sub = strstr(m, "post build failed") != NULL;
        CV_GUARD(add(rep, sub ? "substitution" : "build", it->id, false, "%s", m));
    }
    return cv_ok();
}

static cv_result check_deps(const cv_flux_walk *w, cv_flux_report *rep)
{
    cv_flux_graph g;
    CV_GUARD(cv_flux_graph_build(w, &g));
    cv_result r = cv_ok();
    for (size_t i = 0; cv_is_ok(r) && i < g.n_missing; i++)
        r = add(rep, "dependsOn", g.missing[i], false, "dependency not found");
    if (cv_is_ok(r) && g.n_cycle) {
        char buf[4096] = "";
        for (size_t i = 0; i < g.n_cycle; i++) {
            size_t l = strlen(buf);
            snprintf(buf + l, sizeof buf - l, "%s%s", i ? " -> " : "", w->v[g.cycle[i]].id);
        }
        r = add(rep, "dependsOn", w->v[g.cycle[0]].id, false, "circular dependency: %s", buf);
    }
    if (cv_is_ok(r) && !g.n_missing && !g.n_cycle)
        r = add(rep, "dependsOn", "graph", true, "%zu edges", g.n_edges);
    cv_flux_graph_clear(&g);
    return r;
}

/* ---- ExternalSecret stores --------------------------------------------------------- */

static bool is_kind(const cv_node *o, const char *group, const char *kind)
{
    const char *api = cv_flux_str(o, "apiVersion"), *k = cv_flux_str(o, "kind");
    return api && k && strncmp(api, group, strlen(group)) == 0 && api[strlen(group)] == '/' &&
           strcmp(k, kind) == 0;
}

static bool store_exists(const cv_flux_walk *w, const char *kind, const char *ns, const char *name)
{
    bool cluster = strcmp(kind, "ClusterSecretStore") == 0;
    for (size_t i = 0; i < w->n; i++) {
        for (size_t j = 0; w->v[i].err == CV_OK && w->v[i].built && j < w->v[i].out.n; j++) {
            const cv_node *o = w->v[i].out.objs[j];
            if (!is_kind(o, "external-secrets.io", kind) || strcmp(cv_flux_obj_name(o), name) != 0)
                continue;
            if (cluster || strcmp(cv_flux_obj_ns(o), ns) == 0) return true;
        }
    }
    return false;
}

static cv_result check_ref(const cv_flux_walk *w, const cv_node *es, const cv_node *ref,
                           cv_flux_report *rep)
{
    const char *name = cv_flux_str(ref, "name"), *kind = cv_flux_str(ref, "kind");
    if (name == NULL) return cv_ok();
    if (kind == NULL || !*kind) kind = "SecretStore";
    char subj[1024];
    snprintf(subj, sizeof subj, "ExternalSecret/%s/%s", cv_flux_obj_ns(es), cv_flux_obj_name(es));
    if (store_exists(w, kind, cv_flux_obj_ns(es), name)) return add(rep, "store", subj, true, "%s", "");
    return add(rep, "store", subj, false, "%s %s not found", kind, name);
}

static cv_result check_es(const cv_flux_walk *w, const cv_node *es, cv_flux_report *rep)
{
    const cv_node *spec = cv_map_get(es, "spec");
    CV_GUARD(check_ref(w, es, cv_map_get(spec, "secretStoreRef"), rep));
    static const char *const lists[] = { "data", "dataFrom" };
    for (size_t l = 0; l < 2; l++) {
        const cv_node *list = cv_map_get(spec, lists[l]);
        for (size_t i = 0; list && list->kind == CV_NODE_LIST && i < list->n; i++) {
            const cv_node *ref = cv_map_get(cv_map_get(list->items[i].value, "sourceRef"), "storeRef");
            if (ref) CV_GUARD(check_ref(w, es, ref, rep));
        }
    }
    return cv_ok();
}

static cv_result check_stores(const cv_flux_walk *w, cv_flux_report *rep)
{
    for (size_t i = 0; i < w->n; i++)
        for (size_t j = 0; w->v[i].err == CV_OK && w->v[i].built && j < w->v[i].out.n; j++)
            if (is_kind(w->v[i].out.objs[j], "external-secrets.io", "ExternalSecret"))
                CV_GUARD(check_es(w, w->v[i].out.objs[j], rep));
    return cv_ok();
}

/* ---- files: SOPS and plain Secrets -------------------------------------------------- */

typedef struct {
    cv_kzfs *fs;
    const char *root;
    cv_sops_keyring *kr;
    cv_sops_config *config; /* NULL without REPO/.sops.yaml */
    char *config_path;
    cv_flux_report *rep;
} files_ctx;

static bool non_empty_map(const cv_node *n)
{
    return n && n->kind == CV_NODE_MAP && n->n > 0;
}

static cv_result plain_secrets(files_ctx *c, const char *path, cv_slice text)
{
    cv_doc d;
    CV_GUARD(cv_doc_init(&d));
    cv_node **docs = NULL;
    size_t n = 0;
    cv_result r = cv_kz_yaml_docs(&d, text, &docs, &n);
    if (!cv_is_ok(r)) {
        cv_err_clear();
        r = cv_ok();
    }
    for (size_t i = 0; cv_is_ok(r) && i < n; i++) {
        const cv_node *o = docs[i];
        const char *kind = cv_flux_str(o, "kind");
        if (!kind || strcmp(kind, "Secret") != 0 || cv_map_get(o, "sops")) continue;
        if (non_empty_map(cv_map_get(o, "data")) || non_empty_map(cv_map_get(o, "stringData")))
            r = add(c->rep, "secret", path, false, "Secret %s is not encrypted", cv_flux_obj_name(o));
    }
    free(docs);
    cv_doc_clear(&d);
    return r;
}

/* Age recipients of a file's metadata, compared with the creation rule's. */
static bool has_recipient(const cv_sops_meta *m, const char *id)
{
    for (size_t g = 0; g < m->n_groups; g++)
        for (size_t k = 0; k < m->groups[g].n; k++)
            if (m->groups[g].keys[k].type == CV_SOPS_AGE &&
                cv_slice_eq_str(cv_sops_key_get(&m->groups[g].keys[k], "recipient"), id))
                return true;
    return false;
}

static bool rule_has(const cv_sops_cfg_rule *rule, cv_slice id)
{
    for (size_t g = 0; g < rule->n_groups; g++)
        for (size_t k = 0; k < rule->groups[g].n; k++)
            if (rule->groups[g].keys[k].type == CV_SOPS_KEY_AGE &&
                cv_slice_eq_str(id, rule->groups[g].keys[k].id))
                return true;
    return false;
}

static cv_result recipients(files_ctx *c, const char *path, const cv_sops_meta *m, bool *ok)
{
    *ok = true;
    if (c->config == NULL) return cv_ok();
    char *abs = NULL;
    cv_sops_cfg_rule *rule = NULL;
    cv_result r = cv_sops_abs_path(path, &abs);
    if (cv_is_ok(r)) r = cv_sops_config_rule(c->config, c->config_path, abs, NULL, 0, &rule);
    free(abs);
    if (!cv_is_ok(r)) {
        *ok = false;
        r = add(c->rep, "sops", path, false, ".sops.yaml: %s", cv_err_detail());
        return r;
    }
    for (size_t g = 0; rule && *ok && g < rule->n_groups; g++)
        for (size_t k = 0; *ok && k < rule->groups[g].n; k++)
            if (rule->groups[g].keys[k].type == CV_SOPS_KEY_AGE && !has_recipient(m, rule->groups[g].keys[k].id)) {
                *ok = false;
                r = add(c->rep, "sops", path, false, "not encrypted to %s (.sops.yaml)", rule->groups[g].keys[k].id);
            }
    for (size_t g = 0; rule && *ok && g < m->n_groups; g++)
        for (size_t k = 0; *ok && k < m->groups[g].n; k++) {
            cv_slice id = cv_sops_key_get(&m->groups[g].keys[k], "recipient");
            if (m->groups[g].keys[k].type == CV_SOPS_AGE && !rule_has(rule, id)) {
                *ok = false;
                r = add(c->rep, "sops", path, false, "encrypted to %.*s, which .sops.yaml does not name",
                        (int)id.len, (const char *)id.p);
            }
        }
    cv_sops_cfg_rule_free(&rule);
    return r;
}

static cv_result sops_file(files_ctx *c, const char *path, cv_slice text, cv_store st)
{
    cv_doc d;
    CV_GUARD(cv_doc_init(&d));
    cv_sops_meta m;
    memset(&m, 0, sizeof m);
    cv_result r = cv_store_load_encrypted(st, text, &d, &m);
    bool ok = cv_is_ok(r);
    if (!ok) r = add(c->rep, "sops", path, false, "does not parse: %s", cv_err_detail());
    if (ok) r = recipients(c, path, &m, &ok);
    cv_doc_clear(&d);
    if (cv_is_ok(r) && ok && c->kr) {
        CV_GUARD(cv_doc_init(&d));
        cv_result dr = cv_sops_decrypt_tree(c->kr, text, st, true, &d);
        cv_doc_clear(&d);
        if (!cv_is_ok(dr)) {
            ok = false;
            r = add(c->rep, "sops", path, false, "%s", cv_err_detail()[0] ? cv_err_detail() : cv_strerror(dr.err));
        }
    }
    if (cv_is_ok(r) && ok) r = add(c->rep, "sops", path, true, "%s", c->kr ? "decrypts, MAC valid" : "");
    return r;
}

static cv_result one_file(files_ctx *c, const char *path)
{
    cv_slice text;
    if (!cv_is_ok(cv_kzfs_read(c->fs, path, &text))) {
        cv_err_clear();
        return cv_ok();
    }
    cv_store st = cv_store_for_path(path), marked;
    bool structured = st != CV_STORE_BINARY;
    if (structured && cv_sops_marker(text, &marked) && memmem(text.p, text.len, "sops", 4))
        return sops_file(c, path, text, st);
    if (st == CV_STORE_YAML) return plain_secrets(c, path, text);
    return cv_ok();
}

static cv_result scan(files_ctx *c, const char *dir, unsigned depth)
{
    CV_ENSUREF(depth < CV_KZ_MAX_DEPTH, CV_E_LIMIT, "%s: directories nested too deep", dir);
    char **names;
    size_t n;
    CV_GUARD(cv_kzfs_list(c->fs, dir, &names, &n));
    cv_result r = cv_ok();
    for (size_t i = 0; cv_is_ok(r) && i < n; i++) {
        if (strcmp(names[i], ".git") == 0 || strcmp(names[i], ".sops.yaml") == 0) continue;
        char *p = NULL;
        r = cv_kzfs_join(dir, names[i], &p);
        cv_kzfs_kind k = cv_is_ok(r) ? cv_kzfs_stat(c->fs, p) : CV_KZFS_NONE;
        if (k == CV_KZFS_DIR) r = scan(c, p, depth + 1);
        else if (k == CV_KZFS_FILE) r = one_file(c, p);
        free(p);
    }
    cv_kzfs_names_free(names, n);
    return r;
}

static cv_result load_config(files_ctx *c)
{
    CV_GUARD(cv_kzfs_join(c->root, ".sops.yaml", &c->config_path));
    cv_slice text;
    if (!cv_is_ok(cv_kzfs_read(c->fs, c->config_path, &text))) {
        cv_err_clear();
        return cv_ok();
    }
    cv_doc d;
    CV_GUARD(cv_doc_init(&d));
    cv_result r = cv_yaml_load(text, &d);
    if (cv_is_ok(r)) r = cv_sops_config_decode(&d, &c->config);
    cv_doc_clear(&d);
    if (!cv_is_ok(r)) {
        c->config = NULL;
        return add(c->rep, "sops", c->config_path, false, "%s", cv_err_detail());
    }
    return cv_ok();
}

cv_result cv_flux_check(const cv_flux_walk *w, cv_kzfs *fs, const char *root, cv_sops_keyring *kr,
                        cv_flux_report *rep)
{
    CV_GUARD(check_builds(w, rep));
    CV_GUARD(check_deps(w, rep));
    files_ctx c = { fs, root, kr, NULL, NULL, rep };
    cv_result r = load_config(&c);
    if (cv_is_ok(r)) r = scan(&c, root, 0);
    cv_sops_config_free(&c.config);
    free(c.config_path);
    CV_GUARD(r);
    return check_stores(w, rep);
}
