#!/bin/bash
# The same flows with Debian's reference CNI plugins (bridge, host-local,
# portmap, firewall, loopback from /usr/lib/cni) configured instead of
# gantry-cni-bridge, through the same caller (gantry net -> net/cni).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/_net.sh"

C1=gtr1-$$ C2=gtr2-$$ CLIENT=gtrc-$$ SERVER=gtrs-$$

need_reference() {
    need_net_tools
    local p
    for p in bridge host-local portmap firewall loopback; do
        [ -x /usr/lib/cni/$p ] || skip "needs /usr/lib/cni/$p (containernetworking-plugins)"
    done
    command -v iptables >/dev/null || skip "the reference portmap plugin needs iptables"
}

# refnet NAME SUBNET BRIDGE: a conflist of the reference plugins
refnet() {
    mkdir -p data/net/conf.d
    cat >"data/net/conf.d/$1.conflist" <<EOF
{"cniVersion": "1.0.0", "name": "$1", "disableCheck": false, "plugins": [
  {"type": "bridge", "bridge": "$3", "isGateway": true, "ipMasq": true, "hairpinMode": true,
   "ipam": {"type": "host-local", "ranges": [[{"subnet": "$2"}]],
            "routes": [{"dst": "0.0.0.0/0"}], "dataDir": "$PWD/data/net/ipam"}},
  {"type": "portmap", "capabilities": {"portMappings": true}, "snat": true},
  {"type": "firewall"}
]}
EOF
    cat >data/net/conf.d/none.conflist <<EOF
{"cniVersion": "1.0.0", "name": "none", "plugins": [{"type": "loopback"}]}
EOF
}

reference_two_containers() {
    need_reference
    new_ns $C1; new_ns $C2
    refnet r1 10.121.0.0/24 gtref1
    attach c1 $C1 r1
    attach c2 $C2 r1
    assert_eq "$(jq -r .ip c1.json)" 10.121.0.2 "c1 address"
    assert_eq "$(jq -r .gateway c1.json)" 10.121.0.1 "gateway"
    assert_eq "$(jq -r .mac c1.json)" "$(in_ns $C1 cat /sys/class/net/eth0/address)" "MAC"
    in_ns $C1 busybox ping -c1 -W2 10.121.0.3 >/dev/null
    serve $C2 7000
    assert_contains "$(fetch $C1 10.121.0.3 7000)" "hello from 10.121.0.2"
}

reference_published_port() {
    need_reference
    new_ns $C1; new_ns $C2; new_ns $CLIENT
    refnet r1 10.122.0.0/24 gtref2
    attach c1 $C1 r1 -p 8080:80
    serve $C1 80
    assert_contains "$(fetch 127.0.0.1 8080)" "hello from"
    link_peer 192.168.211.1 $CLIENT 192.168.211.2
    assert_contains "$(fetch $CLIENT 192.168.211.1 8080)" "hello from 192.168.211.2"
    attach c2 $C2 r1
    assert_contains "$(fetch $C2 10.122.0.1 8080)" "hello from"
}

reference_masquerade() {
    need_reference
    new_ns $C1; new_ns $SERVER
    link_peer 192.168.212.1 $SERVER 192.168.212.2
    refnet r1 10.123.0.0/24 gtref3
    attach c1 $C1 r1
    serve $SERVER 9000
    assert_contains "$(fetch $C1 192.168.212.2 9000)" "hello from 192.168.212.1"
}

reference_loopback_only() {
    need_reference
    new_ns $C1
    refnet r1 10.124.0.0/24 gtref4
    gnet attach --id c1 --netns /run/netns/$C1 --network none --ifname lo >/dev/null
    assert_eq "$(in_ns $C1 ip -o link | awk -F': ' '{print $2}')" lo "links"
    assert_contains "$(in_ns $C1 ip -o link show lo)" "UP"
    gnet detach --id c1 --netns /run/netns/$C1 --network none --ifname lo
}

reference_teardown() {
    need_reference
    new_ns $C1
    refnet r1 10.125.0.0/24 gtref5
    links=$(count_links)
    for i in 1 2 3; do
        gnet attach --id c1 --netns /run/netns/$C1 --network r1 -p 8080:80 >/dev/null
        gnet detach --id c1 --netns /run/netns/$C1 --network r1
    done
    # the reference bridge plugin keeps its bridge: one link more at most
    [ "$(count_links)" -le $((links + 1)) ] || fail "links: $(count_links), before $links"
    assert_eq "$(in_ns $C1 ip -o link | wc -l)" 1 "links left in the container"
    assert_eq "$(count_ipam)" 0 "IPAM files"
    assert_eq "$(iptables -t nat -S | grep -c 'CNI-DN-' || true)" 0 "portmap chains"
    assert_eq "$(ls data/net/cache/results)" "" "cached results"
}

t "reference plugins: two containers reach each other" reference_two_containers
t "reference plugins: published port (loopback, client host, hairpin)" reference_published_port
t "reference plugins: outbound masquerade" reference_masquerade
t "reference plugins: loopback plugin only" reference_loopback_only
t "reference plugins: DEL removes veth, address, port rules" reference_teardown
done_testing
