#!/bin/bash
# More of the engine through the docker CLI: push, restart, exec -d,
# logs --since/--until, volume prune, restart policies across a restart of
# the daemon, and what a killed monitor leaves (nothing running).
. "$(dirname "$0")/lib_engine.sh"

setup_images
start_engine || { echo "not ok - engine starts"; done_testing; exit 1; }

test_push() {
    docker pull -q "$BUSYBOX" >/dev/null
    docker tag "$BUSYBOX" "$REGISTRY/pushed:v1"
    docker push "$REGISTRY/pushed:v1" > out
    assert_contains "$(cat out)" "v1: digest: sha256:"
    curl -sf "http://$REGISTRY/v2/pushed/tags/list" | grep -q '"v1"' || fail "the registry has no pushed:v1"
    docker rmi "$REGISTRY/pushed:v1" >/dev/null
    assert_eq "$(docker run --rm "$REGISTRY/pushed:v1" echo round-trip 2>/dev/null)" round-trip
}

test_restart_exec_detached_logs_window() {
    docker run -d --name m1 "$BUSYBOX" sh -c 'echo one; sleep 2; echo two; sleep 100' >/dev/null
    defer docker rm -f m1
    pid1=$(docker inspect -f '{{.State.Pid}}' m1)
    docker exec -d m1 sh -c 'echo detached > /tmp/d'
    wait_until '[ "$(docker exec m1 cat /tmp/d)" = detached ]'
    wait_until "docker logs m1 | grep -q two"
    assert_eq "$(docker logs --until 1s m1 2>/dev/null | head -1)" one "logs --until"
    docker logs --since "$(date -d '-1 second' +%s)" m1 | grep -q one && fail "logs --since kept an old line"
    docker restart -t 1 m1 >/dev/null
    pid2=$(docker inspect -f '{{.State.Pid}}' m1)
    [ "$pid1" != "$pid2" ] || fail "restart kept the same process"
    assert_eq "$(docker inspect -f '{{.State.Status}}' m1)" running
}

test_policies_survive_the_daemon() {
    docker run -d --name us1 --restart unless-stopped "$BUSYBOX" sleep 100 >/dev/null
    docker run -d --name al1 --restart always "$BUSYBOX" sleep 100 >/dev/null
    docker run -d --name us2 --restart unless-stopped "$BUSYBOX" sleep 100 >/dev/null
    defer docker rm -f us1 al1 us2
    docker stop -t 0 us2 >/dev/null
    local ids
    ids=$(docker inspect -f '{{.Id}}' us1 al1)
    stop_engine KILL
    # while no daemon runs, their monitors are killed: the containers are
    # orphans, which the next daemon cleans up and restarts
    local id
    for id in $ids; do
        kill -9 "$(jq -r .MonitorPid "$T/data/containers/$id/state.json")"
    done
    sleep 0.5
    start_engine
    wait_until '[ "$(docker inspect -f "{{.State.Status}}" us1)" = running ]'
    wait_until '[ "$(docker inspect -f "{{.State.Status}}" al1)" = running ]'
    assert_eq "$(docker inspect -f '{{.State.Status}}' us2)" exited "unless-stopped after a stop"
}

test_volume_prune() {
    docker volume create keepme >/dev/null
    docker run --name vp1 -v /anon "$BUSYBOX" true
    anon=$(docker inspect -f '{{range .Mounts}}{{.Name}}{{end}}' vp1)
    docker rm vp1 >/dev/null
    docker volume ls -q | grep -qx "$anon" || fail "the anonymous volume went with rm (no -v)"
    docker volume prune -f >/dev/null
    docker volume ls -q | grep -qx "$anon" && fail "prune kept an unused anonymous volume"
    docker volume ls -q | grep -qx keepme || fail "prune removed a named volume"
    docker volume rm keepme >/dev/null
}

t "push to a registry, pull it back" test_push
t "restart, exec -d, logs --since/--until" test_restart_exec_detached_logs_window
t "restart policies across a killed daemon" test_policies_survive_the_daemon
t "volume prune" test_volume_prune
done_testing
