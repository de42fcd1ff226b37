#include "cmd/privfile.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#define TMPFS_MAGIC_NUMBER 0x01021994

static char dir[4096];
static char path[8192];
static bool is_fifo;

/* Async-signal-safe: called from the signal handler too. */
void cv_privfile_scrub(void)
{
    if (path[0] && !is_fifo) {
        int fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd >= 0) {
            static const char zero[4096];
            off_t size = lseek(fd, 0, SEEK_END);
            lseek(fd, 0, SEEK_SET);
            while (size > 0) {
                ssize_t w = write(fd, zero, size > 4096 ? 4096 : (size_t)size);
                if (w <= 0) break;
                size -= w;
            }
            fsync(fd);
            close(fd);
        }
    }
    if (path[0]) unlink(path);
    path[0] = '\0';
    if (dir[0]) rmdir(dir);
    dir[0] = '\0';
}

static void on_signal(int sig)
{
    cv_privfile_scrub();
    signal(sig, SIG_DFL);
    raise(sig);
}

static bool on_tmpfs(const char *d)
{
    struct statfs st;
    return d && *d && statfs(d, &st) == 0 && (unsigned long)st.f_type == TMPFS_MAGIC_NUMBER;
}

static const char *private_base(void)
{
    const char *run = getenv("XDG_RUNTIME_DIR");
    if (on_tmpfs(run)) return run;
    if (on_tmpfs("/dev/shm")) return "/dev/shm";
    const char *t = getenv("TMPDIR");
    return t && *t ? t : "/tmp";
}

const char *cv_privfile_path(void) { return path; }

int cv_privfile_create(const char *name, bool fifo)
{
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    signal(SIGHUP, on_signal);
    snprintf(dir, sizeof(dir), "%s/covert-XXXXXX", private_base());
    if (mkdtemp(dir) == NULL) {
        dir[0] = '\0';
        return -1;
    }
    const char *base = strrchr(name, '/');
    snprintf(path, sizeof(path), "%s/%s", dir, base ? base + 1 : name);
    is_fifo = fifo;
    if (fifo) {
        if (mkfifo(path, 0600) == 0) return -1;
    } else {
        int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd >= 0) return fd;
    }
    int e = errno;
    path[0] = '\0';
    cv_privfile_scrub();
    errno = e;
    return -1;
}
