#!/bin/bash
# bench/net.sh - container networking against the reference CNI plugins.
#
#   1. CNI ADD+DEL of one container: gantry-cni-bridge vs the reference
#      bridge plugin with host-local IPAM (both with outbound masquerade),
#      each plugin exec'd directly as a runtime does; medians and p99.
#   2. The same through Gantry's caller (gantry net attach + detach), with
#      one published port: gantry-cni-bridge vs bridge + host-local + portmap.
#   3. Container-to-container TCP throughput (iperf3, one run) on a Gantry
#      network against the same over loopback.
#
# Runs in its own network and mount namespaces; touches nothing outside.
#   bench/net.sh [RUNS]     (default 200 ADD+DEL runs per side)
set -eu
cd "$(dirname "$0")/.."
ROOT=$PWD
RUNS=${1:-200}

if [ -z "${GANTRY_BENCH_INNER:-}" ]; then
    [ "$(id -u)" = 0 ] || { echo "bench/net.sh: needs root" >&2; exit 1; }
    scripts/deps.sh --bench
    make -s -j"$(nproc)" all
    exec env GANTRY_BENCH_INNER=1 unshare --mount --propagation private --net "$0" "$@"
fi

ip link set lo up
B=$ROOT/build
REF=/usr/lib/cni
W=$(mktemp -d /tmp/gantry-bench-net.XXXXXX)
NS1=gtb1-$$ NS2=gtb2-$$
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    ip netns del $NS1 2>/dev/null || true
    ip netns del $NS2 2>/dev/null || true
    rm -rf "$W"
}
trap cleanup EXIT
ip netns add $NS1
ip netns add $NS2

# median / p99 of the numbers on stdin (one per line)
stats() {
    sort -n | awk '{ v[NR] = $1 } END {
        m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
        p = v[int(NR * 0.99 + 0.999)]; if (p == "") p = v[NR]
        printf "%.2f %.2f\n", m, p }'
}

# time_cycles PLUGIN CONFIG: RUNS x (ADD; DEL) of one container, ms per cycle
time_cycles() {
    local plugin=$1 conf=$2 i t0 t1
    export CNI_NETNS=/run/netns/$NS1 CNI_IFNAME=eth0 CNI_PATH=$REF:$B
    for i in $(seq "$RUNS"); do
        export CNI_CONTAINERID=bench-$i
        t0=$EPOCHREALTIME
        CNI_COMMAND=ADD "$plugin" <"$conf" >/dev/null
        CNI_COMMAND=DEL "$plugin" <"$conf" >/dev/null
        t1=$EPOCHREALTIME
        echo "$t0 $t1" | awk '{ printf "%.3f\n", ($2 - $1) * 1000 }'
    done
}

cat >"$W/ours.json" <<EOF
{"cniVersion": "1.0.0", "name": "bench-ours", "type": "gantry-cni-bridge",
 "bridge": "gtb-ours", "ipMasq": true,
 "ipam": {"ranges": [[{"subnet": "10.151.0.0/24"}]], "dataDir": "$W/ipam"}}
EOF
cat >"$W/ref.json" <<EOF
{"cniVersion": "1.0.0", "name": "bench-ref", "type": "bridge",
 "bridge": "gtb-ref", "isGateway": true, "ipMasq": true,
 "ipam": {"type": "host-local", "ranges": [[{"subnet": "10.152.0.0/24"}]],
          "routes": [{"dst": "0.0.0.0/0"}], "dataDir": "$W/ipam"}}
EOF

echo "# net benchmark ($(nproc) cores, shared machine: figures are noisy)"
echo
echo "## CNI ADD+DEL, plugin exec'd directly, $RUNS runs each (ms per cycle)"
# one warm-up cycle each (bridge creation, first rules)
RUNS=3 time_cycles "$B/gantry-cni-bridge" "$W/ours.json" >/dev/null
RUNS=3 time_cycles "$REF/bridge" "$W/ref.json" >/dev/null
read -r o_med o_p99 < <(time_cycles "$B/gantry-cni-bridge" "$W/ours.json" | stats)
read -r r_med r_p99 < <(time_cycles "$REF/bridge" "$W/ref.json" | stats)
printf "%-36s median %8s  p99 %8s\n" "gantry-cni-bridge" "$o_med" "$o_p99"
printf "%-36s median %8s  p99 %8s\n" "bridge + host-local (reference)" "$r_med" "$r_p99"
awk -v a="$o_med" -v b="$r_med" 'BEGIN { printf "ratio reference/gantry (median): %.2fx\n", b / a }'

echo
echo "## attach+detach through gantry net, one published port ($((RUNS / 4)) runs each, ms)"
export GANTRY_DATA_DIR=$W/data GANTRY_CNI_PATH=$B:$REF
"$B/gantry" net create benchours --subnet 10.153.0.0/24 >/dev/null
cat >"$W/data/net/conf.d/benchref.conflist" <<EOF
{"cniVersion": "1.0.0", "name": "benchref", "plugins": [
  {"type": "bridge", "bridge": "gtb-ref2", "isGateway": true, "ipMasq": true,
   "ipam": {"type": "host-local", "ranges": [[{"subnet": "10.154.0.0/24"}]],
            "routes": [{"dst": "0.0.0.0/0"}], "dataDir": "$W/ipam"}},
  {"type": "portmap", "capabilities": {"portMappings": true}, "snat": true}]}
EOF
time_attach() {
    local net=$1 i t0 t1
    for i in $(seq $((RUNS / 4))); do
        t0=$EPOCHREALTIME
        "$B/gantry" net attach --id b$i --netns /run/netns/$NS1 --network "$net" -p 8080:80 >/dev/null
        "$B/gantry" net detach --id b$i --netns /run/netns/$NS1 --network "$net"
        t1=$EPOCHREALTIME
        echo "$t0 $t1" | awk '{ printf "%.3f\n", ($2 - $1) * 1000 }'
    done
}
RUNS=8 time_attach benchours >/dev/null
RUNS=8 time_attach benchref >/dev/null
read -r o2_med o2_p99 < <(time_attach benchours | stats)
read -r r2_med r2_p99 < <(time_attach benchref | stats)
printf "%-36s median %8s  p99 %8s\n" "gantry-cni-bridge" "$o2_med" "$o2_p99"
printf "%-36s median %8s  p99 %8s\n" "bridge + host-local + portmap" "$r2_med" "$r2_p99"
awk -v a="$o2_med" -v b="$r2_med" 'BEGIN { printf "ratio reference/gantry (median): %.2fx\n", b / a }'

echo
echo "## TCP throughput, iperf3 -t 5, one run (Gbit/s)"
"$B/gantry" net attach --id ip1 --netns /run/netns/$NS1 --network benchours >/dev/null
"$B/gantry" net attach --id ip2 --netns /run/netns/$NS2 --network benchours >/dev/null
srv_ip=$("$B/gantry" net inspect --id ip1 --network benchours | jq -r .ip)
ip netns exec $NS1 iperf3 -s -1 -B "$srv_ip" >/dev/null 2>&1 &
pids+=($!)
sleep 0.5
ctr=$(ip netns exec $NS2 iperf3 -c "$srv_ip" -t 5 -J | jq '.end.sum_received.bits_per_second')
iperf3 -s -1 -B 127.0.0.1 >/dev/null 2>&1 &
pids+=($!)
sleep 0.5
lo=$(iperf3 -c 127.0.0.1 -t 5 -J | jq '.end.sum_received.bits_per_second')
awk -v c="$ctr" -v l="$lo" 'BEGIN {
    printf "%-36s %8.2f\n", "container -> container (veth+bridge)", c / 1e9
    printf "%-36s %8.2f\n", "host loopback", l / 1e9
    printf "ratio container/loopback: %.2f\n", c / l }'
"$B/gantry" net detach --id ip1 --netns /run/netns/$NS1 --network benchours
"$B/gantry" net detach --id ip2 --netns /run/netns/$NS2 --network benchours
