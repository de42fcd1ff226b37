/* Case runner of the kustomize build suites (see kz_case.h). */
#include "tests/lib/kz_case.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reconcile/kustomize/build.h"
#include "reconcile/kustomize/emit.h"
#include "reconcile/kustomize/fs.h"
#include "tests/lib/vectors.h"

cv_result kz_case_build(const char *dir, cv_buf *out)
{
    cv_kz_opts o = { .load_none = true };
    return cv_kz_build_dir(&o, dir, out);
}

static bool compare(const char *vecs, const char *name, cv_result r, const cv_buf *out, cv_err want_err,
                    char *msg, size_t cap)
{
    char path[600];
    size_t len;
    snprintf(path, sizeof path, "%s/%s.err", vecs, name);
    uint8_t *err = tv_read_file(path, &len);
    if (err) {
        free(err);
        if (r.err == want_err && !cv_is_ok(r)) return true;
        snprintf(msg, cap, "%s: the peer failed; covert gave %s (%s)", name, cv_strerror(r.err),
                 cv_is_ok(r) ? "" : cv_err_detail());
        return false;
    }
    snprintf(path, sizeof path, "%s/%s.yaml", vecs, name);
    uint8_t *want = tv_read_file(path, &len);
    bool same = want && cv_is_ok(r) && out->len == len && memcmp(out->p, want, len) == 0;
    free(want);
    if (same) return true;
    if (!cv_is_ok(r)) snprintf(msg, cap, "%s: %s (%s)", name, cv_strerror(r.err), cv_err_detail());
    else snprintf(msg, cap, "%s: output differs from the peer's (%s):\n%.*s", name, path, (int)out->len,
                  (const char *)out->p);
    return false;
}

bool kz_case_check(const char *cases, const char *vecs, const char *name, cv_err want_err, char *msg,
                   size_t cap)
{
    char dir[512];
    snprintf(dir, sizeof dir, "%s/%s", cases, name);
    cv_buf out;
    cv_buf_init(&out, 1u << 24);
    cv_result r = kz_case_build(dir, &out);
    bool ok = compare(vecs, name, r, &out, want_err, msg, cap);
    cv_buf_release(&out);
    return ok;
}

size_t kz_case_count(const char *dir, const char *prefix)
{
    DIR *d = opendir(dir);
    if (!d) return 0;
    size_t n = 0;
    for (struct dirent *e; (e = readdir(d));)
        n += e->d_name[0] != '.' && !strncmp(e->d_name, prefix, strlen(prefix));
    closedir(d);
    return n;
}
