#!/bin/bash
# Admission: NamespaceLifecycle, LimitRanger, ServiceAccount, ResourceQuota
# and PodSecurity, as kubectl users meet them.
. "$(dirname "$0")/lib_kube.sh"

start_server || exit 1

test_service_account_admission() {
    kc create namespace sa1 >/dev/null
    kc -n sa1 run p --image=busybox --restart=Never >/dev/null
    assert_eq "$(kc -n sa1 get pod p -o jsonpath='{.spec.serviceAccountName}')" default
    local vol mount
    vol=$(kc -n sa1 get pod p -o jsonpath='{.spec.volumes[0].name}')
    [[ "$vol" == kube-api-access-* ]] || fail "no token volume: $vol"
    assert_eq "$(kc -n sa1 get pod p -o jsonpath='{.spec.volumes[0].projected.sources[0].serviceAccountToken.path}')" token
    mount=$(kc -n sa1 get pod p -o jsonpath='{.spec.containers[0].volumeMounts[0].mountPath}')
    assert_eq "$mount" /var/run/secrets/kubernetes.io/serviceaccount
    # opting out, and a missing account
    kc -n sa1 create serviceaccount quiet >/dev/null
    kc -n sa1 patch serviceaccount quiet -p '{"automountServiceAccountToken":false}' >/dev/null
    kc -n sa1 run q --image=busybox --restart=Never --overrides='{"spec":{"serviceAccountName":"quiet"}}' >/dev/null
    assert_eq "$(kc -n sa1 get pod q -o jsonpath='{.spec.volumes}')" ""
    local out
    out=$(kc -n sa1 run r --image=busybox --restart=Never --overrides='{"spec":{"serviceAccountName":"ghost"}}' 2>&1) &&
        fail "pod with a missing service account admitted"
    assert_contains "$out" 'service account sa1/ghost was not found'
}

test_limit_ranges() {
    kc create namespace lr >/dev/null
    cat <<'EOF' | kc apply -f - >/dev/null
apiVersion: v1
kind: LimitRange
metadata: {name: limits, namespace: lr}
spec:
  limits:
  - type: Container
    default: {cpu: 500m, memory: 256Mi}
    defaultRequest: {cpu: 100m, memory: 64Mi}
    min: {cpu: 50m}
    max: {cpu: "1", memory: 1Gi}
    maxLimitRequestRatio: {cpu: "10"}
EOF
    kc -n lr run dflt --image=busybox --restart=Never >/dev/null
    assert_eq "$(kc -n lr get pod dflt -o jsonpath='{.spec.containers[0].resources.limits.cpu} {.spec.containers[0].resources.requests.memory}')" "500m 64Mi"
    local out
    out=$(kc -n lr run big --image=busybox --restart=Never \
        --overrides='{"spec":{"containers":[{"name":"big","image":"busybox","resources":{"limits":{"cpu":"2","memory":"2Gi"}}}]}}' 2>&1) &&
        fail "over the maximum admitted"
    echo "$out"
    assert_contains "$out" 'pods "big" is forbidden: ['
    assert_contains "$out" "maximum cpu usage per Container is 1, but limit is 2"
    assert_contains "$out" "maximum memory usage per Container is 1Gi, but limit is 2Gi"
    out=$(kc -n lr run small --image=busybox --restart=Never \
        --overrides='{"spec":{"containers":[{"name":"small","image":"busybox","resources":{"requests":{"cpu":"10m"}}}]}}' 2>&1) &&
        fail "under the minimum admitted"
    assert_contains "$out" "minimum cpu usage per Container is 50m, but request is 10m"
    assert_eq "$(api_code GET /api/v1/namespaces/lr/pods/big)" 404
}

test_resource_quota() {
    kc create namespace rq >/dev/null
    cat <<'EOF' | kc apply -f - >/dev/null
apiVersion: v1
kind: ResourceQuota
metadata: {name: q, namespace: rq}
spec:
  hard: {pods: "2", requests.cpu: "1", limits.memory: 1Gi, count/configmaps: "3"}
EOF
    local res='{"spec":{"containers":[{"name":"c","image":"busybox","resources":{"requests":{"cpu":"400m"},"limits":{"memory":"256Mi"}}}]}}'
    kc -n rq run a --image=busybox --restart=Never --overrides="$res" >/dev/null
    kc -n rq run b --image=busybox --restart=Never --overrides="$res" >/dev/null
    local out
    out=$(kc -n rq run c --image=busybox --restart=Never --overrides="$res" 2>&1) && fail "third pod admitted"
    echo "$out"
    assert_contains "$out" "exceeded quota: q, requested: pods=1,"
    assert_contains "$out" "used: pods=2,"
    assert_contains "$out" "limited: pods=2,"
    # compute resources must be given when a quota counts them
    kc -n rq delete pod b >/dev/null
    out=$(kc -n rq run bare --image=busybox --restart=Never 2>&1) && fail "pod without requests admitted"
    assert_contains "$out" "must specify"
    wait_for 10 'test "$(kc -n rq get quota q -o jsonpath="{.status.used.pods}")" = 1'
    assert_eq "$(kc -n rq get quota q -o jsonpath='{.status.used.requests\.cpu} {.status.used.limits\.memory}')" "400m 256Mi"
    # object counts: kube-root-ca.crt is one of the three
    wait_for 5 'kc -n rq get cm kube-root-ca.crt'
    kc -n rq create cm c1 >/dev/null
    kc -n rq create cm c2 >/dev/null
    out=$(kc -n rq create cm c3 2>&1) && fail "fourth config map admitted"
    assert_contains "$out" "exceeded quota: q"
    kc -n rq describe quota q
}

test_pod_security() {
    kc create namespace ps >/dev/null
    kc label namespace ps pod-security.kubernetes.io/enforce=baseline \
        pod-security.kubernetes.io/warn=restricted >/dev/null
    local out
    out=$(kc -n ps run priv --image=busybox --restart=Never \
        --overrides='{"spec":{"hostNetwork":true,"containers":[{"name":"priv","image":"busybox","securityContext":{"privileged":true}}]}}' 2>&1) &&
        fail "privileged pod admitted under baseline"
    echo "$out"
    assert_contains "$out" 'violates PodSecurity "baseline:latest"'
    assert_contains "$out" "host namespaces (hostNetwork=true)"
    assert_contains "$out" 'privileged (container "priv" must not set securityContext.privileged=true)'
    # baseline-fine but not restricted: admitted, with a warning
    out=$(kc -n ps run plain --image=busybox --restart=Never 2>&1)
    echo "$out"
    assert_contains "$out" 'Warning: would violate PodSecurity "restricted:latest"'
    assert_contains "$out" "pod/plain created"
    kc label namespace ps pod-security.kubernetes.io/enforce=restricted --overwrite >/dev/null
    out=$(kc -n ps run plain2 --image=busybox --restart=Never 2>&1) && fail "restricted let a plain pod in"
    assert_contains "$out" "allowPrivilegeEscalation != false"
    cat <<'EOF' | kc apply -f - >/dev/null
apiVersion: v1
kind: Pod
metadata: {name: hardened, namespace: ps}
spec:
  securityContext:
    runAsNonRoot: true
    runAsUser: 1000
    seccompProfile: {type: RuntimeDefault}
  containers:
  - name: c
    image: busybox
    securityContext:
      allowPrivilegeEscalation: false
      capabilities: {drop: [ALL]}
EOF
    kc -n ps get pod hardened -o name
    # workloads are warned, not refused
    out=$(kc -n ps create deployment web --image=nginx 2>&1)
    assert_contains "$out" "Warning: would violate PodSecurity"
    assert_contains "$out" "deployment.apps/web created"
}

t "ServiceAccount admission: default account, token volume, opt-out, missing account" test_service_account_admission
t "LimitRanger: defaults, minimum, maximum" test_limit_ranges
t "ResourceQuota: counts, compute resources, status.used" test_resource_quota
t "PodSecurity: baseline and restricted enforced, warnings" test_pod_security
t "the server stops on SIGTERM, nothing in its log" test_server_stops_clean
done_testing
