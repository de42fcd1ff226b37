#include "cmd/flags.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const cv_flag *find(const cv_flag *flags, size_t n, const char *name, size_t len)
{
    for (size_t i = 0; i < n; i++)
        if (strlen(flags[i].name) == len && memcmp(flags[i].name, name, len) == 0) return &flags[i];
    return NULL;
}

static bool list_add(cv_strlist *l, const char *v, char tag)
{
    const char **nv = realloc(l->v, (l->n + 1) * sizeof(*nv));
    if (nv == NULL) return false;
    l->v = nv;
    char *nt = realloc(l->tags, l->n + 1);
    if (nt == NULL) return false;
    l->tags = nt;
    l->v[l->n] = v;
    l->tags[l->n] = tag;
    l->n++;
    return true;
}

void cv_strlist_free(cv_strlist *l)
{
    free(l->v);
    free(l->tags);
    l->v = NULL;
    l->tags = NULL;
    l->n = 0;
}

/* Go accepts these spellings for boolean flag values. */
static int parse_bool(const char *v)
{
    static const char *const yes[] = { "1", "t", "T", "true", "TRUE", "True" };
    static const char *const no[] = { "0", "f", "F", "false", "FALSE", "False" };
    for (size_t i = 0; i < 6; i++) {
        if (strcmp(v, yes[i]) == 0) return 1;
        if (strcmp(v, no[i]) == 0) return 0;
    }
    return -1;
}

static cv_flags_status set_flag(const cv_flag *f, const char *value, bool has_value,
                                int *i, int argc, char **argv, char *err, size_t errlen)
{
    if (f->kind == CV_FLAG_BOOL) {
        int b = has_value ? parse_bool(value) : 1;
        if (b < 0) {
            snprintf(err, errlen, "invalid boolean value \"%s\" for -%s: parse error", value,
                     f->name);
            return CV_FLAGS_ERROR;
        }
        *(bool *)f->target = b;
        return CV_FLAGS_OK;
    }
    if (!has_value) {
        if (*i + 1 >= argc) {
            snprintf(err, errlen, "flag needs an argument: -%s", f->name);
            return CV_FLAGS_ERROR;
        }
        value = argv[++*i];
    }
    if (f->kind == CV_FLAG_STRING) *(const char **)f->target = value;
    else if (!list_add(f->target, value, f->tag)) {
        snprintf(err, errlen, "out of memory");
        return CV_FLAGS_ERROR;
    }
    return CV_FLAGS_OK;
}

cv_flags_status cv_flags_parse(const cv_flag *flags, size_t nflags, int argc, char **argv,
                               char ***rest, int *nrest, char *err, size_t errlen)
{
    int i = 1;
    for (; i < argc; i++) {
        const char *a = argv[i];
        if (a[0] != '-' || a[1] == '\0') break;
        const char *name = a + 1;
        if (name[0] == '-') {
            name++;
            if (name[0] == '\0') {
                i++;
                break;
            }
        }
        if (name[0] == '-' || name[0] == '=') {
            snprintf(err, errlen, "bad flag syntax: %s", a);
            return CV_FLAGS_ERROR;
        }
        const char *eq = strchr(name, '=');
        size_t len = eq ? (size_t)(eq - name) : strlen(name);
        const cv_flag *f = find(flags, nflags, name, len);
        if (f == NULL) {
            if ((len == 1 && name[0] == 'h') || (len == 4 && memcmp(name, "help", 4) == 0))
                return CV_FLAGS_HELP;
            snprintf(err, errlen, "flag provided but not defined: -%.*s", (int)len, name);
            return CV_FLAGS_ERROR;
        }
        cv_flags_status st = set_flag(f, eq ? eq + 1 : NULL, eq != NULL, &i, argc, argv, err, errlen);
        if (st != CV_FLAGS_OK) return st;
    }
    *rest = argv + i;
    *nrest = argc - i;
    return CV_FLAGS_OK;
}
