#!/bin/bash
# bench/api.sh - the Kubernetes API server of `gantry server`, measured by
# gantry api-tool (our own C load generator over http/client.h, one
# keep-alive connection per client) over the loopback plain-HTTP listener:
#   create   POST of a new ConfigMap (acknowledged after the store's fsync)
#   get      GET of one ConfigMap
#   list     GET of a namespace of 100 ConfigMaps (limit=500)
#   watch    a write's event reaching every one of N watches (from the
#            write's request being sent: the write itself is included)
# at 1, 10 and 100 concurrent clients; event delivery to 1000 watchers;
# the server's RSS idle and after the load (VmHWM: its peak).  The same
# create/get runs again with the server on etcd (--datastore-endpoint).
#
# Peers: kube-apiserver and k3s are not installable from Debian, so there
# is no API-level peer to run side by side.  The one peer that exists is
# etcd, the store kube-apiserver would use: bench/store.sh (called at the
# end) compares our SQLite store's raw write latency with etcd's own, and
# the ratio printed here (API create / raw store put) shows what the API
# layer adds on top of the store.
#
#   bench/api.sh                   (needs curl, python3; etcd for the etcd runs)
#   API_BENCH_OPS=1000 bench/api.sh    fewer operations per run
#   API_BENCH_NO_STORE=1 bench/api.sh  skip bench/store.sh
set -eu
cd "$(dirname "$0")/.."
ROOT=$PWD
if [ "$(id -u)" = 0 ]; then scripts/deps.sh --bench >/dev/null 2>&1 || true; fi
make -s -j"$(nproc)" build/gantry
G=$ROOT/build/gantry
OPS=${API_BENCH_OPS:-3000}

TMP=$(mktemp -d /tmp/gantry-bench-api.XXXXXX)
SERVER_PID=
ETCD_PID=
cleanup() {
    for p in $SERVER_PID $ETCD_PID; do
        kill -9 "$p" 2>/dev/null || true
        wait "$p" 2>/dev/null || true
    done
    rm -rf "$TMP"
}
trap cleanup EXIT

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# start_server NAME [FLAGS...]: sets SERVER_PID and URL
start_server() {
    local name=$1
    shift
    local port
    port=$(free_port)
    URL=http://127.0.0.1:$port
    "$G" server --data-dir "$TMP/$name" --https-listen-port "$(free_port)" \
        --bind-address 127.0.0.1 --insecure-http-address "127.0.0.1:$port" --disable-agent \
        --log-level warn "$@" >"$TMP/$name.log" 2>&1 &
    SERVER_PID=$!
    for _ in $(seq 100); do
        curl -fs -o /dev/null "$URL/readyz" && return 0
        sleep 0.1
    done
    echo "server did not start:"
    cat "$TMP/$name.log"
    exit 1
}

stop_server() {
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=
}

rss_kb() { awk -v k="$2" '$1 == k":" {print $2}' "/proc/$1/status"; }

ns() { # ns NAME: create a namespace through the API
    curl -fs -o /dev/null -X POST -H 'Content-Type: application/json' \
        -d "{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\"$1\"}}" \
        "$URL/api/v1/namespaces"
}

RESULTS=$TMP/results
: >"$RESULTS"
tool() { "$G" api-tool --server "$URL" "$@"; }
# run LABEL ARGS...: one api-tool run; its "op ops N p50_ms .. p99_ms .." line recorded
run() {
    local label=$1
    shift
    tool "$@" >"$TMP/run.out" || echo "# $label $*: api-tool reported errors: $(grep -v ' ops ' "$TMP/run.out" | tr '\n' ' ')"
    awk -v l="$label" '$2 == "ops" { print l, $1, $3, $5, $7, $11 }' "$TMP/run.out" >>"$RESULTS"
    grep -q ' ops ' "$TMP/run.out" || { echo "# $label $*: no result"; cat "$TMP/run.out"; }
}

echo "# API server benchmark: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $OPS ops per run"
echo "# the machine is shared with other engineers' builds and tests: figures are noisy"

start_server sqlite
sleep 2
IDLE_RSS=$(rss_kb "$SERVER_PID" VmRSS)
ns bench-list
tool --namespace bench-list bench create 10 100 >/dev/null
for n in 1 10 100; do
    ops=$OPS
    [ "$n" = 1 ] && ops=$((OPS / 3))
    ns "bench-$n"
    run sqlite --namespace "bench-$n" bench create "$n" "$ops"
    run sqlite --namespace "bench-$n" bench get "$n" "$ops"
    run sqlite --namespace bench-list bench list "$n" $((ops / 5))
    ns "watch-$n"
    run sqlite --namespace "watch-$n" bench watch "$n" 50
done
ns watch-1000
run sqlite --namespace watch-1000 watchers 1000 50
LOADED_RSS=$(rss_kb "$SERVER_PID" VmRSS)
PEAK_RSS=$(rss_kb "$SERVER_PID" VmHWM)
OBJECTS=$(curl -fs "$URL/api/v1/configmaps" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["items"]))')
stop_server

# the same server on etcd
if [ -x /usr/bin/etcd ]; then
    CPORT=$(free_port)
    PPORT=$(free_port)
    EP=http://127.0.0.1:$CPORT
    /usr/bin/etcd --name bench --data-dir "$TMP/etcd" --listen-client-urls "$EP" \
        --advertise-client-urls "$EP" --listen-peer-urls "http://127.0.0.1:$PPORT" \
        --initial-advertise-peer-urls "http://127.0.0.1:$PPORT" \
        --initial-cluster "bench=http://127.0.0.1:$PPORT" --logger zap --log-level error \
        >"$TMP/etcd.log" 2>&1 &
    ETCD_PID=$!
    for _ in $(seq 100); do
        curl -sf -X POST "$EP/v3/maintenance/status" -d '{}' >/dev/null && break
        sleep 0.1
    done
    start_server etcd --datastore-endpoint "$EP"
    for n in 1 10; do
        ops=$OPS
        [ "$n" = 1 ] && ops=$((OPS / 3))
        ns "bench-$n"
        run etcd --namespace "bench-$n" bench create "$n" "$ops"
        run etcd --namespace "bench-$n" bench get "$n" "$ops"
    done
    stop_server
    kill "$ETCD_PID" 2>/dev/null || true
    wait "$ETCD_PID" 2>/dev/null || true
    ETCD_PID=
fi

python3 - "$RESULTS" "$IDLE_RSS" "$LOADED_RSS" "$PEAK_RSS" "$OBJECTS" <<'EOF'
import sys
rows = [l.split() for l in open(sys.argv[1])]
print("\n%-8s %-28s %8s %10s %10s %10s" % ("store", "operation (clients)", "ops", "p50 ms",
                                          "p99 ms", "ops/s"))
for store, op, n, p50, p99, tput in rows:
    print("%-8s %-28s %8s %10s %10s %10s" % (store, op, n, p50, p99,
          "-" if op.startswith(("watch", "delivery")) else tput))
print("\nserver RSS: idle %.1f MiB; after the load %.1f MiB (peak %.1f MiB, with 1000 watches "
      "open); %s ConfigMaps stored" % (int(sys.argv[2]) / 1024, int(sys.argv[3]) / 1024,
                                       int(sys.argv[4]) / 1024, sys.argv[5]))
r = {(s, op): (float(a), float(b), float(c)) for s, op, n, a, b, c in rows}
print("\nratios (sqlite / etcd as the API server's store):")
for op in ("create_c1", "create_c10", "get_c1", "get_c10"):
    if ("sqlite", op) in r and ("etcd", op) in r:
        x, y = r[("sqlite", op)], r[("etcd", op)]
        print("  %-11s p50 latency x%.2f   throughput x%.2f" % (op, x[0] / y[0], x[2] / y[2]))
EOF

if [ -z "${API_BENCH_NO_STORE:-}" ]; then
    echo
    echo "# bench/store.sh: the raw store underneath (our SQLite store against etcd itself)"
    STORE_BENCH_OPS=${STORE_BENCH_OPS:-$OPS} bench/store.sh | tee "$TMP/store.out"
    python3 - "$RESULTS" "$TMP/store.out" <<'EOF'
import sys
api = {(s, op): float(p50) for s, op, n, p50, p99, t in (l.split() for l in open(sys.argv[1]))}
store = {}
for l in open(sys.argv[2]):
    f = l.split()
    if len(f) == 6 and f[1] == "put":
        try:
            store[(f[0], int(f[2]))] = float(f[3]) / 1000.0
        except ValueError:
            pass
print("\nwhat the API adds to a write (create p50 through the API / raw put p50 of the store):")
for n in (1, 10, 100):
    a, s = api.get(("sqlite", "create_c%d" % n)), store.get(("sqlite", n))
    e = store.get(("etcd-curl", n))
    if a and s:
        line = "  %3d clients: API create %.2f ms / SQLite put %.2f ms = x%.2f" % (n, a, s, a / s)
        if e:
            line += "; etcd's own put %.2f ms" % e
        print(line)
EOF
fi
