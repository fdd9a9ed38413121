#!/bin/bash
# State that outlives the runtime process: concurrent commands on one id, a
# recycled pid, where the state lives, and the shapes of `state` and `list`
# that engines parse.
. "$(dirname "$0")/lib_runtime.sh"

test_concurrent_creates_of_one_id() {
    b=$(new_bundle race '.process.args=["sleep","100"]')
    id=$(rt_id race)
    defer rt delete --force "$id"
    pids=()
    for i in 1 2 3 4 5 6; do
        rt create --bundle "$b" "$id" </dev/null >/dev/null 2>"err$i" &
        pids+=($!)
    done
    ok=0
    for i in 1 2 3 4 5 6; do
        if wait "${pids[$((i - 1))]}"; then
            ok=$((ok + 1))
        else
            assert_contains "$(cat "err$i")" "already exists"
        fi
    done
    assert_eq "$ok" 1 "creates that succeeded"
    assert_eq "$(rt_state "$id" status)" created
}

test_concurrent_commands_on_one_container() {
    b=$(new_bundle busy '.process.args=["sleep","100"]')
    id=$(rt_id busy)
    rt run -d --bundle "$b" "$id" </dev/null
    # readers while a delete --force runs: each sees a whole state or none
    for i in $(seq 8); do
        (rt state "$id" >"st$i" 2>"se$i"; echo $? >"sr$i") &
    done
    rt delete --force "$id"
    wait
    for i in $(seq 8); do
        if [ "$(cat "sr$i")" = 0 ]; then
            jq -e '.id and .status' "st$i" >/dev/null || fail "a torn state: $(cat "st$i")"
        else
            assert_contains "$(cat "se$i")" "does not exist"
        fi
    done
    assert_no_trace "$id" busy
}

test_a_recycled_pid_is_not_the_container() {
    [ "$RT_NAME" = runc ] && skip "edits gantry-runtime's own state.json"
    b=$(new_bundle reuse '.process.args=["sleep","100"]')
    id=$(rt_id reuse)
    defer rt delete --force "$id"
    rt run -d --bundle "$b" "$id" </dev/null
    pid=$(rt_state "$id" pid)
    # pretend the init exited and its pid went to another process: the
    # recorded start time no longer matches
    jq '.startTime += 1' "$RT_ROOT/$id/state.json" > s && mv s "$RT_ROOT/$id/state.json"
    assert_eq "$(rt_state "$id" status)" stopped
    assert_eq "$(rt_state "$id" pid)" 0
    rt kill "$id" KILL 2>err && fail "kill signalled a process that is not the container's"
    assert_contains "$(cat err)" "container not running"
    kill -0 "$pid" || fail "the process behind the recycled pid was hit"
    rt delete "$id" # stopped: no --force needed
    ! kill -0 "$pid" 2>/dev/null || kill -9 "$pid"
    assert_no_trace "$id" reuse
}

test_root_from_flag_env_and_relative_path() {
    [ "$RT_NAME" = runc ] && skip "GANTRY_RUNTIME_ROOT is gantry-runtime's"
    b=$(new_bundle roots '.process.args=["sleep","100"]')
    id=$(rt_id roots)
    GANTRY_RUNTIME_ROOT=$PWD/envroot "$RUNTIME" create --bundle "$b" "$id" </dev/null
    [ -f "$PWD/envroot/$id/state.json" ] || fail "GANTRY_RUNTIME_ROOT was not used"
    # a relative --root is made absolute, so that commands from elsewhere agree
    (cd / && "$RUNTIME" --root "$PWD/envroot" state "$id" >/dev/null 2>&1) || true
    "$RUNTIME" --root envroot state "$id" >/dev/null
    (cd "$PWD/envroot" && "$RUNTIME" --root . delete --force "$id")
    assert_not_exists "$PWD/envroot/$id"
    # the default root (tests may not write there: only check the wording)
    "$RUNTIME" --help | grep -q "/run/gantry/runtime" || fail "the default root is not documented"
}

test_state_and_list_shapes() {
    b=$(new_bundle shapes '.process.args=["sleep","100"] | .annotations={"org.example/k":"v"}')
    id=$(rt_id shapes)
    defer rt delete --force "$id"
    rt create --bundle "$b" "$id" </dev/null
    keys=$(rt state "$id" | jq -c 'keys_unsorted')
    assert_eq "$keys" '["ociVersion","id","pid","status","bundle","rootfs","created","annotations","owner"]'
    assert_eq "$(rt state "$id" | jq -r .annotations.\"org.example/k\")" v
    rt state "$id" | jq -e '.created | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z$")' >/dev/null \
        || fail "created is not RFC 3339: $(rt_state "$id" created)"
    rt list --format json | jq -e --arg id "$id" '.[] | select(.id == $id) | .owner == "root" and .status == "created"' >/dev/null \
        || fail "list json: $(rt list --format json)"
    # runc's table: columns padded to max(width + 3, 12)
    rt list > table
    head -1 table | grep -q '^ID  *PID  *STATUS  *BUNDLE  *CREATED  *OWNER$' || fail "header: $(head -1 table)"
    line=$(grep "^$id " table)
    pidcol=$(head -1 table | awk '{print index($0, "PID")}')
    [ "${line:$((pidcol - 1)):1}" != " " ] || fail "the pid is not under PID: '$line'"
    assert_eq "$(rt list -q | grep -cx "$id")" 1 "list -q"
}

test_start_runs_the_program_before_returning() {
    # poststart hooks and callers may rely on it: once start returns, the
    # program runs (the init has exec'd)
    b=$(new_bundle exec1 '.process.args=["sleep","100"]')
    id=$(rt_id exec1)
    defer rt delete --force "$id"
    rt create --bundle "$b" "$id" </dev/null
    pid=$(rt_state "$id" pid)
    rt start "$id"
    assert_eq "$(cat /proc/$pid/comm)" sleep
}

test_delete_is_repeatable_and_silent_with_force() {
    b=$(new_bundle rep)
    id=$(rt_id rep)
    rt create --bundle "$b" "$id" </dev/null
    for i in 1 2 3; do rt delete --force "$id"; done
    rt delete "$id" 2>err && fail "delete without --force of an unknown id succeeded"
    assert_contains "$(cat err)" "container does not exist"
    assert_no_trace "$id" rep
}

t "concurrent creates of one id: exactly one wins" test_concurrent_creates_of_one_id
t "concurrent state during delete --force: whole or absent" test_concurrent_commands_on_one_container
t "a recycled pid is not taken for the container's init" test_a_recycled_pid_is_not_the_container
t "the state root: --root, GANTRY_RUNTIME_ROOT, a relative --root" test_root_from_flag_env_and_relative_path
t "state JSON keys and list formats as runc's" test_state_and_list_shapes
t "start returns once the program runs" test_start_runs_the_program_before_returning
t "delete --force is repeatable; delete of an unknown id is runc's error" test_delete_is_repeatable_and_silent_with_force
done_testing
