/* The terminal: passphrase prompts with echo off, messages that must reach
 * the user even when stdout/stderr are redirected. Like age, the controlling
 * terminal (/dev/tty) is preferred, falling back to stdin when it is a
 * terminal. Secrets go straight into secret memory. */
#ifndef CV_CMD_TERM_H
#define CV_CMD_TERM_H

#include <stdbool.h>

#include "crypto/base/mem.h"

bool cv_term_is_tty(int fd);
/* Read a line with echo off after printing `prompt` (and a space). */
cv_result cv_term_read_secret(const char *prompt, cv_secret **out) CV_MUST_USE;
/* Read a line with echo on. */
cv_result cv_term_read_public(const char *prompt, char *buf, size_t cap) CV_MUST_USE;
/* Print a line on the terminal only (never on redirected stdout/stderr). */
cv_result cv_term_print(const char *line) CV_MUST_USE;

#endif
