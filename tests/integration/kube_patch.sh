#!/bin/bash
# Changes to existing objects: the three patch types, scale, label,
# annotate, set image; updates with stale resource versions; the status
# subresource kept apart from the main resource; metadata.generation.
. "$(dirname "$0")/lib_kube.sh"

start_server || exit 1
kc create namespace p >/dev/null
kc -n p create deployment web --image=nginx:1.27 --replicas=2 >/dev/null

jp() { kc -n p get "$1" -o jsonpath="$2"; }

test_three_patch_types() {
    kc -n p create cm pc --from-literal=a=1 >/dev/null
    kc -n p patch cm pc --type=json -p '[{"op":"add","path":"/data/b","value":"2"},{"op":"remove","path":"/data/a"}]'
    assert_eq "$(jp cm/pc '{.data}')" '{"b":"2"}'
    kc -n p patch cm pc --type=merge -p '{"data":{"c":"3","b":null}}'
    assert_eq "$(jp cm/pc '{.data}')" '{"c":"3"}'
    kc -n p patch cm pc -p '{"metadata":{"labels":{"x":"y"}},"data":{"d":"4"}}'
    assert_eq "$(jp cm/pc '{.data.d}') $(jp cm/pc '{.metadata.labels.x}')" "4 y"
    # a failing JSON patch test op changes nothing
    local out rv
    rv=$(jp cm/pc '{.metadata.resourceVersion}')
    out=$(kc -n p patch cm pc --type=json -p '[{"op":"test","path":"/data/d","value":"5"},{"op":"add","path":"/data/e","value":"5"}]' 2>&1) &&
        fail "a failed test op applied"
    echo "$out"
    assert_eq "$(jp cm/pc '{.metadata.resourceVersion}')" "$rv"
    # a malformed patch is 400
    assert_eq "$(api_code PATCH /api/v1/namespaces/p/configmaps/pc '{"data":' application/merge-patch+json)" 400
    assert_eq "$(api_code PATCH /api/v1/namespaces/p/configmaps/pc '{}' text/plain)" 415
    assert_eq "$(api_code PATCH /api/v1/namespaces/p/configmaps/nosuch '{}' application/merge-patch+json)" 404
}

test_strategic_merge_keeps_list_elements() {
    kc -n p patch deploy web -p '{"spec":{"template":{"spec":{"containers":[{"name":"side","image":"busybox"}]}}}}'
    # patch elements first, the server's after (strategicpatch's order)
    assert_eq "$(jp deploy/web '{.spec.template.spec.containers[*].name}')" "side nginx"
    kc -n p set image deploy/web nginx=nginx:1.28
    assert_eq "$(jp deploy/web '{.spec.template.spec.containers[*].image}')" "busybox nginx:1.28"
    kc -n p patch deploy web -p '{"spec":{"template":{"spec":{"containers":[{"name":"side","$patch":"delete"}]}}}}'
    assert_eq "$(jp deploy/web '{.spec.template.spec.containers[*].name}')" "nginx"
    kc -n p rollout restart deploy/web
    [ -n "$(jp deploy/web '{.spec.template.metadata.annotations.kubectl\.kubernetes\.io/restartedAt}')" ] ||
        fail "no restartedAt annotation"
}

test_scale_label_annotate() {
    local g
    g=$(jp deploy/web '{.metadata.generation}')
    kc -n p scale deploy web --replicas=4
    assert_eq "$(jp deploy/web '{.spec.replicas}')" 4
    assert_eq "$(jp deploy/web '{.metadata.generation}')" $((g + 1))
    # --current-replicas: GET then PUT of the Scale, without a Content-Type
    kc -n p scale deploy web --current-replicas=4 --replicas=1
    assert_eq "$(jp deploy/web '{.spec.replicas}')" 1
    local out
    out=$(kc -n p scale deploy web --current-replicas=3 --replicas=2 2>&1) && fail "scaled from a wrong count"
    assert_contains "$out" "Expected replicas to be 3, was 1"
    out=$(api GET /apis/apps/v1/namespaces/p/deployments/web/scale | head -1)
    assert_eq "$(jq -r '.kind + " " + .apiVersion + " " + (.spec.replicas|tostring) + " " + .status.selector' <<<"$out")" \
        "Scale autoscaling/v1 1 app=web"
    assert_eq "$(api_code PUT /apis/apps/v1/namespaces/p/deployments/web/scale '{"kind":"Scale","apiVersion":"autoscaling/v1","metadata":{"name":"web"},"spec":{"replicas":-1}}')" 422
    kc -n p label deploy web team=a
    kc -n p label deploy web team=b --overwrite
    kc -n p annotate deploy web owner=me
    assert_eq "$(jp deploy/web '{.metadata.labels.team} {.metadata.annotations.owner}')" "b me"
    # labels and annotations are metadata: no new generation
    assert_eq "$(jp deploy/web '{.metadata.generation}')" $((g + 2))
    kc -n p label deploy web team-
    assert_eq "$(jp deploy/web '{.metadata.labels.team}')" ""
    out=$(kc -n p label deploy web 'bad key=x' 2>&1) && fail "bad label key accepted"
    echo "$out"
}

test_update_conflicts_and_noop() {
    local obj rv out
    kc -n p create cm up --from-literal=a=1 >/dev/null
    obj=$(api GET /api/v1/namespaces/p/configmaps/up | head -1)
    rv=$(jq -r .metadata.resourceVersion <<<"$obj")
    # a write without a change keeps the resource version
    assert_eq "$(api PUT /api/v1/namespaces/p/configmaps/up "$obj" | head -1 | jq -r .metadata.resourceVersion)" "$rv"
    out=$(api PUT /api/v1/namespaces/p/configmaps/up "$(jq -c '.data.a="2"' <<<"$obj")")
    assert_eq "$(tail -1 <<<"$out")" 200
    # the same resourceVersion again is stale now
    out=$(api PUT /api/v1/namespaces/p/configmaps/up "$(jq -c '.data.a="3"' <<<"$obj")")
    assert_eq "$(tail -1 <<<"$out")" 409
    assert_eq "$(head -1 <<<"$out" | jq -r .reason)" Conflict
    assert_contains "$(head -1 <<<"$out" | jq -r .message)" "the object has been modified"
    assert_eq "$(jp cm/up '{.data.a}')" 2
    # without a resourceVersion the update is unconditional
    out=$(api PUT /api/v1/namespaces/p/configmaps/up "$(jq -c '.data.a="4" | del(.metadata.resourceVersion)' <<<"$obj")")
    assert_eq "$(tail -1 <<<"$out")" 200
    # names must agree; an update does not create
    assert_eq "$(api_code PUT /api/v1/namespaces/p/configmaps/other "$(jq -c 'del(.metadata.resourceVersion)' <<<"$obj")")" 400
    assert_eq "$(api_code PUT /api/v1/namespaces/p/configmaps/gone '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"gone"}}')" 404
    # uid and creationTimestamp stay what they were
    out=$(api PUT /api/v1/namespaces/p/configmaps/up "$(jq -c '.metadata.creationTimestamp="2000-01-01T00:00:00Z" | del(.metadata.resourceVersion)' <<<"$obj")" | head -1)
    assert_eq "$(jq -r .metadata.creationTimestamp <<<"$out")" "$(jq -r .metadata.creationTimestamp <<<"$obj")"
}

test_status_subresource_is_separate() {
    local obj out g
    obj=$(api GET /apis/apps/v1/namespaces/p/deployments/web | head -1)
    g=$(jq -r .metadata.generation <<<"$obj")
    # through /status: status changes, spec and labels do not
    out=$(api PUT /apis/apps/v1/namespaces/p/deployments/web/status \
        "$(jq -c '.status={"replicas":7,"observedGeneration":3} | .spec.replicas=9 | .metadata.labels.sneaky="yes"' <<<"$obj")")
    assert_eq "$(tail -1 <<<"$out")" 200
    assert_eq "$(jp deploy/web '{.status.replicas} {.spec.replicas} {.metadata.labels.sneaky}')" "7 1 "
    assert_eq "$(jp deploy/web '{.metadata.generation}')" "$g"
    # through the main resource: spec changes, status does not
    obj=$(api GET /apis/apps/v1/namespaces/p/deployments/web | head -1)
    out=$(api PUT /apis/apps/v1/namespaces/p/deployments/web \
        "$(jq -c '.status.replicas=99 | .spec.replicas=3' <<<"$obj")")
    assert_eq "$(tail -1 <<<"$out")" 200
    assert_eq "$(jp deploy/web '{.status.replicas} {.spec.replicas}')" "7 3"
    assert_eq "$(jp deploy/web '{.metadata.generation}')" $((g + 1))
    # a merge patch of /status
    api PATCH /apis/apps/v1/namespaces/p/deployments/web/status '{"status":{"readyReplicas":2},"spec":{"replicas":8}}' application/merge-patch+json >/dev/null
    assert_eq "$(jp deploy/web '{.status.readyReplicas} {.spec.replicas}')" "2 3"
    # a new object's status is the server's to set
    out=$(api POST /apis/apps/v1/namespaces/p/deployments "$(jq -c '.metadata={"name":"fresh"} | .status={"replicas":5}' <<<"$obj")" | head -1)
    assert_eq "$(jq -r '.status.replicas // "none"' <<<"$out") $(jq -r .metadata.generation <<<"$out")" "none 1"
}

t "JSON patch, merge patch, strategic merge patch" test_three_patch_types
t "strategic merge keeps list elements (set image, \$patch delete)" test_strategic_merge_keeps_list_elements
t "scale (PATCH and PUT of /scale), label, annotate" test_scale_label_annotate
t "stale resourceVersion is 409; a no-op keeps the version" test_update_conflicts_and_noop
t "status subresource and main resource change apart; generation" test_status_subresource_is_separate
t "the server stops on SIGTERM, nothing in its log" test_server_stops_clean
done_testing
