#!/bin/bash
# A gantry server killed with SIGKILL while 1000 clients create ConfigMaps
# through the API loses none of the creates it acknowledged (HTTP 201),
# checked after a restart; the restarted server then serves as before.
. "$(dirname "$0")/lib_kube.sh"

CLIENTS=1000
PER=3

stop_pid() { kill -9 "$1" 2>/dev/null || true; }

test_sigkill_amid_concurrent_creates() {
    # the default durability (synchronous=FULL), not the tests' relaxed one
    KUBE_HTTPS=$(free_port)
    KUBE_HTTP=$(free_port)
    "$GANTRY" server --data-dir "$SERVER_DATA" --https-listen-port "$KUBE_HTTPS" \
        --bind-address 127.0.0.1 --insecure-http-address "127.0.0.1:$KUBE_HTTP" \
        --disable-agent >>"$T/server.log" 2>&1 &
    local spid=$!
    echo $spid >>"$T/server.pids"
    defer stop_pid $spid
    wait_for 15 'curl -fs -o /dev/null "http://127.0.0.1:$KUBE_HTTP/readyz"'
    kh create namespace dur >/dev/null
    "$GANTRY" api-tool --server "http://127.0.0.1:$KUBE_HTTP" --namespace dur \
        create-configmaps $CLIENTS $((CLIENTS * PER)) cm >"$T/acks" 2>"$T/tool.err" &
    local tpid=$!
    defer stop_pid $tpid
    local i
    for i in $(seq 600); do
        [ "$(wc -l <"$T/acks")" -ge $CLIENTS ] && break
        kill -0 $tpid 2>/dev/null || break
        sleep 0.05
    done
    kill -9 $spid
    wait $tpid 2>/dev/null || true
    awk 'NF == 2' "$T/acks" | sort >"$T/acked"
    local n
    n=$(wc -l <"$T/acked")
    echo "acknowledged before the kill: $n of $((CLIENTS * PER))"
    [ "$n" -ge 100 ] || fail "only $n creates acknowledged before the kill: $(tail -3 "$T/tool.err")"
    [ "$n" -lt $((CLIENTS * PER)) ] || fail "the creates all finished before the kill"

    # restart on the same data directory
    start_server || fail "restart failed: $(tail "$T/server.log")"
    kh -n dur get cm -o json | jq -r '.items[] | select(.metadata.name | startswith("cm-")) |
        .metadata.name + " " + .metadata.resourceVersion' | sort >"$T/present"
    comm -23 "$T/acked" "$T/present" >"$T/lost"
    [ ! -s "$T/lost" ] || fail "$(wc -l <"$T/lost") acknowledged creates lost or changed, e.g. $(head -3 "$T/lost")"
    echo "present after the restart: $(wc -l <"$T/present")"
    # no resource version was handed out twice
    [ -z "$(awk '{print $2}' "$T/acked" | sort | uniq -d)" ] || fail "a resource version acknowledged twice"
    # and the server goes on: a create, a watch from before the kill's versions
    kh -n dur create cm after-restart
    kh -n dur get cm after-restart -o name
}

t "SIGKILL amid $CLIENTS clients creating ConfigMaps loses no acknowledged create" \
    test_sigkill_amid_concurrent_creates
t "the server stops on SIGTERM, nothing in its log" test_server_stops_clean
done_testing
