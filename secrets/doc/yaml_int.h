/* Internal to the YAML codec (yaml*.c): the token list, the comment records
 * and the intermediate node graph, shaped after go.yaml.in/yaml/v3 because
 * sops's YAML store is defined by what that library does with a file.
 *
 *   yaml_scan.c   libyaml's scanner gives the tokens; the gaps between them
 *                 are re-read to find comments and attach them the way
 *                 yaml.v3's scanner does (head, line, foot records, each
 *                 bound to a token position).
 *   yaml_fast.c   the same tokens without libyaml for the common subset of
 *                 YAML (most files); libyaml scans whatever it gives up on.
 *   yaml_parse.c  the parser state machine over those tokens, with
 *                 yaml.v3's comment hand-over rules, building ynodes.
 *   yaml.c        ynodes -> the document tree (sops's conversion), scalar
 *                 resolution, the duplicate-key and alias checks.
 *   yaml_emit.c   the document tree -> text, as yaml.v3's encoder would.
 *
 * Everything lives in a scratch arena (secret memory: values and comments
 * are plaintext) that the caller frees, except scalar values that are
 * their own source bytes: those point into the input (the caller's, held
 * for the whole load, in secret memory when it is secret). Where no comment
 * record is needed the parser pulls tokens from the scanner on demand and
 * the token list stays a short window. */
#ifndef CV_DOC_YAML_INT_H
#define CV_DOC_YAML_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "crypto/base/arena.h"
#include "crypto/base/buf.h"

/* A position: index and column count characters (as libyaml does), off is
 * the byte offset in the input. 32 bits each: the input is capped far
 * below 4 GiB (CV_DOC_MAX_INPUT), and a file holds a token per few bytes,
 * so the token list was the largest block of loading. */
typedef struct {
    uint32_t index, line, column, off;
} ym_mark;

/* Eight bytes at a time, for the long runs of ASCII text that files are
 * mostly made of (the usual word-at-a-time bit tests). */
#define YM_ONES 0x0101010101010101ull
#define YM_HIGHS 0x8080808080808080ull

static inline uint64_t ym_load8(const uint8_t *p)
{
    uint64_t x;
    memcpy(&x, p, 8);
    return x;
}

/* Nonzero if some byte of x is 0, or is c. */
static inline uint64_t ym_has_zero(uint64_t x) { return (x - YM_ONES) & ~x & YM_HIGHS; }
static inline uint64_t ym_has_byte(uint64_t x, uint8_t c) { return ym_has_zero(x ^ (YM_ONES * c)); }

/* Token kinds, in libyaml's numbering (yaml_token_type_t). */
enum {
    YT_NONE, YT_STREAM_START, YT_STREAM_END, YT_VERSION, YT_TAG_DIRECTIVE,
    YT_DOC_START, YT_DOC_END, YT_BSEQ_START, YT_BMAP_START, YT_BLOCK_END,
    YT_FSEQ_START, YT_FSEQ_END, YT_FMAP_START, YT_FMAP_END, YT_BLOCK_ENTRY,
    YT_FLOW_ENTRY, YT_KEY, YT_VALUE, YT_ALIAS, YT_ANCHOR, YT_TAG, YT_SCALAR
};

/* Scalar styles, libyaml's numbering. */
enum { YS_ANY, YS_PLAIN, YS_SINGLE, YS_DOUBLE, YS_LITERAL, YS_FOLDED };

typedef struct {
    int type;
    int style;
    ym_mark start, end;
    char *value; /* scalar text, anchor/alias name, tag handle, %TAG handle */
    uint32_t len;
    uint32_t suffix_len;
    union {
        char *suffix; /* tag suffix, %TAG prefix */
        struct {
            int major, minor; /* %YAML */
        };
    };
} ym_tok;

typedef struct {
    ym_mark scan_mark, token_mark, start_mark, end_mark;
    cv_slice head, line, foot;
} ym_comment;

typedef struct yf yf;
typedef struct ym_lib ym_lib;

typedef struct {
    cv_arena *arena;
    const uint8_t *in;
    size_t in_len;
    /* Tokens by stream index: toks[i - tok_base] for tok_base <= i < ntok;
     * those below tok_base were released, those below ready are final. */
    ym_tok *toks;
    size_t ntok, tok_cap, tok_base, ready;
    /* The fast scanner while it makes tokens on demand (the parser pulls
     * them, so the list stays a short window); NULL once it has ended. */
    yf *fast;
    /* Likewise libyaml's scanner, where the fast one does not serve. */
    ym_lib *lib;
    /* It stopped mid-stream: load again with the whole list. */
    bool gave_up;
    /* Scan the whole input before parsing (never on demand). */
    bool whole;
    ym_comment *coms;
    size_t ncom, com_cap;
    /* The caller drops comments: their records are not computed (they
     * only ever become comment text; the nodes and errors are the same). */
    bool no_comments;
    /* The input holds no secret (CV_YAML_PUBLIC): nothing of libyaml's is wiped. */
    bool public_input;
    /* A scanner error after the last good token (libyaml's), reported only
     * if the parser does not fail first. */
    bool scan_failed;
    char scan_problem[160];
    size_t scan_line;
} ym_stream;

/* Node kinds and styles as yaml.v3's Node. */
enum { YN_DOC = 1, YN_SEQ, YN_MAP, YN_SCALAR, YN_ALIAS };
enum {
    YN_TAGGED = 1, YN_DQ = 2, YN_SQ = 4, YN_LITERAL = 8, YN_FOLDED = 16, YN_FLOW = 32
};

typedef struct ynode ynode;

/* A node's comments, out of line: most nodes have none. */
typedef struct {
    cv_slice head, linec, foot;
} ycom;

/* 40 bytes: a file has a node per few bytes, and the nodes were the
 * largest part of loading. value/len serve scalars and aliases (the
 * anchor's name), content/n collections and documents; an alias has no
 * tag of its own, so its target takes the tag's place. */
struct ynode {
    uint8_t kind;
    int8_t style;          /* YN_* flags; -1 while an alias is being expanded */
    uint32_t line, column; /* 1-based */
    union {
        uint32_t len;
        uint32_t n;
    };
    union {
        const char *tag; /* not YN_ALIAS: short form ("!!str") or as written; "" when none */
        ynode *alias;    /* YN_ALIAS */
    };
    ycom *com; /* NULL when the node has no comment */
    union {
        const char *value; /* not NUL-terminated: may point into the input */
        ynode **content;
    };
};
_Static_assert(sizeof(ynode) <= 40, "ynode grew");

static inline cv_slice yn_head(const ynode *n) { return n->com ? n->com->head : (cv_slice){ 0 }; }
static inline cv_slice yn_linec(const ynode *n) { return n->com ? n->com->linec : (cv_slice){ 0 }; }
static inline cv_slice yn_foot(const ynode *n) { return n->com ? n->com->foot : (cv_slice){ 0 }; }

/* The text of a scalar or alias; empty for any other node. */
static inline const char *yn_text(const ynode *n, size_t *len)
{
    bool text = n->kind == YN_SCALAR || n->kind == YN_ALIAS;
    *len = text ? n->len : 0;
    return text && n->value ? n->value : "";
}

static inline ym_tok *ym_tok_at(const ym_stream *s, size_t i) { return &s->toks[i - s->tok_base]; }

/* Start the tokens of s->in: on demand when no comment record is needed
 * (s->fast or s->lib set), else the whole list (by the fast scanner or
 * libyaml) and the comment records. */
cv_result cv_yaml_scan(ym_stream *s) CV_MUST_USE CV_NONNULL;
/* Release the tokens below stream index keep, then run the scanner on
 * demand until more tokens are final or it ends; if the fast scanner
 * gives up, s->gave_up is set and the result is an error that only asks
 * the caller to load again with s->whole. */
cv_result cv_yaml_more(ym_stream *s, size_t keep) CV_MUST_USE CV_NONNULL;
/* After a failed load: run the fast scanner to its end, so s->gave_up
 * tells whether the failure stands. */
void cv_yaml_drain(ym_stream *s) CV_NONNULL;

/* The tokens of s->in into s->toks, by libyaml's scanner (a scanner error
 * sets s->scan_failed and ends the list), or by the fast scanner of the
 * common subset (yaml_fast.c), which yields the same tokens or, for input
 * outside that subset, none and *handled = false. */
cv_result cv_yaml_lib_tokens(ym_stream *s) CV_MUST_USE CV_NONNULL;
cv_result cv_yaml_fast_tokens(ym_stream *s, bool *handled) CV_MUST_USE CV_NONNULL;
/* The fast scanner on demand: start sets s->fast unless the input is
 * outside its subset; each step makes tokens final (s->ready) until it
 * ends (s->fast reset) or gives up (*gave_up, its unfinished tokens
 * dropped, s->fast reset). */
cv_result cv_yaml_fast_start(ym_stream *s) CV_MUST_USE CV_NONNULL;
cv_result cv_yaml_fast_step(ym_stream *s, bool *gave_up) CV_MUST_USE CV_NONNULL;
void cv_yaml_fast_stop(ym_stream *s) CV_NONNULL;

/* Parse the next document into *out (NULL at the end of the stream). The
 * parser keeps its position in *p between calls. */
typedef struct ym_parser ym_parser;
cv_result cv_yaml_parser_new(ym_stream *s, ym_parser **out) CV_MUST_USE CV_NONNULL;
cv_result cv_yaml_parse_doc(ym_parser *p, ynode **out) CV_MUST_USE CV_NONNULL;
void cv_yaml_parser_free(ym_parser *p);
/* When only the stream's end is left to parse, release the token list
 * (the largest block of loading) before the caller builds its tree. */
void cv_yaml_parser_trim(ym_parser *p) CV_NONNULL;

/* Grow a heap array (token and comment records hold no secret bytes, only
 * positions and pointers into the arena). */
cv_result cv_yaml_grow(void **items, size_t *cap, size_t need, size_t elem) CV_MUST_USE CV_NONNULL;
/* Release the heap arrays of a stream. */
void cv_yaml_stream_free(ym_stream *s);

/* Bytes of a comment or value copied into the arena. */
cv_result cv_yaml_dup(cv_arena *a, const void *p, size_t n, cv_slice *out) CV_MUST_USE;

#endif
