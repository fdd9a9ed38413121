#!/bin/bash
# bench/monitor.sh - the per-container monitor against podman's conmon, in
# one run: the idle resident size of a monitor holding a running container
# (VmRSS and PSS, median of N), and the monitor's own start-up (exec to its
# first handshake message, before the runtime runs).  Variants of ours:
#   gantry-monitor          the binary the engine runs (base/ + libc, static)
#   the same, dynamic       its objects linked against the shared libc
#   gantry monitor          the subcommand of the big binary
# conmon runs under podman (--rootfs, --network none, its own --root).
#   bench/monitor.sh [N, default 10] [runtime, default build/gantry-runtime]
# The machine is shared: figures are noisy; compare the columns of one run.
set -eu
cd "$(dirname "$0")/.."
N=${1:-10}
ROOT=$PWD
make -s build/gantry build/gantry-monitor build/gantry-runtime >/dev/null
RUNTIME=${2:-$ROOT/build/gantry-runtime}
W=$(mktemp -d /tmp/gantry-bench-monitor.XXXXXX)
CG=gantry-bench-monitor-$$
cleanup() {
    for f in $(find /sys/fs/cgroup/pids/$CG -name cgroup.procs 2>/dev/null); do
        for p in $(cat "$f"); do kill -9 "$p" 2>/dev/null || true; done
    done
    if [ -d "$W/podman/root" ]; then
        CONTAINERS_CONF=$W/podman/containers.conf podman --root "$W/podman/root" \
            --runroot "$W/podman/run" --cgroup-manager cgroupfs --events-backend none \
            rm -af -t 0 >/dev/null 2>&1 || true
    fi
    sleep 0.3
    for d in /sys/fs/cgroup/*/$CG; do
        [ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null || true
    done
    grep -o " $W/[^ ]*" /proc/self/mounts | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
    rm -rf "$W"
}
trap cleanup EXIT
mkdir -p /sys/fs/cgroup/pids/$CG/monitors
echo $$ > /sys/fs/cgroup/pids/$CG/monitors/cgroup.procs

# a busybox root and a bundle template
R=$W/rootfs
mkdir -p "$R"/{bin,etc,proc,sys,dev,tmp}
cp /bin/busybox "$R/bin/busybox"
ln -s busybox "$R/bin/sh"
ln -s busybox "$R/bin/sleep"
echo 'root:x:0:0:root:/root:/bin/sh' > "$R/etc/passwd"

gcc -O2 -o "$W/gantry-monitor-dynamic" build/obj/cmd/gantry-monitor.o \
    build/obj/engine/monitor.o build/obj/engine/jsonlog.o build/libbase.a

# start_monitor VARIANT I: a container "sleep 1000" under that monitor;
# prints "<monitor pid> <start-up µs>"
start_monitor() {
    local v=$1 i=$2 id=bench-$1-$2 dir=$W/b/$1-$2
    mkdir -p "$dir"
    (cd "$dir" && "$RUNTIME" spec >/dev/null 2>&1 || runc spec)
    /usr/bin/python3 - "$dir/config.json" "$R" "/$CG/ctr/$id" <<'PY'
import json, sys
p, root, cg = sys.argv[1:4]
s = json.load(open(p))
s["process"]["terminal"] = False
s["process"]["args"] = ["sleep", "1000"]
s["root"] = {"path": root, "readonly": True}
s["linux"]["cgroupsPath"] = cg
json.dump(s, open(p, "w"))
PY
    local cmd
    case $v in
        static) cmd=("$ROOT/build/gantry-monitor") ;;
        dynamic) cmd=("$W/gantry-monitor-dynamic") ;;
        subcommand) cmd=("$ROOT/build/gantry" monitor) ;;
    esac
    /usr/bin/python3 - "$id" "$dir" "$RUNTIME" "$W/rr" "${cmd[@]}" <<'PY'
import os, socket, subprocess, sys, time
cid, d, runtime, rr = sys.argv[1:5]
cmd = sys.argv[5:]
os.makedirs(rr, exist_ok=True)
a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
t0 = time.perf_counter()
p = subprocess.Popen(cmd + ["--id", cid, "--runtime", runtime, "--runtime-root", rr, "--dir", d,
                            "--log", d + "/log.json", "--sync-fd", str(b.fileno())],
                     pass_fds=[b.fileno()],
                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
b.close()
first = a.recv(100).decode()
t1 = time.perf_counter()
p.wait()
msg = a.recv(2000).decode()
if not msg.startswith("created"):
    sys.exit("create failed: " + msg)
a.send(b"start")
msg = a.recv(2000).decode()
if msg != "started":
    sys.exit("start failed: " + msg)
print(first.split()[1], int((t1 - t0) * 1e6))
PY
}

rss_of() { # PID -> "rss_kb pss_kb"
    awk '/^VmRSS/{r=$2} END{printf "%s ", r}' /proc/$1/status
    awk '/^Pss:/{print $2}' /proc/$1/smaps_rollup
}

median() { sort -n | awk '{a[NR]=$1} END{ if (NR == 0) print "n/a"; else print a[int((NR + 1) / 2)] }'; }

echo "monitor idle size with a running container (median of $N), and start-up to its first message"
printf "%-26s %10s %10s %14s\n" monitor "RSS kB" "PSS kB" "start-up µs"
for v in static dynamic subcommand; do
    : > "$W/$v.rss"; : > "$W/$v.pss"; : > "$W/$v.t"
    pids=()
    for i in $(seq "$N"); do
        read -r pid us <<<"$(start_monitor "$v" "$i")"
        pids+=("$pid")
        echo "$us" >> "$W/$v.t"
    done
    sleep 1
    for p in "${pids[@]}"; do
        read -r rss pss <<<"$(rss_of "$p")"
        echo "$rss" >> "$W/$v.rss"; echo "$pss" >> "$W/$v.pss"
    done
    name=$v
    case $v in static) name="gantry-monitor (static)";; dynamic) name="the same, dynamic";; subcommand) name="gantry monitor";; esac
    printf "%-26s %10s %10s %14s\n" "$name" "$(median < "$W/$v.rss")" "$(median < "$W/$v.pss")" "$(median < "$W/$v.t")"
    for i in $(seq "$N"); do "$RUNTIME" --root "$W/rr" kill "bench-$v-$i" KILL 2>/dev/null || true; done
done

if command -v podman >/dev/null && command -v conmon >/dev/null; then
    # containers.conf's default ulimits cannot be raised here (no
    # CAP_SYS_RESOURCE), and crun refuses this hybrid cgroup layout: runc
    mkdir -p "$W/podman"
    printf '[containers]\ndefault_ulimits = []\n' > "$W/podman/containers.conf"
    export CONTAINERS_CONF=$W/podman/containers.conf
    P="podman --root $W/podman/root --runroot $W/podman/run --cgroup-manager cgroupfs --events-backend none --runtime $(command -v runc)"
    : > "$W/conmon.rss"; : > "$W/conmon.pss"
    ok=1
    for i in $(seq "$N"); do
        if ! $P run -d --name "c$i" --network none --cgroup-parent "/$CG/podman" \
                --rootfs "$R" sleep 1000 >/dev/null 2>"$W/podman.err"; then
            ok=0; break
        fi
    done
    if [ $ok = 1 ]; then
        sleep 1
        for i in $(seq "$N"); do
            pid=$($P inspect -f '{{.State.ConmonPid}}' "c$i")
            read -r rss pss <<<"$(rss_of "$pid")"
            echo "$rss" >> "$W/conmon.rss"; echo "$pss" >> "$W/conmon.pss"
        done
        printf "%-26s %10s %10s %14s\n" "conmon $(conmon --version | awk 'NR==1{print $3}') (podman)" \
            "$(median < "$W/conmon.rss")" "$(median < "$W/conmon.pss")" "-"
    else
        echo "conmon: podman could not run a container: $(tail -1 "$W/podman.err")"
    fi
else
    echo "conmon: podman or conmon missing (scripts/deps.sh --bench)"
fi
