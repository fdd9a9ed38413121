#!/bin/bash
# The registry client's transport: redirects to storage (credentials
# dropped), downloads cut half-way and resumed with Range (also when the
# server ignores Range, and after the client was killed), blobs and
# manifests whose content does not match their digest, and mirrors.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/registry/lib.sh"

# push_image ROOT REF [mkimage args]: sets $M to the manifest digest
push_image() {
    local root=$1 ref=$2
    shift 2
    M=$(mkimage "$root" "$@")
    gantry_reg --root "$root" --quiet push "$ref" "$M"
}

test_redirects_drop_credentials() {
    reg_need
    make_htpasswd "$PWD/htpasswd" alice s3cret
    printf 'auth:\n  htpasswd:\n    realm: t\n    path: %s\n' "$PWD/htpasswd" > auth.yml
    reg_start R auth.yml
    M=$(mkimage "$PWD/src" --random-kb 200)
    gantry_reg --root "$PWD/src" --quiet --user alice:s3cret push "$R/app:1" "$M"
    proxy_start X "$R" --redirect "$R_storage"
    gantry_reg --root "$PWD/dst" --quiet --user alice:s3cret pull "$X/app:1"
    same_blobs "$PWD/src" "$PWD/dst" "$M" $(manifest_blobs "$PWD/src" "$M")
    # the registry got the credentials, the storage never did
    grep -q "^GET /v2/app/blobs/sha256:.* auth=yes" "$X_log" || fail "$(cat "$X_log")"
    [ "$(grep -c '^STORAGE GET .* auth=no' "$X_log")" = 4 ] || fail "$(cat "$X_log")"
    if grep -q '^STORAGE GET .* auth=yes' "$X_log"; then fail "credentials sent to storage"; fi
}

test_cut_download_resumes_with_range() {
    reg_need
    reg_start R
    push_image "$PWD/src" "$R/app:1" --random-kb 500
    proxy_start X "$R" --cut
    gantry_reg --root "$PWD/dst" --quiet pull "$X/app:1"
    same_blobs "$PWD/src" "$PWD/dst" "$M" $(manifest_blobs "$PWD/src" "$M")
    no_ingest "$PWD/dst"
    local d size
    for d in $(manifest_blobs "$PWD/src" "$M"); do
        size=$(stat -c %s "$(blob_path "$PWD/src" "$d")")
        grep -q "^GET /v2/app/blobs/$d range=- " "$X_log" || fail "no first GET of $d"
        grep -q "^GET /v2/app/blobs/$d range=bytes=$((size / 2))- " "$X_log" ||
            fail "no Range request from $((size / 2)) for $d: $(cat "$X_log")"
    done
}

test_server_ignoring_range() {
    reg_need
    reg_start R
    push_image "$PWD/src" "$R/app:1" --random-kb 500
    proxy_start X "$R" --cut --ignore-range
    gantry_reg --root "$PWD/dst" --quiet pull "$X/app:1"
    same_blobs "$PWD/src" "$PWD/dst" "$M" $(manifest_blobs "$PWD/src" "$M")
    grep -q "range=bytes=" "$X_log" || fail "no Range asked: $(cat "$X_log")"
    no_ingest "$PWD/dst"
}

test_failed_download_keeps_partial_and_resumes_later() {
    reg_need
    reg_start R
    push_image "$PWD/src" "$R/app:1" --random-kb 500
    proxy_start X "$R" --cut --min-size 10000
    local out
    reg_fails "a cut download without retries succeeded" --root "$PWD/dst" --retries 0 pull "$X/app:1"
    assert_contains "$out" "pull $X/app:1: layer sha256:"
    local partials
    partials=$(find "$PWD/dst/content/ingest" -name '*.partial' -size +0 | wc -l)
    [ "$partials" -ge 1 ] || fail "no partial ingest kept: $(ls -la "$PWD/dst/content/ingest")"
    proxy_start Y "$R"
    gantry_reg --root "$PWD/dst" --quiet pull "$Y/app:1"
    same_blobs "$PWD/src" "$PWD/dst" "$M" $(manifest_blobs "$PWD/src" "$M")
    grep -q "range=bytes=[1-9][0-9]*-" "$Y_log" || fail "the second pull did not resume: $(cat "$Y_log")"
    no_ingest "$PWD/dst"
}

test_killed_client_resumes() {
    reg_need
    reg_start R
    push_image "$PWD/src" "$R/app:1" --random-kb 800
    proxy_start X "$R" --hang --min-size 10000
    # the binary itself in the background, so that $! is the client's pid
    "$GANTRY" registry --root "$PWD/dst" --quiet --parallel 3 pull "$X/app:1" > bg.out 2>&1 &
    local pid=$! i n=0
    defer stop_pid -9 "$pid"
    # both big layers (busybox, random) in flight at once, each half-way
    for i in $(seq 1 200); do
        n=$(find "$PWD/dst/content/ingest" -name '*.partial' -size +4k 2>/dev/null | wc -l)
        [ "$n" -ge 2 ] && break
        sleep 0.05
    done
    [ "$n" -ge 2 ] || fail "two layers were not downloading at once: $(cat "$X_log")"
    sleep 0.3
    kill -9 "$pid"
    wait "$pid" 2>/dev/null || true
    local f sizes=""
    for f in "$PWD"/dst/content/ingest/*.partial; do
        sizes="$sizes sha256:$(basename "$f" .partial)=$(stat -c %s "$f")"
    done
    proxy_start Y "$R"
    gantry_reg --root "$PWD/dst" --quiet pull "$Y/app:1"
    same_blobs "$PWD/src" "$PWD/dst" "$M" $(manifest_blobs "$PWD/src" "$M")
    local e d size resumed=0
    for e in $sizes; do
        d=${e%=*}
        size=${e#*=}
        [ "$size" -gt 0 ] || continue
        grep -q "^GET /v2/app/blobs/$d range=bytes=$size- " "$Y_log" ||
            fail "$d not resumed from $size: $(cat "$Y_log")"
        resumed=$((resumed + 1))
    done
    [ "$resumed" -ge 2 ] || fail "expected two resumed layers, got $resumed"
    no_ingest "$PWD/dst"
}

test_corrupt_blob_is_refused() {
    reg_need
    reg_start R
    push_image "$PWD/src" "$R/app:1" --random-kb 300
    # flip one byte of the random layer in the registry's own storage
    local bad
    bad=$(jq -r '.layers[-1].digest' "$(blob_path "$PWD/src" "$M")")
    local hex=${bad#sha256:}
    local data=$R_storage/docker/registry/v2/blobs/sha256/${hex:0:2}/$hex/data
    [ -f "$data" ] || fail "no $data"
    "$PY" -c 'import sys; p=sys.argv[1]; b=bytearray(open(p,"rb").read()); b[len(b)//2]^=0xff; open(p,"wb").write(b)' "$data"
    local out
    reg_fails "a corrupt layer was accepted" --root "$PWD/dst" pull "$R/app:1"
    assert_contains "$out" "pull $R/app:1: layer $bad: "
    assert_contains "$out" "digest mismatch"
    [ ! -e "$(blob_path "$PWD/dst" "$bad")" ] || fail "the corrupt blob was committed"
    no_ingest "$PWD/dst"
}

test_manifest_not_matching_its_digest_is_refused() {
    reg_need
    reg_start R
    push_image "$PWD/src" "$R/app:1"
    local hex=${M#sha256:}
    local data=$R_storage/docker/registry/v2/blobs/sha256/${hex:0:2}/$hex/data
    # same length, still valid JSON: one indent space becomes a tab
    "$PY" -c 'import sys; p=sys.argv[1]; b=open(p,"rb").read(); open(p,"wb").write(b.replace(b"   \"", b"  \t\"", 1))' "$data"
    local out
    reg_fails "a tampered manifest was accepted by tag" --root "$PWD/dst" pull "$R/app:1"
    assert_contains "$out" "pull $R/app:1: manifest digest mismatch: the registry says $M, the content hashes to sha256:"
    reg_fails "a tampered manifest was accepted by digest" --root "$PWD/dst" pull "$R/app@$M"
    assert_contains "$out" "manifest digest mismatch: asked for $M, the content hashes to sha256:"
    [ -z "$(ls "$PWD/dst/content/blobs/sha256" 2>/dev/null)" ] || fail "blobs stored"
}

test_reader_going_away_cancels_the_pull() {
    reg_need
    reg_start R
    push_image "$PWD/src" "$R/app:1" --random-kb 2000
    proxy_start X "$R" --cut --min-size 10000
    # The JSON stream's reader reads two messages and leaves; with SIGPIPE
    # ignored (as in the engine) the next write fails and the pull stops.
    set +o pipefail
    (
        trap '' PIPE
        if "$GANTRY" registry --root "$PWD/dst" --json pull "$X/app:1" 2> err; then
            echo rc=0 > rc
        else
            echo "rc=$?" > rc
        fi
    ) |
        head -n 2 > seen
    local i
    for i in $(seq 1 100); do [ -s rc ] && break; sleep 0.05; done
    assert_eq "$(cat rc)" "rc=1" "exit status"
    assert_contains "$(cat err)" "pull $X/app:1: cancelled"
    assert_eq "$(wc -l < seen)" 2 "messages read"
    # the big layer (cut half-way, so still downloading) was not finished
    local big
    big=$(jq -r '.layers[-1].digest' "$(blob_path "$PWD/src" "$M")")
    [ ! -e "$(blob_path "$PWD/dst" "$big")" ] || fail "the big layer was committed after the cancel"
}

test_mirrors_first_then_fallback() {
    reg_need
    reg_start MIR
    push_image "$PWD/src" "$MIR/library/busybox:latest"
    gantry_reg --root "$PWD/dst" --print-result --registry-mirror "http://$MIR" pull busybox > a.json
    assert_eq "$(jq -r .manifest a.json)" "$M"
    same_blobs "$PWD/src" "$PWD/dst" "$M" $(manifest_blobs "$PWD/src" "$M")
    # a dead mirror first: the next one serves
    gantry_reg --root "$PWD/dst2" --print-result --registry-mirror http://127.0.0.1:1 \
        --registry-mirror "http://$MIR/" pull docker.io/library/busybox:latest > b.json
    assert_eq "$(jq -r .manifest b.json)" "$M"
    local out
    reg_fails "an ftp mirror was accepted" --root "$PWD/x" --registry-mirror ftp://nope pull busybox
    assert_contains "$out" 'invalid mirror "ftp://nope"'
}

t "redirects to storage are followed without the credentials" test_redirects_drop_credentials
t "a download cut half-way resumes with Range and verifies" test_cut_download_resumes_with_range
t "a server ignoring Range: the bytes already there are skipped" test_server_ignoring_range
t "a failed download keeps its partial ingest; the next pull resumes it" test_failed_download_keeps_partial_and_resumes_later
t "layers download in parallel; a killed pull resumes where it stopped" test_killed_client_resumes
t "a blob not matching its digest is refused, nothing committed" test_corrupt_blob_is_refused
t "a manifest not matching its digest is refused (by tag and by digest)" test_manifest_not_matching_its_digest_is_refused
t "the progress reader going away cancels the pull" test_reader_going_away_cancels_the_pull
t "docker.io mirrors: first the mirror, then the next one" test_mirrors_first_then_fallback
done_testing
