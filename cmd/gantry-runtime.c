/* gantry-runtime - an OCI runtime with runc's command line. */
#include <stdio.h>

int main(int argc, char **argv)
{
    fprintf(stderr, "gantry-runtime: not implemented yet\n");
    return 1;
}
