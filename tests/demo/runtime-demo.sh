#!/bin/bash
# The demo of what exists: a busybox container run by gantry-runtime, in its
# own namespaces, with a memory and pids limit, then exec, pause and delete.
# Runs in a private mount namespace under its own cgroup parent; removes
# everything at the end.
set -eu
[ "$(id -u)" = 0 ] || { echo "the demo needs root (namespaces, cgroups)"; exit 1; }
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
if [ -z "${GANTRY_DEMO_INNER:-}" ]; then
    export GANTRY_DEMO_INNER=1
    exec unshare --mount --propagation private "$0" "$@"
fi
RT="${GANTRY_RUNTIME:-$ROOT/build/gantry-runtime}"
W=$(mktemp -d /tmp/gantry-demo.XXXXXX)
ID="demo-$$"
CG="gantry-demo-$$"
cleanup() {
    "$RT" --root "$W/state" delete --force "$ID" >/dev/null 2>&1 || true
    for d in /sys/fs/cgroup/*/"$CG"; do [ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null; done
    rm -rf "$W"
}
trap cleanup EXIT
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "a busybox root filesystem and an OCI bundle"
mkdir -p "$W/bundle/rootfs"/{bin,etc,proc,sys,dev,tmp}
cp /bin/busybox "$W/bundle/rootfs/bin/"
for a in sh ls ps hostname cat sleep id free; do ln -s busybox "$W/bundle/rootfs/bin/$a"; done
cd "$W/bundle"
"$RT" spec
jq --arg cg "/$CG/$ID" '.process.terminal=false | .hostname="gantry-demo"
    | .process.args=["sh","-c","echo hello from $(hostname), pid $$; id; sleep 30"]
    | .linux.cgroupsPath=$cg
    | .linux.resources.memory={"limit":67108864} | .linux.resources.pids={"limit":32}' \
    config.json > c && mv c config.json
echo "config.json: $(jq -c '{args: .process.args, hostname, limits: .linux.resources}' config.json)"

step "gantry-runtime create + start"
time "$RT" --root "$W/state" create --bundle "$W/bundle" "$ID" </dev/null > "$W/out" 2>&1
"$RT" --root "$W/state" state "$ID" | jq -c '{id, status, pid}'
"$RT" --root "$W/state" start "$ID"
sleep 0.3
cat "$W/out"

step "list, ps, and the limits in the cgroup"
"$RT" --root "$W/state" list
"$RT" --root "$W/state" ps "$ID"
echo "memory.limit_in_bytes = $(cat /sys/fs/cgroup/memory/$CG/$ID/memory.limit_in_bytes)"
echo "pids.max = $(cat /sys/fs/cgroup/pids/$CG/$ID/pids.max)"

step "exec into the container's namespaces"
"$RT" --root "$W/state" exec "$ID" ps

step "pause, resume, kill, delete"
"$RT" --root "$W/state" pause "$ID"
"$RT" --root "$W/state" state "$ID" | jq -c '{id, status}'
"$RT" --root "$W/state" resume "$ID"
"$RT" --root "$W/state" kill "$ID" KILL
sleep 0.2
"$RT" --root "$W/state" state "$ID" | jq -c '{id, status}'
"$RT" --root "$W/state" delete "$ID"
echo "deleted; cgroup left: $(ls -d /sys/fs/cgroup/memory/$CG/$ID 2>/dev/null || echo none)"
