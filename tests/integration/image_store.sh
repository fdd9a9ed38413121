#!/bin/bash
# The store under concurrency, collection and interruption, and the
# `gantry image` command line.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/image/common.sh"

blobs_of_layout() { # the digests an OCI layout's first image uses
    local m
    m=$(jq -r '.manifests[0].digest' "$1/index.json")
    { echo "$m"; jq -r '.config.digest, .layers[].digest' "$1/blobs/sha256/${m#sha256:}"; } | sort -u
}

store_blobs() { ls "$1/content/blobs/sha256" | sed 's/^/sha256:/' | sort; }

no_leftovers() {
    [ -z "$(ls -A "$1/content/ingest")" ] || fail "left in content/ingest: $(ls -A "$1/content/ingest")"
    [ -z "$(ls -A "$1/snapshots/tmp")" ] || fail "left in snapshots/tmp: $(ls -A "$1/snapshots/tmp")"
}

test_concurrent_imports() {
    three_layout lay
    local pids=() i
    for i in 1 2 3 4; do
        $G image import --data-root "$PWD/root" --ref test/c:$i lay > log$i 2>&1 &
        pids+=($!)
    done
    for i in 0 1 2 3; do
        wait "${pids[$i]}" || { cat log*; fail "import $((i + 1)) failed"; }
    done
    [ "$($G image ls -q --data-root "$PWD/root" | sort -u | wc -l)" = 1 ] || fail "several images"
    diff <(blobs_of_layout lay) <(store_blobs root) || fail "blobs differ from the layout's"
    [ "$(ls root/snapshots/layers | wc -l)" = 3 ] || fail "snapshots: $(ls root/snapshots/layers)"
    no_leftovers root
    $G image verify --data-root "$PWD/root"
}

test_prune_during_import() {
    three_layout lay
    # prune in a loop while importing: the lease keeps the import whole
    ( for i in $(seq 1 20); do $G image prune --data-root "$PWD/root" >/dev/null || exit 1; done ) &
    local pp=$!
    local i
    for i in 1 2 3; do
        $G image import --data-root "$PWD/root" --ref test/p:$i lay >/dev/null
        $G image rm --data-root "$PWD/root" test/p:$i >/dev/null
    done
    $G image import --data-root "$PWD/root" --ref test/p:last lay >/dev/null
    wait $pp || fail "prune failed"
    $G image verify --data-root "$PWD/root"
    diff <(blobs_of_layout lay) <(store_blobs root)
}

test_prune_is_exact() {
    local l
    l=$(std_layers)
    three_layout a
    $MK layout b --ref latest --layer "$l/base.tar:gzip" --layer "$l/single.tar:gzip" >/dev/null
    $G image import --data-root "$PWD/root" --ref test/a a >/dev/null
    $G image import --data-root "$PWD/root" --ref test/b b >/dev/null
    [ "$(ls root/snapshots/layers | wc -l)" = 4 ] || fail "expected 4 snapshots (base shared)"
    $G image prune --data-root "$PWD/root" > out1
    grep -qx "Deleted blobs: 0" out1 && grep -qx "Deleted snapshots: 0" out1 || fail "$(cat out1)"
    $G image rm --data-root "$PWD/root" test/a > rm.out
    grep -qx "Untagged: test/a:latest" rm.out && grep -q "^Deleted: sha256:" rm.out || fail "$(cat rm.out)"
    $G image prune --data-root "$PWD/root" > out2
    grep -qx "Deleted blobs: 4" out2 && grep -qx "Deleted snapshots: 2" out2 || fail "$(cat out2)"
    diff <(blobs_of_layout b) <(store_blobs root) || fail "kept blobs differ from b's"
    [ "$(ls root/snapshots/layers | wc -l)" = 2 ] || fail "snapshots left: $(ls root/snapshots/layers)"
    mount_image "$PWD/root" test/b k1 m
    [ -f m/hello.txt ] && [ -x m/bin/busybox ] || fail "b lost content"
    $G image verify --data-root "$PWD/root"
    # an image without a name is kept until prune --dangling
    $MK layout anon --layer "$l/single.tar:gzip" >/dev/null
    $G image import --data-root "$PWD/root" anon | grep -q "^Loaded image ID: sha256:"
    $G image ls --data-root "$PWD/root" | grep -q "^<none>  *<none>"
    $G image prune --data-root "$PWD/root" | grep -qx "Deleted blobs: 0"
    $G image prune --dangling --data-root "$PWD/root" > out3
    grep -qx "Deleted images: 1" out3 && grep -qx "Deleted blobs: 2" out3 || fail "$(cat out3)"
    diff <(blobs_of_layout b) <(store_blobs root) || fail "kept blobs differ from b's"
}

test_killed_during_ingest() {
    three_layout lay
    skopeo copy --quiet oci:lay:latest docker-archive:$PWD/a.tar:test/k:1 ||
        skip "skopeo cannot write a docker-archive"
    mkfifo feed
    $G image import --data-root "$PWD/root" - < feed > log 2>&1 &
    local gp=$!
    # half the archive, then nothing: the import waits mid-blob
    ( head -c $(( $(stat -c %s a.tar) / 2 )) a.tar; exec sleep 60 ) > feed &
    local fp=$!
    local i
    for i in $(seq 1 200); do
        [ -n "$(ls root/content/ingest 2>/dev/null)" ] && break
        sleep 0.05
    done
    local started=$(ls root/content/ingest 2>/dev/null)
    kill -9 $gp $fp
    wait $gp $fp 2>/dev/null || true
    [ -n "$started" ] || fail "the import never started a blob"
    [ -z "$($G image ls -q --data-root "$PWD/root")" ] || fail "a record appeared"
    $G image verify --data-root "$PWD/root" || fail "the interrupted store does not verify"
    # the next import completes, and prune takes what the dead one left
    $G image import --data-root "$PWD/root" a.tar | grep -q "Loaded image: test/k:1"
    $G image verify --data-root "$PWD/root"
    $G image prune --data-root "$PWD/root" > pr
    grep -q "Deleted partial downloads: [1-9]" pr || fail "$(cat pr)"
    no_leftovers root
    $G image verify --data-root "$PWD/root"
}

test_killed_during_unpack() {
    # a layer of many small files takes a while to unpack
    mkdir many
    $PY -c "
import os
for i in range(40000):
    d = 'many/d%03d' % (i % 200)
    os.makedirs(d, exist_ok=True)
    open('%s/f%05d' % (d, i), 'w').write(str(i))"
    tar -C many -cf many.tar .
    $MK layout lay --ref latest --layer many.tar:gzip >/dev/null
    $G image import --data-root "$PWD/root" --ref test/many lay > log 2>&1 &
    local gp=$!
    local i seen=
    for i in $(seq 1 400); do
        if [ -n "$(ls root/snapshots/tmp 2>/dev/null)" ]; then seen=1; break; fi
        sleep 0.01
    done
    [ -n "$seen" ] || { wait $gp; skip "the unpack finished before it could be interrupted"; }
    kill -9 $gp
    wait $gp 2>/dev/null || true
    [ -z "$(ls root/snapshots/layers)" ] || fail "a snapshot looks complete: $(ls root/snapshots/layers)"
    [ -z "$($G image ls -q --data-root "$PWD/root")" ] || fail "a record appeared"
    $G image verify --data-root "$PWD/root" || fail "the interrupted store does not verify"
    $G image import --data-root "$PWD/root" --ref test/many lay | grep -q "Loaded image: test/many:latest"
    $G image verify --data-root "$PWD/root"
    [ "$(ls root/snapshots/layers | wc -l)" = 1 ]
    $G image prune --data-root "$PWD/root" >/dev/null
    no_leftovers root
}

test_verify_finds_corruption() {
    three_layout lay
    $G image import --data-root "$PWD/root" --ref test/v lay >/dev/null
    $G image verify --data-root "$PWD/root" | grep -q ": ok$"
    local blob
    blob=$(ls root/content/blobs/sha256 | head -1)
    chmod u+w root/content/blobs/sha256/$blob
    echo junk >> root/content/blobs/sha256/$blob
    if $G image verify --data-root "$PWD/root" > v.out 2>&1; then fail "corruption not found"; fi
    grep -q "blob sha256:$blob is corrupt" v.out || fail "$(cat v.out)"
    grep -q "1 problem\|problems found" v.out || fail "$(cat v.out)"
}

test_cli() {
    three_layout lay
    export GANTRY_DATA_ROOT=$PWD/envroot
    # a registry that is not there: the error names the image
    if $G image pull 127.0.0.1:1/x/y:1 2>err; then fail "pull succeeded"; fi
    grep -q "pull 127.0.0.1:1/x/y:1" err || fail "$(cat err)"
    if $G image push busybox 2>err; then fail "push succeeded"; fi
    grep -q "No such image: busybox" err || fail "$(cat err)"
    $G image import --ref localhost:5000/x/y:2 lay | grep -qx "Loaded image: localhost:5000/x/y:2"
    [ -f envroot/images.json ] || fail "GANTRY_DATA_ROOT ignored"
    $G image tag localhost:5000/x/y:2 busybox
    $G image ls > ls.out
    grep -q "^busybox  *latest  *[0-9a-f]\{12\} " ls.out || fail "$(cat ls.out)"
    grep -q "^localhost:5000/x/y  *2 " ls.out || fail "$(cat ls.out)"
    [ "$($G image ls -q | sort -u | wc -l)" = 1 ]
    $G image inspect busybox | jq -e '.[0].RepoTags | sort == ["busybox:latest","localhost:5000/x/y:2"]' >/dev/null
    local id
    id=$($G image ls -q | head -1)
    $G image inspect "$id" | jq -e '.[0].Id | startswith("sha256:")' >/dev/null
    if $G image rm "$id" 2>err; then fail "removed an image with two references"; fi
    grep -q "must be forced" err
    if $G image rm nosuch 2>err; then fail "removed nothing"; fi
    grep -qx "gantry image rm: No such image: nosuch" err || fail "$(cat err)"
    if $G image tag busybox 'Bad:Name' 2>err; then fail "bad tag accepted"; fi
    grep -q "invalid reference" err
    if $G image import --ref test/x nosuchdir 2>err; then fail "imported nothing"; fi
    grep -q "nosuchdir" err
    $G image rm -f "$id" > rm.out
    [ "$(grep -c Untagged rm.out)" = 2 ] && grep -q "^Deleted: sha256:" rm.out || fail "$(cat rm.out)"
    [ -z "$($G image ls -q)" ]
    # --data-root wins over the environment
    $G image import --data-root "$PWD/flagroot" --ref a/b lay >/dev/null
    [ -f flagroot/images.json ] && [ -z "$($G image ls -q)" ]
    $G image --help | grep -q "prune"
}

t "concurrent imports of one image all succeed and share blobs" test_concurrent_imports
t "prune running during imports never breaks them" test_prune_during_import
t "prune removes exactly the unreferenced blobs and snapshots" test_prune_is_exact
t "an import killed while fetching leaves a store that verifies and completes" test_killed_during_ingest
t "an import killed while unpacking leaves no snapshot that looks complete" test_killed_during_unpack
t "verify re-hashes blobs" test_verify_finds_corruption
t "gantry image command line" test_cli
done_testing
