/* oci/sync.h - messages between the runtime and a container process it is
 * setting up (the init, or an exec'd process), over a SOCK_SEQPACKET
 * socketpair: one message per send, so no framing.  The child reports a
 * failure as one GT_SYNC_ERROR message naming the step that failed; the
 * runtime prints it and cleans up. */
#ifndef GT_OCI_SYNC_H
#define GT_OCI_SYNC_H

#include <stdint.h>

#include "base/error.h"

enum gt_sync_kind {
    GT_SYNC_GO = 1,     /* runtime -> child: ids mapped, cgroup joined; value: host pid */
    GT_SYNC_MAPS,       /* child -> runtime: new user ns made, write the id maps */
    GT_SYNC_MAPS_DONE,  /* runtime -> child */
    GT_SYNC_PID,        /* child -> runtime: value is the pid of the real init */
    GT_SYNC_HOOKS,      /* child -> runtime: run prestart and createRuntime hooks */
    GT_SYNC_HOOKS_DONE, /* runtime -> child */
    GT_SYNC_READY,      /* child -> runtime: set up; waiting for start (or exec'ing) */
    GT_SYNC_ERROR,      /* child -> runtime: text is the message */
};

struct gt_sync_msg {
    uint32_t kind;
    int32_t value;
    char text[GT_ERR_MSG_MAX];
};

int gt_sync_send(int fd, enum gt_sync_kind kind, int32_t value, const char *text);
/* Sends err's message as GT_SYNC_ERROR. */
void gt_sync_send_error(int fd, const struct gt_error *err);
/* Receives one message; -EPIPE on end of file (the peer died or exec'd). */
int gt_sync_recv(int fd, struct gt_sync_msg *m);
/* Receives and expects `kind`; a GT_SYNC_ERROR becomes err, end of file
 * becomes "<what>: process exited before it was ready". */
int gt_sync_expect(int fd, enum gt_sync_kind kind, struct gt_sync_msg *m, const char *what,
                   struct gt_error *err);

#endif
