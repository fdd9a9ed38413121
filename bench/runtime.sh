#!/bin/bash
# bench/runtime.sh - the cost of a container's whole life: create + start +
# wait + delete of a /bin/true container (busybox rootfs, runc's default
# config: new pid, network, ipc, uts and mount namespaces, the usual seven
# mounts, masked and read-only paths, a cgroup), many times, for
# gantry-runtime, crun and runc (Debian's), in one run, interleaved
# (one iteration of each in turn, so that the machine's load hits all
# three alike).
#
# Prints, per runtime: the median and p99 of a whole iteration, the median
# of each command, the peak RSS of the runtime's own processes (ru_maxrss
# of create, start and delete, measured in a separate pass of 20 rounds
# through bench/rss_exec.c so that the harness's size does not count), and
# the ratios to gantry-runtime.  The harness (python3) is a child subreaper, so that
# each container's init, once `create` exits, is its child to wait for.
#
#   sudo bench/runtime.sh                 (root: namespaces and cgroups)
#   RT_BENCH_N=100 bench/runtime.sh       fewer iterations (default 300)
#   RT_BENCH_SECCOMP=1 bench/runtime.sh   with podman's default seccomp profile
#   RT_BENCH_EXTRA="old=/path/to/gantry-runtime" bench/runtime.sh
#                                         one more runtime (another build, say)
set -eu
cd "$(dirname "$0")/.."
ROOT=$PWD
[ "$(id -u)" = 0 ] || { echo "bench/runtime.sh: run as root" >&2; exit 1; }
scripts/deps.sh --bench
make -s -j"$(nproc)" build/gantry-runtime
N=${RT_BENCH_N:-300}

TMP=$(mktemp -d /tmp/gantry-bench-rt.XXXXXX)
CG="gantry-bench-rt-$$"
cleanup() {
    for d in /sys/fs/cgroup/*/"$CG" /sys/fs/cgroup/"$CG"; do
        [ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null
    done
    rm -rf "$TMP"
}
trap cleanup EXIT

# A busybox rootfs and runc's default config running /bin/true.
mkdir -p "$TMP/bundle/rootfs"/{bin,proc,sys,dev,tmp,etc}
cp /bin/busybox "$TMP/bundle/rootfs/bin/"
ln -s busybox "$TMP/bundle/rootfs/bin/true"
ln -s busybox "$TMP/bundle/rootfs/bin/sh"
(cd "$TMP/bundle" && runc spec)
filter='.process.terminal=false | .process.args=["/bin/true"] | .linux.cgroupsPath=$cg'
if [ -n "${RT_BENCH_SECCOMP:-}" ]; then
    filter="$filter | .linux.seccomp=\$sc[0]"
    jq --arg cg "/$CG/c" --slurpfile sc /usr/share/containers/seccomp.json "$filter" \
        "$TMP/bundle/config.json" > "$TMP/c.json"
else
    jq --arg cg "/$CG/c" "$filter" "$TMP/bundle/config.json" > "$TMP/c.json"
fi
mv "$TMP/c.json" "$TMP/bundle/config.json"
cc -O2 -static -o "$TMP/rss_exec" bench/rss_exec.c 2>/dev/null \
    || cc -O2 -o "$TMP/rss_exec" bench/rss_exec.c

echo "# bench/runtime.sh: $N x (create + start + wait + delete) of /bin/true, $(nproc) CPUs"
echo "# gantry-runtime $($ROOT/build/gantry-runtime --version | head -1 | awk '{print $3}'),"\
     "$(crun --version | head -1), $(runc --version | head -1)"
echo "# note: the machine is shared; figures are noisy"

# crun 1.8 refuses a hybrid host whose unified tree holds a controller
# (hugetlb here): "cgroups in hybrid mode not supported".  In the
# benchmark's own mount namespace the unified tree is hidden under an empty
# tmpfs, so all three see a plain cgroup v1 host.
HIDE_UNIFIED=
if [ "$(stat -f -c %T /sys/fs/cgroup/unified 2>/dev/null)" = cgroup2fs ]; then
    HIDE_UNIFIED="mount -t tmpfs gantry-bench /sys/fs/cgroup/unified &&"
    echo "# the cgroup v2 tree at /sys/fs/cgroup/unified is hidden for crun's sake"
fi
unshare --mount --propagation private sh -c "$HIDE_UNIFIED exec python3 - \"\$@\"" sh "$TMP" "$N" \
    "gantry-runtime=$ROOT/build/gantry-runtime" "crun=$(command -v crun)" "runc=$(command -v runc)" \
    ${RT_BENCH_EXTRA:-} <<'PY'
import ctypes, os, statistics, sys, time

tmp, n = sys.argv[1], int(sys.argv[2])
runtimes = [a.split("=", 1) for a in sys.argv[3:]]
libc = ctypes.CDLL(None, use_errno=True)
PR_SET_CHILD_SUBREAPER = 36
if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
    sys.exit("prctl(PR_SET_CHILD_SUBREAPER) failed")
devnull = os.open(os.devnull, os.O_RDWR)
bundle = os.path.join(tmp, "bundle")

def run(argv, rss=False):
    """Runs argv; returns (seconds, peak RSS KiB or 0); fails loudly on error."""
    out = os.path.join(tmp, "rss")
    if rss:
        argv = [os.path.join(tmp, "rss_exec"), out] + argv
    t0 = time.perf_counter()
    pid = os.posix_spawn(argv[0], argv, os.environ,
                         file_actions=[(os.POSIX_SPAWN_DUP2, devnull, 0),
                                       (os.POSIX_SPAWN_DUP2, devnull, 1)])
    while True:
        wpid, status = os.waitpid(pid, 0)
        if wpid == pid:
            break
    dt = time.perf_counter() - t0
    if not os.WIFEXITED(status) or os.WEXITSTATUS(status) != 0:
        sys.exit(f"{' '.join(argv)}: failed with status {status:#x}")
    if not rss:
        return dt, 0
    with open(out) as f:
        return dt, int(f.read())

res = {name: {"total": [], "create": [], "start": [], "wait": [], "delete": [], "rss": 0}
       for name, _ in runtimes}
RSS_ROUNDS = 20
for i in range(n + 5 + RSS_ROUNDS):  # 5 warm-up rounds; the last ones measure RSS
    rss = i >= n + 5
    for name, path in runtimes:
        root = os.path.join(tmp, "root-" + name)
        cid = f"b{os.getpid()}-{i}"
        pidfile = os.path.join(tmp, f"pid-{name}")
        t0 = time.perf_counter()
        c, r1 = run([path, "--root", root, "create", "--bundle", bundle,
                     "--pid-file", pidfile, cid], rss)
        with open(pidfile) as f:
            init = int(f.read())
        s, r2 = run([path, "--root", root, "start", cid], rss)
        t1 = time.perf_counter()
        # the init is ours (subreaper) once create has exited
        while True:
            try:
                wpid, _ = os.waitpid(init, 0)
            except ChildProcessError:
                break
            if wpid == init:
                break
        w = time.perf_counter() - t1
        d, r3 = run([path, "--root", root, "delete", cid], rss)
        total = time.perf_counter() - t0
        r = res[name]
        if rss:
            r["rss"] = max(r["rss"], r1, r2, r3)
        elif i >= 5:
            r["total"].append(total); r["create"].append(c); r["start"].append(s)
            r["wait"].append(w); r["delete"].append(d)

def ms(v):
    return f"{v * 1000:8.2f}"

def p99(v):
    v = sorted(v)
    return v[min(len(v) - 1, int(len(v) * 0.99))]

ours = statistics.median(res["gantry-runtime"]["total"])
print(f"{'runtime':16} {'total p50':>10} {'p99':>8} {'create':>8} {'start':>8} {'wait':>8} "
      f"{'delete':>8} {'peak RSS':>9} {'vs gantry':>9}   (ms, KiB)")
for name, _ in runtimes:
    r = res[name]
    med = statistics.median(r["total"])
    print(f"{name:16} {ms(med):>10} {ms(p99(r['total']))} {ms(statistics.median(r['create']))} "
          f"{ms(statistics.median(r['start']))} {ms(statistics.median(r['wait']))} "
          f"{ms(statistics.median(r['delete']))} {r['rss']:9d} {med / ours:8.2f}x")
PY
