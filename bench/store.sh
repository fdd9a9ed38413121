#!/bin/bash
# bench/store.sh - the store's write latency (p50, p99) and throughput at 1,
# 10 and 100 concurrent writers, in one run:
#   sqlite        our SQLite store (WAL, synchronous=FULL, group commit)
#   sqlite-nogc   the same with group commit off (--max-batch 1), to show
#                 what batching buys
#   etcd          our etcd backend (v3 JSON gateway over libcurl, threads)
#   etcd-curl     etcd itself driven by curl's own parallel client
#                 (curl -Z, one HTTP/1.1 keep-alive connection per slot)
#                 against the same gateway: the peer a user would script
# and reads (10 readers) and watch fan-out latency (10 and 100 watchers),
# with ratios.  etcd is Debian's etcd-server on free loopback ports with a
# temporary data dir, killed by pid at the end.  Every write of every client
# is a put of a new key with a 256-byte value, acknowledged after fsync
# (etcd fsyncs its WAL before answering; so does our SQLite store).
#
# `etcdctl check perf` (etcd's Go gRPC client) runs at a fixed request rate
# for 60 s, which measures whether a disk keeps up, not latency under
# concurrency; set STORE_BENCH_CHECK_PERF=1 to append its verdict anyway.
#
#   bench/store.sh                 (root not needed; needs etcd, curl, python3)
#   STORE_BENCH_OPS=2000 bench/store.sh   fewer operations per run
set -eu
cd "$(dirname "$0")/.."
ROOT=$PWD
if [ "$(id -u)" = 0 ]; then scripts/deps.sh --bench; fi
make -s -j"$(nproc)" build/gantry
G=$ROOT/build/gantry
OPS=${STORE_BENCH_OPS:-6000}
VALUE_SIZE=256

TMP=$(mktemp -d /tmp/gantry-bench-store.XXXXXX)
ETCD_PID=
cleanup() {
    if [ -n "$ETCD_PID" ]; then
        kill -9 "$ETCD_PID" 2>/dev/null || true
        wait "$ETCD_PID" 2>/dev/null || true
    fi
    rm -rf "$TMP"
}
trap cleanup EXIT

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
CPORT=$(free_port)
PPORT=$(free_port)
EP=http://127.0.0.1:$CPORT
/usr/bin/etcd --name bench --data-dir "$TMP/etcd" \
    --listen-client-urls "$EP" --advertise-client-urls "$EP" \
    --listen-peer-urls "http://127.0.0.1:$PPORT" \
    --initial-advertise-peer-urls "http://127.0.0.1:$PPORT" \
    --initial-cluster "bench=http://127.0.0.1:$PPORT" \
    --logger zap --log-level error >"$TMP/etcd.log" 2>&1 &
ETCD_PID=$!
for _ in $(seq 100); do
    curl -sf -X POST "$EP/v3/maintenance/status" -d '{}' >/dev/null && break
    sleep 0.1
done
curl -sf -X POST "$EP/v3/maintenance/status" -d '{}' >/dev/null ||
    { echo "etcd did not start:"; cat "$TMP/etcd.log"; exit 1; }

echo "# store benchmark: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)," \
    "$OPS writes per run, ${VALUE_SIZE}-byte values; $(/usr/bin/etcd --version | head -1)"
echo "# the machine is shared with other engineers' builds and tests: figures are noisy"

RESULTS=$TMP/results
: >"$RESULTS"
# record NAME OP THREADS P50_US P99_US OPS_PER_S
record() { echo "$*" >>"$RESULTS"; }

ours() { # ours NAME OP THREADS OPS -- store-tool options
    local name=$1 op=$2 threads=$3 ops=$4
    shift 5
    local line
    line=$("$G" store-tool "$@" bench "$op" "$threads" "$ops" $VALUE_SIZE)
    record "$name" "$op" "$threads" \
        "$(sed -E 's/.*p50_us=([0-9.]+).*/\1/' <<<"$line")" \
        "$(sed -E 's/.*p99_us=([0-9.]+).*/\1/' <<<"$line")" \
        "$(sed -E 's/.*ops_per_s=([0-9.]+).*/\1/' <<<"$line")"
}

# etcd-curl THREADS OPS: OPS puts through the gateway, THREADS in flight
etcd_curl() {
    local threads=$1 ops=$2 cfg=$TMP/curl.cfg
    python3 - "$EP" "$ops" "$threads" "$VALUE_SIZE" >"$cfg" <<'EOF'
import base64, sys
ep, ops, threads, vsize = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
val = base64.b64encode(b"x" * vsize).decode()
for i in range(ops):
    if i:
        print("next")
    key = base64.b64encode(("/curl/%s/%d" % (threads, i)).encode()).decode()
    print('url = "%s/v3/kv/put"\ndata = "{\\"key\\":\\"%s\\",\\"value\\":\\"%s\\"}"' % (ep, key, val))
    print('output = "/dev/null"\nwrite-out = "%{http_code} %{time_total}\\n"')
EOF
    local t0 t1
    t0=$(date +%s%N)
    curl -s -Z --parallel-max "$threads" -K "$cfg" >"$TMP/curl.out" 2>"$TMP/curl.err"
    t1=$(date +%s%N)
    python3 - "$TMP/curl.out" "$ops" "$t0" "$t1" "$threads" >>"$RESULTS" <<'EOF'
import sys
lines = [l.split() for l in open(sys.argv[1])]
ok = sorted(float(t) * 1e6 for c, t in lines if c == "200")
ops, t0, t1 = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
if len(ok) != ops:
    sys.exit("etcd-curl: %d of %d puts answered 200" % (len(ok), ops))
print("etcd-curl put %s %.1f %.1f %.0f" % (sys.argv[5], ok[len(ok) // 2],
      ok[min(len(ok) - 1, len(ok) * 99 // 100)], ops * 1e9 / (t1 - t0)))
EOF
}

for n in 1 10 100; do
    ops=$OPS
    [ "$n" = 1 ] && ops=$((OPS / 3))
    ours sqlite put "$n" "$ops" -- --data-dir "$TMP/sqlite-$n"
    ours sqlite-nogc put "$n" "$ops" -- --data-dir "$TMP/sqlite-nogc-$n" --max-batch 1
    ours etcd put "$n" "$ops" -- --backend etcd --endpoints "$EP"
    etcd_curl "$n" "$ops"
done
ours sqlite get 10 "$OPS" -- --data-dir "$TMP/sqlite-get"
ours etcd get 10 "$OPS" -- --backend etcd --endpoints "$EP"
for n in 10 100; do
    ours sqlite watch "$n" 200 -- --data-dir "$TMP/sqlite-watch-$n"
    ours etcd watch "$n" 200 -- --backend etcd --endpoints "$EP"
done

python3 - "$RESULTS" <<'EOF'
import sys
rows = [l.split() for l in open(sys.argv[1])]
r = {(n, op, int(t)): (float(a), float(b), float(c)) for n, op, t, a, b, c in rows}
print("\n%-12s %-6s %7s %12s %12s %12s" % ("client", "op", "threads", "p50 (us)", "p99 (us)", "ops/s"))
for n, op, t, a, b, c in rows:
    tput = "-" if op == "watch" else "%.0f" % float(c)
    print("%-12s %-6s %7s %12.0f %12.0f %12s" % (n, op, t, float(a), float(b), tput))
print("\nratios (throughput, higher is better for the first; p50 latency, lower is better for the first):")
def ratio(a, b, op, t):
    if (a, op, t) in r and (b, op, t) in r:
        x, y = r[(a, op, t)], r[(b, op, t)]
        print("  %-4s %3d threads: %-11s / %-11s  throughput x%.2f   p50 latency x%.2f" %
              (op, t, a, b, x[2] / y[2] if y[2] else 0, x[0] / y[0] if y[0] else 0))
for t in (1, 10, 100):
    ratio("sqlite", "etcd-curl", "put", t)
    ratio("sqlite", "etcd", "put", t)
    ratio("etcd", "etcd-curl", "put", t)
    ratio("sqlite", "sqlite-nogc", "put", t)
ratio("sqlite", "etcd", "get", 10)
for t in (10, 100):
    x, y = r.get(("sqlite", "watch", t)), r.get(("etcd", "watch", t))
    if x and y:
        print("  watch %3d watchers: sqlite / etcd  p50 delivery latency x%.2f" % (t, x[0] / y[0]))
EOF

if [ -n "${STORE_BENCH_CHECK_PERF:-}" ]; then
    echo
    echo "# etcdctl check perf --load=s (etcd's Go gRPC client, fixed rate, 60 s):"
    ETCDCTL_API=3 etcdctl --endpoints "$EP" check perf --load=s 2>&1 | tail -6
fi
