#!/bin/bash
# docker build through the legacy builder (DOCKER_BUILDKIT=0, POST /build):
# a multi-step Dockerfile, the cache and its invalidation, multi-stage
# COPY --from with --target, -q and --iidfile, build args and labels, and
# refusals (a parse error, a failing RUN) that leave no new image (and,
# without --force-rm, the failed RUN's container, as dockerd).
. "$(dirname "$0")/lib_engine.sh"

setup_build
mkdir -p "$CTX/sub"

test_multi_step() {
    echo hello > "$CTX/a.txt"
    echo inner > "$CTX/sub/b.txt"
    cat > "$CTX/Dockerfile" <<DF
# a comment
ARG BASE=$BUSYBOX
FROM \$BASE
ARG GREETING=hi
ENV APP_HOME=/app \\
    MODE=test
RUN echo "\$GREETING" > /greeting && \\
    echo built
COPY a.txt \$APP_HOME/
COPY sub /app/sub/
WORKDIR \$APP_HOME/work
CMD ["sh", "-c", "cat /app/a.txt /app/sub/b.txt /greeting; echo \$MODE; pwd"]
DF
    out=$(docker build -t built:v1 -t built:v2 --build-arg GREETING=bonjour "$CTX" 2>&1) ||
        fail "build failed: $out"
    defer docker rmi -f built:v1 built:v2
    assert_contains "$out" "Step 1/8 : FROM \$BASE"
    assert_contains "$out" " ---> Running in "
    assert_contains "$out" "built"
    assert_contains "$out" "Successfully built "
    assert_contains "$out" "Successfully tagged built:v2"
    assert_eq "$(docker run --rm built:v1)" "hello
inner
bonjour
test
/app/work" "the image runs with the files and env"
    assert_eq "$(docker inspect -f '{{.Id}}' built:v1)" "$(docker inspect -f '{{.Id}}' built:v2)" \
        "both tags"
    assert_eq "$(docker ps -aq | wc -l)" 0 "no intermediate container left"
    docker run --rm built:v1 env | grep -q GREETING && fail "a build arg is in the image's env"
    # the cache on a second build, invalidated from a changed COPY on
    out=$(docker build -t built:v1 --build-arg GREETING=bonjour "$CTX" 2>&1) || fail "$out"
    assert_eq "$(echo "$out" | grep -c 'Using cache')" 7 "every step but FROM from the cache"
    echo changed > "$CTX/a.txt"
    out=$(docker build -t built:v1 --build-arg GREETING=bonjour "$CTX" 2>&1) || fail "$out"
    assert_eq "$(echo "$out" | grep -c 'Using cache')" 3 "ARG, ENV and RUN cached, not from the COPY on"
    assert_contains "$(docker run --rm built:v1 cat /app/a.txt)" changed
    out=$(docker build --no-cache -t built:v1 --build-arg GREETING=bonjour "$CTX" 2>&1) || fail "$out"
    assert_eq "$(echo "$out" | grep -c 'Using cache')" 0 "--no-cache"
}

test_multi_stage_target_quiet() {
    cat > "$CTX/Dockerfile.ms" <<DF
FROM $BUSYBOX AS builder
RUN mkdir /out && echo artifact > /out/file
FROM $BUSYBOX AS final
COPY --from=builder /out/file /result.txt
CMD ["cat", "/result.txt"]
FROM final AS extra
RUN false
DF
    id=$(docker build -q --iidfile "$CTX/iid" --target final -f "$CTX/Dockerfile.ms" -t ms:v1 "$CTX") ||
        fail "build failed: $id"
    defer docker rmi -f ms:v1
    case $id in sha256:*) ;; *) fail "-q printed '$id'" ;; esac
    assert_eq "$(cat "$CTX/iid")" "$id" "--iidfile holds the ID only"
    assert_eq "$(docker run --rm ms:v1)" artifact "COPY --from a stage"
}

test_args_and_labels() {
    printf 'FROM %s\nARG V\nLABEL from.file=yes\nRUN test "$V" = given\n' "$BUSYBOX" > "$CTX/Dockerfile.l"
    out=$(docker build -f "$CTX/Dockerfile.l" --build-arg V=given --label q.label=1 -t lab:v1 "$CTX" 2>&1) ||
        fail "$out"
    defer docker rmi -f lab:v1
    assert_eq "$(docker inspect -f '{{index .Config.Labels "q.label"}} {{index .Config.Labels "from.file"}}' lab:v1)" \
        "1 yes" "labels from the query and the file"
}

test_refusals_leave_nothing() {
    printf 'FROM %s\nRUN true\nFOOBAR x\n' "$BUSYBOX" > "$CTX/Dockerfile.bad"
    out=$(docker build -f "$CTX/Dockerfile.bad" -t bad:v1 "$CTX" 2>&1) && fail "a parse error built"
    assert_contains "$out" "dockerfile parse error on line 3: unknown instruction: FOOBAR"
    printf 'FROM %s\nRUN touch /x\nRUN false\n' "$BUSYBOX" > "$CTX/Dockerfile.fail"
    rc=0
    out=$(docker build --no-cache -f "$CTX/Dockerfile.fail" -t bad:v1 "$CTX" 2>&1) || rc=$?
    assert_eq "$rc" 1 "the RUN's exit code"
    assert_contains "$out" "The command '/bin/sh -c false' returned a non-zero code: 1"
    docker image inspect bad:v1 >/dev/null 2>&1 && fail "the failed build is tagged"
    # the failed RUN's container stays (as dockerd's, without --force-rm), stopped
    left=$(docker ps -aq)
    defer docker rm -f $left
    assert_eq "$(echo "$left" | wc -w)" 1 "the failed step's container is kept"
    assert_eq "$(docker inspect -f '{{.State.Status}} {{.State.ExitCode}}' $left)" "exited 1"
    # (the RUN touch step's image stays, untagged, as a cache image, as dockerd's)
}

t "a multi-step Dockerfile builds, runs, and is cached" test_multi_step
t "multi-stage COPY --from, --target, -q and --iidfile" test_multi_stage_target_quiet
t "build args and labels" test_args_and_labels
t "a parse error and a failing RUN are refused, leave no image" test_refusals_leave_nothing
done_testing
