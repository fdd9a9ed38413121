#!/bin/bash
# Namespaces joined by path together with new ones, where the order matters:
# a new user namespace with a joined network namespace (joined before the
# user namespace exists), a joined user namespace (the new namespaces then
# belong to it), a joined pid namespace (the container is not pid 1, and
# its delete must not touch the other container's processes).
. "$(dirname "$0")/lib_runtime.sh"

USERNS_FILTER='.linux.namespaces += [{"type":"user"}]
    | .linux.uidMappings=[{"containerID":0,"hostID":300000,"size":65536}]
    | .linux.gidMappings=[{"containerID":0,"hostID":300000,"size":65536}]'

# userns_bundle NAME FILTER: a bundle whose rootfs the mapped root owns
userns_bundle() {
    local b
    b=$(new_bundle "$1" "$USERNS_FILTER | $2")
    chown -R 300000:300000 "$b/rootfs"
    chmod 755 "$T" "$PWD"
    echo "$b"
}

test_new_user_namespace_with_a_joined_network_namespace() {
    ns="gt-rtns-$$"
    ip netns add "$ns"
    defer ip netns del "$ns"
    ip -n "$ns" link add rtns-a type veth peer name rtns-b
    # sysfs cannot be mounted for a network namespace the user namespace
    # does not own: leave it out (runc refuses it; gantry-runtime binds)
    b=$(userns_bundle unet ".linux.namespaces |= map(if .type==\"network\" then .path=\"/run/netns/$ns\" else . end)
        | .mounts |= map(select(.type != \"sysfs\" and .type != \"cgroup\"))
        | .process.args=[\"sh\",\"-c\",\"ip link show rtns-a >/dev/null && echo joined; id -u; echo \$\$; sleep 100\"]")
    id=$(rt_id unet)
    defer rt delete --force "$id"
    rt run -d --bundle "$b" "$id" > out </dev/null
    wait_for "grep -q joined out"
    assert_eq "$(sed -n 2,3p out | tr '\n' ' ')" "0 1 " "root in the user namespace, pid 1"
    pid=$(rt_state "$id" pid)
    assert_eq "$(readlink /proc/$pid/ns/net)" "$(ip netns exec "$ns" readlink /proc/self/ns/net)"
    assert_eq "$(awk '/^Uid:/{print $2}' /proc/$pid/status)" 300000 "host uid"
    # the container is in its cgroup and exec reaches it
    grep -qx "$pid" "$(cg_dir memory unet)/cgroup.procs" || fail "init not in its cgroup"
    # runc 1.1 enters the user namespace first and then may not enter the
    # host-owned network namespace; gantry-runtime enters it last
    [ "$RT_NAME" = runc ] && return
    assert_eq "$(rt exec "$id" sh -c 'ip link show rtns-a >/dev/null && id -u')" 0
}

test_joined_user_namespace() {
    a=$(userns_bundle owner '.process.args=["sleep","100"]')
    ida=$(rt_id owner)
    defer rt delete --force "$ida"
    rt run -d --bundle "$a" "$ida" </dev/null
    pida=$(rt_state "$ida" pid)
    # the mappings are those of the joined namespace (runc wants them given)
    b=$(new_bundle guest "$USERNS_FILTER | .linux.namespaces |= map(select(.type != \"user\"))
        | .linux.namespaces += [{\"type\":\"user\",\"path\":\"/proc/$pida/ns/user\"}]
        | .process.args=[\"sh\",\"-c\",\"cat /proc/self/uid_map; echo \$\$; sleep 100\"]")
    rm -rf "$b/rootfs" && cp -a "$a/rootfs" "$b/rootfs"
    idb=$(rt_id guest)
    defer rt delete --force "$idb"
    rt run -d --bundle "$b" "$idb" > out </dev/null
    wait_for "test -s out && grep -q '^1\$' out"
    pidb=$(rt_state "$idb" pid)
    assert_eq "$(readlink /proc/$pidb/ns/user)" "$(readlink /proc/$pida/ns/user)"
    [ "$(readlink /proc/$pidb/ns/mnt)" != "$(readlink /proc/$pida/ns/mnt)" ] || fail "mount namespace shared"
    assert_contains "$(cat out)" "300000"
    rt delete --force "$idb"
    assert_eq "$(rt_state "$ida" status)" running "the owner of the user namespace survives"
}

test_joined_pid_namespace() {
    a=$(new_bundle pidowner '.process.args=["sleep","100"]')
    ida=$(rt_id pidowner)
    defer rt delete --force "$ida"
    rt run -d --bundle "$a" "$ida" </dev/null
    pida=$(rt_state "$ida" pid)
    b=$(new_bundle pidguest ".linux.namespaces |= map(if .type==\"pid\" then .path=\"/proc/$pida/ns/pid\" else . end)
        | .process.args=[\"sh\",\"-c\",\"cat /proc/1/comm; echo \$\$; sleep 100\"]")
    idb=$(rt_id pidguest)
    rt run -d --bundle "$b" "$idb" > out </dev/null
    wait_for "test \$(wc -l < out) -ge 2"
    assert_eq "$(head -1 out)" sleep "pid 1 is the other container's init"
    [ "$(sed -n 2p out)" != 1 ] || fail "the guest is pid 1 of a joined pid namespace"
    rt delete --force "$idb"
    assert_no_trace "$idb" pidguest
    kill -0 "$pida" || fail "deleting the guest killed the other container's init"
    assert_eq "$(rt_state "$ida" status)" running
}

t "a new user namespace with a joined network namespace" test_new_user_namespace_with_a_joined_network_namespace
t "a joined user namespace, new namespaces owned by it" test_joined_user_namespace
t "a joined pid namespace" test_joined_pid_namespace
done_testing
