#!/bin/bash
# config.json points: process, root, hostname, mounts, namespaces, users,
# masked and readonly paths, sysctl, devices.
. "$(dirname "$0")/lib_runtime.sh"

# run1 NAME JQ-FILTER: runs a container with that config, prints its output
run1() {
    local b
    b=$(new_bundle "$1" "$2")
    rt_run "$1" "$b"
}

test_hostname_and_domainname() {
    out=$(run1 host '.hostname="box1" | .domainname="example.org" | .process.args=["sh","-c","hostname; cat /proc/sys/kernel/domainname"]')
    # runc 1.1 ignores domainname (added to runc later); the spec has it
    [ "$RT_NAME" = runc ] && out=${out/(none)/example.org}
    assert_eq "$out" "box1
example.org"
}

test_env_cwd_umask() {
    out=$(run1 env '.process.env += ["GREETING=hello"] | .process.cwd="/tmp" | .process.user.umask=63 | .process.args=["sh","-c","echo $GREETING; pwd; umask"]')
    assert_eq "$out" "hello
/tmp
0077"
}

test_user_and_groups() {
    out=$(run1 user '.process.user={"uid":1000,"gid":1001,"additionalGids":[1002,1003]} | .process.args=["sh","-c","id -u; id -g; id -G"]')
    assert_eq "$out" "1000
1001
1001 1002 1003"
}

test_capabilities() {
    # the base config keeps AUDIT_WRITE, KILL, NET_BIND_SERVICE: bits 29, 5, 10
    out=$(run1 caps '.process.args=["sh","-c","grep ^Cap /proc/self/status"]')
    assert_contains "$out" "CapEff:	0000000020000420"
    assert_contains "$out" "CapBnd:	0000000020000420"
    out=$(run1 caps2 '.process.capabilities={"bounding":["CAP_KILL"],"effective":["CAP_KILL"],"permitted":["CAP_KILL"],"inheritable":[],"ambient":[]} | .process.args=["sh","-c","grep ^Cap /proc/self/status; chown 1 /tmp 2>&1 || echo denied"]')
    assert_contains "$out" "CapEff:	0000000000000020"
    assert_contains "$out" "CapBnd:	0000000000000020"
    assert_contains "$out" "denied"
    out=$(run1 caps3 '.process.capabilities={"bounding":["CAP_CHOWN"],"effective":["CAP_CHOWN"],"permitted":["CAP_CHOWN"]} | .process.args=["sh","-c","chown 1 /tmp && echo chowned"]')
    assert_eq "$out" chowned
}

test_rlimits() {
    out=$(run1 rlim '.process.rlimits=[{"type":"RLIMIT_NOFILE","soft":123,"hard":456},{"type":"RLIMIT_NPROC","soft":77,"hard":77}] | .process.args=["sh","-c","ulimit -n; ulimit -Hn; ulimit -u"]')
    assert_eq "$out" "123
456
77"
}

test_no_new_privileges_and_oom_score() {
    out=$(run1 nnp '.process.noNewPrivileges=true | .process.oomScoreAdj=333 | .process.args=["sh","-c","grep NoNewPrivs /proc/self/status; cat /proc/self/oom_score_adj"]')
    assert_contains "$out" "NoNewPrivs:	1"
    assert_contains "$out" "333"
    out=$(run1 nnp0 '.process.noNewPrivileges=false | .process.args=["sh","-c","grep NoNewPrivs /proc/self/status"]')
    assert_contains "$out" "NoNewPrivs:	0"
}

test_readonly_root() {
    out=$(run1 ro '.root.readonly=true | .process.args=["sh","-c","touch /x 2>&1 || echo ro-ok; touch /dev/shm/y && echo shm-ok"]')
    assert_contains "$out" "ro-ok"
    assert_contains "$out" "shm-ok"
}

test_mounts_bind_tmpfs_options() {
    mkdir -p host/sub && echo data > host/file && echo subdata > host/sub/f
    mkdir -p inner && mount -t tmpfs tmpfs host/sub 2>/dev/null && echo inner > host/sub/f2
    defer umount "$PWD/host/sub"
    out=$(run1 mnt ".mounts += [{\"destination\":\"/data\",\"type\":\"bind\",\"source\":\"$PWD/host\",\"options\":[\"rbind\",\"ro\"]},
                                {\"destination\":\"/flat\",\"type\":\"bind\",\"source\":\"$PWD/host\",\"options\":[\"bind\"]},
                                {\"destination\":\"/scratch\",\"type\":\"tmpfs\",\"source\":\"tmpfs\",\"options\":[\"size=1m\",\"mode=700\",\"noexec\"]}]
                   | .process.args=[\"sh\",\"-c\",\"cat /data/file; cat /data/sub/f2; ls /flat/sub | wc -l; touch /data/x 2>/dev/null || echo ro-bind; stat -c %a /scratch; grep ' /scratch ' /proc/mounts\"]")
    assert_contains "$out" "data"
    assert_contains "$out" "inner" "rbind carries submounts"
    assert_contains "$out" "ro-bind"
    assert_contains "$out" "700"
    assert_contains "$out" "noexec"
    assert_contains "$out" "size=1024k"
}

test_default_devices() {
    out=$(run1 dev '.process.args=["sh","-c","for d in null zero full random urandom tty; do test -c /dev/$d && echo $d; done; echo x > /dev/null && echo null-ok; head -c 4 /dev/zero | wc -c; readlink /dev/fd; readlink /dev/stdin; test -L /dev/ptmx && echo ptmx"]')
    for d in null zero full random urandom tty null-ok ptmx; do
        assert_contains "$out" "$d"
    done
    assert_contains "$out" "/proc/self/fd"
}

test_device_cgroup_denies_others() {
    # the base config denies every device; /dev/null is allowed by default,
    # a mknod'ed sda is not usable
    out=$(run1 devcg '.process.capabilities.bounding += ["CAP_MKNOD"] | .process.capabilities.effective += ["CAP_MKNOD"] | .process.capabilities.permitted += ["CAP_MKNOD"] | .process.args=["sh","-c","mknod /tmp/sda b 8 0; head -c1 /tmp/sda 2>&1 || echo blocked"]')
    assert_contains "$out" "blocked"
}

test_masked_and_readonly_paths() {
    mkdir -p x
    b=$(new_bundle mask '.linux.maskedPaths += ["/etc/secret", "/secretdir"] | .process.args=["sh","-c","cat /etc/secret; echo end; ls /secretdir | wc -l; cat /proc/kcore | wc -c; echo 1 > /proc/sys/kernel/domainname 2>&1 || echo ro-proc"]')
    echo topsecret > "$b/rootfs/etc/secret"
    mkdir "$b/rootfs/secretdir" && echo x > "$b/rootfs/secretdir/a"
    out=$(rt_run mask "$b")
    assert_eq "$(echo "$out" | head -1)" "end" "masked file reads empty"
    assert_eq "$(echo "$out" | sed -n 2p)" "0" "masked dir is empty"
    assert_eq "$(echo "$out" | sed -n 3p)" "0" "/proc/kcore reads empty"
    assert_contains "$out" "ro-proc"
}

test_sysctl() {
    out=$(run1 sysctl '.linux.sysctl={"net.ipv4.ip_forward":"1","kernel.msgmax":"12345"} | .process.args=["sh","-c","cat /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/msgmax"]')
    assert_eq "$out" "1
12345"
}

test_mount_propagation_flags() {
    # a host mount made after start reaches an rslave bind, not an rprivate one
    mkdir -p host
    mount --bind host host && mount --make-rshared host
    defer umount -R "$PWD/host"
    local p
    for p in rslave rprivate; do
        b=$(new_bundle "prop$p" ".mounts += [{\"destination\":\"/h\",\"type\":\"bind\",\"source\":\"$PWD/host\",\"options\":[\"rbind\",\"$p\"]}] | .process.args=[\"sleep\",\"100\"]")
        id=$(rt_id "prop$p")
        defer rt delete --force "$id"
        rt run -d --bundle "$b" "$id" </dev/null
        mkdir -p "host/x$p" && mount -t tmpfs tmpfs "host/x$p" && touch "host/x$p/propagated"
        pid=$(rt_state "$id" pid)
        if [ $p = rslave ]; then
            wait_for "test -e /proc/$pid/root/h/x$p/propagated"
        else
            sleep 0.2
            [ ! -e "/proc/$pid/root/h/x$p/propagated" ] || fail "a mount propagated into an rprivate bind"
        fi
    done
}

test_namespaces_are_new() {
    b=$(new_bundle ns '.linux.namespaces += [{"type":"cgroup"}] | .process.args=["sh","-c","for n in pid net ipc uts mnt cgroup; do readlink /proc/self/ns/$n; done; echo $$; cat /proc/self/cgroup | grep memory"]')
    out=$(rt_run ns "$b")
    for n in pid net ipc uts mnt cgroup; do
        host=$(readlink /proc/self/ns/$n)
        echo "$out" | grep -Fqx "$host" && fail "namespace $n is the host's ($host)"
    done
    assert_contains "$out" "
1
" "pid 1 in the new pid namespace"
    assert_contains "$out" ":memory:/"
    echo "$out" | grep -q "memory:/$CG_PARENT" && fail "cgroup namespace does not hide the path"
    true
}

test_join_namespace_by_path() {
    ns="gt-it-$$"
    ip netns add "$ns"
    defer ip netns del "$ns"
    ip -n "$ns" link add dummy-it type veth peer name dummy-it2
    out=$(run1 join ".linux.namespaces |= map(if .type==\"network\" then .path=\"/run/netns/$ns\" else . end) | .process.args=[\"sh\",\"-c\",\"ip link show dummy-it >/dev/null && echo joined\"]")
    assert_eq "$out" joined
}

test_user_namespace_maps_root() {
    b=$(new_bundle userns '.linux.namespaces += [{"type":"user"}] | .linux.uidMappings=[{"containerID":0,"hostID":200000,"size":65536}] | .linux.gidMappings=[{"containerID":0,"hostID":200000,"size":65536}] | .process.args=["sh","-c","id -u; cat /proc/self/uid_map; touch /root/w && echo writable; sleep 100"]')
    chown -R 200000:200000 "$b/rootfs"
    chmod 755 "$T" "$PWD"   # the mapped root must reach its rootfs
    id=$(rt_id userns)
    defer rt delete --force "$id"
    rt run --detach --bundle "$b" "$id" > out </dev/null
    wait_for "grep -q writable $b/../out 2>/dev/null || grep -q writable out"
    pid=$(rt_state "$id" pid)
    assert_eq "$(awk '/^Uid:/{print $2}' /proc/$pid/status)" 200000 "host uid of container root"
    assert_contains "$(cat out)" "0
         0     200000      65536"
}

test_no_pivot() {
    out=$(run1 nopiv '.process.args=["sh","-c","ls / | grep -c bin"]')
    b=$(new_bundle nopiv2 '.process.args=["sh","-c","cat /etc/passwd | head -1"]')
    id=$(rt_id nopiv2)
    out=$(rt run --no-pivot --bundle "$b" "$id" </dev/null)
    rt delete --force "$id"
    assert_eq "$out" "root:x:0:0:root:/root:/bin/sh"
}

test_preserve_fds() {
    b=$(new_bundle pfd '.process.args=["sh","-c","cat <&3"]')
    id=$(rt_id pfd)
    echo "through-fd-3" > fd3
    out=$(rt run --preserve-fds 1 --bundle "$b" "$id" 3<fd3 </dev/null)
    rt delete --force "$id"
    assert_eq "$out" "through-fd-3"
}

t "hostname and domainname" test_hostname_and_domainname
t "env, cwd and umask" test_env_cwd_umask
t "user, group and additional groups" test_user_and_groups
t "capability sets" test_capabilities
t "rlimits" test_rlimits
t "noNewPrivileges and oomScoreAdj" test_no_new_privileges_and_oom_score
t "readonly root" test_readonly_root
t "bind, rbind, ro and tmpfs mounts with options" test_mounts_bind_tmpfs_options
t "default devices and /dev links" test_default_devices
t "the device cgroup denies what is not allowed" test_device_cgroup_denies_others
t "masked paths read empty, readonly paths are read-only" test_masked_and_readonly_paths
t "sysctl" test_sysctl
t "mount propagation flags" test_mount_propagation_flags
t "new namespaces of every type" test_namespaces_are_new
t "a namespace joined by path" test_join_namespace_by_path
t "a user namespace maps container root to an unprivileged host uid" test_user_namespace_maps_root
t "--no-pivot" test_no_pivot
t "--preserve-fds" test_preserve_fds
done_testing
