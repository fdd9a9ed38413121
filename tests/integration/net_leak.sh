#!/bin/bash
# 500 attach/detach cycles (CNI ADD/DEL through the caller and
# gantry-cni-bridge) leak no address, link or rule.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/_net.sh"

C1=gtl1-$$
CYCLES=${GANTRY_NET_CYCLES:-500}

cycles_leak_nothing() {
    need_net_tools
    new_ns $C1
    links0=$(count_links); rules0=$(count_rules)
    gnet create leak --subnet 10.131.0.0/24 >/dev/null
    defer try gnet rm leak
    # one cycle first: the bridge and the network's rules then exist
    gnet attach --id warm --netns /run/netns/$C1 --network leak -p 8080:80 -p 8081:81/udp >/dev/null
    gnet detach --id warm --netns /run/netns/$C1 --network leak
    links1=$(count_links); rules1=$(count_rules)
    local i
    for i in $(seq "$CYCLES"); do
        # ids differ so the round-robin walks the /24 twice over
        gnet attach --id "ctr-$i" --netns /run/netns/$C1 --network leak \
            -p 8080:80 -p 8081:81/udp >/dev/null || fail "attach #$i"
        if [ "$i" = 1 ]; then
            assert_eq "$(count_ipam)" 1 "IPAM files while attached"
            assert_eq "$(nft list chain ip gantry ports | grep -c dnat)" 2 "port rules while attached"
        fi
        gnet detach --id "ctr-$i" --netns /run/netns/$C1 --network leak || fail "detach #$i"
    done
    assert_eq "$(count_links)" "$links1" "host links after $CYCLES cycles"
    assert_eq "$(count_rules)" "$rules1" "nft rules after $CYCLES cycles"
    assert_eq "$(count_ipam)" 0 "IPAM files after $CYCLES cycles"
    assert_eq "$(in_ns $C1 ip -o link | wc -l)" 1 "links in the container"
    assert_eq "$(ls data/net/cache/results | wc -l)" 0 "cached results"
    gnet rm leak
    assert_eq "$(count_links)" "$links0" "host links after removing the network"
    assert_eq "$(count_rules)" "$rules0" "nft rules after removing the network"
}

t "$CYCLES ADD/DEL cycles leak no address, link or rule" cycles_leak_nothing
done_testing
