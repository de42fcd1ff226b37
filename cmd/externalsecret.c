/* `covert externalsecret render`: placeholder until secrets/eso lands. */
#include <stdio.h>

#include "cmd/commands.h"

int cv_cmd_externalsecret(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "covert externalsecret: not implemented yet\n");
    return 2;
}
