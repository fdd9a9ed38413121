#!/bin/bash
# podman 4 drives gantry-runtime through conmon, as it drives runc: its
# invocations, flags and console-socket use are the contract.
#
# podman's storage, run and tmp dirs live under $T; its cgroups under the
# run's cgroup parent.  podman does not hand its --runtime-flag to the
# runtime in every call (container cleanup omits it), so the runtime keeps
# its default root, /run/gantry/runtime: /run is a private tmpfs in this
# script's mount namespace, so nothing of it reaches the host.
. "$(dirname "$0")/lib_runtime.sh"

command -v podman >/dev/null && command -v conmon >/dev/null || {
    t "podman drives gantry-runtime" skip "podman or conmon is not installed"
    done_testing
    exit
}
mount -t tmpfs -o mode=755 gantry-it-run /run || fail "cannot make a private /run"

PD=$T/podman
mkdir -p "$PD"
# The limits podman asks for by default exceed this machine's hard limits
# (and no runtime may raise them without CAP_SYS_RESOURCE): ask for less.
LIMITS=(--ulimit nofile=1024:4096 --ulimit nproc=1024:4096)
pod() {
    podman --root "$PD/storage" --runroot "$PD/run" --tmpdir "$PD/tmp" \
        --runtime "$RUNTIME" --cgroup-manager cgroupfs --events-backend none "$@"
}
prun() {
    pod run --network none --cgroup-parent "/$CG_PARENT/podman" "${LIMITS[@]}" "$@"
}

make_rootfs "$PD/rootfs"
tar -C "$PD/rootfs" -cf "$PD/bb.tar" . || fail "tar"
pod import -q "$PD/bb.tar" localhost/gantry-bb:latest >/dev/null || fail "podman import"

# no state, no cgroup left for a podman container id
assert_podman_gone() {
    local id=$1 c
    [ ! -e "/run/gantry/runtime/$id" ] || fail "runtime state of $id remains"
    for c in memory pids cpu freezer devices; do
        [ ! -e "/sys/fs/cgroup/$c/$CG_PARENT/podman/libpod-$id" ] || fail "cgroup $c of $id remains"
    done
}

test_run_output_and_status() {
    out=$(prun --rm localhost/gantry-bb echo hello-podman)
    assert_eq "$out" hello-podman
    rc=0
    prun --rm localhost/gantry-bb sh -c 'exit 42' || rc=$?
    assert_eq "$rc" 42 "exit status"
}

test_detached_lifecycle() {
    id=$(prun -d --name "life-$$" localhost/gantry-bb sleep 300)
    defer pod rm -t 0 -f "life-$$"
    [ -d "/run/gantry/runtime/$id" ] || fail "no runtime state for $id"
    assert_eq "$(pod inspect -f '{{.State.Status}}' "life-$$")" running
    # the container's processes are in the cgroup podman asked for
    pid=$(pod inspect -f '{{.State.Pid}}' "life-$$")
    grep -q "^$pid\$" "/sys/fs/cgroup/memory/$CG_PARENT/podman/libpod-$id/cgroup.procs" \
        || fail "init $pid is not in the container's memory cgroup"
    pod pause "life-$$" >/dev/null
    assert_eq "$(pod inspect -f '{{.State.Status}}' "life-$$")" paused
    assert_eq "$(cat "/sys/fs/cgroup/freezer/$CG_PARENT/podman/libpod-$id/freezer.state")" FROZEN
    pod unpause "life-$$" >/dev/null
    assert_eq "$(pod inspect -f '{{.State.Status}}' "life-$$")" running
    pod top "life-$$" | grep -q "sleep 300" || fail "top does not show the process"
    pod kill "life-$$" >/dev/null
    pod wait "life-$$" >/dev/null
    assert_eq "$(pod inspect -f '{{.State.Status}} {{.State.ExitCode}}' "life-$$")" "exited 137"
    pod rm "life-$$" >/dev/null
    assert_podman_gone "$id"
}

test_exec() {
    id=$(prun -d --name "ex-$$" localhost/gantry-bb sleep 300)
    defer pod rm -t 0 -f "ex-$$"
    out=$(pod exec "ex-$$" sh -c 'echo in-exec; cat /proc/1/cmdline | tr "\0" " "')
    assert_contains "$out" "in-exec"
    assert_contains "$out" "sleep 300" "exec sees the container's pid namespace"
    rc=0
    pod exec "ex-$$" sh -c 'exit 5' || rc=$?
    assert_eq "$rc" 5 "exec exit status"
    out=$(pod exec -e FOO=bar -w /tmp -u 65534:65534 "ex-$$" sh -c 'echo $FOO $(pwd) $(id -u):$(id -g)')
    assert_eq "$out" "bar /tmp 65534:65534"
    pod exec -d "ex-$$" sleep 200 >/dev/null
    pod top "ex-$$" | grep -q "sleep 200" || fail "the detached exec does not run"
    out=$(pod exec -t "ex-$$" tty | tr -d '\r')
    assert_contains "$out" "/dev/pts/" "exec -t gets a terminal"
}

test_terminal() {
    out=$(prun --rm -t localhost/gantry-bb sh -c 'tty; echo tty-ok' | tr -d '\r')
    assert_contains "$out" "/dev/pts/0"
    assert_contains "$out" "tty-ok"
}

test_errors_reach_the_user() {
    rc=0
    prun --rm localhost/gantry-bb nosuchbinary 2>err || rc=$?
    assert_eq "$rc" 127 "a missing program"
    assert_contains "$(cat err)" 'executable file not found in $PATH'
    [ -z "$(ls /run/gantry/runtime 2>/dev/null)" ] || fail "state left: $(ls /run/gantry/runtime)"
}

test_stop_and_restart() {
    id=$(prun -d --name "st-$$" localhost/gantry-bb sh -c 'trap "exit 3" TERM; while :; do sleep 0.1; done')
    defer pod rm -t 0 -f "st-$$"
    pod stop -t 5 "st-$$" >/dev/null
    assert_eq "$(pod inspect -f '{{.State.Status}} {{.State.ExitCode}}' "st-$$")" "exited 3"
    pod start "st-$$" >/dev/null
    assert_eq "$(pod inspect -f '{{.State.Status}}' "st-$$")" running
    pod rm -t 0 -f "st-$$" >/dev/null
    assert_podman_gone "$id"
}

t "podman run: output and exit status" test_run_output_and_status
t "podman run -d, inspect, cgroup, pause, top, kill, rm" test_detached_lifecycle
t "podman exec: namespaces, status, env/cwd/user, -d, -t" test_exec
t "podman run -t: a terminal through conmon's console socket" test_terminal
t "podman: a runtime error reaches the user" test_errors_reach_the_user
t "podman stop (SIGTERM handled) and start again" test_stop_and_restart
pod rm -a -f -t 0 >/dev/null 2>&1
pod rmi -a -f >/dev/null 2>&1
done_testing
