# tests/integration/lib_runtime.sh - helpers for the runtime tests.
#
# The runtime under test is $RUNTIME (default: build/gantry-runtime).  The
# same scripts run against runc (RUNTIME=runc) to check the tests
# themselves: what they assert is runc's behaviour.

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

RUNTIME=${RUNTIME:-$BUILD/gantry-runtime}
RT_ROOT=$T/rtstate
RT_NAME=$(basename "$RUNTIME")
mkdir -p "$RT_ROOT"

rt() {
    "$RUNTIME" --root "$RT_ROOT" "$@"
}

# The default configuration: a busybox shell without a terminal, in new
# pid, network, ipc, uts and mount namespaces, with the usual mounts.
rt_base_config() {
    cat <<'JSON'
{
  "ociVersion": "1.0.2",
  "process": {
    "terminal": false,
    "user": {"uid": 0, "gid": 0},
    "args": ["sh"],
    "env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"],
    "cwd": "/",
    "capabilities": {
      "bounding": ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
      "effective": ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
      "permitted": ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
      "ambient": ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"]
    },
    "rlimits": [{"type": "RLIMIT_NOFILE", "hard": 1024, "soft": 1024}],
    "noNewPrivileges": true
  },
  "root": {"path": "rootfs", "readonly": false},
  "hostname": "gantry",
  "mounts": [
    {"destination": "/proc", "type": "proc", "source": "proc"},
    {"destination": "/dev", "type": "tmpfs", "source": "tmpfs",
     "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]},
    {"destination": "/dev/pts", "type": "devpts", "source": "devpts",
     "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"]},
    {"destination": "/dev/shm", "type": "tmpfs", "source": "shm",
     "options": ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]},
    {"destination": "/dev/mqueue", "type": "mqueue", "source": "mqueue",
     "options": ["nosuid", "noexec", "nodev"]},
    {"destination": "/sys", "type": "sysfs", "source": "sysfs",
     "options": ["nosuid", "noexec", "nodev", "ro"]},
    {"destination": "/sys/fs/cgroup", "type": "cgroup", "source": "cgroup",
     "options": ["nosuid", "noexec", "nodev", "relatime", "ro"]}
  ],
  "linux": {
    "resources": {"devices": [{"allow": false, "access": "rwm"}]},
    "namespaces": [{"type": "pid"}, {"type": "network"}, {"type": "ipc"},
                   {"type": "uts"}, {"type": "mount"}],
    "maskedPaths": ["/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys",
                    "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats",
                    "/proc/sched_debug", "/sys/firmware", "/proc/scsi"],
    "readonlyPaths": ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
                      "/proc/sysrq-trigger"]
  }
}
JSON
}

# rt_id NAME: a container id unique to this run
rt_id() {
    echo "it-$$-$1"
}

# new_bundle NAME [JQ-FILTER [JQ-ARGS...]]: makes ./NAME with a busybox
# rootfs and config.json (the base config, cgroupsPath under this run's
# parent, then the filter); prints the bundle path.
new_bundle() {
    local name=$1 filter=${2:-.}
    shift; [ $# -gt 0 ] && shift
    local b=$PWD/$name
    mkdir -p "$b"
    cp -a "$(_it_rootfs_template)" "$b/rootfs"
    rt_base_config | jq --arg cg "/$CG_PARENT/$name" '.linux.cgroupsPath = $cg' \
        | jq "$@" "$filter" > "$b/config.json"
    echo "$b"
}

# rt_run NAME BUNDLE: runs the container attached, prints its output and
# returns its exit status; the container is deleted afterwards.
rt_run() {
    local id; id=$(rt_id "$1")
    local rc=0
    rt run --bundle "$2" "$id" < /dev/null || rc=$?
    rt delete --force "$id" >/dev/null 2>&1 || true
    return $rc
}

# rt_state ID FIELD
rt_state() {
    rt state "$1" | jq -r ".$2"
}

# cg_dir CONTROLLER NAME: the v1 cgroup dir of bundle NAME
cg_dir() {
    echo "/sys/fs/cgroup/$1/$CG_PARENT/$2"
}

# wait_for 'SHELL CONDITION': evaluates the condition (a string, so that
# command substitutions in it run each time) until true, for up to 5 s.
wait_for() {
    local i
    for i in $(seq 50); do
        eval "$*" >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    fail "timed out waiting for: $*"
}

# receive NAME [INPUT]: starts a console receiver on ./NAME.sock writing ./NAME.out
receive() {
    /usr/bin/python3 "$IT_ROOT/tests/integration/console_receiver.py" "$PWD/$1.sock" \
        "$PWD/$1.out" "${2:-}" &
    echo $! > "$1.pid"
    wait_for "test -e $PWD/$1.out.ready"
}

# create_must_fail ID BUNDLE [FLAGS...]: rt create must fail; its message
# is shown and left in ./err
create_must_fail() {
    local id=$1 b=$2
    shift 2
    if rt create --bundle "$b" "$@" "$id" </dev/null 2>err; then
        rt delete --force "$id"
        fail "create succeeded"
    fi
    echo "message: $(cat err)"
}

# assert_no_trace ID NAME: no state dir, no cgroup, no mount of the bundle
assert_no_trace() {
    local id=$1 name=$2 c
    [ ! -e "$RT_ROOT/$id" ] || fail "state dir $RT_ROOT/$id remains"
    rt state "$id" >/dev/null 2>&1 && fail "state $id still answers"
    for c in memory pids cpu freezer devices blkio cpuset; do
        [ ! -e "$(cg_dir $c "$name")" ] || fail "cgroup $(cg_dir $c "$name") remains"
    done
    ! grep -q "$PWD/$name" /proc/self/mountinfo || fail "a mount of $PWD/$name remains"
}
