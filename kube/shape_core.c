/* core/v1 shapes besides pods: namespaces, config maps, secrets, service
 * accounts, services, endpoints, claims, limit ranges and quotas; nodes,
 * persistent volumes and events at their top level. */
#include "kube/shape_internal.h"

SHAPE(NamespaceSpec, V("finalizers"));
SHAPE(NamespaceCondition, V("type"), V("status"), V("lastTransitionTime"), V("reason"),
      V("message"));
SHAPE(NamespaceStatus, V("phase"), L("conditions", NamespaceCondition));
XSHAPE(namespace, Namespace, O("spec", NamespaceSpec), O("status", NamespaceStatus));

XSHAPE(configmap, ConfigMap, V("immutable"), V("data"), V("binaryData"));
XSHAPE(secret, Secret, V("immutable"), V("data"), V("stringData"), V("type"));
XSHAPE(serviceaccount, ServiceAccount, L("secrets", ObjectReference),
       L("imagePullSecrets", LocalObjectReference), V("automountServiceAccountToken"));

/* ---- services ---- */

SHAPE(ServicePort, V("name"), V("protocol"), V("appProtocol"), V("port"), V("targetPort"),
      V("nodePort"));
SHAPE(ClientIPConfig, V("timeoutSeconds"));
SHAPE(SessionAffinityConfig, O("clientIP", ClientIPConfig));
SHAPE(ServiceSpec, L("ports", ServicePort), V("selector"), V("clusterIP"), V("clusterIPs"),
      V("type"), V("externalIPs"), V("sessionAffinity"), V("loadBalancerIP"),
      V("loadBalancerSourceRanges"), V("externalName"), V("externalTrafficPolicy"),
      V("healthCheckNodePort"), V("publishNotReadyAddresses"),
      O("sessionAffinityConfig", SessionAffinityConfig), V("ipFamilies"), V("ipFamilyPolicy"),
      V("allocateLoadBalancerNodePorts"), V("loadBalancerClass"), V("internalTrafficPolicy"),
      V("trafficDistribution"));
SHAPE(PortStatus, V("port"), V("protocol"), V("error"));
SHAPE(LoadBalancerIngress, V("ip"), V("hostname"), V("ipMode"), L("ports", PortStatus));
SHAPE(LoadBalancerStatus, L("ingress", LoadBalancerIngress));
SHAPE(ServiceStatus, O("loadBalancer", LoadBalancerStatus), L("conditions", Condition));
XSHAPE(service, Service, O("spec", ServiceSpec), O("status", ServiceStatus));

SHAPE(EndpointAddress, V("ip"), V("hostname"), V("nodeName"), O("targetRef", ObjectReference));
SHAPE(EndpointPort, V("name"), V("port"), V("protocol"), V("appProtocol"));
SHAPE(EndpointSubset, L("addresses", EndpointAddress), L("notReadyAddresses", EndpointAddress),
      L("ports", EndpointPort));
XSHAPE(endpoints, Endpoints, L("subsets", EndpointSubset));

/* ---- replication controllers ---- */

SHAPE(ReplicationControllerSpec, V("replicas"), V("minReadySeconds"), V("selector"),
      O("template", PodTemplateSpec));
SHAPE(ReplicationControllerCondition, V("type"), V("status"), V("lastTransitionTime"),
      V("reason"), V("message"));
SHAPE(ReplicationControllerStatus, V("replicas"), V("fullyLabeledReplicas"), V("readyReplicas"),
      V("availableReplicas"), V("observedGeneration"),
      L("conditions", ReplicationControllerCondition));
XSHAPE(replicationcontroller, ReplicationController, O("spec", ReplicationControllerSpec),
       O("status", ReplicationControllerStatus));

/* ---- storage, limits, quotas ---- */

XSHAPE(pvc, PersistentVolumeClaim, O("spec", PersistentVolumeClaimSpec),
       O("status", PersistentVolumeClaimStatus));

SHAPE(LimitRangeItem, V("type"), V("max"), V("min"), V("default"), V("defaultRequest"),
      V("maxLimitRequestRatio"));
SHAPE(LimitRangeSpec, L("limits", LimitRangeItem));
XSHAPE(limitrange, LimitRange, O("spec", LimitRangeSpec));

SHAPE(ScopedResourceSelectorRequirement, V("scopeName"), V("operator"), V("values"));
SHAPE(ScopeSelector, L("matchExpressions", ScopedResourceSelectorRequirement));
SHAPE(ResourceQuotaSpec, V("hard"), V("scopes"), O("scopeSelector", ScopeSelector));
SHAPE(ResourceQuotaStatus, V("hard"), V("used"));
XSHAPE(resourcequota, ResourceQuota, O("spec", ResourceQuotaSpec),
       O("status", ResourceQuotaStatus));

/* written by programs rather than by hand: their top level only */
XSHAPE(pv, PersistentVolume, V("spec"), V("status"));
XSHAPE(node, Node, V("spec"), V("status"));
XSHAPE(event, Event, V("involvedObject"), V("reason"), V("message"), V("source"),
       V("firstTimestamp"), V("lastTimestamp"), V("count"), V("type"), V("eventTime"),
       V("series"), V("action"), V("related"), V("reportingComponent"),
       V("reportingInstance"));
