#!/bin/bash
# linux.resources enforced through the cgroups, update, and seccomp.
. "$(dirname "$0")/lib_runtime.sh"

test_memory_limit_and_oom_kill() {
    b=$(new_bundle mem '.linux.resources.memory={"limit":33554432,"swap":33554432} | .process.args=["sh","-c","echo before; dd if=/dev/zero of=/dev/null bs=64M count=1 && echo survived"]')
    id=$(rt_id mem)
    defer rt delete --force "$id"
    rt run --detach --bundle "$b" "$id" > out 2>&1 </dev/null
    wait_for 'test "$(rt_state "$id" status)" = stopped'
    assert_eq "$(cat "$(cg_dir memory mem)/memory.limit_in_bytes")" 33554432 "memory.limit_in_bytes"
    assert_contains "$(cat out)" before
    grep -q survived out && fail "the allocation past the limit survived: $(cat out)"
    grep -q '^oom_kill [1-9]' "$(cg_dir memory mem)/memory.oom_control" \
        || fail "no OOM kill counted: $(cat "$(cg_dir memory mem)/memory.oom_control")"
}

test_memory_reservation_and_swap() {
    b=$(new_bundle memr '.linux.resources.memory={"limit":67108864,"reservation":33554432} | .process.args=["sleep","100"]')
    id=$(rt_id memr)
    defer rt delete --force "$id"
    rt create --bundle "$b" "$id" </dev/null
    assert_eq "$(cat "$(cg_dir memory memr)/memory.soft_limit_in_bytes")" 33554432
    assert_eq "$(cat "$(cg_dir memory memr)/memory.limit_in_bytes")" 67108864
}

test_pids_limit_stops_fork_bomb() {
    b=$(new_bundle pids '.linux.resources.pids={"limit":10} | .process.args=["sh","-c","for i in $(seq 30); do sleep 2 & done 2>/tmp/errs; cat /proc/self/cgroup >/dev/null; wc -l < /tmp/errs; wait"]')
    id=$(rt_id pids)
    defer rt delete --force "$id"
    rt run --detach --bundle "$b" "$id" </dev/null
    assert_eq "$(cat "$(cg_dir pids pids)/pids.max")" 10 pids.max
    sleep 0.5
    cur=$(cat "$(cg_dir pids pids)/pids.current")
    [ "$cur" -le 10 ] || fail "pids.current $cur exceeds the limit"
    wait_for "grep -q . $b/rootfs/tmp/errs"
    grep -qi "fork" "$b/rootfs/tmp/errs" || fail "no fork failure seen: $(cat "$b/rootfs/tmp/errs")"
}

test_cpu_settings() {
    b=$(new_bundle cpu '.linux.resources.cpu={"shares":512,"quota":50000,"period":100000,"cpus":"0","mems":"0"} | .process.args=["sleep","100"]')
    id=$(rt_id cpu)
    defer rt delete --force "$id"
    rt create --bundle "$b" "$id" </dev/null
    assert_eq "$(cat "$(cg_dir cpu cpu)/cpu.shares")" 512
    assert_eq "$(cat "$(cg_dir cpu cpu)/cpu.cfs_quota_us")" 50000
    assert_eq "$(cat "$(cg_dir cpu cpu)/cpu.cfs_period_us")" 100000
    assert_eq "$(cat "$(cg_dir cpuset cpu)/cpuset.cpus")" 0
}

test_update_changes_limits() {
    b=$(new_bundle upd '.linux.resources.memory={"limit":67108864} | .linux.resources.pids={"limit":50} | .process.args=["sleep","100"]')
    id=$(rt_id upd)
    defer rt delete --force "$id"
    rt run --detach --bundle "$b" "$id" </dev/null
    rt update --memory 134217728 --pids-limit 70 "$id"
    assert_eq "$(cat "$(cg_dir memory upd)/memory.limit_in_bytes")" 134217728
    assert_eq "$(cat "$(cg_dir pids upd)/pids.max")" 70
    echo '{"cpu":{"shares":256},"pids":{"limit":80}}' > r.json
    rt update --resources r.json "$id"
    assert_eq "$(cat "$(cg_dir cpu upd)/cpu.shares")" 256
    assert_eq "$(cat "$(cg_dir pids upd)/pids.max")" 80
    assert_eq "$(cat "$(cg_dir memory upd)/memory.limit_in_bytes")" 134217728 "an absent field changed"
}

test_seccomp_errno() {
    b=$(new_bundle sec '.linux.seccomp={"defaultAction":"SCMP_ACT_ALLOW","architectures":["SCMP_ARCH_X86_64","SCMP_ARCH_X86"],"syscalls":[{"names":["mkdir","mkdirat"],"action":"SCMP_ACT_ERRNO","errnoRet":13}]} | .process.args=["sh","-c","mkdir /tmp/d 2>&1; touch /tmp/f && echo touch-ok"]')
    out=$(rt_run sec "$b")
    assert_contains "$out" "Permission denied" "mkdir answered with errno 13"
    assert_contains "$out" "touch-ok"
}

test_seccomp_default_errno_and_args() {
    # everything allowed but personality(2) with an argument other than 0
    b=$(new_bundle sec2 '.linux.seccomp={"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["setpriority"],"action":"SCMP_ACT_ERRNO","errnoRet":1,"args":[{"index":2,"value":5,"op":"SCMP_CMP_EQ"}]}]} | .process.args=["sh","-c","renice -n 5 -p $$ >/dev/null 2>&1 && echo nice5-ok || echo nice5-denied; renice -n 3 -p $$ >/dev/null 2>&1 && echo nice3-ok || echo nice3-denied"]')
    out=$(rt_run sec2 "$b")
    assert_contains "$out" "nice5-denied"
    assert_contains "$out" "nice3-ok"
    # SCMP_ACT_ERRNO without errnoRet answers EPERM
    b=$(new_bundle sec3 '.linux.seccomp={"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["mkdir","mkdirat"],"action":"SCMP_ACT_ERRNO"}]} | .process.args=["sh","-c","mkdir /x 2>&1"]')
    out=$(rt_run sec3 "$b" 2>&1) || true
    assert_contains "$out" "Operation not permitted"
}

test_seccomp_cache() {
    [ "$RT_NAME" = gantry-runtime ] || skip "gantry-runtime's own cache"
    RT_ROOT=$PWD/sroot
    filter='.linux.seccomp={"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["mkdir","mkdirat"],"action":"SCMP_ACT_ERRNO","errnoRet":13}]} | .process.args=["sh","-c","mkdir /tmp/d 2>&1; echo done"]'
    out=$(rt_run sc1 "$(new_bundle sc1 "$filter")")
    assert_contains "$out" "Permission denied"
    entries=("$RT_ROOT"/.@seccomp/*.bpf)
    assert_eq "${#entries[@]}" 1 "cache entries"
    ino=$(stat -c %i "${entries[0]}")
    # the same profile again: answered from the cache (the entry is not rewritten)
    out=$(rt_run sc2 "$(new_bundle sc2 "$filter")")
    assert_contains "$out" "Permission denied"
    assert_eq "$(stat -c %i "${entries[0]}")" "$ino" "the entry was rewritten on a hit"
    # a damaged entry is compiled again, with the same effect
    /usr/bin/python3 -c 'import sys; f = open(sys.argv[1], "r+b"); f.seek(-20, 2); b = f.read(1); f.seek(-20, 2); f.write(bytes([b[0] ^ 0xff]))' "${entries[0]}"
    out=$(rt_run sc3 "$(new_bundle sc3 "$filter")")
    assert_contains "$out" "Permission denied"
    [ "$(stat -c %i "${entries[0]}")" != "$ino" ] || fail "the damaged entry was used"
    # not a container
    assert_eq "$(rt list -q)" ""
}

t "the memory limit holds and the OOM kill shows" test_memory_limit_and_oom_kill
t "memory reservation" test_memory_reservation_and_swap
t "pids.max stops a fork bomb" test_pids_limit_stops_fork_bomb
t "cpu shares, quota, period and cpuset" test_cpu_settings
t "update changes the limits of a running container" test_update_changes_limits
t "seccomp answers a blocked syscall with the configured errno" test_seccomp_errno
t "seccomp argument conditions and the default errno" test_seccomp_default_errno_and_args
t "seccomp: compiled filters are cached under the root; a damaged entry is a miss" test_seccomp_cache
done_testing
