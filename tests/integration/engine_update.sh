#!/bin/bash
# docker update against the engine: the limits of a running container
# change in its cgroups at once and in its record (inspect, a restart), a
# stopped one gets them at its start, bad values are refused with nothing
# changed, and a new restart policy is the one that restarts.
. "$(dirname "$0")/lib_engine.sh"

setup_images
start_engine || { echo "not ok - engine starts"; done_testing; exit 1; }

# cg CONTAINER CONTROLLER FILE: a value of the container's cgroup
cg() {
    cat "$(cgroup_of "$1" "$2")/$3"
}

test_update_running() {
    docker run -d --name u1 "$BUSYBOX" sleep 1000 >/dev/null
    defer docker rm -f u1
    assert_eq "$(cg u1 pids pids.max)" max "pids before"
    assert_eq "$(docker update --memory 64m --memory-swap 128m --cpus 0.5 --pids-limit 50 \
        --cpu-shares 512 u1)" u1 "update prints the name"
    assert_eq "$(cg u1 memory memory.limit_in_bytes)" 67108864 memory
    assert_eq "$(cg u1 memory memory.memsw.limit_in_bytes)" 134217728 memsw
    assert_eq "$(cg u1 cpu cpu.cfs_quota_us)" 50000 "cpu quota"
    assert_eq "$(cg u1 cpu cpu.cfs_period_us)" 100000 "cpu period"
    assert_eq "$(cg u1 cpu cpu.shares)" 512 "cpu shares"
    assert_eq "$(cg u1 pids pids.max)" 50 pids
    local f='{{.HostConfig.Memory}} {{.HostConfig.MemorySwap}} {{.HostConfig.NanoCpus}}'
    f="$f {{.HostConfig.PidsLimit}} {{.HostConfig.CpuShares}}"
    assert_eq "$(docker inspect -f "$f" u1)" "67108864 134217728 500000000 50 512" inspect
    # a second update changes only what it names
    docker update --pids-limit 70 u1 >/dev/null
    assert_eq "$(cg u1 pids pids.max)" 70 "pids, second update"
    assert_eq "$(cg u1 memory memory.limit_in_bytes)" 67108864 "memory kept"
    # the limits hold inside: more processes than the limit cannot start
    docker exec u1 sh -c 'for i in $(seq 100); do sleep 30 & done; wait' >/dev/null 2>&1 || true
    [ "$(cg u1 pids pids.current)" -le 70 ] || fail "pids.current over the limit"
    # a restart builds a new cgroup from the record
    pid1=$(docker inspect -f '{{.State.Pid}}' u1)
    docker restart -t 0 u1 >/dev/null
    [ "$(docker inspect -f '{{.State.Pid}}' u1)" != "$pid1" ] || fail "restart kept the process"
    assert_eq "$(cg u1 memory memory.limit_in_bytes)" 67108864 "memory after restart"
    assert_eq "$(cg u1 cpu cpu.cfs_quota_us)" 50000 "cpu after restart"
    assert_eq "$(cg u1 pids pids.max)" 70 "pids after restart"
    # pids-limit -1: unlimited again
    docker update --pids-limit -1 u1 >/dev/null
    assert_eq "$(cg u1 pids pids.max)" max "pids unlimited"
    assert_eq "$(docker inspect -f '{{.HostConfig.PidsLimit}}' u1)" 0 "pids unlimited in the record"
}

test_update_cpuset_and_paused() {
    docker run -d --name u2 "$BUSYBOX" sleep 1000 >/dev/null
    defer docker rm -f u2
    docker pause u2 >/dev/null
    docker update --cpuset-cpus 0 --memory 32m --memory-swap 64m u2 >/dev/null
    assert_eq "$(cg u2 cpuset cpuset.cpus)" 0 cpuset
    assert_eq "$(cg u2 memory memory.limit_in_bytes)" 33554432 "memory of a paused container"
    docker unpause u2 >/dev/null
    assert_eq "$(docker inspect -f '{{.HostConfig.CpusetCpus}} {{.State.Status}}' u2)" "0 running"
}

test_update_stopped_applies_at_start() {
    docker create --name u3 "$BUSYBOX" sleep 1000 >/dev/null
    defer docker rm -f u3
    docker update --memory 48m --memory-swap 96m --cpus 0.25 --pids-limit 30 u3 >/dev/null
    assert_eq "$(docker inspect -f '{{.HostConfig.Memory}} {{.HostConfig.NanoCpus}} {{.HostConfig.PidsLimit}}' u3)" \
        "50331648 250000000 30" "recorded"
    docker start u3 >/dev/null
    assert_eq "$(cg u3 memory memory.limit_in_bytes)" 50331648 "memory at start"
    assert_eq "$(cg u3 cpu cpu.cfs_quota_us)" 25000 "cpu at start"
    assert_eq "$(cg u3 pids pids.max)" 30 "pids at start"
    # and after the daemon restarts: the record is durable
    docker stop -t 0 u3 >/dev/null
    docker update --memory 40m --memory-swap 80m u3 >/dev/null
    stop_engine
    start_engine
    assert_eq "$(docker inspect -f '{{.HostConfig.Memory}}' u3)" 41943040 "after a daemon restart"
    docker start u3 >/dev/null
    assert_eq "$(cg u3 memory memory.limit_in_bytes)" 41943040 "memory after a daemon restart"
}

# the limits of a container's cgroups, on one line
cg_limits() {
    echo "$(cg "$1" memory memory.limit_in_bytes) $(cg "$1" memory memory.memsw.limit_in_bytes)" \
        "$(cg "$1" cpu cpu.cfs_quota_us) $(cg "$1" cpu cpu.shares) $(cg "$1" pids pids.max)" \
        "$(cg "$1" cpuset cpuset.cpus)"
}

# check_refused CONTAINER WHAT... -- MESSAGE: docker update WHAT fails
# saying MESSAGE, and the record and the cgroup are as they were
check_refused() {
    local c=$1; shift
    local args=()
    while [ "$1" != -- ]; do args+=("$1"); shift; done
    local msg=$2 before after cgbefore cgafter
    before=$(docker inspect -f '{{json .HostConfig}}' "$c")
    cgbefore=$(cg_limits "$c")
    docker update "${args[@]}" "$c" > out 2>&1 && fail "docker update ${args[*]} was accepted"
    assert_contains "$(cat out)" "$msg" "docker update ${args[*]}"
    after=$(docker inspect -f '{{json .HostConfig}}' "$c")
    cgafter=$(cg_limits "$c")
    assert_eq "$after" "$before" "record after docker update ${args[*]}"
    assert_eq "$cgafter" "$cgbefore" "cgroup after docker update ${args[*]}"
}

test_bad_values_refused() {
    docker run -d --name u4 -m 64m --cpus 0.5 "$BUSYBOX" sh -c \
        'dd if=/dev/zero of=/dev/shm/fill bs=1M count=24 2>/dev/null; sleep 1000' >/dev/null
    defer docker rm -f u4
    wait_until '[ "$(cg u4 memory memory.usage_in_bytes)" -gt 20000000 ]'
    check_refused u4 --memory 1m -- "Minimum memory limit allowed is 6MB"
    check_refused u4 --memory 8m --memory-swap 8m -- "unable to set memory limit to 8388608"
    check_refused u4 --cpu-shares 2000 --memory 8m --memory-swap 8m -- "unable to set memory limit"
    check_refused u4 --cpuset-cpus 0-64 -- "Requested CPUs are not available - requested 0-64"
    check_refused u4 --cpuset-cpus 1-x -- "Invalid value 1-x for cpuset cpus"
    check_refused u4 --cpus 64 -- "Range of CPUs is from 0.01 to"
    check_refused u4 --cpu-quota 50000 -- "CPU Quota cannot be updated as NanoCPUs has already been set"
    check_refused u4 --memory 200m -- "Memory limit should be smaller than already set memoryswap limit"
    check_refused u4 --memory 64m --memory-swap 32m -- "Minimum memoryswap limit should be larger than memory limit"
    check_refused u4 --blkio-weight 5 -- "Range of blkio weight is from 10 to 1000"
    check_refused u4 --memory-reservation 1m -- "Minimum memory reservation allowed is 6MB"
    docker update --memory 100m --memory-swap 200m nosuch > out 2>&1 && fail "updated a missing container"
    assert_contains "$(cat out)" "No such container: nosuch"
    # the memory that is there still counts: a limit above it is fine
    docker update --memory 48m --memory-swap 96m u4 >/dev/null
    assert_eq "$(cg u4 memory memory.limit_in_bytes)" 50331648 "memory above the usage"
}

test_restart_policy() {
    docker run -d --name u5 "$BUSYBOX" sh -c 'while [ ! -e /tmp/stop ]; do sleep 0.1; done; exit 3' >/dev/null
    defer docker rm -f u5
    docker update --restart on-failure:3 u5 >/dev/null
    assert_eq "$(docker inspect -f '{{.HostConfig.RestartPolicy.Name}}:{{.HostConfig.RestartPolicy.MaximumRetryCount}}' u5)" \
        on-failure:3 inspect
    docker exec u5 touch /tmp/stop
    # /tmp/stop stays in the writable layer: each restart exits at once,
    # until the three retries are spent
    wait_until '[ "$(docker inspect -f "{{.RestartCount}} {{.State.Status}} {{.State.ExitCode}}" u5)" = "3 exited 3" ]' 20
    # back to no: an exit stays an exit
    docker run -d --name u6 --restart always "$BUSYBOX" sh -c 'while [ ! -e /tmp/stop ]; do sleep 0.1; done; exit 0' >/dev/null
    defer docker rm -f u6
    docker update --restart no u6 >/dev/null
    docker exec u6 touch /tmp/stop
    wait_until '[ "$(docker inspect -f "{{.State.Status}}" u6)" = exited ]'
    sleep 1
    assert_eq "$(docker inspect -f '{{.RestartCount}} {{.State.Status}}' u6)" "0 exited" "no restart after --restart no"
    # an --rm container keeps its policy
    docker run -d --rm --name u7 "$BUSYBOX" sleep 1000 >/dev/null
    defer docker rm -f u7
    docker update --restart always u7 > out 2>&1 && fail "restart policy on an --rm container"
    assert_contains "$(cat out)" "Restart policy cannot be updated because AutoRemove is enabled"
}

t "update of a running container: cgroups, inspect, restart" test_update_running
t "update of cpuset, and of a paused container" test_update_cpuset_and_paused
t "update of a stopped container applies at its start" test_update_stopped_applies_at_start
t "bad values are refused and change nothing" test_bad_values_refused
t "a restart policy update takes effect" test_restart_policy
done_testing
