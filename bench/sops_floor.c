/* A floor under any `sops encrypt` of a large file, as one process:
 *
 *     sops-floor FILE      (stdout: as many bytes as the encrypted value)
 *
 * The file is read and hashed with SHA-512, which sops's MAC requires over
 * every plaintext byte in order (one thread: the hash is sequential), and
 * 4/3 of its size is written (the value's base64). Nothing is encrypted or
 * encoded, no data key is made, no metadata written: every real encryption
 * does all this and more. Compiled with covert's flags but linking only
 * OpenSSL's SHA-512 (a small binary, a few relocations), it starts as fast
 * as a C program can; bench/sops.sh times it beside covert and sops, so the
 * 20x target can be set against what this host allows at all. */
#define OPENSSL_SUPPRESS_DEPRECATED /* SHA512_Init: the assembly covert's MAC runs */
#include <fcntl.h>
#include <openssl/sha.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static int write_all(const uint8_t *p, size_t n)
{
    while (n) {
        ssize_t w = write(1, p, n);
        if (w <= 0) return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

int main(int argc, char **argv)
{
    struct stat st;
    int fd = argc == 2 ? open(argv[1], O_RDONLY) : -1;
    if (fd < 0 || fstat(fd, &st) != 0 || st.st_size <= 0) {
        fprintf(stderr, "usage: sops-floor FILE (a non-empty file)\n");
        return 2;
    }
    size_t n = (size_t)st.st_size, got = 0;
    uint8_t *p = malloc(n);
    while (p && got < n) {
        ssize_t r = read(fd, p + got, n - got);
        if (r <= 0) break;
        got += (size_t)r;
    }
    close(fd);
    if (p == NULL || got != n) return 1;
    /* The low-level calls, as covert's MAC: OpenSSL 3's one-shot SHA512()
     * fetches a provider's method first (about a millisecond). */
    uint8_t h[SHA512_DIGEST_LENGTH];
    SHA512_CTX c;
    SHA512_Init(&c);
    SHA512_Update(&c, p, n);
    SHA512_Final(h, &c);
    int bad = write_all(p, n) || write_all(p, n / 3) || write_all(h, sizeof(h));
    free(p);
    return bad;
}
