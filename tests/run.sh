#!/bin/bash
# Runs every test: the unit tests (plain and under ASan+UBSan) and the
# integration tests, and ends with "N passed, N failed".
#   tests/run.sh                  everything
#   tests/run.sh -k runtime       only suites whose name contains "runtime"
#   GANTRY_NO_SAN=1 tests/run.sh  skip the sanitizer build
# Each integration script runs in its own mount and network namespaces
# (unshare), under a cgroup parent named for this run, which is removed at
# the end, failure included.
set -u
cd "$(dirname "$0")/.."
ROOT=$PWD
filter=""
[ "${1:-}" = "-k" ] && filter=$2

jobs=$(nproc)
make -s -j"$jobs" all || { echo "build failed"; echo "0 passed, 1 failed"; exit 1; }
if [ -z "${GANTRY_NO_SAN:-}" ]; then
    make -s -j"$jobs" SAN=1 all || { echo "sanitizer build failed"; echo "0 passed, 1 failed"; exit 1; }
fi

export GANTRY_TEST_CGROUP="gantry-test-$$"
passed=0 failed=0 skipped=0
failures=()
results=$(mktemp /tmp/gantry-results.XXXXXX)

cleanup() {
    # remove this run's cgroup parents (deepest first), in v1 and v2
    for base in /sys/fs/cgroup/*/ /sys/fs/cgroup/; do
        d="$base$GANTRY_TEST_CGROUP"
        [ -d "$d" ] || continue
        find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null
    done
    rm -f "$results"
}
trap cleanup EXIT

# run_suite NAME COMMAND...: streams the suite's output, counts its lines
run_suite() {
    local name=$1; shift
    [ -n "$filter" ] && [[ "$name" != *"$filter"* ]] && return
    echo "# $name"
    local start=$SECONDS
    "$@" 2>&1 | tee "$results" | sed -e '/^[0-9]* passed, [0-9]* failed$/d' -e '/^[0-9]* skipped$/d'
    local rc=${PIPESTATUS[0]}
    local p f s
    p=$(grep -c '^ok - ' "$results")
    f=$(grep -c '^not ok - ' "$results")
    s=$(grep -c '^skip - ' "$results")
    if [ "$rc" != 0 ] && [ "$f" = 0 ]; then
        echo "not ok - $name: exited with status $rc"
        f=1
    fi
    passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
    [ "$f" != 0 ] && failures+=("$name")
    echo "# $name: $p passed, $f failed, $s skipped ($((SECONDS - start))s)"
}

for b in build ${GANTRY_NO_SAN:+} build-san; do
    [ -n "${GANTRY_NO_SAN:-}" ] && [ "$b" = build-san ] && continue
    # the binaries of the sources present (not stale ones of another branch)
    for src in tests/unit/test_*.c; do
        t="$b/tests/$(basename "$src" .c)"
        [ -x "$t" ] || continue
        run_suite "unit/$(basename "$t")${b#build}" "$t"
    done
done

for s in tests/integration/[0-9a-z]*.sh; do
    [ -f "$s" ] || continue
    case $(basename "$s") in lib*) continue ;; esac
    name="integration/$(basename "$s" .sh)"
    run_suite "$name" timeout -k 10 900 unshare --mount --propagation private --net \
        bash -c 'ip link set lo up; exec bash "$0"' "$ROOT/$s"
done

echo
if [ ${#failures[@]} -gt 0 ]; then
    echo "failed suites: ${failures[*]}"
fi
echo "$skipped skipped"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
