#!/bin/bash
# Deletion: kubectl delete with each cascade mode (the dependents, by
# ownerReferences, are deleted, waited for, or orphaned), finalizers,
# preconditions, deletecollection, graceful pod deletion, and namespaces
# that empty themselves.
. "$(dirname "$0")/lib_kube.sh"

start_server || exit 1
kc create namespace d >/dev/null

# owner_with_dependents NAME N: a Deployment NAME and N ReplicaSets owned by it
owner_with_dependents() {
    local name=$1 n=$2 uid i
    kc -n d create deployment "$name" --image=nginx >/dev/null
    uid=$(kc -n d get deploy "$name" -o jsonpath='{.metadata.uid}')
    for i in $(seq "$n"); do
        cat <<EOF | kc apply -f - >/dev/null
apiVersion: apps/v1
kind: ReplicaSet
metadata:
  name: $name-rs$i
  namespace: d
  labels: {owner: $name}
  ownerReferences:
  - {apiVersion: apps/v1, kind: Deployment, name: $name, uid: $uid, controller: true, blockOwnerDeletion: true}
spec:
  replicas: 0
  selector: {matchLabels: {app: $name, rs: "$i"}}
  template:
    metadata: {labels: {app: $name, rs: "$i"}}
    spec: {containers: [{name: c, image: nginx}]}
EOF
    done
}

rs_count() { kc -n d get rs -l owner="$1" -o name | wc -l; }

test_cascade_background() {
    owner_with_dependents bg 3
    assert_eq "$(rs_count bg)" 3
    kc -n d delete deploy bg --cascade=background
    assert_eq "$(api_code GET /apis/apps/v1/namespaces/d/deployments/bg)" 404
    # the garbage collector follows
    wait_for 10 'test "$(rs_count bg)" = 0'
}

test_cascade_foreground() {
    owner_with_dependents fg 2
    # a finalizer of its own keeps one dependent, and so the owner, around
    kc -n d patch rs fg-rs1 --type=merge -p '{"metadata":{"finalizers":["example.com/hold"]}}' >/dev/null
    api DELETE /apis/apps/v1/namespaces/d/deployments/fg '{"propagationPolicy":"Foreground"}' >/dev/null
    # the owner waits, marked, with the foregroundDeletion finalizer
    local fin
    fin=$(kc -n d get deploy fg -o jsonpath='{.metadata.finalizers} {.metadata.deletionTimestamp}')
    assert_contains "$fin" "foregroundDeletion"
    wait_for 10 'test "$(api_code GET /apis/apps/v1/namespaces/d/replicasets/fg-rs2)" = 404'
    [ -n "$(kc -n d get rs fg-rs1 -o jsonpath='{.metadata.deletionTimestamp}')" ] ||
        fail "the held dependent is not being deleted"
    assert_eq "$(api_code GET /apis/apps/v1/namespaces/d/deployments/fg)" 200
    # let it go: the dependent leaves, then the owner
    kc -n d patch rs fg-rs1 --type=merge -p '{"metadata":{"finalizers":null}}' >/dev/null
    wait_for 10 'test "$(api_code GET /apis/apps/v1/namespaces/d/deployments/fg)" = 404' ||
        fail "owner still there: $(kc -n d get deploy fg -o yaml; kc -n d get rs -o yaml)"
    assert_eq "$(rs_count fg)" 0
    # kubectl's own foreground delete waits and returns
    owner_with_dependents fg2 2
    kct 30 -n d delete deploy fg2 --cascade=foreground
    assert_eq "$(rs_count fg2)" 0
}

test_cascade_orphan() {
    owner_with_dependents or 2
    kc -n d delete deploy or --cascade=orphan
    assert_eq "$(api_code GET /apis/apps/v1/namespaces/d/deployments/or)" 404
    sleep 1.5
    assert_eq "$(rs_count or)" 2
    wait_for 10 'test -z "$(kc -n d get rs or-rs1 -o jsonpath="{.metadata.ownerReferences}")"'
    assert_eq "$(kc -n d get rs or-rs2 -o jsonpath='{.metadata.ownerReferences}')" ""
}

test_dependent_of_a_missing_owner_is_collected() {
    cat <<'EOF' | kc apply -f - >/dev/null
apiVersion: v1
kind: ConfigMap
metadata:
  name: stray
  namespace: d
  ownerReferences:
  - {apiVersion: v1, kind: ConfigMap, name: never-was, uid: 00000000-0000-4000-8000-000000000000}
EOF
    wait_for 10 'test "$(api_code GET /api/v1/namespaces/d/configmaps/stray)" = 404'
}

test_finalizers_and_preconditions() {
    kc -n d create cm held >/dev/null
    kc -n d patch cm held --type=merge -p '{"metadata":{"finalizers":["example.com/a","example.com/b"]}}' >/dev/null
    local out uid
    out=$(api DELETE /api/v1/namespaces/d/configmaps/held)
    assert_eq "$(tail -1 <<<"$out")" 200
    [ "$(head -1 <<<"$out" | jq -r .metadata.deletionTimestamp)" != null ] || fail "no deletionTimestamp"
    assert_eq "$(api_code GET /api/v1/namespaces/d/configmaps/held)" 200
    # deleting again changes nothing; a new finalizer cannot be added? it can,
    # but the object still goes once they are all gone
    kc -n d patch cm held --type=json -p '[{"op":"remove","path":"/metadata/finalizers/0"}]' >/dev/null
    assert_eq "$(api_code GET /api/v1/namespaces/d/configmaps/held)" 200
    kc -n d patch cm held --type=json -p '[{"op":"remove","path":"/metadata/finalizers/0"}]' >/dev/null
    assert_eq "$(api_code GET /api/v1/namespaces/d/configmaps/held)" 404
    # preconditions
    kc -n d create cm pre >/dev/null
    uid=$(kc -n d get cm pre -o jsonpath='{.metadata.uid}')
    out=$(api DELETE /api/v1/namespaces/d/configmaps/pre '{"preconditions":{"uid":"wrong"}}')
    assert_eq "$(tail -1 <<<"$out")" 409
    assert_contains "$(head -1 <<<"$out")" "Precondition failed: UID in precondition: wrong"
    out=$(api DELETE /api/v1/namespaces/d/configmaps/pre '{"preconditions":{"resourceVersion":"1"}}')
    assert_eq "$(tail -1 <<<"$out")" 409
    assert_eq "$(api_code DELETE /api/v1/namespaces/d/configmaps/pre "{\"preconditions\":{\"uid\":\"$uid\"}}")" 200
    assert_eq "$(api_code DELETE /api/v1/namespaces/d/configmaps/pre)" 404
    # dry run deletes nothing
    kc -n d create cm dry >/dev/null
    kc -n d delete cm dry --dry-run=server >/dev/null
    assert_eq "$(api_code GET /api/v1/namespaces/d/configmaps/dry)" 200
}

test_deletecollection_and_delete_by_label() {
    local i
    for i in 1 2 3; do kc -n d create cm coll-$i >/dev/null; done
    kc -n d label cm coll-1 coll-2 sweep=yes >/dev/null
    local out
    out=$(api DELETE "/api/v1/namespaces/d/configmaps?labelSelector=sweep%3Dyes")
    assert_eq "$(tail -1 <<<"$out")" 200
    assert_eq "$(head -1 <<<"$out" | jq -r '[.items[].metadata.name] | sort | join(" ")')" "coll-1 coll-2"
    assert_eq "$(api_code GET /api/v1/namespaces/d/configmaps/coll-3)" 200
    out=$(kc -n d delete cm -l nothing=here 2>&1)
    assert_contains "$out" "No resources found"
}

test_pod_deletion() {
    kc -n d run free --image=busybox --restart=Never -- sleep 100 >/dev/null
    # not bound to a node: gone at once
    kct 20 -n d delete pod free
    assert_eq "$(api_code GET /api/v1/namespaces/d/pods/free)" 404
    # bound to a node: graceful; the node's agent would finish it, --force does
    kc -n d run bound --image=busybox --restart=Never -- sleep 100 >/dev/null
    assert_eq "$(api_code POST /api/v1/namespaces/d/pods/bound/binding '{"apiVersion":"v1","kind":"Binding","metadata":{"name":"bound"},"target":{"kind":"Node","name":"n1"}}')" 201
    assert_eq "$(kc -n d get pod bound -o jsonpath='{.spec.nodeName}')" n1
    assert_eq "$(api_code POST /api/v1/namespaces/d/pods/bound/binding '{"apiVersion":"v1","kind":"Binding","metadata":{"name":"bound"},"target":{"kind":"Node","name":"n2"}}')" 409
    kc -n d delete pod bound --wait=false >/dev/null
    assert_eq "$(kc -n d get pod bound -o jsonpath='{.metadata.deletionGracePeriodSeconds}')" 30
    kct 20 -n d delete pod bound --grace-period=0 --force
    assert_eq "$(api_code GET /api/v1/namespaces/d/pods/bound)" 404
    # eviction deletes
    kc -n d run ev --image=busybox --restart=Never >/dev/null
    assert_eq "$(api_code POST /api/v1/namespaces/d/pods/ev/eviction '{"apiVersion":"policy/v1","kind":"Eviction","metadata":{"name":"ev"}}')" 201
    assert_eq "$(api_code GET /api/v1/namespaces/d/pods/ev)" 404
}

test_namespace_deletion_empties_it() {
    kc create namespace gone >/dev/null
    kc -n gone create cm a >/dev/null
    kc -n gone create deployment x --image=nginx >/dev/null
    kc -n gone create cm slow >/dev/null
    kc -n gone patch cm slow --type=merge -p '{"metadata":{"finalizers":["example.com/slow"]}}' >/dev/null
    kc delete namespace gone --wait=false
    assert_eq "$(kc get ns gone -o jsonpath='{.status.phase}')" Terminating
    # nothing new in a terminating namespace
    local out
    out=$(kc -n gone create cm late 2>&1) && fail "created in a terminating namespace"
    assert_contains "$out" "because it is being terminated"
    wait_for 10 'test "$(api_code GET /apis/apps/v1/namespaces/gone/deployments/x)" = 404'
    assert_eq "$(api_code GET /api/v1/namespaces/gone)" 200
    kc -n gone patch cm slow --type=merge -p '{"metadata":{"finalizers":null}}' >/dev/null
    wait_for 10 'test "$(api_code GET /api/v1/namespaces/gone)" = 404'
    # the system namespaces stay
    out=$(kc delete namespace kube-system 2>&1) && fail "deleted kube-system"
    assert_contains "$out" "forbidden"
}

t "delete --cascade=background: the GC deletes the dependents" test_cascade_background
t "delete --cascade=foreground: the owner waits for its dependents" test_cascade_foreground
t "delete --cascade=orphan: dependents stay, without the owner reference" test_cascade_orphan
t "a dependent whose owner never existed is collected" test_dependent_of_a_missing_owner_is_collected
t "finalizers hold an object; preconditions; dry run" test_finalizers_and_preconditions
t "deletecollection and delete -l" test_deletecollection_and_delete_by_label
t "pods: unbound at once, bound gracefully, binding, eviction" test_pod_deletion
t "a deleted namespace empties, waits for finalizers, then goes" test_namespace_deletion_empties_it
t "the server stops on SIGTERM, nothing in its log" test_server_stops_clean
done_testing
