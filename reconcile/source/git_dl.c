/* libgit2 loading (see git_dl.h). */
#include "reconcile/source/git_dl.h"

#include <dlfcn.h>
#include <string.h>

cv_git_api cv_git_fn;

cv_result cv_git_load(void)
{
    if (cv_git_fn.libgit2_init) return cv_ok();
    void *h = dlopen(CV_LIBGIT2_SONAME, RTLD_NOW | RTLD_LOCAL);
    CV_ENSUREF(h != NULL, CV_E_UNSUPPORTED, "cannot load libgit2: %s", dlerror());
    cv_git_api api;
    const struct {
        void **slot;
        const char *name;
    } syms[] = {
#define CV_GIT_SYM(n) { (void **)&api.n, "git_" #n },
        CV_GIT_FNS(CV_GIT_SYM)
#undef CV_GIT_SYM
    };
    for (size_t i = 0; i < sizeof syms / sizeof syms[0]; i++) {
        void *p = dlsym(h, syms[i].name);
        if (p == NULL) {
            dlclose(h);
            CV_BAILF(CV_E_UNSUPPORTED, "libgit2 lacks %s", syms[i].name);
        }
        /* POSIX: a function pointer may be stored through a void * slot. */
        memcpy(syms[i].slot, &p, sizeof p);
    }
    cv_git_fn = api;
    return cv_ok();
}
