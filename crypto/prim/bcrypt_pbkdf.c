#include "crypto/prim/bcrypt_pbkdf.h"

#include <sodium.h>
#include <string.h>

#include "crypto/base/mem.h"
#include "crypto/prim/blowfish_pi.h"

typedef struct {
    uint32_t p[18];
    uint32_t s[4][256];
} bf_state;

/* bcrypt's fixed plaintext, encrypted 64 times under the expanded key. */
static const char bcrypt_magic[] = "OxychromaticBlowfishSwatDynamite";

static uint32_t bf_f(const bf_state *c, uint32_t x)
{
    uint32_t h = c->s[0][x >> 24] + c->s[1][(x >> 16) & 0xff];
    return (h ^ c->s[2][(x >> 8) & 0xff]) + c->s[3][x & 0xff];
}

static void bf_encipher(const bf_state *c, uint32_t *xl, uint32_t *xr)
{
    uint32_t l = *xl, r = *xr;
    l ^= c->p[0];
    for (int i = 1; i <= 16; i += 2) {
        r ^= bf_f(c, l) ^ c->p[i];
        l ^= bf_f(c, r) ^ c->p[i + 1];
    }
    *xl = r ^ c->p[17];
    *xr = l;
}

/* Next big-endian word of `data`, cycling over it (bcrypt's key schedule
 * treats keys and salts as endless repetitions). */
static uint32_t stream_word(const uint8_t *data, size_t len, size_t *pos)
{
    uint32_t w = 0;
    for (int i = 0; i < 4; i++) {
        if (*pos >= len) *pos = 0;
        w = (w << 8) | data[*pos];
        (*pos)++;
    }
    return w;
}

static void bf_init(bf_state *c)
{
    memcpy(c->p, cv_bf_init_p, sizeof(c->p));
    memcpy(c->s, cv_bf_init_s, sizeof(c->s));
}

static void bf_mix_key(bf_state *c, const uint8_t *key, size_t key_len)
{
    size_t j = 0;
    for (int i = 0; i < 18; i++) c->p[i] ^= stream_word(key, key_len, &j);
}

/* Re-key the state by repeatedly enciphering; when `data` is given, each
 * block is first xored with the next words of data (eksblowfish's salted
 * expansion), otherwise it is the plain expansion (expand0). */
static void bf_expand(bf_state *c, const uint8_t *data, size_t data_len, const uint8_t *key,
                      size_t key_len)
{
    size_t j = 0;
    uint32_t l = 0, r = 0;
    bf_mix_key(c, key, key_len);
    for (int i = 0; i < 18; i += 2) {
        if (data) l ^= stream_word(data, data_len, &j), r ^= stream_word(data, data_len, &j);
        bf_encipher(c, &l, &r);
        c->p[i] = l;
        c->p[i + 1] = r;
    }
    for (int b = 0; b < 4; b++) {
        for (int k = 0; k < 256; k += 2) {
            if (data) l ^= stream_word(data, data_len, &j), r ^= stream_word(data, data_len, &j);
            bf_encipher(c, &l, &r);
            c->s[b][k] = l;
            c->s[b][k + 1] = r;
        }
    }
}

void cv_bcrypt_hash(uint8_t out[CV_BCRYPT_HASH_LEN], const uint8_t sha2pass[64],
                    const uint8_t sha2salt[64])
{
    bf_state st;
    uint32_t cdata[8];
    size_t j = 0;
    bf_init(&st);
    bf_expand(&st, sha2salt, 64, sha2pass, 64);
    for (int i = 0; i < 64; i++) {
        bf_expand(&st, NULL, 0, sha2salt, 64);
        bf_expand(&st, NULL, 0, sha2pass, 64);
    }
    for (int i = 0; i < 8; i++)
        cdata[i] = stream_word((const uint8_t *)bcrypt_magic, 32, &j);
    for (int i = 0; i < 64; i++)
        for (int k = 0; k < 8; k += 2) bf_encipher(&st, &cdata[k], &cdata[k + 1]);
    /* The words leave little-endian, a quirk of the reference code. */
    for (int i = 0; i < 8; i++) {
        out[4 * i + 0] = (uint8_t)cdata[i];
        out[4 * i + 1] = (uint8_t)(cdata[i] >> 8);
        out[4 * i + 2] = (uint8_t)(cdata[i] >> 16);
        out[4 * i + 3] = (uint8_t)(cdata[i] >> 24);
    }
    cv_wipe(&st, sizeof(st));
    cv_wipe(cdata, sizeof(cdata));
}

static void salt_digest(uint8_t out[64], const uint8_t *salt, size_t salt_len, uint32_t count)
{
    crypto_hash_sha512_state h;
    uint8_t be[4] = { (uint8_t)(count >> 24), (uint8_t)(count >> 16), (uint8_t)(count >> 8),
                      (uint8_t)count };
    crypto_hash_sha512_init(&h);
    crypto_hash_sha512_update(&h, salt, salt_len);
    crypto_hash_sha512_update(&h, be, sizeof(be));
    crypto_hash_sha512_final(&h, out);
    cv_wipe(&h, sizeof(h));
}

/* One 32-byte block: the xor of `rounds` chained bcrypt hashes. */
static void pbkdf_block(uint8_t acc[32], const uint8_t sha2pass[64], const uint8_t *salt,
                        size_t salt_len, uint32_t count, uint32_t rounds)
{
    uint8_t sha2salt[64], tmp[32];
    salt_digest(sha2salt, salt, salt_len, count);
    cv_bcrypt_hash(tmp, sha2pass, sha2salt);
    memcpy(acc, tmp, 32);
    for (uint32_t i = 1; i < rounds; i++) {
        crypto_hash_sha512(sha2salt, tmp, sizeof(tmp));
        cv_bcrypt_hash(tmp, sha2pass, sha2salt);
        for (int k = 0; k < 32; k++) acc[k] ^= tmp[k];
    }
    cv_wipe(sha2salt, sizeof(sha2salt));
    cv_wipe(tmp, sizeof(tmp));
}

cv_result cv_bcrypt_pbkdf(uint8_t *out, size_t out_len, const uint8_t *pass, size_t pass_len,
                          const uint8_t *salt, size_t salt_len, uint32_t rounds)
{
    CV_ENSURE(pass_len > 0 && salt_len > 0 && rounds > 0, CV_E_INVALID_ARG);
    CV_ENSURE(salt_len <= CV_BCRYPT_PBKDF_MAX_SALT, CV_E_INVALID_ARG);
    CV_ENSURE(out_len > 0 && out_len <= CV_BCRYPT_PBKDF_MAX_OUT, CV_E_INVALID_ARG);
    /* Output byte i of block `count` lands at i * stride + count - 1, so a
     * short read of the key never depends on a single block. */
    size_t stride = (out_len + 31) / 32, amt = (out_len + stride - 1) / stride;
    uint8_t sha2pass[64], block[32];
    size_t left = out_len;
    crypto_hash_sha512(sha2pass, pass, pass_len);
    for (uint32_t count = 1; left > 0; count++) {
        pbkdf_block(block, sha2pass, salt, salt_len, count, rounds);
        size_t i = 0, n = amt < left ? amt : left;
        for (; i < n; i++) {
            size_t dest = i * stride + (count - 1);
            if (dest >= out_len) break;
            out[dest] = block[i];
        }
        CV_BUG_ON(i == 0); /* the reference schedule always makes progress */
        left -= i;
    }
    cv_wipe(sha2pass, sizeof(sha2pass));
    cv_wipe(block, sizeof(block));
    return cv_ok();
}
