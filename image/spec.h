/* image/spec.h - an image's config turned into a runtime config.json.
 *
 * The base is the default Linux spec that `runc spec` makes, oci/'s
 * gt_spec_template() (namespaces pid, network, ipc, uts, mount; /proc,
 * /dev, /dev/pts, /dev/shm, /dev/mqueue, /sys, /sys/fs/cgroup; runc's
 * masked and read-only paths; RLIMIT_NOFILE 1024; all devices denied),
 * with docker's default
 * capability set (CHOWN DAC_OVERRIDE FSETID FOWNER MKNOD NET_RAW SETGID
 * SETUID SETFCAP SETPCAP NET_BIND_SERVICE SYS_CHROOT KILL AUDIT_WRITE, no
 * ambient or inheritable ones) and docker's noNewPrivileges=false, since
 * the engine behind it answers to the docker CLI.
 *
 * From the image config (OCI image-spec "conversion"): args = Entrypoint +
 * Cmd (an overridden entrypoint drops the image's Cmd, as docker does),
 * Env (with PATH added when the image has none, HOME from the user's
 * passwd entry, TERM=xterm with a tty, overrides replacing by name),
 * WorkingDir (relative ones are taken from /), User resolved against the
 * image's /etc/passwd and /etc/group, read through openat2(RESOLVE_IN_ROOT)
 * from the root filesystem's fd (a numeric user needs no files; without a
 * group, the user's groups in /etc/group become additionalGids), and
 * annotations: org.opencontainers.image.{os,architecture,created,author,
 * exposedPorts,stopSignal} and the Labels. */
#ifndef GT_IMAGE_SPEC_H
#define GT_IMAGE_SPEC_H

#include <jansson.h>
#include <stdbool.h>
#include <sys/types.h>

#include "base/error.h"

struct gt_image_spec_overrides {
    char *const *entrypoint; /* used when entrypoint_set (may then be empty) */
    bool entrypoint_set;
    char *const *cmd;        /* replaces the image's Cmd when non-NULL */
    char *const *env;        /* "KEY=value" entries, replacing by KEY */
    const char *user;        /* "name", "uid", "name:group", "uid:gid", ... */
    const char *workdir;
    const char *hostname;
    bool tty;
    bool read_only;          /* root.readonly */
    const char *rootfs;      /* root.path, default "rootfs" */
};

/* The default spec above (a new object). */
json_t *gt_image_spec_default(void);

/* config: the image config document (with its "config" member, which may
 * be absent); rootfs_fd: the container's root (for users), or -1 (then
 * only numeric users resolve).  *out gets a new object. */
int gt_image_spec(const json_t *config, int rootfs_fd, const struct gt_image_spec_overrides *ov,
                  json_t **out, struct gt_error *err);

struct gt_exec_user {
    uid_t uid;
    gid_t gid;
    gid_t *groups; /* additional gids */
    size_t n_groups;
    char *home;
};
void gt_exec_user_release(struct gt_exec_user *u);
/* Resolves user ("" or NULL: root) inside the root filesystem. */
int gt_resolve_user(int rootfs_fd, const char *user, struct gt_exec_user *out,
                    struct gt_error *err);

/* Sorted keys of config.Volumes / config.ExposedPorts (caller frees). */
char **gt_image_config_volumes(const json_t *config);
char **gt_image_config_ports(const json_t *config);
/* config.StopSignal or NULL (borrowed). */
const char *gt_image_config_stop_signal(const json_t *config);

#endif
