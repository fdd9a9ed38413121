# tests/integration/registry/lib.sh - sourced by tests/integration/registry_*.sh
# and engine_login.sh (after ../lib.sh): a docker-registry of the test's own
# on 127.0.0.1 with a port the kernel picks, test images, registries asking
# for basic auth or bearer tokens, and the helper servers.  Everything
# started here is stopped by pid with `defer`, in the case that started it.

REG_HELPERS=$IT_ROOT/tests/integration/registry
GANTRY=$BUILD/gantry
PY=/usr/bin/python3

# stop_pid [-SIG] PID: for `defer`; a process already gone is fine (a
# failing deferred command would fail the case from lib.sh's EXIT trap).
stop_pid() {
    kill "$@" 2>/dev/null || true
}

reg_need() {
    [ -x /usr/bin/docker-registry ] || skip "docker-registry is not installed"
    [ -x "$GANTRY" ] || fail "$GANTRY is not built"
    [ -x "$PY" ] || skip "python3 is not installed"
}

# wait_file FILE [SECONDS]: until FILE exists and is not empty
wait_file() {
    local i
    for i in $(seq 1 $((${2:-10} * 20))); do
        [ -s "$1" ] && return 0
        sleep 0.05
    done
    return 1
}

# reg_start NAME [auth-yaml-file] [tls-cert tls-key] [storage-dir]
# Starts a registry on $REG_ADDR (default 127.0.0.1; $REG_CLIENT_CAS, a CA
# file, makes it require client certificates); sets NAME (host:port),
# NAME_storage, NAME_log, NAME_pid.
reg_start() {
    local name=$1 auth=${2:-} cert=${3:-} key=${4:-} storage=${5:-}
    local addr=${REG_ADDR:-127.0.0.1}
    local dir
    dir=$(mktemp -d "$PWD/registry-$name.XXXXXX")
    [ -n "$storage" ] || storage=$dir/storage
    {
        echo "version: 0.1"
        echo "log:"
        echo "  level: info"
        echo "  accesslog:"
        echo "    disabled: true"
        echo "storage:"
        echo "  filesystem:"
        echo "    rootdirectory: $storage"
        echo "  delete:"
        echo "    enabled: true"
        echo "http:"
        echo "  addr: $addr:0"
        echo "  secret: gantry-test-$$"
        if [ -n "$cert" ]; then
            echo "  tls:"
            echo "    certificate: $cert"
            echo "    key: $key"
            if [ -n "${REG_CLIENT_CAS:-}" ]; then
                echo "    clientcas:"
                echo "      - $REG_CLIENT_CAS"
            fi
        fi
        [ -n "$auth" ] && cat "$auth"
    } > "$dir/config.yml"
    /usr/bin/docker-registry serve "$dir/config.yml" > "$dir/log" 2>&1 &
    local pid=$!
    defer stop_pid "$pid"
    local port="" i
    for i in $(seq 1 200); do
        port=$(sed -n "s/.*listening on ${addr//./\\.}:\([0-9]*\).*/\1/p" "$dir/log" | head -n1)
        [ -n "$port" ] && break
        kill -0 "$pid" 2>/dev/null || { cat "$dir/log"; fail "registry $name exited"; }
        sleep 0.05
    done
    [ -n "$port" ] || { cat "$dir/log"; fail "registry $name did not start"; }
    printf -v "$name" '%s:%s' "$addr" "$port"
    printf -v "${name}_storage" '%s' "$storage"
    printf -v "${name}_log" '%s' "$dir/log"
    printf -v "${name}_pid" '%s' "$pid"
}

# proxy_start NAME UPSTREAM [MODES...]: sets NAME (host:port), NAME_log
proxy_start() {
    local name=$1 upstream=$2
    shift 2
    local dir
    dir=$(mktemp -d "$PWD/proxy-$name.XXXXXX")
    "$PY" "$REG_HELPERS/proxy.py" --upstream "$upstream" --port-file "$dir/port" \
        --log "$dir/requests" "$@" > "$dir/out" 2>&1 &
    defer stop_pid "$!"
    wait_file "$dir/port" || { cat "$dir/out"; fail "proxy $name did not start"; }
    touch "$dir/requests"
    printf -v "$name" '127.0.0.1:%s' "$(cat "$dir/port")"
    printf -v "${name}_log" '%s' "$dir/requests"
}

# mkimage ROOT [ARGS...]: a test image in ROOT's content store; prints its
# manifest digest.  The first layer is a busybox root filesystem.
mkimage() {
    local root=$1
    shift
    local rootfs
    rootfs=$(_it_rootfs_template)
    "$PY" "$REG_HELPERS/mkimage.py" image --root "$root" --rootfs "$rootfs" "$@"
}

mkindex() {
    local root=$1
    shift
    "$PY" "$REG_HELPERS/mkimage.py" index --root "$root" "$@"
}

blob_path() { # ROOT DIGEST
    echo "$1/content/blobs/sha256/${2#sha256:}"
}

# The digests a manifest references (config and layers), one a line.
manifest_blobs() { # ROOT DIGEST
    jq -r '.config.digest, .layers[].digest' "$(blob_path "$1" "$2")"
}

# same_blobs ROOT1 ROOT2 DIGEST...: each blob present in both and equal
same_blobs() {
    local a=$1 b=$2 d
    shift 2
    for d in "$@"; do
        [ -f "$(blob_path "$b" "$d")" ] || fail "blob $d missing from $b"
        cmp -s "$(blob_path "$a" "$d")" "$(blob_path "$b" "$d")" || fail "blob $d differs"
    done
}

# No ingest left behind, and none of the given blobs present.
no_ingest() { # ROOT
    local left
    left=$(find "$1/content/ingest" -type f 2>/dev/null | head -n 3)
    [ -z "$left" ] || fail "ingest files left behind: $left"
}

gantry_reg() {
    "$GANTRY" registry "$@"
}

# make_htpasswd FILE USER PASS: a bcrypt htpasswd entry, as the registry
# requires (python3's crypt, else htpasswd; skips without either)
make_htpasswd() {
    local hash
    hash=$("$PY" -W ignore -c 'import crypt,sys; print(crypt.crypt(sys.argv[1], crypt.mksalt(crypt.METHOD_BLOWFISH)))' "$3" 2>/dev/null) || hash=""
    case "$hash" in
    '$2'*) echo "$2:$hash" > "$1" ;;
    *)
        command -v htpasswd >/dev/null || skip "no bcrypt: neither python3's crypt nor htpasswd (apache2-utils)"
        htpasswd -Bbn "$2" "$3" > "$1"
        ;;
    esac
}

# reg_fails WHY ARGS...: gantry_reg ARGS must fail (else: fail WHY); sets
# out to what it printed
reg_fails() {
    local why=$1
    shift
    if out=$(gantry_reg "$@" 2>&1); then
        fail "$why"
    fi
}

# start_basic_registry: registry R asking for basic auth (alice / s3cret)
start_basic_registry() {
    make_htpasswd "$PWD/htpasswd" alice s3cret
    cat > auth.yml <<EOF
auth:
  htpasswd:
    realm: gantry-test
    path: $PWD/htpasswd
EOF
    reg_start R auth.yml
}

# start_token_registry: token server T (port in $TOKEN, log $TOKEN_log) and
# registry R trusting its signing certificate.
start_token_registry() {
    "$PY" -c 'import jwt, cryptography' 2>/dev/null ||
        skip "python3-jwt and python3-cryptography are needed for the token server"
    openssl req -x509 -newkey rsa:2048 -nodes -keyout token.key -out token.crt -days 1 \
        -subj /CN=gantry-test-token >/dev/null 2>&1 || fail "openssl could not make a key"
    TOKEN_log=$PWD/token.log
    touch "$TOKEN_log"
    "$PY" "$REG_HELPERS/token_server.py" --key token.key --cert token.crt --issuer gantry-issuer \
        --service gantry-registry --users alice:s3cret,bob:pw --port-file token.port \
        --log "$TOKEN_log" > token.out 2>&1 &
    defer stop_pid "$!"
    wait_file token.port || { cat token.out; fail "token server did not start"; }
    TOKEN=127.0.0.1:$(cat token.port)
    cat > auth.yml <<EOF
auth:
  token:
    realm: http://$TOKEN/token
    service: gantry-registry
    issuer: gantry-issuer
    rootcertbundle: $PWD/token.crt
EOF
    reg_start R auth.yml
}
