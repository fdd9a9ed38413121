#!/bin/bash
# Watches: kubectl get -w in order, single-object watches, resourceVersion
# semantics, selectors that objects move in and out of, Table events,
# bookmarks, timeouts, and 410 Gone for history that is no longer there.
. "$(dirname "$0")/lib_kube.sh"

start_server --compact-interval-s 1 --watch-cache-events 64 || exit 1
kc create namespace w >/dev/null

# stream URL FILE: a watch in the background, its output in FILE; prints the pid
stream() {
    curl -sN "http://127.0.0.1:$KUBE_HTTP$1" >"$2" &
    echo $!
}

stop_pid() { kill "$1" 2>/dev/null || true; }

test_get_w_sees_adds_updates_deletes_in_order() {
    kc -n w get cm -w --output-watch-events >"$T/getw.out" 2>&1 &
    local pid=$!
    defer stop_pid $pid
    sleep 1.5
    kc -n w create cm one --from-literal=a=1
    kc -n w label cm one step=2
    kc -n w patch cm one -p '{"data":{"b":"2"}}'
    kc -n w create cm two
    kc -n w delete cm one
    wait_for 5 'grep -q "DELETED.*one" "$T/getw.out"'
    cat "$T/getw.out"
    # every event, in the order it happened
    local got
    got=$(awk '$1 ~ /ADDED|MODIFIED|DELETED/ && $2 != "kube-root-ca.crt" {print $1, $2, $3}' "$T/getw.out")
    assert_eq "$got" "ADDED one 1
MODIFIED one 1
MODIFIED one 2
ADDED two 0
DELETED one 2"
}

test_single_object_watch() {
    kc -n w create cm solo --from-literal=x=1 >/dev/null
    kc -n w get cm solo -w >"$T/solo.out" 2>&1 &
    local pid=$!
    defer stop_pid $pid
    sleep 1.5
    kc -n w patch cm solo -p '{"data":{"y":"2"}}' >/dev/null
    wait_for 5 'grep -q "solo *2 " "$T/solo.out"'
    cat "$T/solo.out"
    # the current object once (the synthetic ADDED is the first line), then the change
    assert_eq "$(grep -c '^solo' "$T/solo.out")" 2
}

test_watch_from_resource_version() {
    local rv out
    kc -n w create cm rv-a >/dev/null
    rv=$(api GET /api/v1/namespaces/w/configmaps | head -1 | jq -r .metadata.resourceVersion)
    kc -n w create cm rv-b >/dev/null
    kc -n w delete cm rv-a >/dev/null
    out=$(curl -s "http://127.0.0.1:$KUBE_HTTP/api/v1/namespaces/w/configmaps?watch=1&resourceVersion=$rv&timeoutSeconds=1")
    echo "$out"
    assert_eq "$(jq -r '.type + " " + .object.metadata.name' <<<"$out")" "ADDED rv-b
DELETED rv-a"
    # versions increase, and a DELETED carries the deletion's version
    local v1 v2
    v1=$(sed -n 1p <<<"$out" | jq -r .object.metadata.resourceVersion)
    v2=$(sed -n 2p <<<"$out" | jq -r .object.metadata.resourceVersion)
    [ "$v1" -gt "$rv" ] && [ "$v2" -gt "$v1" ] || fail "versions $rv $v1 $v2 not increasing"
    # resourceVersion=0 and unset: synthetic ADDED for what exists now
    out=$(curl -s "http://127.0.0.1:$KUBE_HTTP/api/v1/namespaces/w/configmaps?watch=1&resourceVersion=0&timeoutSeconds=1&fieldSelector=metadata.name%3Drv-b")
    assert_eq "$(jq -r '.type + " " + .object.metadata.name' <<<"$out")" "ADDED rv-b"
    out=$(curl -s "http://127.0.0.1:$KUBE_HTTP/api/v1/namespaces/w/configmaps?watch=1&timeoutSeconds=1&labelSelector=none%3Dsuch")
    assert_eq "$out" ""
}

test_selector_moves_are_added_and_deleted() {
    local pid
    pid=$(stream "/api/v1/namespaces/w/configmaps?watch=1&resourceVersion=0&labelSelector=tier%3Dgold" "$T/sel.out")
    defer stop_pid $pid
    sleep 0.5
    kc -n w create cm mover >/dev/null
    kc -n w label cm mover tier=gold >/dev/null
    kc -n w label cm mover tier=silver --overwrite >/dev/null
    kc -n w label cm mover tier=gold --overwrite >/dev/null
    kc -n w annotate cm mover note=x >/dev/null
    wait_for 5 'test "$(wc -l <"$T/sel.out")" -ge 4'
    assert_eq "$(jq -r '.type + " " + .object.metadata.labels.tier' "$T/sel.out")" "ADDED gold
DELETED gold
ADDED gold
MODIFIED gold"
}

test_table_events_and_bookmarks_and_timeout() {
    local out start end
    out=$(curl -s -H 'Accept: application/json;as=Table;v=v1;g=meta.k8s.io' \
        "http://127.0.0.1:$KUBE_HTTP/api/v1/namespaces/w/configmaps?watch=1&resourceVersion=0&timeoutSeconds=1")
    [ "$(wc -l <<<"$out")" -ge 2 ] || fail "expected several events: $out"
    assert_eq "$(sed -n 1p <<<"$out" | jq -r .object.kind)" Table
    [ "$(sed -n 1p <<<"$out" | jq '.object.columnDefinitions | length')" -gt 0 ] || fail "no columns"
    assert_eq "$(sed -n 2p <<<"$out" | jq '.object.columnDefinitions | length')" 0
    assert_eq "$(sed -n 2p <<<"$out" | jq '.object.rows | length')" 1
    start=$(date +%s.%N)
    out=$(curl -s "http://127.0.0.1:$KUBE_HTTP/api/v1/namespaces/w/secrets?watch=1&allowWatchBookmarks=true&timeoutSeconds=2&resourceVersion=0")
    end=$(date +%s.%N)
    echo "$out"
    awk -v s="$start" -v e="$end" 'BEGIN { d = e - s; exit !(d >= 1.8 && d < 6) }' ||
        fail "timeoutSeconds=2 ended after $(echo "$end - $start" | bc) s"
    assert_eq "$(tail -1 <<<"$out" | jq -r .type)" BOOKMARK
    [ "$(tail -1 <<<"$out" | jq -r .object.metadata.resourceVersion)" -gt 0 ] || fail "bad bookmark"
}

test_gone_when_history_is_gone() {
    local out code cont
    # a watch from further back than the cache's history (64 events here)
    local rv i
    rv=$(api GET /api/v1/namespaces/w/configmaps | head -1 | jq -r .metadata.resourceVersion)
    for i in $(seq 70); do echo "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"fill-$i\"}}"; done |
        while read -r body; do api_code POST /api/v1/namespaces/w/configmaps "$body" >/dev/null; done
    out=$(api GET "/api/v1/namespaces/w/configmaps?watch=1&resourceVersion=$rv")
    echo "$out"
    assert_eq "$(tail -1 <<<"$out")" 410
    assert_eq "$(head -1 <<<"$out" | jq -r .reason)" Expired
    assert_contains "$(head -1 <<<"$out" | jq -r .message)" "too old resource version"
    # a continue token whose revision was compacted away
    for i in 1 2 3; do kc -n w create cm page-$i >/dev/null; done
    out=$(api GET "/api/v1/namespaces/w/configmaps?limit=1" | head -1)
    cont=$(jq -r .metadata.continue <<<"$out")
    for i in 4 5 6; do kc -n w create cm page-$i >/dev/null; done
    # compaction runs every second here, one round behind the revision
    for i in $(seq 100); do
        code=$(api_code GET "/api/v1/namespaces/w/configmaps?limit=1&continue=$cont")
        [ "$code" = 410 ] && break
        kc -n w annotate cm page-4 --overwrite n=$i >/dev/null
        sleep 0.1
    done
    assert_eq "$code" 410
    out=$(api GET "/api/v1/namespaces/w/configmaps?limit=1&continue=$cont")
    assert_contains "$(head -1 <<<"$out")" "continue parameter is too old"
    # a list at a compacted revision
    assert_eq "$(api_code GET "/api/v1/namespaces/w/configmaps?resourceVersion=2&resourceVersionMatch=Exact")" 410
}

t "kubectl get -w sees adds, updates and deletes in order" test_get_w_sees_adds_updates_deletes_in_order
t "kubectl get NAME -w: the object once, then its change" test_single_object_watch
t "watch from a resourceVersion; 0 and unset replay what exists" test_watch_from_resource_version
t "objects moving in and out of a selector are ADDED and DELETED" test_selector_moves_are_added_and_deleted
t "Table events, bookmarks, timeoutSeconds" test_table_events_and_bookmarks_and_timeout
t "410 Expired for a watch, continue or list behind the history" test_gone_when_history_is_gone
t "the server stops on SIGTERM, nothing in its log" test_server_stops_clean
done_testing
