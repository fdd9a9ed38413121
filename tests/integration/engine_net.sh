#!/bin/bash
# Container networking through the Docker API.  tests/run.sh runs this
# script in a fresh network namespace: that namespace is "the host" of the
# engine; further namespaces act as a client host and an outside server.
. "$(dirname "$0")/lib_engine.sh"

setup_images
# A network made of the reference CNI plugins (Debian's
# containernetworking-plugins), dropped in beside the ones the engine makes.
mkdir -p "$T/data/net/conf.d"
cat > "$T/data/net/conf.d/refnet.conflist" <<'JSON'
{"cniVersion": "1.0.0", "name": "refnet", "plugins": [
  {"type": "bridge", "bridge": "gtref0", "isGateway": true, "ipMasq": true, "hairpinMode": true,
   "ipam": {"type": "host-local", "ranges": [[{"subnet": "10.77.0.0/24"}]], "routes": [{"dst": "0.0.0.0/0"}]}},
  {"type": "portmap", "capabilities": {"portMappings": true}},
  {"type": "firewall"}
]}
JSON
start_engine || { echo "not ok - engine starts"; done_testing; exit 1; }

# Outside hosts: a client namespace and a server namespace, each on its own
# veth to the host namespace.
CLIENT_NS="gt-cli-$$"
SERVER_NS="gt-srv-$$"
ip netns add "$CLIENT_NS"; ip netns add "$SERVER_NS"
_it_on_exit "ip netns del $CLIENT_NS; ip netns del $SERVER_NS"
ip link add gtc0 type veth peer name eth0 netns "$CLIENT_NS"
ip addr add 10.99.0.1/24 dev gtc0 && ip link set gtc0 up
ip -n "$CLIENT_NS" addr add 10.99.0.2/24 dev eth0 && ip -n "$CLIENT_NS" link set eth0 up && ip -n "$CLIENT_NS" link set lo up
ip link add gts0 type veth peer name eth0 netns "$SERVER_NS"
ip addr add 10.98.0.1/24 dev gts0 && ip link set gts0 up
ip -n "$SERVER_NS" addr add 10.98.0.2/24 dev eth0 && ip -n "$SERVER_NS" link set eth0 up && ip -n "$SERVER_NS" link set lo up
ip -n "$SERVER_NS" route add default via 10.98.0.1
ip -n "$CLIENT_NS" route add default via 10.99.0.1

count_state() {
    echo "links=$(ip -o link show | grep -vc -E ': (lo|gtc0|gts0)[:@]') nft=$(nft -a list ruleset 2>/dev/null | grep -c 'handle') ipam=$(find "$T/data/net" -path '*ipam*' -type f 2>/dev/null | grep -vc -E 'lock|last_reserved')"
}

test_default_bridge() {
    docker network ls --format '{{.Name}} {{.Driver}}' > nets
    for n in "bridge bridge" "host host" "none null"; do
        grep -qx "$n" nets || fail "network ls: $(cat nets)"
    done
    out=$(docker run --rm "$BUSYBOX" sh -c 'ip -4 -o addr show eth0; ip route | grep default')
    echo "$out" | grep -q 'inet ' || fail "no address on eth0: $out"
    echo "$out" | grep -q 'default via' || fail "no default route: $out"
    assert_eq "$(docker run --rm --network none "$BUSYBOX" ls /sys/class/net)" lo "--network none"
}

test_user_network_names() {
    docker network create net1 >/dev/null
    defer docker network rm net1
    docker run -d --name alpha --network net1 "$BUSYBOX" sh -c 'while true; do echo pong | nc -l -p 7000; done' >/dev/null
    defer docker rm -f alpha
    docker run -d --name beta --network net1 "$BUSYBOX" sleep 300 >/dev/null
    defer docker rm -f beta
    docker exec beta ping -c 1 -W 2 alpha >/dev/null || fail "beta cannot ping alpha by name"
    wait_until '[ "$(docker exec beta sh -c "echo ping | nc -w 2 alpha 7000")" = pong ]'
    ip=$(docker inspect -f '{{.NetworkSettings.Networks.net1.IPAddress}}' alpha)
    [ -n "$ip" ] || fail "inspect shows no address on net1"
    docker exec beta nslookup alpha 2>/dev/null | grep -q "$ip" || fail "nslookup alpha: $(docker exec beta nslookup alpha 2>&1)"
    docker exec alpha cat /etc/hosts | grep -q "$ip" || fail "/etc/hosts lacks the container's address"
    docker exec alpha cat /etc/resolv.conf | grep -q '^nameserver' || fail "no resolv.conf nameserver"
    docker network inspect -f '{{range .Containers}}{{.Name}} {{end}}' net1 | grep -q alpha || fail "network inspect lists no containers"
    docker network rm net1 2>err && fail "removed a network in use"
    true
}

test_published_port() {
    docker run -d --name web -p 8080:80 "$BUSYBOX" sh -c 'mkdir -p /www && echo served > /www/index.html && httpd -f -p 80 -h /www' >/dev/null
    defer docker rm -f web
    wait_until '[ "$(curl -s --max-time 2 http://127.0.0.1:8080/)" = served ]'
    assert_eq "$(ip netns exec "$CLIENT_NS" curl -s --max-time 3 http://10.99.0.1:8080/)" served "from a client host"
    assert_eq "$(docker port web 80/tcp | head -1)" "0.0.0.0:8080"
    # hairpin: a container reaches the published port through the host
    docker run --rm "$BUSYBOX" wget -q -O - -T 3 "http://10.99.0.1:8080/" | grep -q served || fail "hairpin"
    docker run -d --name web2 -p 8080:80 "$BUSYBOX" sleep 100 >/dev/null 2>err && { docker rm -f web2; fail "a host port in use was published twice"; }
    docker rm -f web2 >/dev/null 2>&1 || true
}

test_outbound_masquerade() {
    ip netns exec "$SERVER_NS" sh -c 'socat -T 5 TCP-LISTEN:9000,reuseaddr SYSTEM:"echo \$SOCAT_PEERADDR"' > peer &
    srv=$!
    defer kill $srv
    sleep 0.3
    out=$(docker run --rm "$BUSYBOX" sh -c 'nc -w 3 10.98.0.2 9000 </dev/null')
    assert_eq "$out" "10.98.0.1" "the server saw the host's address"
}

test_connect_disconnect() {
    docker network create net2 >/dev/null
    defer docker network rm net2
    docker run -d --name cd1 "$BUSYBOX" sleep 300 >/dev/null
    defer docker rm -f cd1
    n1=$(docker exec cd1 ls /sys/class/net | wc -l)
    docker network connect net2 cd1
    assert_eq "$(docker exec cd1 ls /sys/class/net | wc -l)" $((n1 + 1)) "interfaces after connect"
    docker network disconnect net2 cd1
    assert_eq "$(docker exec cd1 ls /sys/class/net | wc -l)" "$n1" "interfaces after disconnect"
}

test_container_network_mode() {
    docker run -d --name owner "$BUSYBOX" sleep 300 >/dev/null
    defer docker rm -f owner
    a=$(docker exec owner ip -4 -o addr show eth0 | awk '{print $4}')
    b=$(docker run --rm --network container:owner "$BUSYBOX" ip -4 -o addr show eth0 | awk '{print $4}')
    assert_eq "$b" "$a" "container:<id> shares the network namespace"
    assert_eq "$(docker run --rm --network host "$BUSYBOX" ls /sys/class/net | grep -c gtc0)" 1 "--network host sees the host's links"
}

test_reference_plugins() {
    docker network ls --format '{{.Name}}' | grep -qx refnet || fail "the reference conflist is not listed"
    docker run -d --name r1 --network refnet "$BUSYBOX" sh -c 'while true; do echo ref | nc -l -p 7001; done' >/dev/null
    defer docker rm -f r1
    docker run -d --name r2 --network refnet -p 8081:80 "$BUSYBOX" sh -c 'mkdir -p /w && echo refweb > /w/index.html && httpd -f -p 80 -h /w' >/dev/null
    defer docker rm -f r2
    ip=$(docker inspect -f '{{.NetworkSettings.Networks.refnet.IPAddress}}' r1)
    case $ip in 10.77.0.*) ;; *) fail "refnet address: '$ip'" ;; esac
    wait_until "[ \"\$(docker exec r2 sh -c 'nc -w 2 $ip 7001 </dev/null')\" = ref ]"
    wait_until '[ "$(curl -s --max-time 2 http://10.99.0.1:8081/)" = refweb ]'
    ip netns exec "$SERVER_NS" sh -c 'socat -T 5 TCP-LISTEN:9001,reuseaddr SYSTEM:"echo \$SOCAT_PEERADDR"' &
    srv=$!
    defer kill $srv
    sleep 0.3
    assert_eq "$(docker run --rm --network refnet "$BUSYBOX" sh -c 'nc -w 3 10.98.0.2 9001 </dev/null')" 10.98.0.1 "masquerade on refnet"
}

test_no_leaks_after_cycles() {
    docker run --rm "$BUSYBOX" true   # the default bridge exists now
    before=$(count_state)
    local i
    for i in $(seq 500); do
        docker run --rm -p 8090:80 "$BUSYBOX" true >/dev/null 2>>errs || echo "run $i failed" >> errs
    done
    after=$(count_state)
    [ ! -s errs ] || fail "runs failed: $(head -5 errs)"
    assert_eq "$after" "$before" "links, rules and addresses after 500 runs"
}

test_daemon_crash_leaves_nothing() {
    before=$(count_state)
    docker run -d --name crash1 -p 8095:80 "$BUSYBOX" sleep 300 >/dev/null
    pid=$(docker inspect -f '{{.State.Pid}}' crash1)
    stop_engine KILL
    kill -KILL "$pid"
    sleep 1
    start_engine
    docker rm -f crash1 >/dev/null
    assert_eq "$(count_state)" "$before" "state after a crash, the container's death, restart and rm"
}

t "the default bridge, host and none" test_default_bridge
t "a user-defined network: names, DNS, hosts, in-use removal refused" test_user_network_names
t "a published port from loopback, a client host, and hairpin" test_published_port
t "outbound connections are masqueraded" test_outbound_masquerade
t "network connect and disconnect" test_connect_disconnect
t "--network container:<id> and host" test_container_network_mode
t "the same flows with the reference CNI plugins" test_reference_plugins
t "500 create/delete cycles leak no link, rule or address" test_no_leaks_after_cycles
t "a daemon crash leaves no veth, address or rule" test_daemon_crash_leaves_nothing
done_testing
