/* Protobuf schemas of the kinds kubectl sends as protobuf, written by hand
 * from k8s.io/api's generated.proto (field numbers) and types.go (JSON
 * names; PF_KEEP where the Go field is a pointer or has no omitempty).
 * Only the fields these commands can set are listed, plus the common ones
 * around them; unknown fields are skipped by the decoder. */
#include "kube/proto_internal.h"

#include <stddef.h>

#define END { 0 }
#define S(n, name) { n, name, PT_STRING, 0, NULL }
#define SK(n, name) { n, name, PT_STRING, PF_KEEP, NULL }
#define SR(n, name) { n, name, PT_STRING, PF_REP, NULL }
#define I32(n, name) { n, name, PT_INT32, 0, NULL }
#define I32K(n, name) { n, name, PT_INT32, PF_KEEP, NULL }
#define I64(n, name) { n, name, PT_INT64, 0, NULL }
#define I64K(n, name) { n, name, PT_INT64, PF_KEEP, NULL }
#define B(n, name) { n, name, PT_BOOL, 0, NULL }
#define BK(n, name) { n, name, PT_BOOL, PF_KEEP, NULL }
#define M(n, name, msg) { n, name, PT_MSG, 0, &msg }
#define MR(n, name, msg) { n, name, PT_MSG, PF_REP, &msg }
#define INL(n, msg) { n, "", PT_MSG, PF_INLINE, &msg }
#define MAPS(n, name) { n, name, PT_MAP_SS, 0, NULL }
#define MAPB(n, name) { n, name, PT_MAP_SB, 0, NULL }
#define MAPQ(n, name) { n, name, PT_MAP_SQ, 0, NULL }
#define Q(n, name) { n, name, PT_QUANTITY, 0, NULL }
#define IS(n, name) { n, name, PT_INTSTR, 0, NULL }
#define T(n, name) { n, name, PT_TIME, 0, NULL }
#define TK(n, name) { n, name, PT_TIME, PF_KEEP, NULL }
#define MSG(id, ...) \
    static const struct gt_pfield id##_f[] = { __VA_ARGS__, END }; \
    static const struct gt_pmsg id = { #id, id##_f }

/* ---- meta/v1 ---- */

MSG(OwnerReference, SK(5, "apiVersion"), SK(1, "kind"), SK(3, "name"), SK(4, "uid"),
    BK(6, "controller"), BK(7, "blockOwnerDeletion"));
MSG(ManagedFieldsEntry, S(1, "manager"), S(2, "operation"), S(3, "apiVersion"), TK(4, "time"),
    S(6, "fieldsType"), { 7, "fieldsV1", PT_RAWJSON, 0, NULL }, S(8, "subresource"));
MSG(ObjectMeta, S(1, "name"), S(2, "generateName"), S(3, "namespace"), S(4, "selfLink"),
    S(5, "uid"), S(6, "resourceVersion"), I64(7, "generation"), T(8, "creationTimestamp"),
    TK(9, "deletionTimestamp"), I64K(10, "deletionGracePeriodSeconds"), MAPS(11, "labels"),
    MAPS(12, "annotations"), MR(13, "ownerReferences", OwnerReference), SR(14, "finalizers"),
    MR(17, "managedFields", ManagedFieldsEntry));
MSG(LabelSelectorRequirement, SK(1, "key"), SK(2, "operator"), SR(3, "values"));
MSG(LabelSelector, MAPS(1, "matchLabels"), MR(2, "matchExpressions", LabelSelectorRequirement));
MSG(Condition, SK(1, "type"), SK(2, "status"), I64(3, "observedGeneration"),
    T(4, "lastTransitionTime"), SK(5, "reason"), SK(6, "message"));

/* ---- core/v1: pod specs ---- */

MSG(LocalObjectReference, S(1, "name"));
MSG(ObjectReference, S(1, "kind"), S(2, "namespace"), S(3, "name"), S(4, "uid"),
    S(5, "apiVersion"), S(6, "resourceVersion"), S(7, "fieldPath"));
MSG(ObjectFieldSelector, S(1, "apiVersion"), SK(2, "fieldPath"));
MSG(ResourceFieldSelector, S(1, "containerName"), SK(2, "resource"), Q(3, "divisor"));
MSG(ConfigMapKeySelector, INL(1, LocalObjectReference), SK(2, "key"), BK(3, "optional"));
MSG(SecretKeySelector, INL(1, LocalObjectReference), SK(2, "key"), BK(3, "optional"));
MSG(EnvVarSource, M(1, "fieldRef", ObjectFieldSelector),
    M(2, "resourceFieldRef", ResourceFieldSelector), M(3, "configMapKeyRef", ConfigMapKeySelector),
    M(4, "secretKeyRef", SecretKeySelector));
MSG(EnvVar, SK(1, "name"), S(2, "value"), M(3, "valueFrom", EnvVarSource));
MSG(ConfigMapEnvSource, INL(1, LocalObjectReference), BK(2, "optional"));
MSG(SecretEnvSource, INL(1, LocalObjectReference), BK(2, "optional"));
MSG(EnvFromSource, S(1, "prefix"), M(2, "configMapRef", ConfigMapEnvSource),
    M(3, "secretRef", SecretEnvSource));
MSG(ContainerPort, S(1, "name"), I32(2, "hostPort"), I32K(3, "containerPort"), S(4, "protocol"),
    S(5, "hostIP"));
MSG(ResourceClaim, SK(1, "name"), S(2, "request"));
MSG(ResourceRequirements, MAPQ(1, "limits"), MAPQ(2, "requests"),
    MR(3, "claims", ResourceClaim));
MSG(VolumeMount, SK(1, "name"), B(2, "readOnly"), { 7, "recursiveReadOnly", PT_STRING, PF_KEEP, NULL },
    SK(3, "mountPath"), S(4, "subPath"), { 5, "mountPropagation", PT_STRING, PF_KEEP, NULL },
    S(6, "subPathExpr"));
MSG(ExecAction, SR(1, "command"));
MSG(HTTPHeader, SK(1, "name"), SK(2, "value"));
MSG(HTTPGetAction, S(1, "path"), IS(2, "port"), S(3, "host"), S(4, "scheme"),
    MR(5, "httpHeaders", HTTPHeader));
MSG(TCPSocketAction, IS(1, "port"), S(2, "host"));
MSG(GRPCAction, I32K(1, "port"), SK(2, "service"));
MSG(ProbeHandler, M(1, "exec", ExecAction), M(2, "httpGet", HTTPGetAction),
    M(3, "tcpSocket", TCPSocketAction), M(4, "grpc", GRPCAction));
MSG(Probe, INL(1, ProbeHandler), I32(2, "initialDelaySeconds"), I32(3, "timeoutSeconds"),
    I32(4, "periodSeconds"), I32(5, "successThreshold"), I32(6, "failureThreshold"),
    I64K(7, "terminationGracePeriodSeconds"));
MSG(SleepAction, I64K(1, "seconds"));
MSG(LifecycleHandler, M(1, "exec", ExecAction), M(2, "httpGet", HTTPGetAction),
    M(3, "tcpSocket", TCPSocketAction), M(4, "sleep", SleepAction));
MSG(Lifecycle, M(1, "postStart", LifecycleHandler), M(2, "preStop", LifecycleHandler));
MSG(Capabilities, SR(1, "add"), SR(2, "drop"));
MSG(SeccompProfile, SK(1, "type"), SK(2, "localhostProfile"));
MSG(SecurityContext, M(1, "capabilities", Capabilities), BK(2, "privileged"),
    I64K(4, "runAsUser"), I64K(8, "runAsGroup"), BK(5, "runAsNonRoot"),
    BK(6, "readOnlyRootFilesystem"), BK(7, "allowPrivilegeEscalation"), SK(9, "procMount"),
    M(11, "seccompProfile", SeccompProfile));
MSG(Container, SK(1, "name"), S(2, "image"), SR(3, "command"), SR(4, "args"),
    S(5, "workingDir"), MR(6, "ports", ContainerPort), MR(19, "envFrom", EnvFromSource),
    MR(7, "env", EnvVar), M(8, "resources", ResourceRequirements),
    { 24, "restartPolicy", PT_STRING, PF_KEEP, NULL }, MR(9, "volumeMounts", VolumeMount),
    M(10, "livenessProbe", Probe), M(11, "readinessProbe", Probe), M(22, "startupProbe", Probe),
    M(12, "lifecycle", Lifecycle), S(13, "terminationMessagePath"),
    S(20, "terminationMessagePolicy"), S(14, "imagePullPolicy"),
    M(15, "securityContext", SecurityContext), B(16, "stdin"), B(17, "stdinOnce"), B(18, "tty"));
MSG(KeyToPath, SK(1, "key"), SK(2, "path"), I32K(3, "mode"));
MSG(HostPathVolumeSource, SK(1, "path"), SK(2, "type"));
MSG(EmptyDirVolumeSource, S(1, "medium"), { 2, "sizeLimit", PT_QUANTITY, PF_KEEP, NULL });
MSG(SecretVolumeSource, S(1, "secretName"), MR(2, "items", KeyToPath), I32K(3, "defaultMode"),
    BK(4, "optional"));
MSG(ConfigMapVolumeSource, INL(1, LocalObjectReference), MR(2, "items", KeyToPath),
    I32K(3, "defaultMode"), BK(4, "optional"));
MSG(PersistentVolumeClaimVolumeSource, SK(1, "claimName"), B(2, "readOnly"));
MSG(NFSVolumeSource, SK(1, "server"), SK(2, "path"), B(3, "readOnly"));
MSG(VolumeSource, M(1, "hostPath", HostPathVolumeSource), M(2, "emptyDir", EmptyDirVolumeSource),
    M(6, "secret", SecretVolumeSource), M(7, "nfs", NFSVolumeSource),
    M(10, "persistentVolumeClaim", PersistentVolumeClaimVolumeSource),
    M(19, "configMap", ConfigMapVolumeSource));
MSG(Volume, SK(1, "name"), INL(2, VolumeSource));
MSG(Sysctl, SK(1, "name"), SK(2, "value"));
MSG(PodSecurityContext, I64K(2, "runAsUser"), I64K(6, "runAsGroup"), BK(3, "runAsNonRoot"),
    { 4, "supplementalGroups", PT_INT64, PF_REP, NULL }, I64K(5, "fsGroup"),
    MR(7, "sysctls", Sysctl), M(10, "seccompProfile", SeccompProfile));
MSG(Toleration, S(1, "key"), S(2, "operator"), S(3, "value"), S(4, "effect"),
    I64K(5, "tolerationSeconds"));
MSG(HostAlias, SK(1, "ip"), SR(2, "hostnames"));
MSG(PodReadinessGate, SK(1, "conditionType"));
MSG(PodSpec, MR(1, "volumes", Volume), MR(20, "initContainers", Container),
    MR(2, "containers", Container), S(3, "restartPolicy"),
    I64K(4, "terminationGracePeriodSeconds"), I64K(5, "activeDeadlineSeconds"),
    S(6, "dnsPolicy"), MAPS(7, "nodeSelector"), S(8, "serviceAccountName"),
    S(9, "serviceAccount"), BK(21, "automountServiceAccountToken"), S(10, "nodeName"),
    B(11, "hostNetwork"), B(12, "hostPID"), B(13, "hostIPC"), BK(27, "shareProcessNamespace"),
    M(14, "securityContext", PodSecurityContext), MR(15, "imagePullSecrets", LocalObjectReference),
    S(16, "hostname"), S(17, "subdomain"), S(19, "schedulerName"),
    MR(22, "tolerations", Toleration), MR(23, "hostAliases", HostAlias),
    S(24, "priorityClassName"), I32K(25, "priority"), MR(28, "readinessGates", PodReadinessGate),
    SK(29, "runtimeClassName"), BK(30, "enableServiceLinks"), SK(31, "preemptionPolicy"),
    MAPQ(32, "overhead"), BK(35, "setHostnameAsFQDN"), BK(37, "hostUsers"));
MSG(PodTemplateSpec, M(1, "metadata", ObjectMeta), M(2, "spec", PodSpec));
MSG(Pod, M(1, "metadata", ObjectMeta), M(2, "spec", PodSpec));

/* ---- core/v1: the rest ---- */

MSG(NamespaceSpec, SR(1, "finalizers"));
MSG(NamespaceCondition, SK(1, "type"), SK(2, "status"), T(4, "lastTransitionTime"),
    S(5, "reason"), S(6, "message"));
MSG(NamespaceStatus, S(1, "phase"), MR(2, "conditions", NamespaceCondition));
MSG(Namespace, M(1, "metadata", ObjectMeta), M(2, "spec", NamespaceSpec),
    M(3, "status", NamespaceStatus));
MSG(ConfigMap, M(1, "metadata", ObjectMeta), BK(4, "immutable"), MAPS(2, "data"),
    MAPB(3, "binaryData"));
MSG(Secret, M(1, "metadata", ObjectMeta), BK(5, "immutable"), MAPB(2, "data"),
    MAPS(4, "stringData"), S(3, "type"));
MSG(ServiceAccount, M(1, "metadata", ObjectMeta), MR(2, "secrets", ObjectReference),
    MR(3, "imagePullSecrets", LocalObjectReference), BK(4, "automountServiceAccountToken"));
MSG(ServicePort, S(1, "name"), S(2, "protocol"), SK(6, "appProtocol"), I32K(3, "port"),
    IS(4, "targetPort"), I32(5, "nodePort"));
MSG(ClientIPConfig, I32K(1, "timeoutSeconds"));
MSG(SessionAffinityConfig, M(1, "clientIP", ClientIPConfig));
MSG(ServiceSpec, MR(1, "ports", ServicePort), MAPS(2, "selector"), S(3, "clusterIP"),
    SR(18, "clusterIPs"), S(4, "type"), SR(5, "externalIPs"), S(7, "sessionAffinity"),
    S(8, "loadBalancerIP"), SR(9, "loadBalancerSourceRanges"), S(10, "externalName"),
    S(11, "externalTrafficPolicy"), I32(12, "healthCheckNodePort"),
    B(13, "publishNotReadyAddresses"), M(14, "sessionAffinityConfig", SessionAffinityConfig),
    SR(19, "ipFamilies"), SK(17, "ipFamilyPolicy"), BK(20, "allocateLoadBalancerNodePorts"),
    SK(21, "loadBalancerClass"), SK(22, "internalTrafficPolicy"), SK(23, "trafficDistribution"));
MSG(PortStatus, I32K(1, "port"), SK(2, "protocol"), SK(3, "error"));
MSG(LoadBalancerIngress, S(1, "ip"), S(2, "hostname"), SK(3, "ipMode"),
    MR(4, "ports", PortStatus));
MSG(LoadBalancerStatus, MR(1, "ingress", LoadBalancerIngress));
MSG(ServiceStatus, M(1, "loadBalancer", LoadBalancerStatus), MR(2, "conditions", Condition));
MSG(Service, M(1, "metadata", ObjectMeta), M(2, "spec", ServiceSpec),
    M(3, "status", ServiceStatus));
MSG(ScopedResourceSelectorRequirement, SK(1, "scopeName"), SK(2, "operator"), SR(3, "values"));
MSG(ScopeSelector, MR(1, "matchExpressions", ScopedResourceSelectorRequirement));
MSG(ResourceQuotaSpec, MAPQ(1, "hard"), SR(2, "scopes"), M(3, "scopeSelector", ScopeSelector));
MSG(ResourceQuotaStatus, MAPQ(1, "hard"), MAPQ(2, "used"));
MSG(ResourceQuota, M(1, "metadata", ObjectMeta), M(2, "spec", ResourceQuotaSpec),
    M(3, "status", ResourceQuotaStatus));

/* ---- apps/v1, batch/v1 ---- */

MSG(RollingUpdateDeployment, { 1, "maxUnavailable", PT_INTSTR, PF_KEEP, NULL },
    { 2, "maxSurge", PT_INTSTR, PF_KEEP, NULL });
MSG(DeploymentStrategy, S(1, "type"), M(2, "rollingUpdate", RollingUpdateDeployment));
MSG(DeploymentSpec, I32K(1, "replicas"), M(2, "selector", LabelSelector),
    M(3, "template", PodTemplateSpec), M(4, "strategy", DeploymentStrategy),
    I32(5, "minReadySeconds"), I32K(6, "revisionHistoryLimit"), B(7, "paused"),
    I32K(9, "progressDeadlineSeconds"));
MSG(DeploymentCondition, SK(1, "type"), SK(2, "status"), T(6, "lastUpdateTime"),
    T(7, "lastTransitionTime"), S(4, "reason"), S(5, "message"));
MSG(DeploymentStatus, I64(1, "observedGeneration"), I32(2, "replicas"),
    I32(3, "updatedReplicas"), I32(7, "readyReplicas"), I32(4, "availableReplicas"),
    I32(5, "unavailableReplicas"), I32K(9, "terminatingReplicas"),
    MR(6, "conditions", DeploymentCondition), I32K(8, "collisionCount"));
MSG(Deployment, M(1, "metadata", ObjectMeta), M(2, "spec", DeploymentSpec),
    M(3, "status", DeploymentStatus));
MSG(JobSpec, I32K(1, "parallelism"), I32K(2, "completions"), I64K(3, "activeDeadlineSeconds"),
    I32K(7, "backoffLimit"), I32K(12, "backoffLimitPerIndex"), I32K(13, "maxFailedIndexes"),
    M(4, "selector", LabelSelector), BK(5, "manualSelector"), M(6, "template", PodTemplateSpec),
    I32K(8, "ttlSecondsAfterFinished"), SK(9, "completionMode"), BK(10, "suspend"),
    SK(14, "podReplacementPolicy"), SK(15, "managedBy"));
MSG(JobCondition, SK(1, "type"), SK(2, "status"), T(3, "lastProbeTime"),
    T(4, "lastTransitionTime"), S(5, "reason"), S(6, "message"));
MSG(JobStatus, MR(1, "conditions", JobCondition), TK(2, "startTime"), TK(3, "completionTime"),
    I32(4, "active"), I32(5, "succeeded"), I32(6, "failed"), I32K(11, "terminating"),
    S(7, "completedIndexes"), SK(10, "failedIndexes"), I32K(9, "ready"));
MSG(Job, M(1, "metadata", ObjectMeta), M(2, "spec", JobSpec), M(3, "status", JobStatus));
MSG(JobTemplateSpec, M(1, "metadata", ObjectMeta), M(2, "spec", JobSpec));
MSG(CronJobSpec, SK(1, "schedule"), SK(8, "timeZone"), I64K(2, "startingDeadlineSeconds"),
    S(3, "concurrencyPolicy"), BK(4, "suspend"), M(5, "jobTemplate", JobTemplateSpec),
    I32K(6, "successfulJobsHistoryLimit"), I32K(7, "failedJobsHistoryLimit"));
MSG(CronJobStatus, MR(1, "active", ObjectReference), TK(4, "lastScheduleTime"),
    TK(5, "lastSuccessfulTime"));
MSG(CronJob, M(1, "metadata", ObjectMeta), M(2, "spec", CronJobSpec),
    M(3, "status", CronJobStatus));

/* ---- rbac, networking ---- */

MSG(PolicyRule, { 1, "verbs", PT_STRING, PF_REP, NULL }, SR(2, "apiGroups"), SR(3, "resources"),
    SR(4, "resourceNames"), SR(5, "nonResourceURLs"));
MSG(AggregationRule, MR(1, "clusterRoleSelectors", LabelSelector));
MSG(Role, M(1, "metadata", ObjectMeta), MR(2, "rules", PolicyRule));
MSG(ClusterRole, M(1, "metadata", ObjectMeta), MR(2, "rules", PolicyRule),
    M(3, "aggregationRule", AggregationRule));
MSG(Subject, SK(1, "kind"), S(2, "apiGroup"), SK(3, "name"), S(4, "namespace"));
MSG(RoleRef, SK(1, "apiGroup"), SK(2, "kind"), SK(3, "name"));
MSG(RoleBinding, M(1, "metadata", ObjectMeta), MR(2, "subjects", Subject),
    M(3, "roleRef", RoleRef));
MSG(ServiceBackendPort, S(1, "name"), I32(2, "number"));
MSG(IngressServiceBackend, SK(1, "name"), M(2, "port", ServiceBackendPort));
MSG(TypedLocalObjectReference, SK(1, "apiGroup"), SK(2, "kind"), SK(3, "name"));
MSG(IngressBackend, M(4, "service", IngressServiceBackend),
    M(3, "resource", TypedLocalObjectReference));
MSG(HTTPIngressPath, S(1, "path"), SK(3, "pathType"), M(2, "backend", IngressBackend));
MSG(HTTPIngressRuleValue, MR(1, "paths", HTTPIngressPath));
MSG(IngressRuleValue, M(1, "http", HTTPIngressRuleValue));
MSG(IngressRule, S(1, "host"), INL(2, IngressRuleValue));
MSG(IngressTLS, SR(1, "hosts"), S(2, "secretName"));
MSG(IngressSpec, SK(4, "ingressClassName"), M(1, "defaultBackend", IngressBackend),
    MR(2, "tls", IngressTLS), MR(3, "rules", IngressRule));
MSG(IngressPortStatus, I32K(1, "port"), SK(2, "protocol"), SK(3, "error"));
MSG(IngressLoadBalancerIngress, S(1, "ip"), S(2, "hostname"), MR(4, "ports", IngressPortStatus));
MSG(IngressLoadBalancerStatus, MR(1, "ingress", IngressLoadBalancerIngress));
MSG(IngressStatus, M(1, "loadBalancer", IngressLoadBalancerStatus));
MSG(Ingress, M(1, "metadata", ObjectMeta), M(2, "spec", IngressSpec),
    M(3, "status", IngressStatus));

/* ---- authorization, authentication ---- */

MSG(FieldSelectorRequirement, SK(1, "key"), SK(2, "operator"), SR(3, "values"));
MSG(FieldSelectorAttributes, S(1, "rawSelector"),
    MR(2, "requirements", FieldSelectorRequirement));
MSG(LabelSelectorAttributes, S(1, "rawSelector"),
    MR(2, "requirements", LabelSelectorRequirement));
MSG(ResourceAttributes, S(1, "namespace"), S(2, "verb"), S(3, "group"), S(4, "version"),
    S(5, "resource"), S(6, "subresource"), S(7, "name"),
    M(8, "fieldSelector", FieldSelectorAttributes), M(9, "labelSelector", LabelSelectorAttributes));
MSG(NonResourceAttributes, S(1, "path"), S(2, "verb"));
MSG(SelfSubjectAccessReviewSpec, M(1, "resourceAttributes", ResourceAttributes),
    M(2, "nonResourceAttributes", NonResourceAttributes));
MSG(SubjectAccessReviewStatus, BK(1, "allowed"), B(4, "denied"), S(2, "reason"),
    S(3, "evaluationError"));
MSG(SelfSubjectAccessReview, M(1, "metadata", ObjectMeta),
    M(2, "spec", SelfSubjectAccessReviewSpec), M(3, "status", SubjectAccessReviewStatus));
MSG(SubjectAccessReviewSpec, M(1, "resourceAttributes", ResourceAttributes),
    M(2, "nonResourceAttributes", NonResourceAttributes), S(3, "user"), SR(4, "groups"),
    S(6, "uid"));
MSG(SubjectAccessReview, M(1, "metadata", ObjectMeta), M(2, "spec", SubjectAccessReviewSpec),
    M(3, "status", SubjectAccessReviewStatus));
MSG(LocalSubjectAccessReview, M(1, "metadata", ObjectMeta),
    M(2, "spec", SubjectAccessReviewSpec), M(3, "status", SubjectAccessReviewStatus));
MSG(SelfSubjectRulesReviewSpec, S(1, "namespace"));
MSG(SelfSubjectRulesReview, M(1, "metadata", ObjectMeta),
    M(2, "spec", SelfSubjectRulesReviewSpec));
MSG(SelfSubjectReview, M(1, "metadata", ObjectMeta));
MSG(TokenReviewSpec, S(1, "token"), SR(2, "audiences"));
MSG(UserInfo, S(1, "username"), S(2, "uid"), SR(3, "groups"));
MSG(TokenReviewStatus, B(1, "authenticated"), M(2, "user", UserInfo), SR(4, "audiences"),
    S(3, "error"));
MSG(TokenReview, M(1, "metadata", ObjectMeta), M(2, "spec", TokenReviewSpec),
    M(3, "status", TokenReviewStatus));

/* ---- policy, scheduling ---- */

MSG(PodDisruptionBudgetSpec, IS(1, "minAvailable"), M(2, "selector", LabelSelector),
    IS(3, "maxUnavailable"), S(4, "unhealthyPodEvictionPolicy"));
MSG(PodDisruptionBudgetStatus, I64(1, "observedGeneration"), I32K(3, "disruptionsAllowed"),
    I32K(4, "currentHealthy"), I32K(5, "desiredHealthy"), I32K(6, "expectedPods"),
    MR(7, "conditions", Condition));
MSG(PodDisruptionBudget, M(1, "metadata", ObjectMeta), M(2, "spec", PodDisruptionBudgetSpec),
    M(3, "status", PodDisruptionBudgetStatus));
MSG(PriorityClass, M(1, "metadata", ObjectMeta), I32K(2, "value"), B(3, "globalDefault"),
    S(4, "description"), S(5, "preemptionPolicy"));

/* autoscaling/v1 (kubectl autoscale) */
MSG(CrossVersionObjectReference, SK(1, "kind"), SK(2, "name"), S(3, "apiVersion"));
MSG(HorizontalPodAutoscalerSpecV1, M(1, "scaleTargetRef", CrossVersionObjectReference),
    I32K(2, "minReplicas"), I32K(3, "maxReplicas"), I32K(4, "targetCPUUtilizationPercentage"));
MSG(HorizontalPodAutoscalerStatusV1, I64K(1, "observedGeneration"), TK(2, "lastScaleTime"),
    I32K(3, "currentReplicas"), I32K(4, "desiredReplicas"),
    I32K(5, "currentCPUUtilizationPercentage"));
MSG(HorizontalPodAutoscalerV1, M(1, "metadata", ObjectMeta),
    M(2, "spec", HorizontalPodAutoscalerSpecV1), M(3, "status", HorizontalPodAutoscalerStatusV1));

#define PKINDS(X) \
    X("v1", "Namespace", Namespace) \
    X("v1", "ConfigMap", ConfigMap) \
    X("v1", "Secret", Secret) \
    X("v1", "Service", Service) \
    X("v1", "ServiceAccount", ServiceAccount) \
    X("v1", "ResourceQuota", ResourceQuota) \
    X("v1", "Pod", Pod) \
    X("apps/v1", "Deployment", Deployment) \
    X("batch/v1", "Job", Job) \
    X("batch/v1", "CronJob", CronJob) \
    X("autoscaling/v1", "HorizontalPodAutoscaler", HorizontalPodAutoscalerV1) \
    X("rbac.authorization.k8s.io/v1", "Role", Role) \
    X("rbac.authorization.k8s.io/v1", "ClusterRole", ClusterRole) \
    X("rbac.authorization.k8s.io/v1", "RoleBinding", RoleBinding) \
    X("rbac.authorization.k8s.io/v1", "ClusterRoleBinding", RoleBinding) \
    X("networking.k8s.io/v1", "Ingress", Ingress) \
    X("policy/v1", "PodDisruptionBudget", PodDisruptionBudget) \
    X("scheduling.k8s.io/v1", "PriorityClass", PriorityClass) \
    X("authorization.k8s.io/v1", "SelfSubjectAccessReview", SelfSubjectAccessReview) \
    X("authorization.k8s.io/v1", "SubjectAccessReview", SubjectAccessReview) \
    X("authorization.k8s.io/v1", "LocalSubjectAccessReview", LocalSubjectAccessReview) \
    X("authorization.k8s.io/v1", "SelfSubjectRulesReview", SelfSubjectRulesReview) \
    X("authentication.k8s.io/v1", "SelfSubjectReview", SelfSubjectReview) \
    X("authentication.k8s.io/v1", "TokenReview", TokenReview)

#define PKIND_ENTRY(av, kind, msg) { av, kind, &msg },
#define PKIND_NAME(av, kind, msg) av "/" kind,

const struct gt_pkind gt_pkinds[] = { PKINDS(PKIND_ENTRY){ NULL, NULL, NULL } };
const char *const gt_pkind_names[] = { PKINDS(PKIND_NAME) NULL };
