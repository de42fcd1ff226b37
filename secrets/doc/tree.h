/* The document tree: one ordered model for every store (YAML, JSON, dotenv,
 * INI, binary), shaped like sops's own tree so that paths, AAD and the MAC
 * come out the same whatever the file format.
 *
 *   doc      a list of branches: one per YAML document, one for other stores
 *   branch   a MAP node
 *   MAP      ordered items {key, value}; key is a STR node (YAML may also
 *            give INT, FLOAT, BOOL, NULL or TIME keys, as yaml.v3 does; the
 *            SOPS walk refuses them like sops), or a COMMENT node with value
 *            NULL (a comment line among the keys)
 *   LIST     ordered items {NULL, value}; value may be a COMMENT node
 *   scalars  STR (bytes, may hold NUL), INT (int64), FLOAT (double), BOOL,
 *            TIME (text in Go's RFC 3339 MarshalText form), NULL
 *   COMMENT  comment text without its marker; `inline` for a YAML line
 *            comment that followed a value on the same line
 *
 * Ownership: every node, item array and string belongs to the document's
 * secret arena (crypto/base/arena.h) and is wiped when the document is
 * cleared. Nodes are never freed one by one. Strings are NUL-terminated
 * for convenience but carry their length; STR may contain NUL bytes.
 *
 * Errors: allocation past the arena cap gives CV_E_TOO_LARGE; nothing here
 * reads untrusted bytes (the codecs do, with bounded readers). */
#ifndef CV_DOC_TREE_H
#define CV_DOC_TREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto/base/arena.h"
#include "crypto/base/buf.h"
#include "crypto/base/io.h"

typedef enum {
    CV_NODE_NULL,
    CV_NODE_STR,
    CV_NODE_INT,
    CV_NODE_FLOAT,
    CV_NODE_BOOL,
    CV_NODE_TIME,
    CV_NODE_COMMENT,
    CV_NODE_MAP,
    CV_NODE_LIST,
} cv_node_kind;

typedef struct cv_node cv_node;

typedef struct {
    cv_node *key;   /* MAP: a scalar (usually STR) or COMMENT; LIST: NULL */
    cv_node *value; /* NULL for a comment key */
} cv_item;

struct cv_node {
    cv_node_kind kind;
    bool inline_comment; /* COMMENT only */
    /* STR read from a folded block scalar (`>`): kustomize re-encodes such
     * values with yaml.v3's folded writer, which changes some of them. */
    bool folded;
    /* INT read from a YAML plain scalar above 2^63-1: yaml.v3 decodes it to
     * a uint64, which v.i holds bit for bit (cv_node_int_text prints it). */
    bool uint64;
    /* STR, TIME, COMMENT: the text. */
    char *s;
    size_t len;
    union {
        int64_t i;  /* INT */
        double f;   /* FLOAT */
        bool b;     /* BOOL */
    } v;
    /* MAP, LIST */
    cv_item *items;
    size_t n;
    size_t cap;
};

typedef struct {
    cv_arena *arena;
    cv_node **branches;
    size_t n;
    size_t cap;
    /* The file's text, when it was read into the arena (cv_doc_source). */
    uint8_t *src;
    size_t src_len;
} cv_doc;

cv_result cv_doc_init(cv_doc *d) CV_MUST_USE CV_NONNULL;
/* Wipe and release everything; the doc may be initialised again. */
void cv_doc_clear(cv_doc *d);
/* Read exactly n bytes of a file's text from src into d's arena (plus a
 * NUL) and record them as d's source: a codec loading that text may point
 * long strings into it (cv_node_text_at) instead of copying them, so a
 * large value is in memory once. The text is then the codec's to change:
 * see below. Fails with CV_E_TRUNCATED if src ends before n bytes or goes
 * on after them (the file changed size): d then has no source. */
cv_result cv_doc_read_source(cv_doc *d, cv_src *src, size_t n, cv_slice *out) CV_MUST_USE
    CV_NONNULL;
/* Append a new empty MAP branch and return it. */
cv_result cv_doc_add_branch(cv_doc *d, cv_node **out) CV_MUST_USE CV_NONNULL;

/* Append an existing node (of any kind, allocated in d) as a branch. */
cv_result cv_doc_push_branch(cv_doc *d, cv_node *root) CV_MUST_USE CV_NONNULL;

/* Node constructors (all allocate in d's arena). */
cv_result cv_node_new(cv_doc *d, cv_node_kind kind, cv_node **out) CV_MUST_USE CV_NONNULL;
/* STR, TIME or COMMENT with a copy of (p, n). */
cv_result cv_node_text(cv_doc *d, cv_node_kind kind, const void *p, size_t n, cv_node **out)
    CV_MUST_USE;
/* cv_node_text, except that a long text (CV_ARENA_SOLO bytes or more) lying
 * inside d's source is not copied: the node points at it and the byte
 * after it, which the caller has read past and will not read again (a
 * closing quote, or the NUL after the source), becomes its NUL. */
cv_result cv_node_text_at(cv_doc *d, cv_node_kind kind, const void *p, size_t n, cv_node **out)
    CV_MUST_USE;
cv_result cv_node_int(cv_doc *d, int64_t i, cv_node **out) CV_MUST_USE CV_NONNULL;
/* An INT's decimal text as Go prints it (int64, or the uint64 of a node
 * flagged uint64) into out (CV_NUM_TEXT_MAX bytes); returns its length. */
size_t cv_node_int_text(const cv_node *n, char *out) CV_NONNULL;
/* Go's %T of what yaml.v3 (or encoding/json) puts in an interface{} for n:
 * "string", "int", "float64", "bool", "time.Time", the map and slice types,
 * "<nil>" for anything else (sops's error messages name these). */
const char *cv_node_go_type(const cv_node *n) CV_NONNULL;
cv_result cv_node_float(cv_doc *d, double f, cv_node **out) CV_MUST_USE CV_NONNULL;
cv_result cv_node_bool(cv_doc *d, bool b, cv_node **out) CV_MUST_USE CV_NONNULL;
/* Replace a scalar's text in place (the old text stays in the arena). */
cv_result cv_node_set_text(cv_doc *d, cv_node *n, cv_node_kind kind, const void *p, size_t len)
    CV_MUST_USE;

/* Append an item to a MAP (key: STR or COMMENT node) or LIST (key NULL). */
cv_result cv_node_append(cv_doc *d, cv_node *parent, cv_node *key, cv_node *value)
    CV_MUST_USE;
/* Convenience: append a STR key with the given value to a MAP. */
cv_result cv_map_add(cv_doc *d, cv_node *map, const char *key, size_t key_len, cv_node *value)
    CV_MUST_USE;
/* Insert at index i (0..n). */
cv_result cv_node_insert(cv_doc *d, cv_node *parent, size_t i, cv_node *key, cv_node *value)
    CV_MUST_USE;
/* Remove item i (no-op if out of range). */
void cv_node_remove(cv_node *parent, size_t i);

/* MAP lookup of a STR key; returns the item index or -1. */
long cv_map_find(const cv_node *map, const char *key, size_t key_len);
/* The value for a key, or NULL. */
cv_node *cv_map_get(const cv_node *map, const char *key);

static inline bool cv_node_is_scalar(const cv_node *n)
{
    return n->kind != CV_NODE_MAP && n->kind != CV_NODE_LIST && n->kind != CV_NODE_COMMENT;
}
/* Deep copy of n (and its subtree) into d. */
cv_result cv_node_clone(cv_doc *d, const cv_node *n, cv_node **out) CV_MUST_USE CV_NONNULL;
/* Structural equality (kinds, keys, values, comments). */
bool cv_node_equal(const cv_node *a, const cv_node *b);

#endif
