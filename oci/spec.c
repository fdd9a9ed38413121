#include "oci/spec.h"

#include <errno.h>
#include <inttypes.h>
#include <linux/mount.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/fs.h"
#include "base/json.h"
#include "base/mem.h"

#ifndef MS_NOSYMFOLLOW
#define MS_NOSYMFOLLOW 256 /* Linux 5.10 */
#endif

/* A field path for messages: fp(buf, "mounts[%zu]", i). */
static const char *fp(char *buf, size_t n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static const char *fp(char *buf, size_t n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, n, fmt, ap);
    va_end(ap);
    return buf;
}

/* ---- names ---------------------------------------------------------- */

static const struct {
    const char *name;
    int resource;
} rlimits[] = {
    { "RLIMIT_AS", RLIMIT_AS },           { "RLIMIT_CORE", RLIMIT_CORE },
    { "RLIMIT_CPU", RLIMIT_CPU },         { "RLIMIT_DATA", RLIMIT_DATA },
    { "RLIMIT_FSIZE", RLIMIT_FSIZE },     { "RLIMIT_LOCKS", RLIMIT_LOCKS },
    { "RLIMIT_MEMLOCK", RLIMIT_MEMLOCK }, { "RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE },
    { "RLIMIT_NICE", RLIMIT_NICE },       { "RLIMIT_NOFILE", RLIMIT_NOFILE },
    { "RLIMIT_NPROC", RLIMIT_NPROC },     { "RLIMIT_RSS", RLIMIT_RSS },
    { "RLIMIT_RTPRIO", RLIMIT_RTPRIO },   { "RLIMIT_RTTIME", RLIMIT_RTTIME },
    { "RLIMIT_SIGPENDING", RLIMIT_SIGPENDING }, { "RLIMIT_STACK", RLIMIT_STACK },
};

int gt_rlimit_from_name(const char *name)
{
    for (size_t i = 0; i < sizeof rlimits / sizeof rlimits[0]; i++)
        if (strcmp(name, rlimits[i].name) == 0)
            return rlimits[i].resource;
    return -1;
}

int gt_cap_from_name(const char *name)
{
    /* libcap also takes numbers and lower case; the spec spells CAP_X */
    if (strncmp(name, "CAP_", 4) != 0 || !name[4])
        return -1;
    for (const char *p = name; *p; p++)
        if (!((*p >= 'A' && *p <= 'Z') || *p == '_' || (*p >= '0' && *p <= '9')))
            return -1;
    cap_value_t v;
    if (cap_from_name(name, &v) < 0 || v < 0 || v > 63)
        return -1;
    return v;
}

static const struct {
    const char *name;
    unsigned long flag;
} propagations[] = {
    { "private", MS_PRIVATE },     { "rprivate", MS_PRIVATE | MS_REC },
    { "shared", MS_SHARED },       { "rshared", MS_SHARED | MS_REC },
    { "slave", MS_SLAVE },         { "rslave", MS_SLAVE | MS_REC },
    { "unbindable", MS_UNBINDABLE }, { "runbindable", MS_UNBINDABLE | MS_REC },
};

unsigned long gt_propagation_from_name(const char *name)
{
    for (size_t i = 0; i < sizeof propagations / sizeof propagations[0]; i++)
        if (strcmp(name, propagations[i].name) == 0)
            return propagations[i].flag;
    return 0;
}

/* Mount options: a flag set or cleared by mount(2). */
static const struct {
    const char *name;
    bool clear;
    unsigned long flag;
} mount_flags[] = {
    { "async", true, MS_SYNCHRONOUS },   { "atime", true, MS_NOATIME },
    { "bind", false, MS_BIND },          { "defaults", false, 0 },
    { "dev", true, MS_NODEV },           { "diratime", true, MS_NODIRATIME },
    { "dirsync", false, MS_DIRSYNC },    { "exec", true, MS_NOEXEC },
    { "iversion", false, MS_I_VERSION }, { "lazytime", false, MS_LAZYTIME },
    { "loud", true, MS_SILENT },         { "mand", false, MS_MANDLOCK },
    { "noatime", false, MS_NOATIME },    { "nodev", false, MS_NODEV },
    { "nodiratime", false, MS_NODIRATIME }, { "noexec", false, MS_NOEXEC },
    { "noiversion", true, MS_I_VERSION }, { "nolazytime", true, MS_LAZYTIME },
    { "nomand", true, MS_MANDLOCK },     { "norelatime", true, MS_RELATIME },
    { "nostrictatime", true, MS_STRICTATIME }, { "nosuid", false, MS_NOSUID },
    { "nosymfollow", false, MS_NOSYMFOLLOW }, { "rbind", false, MS_BIND | MS_REC },
    { "relatime", false, MS_RELATIME },  { "remount", false, MS_REMOUNT },
    { "ro", false, MS_RDONLY },          { "rw", true, MS_RDONLY },
    { "silent", false, MS_SILENT },      { "strictatime", false, MS_STRICTATIME },
    { "suid", true, MS_NOSUID },         { "symfollow", true, MS_NOSYMFOLLOW },
    { "sync", false, MS_SYNCHRONOUS },
};

/* Recursive variants, applied with mount_setattr(AT_RECURSIVE) (Linux 5.12). */
static const struct {
    const char *name;
    bool clear;
    uint64_t attr;
} mount_attrs[] = {
    { "rro", false, MOUNT_ATTR_RDONLY },       { "rrw", true, MOUNT_ATTR_RDONLY },
    { "rnosuid", false, MOUNT_ATTR_NOSUID },   { "rsuid", true, MOUNT_ATTR_NOSUID },
    { "rnodev", false, MOUNT_ATTR_NODEV },     { "rdev", true, MOUNT_ATTR_NODEV },
    { "rnoexec", false, MOUNT_ATTR_NOEXEC },   { "rexec", true, MOUNT_ATTR_NOEXEC },
    { "rnodiratime", false, MOUNT_ATTR_NODIRATIME }, { "rdiratime", true, MOUNT_ATTR_NODIRATIME },
    { "rrelatime", false, MOUNT_ATTR_RELATIME }, { "rnorelatime", true, MOUNT_ATTR_RELATIME },
    { "rnoatime", false, MOUNT_ATTR_NOATIME }, { "ratime", true, MOUNT_ATTR_NOATIME },
    { "rstrictatime", false, MOUNT_ATTR_STRICTATIME },
    { "rnostrictatime", true, MOUNT_ATTR_STRICTATIME },
    { "rnosymfollow", false, MOUNT_ATTR_NOSYMFOLLOW }, { "rsymfollow", true, MOUNT_ATTR_NOSYMFOLLOW },
};

const char *const gt_mount_option_names[] = {
    "acl", "async", "atime", "bind", "defaults", "dev", "diratime", "dirsync", "exec",
    "iversion", "lazytime", "loud", "mand", "noacl", "noatime", "nodev", "nodiratime",
    "noexec", "noiversion", "nolazytime", "nomand", "norelatime", "nostrictatime", "nosuid",
    "nosymfollow", "private", "ratime", "rbind", "rdev", "rdiratime", "relatime", "remount",
    "rexec", "rnoatime", "rnodev", "rnodiratime", "rnoexec", "rnorelatime", "rnostrictatime",
    "rnosuid", "rnosymfollow", "ro", "rprivate", "rrelatime", "rro", "rrw", "rshared",
    "rslave", "rstrictatime", "rsuid", "rsymfollow", "runbindable", "rw", "shared", "silent",
    "slave", "strictatime", "suid", "symfollow", "sync", "tmpcopyup", "unbindable", NULL,
};

void gt_mount_opts_release(struct gt_mount_opts *o)
{
    free(o->data);
    o->data = NULL;
}

static void data_append(char **data, const char *opt)
{
    if (!*data) {
        *data = gt_xstrdup(opt);
        return;
    }
    char *n = gt_xasprintf("%s,%s", *data, opt);
    free(*data);
    *data = n;
}

int gt_mount_opts_parse(const json_t *options, const char *path, struct gt_mount_opts *out,
                        struct gt_error *err)
{
    memset(out, 0, sizeof *out);
    if (!options || json_is_null(options))
        return 0;
    if (!json_is_array(options))
        return gt_err(err, EINVAL, "%s: expected an array, got %s", path,
                      gt_json_type_name(options));
    size_t i;
    json_t *v;
    json_array_foreach(options, i, v) {
        if (!json_is_string(v)) {
            gt_mount_opts_release(out);
            return gt_err(err, EINVAL, "%s[%zu]: expected a string, got %s", path, i,
                          gt_json_type_name(v));
        }
        const char *o = json_string_value(v);
        bool done = false;
        for (size_t k = 0; k < sizeof mount_flags / sizeof mount_flags[0] && !done; k++) {
            if (strcmp(o, mount_flags[k].name) != 0)
                continue;
            done = true;
            if (mount_flags[k].clear) {
                out->flags &= ~mount_flags[k].flag;
                out->clear |= mount_flags[k].flag;
            } else {
                out->flags |= mount_flags[k].flag;
                out->clear &= ~mount_flags[k].flag;
            }
            if (mount_flags[k].flag & MS_BIND)
                out->bind = true;
        }
        for (size_t k = 0; k < sizeof mount_attrs / sizeof mount_attrs[0] && !done; k++) {
            if (strcmp(o, mount_attrs[k].name) != 0)
                continue;
            done = true;
            if (mount_attrs[k].clear) {
                out->attr_clr |= mount_attrs[k].attr;
                out->attr_set &= ~mount_attrs[k].attr;
            } else {
                out->attr_set |= mount_attrs[k].attr;
                out->attr_clr &= ~mount_attrs[k].attr;
            }
            /* the atime modes are one field: clearing one clears them all */
            if (mount_attrs[k].attr & (MOUNT_ATTR_NOATIME | MOUNT_ATTR_RELATIME |
                                       MOUNT_ATTR_STRICTATIME))
                out->attr_clr |= MOUNT_ATTR__ATIME;
        }
        if (!done && gt_propagation_from_name(o)) {
            out->propagation = gt_propagation_from_name(o);
            done = true;
        }
        if (!done && strcmp(o, "tmpcopyup") == 0) {
            out->tmpcopyup = true;
            done = true;
        }
        if (!done && (strcmp(o, "idmap") == 0 || strcmp(o, "ridmap") == 0)) {
            gt_mount_opts_release(out);
            return gt_err(err, EOPNOTSUPP, "%s[%zu]: \"%s\" mounts are not supported", path, i, o);
        }
        if (!done) {
            if (!*o || strchr(o, ',')) {
                gt_mount_opts_release(out);
                return gt_err(err, EINVAL, "%s[%zu]: invalid option \"%s\"", path, i, o);
            }
            data_append(&out->data, o); /* filesystem-specific: mode=755, size=64k, ... */
        }
    }
    return 0;
}

/* ---- process ---------------------------------------------------------- */

void gt_process_release(struct gt_process *p)
{
    if (!p)
        return;
    free(p->args);
    free(p->env);
    free(p->user.additional_gids);
    free(p->rlimits);
    memset(p, 0, sizeof *p);
}

/* A vector of borrowed strings from an array of strings. */
static int get_strv_borrowed(const json_t *obj, const char *key, const char *path, int required,
                             const char ***out, struct gt_error *err)
{
    json_t *arr;
    *out = NULL;
    int r = gt_json_get_arr(obj, key, path, required, &arr, err);
    if (r)
        return r;
    size_t n = json_array_size(arr);
    const char **v = gt_xcalloc(n + 1, sizeof *v);
    for (size_t i = 0; i < n; i++) {
        json_t *s = json_array_get(arr, i);
        if (!json_is_string(s)) {
            free(v);
            return gt_err(err, EINVAL, "%s%s%s[%zu]: expected a string, got %s", path,
                          path[0] ? "." : "", key, i, gt_json_type_name(s));
        }
        v[i] = json_string_value(s);
    }
    *out = v;
    return 0;
}

static int parse_user(const json_t *proc, const char *ppath, struct gt_user *u,
                      struct gt_error *err)
{
    char path[256];
    json_t *user;
    int r = gt_json_get_obj(proc, "user", ppath, GT_JSON_OPTIONAL, &user, err);
    if (r < 0)
        return r;
    if (r == 1)
        return 0; /* root */
    fp(path, sizeof path, "%s.user", ppath);
    int64_t v;
    if ((r = gt_json_get_int_range(user, "uid", path, GT_JSON_OPTIONAL, 0, UINT32_MAX - 1, &v,
                                   err)) < 0)
        return r;
    u->uid = r == 0 ? (uid_t)v : 0;
    if ((r = gt_json_get_int_range(user, "gid", path, GT_JSON_OPTIONAL, 0, UINT32_MAX - 1, &v,
                                   err)) < 0)
        return r;
    u->gid = r == 0 ? (gid_t)v : 0;
    if ((r = gt_json_get_int_range(user, "umask", path, GT_JSON_OPTIONAL, 0, 0777, &v, err)) < 0)
        return r;
    if (r == 0) {
        u->has_umask = true;
        u->umask = (mode_t)v;
    }
    json_t *gids;
    if ((r = gt_json_get_arr(user, "additionalGids", path, GT_JSON_OPTIONAL, &gids, err)) < 0)
        return r;
    if (r == 0) {
        u->n_additional_gids = json_array_size(gids);
        u->additional_gids = gt_xcalloc(u->n_additional_gids + 1, sizeof(gid_t));
        for (size_t i = 0; i < u->n_additional_gids; i++) {
            json_t *g = json_array_get(gids, i);
            if (!json_is_integer(g) || json_integer_value(g) < 0 ||
                json_integer_value(g) > (json_int_t)UINT32_MAX - 1)
                return gt_err(err, EINVAL, "%s.additionalGids[%zu]: expected a group id", path, i);
            u->additional_gids[i] = (gid_t)json_integer_value(g);
        }
    }
    return 0;
}

static int parse_caps(const json_t *proc, const char *ppath, struct gt_caps *caps,
                      struct gt_error *err)
{
    static const char *const set_names[GT_CAP_NSETS] = {
        [GT_CAP_BOUNDING] = "bounding",       [GT_CAP_EFFECTIVE] = "effective",
        [GT_CAP_INHERITABLE] = "inheritable", [GT_CAP_PERMITTED] = "permitted",
        [GT_CAP_AMBIENT] = "ambient",
    };
    char path[256];
    json_t *c;
    int r = gt_json_get_obj(proc, "capabilities", ppath, GT_JSON_OPTIONAL, &c, err);
    if (r)
        return r < 0 ? r : 0;
    caps->present = true;
    fp(path, sizeof path, "%s.capabilities", ppath);
    for (int s = 0; s < GT_CAP_NSETS; s++) {
        json_t *arr;
        r = gt_json_get_arr(c, set_names[s], path, GT_JSON_OPTIONAL, &arr, err);
        if (r < 0)
            return r;
        if (r == 1)
            continue;
        size_t i;
        json_t *v;
        json_array_foreach(arr, i, v) {
            if (!json_is_string(v))
                return gt_err(err, EINVAL, "%s.%s[%zu]: expected a string, got %s", path,
                              set_names[s], i, gt_json_type_name(v));
            int cap = gt_cap_from_name(json_string_value(v));
            if (cap < 0)
                return gt_err(err, EINVAL, "%s.%s[%zu]: unknown capability \"%s\"", path,
                              set_names[s], i, json_string_value(v));
            caps->sets[s] |= 1ULL << cap;
        }
    }
    return 0;
}

static int parse_rlimits(const json_t *proc, const char *ppath, struct gt_process *p,
                         struct gt_error *err)
{
    json_t *arr;
    char path[256];
    int r = gt_json_get_arr(proc, "rlimits", ppath, GT_JSON_OPTIONAL, &arr, err);
    if (r)
        return r < 0 ? r : 0;
    p->n_rlimits = json_array_size(arr);
    p->rlimits = gt_xcalloc(p->n_rlimits + 1, sizeof *p->rlimits);
    for (size_t i = 0; i < p->n_rlimits; i++) {
        json_t *rl = json_array_get(arr, i);
        fp(path, sizeof path, "%s.rlimits[%zu]", ppath, i);
        const char *type;
        if ((r = gt_json_get_str(rl, "type", path, GT_JSON_REQUIRED, &type, err)) < 0)
            return r;
        int res = gt_rlimit_from_name(type);
        if (res < 0)
            return gt_err(err, EINVAL, "%s.type: unknown rlimit \"%s\"", path, type);
        for (size_t k = 0; k < i; k++)
            if (p->rlimits[k].resource == res)
                return gt_err(err, EINVAL, "%s.type: rlimit \"%s\" is given twice", path, type);
        struct gt_rlimit *l = &p->rlimits[i];
        l->resource = res;
        if ((r = gt_json_get_uint64(rl, "soft", path, GT_JSON_REQUIRED, &l->soft, err)) < 0)
            return r;
        if ((r = gt_json_get_uint64(rl, "hard", path, GT_JSON_REQUIRED, &l->hard, err)) < 0)
            return r;
        if (l->soft > l->hard)
            return gt_err(err, EINVAL, "%s: soft limit %" PRIu64 " exceeds hard limit %" PRIu64,
                          path, l->soft, l->hard);
    }
    return 0;
}

int gt_process_parse(const json_t *j, const char *ppath, struct gt_process *p,
                     struct gt_error *err)
{
    char path[256];
    int r;
    memset(p, 0, sizeof *p);
    if (!json_is_object(j))
        return gt_err(err, EINVAL, "%s: expected an object, got %s", ppath,
                      j ? gt_json_type_name(j) : "nothing");
    if ((r = gt_json_get_bool(j, "terminal", ppath, GT_JSON_OPTIONAL, &p->terminal, err)) < 0)
        goto fail;
    json_t *cs;
    if ((r = gt_json_get_obj(j, "consoleSize", ppath, GT_JSON_OPTIONAL, &cs, err)) < 0)
        goto fail;
    if (r == 0) {
        int64_t h = 0, w = 0;
        fp(path, sizeof path, "%s.consoleSize", ppath);
        if ((r = gt_json_get_int_range(cs, "height", path, GT_JSON_REQUIRED, 0, 65535, &h, err)) <
                0 ||
            (r = gt_json_get_int_range(cs, "width", path, GT_JSON_REQUIRED, 0, 65535, &w, err)) < 0)
            goto fail;
        p->console_height = (unsigned short)h;
        p->console_width = (unsigned short)w;
    }
    if ((r = get_strv_borrowed(j, "args", ppath, GT_JSON_REQUIRED, &p->args, err)) < 0)
        goto fail;
    if (!p->args[0] || !p->args[0][0]) {
        r = gt_err(err, EINVAL, "%s.args: must not be empty", ppath);
        goto fail;
    }
    if ((r = get_strv_borrowed(j, "env", ppath, GT_JSON_OPTIONAL, &p->env, err)) < 0)
        goto fail;
    if (!p->env)
        p->env = gt_xcalloc(1, sizeof *p->env);
    for (size_t i = 0; p->env[i]; i++)
        if (!strchr(p->env[i], '=') || p->env[i][0] == '=') {
            r = gt_err(err, EINVAL, "%s.env[%zu]: \"%s\" is not KEY=value", ppath, i, p->env[i]);
            goto fail;
        }
    if ((r = gt_json_get_str(j, "cwd", ppath, GT_JSON_REQUIRED, &p->cwd, err)) < 0)
        goto fail;
    if (p->cwd[0] != '/') {
        r = gt_err(err, EINVAL, "%s.cwd: \"%s\" is not an absolute path", ppath, p->cwd);
        goto fail;
    }
    if ((r = parse_user(j, ppath, &p->user, err)) < 0)
        goto fail;
    if ((r = parse_caps(j, ppath, &p->caps, err)) < 0)
        goto fail;
    if ((r = parse_rlimits(j, ppath, p, err)) < 0)
        goto fail;
    if ((r = gt_json_get_bool(j, "noNewPrivileges", ppath, GT_JSON_OPTIONAL,
                              &p->no_new_privileges, err)) < 0)
        goto fail;
    int64_t oom;
    if ((r = gt_json_get_int_range(j, "oomScoreAdj", ppath, GT_JSON_OPTIONAL, -1000, 1000, &oom,
                                   err)) < 0)
        goto fail;
    if (r == 0) {
        p->has_oom_score_adj = true;
        p->oom_score_adj = (int)oom;
    }
    if ((r = gt_json_get_str(j, "apparmorProfile", ppath, GT_JSON_OPTIONAL, &p->apparmor_profile,
                             err)) < 0)
        goto fail;
    if ((r = gt_json_get_str(j, "selinuxLabel", ppath, GT_JSON_OPTIONAL, &p->selinux_label,
                             err)) < 0)
        goto fail;
    return 0;
fail:
    gt_process_release(p);
    return r;
}

/* ---- the rest of the document ----------------------------------------- */

void gt_spec_free(struct gt_spec *s)
{
    if (!s)
        return;
    if (s->process) {
        gt_process_release(s->process);
        free(s->process);
    }
    for (size_t i = 0; i < s->n_mounts; i++) {
        free(s->mounts[i].destination_owned);
        free(s->mounts[i].source_owned);
        gt_mount_opts_release(&s->mounts[i].opts);
    }
    free(s->mounts);
    free(s->uid_mappings);
    free(s->gid_mappings);
    free(s->devices);
    free(s->sysctl);
    free(s->masked_paths);
    free(s->readonly_paths);
    free(s->root_path);
    free(s->bundle);
    free(s->raw);
    if (s->json)
        json_decref(s->json);
    free(s);
}

static int parse_mounts(struct gt_spec *s, struct gt_error *err)
{
    json_t *arr;
    char path[128], opath[160];
    int r = gt_json_get_arr(s->json, "mounts", "", GT_JSON_OPTIONAL, &arr, err);
    if (r)
        return r < 0 ? r : 0;
    s->n_mounts = json_array_size(arr);
    s->mounts = gt_xcalloc(s->n_mounts + 1, sizeof *s->mounts);
    for (size_t i = 0; i < s->n_mounts; i++) {
        json_t *m = json_array_get(arr, i);
        struct gt_mount *mt = &s->mounts[i];
        fp(path, sizeof path, "mounts[%zu]", i);
        if (!json_is_object(m))
            return gt_err(err, EINVAL, "%s: expected an object, got %s", path,
                          gt_json_type_name(m));
        if ((r = gt_json_get_str(m, "destination", path, GT_JSON_REQUIRED, &mt->destination,
                                 err)) < 0)
            return r;
        if (!mt->destination[0])
            return gt_err(err, EINVAL, "%s.destination: must not be empty", path);
        if (mt->destination[0] != '/') {
            /* runc accepts these (relative to "/") for old configs */
            mt->destination_owned = gt_xasprintf("/%s", mt->destination);
            mt->destination = mt->destination_owned;
        }
        if ((r = gt_json_get_str(m, "type", path, GT_JSON_OPTIONAL, &mt->type, err)) < 0)
            return r;
        if ((r = gt_json_get_str(m, "source", path, GT_JSON_OPTIONAL, &mt->source, err)) < 0)
            return r;
        if ((r = gt_mount_opts_parse(json_object_get(m, "options"),
                                     fp(opath, sizeof opath, "%s.options", path), &mt->opts,
                                     err)) < 0)
            return r;
        if (mt->type && strcmp(mt->type, "bind") == 0 && !mt->opts.bind) {
            mt->opts.bind = true;
            mt->opts.flags |= MS_BIND;
        }
        if (mt->opts.bind) {
            if (!mt->source || !mt->source[0])
                return gt_err(err, EINVAL, "%s.source: required for a bind mount", path);
            if (mt->source[0] != '/') {
                mt->source_owned = gt_path_join(s->bundle, mt->source);
                mt->source = mt->source_owned;
            }
        } else if (!mt->type || !mt->type[0]) {
            return gt_err(err, EINVAL, "%s.type: required unless the mount is a bind mount", path);
        }
    }
    return 0;
}

static int parse_idmaps(const json_t *linux_, const char *key, struct gt_idmap **out, size_t *n,
                        struct gt_error *err)
{
    json_t *arr;
    char path[128];
    int r = gt_json_get_arr(linux_, key, "linux", GT_JSON_OPTIONAL, &arr, err);
    if (r)
        return r < 0 ? r : 0;
    *n = json_array_size(arr);
    *out = gt_xcalloc(*n + 1, sizeof **out);
    for (size_t i = 0; i < *n; i++) {
        json_t *m = json_array_get(arr, i);
        fp(path, sizeof path, "linux.%s[%zu]", key, i);
        int64_t c, h, sz;
        if ((r = gt_json_get_int_range(m, "containerID", path, GT_JSON_REQUIRED, 0, UINT32_MAX, &c,
                                       err)) < 0 ||
            (r = gt_json_get_int_range(m, "hostID", path, GT_JSON_REQUIRED, 0, UINT32_MAX, &h,
                                       err)) < 0 ||
            (r = gt_json_get_int_range(m, "size", path, GT_JSON_REQUIRED, 1, UINT32_MAX, &sz,
                                       err)) < 0)
            return r;
        (*out)[i] = (struct gt_idmap){ (uint32_t)c, (uint32_t)h, (uint32_t)sz };
    }
    return 0;
}

static int parse_namespaces(struct gt_spec *s, const json_t *linux_, struct gt_error *err)
{
    json_t *arr;
    char path[128];
    int r = gt_json_get_arr(linux_, "namespaces", "linux", GT_JSON_OPTIONAL, &arr, err);
    if (r)
        return r < 0 ? r : 0;
    size_t i;
    json_t *n;
    json_array_foreach(arr, i, n) {
        fp(path, sizeof path, "linux.namespaces[%zu]", i);
        const char *type, *nspath = NULL;
        if ((r = gt_json_get_str(n, "type", path, GT_JSON_REQUIRED, &type, err)) < 0)
            return r;
        int t = gt_ns_from_name(type);
        if (t < 0)
            return gt_err(err, EINVAL, "%s.type: unknown namespace type \"%s\" (known: %s)", path,
                          type, gt_ns_names());
        if (s->ns[t].present)
            return gt_err(err, EINVAL, "%s.type: namespace \"%s\" is given twice", path, type);
        if ((r = gt_json_get_str(n, "path", path, GT_JSON_OPTIONAL, &nspath, err)) < 0)
            return r;
        if (nspath && !nspath[0])
            nspath = NULL;
        if (nspath && nspath[0] != '/')
            return gt_err(err, EINVAL, "%s.path: \"%s\" is not an absolute path", path, nspath);
        s->ns[t].present = true;
        s->ns[t].path = nspath;
    }
    return 0;
}

static int parse_devices(struct gt_spec *s, const json_t *linux_, struct gt_error *err)
{
    json_t *arr;
    char path[128];
    int r = gt_json_get_arr(linux_, "devices", "linux", GT_JSON_OPTIONAL, &arr, err);
    if (r)
        return r < 0 ? r : 0;
    s->n_devices = json_array_size(arr);
    s->devices = gt_xcalloc(s->n_devices + 1, sizeof *s->devices);
    for (size_t i = 0; i < s->n_devices; i++) {
        json_t *d = json_array_get(arr, i);
        struct gt_device *dev = &s->devices[i];
        fp(path, sizeof path, "linux.devices[%zu]", i);
        const char *type;
        if ((r = gt_json_get_str(d, "type", path, GT_JSON_REQUIRED, &type, err)) < 0)
            return r;
        if (strlen(type) != 1 || !strchr("cbup", type[0]))
            return gt_err(err, EINVAL, "%s.type: unknown device type \"%s\" (c, b, u or p)", path,
                          type);
        dev->type = type[0];
        if ((r = gt_json_get_str(d, "path", path, GT_JSON_REQUIRED, &dev->path, err)) < 0)
            return r;
        if (dev->path[0] != '/')
            return gt_err(err, EINVAL, "%s.path: \"%s\" is not an absolute path", path, dev->path);
        int req = dev->type == 'p' ? GT_JSON_OPTIONAL : GT_JSON_REQUIRED;
        if ((r = gt_json_get_int_range(d, "major", path, req, 0, 0xfff, &dev->major, err)) < 0 ||
            (r = gt_json_get_int_range(d, "minor", path, req, 0, 0xfffff, &dev->minor, err)) < 0)
            return r;
        int64_t v;
        if ((r = gt_json_get_int_range(d, "fileMode", path, GT_JSON_OPTIONAL, 0, 07777, &v,
                                       err)) < 0)
            return r;
        if (r == 0) {
            dev->has_mode = true;
            dev->file_mode = (mode_t)v;
        }
        if ((r = gt_json_get_int_range(d, "uid", path, GT_JSON_OPTIONAL, 0, UINT32_MAX - 1, &v,
                                       err)) < 0)
            return r;
        if (r == 0) {
            dev->has_uid = true;
            dev->uid = (uid_t)v;
        }
        if ((r = gt_json_get_int_range(d, "gid", path, GT_JSON_OPTIONAL, 0, UINT32_MAX - 1, &v,
                                       err)) < 0)
            return r;
        if (r == 0) {
            dev->has_gid = true;
            dev->gid = (gid_t)v;
        }
    }
    return 0;
}

/* Which namespace a sysctl belongs to (the rules runc applies), or -1. */
static int sysctl_namespace(const char *key)
{
    static const char *const ipc_keys[] = {
        "kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem", "kernel.shmall",
        "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced", NULL,
    };
    for (const char *const *k = ipc_keys; *k; k++)
        if (strcmp(key, *k) == 0)
            return GT_NS_IPC;
    if (strncmp(key, "fs.mqueue.", 10) == 0)
        return GT_NS_IPC;
    if (strncmp(key, "net.", 4) == 0)
        return GT_NS_NET;
    if (strcmp(key, "kernel.hostname") == 0 || strcmp(key, "kernel.domainname") == 0)
        return GT_NS_UTS;
    return -1;
}

static int parse_sysctl(struct gt_spec *s, const json_t *linux_, struct gt_error *err)
{
    json_t *obj;
    int r = gt_json_get_obj(linux_, "sysctl", "linux", GT_JSON_OPTIONAL, &obj, err);
    if (r)
        return r < 0 ? r : 0;
    s->sysctl = gt_xcalloc(json_object_size(obj) + 1, sizeof *s->sysctl);
    const char *k;
    json_t *v;
    json_object_foreach(obj, k, v) {
        if (!json_is_string(v))
            return gt_err(err, EINVAL, "linux.sysctl.%s: expected a string, got %s", k,
                          gt_json_type_name(v));
        if (!k[0] || strstr(k, "..") || k[0] == '.' || k[0] == '/' || strchr(k, '\n'))
            return gt_err(err, EINVAL, "linux.sysctl: invalid name \"%s\"", k);
        int t = sysctl_namespace(k);
        if (t < 0)
            return gt_err(err, EINVAL, "linux.sysctl.%s: not in a separate kernel namespace", k);
        if (!s->ns[t].present)
            return gt_err(err, EINVAL, "linux.sysctl.%s: needs a %s namespace", k,
                          gt_ns_table[t].spec_name);
        s->sysctl[s->n_sysctl++] = (struct gt_sysctl){ k, json_string_value(v) };
    }
    return 0;
}

static int parse_abs_paths(const json_t *linux_, const char *key, const char ***out,
                           struct gt_error *err)
{
    char path[64];
    int r = get_strv_borrowed(linux_, key, "linux", GT_JSON_OPTIONAL, out, err);
    if (r)
        return r < 0 ? r : 0;
    for (size_t i = 0; (*out)[i]; i++)
        if ((*out)[i][0] != '/')
            return gt_err(err, EINVAL, "%s[%zu]: \"%s\" is not an absolute path",
                          fp(path, sizeof path, "linux.%s", key), i, (*out)[i]);
    return 0;
}

static int parse_linux(struct gt_spec *s, struct gt_error *err)
{
    json_t *lx;
    int r = gt_json_get_obj(s->json, "linux", "", GT_JSON_OPTIONAL, &lx, err);
    if (r < 0)
        return r;
    if (r == 1)
        return gt_err(err, EINVAL, "linux: required field is missing (a Linux container needs "
                                   "its namespaces)");
    if ((r = parse_namespaces(s, lx, err)) < 0)
        return r;
    if ((r = parse_idmaps(lx, "uidMappings", &s->uid_mappings, &s->n_uid_mappings, err)) < 0)
        return r;
    if ((r = parse_idmaps(lx, "gidMappings", &s->gid_mappings, &s->n_gid_mappings, err)) < 0)
        return r;
    if ((r = parse_devices(s, lx, err)) < 0)
        return r;
    if ((r = gt_json_get_str(lx, "cgroupsPath", "linux", GT_JSON_OPTIONAL, &s->cgroups_path,
                             err)) < 0)
        return r;
    if ((r = gt_json_get_obj(lx, "resources", "linux", GT_JSON_OPTIONAL, &s->resources, err)) < 0)
        return r;
    if ((r = gt_json_get_obj(lx, "seccomp", "linux", GT_JSON_OPTIONAL, &s->seccomp, err)) < 0)
        return r;
    if ((r = parse_sysctl(s, lx, err)) < 0)
        return r;
    if ((r = parse_abs_paths(lx, "maskedPaths", &s->masked_paths, err)) < 0)
        return r;
    if ((r = parse_abs_paths(lx, "readonlyPaths", &s->readonly_paths, err)) < 0)
        return r;
    const char *prop;
    if ((r = gt_json_get_str(lx, "rootfsPropagation", "linux", GT_JSON_OPTIONAL, &prop, err)) < 0)
        return r;
    if (r == 0 && prop[0]) {
        s->rootfs_propagation = gt_propagation_from_name(prop);
        if (!s->rootfs_propagation)
            return gt_err(err, EINVAL, "linux.rootfsPropagation: unknown propagation \"%s\"",
                          prop);
    }
    if ((r = gt_json_get_str(lx, "mountLabel", "linux", GT_JSON_OPTIONAL, &s->mount_label, err)) <
        0)
        return r;
    return 0;
}

/* Rules between fields. */
static int check_consistency(struct gt_spec *s, struct gt_error *err)
{
    if (!s->ns[GT_NS_MNT].present)
        return gt_err(err, EINVAL, "linux.namespaces: a mount namespace is required");
    if (s->ns[GT_NS_USER].present && !s->ns[GT_NS_USER].path) {
        if (!s->n_uid_mappings)
            return gt_err(err, EINVAL, "linux.uidMappings: required with a new user namespace");
        if (!s->n_gid_mappings)
            return gt_err(err, EINVAL, "linux.gidMappings: required with a new user namespace");
    }
    if (!s->ns[GT_NS_USER].present) {
        if (s->n_uid_mappings)
            return gt_err(err, EINVAL, "linux.uidMappings: given without a user namespace");
        if (s->n_gid_mappings)
            return gt_err(err, EINVAL, "linux.gidMappings: given without a user namespace");
    }
    if (s->hostname && s->hostname[0] && !s->ns[GT_NS_UTS].present)
        return gt_err(err, EINVAL, "hostname: needs a uts namespace");
    if (s->domainname && s->domainname[0] && !s->ns[GT_NS_UTS].present)
        return gt_err(err, EINVAL, "domainname: needs a uts namespace");
    return 0;
}

int gt_spec_parse(json_t *json, const char *bundle, struct gt_spec **out, struct gt_error *err)
{
    struct gt_spec *s = gt_xcalloc(1, sizeof *s);
    s->json = json;
    int r;
    if (!json_is_object(json)) {
        r = gt_err(err, EINVAL, "config.json: expected an object, got %s",
                   json ? gt_json_type_name(json) : "nothing");
        goto fail;
    }
    if (bundle[0] == '/') {
        s->bundle = gt_xstrdup(bundle);
    } else {
        char *cwd = getcwd(NULL, 0);
        if (!cwd) {
            r = gt_err_sys(err, errno, "getcwd");
            goto fail;
        }
        s->bundle = strcmp(bundle, ".") == 0 ? gt_xstrdup(cwd) : gt_path_join(cwd, bundle);
        free(cwd);
    }
    size_t bl = strlen(s->bundle);
    while (bl > 1 && s->bundle[bl - 1] == '/')
        s->bundle[--bl] = '\0';

    if ((r = gt_json_get_str(json, "ociVersion", "", GT_JSON_OPTIONAL, &s->oci_version, err)) < 0)
        goto fail;
    if (r == 0 && strncmp(s->oci_version, "1.", 2) != 0) {
        r = gt_err(err, EINVAL, "ociVersion: unsupported version \"%s\" (1.x expected)",
                   s->oci_version);
        goto fail;
    }
    json_t *proc;
    if ((r = gt_json_get_obj(json, "process", "", GT_JSON_OPTIONAL, &proc, err)) < 0)
        goto fail;
    if (r == 0) {
        s->process = gt_xcalloc(1, sizeof *s->process);
        if ((r = gt_process_parse(proc, "process", s->process, err)) < 0)
            goto fail;
    }
    json_t *root;
    if ((r = gt_json_get_obj(json, "root", "", GT_JSON_REQUIRED, &root, err)) < 0)
        goto fail;
    const char *rp;
    if ((r = gt_json_get_str(root, "path", "root", GT_JSON_REQUIRED, &rp, err)) < 0)
        goto fail;
    if (!rp[0]) {
        r = gt_err(err, EINVAL, "root.path: must not be empty");
        goto fail;
    }
    s->root_path = rp[0] == '/' ? gt_xstrdup(rp) : gt_path_join(s->bundle, rp);
    if ((r = gt_json_get_bool(root, "readonly", "root", GT_JSON_OPTIONAL, &s->root_readonly,
                              err)) < 0)
        goto fail;
    if ((r = gt_json_get_str(json, "hostname", "", GT_JSON_OPTIONAL, &s->hostname, err)) < 0)
        goto fail;
    if ((r = gt_json_get_str(json, "domainname", "", GT_JSON_OPTIONAL, &s->domainname, err)) < 0)
        goto fail;
    if ((r = parse_mounts(s, err)) < 0)
        goto fail;
    if ((r = parse_linux(s, err)) < 0)
        goto fail;
    if ((r = gt_json_get_obj(json, "hooks", "", GT_JSON_OPTIONAL, &s->hooks, err)) < 0)
        goto fail;
    if ((r = gt_json_get_obj(json, "annotations", "", GT_JSON_OPTIONAL, &s->annotations, err)) <
        0)
        goto fail;
    if (s->annotations) {
        const char *k;
        json_t *v;
        json_object_foreach(s->annotations, k, v) {
            if (!json_is_string(v)) {
                r = gt_err(err, EINVAL, "annotations.%s: expected a string, got %s", k,
                           gt_json_type_name(v));
                goto fail;
            }
        }
    }
    if ((r = check_consistency(s, err)) < 0)
        goto fail;
    *out = s;
    return 0;
fail:
    gt_spec_free(s);
    return r;
}

int gt_spec_load(const char *bundle, struct gt_spec **out, struct gt_error *err)
{
    cleanup_free char *path = gt_path_join(bundle, "config.json");
    cleanup_free char *buf = NULL;
    size_t len;
    int r = gt_read_file(path, 64 << 20, &buf, &len, err);
    if (r < 0)
        return r;
    json_t *j;
    if ((r = gt_json_load_buf(buf, len, "config.json", &j, err)) < 0)
        return r;
    if ((r = gt_spec_parse(j, bundle, out, err)) < 0)
        return r;
    (*out)->raw = steal_pointer(&buf);
    (*out)->raw_len = len;
    return 0;
}
