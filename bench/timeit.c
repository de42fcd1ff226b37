/* Run one command and print "WALL_S PEAK_RSS_KIB CPU_S" on stdout.
 *
 *     timeit [--out FILE] [--err FILE] -- CMD [ARGS...]
 *
 * The clock starts just before the child is spawned and stops when wait4
 * returns it. Peak RSS and CPU time (user + system) come from wait4; for a
 * shell loop they cover the processes it waited for (the peak is the largest
 * single process). Linux carries a process's peak RSS across exec, so the
 * timer must itself be small: a Python or shell parent would lend the child
 * its own ten-odd MiB. stdout of the command goes to --out (default
 * /dev/null), stderr to --err (default: ours). A failing command makes this
 * fail. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static double secs(struct timeval tv) { return (double)tv.tv_sec + (double)tv.tv_usec / 1e6; }

int main(int argc, char **argv)
{
    const char *out = "/dev/null", *err = NULL;
    int i = 1;
    for (; i + 1 < argc && strcmp(argv[i], "--") != 0; i += 2) {
        if (strcmp(argv[i], "--out") == 0) out = argv[i + 1];
        else if (strcmp(argv[i], "--err") == 0) err = argv[i + 1];
        else break;
    }
    if (i >= argc || strcmp(argv[i], "--") != 0 || i + 1 >= argc) {
        fprintf(stderr, "usage: timeit [--out FILE] [--err FILE] -- CMD [ARGS...]\n");
        return 2;
    }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (err) posix_spawn_file_actions_addopen(&fa, 2, err, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    double t0 = now();
    pid_t pid;
    int rc = posix_spawnp(&pid, argv[i + 1], &fa, NULL, argv + i + 1, environ);
    if (rc != 0) {
        fprintf(stderr, "timeit: cannot run %s: %s\n", argv[i + 1], strerror(rc));
        return 1;
    }
    int status;
    struct rusage ru;
    if (wait4(pid, &status, 0, &ru) != pid) {
        perror("timeit: wait4");
        return 1;
    }
    double wall = now() - t0;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "timeit: %s failed (status %d)\n", argv[i + 1], status);
        return 1;
    }
    printf("%.6f %ld %.6f\n", wall, ru.ru_maxrss, secs(ru.ru_utime) + secs(ru.ru_stime));
    return 0;
}
