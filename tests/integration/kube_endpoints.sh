#!/bin/bash
# The "kubernetes" Service in default has Endpoints and an EndpointSlice
# "kubernetes" with the server's advertised address and HTTPS port, as
# kube-apiserver's endpoint reconciler writes them; the server puts them
# back when they are edited or deleted, and follows a restart on another
# port.  (The test's network namespace has no default route: the address
# is the bind address, 127.0.0.1, unless --advertise-address says.)
. "$(dirname "$0")/lib_kube.sh"

start_server || exit 1

# endpoints_are IP PORT: what the Endpoints, the EndpointSlice and the
# Service say
endpoints_are() {
    [ "$(kc -n default get endpoints kubernetes -o jsonpath='{.subsets[0].addresses[0].ip}:{.subsets[0].ports[0].port}')" = "$1:$2" ] &&
        [ "$(kc -n default get endpointslice kubernetes -o jsonpath='{.endpoints[0].addresses[0]}:{.ports[0].port}')" = "$1:$2" ] &&
        [ "$(kc -n default get svc kubernetes -o jsonpath='{.spec.ports[0].targetPort}')" = "$2" ]
}

test_endpoints_of_the_kubernetes_service() {
    wait_for 10 endpoints_are 127.0.0.1 "$KUBE_HTTPS"
    local out
    out=$(kc -n default get endpoints kubernetes -o json)
    assert_eq "$(jq -r '.subsets[0].ports[0] | .name + "/" + .protocol' <<<"$out")" https/TCP
    assert_eq "$(jq -r '.metadata.labels["endpointslice.kubernetes.io/skip-mirror"]' <<<"$out")" true
    out=$(kc -n default get endpointslices -l kubernetes.io/service-name=kubernetes -o json)
    assert_eq "$(jq '.items | length' <<<"$out")" 1
    assert_eq "$(jq -r '.items[0].addressType' <<<"$out")" IPv4
    assert_eq "$(jq -r '.items[0].endpoints[0].conditions.ready' <<<"$out")" true
    assert_eq "$(jq -r '.items[0].ports[0].name' <<<"$out")" https
    # kubectl shows them where a user looks
    out=$(kc -n default describe svc kubernetes)
    echo "$out"
    assert_contains "$out" "Endpoints:"
    assert_contains "$out" "127.0.0.1:$KUBE_HTTPS"
    assert_contains "$(kc -n default get endpoints kubernetes)" "127.0.0.1:$KUBE_HTTPS"
}

test_edits_and_deletes_are_undone() {
    kc -n default delete endpoints kubernetes >/dev/null
    kc -n default delete endpointslice kubernetes >/dev/null
    wait_for 10 endpoints_are 127.0.0.1 "$KUBE_HTTPS" || fail "not recreated"
    kc -n default patch endpoints kubernetes --type=json \
        -p '[{"op":"replace","path":"/subsets/0/ports/0/port","value":1}]' >/dev/null
    kc -n default patch svc kubernetes --type=json \
        -p '[{"op":"replace","path":"/spec/ports/0/targetPort","value":2}]' >/dev/null
    wait_for 10 endpoints_are 127.0.0.1 "$KUBE_HTTPS" || fail "not restored"
}

test_restart_on_another_port_and_advertise_address() {
    stop_server
    start_server --advertise-address 10.1.2.3 || fail "restart failed"
    wait_for 10 endpoints_are 10.1.2.3 "$KUBE_HTTPS" ||
        fail "endpoints not updated to 10.1.2.3:$KUBE_HTTPS"
    # one slice, still
    assert_eq "$(kc -n default get endpointslices -l kubernetes.io/service-name=kubernetes -o name | wc -l)" 1
}

test_bad_advertise_address_is_refused() {
    local out dir="$T/bad-server"
    out=$("$GANTRY" server --data-dir "$dir" --https-listen-port 0 \
        --advertise-address not-an-ip --disable-agent 2>&1) && fail "started with a bad address"
    echo "$out"
    assert_contains "$out" "--advertise-address not-an-ip: not an IP address"
    assert_not_exists "$dir"
}

t "the kubernetes Service has Endpoints and an EndpointSlice: address, HTTPS port" \
    test_endpoints_of_the_kubernetes_service
t "edits and deletes of them are undone" test_edits_and_deletes_are_undone
t "a restart on another port, --advertise-address: they follow" \
    test_restart_on_another_port_and_advertise_address
t "a bad --advertise-address is refused, nothing created" test_bad_advertise_address_is_refused
t "the server stops on SIGTERM, nothing in its log" test_server_stops_clean
done_testing
