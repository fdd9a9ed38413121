#!/bin/bash
# autoscaling/v1 served from the stored autoscaling/v2 objects: kubectl
# autoscale (a protobuf v1 body), reads, writes, patches, applies and
# watches through either version, lossless round trips, discovery.
. "$(dirname "$0")/lib_kube.sh"

start_server || exit 1
kc create namespace v >/dev/null
kc -n v create deployment web --image=busybox:1 >/dev/null

V1=/apis/autoscaling/v1/namespaces/v/horizontalpodautoscalers
V2=/apis/autoscaling/v2/namespaces/v/horizontalpodautoscalers

test_kubectl_autoscale() {
    local out
    out=$(kc -n v autoscale deploy web --min=2 --max=5 --cpu-percent=70 2>&1)
    assert_contains "$out" "horizontalpodautoscaler.autoscaling/web autoscaled"
    out=$(kc -n v get hpa web)
    echo "$out"
    assert_contains "$out" "cpu: <unknown>/70%"
    out=$(kc -n v get hpa web -o json)
    assert_eq "$(jq -r .apiVersion <<<"$out")" autoscaling/v2
    assert_eq "$(jq -c '.spec.metrics' <<<"$out")" \
        '[{"resource":{"name":"cpu","target":{"averageUtilization":70,"type":"Utilization"}},"type":"Resource"}]'
    out=$(api GET "$V1/web")
    assert_eq "$(tail -1 <<<"$out")" 200
    out=$(head -1 <<<"$out")
    assert_eq "$(jq -r .apiVersion <<<"$out")" autoscaling/v1
    assert_eq "$(jq -r .spec.targetCPUUtilizationPercentage <<<"$out")" 70
    assert_eq "$(jq -r '.spec.metrics // "none"' <<<"$out")" none
}

test_v1_writes_reach_v2_readers() {
    kc -n v patch horizontalpodautoscalers.v1.autoscaling web \
        -p '{"spec":{"targetCPUUtilizationPercentage":55}}' >/dev/null || fail "v1 patch"
    assert_eq "$(kc -n v get hpa web -o jsonpath='{.spec.metrics[0].resource.target.averageUtilization}')" 55
    # a merge patch and a JSON patch through v1
    api PATCH "$V1/web" '{"spec":{"maxReplicas":7}}' application/merge-patch+json >/dev/null
    api PATCH "$V1/web" '[{"op":"replace","path":"/spec/minReplicas","value":3}]' \
        application/json-patch+json >/dev/null
    local out
    out=$(api GET "$V2/web" | head -1)
    assert_eq "$(jq -c '[.spec.minReplicas,.spec.maxReplicas]' <<<"$out")" "[3,7]"
    # server-side apply of a v1 manifest creates and updates
    cat >"$T/h.yaml" <<'Y'
apiVersion: autoscaling/v1
kind: HorizontalPodAutoscaler
metadata: {name: web2, namespace: v}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  maxReplicas: 3
  targetCPUUtilizationPercentage: 40
Y
    out=$(kc apply --server-side -f "$T/h.yaml" 2>&1)
    assert_contains "$out" "serverside-applied"
    assert_eq "$(kc -n v get hpa web2 -o jsonpath='{.spec.metrics[0].resource.target.averageUtilization}')" 40
    sed -i 's/: 40/: 45/' "$T/h.yaml"
    kc apply --server-side -f "$T/h.yaml" >/dev/null || fail "second apply"
    assert_eq "$(kc -n v get hpa web2 -o jsonpath='{.spec.metrics[0].resource.target.averageUtilization}')" 45
    # a PUT of what v1 read
    out=$(api GET "$V1/web2" | head -1 | jq -c '.spec.maxReplicas = 9')
    assert_eq "$(api_code PUT "$V1/web2" "$out")" 200
    assert_eq "$(kc -n v get hpa web2 -o jsonpath='{.spec.maxReplicas}')" 9
}

test_v1_bad_input_is_refused_and_nothing_stored() {
    local body out
    body='{"apiVersion":"autoscaling/v1","kind":"HorizontalPodAutoscaler","metadata":{"name":"bad"},"spec":{"scaleTargetRef":{"kind":"Deployment","name":"web"},"maxReplicas":3,"bogus":1}}'
    out=$(api POST "$V1?fieldValidation=Strict" "$body")
    assert_eq "$(tail -1 <<<"$out")" 400
    assert_contains "$(head -1 <<<"$out")" 'unknown field \"spec.bogus\"'
    # a v2 object sent to the v1 URL
    body='{"apiVersion":"autoscaling/v2","kind":"HorizontalPodAutoscaler","metadata":{"name":"bad"},"spec":{"maxReplicas":3}}'
    out=$(api POST "$V1" "$body")
    assert_eq "$(tail -1 <<<"$out")" 400
    assert_contains "$(head -1 <<<"$out")" "does not match the expected API version (autoscaling/v1)"
    # invalid after conversion: maxReplicas below minReplicas
    body='{"apiVersion":"autoscaling/v1","kind":"HorizontalPodAutoscaler","metadata":{"name":"bad"},"spec":{"scaleTargetRef":{"kind":"Deployment","name":"web"},"minReplicas":4,"maxReplicas":3}}'
    out=$(api POST "$V1" "$body")
    assert_eq "$(tail -1 <<<"$out")" 422
    assert_eq "$(api_code GET "$V2/bad")" 404
}

# what v1 cannot say survives a read-modify-write through v1
test_round_trip_through_v1_is_lossless() {
    cat >"$T/m.yaml" <<'Y'
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: mem, namespace: v}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  maxReplicas: 4
  metrics:
  - type: Resource
    resource: {name: memory, target: {type: AverageValue, averageValue: 100Mi}}
  behavior:
    scaleDown: {stabilizationWindowSeconds: 30}
Y
    kc apply -f "$T/m.yaml" >/dev/null || fail "apply v2"
    local before out
    before=$(kc -n v get hpa mem -o json | jq -c '[.spec.metrics, .spec.behavior]')
    out=$(api GET "$V1/mem" | head -1)
    assert_contains "$(jq -r '.metadata.annotations["autoscaling.alpha.kubernetes.io/metrics"]' <<<"$out")" memory
    out=$(jq -c '.spec.maxReplicas = 6' <<<"$out")
    assert_eq "$(api_code PUT "$V1/mem" "$out")" 200
    out=$(kc -n v get hpa mem -o json)
    assert_eq "$(jq -c '[.spec.metrics, .spec.behavior]' <<<"$out")" "$before"
    assert_eq "$(jq -r .spec.maxReplicas <<<"$out")" 6
    assert_eq "$(jq -r '.metadata.annotations // {} | keys | map(select(startswith("autoscaling.alpha"))) | length' <<<"$out")" 0
}

test_v1_list_watch_delete() {
    local out
    out=$(api GET "$V1" | head -1)
    assert_eq "$(jq -r .apiVersion <<<"$out")" autoscaling/v1
    assert_eq "$(jq -r .kind <<<"$out")" HorizontalPodAutoscalerList
    assert_eq "$(jq -r '[.items[].apiVersion] | unique | join(",")' <<<"$out")" autoscaling/v1
    local rv
    rv=$(jq -r .metadata.resourceVersion <<<"$out")
    curl -sN "http://127.0.0.1:$KUBE_HTTP$V1?watch=1&resourceVersion=$rv&timeoutSeconds=5" >"$T/w.out" &
    local pid=$!
    sleep 0.5
    kc -n v patch hpa web -p '{"spec":{"maxReplicas":8}}' >/dev/null
    kc -n v delete hpa.v1.autoscaling web2 >/dev/null
    wait_for 5 'grep -q DELETED "$T/w.out"'
    kill $pid 2>/dev/null
    cat "$T/w.out" | cut -c1-200
    assert_eq "$(jq -r 'select(.type=="MODIFIED") | .object.spec.maxReplicas' "$T/w.out")" 8
    assert_eq "$(jq -r 'select(.type=="MODIFIED") | .object.apiVersion' "$T/w.out")" autoscaling/v1
    assert_eq "$(jq -r 'select(.type=="DELETED") | .object.metadata.name' "$T/w.out")" web2
    out=$(api DELETE "$V1/mem" | head -1)
    assert_eq "$(jq -r .apiVersion <<<"$out")" autoscaling/v1
    assert_eq "$(api_code GET "$V2/mem")" 404
}

test_discovery_has_both_versions() {
    local out
    out=$(kc api-versions)
    assert_contains "$out" "autoscaling/v1"
    assert_contains "$out" "autoscaling/v2"
    out=$(api GET /apis/autoscaling | head -1)
    assert_eq "$(jq -r .preferredVersion.version <<<"$out")" v2
    out=$(kc explain hpa.spec --api-version=autoscaling/v1 2>&1)
    assert_contains "$out" $'targetCPUUtilizationPercentage\t<integer>'
}

t "kubectl autoscale creates through autoscaling/v1" test_kubectl_autoscale
t "v1 patches, applies and PUTs reach v2 readers" test_v1_writes_reach_v2_readers
t "bad v1 input is refused, nothing stored" test_v1_bad_input_is_refused_and_nothing_stored
t "a v2 object read and written through v1 loses nothing" test_round_trip_through_v1_is_lossless
t "v1 list, watch and delete answer v1 objects" test_v1_list_watch_delete
t "discovery and explain list both versions" test_discovery_has_both_versions
t "the server stops on SIGTERM, nothing in its log" test_server_stops_clean
done_testing
