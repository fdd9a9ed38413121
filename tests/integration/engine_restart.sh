#!/bin/bash
# The monitor outlives the daemon: SIGKILL the daemon with 10 containers
# running; they keep running, and the restarted daemon finds them, their
# logs and their exit codes.
. "$(dirname "$0")/lib_engine.sh"

setup_images
start_engine || { echo "not ok - engine starts"; done_testing; exit 1; }

test_daemon_sigkill_keeps_containers() {
    local i
    for i in $(seq 10); do
        docker run -d --name "k$i" "$BUSYBOX" sh -c "echo hello-$i; trap 'exit $i' TERM; while true; do sleep 0.1; done" >/dev/null
    done
    docker run -d --name short "$BUSYBOX" sh -c 'sleep 2; echo bye; exit 4' >/dev/null
    wait_until "[ \"\$(docker ps -q | wc -l)\" = 11 ]"
    declare -A pids
    for i in $(seq 10); do pids[$i]=$(docker inspect -f '{{.State.Pid}}' "k$i"); done
    stop_engine KILL
    sleep 3   # "short" exits while no daemon runs
    for i in $(seq 10); do
        kill -0 "${pids[$i]}" 2>/dev/null || fail "container k$i died with the daemon"
    done
    start_engine
    assert_eq "$(docker ps -q | wc -l)" 10 "running containers after restart"
    assert_eq "$(docker inspect -f '{{.State.Status}} {{.State.ExitCode}}' short)" "exited 4" "exit code recorded while the daemon was down"
    assert_contains "$(docker logs short)" bye
    for i in $(seq 10); do
        assert_eq "$(docker inspect -f '{{.State.Pid}}' "k$i")" "${pids[$i]}" "k$i pid"
        assert_eq "$(docker logs "k$i")" "hello-$i" "k$i logs"
    done
    docker wait k1 > w1 &
    waiter=$!
    docker stop k1 >/dev/null
    wait $waiter
    assert_eq "$(cat w1)" 1 "wait on a container adopted after restart"
    for i in $(seq 2 10); do docker stop -t 5 "k$i" >/dev/null; done
    for i in $(seq 2 10); do
        assert_eq "$(docker inspect -f '{{.State.ExitCode}}' "k$i")" "$i" "k$i exit code"
    done
    for i in $(seq 10); do docker rm "k$i" >/dev/null; done
    docker rm short >/dev/null
    assert_eq "$(docker ps -aq | wc -l)" 0
}

t "SIGKILL of the daemon: containers live on and are adopted" test_daemon_sigkill_keeps_containers
done_testing
