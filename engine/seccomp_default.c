/* The default seccomp profile: what docker's default profile keeps from a
 * container, written as a deny list over an allowing default (docker's is
 * an allow list; the effect on the documented blocked calls is the same,
 * and a new harmless system call is not refused before someone lists it).
 * Calls that a capability makes legitimate stay allowed when the container
 * has that capability, as in docker's profile. */
#include <errno.h>
#include <sched.h>
#include <string.h>

#include "engine/internal.h"

struct rule {
    const char *cap;          /* allowed when the container has it; NULL: never */
    const char *const *names;
};

static const char *const never[] = {
    "add_key", "create_module", "get_kernel_syms", "keyctl", "nfsservctl", "query_module",
    "request_key", "_sysctl", "sysfs", "uselib", "ustat", "vm86", "vm86old",
    "io_uring_setup", "io_uring_enter", "io_uring_register", NULL,
};
static const char *const sys_admin[] = {
    "bpf", "fanotify_init", "fsconfig", "fsmount", "fsopen", "fspick", "lookup_dcookie",
    "mount", "mount_setattr", "move_mount", "open_tree", "perf_event_open", "pivot_root",
    "quotactl", "quotactl_fd", "setns", "swapoff", "swapon", "umount", "umount2", "unshare",
    NULL,
};
static const char *const sys_module[] = { "delete_module", "finit_module", "init_module", NULL };
static const char *const sys_time[] = { "clock_adjtime", "clock_settime", "settimeofday",
                                        "stime", "adjtimex", NULL };
static const char *const sys_boot[] = { "kexec_file_load", "kexec_load", "reboot", NULL };
static const char *const sys_pacct[] = { "acct", NULL };
static const char *const sys_rawio[] = { "ioperm", "iopl", NULL };
static const char *const sys_nice[] = { "get_mempolicy", "mbind", "move_pages",
                                        "set_mempolicy", NULL };
static const char *const sys_ptrace[] = { "kcmp", "process_vm_readv", "process_vm_writev",
                                          "userfaultfd", NULL };
static const char *const dac_read_search[] = { "open_by_handle_at", "name_to_handle_at", NULL };
static const char *const syslog_[] = { "syslog", NULL };
static const char *const tty_config[] = { "vhangup", NULL };

static const struct rule rules[] = {
    { NULL, never },
    { "CAP_SYS_ADMIN", sys_admin },
    { "CAP_SYS_MODULE", sys_module },
    { "CAP_SYS_TIME", sys_time },
    { "CAP_SYS_BOOT", sys_boot },
    { "CAP_SYS_PACCT", sys_pacct },
    { "CAP_SYS_RAWIO", sys_rawio },
    { "CAP_SYS_NICE", sys_nice },
    { "CAP_SYS_PTRACE", sys_ptrace },
    { "CAP_DAC_READ_SEARCH", dac_read_search },
    { "CAP_SYSLOG", syslog_ },
    { "CAP_SYS_TTY_CONFIG", tty_config },
};

static bool has_cap(json_t *caps, const char *cap)
{
    size_t i;
    json_t *v;
    json_array_foreach(caps, i, v)
        if (!strcmp(json_string_value(v), cap))
            return true;
    return false;
}

json_t *eng_seccomp_default_profile(json_t *caps)
{
    json_t *syscalls = json_array();
    json_t *denied = json_array();
    for (size_t r = 0; r < sizeof rules / sizeof rules[0]; r++) {
        if (rules[r].cap && has_cap(caps, rules[r].cap))
            continue;
        for (const char *const *n = rules[r].names; *n; n++)
            json_array_append_new(denied, json_string(*n));
    }
    json_array_append_new(syscalls, json_pack("{s:o,s:s,s:i}", "names", denied, "action",
                                              "SCMP_ACT_ERRNO", "errnoRet", EPERM));
    if (!has_cap(caps, "CAP_SYS_ADMIN")) {
        /* new namespaces from clone(2): one rule per flag, since the
         * masked comparisons of one rule are ANDed */
        static const long flags[] = { CLONE_NEWNS,  CLONE_NEWUTS, CLONE_NEWIPC, CLONE_NEWUSER,
                                      CLONE_NEWPID, CLONE_NEWNET, CLONE_NEWCGROUP };
        for (size_t f = 0; f < sizeof flags / sizeof flags[0]; f++)
            json_array_append_new(
                syscalls, json_pack("{s:[s],s:s,s:i,s:[{s:i,s:I,s:I,s:s}]}", "names", "clone",
                                    "action", "SCMP_ACT_ERRNO", "errnoRet", EPERM, "args",
                                    "index", 0, "value", (json_int_t)flags[f], "valueTwo",
                                    (json_int_t)flags[f], "op", "SCMP_CMP_MASKED_EQ"));
        /* clone3 hides its flags in memory: ENOSYS makes libc fall back
         * to clone, which the rules above see */
        json_array_append_new(syscalls, json_pack("{s:[s],s:s,s:i}", "names", "clone3", "action",
                                                  "SCMP_ACT_ERRNO", "errnoRet", ENOSYS));
    }
    json_t *arches = json_array();
#if defined(__x86_64__)
    json_array_append_new(arches, json_string("SCMP_ARCH_X86_64"));
    json_array_append_new(arches, json_string("SCMP_ARCH_X86"));
    json_array_append_new(arches, json_string("SCMP_ARCH_X32"));
#elif defined(__aarch64__)
    json_array_append_new(arches, json_string("SCMP_ARCH_AARCH64"));
    json_array_append_new(arches, json_string("SCMP_ARCH_ARM"));
#endif
    return json_pack("{s:s,s:o,s:o}", "defaultAction", "SCMP_ACT_ALLOW", "architectures", arches,
                     "syscalls", syscalls);
}
