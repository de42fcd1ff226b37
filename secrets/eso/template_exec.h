/* Internals of template execution shared with the function library. */
#ifndef CV_ESO_TEMPLATE_EXEC_H
#define CV_ESO_TEMPLATE_EXEC_H

#include <stdarg.h>
#include <stdio.h>

#include "secrets/eso/template_int.h"

#define TX_MAX_VARS 64

typedef struct {
    cv_doc scratch; /* values made while executing (secret arena) */
    const char *src, *name;
    cv_buf *out;
    const cv_node *root;
    struct {
        const char *name;
        const cv_node *val;
    } vars[TX_MAX_VARS];
    size_t nvars;
    unsigned steps;
} tx;

/* Go's execution error: template: NAME:LINE:COL: executing "NAME" at <AT>: MSG */
cv_result cv_tx_fail(tx *x, size_t pos, const char *at, size_t atlen, const char *fmt, ...)
    CV_MUST_USE CV_PRINTF(5, 6);
cv_result cv_tx_str(tx *x, const char *s, size_t n, const cv_node **out) CV_MUST_USE;
bool cv_tx_truth(const cv_node *v);
cv_result cv_tx_print(cv_buf *b, const cv_node *v) CV_MUST_USE;
cv_result cv_tx_sorted(const cv_node *m, const cv_item ***out, size_t *n) CV_MUST_USE;
cv_result cv_tx_pipe(tx *x, const tp_pipe *p, const cv_node *dot, const cv_node **out) CV_MUST_USE;
/* Evaluate n arguments into vals (room for n + 1); the piped value last. */
cv_result cv_tx_eval_args(tx *x, const tp_arg *args, size_t n, const cv_node *dot,
                          const cv_node *final, const cv_node **vals) CV_MUST_USE;
/* Call the function named by fn with args (and the piped value). */
cv_result cv_tx_call(tx *x, const tp_arg *fn, const tp_arg *args, size_t nargs,
                     const cv_node *dot, const cv_node *final, const cv_node **out) CV_MUST_USE;

#endif
