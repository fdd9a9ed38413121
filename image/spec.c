/* image/spec.c - image config to runtime spec (see spec.h). */
#include "image/spec.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/mem.h"
#include "oci/spec.h"

#define PASSWD_MAX (4 << 20)

/* docker's default capability set: what `docker run` grants */
static const char *const docker_caps[] = {
    "CAP_CHOWN",  "CAP_DAC_OVERRIDE", "CAP_FSETID",           "CAP_FOWNER",     "CAP_MKNOD",
    "CAP_NET_RAW", "CAP_SETGID",      "CAP_SETUID",           "CAP_SETFCAP",    "CAP_SETPCAP",
    "CAP_NET_BIND_SERVICE",           "CAP_SYS_CHROOT",       "CAP_KILL",       "CAP_AUDIT_WRITE",
    NULL,
};

static json_t *str_array(const char *const *v)
{
    json_t *a = json_array();
    for (; v && *v; v++)
        json_array_append_new(a, json_string(*v));
    return a;
}

json_t *gt_image_spec_default(void)
{
    /* runc's default (oci/spec_default.c) made docker's: its capabilities,
     * none ambient, noNewPrivileges off; no terminal (and no TERM) unless
     * a tty is asked for */
    json_t *spec = gt_spec_template(false);
    json_t *process = json_object_get(spec, "process");
    json_object_set_new(process, "terminal", json_false());
    json_object_set_new(process, "env", json_pack("[s]", "PATH=" GT_DEFAULT_PATH));
    json_object_set_new(process, "capabilities",
                        json_pack("{s:o, s:o, s:o}", "bounding", str_array(docker_caps),
                                  "effective", str_array(docker_caps), "permitted",
                                  str_array(docker_caps)));
    json_object_set_new(process, "noNewPrivileges", json_false());
    return spec;
}

/* ---- users and groups ---- */

void gt_exec_user_release(struct gt_exec_user *u)
{
    free(u->groups);
    free(u->home);
    memset(u, 0, sizeof *u);
}

static bool parse_id(const char *s, unsigned long *out)
{
    if (!*s)
        return false;
    for (const char *c = s; *c; c++)
        if (!isdigit((unsigned char)*c))
            return false;
    errno = 0;
    char *end;
    unsigned long v = strtoul(s, &end, 10);
    if (errno || v > 0xfffffffeUL)
        return false;
    *out = v;
    return true;
}

/* Reads etc/<name> inside the root; NULL (no error) when it is absent. */
static int read_in_root(int rootfs_fd, const char *name, char **out, struct gt_error *err)
{
    *out = NULL;
    if (rootfs_fd < 0)
        return 0;
    struct open_how how = {
        .flags = O_RDONLY | O_CLOEXEC,
        .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV,
    };
    cleanup_close int fd = (int)syscall(SYS_openat2, rootfs_fd, name, &how, sizeof how);
    if (fd < 0)
        return errno == ENOENT || errno == ENOTDIR ? 0 : gt_err_sys(err, errno, "open %s", name);
    struct stat st;
    if (fstat(fd, &st) < 0)
        return gt_err_sys(err, errno, "stat %s", name);
    if (!S_ISREG(st.st_mode) || st.st_size > PASSWD_MAX)
        return gt_err(err, EINVAL, "%s is not a regular file of at most %d bytes", name, PASSWD_MAX);
    char *buf = gt_xmalloc((size_t)st.st_size + 1);
    ssize_t n = pread(fd, buf, (size_t)st.st_size, 0);
    if (n < 0) {
        free(buf);
        return gt_err_sys(err, errno, "read %s", name);
    }
    buf[n] = '\0';
    *out = buf;
    return 0;
}

/* Splits a colon-separated line into at most max fields (in place). */
static int fields(char *line, char **f, int max)
{
    int n = 0;
    f[n++] = line;
    for (char *c = line; *c && n < max; c++)
        if (*c == ':') {
            *c = '\0';
            f[n++] = c + 1;
        }
    return n;
}

struct pw {
    char *name;
    unsigned long uid, gid;
    char *home;
};

/* Finds a passwd entry by name or by uid (name == NULL). */
static bool find_passwd(char *file, const char *name, unsigned long uid, struct pw *out)
{
    for (char *save = NULL, *line = file ? strtok_r(file, "\n", &save) : NULL; line;
         line = strtok_r(NULL, "\n", &save)) {
        if (*line == '#' || !*line)
            continue;
        char *f[7];
        if (fields(line, f, 7) < 7)
            continue;
        unsigned long u, g;
        if (!parse_id(f[2], &u) || !parse_id(f[3], &g))
            continue;
        if ((name && !strcmp(f[0], name)) || (!name && u == uid)) {
            *out = (struct pw){ f[0], u, g, f[5] };
            return true;
        }
    }
    return false;
}

/* Finds a group by name or gid; with member set, collects the gids of
 * the groups that list member instead. */
static bool find_group(char *file, const char *name, unsigned long gid, unsigned long *out,
                       const char *member, gid_t **groups, size_t *n_groups)
{
    bool found = false;
    for (char *save = NULL, *line = file ? strtok_r(file, "\n", &save) : NULL; line;
         line = strtok_r(NULL, "\n", &save)) {
        if (*line == '#' || !*line)
            continue;
        char *f[4];
        if (fields(line, f, 4) < 4)
            continue;
        unsigned long g;
        if (!parse_id(f[2], &g))
            continue;
        if (member) {
            for (char *s2 = NULL, *m = strtok_r(f[3], ",", &s2); m; m = strtok_r(NULL, ",", &s2))
                if (!strcmp(m, member)) {
                    *groups = gt_xrealloc(*groups, (*n_groups + 1) * sizeof **groups);
                    (*groups)[(*n_groups)++] = (gid_t)g;
                    break;
                }
            continue;
        }
        if ((name && !strcmp(f[0], name)) || (!name && g == gid)) {
            *out = g;
            found = true;
            break;
        }
    }
    return found;
}

int gt_resolve_user(int rootfs_fd, const char *user, struct gt_exec_user *out,
                    struct gt_error *err)
{
    memset(out, 0, sizeof *out);
    cleanup_free char *spec = gt_xstrdup(user && *user ? user : "0");
    char *group = strchr(spec, ':');
    if (group)
        *group++ = '\0';
    cleanup_free char *passwd = NULL, *grp = NULL;
    int r;
    if ((r = read_in_root(rootfs_fd, "/etc/passwd", &passwd, err)) < 0 ||
        (r = read_in_root(rootfs_fd, "/etc/group", &grp, err)) < 0)
        return r;

    unsigned long uid = 0, gid = 0;
    bool numeric = parse_id(spec, &uid);
    struct pw pw;
    cleanup_free char *pcopy = passwd ? gt_xstrdup(passwd) : NULL;
    bool have_pw = find_passwd(pcopy, numeric ? NULL : spec, uid, &pw);
    if (!numeric && !have_pw)
        return gt_err(err, ENOENT, "unable to find user %s: no matching entries in passwd file",
                      spec);
    cleanup_free char *username = NULL;
    if (have_pw) {
        uid = pw.uid;
        gid = pw.gid;
        username = gt_xstrdup(pw.name);
        out->home = gt_xstrdup(*pw.home ? pw.home : "/");
    } else {
        out->home = gt_xstrdup("/");
    }
    if (group && *group) {
        unsigned long g;
        cleanup_free char *gcopy = grp ? gt_xstrdup(grp) : NULL;
        if (parse_id(group, &g)) {
            gid = g;
        } else if (find_group(gcopy, group, 0, &g, NULL, NULL, NULL)) {
            gid = g;
        } else {
            gt_exec_user_release(out);
            return gt_err(err, ENOENT,
                          "unable to find group %s: no matching entries in group file", group);
        }
    } else if (username && grp) {
        cleanup_free char *gcopy = gt_xstrdup(grp);
        find_group(gcopy, NULL, 0, NULL, username, &out->groups, &out->n_groups);
    }
    out->uid = (uid_t)uid;
    out->gid = (gid_t)gid;
    return 0;
}

/* ---- the spec ---- */

static const json_t *cfg_of(const json_t *config)
{
    const json_t *c = json_object_get(config, "config");
    return json_is_object(c) ? c : NULL;
}

static char **sorted_keys(const json_t *obj)
{
    char **v = gt_xcalloc(1, sizeof *v);
    const char *k;
    json_t *val;
    json_object_foreach((json_t *)obj, k, val)
        gt_strv_push(&v, k);
    size_t n = gt_strv_len(v);
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && strcmp(v[j - 1], v[j]) > 0; j--) {
            char *t = v[j];
            v[j] = v[j - 1];
            v[j - 1] = t;
        }
    return v;
}

char **gt_image_config_volumes(const json_t *config)
{
    return sorted_keys(json_object_get(cfg_of(config), "Volumes"));
}

char **gt_image_config_ports(const json_t *config)
{
    return sorted_keys(json_object_get(cfg_of(config), "ExposedPorts"));
}

const char *gt_image_config_stop_signal(const json_t *config)
{
    return json_string_value(json_object_get(cfg_of(config), "StopSignal"));
}

/* Sets KEY=value in an env array, replacing an entry of the same KEY. */
static void env_set(json_t *env, const char *kv)
{
    const char *eq = strchr(kv, '=');
    size_t klen = eq ? (size_t)(eq - kv) : strlen(kv);
    size_t i;
    json_t *e;
    json_array_foreach(env, i, e) {
        const char *s = json_string_value(e);
        if (s && !strncmp(s, kv, klen) && (s[klen] == '=' || s[klen] == '\0')) {
            json_array_set_new(env, i, json_string(kv));
            return;
        }
    }
    json_array_append_new(env, json_string(kv));
}

static bool env_has(const json_t *env, const char *key)
{
    size_t klen = strlen(key), i;
    json_t *e;
    json_array_foreach(env, i, e) {
        const char *s = json_string_value(e);
        if (s && !strncmp(s, key, klen) && s[klen] == '=')
            return true;
    }
    return false;
}

static void append_strings(json_t *arr, const json_t *src)
{
    size_t i;
    json_t *v;
    json_array_foreach(src, i, v)
        if (json_is_string(v))
            json_array_append(arr, v);
}

int gt_image_spec(const json_t *config, int rootfs_fd, const struct gt_image_spec_overrides *ov,
                  json_t **out, struct gt_error *err)
{
    static const struct gt_image_spec_overrides none;
    if (!ov)
        ov = &none;
    const json_t *c = cfg_of(config);
    json_t *spec = gt_image_spec_default();
    json_t *process = json_object_get(spec, "process");

    /* args */
    json_t *args = json_array();
    if (ov->entrypoint_set) {
        for (char *const *a = ov->entrypoint; a && *a; a++)
            json_array_append_new(args, json_string(*a));
    } else {
        append_strings(args, json_object_get(c, "Entrypoint"));
    }
    if (ov->cmd) {
        for (char *const *a = ov->cmd; *a; a++)
            json_array_append_new(args, json_string(*a));
    } else if (!ov->entrypoint_set) {
        append_strings(args, json_object_get(c, "Cmd"));
    }
    if (json_array_size(args) == 0) {
        json_decref(args);
        json_decref(spec);
        return gt_err(err, EINVAL, "no command specified: the image has no Entrypoint or Cmd");
    }
    json_object_set_new(process, "args", args);

    /* user */
    struct gt_exec_user u;
    const char *user = ov->user ? ov->user : json_string_value(json_object_get(c, "User"));
    int r = gt_resolve_user(rootfs_fd, user, &u, err);
    if (r < 0) {
        json_decref(spec);
        return r;
    }
    json_t *ju = json_pack("{s:I, s:I}", "uid", (json_int_t)u.uid, "gid", (json_int_t)u.gid);
    if (u.n_groups) {
        json_t *g = json_array();
        for (size_t i = 0; i < u.n_groups; i++)
            json_array_append_new(g, json_integer(u.groups[i]));
        json_object_set_new(ju, "additionalGids", g);
    }
    json_object_set_new(process, "user", ju);

    /* env */
    json_t *env = json_array();
    append_strings(env, json_object_get(c, "Env"));
    for (char *const *e = ov->env; e && *e; e++)
        env_set(env, *e);
    if (!env_has(env, "PATH"))
        json_array_insert_new(env, 0, json_string("PATH=" GT_DEFAULT_PATH));
    if (ov->hostname && !env_has(env, "HOSTNAME")) {
        cleanup_free char *h = gt_xasprintf("HOSTNAME=%s", ov->hostname);
        env_set(env, h);
    }
    if (ov->tty && !env_has(env, "TERM"))
        env_set(env, "TERM=xterm");
    if (!env_has(env, "HOME")) {
        cleanup_free char *h = gt_xasprintf("HOME=%s", u.home ? u.home : "/");
        env_set(env, h);
    }
    gt_exec_user_release(&u);
    json_object_set_new(process, "env", env);

    /* cwd */
    const char *wd = ov->workdir ? ov->workdir : json_string_value(json_object_get(c, "WorkingDir"));
    if (!wd || !*wd)
        wd = "/";
    json_object_set_new(process, "cwd",
                        wd[0] == '/' ? json_string(wd) : json_sprintf("/%s", wd));
    json_object_set_new(process, "terminal", json_boolean(ov->tty));

    json_t *root = json_object_get(spec, "root");
    json_object_set_new(root, "path", json_string(ov->rootfs ? ov->rootfs : "rootfs"));
    json_object_set_new(root, "readonly", json_boolean(ov->read_only));
    if (ov->hostname)
        json_object_set_new(spec, "hostname", json_string(ov->hostname));

    /* annotations */
    json_t *ann = json_object();
    const json_t *labels = json_object_get(c, "Labels");
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)labels, k, v)
        if (json_is_string(v))
            json_object_set(ann, k, v);
    static const char *const top_keys[][2] = {
        { "os", "org.opencontainers.image.os" },
        { "architecture", "org.opencontainers.image.architecture" },
        { "variant", "org.opencontainers.image.variant" },
        { "created", "org.opencontainers.image.created" },
        { "author", "org.opencontainers.image.author" },
    };
    for (size_t i = 0; i < sizeof top_keys / sizeof top_keys[0]; i++) {
        json_t *val = json_object_get(config, top_keys[i][0]);
        if (json_is_string(val))
            json_object_set(ann, top_keys[i][1], val);
    }
    cleanup_strv char **ports = gt_image_config_ports(config);
    if (ports[0]) {
        size_t total = 1;
        for (char **p = ports; *p; p++)
            total += strlen(*p) + 1;
        cleanup_free char *joined = gt_xcalloc(1, total);
        for (char **p = ports; *p; p++) {
            if (p != ports)
                strcat(joined, ",");
            strcat(joined, *p);
        }
        json_object_set_new(ann, "org.opencontainers.image.exposedPorts", json_string(joined));
    }
    const char *stop = gt_image_config_stop_signal(config);
    if (stop)
        json_object_set_new(ann, "org.opencontainers.image.stopSignal", json_string(stop));
    if (json_object_size(ann))
        json_object_set_new(spec, "annotations", ann);
    else
        json_decref(ann);
    *out = spec;
    return 0;
}
