/* cmd/gantry.h - subcommands of the `gantry` binary.
 *
 * Each subcommand lives in cmd/gantry_<name>.c and is listed in the
 * commands[] table of cmd/gantry.c.  A subcommand gets argv starting at its
 * own name and returns the process exit status; it prints its error once. */
#ifndef GT_CMD_GANTRY_H
#define GT_CMD_GANTRY_H

struct gantry_command {
    const char *name;
    const char *summary;
    int (*run)(int argc, char **argv);
};

int gantry_cmd_version(int argc, char **argv);
int gantry_cmd_http_bench_server(int argc, char **argv);
int gantry_cmd_store_tool(int argc, char **argv);
int gantry_cmd_server(int argc, char **argv);
int gantry_cmd_api_tool(int argc, char **argv);

#endif
