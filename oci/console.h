/* oci/console.h - process.terminal, through runc's --console-socket
 * protocol: the container process opens a pty inside the container (its
 * devpts instance), makes the slave its controlling terminal and stdio, and
 * sends the master fd with SCM_RIGHTS over a unix stream socket that the
 * caller (conmon, containerd, a test) listens on; the message's data is the
 * slave's name.  The runtime connects to the socket before the container
 * process is made, so that its path is reached from the host's view. */
#ifndef GT_OCI_CONSOLE_H
#define GT_OCI_CONSOLE_H

#include <stdbool.h>

#include "base/error.h"

/* Connects to the socket at path; *out gets the fd (close-on-exec). */
int gt_console_connect(const char *path, int *out, struct gt_error *err);
/* In the container process: pty, send master over sock (closed after),
 * setsid, controlling terminal, slave on 0, 1, 2; with mount_console the
 * slave is also bound onto /dev/console.  rows/cols of 0 leave the size. */
int gt_console_setup(int sock, unsigned short rows, unsigned short cols, bool mount_console,
                     struct gt_error *err);
/* The window size of the terminal on fd; false when fd is not one (or
 * has no size).  When the runtime relays its own terminal (run -t, exec -t
 * in the foreground), the container's pty starts at this size: set in the
 * process before it runs, not after, when it may already have looked. */
bool gt_console_get_size(int fd, unsigned short *rows, unsigned short *cols);
/* SCM_RIGHTS helpers. */
int gt_console_send_fd(int sock, int fd, const char *name);
/* Receives one fd; returns it or a negative code. */
int gt_console_recv_fd(int sock, struct gt_error *err);

#endif
