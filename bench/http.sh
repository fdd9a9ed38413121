#!/bin/bash
# bench/http.sh - the HTTP layer against libmicrohttpd (the peer), in one run:
#   - requests/s and p50/p99 latency of a small JSON GET with 1, 10 and
#     100 concurrent keep-alive clients (wrk);
#   - peak RSS with 1000 idle streaming connections (a watch each).
# Both servers answer the same bytes on 127.0.0.1 (a free port each).
#   bench/http.sh [seconds per run, default 5]
# The machine is shared: figures are noisy; compare the two columns of one run.
set -eu
cd "$(dirname "$0")/.."
DUR=${1:-5}
scripts/deps.sh --bench >/dev/null
make -s build/gantry >/dev/null
W=$(mktemp -d /tmp/gantry-bench-http.XXXXXX)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
    rm -rf "$W"
}
trap cleanup EXIT
gcc -O2 -o "$W/mhd-peer" bench/http_mhd_peer.c $(pkg-config --cflags --libs libmicrohttpd)

ulimit -n 8192
start() { # start NAME CMD...: sets PORT and PID
    "${@:2}" > "$W/$1.out" 2>"$W/$1.err" &
    PID=$!
    pids+=("$PID")
    for _ in $(seq 50); do grep -q '^port ' "$W/$1.out" 2>/dev/null && break; sleep 0.1; done
    PORT=$(awk '/^port /{print $2}' "$W/$1.out")
    [ -n "$PORT" ] || { echo "$1 did not start: $(cat "$W/$1.err")"; exit 1; }
}

start gantry build/gantry http-bench-server 127.0.0.1:0
G_PORT=$PORT G_PID=$PID
start mhd "$W/mhd-peer"
M_PORT=$PORT M_PID=$PID

# wrk_run PORT CONNS -> "rps p50 p99"
wrk_run() {
    local t=$(( $2 < 2 ? 1 : 2 ))
    wrk -t"$t" -c"$2" -d"${DUR}s" --latency "http://127.0.0.1:$1/json" > "$W/wrk.out" 2>&1
    awk '/Requests\/sec:/{rps=$2} /^ +50%/{p50=$2} /^ +99%/{p99=$2} END{print rps, p50, p99}' "$W/wrk.out"
}

echo "small JSON GET, keep-alive (wrk, ${DUR}s each): requests/s, p50, p99"
printf "%-8s %-32s %-32s %s\n" clients "gantry http/" "libmicrohttpd" "ratio (rps)"
for c in 1 10 100; do
    read -r g_rps g_50 g_99 <<<"$(wrk_run "$G_PORT" "$c")"
    read -r m_rps m_50 m_99 <<<"$(wrk_run "$M_PORT" "$c")"
    ratio=$(awk -v a="$g_rps" -v b="$m_rps" 'BEGIN{ if (b > 0) printf "%.2f", a / b; else print "n/a" }')
    printf "%-8s %-32s %-32s %s\n" "$c" "$g_rps /s  $g_50  $g_99" "$m_rps /s  $m_50  $m_99" "$ratio"
done

# 1000 idle streams: open them, wait until every one has its headers,
# read the server's RSS (VmHWM = peak), close them.
idle_rss() { # PORT PID
    /usr/bin/python3 - "$1" "$2" <<'PY'
import socket, sys, time
port, pid = int(sys.argv[1]), sys.argv[2]
socks = []
for i in range(1000):
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(b"GET /stream HTTP/1.1\r\nHost: x\r\n\r\n")
    socks.append(s)
ok = 0
for s in socks:
    s.settimeout(10)
    buf = b""
    while b"\r\n\r\n" not in buf:
        d = s.recv(4096)
        if not d:
            break
        buf += d
    ok += buf.startswith(b"HTTP/1.1 200")
time.sleep(1)
st = dict(l.split(":", 1) for l in open(f"/proc/{pid}/status"))
print(ok, st["VmRSS"].split()[0], st["VmHWM"].split()[0], st["Threads"].strip())
for s in socks:
    s.close()
PY
}
echo
echo "1000 idle streaming connections: streams with headers, RSS, peak RSS (kB), threads"
read -r g_ok g_rss g_hwm g_thr <<<"$(idle_rss "$G_PORT" "$G_PID")"
read -r m_ok m_rss m_hwm m_thr <<<"$(idle_rss "$M_PORT" "$M_PID")"
printf "%-16s %6s streams  RSS %8s kB  peak %8s kB  %5s threads\n" "gantry http/" "$g_ok" "$g_rss" "$g_hwm" "$g_thr"
printf "%-16s %6s streams  RSS %8s kB  peak %8s kB  %5s threads\n" "libmicrohttpd" "$m_ok" "$m_rss" "$m_hwm" "$m_thr"
awk -v a="$g_hwm" -v b="$m_hwm" 'BEGIN{ printf "peak RSS ratio (gantry/mhd): %.2f\n", a / b }'
