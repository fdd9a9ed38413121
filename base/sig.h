/* base/sig.h - signal names and numbers, as kill(1), runc and the Docker
 * API spell them: "KILL", "SIGKILL", "9", "RTMIN+3" all parse. */
#ifndef GT_BASE_SIG_H
#define GT_BASE_SIG_H

/* Returns the signal number, or -EINVAL for an unknown name or number. */
int gt_signal_parse(const char *s);
/* "SIGKILL"; "SIGRTMIN+3"; NULL for an unknown number. */
const char *gt_signal_name(int sig, char *buf, unsigned buflen);

#endif
