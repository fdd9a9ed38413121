#!/bin/bash
# bench/engine.sh - `docker run --rm IMAGE true` through `gantry engine`
# against `podman run --rm IMAGE true` (the peer a user would otherwise
# pick for daemon-less containers), same image from the same local
# registry, in one run:
#   - wall time of a whole CLI invocation (hyperfine): median, p95, ratio;
#     gantry with gantry-runtime (once it works) and with runc, podman with
#     runc (its default, crun, refuses this machine's hybrid cgroups), all
#     with --network none;
#   - what networking adds: gantry with gantry-runtime on the default
#     bridge (a namespace, a veth, an address: one CNI ADD and DEL per
#     run), and with a published port (-p, nftables rules too);
#   - idle RSS of the gantry daemon, and of one container's monitor against
#     podman's conmon (ps -o rss; the parent of the container's pid 1).
# podman has no daemon: its per-container cost is conmon alone.
#   bench/engine.sh [runs, default 30]
#   GANTRY_BENCH_RUNTIME=PATH: the gantry-runtime to use (default: build/'s)
# Runs in private mount and network namespaces, under a cgroup parent of
# its own, everything under a temporary directory; all of it removed at the
# end.  The machine is shared: figures are noisy; compare within one run.
set -eu
cd "$(dirname "$0")/.."
RUNS=${1:-30}
if [ -z "${GANTRY_BENCH_NS:-}" ]; then
    exec env GANTRY_BENCH_NS=1 unshare --mount --propagation private --net \
        bash -c 'ip link set lo up; exec bash "$0" "$@"' "$0" "$@"
fi
scripts/deps.sh --bench >/dev/null
make -s all >/dev/null

# From here on failures are checked one by one: errexit would also fire
# inside lib.sh's exit trap (a killed registry's `wait` status) and cut the
# clean-up short.
set +eu
GANTRY_TEST_RUNTIME=${GANTRY_TEST_RUNTIME:-runc} # the default; each run below names its runtime
. tests/integration/lib_engine.sh
set +u

setup_images >/dev/null || { echo "bench: could not make the test images" >&2; exit 1; }
IMG=$BUSYBOX

# podman, with every root of its own under $T
P="env -u DOCKER_CONFIG -u DOCKER_HOST podman --root $T/podman/root --runroot $T/podman/run --tmpdir $T/podman/tmp"
P="$P --cgroup-manager cgroupfs --events-backend file --storage-driver overlay --runtime runc"
# podman defaults nofile and nproc to values above this machine's hard
# limits (no CAP_SYS_RESOURCE): give it what it may set.  --cgroups=no-conmon
# keeps conmon in our cgroup rather than /libpod_parent/conmon.
PRUN="--network none --cgroup-parent /$CG_PARENT/podman --cgroups=no-conmon --ulimit nofile=20000:20000 --ulimit nproc=4096:4096"
podman_cleanup() {
    $P rm -af -t 0 >/dev/null 2>&1
    $P system reset -f >/dev/null 2>&1
}
_it_on_exit podman_cleanup
$P pull -q --tls-verify=false "$IMG" >/dev/null || { echo "bench: podman pull failed" >&2; exit 1; }

rss_kb() { ps -o rss= -p "$1" | tr -d ' '; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }

# timeit NAME CMD: median and p95 in ms of RUNS runs
timeit() {
    hyperfine -N --style none --warmup 3 --runs "$RUNS" --export-json "$T/$1.json" "$2" >/dev/null 2>"$T/$1.err" \
        || { echo "$1 failed: $(tail -3 "$T/$1.err")" >&2; echo "n/a n/a"; return; }
    jq -r '.results[0] | [(.median * 1000), ((.times | sort)[((.times | length) * 95 / 100 | floor)] * 1000)]
           | map(. * 10 | round / 10) | "\(.[0]) \(.[1])"' "$T/$1.json"
}

# idle monitor: the parent of the container's first process
monitor_of() { ps -o ppid= -p "$1" | tr -d ' '; }

# measure_gantry [engine flags]: sets MED, P95, DAEMON_RSS, MON_RSS, MON_NAME;
# with NET=1 also BR_MED, BR_P95 (default bridge) and PUB_MED, PUB_P95 (-p)
measure_gantry() {
    start_engine "$@" >/dev/null 2>&1 || { echo "gantry engine did not start: $(tail -5 "$T/engine.log")" >&2; exit 1; }
    docker pull -q "$IMG" >/dev/null
    read -r MED P95 <<<"$(timeit "gantry-$(basename "$2")" "docker run --rm --network none $IMG true")"
    if [ -n "${NET:-}" ]; then
        read -r BR_MED BR_P95 <<<"$(timeit "gantry-bridge" "docker run --rm $IMG true")"
        read -r PUB_MED PUB_P95 <<<"$(timeit "gantry-publish" "docker run --rm -p 8099:80 $IMG true")"
    fi
    docker run -d --name idle "$IMG" sleep 1000 >/dev/null
    sleep 1
    local mon
    mon=$(monitor_of "$(docker inspect -f '{{.State.Pid}}' idle)")
    DAEMON_RSS=$(rss_kb "$ENGINE_PID")
    MON_RSS=$(rss_kb "$mon")
    MON_NAME=$(ps -o comm= -p "$mon")
    docker rm -f idle >/dev/null
    stop_engine
}

g_med=n/a g_p95=n/a BR_MED=n/a BR_P95=n/a PUB_MED=n/a PUB_P95=n/a
RT=${GANTRY_BENCH_RUNTIME:-$BUILD/gantry-runtime}
if "$RT" --version >/dev/null 2>&1; then
    NET=1 measure_gantry --runtime "$RT"
    g_med=$MED g_p95=$P95
fi
measure_gantry --runtime runc
gr_med=$MED gr_p95=$P95 G_DAEMON_RSS=$DAEMON_RSS G_MON_RSS=$MON_RSS G_MON_NAME=$MON_NAME

read -r p_med p_p95 <<<"$(timeit podman "$P run --rm $PRUN $IMG true")"
$P run -d --name idle $PRUN "$IMG" sleep 1000 >/dev/null
sleep 1
conmon=$(monitor_of "$($P inspect -f '{{.State.Pid}}' idle)")
CONMON_RSS=$(rss_kb "$conmon")
CONMON_NAME=$(ps -o comm= -p "$conmon")
$P rm -f -t 0 idle >/dev/null

echo "docker run --rm --network none IMAGE true, $RUNS runs each (hyperfine; ms)"
printf "  %-34s %8s %8s %s\n" "" median p95 "ratio to podman (median)"
printf "  %-34s %8s %8s %s\n" "gantry engine + gantry-runtime" "$g_med" "$g_p95" \
    "$([ "$g_med" = n/a ] && echo "(gantry-runtime does not work yet)" || ratio "$g_med" "$p_med")"
printf "  %-34s %8s %8s %s\n" "gantry engine --runtime runc" "$gr_med" "$gr_p95" "$(ratio "$gr_med" "$p_med")"
printf "  %-34s %8s %8s %s\n" "podman 4.3 (runc)" "$p_med" "$p_p95" "1.00"
echo "what networking adds (gantry engine + gantry-runtime; ms)"
printf "  %-34s %8s %8s %s\n" "" median p95 "added to --network none (median)"
printf "  %-34s %8s %8s %s\n" "--network none" "$g_med" "$g_p95" ""
printf "  %-34s %8s %8s %s\n" "default bridge" "$BR_MED" "$BR_P95" \
    "$(awk -v a="$BR_MED" -v b="$g_med" 'BEGIN { if (b > 0 && a > 0) printf "+%.1f", a - b; else print "n/a" }')"
printf "  %-34s %8s %8s %s\n" "default bridge, -p 8099:80" "$PUB_MED" "$PUB_P95" \
    "$(awk -v a="$PUB_MED" -v b="$g_med" 'BEGIN { if (b > 0 && a > 0) printf "+%.1f", a - b; else print "n/a" }')"
echo "idle RSS (ps -o rss, kB), one container running 'sleep 1000' (gantry on runc)"
printf "  %-34s %8s\n" "gantry engine daemon" "$G_DAEMON_RSS"
printf "  %-34s %8s  (%s)\n" "gantry monitor (one container)" "$G_MON_RSS" "$G_MON_NAME"
printf "  %-34s %8s  (%s)\n" "podman conmon (one container)" "$CONMON_RSS" "$CONMON_NAME"
echo "  monitor / conmon: $(ratio "$G_MON_RSS" "$CONMON_RSS")"
echo "(shared machine: figures are noisy)"
