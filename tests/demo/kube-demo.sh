#!/bin/bash
# The control-plane demo: `gantry server` (the Kubernetes API server over
# TLS, with its CA and an admin kubeconfig) driven by the real kubectl.
# There is no node agent yet, so pods are stored, scheduled nowhere, and
# stay Pending.  Runs in its own mount and network namespaces; everything is
# removed at the end.
set -u
if [ -z "${GANTRY_DEMO_INNER:-}" ]; then
    export GANTRY_DEMO_INNER=1
    exec unshare --mount --net --propagation private bash -c 'ip link set lo up; exec "$0"' "$0"
fi
DIR=$(cd "$(dirname "$0")" && pwd)
. "$DIR/../integration/lib_kube.sh"
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
show() { printf '\033[2m$ kubectl %s\033[0m\n' "$*"; kc "$@"; }

step "gantry server: CA, serving certificate, admin kubeconfig, SQLite store"
start_server || exit 1
echo "kubeconfig: $SERVER_DATA/cred/admin.kubeconfig"
show version
show get namespaces

step "kubectl apply: a namespace, a deployment, a service, a configmap"
cat > "$T/app.yaml" <<'YAML'
apiVersion: v1
kind: Namespace
metadata: {name: demo}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: demo, labels: {app: web}}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - {name: web, image: busybox, command: ["httpd", "-f", "-p", "80"], ports: [{containerPort: 80}]}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: demo}
spec: {selector: {app: web}, ports: [{port: 80}]}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: settings, namespace: demo}
data: {greeting: hello}
YAML
show apply -f "$T/app.yaml"
show apply -f "$T/app.yaml"
show get all -n demo -o wide

step "scale, label, patch, and a watch that sees them"
kct 4 get deploy web -n demo -w --output-watch-events > "$T/watch" 2>&1 &
sleep 0.5
show scale deploy web -n demo --replicas=3
show label deploy web -n demo tier=front
show patch configmap settings -n demo -p '{"data":{"greeting":"hi"}}'
wait
cat "$T/watch"

step "explain (the server's OpenAPI schemas) and autoscale (autoscaling/v1 over v2)"
show explain deployment.spec.strategy.rollingUpdate.maxSurge
show autoscale deploy web -n demo --min=2 --max=5 --cpu-percent=70
show get hpa -n demo

step "RBAC: the admin may, a user nobody bound (impersonated) may not"
show auth can-i list pods -n demo
show auth can-i list pods -n demo --as bob || true
show get pods -n demo --as bob || true

step "validation and cascading delete"
echo '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"bad","namespace":"demo"},"spec":{"containers":[{"name":"c"}]}}' > "$T/bad.json"
show apply -f "$T/bad.json" || true
show delete namespace demo
show get namespaces
