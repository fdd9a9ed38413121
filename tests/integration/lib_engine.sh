# tests/integration/lib_engine.sh - a `gantry engine` daemon of the test's
# own (socket, data root, exec root, cgroup parent), driven by the real
# docker CLI, and a local registry holding a busybox image.
#
# The daemon and everything it starts (monitors, containers) live under the
# cgroup $CG_PARENT/engine-*, so that the end of the script can end them all
# by pid, failure included.

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
. "$(dirname "${BASH_SOURCE[0]}")/lib_registry.sh"

GANTRY=${GANTRY:-$BUILD/gantry}
export DOCKER_HOST="unix://$T/engine.sock"
export DOCKER_CONFIG="$T/docker-config"
export DOCKER_CLI_HINTS=false
mkdir -p "$DOCKER_CONFIG"
ENGINE_PID=""
ENGINE_CG="$CG_PARENT/engine-$$"
# The engine's default runtime is gantry-runtime next to gantry; while that
# is not a working runtime yet (it answers --version when it is), say so
# and run the engine on runc.
if [ -z "${GANTRY_TEST_RUNTIME:-}" ] && ! "$(dirname "$GANTRY")/gantry-runtime" --version >/dev/null 2>&1; then
    echo "# gantry-runtime does not work yet: the engine runs runc (GANTRY_TEST_RUNTIME)"
    GANTRY_TEST_RUNTIME=runc
fi

# start_engine [EXTRA FLAGS...]: starts the daemon and waits for its ping
# (GANTRY_TEST_RUNTIME=runc: another OCI runtime than the default)
start_engine() {
    mkdir -p "/sys/fs/cgroup/pids/$ENGINE_CG"
    (
        echo $BASHPID > "/sys/fs/cgroup/pids/$ENGINE_CG/cgroup.procs"
        exec "$GANTRY" engine -H "$DOCKER_HOST" --data-root "$T/data" --exec-root "$T/exec" \
            --cgroup-parent "/$CG_PARENT/containers" --log-level debug \
            ${GANTRY_TEST_RUNTIME:+--runtime "$GANTRY_TEST_RUNTIME"} "$@"
    ) >> "$T/engine.log" 2>&1 &
    ENGINE_PID=$!
    local i
    for i in $(seq 100); do
        docker version >/dev/null 2>&1 && return 0
        kill -0 "$ENGINE_PID" 2>/dev/null || break
        sleep 0.1
    done
    echo "engine did not start:" >&2
    tail -20 "$T/engine.log" >&2
    return 1
}

# stop_engine [SIGNAL]: ends the daemon (TERM by default) and waits for it
stop_engine() {
    [ -n "$ENGINE_PID" ] || return 0
    kill -"${1:-TERM}" "$ENGINE_PID" 2>/dev/null
    # a daemon killed by a signal has a non-zero status: not a failure here
    wait "$ENGINE_PID" 2>/dev/null || true
    ENGINE_PID=""
}

_engine_teardown() {
    if [ -n "$ENGINE_PID" ]; then
        docker ps -aq 2>/dev/null | xargs -r docker rm -f >/dev/null 2>&1
        stop_engine
    fi
    # whatever is left of this script's daemon, monitors and containers
    local cg p
    for cg in "/sys/fs/cgroup/pids/$ENGINE_CG" "/sys/fs/cgroup/pids/$CG_PARENT/containers"; do
        [ -d "$cg" ] || continue
        for p in $(find "$cg" -name cgroup.procs -exec cat {} + 2>/dev/null); do
            kill -KILL "$p" 2>/dev/null
        done
    done
    sleep 0.2
    grep -E " $T/" /proc/self/mounts | awk '{print $2}' | sort -r | xargs -r -n1 umount -l 2>/dev/null
}
_it_on_exit _engine_teardown

# setup_images: a registry with busybox (two tags) and an image of two
# layers; sets BUSYBOX=$REGISTRY/busybox:latest
setup_images() {
    start_registry
    make_image busybox:latest
    push_image "$T/layout:latest" busybox:latest
    push_image "$T/layout:latest" busybox:1.0
    IMAGE_EXTRA="etc/motd=layered" make_image layered:latest "$T/layout2"
    push_image "$T/layout2:latest" layered:latest
    BUSYBOX=$REGISTRY/busybox:latest
}

# setup_build: setup_images, the engine with busybox pulled, the legacy
# builder (DOCKER_BUILDKIT=0) for docker build, and CTX, a directory for
# the contexts, removed at the end
setup_build() {
    setup_images
    start_engine || { echo "not ok - engine starts"; done_testing; exit 1; }
    docker pull -q "$BUSYBOX" >/dev/null
    export DOCKER_BUILDKIT=0
    CTX=$(mktemp -d)
    _it_on_exit "rm -rf '$CTX'"
}

# cgroup_of CONTAINER CONTROLLER: the container's v1 cgroup directory
cgroup_of() {
    local pid
    pid=$(docker inspect -f '{{.State.Pid}}' "$1")
    echo "/sys/fs/cgroup/$2$(awk -F: -v c="$2" '$2 == c {print $3}' /proc/$pid/cgroup)"
}

# wait_until 'SHELL CONDITION' [SECONDS]: evaluates until true (default 10 s)
wait_until() {
    local i n=$(( ${2:-10} * 10 ))
    for i in $(seq $n); do
        eval "$1" >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    fail "timed out waiting for: $1"
}
