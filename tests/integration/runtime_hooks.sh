#!/bin/bash
# Lifecycle hooks: order, the state on stdin, env, timeouts.
. "$(dirname "$0")/lib_runtime.sh"

# hook KIND LOGPATH: a hook that appends "KIND status pid" and the stdin
# state's id to LOGPATH
hook() {
    jq -n --arg k "$1" --arg log "$2" \
        '{path:"/bin/sh", args:["sh","-c",("read -r s; echo \"" + $k + " $s\" >> " + $log)], env:["HOOKENV=x"]}'
}

test_hooks_run_in_order_with_state() {
    mkdir -p shared
    local log=$PWD/shared/log
    hooks=$(jq -n \
        --argjson pre "$(hook prestart "$log")" \
        --argjson cr "$(hook createRuntime "$log")" \
        --argjson cc "$(hook createContainer "$log")" \
        --argjson sc "$(hook startContainer /shared/log)" \
        --argjson ps "$(hook poststart "$log")" \
        --argjson pst "$(hook poststop "$log")" \
        '{prestart:[$pre], createRuntime:[$cr], createContainer:[$cc], startContainer:[$sc], poststart:[$ps], poststop:[$pst]}')
    b=$(new_bundle hooks ".hooks = $hooks | .mounts += [{\"destination\":\"/shared\",\"type\":\"bind\",\"source\":\"$PWD/shared\",\"options\":[\"rbind\"]}] | .process.args=[\"sh\",\"-c\",\"echo user-code >> /shared/log\"]")
    id=$(rt_id hooks)
    rt create --bundle "$b" "$id" </dev/null
    pid=$(rt_state "$id" pid)
    rt start "$id"
    wait_for "grep -q user-code $log"
    wait_for "test \"\$(rt_state $id status)\" = stopped"
    rt delete "$id"
    # user code runs after startContainer, concurrently with poststart
    kinds=$(awk '$1 != "user-code" {print $1}' "$log" | tr '\n' ' ')
    if [ "$RT_NAME" = runc ]; then
        # runc 1.1 runs poststart without waiting for startContainer
        kinds=${kinds/poststart startContainer/startContainer poststart}
    fi
    assert_eq "$kinds" "prestart createRuntime createContainer startContainer poststart poststop " "hook order"
    awk '{print $1}' "$log" | tr '\n' ' ' | grep -q "startContainer.*user-code" \
        || fail "user code ran before startContainer: $(cat "$log")"
    # each hook got the state: id, pid, bundle, status
    while read -r kind state; do
        [ "$kind" = user-code ] && continue
        assert_eq "$(echo "$state" | jq -r .id)" "$id" "$kind: state id"
        assert_eq "$(echo "$state" | jq -r .bundle)" "$b" "$kind: state bundle"
        case $kind in
        prestart|createRuntime|createContainer) assert_eq "$(echo "$state" | jq -r .status)" creating "$kind: status" ;;
        startContainer) assert_eq "$(echo "$state" | jq -r .status)" created "$kind: status" ;;
        poststart) [ "$RT_NAME" = runc ] || assert_eq "$(echo "$state" | jq -r .status)" running "$kind: status" ;;
        poststop) assert_eq "$(echo "$state" | jq -r .status)" stopped "$kind: status" ;;
        esac
        # (runc 1.1 reports pid 1 to the hooks that run in the container)
        case $kind in
        prestart|createRuntime|poststart) assert_eq "$(echo "$state" | jq -r .pid)" "$pid" "$kind: state pid" ;;
        esac
    done < "$log"
}

test_hook_env_is_exact() {
    b=$(new_bundle henv ".hooks.prestart = [{\"path\":\"/bin/sh\",\"args\":[\"sh\",\"-c\",\"env > $PWD/env\"],\"env\":[\"ONLY=this\"]}] | .process.args=[\"true\"]")
    rt_run henv "$b"
    grep -qx "ONLY=this" env || fail "env: $(cat env)"
    grep -q "^HOME=" env && fail "the runtime's environment leaked into the hook: $(cat env)"
    true
}

test_failing_hook_fails_create_cleanly() {
    b=$(new_bundle hfail '.hooks.createRuntime = [{"path":"/bin/sh","args":["sh","-c","echo hook-broke >&2; exit 3"]}] | .process.args=["sleep","100"]')
    id=$(rt_id hfail)
    rt create --bundle "$b" "$id" </dev/null 2>err && fail "create succeeded with a failing hook"
    rt delete --force "$id" 2>/dev/null || true
    [ "$RT_NAME" = runc ] || assert_contains "$(cat err)" "createRuntime"
    assert_no_trace "$id" hfail
}

test_hook_timeout_is_honoured() {
    b=$(new_bundle htime '.hooks.prestart = [{"path":"/bin/sleep","args":["sleep","30"],"timeout":1}] | .process.args=["sleep","100"]')
    id=$(rt_id htime)
    start=$SECONDS
    rt create --bundle "$b" "$id" </dev/null 2>err && fail "create succeeded with a hook past its timeout"
    rt delete --force "$id" 2>/dev/null || true
    [ $((SECONDS - start)) -lt 15 ] || fail "the timeout was not honoured ($((SECONDS - start)) s)"
    assert_contains "$(cat err)" "timeout" "error message"
    assert_no_trace "$id" htime
}

t "hooks run in order with the state on stdin" test_hooks_run_in_order_with_state
t "a hook's env is exactly its env" test_hook_env_is_exact
t "a failing hook fails create and leaves nothing" test_failing_hook_fails_create_cleanly
t "a hook's timeout is honoured" test_hook_timeout_is_honoured
done_testing
