/* gantry monitor - the same monitor as build/gantry-monitor, as a
 * subcommand (kept to compare the two: see bench/engine_monitor.sh). */
#include "cmd/gantry.h"
#include "engine/monitor.h"

int gantry_cmd_monitor(int argc, char **argv)
{
    return gt_monitor_main(argc, argv);
}
