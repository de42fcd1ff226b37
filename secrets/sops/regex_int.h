/* The parsed form of a Go regexp, shared by the POSIX rewriter (regex.c)
 * and the Pike VM (regex_vm.c). Internal to secrets/sops.
 *
 * The tree is an array of nodes linked by index: a node's first child is
 * `kid`, its next sibling `next` (-1 for none). Character classes are sorted,
 * merged rune ranges with (?i) folding already applied. N_REP nodes carry
 * min/max (max -1 = unbounded), whether they came from {n,m} (`counted`) and
 * whether they prefer fewer repetitions (`lazy`, after (?U)). Capture nodes
 * (CV_RX_CAP) hold their group number in `min` and their name as a span of
 * the pattern (empty for an unnamed group).
 *
 * Ownership: cv_rx_parse fills a tree that cv_rx_tree_free releases; the
 * tree points into nothing of the pattern (names are copied). Errors are
 * those of cv_goregex_compile, except that (?m) with ^ or $ and (?i) of
 * non-ASCII letters (full Unicode simple folding) are accepted. */
#ifndef CV_SOPS_REGEX_INT_H
#define CV_SOPS_REGEX_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto/base/err.h"

#define CV_RX_MAX_RUNE 0x10FFFFu

enum {
    CV_RX_EMPTY, CV_RX_CLASS, CV_RX_BOT, CV_RX_EOT, CV_RX_WB, CV_RX_NWB, CV_RX_CAT, CV_RX_ALT,
    CV_RX_REP, CV_RX_CAP, CV_RX_BOL, CV_RX_EOL
};

typedef struct {
    uint32_t lo, hi;
} cv_rx_rng;

typedef struct {
    cv_rx_rng *r;
    size_t n, cap;
} cv_rx_rset;

typedef struct {
    int op;
    bool counted; /* N_REP from {n,m} (Go's OpRepeat) */
    bool lazy;
    int min, max;
    cv_rx_rset cls;
    long kid, next;
    size_t name_at, name_len;
} cv_rx_node;

typedef struct {
    cv_rx_node *nodes;
    size_t n;
    long root;
    int ncap;     /* capturing groups, not counting the whole match */
    char **names; /* [ncap + 1]; "" for unnamed groups and for group 0 */
} cv_rx_tree;

cv_result cv_rx_parse(const char *pattern, size_t len, cv_rx_tree *out) CV_MUST_USE CV_NONNULL;
void cv_rx_tree_free(cv_rx_tree *t);

/* Go's utf8.DecodeRune at s[i] (i < len): the rune and its width, or
 * U+FFFD and width 1 for an invalid or truncated sequence. */
size_t cv_rx_decode(const char *s, size_t len, size_t i, uint32_t *out);

/* unicode.IsLetter(c) || unicode.IsDigit(c) for c >= 0x80 (regex_uni.c). */
bool cv_rx_letter_or_digit(uint32_t c);
/* Go's unicode.SimpleFold: the next rune of c's case-folding orbit. */
uint32_t cv_rx_simple_fold(uint32_t c);
/* Whether c lies in the sorted, disjoint ranges r[0, n). */
bool cv_rx_in_ranges(const cv_rx_rng *r, size_t n, uint32_t c);

#endif
