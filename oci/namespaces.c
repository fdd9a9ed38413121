#include "oci/namespaces.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const struct gt_ns_info gt_ns_table[GT_NS_COUNT] = {
    [GT_NS_USER] = { "user", "user", CLONE_NEWUSER },
    [GT_NS_MNT] = { "mount", "mnt", CLONE_NEWNS },
    [GT_NS_PID] = { "pid", "pid", CLONE_NEWPID },
    [GT_NS_NET] = { "network", "net", CLONE_NEWNET },
    [GT_NS_IPC] = { "ipc", "ipc", CLONE_NEWIPC },
    [GT_NS_UTS] = { "uts", "uts", CLONE_NEWUTS },
    [GT_NS_CGROUP] = { "cgroup", "cgroup", CLONE_NEWCGROUP },
};

int gt_ns_from_name(const char *name)
{
    for (int i = 0; i < GT_NS_COUNT; i++)
        if (strcmp(name, gt_ns_table[i].spec_name) == 0)
            return i;
    return -1;
}

const char *gt_ns_names(void)
{
    return "cgroup, ipc, mount, network, pid, user, uts";
}

void gt_ns_close(int fds[GT_NS_COUNT])
{
    for (int i = 0; i < GT_NS_COUNT; i++)
        if (fds[i] >= 0) {
            close(fds[i]);
            fds[i] = -1;
        }
}

int gt_ns_open_of(pid_t pid, unsigned mask, int fds[GT_NS_COUNT], struct gt_error *err)
{
    for (int i = 0; i < GT_NS_COUNT; i++)
        fds[i] = -1;
    for (int i = 0; i < GT_NS_COUNT; i++) {
        if (!(mask & (1u << i)))
            continue;
        char path[64], self[64];
        snprintf(path, sizeof path, "/proc/%d/ns/%s", (int)pid, gt_ns_table[i].proc_name);
        snprintf(self, sizeof self, "/proc/self/ns/%s", gt_ns_table[i].proc_name);
        struct stat a, b;
        if (stat(path, &a) < 0) {
            int e = errno;
            gt_ns_close(fds);
            return gt_err_sys(err, e, "stat %s", path);
        }
        if (stat(self, &b) == 0 && a.st_ino == b.st_ino && a.st_dev == b.st_dev)
            continue; /* already there: setns to one's own user ns is EINVAL */
        fds[i] = open(path, O_RDONLY | O_CLOEXEC);
        if (fds[i] < 0) {
            int e = errno;
            gt_ns_close(fds);
            return gt_err_sys(err, e, "open %s", path);
        }
    }
    return 0;
}

int gt_ns_join(const int fds[GT_NS_COUNT], struct gt_error *err)
{
    /* The user namespace last: as root of the initial user namespace the
     * caller may enter any of the others (a network namespace owned by the
     * host, say), which it could not from inside the container's. */
    for (int k = 0; k < GT_NS_COUNT; k++) {
        int i = (k + 1) % GT_NS_COUNT; /* GT_NS_USER is 0: it comes last */
        if (i == GT_NS_PID || fds[i] < 0)
            continue;
        if (setns(fds[i], gt_ns_table[i].clone_flag) < 0)
            return gt_err_sys(err, errno, "join %s namespace", gt_ns_table[i].spec_name);
    }
    return 0;
}
