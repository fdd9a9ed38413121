#!/bin/bash
# Hostile images: each is refused with a message naming what is wrong,
# nothing is written outside the store, and the store is left exactly as
# it was (blobs, snapshots, records) -- including the snapshots of the
# good layers below the bad one.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/image/common.sh"

# A store that already holds an image, so that "unchanged" means something.
prepared_store() {
    local l
    l=$(std_layers)
    $MK layout good --ref latest --layer "$l/single.tar:gzip" >/dev/null
    $G image import --data-root "$PWD/root" --ref test/good good >/dev/null
    store_state "$PWD/root" > before
}

check_unchanged() {
    store_state "$PWD/root" > after
    diff -u before after || fail "the store changed"
    [ -z "$(ls root/snapshots/tmp)" ] || fail "left in snapshots/tmp: $(ls root/snapshots/tmp)"
    [ -z "$(ls root/content/ingest)" ] || fail "left in content/ingest: $(ls root/content/ingest)"
    $G image verify --data-root "$PWD/root" >/dev/null || fail "store does not verify"
}

# refused_layer NAME MESSAGE [IMPORT FLAGS...]: a good layer, then the
# hostile one, in one image
refused_layer() {
    local name=$1 msg=$2
    shift 2
    prepared_store
    local l
    l=$(std_layers)
    $MK hostile bad.tar "$name"
    $MK layout bad --ref latest --layer "$l/mid.tar:gzip" --layer bad.tar:gzip >/dev/null
    local passwd_links
    passwd_links=$(stat -c %h /etc/passwd)
    if $G image import --data-root "$PWD/root" --ref test/bad "$@" bad 2>err; then
        fail "the hostile image was imported"
    fi
    cat err
    grep -qF -- "$msg" err || fail "message does not say: $msg"
    check_unchanged
    [ "$(stat -c %h /etc/passwd)" = "$passwd_links" ] || fail "/etc/passwd got a new link"
    ! ls /tmp/gantry-escape-* 2>/dev/null || fail "a file escaped: $(ls /tmp/gantry-escape-*)"
    ! $G image inspect --data-root "$PWD/root" test/bad >/dev/null 2>&1 || fail "a record was written"
}

t "../ escape is refused" refused_layer dotdot 'entry "../../../../tmp/gantry-escape-dotdot": path with ".." refused'
t "absolute path is refused" refused_layer absolute 'entry "/tmp/gantry-escape-absolute": absolute path refused'
t "a file through an escaping symlink is refused" refused_layer symlink-escape 'entry "escape/gantry-escape-symlink": refusing to write through'
t "a file through an absolute symlink is refused" refused_layer symlink-abs 'entry "d/lnk/gantry-escape-symlink-abs": refusing to write through'
t "a hardlink out of the layer is refused" refused_layer hardlink-out 'entry "passwd": hardlink target "../../../../../etc/passwd": path with ".." refused'
t "a hardlink to an absolute path is refused" refused_layer hardlink-abs 'entry "passwd": hardlink target "/etc/passwd"'
t "a hardlink through a symlink is refused" refused_layer hardlink-symlink 'entry "passwd": hardlink target "hostetc/passwd" goes through a symbolic link'
t "an entry past the size limit is refused" refused_layer huge 'entry "big": 2097152 bytes is larger than the limit of 1048576' --max-entry-size 1M
t "a header claiming 8 GiB is refused before any data" refused_layer huge-header 'entry "claims-8g": 8589934592 bytes is larger than the limit' --max-entry-size 1G
t "a layer past the total limit is refused" refused_layer huge 'the layer is larger than the limit of 1048576 bytes' --max-layer-size 1M
t "a device node is refused with --no-devices" refused_layer device 'entry "dev/sda": device nodes are not allowed' --no-devices
t "an invalid whiteout is refused" refused_layer whiteout-dotdot 'entry "a/.wh..": invalid whiteout'

test_wrong_blob_digest() {
    prepared_store
    local l
    l=$(std_layers)
    $MK layout bad --ref latest --layer "$l/base.tar:gzip" --layer "$l/mid.tar:gzip" >/dev/null
    # change a layer's bytes, keep its name
    local blob
    blob=$(jq -r '.layers[1].digest' "bad/blobs/sha256/$(jq -r '.manifests[0].digest' bad/index.json | cut -d: -f2)")
    $PY -c "
f = open('bad/blobs/sha256/${blob#sha256:}', 'r+b'); f.seek(100); b = f.read(1)
f.seek(100); f.write(bytes([b[0] ^ 0xff]))"
    if $G image import --data-root "$PWD/root" --ref test/bad bad 2>err; then fail "imported"; fi
    cat err
    grep -q "blob $blob: digest mismatch" err || fail "message"
    check_unchanged
}

test_wrong_diff_id() {
    prepared_store
    local l
    l=$(std_layers)
    $MK layout bad --ref latest --bad-diff-id --layer "$l/single.tar:gzip" >/dev/null
    if $G image import --data-root "$PWD/root" --ref test/bad bad 2>err; then fail "imported"; fi
    cat err
    grep -q "layer content does not match its diff id" err || fail "message"
    check_unchanged
}

test_truncated_gzip() {
    prepared_store
    local l
    l=$(std_layers)
    gzip -c "$l/base.tar" > full.gz
    head -c $(( $(stat -c %s full.gz) / 2 )) full.gz > half.gz
    $MK layout bad --ref latest --layer "$l/single.tar:gzip" --layer half.gz:raw >/dev/null
    if $G image import --data-root "$PWD/root" --ref test/bad bad 2>err; then fail "imported"; fi
    cat err
    grep -q "truncated gzip input" err || fail "message"
    grep -q 'entry "' err || fail "the entry is not named"
    check_unchanged
}

test_not_a_tar() {
    prepared_store
    head -c 100000 /dev/urandom > junk
    $MK layout bad --ref latest --layer junk:none >/dev/null
    if $G image import --data-root "$PWD/root" --ref test/bad bad 2>err; then fail "imported"; fi
    cat err
    grep -q "read layer" err || fail "message"
    check_unchanged
}

test_missing_blob() {
    prepared_store
    local l
    l=$(std_layers)
    $MK layout bad --ref latest --layer "$l/single.tar:gzip" --layer "$l/mid.tar:gzip" >/dev/null
    local m blob
    m=$(jq -r '.manifests[0].digest' bad/index.json | cut -d: -f2)
    blob=$(jq -r '.layers[1].digest' bad/blobs/sha256/$m)
    rm "bad/blobs/sha256/${blob#sha256:}"
    if $G image import --data-root "$PWD/root" --ref test/bad bad 2>err; then fail "imported"; fi
    grep -q "blob $blob is missing from the layout" err || fail "message: $(cat err)"
    check_unchanged
}

test_hostile_docker_archive() {
    prepared_store
    # an archive whose member names climb out
    $PY - <<'EOF'
import io, tarfile
t = tarfile.open("evil.tar", "w")
ti = tarfile.TarInfo("../../tmp/gantry-escape-archive")
ti.size = 1
t.addfile(ti, io.BytesIO(b"x"))
t.close()
EOF
    if $G image import --data-root "$PWD/root" evil.tar 2>err; then fail "imported"; fi
    grep -q 'entry "../../tmp/gantry-escape-archive": absolute path or ".." refused' err ||
        fail "message: $(cat err)"
    check_unchanged
    # a manifest.json naming a layer that is not there
    $PY - <<'EOF'
import io, json, tarfile
t = tarfile.open("lying.tar", "w")
def add(name, data):
    ti = tarfile.TarInfo(name); ti.size = len(data); t.addfile(ti, io.BytesIO(data))
cfg = json.dumps({"rootfs": {"type": "layers", "diff_ids": []}}).encode()
add("c.json", cfg)
add("manifest.json", json.dumps([{"Config": "c.json", "RepoTags": ["x:1"], "Layers": ["nope/layer.tar"]}]).encode())
t.close()
EOF
    if $G image import --data-root "$PWD/root" lying.tar 2>err; then fail "imported"; fi
    grep -q "manifest.json names nope/layer.tar, which is not in the archive" err || fail "message: $(cat err)"
    check_unchanged
    if $G image import --data-root "$PWD/root" /etc/hostname 2>err; then fail "imported"; fi
    grep -q "read /etc/hostname: Unrecognized archive format" err || fail "message: $(cat err)"
    check_unchanged
}

t "a blob that does not match its digest is refused" test_wrong_blob_digest
t "a layer that does not match its diff id is refused" test_wrong_diff_id
t "a truncated gzip layer is refused" test_truncated_gzip
t "a layer that is not a tar is refused" test_not_a_tar
t "a layout missing a blob is refused" test_missing_blob
t "hostile docker archives are refused" test_hostile_docker_archive
done_testing
