#!/bin/bash
# The SQLite store keeps every write it acknowledged when its process is
# killed (SIGKILL) in the middle of 1000 concurrent writers, and its
# revisions stay consistent across the restart.
. "$(dirname "$0")/lib.sh"
G=$BUILD/gantry

WRITERS=1000
PER=40 # 40000 writes in all; the kill comes after about half

# a deferred command must not fail (the case would fail with it)
stop_pid() { kill -9 "$1" 2>/dev/null || true; }

test_sigkill_loses_no_acknowledged_write() {
    local d
    d=$(mktemp -d /tmp/gantry-store-dur.XXXXXX)
    defer rm -rf "$d"
    "$G" store-tool --data-dir "$d/store" writers $WRITERS $PER /dur/ >"$d/acks" 2>"$d/err" &
    local pid=$!
    defer stop_pid $pid
    local half=$((WRITERS * PER / 2)) i
    for i in $(seq 1200); do
        [ "$(wc -l <"$d/acks")" -ge $half ] && break
        kill -0 $pid 2>/dev/null || break
        sleep 0.05
    done
    kill -9 $pid
    wait $pid 2>/dev/null || true
    # only whole lines count as acknowledged
    awk 'NF == 3' "$d/acks" | sort >"$d/acked"
    local n
    n=$(wc -l <"$d/acked")
    echo "acknowledged before the kill: $n of $((WRITERS * PER))"
    [ "$n" -ge 1000 ] || fail "only $n writes acknowledged before the kill: $(cat "$d/err")"
    [ "$n" -lt $((WRITERS * PER)) ] || fail "the writers finished before the kill"

    # restart: every acknowledged key is there, with its value and revision
    "$G" store-tool --data-dir "$d/store" dump /dur/ | sort >"$d/dump"
    comm -23 "$d/acked" "$d/dump" >"$d/lost"
    [ ! -s "$d/lost" ] || fail "$(wc -l <"$d/lost") acknowledged writes lost, e.g. $(head -3 "$d/lost")"
    echo "present after the restart: $(wc -l <"$d/dump") keys"

    # acknowledged revisions are distinct, and none is past the store's
    local dup cur
    dup=$(awk '{print $2}' "$d/acked" | sort | uniq -d | head -1)
    [ -z "$dup" ] || fail "revision $dup acknowledged twice"
    cur=$("$G" store-tool --data-dir "$d/store" status | awk '$1 == "revision" {print $2}')
    [ "$(awk '{print $2}' "$d/acked" | sort -n | tail -1)" -le "$cur" ] ||
        fail "an acknowledged revision is past the current one ($cur)"
    # the whole history: revisions 1..current without a gap, versions and
    # create revisions in order, replay equal to a read
    "$G" store-tool --data-dir "$d/store" check >"$d/check" || fail "$(cat "$d/check")"
    assert_contains "$(cat "$d/check")" "consistent: revisions 1..$cur,"
    # and the numbering goes on from there
    assert_eq "$("$G" store-tool --data-dir "$d/store" put /after-restart x)" $((cur + 1)) \
        "revision of the first write after the restart"
}

test_bad_options_are_refused() {
    local d out
    d=$(mktemp -d /tmp/gantry-store-bad.XXXXXX)
    defer rm -rf "$d"
    out=$("$G" store-tool --backend redis --data-dir "$d/s" status 2>&1) && fail "accepted redis"
    assert_contains "$out" 'unknown store backend "redis"'
    assert_not_exists "$d/s"
    out=$("$G" store-tool --data-dir "$d/s" get /nope 2>&1) && fail "found /nope"
    assert_contains "$out" "/nope: not found"
    out=$("$G" store-tool --data-dir "$d/s" get /nope x 2>&1) && fail "took revision x"
    assert_contains "$out" '"x" is not a number'
    out=$("$G" store-tool --data-dir "$d/s" get /nope 99 2>&1) && fail "read the future"
    assert_contains "$out" "future"
    # the hidden command stays out of gantry's usage
    out=$("$G" --help)
    case "$out" in *store-tool*) fail "store-tool listed in usage" ;; esac
}

t "SIGKILL during $WRITERS concurrent writers loses no acknowledged write" \
    test_sigkill_loses_no_acknowledged_write
t "store-tool refuses bad options with reasons" test_bad_options_are_refused
done_testing
