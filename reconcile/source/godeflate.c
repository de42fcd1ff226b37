/* Go's deflate and gzip writers (see godeflate.h).
 *
 * Reproduces the behaviour of Go 1.26's compress/flate compressor
 * (deflate.go: lazy levels; huffman_bit_writer.go: writeBlock and the
 * stored header; huffman_code.go: code construction) and compress/gzip's
 * Writer. Written from a reading of that source; every quirk that changes
 * output bytes is kept on purpose and marked "as Go". */
#include "reconcile/source/godeflate.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

enum {
    WIN = 1 << 15,
    WMASK = WIN - 1,
    MIN_MATCH = 4,  /* Go's compressor never emits 3-byte matches */
    MAX_MATCH = 258,
    LOOKAHEAD = MIN_MATCH + MAX_MATCH,
    HASH_SHIFT = 32 - 17,
    HASH_SIZE = 1 << 17,
    MAX_TOKENS = 1 << 14,
    MAX_STORED = 65535,
    MAX_HASH_OFFSET = 1 << 24,
    FAR_FOUR = 4096, /* a 4-byte match is only taken this close */
    NLIT = 286,
    NOFF = 30,
    NCG = 19,
    EOB = 256,
    CG_END = 255,
    OUTBUF = 8192,
};
#define MATCH_TYPE (1u << 30)
#define LEN_SHIFT 22
#define OFF_MASK ((1u << LEN_SHIFT) - 1)

typedef struct {
    uint16_t code, len;
} hcode;

typedef struct {
    uint16_t lit;
    int32_t freq;
} lnode;

typedef struct {
    int good, lazy, nice, chain;
} level_params;

/* Go's table for levels 4..9 (good, lazy, nice, chain). */
static const level_params LEVELS[6] = {
    { 4, 4, 16, 16 },    { 8, 16, 32, 32 },    { 8, 16, 128, 128 },
    { 8, 32, 128, 256 }, { 32, 128, 258, 1024 }, { 32, 258, 258, 4096 },
};

static const uint8_t LEN_EXTRA[29] = { 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2,
                                       2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0 };
static const uint16_t LEN_BASE[29] = { 0,  1,  2,  3,  4,  5,  6,   7,   8,   10,
                                       12, 14, 16, 20, 24, 28, 32,  40,  48,  56,
                                       64, 80, 96, 112, 128, 160, 192, 224, 255 };
static const uint8_t OFF_EXTRA[30] = { 0, 0, 0, 0, 1, 1, 2, 2,  3,  3,  4,  4,  5,  5,  6,
                                       6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13 };
static const uint8_t CG_ORDER[NCG] = { 16, 17, 18, 0, 8, 7, 9, 6, 10, 5,
                                       11, 4, 12, 3, 13, 2, 14, 1, 15 };

typedef struct {
    uint64_t bits;
    unsigned nbits;
    size_t n;
    cv_godeflate_sink sink;
    void *ctx;
    uint8_t buf[OUTBUF];
} bitw;

struct cv_godeflate {
    level_params p;
    bool gzip, closed, sync, byte_avail;
    int xfl;
    uint32_t crc, size;
    /* window[index:wend] is not yet tokenised; tokens cover
     * window[bstart:index] (bstart INT_MAX once slid out). */
    int index, wend, bstart;
    int length, offset, max_insert, chain_head, hash_off;
    size_t ntok;
    uint32_t tok[MAX_TOKENS + 1];
    int32_t lfreq[NLIT], ofreq[NOFF], cgfreq[NCG];
    uint8_t codegen[NLIT + NOFF + 1];
    hcode lit[NLIT], off[NOFF], cg[NCG], flit[NLIT], foff[NOFF];
    lnode scratch[NLIT + 1];
    bitw w;
    uint8_t window[2 * WIN];
    uint32_t head[HASH_SIZE];
    uint32_t prev[WIN];
};

/* ---- bit output ---- */

static void out_flush(bitw *w)
{
    if (w->n) w->sink(w->ctx, w->buf, w->n);
    w->n = 0;
}

static void put_bits(bitw *w, uint32_t v, unsigned nb)
{
    w->bits |= (uint64_t)v << w->nbits;
    w->nbits += nb;
    if (w->nbits < 32) return;
    if (w->n + 4 > OUTBUF) out_flush(w);
    for (int i = 0; i < 4; i++) w->buf[w->n++] = (uint8_t)(w->bits >> (8 * i));
    w->bits >>= 32;
    w->nbits -= 32;
}

static void put_code(bitw *w, hcode c) { put_bits(w, c.code, c.len); }

/* Pads to a byte boundary with zero bits. */
static void align(bitw *w)
{
    while (w->nbits > 0) {
        if (w->n == OUTBUF) out_flush(w);
        w->buf[w->n++] = (uint8_t)w->bits;
        w->bits >>= 8;
        w->nbits = w->nbits > 8 ? w->nbits - 8 : 0;
    }
    w->bits = 0;
}

static void put_bytes(bitw *w, const uint8_t *p, size_t n)
{
    align(w);
    if (w->n + n <= OUTBUF) {
        memcpy(w->buf + w->n, p, n);
        w->n += n;
        return;
    }
    out_flush(w);
    w->sink(w->ctx, p, n);
}

static void stored_header(bitw *w, size_t len, bool eof)
{
    put_bits(w, eof ? 1 : 0, 3);
    align(w);
    put_bits(w, (uint32_t)len, 16);
    put_bits(w, (uint32_t)(~len & 0xffff), 16);
}

/* ---- Huffman codes (huffman_code.go) ---- */

static uint16_t reverse(uint32_t code, unsigned n)
{
    uint32_t r = 0;
    for (unsigned i = 0; i < n; i++, code >>= 1) r = (r << 1) | (code & 1);
    return (uint16_t)r;
}

static int by_freq(const void *a, const void *b)
{
    const lnode *x = a, *y = b;
    if (x->freq != y->freq) return x->freq < y->freq ? -1 : 1;
    return (x->lit > y->lit) - (x->lit < y->lit);
}

static int by_lit(const void *a, const void *b)
{
    const lnode *x = a, *y = b;
    return (x->lit > y->lit) - (x->lit < y->lit);
}

typedef struct {
    int32_t last, next_char, next_pair, needed;
} level_state;

static void bit_counts_init(level_state *lv, int32_t (*leaf)[17], const lnode *list, int maxb)
{
    for (int l = 1; l <= maxb; l++) {
        lv[l] = (level_state){ list[1].freq, list[2].freq, list[0].freq + list[1].freq, 0 };
        leaf[l][l] = 2;
        if (l == 1) lv[l].next_pair = INT32_MAX;
    }
}

/* How many symbols get each code length, limited to maxb bits: Go's
 * level-by-level construction (its tie-breaking decides the lengths, so
 * it is followed step by step). list has n >= 3 entries sorted by
 * frequency and room for a sentinel. Returns the effective maximum. */
static int bit_counts(lnode *list, int n, int maxb, int32_t bc[17])
{
    list[n] = (lnode){ 0xffff, INT32_MAX };
    if (maxb > n - 1) maxb = n - 1;
    level_state lv[18] = { { 0, 0, 0, 0 } };
    int32_t leaf[17][17] = { { 0 } };
    bit_counts_init(lv, leaf, list, maxb);
    lv[maxb].needed = 2 * n - 4;
    for (int l = maxb;;) {
        level_state *v = &lv[l];
        if (v->next_pair == INT32_MAX && v->next_char == INT32_MAX) {
            v->needed = 0;
            lv[++l].next_pair = INT32_MAX;
            continue;
        }
        int32_t before = v->last;
        if (v->next_char < v->next_pair) {
            int32_t k = ++leaf[l][l];
            v->last = v->next_char;
            v->next_char = list[k].freq;
        } else {
            v->last = v->next_pair;
            memcpy(leaf[l], leaf[l - 1], (size_t)l * sizeof(int32_t));
            lv[l - 1].needed = 2;
        }
        if (--v->needed == 0) {
            if (l == maxb) break;
            lv[l + 1].next_pair = before + v->last;
            l++;
        } else {
            while (lv[l - 1].needed > 0) l--;
        }
    }
    bc[0] = 0;
    for (int l = maxb, bits = 1; l > 0; l--, bits++) bc[bits] = leaf[maxb][l] - leaf[maxb][l - 1];
    return maxb;
}

/* Canonical codes: the least frequent symbols take the longest codes,
 * and within one length codes go up in symbol order. */
static void assign_codes(hcode *codes, const int32_t *bc, int maxb, lnode *list, int count)
{
    uint32_t code = 0;
    for (int n = 0; n <= maxb; n++) {
        code <<= 1;
        if (n == 0 || bc[n] == 0) continue;
        lnode *chunk = list + count - bc[n];
        qsort(chunk, (size_t)bc[n], sizeof(lnode), by_lit);
        for (int32_t i = 0; i < bc[n]; i++, code++)
            codes[chunk[i].lit] = (hcode){ reverse(code, (unsigned)n), (uint16_t)n };
        count -= bc[n];
    }
}

static void generate(hcode *codes, const int32_t *freq, int n, int maxb, lnode *list)
{
    int count = 0;
    for (int i = 0; i < n; i++) {
        if (freq[i]) list[count++] = (lnode){ (uint16_t)i, freq[i] };
        else codes[i].len = 0;
    }
    if (count <= 2) { /* as Go: one bit each, in symbol order */
        for (int i = 0; i < count; i++) codes[list[i].lit] = (hcode){ (uint16_t)i, 1 };
        return;
    }
    qsort(list, (size_t)count, sizeof(lnode), by_freq);
    int32_t bc[17];
    int maxbits = bit_counts(list, count, maxb, bc);
    assign_codes(codes, bc, maxbits, list, count);
}

static void fixed_codes(hcode *lit, hcode *off)
{
    for (uint32_t c = 0; c < NLIT; c++) {
        uint32_t bits = c < 144 ? c + 48 : c < 256 ? c + 400 - 144 : c < 280 ? c - 256 : c + 192 - 280;
        unsigned size = c < 144 ? 8 : c < 256 ? 9 : c < 280 ? 7 : 8;
        lit[c] = (hcode){ reverse(bits, size), (uint16_t)size };
    }
    for (uint32_t c = 0; c < NOFF; c++) off[c] = (hcode){ reverse(c, 5), 5 };
}

static long bit_length(const hcode *codes, const int32_t *freq, int n)
{
    long total = 0;
    for (int i = 0; i < n; i++)
        if (freq[i]) total += (long)freq[i] * codes[i].len;
    return total;
}

/* ---- tokens and blocks (huffman_bit_writer.go) ---- */

/* xlen = length - 3 (0..255) to its length code 0..28. */
static unsigned len_code(uint32_t xlen)
{
    if (xlen < 8) return xlen;
    if (xlen == 255) return 28;
    unsigned b = 31u - (unsigned)__builtin_clz(xlen);
    return 4 * (b - 1) + ((xlen >> (b - 2)) & 3);
}

/* xoff = distance - 1 (0..32767) to its distance code 0..29. */
static unsigned off_code(uint32_t xoff)
{
    if (xoff < 4) return xoff;
    unsigned b = 31u - (unsigned)__builtin_clz(xoff);
    return 2 * b + ((xoff >> (b - 1)) & 1);
}

static void index_tokens(cv_godeflate *z, int *nlit, int *noff)
{
    memset(z->lfreq, 0, sizeof(z->lfreq));
    memset(z->ofreq, 0, sizeof(z->ofreq));
    for (size_t i = 0; i < z->ntok; i++) {
        uint32_t t = z->tok[i];
        if (t < MATCH_TYPE) {
            z->lfreq[t]++;
            continue;
        }
        z->lfreq[257 + len_code((t - MATCH_TYPE) >> LEN_SHIFT)]++;
        z->ofreq[off_code(t & OFF_MASK)]++;
    }
    int nl = NLIT, no = NOFF;
    while (z->lfreq[nl - 1] == 0) nl--;
    while (no > 0 && z->ofreq[no - 1] == 0) no--;
    if (no == 0) { /* as Go: one phantom distance, counted in every size */
        z->ofreq[0] = 1;
        no = 1;
    }
    generate(z->lit, z->lfreq, NLIT, 15, z->scratch);
    generate(z->off, z->ofreq, NOFF, 15, z->scratch);
    *nlit = nl;
    *noff = no;
}

/* One run of count code lengths equal to size, as codes 0-18. */
static int codegen_run(cv_godeflate *z, int out, uint8_t size, int count)
{
    uint8_t *cg = z->codegen;
    if (size != 0) {
        cg[out++] = size;
        z->cgfreq[size]++;
        count--;
        for (; count >= 3; z->cgfreq[16]++) {
            int n = count < 6 ? count : 6;
            cg[out++] = 16;
            cg[out++] = (uint8_t)(n - 3);
            count -= n;
        }
    } else {
        for (; count >= 11; z->cgfreq[18]++) {
            int n = count < 138 ? count : 138;
            cg[out++] = 18;
            cg[out++] = (uint8_t)(n - 11);
            count -= n;
        }
        if (count >= 3) {
            cg[out++] = 17;
            cg[out++] = (uint8_t)(count - 3);
            z->cgfreq[17]++;
            count = 0;
        }
    }
    for (; count > 0; count--) {
        cg[out++] = size;
        z->cgfreq[size]++;
    }
    return out;
}

/* The run-length coded code lengths, written over the lengths themselves
 * (the output never overtakes the input). */
static void gen_codegen(cv_godeflate *z, int nlit, int noff)
{
    uint8_t *cg = z->codegen;
    memset(z->cgfreq, 0, sizeof(z->cgfreq));
    for (int i = 0; i < nlit; i++) cg[i] = (uint8_t)z->lit[i].len;
    for (int i = 0; i < noff; i++) cg[nlit + i] = (uint8_t)z->off[i].len;
    cg[nlit + noff] = CG_END;
    uint8_t size = cg[0];
    int count = 1, out = 0;
    for (int in = 1; size != CG_END; in++) {
        uint8_t next = cg[in];
        if (next == size) {
            count++;
            continue;
        }
        out = codegen_run(z, out, size, count);
        size = next;
        count = 1;
    }
    cg[out] = CG_END;
}

static long dynamic_size(cv_godeflate *z, long extra, int *ncg)
{
    int n = NCG;
    while (n > 4 && z->cgfreq[CG_ORDER[n - 1]] == 0) n--;
    *ncg = n;
    long header = 3 + 5 + 5 + 4 + 3 * n + bit_length(z->cg, z->cgfreq, NCG) +
                  2L * z->cgfreq[16] + 3L * z->cgfreq[17] + 7L * z->cgfreq[18];
    return header + bit_length(z->lit, z->lfreq, NLIT) + bit_length(z->off, z->ofreq, NOFF) +
           extra;
}

static void dynamic_header(cv_godeflate *z, int nlit, int noff, int ncg)
{
    bitw *w = &z->w;
    put_bits(w, 4, 3); /* BFINAL 0, BTYPE 2: blocks here are never last */
    put_bits(w, (uint32_t)(nlit - 257), 5);
    put_bits(w, (uint32_t)(noff - 1), 5);
    put_bits(w, (uint32_t)(ncg - 4), 4);
    for (int i = 0; i < ncg; i++) put_bits(w, z->cg[CG_ORDER[i]].len, 3);
    static const uint8_t extra_bits[3] = { 2, 3, 7 };
    for (size_t i = 0; z->codegen[i] != CG_END;) {
        uint8_t c = z->codegen[i++];
        put_code(w, z->cg[c]);
        if (c >= 16) put_bits(w, z->codegen[i++], extra_bits[c - 16]);
    }
}

static void write_tokens(cv_godeflate *z, const hcode *lc, const hcode *oc)
{
    bitw *w = &z->w;
    for (size_t i = 0; i < z->ntok; i++) {
        uint32_t t = z->tok[i];
        if (t < MATCH_TYPE) {
            put_code(w, lc[t]);
            continue;
        }
        uint32_t xlen = (t - MATCH_TYPE) >> LEN_SHIFT, xoff = t & OFF_MASK;
        unsigned l = len_code(xlen), o = off_code(xoff);
        put_code(w, lc[257 + l]);
        if (LEN_EXTRA[l]) put_bits(w, xlen - LEN_BASE[l], LEN_EXTRA[l]);
        put_code(w, oc[o]);
        uint32_t obase = o < 4 ? o : (2u + (o & 1)) << ((o >> 1) - 1);
        if (OFF_EXTRA[o]) put_bits(w, xoff - obase, OFF_EXTRA[o]);
    }
}

static long extra_bits_of(const cv_godeflate *z, int nlit, int noff)
{
    long extra = 0;
    for (int c = 257; c < nlit; c++) extra += (long)z->lfreq[c] * LEN_EXTRA[c - 257];
    for (int c = 0; c < noff; c++) extra += (long)z->ofreq[c] * OFF_EXTRA[c];
    return extra;
}

/* writeBlock: the smallest of fixed, dynamic and (when the block's input
 * is still in the window and fits) stored. Ties keep fixed over dynamic
 * and Huffman over stored, as Go. */
static void huff_block(cv_godeflate *z, const uint8_t *in, size_t inlen, bool has_in)
{
    z->tok[z->ntok++] = EOB;
    int nlit, noff, ncg;
    index_tokens(z, &nlit, &noff);
    bool storable = has_in && inlen <= MAX_STORED;
    long extra = storable ? extra_bits_of(z, nlit, noff) : 0;
    long size = 3 + bit_length(z->flit, z->lfreq, NLIT) + bit_length(z->foff, z->ofreq, NOFF) +
                extra;
    gen_codegen(z, nlit, noff);
    generate(z->cg, z->cgfreq, NCG, 7, z->scratch);
    long dyn = dynamic_size(z, extra, &ncg);
    bool dynamic = dyn < size;
    if (dynamic) size = dyn;
    if (storable && (long)(inlen + 5) * 8 < size) {
        stored_header(&z->w, inlen, false);
        put_bytes(&z->w, in, inlen);
        return;
    }
    if (dynamic) dynamic_header(z, nlit, noff, ncg);
    else put_bits(&z->w, 2, 3);
    write_tokens(z, dynamic ? z->lit : z->flit, dynamic ? z->off : z->foff);
}

/* ---- the compressor (deflate.go) ---- */

static void flush_tokens(cv_godeflate *z, int index)
{
    if (index > 0) {
        bool has_in = z->bstart <= index;
        const uint8_t *in = has_in ? z->window + z->bstart : NULL;
        size_t inlen = has_in ? (size_t)(index - z->bstart) : 0;
        z->bstart = index;
        huff_block(z, in, inlen, has_in);
    }
    z->ntok = 0;
}

static uint32_t hash4(const uint8_t *b)
{
    uint32_t v = (uint32_t)b[3] | (uint32_t)b[2] << 8 | (uint32_t)b[1] << 16 | (uint32_t)b[0] << 24;
    return (v * 0x1e35a7bdu) >> HASH_SHIFT;
}

static void insert(cv_godeflate *z, int i)
{
    uint32_t h = hash4(z->window + i);
    z->chain_head = (int)z->head[h];
    z->prev[i & WMASK] = z->head[h];
    z->head[h] = (uint32_t)(i + z->hash_off);
}

/* Eight bytes at a time; the window always has max bytes after both. */
static int match_len(const uint8_t *a, const uint8_t *b, int max)
{
    int i = 0;
    for (; i + 8 <= max; i += 8) {
        uint64_t x, y;
        memcpy(&x, a + i, 8);
        memcpy(&y, b + i, 8);
        if (x != y) {
            uint64_t d = x ^ y;
            int k = i;
            while ((d & 0xff) == 0) d >>= 8, k++;
            return k;
        }
    }
    while (i < max && a[i] == b[i]) i++;
    return i;
}

/* The longest match at pos along the hash chain from cand (a match must
 * beat 3 bytes; 4 bytes only within FAR_FOUR), stopping early at nice. */
static bool find_match(cv_godeflate *z, int pos, int cand, int lookahead, int *olen, int *ooff)
{
    int look = lookahead < MAX_MATCH ? lookahead : MAX_MATCH;
    int nice = z->p.nice < look ? z->p.nice : look;
    int tries = z->p.chain, len = MIN_MATCH - 1, min_index = pos - WIN;
    if (len >= z->p.good) tries >>= 2;
    const uint8_t *w = z->window;
    uint8_t wend = w[pos + len];
    bool ok = false;
    for (int i = cand; tries > 0; tries--) {
        if (w[i + len] == wend) {
            int n = match_len(w + i, w + pos, look);
            if (n > len && (n > MIN_MATCH || pos - i <= FAR_FOUR)) {
                len = n;
                *ooff = pos - i;
                ok = true;
                if (n >= nice) break;
                wend = w[pos + n];
            }
        }
        if (i == min_index) break; /* its chain slot is pos's now */
        i = (int)z->prev[i & WMASK] - z->hash_off;
        if (i < min_index || i < 0) break;
    }
    *olen = len;
    return ok;
}

static void emit_match(cv_godeflate *z, int len, int off)
{
    z->tok[z->ntok++] = MATCH_TYPE + ((uint32_t)(len - 3) << LEN_SHIFT) + (uint32_t)(off - 1);
    int end = z->index + len - 1;
    for (int i = z->index + 1; i < end; i++)
        if (i < z->max_insert) {
            uint32_t h = hash4(z->window + i);
            z->prev[i & WMASK] = z->head[h];
            z->head[h] = (uint32_t)(i + z->hash_off);
        }
    z->index = end;
    z->byte_avail = false;
    z->length = MIN_MATCH - 1;
    if (z->ntok == MAX_TOKENS) flush_tokens(z, z->index);
}

static void emit_literal(cv_godeflate *z)
{
    if (z->byte_avail) {
        z->tok[z->ntok++] = z->window[z->index - 1];
        if (z->ntok == MAX_TOKENS) flush_tokens(z, z->index);
    }
    z->index++;
    z->byte_avail = true;
}

/* End of input under sync: the pending literal and the last block. */
static void drain(cv_godeflate *z)
{
    if (z->byte_avail) {
        z->tok[z->ntok++] = z->window[z->index - 1];
        z->byte_avail = false;
    }
    if (z->ntok > 0) flush_tokens(z, z->index);
}

/* One position of lazy matching: the match found at the previous
 * position is taken unless this one is longer. */
static void lazy_step(cv_godeflate *z, int lookahead)
{
    if (z->index < z->max_insert) insert(z, z->index);
    int prev_len = z->length, prev_off = z->offset;
    z->length = MIN_MATCH - 1;
    z->offset = 0;
    int min_index = z->index - WIN < 0 ? 0 : z->index - WIN;
    int len, off;
    if (z->chain_head - z->hash_off >= min_index && lookahead > prev_len && prev_len < z->p.lazy &&
        find_match(z, z->index, z->chain_head - z->hash_off, lookahead, &len, &off)) {
        z->length = len;
        z->offset = off;
    }
    if (prev_len >= MIN_MATCH && z->length <= prev_len) emit_match(z, prev_len, prev_off);
    else emit_literal(z);
}

static void deflate_step(cv_godeflate *z)
{
    if (z->wend - z->index < LOOKAHEAD && !z->sync) return;
    z->max_insert = z->wend - (MIN_MATCH - 1);
    for (;;) {
        int lookahead = z->wend - z->index;
        if (lookahead < LOOKAHEAD) {
            if (!z->sync) return;
            if (lookahead == 0) {
                drain(z);
                return;
            }
        }
        lazy_step(z, lookahead);
    }
}

static void rebase(cv_godeflate *z)
{
    uint32_t delta = (uint32_t)z->hash_off - 1;
    z->hash_off = 1;
    z->chain_head -= (int)delta;
    for (size_t i = 0; i < WIN; i++) z->prev[i] = z->prev[i] > delta ? z->prev[i] - delta : 0;
    for (size_t i = 0; i < HASH_SIZE; i++)
        z->head[i] = z->head[i] > delta ? z->head[i] - delta : 0;
}

/* fillDeflate: slide the upper half down once the cursor is in the last
 * LOOKAHEAD bytes, then copy what fits. */
static size_t fill(cv_godeflate *z, const uint8_t *p, size_t n)
{
    if (z->index >= 2 * WIN - LOOKAHEAD) {
        memcpy(z->window, z->window + WIN, WIN);
        z->index -= WIN;
        z->wend -= WIN;
        z->bstart = z->bstart >= WIN ? z->bstart - WIN : INT_MAX;
        z->hash_off += WIN;
        if (z->hash_off > MAX_HASH_OFFSET) rebase(z);
    }
    size_t room = (size_t)(2 * WIN - z->wend), k = n < room ? n : room;
    memcpy(z->window + z->wend, p, k);
    z->wend += (int)k;
    return k;
}

/* ---- public ---- */

cv_result cv_godeflate_new(cv_godeflate **out, int level, bool gzip, cv_godeflate_sink sink,
                           void *ctx)
{
    CV_ENSURE(out != NULL && sink != NULL && level >= 4 && level <= 9, CV_E_INVALID_ARG);
    cv_godeflate *z = calloc(1, sizeof(*z));
    CV_ENSURE(z != NULL, CV_E_NOMEM);
    z->p = LEVELS[level - 4];
    z->gzip = gzip;
    z->hash_off = 1;
    z->chain_head = -1;
    z->length = MIN_MATCH - 1;
    z->w.sink = sink;
    z->w.ctx = ctx;
    fixed_codes(z->flit, z->foff);
    if (gzip) {
        /* ID, CM 8, no flags, mtime 0, XFL 2 only for level 9, OS 255 */
        static const uint8_t hdr[10] = { 0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff };
        memcpy(z->w.buf, hdr, sizeof(hdr));
        if (level == 9) z->w.buf[8] = 2;
        z->w.n = sizeof(hdr);
        z->crc = (uint32_t)crc32(0L, Z_NULL, 0);
    }
    *out = z;
    return cv_ok();
}

void cv_godeflate_write(cv_godeflate *z, const void *data, size_t n)
{
    const uint8_t *p = data;
    if (z->closed || n == 0) return;
    if (z->gzip) {
        z->crc = (uint32_t)crc32_z(z->crc, p, n);
        z->size += (uint32_t)n;
    }
    while (n > 0) {
        deflate_step(z);
        size_t k = fill(z, p, n);
        p += k;
        n -= k;
    }
}

void cv_godeflate_close(cv_godeflate *z)
{
    if (z->closed) return;
    z->closed = true;
    z->sync = true;
    deflate_step(z);
    stored_header(&z->w, 0, true);
    align(&z->w);
    if (z->gzip) {
        uint8_t t[8];
        for (int i = 0; i < 4; i++) {
            t[i] = (uint8_t)(z->crc >> (8 * i));
            t[4 + i] = (uint8_t)(z->size >> (8 * i));
        }
        put_bytes(&z->w, t, sizeof(t));
    }
    out_flush(&z->w);
}

void cv_godeflate_free(cv_godeflate **z)
{
    if (z == NULL || *z == NULL) return;
    free(*z);
    *z = NULL;
}
