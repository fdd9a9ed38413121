#!/bin/bash
# Container networking with Gantry's own plugin (gantry-cni-bridge) through
# the CNI caller: reachability, published ports, masquerade, isolation,
# teardown.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/_net.sh"

C1=gtc1-$$ C2=gtc2-$$ C3=gtc3-$$ CLIENT=gtcl-$$ SERVER=gtsv-$$

two_containers_reach_each_other() {
    need_net_tools
    new_ns $C1; new_ns $C2
    gnet create n1 --subnet 10.101.0.0/24 >/dev/null
    defer try gnet rm n1
    attach c1 $C1 n1
    attach c2 $C2 n1
    assert_eq "$(jq -r .ip c1.json)" 10.101.0.2 "c1 address"
    assert_eq "$(jq -r .gateway c1.json)" 10.101.0.1 "gateway"
    assert_eq "$(jq -r .prefixLen c2.json)" 24 "prefix"
    mac=$(jq -r .mac c1.json)
    assert_eq "$(in_ns $C1 cat /sys/class/net/eth0/address)" "$mac" "reported MAC"
    in_ns $C1 busybox ping -c1 -W2 10.101.0.3 >/dev/null
    serve $C2 7000
    assert_contains "$(fetch $C1 10.101.0.3 7000)" "hello from 10.101.0.2"
    # the default route goes via the gateway
    assert_contains "$(in_ns $C1 ip route show default)" "via 10.101.0.1"
    # CNI CHECK passes, and fails once the address is gone
    gnet check --id c1 --netns /run/netns/$C1 --network n1
    in_ns $C1 ip addr flush dev eth0
    ! gnet check --id c1 --netns /run/netns/$C1 --network n1 2>err || fail "CHECK passed"
    assert_contains "$(cat err)" "lacks address 10.101.0.2/24"
}

published_port_from_loopback_and_client_host() {
    need_net_tools
    new_ns $C1; new_ns $C2; new_ns $CLIENT
    gnet create n1 --subnet 10.102.0.0/24 >/dev/null
    defer try gnet rm n1
    attach c1 $C1 n1 -p 8080:80 -p 127.0.0.1:8081:81
    serve $C1 80
    serve $C1 81
    # the host's loopback; the source is masqueraded to the gateway
    assert_contains "$(fetch 127.0.0.1 8080)" "hello from 10.102.0.1"
    assert_contains "$(fetch 127.0.0.1 8081)" "hello from"
    # a client host reaching the host's own address: the container sees
    # the client as it is
    link_peer 192.168.201.1 $CLIENT 192.168.201.2
    assert_contains "$(fetch $CLIENT 192.168.201.1 8080)" "hello from 192.168.201.2"
    # 8081 is published on 127.0.0.1 only
    ! fetch $CLIENT 192.168.201.1 8081 >/dev/null 2>&1 || fail "8081 reachable from outside"
    # another container of the same network through the host port (hairpin),
    # and the container itself
    attach c2 $C2 n1
    assert_contains "$(fetch $C2 10.102.0.1 8080)" "hello from"
    assert_contains "$(fetch $C1 10.102.0.1 8080)" "hello from"
    # a second container cannot take the same host port
    new_ns $C3
    ! gnet attach --id c3 --netns /run/netns/$C3 --network n1 -p 8080:80 >out 2>err ||
        fail "a taken host port was published twice"
    assert_contains "$(cat err)" "host port 8080/tcp is already published by c1:eth0"
    assert_eq "$(in_ns $C3 ip -o link | wc -l)" 1 "links left in c3 after the failed attach"
    assert_eq "$(gnet inspect --id c3 --network n1 2>/dev/null)" "" "cache entry of a failed attach"
}

outbound_is_masqueraded() {
    need_net_tools
    new_ns $C1; new_ns $SERVER
    link_peer 192.168.202.1 $SERVER 192.168.202.2
    gnet create n1 --subnet 10.103.0.0/24 >/dev/null
    defer try gnet rm n1
    attach c1 $C1 n1
    serve $SERVER 9000
    assert_contains "$(fetch $C1 192.168.202.2 9000)" "hello from 192.168.202.1"
    # an internal network has no outbound NAT: the server (which routes
    # back through the host) sees the container's own address
    gnet create n2 --subnet 10.104.0.0/24 --internal >/dev/null
    defer try gnet rm n2
    new_ns $C2
    attach c2 $C2 n2
    assert_contains "$(fetch $C2 192.168.202.2 9000)" "hello from 10.104.0.2"
}

networks_are_isolated() {
    need_net_tools
    new_ns $C1; new_ns $C2
    gnet create na --subnet 10.105.0.0/24 >/dev/null
    defer try gnet rm na
    gnet create nb --subnet 10.106.0.0/24 >/dev/null
    defer try gnet rm nb
    attach c1 $C1 na
    attach c2 $C2 nb -p 8090:80
    serve $C2 80
    ! in_ns $C1 busybox ping -c1 -W1 10.106.0.2 >/dev/null 2>&1 || fail "networks not isolated"
    ! fetch $C1 10.106.0.2 80 >/dev/null 2>&1 || fail "tcp across networks"
    # a published port stays reachable from another network
    assert_contains "$(fetch $C1 10.105.0.1 8090)" "hello from"
}

no_network_has_only_lo() {
    need_net_tools
    new_ns $C1
    gnet lo --netns /run/netns/$C1
    assert_eq "$(in_ns $C1 ip -o link | awk -F': ' '{print $2}')" lo "links"
    assert_contains "$(in_ns $C1 ip -o link show lo)" "UP"
    assert_eq "$(in_ns $C1 ip -o -4 addr | awk '{print $4}')" 127.0.0.1/8 "addresses"
}

teardown_leaves_nothing() {
    need_net_tools
    new_ns $C1
    links=$(count_links); rules=$(count_rules)
    gnet create n1 --subnet 10.107.0.0/24 >/dev/null
    gnet attach --id c1 --netns /run/netns/$C1 --network n1 -p 8080:80 >/dev/null
    # busy while attached
    ! gnet rm n1 2>err || fail "removed a network in use"
    assert_contains "$(cat err)" "still attached"
    gnet detach --id c1 --netns /run/netns/$C1 --network n1
    gnet detach --id c1 --netns /run/netns/$C1 --network n1 # twice is fine
    assert_eq "$(in_ns $C1 ip -o link | wc -l)" 1 "links left in the container"
    gnet rm n1
    assert_eq "$(count_links)" "$links" "host links"
    assert_eq "$(count_rules)" "$rules" "nft rules"
    assert_eq "$(count_ipam)" 0 "IPAM files"
    assert_eq "$(ls data/net/cache/results)" "" "cached results"
    assert_eq "$(ls data/net/conf.d)" "" "network configs"
}

detach_after_the_namespace_is_gone() {
    need_net_tools
    gnet create n1 --subnet 10.108.0.0/24 >/dev/null
    defer try gnet rm n1
    ip netns add $C1
    defer try ip netns del $C1
    gnet attach --id c1 --netns /run/netns/$C1 --network n1 -p 8080:80 >/dev/null
    ip netns del $C1
    gnet detach --id c1 --netns /run/netns/$C1 --network n1
    assert_eq "$(count_ipam)" 0 "IPAM files"
    assert_eq "$(nft list chain ip gantry ports | grep -c dnat || true)" 0 "port rules"
    assert_eq "$(ip -o link | grep -c gtv || true)" 0 "host veths"
}

bad_input_is_refused_cleanly() {
    need_net_tools
    new_ns $C1
    ! gnet create n1 --subnet 10.109.0.0/33 2>err || fail "bad subnet accepted"
    assert_contains "$(cat err)" "bad prefix length"
    gnet create n1 --subnet 10.109.0.0/24 >/dev/null
    defer try gnet rm n1
    ! gnet create n2 --subnet 10.109.0.128/25 2>err || fail "overlap accepted"
    assert_contains "$(cat err)" "overlaps network n1"
    ! gnet attach --id c1 --netns /run/netns/$C1 --network nope 2>err || fail "unknown network"
    assert_contains "$(cat err)" 'no network named "nope"'
    ! gnet attach --id 'bad/id' --netns /run/netns/$C1 --network n1 2>err || fail "bad id"
    assert_contains "$(cat err)" "invalid container id"
    ! gnet attach --id c1 --netns /etc/hostname --network n1 2>err || fail "bad netns"
    assert_contains "$(cat err)" "not a namespace file"
    ! gnet attach --id c1 --netns /run/netns/$C1 --network n1 -p 70000:80 2>err ||
        fail "bad port"
    assert_contains "$(cat err)" "is not a port"
    assert_eq "$(count_ipam)" 0 "IPAM files"
    assert_eq "$(in_ns $C1 ip -o link | wc -l)" 1 "links in the container"
}

concurrent_attach_and_detach() {
    need_net_tools
    links=$(count_links); rules=$(count_rules)
    gnet create pa --subnet 10.110.0.0/24 >/dev/null
    gnet create pb --subnet 10.111.0.0/24 >/dev/null
    local i pids=()
    for i in 1 2 3 4 5 6 7 8; do
        new_ns gtp$i-$$
    done
    for i in 1 2 3 4 5 6 7 8; do
        net=pa; [ $((i % 2)) = 0 ] && net=pb
        gnet attach --id p$i --netns /run/netns/gtp$i-$$ --network $net -p $((9000 + i)):80 \
            >p$i.json 2>p$i.err &
        pids+=($!)
    done
    for p in "${pids[@]}"; do wait "$p" || fail "an attach failed: $(cat p*.err)"; done
    assert_eq "$(cat p*.json | jq -r .ip | sort -u | wc -l)" 8 "distinct addresses"
    assert_eq "$(nft list chain ip gantry ports | grep -c dnat)" 8 "port rules"
    pids=()
    for i in 1 2 3 4 5 6 7 8; do
        net=pa; [ $((i % 2)) = 0 ] && net=pb
        gnet detach --id p$i --netns /run/netns/gtp$i-$$ --network $net &
        pids+=($!)
    done
    for p in "${pids[@]}"; do wait "$p" || fail "a detach failed"; done
    gnet rm pa
    gnet rm pb
    assert_eq "$(count_links)" "$links" "host links"
    assert_eq "$(count_rules)" "$rules" "nft rules"
    assert_eq "$(count_ipam)" 0 "IPAM files"
}

t "two containers on one network reach each other (ping, tcp)" two_containers_reach_each_other
t "published port answers on loopback, from a client host, hairpin" published_port_from_loopback_and_client_host
t "outbound traffic is masqueraded to the host's address" outbound_is_masqueraded
t "networks are isolated from each other" networks_are_isolated
t "a container with no network has only lo" no_network_has_only_lo
t "detach and network removal leave nothing" teardown_leaves_nothing
t "detach works after the namespace is gone" detach_after_the_namespace_is_gone
t "bad input gets clear errors and leaves nothing" bad_input_is_refused_cleanly
t "concurrent attaches and detaches on two networks" concurrent_attach_and_detach
done_testing
