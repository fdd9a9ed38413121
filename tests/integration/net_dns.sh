#!/bin/bash
# The embedded DNS server, queried with busybox nslookup from inside a
# container's namespace, on the network's gateway address.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/_net.sh"

C1=gtd1-$$ SERVER=gtds-$$

# dns_server NS ARGS...: gantry net dns in NS (or "-" for the host), ended
# at the end of the case; waits until it listens
dns_server() {
    local ns=$1; shift
    local out=dns.$ns.out
    [ "$ns" = - ] && out=dns.host.out
    if [ "$ns" = - ]; then
        "$GANTRY" net dns "$@" >"$out" 2>&1 &
    else
        ip netns exec "$ns" "$GANTRY" net dns "$@" >"$out" 2>&1 &
    fi
    defer try kill $!
    local i
    for i in $(seq 30); do
        grep -q listening "$out" && return 0
        sleep 0.1
    done
    cat "$out" >&2
    fail "DNS server did not start"
}

container_resolves_names_and_forwards_the_rest() {
    need_net_tools
    new_ns $C1; new_ns $SERVER
    link_peer 192.168.221.1 $SERVER 192.168.221.2
    # the "outside world" resolver, with a name of its own
    dns_server $SERVER --listen 192.168.221.2:53 --upstream 192.168.221.2:1 far.example=192.0.2.77
    gnet create dnsnet --subnet 10.141.0.0/24 >/dev/null
    defer try gnet rm dnsnet
    # the network's server: on the gateway address (before the bridge
    # exists: IP_FREEBIND), forwarding to the outside resolver
    dns_server - --listen 10.141.0.1:53 --upstream 192.168.221.2 \
        web=10.141.0.2 web-alias=10.141.0.2 db=10.141.0.9
    gnet attach --id c1 --netns /run/netns/$C1 --network dnsnet >/dev/null
    defer try gnet detach --id c1 --netns /run/netns/$C1 --network dnsnet
    out=$(in_ns $C1 busybox nslookup -type=a db 10.141.0.1)
    assert_contains "$out" "Address: 10.141.0.9"
    out=$(in_ns $C1 busybox nslookup -type=a web-alias 10.141.0.1)
    assert_contains "$out" "Address: 10.141.0.2"
    # not ours: forwarded upstream
    out=$(in_ns $C1 busybox nslookup -type=a far.example 10.141.0.1)
    assert_contains "$out" "Address: 192.0.2.77"
    # reverse lookup of a container address
    out=$(in_ns $C1 busybox nslookup 10.141.0.9 10.141.0.1)
    assert_contains "$out" "name = db"
    # unknown everywhere: the answer is an error, not a hang
    ! in_ns $C1 timeout 10 busybox nslookup -type=a nowhere.example 10.141.0.1 >out 2>&1 ||
        fail "an unknown name resolved"
}

t "a container resolves names of its network and forwarded names" container_resolves_names_and_forwards_the_rest
done_testing
