#!/bin/bash
# The runtime's lifecycle verbs, with runc's semantics: create leaves the
# init waiting, start runs it, state/list/ps report it, kill and delete.
. "$(dirname "$0")/lib_runtime.sh"

test_spec_makes_a_runnable_config() {
    mkdir s && cd s
    rt spec
    jq -e '.ociVersion and .process.args and .root.path == "rootfs"' config.json >/dev/null \
        || fail "spec wrote an unexpected config.json: $(cat config.json)"
    rt spec 2>err && fail "spec overwrote an existing config.json"
    cp -a "$(_it_rootfs_template)" rootfs
    jq --arg cg "/$CG_PARENT/spec" '.process.terminal=false | .process.args=["echo","from-spec"] | .linux.cgroupsPath=$cg' \
        config.json > c && mv c config.json
    out=$(rt_run spec "$PWD")
    assert_eq "$out" "from-spec"
}

test_run_returns_exit_status() {
    b=$(new_bundle exit7 '.process.args=["sh","-c","echo out; echo err >&2; exit 7"]')
    rc=0
    out=$(rt_run exit7 "$b" 2>err) || rc=$?
    assert_eq "$rc" 7 "exit status"
    assert_eq "$out" "out"
    assert_contains "$(cat err)" "err"
}

test_create_waits_until_start() {
    b=$(new_bundle life '.process.args=["sh","-c","echo started > /tmp/mark; sleep 100"]')
    id=$(rt_id life)
    defer rt delete --force "$id"
    rt create --bundle "$b" --pid-file "$PWD/pid" "$id" </dev/null
    assert_eq "$(rt_state "$id" status)" created
    pid=$(rt_state "$id" pid)
    assert_eq "$(cat pid)" "$pid" "pid file"
    assert_eq "$(rt_state "$id" id)" "$id"
    assert_eq "$(rt_state "$id" bundle)" "$b"
    # the init is in its cgroup before user code runs
    grep -q ":memory:/$CG_PARENT/life\$" /proc/$pid/cgroup || fail "init not in its memory cgroup: $(cat /proc/$pid/cgroup)"
    grep -q ":pids:/$CG_PARENT/life\$" /proc/$pid/cgroup || fail "init not in its pids cgroup"
    sleep 0.3
    [ ! -e "$b/rootfs/tmp/mark" ] || fail "user code ran before start"
    rt start "$id"
    wait_for test -e "$b/rootfs/tmp/mark"
    assert_eq "$(rt_state "$id" status)" running
    assert_eq "$(rt_state "$id" pid)" "$pid" "pid after start"
    rt start "$id" 2>err && fail "start of a running container succeeded"
    rt delete "$id" 2>err && fail "delete of a running container succeeded"
    assert_eq "$(rt_state "$id" status)" running
}

test_kill_by_name_and_number() {
    b=$(new_bundle kill '.process.args=["sh","-c","trap \"echo got-usr1 > /tmp/sig\" USR1; while true; do sleep 0.1; done"]')
    id=$(rt_id kill)
    defer rt delete --force "$id"
    rt run --detach --bundle "$b" "$id" </dev/null
    sleep 0.3
    rt kill "$id" USR1
    wait_for grep -q got-usr1 "$b/rootfs/tmp/sig"
    rm "$b/rootfs/tmp/sig"
    rt kill "$id" SIGUSR1
    wait_for grep -q got-usr1 "$b/rootfs/tmp/sig"
    rt kill "$id" 9
    wait_for 'test "$(rt_state "$id" status)" = stopped'
    rt kill "$id" KILL 2>err && fail "kill of a stopped container succeeded"
    rt kill --all "$id" KILL || fail "kill --all of a stopped container failed"
    rt kill "$id" NOSUCHSIG 2>err && fail "an unknown signal was accepted"
    true
}

test_kill_default_is_term() {
    b=$(new_bundle term '.process.args=["sh","-c","trap \"exit 0\" TERM; while true; do sleep 0.1; done"]')
    id=$(rt_id term)
    defer rt delete --force "$id"
    rt run --detach --bundle "$b" "$id" </dev/null
    sleep 0.3
    rt kill "$id"
    wait_for 'test "$(rt_state "$id" status)" = stopped'
}

test_kill_all_reaches_every_process() {
    # no pid namespace: the children survive the init unless --all kills them
    b=$(new_bundle killall '.process.args=["sh","-c","sleep 100 & sleep 100 & sleep 100"] | .linux.namespaces |= map(select(.type != "pid"))')
    id=$(rt_id killall)
    defer rt delete --force "$id"
    rt run --detach --bundle "$b" "$id" </dev/null
    wait_for 'test "$(wc -l < "$(cg_dir pids killall)/cgroup.procs")" -ge 3'
    rt kill --all "$id" KILL
    wait_for 'test "$(wc -l < "$(cg_dir pids killall)/cgroup.procs")" -eq 0'
}

test_delete_removes_every_trace() {
    b=$(new_bundle del '.process.args=["sleep","100"]')
    id=$(rt_id del)
    rt create --bundle "$b" "$id" </dev/null
    [ -d "$(cg_dir memory del)" ] || fail "no memory cgroup while created"
    rt delete --force "$id"
    assert_no_trace "$id" del
    rt delete "$id" 2>err && fail "delete of a deleted container succeeded"
    rt delete --force "$id" || fail "delete --force is not repeatable"
    rt state "$id" 2>err && fail "state of a deleted container succeeded"
    assert_contains "$(cat err)" "does not exist"
}

test_delete_of_stopped_container() {
    b=$(new_bundle stopped '.process.args=["true"]')
    id=$(rt_id stopped)
    rt run --detach --bundle "$b" "$id" </dev/null
    wait_for 'test "$(rt_state "$id" status)" = stopped'
    rt delete "$id"
    assert_no_trace "$id" stopped
}

test_id_in_use_is_refused() {
    b=$(new_bundle dup '.process.args=["sleep","100"]')
    id=$(rt_id dup)
    defer rt delete --force "$id"
    rt create --bundle "$b" "$id" </dev/null
    pid=$(rt_state "$id" pid)
    rt create --bundle "$b" "$id" </dev/null 2>err && fail "a second create with the same id succeeded"
    assert_eq "$(rt_state "$id" pid)" "$pid" "the first container was disturbed"
    assert_eq "$(rt_state "$id" status)" created
}

test_list_and_ps() {
    b=$(new_bundle ls1 '.process.args=["sh","-c","sleep 100 & sleep 100"]')
    id=$(rt_id ls1)
    defer rt delete --force "$id"
    rt run --detach --bundle "$b" "$id" </dev/null
    rt list | grep -q "^$id  *[0-9][0-9]*  *running" || fail "list table: $(rt list)"
    [ "$(rt list --format json | jq -r --arg id "$id" '.[] | select(.id==$id) | .status')" = running ] \
        || fail "list json: $(rt list --format json)"
    rt list -q | grep -qx "$id" || fail "list -q"
    wait_for 'test "$(rt ps --format json "$id" | jq length)" -ge 2'
    pids=$(rt ps --format json "$id" | jq -r '.[]' | sort -n | tr '\n' ' ')
    cg=$(sort -n "$(cg_dir pids ls1)/cgroup.procs" | tr '\n' ' ')
    assert_eq "$pids" "$cg" "ps pids"
    rt ps "$id" | head -1 | grep -q PID || fail "ps table has no header: $(rt ps "$id")"
}

test_pause_and_resume() {
    b=$(new_bundle pause '.process.args=["sh","-c","while true; do date +%s%N > /tmp/tick; sleep 0.05; done"]')
    id=$(rt_id pause)
    defer rt delete --force "$id"
    rt run --detach --bundle "$b" "$id" </dev/null
    wait_for test -s "$b/rootfs/tmp/tick"
    rt pause "$id"
    assert_eq "$(rt_state "$id" status)" paused
    assert_eq "$(cat "$(cg_dir freezer pause)/freezer.state")" FROZEN
    t1=$(cat "$b/rootfs/tmp/tick"); sleep 0.4; t2=$(cat "$b/rootfs/tmp/tick")
    assert_eq "$t2" "$t1" "a paused container kept running"
    rt delete "$id" 2>/dev/null && fail "delete of a paused container succeeded"
    rt resume "$id"
    assert_eq "$(rt_state "$id" status)" running
    wait_for 'test "$(cat "$b/rootfs/tmp/tick")" != "$t1"'
}

test_sigkill_reaches_a_paused_container() {
    b=$(new_bundle pkill '.process.args=["sleep","100"]')
    id=$(rt_id pkill)
    defer rt delete --force "$id"
    rt run --detach --bundle "$b" "$id" </dev/null
    rt pause "$id"
    # another signal waits for resume
    rt kill "$id" TERM
    sleep 0.3
    assert_eq "$(rt_state "$id" status)" paused "after SIGTERM"
    rt kill "$id" KILL
    wait_for '[ "$(rt_state "$id" status)" = stopped ]'
    assert_eq "$(cat "$(cg_dir freezer pkill)/freezer.state")" THAWED
    rt delete "$id"
    assert_no_trace "$id" pkill
}

test_run_detach_and_stdio() {
    b=$(new_bundle det '.process.args=["sh","-c","read line; echo got:$line"]')
    id=$(rt_id det)
    defer rt delete --force "$id"
    out=$(echo hello | rt run --bundle "$b" "$id")
    assert_eq "$out" "got:hello" "stdin reached the container"
}

test_run_forwards_signals() {
    b=$(new_bundle fwd '.process.args=["sh","-c","trap \"echo trapped; exit 3\" TERM; sleep 100 & wait"]')
    id=$(rt_id fwd)
    defer rt delete --force "$id"
    "$RUNTIME" --root "$RT_ROOT" run --bundle "$b" "$id" > out </dev/null &
    runpid=$!
    wait_for 'test "$(rt_state "$id" status)" = running'
    sleep 0.3
    kill -TERM $runpid
    rc=0; wait $runpid || rc=$?
    assert_eq "$rc" 3 "exit status after SIGTERM"
    assert_contains "$(cat out)" trapped
}

test_log_json_names_the_error() {
    b=$(new_bundle logj '.process.args=["/no/such/binary"]')
    id=$(rt_id logj)
    rc=0
    "$RUNTIME" --root "$RT_ROOT" --log "$PWD/log.json" --log-format json run --bundle "$b" "$id" </dev/null 2>/dev/null || rc=$?
    rt delete --force "$id" 2>/dev/null || true
    [ $rc != 0 ] || fail "running a missing binary succeeded"
    tail -1 log.json | jq -e '.level == "error" and (.msg | test("no/such/binary"))' >/dev/null \
        || fail "log: $(cat log.json)"
}

test_systemd_cgroup_is_refused_clearly() {
    [ "$RT_NAME" = runc ] && skip "runc supports --systemd-cgroup"
    b=$(new_bundle sysd '.process.args=["true"]')
    id=$(rt_id sysd)
    "$RUNTIME" --root "$RT_ROOT" --systemd-cgroup run --bundle "$b" "$id" </dev/null 2>err && fail "accepted --systemd-cgroup"
    assert_contains "$(cat err)" systemd
    assert_no_trace "$id" sysd
}

test_features() {
    rt features > f.json
    jq -e '.ociVersionMin and .ociVersionMax and (.hooks | index("prestart")) and (.linux.namespaces | index("user")) and .linux.seccomp.enabled' f.json >/dev/null \
        || fail "features: $(cat f.json)"
}

t "spec writes a config that runs" test_spec_makes_a_runnable_config
t "run returns the container's exit status and stdio" test_run_returns_exit_status
t "create leaves the init waiting in its cgroup until start" test_create_waits_until_start
t "kill takes signal names and numbers; runc's errors" test_kill_by_name_and_number
t "kill defaults to SIGTERM" test_kill_default_is_term
t "kill --all reaches every process of the cgroup" test_kill_all_reaches_every_process
t "delete removes every trace and can be repeated" test_delete_removes_every_trace
t "delete of a stopped container" test_delete_of_stopped_container
t "an id in use is refused" test_id_in_use_is_refused
t "list and ps" test_list_and_ps
t "pause freezes, resume thaws" test_pause_and_resume
t "SIGKILL reaches a paused container (thawed), other signals wait" test_sigkill_reaches_a_paused_container
t "run passes stdin" test_run_detach_and_stdio
t "run forwards signals and returns the status" test_run_forwards_signals
t "--log-format json records the error" test_log_json_names_the_error
t "--systemd-cgroup is refused clearly" test_systemd_cgroup_is_refused_clearly
t "features describes the runtime" test_features
done_testing
