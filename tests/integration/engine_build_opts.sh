#!/bin/bash
# docker build's instructions and options (DOCKER_BUILDKIT=0, POST /build):
# SHELL for RUN's shell form, HEALTHCHECK in the image's config,
# --force-rm and --rm=false, --pull, .dockerignore, -f a Dockerfile
# elsewhere in the context or outside it, and the warning of a build arg
# that no ARG consumed.
. "$(dirname "$0")/lib_engine.sh"

setup_build

test_shell_healthcheck() {
    mkdir -p "$CTX/sh"
    cat > "$CTX/sh/Dockerfile" <<DF
FROM $BUSYBOX
RUN echo "default: \$0"
SHELL ["/bin/echo", "via-echo"]
RUN these words
RUN ["/bin/echo", "exec form untouched"]
HEALTHCHECK --interval=5s --timeout=2s --start-period=1s --retries=4 CMD test -e /ok
DF
    out=$(docker build -t shh:v1 "$CTX/sh" 2>&1) || fail "$out"
    defer docker rmi -f shh:v1
    assert_contains "$out" "default: /bin/sh"
    assert_contains "$out" "via-echo these words"
    assert_contains "$out" "exec form untouched"
    assert_eq "$(docker inspect -f '{{json .Config.Shell}}' shh:v1)" '["/bin/echo","via-echo"]' \
        "SHELL in the config"
    assert_eq "$(docker inspect -f '{{json .Config.Healthcheck}}' shh:v1)" \
        '{"Test":["CMD-SHELL","test -e /ok"],"Interval":5000000000,"Timeout":2000000000,"StartPeriod":1000000000,"Retries":4}' \
        "HEALTHCHECK in the config"
    printf 'FROM shh:v1\nHEALTHCHECK NONE\n' > "$CTX/sh/Dockerfile.none"
    out=$(docker build -f "$CTX/sh/Dockerfile.none" -t shh:v2 "$CTX/sh" 2>&1) || fail "$out"
    defer docker rmi -f shh:v2
    assert_eq "$(docker inspect -f '{{json .Config.Healthcheck.Test}}' shh:v2)" '["NONE"]' \
        "HEALTHCHECK NONE"
}

test_rm_forcerm() {
    mkdir -p "$CTX/rm"
    echo f > "$CTX/rm/f"
    printf 'FROM %s\nRUN touch /a\nCOPY f /f\nRUN touch /b\n' "$BUSYBOX" > "$CTX/rm/Dockerfile"
    out=$(docker build --rm=false -t rmf:v1 "$CTX/rm" 2>&1) || fail "$out"
    defer docker rmi -f rmf:v1
    kept=$(docker ps -aq)
    defer docker rm -f $kept
    assert_eq "$(echo "$kept" | wc -w)" 3 "--rm=false keeps the containers of RUN, COPY, RUN"
    case $out in *"Removed intermediate container"*) fail "--rm=false removed: $out" ;; esac
    docker rm -f $kept >/dev/null
    out=$(docker build -t rmf:v1 --no-cache "$CTX/rm" 2>&1) || fail "$out"
    assert_eq "$(echo "$out" | grep -c 'Removed intermediate container')" 3 "the default --rm"
    assert_eq "$(docker ps -aq | wc -l)" 0 "--rm leaves none"
    printf 'FROM %s\nRUN touch /a\nRUN echo failing; exit 3\n' "$BUSYBOX" > "$CTX/rm/Dockerfile.f"
    rc=0
    out=$(docker build --force-rm --no-cache -f "$CTX/rm/Dockerfile.f" "$CTX/rm" 2>&1) || rc=$?
    assert_eq "$rc" 3 "the failed RUN's status"
    assert_contains "$out" "returned a non-zero code: 3"
    assert_eq "$(docker ps -aq | wc -l)" 0 "--force-rm removed the failed step's container"
    rc=0
    out=$(docker build --no-cache -f "$CTX/rm/Dockerfile.f" "$CTX/rm" 2>&1) || rc=$?
    assert_eq "$rc" 3 "the failed RUN's status"
    left=$(docker ps -aq)
    defer docker rm -f $left
    assert_eq "$(echo "$left" | wc -w)" 1 "without --force-rm the failed step's container stays"
}

test_pull() {
    mkdir -p "$CTX/p"
    # a local image under busybox's name, unlike the registry's
    printf 'FROM %s\nRUN echo local > /marker\n' "$BUSYBOX" > "$CTX/p/Dockerfile.local"
    docker build -q -t "$BUSYBOX" -f "$CTX/p/Dockerfile.local" "$CTX/p" >/dev/null ||
        fail "build the local image"
    defer docker pull -q "$BUSYBOX"
    printf 'FROM %s\nCMD cat /marker 2>/dev/null || echo none\n' "$BUSYBOX" > "$CTX/p/Dockerfile"
    out=$(docker build -t pl:v1 "$CTX/p" 2>&1) || fail "$out"
    defer docker rmi -f pl:v1
    assert_eq "$(docker run --rm pl:v1)" local "without --pull: the local image"
    out=$(docker build --pull -t pl:v1 "$CTX/p" 2>&1) || fail "$out"
    assert_contains "$out" "Pulling from busybox"
    assert_eq "$(docker run --rm pl:v1)" none "--pull: the registry's image"
}

test_dockerignore_and_f() {
    mkdir -p "$CTX/i/docs/build" "$CTX/i/logs" "$CTX/elsewhere"
    echo keep > "$CTX/i/kept.txt"
    echo secret > "$CTX/i/secret.txt"
    echo log > "$CTX/i/logs/a.log"
    echo doc > "$CTX/i/docs/readme"
    printf 'secret.txt\n**/*.log\n' > "$CTX/i/.dockerignore"
    printf 'FROM %s\nCOPY . /ctx/\nCMD ["find", "/ctx", "-type", "f"]\n' "$BUSYBOX" \
        > "$CTX/i/docs/build/Build.df"
    out=$(docker build -f "$CTX/i/docs/build/Build.df" -t ig:v1 "$CTX/i" 2>&1) || fail "$out"
    defer docker rmi -f ig:v1
    assert_eq "$(docker run --rm ig:v1 | sort)" "/ctx/.dockerignore
/ctx/docs/build/Build.df
/ctx/docs/readme
/ctx/kept.txt" "the ignored files are not in the image; -f in a subdirectory of the context"
    printf 'FROM %s\nCOPY kept.txt /\nCMD ["cat", "/kept.txt"]\n' "$BUSYBOX" \
        > "$CTX/elsewhere/Dockerfile"
    out=$(docker build -f "$CTX/elsewhere/Dockerfile" -t ig:v2 "$CTX/i" 2>&1) || fail "$out"
    defer docker rmi -f ig:v2
    assert_eq "$(docker run --rm ig:v2)" keep "-f a Dockerfile outside the context"
    # the CLI adds that Dockerfile to the context and names it in the
    # .dockerignore (made, naming itself too, when there is none): dockerd
    # takes out what the .dockerignore names of them once read
    printf 'FROM %s\nCOPY . /ctx/\nCMD ["ls", "-A", "/ctx"]\n' "$BUSYBOX" \
        > "$CTX/elsewhere/Dockerfile"
    out=$(docker build -f "$CTX/elsewhere/Dockerfile" -t ig:v3 "$CTX/i" 2>&1) || fail "$out"
    defer docker rmi -f ig:v3
    assert_eq "$(docker run --rm ig:v3)" ".dockerignore
docs
kept.txt
logs" "the added Dockerfile is not copied"
    mkdir -p "$CTX/n" && echo n > "$CTX/n/only.txt"
    out=$(docker build -f "$CTX/elsewhere/Dockerfile" -t ig:v4 "$CTX/n" 2>&1) || fail "$out"
    defer docker rmi -f ig:v4
    assert_eq "$(docker run --rm ig:v4)" "only.txt" "nor the .dockerignore the CLI made"
}

test_unused_arg() {
    mkdir -p "$CTX/u"
    printf 'FROM %s\nARG USED\nRUN echo "used=$USED"\n' "$BUSYBOX" > "$CTX/u/Dockerfile"
    out=$(docker build --build-arg USED=1 --build-arg NOT_USED=2 --build-arg OTHER=3 \
          -t ua:v1 "$CTX/u" 2>&1) || fail "$out"
    defer docker rmi -f ua:v1
    assert_contains "$out" "used=1"
    assert_contains "$out" "[Warning] One or more build-args [NOT_USED OTHER] were not consumed"
    out=$(docker build --build-arg USED=1 -t ua:v1 "$CTX/u" 2>&1) || fail "$out"
    case $out in *"were not consumed"*) fail "a warning with every arg consumed: $out" ;; esac
}

t "SHELL for RUN's shell form, HEALTHCHECK in the config" test_shell_healthcheck
t "--rm=false keeps containers, --force-rm removes the failed one" test_rm_forcerm
t "--pull pulls the FROM image again" test_pull
t ".dockerignore'd files absent; -f elsewhere in and outside the context" \
    test_dockerignore_and_f
t "a build arg not consumed gives dockerd's warning" test_unused_arg
done_testing
