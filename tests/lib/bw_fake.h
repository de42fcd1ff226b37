/* Start and stop tests/bitwarden/fake_server.py (the loopback fake of
 * Bitwarden's identity and Secrets Manager API) from Criterion tests. The
 * server listens on 127.0.0.1 on a free port; it reads its data from the
 * shared vectors in place. */
#ifndef CV_TESTS_BW_FAKE_H
#define CV_TESTS_BW_FAKE_H

#include <stdbool.h>
#include <sys/types.h>

typedef struct {
    pid_t pid;
    int port;
    char dir[256]; /* private temporary directory (state files may go here) */
} bw_fake;

/* false (and a message on stderr) when the shared vectors are missing or
 * the server does not come up within 10 s. generate: extra secrets. */
bool bw_fake_start(bw_fake *f, int generate);
void bw_fake_stop(bw_fake *f);
/* The base URL of a scenario: http://127.0.0.1:PORT/<scenario> */
void bw_fake_url(const bw_fake *f, const char *scenario, const char *kind, char *out, size_t cap);
/* The identity/API request counts the server saw (via /_counts). */
bool bw_fake_counts(const bw_fake *f, int *identity, int *api);

#endif
