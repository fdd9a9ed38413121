/* Shapes of networking.k8s.io/v1 (ingresses, network policies),
 * autoscaling/v2 (horizontal pod autoscalers), discovery.k8s.io/v1
 * (endpoint slices), storage.k8s.io/v1 (storage classes),
 * coordination.k8s.io/v1 (leases), policy/v1 (pod disruption budgets) and
 * scheduling.k8s.io/v1 (priority classes). */
#include "kube/shape_internal.h"

/* ---- ingresses ---- */

SHAPE(ServiceBackendPort, V("name"), V("number"));
SHAPE(IngressServiceBackend, V("name"), O("port", ServiceBackendPort));
SHAPE(IngressBackend, O("service", IngressServiceBackend),
      O("resource", TypedLocalObjectReference));
SHAPE(IngressTLS, V("hosts"), V("secretName"));
SHAPE(HTTPIngressPath, V("path"), V("pathType"), O("backend", IngressBackend));
SHAPE(HTTPIngressRuleValue, L("paths", HTTPIngressPath));
SHAPE(IngressRuleValue, O("http", HTTPIngressRuleValue));
SHAPE(IngressRule, V("host"), IN(IngressRuleValue));
SHAPE(IngressSpec, V("ingressClassName"), O("defaultBackend", IngressBackend),
      L("tls", IngressTLS), L("rules", IngressRule));
SHAPE(IngressPortStatus, V("port"), V("protocol"), V("error"));
SHAPE(IngressLoadBalancerIngress, V("ip"), V("hostname"), L("ports", IngressPortStatus));
SHAPE(IngressLoadBalancerStatus, L("ingress", IngressLoadBalancerIngress));
SHAPE(IngressStatus, O("loadBalancer", IngressLoadBalancerStatus));
XSHAPE(ingress, Ingress, O("spec", IngressSpec), O("status", IngressStatus));

/* ---- network policies ---- */

SHAPE(NetworkPolicyPort, V("protocol"), V("port"), V("endPort"));
SHAPE(IPBlock, V("cidr"), V("except"));
SHAPE(NetworkPolicyPeer, O("podSelector", LabelSelector), O("namespaceSelector", LabelSelector),
      O("ipBlock", IPBlock));
SHAPE(NetworkPolicyIngressRule, L("ports", NetworkPolicyPort), L("from", NetworkPolicyPeer));
SHAPE(NetworkPolicyEgressRule, L("ports", NetworkPolicyPort), L("to", NetworkPolicyPeer));
SHAPE(NetworkPolicySpec, O("podSelector", LabelSelector),
      L("ingress", NetworkPolicyIngressRule), L("egress", NetworkPolicyEgressRule),
      V("policyTypes"));
XSHAPE(networkpolicy, NetworkPolicy, O("spec", NetworkPolicySpec));

/* ---- horizontal pod autoscalers ---- */

SHAPE(CrossVersionObjectReference, V("kind"), V("name"), V("apiVersion"));
SHAPE(MetricIdentifier, V("name"), O("selector", LabelSelector));
SHAPE(MetricTarget, V("type"), V("value"), V("averageValue"), V("averageUtilization"));
SHAPE(MetricValueStatus, V("value"), V("averageValue"), V("averageUtilization"));
SHAPE(ObjectMetricSource, O("describedObject", CrossVersionObjectReference),
      O("target", MetricTarget), O("metric", MetricIdentifier));
SHAPE(PodsMetricSource, O("metric", MetricIdentifier), O("target", MetricTarget));
SHAPE(ResourceMetricSource, V("name"), O("target", MetricTarget));
SHAPE(ContainerResourceMetricSource, V("name"), O("target", MetricTarget), V("container"));
SHAPE(ExternalMetricSource, O("metric", MetricIdentifier), O("target", MetricTarget));
SHAPE(MetricSpec, V("type"), O("object", ObjectMetricSource), O("pods", PodsMetricSource),
      O("resource", ResourceMetricSource),
      O("containerResource", ContainerResourceMetricSource),
      O("external", ExternalMetricSource));
SHAPE(HPAScalingPolicy, V("type"), V("value"), V("periodSeconds"));
SHAPE(HPAScalingRules, V("stabilizationWindowSeconds"), V("selectPolicy"),
      L("policies", HPAScalingPolicy));
SHAPE(HorizontalPodAutoscalerBehavior, O("scaleUp", HPAScalingRules),
      O("scaleDown", HPAScalingRules));
SHAPE(HorizontalPodAutoscalerSpec, O("scaleTargetRef", CrossVersionObjectReference),
      V("minReplicas"), V("maxReplicas"), L("metrics", MetricSpec),
      O("behavior", HorizontalPodAutoscalerBehavior));
SHAPE(ObjectMetricStatus, O("metric", MetricIdentifier), O("current", MetricValueStatus),
      O("describedObject", CrossVersionObjectReference));
SHAPE(PodsMetricStatus, O("metric", MetricIdentifier), O("current", MetricValueStatus));
SHAPE(ResourceMetricStatus, V("name"), O("current", MetricValueStatus));
SHAPE(ContainerResourceMetricStatus, V("name"), O("current", MetricValueStatus),
      V("container"));
SHAPE(ExternalMetricStatus, O("metric", MetricIdentifier), O("current", MetricValueStatus));
SHAPE(MetricStatus, V("type"), O("object", ObjectMetricStatus), O("pods", PodsMetricStatus),
      O("resource", ResourceMetricStatus),
      O("containerResource", ContainerResourceMetricStatus),
      O("external", ExternalMetricStatus));
SHAPE(HorizontalPodAutoscalerCondition, V("type"), V("status"), V("lastTransitionTime"),
      V("reason"), V("message"));
SHAPE(HorizontalPodAutoscalerStatus, V("observedGeneration"), V("lastScaleTime"),
      V("currentReplicas"), V("desiredReplicas"), L("currentMetrics", MetricStatus),
      L("conditions", HorizontalPodAutoscalerCondition));
XSHAPE(hpa, HorizontalPodAutoscaler, O("spec", HorizontalPodAutoscalerSpec),
       O("status", HorizontalPodAutoscalerStatus));

/* ---- endpoint slices ---- */

SHAPE(EndpointConditions, V("ready"), V("serving"), V("terminating"));
SHAPE(ForZone, V("name"));
SHAPE(EndpointHints, L("forZones", ForZone));
SHAPE(Endpoint, V("addresses"), O("conditions", EndpointConditions), V("hostname"),
      O("targetRef", ObjectReference), V("deprecatedTopology"), V("nodeName"), V("zone"),
      O("hints", EndpointHints));
SHAPE(EndpointPort, V("name"), V("protocol"), V("port"), V("appProtocol"));
XSHAPE(endpointslice, EndpointSlice, V("addressType"), L("endpoints", Endpoint),
       L("ports", EndpointPort));

/* ---- storage classes, leases ---- */

XSHAPE(storageclass, StorageClass, V("provisioner"), V("parameters"), V("reclaimPolicy"),
       V("mountOptions"), V("allowVolumeExpansion"), V("volumeBindingMode"),
       L("allowedTopologies", TopologySelectorTerm));
SHAPE(LeaseSpec, V("holderIdentity"), V("leaseDurationSeconds"), V("acquireTime"),
      V("renewTime"), V("leaseTransitions"), V("strategy"), V("preferredHolder"));
XSHAPE(lease, Lease, O("spec", LeaseSpec));

/* ---- disruption budgets, priority classes ---- */

SHAPE(PodDisruptionBudgetSpec, V("minAvailable"), O("selector", LabelSelector),
      V("maxUnavailable"), V("unhealthyPodEvictionPolicy"));
SHAPE(PodDisruptionBudgetStatus, V("observedGeneration"), V("disruptedPods"),
      V("disruptionsAllowed"), V("currentHealthy"), V("desiredHealthy"), V("expectedPods"),
      L("conditions", Condition));
XSHAPE(pdb, PodDisruptionBudget, O("spec", PodDisruptionBudgetSpec),
       O("status", PodDisruptionBudgetStatus));
XSHAPE(priorityclass, PriorityClass, V("value"), V("globalDefault"), V("description"),
       V("preemptionPolicy"));
