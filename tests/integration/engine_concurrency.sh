#!/bin/bash
# 50 `docker run -d` at once all succeed and the state stays consistent.
. "$(dirname "$0")/lib_engine.sh"

setup_images
start_engine || { echo "not ok - engine starts"; done_testing; exit 1; }

test_fifty_runs_at_once() {
    docker pull -q "$BUSYBOX" >/dev/null
    local i
    for i in $(seq 50); do
        ( docker run -d --name "c$i" "$BUSYBOX" sleep 300 > "id$i" 2> "err$i"; echo $? > "rc$i" ) &
    done
    wait
    for i in $(seq 50); do
        assert_eq "$(cat "rc$i")" 0 "run c$i: $(cat "err$i")"
    done
    assert_eq "$(docker ps -q | wc -l)" 50 "running"
    assert_eq "$(cat id* | sort -u | wc -l)" 50 "distinct ids"
    for i in $(seq 50); do
        assert_eq "$(docker inspect -f '{{.Name}} {{.State.Running}}' "c$i")" "/c$i true"
    done
    # names are unique even when raced
    for i in $(seq 10); do docker create --name same "$BUSYBOX" true > /dev/null 2>&1 & done
    wait
    assert_eq "$(docker ps -aq --filter name='^/same$' | wc -l)" 1 "one container named same"
    for i in $(seq 50); do docker rm -f "c$i" >/dev/null & done
    wait
    docker rm -f same >/dev/null
    assert_eq "$(docker ps -aq | wc -l)" 0 "left after rm -f"
}

t "50 docker run -d at once" test_fifty_runs_at_once
done_testing
