/* base/clock.h - the monotonic clock, in milliseconds, for deadlines and
 * timeouts: it never goes back and ignores changes to the wall clock. */
#ifndef GT_BASE_CLOCK_H
#define GT_BASE_CLOCK_H

#include <stdint.h>

/* Milliseconds since an arbitrary point (CLOCK_MONOTONIC). */
int64_t gt_clock_ms(void);
/* Milliseconds from now until deadline (a gt_clock_ms() value), as a
 * poll() timeout: 0 once it has passed, -1 (for ever) when deadline < 0. */
int gt_clock_left_ms(int64_t deadline);

#endif
