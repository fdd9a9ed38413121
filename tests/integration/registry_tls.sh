#!/bin/bash
# Registries over HTTPS with a CA the test makes: the right CA, a wrong
# one, the docker certs.d convention (CA and client certificates), and the
# insecure-registry setting for TLS and plain-HTTP registries.  The
# registry listens on 10.250.0.1, an address added to the loopback device
# of the test's own network namespace: a non-loopback address is secure by
# default, so certificates are checked.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/registry/lib.sh"

ADDR=10.250.0.1

own_address() {
    [ "$(readlink /proc/self/ns/net)" != "$(readlink /proc/1/ns/net)" ] ||
        skip "needs a network namespace of its own (run it through tests/run.sh)"
    command -v openssl >/dev/null || skip "openssl is not installed"
    if ! ip -4 addr show dev lo | grep -q " $ADDR/"; then
        ip addr add "$ADDR/32" dev lo
        defer ip addr del "$ADDR/32" dev lo
    fi
}

# make_ca NAME: NAME.crt / NAME.key, a CA
make_ca() {
    openssl req -x509 -newkey rsa:2048 -nodes -keyout "$1.key" -out "$1.crt" -days 1 \
        -subj "/CN=gantry test $1" >/dev/null 2>&1 || fail "openssl: CA $1"
}

# make_cert CA NAME SAN USAGE: NAME.crt / NAME.key signed by CA
make_cert() {
    local ca=$1 name=$2 san=$3 usage=$4
    openssl req -newkey rsa:2048 -nodes -keyout "$name.key" -out "$name.csr" \
        -subj "/CN=$name" >/dev/null 2>&1 || fail "openssl: request $name"
    printf 'subjectAltName=%s\nextendedKeyUsage=%s\n' "$san" "$usage" > "$name.ext"
    openssl x509 -req -in "$name.csr" -CA "$ca.crt" -CAkey "$ca.key" -CAcreateserial \
        -out "$name.crt" -days 1 -extfile "$name.ext" >/dev/null 2>&1 || fail "openssl: sign $name"
}

start_tls_registry() {
    make_ca ca
    make_cert ca server "IP:$ADDR" serverAuth
    REG_ADDR=$ADDR reg_start R "" "$PWD/server.crt" "$PWD/server.key"
}

test_tls_with_the_right_and_a_wrong_ca() {
    reg_need
    own_address
    start_tls_registry
    make_ca other
    local m out
    m=$(mkimage "$PWD/src")
    gantry_reg --root "$PWD/src" --quiet --certs-dir "" --ca-file "$PWD/ca.crt" push "$R/tls/app:1" "$m"
    gantry_reg --root "$PWD/dst" --quiet --certs-dir "" --ca-file "$PWD/ca.crt" pull "$R/tls/app:1"
    same_blobs "$PWD/src" "$PWD/dst" "$m" $(manifest_blobs "$PWD/src" "$m")

    reg_fails "pull trusting the wrong CA succeeded" --root "$PWD/x" --certs-dir "" --ca-file "$PWD/other.crt" pull "$R/tls/app:1"
    assert_contains "$out" "pull $R/tls/app:1: GET https://$R/v2/tls/app/manifests/1: "
    assert_contains "$out" "certificate"
    reg_fails "pull trusting only the system CAs succeeded" --root "$PWD/x" --certs-dir "" pull "$R/tls/app:1"
    assert_contains "$out" "certificate"
    [ -z "$(ls "$PWD/x/content/blobs/sha256" 2>/dev/null)" ] || fail "blobs stored by refused pulls"
    # a CA file that is not there is named
    reg_fails "a missing CA file was accepted" --root "$PWD/x" --ca-file "$PWD/nope.crt" pull "$R/tls/app:1"
    assert_contains "$out" "CA file $PWD/nope.crt does not exist"
}

test_certs_d_with_ca_and_client_certificate() {
    reg_need
    own_address
    make_ca ca
    make_cert ca server "IP:$ADDR" serverAuth
    make_cert ca client "DNS:client" clientAuth
    REG_ADDR=$ADDR REG_CLIENT_CAS=$PWD/ca.crt reg_start R "" "$PWD/server.crt" "$PWD/server.key"
    local m out
    m=$(mkimage "$PWD/src")
    mkdir -p "certs.d/$R"
    cp ca.crt "certs.d/$R/ca.crt"
    # a CA alone is not enough: this registry wants a client certificate
    reg_fails "push without a client certificate succeeded" --root "$PWD/src" --certs-dir "$PWD/certs.d" push "$R/c/app:1" "$m"
    assert_contains "$out" "push $R/c/app:1: "
    cp client.crt "certs.d/$R/client.cert"
    cp client.key "certs.d/$R/client.key"
    gantry_reg --root "$PWD/src" --quiet --certs-dir "$PWD/certs.d" push "$R/c/app:1" "$m"
    gantry_reg --root "$PWD/dst" --quiet --certs-dir "$PWD/certs.d" pull "$R/c/app:1"
    same_blobs "$PWD/src" "$PWD/dst" "$m"
}

test_insecure_registries() {
    reg_need
    own_address
    start_tls_registry
    local m out
    m=$(mkimage "$PWD/src")
    # TLS with an unknown CA: insecure skips verification
    gantry_reg --root "$PWD/src" --quiet --certs-dir "" --insecure-registry "$R" push "$R/i/app:1" "$m"
    gantry_reg --root "$PWD/dst" --quiet --certs-dir "" --insecure-registry "$ADDR" pull "$R/i/app:1"
    same_blobs "$PWD/src" "$PWD/dst" "$m"

    # plain HTTP: refused unless insecure (by host:port or by CIDR)
    REG_ADDR=$ADDR reg_start P
    reg_fails "push over plain HTTP to a secure registry succeeded" --root "$PWD/src" push "$P/i/app:1" "$m"
    assert_contains "$out" "push $P/i/app:1: "
    assert_contains "$out" "https://$P/"
    case "$out" in *"http://$P/"*) fail "plain HTTP was tried for a secure registry: $out" ;; esac
    gantry_reg --root "$PWD/src" --quiet --insecure-registry 10.250.0.0/16 push "$P/i/app:1" "$m"
    gantry_reg --root "$PWD/dst2" --quiet --insecure-registry "$P" pull "$P/i/app:1"
    same_blobs "$PWD/src" "$PWD/dst2" "$m"
}

t "TLS: the right CA works, a wrong one and the system's fail" test_tls_with_the_right_and_a_wrong_ca
t "TLS: certs.d/<host:port>/ca.crt and client.cert/client.key" test_certs_d_with_ca_and_client_certificate
t "insecure registries: unverified TLS, plain HTTP only when listed" test_insecure_registries
done_testing
