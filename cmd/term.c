#include "cmd/term.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "crypto/base/limits.h"

bool cv_term_is_tty(int fd) { return isatty(fd) == 1; }

/* Open the terminal: /dev/tty, else stdin if it is one. *owned tells whether
 * the caller must close the descriptor. */
static cv_result open_tty(int *fd, bool *owned)
{
    *fd = open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);
    *owned = *fd >= 0;
    if (*fd >= 0) return cv_ok();
    int saved = errno;
    if (cv_term_is_tty(STDIN_FILENO)) {
        *fd = STDIN_FILENO;
        return cv_ok();
    }
    CV_BAILF(CV_E_TERMINAL, "standard input is not a terminal, and /dev/tty is not available: %s",
             strerror(saved));
}

static void put(int fd, const char *s)
{
    size_t n = strlen(s);
    while (n > 0) {
        ssize_t w = write(fd, s, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return;
        s += w;
        n -= (size_t)w;
    }
}

/* Read one line byte by byte (no stdio buffer keeps a copy). */
static cv_result read_line(int fd, uint8_t *buf, size_t cap, size_t *len)
{
    size_t n = 0;
    for (;;) {
        uint8_t c;
        ssize_t r = read(fd, &c, 1);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) CV_BAILF(CV_E_IO, "reading from the terminal: %s", strerror(errno));
        if (r == 0 || c == '\n') break;
        if (c == '\r') continue;
        CV_ENSUREF(n < cap, CV_E_TOO_LARGE, "input too long");
        buf[n++] = c;
    }
    *len = n;
    return cv_ok();
}

/* Erase the prompt line as age does: newline, cursor up, erase line. */
static void clear_line(int fd) { put(fd, "\r\n\033[F\033[K"); }

cv_result cv_term_read_secret(const char *prompt, cv_secret **out)
{
    int fd;
    bool owned;
    *out = NULL;
    CV_GUARD(open_tty(&fd, &owned));
    put(fd, prompt);
    put(fd, " ");
    struct termios old, quiet;
    bool restore = tcgetattr(fd, &old) == 0;
    if (restore) {
        quiet = old;
        quiet.c_lflag &= (tcflag_t) ~(ECHO | ECHONL);
        quiet.c_lflag |= ICANON;
        tcsetattr(fd, TCSAFLUSH, &quiet);
    }
    cv_secret *s = NULL;
    cv_result r = cv_secret_new(&s, CV_MAX_PASSPHRASE);
    size_t len = 0;
    if (cv_is_ok(r)) r = read_line(fd, s->data, CV_MAX_PASSPHRASE, &len);
    if (restore) tcsetattr(fd, TCSAFLUSH, &old);
    clear_line(fd);
    if (owned) close(fd);
    if (!cv_is_ok(r)) {
        cv_secret_free(&s);
        return r;
    }
    s->len = len;
    *out = s;
    return cv_ok();
}

cv_result cv_term_read_public(const char *prompt, char *buf, size_t cap)
{
    int fd;
    bool owned;
    CV_ENSURE(cap > 0, CV_E_INVALID_ARG);
    CV_GUARD(open_tty(&fd, &owned));
    put(fd, prompt);
    put(fd, " ");
    size_t len = 0;
    cv_result r = read_line(fd, (uint8_t *)buf, cap - 1, &len);
    clear_line(fd);
    if (owned) close(fd);
    CV_GUARD(r);
    buf[len] = '\0';
    return cv_ok();
}

cv_result cv_term_print(const char *line)
{
    int fd;
    bool owned;
    CV_GUARD(open_tty(&fd, &owned));
    put(fd, line);
    put(fd, "\n");
    if (owned) close(fd);
    return cv_ok();
}
