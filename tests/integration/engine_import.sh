#!/bin/bash
# docker import against the engine, driven by the real docker CLI: a root
# filesystem tarball (busybox-static) from a file or stdin, plain or
# compressed, becomes an image that runs; --change and --message take
# effect; bad changes and hostile tarballs are refused and leave the image
# store as it was.
. "$(dirname "$0")/lib_engine.sh"
. "$(dirname "$0")/image/common.sh"

start_engine || { echo "not ok - engine starts"; done_testing; exit 1; }

ROOTFS_TAR=$T/rootfs.tar
make_rootfs "$T/rootfs"
tar -C "$T/rootfs" -cf "$ROOTFS_TAR" .

# what must not change when an import is refused: blobs, layer snapshots,
# records, and nothing left half-written
store_unchanged() {
    store_state "$T/data" > after
    diff -u before after || fail "the image store changed"
    [ -z "$(ls "$T/data/content/ingest" 2>/dev/null)" ] || fail "left in content/ingest"
    [ -z "$(ls "$T/data/snapshots/tmp" 2>/dev/null)" ] || fail "left in snapshots/tmp"
}

test_import_a_file_and_run_it() {
    defer docker rmi -f imp/plain:1
    local since
    since=$(date +%s)
    out=$(docker import "$ROOTFS_TAR" imp/plain:1)
    [[ "$out" =~ ^sha256:[0-9a-f]{64}$ ]] || fail "import printed '$out'"
    docker events --since "$since" --until "$(( $(date +%s) + 1 ))" \
        --format '{{.Type}} {{.Action}} {{.Actor.ID}}' > ev
    grep -qx "image import $out" ev || fail "no import event: $(cat ev)"
    assert_eq "$(docker images -q --no-trunc imp/plain:1)" "$out" "the image id"
    assert_eq "$(docker run --rm imp/plain:1 /bin/echo hello)" hello
    assert_eq "$(docker run --rm imp/plain:1 cat /etc/passwd | head -1)" "root:x:0:0:root:/root:/bin/sh"
    assert_eq "$(docker image inspect -f '{{.Os}}/{{.Architecture}} {{len .RootFS.Layers}}' imp/plain:1)" \
        "linux/amd64 1"
    # the layer's diff id is the tarball's own digest
    assert_eq "$(docker image inspect -f '{{index .RootFS.Layers 0}}' imp/plain:1)" \
        "sha256:$(sha256sum < "$ROOTFS_TAR" | cut -d' ' -f1)" "diff id"
    # no command was given: run needs one
    docker run --rm imp/plain:1 2>err && fail "run without a command succeeded"
    true
}

test_import_from_stdin_compressed() {
    defer docker rmi -f imp/gz imp/xz imp/bz2 imp/latest-tag:latest
    gzip -c "$ROOTFS_TAR" | docker import - imp/gz >/dev/null
    xz -c "$ROOTFS_TAR" | docker import - imp/xz >/dev/null
    bzip2 -c "$ROOTFS_TAR" | docker import - imp/bz2 >/dev/null
    local i
    for i in gz xz bz2; do
        assert_eq "$(docker run --rm "imp/$i" /bin/busybox printf "%s" "$i")" "$i" "run imp/$i"
        assert_eq "$(docker image inspect -f '{{index .RepoTags 0}}' "imp/$i")" "imp/$i:latest"
    done
    # same filesystem, same diff id, whatever the compression
    assert_eq "$(docker image inspect -f '{{index .RootFS.Layers 0}}' imp/xz)" \
        "$(docker image inspect -f '{{index .RootFS.Layers 0}}' imp/gz)"
    # the tag travels as ?tag= when the CLI is asked for repo and tag apart
    cat "$ROOTFS_TAR" | docker import - imp/latest-tag >/dev/null
    docker image inspect imp/latest-tag:latest >/dev/null
}

test_changes_and_message() {
    defer docker rmi -f imp/changed
    docker import -m "made by engine_import" \
        -c 'CMD ["/bin/sh", "-c", "echo $GREETING from $(pwd) as $(id -u)"]' \
        -c 'ENV GREETING="hello there" PATH=/bin:/usr/bin' \
        -c 'WORKDIR /tmp' -c 'USER 65534' -c 'EXPOSE 8080/tcp' -c 'LABEL team=gantry' \
        -c 'STOPSIGNAL SIGUSR1' \
        "$ROOTFS_TAR" imp/changed >/dev/null
    assert_eq "$(docker run --rm imp/changed)" "hello there from /tmp as 65534"
    assert_eq "$(docker image inspect -f '{{json .Config.ExposedPorts}} {{.Config.Labels.team}} {{.Config.StopSignal}}' imp/changed)" \
        '{"8080/tcp":{}} gantry SIGUSR1'
    docker history --format '{{.Comment}}' imp/changed > hist
    assert_eq "$(cat hist)" "made by engine_import" "history comment"
    # the command line still wins over the image's CMD
    assert_eq "$(docker run --rm imp/changed /bin/echo override)" override
    # ENTRYPOINT with the shell form
    defer docker rmi -f imp/ep
    docker import -c 'ENTRYPOINT echo entry' "$ROOTFS_TAR" imp/ep >/dev/null
    assert_eq "$(docker run --rm imp/ep)" entry
}

test_untagged_import_is_dangling() {
    local id
    id=$(docker import - < "$ROOTFS_TAR")
    defer docker rmi -f "$id"
    docker images -q --no-trunc --filter dangling=true | grep -qx "$id" ||
        fail "not listed as dangling: $(docker images -a --no-trunc)"
}

test_bad_changes_are_refused() {
    store_state "$T/data" > before
    local bad
    for bad in 'RUN echo no' 'FROM scratch' 'ENV =x' 'EXPOSE http' 'STOPSIGNAL SIGNOPE' \
        'CMD [1, 2]' 'HEALTHCHECK --interval=5 CMD true'; do
        if docker import -c "$bad" "$ROOTFS_TAR" imp/bad 2>err; then
            fail "change '$bad' was accepted"
        fi
        grep -q "Error response from daemon: " err || fail "$bad: $(cat err)"
    done
    docker import -c 'RUN echo no' "$ROOTFS_TAR" imp/bad 2>err || true
    assert_contains "$(cat err)" "run is not a valid change command"
    docker import -c 'EXPOSE http' "$ROOTFS_TAR" imp/bad 2>err || true
    assert_contains "$(cat err)" 'change "EXPOSE http": invalid containerPort: http'
    docker import -c 'ENV =x' - imp/bad < "$ROOTFS_TAR" 2>err || true
    assert_contains "$(cat err)" "ENV names can not be blank"
    store_unchanged
    docker image inspect imp/bad >/dev/null 2>&1 && fail "imp/bad exists"
    true
}

# refused_tarball NAME MESSAGE: mkimage.py's hostile layer as an import
refused_tarball() {
    local name=$1 msg=$2
    store_state "$T/data" > before
    $MK hostile bad.tar "$name"
    local passwd_links
    passwd_links=$(stat -c %h /etc/passwd)
    if docker import bad.tar "imp/hostile-$name" 2>err; then
        fail "the hostile tarball was imported"
    fi
    cat err
    grep -qF -- "$msg" err || fail "the message does not say: $msg"
    store_unchanged
    [ "$(stat -c %h /etc/passwd)" = "$passwd_links" ] || fail "/etc/passwd got a new link"
    ! ls /tmp/gantry-escape-* 2>/dev/null || fail "a file escaped: $(ls /tmp/gantry-escape-*)"
    ! docker image inspect "imp/hostile-$name" >/dev/null 2>&1 || fail "an image was recorded"
}

test_broken_tarballs_are_refused() {
    store_state "$T/data" > before
    docker import - imp/empty < /dev/null 2>err && fail "an empty body was imported"
    assert_contains "$(cat err)" "the tarball is empty"
    gzip -c "$ROOTFS_TAR" | head -c 100000 > cut.tar.gz
    docker import cut.tar.gz imp/cut 2>err && fail "a truncated gzip was imported"
    cat err
    head -c 5000 /dev/urandom > noise
    docker import noise imp/noise 2>err && fail "random bytes were imported"
    cat err
    store_unchanged
}

t "import a file, run it" test_import_a_file_and_run_it
t "import from stdin: gzip, xz, bzip2" test_import_from_stdin_compressed
t "--change CMD, ENV, WORKDIR, USER, EXPOSE, LABEL, STOPSIGNAL, ENTRYPOINT; --message in history" test_changes_and_message
t "an import without a name is dangling" test_untagged_import_is_dangling
t "bad changes are refused by name, nothing stored" test_bad_changes_are_refused
t "../ escape is refused" refused_tarball dotdot 'entry "../../../../tmp/gantry-escape-dotdot": path with ".." refused'
t "absolute path is refused" refused_tarball absolute 'entry "/tmp/gantry-escape-absolute": absolute path refused'
t "a file through an escaping symlink is refused" refused_tarball symlink-escape 'entry "escape/gantry-escape-symlink": refusing to write through'
t "a hardlink out of the layer is refused" refused_tarball hardlink-out 'hardlink target "../../../../../etc/passwd": path with ".." refused'
t "empty, truncated and non-tar bodies are refused" test_broken_tarballs_are_refused
done_testing
