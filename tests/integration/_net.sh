# tests/integration/_net.sh - helpers of the net_* scripts (sourced after
# lib.sh).  The runner puts each script in a fresh network namespace: that
# namespace is "the host".  Containers, a client host and an outside server
# are further namespaces made here, named with $$ and removed by `defer`.

GANTRY=$BUILD/gantry
CNI_PATH_TEST="$BUILD:/usr/lib/cni"
export GANTRY_CNI_PATH=$CNI_PATH_TEST

need_net_tools() {
    [ "$(id -u)" = 0 ] || skip "needs root"
    command -v ip >/dev/null || skip "needs iproute2"
    command -v nft >/dev/null || skip "needs nft"
    command -v socat >/dev/null || skip "needs socat (scripts/deps.sh installs it)"
    [ -x "$GANTRY" ] && [ -x "$BUILD/gantry-cni-bridge" ] || fail "build first: $GANTRY"
    ip link set lo up
}

# try CMD...: run CMD, never fail (for `defer`: lib.sh stops running a
# case's deferred commands at the first one that fails)
try() {
    "$@" >/dev/null 2>&1 || true
}

# new_ns NAME: a network namespace removed at the end of the case
new_ns() {
    ip netns add "$1"
    defer try ip netns del "$1"
}

# in_ns NAME CMD...: run CMD inside namespace NAME
in_ns() {
    local ns=$1; shift
    ip netns exec "$ns" "$@"
}

# gnet ARGS...: gantry net with this case's data directory
gnet() {
    "$GANTRY" net --data-dir "$_it_case_dir/data" "$@"
}

# attach ID NS NETWORK [gnet args...]: attaches namespace NS as container ID
# (the result in ./ID.json), detached at the end of the case
attach() {
    local id=$1 ns=$2 net=$3; shift 3
    gnet attach --id "$id" --netns "/run/netns/$ns" --network "$net" "$@" >"$id.json"
    defer try gnet detach --id "$id" --netns "/run/netns/$ns" --network "$net"
}

# serve NS PORT: a TCP server in NS on PORT answering "hello from <peer>";
# ended at the end of the case
serve() {
    local ns=$1 port=$2
    ip netns exec "$ns" socat "TCP-LISTEN:$port,fork,reuseaddr" \
        SYSTEM:'echo hello from $SOCAT_PEERADDR' &
    defer try kill $!
    wait_port "$ns" "$port"
}

# wait_port NS PORT: until something listens on tcp PORT in NS (3 s at most)
wait_port() {
    local i
    for i in $(seq 30); do
        ip netns exec "$1" ss -Hltn "sport = :$2" 2>/dev/null | grep -q . && return 0
        sleep 0.1
    done
    fail "nothing listens on port $2 in $1"
}

# fetch [NS] HOST PORT: connect and print what the server says (5 s max)
fetch() {
    if [ $# = 3 ]; then
        ip netns exec "$1" timeout 5 socat -T3 - "TCP:$2:$3" </dev/null
    else
        timeout 5 socat -T3 - "TCP:$1:$2" </dev/null
    fi
}

# link_peer HOSTNS_ADDR PEER_NS PEER_ADDR: a veth between the host and
# PEER_NS, addresses in a /24, the peer routing everything via the host
link_peer() {
    local host_addr=$1 ns=$2 peer_addr=$3
    local tail=$ns
    [ ${#ns} -gt 10 ] && tail=${ns:${#ns}-10}
    local a="h$tail" b="p$tail"
    ip link add "$a" type veth peer name "$b" netns "$ns"
    ip addr add "$host_addr/24" dev "$a"
    ip link set "$a" up
    in_ns "$ns" ip addr add "$peer_addr/24" dev "$b"
    in_ns "$ns" ip link set "$b" up
    in_ns "$ns" ip link set lo up
    in_ns "$ns" ip route add default via "$host_addr"
}

# counts of what teardown must leave as it found: links of the host,
# IPAM files, nft rules
count_links() { ip -o link | wc -l; }
count_ipam() { find "$_it_case_dir/data/net/ipam" -type f ! -name lock ! -name 'last_reserved_ip.*' ! -name '.nft.lock' 2>/dev/null | wc -l; }
count_rules() { nft -a list ruleset 2>/dev/null | grep -c '# handle' || true; }
