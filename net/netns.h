/* net/netns.h - working inside another network namespace without moving.
 *
 * A network namespace is per thread.  gt_netns_run() runs a function in a
 * new short-lived thread that first joins the namespace (setns by fd), so
 * the calling thread never leaves its own.  Sockets made there stay bound
 * to that namespace after the thread ends: that is how gt_nl_open_netns()
 * and the sysctl helpers work.  Needs CAP_SYS_ADMIN (and CAP_NET_ADMIN for
 * most of what one does there). */
#ifndef GT_NET_NETNS_H
#define GT_NET_NETNS_H

#include <stddef.h>

#include "base/error.h"

/* Opens a namespace file (/var/run/netns/NAME, /proc/PID/ns/net) and checks
 * that it is a network namespace.  Returns the fd (O_CLOEXEC) or -errno. */
int gt_netns_open(const char *path, struct gt_error *err);

/* Runs fn(arg, err) in a thread that has joined the namespace nsfd (-1:
 * the caller's own, still in a thread, for symmetry) and returns its
 * result.  fn must not keep the thread (no pthread_exit). */
int gt_netns_run(int nsfd, int (*fn)(void *arg, struct gt_error *err), void *arg,
                 struct gt_error *err);

/* Writes value to /proc/sys/<key> as seen from namespace nsfd (-1: the
 * caller's).  key uses slashes: "net/ipv4/ip_forward",
 * "net/ipv4/conf/br0/route_localnet". */
int gt_netns_sysctl_write(int nsfd, const char *key, const char *value, struct gt_error *err);
/* Reads the first line of /proc/sys/<key> into buf (newline removed). */
int gt_netns_sysctl_read(int nsfd, const char *key, char *buf, size_t len, struct gt_error *err);

#endif
