#!/bin/bash
# Attach over a WebSocket (GET /containers/{id}/attach/ws), as dockerd
# serves it: raw stream bytes (stdout and stderr not multiplexed) in binary
# messages (text before API 1.28), client messages to the container's
# stdin, a close once the container's streams end; a missing container is
# a plain 404 before any handshake.  The client is lib_wsattach.py (the
# Python standard library), over the engine's unix socket.
. "$(dirname "$0")/lib_engine.sh"

setup_images
start_engine || { echo "not ok - engine starts"; done_testing; exit 1; }
docker pull -q "$BUSYBOX" >/dev/null

WS="/usr/bin/python3 $(dirname "$0")/lib_wsattach.py $T/engine.sock"
ALL="stream=1&stdin=1&stdout=1&stderr=1&logs=0"

# field JSON KEY: one member of the client's summary, as JSON
field() {
    jq -c ".$2" <<< "$1"
}

test_cat_echo() {
    local id
    id=$(docker run -d -i --name wscat "$BUSYBOX" cat)
    defer docker rm -f wscat
    local res
    res=$($WS "/v1.47/containers/$id/attach/ws?$ALL" --send $'hello-ws\n' --until hello-ws) ||
        fail "attach: $res"
    echo "$res"
    assert_eq "$(field "$res" out)" '"hello-ws\n"' "the line came back"
    assert_eq "$(field "$res" opcodes)" '[2]' "binary messages"
    assert_eq "$(field "$res" answered)" true "our close was answered"
    # the client's close ends the session, not the container: a second
    # attach (by name, two lines) is served by the same cat
    assert_eq "$(docker inspect -f '{{.State.Running}}' wscat)" true "cat still runs"
    res=$($WS "/v1.47/containers/wscat/attach/ws?$ALL" --send $'one\n' --send $'two\n' \
          --until one --until two) || fail "second attach: $res"
    assert_eq "$(field "$res" out)" '"one\ntwo\n"' "the second attach's lines"
}

test_output_and_close() {
    docker create --name wsout "$BUSYBOX" sh -c 'echo out1; sleep 0.3; echo err1 >&2' >/dev/null
    defer docker rm -f wsout
    local res
    # attached before the start, so that nothing is missed
    res=$($WS "/v1.47/containers/wsout/attach/ws?$ALL" --then "docker start wsout >/dev/null") ||
        fail "attach: $res"
    echo "$res"
    assert_eq "$(field "$res" out)" '"out1\nerr1\n"' "stdout and stderr, raw (no frame headers)"
    assert_eq "$(field "$res" close)" 1000 "a normal close once the streams ended"
    assert_eq "$(field "$res" opcodes)" '[2]' "binary messages"
    assert_eq "$(docker wait wsout)" 0 "exit status"
    # logs=1 on the stopped container: the replay, then the close
    res=$($WS "/v1.47/containers/wsout/attach/ws?logs=1&stream=0&stdout=1&stderr=1") ||
        fail "logs: $res"
    assert_eq "$(field "$res" out)" '"out1\nerr1\n"' "the replayed logs"
    assert_eq "$(field "$res" close)" 1000 "closed after the replay"
    # stdout=0 at API 1.42 and later: only stderr
    res=$($WS "/v1.47/containers/wsout/attach/ws?logs=1&stream=0&stdout=0&stderr=1")
    assert_eq "$(field "$res" out)" '"err1\n"' "stderr only"
}

test_text_before_1_28() {
    docker create --name wsold "$BUSYBOX" echo old-api >/dev/null
    defer docker rm -f wsold
    local res
    # before API 1.42 all three streams are attached whatever the query says
    res=$($WS "/v1.27/containers/wsold/attach/ws?stream=1&stdout=0" \
          --then "docker start wsold >/dev/null") || fail "attach: $res"
    echo "$res"
    assert_eq "$(field "$res" out)" '"old-api\n"' "output"
    assert_eq "$(field "$res" opcodes)" '[1]' "text messages at API 1.27"
}

test_errors() {
    local res
    res=$($WS "/v1.47/containers/nosuch/attach/ws?$ALL") && fail "attach to nosuch: $res"
    echo "$res"
    assert_contains "$res" "status 404"
    assert_contains "$res" "No such container: nosuch"
    docker run -d -i --name wsbad "$BUSYBOX" cat >/dev/null
    defer docker rm -f wsbad
    res=$($WS "/v1.47/containers/wsbad/attach/ws?$ALL" --no-upgrade) &&
        fail "a handshake without Upgrade was taken: $res"
    echo "$res"
    assert_contains "$res" "status 400"
    assert_contains "$res" "Upgrade: websocket"
    # the refused handshake left the container and its stdin alone
    res=$($WS "/v1.47/containers/wsbad/attach/ws?$ALL" --send $'still\n' --until still) ||
        fail "attach after the refused one: $res"
    assert_eq "$(field "$res" out)" '"still\n"' "cat still answers"
}

t "attach/ws: a cat container echoes what the client sends" test_cat_echo
t "attach/ws: output of a container that exits, then the close" test_output_and_close
t "attach/ws: text messages before API 1.28" test_text_before_1_28
t "attach/ws: a missing container is 404, a bad handshake 400" test_errors
done_testing
