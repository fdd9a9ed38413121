#!/bin/bash
# Images in and out of gantry, checked against umoci and skopeo: the root
# filesystem gantry assembles (overlay and copy snapshotters) equals the
# one umoci unpacks, layouts and docker-archives gantry writes are read by
# skopeo and umoci, and round trips keep the image.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/image/common.sh"

need_tools() {
    command -v umoci >/dev/null || skip "umoci is not installed"
    command -v skopeo >/dev/null || skip "skopeo is not installed"
    grep -qw overlay /proc/filesystems || skip "no overlayfs in this kernel"
}

test_whiteouts_like_umoci() {
    need_tools
    three_layout lay
    $G image import --data-root "$PWD/root" --ref test/three lay | grep -q "Loaded image: test/three:latest"
    umoci unpack --image lay:latest ub >/dev/null
    mount_image "$PWD/root" test/three k1 ov
    same_tree ov ub/rootfs cmp-overlay
    mount_image "$PWD/root" test/three k2 cp copy
    same_tree cp ub/rootfs cmp-copy
    # whiteouts and opaque directories did their work
    [ ! -e ov/etc/secret ] && [ ! -e ov/etc/keepdir/a ] && [ -e ov/etc/keepdir/c ] || fail "whiteouts"
    [ "$(ls ov/etc/opaque)" = "newest" ] || fail "opaque dir shows: $(ls ov/etc/opaque)"
    findmnt -n -o FSTYPE ov | grep -qx overlay || fail "not an overlay mount"
    # the container's writes land in its own upper directory only
    echo new > ov/etc/written
    [ -f root/snapshots/active/k1/upper/etc/written ] || fail "write did not reach the upper dir"
    [ ! -e cp/etc/written ] || fail "containers share a write"
    $G image verify --data-root "$PWD/root"
}

test_zstd_layers() {
    need_tools
    local l
    l=$(std_layers)
    $MK layout gz --ref latest --layer "$l/base.tar:gzip" --layer "$l/mid.tar:gzip" --layer "$l/top.tar:gzip" >/dev/null
    $MK layout zs --ref latest --layer "$l/base.tar:zstd" --layer "$l/mid.tar:zstd" --layer "$l/top.tar:none" >/dev/null
    $G image import --data-root "$PWD/root" --ref test/gz gz
    $G image import --data-root "$PWD/root" --ref test/zs zs
    # same diff ids, so the zstd image reuses the gzip image's snapshots
    [ "$(ls root/snapshots/layers | wc -l)" = 3 ] || fail "layers were unpacked twice"
    mount_image "$PWD/root" test/gz k1 a
    mount_image "$PWD/root" test/zs k2 b
    same_tree a b cmp
    $G image inspect --data-root "$PWD/root" test/zs | jq -e '.[0].RootFS.Layers | length == 3' >/dev/null
}

# An image made by umoci itself, three repacks of a busybox root.
test_umoci_built_image() {
    need_tools
    umoci init --layout u >/dev/null
    umoci new --image u:latest >/dev/null
    umoci unpack --image u:latest b >/dev/null
    local r=b/rootfs
    mkdir -p $r/bin $r/etc $r/var/lib/app $r/home/app $r/opt/x/y
    cp /bin/busybox $r/bin/busybox
    for a in sh ls cat id; do ln -s busybox $r/bin/$a; done
    echo 'root:x:0:0:root:/root:/bin/sh' > $r/etc/passwd
    echo 'app:x:1000:1000::/home/app:/bin/sh' >> $r/etc/passwd
    printf 'root:x:0:\napp:x:1000:\n' > $r/etc/group
    chown 1000:1000 $r/home/app
    chmod 0750 $r/home/app
    echo data > $r/var/lib/app/data
    ln $r/var/lib/app/data $r/var/lib/app/data.link
    echo s > $r/bin/suid && chmod 4755 $r/bin/suid
    $PY -c "import os; os.setxattr('$r/var/lib/app/data', 'user.k', b'v')"
    echo 1 > $r/opt/x/y/f
    umoci repack --image u:latest b >/dev/null
    umoci unpack --image u:latest b2 >/dev/null
    r=b2/rootfs
    rm $r/var/lib/app/data.link
    rm -r $r/opt/x
    chmod 0600 $r/etc/group
    ln -s /etc/passwd $r/etc/pw
    echo more > $r/home/app/more && chown 1000:1000 $r/home/app/more
    umoci repack --image u:latest b2 >/dev/null
    umoci unpack --image u:latest b3 >/dev/null
    r=b3/rootfs
    rm -r $r/var/lib/app
    mkdir -p $r/var/lib/app/new $r/opt/x
    echo again > $r/opt/x/f
    umoci repack --image u:latest b3 >/dev/null
    umoci config --image u:latest --config.cmd /bin/sh --config.user app >/dev/null
    [ "$(jq '.manifests | length' u/index.json)" = 1 ] || fail "unexpected layout"
    $G image import --data-root "$PWD/root" --ref umoci/img:1 u
    umoci unpack --image u:latest final >/dev/null
    mount_image "$PWD/root" umoci/img:1 k1 ov
    same_tree ov final/rootfs cmp
    mount_image "$PWD/root" umoci/img:1 k2 cp copy
    same_tree cp final/rootfs cmp2
    [ "$($G image inspect --data-root "$PWD/root" umoci/img:1 | jq -r '.[0].Config.User')" = app ]
}

test_skopeo_written_layout() {
    need_tools
    three_layout lay
    skopeo copy --quiet oci:lay:latest oci:sk:v2
    $G image import --data-root "$PWD/root" --ref test/sk:v2 sk
    umoci unpack --image lay:latest ub >/dev/null
    mount_image "$PWD/root" test/sk:v2 k1 ov
    same_tree ov ub/rootfs cmp
}

test_export_read_by_skopeo_and_umoci() {
    need_tools
    three_layout lay
    $G image import --data-root "$PWD/root" --ref test/three:1 lay >/dev/null
    $G image export --data-root "$PWD/root" -o exp test/three:1
    skopeo inspect oci:exp:1 > insp.json
    jq -e '.Layers | length == 3' insp.json >/dev/null || fail "skopeo sees $(cat insp.json)"
    [ "$(jq -r '.Labels.test' insp.json)" = yes ] || fail "labels lost"
    skopeo copy --quiet oci:exp:1 oci:copy:1
    umoci unpack --image exp:1 ub >/dev/null
    mount_image "$PWD/root" test/three:1 k1 ov
    same_tree ov ub/rootfs cmp
    # exporting again into the same layout keeps one entry per tag
    $G image export --data-root "$PWD/root" -o exp test/three:1
    [ "$(jq '.manifests | length' exp/index.json)" = 1 ] || fail "duplicate index entries"
    [ "$(jq -r '.manifests[0].annotations["io.containerd.image.name"]' exp/index.json)" = \
        docker.io/test/three:1 ]
    # and gantry reads its own export back without --ref (the full name is there)
    $G image import --data-root "$PWD/root2" exp | grep -q "Loaded image: test/three:1"
    [ "$($G image ls -q --data-root "$PWD/root2")" = "$($G image ls -q --data-root "$PWD/root")" ]
}

test_docker_media_types() {
    need_tools
    local l
    l=$(std_layers)
    $MK layout d --ref latest --docker --layer "$l/base.tar:gzip" --layer "$l/mid.tar:none" --layer "$l/top.tar:gzip" >/dev/null
    $G image import --data-root "$PWD/root" --ref test/docker d
    [ "$($G image inspect --data-root "$PWD/root" test/docker | jq -r '.[0].MediaType')" = \
        application/vnd.docker.distribution.manifest.v2+json ]
    # exported as OCI (umoci reads only OCI media types): same tree
    $G image export --data-root "$PWD/root" -o exp test/docker
    local m
    m=$(jq -r '.manifests[0].digest' exp/index.json)
    jq -e '.mediaType == "application/vnd.oci.image.manifest.v1+json" and
           (.layers | map(.mediaType) | index("application/vnd.oci.image.layer.v1.tar") != null)' \
        "exp/blobs/sha256/${m#sha256:}" >/dev/null || fail "export kept docker media types"
    umoci unpack --image exp:latest ub >/dev/null
    mount_image "$PWD/root" test/docker k1 ov
    same_tree ov ub/rootfs cmp
}

test_docker_archive_round_trip() {
    need_tools
    three_layout lay
    skopeo copy --quiet oci:lay:latest docker-archive:$PWD/a.tar:test/arch:1
    $G image import --data-root "$PWD/root" a.tar | grep -q "Loaded image: test/arch:1"
    umoci unpack --image lay:latest ub >/dev/null
    mount_image "$PWD/root" test/arch:1 k1 ov
    same_tree ov ub/rootfs cmp-skopeo-archive
    # gantry's own archive: docker save's shape, read by skopeo
    $G image export --data-root "$PWD/root" --format docker-archive -o b.tar test/arch:1
    tar tf b.tar | sort > names
    grep -qx manifest.json names && grep -qx repositories names || fail "members: $(cat names)"
    [ "$(grep -c '/layer.tar$' names)" = 3 ] || fail "layers: $(cat names)"
    jq -e '.[0].RepoTags == ["test/arch:1"]' <(tar xOf b.tar manifest.json) >/dev/null
    skopeo inspect docker-archive:$PWD/b.tar | jq -e '.Layers | length == 3' >/dev/null
    skopeo copy --quiet docker-archive:$PWD/b.tar oci:fromb:latest
    umoci unpack --image fromb:latest ub2 >/dev/null
    same_tree ov ub2/rootfs cmp-gantry-archive
    # and back into gantry: the same image id, the same tree
    $G image import --data-root "$PWD/root2" b.tar | grep -q "Loaded image: test/arch:1"
    [ "$($G image ls -q --data-root "$PWD/root2")" = "$($G image ls -q --data-root "$PWD/root")" ] ||
        fail "image id changed in the round trip"
    mount_image "$PWD/root2" test/arch:1 k2 ov2
    same_tree ov ov2 cmp-round-trip
    # a compressed archive from stdin
    gzip -c b.tar | $G image import --data-root "$PWD/root3" - | grep -q "Loaded image: test/arch:1"
}

test_platform_selection() {
    need_tools
    local l
    l=$(std_layers)
    $MK layout multi --ref latest --multi "$l/arm.tar" "$l/amd.tar" >/dev/null
    $G image import --data-root "$PWD/root" --ref test/multi multi
    mount_image "$PWD/root" test/multi k1 m1
    [ "$(cat m1/arch)" = amd64 ] || fail "picked $(cat m1/arch)"
    $G image import --data-root "$PWD/root2" --platform linux/arm64 --ref test/multi multi
    [ "$($G image inspect --data-root "$PWD/root2" --platform linux/arm64 test/multi | jq -r '.[0].Architecture')" = arm64 ]
    if $G image import --data-root "$PWD/root3" --platform linux/s390x --ref test/multi multi 2>err; then
        fail "imported a platform the index does not have"
    fi
    grep -q "no manifest for platform linux/s390x" err || fail "message: $(cat err)"
}

test_many_layers() {
    need_tools
    local i args=()
    mkdir -p many
    for i in $(seq 1 90); do
        mkdir -p src$i && echo $i > src$i/f$i
        tar -C src$i -cf many/l$i.tar f$i
        args+=(--layer many/l$i.tar:gzip)
    done
    $MK layout lay --ref latest "${args[@]}" >/dev/null
    $G image import --data-root "$PWD/root" --ref test/many lay
    mount_image "$PWD/root" test/many k1 m
    [ "$(cat m/f1)" = 1 ] && [ "$(cat m/f90)" = 90 ] || fail "layers missing from the mount"
    [ "$(ls m | wc -l)" = 90 ] || fail "$(ls m | wc -l) files"
}

# mount(2)'s one page of options: relative lowerdirs fit 50 layers where
# absolute ones would not; beyond that the error says why.
test_legacy_mount_many_layers() {
    need_tools
    local i args=()
    mkdir -p many
    for i in $(seq 1 70); do
        mkdir -p src$i && echo $i > src$i/f$i
        tar -C src$i -cf many/l$i.tar f$i
        [ $i -le 50 ] && args+=(--layer many/l$i.tar:none)
    done
    $MK layout lay50 --ref latest "${args[@]}" >/dev/null
    args=()
    for i in $(seq 1 70); do args+=(--layer many/l$i.tar:none); done
    $MK layout lay70 --ref latest "${args[@]}" >/dev/null
    $G image import --data-root "$PWD/root" --ref test/l50 lay50 >/dev/null
    $G image import --data-root "$PWD/root" --ref test/l70 lay70 >/dev/null
    # an absolute lowerdir: $PWD/root/snapshots/layers/<64 hex>/fs and a colon
    [ "$(( (${#PWD} + 92) * 50 ))" -gt 4096 ] || skip "the data root path is too short to need the trick"
    export GANTRY_OVERLAY_MOUNT=legacy
    mount_image "$PWD/root" test/l50 k1 m
    findmnt -n -o OPTIONS m | grep -q "lowerdir=[0-9a-f]\{64\}/fs:" || fail "not relative: $(findmnt -n -o OPTIONS m)"
    [ "$(ls m | wc -l)" = 50 ] || fail "$(ls m | wc -l) files"
    mkdir m70
    if $G image mount --data-root "$PWD/root" --key k2 test/l70 m70 2>err; then
        $G image unmount --data-root "$PWD/root" --key k2 m70
        fail "70 layers fit in one page?"
    fi
    grep -q "70 layers do not fit in mount options" err || fail "$(cat err)"
    [ -z "$(ls root/snapshots/active | grep k2)" ] || fail "a failed mount left its snapshot"
}

test_spec_from_image() {
    need_tools
    three_layout lay
    $G image import --data-root "$PWD/root" --ref test/three lay >/dev/null
    $G image spec --data-root "$PWD/root" -u app -e X=1 test/three echo hi > spec.json
    jq -e '.process.user == {"uid":1000,"gid":1000,"additionalGids":[50]}' spec.json >/dev/null ||
        fail "user: $(jq -c .process.user spec.json)"
    jq -e '.process.args == ["echo","hi"] and .process.cwd == "/home/app" and
           (.process.env | index("X=1") != null) and (.process.env | index("HOME=/home/app") != null) and
           .annotations["org.opencontainers.image.exposedPorts"] == "80/tcp"' spec.json >/dev/null ||
        fail "spec: $(jq -c .process spec.json)"
    if $G image spec --data-root "$PWD/root" -u ghost test/three 2>err; then fail "unknown user accepted"; fi
    grep -q "unable to find user ghost" err
    # nothing stays mounted
    ! grep -q gantry-spec /proc/self/mountinfo
}

t "layers with whiteouts and opaque dirs unpack as umoci unpacks them" test_whiteouts_like_umoci
t "zstd and plain layers give the same tree as gzip ones" test_zstd_layers
t "an image built by umoci imports to the same tree" test_umoci_built_image
t "a layout written by skopeo imports" test_skopeo_written_layout
t "an exported layout is read by skopeo and unpacked by umoci" test_export_read_by_skopeo_and_umoci
t "docker v2 schema 2 media types import and export as OCI" test_docker_media_types
t "docker-archive round trips through skopeo and gantry" test_docker_archive_round_trip
t "an index resolves to this platform, or the one asked for" test_platform_selection
t "90 layers mount as one overlay" test_many_layers
t "mount(2) with relative lowerdirs takes 50 layers" test_legacy_mount_many_layers
t "image config becomes a runtime spec with users from the image" test_spec_from_image
done_testing
