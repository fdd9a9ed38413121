#!/bin/bash
# Failures that only show once the container's init is running (inside its
# namespaces and cgroup): the runtime reports the init's message, which
# names the step and the field, and removes everything it made (init,
# cgroup, state).  Also: interrupted creates, bad exec input.
. "$(dirname "$0")/lib_runtime.sh"

# fails_in_init NAME WORD BUNDLE [FLAGS...]: create fails naming WORD;
# nothing left, no init of the attempt alive
fails_in_init() {
    local name=$1 word=$2 b=$3 id
    shift 3
    id=$(rt_id "$name")
    create_must_fail "$id" "$b" "$@"
    grep -q -- "$word" err || fail "the message does not name '$word': $(cat err)"
    assert_no_trace "$id" "$name"
    ! pgrep -f "gantry-runtime.*create.*$id" >/dev/null || fail "an init of $id is still alive"
}

test_missing_bind_source() {
    b=$(new_bundle nobind '.mounts += [{"destination":"/data","type":"bind","source":"/nonexistent-gantry-src","options":["rbind"]}]')
    fails_in_init nobind "mounts\[7\]" "$b"
    assert_contains "$(cat err)" "/nonexistent-gantry-src"
}

test_unknown_filesystem_type() {
    b=$(new_bundle nofs '.mounts += [{"destination":"/x","type":"nosuchfs-gantry","source":"none"}]')
    fails_in_init nofs "nosuchfs-gantry" "$b"
    assert_contains "$(cat err)" "mounts[7]"
}

test_sysctl_refused_by_the_kernel() {
    b=$(new_bundle badsysctl '.linux.sysctl={"net.ipv4.ip_forward":"bogus"}')
    fails_in_init badsysctl "linux.sysctl.net.ipv4.ip_forward" "$b"
}

test_unmapped_root_in_user_namespace() {
    # container uid 0 is not mapped: the init cannot become root in it
    b=$(new_bundle unmapped '.linux.namespaces += [{"type":"user"}]
        | .linux.uidMappings=[{"containerID":1000,"hostID":100000,"size":10}]
        | .linux.gidMappings=[{"containerID":1000,"hostID":100000,"size":10}]
        | .mounts |= map(select(.type != "sysfs" and .type != "cgroup" and .type != "mqueue"))')
    fails_in_init unmapped "user namespace" "$b"
}

test_namespace_path_that_does_not_exist() {
    b=$(new_bundle nonsns '.linux.namespaces |= map(if .type == "network" then .path = "/proc/999999999/ns/net" else . end)')
    fails_in_init nonsns "/proc/999999999/ns/net" "$b"
}

test_cwd_that_is_a_file() {
    b=$(new_bundle cwdfile '.process.cwd = "/etc/passwd"')
    fails_in_init cwdfile "process.cwd" "$b"
}

test_console_socket_that_does_not_listen() {
    b=$(new_bundle nosock '.process.terminal = true')
    fails_in_init nosock "console socket" "$b" --console-socket "$PWD/none.sock"
}

test_failing_create_container_hook() {
    b=$(new_bundle cchook '.hooks.createContainer = [{"path":"/bin/sh","args":["sh","-c","echo broken >&2; exit 3"]}]')
    fails_in_init cchook "createContainer" "$b"
    assert_contains "$(cat err)" "broken"
}

test_create_killed_midway_is_cleaned_by_delete_force() {
    # a create that died before it saved its state leaves a directory that
    # `list` ignores and `delete --force` removes
    id=$(rt_id killed)
    mkdir -p "$RT_ROOT/$id"
    rt list -q | grep -qx "$id" && fail "list shows a half-made container"
    rt state "$id" 2>err && fail "state answered for a half-made container"
    assert_contains "$(cat err)" "does not exist"
    rt delete --force "$id"
    assert_not_exists "$RT_ROOT/$id"
}

test_exec_with_a_bad_process_json() {
    b=$(new_bundle exbad '.process.args=["sleep","100"]')
    id=$(rt_id exbad)
    defer rt delete --force "$id"
    rt run -d --bundle "$b" "$id" </dev/null
    echo '{"args":["true"],"cwd":"relative"}' > p.json
    rc=0
    rt exec --process p.json "$id" 2>err || rc=$?
    assert_eq "$rc" 255 "exit status of a failed exec (runc's)"
    assert_contains "$(cat err)" "process.cwd"
    echo '{"args":["/no/such/prog"],"cwd":"/"}' > p.json
    rc=0
    rt exec --process p.json "$id" 2>err || rc=$?
    assert_eq "$rc" 255 "exit status of a failed exec"
    assert_contains "$(cat err)" "/no/such/prog"
    # the container is unharmed
    assert_eq "$(rt_state "$id" status)" running
    assert_eq "$(rt exec "$id" echo still-here)" still-here
}

test_exec_into_a_paused_container() {
    b=$(new_bundle expause '.process.args=["sleep","100"]')
    id=$(rt_id expause)
    defer rt delete --force "$id"
    rt run -d --bundle "$b" "$id" </dev/null
    rt pause "$id"
    rt exec "$id" true 2>err && fail "exec into a paused container succeeded"
    assert_contains "$(cat err)" "paused"
    rt resume "$id"
}

t "a missing bind source is named and nothing is left" test_missing_bind_source
t "an unknown filesystem type is named" test_unknown_filesystem_type
t "a sysctl the kernel refuses is named" test_sysctl_refused_by_the_kernel
t "an unmapped root in a user namespace is reported" test_unmapped_root_in_user_namespace
t "a namespace path that does not exist is named" test_namespace_path_that_does_not_exist
t "a cwd that is not a directory is named" test_cwd_that_is_a_file
t "a console socket nobody listens on is named" test_console_socket_that_does_not_listen
t "a failing createContainer hook (run by the init) fails create cleanly" test_failing_create_container_hook
t "a half-made container: ignored by list, removed by delete --force" test_create_killed_midway_is_cleaned_by_delete_force
t "exec with a bad process.json, or a missing program, fails with 255" test_exec_with_a_bad_process_json
t "exec into a paused container is refused" test_exec_into_a_paused_container
done_testing
