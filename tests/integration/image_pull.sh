#!/bin/bash
# gantry image pull and push against a local docker-registry: images come
# back with the same root filesystem, unpacked and recorded; hostile
# images from a registry are refused; a pull killed mid-download is
# completed by the next one.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/image/common.sh"
. "$(dirname "$0")/registry/lib.sh"

setup() {
    reg_need
    command -v skopeo >/dev/null || skip "skopeo is not installed"
    reg_start REG
}

test_push_then_pull() {
    setup
    three_layout lay
    $G image import --data-root "$PWD/a" --ref test/three lay >/dev/null
    $G image tag --data-root "$PWD/a" test/three "$REG/test/three:1"
    $G image push --data-root "$PWD/a" --quiet "$REG/test/three:1"
    $G image pull --data-root "$PWD/b" "$REG/test/three:1" > pull.out
    cat pull.out
    grep -q "Pull complete" pull.out || fail "no layer was unpacked by the pull"
    grep -q "^Digest: sha256:" pull.out && grep -q "Status: Downloaded newer image for $REG/test/three:1" pull.out
    tail -n1 pull.out | grep -qx "$REG/test/three:1"
    $G image verify --data-root "$PWD/b"
    [ "$($G image ls -q --data-root "$PWD/a")" = "$($G image ls -q --data-root "$PWD/b")" ] ||
        fail "the image id changed"
    mount_image "$PWD/a" test/three k1 ma
    mount_image "$PWD/b" "$REG/test/three:1" k2 mb
    same_tree ma mb cmp
    # again: nothing to fetch
    $G image pull --data-root "$PWD/b" "$REG/test/three:1" > pull2.out
    grep -q "Image is up to date" pull2.out || fail "$(cat pull2.out)"
    # by digest
    local d
    d=$(grep '^Digest:' pull.out | cut -d' ' -f2)
    $G image pull --data-root "$PWD/c" --quiet "$REG/test/three@$d" | grep -qx "$REG/test/three@$d"
    $G image verify --data-root "$PWD/c"
}

test_skopeo_pushed_image() {
    setup
    three_layout lay
    skopeo copy --quiet --dest-tls-verify=false oci:lay:latest "docker://$REG/sk/img:2"
    $G image pull --data-root "$PWD/root" --quiet "$REG/sk/img:2" >/dev/null
    umoci unpack --image lay:latest ub >/dev/null
    mount_image "$PWD/root" "$REG/sk/img:2" k1 m
    same_tree m ub/rootfs cmp
    # and what gantry pushes, skopeo reads
    $G image push --data-root "$PWD/root" --quiet "$REG/sk/img:2" "$REG/sk/back:3"
    skopeo inspect --tls-verify=false "docker://$REG/sk/back:3" | jq -e '.Layers | length == 3' >/dev/null
}

test_hostile_from_registry() {
    setup
    local l
    l=$(std_layers)
    $MK hostile bad.tar symlink-escape
    $MK layout bad --ref latest --layer "$l/single.tar:gzip" --layer bad.tar:gzip >/dev/null
    skopeo copy --quiet --dest-tls-verify=false oci:bad:latest "docker://$REG/evil/img:1"
    if $G image pull --data-root "$PWD/root" --quiet "$REG/evil/img:1" 2>err; then
        fail "a hostile image was pulled"
    fi
    cat err
    grep -q 'entry "escape/gantry-escape-symlink": refusing to write through' err || fail "message"
    ! ls /tmp/gantry-escape-* 2>/dev/null || fail "a file escaped"
    [ -z "$($G image ls -q --data-root "$PWD/root")" ] || fail "recorded"
    $G image verify --data-root "$PWD/root"
}

test_killed_pull_completes() {
    setup
    $MK big big.tar 24
    $MK layout lay --ref latest --layer big.tar:none >/dev/null
    skopeo copy --quiet --dest-tls-verify=false oci:lay:latest "docker://$REG/big/img:1"
    # through a proxy that sends half a blob and then hangs
    proxy_start PX "$REG" --hang --min-size 1000000
    $G image pull --data-root "$PWD/root" --quiet "$PX/big/img:1" > log 2>&1 &
    local gp=$! i
    for i in $(seq 1 200); do
        [ -n "$(find root/content/ingest -type f -size +1M 2>/dev/null)" ] && break
        sleep 0.05
    done
    local partial
    partial=$(find root/content/ingest -type f -size +1M 2>/dev/null)
    kill -9 $gp
    wait $gp 2>/dev/null || true
    [ -n "$partial" ] || { cat log; fail "the pull never got half a blob"; }
    [ -z "$($G image ls -q --data-root "$PWD/root")" ] || fail "recorded"
    $G image verify --data-root "$PWD/root" || fail "the interrupted store does not verify"
    # the next pull resumes (a Range request) and completes
    $G image pull --data-root "$PWD/root" --quiet "$PX/big/img:1" >/dev/null
    grep -q "range=bytes=" "$PX_log" || fail "the blob was not resumed: $(cat "$PX_log")"
    $G image verify --data-root "$PWD/root"
    no_ingest "$PWD/root"
    mount_image "$PWD/root" "$PX/big/img:1" k1 m
    [ "$(ls m | wc -l)" = 24 ] || fail "files: $(ls m | wc -l)"
}

test_pull_errors() {
    setup
    if $G image pull --data-root "$PWD/root" "$REG/no/such:1" 2>err; then fail "pulled nothing"; fi
    grep -q "manifest unknown\|not found\|unknown" err || fail "$(cat err)"
    if $G image push --data-root "$PWD/root" "$REG/no/such:1" 2>err; then fail "pushed nothing"; fi
    grep -q "No such image" err || fail "$(cat err)"
    [ -z "$(ls -A root/content/ingest)" ]
}

t "an image pushed by gantry pulls back to the same tree" test_push_then_pull
t "an image pushed by skopeo pulls to umoci's tree, and back" test_skopeo_pushed_image
t "a hostile image from a registry is refused" test_hostile_from_registry
t "a pull killed mid-download is resumed and completed by the next" test_killed_pull_completes
t "pull and push errors name the image" test_pull_errors
done_testing
