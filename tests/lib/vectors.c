#include "tests/lib/vectors.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "crypto/base/enc.h"

const char *tv_shared_dir(void)
{
    const char *env = getenv("COVERT_SHARED");
    return env && env[0] ? env : "../shared";
}

uint8_t *tv_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) return NULL;
    size_t cap = 65536, n = 0;
    uint8_t *buf = malloc(cap + 1);
    while (buf) {
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (n < cap) break;
        uint8_t *nb = realloc(buf, (cap *= 2) + 1);
        if (nb == NULL) free(buf);
        buf = nb;
    }
    fclose(f);
    if (buf) buf[n] = '\0';
    if (len) *len = n;
    return buf;
}

uint8_t *tv_inflate(const uint8_t *in, size_t len, size_t *out_len)
{
    size_t cap = len * 4 + 1024;
    uint8_t *out = malloc(cap);
    z_stream z = { 0 };
    if (out == NULL || inflateInit(&z) != Z_OK) {
        free(out);
        return NULL;
    }
    z.next_in = (uint8_t *)(uintptr_t)in;
    z.avail_in = (uInt)len;
    int rc;
    do {
        if (z.total_out == cap) {
            uint8_t *n = realloc(out, cap *= 2);
            if (n == NULL) break;
            out = n;
        }
        z.next_out = out + z.total_out;
        z.avail_out = (uInt)(cap - z.total_out);
        rc = inflate(&z, Z_NO_FLUSH);
    } while (rc == Z_OK);
    *out_len = z.total_out;
    inflateEnd(&z);
    if (rc != Z_STREAM_END) {
        free(out);
        return NULL;
    }
    return out;
}

static bool parse_key(cctv_vector *v, const char *key, const char *val)
{
    if (strcmp(key, "expect") == 0) snprintf(v->expect, sizeof(v->expect), "%s", val);
    else if (strcmp(key, "payload") == 0)
        v->has_payload = cv_is_ok(cv_hex_decode(v->payload, 32, cv_slice_str(val)));
    else if (strcmp(key, "file key") == 0)
        v->has_file_key = cv_is_ok(cv_hex_decode(v->file_key, 16, cv_slice_str(val)));
    else if (strcmp(key, "identity") == 0 && v->nidentities < CCTV_MAX_KEYS) {
        v->identities[v->nidentities++] = strdup(val);
        v->order[v->norder++] = 'i';
    } else if (strcmp(key, "passphrase") == 0 && v->npassphrases < CCTV_MAX_KEYS) {
        v->passphrases[v->npassphrases++] = strdup(val);
        v->order[v->norder++] = 'p';
    } else if (strcmp(key, "armored") == 0) v->armored = strcmp(val, "yes") == 0;
    else if (strcmp(key, "compressed") == 0) v->compressed = strcmp(val, "zlib") == 0;
    else if (strcmp(key, "comment") != 0) v->unknown_key = true;
    return true;
}

bool cctv_parse(const uint8_t *data, size_t len, cctv_vector *v)
{
    memset(v, 0, sizeof(*v));
    size_t pos = 0;
    for (;;) {
        const uint8_t *lf = memchr(data + pos, '\n', len - pos);
        if (lf == NULL) return false;
        size_t n = (size_t)(lf - data) - pos;
        if (n == 0) {
            pos++;
            break;
        }
        char line[4096];
        snprintf(line, sizeof(line), "%.*s", (int)n, (const char *)data + pos);
        char *sep = strstr(line, ": ");
        if (sep == NULL) return false;
        *sep = '\0';
        parse_key(v, line, sep + 2);
        pos += n + 1;
    }
    if (v->compressed) {
        v->body = tv_inflate(data + pos, len - pos, &v->body_len);
        return v->body != NULL;
    }
    v->body = malloc(len - pos + 1);
    memcpy(v->body, data + pos, len - pos);
    v->body_len = len - pos;
    return true;
}

void cctv_free(cctv_vector *v)
{
    for (size_t i = 0; i < v->nidentities; i++) free(v->identities[i]);
    for (size_t i = 0; i < v->npassphrases; i++) free(v->passphrases[i]);
    free(v->body);
}

static int cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

char **tv_list_dir(const char *dir, size_t *n)
{
    DIR *d = opendir(dir);
    *n = 0;
    if (d == NULL) return NULL;
    size_t cap = 256;
    char **names = calloc(cap + 1, sizeof(char *));
    struct dirent *e;
    while (names && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.' || strcmp(e->d_name, "README.md") == 0) continue;
        if (e->d_type == DT_DIR) continue;
        if (*n == cap) {
            char **nn = realloc(names, (cap * 2 + 1) * sizeof(char *));
            if (nn == NULL) break;
            names = nn;
            cap *= 2;
        }
        names[(*n)++] = strdup(e->d_name);
        names[*n] = NULL;
    }
    closedir(d);
    if (names) qsort(names, *n, sizeof(char *), cmp);
    return names;
}

void tv_free_list(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++) free(names[i]);
    free(names);
}
