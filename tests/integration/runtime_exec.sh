#!/bin/bash
# exec into a running container, and terminals through the console socket.
. "$(dirname "$0")/lib_runtime.sh"

# start_sleeper NAME [JQ-FILTER]: a running container; prints its id
start_sleeper() {
    local b id
    b=$(new_bundle "$1" "${2:-.} | .process.args=[\"sleep\",\"1000\"]")
    id=$(rt_id "$1")
    rt run --detach --bundle "$b" "$id" </dev/null >/dev/null
    echo "$id"
}

test_exec_enters_every_namespace() {
    id=$(start_sleeper exns '.linux.namespaces += [{"type":"cgroup"}]')
    defer rt delete --force "$id"
    pid=$(rt_state "$id" pid)
    out=$(rt exec "$id" sh -c 'for n in pid net ipc uts mnt cgroup; do echo "$n $(readlink /proc/self/ns/$n)"; done; cat /proc/self/cgroup')
    for n in pid net ipc uts mnt cgroup; do
        want=$(readlink /proc/$pid/ns/$n)
        echo "$out" | grep -Fqx "$n $want" || fail "exec is not in the container's $n namespace ($want): $out"
    done
    # and in the container's cgroups
    pids=$(cat "$(cg_dir pids exns)/cgroup.procs" | wc -l)
    rt exec "$id" sh -c 'cat /proc/self/cgroup' >/dev/null
    rt exec -d --pid-file "$PWD/epid" "$id" sleep 30
    grep -qx "$(cat epid)" "$(cg_dir pids exns)/cgroup.procs" || fail "the exec'd process is not in the container's cgroup"
    grep -qx "$(cat epid)" "$(cg_dir memory exns)/cgroup.procs" || fail "the exec'd process is not in the memory cgroup"
}

test_exec_in_user_namespace() {
    b=$(new_bundle exuser '.linux.namespaces += [{"type":"user"}] | .linux.uidMappings=[{"containerID":0,"hostID":300000,"size":65536}] | .linux.gidMappings=[{"containerID":0,"hostID":300000,"size":65536}] | .process.args=["sleep","1000"]')
    chown -R 300000:300000 "$b/rootfs"; chmod 755 "$T" "$PWD"
    id=$(rt_id exuser)
    defer rt delete --force "$id"
    rt run --detach --bundle "$b" "$id" </dev/null
    pid=$(rt_state "$id" pid)
    out=$(rt exec "$id" sh -c 'readlink /proc/self/ns/user; id -u')
    assert_eq "$out" "$(readlink /proc/$pid/ns/user)
0"
}

test_exec_status_env_cwd_user() {
    id=$(start_sleeper exargs)
    defer rt delete --force "$id"
    rc=0; rt exec "$id" sh -c 'exit 42' || rc=$?
    assert_eq "$rc" 42 "exec exit status"
    out=$(rt exec --env FOO=bar --cwd /tmp --user 1000:1000 "$id" sh -c 'echo $FOO; pwd; id -u; id -g')
    assert_eq "$out" "bar
/tmp
1000
1000"
    out=$(echo piped | rt exec "$id" cat)
    assert_eq "$out" piped "stdin"
}

test_exec_process_json() {
    id=$(start_sleeper exproc)
    defer rt delete --force "$id"
    cat > p.json <<'JSON'
{"terminal": false, "user": {"uid": 7, "gid": 8}, "args": ["sh", "-c", "echo $X; id -u; id -g; pwd; grep CapEff /proc/self/status"],
 "env": ["X=from-process-json", "PATH=/bin"], "cwd": "/etc",
 "capabilities": {"bounding": ["CAP_KILL"], "effective": [], "permitted": [], "inheritable": [], "ambient": []}}
JSON
    out=$(rt exec --process p.json "$id")
    assert_eq "$out" "from-process-json
7
8
/etc
CapEff:	0000000000000000"
}

test_exec_into_stopped_container_fails() {
    b=$(new_bundle exstop '.process.args=["true"]')
    id=$(rt_id exstop)
    defer rt delete --force "$id"
    rt run --detach --bundle "$b" "$id" </dev/null
    wait_for "test \"\$(rt_state $id status)\" = stopped"
    rt exec "$id" true 2>err && fail "exec into a stopped container succeeded"
    true
}

test_terminal_through_console_socket() {
    b=$(new_bundle tty '.process.terminal=true | .process.args=["sh","-c","tty; test -t 0 && echo stdin-is-tty; echo done"]')
    id=$(rt_id tty)
    defer rt delete --force "$id"
    receive tty
    rt run --detach --console-socket "$PWD/tty.sock" --bundle "$b" "$id" </dev/null
    wait $(cat tty.pid) 2>/dev/null || true
    wait_for "grep -q done tty.out"
    assert_contains "$(cat tty.out)" "/dev/pts/0"
    assert_contains "$(cat tty.out)" "stdin-is-tty"
}

test_exec_tty() {
    id=$(start_sleeper extty)
    defer rt delete --force "$id"
    receive etty
    rt exec --tty --detach --console-socket "$PWD/etty.sock" "$id" sh -c 'tty; echo exec-done' </dev/null
    wait_for "grep -q exec-done etty.out"
    assert_contains "$(cat etty.out)" "/dev/pts/"
}

test_terminal_without_socket_is_an_error() {
    b=$(new_bundle tty2 '.process.terminal=true | .process.args=["true"]')
    id=$(rt_id tty2)
    rt create --bundle "$b" "$id" </dev/null 2>err && { rt delete --force "$id"; fail "create with terminal and no console socket succeeded"; }
    assert_no_trace "$id" tty2
}

t "exec enters every namespace and the cgroups of the container" test_exec_enters_every_namespace
t "exec enters the user namespace" test_exec_in_user_namespace
t "exec: exit status, --env, --cwd, --user, stdin" test_exec_status_env_cwd_user
t "exec --process process.json" test_exec_process_json
t "exec into a stopped container fails" test_exec_into_stopped_container_fails
t "a terminal through the console socket" test_terminal_through_console_socket
t "exec --tty through the console socket" test_exec_tty
t "terminal without a console socket is refused cleanly" test_terminal_without_socket_is_an_error
done_testing
