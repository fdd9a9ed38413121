#!/bin/bash
# docker build's files (DOCKER_BUILDKIT=0, POST /build): the COPY cache
# keyed by content (a touch keeps it, an edit or a chmod does not), COPY,
# ADD and WORKDIR in a stage FROM scratch (the multi-stage pattern), RUN
# there refused, COPY --chown by names and ids and --chmod, ADD of a tar
# (unpacked) and of a plain file.
. "$(dirname "$0")/lib_engine.sh"

setup_build

cached() { echo "$1" | grep -c 'Using cache' || true; }

test_cache_by_content() {
    mkdir -p "$CTX/c/dir"
    echo one > "$CTX/c/f.txt"
    echo two > "$CTX/c/dir/g.txt"
    printf 'FROM %s\nCOPY f.txt /f.txt\nCOPY dir /dir/\nRUN cat /f.txt /dir/g.txt\n' \
        "$BUSYBOX" > "$CTX/c/Dockerfile"
    out=$(docker build -t ck:v1 "$CTX/c" 2>&1) || fail "$out"
    defer docker rmi -f ck:v1
    touch -d '2001-02-03' "$CTX/c/f.txt" "$CTX/c/dir/g.txt" "$CTX/c/dir"
    out=$(docker build -t ck:v1 "$CTX/c" 2>&1) || fail "$out"
    assert_eq "$(cached "$out")" 3 "a touch keeps the cache of both COPYs and the RUN"
    echo ONE > "$CTX/c/f.txt"
    out=$(docker build -t ck:v1 "$CTX/c" 2>&1) || fail "$out"
    assert_eq "$(cached "$out")" 0 "an edit (same size) invalidates from its COPY on"
    assert_eq "$(docker run --rm ck:v1 cat /f.txt)" ONE "the edited file is in the image"
    chmod 0600 "$CTX/c/dir/g.txt"
    out=$(docker build -t ck:v1 "$CTX/c" 2>&1) || fail "$out"
    assert_eq "$(cached "$out")" 1 "a mode change invalidates its COPY"
    assert_eq "$(docker run --rm ck:v1 stat -c %a /dir/g.txt)" 600 "the new mode"
}

test_scratch_stage() {
    mkdir -p "$CTX/s"
    echo "static data" > "$CTX/s/data.txt"
    mkdir -p "$CTX/s/t/etc" && echo from-tar > "$CTX/s/t/etc/tarred"
    tar -C "$CTX/s/t" -czf "$CTX/s/extra.tar.gz" etc
    cat > "$CTX/s/Dockerfile" <<DF
FROM $BUSYBOX AS build
RUN mkdir -p /out && cp /bin/busybox /out/busybox
FROM scratch
WORKDIR /srv/www
COPY --from=build /out/busybox /busybox
COPY data.txt ./
ADD extra.tar.gz /
ENTRYPOINT ["/busybox"]
CMD ["cat", "/srv/www/data.txt", "/etc/tarred"]
DF
    out=$(docker build -t scr:v1 "$CTX/s" 2>&1) || fail "build failed: $out"
    defer docker rmi -f scr:v1
    assert_eq "$(docker run --rm scr:v1)" "static data
from-tar" "the scratch image runs its one binary with the copied files"
    assert_eq "$(docker run --rm scr:v1 pwd)" /srv/www "WORKDIR made the directory"
    # (dev, proc and sys: the runtime's mount points)
    assert_eq "$(docker run --rm scr:v1 ls / | grep -vx -e dev -e proc -e sys)" "busybox
etc
srv" "nothing but what the Dockerfile put"
    assert_eq "$(docker image inspect -f '{{len .RootFS.Layers}}' scr:v1)" 4 \
        "a layer for WORKDIR and each COPY and ADD"
    out=$(docker build -t scr:v1 "$CTX/s" 2>&1) || fail "$out"
    assert_eq "$(cached "$out")" 7 "the scratch stage is cached too"
    assert_eq "$(docker ps -aq | wc -l)" 0 "no container left"
    printf 'FROM scratch\nRUN true\n' > "$CTX/s/Dockerfile.run"
    out=$(docker build -f "$CTX/s/Dockerfile.run" "$CTX/s" 2>&1) && fail "RUN in scratch built"
    assert_contains "$out" 'Please provide a source image with `from` prior to run'
    printf 'FROM scratch\nCOPY --chown=app data.txt /\n' > "$CTX/s/Dockerfile.own"
    out=$(docker build -f "$CTX/s/Dockerfile.own" "$CTX/s" 2>&1) &&
        fail "a named owner in scratch built"
    assert_contains "$out" "can't find uid for user app"
}

test_chown_chmod() {
    mkdir -p "$CTX/o/d"
    echo x > "$CTX/o/f"
    echo y > "$CTX/o/d/g"
    cat > "$CTX/o/Dockerfile" <<DF
FROM $BUSYBOX
RUN echo 'app:x:1234:1234::/home/app:/bin/sh' >> /etc/passwd && \\
    printf 'app:x:1234:\nstaff:x:2345:\n' >> /etc/group
COPY --chown=app f /by-user
COPY --chown=app:staff f /by-names
COPY --chown=42:43 d /ids/
COPY --chown=1234:staff f /mixed
COPY --chmod=0640 f /moded
COPY --chown=7 --chmod=700 d /both/
COPY f /plain
DF
    out=$(docker build -t own:v1 "$CTX/o" 2>&1) || fail "build failed: $out"
    defer docker rmi -f own:v1
    assert_eq "$(docker run --rm own:v1 stat -c '%n %u:%g %a' /by-user /by-names /ids/g /mixed \
                 /moded /both/g /plain)" \
        "/by-user 1234:1234 644
/by-names 1234:2345 644
/ids/g 42:43 644
/mixed 1234:2345 644
/moded 0:0 640
/both/g 7:7 700
/plain 0:0 644"
    printf 'FROM %s\nCOPY --chown=nosuch f /\n' "$BUSYBOX" > "$CTX/o/Dockerfile.bad"
    out=$(docker build -f "$CTX/o/Dockerfile.bad" "$CTX/o" 2>&1) && fail "an unknown user built"
    assert_contains "$out" "nosuch"
    printf 'FROM %s\nCOPY --chmod=999 f /\n' "$BUSYBOX" > "$CTX/o/Dockerfile.badm"
    out=$(docker build -f "$CTX/o/Dockerfile.badm" "$CTX/o" 2>&1) && fail "a bad chmod built"
    assert_contains "$out" "invalid chmod parameter: 999"
    assert_eq "$(docker ps -aq | wc -l)" 0 "no container left"
}

test_add() {
    mkdir -p "$CTX/a/t/top/sub"
    echo in-tar > "$CTX/a/t/top/sub/file"
    tar -C "$CTX/a/t" -cf "$CTX/a/plain.tar" top
    echo "not an archive" > "$CTX/a/notes.txt"
    cat > "$CTX/a/Dockerfile" <<DF
FROM $BUSYBOX
ADD plain.tar /unpacked/
ADD notes.txt /docs/
COPY plain.tar /copied/
DF
    out=$(docker build -t add:v1 "$CTX/a" 2>&1) || fail "build failed: $out"
    defer docker rmi -f add:v1
    assert_eq "$(docker run --rm add:v1 cat /unpacked/top/sub/file /docs/notes.txt)" "in-tar
not an archive" "ADD unpacks a tar and copies a plain file"
    assert_eq "$(docker run --rm add:v1 ls /copied)" plain.tar "COPY does not unpack"
}

t "the COPY cache is keyed by content, not times" test_cache_by_content
t "COPY, ADD and WORKDIR in a stage FROM scratch; RUN there refused" test_scratch_stage
t "COPY --chown by names and ids, --chmod" test_chown_chmod
t "ADD of a tar and of a plain file" test_add
done_testing
