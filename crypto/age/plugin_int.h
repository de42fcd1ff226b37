/* Private to the plugin client (plugin.c, plugin_conn.c) and its tests: the
 * child process connection and the incremental stanza reader over its
 * standard output.
 *
 * The plugin protocol (C2SP age-plugin.md) exchanges age stanzas over the
 * plugin's stdin/stdout. A stanza read from a pipe has no length prefix, so
 * the reader buffers bytes until a stanza is complete (its arguments line
 * plus a body line that is not a full 64-column line, exactly where the age
 * stanza grammar ends it) and only then runs cv_age_stanza_read on those
 * bytes. It never waits for input the grammar does not need, so a plugin
 * that sends one malformed line gets an error, not a deadlock. The buffer
 * holds file keys, so it is a wiping buffer capped at CV_AGE_PLUGIN_MAX_MSG.
 *
 * A connection owns the child (reaped on close, SIGINT first as age does),
 * both pipe ends and the fresh temporary directory the child runs in. */
#ifndef CV_AGE_PLUGIN_INT_H
#define CV_AGE_PLUGIN_INT_H

#include <stdbool.h>
#include <sys/types.h>
#include <time.h>

#include "crypto/age/recipient.h"
#include "crypto/base/io.h"

typedef struct {
    cv_src *src;
    cv_buf buf;     /* unconsumed bytes (wiping, capped) */
    size_t scan;    /* bytes of buf already seen as complete lines */
    size_t lines;   /* complete lines seen for the current stanza */
    bool eof;       /* the source reported its end */
    /* Called with the raw bytes of each stanza read (AGEDEBUG=plugin). */
    void (*tee)(void *ctx, cv_slice raw);
    void *tee_ctx;
} cv_age_plugin_reader;

void cv_age_plugin_reader_init(cv_age_plugin_reader *r, cv_src *src);
void cv_age_plugin_reader_release(cv_age_plugin_reader *r);
/* Next stanza from the source. CV_E_TRUNCATED at a clean end of input
 * between stanzas; CV_E_AGE_PLUGIN (detail without the plugin name) for a
 * malformed or oversized stanza or an end of input inside one; source
 * errors as they come. On success *s is owned by the caller. */
cv_result cv_age_plugin_reader_next(cv_age_plugin_reader *r, cv_age_stanza *s) CV_MUST_USE;

typedef struct {
    const char *name;      /* plugin name (not owned) */
    const cv_age_ui *ui;   /* never NULL (not owned) */
    pid_t pid;             /* 0 once reaped */
    int status;            /* waitpid status, when have_status */
    bool have_status;
    int to_fd;             /* our end of the plugin's stdin */
    int from_fd;           /* our end of the plugin's stdout */
    char *dir;             /* the child's working directory */
    bool debug;            /* AGEDEBUG=plugin */
    bool waited;           /* "waiting on" shown for the current read */
    struct timespec read_start;
    cv_src src;
    cv_age_plugin_reader rd;
} cv_age_plugin_conn;

/* Find age-plugin-NAME on PATH and start it with --age-plugin=PROTO.
 * CV_E_AGE_PLUGIN_NOT_FOUND when it is not on PATH. On failure nothing is
 * left behind. */
cv_result cv_age_plugin_conn_open(cv_age_plugin_conn *c, const char *name, const char *proto,
                                  const cv_age_ui *ui) CV_MUST_USE;
/* Send one stanza (args and body may be secret; the wire copy is wiped). */
cv_result cv_age_plugin_conn_send(cv_age_plugin_conn *c, const char *type,
                                  const char *const *args, size_t nargs, const uint8_t *body,
                                  size_t body_len) CV_MUST_USE;
/* Receive one stanza; every error is CV_E_AGE_PLUGIN naming the plugin. */
cv_result cv_age_plugin_conn_recv(cv_age_plugin_conn *c, cv_age_stanza *s) CV_MUST_USE;
/* Close the pipes, interrupt and reap the child, remove its directory. */
void cv_age_plugin_conn_close(cv_age_plugin_conn *c);
/* Send a random grease stanza (or nothing), as age does in phase 1. */
cv_result cv_age_plugin_conn_grease(cv_age_plugin_conn *c) CV_MUST_USE;

/* A CV_E_AGE_PLUGIN failure whose detail starts with "NAME plugin: ". */
cv_result cv_age_plugin_fail(const char *name, const char *fmt, ...) CV_MUST_USE CV_PRINTF(2, 3);

#endif
