#!/bin/bash
# kubectl apply (client-side and server-side), re-apply, get in its output
# forms, the create generators (protobuf bodies), and what a bad object
# gets back, against a gantry server over TLS with the admin kubeconfig.
. "$(dirname "$0")/lib_kube.sh"

M="$T/manifests"
mkdir -p "$M"

write_manifests() { # IMAGE REPLICAS
    cat >"$M/app.yaml" <<EOF
apiVersion: v1
kind: Namespace
metadata:
  name: shop
  labels: {team: shop}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: settings, namespace: shop, labels: {app: web}}
data: {mode: fast}
---
apiVersion: v1
kind: Secret
metadata: {name: creds, namespace: shop}
stringData: {password: hunter2}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: builder, namespace: shop}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: reader, namespace: shop}
rules:
- apiGroups: [""]
  resources: [pods, configmaps]
  verbs: [get, list, watch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: builder-reads, namespace: shop}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: reader}
subjects:
- {kind: ServiceAccount, name: builder, namespace: shop}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop, labels: {app: web, tier: front}}
spec:
  replicas: $2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: nginx
        image: $1
        ports: [{containerPort: 80}]
        env: [{name: MODE, value: fast}]
      - name: sidecar
        image: busybox
        command: [sleep, infinity]
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop, labels: {app: web}}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 80}]
---
apiVersion: batch/v1
kind: Job
metadata: {name: migrate, namespace: shop}
spec:
  template:
    spec:
      restartPolicy: Never
      containers: [{name: migrate, image: busybox, command: ["true"]}]
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: nightly, namespace: shop}
spec:
  schedule: "0 3 * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          containers: [{name: nightly, image: busybox, command: ["true"]}]
EOF
}

# What people write by hand, one of each kind with the fields they use
# most; applied twice, the second apply must find nothing to change
# (every default the server adds is one Kubernetes adds too, and none
# lands inside a list kubectl replaces as a whole).
write_typical() {
    cat >"$M/typical.yaml" <<'EOF'
apiVersion: v1
kind: Namespace
metadata:
  name: typical
---
apiVersion: v1
kind: ConfigMap
metadata: {name: app-config, namespace: typical}
data:
  app.properties: |
    mode=fast
  LOG_LEVEL: info
---
apiVersion: v1
kind: Secret
metadata: {name: app-secret, namespace: typical}
type: Opaque
data:
  password: aHVudGVyMg==
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: app, namespace: typical}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: app-reader, namespace: typical}
rules:
- apiGroups: [""]
  resources: [configmaps, secrets]
  verbs: [get, list, watch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: app-reader, namespace: typical}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: app-reader}
subjects:
- kind: ServiceAccount
  name: app
  namespace: typical
- kind: User
  name: jane
  apiGroup: rbac.authorization.k8s.io
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: typical-node-reader}
rules:
- apiGroups: [""]
  resources: [nodes]
  verbs: [get, list]
- nonResourceURLs: ["/metrics"]
  verbs: [get]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: typical-node-reader}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: typical-node-reader}
subjects:
- kind: ServiceAccount
  name: app
  namespace: typical
- kind: Group
  name: ops
  apiGroup: rbac.authorization.k8s.io
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: typical
  labels: {app: web}
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  strategy:
    type: RollingUpdate
    rollingUpdate: {maxSurge: 1, maxUnavailable: 0}
  template:
    metadata:
      labels: {app: web}
      annotations: {prometheus.io/scrape: "true"}
    spec:
      serviceAccountName: app
      securityContext:
        runAsNonRoot: true
        runAsUser: 1000
        fsGroup: 2000
        seccompProfile: {type: RuntimeDefault}
      initContainers:
      - name: init
        image: busybox:1.36
        command: [sh, -c, "echo init"]
      containers:
      - name: web
        image: nginx:1.27
        imagePullPolicy: IfNotPresent
        args: ["--port", "8080"]
        ports:
        - name: http
          containerPort: 8080
        - name: metrics
          containerPort: 9090
          protocol: TCP
        env:
        - name: MODE
          value: fast
        - name: POD_NAME
          valueFrom:
            fieldRef: {fieldPath: metadata.name}
        - name: PASSWORD
          valueFrom:
            secretKeyRef: {name: app-secret, key: password}
        envFrom:
        - configMapRef: {name: app-config}
        resources:
          requests: {cpu: 100m, memory: 128Mi}
          limits: {cpu: 500m, memory: 256Mi}
        livenessProbe:
          httpGet: {path: /healthz, port: http}
          initialDelaySeconds: 5
        readinessProbe:
          tcpSocket: {port: 8080}
        securityContext:
          allowPrivilegeEscalation: false
          readOnlyRootFilesystem: true
          capabilities: {drop: [ALL]}
        volumeMounts:
        - {name: config, mountPath: /etc/app, readOnly: true}
        - {name: cache, mountPath: /cache}
        - {name: secret, mountPath: /etc/secret}
      volumes:
      - name: config
        configMap: {name: app-config}
      - name: cache
        emptyDir: {sizeLimit: 1Gi}
      - name: secret
        secret: {secretName: app-secret, items: [{key: password, path: pw}]}
      nodeSelector: {kubernetes.io/os: linux}
      tolerations:
      - {key: dedicated, operator: Equal, value: web, effect: NoSchedule}
      affinity:
        podAntiAffinity:
          preferredDuringSchedulingIgnoredDuringExecution:
          - weight: 100
            podAffinityTerm:
              labelSelector: {matchLabels: {app: web}}
              topologyKey: kubernetes.io/hostname
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: typical}
spec:
  selector: {app: web}
  ports:
  - {name: http, port: 80, targetPort: http}
  - {name: metrics, port: 9090}
---
apiVersion: v1
kind: Service
metadata: {name: web-np, namespace: typical}
spec:
  type: NodePort
  selector: {app: web}
  ports:
  - {port: 80, targetPort: 8080, nodePort: 30080}
---
apiVersion: v1
kind: Service
metadata: {name: db, namespace: typical}
spec:
  clusterIP: None
  selector: {app: db}
  ports:
  - {name: pg, port: 5432}
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent, namespace: typical}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec:
      hostNetwork: true
      containers:
      - name: agent
        image: busybox:1.36
        command: [sleep, infinity]
        volumeMounts: [{name: logs, mountPath: /var/log}]
      volumes:
      - name: logs
        hostPath: {path: /var/log}
---
apiVersion: batch/v1
kind: Job
metadata: {name: migrate, namespace: typical}
spec:
  backoffLimit: 2
  ttlSecondsAfterFinished: 600
  template:
    spec:
      restartPolicy: Never
      containers:
      - name: migrate
        image: busybox:1.36
        command: ["sh", "-c", "echo migrate"]
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: nightly, namespace: typical}
spec:
  schedule: "0 3 * * *"
  concurrencyPolicy: Forbid
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          containers:
          - name: backup
            image: busybox:1.36
            command: ["sh", "-c", "echo backup"]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web
  namespace: typical
  annotations: {nginx.ingress.kubernetes.io/rewrite-target: /}
spec:
  ingressClassName: nginx
  tls:
  - hosts: [web.example.com]
    secretName: web-tls
  rules:
  - host: web.example.com
    http:
      paths:
      - path: /
        pathType: Prefix
        backend:
          service:
            name: web
            port: {number: 80}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web-allow, namespace: typical}
spec:
  podSelector: {matchLabels: {app: web}}
  policyTypes: [Ingress]
  ingress:
  - from:
    - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: typical}}
    - podSelector: {matchLabels: {role: frontend}}
    ports:
    - {protocol: TCP, port: 8080}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data, namespace: typical}
spec:
  accessModes: [ReadWriteOnce]
  resources:
    requests: {storage: 1Gi}
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: web, namespace: typical}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  minReplicas: 2
  maxReplicas: 10
  metrics:
  - type: Resource
    resource:
      name: cpu
      target: {type: Utilization, averageUtilization: 70}
---
apiVersion: v1
kind: Pod
metadata: {name: debug, namespace: typical, labels: {app: debug}}
spec:
  containers:
  - name: debug
    image: busybox:1.36
    command: [sleep, "3600"]
    resources:
      limits: {cpu: 200m, memory: 64Mi}
---
apiVersion: v1
kind: LimitRange
metadata: {name: defaults, namespace: typical}
spec:
  limits:
  - type: Container
    default: {cpu: 300m, memory: 256Mi}
    defaultRequest: {cpu: 100m, memory: 128Mi}
---
apiVersion: v1
kind: ResourceQuota
metadata: {name: quota, namespace: typical}
spec:
  hard: {pods: "50", requests.cpu: "10", requests.memory: 20Gi}
EOF
    # a StatefulSet's containers mount the volumes of its claim templates
    cat >"$M/sts.yaml" <<'EOF'
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, namespace: typical}
spec:
  serviceName: db
  replicas: 1
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      containers:
      - name: pg
        image: postgres:16
        ports: [{containerPort: 5432, name: pg}]
        volumeMounts: [{name: data, mountPath: /var/lib/postgresql/data}]
  volumeClaimTemplates:
  - metadata: {name: data}
    spec:
      accessModes: [ReadWriteOnce]
      resources:
        requests: {storage: 10Gi}
EOF
}

test_typical_manifests_reapply_unchanged() {
    write_typical
    local out n
    out=$(kc apply -f "$M/typical.yaml")
    echo "$out"
    n=$(grep -c '^---' "$M/typical.yaml")
    n=$((n + 1))
    assert_eq "$(grep -c ' created$' <<<"$out")" "$n" "objects created"
    out=$(kc apply -f "$M/typical.yaml")
    echo "$out"
    assert_eq "$(grep -c ' unchanged$' <<<"$out")" "$n" "objects unchanged on the second apply"
    # kubectl diff (a server-side dry run of the same patch) shows nothing
    out=$(kc diff -f "$M/typical.yaml") || fail "kubectl diff found differences: $out"
    assert_eq "$out" ""
    # the defaults are there, where Kubernetes puts them
    assert_eq "$(kc -n typical get rolebinding app-reader -o jsonpath='{.subjects[0]}')" \
        '{"kind":"ServiceAccount","name":"app","namespace":"typical"}'
    assert_eq "$(kc -n typical get rolebinding app-reader -o jsonpath='{.subjects[1].apiGroup}')" \
        rbac.authorization.k8s.io
    assert_eq "$(kc -n typical get deploy web -o jsonpath='{.spec.template.spec.containers[0].terminationMessagePolicy}')" File
    out=$(kc apply -f "$M/sts.yaml")
    assert_contains "$out" "statefulset.apps/db created"
    out=$(kc diff -f "$M/sts.yaml") || fail "kubectl diff found differences: $out"
    # a change shows in kubectl diff (the dry run answers what it would
    # store), and nothing is stored
    sed 's/image: nginx:1.27/image: nginx:1.28/; s/LOG_LEVEL: info/LOG_LEVEL: debug/' \
        "$M/typical.yaml" >"$M/typical2.yaml"
    out=$(kc diff -f "$M/typical2.yaml") && fail "kubectl diff found no difference"
    echo "$out"
    assert_contains "$out" "-        image: nginx:1.27"
    assert_contains "$out" "+        image: nginx:1.28"
    assert_contains "$out" "+  LOG_LEVEL: debug"
    assert_eq "$(grep -c '^+++ ' <<<"$out")" 2 "objects with differences"
    assert_eq "$(kc -n typical get deploy web -o jsonpath='{.spec.template.spec.containers[0].image}')" nginx:1.27
    out=$(kc diff --server-side --force-conflicts -f "$M/typical2.yaml") && fail "server-side diff found nothing"
    assert_contains "$out" "+        image: nginx:1.28"
}

# kubectl validates on the server (fieldValidation=Strict unless told
# otherwise): a misspelt field anywhere is refused, naming it
test_unknown_fields_anywhere() {
    kc create namespace strict >/dev/null
    cat >"$M/typo-deploy.yaml" <<'EOF'
apiVersion: apps/v1
kind: Deployment
metadata: {name: typo, namespace: strict}
spec:
  selector: {matchLabels: {app: typo}}
  template:
    metadata: {labels: {app: typo}}
    spec:
      containers:
      - name: web
        image: nginx
        imagePullPolcy: Always
        ports: [{containerPort: 80, protcol: TCP}]
EOF
    local out
    out=$(kc apply -f "$M/typo-deploy.yaml" 2>&1) && fail "apply accepted unknown fields: $out"
    echo "$out"
    assert_contains "$out" 'Deployment in version "v1" cannot be handled as a Deployment: strict decoding error:'
    assert_contains "$out" 'unknown field "spec.template.spec.containers[0].imagePullPolcy"'
    assert_contains "$out" 'unknown field "spec.template.spec.containers[0].ports[0].protcol"'
    assert_eq "$(api_code GET /apis/apps/v1/namespaces/strict/deployments/typo)" 404
    out=$(kc create -f "$M/typo-deploy.yaml" 2>&1) && fail "create accepted unknown fields: $out"
    assert_contains "$out" 'unknown field "spec.template.spec.containers[0].imagePullPolcy"'
    # --validate=warn: stored, with a warning per field
    out=$(kc apply --validate=warn -f "$M/typo-deploy.yaml" 2>&1)
    echo "$out"
    assert_contains "$out" 'Warning: unknown field "spec.template.spec.containers[0].imagePullPolcy"'
    assert_contains "$out" "deployment.apps/typo created"
    # a typo added to an existing object: the patch is refused, the path
    # is the object's (the second container), not the patch's
    cat >"$M/two.yaml" <<'EOF'
apiVersion: apps/v1
kind: Deployment
metadata: {name: two, namespace: strict}
spec:
  selector: {matchLabels: {app: two}}
  template:
    metadata: {labels: {app: two}}
    spec:
      containers:
      - {name: a, image: busybox}
      - {name: b, image: busybox}
      volumes:
      - name: cfg
        configMap: {name: cfg}
EOF
    kc apply -f "$M/two.yaml" >/dev/null
    sed -i 's/- {name: b, image: busybox}/- {name: b, image: busybox, workDir: \/tmp}/' "$M/two.yaml"
    out=$(kc apply -f "$M/two.yaml" 2>&1) && fail "apply of a typo accepted: $out"
    echo "$out"
    assert_contains "$out" 'error when patching'
    assert_contains "$out" 'strict decoding error: unknown field "spec.template.spec.containers[1].workDir"'
    [ "$(kc -n strict get deploy two -o jsonpath='{.metadata.generation}')" = 1 ] ||
        fail "the refused patch changed the object"
    # server-side apply, replace and edit-like patches are checked too
    out=$(kc apply --server-side -f "$M/two.yaml" 2>&1) && fail "server-side apply accepted a typo"
    assert_contains "$out" 'unknown field "spec.template.spec.containers[1].workDir"'
    sed -i 's/workDir: \/tmp}/workingDir: \/tmp}/; s/configMap: {name: cfg}/configMap: {name: cfg, defaultMod: 420}/' "$M/two.yaml"
    out=$(kc replace -f "$M/two.yaml" 2>&1) && fail "replace accepted a typo"
    assert_contains "$out" 'unknown field "spec.template.spec.volumes[0].configMap.defaultMod"'
    # kubectl patch asks for nothing: the server's default, Warn
    out=$(kc -n strict patch deploy two --type=merge \
        -p '{"spec":{"strategy":{"rollingUpdate":{"maxSurg":1}}}}' 2>&1)
    assert_contains "$out" 'Warning: unknown field "spec.strategy.rollingUpdate.maxSurg"'
    out=$(api PATCH '/apis/apps/v1/namespaces/strict/deployments/two?fieldValidation=Strict' \
        '{"spec":{"paused":true,"template":{"spec":{"hostname":"h","hostnme":"h"}}}}' \
        application/strategic-merge-patch+json)
    assert_eq "$(tail -1 <<<"$out")" 400
    # (the field the warned patch stored is not reported again)
    assert_eq "$(head -1 <<<"$out" | jq -r .message)" \
        'strict decoding error: unknown field "spec.template.spec.hostnme"'
    # the raw API: Warn (the default without ?fieldValidation) answers
    # with Warning headers and stores
    out=$(curl -s -D - -o /dev/null -X POST -H 'Content-Type: application/json' \
        --data-binary '{"apiVersion":"v1","kind":"Service","metadata":{"name":"w"},"spec":{"ports":[{"port":80,"targetPrt":8080}]}}' \
        "http://127.0.0.1:$KUBE_HTTP/api/v1/namespaces/strict/services")
    assert_contains "$out" 'Warning: 299 - "unknown field \"spec.ports[0].targetPrt\""'
    assert_contains "$out" "201"
}

# kubectl apply --prune visits every kind of its default list, the
# ReplicationControllers among them
test_apply_prune() {
    kc create namespace prune >/dev/null
    cat >"$M/prune.yaml" <<'EOF'
apiVersion: v1
kind: ConfigMap
metadata: {name: keep, namespace: prune, labels: {set: s1}}
data: {x: "1"}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: drop, namespace: prune, labels: {set: s1}}
data: {x: "1"}
---
apiVersion: v1
kind: ReplicationController
metadata: {name: legacy, namespace: prune, labels: {set: s1}}
spec:
  replicas: 2
  template:
    metadata: {labels: {app: legacy}}
    spec:
      containers: [{name: c, image: busybox}]
EOF
    kc apply -f "$M/prune.yaml" >/dev/null
    local out
    out=$(kc -n prune get rc -o wide)
    echo "$out"
    assert_contains "$out" "app=legacy"
    kc -n prune scale rc legacy --replicas=3 >/dev/null
    assert_eq "$(kc -n prune get rc legacy -o jsonpath='{.spec.replicas} {.spec.selector.app}')" "3 legacy"
    head -5 "$M/prune.yaml" >"$M/prune-keep.yaml"
    out=$(kc apply --prune -l set=s1 -n prune -f "$M/prune-keep.yaml" 2>&1)
    echo "$out"
    assert_contains "$out" "configmap/keep unchanged"
    assert_contains "$out" "configmap/drop pruned"
    assert_contains "$out" "replicationcontroller/legacy pruned"
    assert_eq "$(kc -n prune get cm,rc -l set=s1 -o name)" "configmap/keep"
}

# what charts carry next to their workloads: disruption budgets and
# priority classes, and pods that name a class
test_disruption_budgets_and_priority_classes() {
    kc create namespace sched >/dev/null
    local out
    out=$(kc -n sched create pdb web-pdb --selector=app=web --min-available=50%)
    assert_contains "$out" "poddisruptionbudget.policy/web-pdb created"
    cat >"$M/pdb.yaml" <<'EOF'
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: db-pdb, namespace: sched}
spec:
  maxUnavailable: 1
  selector: {matchLabels: {app: db}}
---
apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata: {name: batch-low}
value: 100
description: batch jobs
preemptionPolicy: Never
EOF
    kc apply -f "$M/pdb.yaml" >/dev/null
    # (a budget is "configured" on every apply, as with Kubernetes: its
    # selector's patch strategy is replace, and kubectl always sends those)
    assert_contains "$(kc apply -f "$M/pdb.yaml")" "priorityclass.scheduling.k8s.io/batch-low unchanged"
    out=$(kc -n sched get pdb)
    echo "$out"
    grep -Eq '^web-pdb +50% +N/A +0 ' <<<"$out" || fail "web-pdb row"
    grep -Eq '^db-pdb +N/A +1 +0 ' <<<"$out" || fail "db-pdb row"
    out=$(kc -n sched create pdb both --selector=app=x --min-available=1 --max-unavailable=1 2>&1) &&
        fail "a budget with both bounds was accepted"
    echo "$out"
    kc create priorityclass web-high --value=1000 --description="front ends" >/dev/null
    out=$(kc get priorityclasses)
    echo "$out"
    grep -Eq '^system-node-critical +2000001000 +false ' <<<"$out" || fail "system-node-critical missing"
    grep -Eq '^batch-low +100 +false .* Never$' <<<"$out" || fail "batch-low row"
    out=$(kc create priorityclass system-mine --value=1 2>&1) && fail "a system- name was accepted"
    assert_contains "$out" "priority class names with 'system-' prefix are reserved"
    # pods take their priority from their class
    kc -n sched run p1 --image=busybox --restart=Never --overrides='{"spec":{"priorityClassName":"web-high"}}' >/dev/null
    assert_eq "$(kc -n sched get pod p1 -o jsonpath='{.spec.priority}/{.spec.preemptionPolicy}')" 1000/PreemptLowerPriority
    kc -n sched run p2 --image=busybox --restart=Never >/dev/null
    assert_eq "$(kc -n sched get pod p2 -o jsonpath='{.spec.priority}')" 0
    out=$(kc -n sched run p3 --image=busybox --restart=Never --overrides='{"spec":{"priorityClassName":"nope"}}' 2>&1) &&
        fail "a pod with an unknown class was created"
    assert_contains "$out" 'pods "p3" is forbidden: no PriorityClass with name nope was found'
}

start_server || exit 1

test_apply_creates_and_reapply_is_unchanged() {
    write_manifests nginx:1.27 2
    local out
    out=$(kc apply -f "$M/app.yaml")
    echo "$out"
    assert_contains "$out" "namespace/shop created"
    assert_contains "$out" "deployment.apps/web created"
    assert_contains "$out" "cronjob.batch/nightly created"
    assert_contains "$out" "rolebinding.rbac.authorization.k8s.io/builder-reads created"
    out=$(kc apply -f "$M/app.yaml")
    echo "$out"
    # (a Secret written with stringData is "configured" on every apply, as
    # with Kubernetes: kubectl's three-way diff never finds stringData back)
    local kind
    for kind in namespace/shop configmap/settings serviceaccount/builder \
        role.rbac.authorization.k8s.io/reader rolebinding.rbac.authorization.k8s.io/builder-reads \
        deployment.apps/web service/web job.batch/migrate cronjob.batch/nightly; do
        assert_contains "$out" "$kind unchanged"
    done
    # a change of image is a strategic merge of the one container: ports,
    # env and the other container stay
    write_manifests nginx:1.28 2
    out=$(kc apply -f "$M/app.yaml")
    assert_contains "$out" "deployment.apps/web configured"
    assert_eq "$(kc -n shop get deploy web -o jsonpath='{.spec.template.spec.containers[0].image}')" nginx:1.28
    assert_eq "$(kc -n shop get deploy web -o jsonpath='{.spec.template.spec.containers[0].ports[0].containerPort}')" 80
    assert_eq "$(kc -n shop get deploy web -o jsonpath='{.spec.template.spec.containers[1].name}')" sidecar
    assert_eq "$(kc -n shop get deploy web -o jsonpath='{.metadata.generation}')" 2
    # the secret's stringData became base64 data
    assert_eq "$(kc -n shop get secret creds -o jsonpath='{.data.password}' | base64 -d)" hunter2
    # the service got a cluster IP from the service CIDR
    [[ "$(kc -n shop get svc web -o jsonpath='{.spec.clusterIP}')" == 10.43.* ]] ||
        fail "no cluster IP"
}

test_server_side_apply() {
    write_manifests nginx:1.28 2
    local out
    out=$(kc apply --server-side --force-conflicts -f "$M/app.yaml")
    echo "$out"
    assert_contains "$out" "deployment.apps/web serverside-applied"
    # a second manager changing replicas conflicts, then takes it with force
    sed 's/replicas: 2/replicas: 5/' "$M/app.yaml" >"$M/app5.yaml"
    out=$(kc apply --server-side --field-manager=other -f "$M/app5.yaml" 2>&1) &&
        fail "conflicting apply succeeded: $out"
    assert_contains "$out" "conflict"
    assert_contains "$out" ".spec.replicas"
    kc apply --server-side --field-manager=other --force-conflicts -f "$M/app5.yaml" >/dev/null
    assert_eq "$(kc -n shop get deploy web -o jsonpath='{.spec.replicas}')" 5
    # apply creates what does not exist
    cat >"$M/ssa.yaml" <<'EOF'
apiVersion: v1
kind: ConfigMap
metadata: {name: ssa-made, namespace: shop}
data: {a: "1"}
EOF
    out=$(kc apply --server-side -f "$M/ssa.yaml")
    assert_contains "$out" "configmap/ssa-made serverside-applied"
    assert_eq "$(kc -n shop get cm ssa-made -o jsonpath='{.data.a}')" 1
    out=$(kc -n shop get cm ssa-made -o json --show-managed-fields)
    assert_contains "$out" '"manager": "kubectl"'
    assert_contains "$out" '"operation": "Apply"'
}

test_get_output_forms() {
    local out
    out=$(kc -n shop get deploy -o wide)
    echo "$out"
    assert_contains "$out" "CONTAINERS"
    assert_contains "$out" "nginx,sidecar"
    assert_contains "$out" "app=web"
    out=$(kc -n shop get deploy web -o json)
    assert_eq "$(jq -r .kind <<<"$out")" Deployment
    assert_eq "$(jq -r .metadata.namespace <<<"$out")" shop
    [ -n "$(jq -r .metadata.uid <<<"$out")" ] || fail "no uid"
    out=$(kc -n shop get cm settings -o yaml)
    assert_contains "$out" "mode: fast"
    assert_contains "$out" "resourceVersion:"
    # label selectors and field selectors
    out=$(kc -n shop get cm,deploy,svc -l app=web -o name)
    echo "$out"
    assert_contains "$out" "configmap/settings"
    assert_contains "$out" "deployment.apps/web"
    assert_contains "$out" "service/web"
    out=$(kc -n shop get cm -l 'app!=web' -o name)
    case "$out" in *settings*) fail "app!=web matched settings" ;; esac
    out=$(kc get ns --field-selector metadata.name=shop -o name)
    assert_eq "$out" "namespace/shop"
    out=$(kc get cm -A --field-selector metadata.namespace=shop,metadata.name=settings -o name)
    assert_eq "$out" "configmap/settings"
    out=$(kc get pods --field-selector status.phase=Running 2>&1)
    assert_contains "$out" "No resources found"
    out=$(kc get pods --field-selector spec.nope=x 2>&1) && fail "unknown field selector accepted"
    assert_contains "$out" "field label not supported: spec.nope"
    # all -A, with the server's table (the AGE column is the server's)
    out=$(kc get all -A)
    assert_contains "$out" "service/kubernetes"
    assert_contains "$out" "cronjob.batch/nightly"
    # paging: kubectl asks for limit=500; smaller pages through the API
    local page
    page=$(api GET "/api/v1/namespaces?limit=2" | head -1)
    assert_eq "$(jq '.items | length' <<<"$page")" 2
    local cont
    cont=$(jq -r .metadata.continue <<<"$page")
    [ -n "$cont" ] && [ "$cont" != null ] || fail "no continue token"
    page=$(api GET "/api/v1/namespaces?limit=2&continue=$cont" | head -1)
    assert_eq "$(jq '.items | length' <<<"$page")" 2
}

test_create_generators_send_protobuf() {
    local out
    out=$(kc create namespace gen -v=8 2>&1)
    assert_contains "$out" "application/vnd.kubernetes.protobuf"
    assert_contains "$out" "namespace/gen created"
    kc -n gen create secret generic s1 --from-literal=user=admin --from-literal=pw=x
    kc -n gen create configmap c1 --from-literal=a=1 --from-literal=b=2
    kc -n gen create deployment d1 --image=nginx --replicas=3
    kc -n gen create serviceaccount sa1
    assert_eq "$(kc -n gen get secret s1 -o jsonpath='{.data.user}' | base64 -d)" admin
    assert_eq "$(kc -n gen get cm c1 -o jsonpath='{.data.b}')" 2
    assert_eq "$(kc -n gen get deploy d1 -o jsonpath='{.spec.replicas}')" 3
    assert_eq "$(kc get ns gen -o jsonpath='{.status.phase}')" Active
    # the namespace's default service account and root CA come by themselves
    wait_for 5 'kc -n gen get sa default'
    wait_for 5 'kc -n gen get cm kube-root-ca.crt'
}

test_invalid_object_is_422_and_not_stored() {
    cat >"$M/bad.yaml" <<'EOF'
apiVersion: v1
kind: Pod
metadata: {name: bad-pod, namespace: shop}
spec:
  containers:
  - name: c
EOF
    local out
    out=$(kc apply -f "$M/bad.yaml" 2>&1) && fail "invalid pod accepted"
    echo "$out"
    assert_contains "$out" 'The Pod "bad-pod" is invalid'
    assert_contains "$out" "spec.containers[0].image: Required value"
    out=$(kc -n shop get pod bad-pod 2>&1) && fail "invalid pod stored"
    assert_contains "$out" 'pods "bad-pod" not found'
    # the raw answer: 422, reason Invalid, one cause per field
    out=$(api POST /api/v1/namespaces/shop/configmaps \
        '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"Bad_Name","labels":{"a b":"c"}}}')
    assert_eq "$(tail -1 <<<"$out")" 422
    assert_eq "$(head -1 <<<"$out" | jq -r .reason)" Invalid
    assert_contains "$(head -1 <<<"$out" | jq -r '.details.causes[].field' | tr '\n' ' ')" "metadata.name"
    assert_contains "$(head -1 <<<"$out" | jq -r '.details.causes[].field' | tr '\n' ' ')" "metadata.labels"
    assert_eq "$(api_code GET /api/v1/namespaces/shop/configmaps/Bad_Name)" 404
    # a duplicate
    out=$(kc -n shop create cm settings 2>&1) && fail "duplicate created"
    assert_contains "$out" 'configmaps "settings" already exists'
    # a missing namespace
    out=$(kc -n nowhere create cm x 2>&1) && fail "created in a missing namespace"
    assert_contains "$out" 'namespaces "nowhere" not found'
}

test_bad_requests_are_4xx_and_store_nothing() {
    local out before after
    before=$(api GET /api/v1/namespaces/shop/configmaps | head -1 | jq '.items | length')
    out=$(api POST /api/v1/namespaces/shop/configmaps '{"apiVersion":"v1","kind":"ConfigMap",')
    assert_eq "$(tail -1 <<<"$out")" 400
    assert_contains "$(head -1 <<<"$out")" "couldn't parse JSON"
    # unknown fields: Strict refuses with the field's path, Warn warns
    out=$(api POST '/api/v1/namespaces/shop/configmaps?fieldValidation=Strict' \
        '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"strict1","labelz":{}},"dta":{}}')
    assert_eq "$(tail -1 <<<"$out")" 400
    assert_contains "$(head -1 <<<"$out")" 'unknown field \"dta\"'
    assert_contains "$(head -1 <<<"$out")" 'unknown field \"metadata.labelz\"'
    out=$(api POST '/api/v1/namespaces/shop/configmaps?fieldValidation=Strict' \
        '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"strict2","name":"again"}}')
    assert_eq "$(tail -1 <<<"$out")" 400
    assert_contains "$(head -1 <<<"$out")" "duplicate"
    cat >"$M/typo.yaml" <<'EOF'
apiVersion: v1
kind: ConfigMap
metadata: {name: typo, namespace: shop}
dat: {a: b}
EOF
    out=$(kc apply -f "$M/typo.yaml" 2>&1) && fail "kubectl apply accepted an unknown field"
    assert_contains "$out" 'unknown field "dat"'
    # oversized: over 3 MiB
    head -c 4000000 /dev/zero | tr '\0' a >"$T/big"
    out=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
        --data-binary @"$T/big" "http://127.0.0.1:$KUBE_HTTP/api/v1/namespaces/shop/configmaps")
    assert_eq "$out" 413
    # wrong kind for the URL, namespace mismatch, unknown resource, bad protobuf
    out=$(api POST /api/v1/namespaces/shop/configmaps '{"apiVersion":"v1","kind":"Secret","metadata":{"name":"k"}}')
    assert_eq "$(tail -1 <<<"$out")" 400
    out=$(api POST /api/v1/namespaces/shop/configmaps '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"k","namespace":"other"}}')
    assert_eq "$(tail -1 <<<"$out")" 400
    assert_contains "$(head -1 <<<"$out")" "does not match the namespace"
    assert_eq "$(api_code GET /api/v1/namespaces/shop/widgets)" 404
    out=$(printf 'k8s\0\x0a\x02\x0a' | curl -s -w '\n%{http_code}\n' -X POST \
        -H 'Content-Type: application/vnd.kubernetes.protobuf' --data-binary @- \
        "http://127.0.0.1:$KUBE_HTTP/api/v1/namespaces/shop/configmaps")
    assert_eq "$(tail -1 <<<"$out")" 400
    after=$(api GET /api/v1/namespaces/shop/configmaps | head -1 | jq '.items | length')
    assert_eq "$after" "$before" "configmaps in shop"
}

test_discovery_and_version() {
    local out
    out=$(curl -s "http://127.0.0.1:$KUBE_HTTP/version")
    assert_eq "$(jq -r .minor <<<"$out")" 32
    out=$(kc version -o json)
    assert_eq "$(jq -r .serverVersion.minor <<<"$out")" 32
    out=$(kc api-resources)
    assert_contains "$out" "deployments"
    assert_contains "$out" "deploy"
    out=$(curl -s -D - -o /dev/null -H 'Accept: application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList' "http://127.0.0.1:$KUBE_HTTP/apis")
    assert_contains "$out" "as=APIGroupDiscoveryList"
    assert_eq "$(api GET /apis/apps/v1 | head -1 | jq -r .groupVersion)" apps/v1
    out=$(api GET /openapi/v3 | head -1)
    assert_contains "$out" "apis/apps/v1"
}

t "apply creates the set; re-apply is unchanged; a change merges" test_apply_creates_and_reapply_is_unchanged
t "typical manifests: the second apply is unchanged, diff is empty" test_typical_manifests_reapply_unchanged
t "server-side apply: conflicts, force, create" test_server_side_apply
t "get -o wide/json/yaml/name, label and field selectors, paging" test_get_output_forms
t "create generators (protobuf bodies)" test_create_generators_send_protobuf
t "an invalid object is 422 with causes and is not stored" test_invalid_object_is_422_and_not_stored
t "bad requests are 4xx naming the problem, nothing stored" test_bad_requests_are_4xx_and_store_nothing
t "unknown fields anywhere: Strict refuses naming them, Warn warns" test_unknown_fields_anywhere
t "apply --prune (ReplicationControllers among the kinds)" test_apply_prune
t "disruption budgets, priority classes, pods' priority" test_disruption_budgets_and_priority_classes
t "version, discovery, openapi" test_discovery_and_version
t "the server stops on SIGTERM, nothing in its log" test_server_stops_clean
done_testing
