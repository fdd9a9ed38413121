/* cmd/gantry.h - subcommands of the `gantry` binary.
 *
 * Each subcommand lives in cmd/gantry_<name>.c and has one line in
 * cmd/commands.def.  A subcommand gets argv starting at its own name and
 * returns the process exit status; it prints its error once. */
#ifndef GT_CMD_GANTRY_H
#define GT_CMD_GANTRY_H

struct gantry_command {
    const char *name;
    const char *summary; /* NULL: hidden */
    int (*run)(int argc, char **argv);
};

#define CMD(name, fn, summary) int fn(int argc, char **argv);
#include "cmd/commands.def"
#undef CMD

#endif
