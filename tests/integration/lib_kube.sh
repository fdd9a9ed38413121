# tests/integration/lib_kube.sh - a `gantry server` of the test's own (data
# directory, free ports), driven by the real kubectl (/usr/bin/kubectl, the
# version dispatcher, as a user runs it) with its discovery cache and HOME
# under the test's temporary directory.
#
#   start_server [FLAGS...]   starts it; sets KUBE_HTTPS, KUBE_HTTP, SERVER_PID
#   stop_server [SIGNAL]      ends it (TERM by default) and waits
#   kc ARGS...                kubectl with the admin kubeconfig (TLS, client cert)
#   kct SECONDS ARGS...       the same, ended after SECONDS
#   kh ARGS...                kubectl over the loopback plain-HTTP listener
#   api METHOD PATH [BODY] [CONTENT-TYPE]
#                             curl over plain HTTP; prints the body, then the
#                             status code on a last line of its own

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

GANTRY=${GANTRY:-$BUILD/gantry}
KUBECTL=${KUBECTL:-/usr/bin/kubectl}
SERVER_PID=""
SERVER_DATA="$T/server"
KUBE_HTTPS=""
KUBE_HTTP=""
export HOME="$T/home"
mkdir -p "$HOME"

# free_port: a TCP port nobody listens on right now
free_port() {
    /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

start_server() {
    KUBE_HTTPS=$(free_port)
    KUBE_HTTP=$(free_port)
    "$GANTRY" server --data-dir "$SERVER_DATA" --bind-address 127.0.0.1 \
        --https-listen-port "$KUBE_HTTPS" --insecure-http-address "127.0.0.1:$KUBE_HTTP" \
        --disable-agent --store-sync normal --gc-interval-ms 1000 "$@" >>"$T/server.log" 2>&1 &
    SERVER_PID=$!
    disown "$SERVER_PID" # no "Killed" notice when the teardown ends it
    # the teardown ends every server started, also from inside a case
    echo "$SERVER_PID" >>"$T/server.pids"
    local i
    for i in $(seq 150); do
        curl -fs -o /dev/null "http://127.0.0.1:$KUBE_HTTP/readyz" && return 0
        kill -0 "$SERVER_PID" 2>/dev/null || break
        sleep 0.1
    done
    echo "server did not start:" >&2
    tail -20 "$T/server.log" >&2
    return 1
}

stop_server() {
    [ -n "$SERVER_PID" ] || return 0
    kill -"${1:-TERM}" "$SERVER_PID" 2>/dev/null
    # not a child when started by the script and stopped from a case
    local i
    for i in $(seq 100); do
        kill -0 "$SERVER_PID" 2>/dev/null || break
        sleep 0.1
    done
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=""
    return 0
}

_kube_teardown() {
    local p
    for p in $(cat "$T/server.pids" 2>/dev/null); do
        kill -KILL "$p" 2>/dev/null
    done
}
_it_on_exit _kube_teardown

kc() {
    "$KUBECTL" --kubeconfig "$SERVER_DATA/cred/admin.kubeconfig" --cache-dir "$T/kcache" "$@"
}

# kct SECONDS ARGS...: kc that gives up after SECONDS
kct() {
    local s=$1
    shift
    timeout "$s" "$KUBECTL" --kubeconfig "$SERVER_DATA/cred/admin.kubeconfig" --cache-dir "$T/kcache" "$@"
}

kh() {
    "$KUBECTL" --server "http://127.0.0.1:$KUBE_HTTP" --cache-dir "$T/kcache-http" "$@"
}

api() {
    local method=$1 path=$2 body=${3:-} ct=${4:-application/json}
    if [ -n "$body" ]; then
        curl -s -X "$method" -H "Content-Type: $ct" --data-binary "$body" \
            -w '\n%{http_code}\n' "http://127.0.0.1:$KUBE_HTTP$path"
    else
        curl -s -X "$method" -w '\n%{http_code}\n' "http://127.0.0.1:$KUBE_HTTP$path"
    fi
}

# api_code METHOD PATH [BODY] [CT]: only the status code
api_code() {
    api "$@" | tail -1
}

# wait_for SECONDS 'SHELL CODE': retries the code (evaluated afresh each
# time, so quote it) until it succeeds
wait_for() {
    local s=$1 i
    shift
    for i in $(seq $((s * 10))); do
        eval "$*" >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    eval "$*"
}

# test_server_stops_clean: the last case of a script: the server stops on
# SIGTERM within its grace period, and its log has no sanitizer report
# (with GANTRY_BUILD=build-san, every leak and memory error shows there)
test_server_stops_clean() {
    local p
    for p in $(cat "$T/server.pids" 2>/dev/null); do
        kill -TERM "$p" 2>/dev/null || continue
        for _ in $(seq 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
        kill -0 "$p" 2>/dev/null && fail "server $p did not stop on SIGTERM"
    done
    if grep -E -A30 "ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:" "$T/server.log"; then
        fail "sanitizer report in the server log"
    fi
    return 0
}
