#!/bin/bash
# The engine demo: the real docker CLI driving `gantry engine`, with an
# image served by a local registry (Debian's docker-registry) on loopback.
# Runs in its own mount and network namespaces under its own cgroup parent;
# everything is removed at the end.
set -u
[ "$(id -u)" = 0 ] || { echo "the demo needs root (namespaces, cgroups)"; exit 1; }
if [ -z "${GANTRY_DEMO_INNER:-}" ]; then
    export GANTRY_DEMO_INNER=1
    exec unshare --mount --net --propagation private bash -c 'ip link set lo up; exec "$0"' "$0"
fi
DIR=$(cd "$(dirname "$0")" && pwd)
. "$DIR/../integration/lib_engine.sh"
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
show() { printf '\033[2m$ %s\033[0m\n' "$*"; "$@"; }

step "a local registry with a busybox image (built with umoci, pushed with skopeo)"
setup_images
echo "registry at $REGISTRY"

step "gantry engine on its own socket, data root and cgroup parent"
start_engine || exit 1
echo "DOCKER_HOST=$DOCKER_HOST"
show docker version --format 'client {{.Client.Version}} -> server {{.Server.Version}} (API {{.Server.APIVersion}})'

step "pull, run, ps, logs, exec, stats, stop"
show docker pull "$BUSYBOX"
show docker run --rm "$BUSYBOX" sh -c 'echo "hello from $(hostname), pid $$"'
show docker run -d --name ticker -m 64m --pids-limit 20 "$BUSYBOX" sh -c 'i=0; while true; do echo tick $i; i=$((i+1)); sleep 1; done'
sleep 2
show docker ps
show docker logs --tail 2 ticker
show docker exec ticker ps
show docker stats --no-stream ticker
start=$(date +%s%N)
show docker stop -t 1 ticker
echo "stopped in $(( ($(date +%s%N) - start) / 1000000 )) ms"
show docker ps -a
show docker rm ticker

step "timing: docker run --rm busybox true, 10 times"
start=$(date +%s%N)
for i in $(seq 10); do docker run --rm "$BUSYBOX" true; done
echo "mean: $(( ($(date +%s%N) - start) / 10000000 )) ms per run"
