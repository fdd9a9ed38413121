# tests/integration/image/common.sh - sourced by the image_*.sh suites
# (after lib.sh): test images built from scratch, tree comparison, store
# snapshots.

PY=/usr/bin/python3
IMG_DIR=$IT_ROOT/tests/integration/image
MK="$PY $IMG_DIR/mkimage.py"
TREE="$PY $IMG_DIR/treecmp.py"
G=$BUILD/gantry

# Standard layers, made once per script.
std_layers() {
    local d=$T/layers
    if [ ! -f "$d/top.tar" ]; then
        mkdir -p "$d.tmp"
        for k in base mid top single arm amd; do
            $MK layer "$d.tmp/$k.tar" $k
        done
        mv "$d.tmp" "$d"
    fi
    echo "$d"
}

# three_layout DIR: the base/mid/top image as an OCI layout tagged "latest"
three_layout() {
    local l
    l=$(std_layers)
    $MK layout "$1" --ref latest --layer "$l/base.tar:gzip" --layer "$l/mid.tar:none" \
        --layer "$l/top.tar:gzip" >/dev/null
}

# mount_image ROOT NAME KEY DIR [SNAPSHOTTER]: mounts a container snapshot,
# unmounted and removed at the end of the case
mount_image() {
    mkdir -p "$4"
    $G image mount --data-root "$1" ${5:+--snapshotter $5} --key "$3" "$2" "$4"
    defer $G image unmount --data-root "$1" --key "$3" "$4"
}

# store_state ROOT: what must not change when an import is refused
store_state() {
    (
        cd "$1" || exit 1
        find content/blobs snapshots/layers -printf '%P %y %s\n' 2>/dev/null | sort
        cat images.json 2>/dev/null
        echo
    )
}

# Trees are compared as treecmp.py prints them.
same_tree() {
    $TREE "$1" > "$3.a"
    $TREE "$2" > "$3.b"
    if ! diff -u "$3.a" "$3.b"; then
        fail "trees $1 and $2 differ"
    fi
    [ "$(wc -l < "$3.a")" -gt 3 ] || fail "tree $1 is nearly empty"
}
