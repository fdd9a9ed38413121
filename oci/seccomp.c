/* linux.seccomp through libseccomp, compiled to BPF ahead of the clone.
 *
 * Behaviours worth knowing (where runc differs, it is said):
 * - a syscall name libseccomp does not know is an error naming the field
 *   (runc skips such names with a debug message);
 * - a name libseccomp knows but that does not exist on one of the chosen
 *   architectures is left to libseccomp, which omits it there;
 * - a rule whose action equals the default action is skipped, as in runc
 *   (libseccomp would refuse it);
 * - several conditions on one argument index are ORed, each in a rule of
 *   its own, and conditions on different indexes are ANDed (runc's rule);
 * - errnoRet / defaultErrnoRet only go with SCMP_ACT_ERRNO and
 *   SCMP_ACT_TRACE (the spec says to fail otherwise); ERRNO without one
 *   returns EPERM;
 * - SCMP_ACT_NOTIFY and listenerPath are refused ("not supported yet"). */
#include "oci/seccomp.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/fs.h"
#include "base/json.h"
#include "base/mem.h"

#define SC "linux.seccomp"

#include "oci/seccomp_internal.h"

static const struct {
    const char *name;
    uint32_t token;
} arches[] = {
    { "SCMP_ARCH_X86", SCMP_ARCH_X86 },
    { "SCMP_ARCH_X86_64", SCMP_ARCH_X86_64 },
    { "SCMP_ARCH_X32", SCMP_ARCH_X32 },
    { "SCMP_ARCH_ARM", SCMP_ARCH_ARM },
    { "SCMP_ARCH_AARCH64", SCMP_ARCH_AARCH64 },
    { "SCMP_ARCH_MIPS", SCMP_ARCH_MIPS },
    { "SCMP_ARCH_MIPS64", SCMP_ARCH_MIPS64 },
    { "SCMP_ARCH_MIPS64N32", SCMP_ARCH_MIPS64N32 },
    { "SCMP_ARCH_MIPSEL", SCMP_ARCH_MIPSEL },
    { "SCMP_ARCH_MIPSEL64", SCMP_ARCH_MIPSEL64 },
    { "SCMP_ARCH_MIPSEL64N32", SCMP_ARCH_MIPSEL64N32 },
    { "SCMP_ARCH_PPC", SCMP_ARCH_PPC },
    { "SCMP_ARCH_PPC64", SCMP_ARCH_PPC64 },
    { "SCMP_ARCH_PPC64LE", SCMP_ARCH_PPC64LE },
    { "SCMP_ARCH_S390", SCMP_ARCH_S390 },
    { "SCMP_ARCH_S390X", SCMP_ARCH_S390X },
    { "SCMP_ARCH_PARISC", SCMP_ARCH_PARISC },
    { "SCMP_ARCH_PARISC64", SCMP_ARCH_PARISC64 },
#ifdef SCMP_ARCH_RISCV64
    { "SCMP_ARCH_RISCV64", SCMP_ARCH_RISCV64 },
#endif
#ifdef SCMP_ARCH_LOONGARCH64
    { "SCMP_ARCH_LOONGARCH64", SCMP_ARCH_LOONGARCH64 },
#endif
#ifdef SCMP_ARCH_M68K
    { "SCMP_ARCH_M68K", SCMP_ARCH_M68K },
#endif
#ifdef SCMP_ARCH_SH
    { "SCMP_ARCH_SH", SCMP_ARCH_SH },
    { "SCMP_ARCH_SHEB", SCMP_ARCH_SHEB },
#endif
};

enum act_kind { ACT_PLAIN, ACT_ERRNO, ACT_TRACE, ACT_NOTIFY };
static const struct {
    const char *name;
    uint32_t action;
    enum act_kind kind;
} actions[] = {
    { "SCMP_ACT_KILL", SCMP_ACT_KILL, ACT_PLAIN },
    { "SCMP_ACT_KILL_THREAD", SCMP_ACT_KILL_THREAD, ACT_PLAIN },
    { "SCMP_ACT_KILL_PROCESS", SCMP_ACT_KILL_PROCESS, ACT_PLAIN },
    { "SCMP_ACT_TRAP", SCMP_ACT_TRAP, ACT_PLAIN },
    { "SCMP_ACT_ERRNO", SCMP_ACT_ERRNO(0), ACT_ERRNO },
    { "SCMP_ACT_TRACE", SCMP_ACT_TRACE(0), ACT_TRACE },
    { "SCMP_ACT_ALLOW", SCMP_ACT_ALLOW, ACT_PLAIN },
    { "SCMP_ACT_LOG", SCMP_ACT_LOG, ACT_PLAIN },
    { "SCMP_ACT_NOTIFY", SCMP_ACT_NOTIFY, ACT_NOTIFY },
};

static const struct {
    const char *name;
    enum scmp_compare op;
} operators[] = {
    { "SCMP_CMP_NE", SCMP_CMP_NE },
    { "SCMP_CMP_LT", SCMP_CMP_LT },
    { "SCMP_CMP_LE", SCMP_CMP_LE },
    { "SCMP_CMP_EQ", SCMP_CMP_EQ },
    { "SCMP_CMP_GE", SCMP_CMP_GE },
    { "SCMP_CMP_GT", SCMP_CMP_GT },
    { "SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ },
};

#ifndef SECCOMP_FILTER_FLAG_SPEC_ALLOW
#define SECCOMP_FILTER_FLAG_SPEC_ALLOW (1UL << 2)
#endif
#ifndef SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
#define SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (1UL << 5)
#endif

static const struct {
    const char *name;
    unsigned int flag;
    bool usable; /* false: needs the notify listener we do not have */
} flags[] = {
    { "SECCOMP_FILTER_FLAG_TSYNC", SECCOMP_FILTER_FLAG_TSYNC, true },
    { "SECCOMP_FILTER_FLAG_LOG", SECCOMP_FILTER_FLAG_LOG, true },
    { "SECCOMP_FILTER_FLAG_SPEC_ALLOW", SECCOMP_FILTER_FLAG_SPEC_ALLOW, true },
    { "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV, false },
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void free_ctx(scmp_filter_ctx *c)
{
    if (*c)
        seccomp_release(*c);
}

/* An action from its name and an optional errno (errno_json may be NULL). */
static int parse_action(const char *name, const json_t *errno_json, const char *path,
                        const char *errno_field, uint32_t *out, struct gt_error *err)
{
    for (size_t i = 0; i < N(actions); i++) {
        if (strcmp(actions[i].name, name) != 0)
            continue;
        if (actions[i].kind == ACT_NOTIFY)
            return gt_err(err, ENOTSUP,
                          "%s: SCMP_ACT_NOTIFY is not supported yet (no seccomp listener)", path);
        uint32_t e = EPERM;
        if (errno_json && !json_is_null(errno_json)) {
            if (actions[i].kind == ACT_PLAIN)
                return gt_err(err, EINVAL, "%s: %s takes no %s (only SCMP_ACT_ERRNO and "
                              "SCMP_ACT_TRACE do)", path, name, errno_field);
            if (!json_is_integer(errno_json) || json_integer_value(errno_json) < 0 ||
                json_integer_value(errno_json) > 0xffff)
                return gt_err(err, EINVAL, "%s: %s must be an integer in [0, 65535]", path,
                              errno_field);
            e = (uint32_t)json_integer_value(errno_json);
        }
        *out = actions[i].kind == ACT_ERRNO ? SCMP_ACT_ERRNO(e)
               : actions[i].kind == ACT_TRACE ? SCMP_ACT_TRACE(e)
                                             : actions[i].action;
        return 0;
    }
    return gt_err(err, EINVAL, "%s: unknown action \"%s\"", path, name);
}

static int parse_args(const json_t *arr, const char *path, struct scmp_arg_cmp **out, size_t *n,
                      struct gt_error *err)
{
    *n = json_array_size(arr);
    *out = gt_xcalloc(*n ? *n : 1, sizeof **out);
    for (size_t i = 0; i < *n; i++) {
        char p[128];
        snprintf(p, sizeof p, "%s.args[%zu]", path, i);
        json_t *a = json_array_get(arr, i);
        int64_t index;
        uint64_t value, value2 = 0;
        const char *op;
        int r;
        if ((r = gt_json_get_int_range(a, "index", p, GT_JSON_REQUIRED, 0, 5, &index, err)) < 0 ||
            (r = gt_json_get_uint64(a, "value", p, GT_JSON_REQUIRED, &value, err)) < 0 ||
            (r = gt_json_get_uint64(a, "valueTwo", p, GT_JSON_OPTIONAL, &value2, err)) < 0 ||
            (r = gt_json_get_str(a, "op", p, GT_JSON_REQUIRED, &op, err)) < 0)
            return r;
        size_t k;
        for (k = 0; k < N(operators); k++)
            if (strcmp(operators[k].name, op) == 0)
                break;
        if (k == N(operators))
            return gt_err(err, EINVAL, "%s.op: unknown operator \"%s\"", p, op);
        (*out)[i] = (struct scmp_arg_cmp){
            .arg = (unsigned)index, .op = operators[k].op, .datum_a = value, .datum_b = value2,
        };
    }
    return 0;
}

static int add_rule(scmp_filter_ctx ctx, uint32_t action, int nr, const char *name,
                    const struct scmp_arg_cmp *conds, size_t n, const char *path,
                    struct gt_error *err)
{
    /* one argument index used twice: each condition is a rule of its own */
    bool repeated = false;
    for (size_t i = 0; i < n && !repeated; i++)
        for (size_t j = i + 1; j < n; j++)
            if (conds[i].arg == conds[j].arg)
                repeated = true;
    int r;
    if (repeated) {
        for (size_t i = 0; i < n; i++) {
            r = seccomp_rule_add_array(ctx, action, nr, 1, &conds[i]);
            if (r < 0)
                return gt_err_sys(err, -r, "%s: add rule for \"%s\" (args[%zu])", path, name, i);
        }
        return 0;
    }
    r = seccomp_rule_add_array(ctx, action, nr, (unsigned)n, conds);
    if (r < 0)
        return gt_err_sys(err, -r, "%s: add rule for \"%s\"", path, name);
    return 0;
}

static int add_syscalls(scmp_filter_ctx ctx, const json_t *sc, uint32_t def_action,
                        struct gt_error *err)
{
    json_t *arr;
    int r = gt_json_get_arr(sc, "syscalls", SC, GT_JSON_OPTIONAL, &arr, err);
    if (r)
        return r < 0 ? r : 0;
    for (size_t i = 0; i < json_array_size(arr); i++) {
        char path[64];
        snprintf(path, sizeof path, SC ".syscalls[%zu]", i);
        json_t *e = json_array_get(arr, i), *names, *args = NULL;
        const char *act;
        if ((r = gt_json_get_arr(e, "names", path, GT_JSON_REQUIRED, &names, err)) < 0 ||
            (r = gt_json_get_str(e, "action", path, GT_JSON_REQUIRED, &act, err)) < 0 ||
            (r = gt_json_get_arr(e, "args", path, GT_JSON_OPTIONAL, &args, err)) < 0)
            return r;
        char apath[80];
        snprintf(apath, sizeof apath, "%s.action", path);
        uint32_t action;
        r = parse_action(act, json_object_get(e, "errnoRet"), apath, "errnoRet", &action, err);
        if (r < 0)
            return r;
        cleanup_free struct scmp_arg_cmp *conds = NULL;
        size_t nconds = 0;
        if (args && (r = parse_args(args, path, &conds, &nconds, err)) < 0)
            return r;
        for (size_t k = 0; k < json_array_size(names); k++) {
            json_t *nj = json_array_get(names, k);
            if (!json_is_string(nj))
                return gt_err(err, EINVAL, "%s.names[%zu]: expected a string, got %s", path, k,
                              gt_json_type_name(nj));
            const char *name = json_string_value(nj);
            int nr = seccomp_syscall_resolve_name(name);
            if (nr == __NR_SCMP_ERROR)
                return gt_err(err, EINVAL, "%s.names[%zu]: unknown syscall \"%s\"", path, k, name);
            if (action == def_action)
                continue;
            if ((r = add_rule(ctx, action, nr, name, conds, nconds, path, err)) < 0)
                return r;
        }
    }
    return 0;
}

/* The kernel refuses unknown flags with EINVAL before it reads the (NULL)
 * program; anything else (EFAULT) means it knows the flag. */
static bool kernel_has_flag(unsigned int flag)
{
    long r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flag, NULL);
    return !(r < 0 && errno == EINVAL);
}

int gt_seccomp_compile(const json_t *sc, struct gt_seccomp **out, struct gt_error *err)
{
    if (!json_is_object(sc))
        return gt_err(err, EINVAL, SC ": expected an object, got %s",
                      sc ? gt_json_type_name(sc) : "nothing");
    const char *def;
    int r = gt_json_get_str(sc, "defaultAction", SC, GT_JSON_REQUIRED, &def, err);
    if (r < 0)
        return r;
    uint32_t def_action;
    r = parse_action(def, json_object_get(sc, "defaultErrnoRet"), SC ".defaultAction",
                     "defaultErrnoRet", &def_action, err);
    if (r < 0)
        return r;
    const char *listener;
    if ((r = gt_json_get_str(sc, "listenerPath", SC, GT_JSON_OPTIONAL, &listener, err)) < 0)
        return r;
    if (r == 0 && *listener)
        return gt_err(err, ENOTSUP, SC ".listenerPath: seccomp user notification is not "
                                       "supported yet");

    unsigned int fl = 0;
    json_t *arr;
    if ((r = gt_json_get_arr(sc, "flags", SC, GT_JSON_OPTIONAL, &arr, err)) < 0)
        return r;
    for (size_t i = 0; r == 0 && i < json_array_size(arr); i++) {
        json_t *f = json_array_get(arr, i);
        size_t k = N(flags);
        if (json_is_string(f))
            for (k = 0; k < N(flags); k++)
                if (strcmp(flags[k].name, json_string_value(f)) == 0)
                    break;
        if (k == N(flags))
            return gt_err(err, EINVAL, SC ".flags[%zu]: unknown flag %s%s%s", i,
                          json_is_string(f) ? "\"" : "",
                          json_is_string(f) ? json_string_value(f) : gt_json_type_name(f),
                          json_is_string(f) ? "\"" : "");
        if (!flags[k].usable)
            return gt_err(err, ENOTSUP, SC ".flags[%zu]: %s needs a seccomp listener, which is "
                          "not supported yet", i, flags[k].name);
        if (!kernel_has_flag(flags[k].flag))
            return gt_err(err, ENOTSUP, SC ".flags[%zu]: %s is not supported by this kernel", i,
                          flags[k].name);
        fl |= flags[k].flag;
    }

    __attribute__((cleanup(free_ctx))) scmp_filter_ctx ctx = seccomp_init(def_action);
    if (!ctx)
        return gt_err(err, EINVAL, SC ": libseccomp refused default action %s", def);
    /* the binary tree keeps long profiles (Docker's has ~350 names) fast */
    seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);

    if ((r = gt_json_get_arr(sc, "architectures", SC, GT_JSON_OPTIONAL, &arr, err)) < 0)
        return r;
    for (size_t i = 0; r == 0 && i < json_array_size(arr); i++) {
        json_t *a = json_array_get(arr, i);
        size_t k = N(arches);
        if (json_is_string(a))
            for (k = 0; k < N(arches); k++)
                if (strcmp(arches[k].name, json_string_value(a)) == 0)
                    break;
        if (k == N(arches))
            return gt_err(err, EINVAL, SC ".architectures[%zu]: unknown architecture %s%s%s", i,
                          json_is_string(a) ? "\"" : "",
                          json_is_string(a) ? json_string_value(a) : gt_json_type_name(a),
                          json_is_string(a) ? "\"" : "");
        int ar = seccomp_arch_add(ctx, arches[k].token);
        if (ar < 0 && ar != -EEXIST)
            return gt_err_sys(err, -ar, SC ".architectures[%zu]: add %s", i, arches[k].name);
    }

    if ((r = add_syscalls(ctx, sc, def_action, err)) < 0)
        return r;

    /* libseccomp 2.5 exports BPF only to an fd */
    cleanup_close int fd = memfd_create("gantry-seccomp", MFD_CLOEXEC);
    if (fd < 0)
        return gt_err_sys(err, errno, SC ": memfd_create");
    r = seccomp_export_bpf(ctx, fd);
    if (r < 0)
        return gt_err_sys(err, -r, SC ": export the BPF program");
    struct stat st;
    if (fstat(fd, &st) < 0)
        return gt_err_sys(err, errno, SC ": stat the BPF program");
    size_t n = (size_t)st.st_size / sizeof(struct sock_filter);
    if (n == 0 || (size_t)st.st_size % sizeof(struct sock_filter))
        return gt_err(err, EINVAL, SC ": libseccomp exported %lld bytes, not a program",
                      (long long)st.st_size);
    if (n > BPF_MAXINSNS)
        return gt_err(err, E2BIG, SC ": the filter has %zu instructions, above the kernel's %d",
                      n, BPF_MAXINSNS);
    cleanup_free struct sock_filter *insns = gt_xmalloc((size_t)st.st_size);
    ssize_t got = pread(fd, insns, (size_t)st.st_size, 0);
    if (got != st.st_size)
        return gt_err_sys(err, got < 0 ? errno : EIO, SC ": read the BPF program back");
    struct gt_seccomp *s = gt_xcalloc(1, sizeof *s);
    s->insns = steal_pointer(&insns);
    s->len = (unsigned short)n;
    s->flags = fl;
    *out = s;
    return 0;
}

/* Fills err without allocating or touching locale data: this runs in the
 * container's init between clone and execve. */
static int safe_err(struct gt_error *err, int e, const char *what, const char *hint)
{
    if (!err)
        return -e;
    err->code = e;
    size_t n = 0, max = sizeof err->msg - 1;
    const char *desc = strerrordesc_np(e); /* a table lookup */
    const char *parts[] = { what, ": ", desc ? desc : "unknown error", hint };
    for (size_t i = 0; i < N(parts); i++)
        for (const char *p = parts[i]; p && *p && n < max; p++)
            err->msg[n++] = *p;
    err->msg[n] = '\0';
    return -e;
}

int gt_seccomp_load(const struct gt_seccomp *s, struct gt_error *err)
{
    struct sock_fprog prog = { .len = s->len, .filter = s->insns };
    long r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, s->flags, &prog);
    if (r < 0 && errno == ENOSYS && s->flags == 0)
        r = prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0);
    if (r > 0) /* TSYNC: the id of a thread that could not be synchronised */
        return safe_err(err, EBUSY, "load seccomp filter", " (a thread could not be synchronised)");
    if (r < 0) {
        int e = errno;
        return safe_err(err, e, "load seccomp filter",
                        e == EACCES ? " (needs noNewPrivileges or CAP_SYS_ADMIN)" : NULL);
    }
    return 0;
}

void gt_seccomp_free(struct gt_seccomp *s)
{
    if (!s)
        return;
    free(s->insns);
    free(s);
}

bool gt_seccomp_wants_notify(const struct gt_seccomp *s)
{
    /* compile refuses SCMP_ACT_NOTIFY and listenerPath until the listener
     * exists, so no compiled filter asks for one */
    (void)s;
    return false;
}

json_t *gt_seccomp_features(void)
{
    json_t *acts = json_array(), *ops = json_array(), *ar = json_array(), *known = json_array(),
           *supported = json_array();
    for (size_t i = 0; i < N(actions); i++)
        if (actions[i].kind != ACT_NOTIFY)
            json_array_append_new(acts, json_string(actions[i].name));
    for (size_t i = 0; i < N(operators); i++)
        json_array_append_new(ops, json_string(operators[i].name));
    for (size_t i = 0; i < N(arches); i++)
        json_array_append_new(ar, json_string(arches[i].name));
    for (size_t i = 0; i < N(flags); i++) {
        json_array_append_new(known, json_string(flags[i].name));
        if (flags[i].usable && kernel_has_flag(flags[i].flag))
            json_array_append_new(supported, json_string(flags[i].name));
    }
    return json_pack("{s:b,s:o,s:o,s:o,s:o,s:o}", "enabled", 1, "actions", acts, "operators", ops,
                     "archs", ar, "knownFlags", known, "supportedFlags", supported);
}
