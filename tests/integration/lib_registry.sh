# tests/integration/lib_registry.sh - a real registry (Debian's
# docker-registry) on loopback, and test images built from busybox-static
# with umoci and pushed with skopeo: nothing of Gantry's own is used to make
# them, so they check Gantry from the outside.

# free_port: an unused TCP port on 127.0.0.1
free_port() {
    /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# start_registry: starts docker-registry on 127.0.0.1; sets REGISTRY=host:port.
# Stopped (by pid) when the script exits.
start_registry() {
    local port dir=$T/registry
    port=$(free_port)
    mkdir -p "$dir/data"
    cat > "$dir/config.yml" <<YML
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $dir/data
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$port
YML
    docker-registry serve "$dir/config.yml" > "$dir/log" 2>&1 &
    REGISTRY_PID=$!
    REGISTRY=127.0.0.1:$port
    _it_on_exit "kill $REGISTRY_PID 2>/dev/null; wait $REGISTRY_PID 2>/dev/null"
    local i
    for i in $(seq 50); do
        curl -sf "http://$REGISTRY/v2/" >/dev/null && return 0
        sleep 0.1
    done
    echo "registry did not start: $(cat "$dir/log")" >&2
    return 1
}

# make_image NAME[:TAG] [LAYOUT]: builds a busybox image into an OCI layout
# (default $T/layout) with umoci; Cmd ["sh"].  Extra layers: set
# IMAGE_EXTRA="path=content ..." to add files in a second layer.
make_image() {
    local ref=$1 layout=${2:-$T/layout} tag=${1##*:}
    [ "$tag" = "$1" ] && tag=latest
    local work
    work=$(mktemp -d "$T/img.XXXXXX")
    [ -d "$layout" ] || umoci init --layout "$layout"
    umoci new --image "$layout:$tag"
    umoci unpack --image "$layout:$tag" "$work/b" >/dev/null
    make_rootfs "$work/b/rootfs"
    umoci repack --refresh-bundle --image "$layout:$tag" "$work/b" >/dev/null
    if [ -n "${IMAGE_EXTRA:-}" ]; then
        local kv
        for kv in $IMAGE_EXTRA; do
            mkdir -p "$work/b/rootfs/$(dirname "${kv%%=*}")"
            echo "${kv#*=}" > "$work/b/rootfs/${kv%%=*}"
        done
        umoci repack --image "$layout:$tag" "$work/b" >/dev/null
    fi
    umoci config --image "$layout:$tag" --config.cmd sh \
        --config.env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin >/dev/null
    rm -rf "$work"
}

# push_image LAYOUT:TAG REPO[:TAG]: copies into the registry
push_image() {
    skopeo copy -q --dest-tls-verify=false "oci:$1" "docker://$REGISTRY/$2" >/dev/null
}
