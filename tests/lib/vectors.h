/* Test-only helpers: locating shared data, reading files, and the C2SP CCTV
 * age vector format (key: value lines, a blank line, the age file). */
#ifndef CV_TESTS_VECTORS_H
#define CV_TESTS_VECTORS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto/base/buf.h"

#define CCTV_MAX_KEYS 8

typedef struct {
    char expect[32];
    bool has_payload, armored, compressed, unknown_key;
    uint8_t payload[32];
    uint8_t file_key[16];
    bool has_file_key;
    char *identities[CCTV_MAX_KEYS];
    size_t nidentities;
    char *passphrases[CCTV_MAX_KEYS];
    size_t npassphrases;
    /* Order in which identity/passphrase lines appeared: 'i' or 'p'. */
    char order[2 * CCTV_MAX_KEYS];
    size_t norder;
    uint8_t *body;
    size_t body_len;
} cctv_vector;

/* Directory of the shared data (../shared from the repository root, or
 * $COVERT_SHARED). */
const char *tv_shared_dir(void);
/* Read a whole file; returns malloc'd bytes (NUL-terminated, not counted
 * in *len; len may be NULL) or NULL. */
uint8_t *tv_read_file(const char *path, size_t *len);
/* Inflate a zlib stream; malloc'd result or NULL. */
uint8_t *tv_inflate(const uint8_t *in, size_t len, size_t *out_len);
/* Parse a CCTV vector file (inflating zlib bodies). */
bool cctv_parse(const uint8_t *data, size_t len, cctv_vector *v);
void cctv_free(cctv_vector *v);
/* Names of every vector in dir (sorted, README excluded); NULL-terminated. */
char **tv_list_dir(const char *dir, size_t *n);
void tv_free_list(char **names, size_t n);

#endif
