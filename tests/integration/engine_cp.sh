#!/bin/bash
# docker cp (both ways) and docker diff against the engine, with the real
# docker CLI: running, stopped and never-started containers, volumes and
# tmpfs mounts, owners and modes, symbolic links (-L, a linked
# destination), dockerd's errors, hostile archives sent with curl (refused,
# nothing written outside), and the changes of the writable layer.
. "$(dirname "$0")/lib_engine.sh"

setup_images
start_engine || { echo "not ok - engine starts"; done_testing; exit 1; }
docker pull -q "$BUSYBOX" >/dev/null
docker pull -q "$REGISTRY/layered:latest" >/dev/null

# put CONTAINER PATH TARFILE [QUERY]: PUT .../archive with curl; prints the
# status and the body
put() {
    curl -s --unix-socket "$T/engine.sock" -X PUT -H 'Content-Type: application/x-tar' \
        --data-binary @"$3" -w '\n%{http_code}' \
        "http://d/v1.50/containers/$1/archive?path=$2${4:+&$4}"
}

# a local tree: a file with an odd owner and mode, a directory with a
# subdirectory, a symbolic link and a hard link
make_local_tree() {
    mkdir -p src/dir/sub
    echo hello > src/file.txt
    chown 1234:5678 src/file.txt
    chmod 640 src/file.txt
    echo deep > src/dir/sub/deep.txt
    chmod 700 src/dir/sub
    chown -R 42:43 src/dir
    ln -s sub/deep.txt src/dir/link
    ln src/dir/sub/deep.txt src/dir/hard
}

# check_tree CONTAINER DIR: what make_local_tree's src/dir became there
check_tree() {
    assert_eq "$(docker exec "$1" cat "$2/sub/deep.txt")" deep "content in $1"
    assert_eq "$(docker exec "$1" stat -c '%a %u:%g' "$2/sub")" "700 42:43" "subdirectory"
    assert_eq "$(docker exec "$1" readlink "$2/link")" sub/deep.txt "symbolic link"
    assert_eq "$(docker exec "$1" stat -c '%i' "$2/hard")" \
        "$(docker exec "$1" stat -c '%i' "$2/sub/deep.txt")" "hard link"
}

test_running_both_ways() {
    make_local_tree
    docker run -d --name cpr "$BUSYBOX" sleep 1000 >/dev/null
    defer docker rm -f cpr
    docker cp src/file.txt cpr:/tmp/
    assert_eq "$(docker exec cpr stat -c '%a %u:%g %s' /tmp/file.txt)" "640 1234:5678 6" \
        "mode and owner kept"
    docker cp src/dir cpr:/root/copied
    check_tree cpr /root/copied
    # into an existing directory, by the name it has here
    docker cp src/dir cpr:/root/
    check_tree cpr /root/dir
    # and back out: a file, a directory, the tar itself
    docker exec cpr sh -c 'mkdir -p /data/a && echo made > /data/a/f && chmod 604 /data/a/f &&
        chown 7:8 /data/a/f'
    docker cp cpr:/data/a/f out.txt
    assert_eq "$(cat out.txt)" made
    assert_eq "$(stat -c '%a' out.txt)" 604 "mode kept"
    docker cp cpr:/data outdir
    assert_eq "$(cat outdir/a/f)" made "directory copied"
    docker cp cpr:/data - > data.tar
    assert_eq "$(tar tvf data.tar | awk '{print $1, $2, $6}' | tr '\n' ' ')" \
        "drwxr-xr-x 0/0 data/ drwxr-xr-x 0/0 data/a/ -rw----r-- 7/8 data/a/f " "the tar"
    docker cp cpr:/data/. - | tar tf - > names
    assert_eq "$(head -1 names)" ./ "a path ending in /. is archived as ./"
    # a tar on stdin, compressed
    tar czf in.tgz -C src/dir .
    docker cp - cpr:/tmp < in.tgz
    assert_eq "$(docker exec cpr cat /tmp/sub/deep.txt)" deep "cp - with a gzip tar"
    # a paused container too
    docker pause cpr >/dev/null
    docker cp cpr:/data/a/f - | tar xOf - > paused.txt
    docker unpause cpr >/dev/null
    assert_eq "$(cat paused.txt)" made "cp out of a paused container"
}

test_missing_paths() {
    docker run -d --name cpm "$BUSYBOX" sleep 1000 >/dev/null
    defer docker rm -f cpm
    if docker cp cpm:/nonexistent x 2>err; then fail "cp of a missing path succeeded"; fi
    assert_contains "$(cat err)" "Could not find the file /nonexistent in container cpm"
    echo x > f
    tar cf f.tar f
    out=$(put cpm /no/such/dir f.tar)
    assert_eq "${out##*$'\n'}" 404 "PUT into a missing directory"
    assert_contains "$out" "Could not find the file /no/such/dir in container cpm"
    out=$(put cpm /etc/passwd f.tar)
    assert_eq "${out##*$'\n'}" 400 "PUT onto a file"
    assert_contains "$out" "extraction point is not a directory"
    if docker cp f nosuchctr:/tmp 2>err; then fail "cp into a missing container"; fi
    assert_contains "$(cat err)" "No such container"
}

test_stopped_and_created() {
    make_local_tree
    local fds
    fds=$(ls /proc/"$ENGINE_PID"/fd | wc -l)
    docker run --name cps "$BUSYBOX" sh -c 'echo before > /root/note' >/dev/null
    defer docker rm -f cps
    docker cp cps:/root/note note
    assert_eq "$(cat note)" before "cp out of a stopped container"
    docker cp src/dir cps:/root/dir
    docker cp src/file.txt cps:/root/
    # what went in is in the container's own layer
    docker cp cps:/root - | tar tvf - > list
    assert_contains "$(cat list)" "root/dir/sub/deep.txt"
    grep -q '^-rw-r----- 1234/5678 .* root/file.txt$' list || fail "owner in $(cat list)"
    # a container never started
    docker create --name cpc "$BUSYBOX" cat /root/file.txt >/dev/null
    defer docker rm -f cpc
    docker cp src/file.txt cpc:/root/
    # nothing of the view stays mounted where the engine (or anyone) sees it
    id=$(docker inspect -f '{{.Id}}' cpc)
    ! grep -q "$id" /proc/self/mounts || fail "mounts left: $(grep "$id" /proc/self/mounts)"
    assert_eq "$(docker start -a cpc)" hello "cp into a created container"
    # and the engine holds no more files than before (views, namespaces)
    docker rm -f cpc cps >/dev/null
    assert_eq "$(ls /proc/"$ENGINE_PID"/fd | wc -l)" "$fds" "the engine's open files"
}

test_volumes_and_tmpfs() {
    echo into-volume > v.txt
    docker volume create cpvol >/dev/null
    defer docker volume rm -f cpvol
    docker run -d --name cpv -v cpvol:/data --tmpfs /scratch "$BUSYBOX" sleep 1000 >/dev/null
    defer docker rm -f cpv
    docker cp v.txt cpv:/data/
    assert_eq "$(docker run --rm -v cpvol:/v "$BUSYBOX" cat /v/v.txt)" into-volume \
        "the file is in the volume"
    docker cp v.txt cpv:/scratch/
    assert_eq "$(docker exec cpv cat /scratch/v.txt)" into-volume "tmpfs of a running container"
    docker exec cpv sh -c 'echo from-tmpfs > /scratch/t'
    docker cp cpv:/scratch/t t
    assert_eq "$(cat t)" from-tmpfs
    # a stopped container's volume is seen too
    docker stop -t 0 cpv >/dev/null
    echo while-stopped > s.txt
    docker cp s.txt cpv:/data/
    assert_eq "$(docker run --rm -v cpvol:/v "$BUSYBOX" cat /v/s.txt)" while-stopped \
        "cp into the volume of a stopped container"
    docker cp cpv:/data/v.txt back.txt
    assert_eq "$(cat back.txt)" into-volume
    # a read-only volume
    docker run -d --name cpro -v cpvol:/ro:ro "$BUSYBOX" sleep 1000 >/dev/null
    defer docker rm -f cpro
    if docker cp v.txt cpro:/ro/ 2>err; then fail "cp into a read-only volume"; fi
    assert_contains "$(cat err)" "mounted volume is marked read-only"
    docker run -d --name cprr --read-only "$BUSYBOX" sleep 1000 >/dev/null
    defer docker rm -f cprr
    if docker cp v.txt cprr:/root/ 2>err; then fail "cp into a read-only root"; fi
    assert_contains "$(cat err)" "container rootfs is marked read-only"
    # a file in place of a mount point (dockerd would empty the volume)
    echo x > ro
    tar cf ro.tar ro
    out=$(put cpro / ro.tar)
    assert_eq "${out##*$'\n'}" 409 "a file over a mount point: $out"
    assert_contains "$out" "cannot replace the mount point"
    assert_eq "$(docker run --rm -v cpvol:/v "$BUSYBOX" cat /v/v.txt)" into-volume "volume intact"
}

test_symbolic_links() {
    docker run -d --name cpl "$BUSYBOX" sh -c 'mkdir /real && ln -s /real /tmp/dirlink &&
        ln -s /etc/passwd /tmp/plink && sleep 1000' >/dev/null
    defer docker rm -f cpl
    wait_until 'docker exec cpl test -L /tmp/plink'
    docker cp cpl:/tmp/plink nofollow
    [ -L nofollow ] || fail "without -L the link itself is copied"
    docker cp -L cpl:/tmp/plink followed
    assert_contains "$(cat followed)" "root:x:0:0"
    echo via-link > f
    docker cp f cpl:/tmp/dirlink
    assert_eq "$(docker exec cpl cat /real/f)" via-link "a linked destination is followed"
    # -a: the owner is the container's user
    docker create --name cpa --user nobody "$BUSYBOX" true >/dev/null
    defer docker rm -f cpa
    docker cp -a f cpa:/tmp/
    docker cp cpa:/tmp/f - | tar tvf - | grep -q '^-.* 65534/65534 ' || fail "-a owner"
    # a directory does not replace a file
    docker exec cpl touch /tmp/d
    mkdir d
    if docker cp d cpl:/tmp/ 2>err; then fail "a directory replaced a file"; fi
    assert_contains "$(cat err)" "cannot overwrite non-directory"
}

# hostile archives: each is refused with a message, and nothing lands
# outside the destination (in the container or on the host)
test_hostile_archives() {
    docker run -d --name cph "$BUSYBOX" sh -c 'mkdir /tmp/dst && ln -s /.. /tmp/dst/up &&
        sleep 1000' >/dev/null
    defer docker rm -f cph
    wait_until 'docker exec cph test -L /tmp/dst/up'
    local canary="/tmp/gantry-cp-canary-$$"
    defer rm -rf "$canary"
    python3 - "$canary" <<'EOF'
import io, sys, tarfile
canary = sys.argv[1].lstrip('/')
def tar(name, *entries):
    with tarfile.open(name, 'w') as t:
        for e in entries:
            info = tarfile.TarInfo(e[0])
            data = b''
            if e[1] == 'file':
                data = b'pwned\n'
                info.size = len(data)
            elif e[1] == 'symlink':
                info.type, info.linkname = tarfile.SYMTYPE, e[2]
            elif e[1] == 'hardlink':
                info.type, info.linkname = tarfile.LNKTYPE, e[2]
            elif e[1] == 'char':
                info.type, info.devmajor, info.devminor = tarfile.CHRTYPE, 1, 3
            t.addfile(info, io.BytesIO(data))
deep = '../' * 12
tar('dotdot.tar', (deep + canary, 'file'))
tar('inner-dotdot.tar', ('a/../../x', 'file'))
tar('absolute.tar', ('/' + canary, 'file'))
tar('symlink-root.tar', ('evil', 'symlink', '/'), ('evil/' + canary, 'file'))
tar('symlink-up.tar', ('up2', 'symlink', deep), ('up2/' + canary, 'file'))
tar('hardlink.tar', ('h', 'hardlink', deep + 'etc/passwd'))
tar('device.tar', ('mem', 'char'))
tar('ok.tar', ('fine', 'file'))
EOF
    local t out
    for t in dotdot:"could lead outside" inner-dotdot:"could lead outside" \
        absolute:"absolute paths are refused" \
        symlink-root:"refusing to write through the symbolic link" \
        symlink-up:"refusing to write through the symbolic link" \
        hardlink:"could lead outside" device:"device nodes"; do
        out=$(put cph /tmp/dst "${t%%:*}.tar")
        assert_eq "${out##*$'\n'}" 400 "${t%%:*}: status ($out)"
        echo "$out" | grep -q "${t#*:}" || fail "${t%%:*}: message: $out"
    done
    assert_not_exists "$canary"
    [ -z "$(docker exec cph find / -xdev -name 'gantry-cp-canary-*')" ] || \
        fail "a canary landed in the container"
    # the container's own link to its root's parent stays inside it
    out=$(put cph /tmp/dst/up ok.tar)
    assert_eq "${out##*$'\n'}" 200 "through the container's link"
    assert_eq "$(docker exec cph cat /fine)" pwned "the link led to the container's root"
    # an archive's link may exist; it may not be written through
    out=$(put cph /tmp/dst symlink-root.tar)
    assert_eq "${out##*$'\n'}" 400 "symlink-root again"
    assert_eq "$(docker exec cph readlink /tmp/dst/evil)" / "the link itself was made"
    assert_not_exists "$canary"
}

test_diff() {
    docker run -d --name cpd "$REGISTRY/layered:latest" sleep 1000 >/dev/null
    defer docker rm -f cpd
    assert_eq "$(docker diff cpd)" "" "a fresh container has no changes"
    docker exec cpd sh -c 'echo new > /newfile && echo more >> /etc/passwd && rm /etc/motd &&
        rm -rf /var && mkdir -p /root/x/y && touch /root/x/y/z'
    docker diff cpd > diff
    assert_eq "$(tr '\n' ' ' < diff)" "C /etc C /etc/passwd D /etc/motd A /newfile C /root \
A /root/x A /root/x/y A /root/x/y/z D /var " "docker diff"
    docker stop -t 0 cpd >/dev/null
    assert_eq "$(docker diff cpd)" "$(cat diff)" "the same once stopped"
    if docker diff nosuchctr 2>err; then fail "diff of a missing container"; fi
    assert_contains "$(cat err)" "No such container"
}

# last: it restarts the engine with the copy snapshotter
test_copy_snapshotter() {
    stop_engine
    GANTRY_SNAPSHOTTER=copy start_engine
    docker run -d --name cpk "$REGISTRY/layered:latest" sleep 1000 >/dev/null
    defer docker rm -f cpk
    [ -d "$T/data/snapshots/active/$(docker inspect -f '{{.Id}}' cpk)/rootfs" ] || \
        fail "not a copy snapshot"
    assert_eq "$(docker diff cpk)" "" "a fresh container has no changes"
    docker exec cpk sh -c 'echo new > /newfile && rm /etc/motd'
    assert_eq "$(docker diff cpk | tr '\n' ' ')" "C /etc D /etc/motd A /newfile " "docker diff"
    docker stop -t 0 cpk >/dev/null
    echo in > in.txt
    docker cp in.txt cpk:/root/
    docker cp cpk:/root/in.txt - | tar xOf - > back.txt
    assert_eq "$(cat back.txt)" in "cp in and out of a stopped copy snapshot"
}

t "cp both ways with a running container" test_running_both_ways
t "missing paths and containers" test_missing_paths
t "stopped and never-started containers" test_stopped_and_created
t "volumes and tmpfs mounts" test_volumes_and_tmpfs
t "symbolic links, -a, a directory over a file" test_symbolic_links
t "hostile archives are refused" test_hostile_archives
t "docker diff" test_diff
t "the copy snapshotter" test_copy_snapshotter
done_testing
