/* `covert age-keygen` (and a link named `age-keygen`). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cmd/cli.h"
#include "cmd/commands.h"
#include "cmd/flags.h"
#include "cmd/term.h"
#include "crypto/age/keys.h"
#include "crypto/base/limits.h"

static const char usage[] =
    "Usage:\n"
    "    age-keygen [-pq] [-o OUTPUT]\n"
    "    age-keygen -y [-o OUTPUT] [INPUT]\n"
    "\n"
    "Options:\n"
    "    -pq                       Generate a post-quantum hybrid ML-KEM-768 + X25519 key pair.\n"
    "                              (This might become the default in the future.)\n"
    "    -o, --output OUTPUT       Write the result to the file at path OUTPUT.\n"
    "    -y                        Convert an identity file to a recipients file.\n"
    "\n"
    "age-keygen generates a new native X25519 or, with the -pq flag, post-quantum\n"
    "hybrid ML-KEM-768 + X25519 key pair, and outputs it to standard output or to\n"
    "the OUTPUT file.\n"
    "\n"
    "If an OUTPUT file is specified, the public key is printed to standard error.\n"
    "If OUTPUT already exists, it is not overwritten.\n"
    "\n"
    "In -y mode, age-keygen reads an identity file from INPUT or from standard\n"
    "input and writes the corresponding recipient(s) to OUTPUT or to standard\n"
    "output, one per line, with no comments.\n"
    "\n"
    "Examples:\n"
    "\n"
    "    $ covert age-keygen -o key.txt\n"
    "    Public key: age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p\n"
    "\n"
    "    $ covert age-keygen -y key.txt\n"
    "    age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p";

static void write_all(int fd, const void *p, size_t n, const char *name)
{
    cv_fd_sink s;
    cv_fd_sink_init(&s, fd);
    cv_result r = cv_sink_write(&s.sink, p, n);
    if (!cv_is_ok(r)) cv_cli_errorf("failed to write \"%s\": %s", name, cv_cli_msg(r));
}

/* RFC 3339 local time with offset, as Go's time.RFC3339 prints it. */
static void rfc3339_now(char *out, size_t cap)
{
    time_t t = time(NULL);
    struct tm tm;
    localtime_r(&t, &tm);
    char zone[8];
    strftime(zone, sizeof(zone), "%z", &tm);
    char date[32];
    strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm);
    if (strcmp(zone, "+0000") == 0) snprintf(out, cap, "%sZ", date);
    else snprintf(out, cap, "%s%.3s:%.2s", date, zone, zone + 3);
}

static void generate(int fd, bool pq, const char *name)
{
    cv_secret *id = NULL;
    char *rcpt = NULL;
    cv_result r = pq ? cv_age_pq_generate(&id, &rcpt) : cv_age_x25519_generate(&id, &rcpt);
    if (!cv_is_ok(r)) cv_cli_errorf("internal error: %s", cv_cli_msg(r));
    if (!cv_term_is_tty(fd)) fprintf(stderr, "Public key: %s\n", rcpt);
    char when[64], head[128];
    rfc3339_now(when, sizeof(when));
    snprintf(head, sizeof(head), "# created: %s\n# public key: ", when);
    write_all(fd, head, strlen(head), name);
    write_all(fd, rcpt, strlen(rcpt), name);
    write_all(fd, "\n", 1, name);
    write_all(fd, id->data, id->len, name);
    write_all(fd, "\n", 1, name);
    cv_secret_free(&id);
    free(rcpt);
}

static void convert(int in, int out, const char *name)
{
    cv_buf data;
    cv_buf_init_secret(&data, CV_AGE_MAX_KEYFILE);
    cv_fd_src src;
    cv_fd_src_init(&src, in);
    cv_result r = cv_src_read_all(&src.src, &data);
    cv_age_identities ids;
    cv_age_identities_init(&ids);
    if (cv_is_ok(r)) r = cv_age_identity_file_parse(cv_buf_slice(&data), cv_slice_of(NULL, 0), "-", NULL, &ids);
    cv_buf_release(&data);
    if (!cv_is_ok(r)) cv_cli_errorf("failed to parse input: %s", cv_cli_msg(r));
    if (ids.n == 0) cv_cli_errorf("no identities found in the input");
    for (size_t i = 0; i < ids.n; i++) {
        cv_age_recipient *rc = NULL;
        char *s = NULL;
        if (ids.v[i]->cls != CV_AGE_ID_NATIVE)
            cv_cli_errorf("internal error: unexpected identity type: %s", ids.v[i]->ops->name);
        r = ids.v[i]->ops->to_recipient(ids.v[i], &rc);
        if (cv_is_ok(r)) r = cv_age_recipient_encode(rc, &s);
        if (!cv_is_ok(r)) cv_cli_errorf("internal error: %s", cv_cli_msg(r));
        write_all(out, s, strlen(s), name);
        write_all(out, "\n", 1, name);
        free(s);
        cv_age_recipient_free(&rc);
    }
    cv_age_identities_clear(&ids);
}

int cv_cmd_age_keygen(int argc, char **argv)
{
    bool pq = false, version = false, y = false;
    const char *out = NULL;
    const cv_flag flags[] = {
        { "version", CV_FLAG_BOOL, &version, 0 }, { "pq", CV_FLAG_BOOL, &pq, 0 },
        { "y", CV_FLAG_BOOL, &y, 0 },             { "o", CV_FLAG_STRING, &out, 0 },
        { "output", CV_FLAG_STRING, &out, 0 },
    };
    char **rest;
    int nrest = cv_cli_age_tool("age-keygen", flags, sizeof(flags) / sizeof(flags[0]), &version,
                                argc, argv, usage, &rest);
    if ((nrest != 0 && !y) || nrest > 1) cv_cli_errorf("too many arguments");
    if (pq && y) cv_cli_errorf("-pq cannot be used with -y");
    int fd = STDOUT_FILENO;
    if (out && out[0]) {
        fd = open(out, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0) cv_cli_errorf("failed to open output file \"%s\": %s", out, strerror(errno));
    }
    int in = STDIN_FILENO;
    if (nrest == 1 && strcmp(rest[0], "-") != 0) {
        in = open(rest[0], O_RDONLY | O_CLOEXEC);
        if (in < 0) cv_cli_errorf("failed to open input file \"%s\": %s", rest[0], strerror(errno));
    }
    if (y) {
        convert(in, fd, out ? out : "standard output");
    } else {
        struct stat sb;
        if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) && (sb.st_mode & 0004))
            fprintf(stderr, "age-keygen: warning: writing secret key to a world-readable file\n");
        generate(fd, pq, out ? out : "standard output");
    }
    if (fd != STDOUT_FILENO && close(fd) != 0)
        cv_cli_errorf("failed to close output file \"%s\": %s", out, strerror(errno));
    return 0;
}
