/* The one private plaintext file a command may need (sops edit's editor
 * file, exec-file's file or FIFO): a 0700 directory on a tmpfs when there
 * is one ($XDG_RUNTIME_DIR, else /dev/shm, else $TMPDIR or /tmp) holding a
 * 0600 file created exclusively. Scrubbing overwrites it with zeros, fsyncs,
 * unlinks it and removes the directory; SIGINT, SIGTERM and SIGHUP scrub
 * before the process dies. One per process. */
#ifndef CV_CMD_PRIVFILE_H
#define CV_CMD_PRIVFILE_H

#include <stdbool.h>

/* Create the file named after basename(name) (or a FIFO); returns an fd
 * open for writing (-1 for a FIFO, which is opened by the writer), or -1
 * with errno set on failure (check cv_privfile_path()[0]). */
int cv_privfile_create(const char *name, bool fifo);
const char *cv_privfile_path(void);
void cv_privfile_scrub(void);

#endif
