#!/bin/bash
# Authentication and authorization over TLS: the admin kubeconfig, client
# certificates signed by the server's CA (CN user, O groups), static tokens,
# service-account tokens (kubectl create token), anonymous requests, RBAC
# with the default roles and aggregation, kubectl auth can-i, reviews.
. "$(dirname "$0")/lib_kube.sh"

cat >"$T/tokens.csv" <<'EOF'
s3cr3t-alice,alice,1001,"ops,auditors"
# a comment
s3cr3t-carol,carol,1003
EOF
start_server --token-file "$T/tokens.csv" --write-kubeconfig "$T/out/kubeconfig.yaml" \
    --write-kubeconfig-mode 0640 || exit 1
CA="$SERVER_DATA/tls/ca.crt"
URL="https://127.0.0.1:$KUBE_HTTPS"

# as USER-FLAGS... kubectl ARGS: kubectl over TLS as someone else
as() {
    "$KUBECTL" --server "$URL" --certificate-authority "$CA" --cache-dir "$T/kcache-as" "$@"
}

# cert NAME CN [O]: a client certificate signed by the server's CA
cert() {
    local subj="/CN=$2"
    [ -n "${3:-}" ] && subj="$subj/O=$3"
    openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
        -keyout "$T/$1.key" -subj "$subj" -out "$T/$1.csr" 2>/dev/null
    openssl x509 -req -in "$T/$1.csr" -CA "$CA" -CAkey "$SERVER_DATA/tls/ca.key" \
        -CAcreateserial -out "$T/$1.crt" -days 1 2>/dev/null
}

test_admin_kubeconfig_and_files() {
    kc get ns default -o name
    assert_eq "$(stat -c %a "$T/out/kubeconfig.yaml")" 640
    assert_eq "$(stat -c %a "$SERVER_DATA/tls/ca.key")" 600
    assert_contains "$(cat "$T/out/kubeconfig.yaml")" "server: https://127.0.0.1:$KUBE_HTTPS"
    # the serving certificate names localhost and the kubernetes service names
    local sans
    sans=$(openssl x509 -in "$SERVER_DATA/tls/server.crt" -noout -ext subjectAltName)
    assert_contains "$sans" "DNS:localhost"
    assert_contains "$sans" "DNS:kubernetes.default.svc.cluster.local"
    assert_contains "$sans" "IP Address:127.0.0.1"
    # the admin is in system:masters
    openssl x509 -in "$SERVER_DATA/tls/admin.crt" -noout -subject | grep -q "O = system:masters" ||
        fail "admin certificate without system:masters"
}

test_anonymous_is_401_except_public_paths() {
    assert_eq "$(curl -s -o /dev/null -w '%{http_code}' --cacert "$CA" "$URL/api/v1/namespaces")" 401
    assert_eq "$(curl -s --cacert "$CA" "$URL/api/v1/namespaces" | jq -r .reason)" Unauthorized
    assert_eq "$(curl -s -o /dev/null -w '%{http_code}' --cacert "$CA" "$URL/version")" 200
    assert_eq "$(curl -s --cacert "$CA" "$URL/healthz")" ok
    assert_eq "$(curl -s -o /dev/null -w '%{http_code}' --cacert "$CA" "$URL/readyz")" 200
    # service-account issuer discovery: the signing key, public
    assert_eq "$(curl -s --cacert "$CA" "$URL/.well-known/openid-configuration" | jq -r .issuer)" \
        https://kubernetes.default.svc.cluster.local
    assert_eq "$(curl -s --cacert "$CA" "$URL/openid/v1/jwks" | jq -r '.keys[0].alg')" RS256
    assert_eq "$(curl -s -o /dev/null -w '%{http_code}' --cacert "$CA" -H 'Authorization: Bearer nope' "$URL/api")" 401
    local out
    out=$(as get pods 2>&1 </dev/null) && fail "anonymous kubectl listed pods"
    echo "$out"
}

test_unbound_user_is_forbidden() {
    cert bob bob devs
    local out
    out=$(as --client-certificate "$T/bob.crt" --client-key "$T/bob.key" get pods 2>&1) &&
        fail "bob listed pods"
    echo "$out"
    assert_eq "$out" 'Error from server (Forbidden): pods is forbidden: User "bob" cannot list resource "pods" in API group "" in the namespace "default"'
    out=$(as --client-certificate "$T/bob.crt" --client-key "$T/bob.key" get clusterroles 2>&1) &&
        fail "bob listed clusterroles"
    assert_contains "$out" 'cannot list resource "clusterroles" in API group "rbac.authorization.k8s.io" at the cluster scope'
    out=$(as --client-certificate "$T/bob.crt" --client-key "$T/bob.key" -n default get cm kube-root-ca.crt 2>&1) &&
        fail "bob read a config map"
    assert_contains "$out" 'configmaps "kube-root-ca.crt" is forbidden'
    assert_eq "$(as --client-certificate "$T/bob.crt" --client-key "$T/bob.key" auth can-i list pods)" no
    # bound to view in default through his group, bob reads there and only there
    kc create rolebinding devs-view --clusterrole=view --group=devs -n default >/dev/null
    as --client-certificate "$T/bob.crt" --client-key "$T/bob.key" -n default get pods
    assert_eq "$(as --client-certificate "$T/bob.crt" --client-key "$T/bob.key" auth can-i list pods -n default)" yes
    assert_eq "$(as --client-certificate "$T/bob.crt" --client-key "$T/bob.key" auth can-i create pods -n default)" no
    assert_eq "$(as --client-certificate "$T/bob.crt" --client-key "$T/bob.key" auth can-i list pods -n kube-system)" no
    # a certificate from another CA does not get in at all
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$T/evil.key" \
        -subj "/CN=admin/O=system:masters" -out "$T/evil.crt" -days 1 2>/dev/null
    out=$(as --client-certificate "$T/evil.crt" --client-key "$T/evil.key" get ns 2>&1) &&
        fail "a foreign certificate was accepted"
    echo "$out"
}

test_service_account_token_and_can_i() {
    kc create namespace sa >/dev/null
    kc -n sa create serviceaccount robot >/dev/null
    kc -n sa create role pod-reader --verb=get,list,watch --resource=pods >/dev/null
    kc -n sa create rolebinding robot-reads --role=pod-reader --serviceaccount=sa:robot >/dev/null
    local tok out
    tok=$(kc -n sa create token robot --duration=1h)
    [ "$(tr -cd . <<<"$tok")" = .. ] || fail "not a JWT: $tok"
    assert_eq "$(as --token "$tok" -n sa auth can-i list pods)" yes
    assert_eq "$(as --token "$tok" -n sa auth can-i delete pods)" no
    assert_eq "$(as --token "$tok" -n sa auth can-i list secrets)" no
    as --token "$tok" -n sa get pods
    out=$(as --token "$tok" -n sa get secrets 2>&1) && fail "robot listed secrets"
    assert_contains "$out" 'User "system:serviceaccount:sa:robot" cannot list resource "secrets"'
    # the admin asks on the robot's behalf
    assert_eq "$(kc auth can-i list pods -n sa --as=system:serviceaccount:sa:robot)" yes
    assert_eq "$(kc auth can-i list secrets -n sa --as=system:serviceaccount:sa:robot)" no
    # impersonation itself is a permission
    cert eve eve
    out=$(as --client-certificate "$T/eve.crt" --client-key "$T/eve.key" get pods --as=alice 2>&1) &&
        fail "eve impersonated alice"
    assert_contains "$out" 'cannot impersonate resource "users"'
    # TokenReview says who the token is
    out=$(api POST /apis/authentication.k8s.io/v1/tokenreviews \
        "{\"apiVersion\":\"authentication.k8s.io/v1\",\"kind\":\"TokenReview\",\"spec\":{\"token\":\"$tok\"}}" | head -1)
    assert_eq "$(jq -r .status.authenticated <<<"$out")" true
    assert_eq "$(jq -r .status.user.username <<<"$out")" system:serviceaccount:sa:robot
    assert_contains "$(jq -r '.status.user.groups | join(",")' <<<"$out")" "system:serviceaccounts:sa"
    # a token of a deleted service account stops working
    kc -n sa delete serviceaccount robot >/dev/null
    out=$(as --token "$tok" -n sa get pods 2>&1) && fail "token of a deleted account works"
    assert_contains "$out" "Unauthorized"
    # a tampered token does not verify
    out=$(as --token "${tok%?}x" -n sa get pods 2>&1) && fail "tampered token works"
    assert_contains "$out" "Unauthorized"
}

test_static_tokens() {
    local out
    out=$(as --token s3cr3t-alice get ns 2>&1) && fail "alice listed namespaces unbound"
    assert_contains "$out" 'User "alice" cannot list resource "namespaces"'
    kc create clusterrolebinding ops-admin --clusterrole=cluster-admin --group=ops >/dev/null
    as --token s3cr3t-alice get ns default -o name
    out=$(as --token s3cr3t-carol get ns 2>&1) && fail "carol listed namespaces"
    assert_contains "$out" 'User "carol"'
    out=$(as --token wrong get ns 2>&1) && fail "a wrong token worked"
    assert_contains "$out" "Unauthorized"
    # SubjectAccessReview for alice's group
    out=$(api POST /apis/authorization.k8s.io/v1/subjectaccessreviews \
        '{"apiVersion":"authorization.k8s.io/v1","kind":"SubjectAccessReview","spec":{"user":"someone","groups":["ops"],"resourceAttributes":{"verb":"delete","resource":"nodes"}}}' | head -1)
    assert_eq "$(jq -r .status.allowed <<<"$out")" true
}

test_default_roles_and_aggregation() {
    local r
    for r in cluster-admin admin edit view system:discovery system:basic-user system:public-info-viewer; do
        kc get clusterrole "$r" -o name >/dev/null || fail "no clusterrole $r"
    done
    kc get clusterrolebinding system:discovery -o name
    # aggregated roles have their labelled parts' rules
    [ "$(kc get clusterrole view -o json | jq '.rules | length')" -gt 3 ] || fail "view has no rules"
    kc get clusterrole admin -o json | jq -e '.rules[] | select(.resources | index("rolebindings"))' >/dev/null ||
        fail "admin lacks the rolebindings rule"
    cat <<'EOF' | kc apply -f - >/dev/null
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: widgets-view
  labels: {rbac.authorization.k8s.io/aggregate-to-view: "true"}
rules:
- apiGroups: [example.com]
  resources: [widgets]
  verbs: [get, list]
EOF
    wait_for 10 'kc get clusterrole view -o json | jq -e ".rules[] | select(.resources | index(\"widgets\"))"'
    # edit and admin take view's rules too
    wait_for 10 'kc get clusterrole admin -o json | jq -e ".rules[] | select(.resources | index(\"widgets\"))"'
    kc delete clusterrole widgets-view >/dev/null
    wait_for 10 '! kc get clusterrole view -o json | jq -e ".rules[] | select(.resources | index(\"widgets\"))"'
    # any authenticated user may discover and ask can-i
    cert dora dora
    "$KUBECTL" --server "$URL" --certificate-authority "$CA" --cache-dir "$T/kcache-dora" \
        --client-certificate "$T/dora.crt" --client-key "$T/dora.key" api-resources >/dev/null
}

test_rbac_escalation_is_prevented() {
    cert erin erin
    kc create namespace esc >/dev/null
    kc -n esc create rolebinding erin-admin --clusterrole=admin --user=erin >/dev/null
    local out
    # admin of esc may hand out what admin holds there...
    as --client-certificate "$T/erin.crt" --client-key "$T/erin.key" -n esc \
        create rolebinding friends-view --clusterrole=view --user=friend
    # ...but not more
    out=$(as --client-certificate "$T/erin.crt" --client-key "$T/erin.key" -n esc \
        create rolebinding grab --clusterrole=cluster-admin --user=erin 2>&1) &&
        fail "erin bound herself to cluster-admin"
    echo "$out"
    assert_contains "$out" "is attempting to grant RBAC permissions not currently held"
    out=$(as --client-certificate "$T/erin.crt" --client-key "$T/erin.key" -n esc \
        create role nodes-reader --verb=get --resource=nodes 2>&1) &&
        fail "erin granted a role over nodes"
    assert_contains "$out" "not currently held"
    assert_eq "$(api_code GET /apis/rbac.authorization.k8s.io/v1/namespaces/esc/rolebindings/grab)" 404
}

test_whoami_and_rules_reviews() {
    cert fay fay qa
    kc create namespace rev >/dev/null
    kc -n rev create rolebinding qa-view --clusterrole=view --group=qa >/dev/null
    local fay=(--client-certificate "$T/fay.crt" --client-key "$T/fay.key") out
    # kubectl auth whoami: SelfSubjectReview
    out=$(as "${fay[@]}" auth whoami)
    echo "$out"
    assert_contains "$out" "Username    fay"
    assert_contains "$out" "Groups      [qa system:authenticated]"
    assert_eq "$(as --token s3cr3t-alice auth whoami -o jsonpath='{.status.userInfo.groups}')" \
        '["ops","auditors","system:authenticated"]'
    assert_eq "$(kc auth whoami -o jsonpath='{.status.userInfo.username}')" system:admin
    # kubectl auth can-i --list: SelfSubjectRulesReview, per namespace
    out=$(as "${fay[@]}" auth can-i --list -n rev)
    echo "$out"
    grep -Eq '^pods +\[\] +\[\] +\[get list watch\]' <<<"$out" || fail "view's pods rule missing"
    assert_contains "$out" "selfsubjectreviews.authentication.k8s.io"
    out=$(as "${fay[@]}" auth can-i --list -n default)
    grep -Eq '^pods ' <<<"$out" && fail "fay may list pods in default: $out"
    assert_contains "$(kc auth can-i --list)" "*.*"
    # a LocalSubjectAccessReview, created as a kubectl user writes one
    cat >"$T/lsar.yaml" <<'EOF'
apiVersion: authorization.k8s.io/v1
kind: LocalSubjectAccessReview
metadata: {namespace: rev}
spec:
  user: fay
  groups: [qa]
  resourceAttributes: {namespace: rev, verb: list, resource: pods}
EOF
    out=$(kc create -f "$T/lsar.yaml" -o json)
    assert_eq "$(jq -r .status.allowed <<<"$out")" true
    assert_contains "$(jq -r .status.reason <<<"$out")" 'RoleBinding "qa-view/rev"'
    sed -i 's/verb: list/verb: delete/' "$T/lsar.yaml"
    assert_eq "$(kc create -f "$T/lsar.yaml" -o jsonpath='{.status.allowed}')" false
    sed -i 's/{namespace: rev, verb/{namespace: other, verb/' "$T/lsar.yaml"
    out=$(kc create -f "$T/lsar.yaml" 2>&1) && fail "a review of another namespace was answered"
    assert_contains "$out" 'spec.resourceAttributes.namespace: Invalid value: "other": must match metadata.namespace'
    # reviews are never stored: nothing to list
    out=$(kc get localsubjectaccessreviews -n rev 2>&1) && fail "reviews listed: $out"
    echo "$out"
}

test_impersonation_of_groups_and_extras() {
    cert ivy ivy
    kc create clusterrole imp --verb=impersonate --resource=users,groups \
        --resource-name=jane --resource-name=a >/dev/null
    kc create clusterrolebinding ivy-imp --clusterrole=imp --user=ivy >/dev/null
    local ivy=(--client-certificate "$T/ivy.crt" --client-key "$T/ivy.key") out
    # every --as-group arrives (one Impersonate-Group header each)
    out=$(kc auth whoami --as=jane --as-group=a --as-group=b -o json)
    assert_eq "$(jq -c .status.userInfo.groups <<<"$out")" '["a","b","system:authenticated"]'
    out=$(as "${ivy[@]}" auth whoami --as=jane --as-group=a)
    assert_contains "$out" "Groups      [a system:authenticated]"
    # ...and each is checked: ivy may impersonate group a, not b
    out=$(as "${ivy[@]}" get pods --as=jane --as-group=a --as-group=b 2>&1) &&
        fail "ivy impersonated group b: $out"
    echo "$out"
    assert_contains "$out" 'groups "b" is forbidden: User "ivy" cannot impersonate resource "groups"'
    # a group grants what the second group holds
    kc create namespace imp >/dev/null
    kc -n imp create rolebinding b-view --clusterrole=view --group=b >/dev/null
    assert_eq "$(kc auth can-i list pods -n imp --as=jane --as-group=a --as-group=b)" yes
    assert_eq "$(kc auth can-i list pods -n imp --as=jane --as-group=a)" no
    # extras from the kubeconfig (as-user-extra): Impersonate-Extra-<key> headers
    kc config view --raw -o json |
        jq '.users[0].user.as = "jane" | .users[0].user["as-user-extra"] = {"reason": ["audit", "review"]}' \
            >"$T/extra.kubeconfig"
    out=$("$KUBECTL" --kubeconfig "$T/extra.kubeconfig" --cache-dir "$T/kcache-extra" auth whoami -o json)
    assert_eq "$(jq -r .status.userInfo.username <<<"$out")" jane
    assert_eq "$(jq -c .status.userInfo.extra <<<"$out")" '{"reason":["audit","review"]}'
}

t "the admin kubeconfig, certificates and their files" test_admin_kubeconfig_and_files
t "anonymous requests are 401 except /version, /healthz, /readyz" test_anonymous_is_401_except_public_paths
t "an unbound user (CN=bob) is forbidden, with Kubernetes' message" test_unbound_user_is_forbidden
t "service-account token from kubectl create token; auth can-i" test_service_account_token_and_can_i
t "static token file users and groups" test_static_tokens
t "default roles, aggregation, discovery for everyone" test_default_roles_and_aggregation
t "auth whoami, auth can-i --list, LocalSubjectAccessReview" test_whoami_and_rules_reviews
t "impersonation: every --as-group, each authorized; extras" test_impersonation_of_groups_and_extras
t "RBAC escalation is prevented: no granting what one does not hold" test_rbac_escalation_is_prevented
t "the server stops on SIGTERM, nothing in its log" test_server_stops_clean
done_testing
