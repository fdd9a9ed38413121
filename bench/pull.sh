#!/bin/bash
# bench/pull.sh - pulling an image from a local docker-registry, side by
# side in one run:
#   gantry image pull            (download + unpack + record)
#   podman pull                  (containers/image + containers/storage, overlay)
#   skopeo copy + umoci unpack   (download to an OCI layout, then one rootfs)
# and unpacking alone: gantry image unpack of the same layers against
# plain `tar -xzf` of each layer (the limit to aim at).
#
# The image: 6 layers, ~28 MB each uncompressed (half random bytes in 64 kB
# files, half text in 8-32 kB files, in nested directories): ~170 MB, ~100 MB
# gzipped.  Every run starts from an empty store.  Prints medians (and
# min/max) of RUNS runs (default 5), ratios against gantry, and peak RSS.
#   sudo bench/pull.sh            RUNS=9 sudo bench/pull.sh
# The machine is shared: figures are noisy, compare within one run.
set -eu
cd "$(dirname "$0")/.."
ROOT=$PWD
RUNS=${RUNS:-5}

if [ -z "${GANTRY_BENCH_NS:-}" ]; then
    scripts/deps.sh --bench
    make -s -j"$(nproc)" build/gantry
    # a private mount namespace: nothing mounted here is seen outside
    exec env GANTRY_BENCH_NS=1 unshare --mount --propagation private "$0" "$@"
fi

G=$ROOT/build/gantry
PY=/usr/bin/python3
W=$(mktemp -d /tmp/gantry-bench-pull.XXXXXX)
REG_PID=
cleanup() {
    [ -n "$REG_PID" ] && kill "$REG_PID" 2>/dev/null
    # podman leaves its storage mounted (in this private namespace)
    findmnt -rn -o TARGET | grep "^$W/" | sort -r | while read -r m; do umount -l "$m"; done

    rm -rf "$W"
}
trap cleanup EXIT

# ---- the image ----
echo "# building the image in $W"
$PY - "$W/layers" <<'EOF'
import os, random, sys, tarfile, io
out = sys.argv[1]
os.makedirs(out)
rng = random.Random(42)
words = ["container", "layer", "overlay", "gantry", "image", "digest", "manifest", "kernel",
         "namespace", "cgroup", "registry", "snapshot", "whiteout", "chain", "blob", "tar"]
for n in range(6):
    t = tarfile.open(os.path.join(out, "l%d.tar" % n), "w", format=tarfile.PAX_FORMAT)
    def add(name, data, mode=0o644):
        ti = tarfile.TarInfo(name); ti.size = len(data); ti.mode = mode; ti.mtime = 1700000000
        t.addfile(ti, io.BytesIO(data))
    for i in range(220):            # ~14 MB of random bytes
        add("layer%d/bin/d%02d/blob%03d" % (n, i % 16, i), os.urandom(64 * 1024), 0o755)
    size = 0
    i = 0
    while size < 14 << 20:          # ~14 MB of text
        k = rng.randint(8, 32) * 1024
        text = " ".join(rng.choice(words) for _ in range(k // 7)).encode()[:k]
        add("layer%d/share/d%02d/doc%04d.txt" % (n, i % 32, i), text)
        size += len(text)
        i += 1
    t.close()
EOF
for f in "$W"/layers/*.tar; do gzip -k -6 "$f"; done
args=()
for f in "$W"/layers/l?.tar; do args+=(--layer "$f:gzip"); done
$PY tests/integration/image/mkimage.py layout "$W/layout" --ref latest "${args[@]}" >/dev/null
raw=$(du -cb "$W"/layers/l?.tar | tail -1 | cut -f1)
gz=$(du -cb "$W"/layers/l?.tar.gz | tail -1 | cut -f1)
printf "# image: 6 layers, %d MB uncompressed, %d MB gzipped\n" $((raw >> 20)) $((gz >> 20))

# ---- the registry ----
cat > "$W/reg.yml" <<EOF
version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $W/registry
http:
  addr: 127.0.0.1:0
  secret: bench-$$
EOF
/usr/bin/docker-registry serve "$W/reg.yml" > "$W/reg.log" 2>&1 &
REG_PID=$!
sed -i 's/level: error/level: info/' "$W/reg.yml" # (the port is logged at info)
kill $REG_PID; wait $REG_PID 2>/dev/null || true
/usr/bin/docker-registry serve "$W/reg.yml" > "$W/reg.log" 2>&1 &
REG_PID=$!
REG=
for i in $(seq 1 200); do
    REG=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/127.0.0.1:\1/p' "$W/reg.log" | head -n1)
    [ -n "$REG" ] && break
    sleep 0.05
done
[ -n "$REG" ] || { cat "$W/reg.log"; echo "registry did not start" >&2; exit 1; }
skopeo copy --quiet --dest-tls-verify=false oci:"$W/layout":latest docker://$REG/bench/img:1
IMG=$REG/bench/img:1
echo "# registry at $REG, image $IMG; $RUNS runs each"

# ---- measuring ----
# Every run writes into a directory of its own, and nothing is deleted until
# the end: ext4 scans for recently deleted inodes when creating new ones
# (recently_deleted(), for up to 35 s after a delete), which would charge
# one run for the clean-up of the one before.
# run NAME SETUP CMD: SETUP (untimed; $D is the run's directory) then CMD,
# RUNS times; keeps the times (ms) and the peak RSS (kB)
declare -A MED MIN MAX RSS
N=0
run() {
    local name=$1 setup=$2 cmd=$3 i t0 t1 times=() rss=0 r
    for i in $(seq 1 "$RUNS"); do
        N=$((N + 1))
        D=$W/runs/$N
        mkdir -p "$D"
        eval "$setup"
        sync
        t0=$(date +%s%N)
        D=$D /usr/bin/time -f %M -o "$W/rss" bash -c "$cmd" "$G" > "$W/out.$name" 2>&1 ||
            { cat "$W/out.$name"; echo "$name failed" >&2; exit 1; }
        t1=$(date +%s%N)
        times+=($(( (t1 - t0) / 1000000 )))
        r=$(cat "$W/rss"); [ "$r" -gt "$rss" ] && rss=$r
    done
    local sorted
    sorted=($(printf '%s\n' "${times[@]}" | sort -n))
    MED[$name]=${sorted[$(( RUNS / 2 ))]}
    MIN[$name]=${sorted[0]}
    MAX[$name]=${sorted[$(( RUNS - 1 ))]}
    RSS[$name]=$rss
    printf "  %-28s median %6d ms  (min %d, max %d)  peak RSS %d MB\n" "$name" \
        "${MED[$name]}" "${MIN[$name]}" "${MAX[$name]}" $((rss / 1024))
}

echo "# pull: download + unpack (+ record)"
run gantry ":" '$0 image pull --data-root $D/g --quiet '"$IMG"
run podman ":" 'podman --root $D/p --runroot $D/pr --tmpdir $D/pt --storage-driver overlay pull --quiet --tls-verify=false '"$IMG"
run skopeo+umoci ":" 'skopeo copy --quiet --src-tls-verify=false docker://'"$IMG"' oci:$D/o:latest && umoci unpack --image $D/o:latest $D/b >/dev/null'
run skopeo-only ":" 'skopeo copy --quiet --src-tls-verify=false docker://'"$IMG"' oci:$D/o:latest'

echo "# unpack only: the 6 gzipped layers, each into a directory of its own"
run gantry-unpack "$G image import --data-root \$D/g --no-unpack --ref bench/img $W/layout >/dev/null" \
    '$0 image unpack --data-root $D/g bench/img'
run tar-xzf ":" 'for f in '"$W"'/layers/l?.tar.gz; do d=$D/$(basename $f); mkdir $d; tar -xzf $f -C $d; done'
run tar-xzf+sync ":" 'for f in '"$W"'/layers/l?.tar.gz; do d=$D/$(basename $f); mkdir $d; tar -xzf $f -C $d; done; sync -f $D'

echo "# ratios (other / gantry; above 1 means gantry is faster)"
for p in podman skopeo+umoci; do
    awk -v a="${MED[$p]}" -v b="${MED[gantry]}" -v n="$p" \
        'BEGIN { printf "  pull   %-15s %.2fx\n", n, a / b }'
done
for p in tar-xzf tar-xzf+sync; do
    awk -v a="${MED[$p]}" -v b="${MED[gantry-unpack]}" -v n="$p" \
        'BEGIN { printf "  unpack %-15s %.2fx\n", n, a / b }'
done
awk -v ms="${MED[gantry-unpack]}" -v raw="$raw" \
    'BEGIN { printf "  gantry unpack throughput: %.0f MB/s of uncompressed tar\n", raw / 1048576 / (ms / 1000) }'
awk -v ms="${MED[tar-xzf]}" -v raw="$raw" \
    'BEGIN { printf "  tar -xzf throughput:      %.0f MB/s\n", raw / 1048576 / (ms / 1000) }'
