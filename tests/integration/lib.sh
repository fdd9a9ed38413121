# tests/integration/lib.sh - sourced by every integration test script.
#
# A script is a list of test cases:
#     t "hostname is set" test_hostname
# Each case runs in a subshell with `set -e`; it fails on the first failing
# command or on `fail "why"`, and prints "ok - ..." or "not ok - ..." with
# its output indented under it.  `defer CMD...` registers cleanup for the
# current case, run on its exit, failure included.  `skip "why"` ends a
# case as skipped.  tests/run.sh runs each script inside fresh mount and
# network namespaces; scripts also run standalone (as root).

set -u
IT_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=${GANTRY_BUILD:-$IT_ROOT/build}
# Per-run cgroup parent, removed by tests/run.sh (or at the end of a
# standalone script).
CG_PARENT=${GANTRY_TEST_CGROUP:-gantry-test-$$}
T=$(mktemp -d /tmp/gantry-it.XXXXXX)
_it_passed=0
_it_failed=0
_it_skipped=0

_it_exit_cmds=""
# _it_on_exit CMD: run CMD (a string) when the script exits, before the
# temporary directory is removed; last registered runs first.
_it_on_exit() {
    _it_exit_cmds="$1; $_it_exit_cmds"
}

_it_exit() {
    [ -n "$_it_exit_cmds" ] && eval "$_it_exit_cmds" >/dev/null 2>&1
    if [ -z "${GANTRY_TEST_CGROUP:-}" ]; then
        for d in /sys/fs/cgroup/*/"$CG_PARENT" /sys/fs/cgroup/"$CG_PARENT"; do
            [ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null
        done
    fi
    rm -rf "$T" 2>/dev/null || { umount -R "$T" 2>/dev/null; rm -rf "$T"; }
}
trap _it_exit EXIT
# a timeout (tests/run.sh) or ^C still runs the cleanup: exit runs the EXIT trap
trap "exit 143" TERM
trap "exit 130" INT

fail() {
    echo "FAIL: $*" >&2
    exit 1
}

skip() {
    echo "$*" > "$_it_case_dir/skip"
    exit 77
}

# defer CMD ARGS...: run at the end of the current case
defer() {
    local q
    printf -v q '%q ' "$@"
    _it_deferred="$q; ${_it_deferred:-}"
}

_it_run_deferred() {
    if [ -n "${_it_deferred:-}" ]; then
        eval "$_it_deferred" >/dev/null 2>&1
    fi
    _it_deferred=""
}

# t NAME FUNCTION [ARGS...]
t() {
    local name=$1; shift
    _it_case_dir=$(mktemp -d "$T/case.XXXXXX")
    # deferred cleanup runs on exit, failure included, and never changes
    # the case's result
    ( set -e; trap '_it_rc=$?; set +e; _it_run_deferred; exit $_it_rc' EXIT
      cd "$_it_case_dir"; "$@" ) >"$_it_case_dir/out" 2>&1
    local rc=$?
    if [ $rc = 0 ]; then
        echo "ok - $name"
        _it_passed=$((_it_passed + 1))
    elif [ $rc = 77 ]; then
        echo "skip - $name: $(cat "$_it_case_dir/skip" 2>/dev/null)"
        _it_skipped=$((_it_skipped + 1))
    else
        echo "not ok - $name"
        sed 's/^/#   /' "$_it_case_dir/out" | tail -n 40
        _it_failed=$((_it_failed + 1))
    fi
}

# Call at the end of a script.
done_testing() {
    [ $_it_skipped -gt 0 ] && echo "$_it_skipped skipped"
    echo "$_it_passed passed, $_it_failed failed"
    [ $_it_failed = 0 ]
}

# assert_eq ACTUAL EXPECTED [WHAT]
assert_eq() {
    [ "$1" = "$2" ] || fail "${3:-value}: got '$1', expected '$2'"
}
# assert_contains HAYSTACK NEEDLE [WHAT]
assert_contains() {
    case "$1" in *"$2"*) ;; *) fail "${3:-output}: '$1' does not contain '$2'" ;; esac
}
assert_not_exists() {
    [ ! -e "$1" ] || fail "$1 exists, expected it gone"
}

# make_rootfs DIR: a busybox-static root filesystem with the usual applets
make_rootfs() {
    local r=$1
    mkdir -p "$r"/{bin,sbin,etc,proc,sys,dev,tmp,root,usr/bin,var}
    cp /bin/busybox "$r/bin/busybox"
    local a
    for a in $(/bin/busybox --list); do
        [ -e "$r/bin/$a" ] || ln -s busybox "$r/bin/$a"
    done
    echo 'root:x:0:0:root:/root:/bin/sh' > "$r/etc/passwd"
    echo 'nobody:x:65534:65534:nobody:/:/bin/false' >> "$r/etc/passwd"
    printf 'root:x:0:\nnogroup:x:65534:\n' > "$r/etc/group"
    chmod 1777 "$r/tmp"
}

# A shared pristine rootfs, made once per script, copied by make_bundle.
_it_rootfs_template() {
    if [ ! -d "$T/rootfs-template" ]; then
        make_rootfs "$T/rootfs-template.tmp" && mv "$T/rootfs-template.tmp" "$T/rootfs-template"
    fi
    echo "$T/rootfs-template"
}
