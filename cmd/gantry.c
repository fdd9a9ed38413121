/* gantry - every Gantry service and tool except the runtime, as subcommands. */
#include <stdio.h>
#include <string.h>

#include "base/log.h"
#include "cmd/gantry.h"

#define GANTRY_VERSION "0.1.0"

static const struct gantry_command commands[] = {
#define CMD(name, fn, summary) { name, summary, fn },
#include "cmd/commands.def"
#undef CMD
};

int gantry_cmd_version(int argc, char **argv)
{
    printf("gantry version %s\n", GANTRY_VERSION);
    return 0;
}

static void usage(FILE *f)
{
    fprintf(f, "usage: gantry COMMAND [ARG...]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (commands[i].summary) /* NULL: hidden */
            fprintf(f, "  %-12s %s\n", commands[i].name, commands[i].summary);
}

int main(int argc, char **argv)
{
    gt_log_set_name("gantry");
    if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (!strcmp(argv[1], commands[i].name))
            return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "gantry: unknown command \"%s\"\n", argv[1]);
    usage(stderr);
    return 2;
}
