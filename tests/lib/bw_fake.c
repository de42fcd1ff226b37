#include "tests/lib/bw_fake.h"

#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/lib/vectors.h"

extern char **environ;

bool bw_fake_start(bw_fake *f, int generate)
{
    memset(f, 0, sizeof(*f));
    char probe[1024];
    snprintf(probe, sizeof(probe), "%s/testvectors/bitwarden/sm_api_responses.json",
             tv_shared_dir());
    if (access(probe, R_OK) != 0) return false;
    snprintf(f->dir, sizeof(f->dir), "/tmp/covert-bwfake-XXXXXX");
    if (mkdtemp(f->dir) == NULL) return false;
    char portfile[300], shared[1024], gen[32];
    static char a0[] = "python3", a1[] = "tests/bitwarden/fake_server.py", a2[] = "--port-file",
                a4[] = "--shared", a6[] = "--generate";
    snprintf(portfile, sizeof(portfile), "%s/port", f->dir);
    snprintf(shared, sizeof(shared), "%s", tv_shared_dir());
    snprintf(gen, sizeof(gen), "%d", generate);
    char *argv[] = { a0, a1, a2, portfile, a4, shared, a6, gen, NULL };
    if (posix_spawnp(&f->pid, "python3", NULL, NULL, argv, environ) != 0) return false;
    for (int i = 0; i < 400; i++) {
        FILE *p = fopen(portfile, "r");
        if (p) {
            int ok = fscanf(p, "%d", &f->port);
            fclose(p);
            if (ok == 1) return true;
        }
        usleep(25000);
    }
    bw_fake_stop(f);
    return false;
}

void bw_fake_stop(bw_fake *f)
{
    if (f->pid > 0) {
        kill(f->pid, SIGTERM);
        waitpid(f->pid, NULL, 0);
        f->pid = 0;
    }
    if (f->dir[0]) {
        char p[300];
        snprintf(p, sizeof(p), "%s/port", f->dir);
        unlink(p);
        rmdir(f->dir);
    }
}

void bw_fake_url(const bw_fake *f, const char *scenario, const char *kind, char *out, size_t cap)
{
    snprintf(out, cap, "http://127.0.0.1:%d/%s%s%s", f->port, scenario, kind ? "/" : "",
             kind ? kind : "");
}

bool bw_fake_counts(const bw_fake *f, int *identity, int *api)
{
    char cmd[256];
    snprintf(cmd, sizeof(cmd), "curl -s http://127.0.0.1:%d/_counts", f->port);
    FILE *p = popen(cmd, "r");
    if (p == NULL) return false;
    int n = fscanf(p, "{\"identity\": %d, \"api\": %d}", identity, api);
    pclose(p);
    return n == 2;
}
