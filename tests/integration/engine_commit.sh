#!/bin/bash
# docker commit against the engine: what a container added, changed and
# deleted is in the committed image as one more layer (opaque directories
# too), --change instructions shape its config, the container is paused
# meanwhile and running after, and a bad --change leaves nothing behind.
. "$(dirname "$0")/lib_engine.sh"

setup_images
start_engine || { echo "not ok - engine starts"; done_testing; exit 1; }
docker pull -q "$BUSYBOX" >/dev/null

layers() {
    docker inspect -f '{{len .RootFS.Layers}}' "$1"
}

# the blobs of the content store and the image records
store_state() {
    echo "$(ls "$T/data/content/blobs/sha256" | sort | md5sum) $(docker images -aq | sort | md5sum)"
}

test_commit_added_changed_deleted() {
    docker run --name c1 "$BUSYBOX" sh -c \
        'echo new > /added; echo changed >> /etc/group; rm /bin/vi; rm -rf /root; mkdir -p /d/e; echo deep > /d/e/f; ln /added /d/hard'
    defer docker rm -f c1
    id=$(docker commit -m "a note" -a "someone" c1 committed:v1)
    defer docker rmi -f committed:v1
    case $id in sha256:*) ;; *) fail "commit printed '$id'" ;; esac
    assert_eq "$(docker inspect -f '{{.Id}}' committed:v1)" "$id" "the tag names the printed id"
    assert_eq "$(layers committed:v1)" "$(( $(layers "$BUSYBOX") + 1 ))" "one more layer"
    assert_eq "$(docker run --rm committed:v1 cat /added)" new added
    assert_eq "$(docker run --rm committed:v1 tail -1 /etc/group)" changed changed
    assert_eq "$(docker run --rm committed:v1 sh -c 'test -e /bin/vi || echo gone; test -e /root || echo gone')" \
        "gone
gone" deleted
    assert_eq "$(docker run --rm committed:v1 cat /d/e/f)" deep "a new directory tree"
    assert_eq "$(docker run --rm committed:v1 stat -c %h /added)" 2 "a hard link stays one"
    # the engine's own mount points are not changes
    docker run --rm committed:v1 sh -c 'test -s /etc/hostname' || fail "/etc/hostname is not bound in"
    assert_eq "$(docker inspect -f '{{.Comment}}|{{.Author}}' committed:v1)" "a note|someone" "comment and author"
    # history: one more entry, with the comment and the container's command
    assert_eq "$(docker history -q committed:v1 | wc -l)" "$(( $(docker history -q "$BUSYBOX" | wc -l) + 1 ))" history
    assert_contains "$(docker history --no-trunc --format '{{.CreatedBy}}|{{.Comment}}' committed:v1 | head -1)" \
        "sh -c echo new > /added" "history CreatedBy"
    assert_contains "$(docker history --format '{{.Comment}}' committed:v1 | head -1)" "a note"
    docker images --format '{{.Repository}}:{{.Tag}}' | grep -qx committed:v1 || fail "not in docker images"
}

test_commit_on_commit_opaque_dir() {
    docker run --name c2 "$BUSYBOX" sh -c 'mkdir /d; echo a > /d/a; echo b > /d/b'
    defer docker rm -f c2
    docker commit c2 layer1:v1 >/dev/null
    defer docker rmi -f layer1:v1
    # a directory removed and made again hides what was below it
    docker run --name c3 layer1:v1 sh -c 'rm -rf /d; mkdir /d; echo c > /d/c; rm /etc/group'
    defer docker rm -f c3
    docker commit c3 layer2:v1 >/dev/null
    defer docker rmi -f layer2:v1
    assert_eq "$(layers layer2:v1)" "$(( $(layers "$BUSYBOX") + 2 ))" "two more layers"
    assert_eq "$(docker run --rm layer2:v1 ls /d)" c "opaque directory"
    docker run --rm layer2:v1 test -e /etc/group && fail "a whiteout over a committed layer"
    assert_eq "$(docker run --rm layer1:v1 ls /d | tr '\n' ' ')" "a b " "the first image is as it was"
}

test_commit_changes() {
    docker run --name c4 -e KEEP=1 "$BUSYBOX" sh -c 'echo hi > /greeting'
    defer docker rm -f c4
    docker commit -c 'CMD ["cat", "/greeting"]' -c 'ENV FOO=bar BAZ="two words"' \
        -c 'LABEL org.example.x=y "other label"=z' -c 'WORKDIR /srv' -c 'EXPOSE 8080/udp 9000' \
        -c 'USER nobody' -c 'VOLUME /data' -c 'STOPSIGNAL SIGINT' -c 'ENV DERIVED=$FOO-x' \
        c4 changed:v1 >/dev/null
    defer docker rmi -f changed:v1
    assert_eq "$(docker run --rm changed:v1)" hi "CMD"
    assert_eq "$(docker run --rm changed:v1 sh -c 'echo "$FOO|$BAZ|$KEEP|$DERIVED|$(pwd)|$(id -u)"')" \
        "bar|two words|1|bar-x|/srv|65534" "ENV, WORKDIR, USER"
    assert_eq "$(docker inspect -f '{{index .Config.Labels "org.example.x"}}|{{index .Config.Labels "other label"}}' changed:v1)" \
        "y|z" LABEL
    assert_eq "$(docker inspect -f '{{json .Config.ExposedPorts}}' changed:v1)" '{"8080/udp":{},"9000/tcp":{}}' EXPOSE
    assert_eq "$(docker inspect -f '{{json .Config.Volumes}} {{.Config.StopSignal}}' changed:v1)" '{"/data":{}} SIGINT' \
        "VOLUME, STOPSIGNAL"
    # shell form: /bin/sh -c; ENTRYPOINT without CMD drops the CMD
    docker commit -c 'ENTRYPOINT echo from-entrypoint' c4 changed:v2 >/dev/null
    defer docker rmi -f changed:v2
    assert_eq "$(docker inspect -f '{{json .Config.Entrypoint}} {{json .Config.Cmd}}' changed:v2)" \
        '["/bin/sh","-c","echo from-entrypoint"] null' ENTRYPOINT
    assert_eq "$(docker run --rm changed:v2)" from-entrypoint "ENTRYPOINT runs"
}

test_bad_change_leaves_nothing() {
    docker run --name c5 "$BUSYBOX" sh -c 'echo x > /x'
    defer docker rm -f c5
    defer docker rmi -f bad:v1
    before=$(store_state)
    for change in 'RUN echo hi' 'FROM busybox' 'BOGUS x' 'ENV' 'LABEL novalue' 'EXPOSE 80/xyz' \
                  'STOPSIGNAL NOSUCHSIG' 'WORKDIR' 'HEALTHCHECK WHAT' 'ENV A="unterminated'; do
        docker commit -c "$change" c5 bad:v1 > out 2>&1 && fail "commit --change '$change' was accepted"
        word=${change%% *}
        grep -qi "$word" out || fail "the error for '$change' does not name $word: $(cat out)"
    done
    assert_contains "$(docker commit -c 'RUN echo hi' c5 2>&1)" "run is not a valid change command"
    docker image inspect bad:v1 >/dev/null 2>&1 && fail "an image was left"
    assert_eq "$(store_state)" "$before" "blobs and images after the refusals"
    docker commit c5 'Bad:Name' > out 2>&1 && fail "a bad reference was accepted"
    assert_contains "$(cat out)" "invalid reference format"
    assert_eq "$(store_state)" "$before" "blobs and images after a bad name"
}

test_commit_running_pauses() {
    # the counter is renamed into place: a pause between a truncation and
    # the write after it would otherwise commit an empty file
    docker run -d --name c6 "$BUSYBOX" sh -c 'i=0; while true; do i=$((i+1)); echo $i > /c.tmp; mv /c.tmp /counter; sleep 0.01; done' >/dev/null
    defer docker rm -f c6
    since=$(date +%s)
    sleep 0.5
    docker commit c6 running:v1 >/dev/null
    defer docker rmi -f running:v1
    assert_eq "$(docker inspect -f '{{.State.Status}}' c6)" running "running after the commit"
    docker events --since "$since" --until "$(( $(date +%s) + 1 ))" --filter container=c6 \
        --format '{{.Action}}' > ev
    assert_eq "$(grep -E '^(pause|commit|unpause)$' ev | tr '\n' ' ')" "pause commit unpause " "events"
    [ "$(docker run --rm running:v1 cat /counter)" -gt 0 ] || fail "no counter in the image"
    # --pause=false: no pause
    since=$(date +%s)
    docker commit --pause=false c6 running:v2 >/dev/null
    defer docker rmi -f running:v2
    docker events --since "$since" --until "$(( $(date +%s) + 1 ))" --filter container=c6 \
        --format '{{.Action}}' > ev
    grep -qx pause ev && fail "paused with --pause=false"
    assert_eq "$(docker inspect -f '{{.State.Status}}' c6)" running
}

test_commit_of_unchanged_container() {
    docker create --name c7 "$BUSYBOX" true >/dev/null
    defer docker rm -f c7
    docker commit c7 same:v1 >/dev/null
    defer docker rmi -f same:v1
    assert_eq "$(layers same:v1)" "$(layers "$BUSYBOX")" "no changes: no layer"
    assert_eq "$(docker history -q same:v1 | wc -l)" "$(( $(docker history -q "$BUSYBOX" | wc -l) + 1 ))" \
        "but a history entry"
    assert_eq "$(docker run --rm same:v1 echo ok)" ok
}

t "added, changed and deleted files are in the committed image" test_commit_added_changed_deleted
t "a commit on a commit: opaque directories and whiteouts" test_commit_on_commit_opaque_dir
t "--change CMD, ENTRYPOINT, ENV, LABEL, WORKDIR, EXPOSE, USER, VOLUME, STOPSIGNAL" test_commit_changes
t "a bad --change or name is refused and leaves nothing" test_bad_change_leaves_nothing
t "a running container is paused for the commit, and runs on" test_commit_running_pauses
t "a container without changes commits to no new layer" test_commit_of_unchanged_container
done_testing
