/* Shapes of networking.k8s.io/v1 (ingresses, network policies),
 * autoscaling/v2 (horizontal pod autoscalers), discovery.k8s.io/v1
 * (endpoint slices), storage.k8s.io/v1 (storage classes),
 * coordination.k8s.io/v1 (leases), policy/v1 (pod disruption budgets) and
 * scheduling.k8s.io/v1 (priority classes). */
#include "kube/shape_internal.h"

/* ---- ingresses ---- */

SHAPE(ServiceBackendPort, VS("name"), VI("number"));
SHAPE(IngressServiceBackend, VS("name"), O("port", ServiceBackendPort));
SHAPE(IngressBackend, O("service", IngressServiceBackend),
      O("resource", TypedLocalObjectReference));
SHAPE(IngressTLS, VSL("hosts"), VS("secretName"));
SHAPE(HTTPIngressPath, VS("path"), VS("pathType"), O("backend", IngressBackend));
SHAPE(HTTPIngressRuleValue, L("paths", HTTPIngressPath));
SHAPE(IngressRuleValue, O("http", HTTPIngressRuleValue));
SHAPE(IngressRule, VS("host"), IN(IngressRuleValue));
SHAPE(IngressSpec, VS("ingressClassName"), O("defaultBackend", IngressBackend),
      L("tls", IngressTLS), L("rules", IngressRule));
SHAPE(IngressPortStatus, VI("port"), VS("protocol"), VS("error"));
SHAPE(IngressLoadBalancerIngress, VS("ip"), VS("hostname"), L("ports", IngressPortStatus));
SHAPE(IngressLoadBalancerStatus, L("ingress", IngressLoadBalancerIngress));
SHAPE(IngressStatus, O("loadBalancer", IngressLoadBalancerStatus));
XSHAPE(ingress, Ingress, O("spec", IngressSpec), O("status", IngressStatus));

/* ---- network policies ---- */

SHAPE(NetworkPolicyPort, VS("protocol"), VIS("port"), VI("endPort"));
SHAPE(IPBlock, VS("cidr"), VSL("except"));
SHAPE(NetworkPolicyPeer, O("podSelector", LabelSelector), O("namespaceSelector", LabelSelector),
      O("ipBlock", IPBlock));
SHAPE(NetworkPolicyIngressRule, L("ports", NetworkPolicyPort), L("from", NetworkPolicyPeer));
SHAPE(NetworkPolicyEgressRule, L("ports", NetworkPolicyPort), L("to", NetworkPolicyPeer));
SHAPE(NetworkPolicySpec, O("podSelector", LabelSelector),
      L("ingress", NetworkPolicyIngressRule), L("egress", NetworkPolicyEgressRule),
      VSL("policyTypes"));
XSHAPE(networkpolicy, NetworkPolicy, O("spec", NetworkPolicySpec));

/* ---- horizontal pod autoscalers ---- */

SHAPE(CrossVersionObjectReference, VS("kind"), VS("name"), VS("apiVersion"));
SHAPE(MetricIdentifier, VS("name"), O("selector", LabelSelector));
SHAPE(MetricTarget, VS("type"), VQ("value"), VQ("averageValue"), VI("averageUtilization"));
SHAPE(MetricValueStatus, VQ("value"), VQ("averageValue"), VI("averageUtilization"));
SHAPE(ObjectMetricSource, O("describedObject", CrossVersionObjectReference),
      O("target", MetricTarget), O("metric", MetricIdentifier));
SHAPE(PodsMetricSource, O("metric", MetricIdentifier), O("target", MetricTarget));
SHAPE(ResourceMetricSource, VS("name"), O("target", MetricTarget));
SHAPE(ContainerResourceMetricSource, VS("name"), O("target", MetricTarget), VS("container"));
SHAPE(ExternalMetricSource, O("metric", MetricIdentifier), O("target", MetricTarget));
SHAPE(MetricSpec, VS("type"), O("object", ObjectMetricSource), O("pods", PodsMetricSource),
      O("resource", ResourceMetricSource),
      O("containerResource", ContainerResourceMetricSource),
      O("external", ExternalMetricSource));
SHAPE(HPAScalingPolicy, VS("type"), VI("value"), VI("periodSeconds"));
SHAPE(HPAScalingRules, VI("stabilizationWindowSeconds"), VS("selectPolicy"),
      L("policies", HPAScalingPolicy));
SHAPE(HorizontalPodAutoscalerBehavior, O("scaleUp", HPAScalingRules),
      O("scaleDown", HPAScalingRules));
SHAPE(HorizontalPodAutoscalerSpec, O("scaleTargetRef", CrossVersionObjectReference),
      VI("minReplicas"), VI("maxReplicas"), L("metrics", MetricSpec),
      O("behavior", HorizontalPodAutoscalerBehavior));
SHAPE(ObjectMetricStatus, O("metric", MetricIdentifier), O("current", MetricValueStatus),
      O("describedObject", CrossVersionObjectReference));
SHAPE(PodsMetricStatus, O("metric", MetricIdentifier), O("current", MetricValueStatus));
SHAPE(ResourceMetricStatus, VS("name"), O("current", MetricValueStatus));
SHAPE(ContainerResourceMetricStatus, VS("name"), O("current", MetricValueStatus),
      VS("container"));
SHAPE(ExternalMetricStatus, O("metric", MetricIdentifier), O("current", MetricValueStatus));
SHAPE(MetricStatus, VS("type"), O("object", ObjectMetricStatus), O("pods", PodsMetricStatus),
      O("resource", ResourceMetricStatus),
      O("containerResource", ContainerResourceMetricStatus),
      O("external", ExternalMetricStatus));
SHAPE(HorizontalPodAutoscalerCondition, VS("type"), VS("status"), VTM("lastTransitionTime"),
      VS("reason"), VS("message"));
SHAPE(HorizontalPodAutoscalerStatus, VL("observedGeneration"), VTM("lastScaleTime"),
      VI("currentReplicas"), VI("desiredReplicas"), L("currentMetrics", MetricStatus),
      L("conditions", HorizontalPodAutoscalerCondition));
XSHAPE(hpa, HorizontalPodAutoscaler, O("spec", HorizontalPodAutoscalerSpec),
       O("status", HorizontalPodAutoscalerStatus));
/* autoscaling/v1 */
SHAPE_AS(HorizontalPodAutoscalerSpecV1, "HorizontalPodAutoscalerSpec",
         O("scaleTargetRef", CrossVersionObjectReference), VI("minReplicas"),
         VI("maxReplicas"), VI("targetCPUUtilizationPercentage"));
SHAPE_AS(HorizontalPodAutoscalerStatusV1, "HorizontalPodAutoscalerStatus",
         VL("observedGeneration"), VTM("lastScaleTime"), VI("currentReplicas"),
         VI("desiredReplicas"), VI("currentCPUUtilizationPercentage"));
XSHAPE(hpa_v1, HorizontalPodAutoscaler, O("spec", HorizontalPodAutoscalerSpecV1),
       O("status", HorizontalPodAutoscalerStatusV1));

/* ---- endpoint slices ---- */

SHAPE(EndpointConditions, VB("ready"), VB("serving"), VB("terminating"));
SHAPE(ForZone, VS("name"));
SHAPE(EndpointHints, L("forZones", ForZone));
SHAPE(Endpoint, VSL("addresses"), O("conditions", EndpointConditions), VS("hostname"),
      O("targetRef", ObjectReference), VMS("deprecatedTopology"), VS("nodeName"), VS("zone"),
      O("hints", EndpointHints));
SHAPE(EndpointPort, VS("name"), VS("protocol"), VI("port"), VS("appProtocol"));
XSHAPE(endpointslice, EndpointSlice, VS("addressType"), L("endpoints", Endpoint),
       L("ports", EndpointPort));

/* ---- storage classes, leases ---- */

XSHAPE(storageclass, StorageClass, VS("provisioner"), VMS("parameters"), VS("reclaimPolicy"),
       VSL("mountOptions"), VB("allowVolumeExpansion"), VS("volumeBindingMode"),
       L("allowedTopologies", TopologySelectorTerm));
SHAPE(LeaseSpec, VS("holderIdentity"), VI("leaseDurationSeconds"), VMT("acquireTime"),
      VMT("renewTime"), VI("leaseTransitions"), VS("strategy"), VS("preferredHolder"));
XSHAPE(lease, Lease, O("spec", LeaseSpec));

/* ---- disruption budgets, priority classes ---- */

SHAPE(PodDisruptionBudgetSpec, VIS("minAvailable"), O("selector", LabelSelector),
      VIS("maxUnavailable"), VS("unhealthyPodEvictionPolicy"));
SHAPE(PodDisruptionBudgetStatus, VL("observedGeneration"), VMTM("disruptedPods"),
      VI("disruptionsAllowed"), VI("currentHealthy"), VI("desiredHealthy"), VI("expectedPods"),
      L("conditions", Condition));
XSHAPE(pdb, PodDisruptionBudget, O("spec", PodDisruptionBudgetSpec),
       O("status", PodDisruptionBudgetStatus));
XSHAPE(priorityclass, PriorityClass, VI("value"), VB("globalDefault"), VS("description"),
       VS("preemptionPolicy"));
