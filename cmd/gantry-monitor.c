/* gantry-monitor - the per-container monitor of the engine (see
 * engine/monitor.h).  A binary of its own, linked with base/ and libc only:
 * one runs for every container, so its resident size matters. */
#include "engine/monitor.h"

int main(int argc, char **argv)
{
    return gt_monitor_main(argc, argv);
}
