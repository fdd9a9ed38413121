#!/bin/bash
# The engine driven by the real docker CLI: the everyday commands.
. "$(dirname "$0")/lib_engine.sh"

setup_images
start_engine || { echo "not ok - engine starts"; done_testing; exit 1; }

test_version_and_info() {
    out=$(docker version --format '{{.Server.APIVersion}} {{.Server.Os}}')
    assert_eq "$out" "1.50 linux"
    docker info --format '{{.Name}} {{.DockerRootDir}} {{.CgroupVersion}}' | grep -q "$T/data" \
        || fail "info: $(docker info 2>&1 | head -20)"
    # API version negotiation downwards
    assert_eq "$(DOCKER_API_VERSION=1.41 docker version --format '{{.Client.APIVersion}}')" 1.41
}

test_pull_and_images() {
    docker pull "$BUSYBOX" > out
    assert_contains "$(cat out)" "Digest: sha256:"
    assert_contains "$(cat out)" "$BUSYBOX"
    docker images --format '{{.Repository}}:{{.Tag}}' | grep -qx "$BUSYBOX" || fail "images: $(docker images)"
    docker pull "$REGISTRY/layered:latest" >/dev/null
    assert_eq "$(docker image inspect -f '{{len .RootFS.Layers}}' "$REGISTRY/layered:latest")" 2 "layers"
    docker pull "$REGISTRY/nosuch:latest" 2>err && fail "pull of a missing image succeeded"
    true
}

test_run_attached() {
    out=$(docker run --rm "$BUSYBOX" sh -c 'echo hello; echo err >&2' 2>err)
    assert_eq "$out" hello
    assert_contains "$(cat err)" err
    rc=0; docker run --rm "$BUSYBOX" sh -c 'exit 3' || rc=$?
    assert_eq "$rc" 3 "exit status"
    out=$(echo piped | docker run --rm -i "$BUSYBOX" cat)
    assert_eq "$out" piped "stdin"
    assert_eq "$(docker ps -aq | wc -l)" 0 "--rm left a container"
}

test_run_pulls_missing_image() {
    docker rmi "$REGISTRY/busybox:1.0" >/dev/null 2>&1 || true
    out=$(docker run --rm "$REGISTRY/busybox:1.0" echo pulled 2>err)
    assert_eq "$out" pulled
    assert_contains "$(cat err)" "Unable to find image"
}

test_run_detached_logs_and_exec() {
    id=$(docker run -d --name web1 "$BUSYBOX" sh -c 'i=0; while true; do echo line$i; i=$((i+1)); sleep 0.2; done')
    defer docker rm -f web1
    [ ${#id} = 64 ] || fail "run -d printed '$id'"
    wait_until "docker logs web1 | grep -q line3"
    docker logs --tail 2 web1 | wc -l | grep -qx 2 || fail "logs --tail"
    docker logs -t web1 | head -1 | grep -Eq '^[0-9]{4}-[0-9]{2}-[0-9]{2}T' || fail "logs -t"
    timeout 2 docker logs -f web1 > follow || true
    [ "$(wc -l < follow)" -gt 4 ] || fail "logs -f did not follow: $(wc -l < follow) lines"
    assert_eq "$(docker exec web1 sh -c 'echo $((6*7))')" 42 "exec"
    rc=0; docker exec web1 sh -c 'exit 5' || rc=$?
    assert_eq "$rc" 5 "exec exit status"
    assert_eq "$(docker exec -e A=b -w /tmp -u 1000 web1 sh -c 'echo $A $(pwd) $(id -u)')" "b /tmp 1000"
    docker exec web1 ps | grep -q "while true" || fail "exec is not in the container's pid namespace"
}

test_ps_filters_and_inspect() {
    docker run -d --name fg1 --label tier=front "$BUSYBOX" sleep 100 >/dev/null
    docker run --name done1 "$BUSYBOX" true
    defer docker rm -f fg1 done1
    docker ps --format '{{.Names}}' | grep -qx fg1 || fail "ps: $(docker ps)"
    docker ps --format '{{.Names}}' | grep -qx done1 && fail "ps shows an exited container"
    docker ps -a --format '{{.Names}}' | grep -qx done1 || fail "ps -a: $(docker ps -a)"
    assert_eq "$(docker ps -aq --filter status=exited --filter name=done1 | wc -l)" 1 "status+name filter"
    assert_eq "$(docker ps -q --filter label=tier=front | wc -l)" 1 "label filter"
    docker ps -a --filter name=done1 --format '{{.Status}}' | grep -q '^Exited (0) ' \
        || fail "status text: $(docker ps -a --filter name=done1 --format '{{.Status}}')"
    assert_eq "$(docker inspect -f '{{.State.Status}} {{.State.Running}} {{.Config.Labels.tier}}' fg1)" "running true front"
    assert_eq "$(docker inspect -f '{{.State.ExitCode}} {{.State.Status}}' done1)" "0 exited"
    assert_eq "$(docker inspect -f '{{.Name}}' fg1)" /fg1
    docker inspect nosuch 2>err && fail "inspect of a missing object succeeded"
    assert_contains "$(cat err)" "No such object"
}

test_stop_kill_wait_rm() {
    docker run -d --name st1 "$BUSYBOX" sh -c 'trap "exit 0" TERM; while true; do sleep 0.1; done' >/dev/null
    docker run -d --name st2 "$BUSYBOX" sleep 100 >/dev/null
    defer docker rm -f st1 st2
    start=$SECONDS
    docker stop st1 >/dev/null
    [ $((SECONDS - start)) -lt 5 ] || fail "stop did not use SIGTERM first"
    assert_eq "$(docker inspect -f '{{.State.ExitCode}}' st1)" 0
    docker stop -t 1 st2 >/dev/null   # sleep ignores TERM as pid 1: killed after 1 s
    assert_eq "$(docker inspect -f '{{.State.ExitCode}}' st2)" 137
    docker start st2 >/dev/null
    docker kill st2 >/dev/null
    assert_eq "$(docker wait st2)" 137 "wait after kill"
    docker rm st2 >/dev/null
    # a signal by name reaches a handler of the container's init
    docker run -d --name st4 "$BUSYBOX" sh -c 'trap "exit 9" USR1; while true; do sleep 0.1; done' >/dev/null
    defer docker rm -f st4
    sleep 0.3
    docker kill -s USR1 st4 >/dev/null
    assert_eq "$(docker wait st4)" 9 "wait after kill -s USR1"
    docker inspect st2 >/dev/null 2>&1 && fail "rm did not remove"
    docker run -d --name st3 "$BUSYBOX" sleep 100 >/dev/null
    docker rm st3 2>err && fail "rm of a running container succeeded"
    docker rm -f st3 >/dev/null
    true
}

test_restart_policies() {
    docker run -d --name rp1 --restart on-failure:2 "$BUSYBOX" sh -c 'exit 1' >/dev/null
    docker run -d --name rp2 --restart always "$BUSYBOX" sh -c 'sleep 0.3; exit 0' >/dev/null
    docker run -d --name rp3 --restart no "$BUSYBOX" sh -c 'exit 1' >/dev/null
    defer docker rm -f rp1 rp2 rp3
    wait_until '[ "$(docker inspect -f "{{.RestartCount}} {{.State.Status}}" rp1)" = "2 exited" ]' 20
    wait_until '[ "$(docker inspect -f "{{.RestartCount}}" rp2)" -ge 2 ]' 20
    assert_eq "$(docker inspect -f '{{.RestartCount}}' rp3)" 0
    docker stop rp2 >/dev/null
    n=$(docker inspect -f '{{.RestartCount}}' rp2)
    sleep 1.5
    assert_eq "$(docker inspect -f '{{.RestartCount}} {{.State.Status}}' rp2)" "$n exited" "restarted after stop"
}

test_volumes() {
    docker volume create data1 >/dev/null
    defer docker volume rm -f data1
    docker run --rm -v data1:/data "$BUSYBOX" sh -c 'echo persisted > /data/f'
    assert_eq "$(docker run --rm -v data1:/data "$BUSYBOX" cat /data/f)" persisted
    docker volume ls --format '{{.Name}}' | grep -qx data1 || fail "volume ls"
    docker volume inspect -f '{{.Mountpoint}}' data1 | grep -q "^$T/data/" || fail "volume is not under the data root"
    mkdir -p host && echo fromhost > host/f
    assert_eq "$(docker run --rm -v "$PWD/host:/h:ro" "$BUSYBOX" sh -c 'cat /h/f; touch /h/x 2>/dev/null || echo ro')" "fromhost
ro"
    docker run -d --name vol1 -v data1:/data "$BUSYBOX" sleep 100 >/dev/null
    defer docker rm -f vol1
    docker volume rm data1 2>err && fail "removed a volume in use"
    true
}

test_limits_enforced() {
    docker run -d --name lim1 -m 64m --cpus 0.5 --pids-limit 20 "$BUSYBOX" sleep 100 >/dev/null
    defer docker rm -f lim1
    assert_eq "$(cat "$(cgroup_of lim1 memory)/memory.limit_in_bytes")" 67108864 memory
    assert_eq "$(cat "$(cgroup_of lim1 cpu)/cpu.cfs_quota_us")" 50000 "cpu quota"
    assert_eq "$(cat "$(cgroup_of lim1 pids)/pids.max")" 20 pids
    assert_eq "$(docker inspect -f '{{.HostConfig.Memory}} {{.HostConfig.NanoCpus}}' lim1)" "67108864 500000000"
    rc=0; docker run --rm -m 32m "$BUSYBOX" sh -c 'dd if=/dev/zero of=/dev/null bs=64M count=1' || rc=$?
    assert_eq "$rc" 137 "OOM-killed exit status"
}

test_oom_shows_in_inspect() {
    docker run --name oom1 -m 32m "$BUSYBOX" sh -c 'dd if=/dev/zero of=/dev/null bs=64M count=1' || true
    defer docker rm -f oom1
    assert_eq "$(docker inspect -f '{{.State.OOMKilled}}' oom1)" true
}

test_stats() {
    docker run -d --name sta1 "$BUSYBOX" sleep 100 >/dev/null
    defer docker rm -f sta1
    out=$(docker stats --no-stream --format '{{.Name}} {{.MemUsage}} {{.PIDs}}' sta1)
    assert_contains "$out" "sta1 "
    echo "$out" | grep -Eq 'sta1 [0-9.]+[KMG]i?B / ' || fail "stats: $out"
    echo "$out" | grep -Eq ' 1$' || fail "pids in stats: $out"
}

test_events() {
    since=$(date +%s)
    docker run --rm --name ev1 "$BUSYBOX" true
    docker events --since "$since" --until "$(( $(date +%s) + 1 ))" --format '{{.Action}} {{.Actor.Attributes.name}}' > ev
    for a in create start die destroy; do
        grep -q "^$a ev1" ev || fail "no $a event: $(cat ev)"
    done
}

test_create_start_rename_top() {
    docker create --name cr1 "$BUSYBOX" sleep 100 >/dev/null
    defer docker rm -f cr1 cr2
    assert_eq "$(docker inspect -f '{{.State.Status}}' cr1)" created
    docker rename cr1 cr2
    docker start cr2 >/dev/null
    docker top cr2 | grep -q "sleep 100" || fail "top: $(docker top cr2)"
    docker pause cr2 && assert_eq "$(docker inspect -f '{{.State.Status}}' cr2)" paused
    docker unpause cr2 && assert_eq "$(docker inspect -f '{{.State.Status}}' cr2)" running
    docker create --name cr2 "$BUSYBOX" true 2>err && fail "a duplicate name was accepted"
    assert_contains "$(cat err)" "already in use"
}

test_options() {
    out=$(docker run --rm -e FOO=bar -w /tmp -u 1000:1000 --hostname box --entrypoint sh "$BUSYBOX" -c 'echo $FOO $(pwd) $(id -u) $(hostname)')
    assert_eq "$out" "bar /tmp 1000 box"
    docker run --rm --read-only "$BUSYBOX" touch /x 2>/dev/null && fail "--read-only root was writable"
    assert_eq "$(docker run --rm --read-only --tmpfs /scratch "$BUSYBOX" sh -c 'touch /scratch/x && echo ok')" ok
    docker run --rm --cap-drop ALL "$BUSYBOX" chown 1 /tmp 2>/dev/null && fail "cap-drop ALL kept CAP_CHOWN"
    docker run --rm --cap-drop ALL --cap-add CHOWN "$BUSYBOX" chown 1 /tmp || fail "cap-add CHOWN"
    assert_eq "$(docker run --rm --privileged "$BUSYBOX" awk '/CapEff/ {print $2}' /proc/self/status)" \
        "$(awk '/CapBnd/ {print $2}' /proc/self/status)" "--privileged has every capability"
    assert_eq "$(docker run --rm --init "$BUSYBOX" sh -c 'cat /proc/1/cmdline | tr "\0" " " | cut -c1-40' | grep -c init)" 1 "--init runs an init as pid 1"
    assert_eq "$(docker run --rm --security-opt no-new-privileges "$BUSYBOX" grep NoNewPrivs /proc/self/status | awk '{print $2}')" 1
    assert_eq "$(docker run --rm --network none "$BUSYBOX" sh -c 'ls /sys/class/net')" lo
}

test_healthcheck() {
    docker run -d --name hc1 --health-cmd 'test -e /tmp/healthy' --health-interval 1s --health-retries 1 "$BUSYBOX" sh -c 'sleep 2; touch /tmp/healthy; sleep 100' >/dev/null
    defer docker rm -f hc1
    wait_until '[ "$(docker inspect -f "{{.State.Health.Status}}" hc1)" = healthy ]' 15
}

test_bad_requests_leave_nothing() {
    before=$(docker ps -aq | wc -l)
    docker run --rm -m 1k "$BUSYBOX" true 2>err && fail "a 1 kB memory limit was accepted"
    docker run --rm "$BUSYBOX" /no/such/binary 2>err && fail "a missing binary ran"
    assert_eq "$(docker ps -aq | wc -l)" "$before" "a failed run left a container"
    docker create --name "bad/name" "$BUSYBOX" 2>err && fail "an invalid name was accepted"
    true
}

test_images_tag_rm_prune() {
    docker tag "$BUSYBOX" mybox:v1
    docker images --format '{{.Repository}}:{{.Tag}}' | grep -qx "mybox:v1" || fail "tag"
    docker rmi mybox:v1 | grep -q "Untagged" || fail "rmi"
    docker image inspect "$BUSYBOX" >/dev/null
    docker history "$BUSYBOX" >/dev/null || fail "history"
    docker save -o saved.tar "$BUSYBOX"
    tar -tf saved.tar | grep -q manifest.json || fail "save is not a docker archive"
    docker rmi "$REGISTRY/layered:latest" >/dev/null
    docker load -i saved.tar | grep -q "Loaded image" || fail "load"
}

test_export_and_prune() {
    docker create --name ex1 "$BUSYBOX" true >/dev/null
    docker export ex1 | tar -t | grep -q '^bin/busybox$' || fail "export"
    docker container prune -f >/dev/null
    docker inspect ex1 >/dev/null 2>&1 && fail "prune kept a stopped container"
    true
}

t "version and info" test_version_and_info
t "pull from a local registry, images" test_pull_and_images
t "run attached: output, exit status, stdin, --rm" test_run_attached
t "run pulls a missing image" test_run_pulls_missing_image
t "run -d, logs (tail, timestamps, follow), exec" test_run_detached_logs_and_exec
t "ps -a with filters, inspect" test_ps_filters_and_inspect
t "stop, kill, wait, rm" test_stop_kill_wait_rm
t "restart policies" test_restart_policies
t "volumes: named and bind" test_volumes
t "memory, cpu and pids limits are enforced" test_limits_enforced
t "an OOM kill shows in inspect" test_oom_shows_in_inspect
t "stats" test_stats
t "events" test_events
t "create, rename, start, top, pause" test_create_start_rename_top
t "run options: env, workdir, user, read-only, tmpfs, caps, init, nnp" test_options
t "healthcheck" test_healthcheck
t "bad requests leave nothing behind" test_bad_requests_leave_nothing
t "images: tag, rmi, history, save, load" test_images_tag_rm_prune
t "export and container prune" test_export_and_prune
done_testing
