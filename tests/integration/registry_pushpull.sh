#!/bin/bash
# The registry client against Debian's docker-registry (distribution 2.8):
# push, pull by tag and by digest, progress, indexes, mounts, chunked
# uploads, parallel pulls, and the peers (skopeo) reading what we push.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/registry/lib.sh"

test_push_then_pull_by_tag_and_digest() {
    reg_need
    reg_start R
    local src=$PWD/src dst=$PWD/dst
    local m
    m=$(mkimage "$src" --note one --random-kb 300)
    gantry_reg --root "$src" --json push "$R/test/busybox:v1" "$m" > push.out
    grep -q '"status":"The push refers to repository \['"$R"'/test/busybox\]"' push.out ||
        fail "no push header: $(head -3 push.out)"
    [ "$(grep -c '"status":"Pushed"' push.out)" = 3 ] || fail "expected 3 layers pushed: $(cat push.out)"
    grep -q "\"status\":\"v1: digest: $m size: " push.out || fail "no digest line"
    grep -q '"aux":{"Tag":"v1","Digest":"'"$m"'"' push.out || fail "no aux message"

    # by tag
    gantry_reg --root "$dst" --json pull "$R/test/busybox:v1" > pull.out
    assert_contains "$(head -n1 pull.out)" '{"status":"Pulling from test/busybox","id":"v1"}'
    [ "$(grep -c '"status":"Pulling fs layer"' pull.out)" = 3 ] || fail "$(cat pull.out)"
    [ "$(grep -c '"status":"Download complete"' pull.out)" = 3 ] || fail "$(cat pull.out)"
    grep -q '"status":"Downloading","progressDetail":{"current":[0-9]*,"total":[0-9]*},"progress":"\[' pull.out ||
        fail "no Downloading progress"
    grep -q "\"status\":\"Digest: $m\"" pull.out || fail "no Digest line"
    grep -q "\"status\":\"Status: Downloaded newer image for $R/test/busybox:v1\"" pull.out ||
        fail "no Status line"
    # every blob is there, identical
    same_blobs "$src" "$dst" "$m" $(manifest_blobs "$src" "$m")
    no_ingest "$dst"

    # again: nothing to download
    gantry_reg --root "$dst" pull "$R/test/busybox:v1" > again.out
    grep -q "Status: Image is up to date for $R/test/busybox:v1" again.out || fail "$(cat again.out)"
    [ "$(grep -c 'Already exists' again.out)" = 3 ] || fail "$(cat again.out)"

    # by digest, into a fresh store
    gantry_reg --root "$PWD/dst2" --print-result pull "$R/test/busybox@$m" > res.json
    assert_eq "$(jq -r .digest res.json)" "$m" "pulled digest"
    assert_eq "$(jq -r .manifest res.json)" "$m" "manifest digest"
    assert_eq "$(jq -r '.layers | length' res.json)" 3 "layers"
    same_blobs "$src" "$PWD/dst2" "$m" $(manifest_blobs "$src" "$m")
}

test_errors_name_registry_repository_and_cause() {
    reg_need
    reg_start R
    local out
    reg_fails "pull of a missing image succeeded" --root "$PWD/d" pull "$R/nothing/here:nope"
    assert_contains "$out" "pull $R/nothing/here:nope: "
    assert_contains "$out" "(HTTP 404)"
    assert_contains "$out" "unknown"
    local m
    m=$(mkimage "$PWD/src")
    gantry_reg --root "$PWD/src" --quiet push "$R/a/b:t" "$m"
    reg_fails "pull of a missing tag succeeded" --root "$PWD/d" pull "$R/a/b:other"
    assert_contains "$out" "pull $R/a/b:other: manifest unknown (HTTP 404)"
    # a pull that cannot start streams nothing but its error (docker does
    # the same: the engine may still answer with an error status)
    gantry_reg --root "$PWD/d" --json pull "$R/a/b:other" > stream.out 2>/dev/null && fail "pull succeeded"
    assert_eq "$(cat stream.out)" "{\"errorDetail\":{\"message\":\"pull $R/a/b:other: manifest unknown (HTTP 404)\"},\"error\":\"pull $R/a/b:other: manifest unknown (HTTP 404)\"}"$'\r' "the stream of a failed pull"
    # nothing was stored for the failed pulls
    [ -z "$(ls "$PWD/d/content/blobs/sha256" 2>/dev/null)" ] || fail "blobs left: $(ls "$PWD/d/content/blobs/sha256")"
    no_ingest "$PWD/d"
    # a closed port
    reg_fails "pull from a closed port succeeded" --root "$PWD/d" pull "127.0.0.1:1/x:y"
    assert_contains "$out" "pull 127.0.0.1:1/x:y: GET http://127.0.0.1:1/v2/x/manifests/y: "
    assert_contains "$out" "and over HTTPS"
    # pushing a digest the store does not have
    reg_fails "push of a missing manifest succeeded" --root "$PWD/src" push "$R/a/b:t" sha256:0000000000000000000000000000000000000000000000000000000000000000
    assert_contains "$out" "push $R/a/b:t: manifest sha256:0000"
}

test_index_picks_the_platform() {
    reg_need
    reg_start R
    local src=$PWD/src
    local amd arm ix
    amd=$(mkimage "$src" --note amd --arch amd64 --format oci)
    arm=$(mkimage "$src" --note arm --arch arm64 --format oci)
    ix=$(mkindex "$src" --format oci "$arm=linux/arm64/v8" "$amd=linux/amd64")
    gantry_reg --root "$src" --json push "$R/multi:latest" "$ix" > push.out
    grep -q "\"status\":\"latest: digest: $ix" push.out || fail "$(tail -3 push.out)"

    gantry_reg --root "$PWD/a" --print-result pull "$R/multi" > a.json
    assert_eq "$(jq -r .digest a.json)" "$ix" "index digest"
    assert_eq "$(jq -r .mediaType a.json)" "application/vnd.oci.image.index.v1+json"
    assert_eq "$(jq -r .manifest a.json)" "$amd" "linux/amd64 manifest"
    assert_contains "$(jq -r .platform a.json)" "linux/amd64"
    [ -f "$(blob_path "$PWD/a" "$ix")" ] || fail "index not stored"
    [ ! -f "$(blob_path "$PWD/a" "$arm")" ] || fail "the arm64 manifest was stored"

    gantry_reg --root "$PWD/b" --platform linux/arm64 --print-result pull "$R/multi" > b.json
    assert_eq "$(jq -r .manifest b.json)" "$arm" "linux/arm64 manifest"
    same_blobs "$src" "$PWD/b" $(manifest_blobs "$src" "$arm")

    local out
    reg_fails "pulled a platform the index lacks" --root "$PWD/c" --platform linux/s390x pull "$R/multi"
    assert_contains "$out" "no manifest for platform linux/s390x"
    # Docker media types too (a manifest list)
    local dl
    dl=$(mkindex "$src" --format docker "$amd=linux/amd64" "$arm=linux/arm64")
    gantry_reg --root "$src" --quiet push "$R/multi:docker" "$dl"
    gantry_reg --root "$PWD/d" --print-result pull "$R/multi:docker" > d.json
    assert_eq "$(jq -r .mediaType d.json)" "application/vnd.docker.distribution.manifest.list.v2+json"
    assert_eq "$(jq -r .manifest d.json)" "$amd"
}

test_cross_repository_mount() {
    reg_need
    reg_start R
    local m
    m=$(mkimage "$PWD/src" --random-kb 100)
    gantry_reg --root "$PWD/src" --quiet push "$R/library/base:1" "$m"
    gantry_reg --root "$PWD/src" --json --mount-from library/base push "$R/other/app:1" "$m" > out
    [ "$(grep -c '"status":"Mounted from library/base"' out)" = 3 ] || fail "$(cat out)"
    grep -q '"status":"Pushed"' out && fail "uploaded instead of mounting: $(cat out)"
    # the mounted repository serves the blobs
    gantry_reg --root "$PWD/dst" --quiet pull "$R/other/app:1"
    same_blobs "$PWD/src" "$PWD/dst" $(manifest_blobs "$PWD/src" "$m")
    # pushing again: the registry has them
    gantry_reg --root "$PWD/src" --json push "$R/other/app:2" "$m" > again
    [ "$(grep -c '"status":"Layer already exists"' again)" = 3 ] || fail "$(cat again)"
}

test_chunked_upload() {
    reg_need
    reg_start R
    local m
    m=$(mkimage "$PWD/src" --random-kb 700)
    gantry_reg --root "$PWD/src" --quiet --chunk-size 100000 push "$R/chunked:1" "$m"
    gantry_reg --root "$PWD/dst" --quiet pull "$R/chunked:1"
    same_blobs "$PWD/src" "$PWD/dst" "$m" $(manifest_blobs "$PWD/src" "$m")
}

test_parallel_pulls_of_one_image() {
    reg_need
    reg_start R
    local m
    m=$(mkimage "$PWD/src" --random-kb 2000)
    gantry_reg --root "$PWD/src" --quiet push "$R/par:1" "$m"
    local pids="" i
    for i in 1 2 3 4; do
        gantry_reg --root "$PWD/dst" --quiet pull "$R/par:1" > "p$i.out" 2>&1 &
        pids="$pids $!"
    done
    for i in $pids; do
        wait "$i" || fail "a parallel pull failed: $(cat p*.out)"
    done
    same_blobs "$PWD/src" "$PWD/dst" "$m" $(manifest_blobs "$PWD/src" "$m")
    no_ingest "$PWD/dst"
}

test_skopeo_reads_what_we_push_and_we_read_what_it_pushes() {
    reg_need
    command -v skopeo >/dev/null || skip "skopeo is not installed"
    reg_start R
    local m
    m=$(mkimage "$PWD/src" --format oci)
    gantry_reg --root "$PWD/src" --quiet push "$R/interop:ours" "$m"
    skopeo --insecure-policy copy --src-tls-verify=false "docker://$R/interop:ours" "oci:$PWD/layout:x" >/dev/null
    local sk
    sk=$(jq -r '.manifests[0].digest' "$PWD/layout/index.json")
    assert_eq "$sk" "$m" "skopeo's manifest digest"
    local d
    for d in $(manifest_blobs "$PWD/src" "$m"); do
        cmp -s "$(blob_path "$PWD/src" "$d")" "$PWD/layout/blobs/sha256/${d#sha256:}" || fail "skopeo's $d differs"
    done
    # and the other way: skopeo pushes the layout under another name
    skopeo --insecure-policy copy --dest-tls-verify=false "oci:$PWD/layout:x" "docker://$R/interop:theirs" >/dev/null
    gantry_reg --root "$PWD/dst" --print-result pull "$R/interop:theirs" > res.json
    assert_eq "$(jq -r .manifest res.json)" "$m"
    same_blobs "$PWD/src" "$PWD/dst" $(manifest_blobs "$PWD/src" "$m")
}

t "push, then pull by tag and by digest: same blobs, docker progress" test_push_then_pull_by_tag_and_digest
t "errors name the registry, repository and cause; nothing left behind" test_errors_name_registry_repository_and_cause
t "an index (OCI and Docker) picks linux/amd64, or --platform" test_index_picks_the_platform
t "push mounts blobs from another repository" test_cross_repository_mount
t "chunked upload (PATCH + PUT ?digest=)" test_chunked_upload
t "four pulls of one image at once into one store" test_parallel_pulls_of_one_image
t "skopeo reads what we push; we read what skopeo pushes" test_skopeo_reads_what_we_push_and_we_read_what_it_pushes
done_testing
