/* gantry-runtime - an OCI runtime with runc's command line.
 *
 * Engines (podman through conmon, containerd through its shim) drive it as
 * they drive runc: the global flags, the commands and their flags, the exit
 * codes and the JSON of `state`, `list` and `ps` are that contract.  This
 * file only parses the command line and prints; the work is in oci/. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/fs.h"
#include "base/json.h"
#include "base/log.h"
#include "base/mem.h"
#include "base/sig.h"
#include "oci/container.h"
#include "oci/features.h"
#include "oci/spec.h"
#include "oci/state.h"

/* ---- flags ---------------------------------------------------------------- */

/* One flag of a command.  runc (urfave/cli) takes "--name value",
 * "--name=value", "-name value" and a short "-n value"; booleans take an
 * optional "=true"/"=false".  Flags stop at the first argument that is not
 * one (or at "--"). */
struct flag {
    const char *name;
    char short_name;
    bool has_arg;
    bool multi; /* may repeat: values collected */
    /* filled by parsing */
    bool set;
    const char *value;
    char **values;
};

struct global {
    const char *root;
    const char *log;
    const char *log_format;
    bool debug;
    bool systemd_cgroup;
};

static struct global g;

static struct flag *flag_find(struct flag *flags, const char *name, size_t len, bool is_short)
{
    for (struct flag *f = flags; f->name; f++) {
        if (is_short ? (len == 1 && f->short_name == name[0])
                     : (strlen(f->name) == len && strncmp(f->name, name, len) == 0))
            return f;
    }
    /* "-name" with one dash is also a long flag */
    if (is_short)
        for (struct flag *f = flags; f->name; f++)
            if (strlen(f->name) == len && strncmp(f->name, name, len) == 0)
                return f;
    return NULL;
}

/* Parses flags from argv[*i]; leaves *i at the first positional argument.
 * Returns 0 or -1 after printing the error. */
static int parse_flags(int argc, char **argv, int *i, struct flag *flags, const char *cmd)
{
    while (*i < argc) {
        char *a = argv[*i];
        if (strcmp(a, "--") == 0) {
            (*i)++;
            return 0;
        }
        if (a[0] != '-' || a[1] == '\0')
            return 0;
        bool is_short = a[1] != '-';
        const char *name = a + (is_short ? 1 : 2);
        const char *eq = strchr(name, '=');
        size_t len = eq ? (size_t)(eq - name) : strlen(name);
        struct flag *f = flag_find(flags, name, len, is_short);
        if (!f) {
            gt_error("%s%sflag provided but not defined: %s", cmd ? cmd : "", cmd ? ": " : "", a);
            return -1;
        }
        const char *val = NULL;
        if (f->has_arg) {
            if (eq) {
                val = eq + 1;
            } else if (*i + 1 < argc) {
                val = argv[++*i];
            } else {
                gt_error("flag needs an argument: %s", a);
                return -1;
            }
        } else if (eq) {
            if (strcmp(eq + 1, "false") == 0) {
                f->set = false;
                (*i)++;
                continue;
            }
        }
        f->set = true;
        f->value = val;
        if (f->multi && val)
            gt_strv_push(&f->values, val);
        (*i)++;
    }
    return 0;
}

static struct flag *F(struct flag *flags, const char *name)
{
    for (struct flag *f = flags; f->name; f++)
        if (strcmp(f->name, name) == 0)
            return f;
    abort(); /* a name not in the table is a bug in this file */
}

static void flags_free(struct flag *flags)
{
    for (struct flag *f = flags; f->name; f++)
        gt_strv_free(f->values);
}

static const char *root_dir(void)
{
    return gt_state_root(g.root);
}

/* Prints an error once: to the log (a file when --log is given) and, as
 * runc does, to stderr as well when the log is a file. */
static int fail(const struct gt_error *err, int code)
{
    gt_error("%s", err->msg);
    if (gt_log_fd() >= 0)
        fprintf(stderr, "%s\n", err->msg);
    return code;
}

static int usage_error(const char *cmd, const char *msg)
{
    struct gt_error err;
    gt_err(&err, EINVAL, "%s: %s", cmd, msg);
    return fail(&err, 1);
}

/* The container id: the one positional argument some commands take. */
static const char *need_id(int argc, char **argv, int i, const char *cmd)
{
    if (i >= argc) {
        usage_error(cmd, "container id cannot be empty");
        return NULL;
    }
    return argv[i];
}

static int parse_int(const char *s, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end)
        return -1;
    *out = v;
    return 0;
}

static void print_json(const json_t *j, size_t flags, bool newline)
{
    char *s = json_dumps(j, flags);
    if (s) {
        fputs(s, stdout);
        if (newline)
            fputc('\n', stdout);
        free(s);
    }
    fflush(stdout);
}

/* ---- commands ----------------------------------------------------------- */

static int cmd_spec(int argc, char **argv)
{
    struct flag flags[] = { { "bundle", 'b', true }, { "rootless", 0, false }, { 0 } };
    int i = 1;
    if (parse_flags(argc, argv, &i, flags, "spec") < 0)
        return 1;
    const char *bundle = F(flags, "bundle")->set ? F(flags, "bundle")->value : ".";
    cleanup_free char *path = gt_path_join(bundle, "config.json");
    struct gt_error err;
    if (gt_path_exists(path)) {
        gt_err(&err, EEXIST, "File %s exists. Remove it first", path);
        return fail(&err, 1);
    }
    cleanup_json json_t *j = gt_spec_template(F(flags, "rootless")->set);
    cleanup_free char *s = json_dumps(j, JSON_INDENT(2));
    if (!s || gt_write_file(path, s, strlen(s), 0666, &err) < 0)
        return fail(&err, 1);
    return 0;
}

#define CREATE_FLAGS \
    { "bundle", 'b', true }, { "pid-file", 0, true }, { "console-socket", 0, true }, \
        { "no-pivot", 0, false }, { "no-new-keyring", 0, false }, \
        { "preserve-fds", 0, true }, { "pidfd-socket", 0, true }

static int create_opts(struct flag *flags, const char *id, struct gt_create_opts *o,
                       const char *cmd)
{
    memset(o, 0, sizeof *o);
    o->id = id;
    o->bundle = F(flags, "bundle")->set ? F(flags, "bundle")->value : ".";
    o->pid_file = F(flags, "pid-file")->set ? F(flags, "pid-file")->value : NULL;
    o->console_socket = F(flags, "console-socket")->set ? F(flags, "console-socket")->value : NULL;
    if (o->pid_file && !o->pid_file[0])
        o->pid_file = NULL;
    if (o->console_socket && !o->console_socket[0])
        o->console_socket = NULL;
    o->no_pivot = F(flags, "no-pivot")->set;
    o->no_new_keyring = F(flags, "no-new-keyring")->set;
    if (F(flags, "preserve-fds")->set) {
        long n;
        if (parse_int(F(flags, "preserve-fds")->value, &n) < 0 || n < 0 || n > 65000) {
            usage_error(cmd, "--preserve-fds: expected a number of fds");
            return -1;
        }
        o->preserve_fds = (int)n;
    }
    if (F(flags, "pidfd-socket")->set) {
        usage_error(cmd, "--pidfd-socket is not supported");
        return -1;
    }
    return 0;
}

static int cmd_create(int argc, char **argv)
{
    struct flag flags[] = { CREATE_FLAGS, { 0 } };
    int i = 1;
    if (parse_flags(argc, argv, &i, flags, "create") < 0)
        return 1;
    const char *id = need_id(argc, argv, i, "create");
    if (!id)
        return 1;
    struct gt_create_opts o;
    if (create_opts(flags, id, &o, "create") < 0)
        return 1;
    struct gt_error err;
    gt_err_clear(&err);
    if (gt_container_create(root_dir(), &o, &err) < 0)
        return fail(&err, 1);
    return 0;
}

static int cmd_run(int argc, char **argv)
{
    struct flag flags[] = { CREATE_FLAGS,
                            { "detach", 'd', false },
                            { "keep", 0, false },
                            { "no-subreaper", 0, false },
                            { 0 } };
    int i = 1;
    if (parse_flags(argc, argv, &i, flags, "run") < 0)
        return 1;
    const char *id = need_id(argc, argv, i, "run");
    if (!id)
        return 1;
    struct gt_create_opts o;
    if (create_opts(flags, id, &o, "run") < 0)
        return 1;
    struct gt_error err;
    gt_err_clear(&err);
    int status = 0;
    if (gt_container_run(root_dir(), &o, F(flags, "detach")->set, F(flags, "keep")->set, &status,
                         &err) < 0)
        return fail(&err, 1);
    return status;
}

static int cmd_simple(int argc, char **argv, const char *cmd,
                      int (*fn)(const char *root, const char *id, struct gt_error *err))
{
    struct flag flags[] = { { 0 } };
    int i = 1;
    if (parse_flags(argc, argv, &i, flags, cmd) < 0)
        return 1;
    const char *id = need_id(argc, argv, i, cmd);
    if (!id)
        return 1;
    struct gt_error err;
    gt_err_clear(&err);
    if (fn(root_dir(), id, &err) < 0)
        return fail(&err, 1);
    return 0;
}

static int cmd_start(int argc, char **argv)
{
    return cmd_simple(argc, argv, "start", gt_container_start);
}

static int pause_fn(const char *root, const char *id, struct gt_error *err)
{
    return gt_container_pause(root, id, true, err);
}

static int resume_fn(const char *root, const char *id, struct gt_error *err)
{
    return gt_container_pause(root, id, false, err);
}

static int cmd_pause(int argc, char **argv)
{
    return cmd_simple(argc, argv, "pause", pause_fn);
}

static int cmd_resume(int argc, char **argv)
{
    return cmd_simple(argc, argv, "resume", resume_fn);
}

static int cmd_state(int argc, char **argv)
{
    struct flag flags[] = { { 0 } };
    int i = 1;
    if (parse_flags(argc, argv, &i, flags, "state") < 0)
        return 1;
    const char *id = need_id(argc, argv, i, "state");
    if (!id)
        return 1;
    struct gt_error err;
    gt_err_clear(&err);
    json_t *j;
    if (gt_container_state(root_dir(), id, &j, &err) < 0)
        return fail(&err, 1);
    print_json(j, JSON_INDENT(2), false);
    json_decref(j);
    return 0;
}

static int cmd_kill(int argc, char **argv)
{
    struct flag flags[] = { { "all", 'a', false }, { 0 } };
    int i = 1;
    if (parse_flags(argc, argv, &i, flags, "kill") < 0)
        return 1;
    const char *id = need_id(argc, argv, i, "kill");
    if (!id)
        return 1;
    int sig = 15;
    if (i + 1 < argc) {
        sig = gt_signal_parse(argv[i + 1]);
        if (sig < 0) {
            struct gt_error err;
            gt_err(&err, EINVAL, "unknown signal \"%s\"", argv[i + 1]);
            return fail(&err, 1);
        }
    }
    struct gt_error err;
    gt_err_clear(&err);
    if (gt_container_kill(root_dir(), id, sig, F(flags, "all")->set, &err) < 0)
        return fail(&err, 1);
    return 0;
}

static int cmd_delete(int argc, char **argv)
{
    struct flag flags[] = { { "force", 'f', false }, { 0 } };
    int i = 1;
    if (parse_flags(argc, argv, &i, flags, "delete") < 0)
        return 1;
    const char *id = need_id(argc, argv, i, "delete");
    if (!id)
        return 1;
    struct gt_error err;
    gt_err_clear(&err);
    if (gt_container_delete(root_dir(), id, F(flags, "force")->set, &err) < 0)
        return fail(&err, 1);
    return 0;
}

static int cmd_list(int argc, char **argv)
{
    struct flag flags[] = { { "format", 'f', true }, { "quiet", 'q', false }, { 0 } };
    int i = 1;
    if (parse_flags(argc, argv, &i, flags, "list") < 0)
        return 1;
    const char *fmt = F(flags, "format")->set ? F(flags, "format")->value : "table";
    if (strcmp(fmt, "table") && strcmp(fmt, "json"))
        return usage_error("list", "invalid format option (table or json)");
    struct gt_error err;
    gt_err_clear(&err);
    json_t *arr;
    if (gt_container_list(root_dir(), &arr, &err) < 0)
        return fail(&err, 1);
    size_t k;
    json_t *c;
    if (F(flags, "quiet")->set) {
        json_array_foreach(arr, k, c) printf("%s\n", json_string_value(json_object_get(c, "id")));
    } else if (strcmp(fmt, "json") == 0) {
        print_json(arr, JSON_COMPACT, true);
    } else {
        /* runc's tabwriter: cells padded to max(width + 3, 12), the last not */
        static const char *const cols[] = { "id", "pid", "status", "bundle", "created", "owner" };
        static const char *const heads[] = { "ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER" };
        size_t n = json_array_size(arr);
        char **cells = gt_xcalloc((n + 1) * 6, sizeof *cells);
        size_t width[6];
        for (int col = 0; col < 6; col++) {
            cells[col] = gt_xstrdup(heads[col]);
            width[col] = strlen(heads[col]);
        }
        json_array_foreach(arr, k, c) {
            for (int col = 0; col < 6; col++) {
                json_t *v = json_object_get(c, cols[col]);
                char *s = json_is_integer(v) ? gt_xasprintf("%lld", (long long)json_integer_value(v))
                                             : gt_xstrdup(json_string_value(v));
                cells[(k + 1) * 6 + col] = s;
                if (strlen(s) > width[col])
                    width[col] = strlen(s);
            }
        }
        for (size_t row = 0; row <= n; row++) {
            for (int col = 0; col < 6; col++) {
                const char *s = cells[row * 6 + col];
                if (col == 5) {
                    printf("%s\n", s);
                } else {
                    size_t w = width[col] + 3 < 12 ? 12 : width[col] + 3;
                    printf("%-*s", (int)w, s);
                }
            }
        }
        for (size_t x = 0; x < (n + 1) * 6; x++)
            free(cells[x]);
        free(cells);
    }
    json_decref(arr);
    fflush(stdout);
    return 0;
}

static int cmp_pid(const void *a, const void *b)
{
    pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;
    return (x > y) - (x < y);
}

static int cmd_ps(int argc, char **argv)
{
    struct flag flags[] = { { "format", 'f', true }, { 0 } };
    int i = 1;
    if (parse_flags(argc, argv, &i, flags, "ps") < 0)
        return 1;
    const char *id = need_id(argc, argv, i, "ps");
    if (!id)
        return 1;
    const char *fmt = F(flags, "format")->set ? F(flags, "format")->value : "table";
    if (strcmp(fmt, "table") && strcmp(fmt, "json"))
        return usage_error("ps", "invalid format option (table or json)");
    struct gt_error err;
    gt_err_clear(&err);
    pid_t *pids;
    size_t n;
    if (gt_container_pids(root_dir(), id, &pids, &n, &err) < 0)
        return fail(&err, 1);
    if (strcmp(fmt, "json") == 0) {
        json_t *arr = json_array();
        for (size_t k = 0; k < n; k++)
            json_array_append_new(arr, json_integer(pids[k]));
        print_json(arr, JSON_COMPACT, true);
        json_decref(arr);
        free(pids);
        return 0;
    }
    qsort(pids, n, sizeof *pids, cmp_pid);
    /* `ps` with the given options (default -ef), keeping the header and
     * the lines whose PID column is one of the container's */
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) < 0) {
        gt_err_sys(&err, errno, "pipe");
        free(pids);
        return fail(&err, 1);
    }
    fflush(stdout);
    pid_t child = fork();
    if (child == 0) {
        dup2(fds[1], STDOUT_FILENO);
        int extra = argc - (i + 1);
        char **av = gt_xcalloc((size_t)extra + 3, sizeof *av);
        av[0] = "ps";
        if (extra > 0)
            memcpy(av + 1, argv + i + 1, (size_t)extra * sizeof *av);
        else
            av[1] = "-ef";
        execvp("ps", av);
        _exit(127);
    }
    close(fds[1]);
    size_t cap = 65536, len = 0;
    cleanup_free char *out = gt_xmalloc(cap);
    ssize_t got;
    while ((got = read(fds[0], out + len, cap - len - 1)) > 0 || (got < 0 && errno == EINTR)) {
        if (got > 0)
            len += (size_t)got;
        if (cap - len < 2)
            out = gt_xrealloc(out, cap *= 2);
    }
    out[len] = '\0';
    close(fds[0]);
    int status;
    waitpid(child, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        gt_err(&err, EINVAL, "ps: the ps command failed");
        free(pids);
        return fail(&err, 1);
    }
    char *save = NULL;
    char *line = strtok_r(out, "\n", &save);
    int pid_col = -1;
    if (line) {
        /* find the PID column in the header */
        char *hdr = gt_xstrdup(line), *s2 = NULL;
        int col = 0;
        for (char *t = strtok_r(hdr, " \t", &s2); t; t = strtok_r(NULL, " \t", &s2), col++)
            if (strcmp(t, "PID") == 0)
                pid_col = col;
        free(hdr);
        printf("%s\n", line);
    }
    if (pid_col < 0) {
        gt_err(&err, EINVAL, "ps: no PID column in the output of ps");
        free(pids);
        return fail(&err, 1);
    }
    while ((line = strtok_r(NULL, "\n", &save))) {
        char *copy = gt_xstrdup(line), *s2 = NULL, *t = strtok_r(copy, " \t", &s2);
        for (int col = 0; t && col < pid_col; col++)
            t = strtok_r(NULL, " \t", &s2);
        long p;
        if (t && parse_int(t, &p) == 0) {
            pid_t key = (pid_t)p;
            if (bsearch(&key, pids, n, sizeof *pids, cmp_pid))
                printf("%s\n", line);
        }
        free(copy);
    }
    free(pids);
    fflush(stdout);
    return 0;
}

/* "10m", "1g", "512" -> bytes; "-1" stays -1 (unlimited). */
static int parse_bytes(const char *s, long long *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s)
        return -1;
    long long mult = 1;
    if (*end) {
        switch (*end | 0x20) {
        case 'b': mult = 1; break;
        case 'k': mult = 1LL << 10; break;
        case 'm': mult = 1LL << 20; break;
        case 'g': mult = 1LL << 30; break;
        case 't': mult = 1LL << 40; break;
        default: return -1;
        }
        end++;
        if ((*end | 0x20) == 'b' || (*end | 0x20) == 'i')
            end++;
        if ((*end | 0x20) == 'b')
            end++;
        if (*end)
            return -1;
    }
    *out = (long long)(v * (double)mult);
    return 0;
}

static int cmd_update(int argc, char **argv)
{
    struct flag flags[] = {
        { "resources", 'r', true },   { "memory", 0, true },         { "memory-reservation", 0, true },
        { "memory-swap", 0, true },   { "kernel-memory", 0, true },  { "kernel-memory-tcp", 0, true },
        { "cpu-share", 0, true },     { "cpu-quota", 0, true },      { "cpu-period", 0, true },
        { "cpu-rt-period", 0, true }, { "cpu-rt-runtime", 0, true }, { "cpuset-cpus", 0, true },
        { "cpuset-mems", 0, true },   { "pids-limit", 0, true },     { "blkio-weight", 0, true },
        { "l3-cache-schema", 0, true }, { "mem-bw-schema", 0, true }, { 0 },
    };
    int i = 1;
    if (parse_flags(argc, argv, &i, flags, "update") < 0)
        return 1;
    const char *id = need_id(argc, argv, i, "update");
    if (!id)
        return 1;
    struct gt_error err;
    gt_err_clear(&err);
    cleanup_json json_t *res = NULL;
    if (F(flags, "resources")->set) {
        const char *path = F(flags, "resources")->value;
        if (strcmp(path, "-") == 0) {
            json_error_t je;
            res = json_loadf(stdin, 0, &je);
            if (!res) {
                gt_err(&err, EINVAL, "update: parse resources from stdin: line %d: %s", je.line,
                       je.text);
                return fail(&err, 1);
            }
        } else if (gt_json_load_file(path, &res, &err) < 0) {
            return fail(&err, 1);
        }
        if (!json_is_object(res)) {
            gt_err(&err, EINVAL, "update: resources: expected an object");
            return fail(&err, 1);
        }
    } else {
        static const struct {
            const char *flag, *group, *key;
            bool bytes, string;
        } map[] = {
            { "memory", "memory", "limit", true, false },
            { "memory-reservation", "memory", "reservation", true, false },
            { "memory-swap", "memory", "swap", true, false },
            { "kernel-memory", "memory", "kernel", true, false },
            { "kernel-memory-tcp", "memory", "kernelTCP", true, false },
            { "cpu-share", "cpu", "shares", false, false },
            { "cpu-quota", "cpu", "quota", false, false },
            { "cpu-period", "cpu", "period", false, false },
            { "cpu-rt-period", "cpu", "realtimePeriod", false, false },
            { "cpu-rt-runtime", "cpu", "realtimeRuntime", false, false },
            { "cpuset-cpus", "cpu", "cpus", false, true },
            { "cpuset-mems", "cpu", "mems", false, true },
            { "pids-limit", "pids", "limit", false, false },
            { "blkio-weight", "blockIO", "weight", false, false },
        };
        res = json_object();
        for (size_t k = 0; k < sizeof map / sizeof map[0]; k++) {
            struct flag *f = F(flags, map[k].flag);
            if (!f->set)
                continue;
            json_t *grp = json_object_get(res, map[k].group);
            if (!grp) {
                grp = json_object();
                json_object_set_new(res, map[k].group, grp);
            }
            if (map[k].string) {
                json_object_set_new(grp, map[k].key, json_string(f->value));
                continue;
            }
            long long v;
            long lv;
            if (map[k].bytes ? parse_bytes(f->value, &v) < 0
                             : (parse_int(f->value, &lv) < 0 ? 1 : (v = lv, 0))) {
                gt_err(&err, EINVAL, "update: --%s: invalid value \"%s\"", map[k].flag, f->value);
                return fail(&err, 1);
            }
            json_object_set_new(grp, map[k].key, json_integer(v));
        }
        if (F(flags, "l3-cache-schema")->set || F(flags, "mem-bw-schema")->set) {
            gt_err(&err, EOPNOTSUPP, "update: Intel RDT is not supported");
            return fail(&err, 1);
        }
    }
    if (gt_container_update(root_dir(), id, res, &err) < 0)
        return fail(&err, 1);
    return 0;
}

static int cmd_exec(int argc, char **argv)
{
    struct flag flags[] = {
        { "process", 'p', true },  { "tty", 't', false },          { "detach", 'd', false },
        { "pid-file", 0, true },   { "console-socket", 0, true },  { "cwd", 0, true },
        { "env", 'e', true, true }, { "user", 'u', true },         { "additional-gids", 'g', true, true },
        { "cap", 'c', true, true }, { "no-new-privs", 0, false },  { "preserve-fds", 0, true },
        { "process-label", 0, true }, { "apparmor", 0, true },     { "cgroup", 0, true, true },
        { "ignore-paused", 0, false }, { "pidfd-socket", 0, true }, { 0 },
    };
    int i = 1;
    if (parse_flags(argc, argv, &i, flags, "exec") < 0)
        return 255;
    const char *id = need_id(argc, argv, i, "exec");
    if (!id)
        return 255;
    struct gt_exec_opts o = {
        .id = id,
        .process_path = F(flags, "process")->set ? F(flags, "process")->value : NULL,
        .args = argv + i + 1,
        .tty = F(flags, "tty")->set,
        .detach = F(flags, "detach")->set,
        .pid_file = F(flags, "pid-file")->set ? F(flags, "pid-file")->value : NULL,
        .console_socket = F(flags, "console-socket")->set ? F(flags, "console-socket")->value : NULL,
        .cwd = F(flags, "cwd")->set ? F(flags, "cwd")->value : NULL,
        .user = F(flags, "user")->set ? F(flags, "user")->value : NULL,
        .env = F(flags, "env")->values,
        .caps = F(flags, "cap")->values,
        .no_new_privs = F(flags, "no-new-privs")->set,
        .ignore_paused = F(flags, "ignore-paused")->set,
    };
    if (o.pid_file && !o.pid_file[0])
        o.pid_file = NULL;
    if (o.console_socket && !o.console_socket[0])
        o.console_socket = NULL;
    cleanup_free char *gids = NULL;
    for (char **v = F(flags, "additional-gids")->values; v && *v; v++) {
        char *n = gids ? gt_xasprintf("%s,%s", gids, *v) : gt_xstrdup(*v);
        free(gids);
        gids = n;
    }
    o.additional_gids = gids;
    struct gt_error err;
    gt_err_clear(&err);
    if (F(flags, "preserve-fds")->set) {
        long n;
        if (parse_int(F(flags, "preserve-fds")->value, &n) < 0 || n < 0 || n > 65000) {
            flags_free(flags);
            usage_error("exec", "--preserve-fds: expected a number of fds");
            return 255;
        }
        o.preserve_fds = (int)n;
    }
    if (F(flags, "cgroup")->set || F(flags, "pidfd-socket")->set) {
        flags_free(flags);
        gt_err(&err, EOPNOTSUPP, "exec failed: --cgroup and --pidfd-socket are not supported");
        return fail(&err, 255);
    }
    int status = 0;
    int r = gt_container_exec(root_dir(), &o, &status, &err);
    flags_free(flags);
    if (r < 0) {
        gt_err_prefix(&err, "exec failed");
        return fail(&err, 255);
    }
    return status;
}

static int cmd_features(int argc, char **argv)
{
    cleanup_json json_t *j = gt_runtime_features();
    print_json(j, JSON_INDENT(4), true);
    return 0;
}

static int cmd_events(int argc, char **argv)
{
    struct flag flags[] = { { "stats", 0, false }, { "interval", 0, true }, { 0 } };
    int i = 1;
    if (parse_flags(argc, argv, &i, flags, "events") < 0)
        return 1;
    const char *id = need_id(argc, argv, i, "events");
    if (!id)
        return 1;
    long interval = 5;
    if (F(flags, "interval")->set) {
        const char *v = F(flags, "interval")->value;
        char *end;
        double d = strtod(v, &end);
        if (end == v || d <= 0) {
            return usage_error("events", "--interval: expected a duration such as 5s");
        }
        if (*end == 'm' && end[1] == 's')
            d /= 1000;
        else if (*end == 'm')
            d *= 60;
        interval = d < 1 ? 1 : (long)d;
    }
    struct gt_error err;
    gt_err_clear(&err);
    for (;;) {
        json_t *j;
        if (gt_container_stats(root_dir(), id, &j, &err) < 0)
            return fail(&err, 1);
        print_json(j, JSON_COMPACT, true);
        json_decref(j);
        if (F(flags, "stats")->set)
            return 0;
        sleep((unsigned)interval);
    }
}

static int cmd_unsupported(int argc, char **argv)
{
    struct gt_error err;
    gt_err(&err, EOPNOTSUPP, "%s is not supported by gantry-runtime", argv[0]);
    return fail(&err, 1);
}

static const struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} commands[] = {
    { "create", cmd_create, "create a container" },
    { "start", cmd_start, "executes the user defined process in a created container" },
    { "run", cmd_run, "create and run a container" },
    { "state", cmd_state, "output the state of a container" },
    { "kill", cmd_kill, "send a signal to the container's init process" },
    { "delete", cmd_delete, "delete any resources held by the container" },
    { "exec", cmd_exec, "execute new process inside the container" },
    { "list", cmd_list, "lists containers started by gantry-runtime with the given root" },
    { "ps", cmd_ps, "ps displays the processes running inside a container" },
    { "pause", cmd_pause, "pause suspends all processes inside the container" },
    { "resume", cmd_resume, "resumes all processes that have been previously paused" },
    { "update", cmd_update, "update container resource constraints" },
    { "events", cmd_events, "display container events such as OOM notifications and stats" },
    { "spec", cmd_spec, "create a new specification file" },
    { "features", cmd_features, "show the enabled features" },
    { "checkpoint", cmd_unsupported, "not supported" },
    { "restore", cmd_unsupported, "not supported" },
};

static void usage(FILE *f)
{
    fprintf(f, "usage: gantry-runtime [global options] COMMAND [options] [ARG...]\n\n"
               "global options:\n"
               "  --root DIR          state root (default $GANTRY_RUNTIME_ROOT or %s)\n"
               "  --log FILE          log to FILE (default stderr)\n"
               "  --log-format FMT    text or json\n"
               "  --debug             debug logging\n"
               "  --systemd-cgroup    (not supported yet)\n\ncommands:\n",
            GT_STATE_DEFAULT_ROOT);
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(f, "  %-12s %s\n", commands[i].name, commands[i].summary);
}

int main(int argc, char **argv)
{
    gt_log_set_name("gantry-runtime");
    struct flag flags[] = {
        { "root", 0, true },         { "log", 0, true },          { "log-format", 0, true },
        { "debug", 0, false },       { "systemd-cgroup", 0, false }, { "rootless", 0, true },
        { "criu", 0, true },         { "help", 'h', false },      { "version", 'v', false },
        { 0 },
    };
    int i = 1;
    if (parse_flags(argc, argv, &i, flags, NULL) < 0)
        return 1;
    if (F(flags, "version")->set) {
        printf("gantry-runtime version %s\nspec: %s\n", GT_RUNTIME_VERSION, GT_SPEC_VERSION);
        return 0;
    }
    if (F(flags, "help")->set || i >= argc) {
        usage(i >= argc && !F(flags, "help")->set ? stderr : stdout);
        return F(flags, "help")->set ? 0 : 1;
    }
    g.root = F(flags, "root")->set ? F(flags, "root")->value : NULL;
    g.log = F(flags, "log")->set ? F(flags, "log")->value : NULL;
    g.log_format = F(flags, "log-format")->set ? F(flags, "log-format")->value : "text";
    g.debug = F(flags, "debug")->set;
    g.systemd_cgroup = F(flags, "systemd-cgroup")->set;

    enum gt_log_format lf = GT_LOG_TEXT;
    if (strcmp(g.log_format, "json") == 0)
        lf = GT_LOG_JSON;
    else if (strcmp(g.log_format, "text") != 0) {
        fprintf(stderr, "gantry-runtime: unknown log-format \"%s\" (text or json)\n",
                g.log_format);
        return 1;
    }
    if (gt_log_open(g.log, lf) < 0)
        fprintf(stderr, "gantry-runtime: open log %s: %s\n", g.log, strerror(errno));
    gt_log_set_level(g.debug ? GT_LOG_DEBUG : GT_LOG_WARN);
    if (g.root) {
        /* runc makes --root absolute: later commands may run elsewhere */
        static char abs[PATH_MAX];
        if (g.root[0] != '/' && getcwd(abs, sizeof abs - strlen(g.root) - 2)) {
            strcat(abs, "/");
            strcat(abs, g.root);
            g.root = abs;
        }
    }
    const char *cmd = argv[i];
    if (g.systemd_cgroup && strcmp(cmd, "features") != 0 && strcmp(cmd, "spec") != 0) {
        struct gt_error err;
        gt_err(&err, EOPNOTSUPP,
               "--systemd-cgroup: the systemd cgroup driver is not supported yet; use cgroupfs "
               "(podman: --cgroup-manager cgroupfs)");
        return fail(&err, 1);
    }
    for (size_t k = 0; k < sizeof commands / sizeof commands[0]; k++)
        if (strcmp(cmd, commands[k].name) == 0)
            return commands[k].run(argc - i, argv + i);
    fprintf(stderr, "gantry-runtime: no such command \"%s\"\n", cmd);
    usage(stderr);
    return 1;
}
