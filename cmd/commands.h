/* The command table: every `covert` subcommand, also reachable through a
 * link named after the tool it replaces (argv[0] dispatch). */
#ifndef CV_CMD_COMMANDS_H
#define CV_CMD_COMMANDS_H

#include "cmd/wordlist.h"

#define CV_VERSION "0.1.0"
/* What `age --version` prints: the age release covert matches. */
#define CV_AGE_COMPAT_VERSION "v1.3.1"

int cv_cmd_age(int argc, char **argv);
int cv_cmd_age_keygen(int argc, char **argv);
int cv_cmd_age_inspect(int argc, char **argv);
int cv_cmd_sops(int argc, char **argv);
int cv_cmd_source(int argc, char **argv);
int cv_cmd_apply(int argc, char **argv);
int cv_cmd_diff(int argc, char **argv);
int cv_cmd_bw(int argc, char **argv);
/* `covert bw vault ...` (cmd/bw_vault.c): argv[0] is "vault". */
int cv_cmd_bw_vault(int argc, char **argv);
int cv_cmd_externalsecret(int argc, char **argv);
int cv_cmd_kustomize(int argc, char **argv);
int cv_cmd_build(int argc, char **argv);
int cv_cmd_tree(int argc, char **argv);
int cv_cmd_check(int argc, char **argv);

#endif
