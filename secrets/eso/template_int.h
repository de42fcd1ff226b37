/* Internals of the template engine: the parse tree (template_parse.c) and
 * its evaluation (template_exec.c, template_func.c). Every node lives in
 * one arena per render. */
#ifndef CV_ESO_TEMPLATE_INT_H
#define CV_ESO_TEMPLATE_INT_H

#include <stdint.h>

#include "crypto/base/arena.h"
#include "secrets/eso/template.h"

typedef enum { A_FIELD, A_DOT, A_VAR, A_STRING, A_INT, A_FLOAT, A_BOOL, A_NIL, A_IDENT, A_PIPE } tp_akind;

typedef struct tp_pipe tp_pipe;

typedef struct {
    tp_akind k;
    size_t pos;       /* byte offset in the source (for messages) */
    const char *s;    /* string value, identifier, or variable name ("$" for root) */
    size_t n;
    const char **fields; /* .a.b chains (A_FIELD, A_VAR) */
    size_t nfields;
    int64_t i;
    double f;
    bool b;
    tp_pipe *pipe;    /* A_PIPE */
    const char *src;  /* source text of the operand, for "at <...>" */
    size_t srclen;
} tp_arg;

typedef struct {
    tp_arg *args;
    size_t nargs;
    size_t pos;
} tp_cmd;

struct tp_pipe {
    tp_cmd *cmds;
    size_t ncmds;
    const char *decl[2]; /* $v or $k, $v */
    size_t ndecl;
    size_t pos;
};

typedef enum { T_TEXT, T_ACTION, T_IF, T_RANGE, T_WITH } tp_nkind;

typedef struct tp_list tp_list;

typedef struct {
    tp_nkind k;
    size_t pos;
    const char *text;
    size_t n;
    tp_pipe *pipe;
    tp_list *list, *elselist;
} tp_node;

struct tp_list {
    tp_node **items;
    size_t n, cap;
};

typedef struct {
    cv_arena *a;
    const char *src;
    size_t len, pos;
    const char *left, *right;
    size_t ll, rl;
    const char *name;
    unsigned depth;
} tp_parser;

cv_result cv_tp_parse(tp_parser *p, tp_list **out) CV_MUST_USE;
/* "template: NAME:LINE:COL" prefix pieces for a position. */
void cv_tp_where(const char *src, size_t pos, unsigned *line, unsigned *col);

#endif
