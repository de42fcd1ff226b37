/* `covert age-inspect` (and a link named `age-inspect`): header facts and a
 * size breakdown of an age file without decrypting it. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd/cli.h"
#include "cmd/commands.h"
#include "cmd/flags.h"
#include "crypto/age/age.h"
#include "crypto/base/limits.h"

static const char usage[] =
    "Usage:\n"
    "    age-inspect [--json] [INPUT]\n"
    "\n"
    "Options:\n"
    "    --json                      Output machine-readable JSON.\n"
    "\n"
    "INPUT defaults to standard input. \"-\" may be used as INPUT to explicitly\n"
    "read from standard input.";

typedef struct {
    bool armor;
    const char *pq; /* "yes", "no", "unknown" */
    long long header, armor_bytes, overhead, payload;
} inspect_data;

/* Counts every byte read from the underlying source. */
typedef struct {
    cv_src src;
    cv_src *inner;
    long long count;
} counting_src;

static cv_result count_read(cv_src *s, uint8_t *buf, size_t n, size_t *got)
{
    counting_src *c = (counting_src *)s;
    CV_GUARD(cv_src_read(c->inner, buf, n, got));
    c->count += (long long)*got;
    return cv_ok();
}

static void classify(inspect_data *d, const cv_age_stanzas *st)
{
    static const char *const classic[] = { "X25519", "ssh-rsa", "ssh-ed25519",
                                           "age-encryption.org/p256tag", "piv-p256" };
    static const char *const pq[] = { "mlkem768x25519", "scrypt",
                                      "age-encryption.org/mlkem768p256tag" };
    for (size_t i = 0; i < st->n; i++) {
        for (size_t k = 0; k < 5; k++)
            if (strcmp(st->v[i].type, classic[k]) == 0) d->pq = "no";
        for (size_t k = 0; k < 3; k++)
            if (strcmp(st->v[i].type, pq[k]) == 0 && strcmp(d->pq, "no") != 0) d->pq = "yes";
    }
}

static cv_result stream_overhead(long long payload, long long *overhead)
{
    CV_ENSUREF(payload >= CV_AGE_NONCE, CV_E_AGE_PAYLOAD, "encrypted size too small: %lld", payload);
    long long enc = payload - CV_AGE_NONCE;
    long long chunks = (enc + CV_AGE_CHUNK_CT - 1) / CV_AGE_CHUNK_CT;
    long long plain = enc - chunks * CV_AGE_TAG;
    long long expect = plain == 0 ? 1 : (plain + CV_AGE_CHUNK - 1) / CV_AGE_CHUNK;
    CV_ENSUREF(expect == chunks, CV_E_AGE_PAYLOAD, "invalid encrypted payload size: %lld", enc);
    *overhead = payload - plain;
    return cv_ok();
}

static cv_result inspect(cv_src *in, long long file_size, inspect_data *d, cv_age_header *h)
{
    counting_src cs = { { count_read, NULL }, in, 0 };
    uint8_t peek[CV_AGE_ARMOR_MAX_WS + 64];
    size_t got = 0;
    CV_GUARD(cv_src_read_full(&cs.src, peek, sizeof(peek), &got));
    cv_prefix_src ps;
    CV_GUARD(cv_prefix_src_init(&ps, &cs.src, peek, got));
    d->armor = cv_age_is_armored(cv_slice_of(peek, got));
    cv_age_armor_reader ar;
    cv_src *src = &ps.src;
    if (d->armor) {
        cv_age_armor_reader_init(&ar, &ps.src);
        src = &ar.src;
    }
    cv_buf rest;
    cv_buf_init(&rest, CV_AGE_MAX_HEADER + 8192);
    cv_result r = cv_age_header_read(src, h, &rest);
    if (!cv_is_ok(r)) r = CV_FAILF(r.err, "failed to read header: %s", cv_cli_msg(r));
    long long n = (long long)rest.len;
    while (cv_is_ok(r) && (file_size < 0 || d->armor)) {
        uint8_t buf[65536];
        size_t g = 0;
        r = cv_src_read(src, buf, sizeof(buf), &g);
        if (g == 0) break;
        n += (long long)g;
    }
    if (cv_is_ok(r)) {
        d->header = (long long)h->raw_len;
        classify(d, &h->stanzas);
        if (file_size < 0 || d->armor) {
            file_size = d->header + n;
            d->armor_bytes = cs.count - file_size;
        }
        r = stream_overhead(file_size - d->header, &d->overhead);
        if (!cv_is_ok(r)) r = CV_FAILF(r.err, "failed to compute stream overhead: %s", cv_cli_msg(r));
        d->payload = file_size - d->header - d->overhead;
    }
    if (d->armor) cv_age_armor_reader_release(&ar);
    cv_prefix_src_release(&ps);
    cv_buf_release(&rest);
    return r;
}

/* A JSON string as Go's encoding/json writes it (HTML-safe escapes). */
static void json_string(const char *s)
{
    putchar('"');
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') printf("\\%c", c);
        else if (c == '<' || c == '>' || c == '&' || c < 0x20) printf("\\u%04x", c);
        else putchar(c);
    }
    putchar('"');
}

static void print_json(const inspect_data *d, const cv_age_stanzas *st)
{
    printf("{\n    \"version\": \"age-encryption.org/v1\",\n    \"postquantum\": \"%s\",\n", d->pq);
    printf("    \"armor\": %s,\n    \"stanza_types\": [\n", d->armor ? "true" : "false");
    for (size_t i = 0; i < st->n; i++) {
        printf("        ");
        json_string(st->v[i].type);
        printf("%s\n", i + 1 < st->n ? "," : "");
    }
    printf("    ],\n    \"sizes\": {\n");
    printf("        \"header\": %lld,\n        \"armor\": %lld,\n", d->header, d->armor_bytes);
    printf("        \"overhead\": %lld,\n        \"min_payload\": %lld,\n", d->overhead, d->payload);
    printf("        \"max_payload\": %lld,\n        \"min_padding\": 0,\n", d->payload);
    printf("        \"max_padding\": 0\n    }\n}\n");
}

static void print_text(const char *name, const inspect_data *d, const cv_age_stanzas *st)
{
    printf("%s is an age file, version \"age-encryption.org/v1\".\n\n", name);
    if (d->armor) printf("This file is ASCII-armored.\n\n");
    printf("This file is encrypted to the following recipient types:\n");
    for (size_t i = 0; i < st->n; i++) printf("  - \"%s\"\n", st->v[i].type);
    printf("\n");
    if (strcmp(d->pq, "yes") == 0) printf("This file uses post-quantum encryption.\n\n");
    if (strcmp(d->pq, "no") == 0) printf("This file does NOT use post-quantum encryption.\n\n");
    printf("Size breakdown (assuming it decrypts successfully):\n\n");
    printf("    Header              % 12lld bytes\n", d->header);
    if (d->armor) printf("    Armor overhead      % 12lld bytes\n", d->armor_bytes);
    printf("    Encryption overhead % 12lld bytes\n", d->overhead);
    printf("    Payload             % 12lld bytes\n", d->payload);
    printf("                        -------------------\n");
    printf("    Total               % 12lld bytes\n\n",
           d->header + d->overhead + d->payload + d->armor_bytes);
    printf("Tip: for machine-readable output, use --json.\n");
}

int cv_cmd_age_inspect(int argc, char **argv)
{
    bool version = false, json = false;
    const cv_flag flags[] = { { "version", CV_FLAG_BOOL, &version, 0 },
                              { "json", CV_FLAG_BOOL, &json, 0 } };
    char **rest;
    int nrest = cv_cli_age_tool("age-inspect", flags, sizeof(flags) / sizeof(flags[0]), &version,
                                argc, argv, usage, &rest);
    if (nrest > 1) {
        fprintf(stderr, "%s\n", usage);
        return 1;
    }
    int fd = STDIN_FILENO;
    long long size = -1;
    const char *name = nrest == 1 ? rest[0] : "<stdin>";
    if (nrest == 1 && strcmp(rest[0], "-") != 0) {
        fd = open(rest[0], O_RDONLY | O_CLOEXEC);
        if (fd < 0) cv_cli_errorf("failed to open input file \"%s\": %s", rest[0], strerror(errno));
        struct stat sb;
        if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode)) size = (long long)sb.st_size;
    }
    cv_fd_src src;
    cv_fd_src_init(&src, fd);
    inspect_data d = { false, "unknown", 0, 0, 0, 0 };
    cv_age_header h;
    cv_age_header_init(&h);
    cv_result r = inspect(&src.src, size, &d, &h);
    if (!cv_is_ok(r)) cv_cli_errorf("inspection failed: %s", cv_cli_msg(r));
    if (json) print_json(&d, &h.stanzas);
    else print_text(name, &d, &h.stanzas);
    cv_age_header_clear(&h);
    return 0;
}
