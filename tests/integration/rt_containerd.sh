#!/bin/bash
# containerd 1.6 drives gantry-runtime through its runc shim
# (io.containerd.runc.v2), as it drives runc: the shim's invocations
# (--root, --log FILE --log-format json, create --bundle --pid-file
# [--console-socket] [--no-pivot], start, state, kill [--all], delete
# [--force], exec --process --detach --pid-file [--console-socket], pause,
# resume, ps --format json), the JSON error it reads back from the log and
# the exit codes are the contract.  Driven with `ctr`.
#
# The script runs a containerd of its own: root, state, socket and config
# under $T; /run is a private tmpfs of this script's mount namespace (the
# shim puts its sockets under /run/containerd/s whatever the config says).
# The daemon and its shims live in a pids cgroup under the run's parent,
# so that whatever they leave behind can be found and ended by pid.
#
# The runtime is named per container (ctr --runc-binary / --runc-root set
# the shim's options BinaryName and Root): in containerd 1.6 the daemon's
# runtime table with its options belongs to the CRI plugin, which is
# disabled here.  As a safety net, `runc` on the daemon's PATH is
# gantry-runtime too, so the real runc never runs in this script.
. "$(dirname "$0")/lib_runtime.sh"
. "$(dirname "$0")/lib_registry.sh"

for tool in containerd ctr containerd-shim-runc-v2 umoci skopeo; do
    command -v "$tool" >/dev/null || {
        t "containerd drives gantry-runtime" skip "$tool is not installed"
        done_testing
        exit
    }
done
mount -t tmpfs -o mode=755 gantry-it-run /run || fail "cannot make a private /run"

CD=$T/containerd
NS=gantry-it
RTROOT=$CD/runtime          # the shim's Root: state under $RTROOT/$NS
SOCK=$CD/containerd.sock
IMG=gantry.test/busybox:latest
DAEMON_CG=/sys/fs/cgroup/pids/$CG_PARENT/containerd-$$
PTY_RUN=$IT_ROOT/tests/integration/pty_run.py
export CONTAINERD_SNAPSHOTTER=overlayfs
mkdir -p "$CD/bin" "$CD/root" "$CD/state" "$RTROOT" "$DAEMON_CG"
# a user namespace's root (an unmapped uid on the host) must reach the bundle
chmod 711 "$T" "$CD"
ln -s "$RUNTIME" "$CD/bin/runc"

cat > "$CD/config.toml" <<TOML
version = 2
root = "$CD/root"
state = "$CD/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]

[grpc]
  address = "$SOCK"

[ttrpc]
  address = "$SOCK.ttrpc"

[debug]
  level = "debug"

[plugins."io.containerd.gc.v1.scheduler"]
  startup_delay = "0s"
TOML

# kill_cgroup DIR: ends the processes of a pids cgroup (ours), by pid
kill_cgroup() {
    local p i
    for i in $(seq 50); do
        [ -s "$1/cgroup.procs" ] || return 0
        for p in $(cat "$1/cgroup.procs"); do kill -KILL "$p" 2>/dev/null; done
        sleep 0.1
    done
}

# stop_containerd: what a failed case left is ended through containerd,
# then the daemon; then, by pid, whatever is still in its cgroup (shims)
# and in the containers' cgroups; the cgroups and mounts go.
stop_containerd() {
    local id d
    for id in $(c task ls -q 2>/dev/null); do rm_container "$id"; done
    for id in $(c containers ls -q 2>/dev/null); do rm_container "$id"; done
    [ -n "${CTRD_PID:-}" ] && kill "$CTRD_PID" 2>/dev/null && wait "$CTRD_PID" 2>/dev/null
    kill_cgroup "$DAEMON_CG"
    for d in /sys/fs/cgroup/pids/"$CG_PARENT"/ctr/*/; do [ -d "$d" ] && kill_cgroup "$d"; done
    rmdir "$DAEMON_CG" 2>/dev/null
    # rootfs mounts the shims made, if one died before unmounting
    grep -o " $CD/[^ ]*" /proc/self/mountinfo | sort -r | while read -r m; do umount -l "$m"; done
}
_it_on_exit stop_containerd

PATH=$CD/bin:$PATH sh -c 'echo $$ > "$1/cgroup.procs" && exec containerd --config "$2"' \
    sh "$DAEMON_CG" "$CD/config.toml" > "$CD/containerd.log" 2>&1 < /dev/null &
CTRD_PID=$!
# (bounded: a hung call fails its case instead of the whole script)
c() {
    timeout -k 5 120 ctr -a "$SOCK" -n "$NS" "$@"
}
for i in $(seq 100); do
    c version >/dev/null 2>&1 && break
    sleep 0.1
done
c version >/dev/null || fail "containerd did not start: $(tail -5 "$CD/containerd.log")"

make_image busybox "$CD/layout" >/dev/null
skopeo copy -q "oci:$CD/layout:latest" "docker-archive:$CD/bb.tar:$IMG" \
    || fail "cannot build the image archive"
c images import "$CD/bb.tar" >/dev/null || fail "ctr images import"

# ctr_run NAME [ctr run flags...] -- the rest: `ctr run` with gantry-runtime,
# its root under $T and the container's cgroup under the run's parent
ctr_run() {
    local name=$1; shift
    local flags=()
    while [ $# -gt 0 ] && [ "$1" != -- ]; do flags+=("$1"); shift; done
    [ "${1:-}" = -- ] && shift
    c run --runc-binary "$RUNTIME" --runc-root "$RTROOT" \
        --cgroup "/$CG_PARENT/ctr/$name" "${flags[@]}" "$IMG" "$name" "$@"
}

# grt ARGS: the runtime on the shim's state root
grt() {
    "$RUNTIME" --root "$RTROOT/$NS" "$@"
}

task_status() {
    c task ls | awk -v id="$1" '$1 == id { print $3 }'
}

task_pid() {
    c task ls | awk -v id="$1" '$1 == id { print $2 }'
}

# rm_container NAME: deferred clean-up of a container and its task
rm_container() {
    c task kill -s SIGKILL "$1" >/dev/null 2>&1 || true
    c task delete -f "$1" >/dev/null 2>&1 || true
    c containers delete "$1" >/dev/null 2>&1 || true
}

# task_delete NAME: `ctr task delete` of a stopped task; prints the exit
# status it reports (ctr 1.6 logs a non-zero one as a warning)
task_delete() {
    local out
    out=$(c task delete "$1" 2>&1) || fail "ctr task delete $1: $out"
    case $out in
    *"exit with non-zero exit code "*) echo "${out##*exit with non-zero exit code }" | tr -dc 0-9 ;;
    *) echo 0 ;;
    esac
}

# assert_ctr_gone NAME: no task, container, snapshot, runtime state,
# cgroup or mount of NAME is left
assert_ctr_gone() {
    local name=$1 cg
    c containers ls -q | grep -qx "$name" && fail "container $name remains in containerd"
    c snapshots ls | awk '{print $1}' | grep -qx "$name" && fail "snapshot $name remains"
    [ ! -e "$RTROOT/$NS/$name" ] || fail "runtime state $RTROOT/$NS/$name remains"
    for cg in memory pids cpu freezer devices blkio cpuset; do
        [ ! -e "/sys/fs/cgroup/$cg/$CG_PARENT/ctr/$name" ] \
            || fail "cgroup $cg/$CG_PARENT/ctr/$name remains"
    done
    ! grep -q "/$name/rootfs " /proc/self/mountinfo || fail "the rootfs of $name is still mounted"
    [ ! -e "$CD/state/io.containerd.runtime.v2.task/$NS/$name" ] || fail "the bundle of $name remains"
}

test_run_rm_output_and_status() {
    out=$(ctr_run rr1 --rm -- sh -c 'echo hello-containerd; cat /proc/self/cgroup | grep memory')
    echo "$out"
    assert_contains "$out" hello-containerd
    assert_contains "$out" ":memory:/$CG_PARENT/ctr/rr1" "the container's memory cgroup"
    rc=0
    ctr_run rr2 --rm -- sh -c 'exit 42' || rc=$?
    assert_eq "$rc" 42 "exit status"
    assert_ctr_gone rr1
    assert_ctr_gone rr2
}

test_detached_exec() {
    defer rm_container dx
    ctr_run dx -d -- sleep 300
    assert_eq "$(task_status dx)" RUNNING
    pid=$(task_pid dx)
    # it is gantry-runtime's container, in the cgroup asked for
    assert_eq "$(grt state dx | jq -r '.status + " " + (.pid|tostring)')" "running $pid"
    grep -qx "$pid" "/sys/fs/cgroup/memory/$CG_PARENT/ctr/dx/cgroup.procs" \
        || fail "init $pid is not in the container's memory cgroup"
    out=$(c task exec --exec-id e1 dx sh -c 'echo in-exec; tr "\0" " " < /proc/1/cmdline; readlink /proc/1/ns/mnt')
    echo "$out"
    assert_contains "$out" in-exec
    assert_contains "$out" "sleep 300" "exec sees the container's pid namespace"
    assert_contains "$out" "$(readlink /proc/$pid/ns/mnt)" "exec is in the container's mount namespace"
    rc=0
    c task exec --exec-id e2 dx sh -c 'exit 5' || rc=$?
    assert_eq "$rc" 5 "exec exit status"
    out=$(c task exec --exec-id e3 --user 65534 --cwd /tmp dx sh -c 'echo $(id -u) $(pwd)')
    assert_eq "$out" "65534 /tmp" "exec --user --cwd"
    # an exec's pid is in the container's cgroup too
    c task exec -d --exec-id e4 dx sleep 200
    wait_for "c task ps dx | grep -c . | grep -qx 3"
    for p in $(c task ps dx | awk 'NR > 1 {print $1}'); do
        grep -qx "$p" "/sys/fs/cgroup/pids/$CG_PARENT/ctr/dx/cgroup.procs" \
            || fail "pid $p of task ps is not in the container's cgroup"
    done
}

test_exec_failure() {
    defer rm_container xf
    ctr_run xf -d -- sleep 300
    rc=0
    c task exec --exec-id bad xf nosuchbinary-gantry 2>err || rc=$?
    cat err
    [ "$rc" != 0 ] || fail "exec of a missing binary succeeded"
    assert_contains "$(cat err)" "nosuchbinary-gantry"
    # the task is unharmed and takes more execs
    assert_eq "$(task_status xf)" RUNNING
    assert_eq "$(c task exec --exec-id ok xf echo still-fine)" still-fine
}

test_kill_and_delete() {
    defer rm_container k1
    ctr_run k1 -d -- sh -c 'trap "exit 3" TERM; while :; do sleep 0.1; done'
    c task kill k1
    wait_for '[ "$(task_status k1)" = STOPPED ]'
    assert_eq "$(task_delete k1)" 3 "the status ctr task delete reports"
    [ ! -e "$RTROOT/$NS/k1" ] || fail "runtime state of k1 remains after task delete"
    c containers delete k1
    assert_ctr_gone k1

    defer rm_container k2
    ctr_run k2 -d -- sleep 300
    c task exec -d --exec-id side k2 sleep 301
    wait_for "c task ps k2 | grep -c . | grep -qx 3"
    c task kill -a -s SIGKILL k2
    wait_for '[ "$(task_status k2)" = STOPPED ]'
    assert_eq "$(task_delete k2)" 137 "status after SIGKILL"
    c containers delete k2
    assert_ctr_gone k2

    # delete -f of a running task
    defer rm_container k3
    ctr_run k3 -d -- sleep 300
    c task delete -f k3 || true
    c containers delete k3
    assert_ctr_gone k3
}

test_pause_resume_ps() {
    defer rm_container pz
    ctr_run pz -d -- sleep 300
    pid=$(task_pid pz)
    out=$(c task ps pz)
    echo "$out"
    echo "$out" | awk 'NR > 1 {print $1}' | grep -qx "$pid" || fail "task ps does not list the init $pid"
    c task pause pz
    assert_eq "$(task_status pz)" PAUSED
    assert_eq "$(cat "/sys/fs/cgroup/freezer/$CG_PARENT/ctr/pz/freezer.state")" FROZEN
    assert_eq "$(grt state pz | jq -r .status)" paused
    c task resume pz
    assert_eq "$(task_status pz)" RUNNING
    assert_eq "$(cat "/sys/fs/cgroup/freezer/$CG_PARENT/ctr/pz/freezer.state")" THAWED
}

test_terminal() {
    rc=0
    out=$(/usr/bin/python3 "$PTY_RUN" 30x100 $'typed\n' ctr -a "$SOCK" -n "$NS" run -t --rm \
        --runc-binary "$RUNTIME" --runc-root "$RTROOT" --cgroup "/$CG_PARENT/ctr/tty1" \
        "$IMG" tty1 sh -c 'tty; read x; stty size; echo got-$x; exit 4') || rc=$?
    echo "$out"
    assert_eq "$rc" 4 "exit status through the terminal"
    assert_contains "$out" /dev/pts/0
    assert_contains "$out" "30 100" "the caller's window size"
    assert_contains "$out" got-typed
    assert_ctr_gone tty1

    defer rm_container tty2
    ctr_run tty2 -d -- sleep 300
    out=$(/usr/bin/python3 "$PTY_RUN" 25x90 $'more\n' ctr -a "$SOCK" -n "$NS" task exec -t --exec-id t tty2 \
        sh -c 'tty; read x; stty size; echo got-$x')
    echo "$out"
    assert_contains "$out" /dev/pts/
    assert_contains "$out" "25 90" "exec -t: the caller's window size"
    assert_contains "$out" got-more
}

test_memory_limit() {
    defer rm_container mem
    ctr_run mem -d --memory-limit 67108864 -- sleep 300
    assert_eq "$(cat "/sys/fs/cgroup/memory/$CG_PARENT/ctr/mem/memory.limit_in_bytes")" 67108864
    # the shim reads the task's cgroup for metrics
    out=$(c task metrics mem)
    echo "$out"
    assert_contains "$out" "memory.limit_in_bytes"
}

test_oom_kill() {
    defer rm_container oom
    c events > events.out 2>&1 &
    epid=$!
    defer kill "$epid"
    # listening once an event of ours shows
    wait_for 'c images label "$IMG" gantry.probe=$RANDOM >/dev/null && grep -q /images/update events.out'
    ctr_run oom -d --memory-limit 16777216 -- sh -c 'x=$(head -c 67108864 /dev/zero | tr "\0" a); echo $x | wc -c'
    wait_for '[ "$(task_status oom)" = STOPPED ]'
    assert_eq "$(task_delete oom)" 137 "status of the OOM-killed task"
    wait_for "grep -q /tasks/oom events.out"
}

test_failing_start_leaves_nothing() {
    rc=0
    ctr_run nobin --rm -- nosuchbinary-gantry 2>err || rc=$?
    cat err
    [ "$rc" != 0 ] || fail "ctr run of a missing binary succeeded"
    assert_contains "$(cat err)" "nosuchbinary-gantry"
    assert_contains "$(cat err)" "executable file not found"
    rm_container nobin
    assert_ctr_gone nobin
}

test_no_pivot() {
    out=$(ctr_run np --rm --no-pivot -- sh -c 'echo no-pivot-ok; ls /')
    assert_contains "$out" no-pivot-ok
    assert_ctr_gone np
}

test_privileged() {
    out=$(ctr_run priv --rm --privileged -- sh -c 'grep -E "^Cap(Eff|Bnd)" /proc/self/status; ls /dev | grep -c .; mount | grep " /sys " ')
    echo "$out"
    assert_contains "$out" "CapEff:	$(awk '/^CapBnd/ {print $2}' /proc/self/status)" "all the capabilities of the host's bounding set"
    [ "$(echo "$out" | sed -n 3p)" -gt 20 ] || fail "the host's devices are not there"
    assert_contains "$out" "(rw," "/sys is writable"
    assert_ctr_gone priv
}

test_seccomp_default_profile() {
    out=$(ctr_run sc --rm --seccomp -- sh -c 'grep ^Seccomp: /proc/self/status')
    echo "$out"
    assert_contains "$out" "Seccomp:	2" "containerd's default profile is loaded"
    assert_ctr_gone sc
}

test_mounts_env_readonly() {
    mkdir -p "$PWD/src" && echo from-host > "$PWD/src/f"
    printf 'A=1\nB=two\n' > envfile
    out=$(ctr_run mnt --rm --read-only --mount "type=bind,src=$PWD/src,dst=/host,options=rbind:ro" \
        --env C=3 --env-file envfile --cwd /host -- sh -c 'cat f; echo $A $B $C; pwd; touch /x 2>&1; touch /host/y 2>&1; true')
    echo "$out"
    assert_contains "$out" from-host
    assert_contains "$out" "1 two 3"
    assert_contains "$out" "Read-only file system"
    [ "$(echo "$out" | grep -c 'Read-only file system')" = 2 ] || fail "the rootfs or the ro bind is writable"
    assert_ctr_gone mnt
}

test_caps_and_cpu() {
    defer rm_container cap
    ctr_run cap -d --cap-add CAP_SYS_ADMIN --cap-drop CAP_CHOWN --cpus 0.5 --cpu-shares 512 -- sleep 300
    cg=/sys/fs/cgroup/cpu/$CG_PARENT/ctr/cap
    assert_eq "$(cat "$cg/cpu.cfs_quota_us") $(cat "$cg/cpu.cfs_period_us")" "50000 100000" "--cpus 0.5"
    assert_eq "$(cat "$cg/cpu.shares")" 512 "--cpu-shares"
    eff=$(c task exec --exec-id caps cap sh -c 'grep ^CapEff /proc/self/status' | awk '{print $2}')
    (( (0x$eff >> 21) & 1 )) || fail "CAP_SYS_ADMIN was not added: $eff"
    (( !((0x$eff >> 0) & 1) )) || fail "CAP_CHOWN was not dropped: $eff"
}

test_join_netns() {
    ip netns add "gantry-ctr-$$"
    defer ip netns delete "gantry-ctr-$$"
    want=$(stat -L -c %i "/run/netns/gantry-ctr-$$")
    out=$(ctr_run wns --rm --with-ns "network:/run/netns/gantry-ctr-$$" -- stat -L -c %i /proc/self/ns/net)
    assert_eq "$out" "$want" "the container joined the named network namespace"
    assert_ctr_gone wns
}

test_user_namespace() {
    out=$(ctr_run uns --rm --uidmap 0:100000:65536 --gidmap 0:100000:65536 -- \
        sh -c 'cat /proc/self/uid_map /proc/self/gid_map; id -u; stat -c %u /bin/busybox')
    echo "$out"
    assert_eq "$(echo $out)" "0 100000 65536 0 100000 65536 0 0" "the mappings, root inside, the remapped rootfs"
    assert_ctr_gone uns
}

test_kill_paused_and_stopped() {
    # SIGKILL reaches a paused task (a frozen v1 cgroup holds it until thawed)
    defer rm_container kp
    ctr_run kp -d -- sleep 300
    c task pause kp
    out=$(c task ps kp)
    echo "$out" | awk 'NR > 1 {print $1}' | grep -qx "$(task_pid kp)" || fail "task ps of a paused task: $out"
    c task kill -s SIGKILL kp
    wait_for '[ "$(task_status kp)" = STOPPED ]'
    assert_eq "$(task_delete kp)" 137 "status of the paused task after SIGKILL"
    c containers delete kp
    assert_ctr_gone kp

    # a signal to a task that has exited: the shim recognises the runtime's
    # answer ("container not running") as "process already finished"
    defer rm_container ks
    ctr_run ks -d -- true
    wait_for '[ "$(task_status ks)" = STOPPED ]'
    rc=0
    c task kill ks 2>err || rc=$?
    cat err
    [ "$rc" != 0 ] || fail "kill of a stopped task succeeded"
    assert_contains "$(cat err)" "process already finished"
}

test_stdin() {
    # (ctr 1.6 does not close the task's stdin at the end of its own, so
    # the process reads what it needs rather than up to EOF)
    out=$(printf 'line-one\nline-two\n' | c run --rm --runc-binary "$RUNTIME" --runc-root "$RTROOT" \
        --cgroup "/$CG_PARENT/ctr/in" "$IMG" in sh -c 'read a; read b; echo "got $b $a"')
    assert_eq "$out" "got line-two line-one"
    assert_ctr_gone in
}


test_systemd_cgroup_refused() {
    # the shim's SystemdCgroup option becomes --systemd-cgroup, which this
    # machine (no systemd) and gantry-runtime do not offer: a clear error
    rc=0
    c run --rm --runc-binary "$RUNTIME" --runc-root "$RTROOT" --runc-systemd-cgroup \
        --cgroup "system.slice:gantry:sd$$" "$IMG" sd true 2>err || rc=$?
    cat err
    [ "$rc" != 0 ] || fail "a systemd cgroup was accepted"
    assert_contains "$(cat err)" "systemd"
    rm_container sd
    assert_ctr_gone sd
}

# shim_update NAME: `update --resources - NAME` as the runc shim runs it,
# the resources on stdin
shim_update() {
    "$RUNTIME" --root "$RTROOT/$NS" --log "$PWD/update-log.json" --log-format json \
        update --resources - "$1"
}

test_update_as_the_shim_does() {
    # ctr 1.6 has no `task update`; the shim's Update (what CRI's
    # UpdateContainerResources calls) runs `update --resources - ID` with
    # the container's whole linux.resources, changed: do just that, while
    # the container keeps opening /dev/null
    defer rm_container up
    ctr_run up -d --memory-limit 67108864 -- \
        sh -c 'while :; do echo x > /dev/null || echo denied >> /tmp/fails; done'
    res=$(c containers info up | jq -c '.Spec.linux.resources')
    echo "$res" | jq '.memory.limit = 134217728 | .cpu.shares = 300 | .pids = {"limit": 99}' \
        | shim_update up
    cg=$CG_PARENT/ctr/up
    assert_eq "$(cat "/sys/fs/cgroup/memory/$cg/memory.limit_in_bytes")" 134217728
    assert_eq "$(cat "/sys/fs/cgroup/cpu/$cg/cpu.shares")" 300
    assert_eq "$(cat "/sys/fs/cgroup/pids/$cg/pids.max")" 99
    before=$(sort "/sys/fs/cgroup/devices/$cg/devices.list")
    # a device granted, then taken back, many times over
    more=$(echo "$res" | jq -c '.devices += [{"allow":true,"type":"c","major":10,"minor":200,"access":"rwm"}]')
    for i in $(seq 40); do
        echo "$more" | shim_update up
        grep -qx "c 10:200 rwm" "/sys/fs/cgroup/devices/$cg/devices.list" || fail "10:200 was not granted"
        echo "$res" | shim_update up
    done
    assert_eq "$(sort "/sys/fs/cgroup/devices/$cg/devices.list")" "$before" "the device whitelist after the updates"
    fails=$(c task exec --exec-id f up sh -c 'cat /tmp/fails 2>/dev/null | wc -l')
    assert_eq "$fails" 0 "opens of /dev/null refused during the updates"
    assert_eq "$(task_status up)" RUNNING
}

test_checkpoint_refused() {
    # checkpoint/restore (CRIU) is not offered: a clear error, the task
    # goes on
    [ "$RT_NAME" = gantry-runtime ] || skip "runc's checkpoint needs criu"
    defer rm_container cp
    ctr_run cp -d -- sleep 300
    rc=0
    c task checkpoint cp 2>err || rc=$?
    cat err
    [ "$rc" != 0 ] || fail "checkpoint succeeded"
    assert_contains "$(cat err)" "checkpoint is not supported"
    assert_eq "$(task_status cp)" RUNNING
}

t "ctr run --rm: output, exit status, cgroup, nothing left" test_run_rm_output_and_status
t "ctr run -d, task exec: namespaces, status, user/cwd, ps" test_detached_exec
t "ctr task exec of a missing binary: an error, the task unharmed" test_exec_failure
t "ctr task kill (TERM handled, -a KILL), task delete (-f)" test_kill_and_delete
t "ctr task pause/resume, task ps" test_pause_resume_ps
t "update --resources - as the shim runs it: limits, devices without a gap" test_update_as_the_shim_does
t "ctr task kill: SIGKILL to a paused task, a signal to an exited one" test_kill_paused_and_stopped
t "ctr run: stdin through the shim's pipe" test_stdin
t "ctr run -t, task exec -t: a terminal through the console socket" test_terminal
t "ctr run --memory-limit: the cgroup limit, task metrics" test_memory_limit
t "a task over its memory limit: killed, /tasks/oom published" test_oom_kill
t "ctr run of a missing binary: a clear error, nothing left" test_failing_start_leaves_nothing
t "ctr run --no-pivot" test_no_pivot
t "ctr task checkpoint: refused clearly, the task goes on" test_checkpoint_refused
t "ctr run --runc-systemd-cgroup: refused clearly, nothing left" test_systemd_cgroup_refused
t "ctr run --privileged" test_privileged
t "ctr run --seccomp: containerd's default profile" test_seccomp_default_profile
t "ctr run --read-only --mount --env --env-file --cwd" test_mounts_env_readonly
t "ctr run --cap-add --cap-drop --cpus --cpu-shares" test_caps_and_cpu
t "ctr run --with-ns network:PATH" test_join_netns
t "ctr run --uidmap --gidmap: a user namespace" test_user_namespace

test_nothing_left() {
    assert_eq "$(c task ls -q)" "" "tasks"
    assert_eq "$(c containers ls -q)" "" "containers"
    assert_eq "$(ls -A "$RTROOT/$NS" 2>/dev/null | grep -v '^\.@seccomp$' || true)" "" "runtime state"
    local cg
    for cg in memory pids cpu freezer devices; do
        assert_eq "$(find "/sys/fs/cgroup/$cg/$CG_PARENT/ctr" -mindepth 1 -type d 2>/dev/null)" "" \
            "containers' $cg cgroups"
    done
    ! grep -q " $CD/state/" /proc/self/mountinfo || fail "a bundle mount remains"
    assert_eq "$(cat "$DAEMON_CG/cgroup.procs" | grep -vx "$CTRD_PID" || true)" "" "shims still running"
}

t "nothing is left: tasks, containers, runtime state, cgroups, mounts, shims" test_nothing_left
c images rm "$IMG" >/dev/null 2>&1
done_testing
