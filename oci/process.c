#include "oci/process.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/close_range.h>

#include "base/cleanup.h"
#include "base/fs.h"
#include "base/mem.h"

int gt_process_set_rlimits(const struct gt_process *p, struct gt_error *err)
{
    for (size_t i = 0; i < p->n_rlimits; i++) {
        const struct gt_rlimit *l = &p->rlimits[i];
        struct rlimit rl = {
            .rlim_cur = l->soft == UINT64_MAX ? RLIM_INFINITY : (rlim_t)l->soft,
            .rlim_max = l->hard == UINT64_MAX ? RLIM_INFINITY : (rlim_t)l->hard,
        };
        if (setrlimit(l->resource, &rl) < 0)
            return gt_err_sys(err, errno, "process.rlimits[%zu]: setrlimit", i);
    }
    return 0;
}

int gt_process_set_oom_score_adj(const struct gt_process *p, struct gt_error *err)
{
    if (!p->has_oom_score_adj)
        return 0;
    char buf[16];
    snprintf(buf, sizeof buf, "%d", p->oom_score_adj);
    int r = gt_write_str_at(AT_FDCWD, "/proc/self/oom_score_adj", buf, err);
    return r < 0 ? gt_err_prefix(err, "process.oomScoreAdj") : 0;
}

static const char *env_get(const char *const *env, const char *key)
{
    size_t kl = strlen(key);
    for (size_t i = 0; env && env[i]; i++)
        if (strncmp(env[i], key, kl) == 0 && env[i][kl] == '=')
            return env[i] + kl + 1;
    return NULL;
}

static bool is_executable(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0111) &&
           access(path, X_OK) == 0;
}

int gt_process_find_program(const struct gt_process *p, char **out, struct gt_error *err)
{
    const char *name = p->args[0];
    if (strchr(name, '/')) {
        struct stat st;
        if (stat(name, &st) < 0)
            return gt_err_sys(err, errno, "exec: \"%s\": stat %s", name, name);
        if (S_ISDIR(st.st_mode))
            return gt_err(err, EACCES, "exec: \"%s\": is a directory", name);
        *out = gt_xstrdup(name);
        return 0;
    }
    const char *path = env_get(p->env, "PATH");
    if (!path)
        path = GT_DEFAULT_PATH;
    const char *s = path;
    for (;;) {
        const char *e = strchrnul(s, ':');
        size_t dl = (size_t)(e - s);
        char *cand = dl ? gt_xasprintf("%.*s/%s", (int)dl, s, name) : gt_xasprintf("./%s", name);
        if (is_executable(cand)) {
            *out = cand;
            return 0;
        }
        free(cand);
        if (!*e)
            break;
        s = e + 1;
    }
    return gt_err(err, ENOENT, "exec: \"%s\": executable file not found in $PATH", name);
}

char *gt_passwd_field(const char *file, uid_t uid, int field)
{
    cleanup_fclose FILE *f = fopen(file, "re");
    if (!f)
        return NULL;
    char line[1024];
    while (fgets(line, sizeof line, f)) {
        /* name:pw:uid:gid:gecos:home:shell */
        line[strcspn(line, "\n")] = '\0';
        char *fields[7] = { 0 };
        int n = 0;
        for (char *p = line; n < 7 && p; n++) {
            fields[n] = p;
            p = strchr(p, ':');
            if (p)
                *p++ = '\0';
        }
        if (n < 3 || field >= n || !fields[2][0])
            continue;
        char *end;
        unsigned long v = strtoul(fields[2], &end, 10);
        if (*end || v != uid)
            continue;
        return fields[field][0] ? gt_xstrdup(fields[field]) : NULL;
    }
    return NULL;
}

const char **gt_process_env(const struct gt_process *p, char ***extra)
{
    size_t n = 0;
    while (p->env[n])
        n++;
    const char **env = gt_xcalloc(n + 2, sizeof *env);
    memcpy(env, p->env, n * sizeof *env);
    *extra = NULL;
    if (!env_get(p->env, "HOME")) {
        cleanup_free char *home = gt_passwd_field("/etc/passwd", p->user.uid, 5);
        gt_strv_pushf(extra, "HOME=%s", home ? home : "/");
        env[n++] = (*extra)[0];
    }
    return env;
}

static unsigned last_cap(void)
{
    static int cached = -1;
    if (cached < 0) {
        int m = cap_max_bits();
        cached = m > 0 ? m - 1 : CAP_LAST_CAP;
    }
    return (unsigned)cached;
}

static int apply_caps(const struct gt_caps *c, struct gt_error *err)
{
    unsigned last = last_cap();
    cap_t caps = cap_init();
    if (!caps)
        return gt_err_sys(err, errno, "capabilities: cap_init");
    static const struct {
        enum gt_cap_set set;
        cap_flag_t flag;
    } map[] = {
        { GT_CAP_EFFECTIVE, CAP_EFFECTIVE },
        { GT_CAP_PERMITTED, CAP_PERMITTED },
        { GT_CAP_INHERITABLE, CAP_INHERITABLE },
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        for (unsigned v = 0; v <= last; v++)
            if (c->sets[map[i].set] & (1ULL << v)) {
                cap_value_t cv = (cap_value_t)v;
                cap_set_flag(caps, map[i].flag, 1, &cv, CAP_SET);
            }
    int r = cap_set_proc(caps);
    int e = errno;
    cap_free(caps);
    if (r < 0)
        return gt_err_sys(err, e, "set process capabilities");
    for (unsigned v = 0; v <= last; v++)
        if (c->sets[GT_CAP_AMBIENT] & (1ULL << v)) {
            /* runc only warns here: a cap missing from the inheritable
             * set cannot be ambient, and its default spec asks for that */
            if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, v, 0, 0) < 0 && errno != EPERM)
                return gt_err_sys(err, errno, "raise ambient capability %u", v);
        }
    return 0;
}

int gt_process_set_identity(const struct gt_process *p, bool setgroups_allowed,
                            struct gt_error *err)
{
    const struct gt_caps *c = &p->caps;
    if (c->present) {
        unsigned last = last_cap();
        for (unsigned v = 0; v <= last; v++)
            if (!(c->sets[GT_CAP_BOUNDING] & (1ULL << v)) &&
                prctl(PR_CAPBSET_DROP, v, 0, 0, 0) < 0 && errno != EINVAL)
                return gt_err_sys(err, errno, "drop capability %u from the bounding set", v);
        if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
            return gt_err_sys(err, errno, "prctl(PR_SET_KEEPCAPS)");
    }
    if (setgroups_allowed &&
        setgroups(p->user.n_additional_gids, p->user.additional_gids) < 0)
        return gt_err_sys(err, errno, "process.user.additionalGids: setgroups");
    if (setresgid(p->user.gid, p->user.gid, p->user.gid) < 0)
        return gt_err_sys(err, errno, "process.user.gid: setgid %u", (unsigned)p->user.gid);
    if (setresuid(p->user.uid, p->user.uid, p->user.uid) < 0)
        return gt_err_sys(err, errno, "process.user.uid: setuid %u", (unsigned)p->user.uid);
    if (c->present) {
        if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
            return gt_err_sys(err, errno, "prctl(PR_SET_KEEPCAPS)");
        int r = apply_caps(c, err);
        if (r < 0)
            return gt_err_prefix(err, "process.capabilities");
    }
    if (p->no_new_privileges && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
        return gt_err_sys(err, errno, "process.noNewPrivileges: prctl");
    umask(p->user.has_umask ? p->user.umask : 022);
    return 0;
}

int gt_process_chdir(const struct gt_process *p, struct gt_error *err)
{
    if (chdir(p->cwd) < 0)
        return gt_err_sys(err, errno, "process.cwd: chdir to %s", p->cwd);
    return 0;
}

int gt_process_preserve_fds(int n, struct gt_error *err)
{
    for (int fd = 3; fd < 3 + n; fd++)
        if (fcntl(fd, F_SETFD, 0) < 0)
            return gt_err_sys(err, errno, "preserve fd %d", fd);
    if (syscall(SYS_close_range, 3 + n, ~0U, CLOSE_RANGE_CLOEXEC) < 0) {
        /* before Linux 5.11: mark them one by one */
        for (int fd = 3 + n; fd < 65536; fd++)
            fcntl(fd, F_SETFD, FD_CLOEXEC);
    }
    return 0;
}
