/* core/v1 shapes besides pods: namespaces, config maps, secrets, service
 * accounts, services, endpoints, claims, limit ranges and quotas; nodes,
 * persistent volumes and events at their top level. */
#include "kube/shape_internal.h"

SHAPE(NamespaceSpec, VSL("finalizers"));
SHAPE(NamespaceCondition, VS("type"), VS("status"), VTM("lastTransitionTime"), VS("reason"),
      VS("message"));
SHAPE(NamespaceStatus, VS("phase"), L("conditions", NamespaceCondition));
XSHAPE(namespace, Namespace, O("spec", NamespaceSpec), O("status", NamespaceStatus));

XSHAPE(configmap, ConfigMap, VB("immutable"), VMS("data"), VMB("binaryData"));
XSHAPE(secret, Secret, VB("immutable"), VMB("data"), VMS("stringData"), VS("type"));
XSHAPE(serviceaccount, ServiceAccount, L("secrets", ObjectReference),
       L("imagePullSecrets", LocalObjectReference), VB("automountServiceAccountToken"));

/* ---- services ---- */

SHAPE(ServicePort, VS("name"), VS("protocol"), VS("appProtocol"), VI("port"), VIS("targetPort"),
      VI("nodePort"));
SHAPE(ClientIPConfig, VI("timeoutSeconds"));
SHAPE(SessionAffinityConfig, O("clientIP", ClientIPConfig));
SHAPE(ServiceSpec, L("ports", ServicePort), VMS("selector"), VS("clusterIP"), VSL("clusterIPs"),
      VS("type"), VSL("externalIPs"), VS("sessionAffinity"), VS("loadBalancerIP"),
      VSL("loadBalancerSourceRanges"), VS("externalName"), VS("externalTrafficPolicy"),
      VI("healthCheckNodePort"), VB("publishNotReadyAddresses"),
      O("sessionAffinityConfig", SessionAffinityConfig), VSL("ipFamilies"), VS("ipFamilyPolicy"),
      VB("allocateLoadBalancerNodePorts"), VS("loadBalancerClass"), VS("internalTrafficPolicy"),
      VS("trafficDistribution"));
SHAPE(PortStatus, VI("port"), VS("protocol"), VS("error"));
SHAPE(LoadBalancerIngress, VS("ip"), VS("hostname"), VS("ipMode"), L("ports", PortStatus));
SHAPE(LoadBalancerStatus, L("ingress", LoadBalancerIngress));
SHAPE(ServiceStatus, O("loadBalancer", LoadBalancerStatus), L("conditions", Condition));
XSHAPE(service, Service, O("spec", ServiceSpec), O("status", ServiceStatus));

SHAPE(EndpointAddress, VS("ip"), VS("hostname"), VS("nodeName"), O("targetRef", ObjectReference));
SHAPE(EndpointPort, VS("name"), VI("port"), VS("protocol"), VS("appProtocol"));
SHAPE(EndpointSubset, L("addresses", EndpointAddress), L("notReadyAddresses", EndpointAddress),
      L("ports", EndpointPort));
XSHAPE(endpoints, Endpoints, L("subsets", EndpointSubset));

/* ---- replication controllers ---- */

SHAPE(ReplicationControllerSpec, VI("replicas"), VI("minReadySeconds"), VMS("selector"),
      O("template", PodTemplateSpec));
SHAPE(ReplicationControllerCondition, VS("type"), VS("status"), VTM("lastTransitionTime"),
      VS("reason"), VS("message"));
SHAPE(ReplicationControllerStatus, VI("replicas"), VI("fullyLabeledReplicas"), VI("readyReplicas"),
      VI("availableReplicas"), VL("observedGeneration"),
      L("conditions", ReplicationControllerCondition));
XSHAPE(replicationcontroller, ReplicationController, O("spec", ReplicationControllerSpec),
       O("status", ReplicationControllerStatus));

/* ---- storage, limits, quotas ---- */

XSHAPE(pvc, PersistentVolumeClaim, O("spec", PersistentVolumeClaimSpec),
       O("status", PersistentVolumeClaimStatus));

SHAPE(LimitRangeItem, VS("type"), VMQ("max"), VMQ("min"), VMQ("default"), VMQ("defaultRequest"),
      VMQ("maxLimitRequestRatio"));
SHAPE(LimitRangeSpec, L("limits", LimitRangeItem));
XSHAPE(limitrange, LimitRange, O("spec", LimitRangeSpec));

SHAPE(ScopedResourceSelectorRequirement, VS("scopeName"), VS("operator"), VSL("values"));
SHAPE(ScopeSelector, L("matchExpressions", ScopedResourceSelectorRequirement));
SHAPE(ResourceQuotaSpec, VMQ("hard"), VSL("scopes"), O("scopeSelector", ScopeSelector));
SHAPE(ResourceQuotaStatus, VMQ("hard"), VMQ("used"));
XSHAPE(resourcequota, ResourceQuota, O("spec", ResourceQuotaSpec),
       O("status", ResourceQuotaStatus));

/* written by programs rather than by hand: their top level only */
XSHAPE(pv, PersistentVolume, VRAW("spec"), VRAW("status"));
XSHAPE(node, Node, VRAW("spec"), VRAW("status"));
XSHAPE(event, Event, VRAW("involvedObject"), VS("reason"), VS("message"), VRAW("source"),
       VTM("firstTimestamp"), VTM("lastTimestamp"), VI("count"), VS("type"), VMT("eventTime"),
       VRAW("series"), VS("action"), VRAW("related"), VS("reportingComponent"),
       VS("reportingInstance"));
