/* libgit2, loaded when first needed.
 *
 * Linking libgit2 makes every covert command (age and sops included) load
 * it and the dozen libraries behind it (Kerberos, mbedTLS, libssh2, PCRE2,
 * ...) at start-up: about 1.5 ms and 2 MiB of resident memory per process
 * for nothing, since only Git sources use it. So the source module reaches
 * libgit2 through this table, filled by dlopen on first use (cv_git_init),
 * the way secrets/http/curl_dl.h reaches libcurl.
 *
 * Every libgit2 function the module calls is listed in CV_GIT_FNS; the
 * defines at the end route the ordinary git_* names through the table, so
 * the calling code reads like plain libgit2. A function not listed here
 * fails to link, which is the reminder to add it.
 *
 * Errors: cv_git_load gives CV_E_UNSUPPORTED (detail: dlerror, or the
 * missing symbol) when the library cannot be used. Not thread-safe: call
 * it once, before threads (cv_git_init does, under pthread_once). */
#ifndef CV_SOURCE_GIT_DL_H
#define CV_SOURCE_GIT_DL_H

#include <git2.h>

#include "crypto/base/err.h"

#define CV_GIT_FNS(X) \
    X(blob_free) \
    X(blob_lookup) \
    X(blob_rawcontent) \
    X(blob_rawsize) \
    X(commit_committer) \
    X(commit_free) \
    X(commit_lookup) \
    X(commit_tree_id) \
    X(credential_ssh_key_memory_new) \
    X(credential_username_new) \
    X(credential_userpass_plaintext_new) \
    X(error_last) \
    X(fetch_options_init) \
    X(graph_reachable_from_any) \
    X(libgit2_init) \
    X(libgit2_shutdown) \
    X(object_free) \
    X(object_id) \
    X(object_lookup) \
    X(object_peel) \
    X(odb_exists) \
    X(odb_free) \
    X(oid_cpy) \
    X(oid_equal) \
    X(oid_fromstr) \
    X(oid_tostr) \
    X(remote_connect) \
    X(remote_create_anonymous) \
    X(remote_disconnect) \
    X(remote_download) \
    X(remote_free) \
    X(remote_init_callbacks) \
    X(remote_ls) \
    X(remote_owner) \
    X(remote_update_tips) \
    X(remote_url) \
    X(repository_free) \
    X(repository_init) \
    X(repository_odb) \
    X(repository_open_bare) \
    X(repository_path) \
    X(tree_entry_byindex) \
    X(tree_entry_filemode) \
    X(tree_entry_id) \
    X(tree_entry_name) \
    X(tree_entrycount) \
    X(tree_free) \
    X(tree_lookup)

typedef struct {
#define CV_GIT_SLOT(n) __typeof__(&git_##n) n;
    CV_GIT_FNS(CV_GIT_SLOT)
#undef CV_GIT_SLOT
} cv_git_api;

extern cv_git_api cv_git_fn;

cv_result cv_git_load(void) CV_MUST_USE;

#define git_blob_free cv_git_fn.blob_free
#define git_blob_lookup cv_git_fn.blob_lookup
#define git_blob_rawcontent cv_git_fn.blob_rawcontent
#define git_blob_rawsize cv_git_fn.blob_rawsize
#define git_commit_committer cv_git_fn.commit_committer
#define git_commit_free cv_git_fn.commit_free
#define git_commit_lookup cv_git_fn.commit_lookup
#define git_commit_tree_id cv_git_fn.commit_tree_id
#define git_credential_ssh_key_memory_new cv_git_fn.credential_ssh_key_memory_new
#define git_credential_username_new cv_git_fn.credential_username_new
#define git_credential_userpass_plaintext_new cv_git_fn.credential_userpass_plaintext_new
#define git_error_last cv_git_fn.error_last
#define git_fetch_options_init cv_git_fn.fetch_options_init
#define git_graph_reachable_from_any cv_git_fn.graph_reachable_from_any
#define git_libgit2_init cv_git_fn.libgit2_init
#define git_libgit2_shutdown cv_git_fn.libgit2_shutdown
#define git_object_free cv_git_fn.object_free
#define git_object_id cv_git_fn.object_id
#define git_object_lookup cv_git_fn.object_lookup
#define git_object_peel cv_git_fn.object_peel
#define git_odb_exists cv_git_fn.odb_exists
#define git_odb_free cv_git_fn.odb_free
#define git_oid_cpy cv_git_fn.oid_cpy
#define git_oid_equal cv_git_fn.oid_equal
#define git_oid_fromstr cv_git_fn.oid_fromstr
#define git_oid_tostr cv_git_fn.oid_tostr
#define git_remote_connect cv_git_fn.remote_connect
#define git_remote_create_anonymous cv_git_fn.remote_create_anonymous
#define git_remote_disconnect cv_git_fn.remote_disconnect
#define git_remote_download cv_git_fn.remote_download
#define git_remote_free cv_git_fn.remote_free
#define git_remote_init_callbacks cv_git_fn.remote_init_callbacks
#define git_remote_ls cv_git_fn.remote_ls
#define git_remote_owner cv_git_fn.remote_owner
#define git_remote_update_tips cv_git_fn.remote_update_tips
#define git_remote_url cv_git_fn.remote_url
#define git_repository_free cv_git_fn.repository_free
#define git_repository_init cv_git_fn.repository_init
#define git_repository_odb cv_git_fn.repository_odb
#define git_repository_open_bare cv_git_fn.repository_open_bare
#define git_repository_path cv_git_fn.repository_path
#define git_tree_entry_byindex cv_git_fn.tree_entry_byindex
#define git_tree_entry_filemode cv_git_fn.tree_entry_filemode
#define git_tree_entry_id cv_git_fn.tree_entry_id
#define git_tree_entry_name cv_git_fn.tree_entry_name
#define git_tree_entrycount cv_git_fn.tree_entrycount
#define git_tree_free cv_git_fn.tree_free
#define git_tree_lookup cv_git_fn.tree_lookup

#endif
