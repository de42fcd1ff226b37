/* Test-only: scan one input with libyaml and with the fast scanner
 * (secrets/doc/yaml_fast.c) and compare the token lists wherever the fast
 * one accepts the input. Shared by tests/unit/test_yaml_fast.c and
 * tests/fuzz/fuzz_yaml_fastscan.c. */
#ifndef CV_TESTS_FUZZ_YAML_TOKCMP_H
#define CV_TESTS_FUZZ_YAML_TOKCMP_H

#include <stdio.h>
#include <string.h>

#include "secrets/doc/yaml_int.h"

typedef enum { TC_SAME, TC_NOT_HANDLED, TC_DIFFERENT, TC_ERROR } tc_outcome;

static bool tc_mark_eq(ym_mark a, ym_mark b)
{
    return a.index == b.index && a.line == b.line && a.column == b.column && a.off == b.off;
}

static bool tc_bytes_eq(const char *a, size_t alen, const char *b, size_t blen)
{
    if (alen != blen) return false;
    if (alen == 0) return true;
    return a && b && memcmp(a, b, alen) == 0;
}

/* Index of the first token that differs, or SIZE_MAX. */
static size_t tc_first_diff(const ym_stream *x, const ym_stream *y)
{
    size_t n = x->ntok < y->ntok ? x->ntok : y->ntok;
    for (size_t i = 0; i < n; i++) {
        const ym_tok *a = &x->toks[i], *b = &y->toks[i];
        if (a->type != b->type || a->style != b->style || !tc_mark_eq(a->start, b->start) ||
            !tc_mark_eq(a->end, b->end) || !tc_bytes_eq(a->value, a->len, b->value, b->len) ||
            !tc_bytes_eq(a->suffix, a->suffix_len, b->suffix, b->suffix_len) ||
            a->major != b->major || a->minor != b->minor)
            return i;
    }
    return x->ntok == y->ntok ? SIZE_MAX : n;
}

static void tc_describe(const ym_stream *s, size_t i, char *out, size_t cap)
{
    if (i >= s->ntok) {
        snprintf(out, cap, "(no token)");
        return;
    }
    const ym_tok *t = &s->toks[i];
    snprintf(out, cap, "type %d style %d start %u/%u/%u/%u end %u/%u/%u/%u value [%.*s]",
             t->type, t->style, t->start.index, t->start.line, t->start.column, t->start.off,
             t->end.index, t->end.line, t->end.column, t->end.off, (int)(t->len > 60 ? 60 : t->len),
             t->value ? t->value : "");
}

/* Both scanners over in; on TC_DIFFERENT, why holds the first difference. */
static tc_outcome tc_compare(const uint8_t *in, size_t len, char *why, size_t cap)
{
    ym_stream lib = { .in = in, .in_len = len }, fast = { .in = in, .in_len = len };
    tc_outcome o = TC_ERROR;
    if (!cv_is_ok(cv_arena_new(&lib.arena)) || !cv_is_ok(cv_arena_new(&fast.arena))) goto done;
    bool handled = false;
    if (!cv_is_ok(cv_yaml_fast_tokens(&fast, &handled))) goto done;
    if (!handled) {
        o = TC_NOT_HANDLED;
        goto done;
    }
    if (!cv_is_ok(cv_yaml_lib_tokens(&lib))) goto done;
    size_t i = tc_first_diff(&lib, &fast);
    o = TC_SAME;
    if (lib.scan_failed || i != SIZE_MAX) {
        char a[200], b[200];
        tc_describe(&lib, i, a, sizeof a);
        tc_describe(&fast, i, b, sizeof b);
        snprintf(why, cap, "%s token %zu: libyaml %s; fast %s",
                 lib.scan_failed ? "libyaml failed;" : "", i, a, b);
        o = TC_DIFFERENT;
    }
done:
    cv_err_clear();
    cv_yaml_stream_free(&lib);
    cv_yaml_stream_free(&fast);
    cv_arena_free(&lib.arena);
    cv_arena_free(&fast.arena);
    return o;
}

#endif
