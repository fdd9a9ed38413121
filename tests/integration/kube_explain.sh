#!/bin/bash
# kubectl explain against the server's OpenAPI documents (v3 by default,
# v2 in protobuf with --output plaintext-openapiv2), the documents
# themselves, and client-side apply still merging lists by key once both
# documents are served.
. "$(dirname "$0")/lib_kube.sh"

start_server || exit 1

test_explain_kinds_and_fields() {
    local out
    out=$(kc explain pods 2>&1)
    echo "$out" | head -12
    assert_contains "$out" "KIND:       Pod"
    assert_contains "$out" "VERSION:    v1"
    assert_contains "$out" "A group of containers"
    assert_contains "$out" $'spec\t<PodSpec>'
    assert_contains "$out" $'metadata\t<ObjectMeta>'
    out=$(kc explain pods.spec.containers 2>&1)
    assert_contains "$out" "FIELD: containers <[]Container>"
    assert_contains "$out" $'image\t<string>'
    assert_contains "$out" "The image to run"
    assert_contains "$out" $'resources\t<ResourceRequirements>'
    assert_contains "$out" $'ports\t<[]ContainerPort>'
    out=$(kc explain pods.spec.containers.resources.limits 2>&1)
    assert_contains "$out" "FIELD: limits <map[string]Quantity>"
    out=$(kc explain deploy.spec.strategy.rollingUpdate.maxSurge 2>&1)
    assert_contains "$out" "GROUP:      apps"
    assert_contains "$out" "FIELD: maxSurge <IntOrString>"
    out=$(kc explain pods.spec.terminationGracePeriodSeconds 2>&1)
    assert_contains "$out" "FIELD: terminationGracePeriodSeconds <integer>"
    out=$(kc explain hpa.spec.metrics --api-version=autoscaling/v2 2>&1)
    assert_contains "$out" "FIELD: metrics <[]MetricSpec>"
    out=$(kc explain cronjobs --recursive 2>&1)
    assert_contains "$out" $'schedule\t<string>'
    assert_contains "$out" "jobTemplate"
    assert_contains "$out" $'        containers\t<[]Container>'
}

# the fields people look up most are all described, in v3 and in v2
test_explain_common_fields_described() {
    local path out n=0
    for path in pods pods.metadata pods.metadata.ownerReferences pods.spec pods.spec.containers \
        pods.spec.containers.ports pods.spec.containers.env pods.spec.containers.env.valueFrom \
        pods.spec.containers.env.valueFrom.secretKeyRef pods.spec.containers.envFrom \
        pods.spec.containers.resources pods.spec.containers.volumeMounts \
        pods.spec.containers.livenessProbe pods.spec.containers.livenessProbe.httpGet \
        pods.spec.containers.readinessProbe.tcpSocket pods.spec.containers.startupProbe.grpc \
        pods.spec.containers.lifecycle.preStop pods.spec.containers.securityContext \
        pods.spec.containers.securityContext.capabilities pods.spec.securityContext \
        pods.spec.volumes pods.spec.volumes.emptyDir pods.spec.volumes.hostPath \
        pods.spec.volumes.configMap pods.spec.volumes.secret \
        pods.spec.volumes.persistentVolumeClaim pods.spec.volumes.projected.sources \
        pods.spec.volumes.downwardAPI.items pods.spec.affinity.nodeAffinity \
        pods.spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution \
        pods.spec.tolerations pods.spec.topologySpreadConstraints \
        deploy.spec deploy.status deploy.spec.selector.matchExpressions rs.spec sts.spec \
        ds.spec jobs.spec cronjobs.spec cronjobs.spec.jobTemplate svc.spec svc.spec.ports \
        configmaps secrets ingress.spec ingress.spec.rules.http.paths.backend \
        netpol.spec netpol.spec.ingress.from netpol.spec.egress.ports hpa.spec \
        hpa.spec.metrics pvc.spec namespaces serviceaccounts roles.rules rolebindings \
        rolebindings.roleRef leases.spec pdb.spec storageclasses priorityclasses \
        pods.status pods.status.containerStatuses pods.status.containerStatuses.state; do
        out=$(kc explain "$path" 2>&1) || { fail "explain $path: $out"; continue; }
        case "$out" in *"<no description>"*)
            fail "explain $path: undescribed fields: $(grep -B1 '<no description>' <<<"$out")" ;;
        esac
        n=$((n + 1))
    done
    echo "explained $n paths"
    out=$(kc explain pods.spec.containers.livenessProbe.httpGet.port 2>&1)
    echo "$out"
    assert_contains "$out" "FIELD: port <IntOrString>"
    assert_contains "$out" "by number or by the container port's name"
    out=$(kc explain hpa.spec.targetCPUUtilizationPercentage --api-version=autoscaling/v1 2>&1)
    assert_contains "$out" "percentage of the pods' requests"
    out=$(kc explain netpol.spec.policyTypes --output plaintext-openapiv2 2>&1)
    assert_contains "$out" "Ingress, Egress or both"
    out=$(kc explain pods.spec.volumes.emptyDir --output plaintext-openapiv2 2>&1)
    case "$out" in *"<no description>"*) fail "v2 emptyDir undescribed: $out" ;; esac
}

test_explain_unknown_field_fails() {
    local out
    if out=$(kc explain pods.spec.nosuch 2>&1); then
        fail "explain of a field that does not exist succeeded: $out"
    fi
    assert_contains "$out" 'field "nosuch" does not exist'
    if out=$(kc explain nosuchkind 2>&1); then
        fail "explain of a kind that does not exist succeeded: $out"
    fi
}

test_explain_every_resource() {
    local r n=0 out
    for r in $(kc api-resources --verbs=patch -o name); do
        out=$(kc explain "$r" 2>&1) || fail "explain $r: $out"
        assert_contains "$out" "FIELDS:" "explain $r"
        n=$((n + 1))
    done
    echo "explained $n resources"
    [ "$n" -ge 30 ] || fail "only $n patchable resources listed"
}

test_explain_openapi_v2() {
    local out
    out=$(kc explain svc.spec.ports --output plaintext-openapiv2 2>&1)
    echo "$out" | head -8
    assert_contains "$out" "KIND:     Service"
    assert_contains "$out" $'port\t<integer>'
    assert_contains "$out" "The port the service answers on."
    out=$(kc explain deploy --recursive --output plaintext-openapiv2 2>&1)
    assert_contains "$out" "VERSION:  apps/v1"
    assert_contains "$out" $'replicas\t<integer>'
}

test_openapi_documents() {
    local out
    out=$(curl -s -H 'Accept: application/json' "http://127.0.0.1:$KUBE_HTTP/openapi/v2")
    assert_eq "$(jq -r .swagger <<<"$out")" "2.0"
    assert_eq "$(jq -r '.definitions["io.k8s.api.apps.v1.Deployment"]["x-kubernetes-group-version-kind"][0].kind' <<<"$out")" Deployment
    assert_eq "$(jq -r '.definitions["io.k8s.api.core.v1.PodSpec"].properties.containers["x-kubernetes-patch-merge-key"]' <<<"$out")" name
    out=$(curl -s -o /dev/null -w '%{content_type} %{http_code}' \
        -H 'Accept: application/com.github.proto-openapi.spec.v2@v1.0+protobuf' \
        "http://127.0.0.1:$KUBE_HTTP/openapi/v2")
    assert_eq "$out" "application/com.github.proto-openapi.spec.v2.v1.0+protobuf 200"
    out=$(api GET /openapi/v3/apis/apps/v1)
    assert_eq "$(tail -1 <<<"$out")" 200
    assert_eq "$(head -1 <<<"$out" | jq -r '.components.schemas["io.k8s.api.apps.v1.Deployment"].properties.spec.allOf[0]["$ref"]')" \
        "#/components/schemas/io.k8s.api.apps.v1.DeploymentSpec"
    out=$(curl -s -w '\n%{http_code}' -H 'Accept: text/html' "http://127.0.0.1:$KUBE_HTTP/openapi/v2")
    assert_eq "$(tail -1 <<<"$out")" 406
    assert_contains "$(head -1 <<<"$out")" "application/json"
    assert_eq "$(api_code GET /openapi/v3/apis/nosuch/v1)" 404
}

# the documents are served, and client-side apply still merges containers
# by name and drops the one removed from the manifest
test_apply_merges_lists_with_documents_served() {
    kc create namespace ex >/dev/null
    cat >"$T/d1.yaml" <<'Y'
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: ex}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - {name: a, image: "busybox:1", env: [{name: X, value: "1"}]}
      - {name: b, image: "busybox:1"}
Y
    kc apply -f "$T/d1.yaml" || fail "first apply"
    sed -e 's/busybox:1", env/busybox:2", env/' -e '/name: b,/d' "$T/d1.yaml" >"$T/d2.yaml"
    local out
    out=$(kc apply -f "$T/d2.yaml" 2>&1)
    assert_contains "$out" "deployment.apps/web configured"
    case "$out" in *warning*) fail "apply warned: $out" ;; esac
    out=$(kc -n ex get deploy web -o json)
    assert_eq "$(jq -r '[.spec.template.spec.containers[].name] | join(",")' <<<"$out")" a
    assert_eq "$(jq -r '.spec.template.spec.containers[0].image' <<<"$out")" busybox:2
    assert_eq "$(jq -r '.spec.template.spec.containers[0].env[0].value' <<<"$out")" 1
    out=$(kc apply -f "$T/d2.yaml" 2>&1)
    assert_contains "$out" "deployment.apps/web unchanged"
}

t "explain: kinds, nested fields and their types" test_explain_kinds_and_fields
t "explain: the common fields are described" test_explain_common_fields_described
t "explain: an unknown field or kind fails" test_explain_unknown_field_fails
t "explain: every patchable resource" test_explain_every_resource
t "explain --output plaintext-openapiv2 (protobuf /openapi/v2)" test_explain_openapi_v2
t "/openapi/v2 and /openapi/v3 documents, content negotiation" test_openapi_documents
t "client-side apply merges by key with the documents served" test_apply_merges_lists_with_documents_served
done_testing
