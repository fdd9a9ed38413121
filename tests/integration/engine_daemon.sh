#!/bin/bash
# `gantry engine` as a daemon: its flags, bad ones refused with a message
# and nothing left behind, daemons side by side, SIGTERM stopping the API
# while containers run on, TCP only with TLS client certificates.
. "$(dirname "$0")/lib_engine.sh"

setup_images

test_bad_flags_are_refused() {
    local rc
    rc=0; "$GANTRY" engine -H tcp://127.0.0.1:2375 --data-root "$PWD/d" 2>err || rc=$?
    assert_eq "$rc" 2 "exit status for tcp:// without TLS"
    assert_contains "$(cat err)" "tcp:// needs --tlsverify"
    rc=0; "$GANTRY" engine -H "unix://$PWD/s.sock" --data-root "$PWD/d" -b none --bip 10.1.0.1/16 2>err || rc=$?
    assert_eq "$rc" 2
    assert_contains "$(cat err)" "--bip and -b none"
    rc=0; "$GANTRY" engine -H "unix://$PWD/s.sock" --data-root "$PWD/d" --bip 10.1.0.0 2>err || rc=$?
    assert_eq "$rc" 2
    assert_contains "$(cat err)" "--bip 10.1.0.0: expected an IPv4 address with its prefix length"
    rc=0; "$GANTRY" engine -H "unix://$PWD/s.sock" --data-root "$PWD/d" -b a-bridge-name-too-long 2>err || rc=$?
    assert_eq "$rc" 2
    rc=0; "$GANTRY" engine -H "unix://$PWD/s.sock" --data-root "$PWD/d" --runtime no-such-runtime 2>err || rc=$?
    assert_eq "$rc" 2
    assert_contains "$(cat err)" "--runtime no-such-runtime: not found in PATH"
    rc=0; "$GANTRY" engine -H "unix://$PWD/s.sock" --data-root "$PWD/d" --log-opt max-size=lots 2>err || rc=$?
    assert_eq "$rc" 2
    rc=0; "$GANTRY" engine --no-such-flag 2>err || rc=$?
    assert_eq "$rc" 2
    assert_contains "$(cat err)" "unknown option --no-such-flag"
    assert_not_exists d
    assert_not_exists s.sock
}

test_two_daemons_side_by_side() {
    start_engine
    defer stop_engine
    local other="$PWD/other"
    (
        echo $BASHPID > "/sys/fs/cgroup/pids/$ENGINE_CG/cgroup.procs"
        exec "$GANTRY" engine -H "unix://$other/engine.sock" --data-root "$other/data" \
            --exec-root "$other/exec" --cgroup-parent "/$CG_PARENT/containers2" --pidfile "$other/pid"
    ) >"$other.log" 2>&1 &
    local pid=$!
    defer sh -c "kill -KILL $pid 2>/dev/null; true"
    wait_until "DOCKER_HOST=unix://$other/engine.sock docker version"
    assert_eq "$(cat "$other/pid")" "$pid" "pid file"
    docker run -d --name mine "$BUSYBOX" sleep 100 >/dev/null
    defer docker rm -f mine
    assert_eq "$(DOCKER_HOST=unix://$other/engine.sock docker ps -aq | wc -l)" 0 "the other daemon sees our container"
    assert_eq "$(docker ps -q | wc -l)" 1
    kill -TERM "$pid"
    wait "$pid"
    assert_not_exists "$other/engine.sock"
    assert_not_exists "$other/pid"
}

test_sigterm_stops_the_api_not_the_containers() {
    start_engine
    defer stop_engine
    docker run -d --name keep "$BUSYBOX" sleep 100 >/dev/null
    local cpid
    cpid=$(docker inspect -f '{{.State.Pid}}' keep)
    # clients blocked in the daemon end with it
    docker wait keep > wait.out 2>&1 &
    local waiter=$!
    docker logs -f keep > logs.out 2>&1 &
    local follower=$!
    sleep 0.5
    local start=$SECONDS
    stop_engine TERM
    wait "$waiter" || true
    wait "$follower" || true
    [ $((SECONDS - start)) -lt 10 ] || fail "blocked clients held the daemon for $((SECONDS - start)) s"
    kill -0 "$cpid" 2>/dev/null || fail "the container died with the API"
    assert_not_exists "$T/engine.sock"
    start_engine
    assert_eq "$(docker inspect -f '{{.State.Running}} {{.State.Pid}}' keep)" "true $cpid" "adopted"
    docker rm -f keep >/dev/null
}

make_certs() {
    local d=$1
    mkdir -p "$d"
    certtool --generate-privkey --key-type ecdsa --outfile "$d/ca-key.pem" 2>/dev/null
    printf 'cn = "gantry test CA"\nca\ncert_signing_key\nexpiration_days = 2\n' > "$d/ca.tmpl"
    certtool --generate-self-signed --load-privkey "$d/ca-key.pem" --template "$d/ca.tmpl" --outfile "$d/ca.pem" 2>/dev/null
    certtool --generate-privkey --key-type ecdsa --outfile "$d/server-key.pem" 2>/dev/null
    printf 'cn = "gantry"\nip_address = "127.0.0.1"\ntls_www_server\nexpiration_days = 2\n' > "$d/srv.tmpl"
    certtool --generate-certificate --load-privkey "$d/server-key.pem" --load-ca-certificate "$d/ca.pem" \
        --load-ca-privkey "$d/ca-key.pem" --template "$d/srv.tmpl" --outfile "$d/server-cert.pem" 2>/dev/null
    certtool --generate-privkey --key-type ecdsa --outfile "$d/key.pem" 2>/dev/null
    printf 'cn = "client"\ntls_www_client\nexpiration_days = 2\n' > "$d/cli.tmpl"
    certtool --generate-certificate --load-privkey "$d/key.pem" --load-ca-certificate "$d/ca.pem" \
        --load-ca-privkey "$d/ca-key.pem" --template "$d/cli.tmpl" --outfile "$d/cert.pem" 2>/dev/null
}

test_tcp_needs_a_client_certificate() {
    command -v certtool >/dev/null || skip "certtool (gnutls-bin) not installed"
    make_certs "$PWD/tls"
    local port
    port=$(free_port)
    start_engine -H "tcp://127.0.0.1:$port" --tlsverify --tlscacert "$PWD/tls/ca.pem" \
        --tlscert "$PWD/tls/server-cert.pem" --tlskey "$PWD/tls/server-key.pem"
    defer stop_engine
    assert_eq "$(DOCKER_HOST=tcp://127.0.0.1:$port DOCKER_TLS_VERIFY=1 DOCKER_CERT_PATH=$PWD/tls \
        docker run --rm "$BUSYBOX" echo over-tls)" over-tls
    DOCKER_HOST=tcp://127.0.0.1:$port docker version >/dev/null 2>&1 && fail "plain HTTP was answered"
    mkdir -p nocert && cp tls/ca.pem nocert/
    DOCKER_HOST=tcp://127.0.0.1:$port docker --tlsverify --tlscacert nocert/ca.pem version >/dev/null 2>&1 \
        && fail "a client without a certificate was let in"
    docker version >/dev/null  # the unix socket still serves
}

t "bad flags are refused, nothing left behind" test_bad_flags_are_refused
t "two daemons side by side" test_two_daemons_side_by_side
t "SIGTERM stops the API, containers run on" test_sigterm_stops_the_api_not_the_containers
t "tcp:// with TLS client certificates" test_tcp_needs_a_client_certificate
done_testing
