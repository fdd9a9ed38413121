#!/bin/bash
# exec details beyond runtime_exec.sh: --detach with --pid-file (as conmon
# and containerd's shim use it), --preserve-fds, --env overriding the
# container's, --cap, --additional-gids, exec into a created container,
# and signals reaching a foreground exec.
. "$(dirname "$0")/lib_runtime.sh"

# sleeper NAME [FILTER]: a running container; prints its id
sleeper() {
    local b id
    b=$(new_bundle "$1" ".process.args=[\"sleep\",\"100\"] | .process.env += [\"FROM_CONFIG=1\",\"KEEP=yes\"] ${2:+| $2}")
    id=$(rt_id "$1")
    rt run -d --bundle "$b" "$id" </dev/null >/dev/null 2>&1
    echo "$id"
}

test_detach_with_pid_file() {
    id=$(sleeper exdet)
    defer rt delete --force "$id"
    rt exec --detach --pid-file "$PWD/exec.pid" "$id" sleep 77
    pid=$(cat exec.pid)
    assert_eq "$(tr '\0' ' ' < /proc/$pid/cmdline)" "sleep 77 " "the pid file names the exec'd process"
    grep -qx "$pid" "$(cg_dir pids exdet)/cgroup.procs" || fail "exec'd process not in the pids cgroup"
    assert_eq "$(readlink /proc/$pid/ns/pid)" "$(readlink /proc/$(rt_state "$id" pid)/ns/pid)"
    kill "$pid"
}

test_env_overrides_and_keeps() {
    id=$(sleeper exenv)
    defer rt delete --force "$id"
    out=$(rt exec -e FROM_CONFIG=2 -e NEW=3 "$id" sh -c 'echo $FROM_CONFIG $KEEP $NEW; env | grep -c ^FROM_CONFIG=')
    assert_eq "$out" "2 yes 3
1"
}

test_caps_and_groups() {
    id=$(sleeper excap)
    defer rt delete --force "$id"
    # the container's bounding set lacks CAP_NET_ADMIN; --cap adds it
    before=$(rt exec "$id" sh -c 'grep CapEff /proc/self/status')
    after=$(rt exec --cap CAP_NET_ADMIN "$id" sh -c 'grep CapEff /proc/self/status')
    [ "$before" != "$after" ] || fail "--cap changed nothing: $after"
    eff=$(echo "$after" | awk '{print $2}')
    [ $(( 0x$eff & (1 << 12) )) != 0 ] || fail "CAP_NET_ADMIN not effective: $after"
    out=$(rt exec --user 1000:1000 --additional-gids 20 --additional-gids 30 "$id" id -G)
    assert_eq "$out" "1000 20 30"
}

test_preserve_fds() {
    id=$(sleeper exfds)
    defer rt delete --force "$id"
    echo "fd-three" > f3
    echo "fd-four" > f4
    out=$(rt exec --preserve-fds 2 "$id" sh -c 'cat <&3; cat <&4; ls /proc/self/fd | wc -l' 3<f3 4<f4)
    # 0 1 2 3 4, plus the fd ls itself opens
    assert_eq "$out" "fd-three
fd-four
6"
}

test_exec_into_a_created_container() {
    b=$(new_bundle excr '.process.args=["sleep","100"]')
    id=$(rt_id excr)
    defer rt delete --force "$id"
    rt create --bundle "$b" "$id" </dev/null
    assert_eq "$(rt exec "$id" sh -c 'echo in-created')" in-created
    assert_eq "$(rt_state "$id" status)" created
}

test_signals_reach_a_foreground_exec() {
    id=$(sleeper exsig)
    defer rt delete --force "$id"
    # the runtime itself, not a shell function around it, gets the signal
    "$RUNTIME" --root "$RT_ROOT" exec "$id" sh -c 'trap "echo got-term; exit 9" TERM; while :; do sleep 0.1; done' > out &
    epid=$!
    wait_for "rt exec $id ps -o args | grep -q '^sh -c trap'"
    kill -TERM "$epid"
    rc=0
    wait "$epid" || rc=$?
    assert_eq "$rc" 9 "exit status of the exec"
    assert_contains "$(cat out)" "got-term"
}

t "exec --detach --pid-file: the pid of the process, in the cgroup and namespaces" test_detach_with_pid_file
t "exec --env overrides the container's variables and keeps the rest" test_env_overrides_and_keeps
t "exec --cap and --user with --additional-gids" test_caps_and_groups
t "exec --preserve-fds" test_preserve_fds
t "exec into a created container" test_exec_into_a_created_container
t "a signal to a foreground exec reaches the process" test_signals_reach_a_foreground_exec
done_testing
