#!/bin/bash
# Mount details beyond runtime_config.sh: tmpcopyup, recursive read-only,
# file binds, propagation from the host into the container, the cgroup
# mount in a cgroup namespace, masked directories, and that mounts never
# leak into the caller's namespace.
. "$(dirname "$0")/lib_runtime.sh"

run1() {
    local name=$1; shift
    local b; b=$(new_bundle "$name" "$@")
    rt_run "$name" "$b"
}

test_tmpcopyup_keeps_the_image_content() {
    out=$(run1 copyup '.mounts += [{"destination":"/etc","type":"tmpfs","source":"tmpfs","options":["tmpcopyup","mode=755"]}]
        | .process.args=["sh","-c","stat -f -c %T /etc; head -1 /etc/passwd; echo x > /etc/new && echo wrote"]')
    assert_eq "$out" "tmpfs
root:x:0:0:root:/root:/bin/sh
wrote"
    assert_not_exists "$PWD/copyup/rootfs/etc/new"
}

test_recursive_read_only() {
    mkdir -p vol/sub
    mount -t tmpfs gantry-it vol/sub
    defer umount "$PWD/vol/sub"
    # "ro" on an rbind makes the top read-only only; "rro" every submount
    out=$(run1 rro ".mounts += [{\"destination\":\"/a\",\"type\":\"bind\",\"source\":\"$PWD/vol\",\"options\":[\"rbind\",\"ro\"]},
                                {\"destination\":\"/b\",\"type\":\"bind\",\"source\":\"$PWD/vol\",\"options\":[\"rbind\",\"rro\"]}]
        | .process.args=[\"sh\",\"-c\",\"touch /a/x 2>/dev/null || echo a-ro; touch /a/sub/x 2>/dev/null && echo a-sub-rw; touch /b/sub/y 2>/dev/null || echo b-sub-ro\"]")
    assert_eq "$out" "a-ro
a-sub-rw
b-sub-ro"
}

test_bind_of_a_single_file() {
    echo "from-the-host" > hostfile
    out=$(run1 filebind ".mounts += [{\"destination\":\"/etc/extra/conf\",\"type\":\"bind\",\"source\":\"$PWD/hostfile\",\"options\":[\"bind\",\"ro\"]}]
        | .process.args=[\"sh\",\"-c\",\"cat /etc/extra/conf; echo no >> /etc/extra/conf 2>/dev/null || echo ro\"]")
    assert_eq "$out" "from-the-host
ro"
}

test_host_mounts_propagate_into_rslave() {
    mkdir -p prop/late
    mount --bind prop prop
    mount --make-shared prop
    defer umount -R "$PWD/prop"
    for mode in rslave rprivate; do
        b=$(new_bundle "prop-$mode" ".mounts += [{\"destination\":\"/prop\",\"type\":\"bind\",\"source\":\"$PWD/prop\",\"options\":[\"rbind\",\"$mode\"]}]
            | .process.args=[\"sleep\",\"100\"]")
        id=$(rt_id "prop-$mode")
        defer rt delete --force "$id"
        rt run -d --bundle "$b" "$id" </dev/null
    done
    mount -t tmpfs gantry-late prop/late
    touch prop/late/marker
    assert_eq "$(rt exec "$(rt_id prop-rslave)" ls /prop/late)" marker "rslave sees the later host mount"
    assert_eq "$(rt exec "$(rt_id prop-rprivate)" ls /prop/late)" "" "rprivate does not"
    umount prop/late
}

test_cgroup_mount_in_a_cgroup_namespace() {
    out=$(run1 cgns '.linux.namespaces += [{"type":"cgroup"}] | .linux.resources.memory={"limit":67108864}
        | .process.args=["sh","-c","cat /sys/fs/cgroup/memory/memory.limit_in_bytes; grep :memory: /proc/self/cgroup; touch /sys/fs/cgroup/memory/x 2>/dev/null || echo ro"]')
    assert_eq "$out" "67108864
4:memory:/
ro"
}

test_masked_directory_is_empty() {
    b=$(new_bundle maskdir '.linux.maskedPaths += ["/root"] | .process.args=["sh","-c","ls -A /root | wc -l; touch /root/x 2>/dev/null || echo ro"]')
    echo secret > "$b/rootfs/root/secret"
    out=$(rt_run maskdir "$b")
    assert_eq "$out" "0
ro"
}

test_mounts_stay_in_the_container() {
    b=$(new_bundle leak '.process.args=["sleep","100"]')
    id=$(rt_id leak)
    defer rt delete --force "$id"
    before=$(wc -l < /proc/self/mountinfo)
    rt run -d --bundle "$b" "$id" </dev/null
    after=$(wc -l < /proc/self/mountinfo)
    assert_eq "$after" "$before" "mounts in the caller's namespace"
    ! grep -q "$b/rootfs" /proc/self/mountinfo || fail "the rootfs bind is visible outside"
}

t "tmpcopyup keeps the image's content on the tmpfs" test_tmpcopyup_keeps_the_image_content
t "rro is read-only on every submount, ro only on the top" test_recursive_read_only
t "a bind mount of a single file, read-only" test_bind_of_a_single_file
t "host mounts propagate into an rslave bind, not an rprivate one" test_host_mounts_propagate_into_rslave
t "the cgroup mount in a cgroup namespace shows the container's cgroup" test_cgroup_mount_in_a_cgroup_namespace
t "a masked directory is empty and read-only" test_masked_directory_is_empty
t "the container's mounts do not reach the caller's namespace" test_mounts_stay_in_the_container
done_testing
