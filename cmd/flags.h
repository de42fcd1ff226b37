/* Flag parsing with Go's `flag` package semantics, because the tools covert
 * replaces (age, sops via urfave/cli is separate) are Go programs and scripts
 * depend on their exact behaviour: "-x" and "--x" are the same, values are
 * "-x v" or "-x=v", parsing stops at the first non-flag argument or "--", a
 * lone "-" is an argument, "-h"/"-help" ask for usage. */
#ifndef CV_CMD_FLAGS_H
#define CV_CMD_FLAGS_H

#include <stdbool.h>
#include <stddef.h>

typedef enum { CV_FLAG_BOOL, CV_FLAG_STRING, CV_FLAG_LIST } cv_flag_kind;

typedef struct cv_flag_spec {
    const char *name;
    cv_flag_kind kind;
    void *target;  /* bool*, const char**, or cv_strlist* */
    char tag;      /* LIST flags that share a list record which flag added an item */
} cv_flag;

typedef struct {
    const char **v;
    char *tags;
    size_t n;
} cv_strlist;

typedef enum { CV_FLAGS_OK, CV_FLAGS_HELP, CV_FLAGS_ERROR } cv_flags_status;

/* Parses argv[1..]; on success *rest and *nrest are the positional arguments.
 * On error, writes Go's message ("flag provided but not defined: -x") to
 * err (size errlen). */
cv_flags_status cv_flags_parse(const cv_flag *flags, size_t nflags, int argc, char **argv,
                               char ***rest, int *nrest, char *err, size_t errlen);
void cv_strlist_free(cv_strlist *l);

#endif
