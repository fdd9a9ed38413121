/* oci/spec.h - config.json of the OCI runtime spec 1.x as C structs.
 *
 * gt_spec_load() reads <bundle>/config.json once, checks it and fills a
 * struct gt_spec.  Every message names the field that is wrong and why:
 *   "process.rlimits[1].type: unknown rlimit \"RLIMIT_NOPE\"".
 * Unknown top-level fields are tolerated (as runc does); unknown members of
 * the objects the runtime acts on are tolerated too, since later spec
 * versions add them.  What is checked: types, required fields, names
 * (namespaces, rlimits, capabilities, mount options, propagation, device
 * types), ranges, absolute paths, and the rules that tie fields together
 * (hostname needs a UTS namespace, mappings need a user namespace, a sysctl
 * needs the namespace it belongs to, ...).  The cgroup resources, seccomp
 * and hooks are checked by their own modules (cgroup.h, seccomp.h,
 * hooks.h).
 *
 * Strings in the structs are borrowed from the parsed document, which the
 * spec owns (spec->json), unless marked "owned". */
#ifndef GT_OCI_SPEC_H
#define GT_OCI_SPEC_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "base/error.h"
#include "oci/namespaces.h"

#define GT_SPEC_VERSION "1.0.2-dev"
#define GT_DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

enum gt_cap_set {
    GT_CAP_BOUNDING,
    GT_CAP_EFFECTIVE,
    GT_CAP_INHERITABLE,
    GT_CAP_PERMITTED,
    GT_CAP_AMBIENT,
    GT_CAP_NSETS
};

struct gt_caps {
    bool present;                   /* process.capabilities was given */
    uint64_t sets[GT_CAP_NSETS];    /* bit n: capability n */
};

struct gt_rlimit {
    int resource; /* RLIMIT_* */
    uint64_t soft, hard;
};

struct gt_user {
    uid_t uid;
    gid_t gid;
    gid_t *additional_gids; /* owned */
    size_t n_additional_gids;
    bool has_umask;
    mode_t umask;
};

struct gt_process {
    bool terminal;
    unsigned short console_height, console_width; /* 0: unset */
    const char **args; /* owned vector of borrowed strings, NULL-terminated */
    const char **env;  /* likewise; never NULL */
    const char *cwd;
    struct gt_user user;
    struct gt_caps caps;
    struct gt_rlimit *rlimits; /* owned */
    size_t n_rlimits;
    bool no_new_privileges;
    bool has_oom_score_adj;
    int oom_score_adj;
    const char *apparmor_profile;
    const char *selinux_label;
};

/* Parsed "options" of a mount. */
struct gt_mount_opts {
    unsigned long flags;       /* MS_* to set */
    unsigned long clear;       /* MS_* named as cleared ("rw", "suid", "dev", ...) */
    unsigned long propagation; /* MS_PRIVATE|MS_REC etc., or 0 */
    uint64_t attr_set, attr_clr; /* MOUNT_ATTR_* applied recursively ("rro", ...) */
    bool bind;                 /* "bind" or "rbind" (rbind also sets MS_REC in flags) */
    bool tmpcopyup;
    char *data;                /* owned; the remaining options, comma-separated, or NULL */
};

struct gt_mount {
    const char *destination; /* made absolute if the config's was not (owned copy then) */
    char *destination_owned;
    const char *type;        /* may be NULL for bind mounts */
    const char *source;      /* may be NULL */
    char *source_owned;      /* bind sources relative to the bundle, made absolute */
    struct gt_mount_opts opts;
};

struct gt_idmap {
    uint32_t container_id, host_id, size;
};

struct gt_device {
    char type; /* 'c', 'b', 'u', 'p' */
    const char *path;
    int64_t major, minor;
    bool has_mode;
    mode_t file_mode;
    bool has_uid, has_gid;
    uid_t uid;
    gid_t gid;
};

struct gt_sysctl {
    const char *key, *value;
};

struct gt_namespace {
    bool present;     /* listed in linux.namespaces */
    const char *path; /* join this one; NULL: a new namespace */
};

struct gt_spec {
    json_t *json; /* the whole document (owned) */
    char *raw;    /* the bytes of config.json when loaded from a file (owned), or NULL */
    size_t raw_len;
    char *bundle; /* absolute (owned) */
    const char *oci_version;
    struct gt_process *process; /* owned; NULL when absent */
    char *root_path;            /* absolute (owned) */
    bool root_readonly;
    const char *hostname, *domainname;
    struct gt_mount *mounts; /* owned */
    size_t n_mounts;
    struct gt_namespace ns[GT_NS_COUNT];
    struct gt_idmap *uid_mappings, *gid_mappings; /* owned */
    size_t n_uid_mappings, n_gid_mappings;
    struct gt_device *devices; /* owned */
    size_t n_devices;
    const char *cgroups_path;
    json_t *resources;   /* linux.resources, or NULL */
    json_t *seccomp;     /* linux.seccomp, or NULL */
    json_t *hooks;       /* hooks, or NULL */
    json_t *annotations; /* annotations, or NULL */
    struct gt_sysctl *sysctl; /* owned */
    size_t n_sysctl;
    const char **masked_paths, **readonly_paths; /* owned vectors, NULL-terminated */
    unsigned long rootfs_propagation; /* 0: the runtime's default */
    const char *mount_label;
};

/* Reads and checks <bundle>/config.json (or `config`, a path, if not NULL).
 * bundle may be relative; it is made absolute. */
int gt_spec_load(const char *bundle, struct gt_spec **out, struct gt_error *err);
/* Checks a parsed document; takes ownership of json (even on failure). */
int gt_spec_parse(json_t *json, const char *bundle, struct gt_spec **out, struct gt_error *err);
void gt_spec_free(struct gt_spec *spec);

/* Parses a process object (config.json's, or exec --process) at `path`
 * ("process").  Strings are borrowed from j. */
int gt_process_parse(const json_t *j, const char *path, struct gt_process *out,
                     struct gt_error *err);
void gt_process_release(struct gt_process *p);

/* Parses mount options (a JSON array of strings, may be NULL) at `path`
 * ("mounts[3].options"). */
int gt_mount_opts_parse(const json_t *options, const char *path, struct gt_mount_opts *out,
                        struct gt_error *err);
void gt_mount_opts_release(struct gt_mount_opts *o);
/* The names of every mount option understood, NULL-terminated (features). */
extern const char *const gt_mount_option_names[];

/* "RLIMIT_NOFILE" -> RLIMIT_NOFILE, or -1. */
int gt_rlimit_from_name(const char *name);
/* "CAP_SYS_ADMIN" -> 21, or -1 for a name libcap does not know. */
int gt_cap_from_name(const char *name);
/* MS_* propagation flags for "rprivate" etc., or 0 for an unknown name. */
unsigned long gt_propagation_from_name(const char *name);

/* The config.json that `spec` writes (runc's default), new reference. */
json_t *gt_spec_template(bool rootless);

#endif
