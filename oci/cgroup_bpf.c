/* Device access on cgroup v2: a BPF_PROG_TYPE_CGROUP_DEVICE program built
 * from the spec's rules, instruction by instruction (no compiler, no
 * libbpf: the runtime links only libc, jansson, libseccomp, libcap).
 *
 * The kernel calls it with struct bpf_cgroup_dev_ctx: access_type (device
 * type in the low 16 bits, BPF_DEVCG_ACC_* in the high ones), major,
 * minor; it returns 1 to allow, 0 to deny.  Rules are checked from the
 * last to the first, so the last matching rule decides.  An allow rule
 * matches when it grants every access asked for; a deny rule matches when
 * it forbids any of them (v1's semantics for deny entries).  Numbers are
 * compared with BPF_JMP32 (kernel 5.1), so majors and minors above 2^31
 * compare as the unsigned 32-bit values they are. */
#include <errno.h>
#include <linux/bpf.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/log.h"
#include "base/mem.h"
#include "oci/cgroup_internal.h"

#define R0 0
#define R1 1
#define R2 2
#define R3 3
#define R4 4
#define R5 5

static struct bpf_insn insn(uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm)
{
    return (struct bpf_insn){ .code = code, .dst_reg = dst, .src_reg = src, .off = off,
                              .imm = imm };
}

struct prog {
    struct bpf_insn *v;
    size_t n, cap;
};

static size_t emit(struct prog *p, struct bpf_insn i)
{
    if (p->n == p->cap) {
        p->cap = p->cap ? p->cap * 2 : 64;
        p->v = gt_xrealloc(p->v, p->cap * sizeof *p->v);
    }
    p->v[p->n] = i;
    return p->n++;
}

static uint32_t dev_type(char t)
{
    return t == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR;
}

static uint32_t dev_access(unsigned a)
{
    uint32_t r = 0;
    if (a & GT_CG_DEV_MKNOD)
        r |= BPF_DEVCG_ACC_MKNOD;
    if (a & GT_CG_DEV_READ)
        r |= BPF_DEVCG_ACC_READ;
    if (a & GT_CG_DEV_WRITE)
        r |= BPF_DEVCG_ACC_WRITE;
    return r;
}

size_t gt_cg_bpf_devices_build(const struct gt_cg_device_rule *rules, size_t n, void **insns)
{
    const uint32_t all = BPF_DEVCG_ACC_MKNOD | BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE;
    struct prog p = { 0 };
    /* r2 = type, r3 = access, r4 = major, r5 = minor */
    emit(&p, insn(BPF_LDX | BPF_MEM | BPF_W, R2, R1, 0, 0));
    emit(&p, insn(BPF_ALU64 | BPF_MOV | BPF_X, R3, R2, 0, 0));
    emit(&p, insn(BPF_ALU64 | BPF_AND | BPF_K, R2, 0, 0, 0xffff));
    emit(&p, insn(BPF_ALU64 | BPF_RSH | BPF_K, R3, 0, 0, 16));
    emit(&p, insn(BPF_LDX | BPF_MEM | BPF_W, R4, R1, 4, 0));
    emit(&p, insn(BPF_LDX | BPF_MEM | BPF_W, R5, R1, 8, 0));
    bool unconditional = false;
    for (size_t k = n; k-- > 0;) {
        const struct gt_cg_device_rule *r = &rules[k];
        size_t jumps[8], nj = 0;
        uint32_t acc = dev_access(r->access);
        if (r->type != 'a')
            jumps[nj++] = emit(&p, insn(BPF_JMP32 | BPF_JNE | BPF_K, R2, 0, 0, (int32_t)dev_type(r->type)));
        if (acc != all) {
            if (r->allow) {
                /* any access asked for beyond the rule's: not this rule */
                jumps[nj++] = emit(&p, insn(BPF_JMP | BPF_JSET | BPF_K, R3, 0, 0,
                                            (int32_t)(all & ~acc)));
            } else {
                /* none of the rule's accesses asked for: not this rule */
                emit(&p, insn(BPF_ALU64 | BPF_MOV | BPF_X, R1, R3, 0, 0));
                emit(&p, insn(BPF_ALU64 | BPF_AND | BPF_K, R1, 0, 0, (int32_t)acc));
                jumps[nj++] = emit(&p, insn(BPF_JMP | BPF_JEQ | BPF_K, R1, 0, 0, 0));
            }
        }
        if (r->major >= 0)
            jumps[nj++] = emit(&p, insn(BPF_JMP32 | BPF_JNE | BPF_K, R4, 0, 0, (int32_t)r->major));
        if (r->minor >= 0)
            jumps[nj++] = emit(&p, insn(BPF_JMP32 | BPF_JNE | BPF_K, R5, 0, 0, (int32_t)r->minor));
        emit(&p, insn(BPF_ALU64 | BPF_MOV | BPF_K, R0, 0, 0, r->allow ? 1 : 0));
        size_t exit_at = emit(&p, insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0));
        for (size_t j = 0; j < nj; j++)
            p.v[jumps[j]].off = (int16_t)(exit_at - jumps[j]);
        if (nj == 0) {
            /* matches everything: earlier rules could never decide (and the
             * verifier refuses unreachable code) */
            unconditional = true;
            break;
        }
    }
    if (!unconditional) {
        emit(&p, insn(BPF_ALU64 | BPF_MOV | BPF_K, R0, 0, 0, 1));
        emit(&p, insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0));
    }
    *insns = p.v;
    return p.n;
}

static int bpf(int cmd, union bpf_attr *attr)
{
    return (int)syscall(SYS_bpf, cmd, attr, sizeof *attr);
}

int gt_cg_bpf_devices_load(const struct gt_cg_device_rule *rules, size_t n, struct gt_error *err)
{
    cleanup_free struct bpf_insn *insns = NULL;
    size_t count = gt_cg_bpf_devices_build(rules, n, (void **)&insns);
    /* each rule takes at most 9 instructions: far below the limits */
    union bpf_attr attr;
    memset(&attr, 0, sizeof attr);
    attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
    attr.insn_cnt = (uint32_t)count;
    attr.insns = (uint64_t)(uintptr_t)insns;
    attr.license = (uint64_t)(uintptr_t) "Apache-2.0";
    memcpy(attr.prog_name, "gantry_devices", sizeof "gantry_devices");
    int fd = bpf(BPF_PROG_LOAD, &attr);
    if (fd >= 0)
        return fd;
    int e = errno;
    if (e == EPERM)
        return gt_err_sys(err, e, "linux.resources.devices: load the device eBPF program "
                                  "(needs CAP_BPF or CAP_SYS_ADMIN)");
    /* again with the verifier's log, for the message */
    char log[4096] = "";
    attr.log_level = 1;
    attr.log_buf = (uint64_t)(uintptr_t)log;
    attr.log_size = sizeof log;
    fd = bpf(BPF_PROG_LOAD, &attr);
    if (fd >= 0) /* passed the second time: take it */
        return fd;
    log[sizeof log - 1] = '\0';
    char *last = log;
    for (char *nl; (nl = strchr(last, '\n')) && nl[1];)
        last = nl + 1;
    last[strcspn(last, "\n")] = '\0';
    return gt_err(err, e, "linux.resources.devices: the kernel refused the device eBPF program: "
                          "%s%s%s", strerror(e), last[0] ? ": " : "", last);
}

int gt_cg_bpf_devices_attach(int dir_fd, int prog_fd, struct gt_error *err)
{
    uint32_t old_ids[64];
    union bpf_attr q;
    memset(&q, 0, sizeof q);
    q.query.target_fd = (uint32_t)dir_fd;
    q.query.attach_type = BPF_CGROUP_DEVICE;
    q.query.prog_ids = (uint64_t)(uintptr_t)old_ids;
    q.query.prog_cnt = sizeof old_ids / sizeof old_ids[0];
    if (bpf(BPF_PROG_QUERY, &q) < 0)
        return gt_err_sys(err, errno, "linux.resources.devices: query the cgroup's device programs");
    uint32_t nold = q.query.prog_cnt;
    /* a program attached by someone else without ALLOW_MULTI can only be
     * replaced by attaching with the same flags */
    uint32_t flags = nold && !(q.query.attach_flags & BPF_F_ALLOW_MULTI) ? q.query.attach_flags
                                                                         : BPF_F_ALLOW_MULTI;
    union bpf_attr a;
    memset(&a, 0, sizeof a);
    a.target_fd = (uint32_t)dir_fd;
    a.attach_bpf_fd = (uint32_t)prog_fd;
    a.attach_type = BPF_CGROUP_DEVICE;
    a.attach_flags = flags;
    if (bpf(BPF_PROG_ATTACH, &a) < 0)
        return gt_err_sys(err, errno, "linux.resources.devices: attach the device eBPF program");
    if (!(flags & BPF_F_ALLOW_MULTI))
        return 0; /* replaced in place */
    /* the new program is in force: detach the ones it replaces */
    for (uint32_t i = 0; i < nold; i++) {
        union bpf_attr g;
        memset(&g, 0, sizeof g);
        g.prog_id = old_ids[i];
        int ofd = bpf(BPF_PROG_GET_FD_BY_ID, &g);
        if (ofd < 0) {
            if (errno == ENOENT)
                continue;
            return gt_err_sys(err, errno, "linux.resources.devices: open old device program %u",
                              old_ids[i]);
        }
        union bpf_attr d;
        memset(&d, 0, sizeof d);
        d.target_fd = (uint32_t)dir_fd;
        d.attach_bpf_fd = (uint32_t)ofd;
        d.attach_type = BPF_CGROUP_DEVICE;
        int r = bpf(BPF_PROG_DETACH, &d);
        int e = errno;
        close(ofd);
        if (r < 0 && e != ENOENT)
            return gt_err_sys(err, e, "linux.resources.devices: detach old device program %u",
                              old_ids[i]);
    }
    return 0;
}
