#include "reconcile/kube/status.h"

#include <stdarg.h>
#include <string.h>

#include "crypto/base/limits.h"

#define DETAIL_MAX 3072

/* A message built by appending; long causes lists are cut, not failed. */
typedef struct {
    char s[DETAIL_MAX];
    size_t n;
} text;

static void put(text *t, const char *fmt, ...) CV_PRINTF(2, 3);
static void put(text *t, const char *fmt, ...)
{
    if (t->n >= sizeof t->s - 1) return;
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(t->s + t->n, sizeof t->s - t->n, fmt, ap);
    va_end(ap);
    if (k > 0) t->n += (size_t)k;
    if (t->n > sizeof t->s - 1) t->n = sizeof t->s - 1;
}

static cv_err code_for(long http, const char *reason)
{
    switch (http) {
    case 401: return CV_E_KUBE_UNAUTHORIZED;
    case 403: return CV_E_KUBE_FORBIDDEN;
    case 404: return CV_E_KUBE_NOT_FOUND;
    case 409: return reason && strcmp(reason, "AlreadyExists") == 0 ? CV_E_KUBE_EXISTS
                                                                      : CV_E_KUBE_CONFLICT;
    case 410: return CV_E_KUBE_GONE;
    case 422: return CV_E_KUBE_INVALID;
    default: return CV_E_KUBE_API;
    }
}

/* Append "; cause" for each cause whose text the message lacks. */
static void add_causes(text *b, const json_t *causes, const char *msg)
{
    size_t i;
    json_t *c;
    json_array_foreach(causes, i, c) {
        const char *field = json_string_value(json_object_get(c, "field"));
        const char *cm = json_string_value(json_object_get(c, "message"));
        if (cm == NULL || (msg && (strstr(msg, cm) || (field && field[0] && strstr(msg, field)))))
            continue;
        put(b, field && field[0] ? "; %s: %s" : "; %s%s", field ? field : "", cm);
    }
}

cv_result cv_kube_status_error_json(long http, const json_t *body, const char *what)
{
    const char *kind = json_string_value(json_object_get(body, "kind"));
    bool status = kind && strcmp(kind, "Status") == 0;
    const char *reason = status ? json_string_value(json_object_get(body, "reason")) : NULL;
    const char *msg = status ? json_string_value(json_object_get(body, "message")) : NULL;
    text t = { .n = 0 };
    t.s[0] = '\0';
    if (what && what[0]) put(&t, "%s: ", what);
    if (msg && msg[0]) put(&t, "%s", msg);
    else if (reason && reason[0]) put(&t, "%s (HTTP %ld)", reason, http);
    else put(&t, "the server returned HTTP %ld", http);
    if (status) add_causes(&t, json_object_get(json_object_get(body, "details"), "causes"), msg);
    return CV_FAILF(code_for(http, reason), "%s", t.s);
}

cv_result cv_kube_status_error(long http, cv_slice body, const char *what)
{
    json_t *doc = body.len ? json_loadb((const char *)body.p, body.len, 0, NULL) : NULL;
    cv_result r = cv_kube_status_error_json(http, doc, what);
    json_decref(doc);
    return r;
}
