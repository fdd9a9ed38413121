#!/bin/bash
# gantry server on an etcd of the test's own (--datastore-endpoint): kubectl
# flows work, the objects live in etcd, and a restarted server finds them.
. "$(dirname "$0")/lib_kube.sh"

ETCD_PID=""
start_etcd() {
    [ -x /usr/bin/etcd ] || return 1
    local cport pport
    cport=$(free_port)
    pport=$(free_port)
    ETCD_EP="http://127.0.0.1:$cport"
    /usr/bin/etcd --name kt --data-dir "$T/etcd" --listen-client-urls "$ETCD_EP" \
        --advertise-client-urls "$ETCD_EP" --listen-peer-urls "http://127.0.0.1:$pport" \
        --initial-advertise-peer-urls "http://127.0.0.1:$pport" \
        --initial-cluster "kt=http://127.0.0.1:$pport" >"$T/etcd.log" 2>&1 &
    ETCD_PID=$!
    local i
    for i in $(seq 100); do
        curl -fs "$ETCD_EP/health" 2>/dev/null | grep -q true && return 0
        sleep 0.1
    done
    return 1
}
_etcd_teardown() {
    [ -n "$ETCD_PID" ] && kill -KILL "$ETCD_PID" 2>/dev/null
    wait "$ETCD_PID" 2>/dev/null
}
_it_on_exit _etcd_teardown

if start_etcd; then
    start_server --datastore-endpoint "$ETCD_EP" || exit 1
fi

need_etcd() {
    [ -n "$ETCD_PID" ] || skip "etcd is not installed (/usr/bin/etcd) or did not start"
}

test_kubectl_over_etcd() {
    need_etcd
    kc create namespace e
    kc -n e create deployment web --image=nginx --replicas=2
    kc -n e create cm settings --from-literal=a=1
    kc -n e get cm -w --output-watch-events >"$T/w.out" 2>&1 &
    local wpid=$!
    defer kill $wpid
    sleep 1.5
    kc -n e patch cm settings -p '{"data":{"a":"2"}}'
    kc -n e delete cm settings
    wait_for 10 'grep -q "DELETED *settings" "$T/w.out"'
    grep -q "MODIFIED *settings" "$T/w.out" || fail "no MODIFIED event: $(cat "$T/w.out")"
    kc -n e scale deploy web --replicas=3
    assert_eq "$(kc -n e get deploy web -o jsonpath='{.spec.replicas}')" 3
    # the objects are in etcd, under /registry/
    ETCDCTL_API=3 etcdctl --endpoints "$ETCD_EP" get --prefix --keys-only /registry/apps/deployments/e/ |
        grep -qx /registry/apps/deployments/e/web || fail "the deployment is not in etcd"
    # resource versions are etcd's revisions
    local rv rev
    rv=$(kc -n e get deploy web -o jsonpath='{.metadata.resourceVersion}')
    rev=$(ETCDCTL_API=3 etcdctl --endpoints "$ETCD_EP" get /registry/apps/deployments/e/web -w json |
        jq -r '.kvs[0].mod_revision')
    assert_eq "$rv" "$rev"
}

test_restart_finds_objects() {
    need_etcd
    local uid
    uid=$(kc -n e get deploy web -o jsonpath='{.metadata.uid}')
    stop_server
    start_server --datastore-endpoint "$ETCD_EP" || fail "restart failed"
    assert_eq "$(kc -n e get deploy web -o jsonpath='{.metadata.uid} {.spec.replicas}')" "$uid 3"
    kc -n e create cm after-restart
    kc -n e get cm after-restart -o name
}

t "kubectl create, watch, patch, scale, delete with etcd as the store" test_kubectl_over_etcd
t "a restarted server finds its objects in etcd" test_restart_finds_objects
t "the server stops on SIGTERM, nothing in its log" test_server_stops_clean
done_testing
