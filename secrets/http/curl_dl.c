#include "secrets/http/curl_dl.h"

#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

static cv_curl_api api;
static bool loaded;

/* Each entry: where the pointer goes, and the exported name. */
#define SYM(field, name) { (void **)&api.field, name }

/* Debian's libcurl also pulls in GnuTLS (for RTMP, a protocol covert never
 * enables), whose load-time constructor initialises itself and p11-kit:
 * half a MiB of memory and some start-up time for nothing. GnuTLS skips
 * that when GNUTLS_NO_IMPLICIT_INIT is set while it loads; the caller's own
 * setting is put back after. */
static void *open_curl(void)
{
    const char *var = "GNUTLS_NO_IMPLICIT_INIT";
    const char *was = getenv(var);
    char *saved = was ? strdup(was) : NULL;
    bool set = (was == NULL || saved != NULL) && setenv(var, "1", 1) == 0;
    void *h = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
    if (set && saved) (void)setenv(var, saved, 1);
    else if (set) (void)unsetenv(var);
    free(saved);
    return h;
}

cv_result cv_curl_load(void)
{
    if (loaded) return cv_ok();
    void *h = open_curl();
    CV_ENSUREF(h != NULL, CV_E_UNSUPPORTED, "cannot load libcurl: %s", dlerror());
    const struct {
        void **slot;
        const char *name;
    } syms[] = {
        SYM(global_init_mem, "curl_global_init_mem"), SYM(global_cleanup, "curl_global_cleanup"),
        SYM(easy_init, "curl_easy_init"),             SYM(easy_setopt, "curl_easy_setopt"),
        SYM(easy_getinfo, "curl_easy_getinfo"),       SYM(easy_cleanup, "curl_easy_cleanup"),
        SYM(easy_strerror, "curl_easy_strerror"),     SYM(multi_init, "curl_multi_init"),
        SYM(multi_setopt, "curl_multi_setopt"),       SYM(multi_add_handle, "curl_multi_add_handle"),
        SYM(multi_remove_handle, "curl_multi_remove_handle"),
        SYM(multi_perform, "curl_multi_perform"),     SYM(multi_poll, "curl_multi_poll"),
        SYM(multi_info_read, "curl_multi_info_read"), SYM(multi_cleanup, "curl_multi_cleanup"),
        SYM(slist_append, "curl_slist_append"),       SYM(slist_free_all, "curl_slist_free_all"),
    };
    for (size_t i = 0; i < sizeof syms / sizeof syms[0]; i++) {
        void *p = dlsym(h, syms[i].name);
        if (p == NULL) {
            memset(&api, 0, sizeof api);
            dlclose(h);
            CV_BAILF(CV_E_UNSUPPORTED, "libcurl lacks %s", syms[i].name);
        }
        /* POSIX: a function pointer may be stored through a void * slot. */
        memcpy(syms[i].slot, &p, sizeof p);
    }
    loaded = true;
    return cv_ok();
}

const cv_curl_api *cv_curl(void) { return loaded ? &api : NULL; }
