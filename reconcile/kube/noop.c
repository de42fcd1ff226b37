/* Deciding, without asking the server, that a server-side apply would
 * change nothing. See cv_kube_apply_is_noop in apply.h. */
#include <string.h>

#include "crypto/base/enc.h"
#include "crypto/base/limits.h"
#include "reconcile/kube/apply.h"

static json_t *want_data_of(json_t *want) { return json_object_get(want, "data"); }

static bool allowed_key(const char *const *keys, const char *k)
{
    for (; *keys; keys++)
        if (strcmp(*keys, k) == 0) return true;
    return false;
}

/* Build the field set ({"f:key": {...}}) of the manifest's leaves and check
 * every leaf against the live object. A list counts as one leaf, as the
 * server records an atomic list; a list it tracks item by item has a
 * non-empty entry in the managed set, which then cannot match. */
static bool fields_match(json_t *want, const json_t *live, json_t *set)
{
    const char *k;
    json_t *v;
    json_object_foreach(want, k, v) {
        json_t *lv = json_object_get(live, k);
        if (lv == NULL) return false;
        char fk[512];
        if (snprintf(fk, sizeof fk, "f:%s", k) >= (int)sizeof fk) return false;
        json_t *sub = json_object();
        if (sub == NULL || json_object_set_new(set, fk, sub) != 0) return false;
        if (json_is_object(v) && json_object_size(v) > 0) {
            if (!json_is_object(lv) || !fields_match(v, lv, sub)) return false;
        } else if (!json_equal(v, lv)) {
            return false;
        }
    }
    return true;
}

/* The managed field set without "." markers (a map set as a whole). */
static void drop_dots(json_t *set)
{
    json_object_del(set, ".");
    const char *k;
    json_t *v;
    json_object_foreach(set, k, v) drop_dots(v);
}

static const json_t *own_entry(const json_t *live, const char *manager, const char *api_version)
{
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(json_object_get(live, "metadata"), "managedFields"), i, e) {
        const char *m = json_string_value(json_object_get(e, "manager"));
        const char *op = json_string_value(json_object_get(e, "operation"));
        const char *av = json_string_value(json_object_get(e, "apiVersion"));
        const char *sub = json_string_value(json_object_get(e, "subresource"));
        if (m && op && av && !strcmp(m, manager) && !strcmp(op, "Apply") &&
            !strcmp(av, api_version) && (sub == NULL || sub[0] == '\0'))
            return e;
    }
    return NULL;
}

/* A Secret's stringData is write-only: the server stores it base64-encoded
 * under data. Compare it there, and drop it from the values compared
 * (the field set keeps it: ownership is recorded under stringData). */
static bool string_data_match(json_t *want, const json_t *live, json_t *set)
{
    json_t *sd = json_object_get(want, "stringData");
    if (sd == NULL) return true;
    const json_t *data = json_object_get(live, "data");
    json_t *sub = json_object();
    if (!json_is_object(sd) || sub == NULL || json_object_set_new(set, "f:stringData", sub) != 0)
        return false;
    const char *k;
    json_t *v;
    bool ok = true;
    json_object_foreach(sd, k, v) {
        const char *lv = json_string_value(json_object_get(data, k));
        const char *s = json_string_value(v);
        cv_buf enc;
        cv_buf_init_secret(&enc, CV_KUBE_MAX_MANIFEST);
        char fk[512];
        ok = ok && s && lv && json_object_get(want_data_of(want), k) == NULL &&
             snprintf(fk, sizeof fk, "f:%s", k) < (int)sizeof fk &&
             json_object_set_new(sub, fk, json_object()) == 0 &&
             cv_is_ok(cv_b64_encode_buf(&enc, (const uint8_t *)s, strlen(s), true)) &&
             strlen(lv) == enc.len && memcmp(lv, enc.p, enc.len) == 0;
        cv_buf_release(&enc);
    }
    json_object_del(want, "stringData");
    return ok;
}

/* The manifest minus apiVersion, kind, metadata.name and .namespace (the
 * server records no ownership for them); NULL when it holds anything the
 * check does not cover. */
static json_t *owned_part(const json_t *obj)
{
    static const char *const meta_ok[] = { "name", "namespace", "labels", "annotations", NULL };
    json_t *meta = json_object_get(obj, "metadata");
    const char *k;
    json_t *v;
    json_object_foreach(meta, k, v) if (!allowed_key(meta_ok, k)) return NULL;
    if (json_object_get(obj, "status") != NULL) return NULL;
    json_t *c = json_deep_copy(obj);
    if (c == NULL) return NULL;
    json_object_del(c, "apiVersion");
    json_object_del(c, "kind");
    json_t *cm = json_object_get(c, "metadata");
    json_object_del(cm, "name");
    json_object_del(cm, "namespace");
    if (json_object_size(cm) == 0) json_object_del(c, "metadata");
    return c;
}

bool cv_kube_apply_is_noop(const json_t *obj, const json_t *live, const char *manager)
{
    const char *av = json_string_value(json_object_get(obj, "apiVersion"));
    if (live == NULL || av == NULL || manager == NULL) return false;
    const json_t *entry = own_entry(live, manager, av);
    if (entry == NULL) return false;
    json_t *want = owned_part(obj), *set = json_object(), *owned = NULL;
    const char *kind = json_string_value(json_object_get(obj, "kind"));
    bool secret = strcmp(av, "v1") == 0 && kind && strcmp(kind, "Secret") == 0;
    bool same = want && set && (!secret || string_data_match(want, live, set)) &&
                fields_match(want, live, set);
    if (same) {
        owned = json_deep_copy(json_object_get(entry, "fieldsV1"));
        if (owned) drop_dots(owned);
        same = owned && json_equal(owned, set);
    }
    json_decref(want);
    json_decref(set);
    json_decref(owned);
    return same;
}
